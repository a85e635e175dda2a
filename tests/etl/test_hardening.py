"""Hardening: hostile text is only ever text, files are checked before any parser sees them, exports cannot carry a
formula, the server settings keep the app private, and individual-level views and exports land in the audit log."""
from __future__ import annotations

import io
import re
import struct
import time
import tomllib
import zipfile

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from etl import filecheck, uploads
from operations import audit
from operations.load import load_files
from queries import runner, scope
from reports import exports
from tests.conftest import ROOT, UNITS_HEADER, write_csv

EVIL = "x'); DROP TABLE units; --"


def test_sql_in_a_unit_name_is_stored_and_searched_as_text(db, tmp_path):
    units = write_csv(tmp_path / "don_vi.csv", [UNITS_HEADER, ["T", "Tỉnh ủy Thử", "Tỉnh ủy", "", "", "", ""],
                                                 ["EV'1", EVIL, "Đảng bộ cơ sở", "Xã, thị trấn", "T", "", ""]])
    counts = write_csv(tmp_path / "so_luong.csv", [
        ["Năm", "Tên đơn vị", "Đối tượng", "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ",
         "Hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ", "Tổng số"],
        ["2024", EVIL, "Đảng viên", "1", "5", "1", "0", "7"]])
    res = load_files([units, counts], db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    con = scope.connect(db)
    assert con.execute("SELECT name FROM units WHERE unit_code = ?", ["EV'1"]).fetchone()[0] == EVIL
    for unit in (EVIL, "EV'1"):
        got = runner.run(con, "distribution", {"unit": unit, "subject": "dang_vien"})
        assert got[["unit_code", "htxs", "total"]].values.tolist() == [["EV'1", 1, 7]]
    # every table is still there, and a scoped connection built on that code is fine too
    tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'w'")
              .fetchall()}
    assert {"units", "unit_versions", "aggregate_counts", "loads"} <= tables
    mine = scope.connect(db, scope.Restriction(roots=("EV'1",), individual=False, names=False, rejects=False))
    assert scope.visible_units(mine) == {"EV'1"}
    assert runner.run(mine, "units_tree")["name"].tolist() == [EVIL]


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


BASIC = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


def _forged_sizes(data: bytes) -> bytes:
    """The sheet member's declared uncompressed size set to 1 000 bytes in both headers (a bomb that lies)."""
    out = bytearray(data)
    name = b"xl/worksheets/sheet1.xml"
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = 0
        while (pos := out.find(sig, pos)) >= 0:
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if out[name_at:name_at + len(name)] == name:
                out[pos + size_at:pos + size_at + 4] = struct.pack("<I", 1000)
            pos += 4
    return bytes(out)


