"""The central statistics forms Biểu số 7A-TCTW and 7B-TCTW written the way district boards filled them up to 2017
(tests/etl/test_tctw_forms.py): a three-cell title block in merged cells (the committee on three lines, the title with
the year, the form number), a three-row merged header (CHỈ TIÊU | Tổng số | Tỷ lệ (%) | "CHIA THEO CÁC LOẠI HÌNH …"
over eleven kinds, "DN có vốn đầu tư NN" over "Tổng số | Trong đó 100% vốn NN"), the column-number row, one row per
indicator with "X" in the share column where a share means nothing, the "Trong đó" rows, and the signatures.

The numbers are given per kind of organization; the "Tổng số" column is their sum without the sub-column, as offices
compute it — unless a test writes a wrong one on purpose.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from tests.etl.summary_sheets import _as_xls

# Kinds in the form's order, as the header writes them: (code, heading on row 6, heading on row 7).
TYPES = [("xa", "Xã", None), ("phuong_thi_tran", "Phường, thị trấn", None), ("dn_nha_nuoc", "DN Nhà nước", None),
         ("dn_co_phan", "DN cổ phần", None), ("dn_tu_nhan", "DN tư nhân", None),
         ("dn_von_nuoc_ngoai", "DN có vốn đầu tư NN", "Tổng số"),
         ("dn_100_von_nuoc_ngoai", None, "Trong đó 100% vốn NN"),
         ("co_quan_hanh_chinh", "Cơ quan hành chính", None), ("su_nghiep", "Cơ sở sự nghiệp", None),
         ("quan_doi_cong_an", "Quân đội, Công an", None), ("khac", "Loại hình khác", None)]
CODES = [t[0] for t in TYPES]
CHILD = "dn_100_von_nuoc_ngoai"          # inside dn_von_nuoc_ngoai: never added to the total

OLD_ORG = ["a) Trong sạch vững mạnh", "b) Hoàn thành tốt nhiệm vụ", "c) Hoàn thành nhiệm vụ", "d) Yếu kém"]
NEW_ORG = ["a) Hoàn thành xuất sắc nhiệm vụ", "b) Hoàn thành tốt nhiệm vụ", "c) Hoàn thành nhiệm vụ",
           "d) Không hoàn thành nhiệm vụ"]


@dataclass
class Row:
    label: str
    role: str                      # head | rated | level | part | count (not rated) | text
    values: dict = field(default_factory=dict)     # kind code → count as written (None: blank)
    share: object = "auto"         # "auto": computed; "X", None or a printed value
    total: object = "auto"         # "auto": the sum of the kinds without the sub-column
    base: "Row | None" = None      # the row the share is of


@dataclass
class Form:
    number: str                    # "7A" | "7B"
    title: str
    year: int | None
    committee: list[str]           # the three lines of the left title cell
    rows: list[Row]
    sheet_name: str = "Biểu 7A"
    column_numbers: bool = True


def _n(v) -> int:
    return 0 if v in (None, "", "-", "X") else int(str(v).replace(".", ""))


def total_of(r: Row):
    if r.total != "auto":
        return r.total
    if not r.values:
        return None
    return sum(_n(r.values.get(c)) for c in CODES if c != CHILD)


def _share(r: Row):
    if r.share != "auto":
        return r.share
    if r.base is None:
        return "X"
    t, b = _n(total_of(r)), _n(total_of(r.base))
    return f"{100 * t / b:.2f}".replace(".", ",") if b else "X"


def write(path: Path, f: Form) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f.sheet_name
    last = 3 + len(TYPES)
    end = get_column_letter(last)

    def merged(rng: str, value) -> None:
        ws[rng.split(":")[0]] = value
        if ":" in rng:
            ws.merge_cells(rng)

    merged("A1:B3", "\n".join(f.committee))
    year = f"Năm {f.year}" if f.year else "Năm 20…"
    merged(f"C1:{get_column_letter(last - 3)}3", f"{f.title}\n{year}")
    merged(f"{get_column_letter(last - 2)}1:{end}3",
           f"Biểu số {f.number} - TCTW\n(Ban hành kèm theo Hướng dẫn số 27-HD/BTCTW ngày 25/9/2014)")
    merged("A5:A7", "CHỈ TIÊU")
    merged("B5:B7", "Tổng số")
    merged("C5:C7", "Tỷ lệ (%)")
    merged(f"D5:{end}5", "CHIA THEO CÁC LOẠI HÌNH TỔ CHỨC CƠ SỞ ĐẢNG")
    for k, (code, six, seven) in enumerate(TYPES):
        col = get_column_letter(4 + k)
        if six and seven:
            merged(f"{col}6:{get_column_letter(5 + k)}6", six)
            ws[f"{col}7"] = seven
        elif six:
            merged(f"{col}6:{col}7", six)
        else:
            ws[f"{col}7"] = seven
    row = 8
    if f.column_numbers:
        ws.cell(8, 1, 1)
        ws.cell(8, 2, f"2 = 4+...+{last}")
        ws.cell(8, 3, 3)
        for k in range(len(TYPES)):
            ws.cell(8, 4 + k, 4 + k)
        row = 9
    for r in f.rows:
        ws.cell(row, 1, r.label)
        if r.role != "text":
            t = total_of(r)
            if t is not None:
                ws.cell(row, 2, t)
            sh = _share(r)
            if sh not in (None, ""):
                ws.cell(row, 3, sh)
            for k, code in enumerate(CODES):
                v = r.values.get(code)
                if v not in (None, ""):
                    ws.cell(row, 4 + k, v)
        row += 1
    row += 1
    ws.cell(row, 10, "Hòa Bình, ngày 20 tháng 01 năm 2017")    # the date it was signed: not the year rated
    ws.cell(row + 1, 1, "NGƯỜI LẬP BIỂU")
    ws.cell(row + 1, 10, "TRƯỞNG BAN")                        # in a kind's column, as signatures often are
    ws.cell(row + 5, 1, "Nguyễn Văn An")
    ws.cell(row + 5, 10, "Trần Thị Bình")
    if path.suffix.lower() == ".xls":
        return _as_xls(ws, path)
    wb.save(path)
    return path


# ───────────────────────────── the district's forms ─────────────────────────────

COMMITTEE = ["TỈNH ỦY NINH BÌNH", "HUYỆN ỦY HÒA BÌNH", "BAN TỔ CHỨC"]

# 7A, per kind: (level 1, level 2, level 3, level 4, of which exemplary, not rated, of which newly founded)
TCCSD_2016 = {"xa": (5, 8, 2, 0, 1, 0, 0), "phuong_thi_tran": (1, 1, 0, 0, 0, 0, 0),
              "dn_nha_nuoc": (1, 0, 1, 0, 0, 0, 0), "dn_co_phan": (0, 2, 1, 1, 0, 1, 1),
              "dn_tu_nhan": (0, 1, 0, 0, 0, 0, 0), "dn_von_nuoc_ngoai": (1, 1, 0, 0, 0, 0, 0),
              "dn_100_von_nuoc_ngoai": (1, 0, 0, 0, 0, 0, 0), "co_quan_hanh_chinh": (6, 4, 1, 0, 2, 0, 0),
              "su_nghiep": (4, 5, 2, 0, 1, 1, 1), "quan_doi_cong_an": (2, 0, 0, 0, 1, 0, 0)}   # no "khác"
CHI_BO_2016 = {"xa": (30, 40, 10, 1, 3, 2, 1), "phuong_thi_tran": (5, 6, 1, 0, 0, 0, 0),
               "dn_nha_nuoc": (2, 3, 0, 0, 0, 0, 0), "dn_co_phan": (1, 4, 2, 0, 0, 0, 0),
               "dn_von_nuoc_ngoai": (0, 2, 1, 0, 0, 0, 0), "dn_100_von_nuoc_ngoai": (0, 1, 0, 0, 0, 0, 0),
               "co_quan_hanh_chinh": (8, 10, 2, 0, 1, 0, 0), "su_nghiep": (10, 12, 3, 1, 2, 1, 0),
               "quan_doi_cong_an": (4, 2, 0, 0, 1, 0, 0), "khac": (0, 1, 0, 0, 0, 0, 0)}     # no "tư nhân"


def _col(data: dict, k: int) -> dict:
    return {c: v[k] for c, v in data.items()}


def _sum(data: dict, *ks: int) -> dict:
    return {c: sum(v[k] for k in ks) for c, v in data.items()}


def _org_section(letter: str, head: str, noun: str, data: dict, levels: list[str]) -> list[Row]:
    h = Row(f"{letter}. {head}", "head", _sum(data, 0, 1, 2, 3, 5), share="100,00")
    rated = Row(f"1. Số {noun} được đánh giá chất lượng", "rated", _sum(data, 0, 1, 2, 3), base=h)
    rows = [h, rated, Row("Kết quả đánh giá:", "text")]
    for k, label in enumerate(levels):
        lv = Row(label, "level", _col(data, k), base=rated)
        rows.append(lv)
        if k == 0:
            best = levels[0].split(") ", 1)[1]
            rows.append(Row(f"Trong đó: {best} tiêu biểu", "part", _col(data, 4), share="X"))
    nr = Row(f"2. Số {noun} chưa được đánh giá chất lượng", "count", _col(data, 5), base=h)
    rows += [nr, Row("Trong đó: Số mới thành lập", "part", _col(data, 6), share="X")]
    return rows


def form_7a(year: int | None = 2016, levels: list[str] | None = None, tccsd: dict | None = None,
            chi_bo: dict | None = None, committee: list[str] | None = None) -> Form:
    levels = levels or OLD_ORG
    rows = _org_section("A", "Số tổ chức cơ sở đảng có đến cuối năm (A = 1+2)", "tổ chức cơ sở đảng",
                        tccsd or TCCSD_2016, levels)
    rows += _org_section("B", "Số chi bộ trực thuộc đảng bộ cơ sở", "chi bộ", chi_bo or CHI_BO_2016, levels)
    return Form("7A", "BÁO CÁO ĐÁNH GIÁ CHẤT LƯỢNG TỔ CHỨC CƠ SỞ ĐẢNG", year, committee or COMMITTEE, rows)


def expected_org(data: dict) -> tuple[tuple, dict]:
    """(htxs, htt, ht, khtnv, total, not_rated) of the "Tổng số" column; per kind, the same plus exemplary."""
    per = {c: (v[0], v[1], v[2], v[3], sum(v[:4]), v[5], v[4]) for c, v in data.items()}
    top = [v for c, v in per.items() if c != CHILD]
    return tuple(sum(v[k] for v in top) for k in range(6)), per


# 7B, per kind: (exempt, not yet rated, A, B, C, of C "còn hạn chế", D, of D disciplined, of D not disciplined)
DANG_VIEN_2016 = {"xa": (40, 10, 150, 900, 60, 12, 5, 3, 2), "phuong_thi_tran": (8, 2, 30, 200, 10, 2, 1, 1, 0),
                  "dn_nha_nuoc": (0, 1, 12, 60, 3, 0, 0, 0, 0), "dn_co_phan": (1, 0, 6, 40, 4, 1, 1, 0, 1),
                  "dn_tu_nhan": (0, 0, 1, 8, 1, 0, 0, 0, 0), "dn_von_nuoc_ngoai": (0, 1, 2, 15, 2, 0, 0, 0, 0),
                  "dn_100_von_nuoc_ngoai": (0, 0, 1, 5, 1, 0, 0, 0, 0),
                  "co_quan_hanh_chinh": (2, 3, 40, 180, 6, 1, 1, 1, 0), "su_nghiep": (3, 4, 55, 300, 12, 3, 2, 2, 0),
                  "quan_doi_cong_an": (0, 2, 25, 90, 1, 0, 0, 0, 0), "khac": (1, 0, 3, 20, 2, 0, 0, 0, 0)}
OLD_MEMBER = ["A. Đảng viên đủ tư cách, hoàn thành xuất sắc nhiệm vụ", "B. Đảng viên đủ tư cách, hoàn thành tốt "
              "nhiệm vụ", "C. Đảng viên đủ tư cách, hoàn thành nhiệm vụ", "D. Đảng viên vi phạm tư cách"]


def form_7b(year: int | None = 2016, data: dict | None = None, levels: list[str] | None = None,
            committee: list[str] | None = None) -> Form:
    data = data or DANG_VIEN_2016
    levels = levels or OLD_MEMBER
    h = Row("Đảng viên có đến thời điểm đánh giá chất lượng", "head", _sum(data, 0, 1, 2, 3, 4, 6), share="100,00")
    rows = [h, Row("Chia ra: 1) Đảng viên được miễn đánh giá chất lượng", "count", _col(data, 0), base=h),
            Row("2) Đảng viên chưa được đánh giá chất lượng", "count", _col(data, 1), base=h)]
    rated = Row("3) Đảng viên đã được đánh giá chất lượng", "rated", _sum(data, 2, 3, 4, 6), base=h)
    rows += [rated, Row("Kết quả đánh giá:", "text")]
    for k, label in zip((2, 3, 4, 6), levels):
        lv = Row(label, "level", _col(data, k), base=rated)
        rows.append(lv)
        if k == 4:
            rows.append(Row("Trong đó: Đủ tư cách nhưng có mặt còn hạn chế", "part", _col(data, 5), base=lv))
        if k == 6:
            rows.append(Row("Chia ra: - Số đã bị xử lý kỷ luật", "part", _col(data, 7), base=lv))
            rows.append(Row("- Số chưa bị xử lý kỷ luật", "part", _col(data, 8), base=lv))
    return Form("7B", "BÁO CÁO ĐÁNH GIÁ CHẤT LƯỢNG ĐẢNG VIÊN", year, committee or COMMITTEE, rows,
                sheet_name="Biểu 7B")


def expected_members(data: dict) -> tuple[tuple, dict]:
    per = {c: (v[2], v[3], v[4], v[6], v[2] + v[3] + v[4] + v[6], v[0] + v[1], None) for c, v in data.items()}
    top = [v for c, v in per.items() if c != CHILD]
    return tuple(sum(v[k] for v in top) for k in range(6)), per
