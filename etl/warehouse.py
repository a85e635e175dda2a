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
def _lock(path: Path):
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
    from etl.normalize import search_key

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
        labels[search_key(r["label"])] = (none(r["level"]), none(r["not_rated_reason"]), none(r["era"]))
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
    from etl import normalize as nz
    labels = [r[0] for r in con.execute("SELECT DISTINCT label_raw FROM collective_ratings "
                                        "WHERE exemplary IS NULL AND label_raw IS NOT NULL").fetchall()]
    marked = [v for v in labels if (nz.parse_label(v)[0] or nz.Label(None, None)).exemplary]
    if marked:
        con.execute("UPDATE collective_ratings SET exemplary = true "
                    "WHERE exemplary IS NULL AND list_contains(?, label_raw)", [marked])
    con.execute("INSERT INTO meta VALUES ('exemplary_from_labels', ?)", [str(len(marked))])


# Years that have data, and the tree of each: the units alive in a year are the same for every year between two
# consecutive boundaries (a first year, or a last year + 1), so the tree is walked once per such epoch.
_YEARS_WITH_DATA = """
    SELECT DISTINCT year FROM (
        SELECT year FROM member_ratings UNION SELECT year FROM collective_ratings
        UNION SELECT year FROM aggregate_counts UNION SELECT year FROM shortcomings
        UNION SELECT year FROM review_suggestions UNION SELECT year FROM lineage_events)
"""
# Each year with data that {only} selects, and the first such year of its epoch (whose tree it shares).
_ANCESTORS_BY_YEAR = """
    WITH RECURSIVE years AS (SELECT year FROM ({years}) WHERE {only}),
    bounds AS (
        SELECT DISTINCT coalesce(first_year, 0) AS b FROM unit_versions
        UNION SELECT DISTINCT coalesce(last_year, 9999) + 1 FROM unit_versions
    ),
    epochs AS (SELECT y.year, (SELECT count(*) FROM bounds WHERE b <= y.year) AS epoch FROM years y),
    rep AS (SELECT epoch, min(year) AS year FROM epochs GROUP BY epoch)
    SELECT e.year, r.year AS rep FROM epochs e JOIN rep r USING (epoch)
"""
# The tree of each representative year (table _anc_epochs), sorted by ancestor.
_TREE_OF_REP_YEARS = """
    WITH RECURSIVE alive AS (
        SELECT r.year, v.unit_code, v.parent_code
        FROM (SELECT DISTINCT rep AS year FROM _anc_epochs) r
        JOIN unit_versions v ON r.year BETWEEN coalesce(v.first_year, 0) AND coalesce(v.last_year, 9999)
    ),
    up(year, unit_code, ancestor_code, distance) AS (
        SELECT year, unit_code, unit_code, 0 FROM alive
        UNION ALL
        SELECT up.year, up.unit_code, a.parent_code, up.distance + 1
        FROM up JOIN alive a ON a.year = up.year AND a.unit_code = up.ancestor_code
        WHERE a.parent_code IS NOT NULL AND up.distance < 20
    )
    SELECT year, unit_code, ancestor_code, min(distance) AS distance FROM up GROUP BY ALL
    ORDER BY year, ancestor_code
"""


def _insert_ancestors_by_year(con, only: str) -> None:
    """INSERT INTO unit_ancestors_by_year the tree of every year with data that `only` (SQL over year) selects,
    stored in (year, ancestor) order. The tree is the same for every year of an epoch: it is computed and sorted
    once per epoch (two at national scale), then copied year by year in year order — instead of sorting every
    year's copy (9.5 million rows). preserve_insertion_order keeps the copy in the order of the sorted tree."""
    con.execute("CREATE OR REPLACE TEMP TABLE _anc_epochs AS "
                + _ANCESTORS_BY_YEAR.format(years=_YEARS_WITH_DATA, only=only))
    con.execute("CREATE OR REPLACE TEMP TABLE _anc_rep AS " + _TREE_OF_REP_YEARS)
    order = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = true")
    try:
        for year, rep in con.execute("SELECT year, rep FROM _anc_epochs ORDER BY year").fetchall():
            con.execute("INSERT INTO unit_ancestors_by_year SELECT $y, unit_code, ancestor_code, distance "
                        "FROM _anc_rep WHERE year = $r", {"y": year, "r": rep})
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if order else 'false'}")
        con.execute("DROP TABLE IF EXISTS _anc_epochs")
        con.execute("DROP TABLE IF EXISTS _anc_rep")


