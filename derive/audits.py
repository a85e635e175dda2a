"""Audits kept ready in the warehouse: computed inside every load's transaction so that a page only reads them.

At national scale (~54 million ratings) the quota audit takes 10–17 s and the inspection catalog's 27 rules ~10 s
per request — far from interactive — while their inputs change only when something is loaded. So each write
recomputes them here, as steps of derive/steps.py after the tree and the counts:

* quota_audit (queries/derived/quota_audit.sql): every group, year and subject. A year's rows depend only on that
  year's data, the tree and the quota rules, so after a load that says what it changed only the changed years are
  recomputed; all of them when the tree or the rules (data/reference/quota_rules.csv, reloaded at every write)
  changed. The table is then rewritten in the order queries/quota.sql returns (queries/derived/
  quota_audit_order.sql), so that the whole audit is read without a sort.
* member_streaks (queries/derived/member_streaks.sql): for every year, the members HTXS in each of the n years
  ending at it (commendation rule 'nam_nam_lien'); a change in year y changes the streaks ending y … y + n − 1.
* unit_tree (queries/derived/unit_tree.sql): the organization tree as the pages list it; rebuilt when the units or
  the epochs of the tree that have data changed (a year added inside an epoch that has data leaves it as it is).
* today_counts: queries/distribution.sql in today's structure of the latest year for every top-level unit and its
  direct subordinates (the views that open the dashboard), computed by that query itself; the changed years only
  while the structure year's tree and lineage stay the same, else rebuilt (see _today_counts).
* chain_summary: queries/recurring_shortcomings.sql over every year (every chain, with its wording), computed by
  that query itself; rebuilt when the shortcomings, chains or links change (queries/derived/chain_fingerprint.sql) or
  the query's text does.
* inspection_findings: every rule of the inspection catalog (queries/rules/*.sql) over every year, with the
  thresholds of the config file; meta 'findings_fingerprint' records which rule files and thresholds (queries/
  composite.py reads the table only while they match). After a load that changed some years, a rule runs again for
  those years, for the year after them too when it reads the previous year, for every year when it reads all years
  (header `-- years_read:`).

The tests compare the tables with the plain queries they replace (tests/queries/test_fast_equivalents.py).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from etl import phases, warehouse
from queries import composite, runner

DERIVED = Path(__file__).resolve().parent.parent / "queries" / "derived"      # (read by queries/scope.py too)
AUDIT_MEMORY = os.environ.get("KIEMDIEM_AUDIT_MEMORY", "1200MB")      # DuckDB's budget while the findings run


def _sql(name: str) -> str:
    return (DERIVED / f"{name}.sql").read_text(encoding="utf-8")


def _meta(con, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return row[0][0] if row else None


def _set_meta(con, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


_YEAR_TABLES = ("quota_audit", "unit_ancestors_by_year")      # the tables _years may name (identifiers are not bound)


def _years(con, table: str) -> set[int]:
    if table not in _YEAR_TABLES:
        raise ValueError(f"bảng không thuộc danh sách: {table!r}")
    return {int(r[0]) for r in con.execute(f"SELECT DISTINCT year FROM {table}").fetchall()}


TABLES = ("quota_audit", "inspection_findings", "member_streaks", "unit_tree", "today_counts", "chain_summary")


def missing(con) -> list[str]:
    """The tables of this module, or of the schema, that a warehouse made by an earlier version does not have yet."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    return [t for t in [*TABLES, *warehouse.schema_tables()] if t not in have]


