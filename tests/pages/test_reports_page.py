"""Báo cáo: the official tables workbook of the seed 004 district, read back from the page's own download button cell
for cell; its preview; the options; the one-page PDF; clear messages where fonts or the browser are missing."""
from __future__ import annotations

import io
import subprocess

import openpyxl
import pytest

from reports import exports, summary_pdf
from tests.pages.conftest import texts
from tests.pages.media import buttons, downloads, module_mp, open_page  # noqa: F401 (fixtures)
from tests.reports.test_official_tables import SEED

PAGE = "pages/reports.py"


@pytest.fixture(scope="module")
def at(module_mp, downloads, seed004_db):
    return open_page(module_mp, seed004_db, PAGE)


def workbook(downloads, at) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(downloads.content(buttons(at)["dl_bang"])))


def test_the_download_reproduces_the_seed_tables_cell_for_cell(at, downloads):
    wb = workbook(downloads, at)
    assert wb.sheetnames == ["Thông tin", "TCCSĐ", "Cấp ủy cơ sở", "Tập thể lãnh đạo", "Đảng viên"]
    for sheet, expected in SEED.items():
        ws = wb[sheet]
        assert [c.value for c in ws[2]][:3] == ["STT", "Tiêu chí", "Năm đánh giá"]
        assert [c.value for c in ws[3]][2:7] == [2018, 2019, 2020, 2021, 2022]
        assert [[ws.cell(row=r, column=c).value for c in range(3, 8)] for r in range(4, 9)] == expected, sheet
        assert ws.cell(row=3, column=3).number_format == "General"          # the years stay 2018, not 2.018
    assert wb["Đảng viên"].cell(row=5, column=3).number_format == "#,##0"  # 2.208 in a Vietnamese Excel
    info = [r[0] for r in wb["Thông tin"].iter_rows(values_only=True) if r[0]]
    assert "Đơn vị: Huyện ủy Bảo Lâm" in info and "Năm đánh giá: 2018–2022" in info
    assert any(x.startswith("Số liệu cập nhật: ") for x in info)
    assert any("bao_lam_2018_2022.tsv" in x for x in info)                  # the loads used


def test_the_preview_shows_what_the_file_holds(at):
    assert [t.label for t in at.tabs] == ["Thông tin", "TCCSĐ", "Cấp ủy cơ sở", "Tập thể lãnh đạo", "Đảng viên"]
    members = at.tabs[4].dataframe[0].value
    row = members.set_index("Tiêu chí").loc["Hoàn thành tốt nhiệm vụ"]
    assert [row[str(y)] for y in range(2018, 2023)] == ["2.208", "", "2.311", "2.259", "2.411"]
    assert list(members.iloc[-1][["STT", "2022"]]) == ["Tổng số", "3.016"]
    shown = texts(at)
    assert "Tệp gồm 5 trang: Thông tin, TCCSĐ, Cấp ủy cơ sở, Tập thể lãnh đạo, Đảng viên" in shown
    assert "Tập thể lãnh đạo: 2018; Đảng viên: 2019" in shown                # the years the load rejected


def test_options_shares_quota_and_findings_add_to_the_file(at, downloads):
    at.toggle(key="bc_ty_le").set_value(True)
    at.toggle(key="bc_ty_le_xs").set_value(True)
    at.toggle(key="bc_bat_thuong").set_value(True).run()
    assert not at.exception
    wb = workbook(downloads, at)
    assert wb.sheetnames[-2:] == ["Tỷ lệ xuất sắc", "Dấu hiệu bất thường"]
    ws = wb["Đảng viên"]
    assert [c.value for c in ws[3]][2:8] == [2018, "Tỷ lệ", 2019, "Tỷ lệ", 2020, "Tỷ lệ"]
    assert ws.cell(row=4, column=7).value == 511 and ws.cell(row=4, column=9).value == 539
    assert ws.cell(row=4, column=8).value == pytest.approx(511 / 2947)
    assert ws.cell(row=4, column=8).number_format == "0.0%"
    quota = list(wb["Tỷ lệ xuất sắc"].iter_rows(values_only=True))
    assert any(r[0] == 2020 and r[2] == "Đảng viên" and r[3] == 511 and r[6] == 462 and r[7] == 49 for r in quota[1:])
    findings = list(wb["Dấu hiệu bất thường"].iter_rows(values_only=True))
    assert findings[0][:3] == ("Mức", "Năm", "Đơn vị")
    assert {r[1] for r in findings[1:]} <= {str(y) for y in range(2018, 2023)} and len(findings) > 1
    assert "Vi phạm" in {r[0] for r in findings[1:]}
    info = [r[0] for r in wb["Thông tin"].iter_rows(values_only=True) if r[0]]
    assert "Gồm: số lượng từng mức và tỷ lệ bên cạnh; trang kiểm tra tỷ lệ xuất sắc; trang dấu hiệu bất thường" in info
    # only the subjects chosen
    at.multiselect(key="bc_doi_tuong_U-HUYEN-UY-BAO-LAM").set_value(["dang_vien"]).run()
    wb = workbook(downloads, at)
    assert wb.sheetnames == ["Thông tin", "Đảng viên", "Tỷ lệ xuất sắc", "Dấu hiệu bất thường"]
    assert {r[2] for r in list(wb["Tỷ lệ xuất sắc"].iter_rows(values_only=True))[1:]} == {"Đảng viên"}


