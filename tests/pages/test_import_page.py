"""AppTest of pages/import.py ("Nhập dữ liệu") in the real app: upload a file with errors and see every problem in a
table, upload the corrected file, commit it and see the new numbers through ui.data.query, undo the load and see them
gone; files that are not what they claim are refused with a Vietnamese message before any parser reads them."""
from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile

import pytest

from operations import audit
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


# A members' file with three rejected rows: an unknown level (name, code, discipline, a column outside the template),
# and one member in two chi bộ (the reason names the member's code).
MEMBERS_FILE = [
    ["Năm", "Mã đảng viên", "Họ và tên", "Mã chi bộ", "Xếp loại", "Bị kỷ luật trong năm", "Hình thức kỷ luật",
     "Ngày sinh"],
    [2023, "DV-BI-MAT-01", "Nguyễn Thị Bí Mật", "C11", "Xếp loại lạ", "x", "Khiển trách", "01/02/1970"],
    [2023, "DV-HAI-NOI-02", "Trần Văn Hai Nơi", "C11", "HTT", "", "", ""],
    [2023, "DV-HAI-NOI-02", "Trần Văn Hai Nơi", "C12", "HTT", "", "", ""],
    [2023, "DV-TOT-04", "Phạm Văn Tốt", "C11", "HTT", "", "", ""],
]
MEMBERS_CSV = "\n".join(",".join(map(str, r)) for r in MEMBERS_FILE).encode("utf-8")
PERSONAL = ("Nguyễn Thị Bí Mật", "Trần Văn Hai Nơi", "DV-BI-MAT-01", "DV-HAI-NOI-02", "Khiển trách", "01/02/1970")


def _table(text: str) -> dict[str, list[str]]:
    """The columns of an exported CSV (the filters stand above the table, a blank line between)."""
    rows = list(csv.DictReader(io.StringIO(text.partition("\n\n")[2])))
    return {k: [r[k] for r in rows] for k in rows[0]}


def test_rejected_member_rows_show_no_names_to_roles_that_may_not_read_them(kho, tmp_path, monkeypatch):
    """The admin and the data operator may read the loads' rejected rows but not members' names (README, roles.csv):
    a rejected member row reaches them without the member's code, name, discipline or any column outside the
    template — on the screen and in the download — the rest kept so the row can still be found and fixed. In the open
    mode (every right) the whole line stays. (The Inspection Committee, who may read names, has no access to the
    rejected rows at all: tests/ui/test_access.py.) The preview of a checked members' file leaves the same columns out."""
    import time

    from streamlit.testing.v1 import AppTest

    from operations import accounts
    from operations.load import load_files
    from tests.conftest import ROOT, write_csv
    from tests.pages.media import Downloads

    res = load_files([write_csv(tmp_path / "xep_loai_dang_vien.csv", MEMBERS_FILE)], kho, replace=True)
    lid = res.files[0].load_id
    assert res.written and res.files[0].rows_rejected == 3
    book = tmp_path / "accounts.toml"
    for user, role in (("quantri", "quan_tri"), ("nhaplieu", "nhap_lieu")):
        accounts.add(user, role, password="mat-khau-dai-du-10", name=user.upper(), path=book)
    monkeypatch.setenv("KIEMDIEM_DB", str(kho))
    monkeypatch.setenv("KIEMDIEM_AUDIT", str(tmp_path / "audit.jsonl"))
    downloads = Downloads(monkeypatch)

    def rejects_as(user: str | None):
        monkeypatch.setenv("KIEMDIEM_ACCOUNTS", str(book if user else tmp_path / "khong_co.toml"))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        if user:
            at.session_state["_auth"] = {"user": user, "since": time.time()}
        at.run()
        at.switch_page("pages/import.py").run()
        at.selectbox(key="imp_load").set_value(lid).run()
        assert not at.exception, [e.value for e in at.exception]
        shown = next(df for df in frames(at) if "Lý do" in df.columns and "Dòng" in df.columns)
        text = downloads.content(next(b for b in at.get("download_button")
                                      if b.key == f"dl_rejects_{lid}_csv")).decode("utf-8-sig")
        upload(at, ("xep_loai_dang_vien_sua.csv", MEMBERS_CSV, CSV))
        at.checkbox(key="imp_replace").check().run()                       # a corrected file
        click(at, "imp_check")
        preview = next(df for df in frames(at) if "Xếp loại (như trong tệp)" in df.columns)
        assert list(preview["Mã chi bộ"]) == ["C11"]                     # the member row that would be loaded
        return shown, text, preview

    for user in ("quantri", "nhaplieu"):
        shown, exported, preview = rejects_as(user)
        assert sorted(shown["Dòng"]) == [2, 3, 4]                            # every rejected row, where it is
        assert any("không nhận ra mức xếp loại 'Xếp loại lạ'" in r for r in shown["Lý do"])
        assert any("có tên ở hai chi bộ trong năm 2023" in r for r in shown["Lý do"])
        raws = [json.loads(r) for r in _table(exported)["Dòng gốc"]]
        assert {"Năm": "2023", "Mã chi bộ": "C11", "Xếp loại": "Xếp loại lạ"} in raws   # the line, without the person
        assert any("[đã ẩn]" in r for r in shown["Lý do"])                  # the member's code in a reason
        leaked = [p for p in PERSONAL + ("Phạm Văn Tốt", "DV-TOT-04")
                  if p in shown.to_string() + exported + preview.to_string()]
        assert not leaked, (user, leaked)
    shown, exported, preview = rejects_as(None)                           # open mode: every right, the whole line
    assert all(p in exported for p in PERSONAL) and list(preview["Họ và tên"]) == ["Phạm Văn Tốt"]
    assert any("DV-HAI-NOI-02" in r for r in shown["Lý do"])
