"""A province's own layout that no built-in profile knows (issue 21, item 3): the file a clerk teaches the system on
the import page (tests/pages/test_profile_teacher.py, tests/browser/test_teach_profile_browser.py, tests/etl/
test_teach.py). Loaded against the catalogue of tests/etl/summary_sheets.py.

A title block in merged cells and the date it was signed; a two-row header "STT | Cơ sở đảng | Số được xếp loại |
Kết quả xếp loại (merged over HTXSNV | HTTNV | HTNV | KHTNV, counts only) | Ghi chú"; one row per unit with names as
people write them; a "Cộng" row; signatures.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[2]
LEVEL_HEADINGS = ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]

# year → [(name as written, rated, htxs, htt, ht, khtnv)] and the unit codes of tests/etl/summary_sheets.CATALOGUE
UNITS = {
    2024: [("ĐB Cơ quan Huyện ủy Hòa Bình", 55, 10, 38, 6, 1), ("Đảng bộ Thị trấn Hòa Bình", "2.208", 400, "1.700",
                                                                100, 8),
           ("CB TT Y tế huyện Hòa Bình", 40, 8, 30, 2, 0), ("CB UBND huyện Hòa Bình", 23, 4, 18, 1, "")],
    2023: [("ĐB Cơ quan Huyện ủy Hòa Bình", 54, 9, 40, 5, 0), ("Đảng bộ Thị trấn Hòa Bình", "2.150", 380, "1.660",
                                                                105, 5),
           ("CB TT Y tế huyện Hòa Bình", 39, 7, 30, 2, 0), ("CB UBND huyện Hòa Bình", 22, 3, 18, 1, 0)],
}
CODES = ["CQ", "TTHB", "YT", "UB"]


def _n(v) -> int:
    return 0 if v in (None, "", "-") else int(str(v).replace(".", ""))


def expected(year: int) -> dict[str, tuple[int, int, int, int, int]]:
    """unit code → (htxs, htt, ht, khtnv, rated) as the sheet of that year prints them."""
    return {code: tuple(_n(v) for v in (h1, h2, h3, h4, rated))
            for code, (_name, rated, h1, h2, h3, h4) in zip(CODES, UNITS[year])}


def write(path: Path, year: int = 2024, with_year: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "KQ xep loai"

    def merged(cell_range: str, value) -> None:
        ws[cell_range.split(":")[0]] = value
        ws.merge_cells(cell_range)

    merged("A1:C1", "HUYỆN ỦY HÒA BÌNH")
    merged("E1:I1", "ĐẢNG CỘNG SẢN VIỆT NAM")
    merged("A2:C2", "BAN TỔ CHỨC")
    merged("E2:I2", f"Hòa Bình, ngày 10 tháng 01 năm {year + 1}")
    merged("A4:I4", "TỔNG HỢP XẾP LOẠI ĐẢNG VIÊN" + (f" NĂM {year}" if with_year else ""))
    merged("A6:A7", "STT")
    merged("B6:B7", "Cơ sở đảng")
    merged("C6:C7", "Số được xếp loại")
    merged("D6:G6", "Kết quả xếp loại")
    for j, h in enumerate(LEVEL_HEADINGS, start=4):
        ws.cell(7, j, h)
    merged("H6:H7", "Ghi chú")
    row = 8
    for i, (name, rated, *levels) in enumerate(UNITS[year], start=1):
        for j, v in enumerate([i, name, rated, *levels], start=1):
            if v not in (None, ""):
                ws.cell(row, j, v)
        row += 1
    ws.cell(row, 2, "Cộng")
    totals = [sum(_n(u[k]) for u in UNITS[year]) for k in range(1, 6)]
    for j, v in enumerate(totals, start=3):
        ws.cell(row, j, v)
    ws.cell(row + 2, 2, "NGƯỜI LẬP BIỂU")
    ws.cell(row + 2, 6, "TRƯỞNG BAN")
    ws.cell(row + 6, 2, "Lê Thị Cúc")
    ws.cell(row + 6, 6, "Phạm Văn Dũng")
    wb.save(path)
    return path
