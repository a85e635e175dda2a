"""The one query runner: the pages and the command line run queries/NAME.sql through here.

Each .sql file starts with a header of `-- key: value` lines (name, title, description, param, columns). Parameters
are bound by name ($unit, $year …), never formatted into the SQL text. Every declared parameter is always bound
(None when not given), so a query can test `$year IS NULL`. Reading a file, binding its parameters and running it
is queries/sqlfile.py; its names (Query, Param, QueryError, parse, catalog, get, bind, text, QUERY_DIR) are used
through this module.

A query whose header has `-- composite: FOLDER` is built from the rule files in queries/FOLDER/ (see
queries/composite.py): `run(con, "anomalies", params)` runs every rule with its own bound parameters and then the
query's own SQL over the collected rows. A query whose header has `-- over: NAME` reads the rows of queries/NAME.sql
(with the same parameters) as the table `over`: a summary of another query's rows without copying its SQL. Every
header key is kept in `Query.meta`.

The imports go one way: runner → composite → sqlfile.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from queries import composite
# the names callers use as runner.X, defined in queries/sqlfile.py
from queries.sqlfile import QUERY_DIR, Param, Query, QueryError, bind, catalog, get, parse, text  # noqa: F401


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pd.DataFrame:
    """Run a named query on its own cursor (a DuckDB connection is shared between Streamlit sessions): a composite
    query through queries.composite, any other as its SQL with the parameters it uses (composite.run_named)."""
    return composite.run_named(con, name, params)
