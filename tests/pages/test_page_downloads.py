"""Downloads on every Standing Committee page: each table as CSV (UTF-8 with BOM, filters first, formulas inert) and
Excel (a 'Thông tin' sheet with the filters), each chart as PNG (or a clear notice without a browser), read back."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from operations.load import load_files
from reports import exports
from tests.conftest import UNITS_HEADER, write_csv
from tests.pages.conftest import texts
from tests.pages.media import buttons, downloads, labels, module_mp, open_page  # noqa: F401 (fixtures)

PNG, CSV, XLSX = "Tải ảnh (PNG)", "Tải CSV", "Tải Excel"
FORMULA = '=HYPERLINK("http://x","bấm vào đây")'
HAS_BROWSER = exports.chromium_path() is not None


def csv_of(downloads, button) -> tuple[list[str], pd.DataFrame]:
    raw = downloads.content(button)
    assert raw.startswith(b"\xef\xbb\xbf")                       # UTF-8 with BOM: Excel shows Vietnamese
    text = raw.decode("utf-8-sig")
    return text.splitlines()[:2], pd.read_csv(io.StringIO(text), skiprows=3)


def info_of(downloads, button) -> tuple[list[str], openpyxl.Workbook]:
    wb = openpyxl.load_workbook(io.BytesIO(downloads.content(button)))
    assert wb.sheetnames[0] == "Thông tin"
    return [r[0] for r in wb["Thông tin"].iter_rows(values_only=True) if r[0]], wb


@pytest.fixture(scope="module")
def overview(module_mp, downloads, seed004_db):
    return open_page(module_mp, seed004_db, "pages/overview.py")


def test_overview_has_a_download_row_for_every_table_and_chart(overview):
    got = labels(overview)
    # the subject shown (one at a time): 2 charts (levels, excellent share) + the quota numbers + the counts table;
    # then the reviewed table
    assert overview.segmented_control(key="w_xem").value == "dang_vien"
    assert got.count(PNG) == (2 if HAS_BROWSER else 0)
    assert got.count(CSV) == got.count(XLSX) == 2 + 1
    keys = set(buttons(overview))
    assert {"dl_counts_dang_vien_csv", "dl_counts_dang_vien_xlsx", "dl_quota_dang_vien_csv"} <= keys
    if HAS_BROWSER:
        assert {"dl_levels_dang_vien_png", "dl_quota_dang_vien_png"} <= keys
    assert {"dl_reviewed_csv", "dl_reviewed_xlsx"} <= keys
    overview.segmented_control(key="w_xem").set_value("cap_uy").run()
    keys = set(buttons(overview))
    assert {"dl_counts_cap_uy_csv", "dl_quota_cap_uy_xlsx"} <= keys and "dl_counts_dang_vien_csv" not in keys
    overview.segmented_control(key="w_xem").set_value("dang_vien").run()


def test_overview_table_downloads_carry_numbers_and_their_filters(overview, downloads):
    b = buttons(overview)
    head, df = csv_of(downloads, b["dl_counts_dang_vien_csv"])
    assert head[0] == ("Bộ lọc: Đơn vị (gồm đơn vị trực thuộc): Huyện ủy Bảo Lâm; Năm đánh giá: 2018–2022; "
                       "Đối tượng: Đảng viên; Số liệu các năm trước: như đã báo cáo (cơ cấu từng năm)")
    assert head[1].startswith("Xuất lúc: ")
    row = df.set_index("Năm").loc[2020]
    assert (row["Hoàn thành xuất sắc nhiệm vụ"], row["Hoàn thành tốt nhiệm vụ"], row["Tổng số"]) == (511, 2311, 2947)
    assert row["Tỷ lệ Hoàn thành xuất sắc nhiệm vụ (%)"] == 17.3 and row["HTXS so với số HTT (%)"] == 22.1
    assert 2019 not in set(df["Năm"])                            # the column the load rejected stays out
    info, wb = info_of(downloads, b["dl_counts_dang_vien_xlsx"])
    assert any("Đơn vị (gồm đơn vị trực thuộc): Huyện ủy Bảo Lâm" in x and "Đối tượng: Đảng viên" in x for x in info)
    rows = list(wb.worksheets[1].iter_rows(values_only=True))
    assert rows[0][:2] == ("Năm", "Hoàn thành xuất sắc nhiệm vụ") and (2018, 376) == rows[1][:2]
    _, quota = csv_of(downloads, b["dl_quota_dang_vien_csv"])
    q = quota.set_index("Năm").loc[2020]
    assert q["HTXS so với số HTT (%)"] == 22.1 and q["Giới hạn theo quy định (%)"] == 20.0
    head, reviewed = csv_of(downloads, b["dl_reviewed_csv"])
    assert "Đối tượng: mọi đối tượng" in head[0]
    r = reviewed[(reviewed["Đối tượng"] == "Đảng viên") & (reviewed["Năm"] == 2022)].iloc[0]
    assert r["Được xếp loại"] == 3016


@pytest.mark.skipif(not HAS_BROWSER, reason="no chromium on this machine")
def test_a_chart_downloads_as_a_png(overview, downloads):
    png = downloads.content(buttons(overview)["dl_levels_dang_vien_png"])
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == 1200 and height > 400


def test_without_a_browser_charts_say_so_instead_of_failing(overview):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(exports, "chromium_path", lambda: None)
        overview.run()
        assert not overview.exception and PNG not in labels(overview)
        assert "Chưa xuất được ảnh biểu đồ: máy chưa cài Chromium (apt-get install chromium)." in texts(overview)
    overview.run()


@pytest.fixture(scope="module")
def formula_db(tmp_path_factory):
    """A district whose subordinate unit is named like a spreadsheet formula."""
    d = tmp_path_factory.mktemp("cong_thuc")
    units = write_csv(d / "u.csv", [UNITS_HEADER,
                                    ["H", "Huyện ủy Thử", "Huyện ủy", "", "", "", ""],
                                    ["X1", FORMULA, "Đảng bộ cơ sở", "Xã, thị trấn", "H", "", ""],
                                    ["X2", "Đảng bộ xã Hai", "Đảng bộ cơ sở", "Xã, thị trấn", "H", "", ""],
                                    ["C1", "Chi bộ thôn 1", "Chi bộ trực thuộc", "", "X1", "", ""],
                                    ["C2", "Chi bộ thôn 2", "Chi bộ trực thuộc", "", "X2", "", ""]])
    members = [["Năm", "Mã đảng viên", "Mã chi bộ", "Xếp loại"]]
    for y in (2023, 2024):
        members += [[y, f"A{i}", "C1", "HTXS" if i < 2 else "HTT"] for i in range(6)]
        members += [[y, f"B{i}", "C2", "HTXS" if i < 1 else "HT"] for i in range(5)]
    assert load_files([units, write_csv(d / "m.csv", members)], d / "kho.duckdb").exit_code == 0
    return d / "kho.duckdb"


def test_distribution_downloads_state_the_level_and_keep_formulas_inert(module_mp, downloads, formula_db):
    at = open_page(module_mp, formula_db, "pages/distribution.py", don_vi="H", doi_tuong="dang_vien")
    b = buttons(at)
    assert {"dl_children_csv", "dl_children_xlsx"} <= set(b) and ("dl_heat_png" in b) == HAS_BROWSER
    head, df = csv_of(downloads, b["dl_children_csv"])
    assert "Mức tô màu: Hoàn thành xuất sắc nhiệm vụ" in head[0] and "Đối tượng: Đảng viên" in head[0]
    assert "'" + FORMULA in set(df["Đơn vị"])                     # inert: a text cell, never a formula
    x1 = df[(df["Mã đơn vị"] == "X1") & (df["Năm"] == 2023)].iloc[0]
    assert (x1["Hoàn thành xuất sắc nhiệm vụ"], x1["Tổng số"], x1["Tỷ lệ Hoàn thành xuất sắc nhiệm vụ (%)"]) == \
        (2, 6, 33.3)
    _, wb = info_of(downloads, b["dl_children_xlsx"])
    cell = next(c for row in wb.worksheets[1].iter_rows() for c in row if str(c.value).startswith("'="))
    assert cell.value == "'" + FORMULA and cell.data_type == "s"
    # the page's own choice changes what the export says
    at.get("segmented_control")[0].set_value("htt").run()
    head, df = csv_of(downloads, buttons(at)["dl_children_csv"])
    assert "Mức tô màu: Hoàn thành tốt nhiệm vụ" in head[0] and "Tỷ lệ Hoàn thành tốt nhiệm vụ (%)" in df


def test_distribution_and_profile_have_their_download_rows(module_mp, sc_db):
    at = open_page(module_mp, sc_db, "pages/distribution.py", don_vi="X1")
    keys = set(buttons(at))
    assert {"dl_children_csv", "dl_children_xlsx", "dl_peers_csv", "dl_peers_xlsx"} <= keys
    if HAS_BROWSER:
        assert {"dl_heat_png", "dl_peers_png"} <= keys
    at = open_page(module_mp, sc_db, "pages/unit_profile.py", don_vi="X1")
    keys = set(buttons(at))
    assert {"dl_own_csv", "dl_own_xlsx", "dl_dist_dang_vien_csv", "dl_shortcomings_csv", "dl_shortcomings_xlsx"} <= keys
    if HAS_BROWSER:
        assert {"dl_own_png", "dl_dist_dang_vien_png"} <= keys
    assert set(labels(at)) <= {PNG, CSV, XLSX}


def test_profile_downloads_read_back(module_mp, downloads, sc_db):
    at = open_page(module_mp, sc_db, "pages/unit_profile.py", don_vi="X1")
    b = buttons(at)
    head, own = csv_of(downloads, b["dl_own_csv"])
    assert head[0].startswith("Bộ lọc: Đơn vị: Đảng bộ xã Hòa Bình; Năm đánh giá: 2022–2025")
    assert list(own.columns) == ["Năm", "Đối tượng", "Tự xếp loại", "Cấp có thẩm quyền xếp loại", "Điểm"]
    r = own.set_index("Năm").loc[2023]
    assert (r["Tự xếp loại"], r["Cấp có thẩm quyền xếp loại"]) == ("Hoàn thành xuất sắc nhiệm vụ",) * 2
    _, sc = csv_of(downloads, b["dl_shortcomings_csv"])
    assert "Báo cáo kiểm điểm còn chung chung, chưa làm rõ trách nhiệm cá nhân" in set(sc["Nội dung"])
