"""The quota audit (queries/quota.sql) on hand-computed cases."""
from __future__ import annotations

import pandas as pd
import pytest

from etl import warehouse
from etl.loader import load_files
from queries import runner
from tests.conftest import SAMPLE_004, UNITS_HEADER, write_csv

MEMBERS = ["Năm", "Mã đảng viên", "Họ và tên", "Mã chi bộ", "Xếp loại"]


def members(year: int, chi_bo: str, htxs: int, htt: int, ht: int = 0, prefix: str = "") -> list[list]:
    rows, i = [], 0
    for label, count in (("HTXSNV", htxs), ("HTTNV", htt), ("HTNV", ht)):
        for _ in range(count):
            i += 1
            rows.append([year, f"{prefix}{chi_bo}-{i}", "", chi_bo, label])
    return rows


def audit(db, **params):
    con = warehouse.connect_readonly(db)
    try:
        return runner.run(con, "quota", params)
    finally:
        con.close()


def test_seed_004_hand_computed_cases(db):
    load_files([SAMPLE_004], db, unit="Huyện ủy Bảo Lâm")
    df = audit(db, unit="Huyện ủy Bảo Lâm").set_index(["subject", "year"])
    m20 = df.loc[("dang_vien", 2020)]
    assert (m20.htxs, m20.htt, m20.allowed, m20.excess, m20.status) == (511, 2311, 462, 49, "vuot")
    assert m20.basis == "so_lieu_tong_hop"
    assert m20.share_of_htt == pytest.approx(511 / 2311, abs=1e-4)
    assert m20.share_of_total == pytest.approx(511 / 2947, abs=1e-4)
    o19 = df.loc[("tccsd", 2019)]
    assert (o19.htxs, o19.htt, o19.allowed, o19.excess) == (12, 45, 9, 3)
    # the organization quota of 2019–2022 is unverified: over it is "to review", never a hard breach
    assert o19.status == "can_xem_xet" and o19.certainty == "U"
    # 2018: no rule known → said, not invented
    m18 = df.loc[("dang_vien", 2018)]
    assert m18.status == "khong_co_quy_tac" and pd.isna(m18.allowed) and pd.isna(m18.excess)


@pytest.fixture
def tree(tmp_path):
    return write_csv(tmp_path / "dv.csv", [UNITS_HEADER,
        ["T", "Tỉnh ủy Thử", "Tỉnh ủy", "", "", "", ""],
        *[[f"X{i}", f"Đảng bộ xã {i}", "Đảng bộ cơ sở", "Xã, thị trấn", "T", "", ""] for i in range(1, 5)],
        *[[f"C{i}", f"Chi bộ thôn {i}", "Chi bộ trực thuộc", "Thôn, tổ dân phố", f"X{i}", "", ""] for i in range(1, 5)],
    ])


def test_2025_twenty_percent_is_within_22_needs_decision_26_exceeds(tmp_path, db, tree):
    rows = [MEMBERS, *members(2025, "C1", 10, 50), *members(2025, "C2", 11, 50), *members(2025, "C3", 13, 50),
            *members(2025, "C4", 12, 50)]
    load_files([tree, write_csv(tmp_path / "m.csv", rows)], db)
    df = audit(db, year=2025, subject="dang_vien").set_index("unit_code")
    assert df.loc["X1"].status == "trong_gioi_han" and df.loc["X1"].allowed == 10 and df.loc["X1"].excess == 0
    assert df.loc["X2"].status == "can_quyet_dinh" and df.loc["X2"].excess == 1          # 22% ≤ 25% ceiling
    assert df.loc["X4"].status == "can_quyet_dinh"                                        # 24%: still ≤ 25%
    assert df.loc["X3"].status == "vuot" and df.loc["X3"].excess == 3                    # 26% > 25%
    assert set(df["basis"]) == {"ho_so_ca_nhan"} and set(df["rule"]) == {"all_366"}


def test_2021_members_counted_per_grassroots_organization_and_unit_filter(tmp_path, db, tree):
    rows = [MEMBERS, *members(2021, "C1", 5, 20), *members(2021, "C2", 4, 20)]
    load_files([tree, write_csv(tmp_path / "m.csv", rows)], db)
    df = audit(db, year=2021, subject="dang_vien")
    assert list(df.sort_values("unit_code")["excess"]) == [1, 0]
    assert list(audit(db, year=2021, unit="Đảng bộ xã 2")["unit_code"]) == ["X2"]
    assert audit(db, year=2021, unit="dang bo xa 1")["unit_code"].tolist() == ["X1"]


def test_collectives_grouped_with_peers_of_same_parent_level_and_kind(tmp_path, db, tree):
    header = ["Năm", "Mã đơn vị", "Đối tượng", "Xếp loại"]
    rows = [header, [2024, "X1", "tccsd", "HTXS"], [2024, "X2", "tccsd", "HTT"], [2024, "X3", "tccsd", "HTT"],
            [2024, "X4", "tccsd", "HTT"]]
    load_files([tree, write_csv(tmp_path / "c.csv", rows)], db)
    (row,) = audit(db, year=2024, subject="tccsd").itertuples()
    # one group: the four communes of the province; 1 HTXS vs 3 HTT → allowed floor(0.6) = 0 → exceeded by 1
    assert (row.htxs, row.htt, row.allowed, row.excess, row.status) == (1, 3, 0, 1, "vuot")
    assert row.unit.startswith("Tỉnh ủy Thử — Đảng bộ cơ sở") and "Xã, thị trấn" in row.unit


def test_a_local_rule_replaces_the_national_one_in_its_subtree(tmp_path, db):
    units = write_csv(tmp_path / "u.csv", [UNITS_HEADER,
        ["HT", "Thị ủy Hương Trà", "Huyện ủy", "", "", "", ""],
        ["HX", "Đảng ủy phường Hương Xuân", "Đảng bộ cơ sở", "Xã, thị trấn", "HT", "", ""],
        ["HX1", "Chi bộ khu vực 1", "Chi bộ trực thuộc", "", "HX", "", ""],
        ["KH", "Đảng bộ phường Khác", "Đảng bộ cơ sở", "Xã, thị trấn", "HT", "", ""],
        ["KH1", "Chi bộ khu vực 1", "Chi bộ trực thuộc", "", "KH", "", ""]])
    rows = [MEMBERS, *members(2017, "HX1", 4, 20), *members(2017, "KH1", 4, 20)]
    load_files([units, write_csv(tmp_path / "m.csv", rows)], db)
    df = audit(db, year=2017, subject="dang_vien")
    hx = df[df["unit_code"] == "HX1"].iloc[0]
    assert (hx.rule, hx.allowed, hx.excess, hx.status) == ("huong_xuan_2017", 3, 1, "vuot")   # 15% of 20 = 3
    other = df[df["unit_code"] == "KH"].iloc[0]
    assert other.status == "khong_co_quy_tac"       # no national member quota in 2017
    assert set(df["unit_code"]) == {"HX1", "KH"}    # inside the local rule's subtree only its own grouping shows
