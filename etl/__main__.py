import os
import sys

from commands.etl_cli import main

os.umask(0o077)     # every file it creates (warehouse, backups, exports, log) is the service user's alone
sys.exit(main())
