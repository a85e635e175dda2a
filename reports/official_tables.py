"""The tables committees paste into their reports, in the layout of seed 004 (section I.2.2):

    + Kết quả xếp loại <đối tượng>:
    STT | Tiêu chí                        | Năm đánh giá
        |                                 | 2018 | 2019 | …
    1   | Hoàn thành xuất sắc nhiệm vụ    |    8 |   12 | …
    …
        Tổng số                           |   45 |   61 | …

One sheet per subject, a first sheet stating the unit, filters, data time and the loads used; optionally the shares
beside the counts, the quota audit and the inspection findings (of the unit's subtree, the years and subjects chosen)
as further sheets. Numbers are stored as numbers with the format #,##0 (Vietnamese Excel shows 2.208), shares with
0.0%. Every sheet is set up to print on A4 landscape, one page wide. `preview()` reads a built workbook back as the
tables a page shows before the download.
"""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from analysis import inspection
from queries import runner
from reports.exports import neutralize, safe_frame
from vocab import fmt

LEVEL_ROWS = [("htxs", "Hoàn thành xuất sắc nhiệm vụ"), ("htt", "Hoàn thành tốt nhiệm vụ"),
              ("ht", "Hoàn thành nhiệm vụ"), ("khtnv", "Không hoàn thành nhiệm vụ")]
CAPTIONS = {
    "tccsd": "Kết quả xếp loại Tổ chức cơ sở đảng", "chi_bo": "Kết quả xếp loại chi bộ trực thuộc",
    "cap_uy": "Kết quả xếp loại cấp ủy cơ sở", "tap_the_lanh_dao": "Kết quả xếp loại tập thể lãnh đạo, quản lý",
    "dang_vien": "Kết quả xếp loại đảng viên", "can_bo_lanh_dao": "Kết quả xếp loại cán bộ lãnh đạo, quản lý",
}
SHEET_NAMES = {"tccsd": "TCCSĐ", "chi_bo": "Chi bộ trực thuộc", "cap_uy": "Cấp ủy cơ sở",
               "tap_the_lanh_dao": "Tập thể lãnh đạo", "dang_vien": "Đảng viên", "can_bo_lanh_dao": "Cán bộ lãnh đạo"}
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _cursor_rows(con, sql: str, params: list) -> list[tuple]:
    cur = con.cursor()
    try:
        return cur.execute(sql, params).fetchall()
    finally:
        cur.close()


