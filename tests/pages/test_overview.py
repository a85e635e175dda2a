"""Tổng quan: cards per subject, four levels by year, the excellent share against the quota, reviewed/not rated."""
from __future__ import annotations

from tests.pages.conftest import figures
from tests.standing_committee_data import EXPECTED
from vocab.style import LEVEL_COLORS


def by_name(fig: dict) -> dict[str, dict]:
    return {t["name"]: t for t in fig["data"]}


def test_seed_004_overview_shows_the_report_numbers(open_app, seed004_db):
    at = open_app(seed004_db)
    assert at.query_params["don_vi"] == "U-HUYEN-UY-BAO-LAM"
    choice = at.segmented_control(key="w_xem")
    assert list(choice.options) == ["Tổ chức cơ sở đảng", "Cấp ủy cơ sở", "Tập thể lãnh đạo, quản lý", "Đảng viên"]
    assert choice.value == "dang_vien"                 # the members' trend first; one subject drawn at a time
    members = figures(at)[0]
    bars = by_name(members)
    year = members["data"][0]["x"].index("2020")
    got = [bars[n]["customdata"][year][0] for n in ("Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ",
                                                     "Hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ")]
    assert got == ["511", "2.311", "107", "18"] and bars["Hoàn thành tốt nhiệm vụ"]["customdata"][year][2] == "2.947"
    # the seed's table, as a table: rows = levels + Tổng số, columns = years
    table = at.dataframe[0].value.set_index("Mức xếp loại")
    assert table.loc["Hoàn thành xuất sắc nhiệm vụ", "2020"] == "511 (17,3%)"
    assert table.loc["Hoàn thành tốt nhiệm vụ", "2018"] == "2.208 (79,0%)"
    assert list(table.loc["Tổng số"]) == ["2.795", "—", "2.947", "2.965", "3.016"]     # 2019 rejected at load
    # footnote 6: individuals reviewed each year
    reviewed = at.dataframe[-1].value
    row = reviewed[(reviewed["Đối tượng"] == "Đảng viên") & (reviewed["Số liệu"] == "Được kiểm điểm")].iloc[0]
    assert [row[str(y)] for y in (2018, 2020, 2021, 2022)] == ["2.795", "2.947", "2.965", "3.016"]
    # the excellent share of HTT against the 20% quota of 21-HD (2019–2022), no line in 2018
    quota = by_name(figures(at)[1])
    line = quota["Giới hạn theo quy định (so với số HTT)"]
    steps = {x: y for x, y in zip(line["x"], line["y"]) if x is not None}
    assert 2017.5 not in steps and steps[2019.5] == 20.0 and steps[2022.5] == 20.0
    share = quota["HTXS so với số Hoàn thành tốt"]
    assert round(share["y"][share["x"].index(2020)], 1) == round(511 / 2311 * 100, 1)       # 22,1% > 20%
    # cards: latest year with the change from the previous year
    cards = "\n".join(h.proto.body for h in at.get("html"))
    assert "Năm 2022 · 3.016 đảng viên được xếp loại · so với năm 2021" in cards


def test_changing_the_years_changes_the_figures(open_app, sc_db):
    at = open_app(sc_db)
    before = figures(at)[0]
    assert before["data"][0]["x"] == ["2022", "2023", "2024", "2025"]
    at.select_slider(key="w_years").set_value((2023, 2024)).run()
    after = figures(at)[0]
    assert after["data"][0]["x"] == ["2023", "2024"]
    assert after["data"][0]["y"] != before["data"][0]["y"]


def test_changing_the_unit_changes_the_figures(open_app, sc_db):
    at = open_app(sc_db, doi_tuong="dang_vien")
    province = by_name(figures(at)[0])["Hoàn thành xuất sắc nhiệm vụ"]
    t = EXPECTED["T"][2022]
    assert province["customdata"][0][0] == str(t[0]) and province["customdata"][0][2] == str(sum(t))
    options = at.selectbox(key="w_unit").options
    at.selectbox(key="w_unit").select_index(options.index("Huyện ủy Hòa Bình (đến 2024)")).run()
    district = by_name(figures(at)[0])["Hoàn thành xuất sắc nhiệm vụ"]
    h = EXPECTED["H1"][2022]
    assert district["customdata"][0][0] == str(h[0]) and district["customdata"][0][2] == str(sum(h))
    assert district["y"] != province["y"]
    assert at.query_params["don_vi"] == "H1"


def test_a_url_opens_the_same_view(open_app, sc_db):
    params = {"don_vi": "H1", "tu_nam": "2023", "den_nam": "2024", "doi_tuong": "dang_vien"}
    a, b = open_app(sc_db, **params), open_app(sc_db, **params)
    assert figures(a) == figures(b)
    assert figures(a)[0]["data"][0]["x"] == ["2023", "2024"]
    assert not a.get("segmented_control")           # one subject chosen in the sidebar: nothing to choose here


def test_one_colour_per_level_on_every_chart(open_app, demo_db):
    at = open_app(demo_db)
    for fig in figures(at):
        for trace in fig["data"]:
            if trace.get("type") == "bar":
                code = {"Hoàn thành xuất sắc nhiệm vụ": "htxs", "Hoàn thành tốt nhiệm vụ": "htt",
                        "Hoàn thành nhiệm vụ": "ht", "Không hoàn thành nhiệm vụ": "khtnv"}[trace["name"]]
                assert trace["marker"]["color"] == LEVEL_COLORS[code]


def test_empty_filter_shows_a_message(open_app, sc_db):
    at = open_app(sc_db, don_vi="Q1", doi_tuong="chi_bo")
    assert any("Không có số liệu xếp loại" in i.value for i in at.info)
    assert not figures(at)
