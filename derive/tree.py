"""The organization tree by year and the rating counts under every unit: the derived tables the dashboard's
distribution reads (units, unit_ancestors, unit_ancestors_by_year, record_counts, unit_children, subtree_counts).

Each function is one step of derive/steps.py and takes the load's hint (load_hint): None rebuilds everything; else
only what changed — the tree when unit versions changed (otherwise only the years that gained or lost data), the
counts of the years whose ratings changed. The result is the same as a full rebuild.
"""
from __future__ import annotations

from etl import phases

# Years that have data, and the tree of each: the units alive in a year are the same for every year between two
# consecutive boundaries (a first year, or a last year + 1), so the tree is walked once per such epoch.
_YEARS_WITH_DATA = """
    SELECT DISTINCT year FROM (
        SELECT year FROM member_ratings UNION SELECT year FROM collective_ratings
        UNION SELECT year FROM aggregate_counts UNION SELECT year FROM shortcomings
        UNION SELECT year FROM review_suggestions UNION SELECT year FROM lineage_events)
"""
_DROP_YEARS_WITHOUT_DATA = "DELETE FROM unit_ancestors_by_year WHERE year NOT IN (" + _YEARS_WITH_DATA + ")"
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
        con.execute("SET preserve_insertion_order = true" if order else "SET preserve_insertion_order = false")
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


def load_hint(con) -> tuple[bool, list[int]] | None:
    """What a load changed, when it says so (the loader leaves temp table derived_hint): whether unit
    versions changed, and the years whose ratings changed. None: rebuild everything."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'derived_hint'"
                       ).fetchall()[0][0]:
        return None
    row = con.execute("SELECT units_changed, years FROM temp.main.derived_hint").fetchall()
    return (bool(row[0][0]), [int(y) for y in row[0][1] or []]) if row else None


def tree(con, hint) -> None:
    """units, unit_ancestors and unit_ancestors_by_year."""
    if hint is None or hint[0]:
        _rebuild_tree(con)
    else:
        con.execute(_DROP_YEARS_WITHOUT_DATA)
        _insert_ancestors_by_year(con, "year NOT IN (SELECT DISTINCT year FROM unit_ancestors_by_year)")
    phases.mark("  tree built")


def record_counts(con, hint) -> None:
    """Members and collectives counted per unit, year, subject and level."""
    if hint is None:
        con.execute("DELETE FROM record_counts")
        con.execute("INSERT INTO record_counts " + _RECORD_COUNTS.format(only="true"))
    elif hint[1]:
        only = f"year IN ({', '.join(str(int(y)) for y in hint[1])})"
        con.execute("DELETE FROM record_counts WHERE list_contains($y, year)", {"y": [int(y) for y in hint[1]]})
        con.execute("INSERT INTO record_counts " + _RECORD_COUNTS.format(only=only))
    phases.mark("  record_counts built")


def unit_children(con, hint) -> None:
    """The units that have subordinates, per year."""
    con.execute("DELETE FROM unit_children")
    con.execute("INSERT INTO unit_children SELECT DISTINCT year, ancestor_code FROM unit_ancestors_by_year "
                "WHERE distance = 1 ORDER BY 2, 1")


def subtree_counts(con, hint) -> None:
    """Subtree sums: all of them when the tree or every count changed, else the years whose counts changed and the
    years that gained or lost their tree."""
    if hint is None or hint[0]:
        con.execute("DELETE FROM subtree_counts")
        con.execute("INSERT INTO subtree_counts " + _SUBTREE_COUNTS.format(only="true"))
    else:
        con.execute("DELETE FROM subtree_counts WHERE year NOT IN (SELECT DISTINCT year FROM unit_ancestors_by_year)"
                    + (f" OR year IN ({', '.join(str(int(y)) for y in hint[1])})" if hint[1] else ""))
        # the years as a list of constants (a filter the scans of both tables can use; a NOT IN (subquery) cannot,
        # and the whole join was computed to keep one year)
        present = {r[0] for r in con.execute("SELECT DISTINCT year FROM subtree_counts").fetchall()}
        counted = {r[0] for r in con.execute("SELECT DISTINCT year FROM record_counts").fetchall()}
        todo = sorted(set(hint[1]) | (counted - present))
        if todo:
            con.execute("INSERT INTO subtree_counts " + _SUBTREE_COUNTS.format(
                only=f"r.year IN ({', '.join(str(int(y)) for y in todo)})"))
    phases.mark("  subtree_counts built")


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
