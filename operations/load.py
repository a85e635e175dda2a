"""The one way files get into the warehouse: the load pipeline (etl/loader.py) and then the derived tables (derive.build)
on the same private copy, published together or not at all. The command line, the import page, the demo, the
benchmark and the tests all call this `load_files`."""
from __future__ import annotations

from pathlib import Path

import derive
from etl import loader
from etl.load_result import LoadResult


def load_files(paths: list[str | Path], db: str | Path | None = None, **options) -> LoadResult:
    """etl.loader.load_files (its options: unit, subject, replace, dry_run, progress, note, with_preview, year), with
    the derived tables rebuilt before the load is published."""
    return loader.load_files(paths, db, derive=derive.build, **options)
