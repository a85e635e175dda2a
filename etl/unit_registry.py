"""The units a load may name, as a Registry (etl/validate.py): every unit version of the warehouse, the renames under
a new code (a form that still writes the old name finds the unit of its year, etl/unit_names.py) and the names a clerk
taught (table unit_aliases, written by etl/aliases.py)."""
from __future__ import annotations

from etl import warehouse
from etl.validate import Registry


def registry(con) -> Registry:
    """The registry of the warehouse open on `con`; each name's search key is the one the warehouse stored (written by
    the same search_key)."""
    reg = Registry()
    for code, name, key, parent, tree_level, first, last in con.execute(
            "SELECT unit_code, name, name_key, parent_code, tree_level, first_year, last_year FROM unit_versions "
            "ORDER BY unit_code, coalesce(first_year, 0)").fetchall():
        reg.add(code, name, key=key, parent_code=parent, tree_level=tree_level, first_year=first, last_year=last)
    add_renames(con, reg)
    add_aliases(con, reg)
    return reg


def registry_of(db) -> Registry:
    """registry() of the warehouse file as it is now, read-only."""
    con = warehouse.connect_readonly(db)
    try:
        return registry(con)
    finally:
        con.close()


def add_renames(con, reg: Registry) -> None:
    """Renames under a new code: a form that still writes the old name finds the unit of its year."""
    for old, year, new in con.execute("SELECT old_code, year, new_code FROM lineage_events WHERE event = 'doi_ten' "
                                      "AND old_code <> new_code ORDER BY year").fetchall():
        reg.renames.setdefault(old, []).append((year, new))


def add_aliases(con, reg: Registry) -> None:
    """Registry.aliases (search key → unit code) from table unit_aliases (a warehouse made before the table existed has
    none)."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'unit_aliases' "
                       "AND schema_name = 'main'").fetchall()[0][0]:
        reg.aliases = {}
        return
    reg.aliases = dict(con.execute("SELECT alias_key, unit_code FROM unit_aliases").fetchall())
    reg._name_index = None
