"""The queries behind the Standing Committee pages, on the hand-counted province (tests/standing_committee_data.py)
and the seed-004 district."""
from __future__ import annotations

import pandas as pd
import pytest

from etl import warehouse
from queries import runner
from tests.standing_committee_data import EXPECTED, MEMBERS


def run(db, name, **params):
    con = warehouse.connect_readonly(db)
    try:
        return runner.run(con, name, params)
    finally:
        con.close()


def counts(df, *keys):
    return {k if len(keys) > 1 else k[0]: (r.htxs, r.htt, r.ht, r.khtnv)
            for k, r in zip(df[list(keys)].itertuples(index=False, name=None), df.itertuples())}


def test_every_query_declares_its_columns(sc_db):
    for name in ("units_tree", "years", "subjects", "levels", "warehouse_info"):
        df = run(sc_db, name)
        assert list(df.columns) == list(runner.get(name).columns), name


def test_units_tree_in_tree_order_with_search_keys(sc_db):
    u = run(sc_db, "units_tree")
    codes = list(u["unit_code"])
    assert codes[0] == "T"
    # each unit after its parent; siblings in Vietnamese order (Đ after D, before H)
    assert codes.index("X1") < codes.index("C11") < codes.index("C12") < codes.index("X2")
    top_children = [c for c in codes if u.set_index("unit_code").at[c, "parent_code"] == "T"]
    assert top_children == ["X3", "X4", "H2", "H1"]      # Đảng bộ xã An Phú, … Bình Minh, Huyện ủy An Phú, … Hòa Bình
    row = u.set_index("unit_code").loc["X1"]
    assert row["name_key"] == "dang bo xa hoa binh" and row["depth"] == 2 and row["parent_name"] == "Huyện ủy Hòa Bình"
    # H2 lost its only commune to the province in 2025, but had it before: it still counts as having subordinates
    assert u.set_index("unit_code").at["H2", "children"] == 1
    assert u.set_index("unit_code").at["T", "descendants"] == len(u) - 1


def test_children_as_reported_each_year(sc_db):
    kids = run(sc_db, "children_distribution", unit="T", subject="dang_vien")
    got = counts(kids, "unit_code", "year")
    for y in (2022, 2023, 2024):
        assert got[("H1", y)] == EXPECTED["H1"][y]
    assert got[("X4", 2025)] == EXPECTED["X4"][2025]
    assert ("X4", 2024) not in got and ("H1", 2025) not in got       # each unit in the years it existed
    assert got[("X3", 2025)] == MEMBERS[2025]["C31"]                  # moved under the province in 2025
    # order: districts (tree level) before communes, Vietnamese order inside
    assert list(dict.fromkeys(kids["unit_code"])) == ["H2", "H1", "X3", "X4"]
    assert set(kids.loc[kids["unit_code"] == "H1", "has_children"]) == {True}
    one_year = run(sc_db, "children_distribution", unit="Huyện ủy Hòa Bình", subject="dang_vien", from_year=2023,
                   to_year=2023)
    assert set(one_year["year"]) == {2023} and set(one_year["unit_code"]) == {"X1", "X2", "Q1"}
    assert not one_year.set_index("unit_code").at["Q1", "has_children"]


def test_peers_same_level_and_kind(sc_db):
    peers = run(sc_db, "peer_distribution", unit="X1", subject="dang_vien")
    assert set(peers["unit_code"]) == {"X1", "X2", "X3", "X4"}          # Đảng bộ cơ sở, Xã, thị trấn
    assert set(peers.loc[peers["is_self"], "unit_code"]) == {"X1"}
    assert counts(peers[peers["unit_code"] == "X1"], "year") == EXPECTED["X1"]
    assert "Q1" not in set(run(sc_db, "peer_distribution", unit="X2", subject="dang_vien")["unit_code"])


