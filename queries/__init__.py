"""Named read queries (one .sql file each) and the runner shared by the pages and the command line."""
