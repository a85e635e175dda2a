"""Backups of the warehouse and of the audit log: `python -m etl backup [--to DIR] [--keep N]`.

A published warehouse file is never modified in place (a load writes a copy and renames it over the path, see
etl/warehouse.py), so copying the live file gives a consistent version even while the app reads it; the writers'
lock is held during the copy so that the backup is the latest published version. Each backup is opened once to
check that it is a readable warehouse. The audit log is copied beside it. The oldest backups beyond `keep` are
removed. Restoring is copying a backup over the warehouse path with a rename (`python -m etl restore FILE`).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb

from etl import warehouse
from operations import audit


def default_dir(db=None) -> Path:
    return Path(os.environ.get("KIEMDIEM_BACKUP_DIR") or warehouse.db_path(db).parent / "backup")


def _check(path: Path) -> int:
    con = duckdb.connect(":memory:", config=warehouse.DUCKDB_CONFIG)
    try:
        con.execute("ATTACH ? AS b (READ_ONLY)", [str(path)])
        return con.execute("SELECT count(*) FROM b.main.loads").fetchone()[0]
    finally:
        con.close()


def backup(dest: str | os.PathLike | None = None, db=None, keep: int = 30) -> Path:
    live = warehouse.db_path(db)
    if not live.exists():
        raise FileNotFoundError(f"Chưa có kho dữ liệu tại {live}")
    folder = Path(dest) if dest else default_dir(db)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = folder / f"{live.stem}-{stamp}.duckdb"
    tmp = out.with_name(out.name + ".tmp")
    with warehouse.writer_lock(live):                   # no load publishes during the copy
        shutil.copy2(live, tmp)
    os.chmod(tmp, warehouse.PRIVATE)
    _check(tmp)
    os.replace(tmp, out)
    log = audit.audit_path()
    if log.exists():
        shutil.copy2(log, folder / f"audit-{stamp}.jsonl")
        os.chmod(folder / f"audit-{stamp}.jsonl", warehouse.PRIVATE)
    for pattern in (f"{live.stem}-*.duckdb", "audit-*.jsonl"):
        for old in sorted(folder.glob(pattern))[:-keep]:
            old.unlink()
    return out


def restore(source: str | os.PathLike, db=None, by: str = "dòng lệnh") -> Path:
    """Put a backup back as the live warehouse (atomic rename; a running app switches to it on its next query)."""
    src = Path(source)
    loads = _check(src)
    live = warehouse.db_path(db)
    with warehouse.writer_lock(live):
        tmp = live.with_name(f".{live.name}.restore.tmp")
        shutil.copy2(src, tmp)
        os.chmod(tmp, warehouse.PRIVATE)
        os.replace(tmp, live)
    audit.record("khoi_phuc", user=by, what=str(src), rows=loads)
    return live
