"""The warehouse file: where it is, how to open it, and how a write happens without anyone seeing half of it.

A write never touches the live file. It copies the file, writes the copy in one transaction, checkpoints it and then
renames it over the live path (an atomic rename on the same filesystem). A dashboard that has the old file open keeps
reading the old version until it notices the new one (see `version()`), so it is never blocked and never sees half a
load. An error, a crash or Ctrl-C before the rename leaves the live file exactly as it was. A lock file keeps two
writers from racing.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import os
import re
import secrets
import shutil
from pathlib import Path

import duckdb

from etl import normalize as nz
from etl import phases

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "warehouse.duckdb"
SCHEMA = Path(__file__).with_name("schema.sql")
REFERENCE = ROOT / "data" / "reference"
SCHEMA_VERSION = "1"

# No extension is ever downloaded: the machine is offline by design.
# memory_limit: DuckDB caches the file's blocks up to this and spills bigger work to disk; without it a dashboard
# process grows to 80 % of the machine's memory at national scale (the fast loader raises it for its own work).
DUCKDB_CONFIG = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false",
                 "memory_limit": os.environ.get("KIEMDIEM_DUCKDB_MEMORY", "1GB")}


def db_path(path: str | os.PathLike | None = None) -> Path:
    """--db option, else $KIEMDIEM_DB, else data/warehouse.duckdb."""
    return Path(path or os.environ.get("KIEMDIEM_DB") or DEFAULT_DB).resolve()


def connect_readonly(path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db_path(path)), read_only=True, config=DUCKDB_CONFIG)


def version(path: str | os.PathLike | None = None) -> tuple[int, int] | None:
    """Identity of the live file version (inode, mtime): changes exactly when a write is published."""
    try:
        st = db_path(path).stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


class WarehouseBusy(Exception):
    pass


@contextlib.contextmanager
def writer_lock(path: Path):
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseBusy("Kho dữ liệu đang được một lần nạp khác ghi — thử lại sau ít phút") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _load_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Reference tables are rebuilt from data/reference/*.csv: editing a CSV changes the rules, not the code."""

    def rows(name: str) -> list[dict]:
        with open(REFERENCE / name, encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    def none(v: str):
        return v if v != "" else None

    con.execute("DELETE FROM levels")
    con.executemany("INSERT INTO levels VALUES (?, ?, ?, ?)",
                    [(int(r["level"]), r["code"], r["name"], r["short"]) for r in rows("levels.csv")])
    con.execute("DELETE FROM level_labels")
    labels = {}
    for r in rows("level_labels.csv"):
        labels[nz.search_key(r["label"])] = (none(r["level"]), none(r["not_rated_reason"]), none(r["era"]))
    con.executemany("INSERT INTO level_labels VALUES (?, ?, ?, ?)", [(k, *v) for k, v in labels.items()])
    con.execute("DELETE FROM subjects")
    con.executemany("INSERT INTO subjects VALUES (?, ?, ?, ?)",
                    [(r["code"], r["name"], r["is_individual"] == "true", int(r["sort_order"]))
                     for r in rows("subjects.csv")])
    con.execute("DELETE FROM org_types")
    con.executemany("INSERT INTO org_types VALUES (?, ?, ?, ?)",
                    [(r["code"], r["name"], none(r["parent"]), int(r["sort_order"])) for r in rows("org_types.csv")])
    con.execute("DELETE FROM tree_levels")
    con.executemany("INSERT INTO tree_levels VALUES (?, ?, ?)",
                    [(r["code"], r["name"], int(r["depth"])) for r in rows("tree_levels.csv")])
    con.execute("DELETE FROM regimes")
    con.executemany("INSERT INTO regimes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(r["regime"], int(r["first_year"]), int(r["last_year"]), none(r["party_rule"]),
                      none(r["guidance"]), r["level_names"], none(r["scoring"]), none(r["note"]))
                     for r in rows("regimes.csv")])
    con.execute("DELETE FROM commendation_rules")
    con.executemany("INSERT INTO commendation_rules (rule_id, subject, ratio, base, streak_years, source, first_year,"
                    " last_year, scope, certainty) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(r["rule_id"], r["subject"], float(r["ratio"]) if r["ratio"] else None, none(r["base"]),
                      int(r["streak_years"]) if r["streak_years"] else None, r["source"],
                      int(r["first_year"]) if r.get("first_year") else None,
                      int(r["last_year"]) if r.get("last_year") else None, none(r.get("scope")), none(r.get("certainty")))
                     for r in rows("commendation_rules.csv")])
    con.execute("DELETE FROM quota_rules")
    con.executemany("INSERT INTO quota_rules (rule_id, first_year, last_year, subject, ratio, base, grouping, "
                    "exception_ratio, scope, source, certainty, collective_group, small_htt, small_status) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(r["rule_id"], int(r["first_year"]), int(r["last_year"]), r["subject"], float(r["ratio"]),
                      r["base"], r["grouping"], float(r["exception_ratio"]) if r["exception_ratio"] else None,
                      r["scope"], r["source"], r["certainty"], none(r.get("collective_group", "")),
                      int(r["small_htt"]) if r.get("small_htt") else None, none(r.get("small_status", "")))
                     for r in rows("quota_rules.csv")])