def stale(db) -> bool:
    """Whether a warehouse file lacks a table of this module, or its findings or tree were built from other rule files,
    thresholds or statements."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return (bool(missing(con)) or not composite.stored(con)
                or "sort_order" not in {r[0] for r in con.execute("DESCRIBE quota_audit").fetchall()}
                or _quota_unordered(con)
                or (_meta(con, "unit_tree_key") or "") != _unit_tree_key(con)
                or (_meta(con, "today_counts_key") or "") != _today_counts_key(con)
                or (_meta(con, "chain_summary_key") or "") != _chain_summary_key(con))
    finally:
        con.close()


def quota_audit(con, hint) -> None:
    con.execute("ALTER TABLE quota_audit ADD COLUMN IF NOT EXISTS sort_order BIGINT")    # an earlier version's table
    rules = con.execute("SELECT coalesce(md5(string_agg(columns(*)::VARCHAR, '|' ORDER BY rule_id)), '') "
                        "FROM quota_rules").fetchall()
    fingerprint = "|".join(str(x) for x in rules[0])
    all_years = sorted(_years(con, "unit_ancestors_by_year"))
    years = None    # every year: no hint, the tree changed, or the rules changed
    if hint is not None and not hint[0] and _meta(con, "quota_audit_rules") == fingerprint:
        # the years whose data changed, and the years that gained data (lost years are deleted below)
        years = sorted((set(hint[1]) & set(all_years)) | (set(all_years) - _years(con, "quota_audit")))
    # Stored in queries/quota.sql's order, which reads the whole audit unsorted (queries/derived/
    # quota_audit_order.sql): a full build inserts the rows in that order; a build of some years rewrites the table.
    derived = _sql("quota_audit").strip().rstrip(";")
    order = _sql("quota_audit_order")
    if years is None:
        con.execute("DELETE FROM quota_audit")
        con.execute("INSERT INTO quota_audit BY NAME WITH quota_audit_rows AS (" + derived + ") " + order,
                    {"years": all_years})
    else:
        con.execute("DELETE FROM quota_audit WHERE year NOT IN (SELECT DISTINCT year FROM unit_ancestors_by_year) "
                    "OR list_contains($years, year)", {"years": years})
        kept = _years(con, "quota_audit")
        if years and kept and min(years) > max(kept) and not _quota_unordered(con):
            # newer years than every kept one (a new year): their rows, in order, go first; the kept rows follow in
            # the order they are stored in, numbered after them (no sort of the whole table)
            con.execute("CREATE OR REPLACE TEMP TABLE quota_audit_rows AS " + derived, {"years": years})
            con.execute("CREATE OR REPLACE TEMP TABLE quota_audit_kept AS SELECT * FROM quota_audit")
            con.execute("DELETE FROM quota_audit")
            n = con.execute("INSERT INTO quota_audit BY NAME " + order).fetchall()[0][0]
            con.execute("INSERT INTO quota_audit BY NAME SELECT * REPLACE (sort_order + $n AS sort_order) "
                        "FROM quota_audit_kept", {"n": n})
            con.execute("DROP TABLE quota_audit_rows")
            con.execute("DROP TABLE quota_audit_kept")
        elif years or _quota_unordered(con):
            con.execute("CREATE OR REPLACE TEMP TABLE quota_audit_rows AS " + derived, {"years": years})
            con.execute("INSERT INTO quota_audit_rows BY NAME SELECT * EXCLUDE (sort_order) FROM quota_audit")
            con.execute("DELETE FROM quota_audit")
            con.execute("INSERT INTO quota_audit BY NAME " + order)
            con.execute("DROP TABLE quota_audit_rows")
    _set_meta(con, "quota_audit_rules", fingerprint)


def _quota_unordered(con) -> bool:
    """Whether quota_audit has rows not yet numbered in queries/quota.sql's order (made by an earlier version)."""
    return con.execute("SELECT count(*) FROM quota_audit WHERE sort_order IS NULL").fetchall()[0][0] > 0


class _Here:
    """The load's own connection for code that asks for a cursor: a cursor is another connection, which would not
    see the rows of the load's still-open transaction."""

    def __init__(self, con):
        self._con = con

    def cursor(self):
        return self

    def close(self) -> None:        # the load's connection stays open
        pass

    def __getattr__(self, name):
        return getattr(self._con, name)


def findings(con, hint) -> None:
    fingerprint = composite.fingerprint()
    all_years = sorted(_years(con, "unit_ancestors_by_year"))
    done = set(json.loads(_meta(con, "findings_years") or "[]"))
    rules = composite.rules()
    if hint is None or hint[0] or _meta(con, "findings_fingerprint") != fingerprint:
        con.execute("DELETE FROM inspection_findings")
        plan = {rid: None for rid in rules}                      # None: every year
    else:
        con.execute("DELETE FROM inspection_findings WHERE NOT list_contains($y, year)", {"y": all_years})
        changed = (set(hint[1]) | (set(all_years) - done)) & set(all_years)
        after = {y + 1 for y in changed} & set(all_years)
        plan = {rid: (None if changed else []) if r.years_read == "all"
                else sorted(changed | after) if r.years_read == "previous" else sorted(changed)
                for rid, r in rules.items()}
    conf = composite.config()
    here = _Here(con)
    runs: dict[str, list[int] | None] = {}          # rule → the years to run (None: all of them in one run)
    for rid, rule in rules.items():
        years = plan[rid]
        if years == []:
            continue
        if years is None:
            con.execute("DELETE FROM inspection_findings WHERE rule = ?", [rid])
        else:
            con.execute("DELETE FROM inspection_findings WHERE rule = ? AND list_contains(?, year)", [rid, years])
        # rules that read a source query (the quota audit) run year by year: the whole audit as one frame is ~1,5 GB
        # at national scale
        runs[rid] = all_years if years is None and rule.source_query else years
    # (the rows stay in Arrow: as pandas frames typed like run_rule's, 0.8 M national rows cost ~2.4 s more)
    tables: dict[str, list] = {rid: [] for rid in runs}
    reading = [rid for rid in runs if rules[rid].source_query]
    for y in sorted({y for rid in reading for y in runs[rid]}):
        shared: dict = {}        # one year's source rows, shared by the rules that read them, then dropped
        for rid in reading:
            if y in runs[rid]:
                tables[rid].append(composite.rule_rows(here, rules[rid], y, None, conf, shared))
    for rid, years in runs.items():
        rule = rules[rid]
        if not rule.source_query:
            tables[rid] = [composite.rule_rows(here, rule, y, None, conf, {})       # (None: every year at once)
                           for y in (years if years is not None else [None])]
        _insert_findings(con, rule, tables.pop(rid))
    _set_meta(con, "findings_fingerprint", fingerprint)
    _set_meta(con, "findings_years", json.dumps(all_years))


