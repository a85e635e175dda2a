"""What a user may read, enforced under the queries: a restricted connection where every warehouse table is a view.

A Restriction says which units' rows a user may read (the subtrees of `roots`; None = every unit) and whether
individual-level rows (member ratings), members' names and the loader's rejected rows (raw lines of the files, with
names) are visible. A reader of rejected rows who may not read names gets them without the person: a rejected member
row loses the member's code, name, discipline and every column outside the templates
(queries/views/rejected_rows_without_names.sql). `connect(path, restriction)` opens an in-memory DuckDB database, attaches the warehouse file read
only and defines, in front of it, one view per warehouse table with the table's own name. Every query file then runs
unchanged — queries/*.sql name `units`, `member_ratings` … and get the views — so a query cannot reach a row outside
the user's scope whatever parameters it is given, including queries that take no unit at all (years, units_tree,
shortcoming_chain …) and the connection a report builder gets from ui.data.connection().

Scope of a unit (its "subtree"): in each evaluation year, the units under it in the tree of that year
(unit_ancestors_by_year); rows of a year are visible only for the units under it that year. Units and today's tree:
the units under it today or in any year. The root becomes a top-level unit (its parent is not visible), and a parent
outside the scope reads as NULL. Predecessor units that were never under the root (a commune merged into it from
elsewhere) stay outside: a deliberate, conservative choice.

Every table of the warehouse must be classified in TABLES: a table nobody classified is empty in a scoped connection
(fail closed), and a test fails until it is classified.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl import warehouse
from etl.layouts import LAYOUTS
from etl.normalize import search_key


@dataclass(frozen=True)
class Restriction:
    roots: tuple[str, ...] | None = None   # unit codes whose subtrees are visible; None = every unit
    individual: bool = True                # member-level rows (member_ratings)
    names: bool = True                     # members' names and codes (member_identities)
    rejects: bool = True                   # the loader's rejected rows (raw lines, names included)

    @property
    def unrestricted(self) -> bool:
        return self.roots is None and self.individual and self.names and self.rejects


FULL = Restriction()

# How each table is filtered. Kinds:
#   reference   visible as is (rules, labels, load history)
#   meta        visible except the member-key salt
#   unit        unit_code in the scope; parent_code outside the scope reads NULL
#   ancestors   today's tree: unit and ancestor both in the scope
#   ancestors_y tree of each year: (year, ancestor) in the scope
#   lineage     old or new unit in the scope
#   year_unit   (year, unit_code) in the scope
#   members     (year, chi_bo_code) in the scope, and only with `individual`
#   findings    (year, unit_code) in the scope; without `individual` only the findings of rules that read no
#               member-level rows (column reads_members)
#   names       only with `names` (and `individual`), for members visible in member_ratings
#   item        item_id of a visible shortcoming item
#   item_pair   from_id and to_id of visible shortcoming items
#   unit_only   unit_code in the scope (no year)
#   rejects     only with `rejects`, never in a scoped connection; without `names`, member rows without the person
#   computed    a table derive/audits.py builds from queries/derived/TABLE.sql over the whole warehouse (no member
#               rows); in a connection restricted to some units that statement runs over the user's views instead
#               (a stored path or count would show the part of the tree above the user's root)
#   whole       a table derive/audits.py builds over the whole warehouse that a query reads only when it holds
#               what the query needs (today_counts, chain_summary); empty in a connection restricted to some units,
#               where the query computes from the user's views instead (a stored sum or chain would take in rows
#               outside the scope)
TABLES = {
    "meta": "meta",
    "levels": "reference", "level_labels": "reference", "subjects": "reference", "tree_levels": "reference",
    "regimes": "reference", "quota_rules": "reference", "commendation_rules": "reference",
    "shortcoming_categories": "reference", "loads": "reference", "org_types": "reference",
    "units": "unit", "unit_versions": "unit",
    "unit_ancestors": "ancestors", "unit_ancestors_by_year": "ancestors_y",
    "lineage_events": "lineage",
    "collective_ratings": "year_unit", "aggregate_counts": "year_unit", "shortcomings": "year_unit",
    "aggregate_counts_by_type": "year_unit",
    "review_suggestions": "year_unit", "record_counts": "year_unit", "shortcoming_items": "year_unit",
    "subtree_counts": "year_unit", "unit_children": "year_unit",     # derived per unit and year (etl/warehouse.py)
    "suggestion_followups": "year_unit", "quota_audit": "year_unit",   # derived (derive/audits.py)
    "quota_decisions": "year_unit",                                   # decisions of the competent level (etl)
    "inspection_findings": "findings",
    "member_ratings": "members", "member_identities": "names",
    "member_streaks": "members",                                      # derived (derive/audits.py)
    "unit_tree": "computed",                                          # derived (derive/audits.py)
    "today_counts": "whole",                                          # derived (derive/audits.py)
    "chain_summary": "whole",                                         # derived (derive/audits.py)
    "shortcoming_chain_items": "item", "shortcoming_links": "item_pair", "shortcoming_decisions": "item_pair",
    "load_replacements": "unit_only",
    "unit_aliases": "unit_only",                                       # names taught by a clerk (etl/aliases.py)
    "rejected_rows": "rejects",
}

IN_PAIRS = "EXISTS (SELECT 1 FROM _scope_pairs s WHERE s.year = t.{y} AND s.unit_code = t.{u})"
IN_UNITS = "t.{c} IN (SELECT unit_code FROM _scope_units)"
ITEMS = ("(SELECT item_id FROM w.main.shortcoming_items i WHERE EXISTS "
         "(SELECT 1 FROM _scope_pairs s WHERE s.year = i.year AND s.unit_code = i.unit_code))")


# Rejected rows without names: the columns of a member's line that identify the person (the code, the name) and those
# that say something about the person (discipline); a rejected member row keeps only the template columns outside them.
REJECTS_WITHOUT_NAMES = Path(__file__).resolve().parent / "views" / "rejected_rows_without_names.sql"
DERIVED = Path(__file__).resolve().parent / "derived"     # the statements of the computed tables (derive/audits.py)
IDENTIFYING = ("member_code", "full_name")
ABOUT_THE_PERSON = IDENTIFYING + ("disciplined", "discipline_form")


def _headers(columns) -> set[str]:
    return {search_key(h) for c in columns for h in (c.header, *c.aliases)}


def reject_columns() -> tuple[list[str], list[str]]:
    """(search keys of the headers a rejected member row keeps: the members' template without the person's columns;
    search keys of the headers naming the person)."""
    members = LAYOUTS["member_ratings"].columns
    keep = _headers(c for c in members if c.field not in ABOUT_THE_PERSON) - \
        _headers(c for c in members if c.field in ABOUT_THE_PERSON)
    return sorted(keep), sorted(_headers(c for c in members if c.field in IDENTIFYING))


def _rejects_without_names(r: Restriction) -> bool:
    return r.rejects and not r.names and r.roots is None


def _condition(kind: str, r: Restriction) -> str | None:
    """The WHERE clause of a table's view (over alias t), or None for every row."""
    scoped = r.roots is not None
    conds = []
    if kind == "meta":
        conds.append("t.key <> 'member_key_salt'")
    if kind == "members" and not r.individual:
        return "false"
    if kind == "findings" and not r.individual:
        conds.append("NOT t.reads_members")
    if kind == "names":
        if not (r.names and r.individual):
            return "false"
        if scoped:
            conds.append("t.member_key IN (SELECT member_key FROM member_ratings)")
    if kind == "rejects" and (not r.rejects or scoped):
        return "false"
    if scoped:
        if kind == "unit" or kind == "unit_only":
            conds.append(IN_UNITS.format(c="unit_code"))
        elif kind == "ancestors":
            conds.append(IN_UNITS.format(c="unit_code") + " AND " + IN_UNITS.format(c="ancestor_code"))
        elif kind == "ancestors_y":
            conds.append(IN_PAIRS.format(y="year", u="ancestor_code"))
        elif kind == "lineage":
            conds.append("(" + IN_UNITS.format(c="old_code") + " OR " + IN_UNITS.format(c="new_code") + ")")
        elif kind in ("year_unit", "findings"):
            conds.append(IN_PAIRS.format(y="year", u="unit_code"))
        elif kind == "members":
            conds.append(IN_PAIRS.format(y="year", u="chi_bo_code"))
        elif kind == "item":
            conds.append(f"t.item_id IN {ITEMS}")
        elif kind == "item_pair":
            conds.append(f"t.from_id IN {ITEMS} AND t.to_id IN {ITEMS}")
        elif kind not in ("reference", "meta", "names", "rejects"):
            return "false"
    return " AND ".join(conds) if conds else None


