"""The organization tree over time: unit versions and lineage events are checked at load."""
from __future__ import annotations

import duckdb

from operations.load import load_files
from tests.conftest import UNITS_HEADER, write_csv

LINEAGE = ["Năm", "Mã đơn vị cũ", "Mã đơn vị mới", "Hình thức"]


def units(tmp_path, rows, name="u.csv"):
    return write_csv(tmp_path / name, [UNITS_HEADER, ["T", "Tỉnh ủy T", "Tỉnh ủy", "", "", "", ""], *rows])


def communes(tmp_path):
    return units(tmp_path, [
        ["A", "Đảng bộ xã A", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, 2024],
        ["B", "Đảng bộ xã B", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, 2024],
        ["C", "Đảng bộ xã C (mới)", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2025, ""],
        ["D", "Đảng bộ xã D", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, ""],
    ])


def test_a_valid_merge_loads(tmp_path, db):
    ev = write_csv(tmp_path / "sn.csv", [LINEAGE, [2025, "A", "C", "Sáp nhập"], [2025, "B", "C", "Sáp nhập"]])
    res = load_files([communes(tmp_path), ev], db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]


def test_invalid_lineage_rows_are_named(tmp_path, db):
    ev = write_csv(tmp_path / "sn.csv", [
        LINEAGE,
        [2025, "A", "C", "Sáp nhập"],        # row 2: fine
        [2023, "B", "C", "Sáp nhập"],        # row 3: C does not exist in 2023
        [2025, "D", "C", "Sáp nhập"],        # row 4: D still exists in 2025
        [2025, "A", "X9", "Sáp nhập"],       # row 5: no such unit
    ])
    res = load_files([communes(tmp_path), ev], db)
    by_row = {r.row: r.reason for r in res.rejects}
    assert set(by_row) == {3, 4, 5}
    assert "C không tồn tại trong năm 2023" in by_row[3]
    assert "D vẫn tồn tại trong năm 2025" in by_row[4] and "'Đến năm' là 2024" in by_row[4]
    assert "không có đơn vị mã 'X9'" in by_row[5]


def test_a_cycle_is_rejected_with_its_path(tmp_path, db):
    u = units(tmp_path, [
        ["P", "Chi bộ P", "Chi bộ cơ sở", "", "T", "", ""],
        ["Q", "Chi bộ Q", "Chi bộ cơ sở", "", "T", "", ""],
    ])
    ev = write_csv(tmp_path / "sn.csv", [LINEAGE, [2022, "P", "Q", "Chia tách"], [2023, "Q", "P", "Chia tách"]])
    res = load_files([u, ev], db)
    assert {r.row for r in res.rejects} == {2, 3}
    assert all("vòng lặp" in r.reason and ("P → Q → P" in r.reason or "Q → P → Q" in r.reason) for r in res.rejects)


def test_a_reused_code_is_rejected(tmp_path, db):
    u = units(tmp_path, [
        ["A", "Đảng bộ xã A", "Đảng bộ cơ sở", "", "T", 2017, 2020],
        ["A", "Đảng bộ xã A mới", "Đảng bộ cơ sở", "", "T", 2025, ""],       # the code comes back in 2025
        ["B", "Đảng bộ xã B", "Đảng bộ cơ sở", "", "T", 2017, ""],
        ["E", "Đảng bộ xã E", "Đảng bộ cơ sở", "", "T", 2017, 2024],
    ])
    ev = write_csv(tmp_path / "sn.csv", [LINEAGE, [2021, "A", "B", "Sáp nhập"], [2025, "E", "A", "Sáp nhập"]])
    res = load_files([u, ev], db)
    (rej,) = res.rejects
    assert rej.row == 3 and "đã sáp nhập vào B năm 2021" in rej.reason


def test_overlapping_versions_of_one_code(tmp_path, db):
    u = units(tmp_path, [
        ["A", "Đảng bộ xã A", "Đảng bộ cơ sở", "", "T", 2017, 2022],
        ["A", "Đảng bộ phường A", "Đảng bộ cơ sở", "", "T", 2021, ""],
        ["B", "Đảng bộ xã B", "Đảng bộ cơ sở", "", "T", 2017, 2020],
        ["B", "Đảng bộ phường B", "Đảng bộ cơ sở", "", "T", 2021, ""],      # a rename keeping the code: fine
    ])
    res = load_files([u], db)
    assert {r.row for r in res.rejects} == {3, 4}
    assert "chồng nhau" in res.rejects[0].reason and "2017–2022" in res.rejects[0].reason
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT name, first_year, last_year FROM units WHERE unit_code = 'B'").fetchall() == [
        ("Đảng bộ phường B", 2017, None)]
    assert con.execute("SELECT count(*) FROM unit_versions WHERE unit_code = 'B'").fetchone()[0] == 2
    con.close()


def test_ratings_outside_a_units_life_are_rejected(tmp_path, db):
    agg = write_csv(tmp_path / "agg.csv", [
        ["Năm", "Mã đơn vị", "Đối tượng", "HTXS", "HTT", "HT", "KHTNV", "Tổng số"],
        [2024, "A", "dang_vien", 1, 5, 0, 0, 6],
        [2025, "A", "dang_vien", 1, 5, 0, 0, 6],                    # A merged into C: no ratings in 2025
    ])
    res = load_files([communes(tmp_path), agg], db)
    (rej,) = res.rejects
    assert rej.row == 3 and "không tồn tại trong năm 2025" in rej.reason and "2017–2024" in rej.reason
    # and a later units file cannot end A before its loaded ratings
    shorter = units(tmp_path, [["A", "Đảng bộ xã A", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, 2023]], "u2.csv")
    res = load_files([shorter], db)
    assert any("đã có xếp loại của A năm 2024" in r.reason for r in res.rejects)


def test_the_tree_of_each_year_follows_versions(tmp_path, db):
    u = units(tmp_path, [
        ["H", "Huyện ủy H", "Huyện ủy", "", "T", 2017, 2024],
        ["X", "Đảng bộ xã X", "Đảng bộ cơ sở", "", "H", 2017, 2024],
        ["X", "Đảng bộ xã X", "Đảng bộ cơ sở", "", "T", 2025, ""],            # moved under the province in 2025
        ["CB", "Chi bộ thôn 1", "Chi bộ trực thuộc", "", "X", 2017, ""],
    ])
    agg = write_csv(tmp_path / "agg.csv", [["Năm", "Mã đơn vị", "Đối tượng", "HTXS", "HTT", "HT", "KHTNV", "Tổng số"],
                                          [2024, "CB", "dang_vien", 1, 5, 0, 0, 6],
                                          [2025, "CB", "dang_vien", 1, 5, 0, 0, 6]])
    assert load_files([u, agg], db).exit_code == 0
    con = duckdb.connect(str(db), read_only=True)
    anc = con.execute("SELECT year, ancestor_code FROM unit_ancestors_by_year WHERE unit_code = 'CB' "
                      "ORDER BY year, distance").fetchall()
    con.close()
    assert anc == [(2024, "CB"), (2024, "X"), (2024, "H"), (2024, "T"), (2025, "CB"), (2025, "X"), (2025, "T")]
