"""History in two views: as reported, and mapped onto today's structure through lineage events."""
from __future__ import annotations

import pytest

from etl import warehouse
from operations.load import load_files
from queries import runner
from tests.conftest import UNITS_HEADER, write_csv

AGG = ["Năm", "Mã đơn vị", "Đối tượng", "HTXS", "HTT", "HT", "KHTNV", "Tổng số"]
MEMBERS = ["Năm", "Mã đảng viên", "Họ và tên", "Mã chi bộ", "Xếp loại"]


def members(year, chi_bo, htxs, htt):
    return [[year, f"{chi_bo}-{year}-{i}", "", chi_bo, "HTXS" if i < htxs else "HTT"] for i in range(htxs + htt)]


@pytest.fixture
def merged(tmp_path, db):
    units = write_csv(tmp_path / "u.csv", [UNITS_HEADER,
        ["T", "Tỉnh ủy T", "Tỉnh ủy", "", "", "", ""],
        ["H", "Huyện ủy H", "Huyện ủy", "", "T", 2017, 2024],
        ["A", "Đảng bộ xã A", "Đảng bộ cơ sở", "Xã, thị trấn", "H", 2017, 2024],
        ["B", "Đảng bộ xã B", "Đảng bộ cơ sở", "Xã, thị trấn", "H", 2017, 2024],
        ["C", "Đảng bộ xã C", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2025, ""],
        ["CA", "Chi bộ thôn A1", "Chi bộ trực thuộc", "", "A", 2017, 2024],
        ["CB", "Chi bộ thôn B1", "Chi bộ trực thuộc", "", "B", 2017, 2024],
        ["CC", "Chi bộ thôn C1", "Chi bộ trực thuộc", "", "C", 2025, ""],
        ["D", "Đảng bộ xã D", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, 2022],
        ["E", "Đảng bộ xã E", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2023, ""],
        ["F", "Đảng bộ xã F", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2023, ""],
        ["G", "Đảng bộ xã G", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2023, ""],
    ])
    lineage = write_csv(tmp_path / "sn.csv", [["Năm", "Mã đơn vị cũ", "Mã đơn vị mới", "Hình thức", "Tỷ lệ"],
                                              [2025, "A", "C", "Sáp nhập", ""], [2025, "B", "C", "Sáp nhập", ""],
                                              [2023, "D", "E", "Chia tách", "60%"], [2023, "D", "F", "Chia tách", "40%"],
                                              [2023, "D", "G", "Chia tách", ""]])
    rows = [MEMBERS]
    for year in range(2017, 2025):
        rows += members(year, "CA", 3, 10) + members(year, "CB", 2, 8)
    rows += members(2025, "CC", 6, 20)
    aggs = write_csv(tmp_path / "agg.csv", [AGG, [2022, "D", "tccsd", 2, 8, 0, 0, 10]])
    res = load_files([units, lineage, write_csv(tmp_path / "m.csv", rows), aggs], db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    return db


def dist(db, **params):
    con = warehouse.connect_readonly(db)
    try:
        return runner.run(con, "distribution", params)
    finally:
        con.close()


def test_today_structure_covers_every_year_and_adds_up_predecessors(merged):
    today = dist(merged, unit="C", subject="dang_vien", view="cau_truc_hien_tai").set_index("year")
    assert list(today.index) == list(range(2017, 2026))
    assert (today.loc[2024, "htxs"], today.loc[2024, "htt"]) == (3 + 2, 10 + 8)     # A + B in 2024
    assert (today.loc[2025, "htxs"], today.loc[2025, "htt"]) == (6, 20)


def test_as_reported_shows_the_predecessors_separately(merged):
    assert list(dist(merged, unit="C", subject="dang_vien")["year"]) == [2025]
    a = dist(merged, unit="A", subject="dang_vien").set_index("year")
    assert list(a.index) == list(range(2017, 2025)) and a.loc[2024, "htxs"] == 3
    h = dist(merged, unit="H", subject="dang_vien").set_index("year")
    assert h.loc[2024, "total"] == 23 and 2025 not in h.index
    # the province is the same in both views: only the placement inside it differs
    t1 = dist(merged, unit="T", subject="dang_vien")
    t2 = dist(merged, unit="T", subject="dang_vien", view="cau_truc_hien_tai")
    assert t1[["year", "htxs", "htt"]].values.tolist() == t2[["year", "htxs", "htt"]].values.tolist()


def test_splits_divide_by_known_shares_or_say_they_could_not(merged):
    e = dist(merged, unit="E", subject="tccsd", view="cau_truc_hien_tai").set_index("year")
    f = dist(merged, unit="F", subject="tccsd", view="cau_truc_hien_tai").set_index("year")
    g = dist(merged, unit="G", subject="tccsd", view="cau_truc_hien_tai").set_index("year")
    assert e.loc[2022, "total"] == 6 and f.loc[2022, "total"] == 4
    assert g.loc[2022, "total"] == 10 and g.loc[2022, "note"] == "chia_tach_khong_ro_ty_le"
    assert e.loc[2022, "basis"] == "so_lieu_tong_hop"


def test_a_dissolved_unit_has_no_place_in_todays_structure(merged):
    assert dist(merged, unit="H", view="cau_truc_hien_tai").empty
    assert not dist(merged, unit="H", view="cau_truc_hien_tai", structure_year=2024).empty
