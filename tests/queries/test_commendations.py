"""The "5 năm liền" lists and the "tiêu biểu" candidates on a constructed history."""
from __future__ import annotations

from etl import warehouse
from operations.load import load_files
from queries import runner
from tests.conftest import UNITS_HEADER, write_csv

COLL = ["Năm", "Mã đơn vị", "Đối tượng", "Xếp loại"]
MEMBERS = ["Năm", "Mã đảng viên", "Họ và tên", "Mã chi bộ", "Xếp loại"]


def build(tmp_path, db):
    units = write_csv(tmp_path / "u.csv", [UNITS_HEADER,
        ["T", "Tỉnh ủy T", "Tỉnh ủy", "", "", "", ""],
        ["A", "Đảng bộ xã A", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, ""],
        ["B", "Đảng bộ xã B", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, ""],
        ["R", "Đảng bộ xã Cũ", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, 2022],
        ["R2", "Đảng bộ phường Mới", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2023, ""],
        *[[f"C{i}", f"Chi bộ {i}", "Chi bộ trực thuộc", "", "A", 2017, ""] for i in range(1, 11)],
    ])
    lineage = write_csv(tmp_path / "l.csv", [["Năm", "Mã đơn vị cũ", "Mã đơn vị mới", "Hình thức"],
                                             [2023, "R", "R2", "Đổi tên"]])
    rows = [COLL]
    for y in range(2021, 2026):
        rows.append([y, "A", "tccsd", "HTXS"])                                  # five in a row
        rows.append([y, "B", "tccsd", "HTT" if y == 2023 else "HTXS"])          # a gap year breaks it
        rows.append([y, "R" if y <= 2022 else "R2", "tccsd", "HTXS"])           # renamed in 2023: keeps it
    for i in range(1, 11):
        rows.append([2025, f"C{i}", "chi_bo", "HTXS" if i <= 6 else "HTT"])
    members = [MEMBERS] + [[y, "DV1", "", "C1", "HTXS"] for y in range(2021, 2026)] + \
        [[y, "DV2", "", "C2", "HTXS" if y != 2022 else "HTT"] for y in range(2021, 2026)]
    res = load_files([units, lineage, write_csv(tmp_path / "c.csv", rows), write_csv(tmp_path / "m.csv", members)],
                     db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]


def run(db, name, **params):
    con = warehouse.connect_readonly(db)
    try:
        return runner.run(con, name, params)
    finally:
        con.close()


def test_five_years_running_gap_breaks_rename_keeps(tmp_path, db):
    build(tmp_path, db)
    df = run(db, "five_year_excellent", year=2025)
    orgs = df[df["kind"] == "to_chuc"]
    assert sorted(orgs["unit_code"]) == ["A", "R2"]                 # B's 2023 gap broke its streak
    assert set(orgs["years"]) == {5} and set(orgs["first_year"]) == {2021}
    members = df[df["kind"] == "dang_vien"]
    assert len(members) == 1 and members.iloc[0]["unit_code"] == "C1"   # DV2 missed 2022
    assert not members.iloc[0]["subject_key"].startswith("DV")          # pseudonymous key, not the card number
    assert run(db, "five_year_excellent", year=2024).query("kind == 'to_chuc'").empty


def test_exemplary_candidates_stay_within_the_configured_share(tmp_path, db):
    build(tmp_path, db)
    df = run(db, "exemplary_candidates", year=2025)
    chi_bo = df[df["subject"] == "chi_bo"]
    assert len(chi_bo) == 6 and set(chi_bo["allowed_exemplary"]) == {1}   # 20% of 6 excellent chi bộ → 1
    tccsd = df[df["subject"] == "tccsd"].set_index("unit_code")
    assert tccsd.loc["A", "five_years"] and not tccsd.loc["B", "five_years"]
