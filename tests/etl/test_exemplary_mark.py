"""The "tiêu biểu" mark a collective rating's file carries (issue 23, item 5): a commendation, not a level (domain.md
§4). "Trong sạch vững mạnh tiêu biểu" loads as level 1 with collective_ratings.exemplary = true, from a CSV file and
from a workbook alike; the template's column "Tiêu biểu" says it too; the mark survives loading the file
again, a corrected file, and a warehouse made before the column existed. A member's label keeps its level only.

The one loader checks a template-shaped CSV column-wise in SQL and a workbook's sheet in pandas (etl/validate.py):
every test of a file's marks runs on the same rows written as CSV and as XLSX."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl import warehouse
from operations.load import load_files
from tests.conftest import UNITS_HEADER, write_table

UNITS = [["P", "Đảng bộ thử P", "Đảng bộ cơ sở", "Xã, thị trấn", "", "", ""],
         *[[f"P-C{i}", f"Chi bộ thử P số {i}", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "P", "", ""]
           for i in range(1, 7)]]
HEADER = ["Năm", "Mã đơn vị", "Đối tượng", "Xếp loại", "Tiêu biểu"]
ROWS = [
    ["2017", "P-C1", "Chi bộ", "Trong sạch vững mạnh tiêu biểu", ""],
    ["2017", "P-C2", "Chi bộ", "Hoàn thành xuất sắc nhiệm vụ (tiêu biểu)", ""],
    ["2017", "P-C3", "Chi bộ", "TRONG SẠCH, VỮNG MẠNH", "Có"],            # the template's column
    ["2017", "P-C4", "Chi bộ", "Trong sạch, vững mạnh", "Không"],
    ["2017", "P-C5", "Chi bộ", "Trong sạch, vững mạnh", ""],               # the file says nothing
    ["2017", "P-C6", "Chi bộ", "Hoàn thành tốt nhiệm vụ", ""],
]
EXPECTED = [("P-C1", 1, True), ("P-C2", 1, True), ("P-C3", 1, True), ("P-C4", 1, False), ("P-C5", 1, None),
            ("P-C6", 2, None)]


def q(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def marks(db: Path):
    return q(db, "SELECT unit_code, level, exemplary FROM collective_ratings ORDER BY unit_code")


FORMATS = ["csv", "xlsx"]


@pytest.fixture(params=FORMATS)
def fmt(request) -> str:
    """The format every file of the test is written in: CSV (checked in SQL) or XLSX (checked in pandas)."""
    return request.param


def write_files(d: Path, fmt: str):
    units = write_table(d / "don_vi", [UNITS_HEADER, *UNITS], fmt)
    ratings = write_table(d / "tap_the_2017", [HEADER, *ROWS], fmt)
    return units, ratings


@pytest.fixture
def files(tmp_path, fmt):
    return write_files(tmp_path, fmt)


def test_a_label_marked_tieu_bieu_loads_level_1_and_exemplary(tmp_path, files):
    res = load_files(list(files), tmp_path / "kho.duckdb")
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    assert marks(tmp_path / "kho.duckdb") == EXPECTED
    assert q(tmp_path / "kho.duckdb", "SELECT label_raw FROM collective_ratings WHERE unit_code = 'P-C1'") == \
        [("Trong sạch vững mạnh tiêu biểu",)]


def test_a_label_marked_and_a_column_saying_no_is_refused_in_either_format(tmp_path, files, fmt):
    units, _ = files
    bad = write_table(tmp_path / "tap_the_sai", [HEADER, ["2017", "P-C1", "Chi bộ", "TSVM tiêu biểu", "Không"],
                                                 ["2017", "P-C2", "Chi bộ", "TSVM", "có lẽ"]], fmt)
    res = load_files([units, bad], tmp_path / "kho.duckdb")
    assert [(r.row, r.column, r.value) for r in res.rejects] == [(2, "Tiêu biểu", "Không"), (3, "Tiêu biểu", "có lẽ")]
    assert "tiêu biểu" in res.rejects[0].reason
    assert marks(tmp_path / "kho.duckdb") == []


def test_both_formats_store_the_same_marks_and_refuse_the_same_rows(tmp_path):
    got = {}
    for fmt in FORMATS:
        d = tmp_path / fmt
        d.mkdir()
        db = d / "kho.duckdb"
        units, ratings = write_files(d, fmt)
        bad = write_table(d / "tap_the_sai", [HEADER, ["2018", "P-C1", "Chi bộ", "TSVM tiêu biểu", "Không"],
                                              ["2018", "P-C2", "Chi bộ", "TSVM tiêu biểu", ""]], fmt)
        res = load_files([units, ratings, bad], db)
        got[fmt] = (marks(db), q(db, "SELECT * EXCLUDE (load_id, source_sheet) FROM collective_ratings ORDER BY ALL"),
                    [(r.row, r.column, r.value, r.reason, r.raw) for r in res.rejects])
    assert got["csv"] == got["xlsx"]
    assert sorted(got["csv"][0]) == sorted(EXPECTED + [("P-C2", 1, True)])       # (2018: P-C2 alone)
    assert [r[:3] for r in got["csv"][2]] == [(2, "Tiêu biểu", "Không")]


def test_the_mark_survives_a_reload_and_a_correction(tmp_path, files, fmt):
    units, ratings = files
    db = tmp_path / "kho.duckdb"
    load_files([units, ratings], db)
    again = load_files([ratings], db)                  # the same file again: nothing changes
    assert again.files[0].unchanged_load and marks(db) == EXPECTED
    # a corrected file (same name): P-C5 now marked, P-C1 no longer — the marks follow the file
    fixed = [list(r) for r in ROWS]
    fixed[0][3], fixed[4][3] = "Trong sạch vững mạnh", "Trong sạch vững mạnh tiêu biểu"
    assert write_table(ratings.with_suffix(""), [HEADER, *fixed], fmt) == ratings
    res = load_files([ratings], db)
    assert res.exit_code == 0 and res.files[0].replaced
    assert dict((u, e) for u, _, e in marks(db)) == {"P-C1": None, "P-C2": True, "P-C3": True, "P-C4": False,
                                                     "P-C5": True, "P-C6": None}
    # another file giving only a different mark for the same chi bộ is a conflict, not a silent change
    other = write_table(tmp_path / "tap_the_khac", [HEADER, *fixed[:4], ["2017", "P-C5", "Chi bộ", "TSVM", "Không"],
                                                    fixed[5]], fmt)
    res = load_files([other], db)
    assert any(r.row == 6 and "kho đã có số liệu khác" in r.reason for r in res.rejects)
    assert dict((u, e) for u, _, e in marks(db))["P-C5"] is True


def test_a_warehouse_made_before_the_column_gets_the_marks_back_from_its_labels(tmp_path, files):
    db = tmp_path / "kho.duckdb"
    load_files(list(files), db)
    con = duckdb.connect(str(db))
    try:       # as an older version left it: no column, no note that the marks were read back
        con.execute("ALTER TABLE collective_ratings DROP COLUMN exemplary")
        con.execute("DELETE FROM meta WHERE key = 'exemplary_from_labels'")
    finally:
        con.close()
    with warehouse.writing(db):
        pass
    # the labels give their marks back; the column's own answers (P-C3, P-C4) were in no label and stay unknown
    assert marks(db) == [("P-C1", 1, True), ("P-C2", 1, True), ("P-C3", 1, None), ("P-C4", 1, None),
                         ("P-C5", 1, None), ("P-C6", 2, None)]


def test_a_members_label_marked_tieu_bieu_keeps_its_level_only(tmp_path, files, fmt):
    units, _ = files
    members = write_table(tmp_path / "dang_vien", [
        ["Năm", "Mã đảng viên", "Mã chi bộ", "Xếp loại"],
        ["2017", "DV1", "P-C1", "Đủ tư cách, hoàn thành xuất sắc nhiệm vụ tiêu biểu"]], fmt)
    db = tmp_path / "kho.duckdb"
    res = load_files([units, members], db)
    assert res.exit_code == 0
    assert q(db, "SELECT level, label_raw FROM member_ratings") == [
        (1, "Đủ tư cách, hoàn thành xuất sắc nhiệm vụ tiêu biểu")]
    assert "exemplary" not in [r[0] for r in q(db, "DESCRIBE member_ratings")]
