"""The seed 004 district's four tables come back cell for cell from the generated workbook."""
from __future__ import annotations

import io

import openpyxl
import pytest

from etl import warehouse
from operations.load import load_files
from reports import official_tables
from tests.conftest import SAMPLE_004

# Seed 004, section I.2.2, as printed (None where the seed's own column does not add up and the load rejected it).
SEED = {
    "TCCSĐ": [[8, 12, 12, 11, 11], [30, 45, 47, 46, 44], [6, 4, 2, 3, 1], [1, 0, 0, 0, 2], [45, 61, 61, 60, 58]],
    "Cấp ủy cơ sở": [[8, 8, 11, 7, 7], [20, 23, 26, 28, 27], [5, 4, 1, 2, 0], [1, 0, 0, 0, 2], [34, 35, 38, 37, 36]],
    "Tập thể lãnh đạo": [[None, 8, 12, 6, 3], [None, 27, 23, 21, 26], [None, 0, 0, 4, 0], [None, 0, 0, 0, 1],
                         [None, 35, 35, 31, 30]],
    "Đảng viên": [[376, None, 511, 539, 496], [2208, None, 2311, 2259, 2411], [202, None, 107, 144, 93],
                  [9, None, 18, 23, 16], [2795, None, 2947, 2965, 3016]],
}


@pytest.fixture
def seed_db(db):
    load_files([SAMPLE_004], db, unit="Huyện ủy Bảo Lâm")
    return db


def test_workbook_reproduces_the_seed_tables(seed_db):
    con = warehouse.connect_readonly(seed_db)
    data, summary = official_tables.build(con, "Huyện ủy Bảo Lâm", 2018, 2022, quota=True)
    con.close()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Thông tin", "TCCSĐ", "Cấp ủy cơ sở", "Tập thể lãnh đạo", "Đảng viên", "Tỷ lệ xuất sắc"]
    for sheet, expected in SEED.items():
        ws = wb[sheet]
        assert [c.value for c in ws[2]][:3] == ["STT", "Tiêu chí", "Năm đánh giá"]
        assert [c.value for c in ws[3]][2:7] == [2018, 2019, 2020, 2021, 2022]
        labels = [ws.cell(row=r, column=2).value for r in range(4, 8)]
        assert labels == ["Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ",
                          "Không hoàn thành nhiệm vụ"]
        assert ws.cell(row=8, column=1).value == "Tổng số"
        got = [[ws.cell(row=r, column=c).value for c in range(3, 8)] for r in range(4, 9)]
        assert got == expected, sheet
        assert ws.cell(row=5, column=5).number_format == "#,##0"
    info = [r[0] for r in wb["Thông tin"].iter_rows(values_only=True) if r[0]]
    assert "Đơn vị: Huyện ủy Bảo Lâm" in info and any("bao_lam_2018_2022.tsv" in x for x in info)
    assert any("Tập thể lãnh đạo: 2018" in x and "Đảng viên: 2019" in x for x in info)
    assert summary["missing"] == ["Tập thể lãnh đạo: 2018", "Đảng viên: 2019"]
    quota = list(wb["Tỷ lệ xuất sắc"].iter_rows(values_only=True))
    assert ("Năm", "Nhóm / đơn vị") == quota[0][:2]
    assert any(r[0] == 2020 and r[3] == 511 and r[6] == 462 and r[7] == 49 for r in quota[1:])


def test_shares_beside_the_counts(seed_db):
    con = warehouse.connect_readonly(seed_db)
    data, _ = official_tables.build(con, "Huyện ủy Bảo Lâm", 2020, 2020, subjects=["dang_vien"], shares=True)
    con.close()
    ws = openpyxl.load_workbook(io.BytesIO(data))["Đảng viên"]
    assert [c.value for c in ws[3]][2:4] == [2020, "Tỷ lệ"]
    assert ws.cell(row=4, column=3).value == 511
    assert ws.cell(row=4, column=4).value == pytest.approx(511 / 2947)
    assert ws.cell(row=4, column=4).number_format == "0.0%"
