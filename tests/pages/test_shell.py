"""The app shell: navigation for its users, the sidebar filters in the URL, the unit search, the demo banner."""
from __future__ import annotations

import re

from tests.pages.conftest import texts


def test_navigation_sections_and_pages(open_app, sc_db):
    at = open_app(sc_db)
    assert [t.value for t in at.title] == ["Tổng quan kết quả xếp loại"]
    for page, title in (("distribution", "Phân bố xếp loại theo đơn vị"), ("profile", "Tỉnh ủy Sơn Hà")):
        at2 = open_app(sc_db, page)
        assert at2.title[0].value == title


def test_filters_are_written_into_the_url_and_read_back(open_app, sc_db):
    at = open_app(sc_db)
    assert dict(at.query_params) == {"don_vi": "T", "tu_nam": "2022", "den_nam": "2025", "co_cau": "nhu_bao_cao",
                                     "xem": "dang_vien"}          # the overview's own choice of subject
    at.select_slider(key="w_years").set_value((2023, 2024)).run()
    at.selectbox(key="w_subject").select_index(at.selectbox(key="w_subject").options.index("Đảng viên")).run()
    assert dict(at.query_params) == {"don_vi": "T", "tu_nam": "2023", "den_nam": "2024", "doi_tuong": "dang_vien",
                                     "co_cau": "nhu_bao_cao", "xem": "dang_vien"}
    # the same URL in a new session opens the same filters
    again = open_app(sc_db, **at.query_params)
    assert again.select_slider(key="w_years").value == (2023, 2024)
    assert again.selectbox(key="w_subject").value == "dang_vien"
    assert again.selectbox(key="w_unit").value == "T"


def test_filters_survive_a_page_change(open_app, sc_db):
    at = open_app(sc_db, don_vi="X1", tu_nam=2023)
    at.switch_page("pages/unit_profile.py").run()
    assert at.title[0].value == "Đảng bộ xã Hòa Bình"
    assert at.select_slider(key="w_years").value == (2023, 2025)
    assert at.query_params["don_vi"] == "X1"


def test_a_bad_link_opens_the_default_view(open_app, sc_db):
    at = open_app(sc_db, don_vi="KHONG-CO", tu_nam="abc", doi_tuong="xyz")
    assert at.selectbox(key="w_unit").value == "T"
    assert at.select_slider(key="w_years").value == (2022, 2025)
    assert at.selectbox(key="w_subject").value is None


def test_unit_search_finds_hoa_binh_typed_without_diacritics(open_app, sc_db):
    at = open_app(sc_db)
    at.text_input(key="w_unit_search").input("hoa binh").run()
    options = at.selectbox(key="w_unit").options
    assert "Đảng bộ xã Hòa Bình (đến 2024)" in options and "Huyện ủy Hòa Bình (đến 2024)" in options
    assert not any("An Phú" in o for o in options)
    at.selectbox(key="w_unit").select_index(options.index("Đảng bộ xã Hòa Bình (đến 2024)")).run()
    assert at.query_params["don_vi"] == "X1"
    at.text_input(key="w_unit_search").input("khong co don vi nay").run()
    assert "Không tìm thấy đơn vị nào" in "\n".join(c.value for c in at.sidebar.caption)


def test_units_with_the_same_name_are_told_apart(open_app, sc_db):
    at = open_app(sc_db)
    at.text_input(key="w_unit_search").input("thon dong").run()
    assert set(at.selectbox(key="w_unit").options) >= {"Chi bộ thôn Đông (Đảng bộ xã Hòa Bình) (đến 2024)",
                                                        "Chi bộ thôn Đông (Đảng bộ xã Hòa Lạc) (đến 2024)"}


def test_a_large_tree_lists_its_top_levels_until_a_search_narrows_it(open_app, demo_db, monkeypatch):
    """A national tree has ~295 000 units: the list holds the top two levels (and the current unit) until the user
    searches, then the first matches; the caption says so. Here the cap is lowered to the demo's size."""
    import duckdb

    from etl.normalize import search_key
    from ui import controls
    con = duckdb.connect(str(demo_db), read_only=True)
    total, shallow = con.execute("SELECT count(*), count(*) FILTER (depth <= 1) FROM unit_tree").fetchone()
    con.close()
    monkeypatch.setattr(controls, "MAX_LISTED", shallow + 1)
    at = open_app(demo_db)
    options = at.selectbox(key="w_unit").options
    assert len(options) == shallow < total
    assert f"Danh sách hiện các đơn vị cấp trên ({shallow} trong" in "\n".join(c.value for c in at.sidebar.caption)
    at.text_input(key="w_unit_search").input("chi bo").run()
    options = at.selectbox(key="w_unit").options     # the current unit first, then the first matches
    assert len(options) == 1 + shallow + 1 and options[0] == "Tỉnh ủy Minh Sơn"
    assert all({"chi", "bo"} <= set(search_key(o).split()) for o in options[1:])     # words in any order
    assert "gõ thêm để thu hẹp" in "\n".join(c.value for c in at.sidebar.caption)


def test_demo_banner_only_on_the_demo(open_app, sc_db, demo_db):
    assert not any("minh họa" in i.value for i in open_app(sc_db).info)
    at = open_app(demo_db)
    assert any("Dữ liệu minh họa" in i.value for i in at.info)


def test_no_warehouse_is_a_clear_message_not_an_error(open_app, tmp_path):
    at = open_app(tmp_path / "chua_co.duckdb")
    assert any("Chưa có kho dữ liệu" in w.value for w in at.warning)
    for page in ("distribution", "profile"):
        at = open_app(tmp_path / "chua_co.duckdb", page)
        assert at.info and not at.exception


def test_no_raw_codes_or_english_on_any_page(open_app, demo_db):
    raw = re.compile(r"\b(htxs|htt|khtnv|dang_vien|tccsd|chi_bo|cap_uy|unit_code|subject|None|nan|NaN|True|False)\b")
    for page in ("overview", "distribution", "profile"):
        at = open_app(demo_db, page)
        shown = texts(at)
        assert not raw.search(shown), (page, raw.search(shown).group(0))
        for df in at.dataframe:
            cols = " ".join(map(str, df.value.columns))
            assert not raw.search(cols), (page, cols)
