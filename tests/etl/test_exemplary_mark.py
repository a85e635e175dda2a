"""The "tiêu biểu" mark a collective rating's file carries (issue 23, item 5): a commendation, not a level (domain.md
§4). "Trong sạch vững mạnh tiêu biểu" loads as level 1 with collective_ratings.exemplary = true, through the row
loader and the fast loader alike; the template's column "Tiêu biểu" says it too; the mark survives loading the file
again, a corrected file, and a warehouse made before the column existed. A member's label keeps its level only."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl import warehouse
from etl.loader import load_files
from tests.conftest import UNITS_HEADER, write_csv

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


@pytest.fixture
def files(tmp_path):
    units = write_csv(tmp_path / "don_vi.csv", [UNITS_HEADER, *UNITS])
    ratings = write_csv(tmp_path / "tap_the_2017.csv", [HEADER, *ROWS])
    return units, ratings


@pytest.mark.parametrize("fast", [False, True], ids=["row", "fast"])
def test_a_label_marked_tieu_bieu_loads_level_1_and_exemplary(tmp_path, files, fast):
    res = load_files(list(files), tmp_path / "kho.duckdb", fast=fast)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    assert marks(tmp_path / "kho.duckdb") == EXPECTED
    assert q(tmp_path / "kho.duckdb", "SELECT label_raw FROM collective_ratings WHERE unit_code = 'P-C1'") == \
        [("Trong sạch vững mạnh tiêu biểu",)]


@pytest.mark.parametrize("fast", [False, True], ids=["row", "fast"])
def test_a_label_marked_and_a_column_saying_no_is_refused_by_both_loaders(tmp_path, files, fast):
    units, _ = files
    bad = write_csv(tmp_path / "tap_the_sai.csv", [HEADER, ["2017", "P-C1", "Chi bộ", "TSVM tiêu biểu", "Không"],
                                                   ["2017", "P-C2", "Chi bộ", "TSVM", "có lẽ"]])
    res = load_files([units, bad], tmp_path / "kho.duckdb", fast=fast)
    assert [(r.row, r.column, r.value) for r in res.rejects] == [(2, "Tiêu biểu", "Không"), (3, "Tiêu biểu", "có lẽ")]
    assert "tiêu biểu" in res.rejects[0].reason
    assert marks(tmp_path / "kho.duckdb") == []


def test_both_loaders_store_the_same_marks(tmp_path, files):
    got = {}
    for fast in (False, True):
        db = tmp_path / f"kho_{fast}.duckdb"
        load_files(list(files), db, fast=fast)
        got[fast] = marks(db)
    assert got[False] == got[True] == EXPECTED


@pytest.mark.parametrize("fast", [False, True], ids=["row", "fast"])
def test_the_mark_survives_a_reload_and_a_correction(tmp_path, files, fast):
    units, ratings = files
    db = tmp_path / "kho.duckdb"
    load_files([units, ratings], db, fast=fast)
    again = load_files([ratings], db, fast=fast)                  # the same file again: nothing changes
    assert again.files[0].unchanged_load and marks(db) == EXPECTED
    # a corrected file (same name): P-C5 now marked, P-C1 no longer — the marks follow the file
    fixed = [list(r) for r in ROWS]
    fixed[0][3], fixed[4][3] = "Trong sạch vững mạnh", "Trong sạch vững mạnh tiêu biểu"
    write_csv(ratings, [HEADER, *fixed])
    res = load_files([ratings], db, fast=fast)
    assert res.exit_code == 0 and res.files[0].replaced
    assert dict((u, e) for u, _, e in marks(db)) == {"P-C1": None, "P-C2": True, "P-C3": True, "P-C4": False,
                                                     "P-C5": True, "P-C6": None}
    # another file giving only a different mark for the same chi bộ is a conflict, not a silent change
    other = write_csv(tmp_path / "tap_the_khac.csv", [HEADER, *fixed[:4], ["2017", "P-C5", "Chi bộ", "TSVM", "Không"],
                                                      fixed[5]])
    res = load_files([other], db, fast=fast)
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


def test_a_members_label_marked_tieu_bieu_keeps_its_level_only(tmp_path, files):
    units, _ = files
    members = write_csv(tmp_path / "dang_vien.csv", [
        ["Năm", "Mã đảng viên", "Mã chi bộ", "Xếp loại"],
        ["2017", "DV1", "P-C1", "Đủ tư cách, hoàn thành xuất sắc nhiệm vụ tiêu biểu"]])
    db = tmp_path / "kho.duckdb"
    res = load_files([units, members], db)
    assert res.exit_code == 0
    assert q(db, "SELECT level, label_raw FROM member_ratings") == [
        (1, "Đủ tư cách, hoàn thành xuất sắc nhiệm vụ tiêu biểu")]
    assert "exemplary" not in [r[0] for r in q(db, "DESCRIBE member_ratings")]
