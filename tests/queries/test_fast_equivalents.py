"""Queries made faster with pre-summed tables give exactly what their plain versions give. The plain version of each
is kept in tests/queries/plain/ (the query as it was before it read the derived tables); both run on the demo and on
the hand-counted province, over a grid of parameters, and must return the same frame."""
from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from queries import runner

PLAIN = Path(__file__).with_name("plain")


def run_plain(con, name: str, params: dict) -> pd.DataFrame:
    q = runner.parse(PLAIN / f"{name}.sql")
    bound = runner.bind(q, params)
    used = {k: v for k, v in bound.items() if re.search(rf"\${k}\b", q.sql)}
    return con.cursor().execute(q.sql, used).df()


def same_order(fast: pd.DataFrame, plain: pd.DataFrame, order: list[str], what: str) -> None:
    """The same rows, in the same order of the query's ORDER BY (rows tied on it may come in either order)."""
    pd.testing.assert_frame_equal(fast[order], plain[order], obj=what + " (order)")
    cols = list(plain.columns)
    pd.testing.assert_frame_equal(fast.sort_values(cols).reset_index(drop=True),
                                  plain.sort_values(cols).reset_index(drop=True), check_dtype=True, obj=what)


def grid(con, name: str, n: int) -> list[dict]:
    top = [r[0] for r in con.execute("SELECT unit_code FROM units WHERE parent_code IS NULL ORDER BY 1").fetchall()]
    inner = [r[0] for r in con.execute("SELECT DISTINCT ancestor_code FROM unit_ancestors_by_year WHERE distance = 1 "
                                       "ORDER BY 1").fetchall()]
    leaf = [r[0] for r in con.execute("SELECT unit_code FROM record_counts GROUP BY 1 ORDER BY count(*) DESC, 1 "
                                      "LIMIT 3").fetchall()]
    names = [r[0] for r in con.execute("SELECT name FROM units ORDER BY unit_code LIMIT 2").fetchall()]
    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM record_counts ORDER BY 1").fetchall()]
    rnd = random.Random(name)
    units = [None, *top[:2], *rnd.sample(inner, min(3, len(inner))), *leaf, *names]
    combos = list(itertools.product(units, [None, "dang_vien", "tccsd", "can_bo_lanh_dao"],
                                    [None, years[-1], years[0]], [None, "cau_truc_hien_tai"],
                                    [None, years[len(years) // 2]]))
    out = [dict(zip(("unit", "subject", "year", "view", "structure_year"), c)) for c in rnd.sample(combos, n)]
    out += [{"parent": u, "subject": s, "view": v} for u in top[:1] + inner[:2] for s in (None, "dang_vien")
            for v in (None, "cau_truc_hien_tai")]
    return [{k: v for k, v in p.items() if v is not None} for p in out]


@pytest.mark.parametrize("which", ["demo_db", "sc_db"])
def test_distribution_reads_the_same_as_its_plain_version(which, request):
    db = request.getfixturevalue(which)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for params in grid(con, "distribution", 25):
            fast = runner.run(con, "distribution", params)
            plain = run_plain(con, "distribution", params)
            same_order(fast, plain, ["unit", "year", "subject"], f"distribution {params}")
    finally:
        con.close()


def test_distribution_today_reads_today_counts_for_the_units_it_keeps(sc_db, tmp_path):
    """The stored rows are what the query returns for the top-level units and their subordinates in today's structure
    of the latest year (a tampered table shows through), and nothing else reads them: another structure year, a
    deeper unit and the view as reported are computed."""
    import shutil
    db = tmp_path / "w.duckdb"
    shutil.copy(sc_db, db)
    con = duckdb.connect(str(db))
    try:
        s_year, kept, top = con.execute(
            "SELECT max(s_year), count(DISTINCT unit_code), min(unit_code) FILTER (u.parent_code IS NULL) "
            "FROM today_counts JOIN units u USING (unit_code)").fetchone()
        deep = con.execute("SELECT min(unit_code) FROM unit_ancestors_by_year WHERE year = ? AND distance = 2",
                           [s_year]).fetchone()[0]
        assert kept >= 2 and top and deep
        calls = [{"view": "cau_truc_hien_tai"}, {"view": "cau_truc_hien_tai", "parent": top},
                 {"view": "cau_truc_hien_tai", "unit": deep}, {"view": "cau_truc_hien_tai", "structure_year": s_year - 1},
                 {}, {"parent": top}]
        before = [runner.run(con, "distribution", c) for c in calls]
        con.execute("UPDATE today_counts SET htxs = htxs + 1000")
        after = [runner.run(con, "distribution", c) for c in calls]
    finally:
        con.close()
    for c, b, a in zip(calls, before, after):
        assert len(b) > 0, c
        if c in calls[:2]:
            assert (a["htxs"] == b["htxs"] + 1000).all(), c
        else:
            pd.testing.assert_frame_equal(a, b, obj=str(c))


def quota_grid(con) -> list[dict]:
    top = [r[0] for r in con.execute("SELECT unit_code FROM units WHERE parent_code IS NULL ORDER BY 1").fetchall()]
    inner = [r[0] for r in con.execute("SELECT DISTINCT ancestor_code FROM unit_ancestors_by_year WHERE distance = 1 "
                                       "ORDER BY 1").fetchall()]
    names = [r[0] for r in con.execute("SELECT name FROM units ORDER BY unit_code LIMIT 1").fetchall()]
    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM record_counts ORDER BY 1").fetchall()]
    rnd = random.Random("quota")
    units = [None, *top[:1], *rnd.sample(inner, min(3, len(inner))), *names]
    combos = itertools.product(units, [None, "dang_vien", "can_bo_lanh_dao", "tccsd"], [None, years[-1], years[0]])
    out = [dict(zip(("unit", "subject", "year"), c)) for c in combos]
    return [{k: v for k, v in p.items() if v is not None} for p in rnd.sample(out, min(20, len(out)))] + [{}]


@pytest.mark.parametrize("which", ["demo_db", "sc_db"])
def test_quota_reads_the_same_as_its_plain_version(which, request):
    """quota.sql reads the audit built at load time (table quota_audit); the plain query computes it per request."""
    db = request.getfixturevalue(which)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM quota_audit").fetchone()[0] > 0
        for params in quota_grid(con):
            fast = runner.run(con, "quota", params)
            plain = run_plain(con, "quota", params)
            same_order(fast, plain, ["year", "excess", "unit", "subject"], f"quota {params}")
    finally:
        con.close()


@pytest.mark.parametrize("which", ["demo_db", "sc_db"])
def test_quota_in_a_restricted_connection_reads_the_users_subtree_in_order(which, request):
    """Without a unit the audit is read in stored order; in a connection restricted to a subtree that read goes
    through the scope's filtered view, and gives what the plain query gives for that subtree, in its order."""
    from queries import scope
    db = request.getfixturevalue(which)
    full = duckdb.connect(str(db), read_only=True)
    try:
        top = full.execute("SELECT min(unit_code) FROM units WHERE parent_code IS NULL").fetchone()[0]
        inner = full.execute("SELECT max(ancestor_code) FROM unit_ancestors_by_year WHERE distance = 1").fetchone()[0]
        for root in (top, inner):
            con = scope.connect(db, scope.Restriction(roots=(root,)))
            try:
                for params in ({}, {"subject": "dang_vien"}):
                    fast = runner.run(con, "quota", params)
                    plain = run_plain(full, "quota", {**params, "unit": root})
                    assert len(plain) > 0, (root, params)
                    same_order(fast, plain, ["year", "excess", "unit", "subject"], f"quota in {root} {params}")
            finally:
                con.close()
    finally:
        full.close()


@pytest.mark.parametrize("which", ["demo_db", "sc_db"])
def test_stored_findings_read_the_same_as_the_rules_run_live(which, request, monkeypatch):
    """anomalies and composite.findings read table inspection_findings (built at load time) while the rule files and
    thresholds are those it was built with; run live, the rules give the same rows in the same order."""
    from queries import composite
    db = request.getfixturevalue(which)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert composite.stored(con)
        years = [r[0] for r in con.execute("SELECT DISTINCT year FROM record_counts ORDER BY 1").fetchall()]
        top = con.execute("SELECT unit_code FROM units WHERE parent_code IS NULL ORDER BY 1 LIMIT 1").fetchone()[0]
        grid = [{}, {"year": years[-1]}, {"year": years[0]}, {"severity": "vi_pham"}, {"unit": top, "year": years[-1]},
                {"rule": "ty_le_htxs_vuot_quy_dinh,lanh_dao_cao_hon_tap_the"}]
        stored = {str(p): runner.run(con, "anomalies", p) for p in grid}
        stored_all = composite.findings(con)
        some = ("ty_le_htxs_vuot_quy_dinh,lanh_dao_cao_hon_tap_the", years[-1], None)
        stored_some = [composite.findings(con, *some), composite.findings(con, None, None, "vi_pham")]
        monkeypatch.setattr(composite, "stored", lambda *a, **k: False)
        assert len(stored_all) > 0 or which == "sc_db"      # the seed province has only aggregates, all consistent
        pd.testing.assert_frame_equal(stored_all, composite.findings(con), obj="findings")
        pd.testing.assert_frame_equal(stored_some[0].reset_index(drop=True),
                                      composite.findings(con, *some).reset_index(drop=True), obj="findings of two")
        pd.testing.assert_frame_equal(stored_some[1].reset_index(drop=True),
                                      composite.findings(con, None, None, "vi_pham").reset_index(drop=True),
                                      obj="findings vi_pham")
        for p in grid:
            pd.testing.assert_frame_equal(stored[str(p)], runner.run(con, "anomalies", p), obj=f"anomalies {p}")
    finally:
        con.close()


def test_findings_are_not_read_from_the_table_once_a_threshold_changes(demo_db, tmp_path, monkeypatch):
    from queries import composite
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        assert composite.stored(con)
        changed = tmp_path / "inspection_config.csv"
        changed.write_text(composite.CONFIG.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        monkeypatch.setattr(composite, "CONFIG", changed)
        assert not composite.stored(con)
    finally:
        con.close()


@pytest.mark.parametrize("which", ["demo_db", "sc_db"])
def test_exemplary_candidates_reads_the_same_as_its_plain_version(which, request):
    """The unit is looked up first and five-year streaks counted only for this year's excellent units."""
    db = request.getfixturevalue(which)
    con = duckdb.connect(str(db), read_only=True)
    try:
        years = [r[0] for r in con.execute("SELECT DISTINCT year FROM collective_ratings ORDER BY 1").fetchall()]
        units = [r[0] for r in con.execute("SELECT unit_code FROM units WHERE parent_code IS NULL ORDER BY 1 "
                                           "LIMIT 2").fetchall()]
        units += [r[0] for r in con.execute("SELECT ancestor_code FROM unit_ancestors WHERE distance = 1 "
                                            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2").fetchall()]
        seen = 0
        for params in [{}, {"year": years[-1]}, {"year": years[len(years) // 2]},
                       *({"unit": u, "year": years[-1]} for u in units)]:
            fast = runner.run(con, "exemplary_candidates", params)
            plain = run_plain(con, "exemplary_candidates", params)
            same_order(fast, plain, ["subject", "parent", "five_years", "score"], f"exemplary_candidates {params}")
            seen += len(fast)
        assert seen > 0 or which == "sc_db"
    finally:
        con.close()


@pytest.mark.parametrize("which", ["demo_db", "sc_db"])
def test_five_year_excellent_reads_the_same_as_its_plain_version(which, request):
    """Members' streaks counted in one pass (years as bits) give the plain query's rows."""
    db = request.getfixturevalue(which)
    con = duckdb.connect(str(db), read_only=True)
    try:
        years = [r[0] for r in con.execute("SELECT DISTINCT year FROM record_counts ORDER BY 1").fetchall()]
        top = con.execute("SELECT unit_code FROM units WHERE parent_code IS NULL ORDER BY 1 LIMIT 1").fetchone()[0]
        seen = 0
        inner = con.execute("SELECT ancestor_code FROM unit_ancestors WHERE distance = 1 GROUP BY 1 "
                            "ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
        for params in [{}, {"year": years[-1]}, {"year": years[len(years) // 2]}, {"unit": top},
                       {"unit": inner, "year": years[-1]}]:
            fast = runner.run(con, "five_year_excellent", params)
            plain = run_plain(con, "five_year_excellent", params)
            same_order(fast, plain, ["kind", "unit", "subject_key"], f"five_year_excellent {params}")
            seen += len(fast)
        assert seen > 0 or which == "sc_db"
    finally:
        con.close()


@pytest.mark.parametrize("which", ["demo_db", "sc_db"])
@pytest.mark.parametrize("name", ["peer_distribution", "unit_distribution", "children_distribution"])
def test_profile_queries_read_the_same_as_their_plain_versions(which, name, request):
    """The unit profile's and the drill-down's counts read the pre-summed subtree_counts (plus the unit's own records)
    instead of joining every record of the subtree."""
    db = request.getfixturevalue(which)
    con = duckdb.connect(str(db), read_only=True)
    try:
        years = [r[0] for r in con.execute("SELECT DISTINCT year FROM record_counts ORDER BY 1").fetchall()]
        top = [r[0] for r in con.execute("SELECT unit_code FROM units WHERE parent_code IS NULL ORDER BY 1").fetchall()]
        inner = [r[0] for r in con.execute("SELECT DISTINCT ancestor_code FROM unit_ancestors_by_year "
                                           "WHERE distance = 1 ORDER BY 1").fetchall()]
        merged = [r[0] for r in con.execute("SELECT DISTINCT new_code FROM lineage_events ORDER BY 1 LIMIT 3").fetchall()]
        leaf = [r[0] for r in con.execute("SELECT unit_code FROM record_counts GROUP BY 1 ORDER BY count(*) DESC, 1 "
                                          "LIMIT 2").fetchall()]
        rnd = random.Random(name)
        units = [*top[:2], *rnd.sample(inner, min(4, len(inner))), *merged, *leaf]
        rows = 0
        for unit in units:
            for extra in ({}, {"from_year": years[len(years) // 2], "to_year": years[-1]}):
                params = {"unit": unit, **extra}
                if name == "peer_distribution":
                    params["subject"] = "dang_vien"
                    order = ["unit", "unit_code", "year"]
                elif name == "children_distribution":
                    params["subject"] = rnd.choice(["dang_vien", "tccsd", "chi_bo"])
                    order = ["unit_code", "year"]
                else:
                    params["with_predecessors"] = unit in merged
                    order = ["year", "subject"]
                fast = runner.run(con, name, params)
                plain = run_plain(con, name, params)
                same_order(fast, plain, order, f"{name} {params}")
                rows += len(fast)
        assert rows > 0
    finally:
        con.close()


def test_peers_of_a_name_several_units_share(demo_db, tmp_path):
    """A name that several units of different levels share: the peers of each of them (a name is looked up among
    every unit), as the plain query finds them."""
    import shutil
    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    con = duckdb.connect(str(db))
    try:
        a, b = con.execute("SELECT min(unit_code) FILTER (tree_level = 'dang_bo_co_so'), "
                           "min(unit_code) FILTER (tree_level = 'chi_bo_truc_thuoc') FROM units").fetchone()
        assert a and b
        con.execute("UPDATE units SET name_key = (SELECT name_key FROM units WHERE unit_code = $a) "
                    "WHERE unit_code = $b", {"a": a, "b": b})
        name = con.execute("SELECT name FROM units WHERE unit_code = $a", {"a": a}).fetchone()[0]
        params = {"unit": name, "subject": "dang_vien"}
        fast = runner.run(con, "peer_distribution", params)
        plain = run_plain(con, "peer_distribution", params)
        assert {a, b} <= set(fast.loc[fast["is_self"], "unit_code"])
        same_order(fast, plain, ["unit", "unit_code", "year"], f"peer_distribution {params}")
    finally:
        con.close()


@pytest.mark.parametrize("which", ["demo_db", "sc_db"])
def test_units_tree_reads_the_same_as_its_plain_version(which, request):
    """units_tree reads table unit_tree (built at load time); for a user restricted to part of the tree, unit_tree is
    the same statement run over that part. Either way the rows are the plain query's, in the same order."""
    from queries import scope
    db = request.getfixturevalue(which)
    con = duckdb.connect(str(db), read_only=True)
    try:
        top = con.execute("SELECT unit_code FROM units WHERE parent_code IS NULL ORDER BY 1 LIMIT 1").fetchone()[0]
        inner = con.execute("SELECT ancestor_code FROM unit_ancestors WHERE distance = 1 GROUP BY 1 "
                            "ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    finally:
        con.close()
    for r in (scope.FULL, scope.Restriction(roots=(top,)), scope.Restriction(roots=(inner,), individual=False),
              scope.Restriction(individual=False, names=False, rejects=False)):
        con = scope.connect(db, r)
        fast = runner.run(con, "units_tree")
        assert len(fast) > 1
        pd.testing.assert_frame_equal(fast, run_plain(con, "units_tree", {}), obj=f"units_tree {r}")
        if r.roots:
            assert set(fast.loc[fast["depth"] == 0, "unit_code"]) == set(r.roots)
        con.close()


def test_recurring_shortcomings_reads_the_same_as_its_plain_version(demo_db, tmp_path):
    """Over the whole range the chains come from chain_summary (built at load time by the query itself): the same rows
    in the same order as computing them, for every filter; a narrower range is computed (a tampered table does not
    show through there, and does over the whole range — the table is really read)."""
    import shutil
    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    con = duckdb.connect(str(db))
    try:
        y0, y1 = con.execute("SELECT min(year), max(year) FROM shortcoming_items").fetchone()
        assert con.execute("SELECT count(*) FROM chain_summary").fetchone()[0] > 0
        top = con.execute("SELECT unit_code FROM units WHERE parent_code IS NULL ORDER BY 1 LIMIT 1").fetchone()[0]
        busy = [r[0] for r in con.execute("SELECT unit_code FROM shortcoming_items GROUP BY 1 "
                                          "ORDER BY count(*) DESC, 1 LIMIT 2").fetchall()]
        inner = con.execute("SELECT a.ancestor_code FROM unit_ancestors a JOIN shortcoming_items i USING (unit_code) "
                            "WHERE a.distance = 1 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
        grid = [{}, {"min_years": 1}, {"from_year": y0, "to_year": y1}, {"min_years": 1, "texts": False},
                {"subject": "tccsd"}, {"subject": "dang_vien", "min_years": 1}, {"unresolved": True},
                {"category": "sinh_hoat_chi_bo", "min_years": 1}, {"unit": top}, {"unit": inner, "min_years": 1},
                *({"unit": u, "min_years": 1, "subject": "tccsd"} for u in busy),
                {"from_year": y0 + 1}, {"to_year": y1 - 1, "min_years": 1}, {"unit": inner, "from_year": y0 + 1}]
        seen = 0
        for params in grid:
            fast = runner.run(con, "recurring_shortcomings", params)
            plain = run_plain(con, "recurring_shortcomings", params)
            same_order(fast, plain, ["years", "unresolved", "last_year", "unit", "category", "chain_id"],
                       f"recurring_shortcomings {params}")
            seen += len(fast)
        assert seen > 100
        con.execute("UPDATE chain_summary SET confirmed_links = confirmed_links + 100")
        assert (runner.run(con, "recurring_shortcomings", {})["confirmed_links"] >= 100).all()
        narrow = {"from_year": y0 + 1}
        pd.testing.assert_frame_equal(runner.run(con, "recurring_shortcomings", narrow),
                                      run_plain(con, "recurring_shortcomings", narrow))
    finally:
        con.close()


@pytest.mark.parametrize("which", ["demo_db", "sc_db", "seed004_db"])
def test_rules_made_faster_give_what_they_gave(which, request):
    """Rules rewritten for speed (each year's work narrowed to the years it compares, text built only for the rows
    found) give their earlier version's rows, in the same order: every year at once and year by year, as a load
    that changed one year runs them. The earlier versions are kept in tests/queries/plain/rules/."""
    import dataclasses

    from queries import composite
    con = duckdb.connect(str(request.getfixturevalue(which)), read_only=True)
    try:
        years = [r[0] for r in con.execute("SELECT DISTINCT year FROM unit_ancestors_by_year ORDER BY 1").fetchall()]
        rules, conf, found = composite.rules(), composite.config(), 0
        for path in sorted((PLAIN / "rules").glob("*.sql")):
            rule = rules[path.stem]
            plain = dataclasses.replace(rule, query=dataclasses.replace(rule.query,
                                                                        sql=path.read_text(encoding="utf-8")))
            for year in [None, *years]:
                fast = composite.run_rule(con, rule, year, None, conf, {})
                pd.testing.assert_frame_equal(fast, composite.run_rule(con, plain, year, None, conf, {}),
                                              obj=f"{rule.id} {year}")
                found += len(fast)
        assert found > 0 or which != "demo_db"      # (the other two have no finding of these rules)
    finally:
        con.close()