# Members counted once per chi bộ and year, all of them and the leaders among them (one grouping: a chi bộ with a
# leader gives a second row, subject can_bo_lanh_dao, from the same group).
_RECORD_COUNTS = """
    WITH m AS (
        SELECT year, chi_bo_code,
               count(*) FILTER (level = 1) AS c1, count(*) FILTER (level = 2) AS c2, count(*) FILTER (level = 3) AS c3,
               count(*) FILTER (level = 4) AS c4, count(*) FILTER (level IS NULL) AS c0,
               count(*) FILTER (is_leader AND level = 1) AS l1, count(*) FILTER (is_leader AND level = 2) AS l2,
               count(*) FILTER (is_leader AND level = 3) AS l3, count(*) FILTER (is_leader AND level = 4) AS l4,
               count(*) FILTER (is_leader AND level IS NULL) AS l0, bool_or(is_leader) IS TRUE AS lead
        FROM member_ratings WHERE {only} GROUP BY ALL
    )
    SELECT year, chi_bo_code, r.s, r.a, r.b, r.c, r.d, r.n FROM (
        SELECT year, chi_bo_code, unnest(CASE WHEN lead
            THEN [{{'s': 'dang_vien', 'a': c1, 'b': c2, 'c': c3, 'd': c4, 'n': c0}},
                  {{'s': 'can_bo_lanh_dao', 'a': l1, 'b': l2, 'c': l3, 'd': l4, 'n': l0}}]
            ELSE [{{'s': 'dang_vien', 'a': c1, 'b': c2, 'c': c3, 'd': c4, 'n': c0}}] END) AS r
        FROM m)
    UNION ALL
    SELECT year, unit_code, subject,
           count(*) FILTER (level = 1), count(*) FILTER (level = 2), count(*) FILTER (level = 3),
           count(*) FILTER (level = 4), count(*) FILTER (level IS NULL)
    FROM collective_ratings WHERE {only} GROUP BY ALL
    ORDER BY 2, 1
"""

_SUBTREE_COUNTS = """
    SELECT r.year, a.ancestor_code, r.subject, sum(r.htxs), sum(r.htt), sum(r.ht), sum(r.khtnv), sum(r.not_rated)
    FROM record_counts r JOIN unit_ancestors_by_year a ON a.unit_code = r.unit_code AND a.year = r.year
    WHERE a.distance > 0 AND ({only})
    GROUP BY ALL
    ORDER BY 2, 1
"""

def _derived_hint(con) -> tuple[bool, list[int]] | None:
    """What a load changed, when it says so (the fast loader leaves temp table derived_hint): whether unit
    versions changed, and the years whose ratings changed. None: rebuild everything."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'derived_hint'"
                       ).fetchall()[0][0]:
        return None
    row = con.execute("SELECT units_changed, years FROM temp.main.derived_hint").fetchall()
    return (bool(row[0][0]), [int(y) for y in row[0][1] or []]) if row else None


def rebuild_derived(con: duckdb.DuckDBPyConnection, committed: bool = False) -> None:
    """Tables computed from the loaded rows; rebuilt by every write, on its private copy, before it is published.

    After a load that reports what it changed (derived_hint), only that is recomputed: the tree tables when unit
    versions changed (else only years that gained or lost data), rating counts for the years whose ratings changed.
    The result is the same as a full rebuild.

    committed=True (writing() after committing the loaded rows): the shortcomings, which read only loaded rows, are
    computed on a second connection beside the rest (etl/beside.py), and this function commits the caller's
    transaction and begins another before the chains' summary, which reads what that connection wrote."""
    from analysis import shortcomings
    from etl import precompute
    from etl.beside import beside
    from etl.fastload import _log       # the load's phase timings (python -m bench prints them)
    hint = _derived_hint(con)
    with beside(con, shortcomings.rebuild, "shortcomings") if committed else contextlib.nullcontext():
        _rebuild_tables(con, hint)
        if not committed:
            shortcomings.rebuild(con)       # classification, cross-year links and chains (when texts changed)
        precompute.rebuild(con, hint)       # audits the pages only read (quota, inspection findings)
    _log("  shortcomings built")
    if committed:
        con.execute("COMMIT")
        con.execute("BEGIN TRANSACTION")
    precompute.chain_summary(con)