def schema_tables() -> list[str]:
    """The tables etl/schema.sql creates (a warehouse made by an earlier version may lack the newest: any write adds
    them, and `python -m etl rebuild --if-stale`, which make run calls, sees them missing)."""
    return re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SCHEMA.read_text(encoding="utf-8"))


def _init(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    if not con.execute("SELECT 1 FROM meta WHERE key = 'member_key_salt'").fetchall():
        con.execute("INSERT INTO meta VALUES ('member_key_salt', ?), ('schema_version', ?)",
                    [secrets.token_hex(16), SCHEMA_VERSION])
    _exemplary_from_labels(con)


def _exemplary_from_labels(con: duckdb.DuckDBPyConnection) -> None:
    """Once per warehouse: collective ratings loaded before collective_ratings.exemplary existed get the "tiêu biểu"
    mark back from the label they keep as written (label_raw), as the loaders read it now (etl/normalize.parse_label).
    """
    if con.execute("SELECT 1 FROM meta WHERE key = 'exemplary_from_labels'").fetchall():
        return
    labels = [r[0] for r in con.execute("SELECT DISTINCT label_raw FROM collective_ratings "
                                        "WHERE exemplary IS NULL AND label_raw IS NOT NULL").fetchall()]
    marked = [v for v in labels if (nz.parse_label(v)[0] or nz.Label(None, None)).exemplary]
    if marked:
        con.execute("UPDATE collective_ratings SET exemplary = true "
                    "WHERE exemplary IS NULL AND list_contains(?, label_raw)", [marked])
    con.execute("INSERT INTO meta VALUES ('exemplary_from_labels', ?)", [str(len(marked))])


PRIVATE = 0o600       # the warehouse holds members' ratings and discipline: the service user's alone, whatever umask


def _private_copy_name(live: Path) -> Path:
    return live.with_name(f".{live.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def sweep_leftovers(path: str | os.PathLike | None = None) -> list[Path]:
    """Remove the private copies (and their .wal) of writers that died without cleaning up — a process killed by the
    kernel or aborted by a native library never runs its `finally`. A copy is a leftover when the process named in
    it is gone; a running writer's copy is never touched. Returns what was removed."""
    live = db_path(path)
    removed = []
    for f in live.parent.glob(f".{live.name}.*.tmp*"):
        parts = f.name[len(live.name) + 2:].split(".")
        if len(parts) < 3 or not parts[0].isdigit() or f.name.endswith(".restore.tmp"):
            continue
        try:
            os.kill(int(parts[0]), 0)
            continue                      # that writer is still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue                      # a process of another user: alive
        with contextlib.suppress(FileNotFoundError):
            f.unlink()
            removed.append(f)
    return removed


@contextlib.contextmanager
def writing(path: str | os.PathLike | None = None, publish: bool = True, derive=None):
    """Yield a read-write connection on a private copy; publish it only if the block finishes without error.

    With publish=False (checking a file) the copy is thrown away: nothing is ever written to the live file.
    derive(con, committed=True): the caller's step that rebuilds the derived tables (derive.build), run on the copy
    after the written rows are committed to it and before it is published; this module only stores.
    """
    live = db_path(path)
    live.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(live)
    with (writer_lock(live) if publish else contextlib.nullcontext()):
        tmp = _private_copy_name(live)
        try:
            if live.exists():
                shutil.copy2(live, tmp)
                os.chmod(tmp, PRIVATE)    # copy2 copies the mode: an older 0644 warehouse is made private here
            con = duckdb.connect(str(tmp), config=DUCKDB_CONFIG)
            os.chmod(tmp, PRIVATE)
            try:
                _init(con)
                con.execute("BEGIN TRANSACTION")
                _load_reference(con)
                yield con
                if publish:     # a check's copy is thrown away and nothing reads its derived tables
                    # The loaded rows are committed to this private copy first: held uncommitted, a national
                    # load's rows kept ~2.5 GB of DuckDB's memory (half of it spilled) while the derived tables
                    # were computed. The live file is still replaced only when everything below succeeds.
                    con.execute("COMMIT")
                    con.execute("CHECKPOINT")
                    phases.mark("  rows committed")
                    con.execute("BEGIN TRANSACTION")
                    if derive is not None:
                        derive(con, committed=True)
                con.execute("INSERT OR REPLACE INTO meta VALUES ('updated_at', ?)",
                            [dt.datetime.now().isoformat(timespec="seconds")])
                con.execute("COMMIT")
                phases.mark("  committed")
                con.execute("CHECKPOINT")
            except BaseException:
                with contextlib.suppress(Exception):
                    con.execute("ROLLBACK")
                raise
            finally:
                con.close()
            if publish:
                os.replace(tmp, live)
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()


def ensure(path: str | os.PathLike | None = None, derive=None) -> Path:
    """Create an empty warehouse (schema and reference data, and the derived tables of no data when `derive` is given)
    when none exists."""
    live = db_path(path)
    if not live.exists():
        with writing(live, derive=derive):
            pass
    return live
