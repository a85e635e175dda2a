"""queries.frames builds, through Arrow, the same pandas frame as DuckDB's `.df()`: every query of the catalog (and
every inspection rule) with the parameters its pages pass (bench.workload), on the demo and on the seed district,
and a table of awkward types."""
from __future__ import annotations

import re

import duckdb
import pandas as pd
import pytest

from bench import workload
from queries import composite, frames, runner, scope


def _both(con, sql: str, params: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    return frames.fetch(con.cursor(), sql, params), con.cursor().execute(sql, params).df()


def _calls(con):
    """(label, cursor, sql, parameters): each call of the workload, and each inspection rule over its first years."""
    for call in workload.calls(workload.picks(con)):
        q = runner.get(call.query)
        if call.skipped or q.meta.get("composite"):
            continue
        try:
            bound = runner.bind(q, call.params)
        except runner.QueryError:       # a value the workload could not pick on this warehouse (seed: no province)
            continue
        yield call.key, con.cursor(), runner.text(q), bound     # (a query over another: the SQL that runs)
    for rule in composite.rules().values():
        first, last, _ = rule.segments()[0]
        cur = con.cursor()
        if rule.source_query:
            cur.register("src", runner.run(con, rule.source_query, {}))
        yield rule.id, cur, rule.query.sql, composite.rule_params(rule, first, last, composite.config())


@pytest.mark.parametrize("which", ["demo_db", "seed004_db"])
def test_every_query_gives_the_frame_df_gives(which, request):
    con = scope.connect(request.getfixturevalue(which))
    checked = 0
    for key, cur, sql, bound in _calls(con):
        used = {k: v for k, v in bound.items() if re.search(rf"\${k}\b", sql)}
        fast, plain = frames.fetch(cur, sql, used), cur.execute(sql, used).df()
        pd.testing.assert_frame_equal(fast, plain, obj=key)
        checked += 1
    assert checked > 60


def test_awkward_types():
    con = duckdb.connect()
    sql = """SELECT * FROM (VALUES
        (1::INTEGER, NULL::INTEGER, true, NULL::BOOLEAN, 'x', NULL::VARCHAR, 1.5::DECIMAL(5, 2), DATE '2020-01-01',
         2::HUGEINT, 3::TINYINT, NULL::TINYINT, 1.5::FLOAT, [1, 2], NULL),
        (2, 5, false, true, NULL, NULL, NULL, NULL, 3, 4, 1, NULL, NULL, NULL)) t(i, i_null, b, b_null, s, s_null,
        dec, d, h, t, t_null, f, l, n)"""
    fast, plain = _both(con, sql, {})
    pd.testing.assert_frame_equal(fast.drop(columns="l"), plain.drop(columns="l"))
    assert list(fast["l"][0]) == list(plain["l"][0])
    assert fast["l"][1] is pd.NA and plain["l"][1] is pd.NA
    for empty in ("SELECT 1 AS a, 'x' AS b, NULL::INTEGER AS c FROM range(0)", "SELECT NULL::VARCHAR AS s"):
        fast, plain = _both(con, empty, {})
        pd.testing.assert_frame_equal(fast, plain, obj=empty)


def test_an_enum_comes_back_as_text():
    """ENUM (the rule catalog's titles carried through a sort as codes) is given back as text, not as .df()'s
    Categorical; NULLs stay missing."""
    con = duckdb.connect()
    con.execute("CREATE TYPE mood AS ENUM ('vui', 'buồn')")
    sql = "SELECT * FROM (VALUES ('vui'::mood, 1), (NULL, 2), ('buồn', 3)) t(m, i)"
    fast = frames.fetch(con.cursor(), sql)
    text = frames.fetch(con.cursor(), "SELECT m::VARCHAR AS m, i FROM (" + sql + ")")
    pd.testing.assert_frame_equal(fast, text)
    assert list(fast["m"].isna()) == [False, True, False] and fast["m"][2] == "buồn"

