"""Audits kept ready in the warehouse: computed inside every load's transaction so that a page only reads them.

At national scale (~54 million ratings) the quota audit takes 10–17 s and the inspection catalog's 27 rules ~10 s
per request — far from interactive — while their inputs change only when something is loaded. So each write
recomputes them here, after the other derived tables (etl/warehouse.rebuild_derived):

* quota_audit (queries/derived/quota_audit.sql): every group, year and subject. A year's rows depend only on that
  year's data, the tree and the quota rules, so after a load that says what it changed only the changed years are
  recomputed; all of them when the tree or the rules (data/reference/quota_rules.csv, reloaded at every write)
  changed.

The tests compare the tables with the plain queries they replace (tests/queries/test_fast_equivalents.py).
"""
from __future__ import annotations

from pathlib import Path

import duckdb

DERIVED = Path(__file__).resolve().parent.parent / "queries" / "derived"


def _sql(name: str) -> str:
    return (DERIVED / f"{name}.sql").read_text(encoding="utf-8")


def _meta(con, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return row[0][0] if row else None


def _set_meta(con, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def _years(con, table: str) -> set[int]:
    return {int(r[0]) for r in con.execute(f"SELECT DISTINCT year FROM {table}").fetchall()}


def _stale_years(con, table: str, hint, fingerprint_key: str, fingerprint: str) -> list[int] | None:
    """The years of `table` to recompute: None = every year (no hint, the tree changed, or the inputs' fingerprint
    changed); else the years whose data changed, plus years that gained data, and (caller deletes) lost years."""
    if hint is None or hint[0] or _meta(con, fingerprint_key) != fingerprint:
        return None
    have, want = _years(con, table), _years(con, "unit_ancestors_by_year")
    return sorted((set(hint[1]) & want) | (want - have))


def rebuild(con: duckdb.DuckDBPyConnection, hint) -> None:
    """Recompute the audits after a load; `hint` as etl.warehouse._derived_hint (None = recompute everything)."""
    _quota_audit(con, hint)


def _quota_audit(con, hint) -> None:
    rules = con.execute("SELECT coalesce(md5(string_agg(columns(*)::VARCHAR, '|' ORDER BY rule_id)), '') "
                        "FROM quota_rules").fetchall()
    fingerprint = "|".join(str(x) for x in rules[0])
    years = _stale_years(con, "quota_audit", hint, "quota_audit_rules", fingerprint)
    all_years = sorted(_years(con, "unit_ancestors_by_year"))
    if years is None:
        con.execute("DELETE FROM quota_audit")
        years = all_years
    else:
        con.execute("DELETE FROM quota_audit WHERE year NOT IN (SELECT DISTINCT year FROM unit_ancestors_by_year) "
                    "OR list_contains($years, year)", {"years": years})
    if years:
        con.execute("INSERT INTO quota_audit BY NAME " + _sql("quota_audit"), {"years": years})
    _set_meta(con, "quota_audit_rules", fingerprint)
