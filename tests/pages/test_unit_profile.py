"""Hồ sơ đơn vị: its own ratings, its members and subordinate units, shortcomings, suggestions, lineage."""
from __future__ import annotations

from tests.pages.conftest import figures


def test_merged_unit_lists_its_predecessors_and_can_show_their_history(open_app, sc_db):
    at = open_app(sc_db, "profile", don_vi="X4", co_cau="cau_truc_hien_tai")
    assert at.title[0].value == "Đảng bộ xã Bình Minh"
    links = [p.label for p in at.get("page_link")]
    assert "Đảng bộ xã Hòa Bình" in links and "Đảng bộ xã Hòa Lạc" in links
    assert any("sáp nhập năm 2025" in c.value for c in at.caption)
    members = next(f for f in figures(at) if f["data"][0].get("type") == "bar"
                   and "đảng viên" in f["data"][0]["hovertemplate"])
    assert members["data"][0]["x"] == ["2022", "2023", "2024", "2025"]
    assert members["data"][0]["customdata"][2][2] == "44"               # 2024: Hòa Bình 29 + Hòa Lạc 15
    # as reported: only the unit's own years
    next(r for r in at.radio if r.label == "Số liệu các năm trước").set_value("nhu_bao_cao").run()
    members = next(f for f in figures(at) if f["data"][0].get("type") == "bar"
                   and "đảng viên" in f["data"][0]["hovertemplate"])
    assert members["data"][0]["x"] == ["2025"] and members["data"][0]["customdata"][0][2] == "39"


def test_predecessor_lists_its_successor(open_app, sc_db):
    at = open_app(sc_db, "profile", don_vi="X1")
    assert "Đảng bộ xã Bình Minh" in [p.label for p in at.get("page_link")]


def test_own_ratings_self_vs_final_shortcomings_suggestions(open_app, sc_db):
    at = open_app(sc_db, "profile", don_vi="X1")
    own = figures(at)[0]
    assert [t["name"] for t in own["data"]] == ["Tổ chức cơ sở đảng: cấp có thẩm quyền xếp loại",
                                               "Tổ chức cơ sở đảng: tự xếp loại"]
    assert own["data"][0]["y"] == ["Hoàn thành tốt nhiệm vụ", "Hoàn thành xuất sắc nhiệm vụ",
                                   "Hoàn thành tốt nhiệm vụ"]
    assert any("Tự xếp loại cao hơn kết quả của cấp có thẩm quyền: năm 2022" in c.value for c in at.caption)
    frames = [d.value for d in at.dataframe]
    shortcomings = next(f for f in frames if "Kết quả khắc phục" in f.columns)
    assert list(shortcomings["Kết quả khắc phục"]) == ["Chưa khắc phục", "Đã khắc phục"]
    suggestions = next(f for f in frames if list(f.columns) == ["Năm", "Nội dung"])
    assert suggestions.iloc[0]["Năm"] == "2024"


def test_changing_the_unit_or_years_changes_the_profile(open_app, sc_db):
    at = open_app(sc_db, "profile", don_vi="X1")
    before = figures(at)
    at.select_slider(key="w_years").set_value((2023, 2024)).run()
    assert figures(at)[0]["data"][0]["x"] == ["2023", "2024"] and figures(at) != before
    options = at.selectbox(key="w_unit").options
    at.selectbox(key="w_unit").select_index(options.index("Đảng bộ xã Hòa Lạc (đến 2024)")).run()
    assert at.title[0].value == "Đảng bộ xã Hòa Lạc"


def test_unit_without_anything_is_a_set_of_clear_messages(open_app, sc_db):
    at = open_app(sc_db, "profile", don_vi="H2")
    infos = " ".join(i.value for i in at.info)
    assert "Không có kết quả xếp loại tập thể" in infos and "Không có hạn chế" in infos