def _insert_findings(con, rule, tables: list) -> None:
    """A rule's rows as composite.run_rule gives them (columns it does not know dropped, the others cast to the
    table's types), numbered in order within each year (`seq`)."""
    tables = [t for t in tables if t is not None]
    if not tables:
        return
    table = pa.concat_tables(tables, promote_options="permissive")
    cols = [c for c in composite.FINDING_TYPES if c in table.column_names and c not in ("rule", "title", "document",
                                                                                        "seq")]
    # seq: the row's place among the rule's rows of its year, in the order the rule gave them
    year = table.column("year").to_pandas() if "year" in cols else pd.Series(np.zeros(table.num_rows))
    seq = year.groupby(year, dropna=False).cumcount().to_numpy(dtype=np.int32)
    table = table.select(cols).append_column("seq", pa.array(seq))
    con.register("_new_findings", table)
    try:
        con.execute("""INSERT INTO inspection_findings BY NAME
            SELECT *, $rule AS rule, $title AS title, $document AS document, $reads AS reads_members
            FROM _new_findings""",
                    {"rule": rule.id, "title": rule.title, "document": rule.document, "reads": rule.reads_members})
    finally:
        con.unregister("_new_findings")


def _spans(years: list[int], width: int) -> list[list[int]]:
    """Sorted years cut into runs whose first and last are less than `width` apart."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y - runs[-1][0] < max(width, 1):
            runs[-1].append(y)
        else:
            runs.append([y])
    return runs


def member_streaks(con, hint) -> None:
    row = con.execute("SELECT streak_years FROM commendation_rules WHERE rule_id = 'nam_nam_lien'").fetchall()
    n = int(row[0][0]) if row and row[0][0] else None
    have = set(json.loads(_meta(con, "member_streaks_years") or "[]"))
    years = sorted(int(r[0]) for r in con.execute("SELECT DISTINCT year FROM member_ratings").fetchall())
    if hint is None or _meta(con, "member_streaks_n") != str(n):
        con.execute("DELETE FROM member_streaks")
        todo = years
    else:
        reach = {y + k for y in hint[1] for k in range(n or 1)}
        todo = sorted((reach & set(years)) | (set(years) - have))
        con.execute("DELETE FROM member_streaks WHERE NOT list_contains($keep, year) OR list_contains($todo, year)",
                    {"keep": years, "todo": todo})
    if n:
        sql = _sql("member_streaks")
        for run in _spans(todo, 60 - n):       # the final years in one grouped pass (bits of a BIGINT: a short span)
            con.execute("INSERT INTO member_streaks BY NAME " + sql, {"years": run, "n": n})
    _set_meta(con, "member_streaks_n", str(n))
    _set_meta(con, "member_streaks_years", json.dumps(years))


def _unit_tree_key(con) -> str:
    """What unit_tree was built from besides the units: the epochs of the tree that have data (queries/derived/
    tree_epochs.sql) and the statement's text."""
    epochs = [r[0] for r in con.execute(_sql("tree_epochs")).fetchall()]
    return json.dumps({"epochs": epochs, "sql": hashlib.sha256(_sql("unit_tree").encode()).hexdigest()[:16]})


def unit_tree(con, hint) -> None:
    key = _unit_tree_key(con)
    if hint is not None and not hint[0] and _meta(con, "unit_tree_key") == key:
        return      # neither the units, the epochs of the tree with data nor the statement changed
    # replaced whole, with the statement's columns (a warehouse built by an earlier statement has other ones)
    con.execute("CREATE OR REPLACE TABLE unit_tree AS SELECT * FROM (" + _sql("unit_tree") + ") ORDER BY tree_order")
    _set_meta(con, "unit_tree_key", key)