@pytest.mark.parametrize("name, content, message", [
    ("bom.xlsx", _zip({**BASIC, "xl/worksheets/sheet1.xml": b"\0" * (40 * 2 ** 20)}), "bom nén"),
    ("bom_gia.xlsx", _forged_sizes(_zip({**BASIC, "xl/worksheets/sheet1.xml": b"\0" * (2 * 2 ** 20)})), "tệp nén hỏng"),
    ("chuong_trinh.xlsx", b"\x7fELF\x02\x01\x01" + b"\0" * 500, "không phải tệp Excel hợp lệ (nội dung là tệp chương trình"),
    ("doi_duoi.xlsx", b"MZ\x90\x00" + b"\0" * 500, "không phải tệp Excel hợp lệ"),
    ("anh.csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "không phải tệp văn bản CSV: nội dung là tệp ảnh PNG"),
    ("macro.xlsx", _zip({**BASIC, "xl/vbaProject.bin": b"VBA"}), "chứa macro"),
    ("nen_khac.xlsx", _zip({"readme.txt": b"hello"}), "không phải tệp Excel hợp lệ"),
])
def test_bad_files_are_refused_before_parsing(db, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(filecheck.FileRefused, match=re.escape(message)):
        filecheck.check(path)
    res = load_files([path], db, dry_run=True)                 # the command line's path says the same
    assert res.files[0].error and message in res.files[0].error
    (tmp_path / "up").mkdir()
    ups = uploads.save([(name, content)], tmp_path / "up")
    assert ups[0].error and message in ups[0].error and ups[0].path is None
    assert not list((tmp_path / "up").iterdir())               # a refused upload is not kept


def test_real_files_pass_and_unicode_text_reads(tmp_path, db, units_file):
    filecheck.check(units_file)
    filecheck.check(ROOT / "data" / "templates" / "mau_xep_loai_dang_vien.xlsx")
    utf16 = tmp_path / "don_vi_unicode.txt"
    text = "\n".join("\t".join(r) for r in [UNITS_HEADER, ["T", "Tỉnh ủy Thử", "Tỉnh ủy", "", "", "", ""]])
    utf16.write_bytes(text.encode("utf-16"))          # Excel's "Unicode Text": UTF-16 with a BOM, tab-separated
    res = load_files([utf16], db)
    assert res.exit_code == 0 and res.files[0].rows_loaded == 1


def test_upload_names_and_sizes(tmp_path, monkeypatch):
    assert uploads.safe_name("../../etc/passwd") == "passwd"
    assert uploads.safe_name("C:\\Users\\a\\Xếp loại.XLSX") == "Xếp loại.xlsx"
    monkeypatch.setattr(uploads, "MAX_FILE_MB", 1)
    (tmp_path / "up").mkdir()
    ups = uploads.save([("to.csv", b"a,b\n" * 300_000), ("macro.xlsm", b"PK"), ("a.csv", "Năm\n2024\n".encode())],
                       tmp_path / "up")
    assert "quá giới hạn 1 MB" in ups[0].error
    assert "tệp có macro (.xlsm)" in ups[1].error
    assert ups[2].error is None and ups[2].path.read_bytes() == "Năm\n2024\n".encode()


def test_upload_folders_of_ended_sessions_are_removed(tmp_path, monkeypatch):
    """The uploaded files hold members' names; a session that ends never says so, so a new upload folder removes
    the ones older than STALE_HOURS (and leaves the fresh ones, which open sessions still use)."""
    import os
    import tempfile
    import time
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old = uploads.new_folder()
    (old / "dang_vien.csv").write_text("Mã đảng viên,Họ và tên\nDV1,Nguyễn Văn A\n", encoding="utf-8")
    fresh = uploads.new_folder()
    (fresh / "tap_the.csv").write_text("x\n", encoding="utf-8")
    stale = time.time() - (uploads.STALE_HOURS + 1) * 3600
    os.utime(old, (stale, stale))
    other = tmp_path / "khong_phai_tai_len"      # not an upload folder: never touched
    other.mkdir()
    os.utime(other, (stale, stale))
    newest = uploads.new_folder()
    assert not old.exists()
    assert fresh.exists() and (fresh / "tap_the.csv").exists() and newest.exists() and other.exists()
    assert oct(newest.stat().st_mode & 0o777) == "0o700"


def test_exports_neutralize_formulas_in_rejected_rows():
    import pandas as pd
    rejects = pd.DataFrame({"file_name": ["a.csv"], "sheet": [None], "row_no": [2], "column_name": ["Tên đơn vị"],
                            "value": ["=HYPERLINK(\"http://x\",\"bấm\")"], "reason": ["không có đơn vị"],
                            "raw": ['{"Tên đơn vị": "=1+1"}']})
    table = uploads.rejects_table(rejects)
    text = exports.csv_bytes(table, {"Lần nạp": "#1"}).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    wb = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes({"Dòng bị loại": table}, {"Lần nạp": "#1"})))
    cells = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://x\",\"bấm\")" in cells and not any(c.startswith("=") for c in cells)


def test_server_settings_keep_the_app_private():
    conf = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert conf["server"]["address"] == "127.0.0.1"
    assert conf["server"]["enableXsrfProtection"] is True
    assert conf["browser"]["gatherUsageStats"] is False
    assert conf["server"]["maxUploadSize"] == uploads.MAX_FILE_MB


