"""AppTest of pages/import.py ("Nhập dữ liệu") in the real app: upload a file with errors and see every problem in a
table, upload the corrected file, commit it and see the new numbers through ui.data.query, undo the load and see them
gone; files that are not what they claim are refused with a Vietnamese message before any parser reads them."""
from __future__ import annotations

import io
import shutil
import zipfile

import pytest

from etl import audit
from queries import runner, scope

HEADER = ("Năm,Mã đơn vị,Đối tượng,Hoàn thành xuất sắc nhiệm vụ,Hoàn thành tốt nhiệm vụ,Hoàn thành nhiệm vụ,"
          "Không hoàn thành nhiệm vụ,Tổng số\n")
WITH_ERRORS = HEADER + "2021,T,Đảng viên,10,50,5,1,70\n2021,KHONG-CO,Đảng viên,1,2,3,0,6\n"
CORRECTED = HEADER + "2021,T,Đảng viên,10,50,5,1,66\n"
CSV = "text/csv"
PROBLEMS = ["Tệp", "Trang", "Dòng", "Cột", "Giá trị", "Lý do"]


@pytest.fixture
def kho(sc_db, tmp_path):
    """A private copy of the small test province (the app writes to it)."""
    db = tmp_path / "kho.duckdb"
    shutil.copy(sc_db, db)
    return db


def upload(at, *files):
    at.file_uploader(key="imp_files").set_value(list(files)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at, key):
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frames(at):
    return [d.value for d in at.dataframe]


def count_2021(db):
    con = scope.connect(db)           # the file as it is now (not a cached instance of an older version)
    try:
        d = runner.run(con, "distribution", {"unit": "T", "year": 2021, "subject": "dang_vien"})
    finally:
        con.close()
    return d


def test_check_commit_undo(open_app, kho, monkeypatch):
    at = open_app(kho)
    at.switch_page("pages/import.py").run()
    assert at.title[0].value == "Nhập dữ liệu"

    # 1. a file with errors: every problem in a table, in Vietnamese, nothing loadable
    upload(at, ("so_luong_2021.csv", WITH_ERRORS.encode("utf-8"), CSV))
    click(at, "imp_check")
    problems = next(df for df in frames(at) if list(df.columns) == PROBLEMS)
    assert len(problems) == 2
    assert set(problems["Dòng"]) == {2, 3}
    assert any("khác 'Tổng số'" in r for r in problems["Lý do"])
    assert any("không có đơn vị mã 'KHONG-CO'" in r for r in problems["Lý do"])
    assert "KHONG-CO" in set(problems["Giá trị"])
    assert not [b for b in at.button if b.key == "imp_commit"]          # nothing to load
    assert count_2021(kho).empty                                          # the check wrote nothing

    # 2. the corrected file: no problem, a preview of the row, then the load with its progress bar
    upload(at, ("so_luong_2021.csv", CORRECTED.encode("utf-8"), CSV))
    click(at, "imp_check")
    assert not any(list(df.columns) == PROBLEMS for df in frames(at))
    preview = next(df for df in frames(at) if "HTXSNV" in df.columns)
    assert preview.iloc[0]["HTXSNV"] == "10" and preview.iloc[0]["Mã đơn vị"] == "T"
    assert preview.iloc[0]["Đối tượng"] == "Đảng viên"
    click(at, "imp_commit")
    assert any("Đã nạp 1 dòng" in s.value for s in at.success)
    got = count_2021(kho)
    assert got[["htxs", "htt", "ht", "khtnv", "total"]].iloc[0].tolist() == [10, 50, 5, 1, 66]
    # … and through the app's own data layer (what every page reads)
    from ui import data
    monkeypatch.setenv("KIEMDIEM_DB", str(kho))
    assert data.query("distribution", unit="T", year=2021, subject="dang_vien")["htxs"].tolist() == [10]
    history = next(df for df in frames(at) if "Lần nạp" in df.columns)
    assert history.iloc[0]["Tệp"] == "so_luong_2021.csv" and history.iloc[0]["Trạng thái"] == "Hiệu lực"
    assert "nạp qua ứng dụng bởi" in history.iloc[0]["Ghi chú"]

    # 3. undo the whole load: the numbers are gone, the history keeps it as undone
    chosen = at.selectbox(key="imp_load")
    assert "so_luong_2021.csv" in chosen.format_func(chosen.value)     # the new load is the one shown
    click(at, "imp_undo")
    assert any("Đã hủy lần nạp" in s.value and "so_luong_2021.csv" in s.value for s in at.success)
    assert count_2021(kho).empty
    assert data.query("distribution", unit="T", year=2021, subject="dang_vien").empty
    history = next(df for df in frames(at) if "Lần nạp" in df.columns)
    assert history.iloc[0]["Trạng thái"] == "Đã hủy"
    actions = [e["action"] for e in audit.read()]
    assert {"kiem_tra_tep", "nap", "huy_nap"} <= set(actions)


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return buf.getvalue()


def test_refused_uploads_are_explained_and_never_parsed(open_app, kho):
    at = open_app(kho)
    at.switch_page("pages/import.py").run()
    upload(at, ("xep_loai.xlsx", b"MZ\x90\x00" + b"\x00" * 2000, "application/octet-stream"),
           ("bom.xlsx", _bomb(), "application/octet-stream"),
           ("so_lieu.csv", b"%PDF-1.4 binary", CSV))
    errors = "\n".join(e.value for e in at.error)
    assert "xep_loai.xlsx có đuôi Excel nhưng không phải tệp Excel hợp lệ" in errors
    assert "tệp chương trình" in errors
    assert "bom.xlsx" in errors and "bom nén" in errors
    assert "so_lieu.csv không phải tệp văn bản CSV" in errors
    assert not [b for b in at.button if b.key == "imp_check"]            # nothing left to check
