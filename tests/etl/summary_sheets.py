"""Summary sheets ("biểu tổng hợp", one row per unit) written the way district offices fill them, and the unit
catalogue they are loaded against (tests/etl/test_summary_sheets.py, test_profiles.py).

A sheet: a title block in merged cells (the issuing committee, the board, the date it was signed, the title that names
the subject and the year, "(Kèm theo Báo cáo số …)"), a two-row header (TT | unit | Tổng số | Số … được đánh giá |
each level a merged cell over "Số lượng | Tỷ lệ %" | Ghi chú), a row of column numbers, one row per unit with names
as people write them, a `Tổng cộng` row, and the signatures below.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from tests.conftest import UNITS_HEADER, write_xlsx

NEW_LEVELS = ["Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ",
              "Không hoàn thành nhiệm vụ"]
OLD_MEMBER_LEVELS = ["Đủ tư cách, hoàn thành xuất sắc nhiệm vụ", "Đủ tư cách, hoàn thành tốt nhiệm vụ",
                     "Đủ tư cách, hoàn thành nhiệm vụ", "Vi phạm tư cách hoặc không hoàn thành nhiệm vụ"]
OLD_ORG_LEVELS = ["Trong sạch, vững mạnh", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ", "Yếu kém"]

# The catalogue: codes the sheets never show. AP changed its name in 2020 (same code); PM_OLD was renamed under a
# new code PM in 2020 (lineage doi_ten); two communes called Tân Lập in two districts.
CATALOGUE = [
    ["H1", "Huyện ủy Hòa Bình", "Huyện ủy", "", "", "", ""],
    ["H2", "Huyện ủy Kim Sơn", "Huyện ủy", "", "", "", ""],
    ["CQ", "Đảng bộ Cơ quan Huyện ủy Hòa Bình", "Đảng bộ cơ sở", "Cơ quan hành chính", "H1", "", ""],
    ["TTHB", "Đảng bộ thị trấn Hòa Bình", "Đảng bộ cơ sở", "Xã, thị trấn", "H1", "", ""],
    ["AP", "Đảng bộ xã An Phú", "Đảng bộ cơ sở", "Xã, thị trấn", "H1", "2010", "2019"],
    ["AP", "Đảng bộ thị trấn An Phú", "Đảng bộ cơ sở", "Xã, thị trấn", "H1", "2020", ""],
    ["PM_OLD", "Đảng bộ xã Phú Mỹ", "Đảng bộ cơ sở", "Xã, thị trấn", "H1", "2010", "2019"],
    ["PM", "Đảng bộ xã Phú Mỹ Hưng", "Đảng bộ cơ sở", "Xã, thị trấn", "H1", "2020", ""],
    ["YT", "Chi bộ Trung tâm Y tế huyện Hòa Bình", "Chi bộ cơ sở", "Sự nghiệp", "H1", "", ""],
    ["UB", "Chi bộ Ủy ban nhân dân huyện Hòa Bình", "Chi bộ cơ sở", "Cơ quan hành chính", "H1", "", ""],
    ["TL1", "Đảng bộ xã Tân Lập", "Đảng bộ cơ sở", "Xã, thị trấn", "H1", "", ""],
    ["TL2", "Đảng bộ xã Tân Lập", "Đảng bộ cơ sở", "Xã, thị trấn", "H2", "", ""],
]
LINEAGE = [["Năm", "Mã đơn vị cũ", "Mã đơn vị mới", "Hình thức"], [2020, "PM_OLD", "PM", "Đổi tên"]]


def catalogue_files(folder: Path) -> list[Path]:
    return [write_xlsx(folder / "danh_muc.xlsx", {"Đơn vị": [UNITS_HEADER, *CATALOGUE]}),
            write_xlsx(folder / "sap_nhap.xlsx", {"Sáp nhập": LINEAGE})]


@dataclass
class Unit:
    name: str                       # as written on the sheet
    headcount: int | str | None
    rated: int | str | None
    counts: list                    # four levels, as written ("2.208", "", "-", numbers)
    shares: list | None = None      # as printed; None = computed from the counts, "18,50" style
    note: str | None = None


@dataclass
class Sheet:
    year: int | None = 2024
    subject_title: str = "ĐẢNG VIÊN"                         # how the title names the subject
    noun: str = "đảng viên"                                   # "Tổng số đảng viên", "Số đảng viên được …"
    unit_header: str = "Tên tổ chức cơ sở đảng"
    levels: list[str] = field(default_factory=lambda: list(NEW_LEVELS))
    units: list[Unit] = field(default_factory=list)
    total: list | None = None       # [headcount, rated, c1..c4]; None = the sum of the unit rows, as offices do
    sheet_name: str = "Biểu 01"


def _n(v) -> int:
    if v in (None, "", "-"):
        return 0
    return int(str(v).replace(".", "")) if isinstance(v, str) else int(v)


def _share(count, rated) -> str:
    r = _n(rated)
    return f"{100 * _n(count) / r:.2f}".replace(".", ",") if r else ""


def write(path: Path, s: Sheet) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = s.sheet_name
    last = 4 + 2 * len(s.levels) + 1            # TT, name, total, rated, two per level, note
    end = openpyxl.utils.get_column_letter(last)

    def merged(cell_range: str, value) -> None:
        ws[cell_range.split(":")[0]] = value
        ws.merge_cells(cell_range)

    merged("A1:D1", "ĐẢNG BỘ HUYỆN HÒA BÌNH")
    merged(f"J1:{end}1", "ĐẢNG CỘNG SẢN VIỆT NAM")
    merged("A2:D2", "BAN TỔ CHỨC")
    merged(f"J2:{end}2", "Hòa Bình, ngày 20 tháng 01 năm 2025")       # the date it was signed, not the year rated
    year = f" NĂM {s.year}" if s.year else ""
    merged(f"A4:{end}4", f"BIỂU TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG {s.subject_title}{year}")
    merged(f"A5:{end}5", "(Kèm theo Báo cáo số 125-BC/BTCHU ngày 20/01/2025 của Ban Tổ chức Huyện ủy)")
    merged("A7:A8", "TT")
    merged("B7:B8", s.unit_header)
    merged("C7:C8", f"Tổng số {s.noun}")
    merged("D7:D8", f"Số {s.noun} được đánh giá, xếp loại")
    for k, level in enumerate(s.levels):
        c = 5 + 2 * k
        a, b = openpyxl.utils.get_column_letter(c), openpyxl.utils.get_column_letter(c + 1)
        merged(f"{a}7:{b}7", level)
        ws[f"{a}8"], ws[f"{b}8"] = "Số lượng", "Tỷ lệ %"
    merged(f"{end}7:{end}8", "Ghi chú")
    for j in range(1, last + 1):
        ws.cell(9, j, f"({j})")
    row = 10
    for i, u in enumerate(s.units, start=1):
        shares = u.shares if u.shares is not None else [_share(c, u.rated) for c in u.counts]
        cells = [i, u.name, u.headcount, u.rated]
        for c, sh in zip(u.counts, shares):
            cells += [c, sh]
        cells.append(u.note)
        for j, v in enumerate(cells, start=1):
            if v not in (None, ""):
                ws.cell(row, j, v)
        row += 1
    total = s.total or [sum(_n(getattr(u, f)) for u in s.units) for f in ("headcount", "rated")] + \
        [sum(_n(u.counts[k]) for u in s.units) for k in range(len(s.levels))]
    merged(f"A{row}:B{row}", "Tổng cộng")
    ws.cell(row, 3, total[0])
    ws.cell(row, 4, total[1])
    for k in range(len(s.levels)):
        ws.cell(row, 5 + 2 * k, total[2 + k])
        ws.cell(row, 6 + 2 * k, _share(total[2 + k], total[1]))
    row += 2
    ws.cell(row, 2, "NGƯỜI LẬP BIỂU")
    ws.cell(row, 11, "TRƯỞNG BAN")                 # in a count column, as signatures often are
    ws.cell(row + 4, 2, "Nguyễn Văn An")
    ws.cell(row + 4, 11, "Trần Thị Bình")
    if path.suffix.lower() == ".xls":
        return _as_xls(ws, path)
    wb.save(path)
    return path


def _as_xls(ws, path: Path) -> Path:
    """The same sheet as a legacy Excel 97–2003 file (xlwt), merged cells kept: older offices still keep these."""
    import xlwt
    book = xlwt.Workbook(encoding="utf-8")
    out = book.add_sheet(ws.title)
    merged = {}
    for rng in ws.merged_cells.ranges:
        merged[(rng.min_row, rng.min_col)] = rng
    covered = {(r, c) for rng in ws.merged_cells.ranges for r in range(rng.min_row, rng.max_row + 1)
               for c in range(rng.min_col, rng.max_col + 1)}
    for row in ws.iter_rows():
        for cell in row:
            if (cell.row, cell.column) in merged:
                rng = merged[cell.row, cell.column]
                out.write_merge(rng.min_row - 1, rng.max_row - 1, rng.min_col - 1, rng.max_col - 1, cell.value)
            elif (cell.row, cell.column) not in covered and cell.value is not None:
                out.write(cell.row - 1, cell.column - 1, cell.value)
    book.save(str(path))
    return path


def office_2024() -> Sheet:
    """The district's 2024 member sheet, names as the clerk wrote them."""
    return Sheet(units=[
        Unit("ĐB Cơ quan Huyện ủy Hòa Bình", 58, 55, [10, 38, 6, 1]),
        Unit("Đảng bộ Thị trấn Hòa Bình", "2.310", "2.208", [400, "1.700", 100, 8]),
        Unit("Đảng bộ thị trấn An Phú", 431, 420, [80, 300, 40, ""]),       # blank: none, as offices write it
        Unit("ĐB xã Phú Mỹ", 365, 350, [65, 270, 15, "-"]),                 # the name PM had until 2019
        Unit("CB TT Y tế huyện Hòa Bình", 41, 40, [8, 30, 2, 0]),
        Unit("CB UBND huyện Hòa Bình", 23, 23, [4, 18, 1, 0]),
    ])


# unit code → (htxs, htt, ht, khtnv, total, not_rated) of office_2024(), counted by hand
OFFICE_2024 = {"CQ": (10, 38, 6, 1, 55, 3), "TTHB": (400, 1700, 100, 8, 2208, 102), "AP": (80, 300, 40, 0, 420, 11),
               "PM": (65, 270, 15, 0, 350, 15), "YT": (8, 30, 2, 0, 40, 1), "UB": (4, 18, 1, 0, 23, 0)}