def build(con, unit: str, first_year: int, last_year: int, *, subjects: list[str] | None = None,
          shares: bool = False, quota: bool = False, findings: bool = False,
          view: str | None = None, structure_year: int | None = None) -> tuple[bytes, dict]:
    """The workbook as bytes, and a summary {unit, subjects, missing, sheets} for the page to describe.

    view 'cau_truc_hien_tai' maps earlier years onto the units of `structure_year` (queries/distribution.sql)."""
    dist = runner.run(con, "distribution", {"unit": unit, "view": view, "structure_year": structure_year})
    if dist.empty:
        raise LookupError(f"Không có số liệu xếp loại cho đơn vị '{unit}'")
    unit_name = dist["unit"].iloc[0]
    unit_code = dist["unit_code"].iloc[0]
    dist = dist[dist["unit_code"] == unit_code]
    years = list(range(first_year, last_year + 1))
    present = [s for s in CAPTIONS if s in set(dist["subject"])]
    subjects = [s for s in (subjects or present) if s in present]

    wb = Workbook()
    info = wb.active
    info.title = "Thông tin"
    updated = _cursor_rows(con, "SELECT value FROM meta WHERE key = 'updated_at'", [])
    loads = _cursor_rows(con, "SELECT load_id, file_name, strftime(finished_at, '%d/%m/%Y %H:%M') FROM loads "
                              "WHERE status <> 'da_huy' ORDER BY load_id", [])
    demo = _cursor_rows(con, "SELECT value FROM meta WHERE key = 'demo'", [])
    lines = [
        f"Đơn vị: {unit_name}",
        f"Năm đánh giá: {first_year}–{last_year}",
        "Đối tượng: " + ", ".join(SHEET_NAMES[s] for s in subjects),
        "Cách tính: " + (("quy về cơ cấu tổ chức " + (f"năm {structure_year}" if structure_year else "hiện tại"))
                         if view == "cau_truc_hien_tai" else "như báo cáo từng năm"),
        "Gồm: " + "; ".join(x for x in ("số lượng từng mức" + (" và tỷ lệ bên cạnh" if shares else ""),
                                         "trang kiểm tra tỷ lệ xuất sắc" if quota else "",
                                         "trang dấu hiệu bất thường" if findings else "") if x),
        "Số liệu cập nhật: " + (_vn_time(updated[0][0]) if updated else "không rõ"),
        f"Xuất lúc: {dt.datetime.now().strftime('%d/%m/%Y %H:%M')}",
        "Các lần nạp dữ liệu đã dùng: " + "; ".join(f"#{i} {n} ({t})" for i, n, t in loads),
    ]
    if demo:
        lines.insert(0, f"LƯU Ý: {demo[0][0]}")
    for line in lines:
        info.append([neutralize(line)])
    info.column_dimensions["A"].width = 100

    missing: list[str] = []
    for subject in subjects:
        rows = dist[dist["subject"] == subject].set_index("year")
        ws = wb.create_sheet(SHEET_NAMES[subject])
        _subject_sheet(ws, CAPTIONS[subject], rows, years, shares)
        gaps = [y for y in years if y not in rows.index]
        if gaps:
            missing.append(f"{SHEET_NAMES[subject]}: {', '.join(map(str, gaps))}")
    if missing:
        info.append([])
        info.append(["Năm không có số liệu (để trống, ví dụ cột bị loại khi nạp vì các mức không cộng bằng tổng): "
                     + "; ".join(missing)])
    if quota:
        q = runner.run(con, "quota", {"unit": unit_code})
        q = q[q["year"].between(first_year, last_year) & q["subject"].isin(subjects)]
        _table_sheet(wb, "Tỷ lệ xuất sắc", _quota_view(q), shares_cols=("HTXS/HTT", "HTXS/tổng số"))
    if findings and "anomalies" in runner.catalog():
        a = runner.run(con, "anomalies", {"unit": unit_code})
        a = a[a["year"].between(first_year, last_year) & (a["subject"].isin(subjects) | a["subject"].isna())]
        names = dict(_cursor_rows(con, "SELECT code, name FROM subjects", []))
        _table_sheet(wb, "Dấu hiệu bất thường", inspection.findings_table(a, names))
    for ws in wb.worksheets:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), {"unit": unit_name, "subjects": subjects, "missing": missing, "sheets": wb.sheetnames}


def _subject_sheet(ws, caption: str, rows: pd.DataFrame, years: list[int], shares: bool) -> None:
    step = 2 if shares else 1
    ws.append([f"+ {caption}:"])
    ws["A1"].font = Font(bold=True)
    header = ["STT", "Tiêu chí", "Năm đánh giá"] + [None] * (len(years) * step - 1)
    ws.append(header)
    sub = [None, None]
    for y in years:
        sub += [y, "Tỷ lệ"] if shares else [y]
    ws.append(sub)
    last_col = 2 + len(years) * step
    ws.merge_cells(start_row=2, start_column=3, end_row=2, end_column=last_col)
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    for i, (field, label) in enumerate(LEVEL_ROWS, 1):
        row = [i, label]
        for y in years:
            value = int(rows.at[y, field]) if y in rows.index else None
            row.append(value)
            if shares:
                total = rows.at[y, "total"] if y in rows.index else None
                row.append(value / total if value is not None and total else None)
        ws.append(row)
    total_row = ["Tổng số", None]
    for y in years:
        total_row.append(int(rows.at[y, "total"]) if y in rows.index else None)
        if shares:
            total_row.append(1.0 if y in rows.index and rows.at[y, "total"] else None)
    ws.append(total_row)
    ws.merge_cells(start_row=8, start_column=1, end_row=8, end_column=2)
    for r in ws.iter_rows(min_row=2, max_row=8, max_col=last_col):
        for c in r:
            c.border = BOX
            if c.row in (2, 3, 8):
                c.font = Font(bold=True)
            if isinstance(c.value, int) and c.column > 2 and c.row != 3:     # row 3 holds the years
                c.number_format = "#,##0"
            elif isinstance(c.value, float):
                c.number_format = "0.0%"
    ws["C2"].alignment = Alignment(horizontal="center")
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 34
    for i in range(3, last_col + 1):
        ws.column_dimensions[get_column_letter(i)].width = 10


