"""Phân bố: heatmap of a level's share for the subordinate units, the table, drill-down and back, peers."""
from __future__ import annotations

from tests.pages.conftest import figures


def heat(at):
    return figures(at)[0]["data"][0]


def test_heatmap_of_the_children_changes_with_the_unit(open_app, sc_db):
    at = open_app(sc_db, "distribution")
    h = heat(at)
    assert h["y"] == ["Huyện ủy An Phú", "Huyện ủy Hòa Bình", "Đảng bộ xã An Phú", "Đảng bộ xã Bình Minh"]
    assert h["x"] == ["2022", "2023", "2024", "2025"]
    assert h["text"][1] == ["21,2%", "25,0%", "21,2%", ""]            # H1: 11/52, 13/52, 11/52
    # drill down by picking a subordinate unit
    pick = at.selectbox(key="pick_T")
    pick.select_index(pick.options.index("Huyện ủy Hòa Bình")).run()
    assert at.query_params["don_vi"] == "H1"
    h = heat(at)
    assert h["y"] == ["Chi bộ Văn phòng Huyện ủy Hòa Bình", "Đảng bộ xã Hòa Bình", "Đảng bộ xã Hòa Lạc"]
    assert h["x"] == ["2022", "2023", "2024"]                          # H1 ended in 2024
    # the breadcrumb goes back up
    assert [b.label for b in at.button] == ["Tỉnh ủy Sơn Hà", "Huyện ủy Hòa Bình"]
    at.button(key="bc_T").click().run()
    assert at.query_params["don_vi"] == "T" and heat(at)["y"][0] == "Huyện ủy An Phú"


def test_the_level_and_the_years_change_the_figure(open_app, sc_db):
    at = open_app(sc_db, "distribution", don_vi="H1")
    excellent = heat(at)["text"]
    at.get("segmented_control")[0].set_value("htt").run()
    assert at.query_params["muc"] == "htt"
    good = heat(at)["text"]
    assert good != excellent and good[1][0] == "69,0%"                # X1 2022: 20/29
    at.select_slider(key="w_years").set_value((2023, 2024)).run()
    assert heat(at)["x"] == ["2023", "2024"]


def test_a_url_opens_the_same_heatmap(open_app, sc_db):
    params = {"don_vi": "H1", "muc": "ht", "tu_nam": "2022", "den_nam": "2023"}
    a = open_app(sc_db, "distribution", **params)
    b = open_app(sc_db, "distribution", **params)
    assert figures(a) == figures(b)
    assert a.get("segmented_control")[0].value == "ht" and heat(a)["x"] == ["2022", "2023"]


def test_table_counts_shares_and_profile_links(open_app, sc_db):
    at = open_app(sc_db, "distribution", don_vi="H1")
    table = at.dataframe[0].value.set_index("Đơn vị")
    link = next(i for i in table.index if "don_vi=X1" in i)
    assert link.startswith("unit_profile?don_vi=X1") and link.endswith("ten=Đảng bộ xã Hòa Bình")
    assert table.loc[link, "2022"] == "17,2% (5/29)"


def test_peers_of_the_same_kind(open_app, sc_db):
    at = open_app(sc_db, "distribution", don_vi="X1")
    peers = figures(at)[-1]
    names = [t["name"] for t in peers["data"]]
    assert names == ["Từng đơn vị cùng loại", "Chung các đơn vị cùng loại", "Đảng bộ xã Hòa Bình"]
    rank = at.dataframe[-1].value
    assert list(rank.columns) == ["Năm", "Đảng bộ xã Hòa Bình", "Chung các đơn vị cùng loại",
                                  "Thứ hạng (1 = tỷ lệ cao nhất)"]


def test_a_unit_without_subordinates_says_so(open_app, sc_db):
    at = open_app(sc_db, "distribution", don_vi="C11")
    assert any("không có đơn vị trực thuộc" in i.value for i in at.info)
    assert [p.label for p in at.get("page_link")][-1] == "Hồ sơ Chi bộ thôn Đông"
