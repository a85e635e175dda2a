"""Import templates in data/templates, written from etl.layouts so that they can never drift from the loader.

python -m etl.templates rewrites them; a test checks that the shipped files equal what this writes.
"""
from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill

from etl.layouts import LAYOUTS

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "data" / "templates"

FILE_NAMES = {
    "units": "mau_danh_muc_don_vi", "member_ratings": "mau_xep_loai_dang_vien",
    "collective_ratings": "mau_xep_loai_tap_the", "aggregate_counts": "mau_so_luong_theo_muc",
    "shortcomings": "mau_han_che_khuyet_diem", "review_suggestions": "mau_goi_y_kiem_diem",
    "lineage": "mau_sap_nhap_chia_tach",
}
EXAMPLES = {
    "units": ["H01-X01", "Đảng bộ xã Hòa Bình", "Đảng bộ cơ sở", "Xã, thị trấn", "H01", "2017", ""],
    "member_ratings": ["2024", "DV0001234", "Nguyễn Văn An", "H01-X01-CB01", "Hoàn thành tốt nhiệm vụ", "Không", "",
                       "Không", "", "Hoàn thành tốt nhiệm vụ", "", "", ""],
    "collective_ratings": ["2024", "H01-X01", "Tổ chức cơ sở đảng", "Hoàn thành xuất sắc nhiệm vụ",
                           "Hoàn thành tốt nhiệm vụ", "", "Không", "Không"],
    "aggregate_counts": ["2024", "H01-X01", "Đảng viên", "12", "60", "4", "0", "76", "5"],
    "shortcomings": ["2024", "H01-X01", "Tổ chức cơ sở đảng", "Báo cáo kiểm điểm còn chung chung, chưa rõ trách nhiệm cá nhân",
                     "Chất lượng tự phê bình", "Đang khắc phục", "Báo cáo kiểm điểm"],
    "review_suggestions": ["2024", "H01-X01", "Công tác quản lý, bảo vệ rừng"],
    "lineage": ["2025", "H01-X01", "X-MOI-01", "Sáp nhập", ""],
}


def _header_names(kind: str) -> list[str]:
    # Templates show the unit code; a column of unit names is accepted instead (the guide sheet says so).
    return [c.header for c in LAYOUTS[kind].columns if not (c.field == "unit_name" and kind != "units")]


def write_all(directory: Path = TEMPLATE_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, stem in FILE_NAMES.items():
        headers = _header_names(kind)
        example = EXAMPLES[kind][: len(headers)]
        csv_path = directory / f"{stem}.csv"
        with open(csv_path, "w", newline="", encoding="utf-8-sig") as fh:   # BOM: Excel shows Vietnamese
            csv.writer(fh).writerow(headers)
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = LAYOUTS[kind].title[:31]
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="FDE9D9")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for i, h in enumerate(headers, 1):
            ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(12, min(40, len(h) + 4))
        guide = wb.create_sheet("Hướng dẫn")
        guide.append(["Điền dữ liệu vào trang đầu, mỗi dòng một bản ghi, giữ nguyên dòng tiêu đề."])
        guide.append(["Ví dụ một dòng:"])
        guide.append(example)
        required = [c.header for c in LAYOUTS[kind].columns if c.required]
        guide.append(["Cột bắt buộc: " + ", ".join(required)])
        if LAYOUTS[kind].one_of:
            guide.append(["Đơn vị: ghi mã đơn vị, hoặc thay cột mã bằng cột tên đơn vị."])
        xlsx_path = directory / f"{stem}.xlsx"
        wb.save(xlsx_path)
        written += [xlsx_path, csv_path]
    return written


if __name__ == "__main__":
    for p in write_all():
        print(p)