def _view_sql(table: str, columns: list[str], r: Restriction) -> str:
    kind = TABLES.get(table)
    if r.unrestricted:
        cond = "t.key <> 'member_key_salt'" if kind == "meta" else None
    elif kind is None:      # not classified: nothing in a scoped connection, everything otherwise
        cond = "false" if r.roots is not None else None
    else:
        cond = _condition(kind, r)
    select = "*"
    if kind == "unit" and r.roots is not None and "parent_code" in columns:
        select = "* REPLACE (CASE WHEN t.parent_code IN (SELECT unit_code FROM _scope_units) " \
                 "THEN t.parent_code END AS parent_code)"
    return (f'CREATE VIEW main."{table}" AS SELECT {select} FROM w.main."{table}" t'
            + (f" WHERE {cond}" if cond else ""))


def connect(path, restriction: Restriction = FULL) -> duckdb.DuckDBPyConnection:
    """A read-only connection on the warehouse that shows only what `restriction` allows.

    Always through ATTACH in a new in-memory database, also without restriction: duckdb.connect(path) would return
    the cached instance of a file still open elsewhere in the process — after a load renamed a new version over the
    path, that is the old version — while ATTACH opens the file the path names now.
    """
    con = duckdb.connect(":memory:", config=warehouse.DUCKDB_CONFIG)
    con.execute("ATTACH ? AS w (READ_ONLY)", [str(warehouse.db_path(path))])
    # Macros of the warehouse (vkey …) are recreated here: a cursor does not inherit a search path.
    for name, kind, params, body in con.execute(
            "SELECT function_name, function_type, parameters, macro_definition FROM duckdb_functions() "
            "WHERE database_name = 'w' AND function_type IN ('macro', 'table_macro')").fetchall():
        con.execute(f"CREATE MACRO {name}({', '.join(params)}) AS {'TABLE ' if kind == 'table_macro' else ''}{body}")
    roots = list(restriction.roots or [])
    keep, ids = reject_columns()
    con.execute("CREATE TABLE _reject_keep AS SELECT unnest(?::VARCHAR[]) AS key", [keep])
    con.execute("CREATE TABLE _reject_ids AS SELECT unnest(?::VARCHAR[]) AS key", [ids])
    con.execute("CREATE TABLE _scope_pairs AS SELECT DISTINCT year, unit_code FROM w.main.unit_ancestors_by_year "
                "WHERE ancestor_code IN (SELECT unnest(?::VARCHAR[]))", [roots])
    con.execute("CREATE TABLE _scope_units AS SELECT unit_code FROM w.main.unit_ancestors "
                "WHERE ancestor_code IN (SELECT unnest(?::VARCHAR[])) UNION SELECT unit_code FROM _scope_pairs",
                [roots])
    tables = dict(con.execute(
        "SELECT t.table_name, list(c.column_name) FROM information_schema.tables t "
        "JOIN information_schema.columns c USING (table_catalog, table_schema, table_name) "
        "WHERE t.table_catalog = 'w' AND t.table_schema = 'main' AND t.table_type = 'BASE TABLE' GROUP BY ALL"
    ).fetchall())
    # member_identities' view reads the member_ratings view: views of kind 'names' come last, then the computed ones
    # (they read the others).
    order = {"names": 1, "computed": 2}
    for table in sorted(tables, key=lambda t: (order.get(TABLES.get(t), 0), t)):
        if TABLES.get(table) == "computed" and restriction.roots is not None:    # (they hold no member rows)
            con.execute(f'CREATE VIEW main."{table}" AS ' + _derived_sql(table))
        elif TABLES.get(table) == "rejects" and _rejects_without_names(restriction):
            con.execute("CREATE VIEW main.rejected_rows AS " + REJECTS_WITHOUT_NAMES.read_text(encoding="utf-8"))
        else:
            con.execute(_view_sql(table, tables[table], restriction))
    return con


def _derived_sql(table: str) -> str:
    """The statement derive/audits.py builds a computed table with (queries/derived/TABLE.sql)."""
    return (DERIVED / f"{table}.sql").read_text(encoding="utf-8")


def visible_units(con) -> set[str]:
    return {u for (u,) in con.execute("SELECT unit_code FROM units").fetchall()}