def _today_counts_key(con) -> str:
    """What today_counts was built from besides the data of each year: the statement and the lineage events."""
    sql = hashlib.sha256(runner.get("distribution").sql.encode()).hexdigest()[:16]
    return sql + "|" + str(con.execute(_sql("lineage_fingerprint")).fetchall()[0][0])


_STORED_QUERIES = ("today_counts", "chain_summary")     # the tables _store_query may name (identifiers are not bound)


def _store_query(con, table: str, name: str, params: dict, select: str, replace: bool = True) -> None:
    """Replace `table` with the rows queries/NAME.sql gives for `params` (its own statement: the query reads the
    table back where the stored rows answer, so there is no second copy of its logic); `select`: the table's columns
    in order, over the query's. replace=False: add them to the rows there."""
    if table not in _STORED_QUERIES:
        raise ValueError(f"bảng không thuộc danh sách: {table!r}")
    q = runner.get(name)
    if replace:
        con.execute(f"DELETE FROM {table}")
    con.execute(f"INSERT INTO {table} SELECT {select} FROM (" + q.sql.strip().rstrip(";") + ")", runner.bind(q, params))


_TODAY_COLUMNS = "year, unit_code, subject, htxs, htt, ht, khtnv, total, not_rated, basis, note"


def today_counts(con, hint) -> None:
    """today_counts: the distribution query's own rows for the units it keeps ready (see queries/distribution.sql).

    A year's rows depend on that year's data, its tree, and the tree and lineage of the structure year (the latest).
    So after a load that changed some years and no unit, with the same statement and lineage, only those years are
    computed again — when the structure year stayed, or moved to a year with the same tree and no lineage event in
    between (queries/derived/same_structure.sql: a new year of ratings, nationally 5 s → ~1 s); else everything."""
    key = _today_counts_key(con)
    if hint is not None and not hint[0] and not hint[1] and _meta(con, "today_counts_key") == key:
        return      # no data, tree, lineage or statement changed
    s_new = con.execute("SELECT max(year) FROM unit_ancestors_by_year").fetchall()[0][0]
    s_old = con.execute("SELECT max(s_year) FROM today_counts").fetchall()[0][0]
    params = {"view": "cau_truc_hien_tai", "tops": True}
    if (hint is None or hint[0] or _meta(con, "today_counts_key") != key or s_new is None or s_old is None
            or not con.execute(_sql("same_structure"), {"a": s_old, "b": s_new}).fetchall()[0][0]):
        _store_query(con, "today_counts", "distribution", params,
                     "(SELECT max(year) FROM unit_ancestors_by_year), " + _TODAY_COLUMNS)   # (the default: latest)
        _set_meta(con, "today_counts_key", key)
        return
    all_years = _years(con, "unit_ancestors_by_year")
    kept = {r[0] for r in con.execute("SELECT DISTINCT year FROM today_counts").fetchall()}
    todo = sorted((set(hint[1]) & all_years) | (all_years - kept))
    con.execute("DELETE FROM today_counts WHERE list_contains($y::INTEGER[], year) OR year NOT IN "
                "(SELECT DISTINCT year FROM unit_ancestors_by_year)", {"y": sorted(set(hint[1]) | (kept - all_years))})
    con.execute("UPDATE today_counts SET s_year = $s", {"s": s_new})
    for y in todo:
        _store_query(con, "today_counts", "distribution", {**params, "year": y},
                     "(SELECT max(year) FROM unit_ancestors_by_year), " + _TODAY_COLUMNS, replace=False)
    _set_meta(con, "today_counts_key", key)


def _chain_summary_key(con) -> str:
    sql = hashlib.sha256(runner.get("recurring_shortcomings").sql.encode()).hexdigest()[:16]
    return sql + "|" + str(con.execute(_sql("chain_fingerprint")).fetchall()[0][0])


def chain_summary(con, hint=None) -> None:
    """chain_summary: every chain as recurring_shortcomings computes it over every year (the query reads the table
    when asked for the whole range; while it is empty the query computes). Run after derive/shortcomings.rebuild,
    whose tables it reads (derive/steps.py orders them)."""
    key = _chain_summary_key(con)
    if _meta(con, "chain_summary_key") != key:      # (else the same shortcomings, chains, links and statement)
        _store_query(con, "chain_summary", "recurring_shortcomings", {"min_years": 1},
                     "chain_id, unit_code, category_code, first_year, last_year, years, latest_status_code, "
                     "fixed_then_recurred, confirmed_links, texts")
        _set_meta(con, "chain_summary_key", key)
    phases.mark("  chain_summary built")