def test_peer_summary_sums_up_the_peer_rows(sc_db):
    """peer_summary (over peer_distribution) against the same figures computed by hand from the peers' rows."""
    rows = run(sc_db, "peer_distribution", unit="X1", subject="dang_vien")
    summary = run(sc_db, "peer_summary", unit="X1", subject="dang_vien")
    rated = rows[rows["total"] > 0]
    assert len(summary) == 4 * rated["year"].nunique()
    for (year, level), got in summary.set_index(["year", "level"]).iterrows():
        g = rated[rated["year"] == year]
        share = g[level] / g["total"]
        me = share[g["is_self"].to_numpy()]
        assert got["peers"] == len(g)
        assert got["pooled_share"] == pytest.approx(g[level].sum() / g["total"].sum())
        assert got["p50"] == pytest.approx(share.median())
        assert got["p10"] <= got["p25"] <= got["p50"] <= got["p75"] <= got["p90"]
        if len(me):
            assert got["self_share"] == pytest.approx(me.iloc[0])
            assert got["rank"] == (share > me.iloc[0] + 1e-12).sum() + 1
        else:
            assert pd.isna(got["self_share"]) and pd.isna(got["rank"])


def test_unit_distribution_leaves_out_its_own_rating_and_can_follow_predecessors(sc_db):
    x1 = run(sc_db, "unit_distribution", unit="X1")
    assert set(x1["subject"]) == {"dang_vien", "chi_bo"}               # not its own tccsd rating
    assert counts(x1[x1["subject"] == "dang_vien"], "year") == EXPECTED["X1"]
    x4 = run(sc_db, "unit_distribution", unit="X4")
    assert list(x4.loc[x4["subject"] == "dang_vien", "year"]) == [2025]
    hist = run(sc_db, "unit_distribution", unit="X4", with_predecessors=True)
    m = hist[hist["subject"] == "dang_vien"].set_index("year")
    assert list(m.index) == [2022, 2023, 2024, 2025]
    x2_2024 = MEMBERS[2024]["C21"]
    assert tuple(m.loc[2024, ["htxs", "htt", "ht", "khtnv"]]) == tuple(
        a + b for a, b in zip(EXPECTED["X1"][2024], x2_2024))
    assert m.loc[2024, "from_predecessors"] and not m.loc[2025, "from_predecessors"]
    assert m.loc[2024, "not_rated"] == 1


def test_lineage_both_ways(sc_db):
    x4 = run(sc_db, "unit_lineage", unit="X4")
    assert set(x4["direction"]) == {"tien_than"}
    assert list(x4["unit"]) == ["Đảng bộ xã Hòa Bình", "Đảng bộ xã Hòa Lạc"]
    assert set(x4["event"]) == {"sap_nhap"} and set(x4["year"]) == {2025}
    x1 = run(sc_db, "unit_lineage", unit="X1")
    assert list(zip(x1["direction"], x1["unit_code"])) == [("ke_tuc", "X4")]
    assert run(sc_db, "unit_lineage", unit="X3").empty


def test_collective_ratings_shortcomings_suggestions(sc_db):
    own = run(sc_db, "unit_collective_ratings", unit="X1")
    assert list(zip(own["year"], own["self_level"], own["level"])) == [(2022, 1, 2), (2023, 1, 1), (2024, 2, 2)]
    assert run(sc_db, "unit_collective_ratings", unit="X4")["score"].tolist() == [92.0]
    sc = run(sc_db, "unit_shortcomings", unit="X1")
    assert list(sc["year"]) == [2024, 2023] and list(sc["remedy_status"]) == ["chua_khac_phuc", "da_khac_phuc"]
    assert run(sc_db, "unit_shortcomings", unit="X1", from_year=2024)["year"].tolist() == [2024]
    assert run(sc_db, "unit_suggestions", unit="X1")["year"].tolist() == [2024]


def test_quota_by_year_takes_the_national_rule_of_each_year(sc_db):
    q = run(sc_db, "quota_by_year", from_year=2017, to_year=2026, subject="dang_vien").set_index("year")
    assert q["ratio"].isna().loc[[2017, 2018]].all()          # no national rule known before 2019: no line
    assert (q.loc[2019:2026, "ratio"] == 0.2).all()
    assert q.loc[2025, "exception_ratio"] == 0.25 and q.loc[2024, "exception_ratio"] != q.loc[2024, "exception_ratio"]
    every = run(sc_db, "quota_by_year", from_year=2024, to_year=2025)
    assert len(every) == 2 * 6


def test_seed_004_members_2020(seed004_db):
    d = run(seed004_db, "distribution", unit="Huyện ủy Bảo Lâm", subject="dang_vien").set_index("year")
    assert tuple(d.loc[2020, ["htxs", "htt", "ht", "khtnv", "total"]]) == (511, 2311, 107, 18, 2947)
    assert 2019 not in d.index                                  # rejected at load: its levels do not add up
