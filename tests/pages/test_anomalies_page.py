"""AppTest of pages/anomalies.py ("Dấu hiệu bất thường") inside the app's shell (sidebar filters, navigation).

app.py lists the pages the lead has registered; this test runs the same shell — controls.app_run(), the sidebar and
st.navigation — with this page and the unit profile (absolute paths: a pages/ folder beside the shell would switch
Streamlit to its folder-based page mode on reruns), so the page is tested as the app runs it.
"""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import inspection
from operations.load import load_files
from etl.normalize import search_key
from queries import composite
from tests.conftest import ROOT, UNITS_HEADER, write_csv
from tests.pages.media import Downloads

HARNESS = """
import streamlit as st
from ui import controls
with controls.app_run():
    controls.sidebar()
    st.navigation([st.Page({page!r}, title="Dấu hiệu bất thường", default=True),
                   st.Page({profile!r}, title="Hồ sơ đơn vị")]).run()
"""
SEVERITY_WORDS = set(inspection.SEVERITY_NAMES.values())


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    path = tmp_path_factory.mktemp("app") / "app_test_shell.py"
    path.write_text(HARNESS.format(page=str(ROOT / "pages" / "anomalies.py"),
                                   profile=str(ROOT / "pages" / "unit_profile.py")), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from generators import demo
    d = tmp_path_factory.mktemp("demo")
    demo.build(d / "kho.duckdb", d, scale="small", anomalies=True)
    return d / "kho.duckdb"


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    """Two findings, one in a unit whose name a spreadsheet would run as a formula."""
    d = tmp_path_factory.mktemp("small")
    units = write_csv(d / "u.csv", [UNITS_HEADER,
                                    ["X", "Đảng bộ xã Thử", "Đảng bộ cơ sở", "", "", "", ""],
                                    ["X-1", "=1+2 Chi bộ lạ", "Chi bộ trực thuộc", "", "X", "", ""],
                                    ["X-2", "Chi bộ thôn Hai", "Chi bộ trực thuộc", "", "X", "", ""]])
    members = write_csv(d / "m.csv", [["Năm", "Mã đảng viên", "Mã chi bộ", "Xếp loại", "Hình thức kỷ luật"],
                                      [2021, "A", "X-1", "HTT", "Khiển trách"],
                                      [2022, "B", "X-2", "HTT", "Cảnh cáo"]])
    assert load_files([units, members], d / "kho.duckdb").exit_code == 0
    return d / "kho.duckdb"


def app(harness, db, monkeypatch, **params) -> AppTest:
    monkeypatch.setenv("KIEMDIEM_DB", str(db))
    at = AppTest.from_file(str(harness), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def findings(at) -> pd.DataFrame:
    return at.dataframe[0].value


def catalog(at) -> pd.DataFrame:
    return at.dataframe[-1].value


def test_the_page_shows_counts_findings_and_the_catalog(harness, demo_db, monkeypatch):
    at = app(harness, demo_db, monkeypatch, xem="danh_sach", muc_do="tat_ca")
    assert not at.exception
    assert at.title[0].value == "Dấu hiệu bất thường"
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == SEVERITY_WORDS
    f = findings(at)
    # Vietnamese labels only, no raw column names or codes in the label columns
    assert list(f.columns) == list(inspection.FINDING_COLUMNS.values())
    assert set(f["Mức"]) <= SEVERITY_WORDS and not f["Nội dung phát hiện"].str.contains("_").any()
    assert int(metrics["Vi phạm"].replace(".", "")) == (f["Mức"] == "Vi phạm").sum() > 0
    # every unit links to its profile, showing the unit's name
    assert f["Đơn vị"].str.match(r"^unit_profile\?don_vi=[^&]+.*&ten=.+").all()
    assert {b.label for b in at.get("download_button")} == {"Tải CSV", "Tải Excel"}
    # the catalog lists every rule, with its years and the number of findings per year
    at = app(harness, demo_db, monkeypatch, xem="danh_muc")
    cat = catalog(at)
    assert list(cat["Mã quy tắc"]) == list(composite.rules())
    years = [c for c in cat.columns if c.isdigit()]
    assert years == [str(y) for y in range(2017, 2026)]
    counted = cat[years].replace("·", "0").map(lambda s: int(s.replace(".", ""))).to_numpy().sum()
    assert counted == len(f)
    row = cat.set_index("Mã quy tắc").loc["diem_duoi_khung"]
    assert row["2020"] == "·" and row["2025"] != "·"          # 27-HD and 366 score; 2018–2024 do not
    alarms = cat.set_index("Mã quy tắc")["Tỷ lệ báo nhầm"]
    assert "0,10%" in alarms["thong_ke_chi_bo_dong_loat_mot_muc"] and alarms["dv_ky_luat_xep_tren_khtnv"] == ""
    assert {b.label for b in at.get("download_button")} == {"Tải danh mục (Excel)"}


def test_the_page_opens_on_the_units_worth_inspecting(harness, demo_db, monkeypatch, media):
    at = app(harness, demo_db, monkeypatch)
    assert not at.exception
    wl = at.dataframe[0].value
    assert list(wl.columns) == ["Thứ tự", "Đơn vị", "Điểm", "Vi phạm", "Cần xem xét", "Bất thường", "Năm", "Lý do"]
    assert wl["Thứ tự"].tolist() == list(range(1, len(wl) + 1)) and wl["Lý do"].str.len().gt(20).all()
    assert wl["Đơn vị"].str.match(r"^unit_profile\?don_vi=").all()
    button = {b.label: b for b in at.get("download_button")}["Tải danh sách đơn vị cần kiểm tra (Excel)"]
    wb = openpyxl.load_workbook(io.BytesIO(media(button)))
    assert wb.sheetnames == ["Thông tin", "Đơn vị cần kiểm tra", "Căn cứ"]
    assert wb["Đơn vị cần kiểm tra"].max_row == 1 + len(wl)
    # counted by rule: violations first
    at = app(harness, demo_db, monkeypatch, xem="quy_tac")
    by_rule = at.dataframe[0].value
    assert by_rule["Mức"].iloc[0] == "Vi phạm" and by_rule["Số trường hợp"].sum() == sum(
        int(m.value.replace(".", "")) for m in at.metric)


def test_the_list_opens_on_violations_is_paged_and_searched(harness, demo_db, monkeypatch):
    at = app(harness, demo_db, monkeypatch, xem="danh_sach")
    f = findings(at)
    assert set(f["Mức"]) == {"Vi phạm"}
    at.segmented_control(key="w_muc_do").set_value("tat_ca").run()
    every = findings(at)
    total = sum(int(m.value.replace(".", "")) for m in at.metric)
    assert len(every) == min(total, 50)
    if total > 50:
        at.number_input(key="trang").set_value(2).run()
        assert findings(at).iloc[0].tolist() != every.iloc[0].tolist()
    name = every["Đơn vị"].str.extract(r"&ten=(.*)$")[0].iloc[0]
    at.text_input(key="tim").set_value(name.upper()).run()
    hits = findings(at)
    where = hits["Đơn vị"].str.extract(r"&ten=(.*)$")[0] + " " + hits["Nội dung phát hiện"] + " " + hits["Quy tắc"]
    words = search_key(name).split()                       # every word typed, in any case, with or without accents
    assert not hits.empty and len(hits) < len(every)
    assert where.map(search_key).map(lambda t: all(w in t for w in words)).all()


def test_filters_come_from_the_address_and_the_widgets(harness, demo_db, monkeypatch):
    at = app(harness, demo_db, monkeypatch, xem="danh_sach", muc_do="vi_pham", nam="2022")
    f = findings(at)
    assert not f.empty and set(f["Mức"]) == {"Vi phạm"} and set(f["Năm"]) == {"2022"}
    at.selectbox(key="w_nam").set_value("tat_ca").run()
    at.selectbox(key="w_quy_tac").set_value("dv_ky_luat_xep_tren_khtnv").run()
    f = findings(at)
    assert set(f["Mã quy tắc"]) == {"dv_ky_luat_xep_tren_khtnv"} and set(f["Năm"]) == {"2022"}
    assert at.query_params["quy_tac"] == ["dv_ky_luat_xep_tren_khtnv"] or \
        at.query_params["quy_tac"] == "dv_ky_luat_xep_tren_khtnv"
    # a rule with no finding under these filters: a clear empty state, no error
    at.selectbox(key="w_quy_tac").set_value("to_chuc_dang_bo_yeu_kem_27hd").run()
    assert not at.exception and any("Không có trường hợp nào" in i.value for i in at.info)


@pytest.fixture
def media(monkeypatch):
    """The file a download button offers, built now when the page builds it on click (tests/pages/media.py)."""
    return Downloads(monkeypatch).content


def test_downloads_are_exactly_what_is_shown(harness, small_db, monkeypatch, media):
    at = app(harness, small_db, monkeypatch, xem="danh_sach", muc_do="tat_ca")
    shown = findings(at)
    assert len(shown) == 2
    buttons = {b.label: b for b in at.get("download_button")}
    raw = media(buttons["Tải CSV"])
    assert raw.startswith(b"\xef\xbb\xbf")                                      # UTF-8 with BOM for Excel
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Bộ lọc: Đơn vị (gồm đơn vị trực thuộc): Đảng bộ xã Thử")
    csv = pd.read_csv(io.StringIO(text), skiprows=3, dtype=str).fillna("")
    expected = shown.copy()
    expected["Đơn vị"] = expected["Đơn vị"].str.extract(r"&ten=(.*)$")[0]
    expected["Đơn vị"] = expected["Đơn vị"].map(lambda s: "'" + s if s.startswith("=") else s)   # inert formula
    assert list(csv.columns) == list(shown.columns)
    pd.testing.assert_frame_equal(csv.reset_index(drop=True), expected.fillna("").astype(str).reset_index(drop=True),
                                  check_dtype=False)
    assert "'=1+2 Chi bộ lạ" in set(csv["Đơn vị"])
    wb = openpyxl.load_workbook(io.BytesIO(media(buttons["Tải Excel"])))
    assert wb.sheetnames == ["Thông tin", "Dấu hiệu bất thường"]
    rows = list(wb["Dấu hiệu bất thường"].values)
    assert list(rows[0]) == list(shown.columns) and len(rows) == 1 + len(shown)
    unit_col = list(rows[0]).index("Đơn vị")
    assert "'=1+2 Chi bộ lạ" in {r[unit_col] for r in rows[1:]}


def test_without_a_warehouse_the_page_says_so(harness, tmp_path, monkeypatch):
    at = app(harness, tmp_path / "khong_co.duckdb", monkeypatch)
    assert not at.exception
    assert any("Chưa có số liệu" in i.value for i in at.info)