def test_every_query_takes_hostile_text_as_a_value(sc_db):
    """Every query with a text parameter, given SQL as the value: a refusal in Vietnamese or no rows — never an
    error from the SQL parser, never a change to the warehouse (parameters are bound, queries/runner.py)."""
    con = scope.connect(sc_db)
    before = con.execute("SELECT count(*) FROM units").fetchone()[0]
    for name, q in sorted(runner.catalog().items()):
        if not any(p.type == "text" for p in q.params):
            continue
        params = {p.name: EVIL if p.type == "text" else None for p in q.params}
        params.update({p.name: 2024 for p in q.params if p.type == "int" and not p.optional})
        try:
            assert runner.run(con, name, params).empty, name
        except runner.QueryError as exc:           # a code list refusing an unknown value, in Vietnamese
            assert EVIL in str(exc), name
    assert con.execute("SELECT count(*) FROM units").fetchone()[0] == before


def test_audit_log_records_an_individual_level_view_and_export(demo_db, tmp_path, monkeypatch):
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("KIEMDIEM_DB", str(demo_db))
    monkeypatch.setenv("KIEMDIEM_AUDIT", str(log))
    monkeypatch.setenv("KIEMDIEM_ACCOUNTS", str(tmp_path / "khong_co.toml"))
    script = """
import streamlit as st
from reports import exports
from ui import access, data
df = data.query("five_year_excellent", year=2025)
st.dataframe(df)
make = access.audited(lambda: exports.csv_bytes(df, {"Năm": 2025}), "đảng viên 5 năm liền HTXS", {"Năm": 2025},
                      rows=lambda: len(df))
st.text(str(len(make())))
"""
    at = AppTest.from_string(script, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    at.run()                                                     # a rerun with the same filter is not a new view
    events = audit.read(log)
    views = [e for e in events if e["action"] == "xem_ca_nhan"]
    exports_ = [e for e in events if e["action"] == "xuat_ca_nhan"]
    assert len(views) == 1 and views[0]["what"] == "five_year_excellent" and views[0]["filters"] == {"year": 2025}
    assert len(exports_) == 2 and exports_[0]["filters"] == {"Năm": 2025} and exports_[0]["rows"] > 0
    assert exports_[0]["user"] == "khach" and exports_[0]["ts"][:4] == time.strftime("%Y")
    verdict = audit.verify(log)
    assert verdict.intact and verdict.lines == len(events), verdict.problems
    # nobody can quietly edit it: changing one line breaks the chain from there
    lines = log.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace('"rows": ', '"rows": 1', 1)
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [n for n, _ in audit.verify(log).problems] == [1]


def test_accounts_store_salted_hashes_only(tmp_path):
    from operations import accounts
    path = tmp_path / "tk.toml"
    accounts.add("nguyenvana", "uy_ban_kiem_tra", password="mot-mat-khau-dai", name="Nguyễn Văn A", path=path)
    accounts.add("nguyenvanb", "uy_ban_kiem_tra", password="mot-mat-khau-dai", path=path)
    text = path.read_text(encoding="utf-8")
    assert "mot-mat-khau-dai" not in text and text.count("scrypt$") == 2
    a, b = accounts.load(path).values()
    assert a.password != b.password                                   # salted
    assert accounts.authenticate("nguyenvana", "mot-mat-khau-dai", path).name == "Nguyễn Văn A"
    assert accounts.authenticate("nguyenvana", "sai", path) is None
    assert accounts.authenticate("khongco", "mot-mat-khau-dai", path) is None
    assert (path.stat().st_mode & 0o777) == 0o600
    with pytest.raises(accounts.AccountError, match="ít nhất"):
        accounts.add("ngan", "ban_thuong_vu", password="ngan", path=path)
    with pytest.raises(accounts.AccountError, match="cần mã đơn vị"):
        accounts.add("bithu", "bi_thu", password="mot-mat-khau-dai", path=path)
    accounts.update("nguyenvana", path=path, disabled=True)
    assert accounts.authenticate("nguyenvana", "mot-mat-khau-dai", path) is None