def test_the_one_page_pdf_prints_vietnamese(at, downloads, tmp_path):
    at.selectbox(key="w_nam_tom_tat").set_value(2020).run()
    button = buttons(at)["dl_pdf"]
    assert button.label == "Tải báo cáo tóm tắt năm 2020 (PDF)"
    pdf = downloads.content(button)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "tom_tat.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Đ" in text and "Huyện ủy Bảo Lâm — kết quả xếp loại chất lượng năm 2020" in text
    assert "511 (17,3%)" in text


def test_missing_font_and_browser_are_said_plainly(at, module_mp):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(summary_pdf, "FONT_DIRS", [])
        at.run()
        assert not at.exception
        assert "dl_pdf" not in buttons(at)
        assert any("phông chữ DejaVu Sans" in w.value and "fonts-dejavu-core" in w.value for w in at.warning)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(exports, "chromium_path", lambda: None)
        at.run()
        assert "dl_pdf" in buttons(at)
        assert "Máy chưa cài trình duyệt Chromium nên bản PDF không có biểu đồ xu hướng" in texts(at)
    at.run()


def test_without_a_warehouse_the_page_says_so(module_mp, tmp_path):
    at = open_page(module_mp, tmp_path / "khong_co.duckdb", PAGE)
    assert any("Chưa có số liệu" in i.value for i in at.info)
    assert not at.get("download_button")


def test_a_signed_in_user_gets_the_pdf_too(module_mp, downloads, seed004_db, tmp_path):
    """The PDF is built on the click, outside the page's run, where nobody is signed in any more: it must use the
    connection of the user who drew the page (scope included), not look the user up again."""
    import time

    from operations import accounts
    book = tmp_path / "accounts.toml"
    accounts.add("btv", "ban_thuong_vu", password="mat-khau-dai-du-10", name="Ban Thường vụ", path=book)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIEMDIEM_ACCOUNTS", str(book))
        mp.setenv("KIEMDIEM_AUDIT", str(tmp_path / "audit.jsonl"))
        mp.setenv("KIEMDIEM_DB", str(seed004_db))
        from streamlit.testing.v1 import AppTest
        from tests.conftest import ROOT
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        at.session_state["_auth"] = {"user": "btv", "since": time.time()}
        at.run()
        at.switch_page(PAGE).run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.title[0].value == "Báo cáo"
        pdf = downloads.content(buttons(at)["dl_pdf"])
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "tom_tat.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Huyện ủy Bảo Lâm — kết quả xếp loại chất lượng năm 2022" in text


def test_a_workbook_made_for_one_role_is_never_served_to_another(module_mp, downloads, demo_db, tmp_path):
    """The workbook is cached on its options: the reader's restriction is one of them. The Inspection Committee's
    findings sheet holds findings about single members (pseudonymous keys); the Standing Committee, who may not see
    member-level rows, asking for the same file next must get its own — without them."""
    import time

    from operations import accounts
    from queries import scope
    book = tmp_path / "accounts.toml"
    accounts.add("ubkt", "uy_ban_kiem_tra", password="mat-khau-dai-du-10", name="UBKT", path=book)
    accounts.add("btv", "ban_thuong_vu", password="mat-khau-dai-du-10", name="BTV", path=book)
    con = scope.connect(demo_db)
    members = {k for (k,) in con.execute("SELECT DISTINCT member_key FROM member_ratings").fetchall()}
    con.close()
    sheets = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIEMDIEM_ACCOUNTS", str(book))
        mp.setenv("KIEMDIEM_AUDIT", str(tmp_path / "audit.jsonl"))
        mp.setenv("KIEMDIEM_DB", str(demo_db))
        from streamlit.testing.v1 import AppTest
        from tests.conftest import ROOT
        for user in ("ubkt", "btv"):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            at.session_state["_auth"] = {"user": user, "since": time.time()}
            at.run()
            at.switch_page(PAGE).run()
            at.toggle(key="bc_bat_thuong").set_value(True).run()
            assert not at.exception, [e.value for e in at.exception]
            wb = openpyxl.load_workbook(io.BytesIO(downloads.content(buttons(at)["dl_bang"])))
            sheets[user] = {c for row in wb["Dấu hiệu bất thường"].iter_rows(values_only=True) for c in row}
    assert sheets["ubkt"] & members                      # findings about single members, for those who may see them
    assert not sheets["btv"] & members