QUOTA_COLUMNS = {"year": "Năm", "unit": "Nhóm / đơn vị", "subject": "Đối tượng", "htxs": "Số HTXS", "htt": "Số HTT",
                 "total": "Tổng số xếp loại", "allowed": "Số HTXS tối đa", "excess": "Vượt",
                 "share_of_htt": "HTXS/HTT", "share_of_total": "HTXS/tổng số", "status": "Kết luận",
                 "source": "Căn cứ"}
STATUS = {"trong_gioi_han": "Trong giới hạn", "can_quyet_dinh": "Cần quyết định cho phép", "vuot": "Vượt tỷ lệ",
          "can_xem_xet": "Cần xem xét (quy định chưa kiểm chứng)", "khong_co_quy_tac": "Không có quy định"}


def _quota_view(q: pd.DataFrame) -> pd.DataFrame:
    out = q[list(QUOTA_COLUMNS)].copy()
    out["status"] = out["status"].map(STATUS)
    out["subject"] = out["subject"].map(lambda s: SHEET_NAMES.get(s, s))
    return out.rename(columns=QUOTA_COLUMNS)


def _table_sheet(wb, name: str, df: pd.DataFrame, shares_cols: tuple[str, ...] = ()) -> None:
    """The table with a bold header row (row 1); counts as #,##0, shares as 0.0%, years as plain numbers."""
    ws = wb.create_sheet(name)
    safe = safe_frame(df)
    ws.append(list(safe.columns))
    for c in ws[1]:
        c.font = Font(bold=True)
        c.border = BOX
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for row in safe.itertuples(index=False):
        ws.append([None if _na(v) else (v.item() if hasattr(v, "item") else v) for v in row])
    for i, col in enumerate(safe.columns, 1):
        letter = get_column_letter(i)
        longest = max([len(str(col))] + [len(str(v)) for v in safe.iloc[:200, i - 1].tolist()])
        ws.column_dimensions[letter].width = min(max(8, longest + 2), 60)
        fmt_code = "0.0%" if col in shares_cols else (
            "#,##0" if pd.api.types.is_integer_dtype(safe[col]) and col != "Năm" else None)
        for r in range(2, ws.max_row + 1):
            cell = ws.cell(row=r, column=i)
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if fmt_code and isinstance(cell.value, (int, float)):
                cell.number_format = fmt_code
    ws.freeze_panes = "A2"


def preview(data: bytes) -> list[tuple[str, pd.DataFrame]]:
    """What a built workbook holds, sheet by sheet, as display tables: numbers formatted as the sheet formats them
    (#,##0 → "2.208", 0.0% → "17,3%"), empty cells as "". Read back from the bytes, so it shows exactly the file."""
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(data))
    out = []
    for ws in wb.worksheets:
        rows = [[_shown(c) for c in r] for r in ws.iter_rows()]
        rows = [r for r in rows if any(v != "" for v in r)]
        if ws.title == "Thông tin":
            out.append((ws.title, pd.DataFrame({"Nội dung": [r[0] for r in rows]})))
        elif rows and str(rows[0][0]).startswith("+ "):          # a subject table: caption, two header rows
            years = rows[2][2:]
            header = ["STT", "Tiêu chí"] + [f"{years[i - 1]} (tỷ lệ)" if y == "Tỷ lệ" else str(y)
                                            for i, y in enumerate(years)]
            body = [r[:len(header)] for r in rows[3:]]
            out.append((ws.title, pd.DataFrame(body, columns=header)))
        elif rows:                                                 # a table sheet: header, rows
            header = [str(h) for h in rows[0]]
            out.append((ws.title, pd.DataFrame([r[:len(header)] for r in rows[1:]], columns=header)))
    return out


def _shown(cell) -> str:
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, bool):
        return "Có" if v else "Không"
    if isinstance(v, (int, float)):
        code = cell.number_format or "General"
        if "%" in code:
            return fmt.pct(v)
        if code == "General":                   # a year, a code: shown as written
            return str(v)
        return fmt.number(v) if float(v).is_integer() else fmt.number(v, 2)
    return str(v)


def _na(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _vn_time(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return iso
