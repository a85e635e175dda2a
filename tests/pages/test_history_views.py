"""The two views of history, switched in the sidebar and kept in the URL (Sơn Hà: X1 + X2 → X4 in 2025)."""
from __future__ import annotations

from tests.pages.conftest import figures
from tests.standing_committee_data import MEMBERS

TODAY = "cau_truc_hien_tai"


def heat(at):
    return figures(at)[0]["data"][0]


def _share(year, units):
    htxs = sum(MEMBERS[year][u][0] for u in units)
    total = sum(sum(MEMBERS[year][u]) for u in units)
    return htxs / total


def test_the_switch_changes_the_drill_down_and_lands_in_the_url(open_app, sc_db):
    at = open_app(sc_db, "distribution", don_vi="T", doi_tuong="dang_vien")
    assert "Huyện ủy Hòa Bình" in heat(at)["y"]                   # as reported: the districts of 2022–2024
    radio = next(r for r in at.radio if r.label == "Số liệu các năm trước")
    radio.set_value(TODAY).run()
    assert not at.exception
    assert at.query_params["co_cau"] == TODAY
    h = heat(at)
    assert "Huyện ủy Hòa Bình" not in h["y"] and "Đảng bộ xã Bình Minh" in h["y"]   # the 2025 tree
    row = h["y"].index("Đảng bộ xã Bình Minh")
    col = h["x"].index("2024")
    # 2024 of the merged commune = its predecessors X1 (C11, C12) and X2 (C21) added up
    assert abs(h["z"][row][col] - 100 * _share(2024, ("C11", "C12", "C21"))) < 1e-6     # z is in percent


def test_a_link_with_the_view_opens_it(open_app, sc_db):
    a = open_app(sc_db, "overview", don_vi="X4", doi_tuong="dang_vien", co_cau=TODAY)
    b = open_app(sc_db, "overview", don_vi="X4", doi_tuong="dang_vien")
    years_today = figures(a)[0]["data"][0]["x"]
    years_reported = figures(b)[0]["data"][0]["x"]
    assert [str(y) for y in years_today] == ["2022", "2023", "2024", "2025"]
    assert figures(a) != figures(b)
    assert any("quy về cơ cấu tổ chức năm 2025" in c.value for c in a.caption)


def test_the_profile_of_the_merged_commune_follows_the_view(open_app, sc_db):
    reported = open_app(sc_db, "profile", don_vi="X4", doi_tuong="dang_vien")
    today = open_app(sc_db, "profile", don_vi="X4", doi_tuong="dang_vien", co_cau=TODAY)

    def stacked(at):
        fig = next(f for f in figures(at) if any(t.get("type") == "bar" for t in f["data"]))
        bars = [t for t in fig["data"] if t.get("type") == "bar"]
        return {str(x) for t in bars for x, y in zip(t["x"], t["y"]) if y is not None and y > 0}

    assert stacked(reported) == {"2025"}
    assert stacked(today) == {"2022", "2023", "2024", "2025"}


def test_the_composition_adjusted_line_is_drawn_beside_the_raw_share(open_app, sc_db):
    at = open_app(sc_db, "overview", don_vi="T", doi_tuong="dang_vien")
    mix = [f for f in figures(at) if any("Giữ nguyên cơ cấu" in t.get("name", "") for t in f["data"])]
    assert len(mix) == 1
    raw, fixed = mix[0]["data"]
    assert raw["x"] == fixed["x"] == ["2022", "2023", "2024", "2025"]
    # 2025: none of the 2022 subordinates (the two districts and Q1) exists any more → no adjusted value
    assert fixed["y"][-1] is None and raw["y"][-1] is not None


def test_the_unit_picker_offers_the_tree_of_the_years_looked_at(open_app, sc_db):
    late = open_app(sc_db, "overview", tu_nam="2025", den_nam="2025")
    options = late.selectbox(key="w_unit").options
    assert not any("Huyện ủy Hòa Bình" in o for o in options)          # the districts ended in 2024
    assert any("Đảng bộ xã Bình Minh" in o for o in options)
    early = open_app(sc_db, "overview", tu_nam="2022", den_nam="2023")
    options = early.selectbox(key="w_unit").options
    assert any("Huyện ủy Hòa Bình" in o for o in options) and not any("Bình Minh" in o for o in options)