def _rebuild_tables(con, hint) -> None:
    """The tree and the rating counts (see rebuild_derived)."""
    from etl.fastload import _log
    tree_changed = hint is None or hint[0]
    if tree_changed:
        _rebuild_tree(con)
    else:
        years = f"year IN ({_YEARS_WITH_DATA})"
        con.execute(f"DELETE FROM unit_ancestors_by_year WHERE NOT {years}")
        _insert_ancestors_by_year(con, "year NOT IN (SELECT DISTINCT year FROM unit_ancestors_by_year)")
    if hint is None:
        con.execute("DELETE FROM record_counts")
        con.execute("INSERT INTO record_counts " + _RECORD_COUNTS.format(only="true"))
    elif hint[1]:
        only = f"year IN ({', '.join(str(y) for y in hint[1])})"
        con.execute(f"DELETE FROM record_counts WHERE {only}")
        con.execute("INSERT INTO record_counts " + _RECORD_COUNTS.format(only=only))
    _log("  tree and record_counts built")
    con.execute("DELETE FROM unit_children")
    con.execute("INSERT INTO unit_children SELECT DISTINCT year, ancestor_code FROM unit_ancestors_by_year "
                "WHERE distance = 1 ORDER BY 2, 1")
    # subtree sums: all of them when the tree or every count changed, else the years whose counts changed and the
    # years that gained or lost their tree
    if tree_changed or hint is None:
        con.execute("DELETE FROM subtree_counts")
        con.execute("INSERT INTO subtree_counts " + _SUBTREE_COUNTS.format(only="true"))
    else:
        con.execute(f"DELETE FROM subtree_counts WHERE year NOT IN (SELECT DISTINCT year FROM unit_ancestors_by_year)"
                    + (f" OR year IN ({', '.join(str(y) for y in hint[1])})" if hint[1] else ""))
        # the years as a list of constants (a filter the scans of both tables can use; a NOT IN (subquery) cannot,
        # and the whole join was computed to keep one year)
        present = {r[0] for r in con.execute("SELECT DISTINCT year FROM subtree_counts").fetchall()}
        counted = {r[0] for r in con.execute("SELECT DISTINCT year FROM record_counts").fetchall()}
        todo = sorted(set(hint[1]) | (counted - present))
        if todo:
            con.execute("INSERT INTO subtree_counts " + _SUBTREE_COUNTS.format(
                only=f"r.year IN ({', '.join(str(int(y)) for y in todo)})"))
    _log("  subtree_counts built")


def _rebuild_tree(con) -> None:
    con.execute("DELETE FROM units")
    con.execute("""
        INSERT INTO units
        SELECT unit_code,
               arg_max(name, coalesce(first_year, 0)), arg_max(name_key, coalesce(first_year, 0)),
               arg_max(tree_level, coalesce(first_year, 0)), arg_max(kind, coalesce(first_year, 0)),
               arg_max(parent_code, coalesce(first_year, 0)),
               CASE WHEN bool_or(first_year IS NULL) THEN NULL ELSE min(first_year) END,
               CASE WHEN bool_or(last_year IS NULL) THEN NULL ELSE max(last_year) END,
               arg_max(load_id, coalesce(first_year, 0)), arg_max(source_sheet, coalesce(first_year, 0)),
               arg_max(source_row, coalesce(first_year, 0))
        FROM unit_versions GROUP BY unit_code
    """)
    con.execute("DELETE FROM unit_ancestors")
    con.execute("""
        INSERT INTO unit_ancestors
        WITH RECURSIVE up(unit_code, ancestor_code, distance) AS (
            SELECT unit_code, unit_code, 0 FROM units
            UNION ALL
            SELECT up.unit_code, u.parent_code, up.distance + 1
            FROM up JOIN units u ON u.unit_code = up.ancestor_code
            WHERE u.parent_code IS NOT NULL AND up.distance < 20
        )
        SELECT unit_code, ancestor_code, min(distance) FROM up GROUP BY ALL
    """)
    # The tree of every evaluation year that has data.
    con.execute("DELETE FROM unit_ancestors_by_year")
    _insert_ancestors_by_year(con, "true")



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
def writing(path: str | os.PathLike | None = None, publish: bool = True):
    """Yield a read-write connection on a private copy; publish it only if the block finishes without error.

    With publish=False (checking a file) the copy is thrown away: nothing is ever written to the live file.
    """
    live = db_path(path)
    live.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(live)
    with (_lock(live) if publish else contextlib.nullcontext()):
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
                    _log_phase("  rows committed")
                    con.execute("BEGIN TRANSACTION")
                    rebuild_derived(con, committed=True)
                con.execute("INSERT OR REPLACE INTO meta VALUES ('updated_at', ?)",
                            [dt.datetime.now().isoformat(timespec="seconds")])
                con.execute("COMMIT")
                _log_phase("  committed")
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


def _log_phase(msg: str) -> None:
    from etl.fastload import _log       # the load's phase timings (python -m bench prints them)
    _log(msg)


def ensure(path: str | os.PathLike | None = None) -> Path:
    """Create an empty warehouse (schema and reference data) when none exists."""
    live = db_path(path)
    if not live.exists():
        with writing(live):
            pass
    return live
