"""Commendation proposals (seeds 000, 001; domain.md §7): the "5 năm liền" lists of organizations and members rated
"Hoàn thành xuất sắc nhiệm vụ" in each of the last five years, this year's HTXS organizations as candidates for
"Trong sạch, vững mạnh tiêu biểu" with the check that the commended number stays within the configured share of the
HTXS organizations under the same parent, and the workbook the office sends up.

Plain pandas and openpyxl, no Streamlit: the inputs are the rows of queries five_year_excellent,
exemplary_candidates, commendation_rules, member_names and units_tree.
"""
from __future__ import annotations

import datetime as dt
import io
import math

import pandas as pd

from reports.exports import neutralize

ORG_SUBJECTS = ("tccsd", "chi_bo")
SUBJECTS = ("tccsd", "chi_bo", "dang_vien")       # what these commendations are for
KIND = {"tccsd": "Tổ chức cơ sở đảng", "chi_bo": "Chi bộ trực thuộc"}
PROPOSE = "Đề nghị"
PERSONAL = "DỮ LIỆU CÁ NHÂN — chỉ dùng nội bộ, không công bố; mỗi lần xem, xuất được ghi nhật ký."
OK, OVER = "Trong giới hạn", "Vượt giới hạn"
NO_RULE = "Không có quy định tỷ lệ cho năm, đơn vị này"


# ───────────── rules ─────────────

def streak_years(rules: pd.DataFrame) -> int:
    """The number of years of a "năm liền" list (rule nam_nam_lien; 5 when not configured)."""
    s = rules.loc[rules["rule_id"] == "nam_nam_lien", "streak_years"] if not rules.empty else pd.Series(dtype=int)
    return int(s.iloc[0]) if len(s) and pd.notna(s.iloc[0]) else 5


def ratios(rules: pd.DataFrame) -> dict[str, float]:
    """subject → the largest share of its HTXS organizations (same parent) that may be commended "tiêu biểu"."""
    r = rules[rules["base"] == "htxs"] if not rules.empty else rules
    return {s: float(x) for s, x in zip(r["subject"], r["ratio"]) if pd.notna(x)}


def rule_sources(rules: pd.DataFrame) -> list[str]:
    return [f"{r.rule_id}: {r.source}" for r in rules.itertuples(index=False)] if not rules.empty else []


# ───────────── the five-year lists ─────────────

def span(first, last) -> str:
    return f"{int(first)}–{int(last)}"


def organizations(five: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Organizations rated HTXS in each of the years: STT, name, parent, kind, the years."""
    o = five[five["kind"] == "to_chuc"] if not five.empty else five
    parent = units.set_index("unit_code")["parent_name"] if not units.empty else pd.Series(dtype=object)
    return pd.DataFrame({
        "STT": range(1, len(o) + 1),
        "Tên tổ chức đảng": list(o["unit"]),
        "Trực thuộc": [parent.get(c) if isinstance(parent.get(c), str) else "" for c in o["unit_code"]],
        "Loại": [KIND.get(s, s) for s in o["subject"]],
        "Các năm HTXS": [span(a, b) for a, b in zip(o["first_year"], o["last_year"])],
        "Mã đơn vị": list(o["unit_code"]),
    })


def member_keys(five: pd.DataFrame) -> list[str]:
    return list(five.loc[five["kind"] == "dang_vien", "subject_key"]) if not five.empty else []


def members(five: pd.DataFrame, units: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Members rated HTXS in each of the years, by chi bộ. Without `names` the member is shown by the pseudonymous
    key only; with them (personal data), by name."""
    m = five[five["kind"] == "dang_vien"] if not five.empty else five
    parent = units.set_index("unit_code")["parent_name"] if not units.empty else pd.Series(dtype=object)
    who = ([names.get(k) or f"(chưa có họ tên — mã {k})" for k in m["subject_key"]] if names is not None
           else list(m["subject_key"]))
    return pd.DataFrame({
        "STT": range(1, len(m) + 1),
        "Họ và tên" if names is not None else "Mã ẩn danh": who,
        "Chi bộ": list(m["unit"]),
        "Đảng bộ": [parent.get(c) if isinstance(parent.get(c), str) else "" for c in m["unit_code"]],
        "Các năm HTXS": [span(a, b) for a, b in zip(m["first_year"], m["last_year"])],
    })


# ───────────── "tiêu biểu" candidates and the share check ─────────────

def _groups(cands: pd.DataFrame) -> pd.Series:
    return cands["subject"].astype(str) + "|" + cands["parent"].fillna("").astype(str)


def default_selection(cands: pd.DataFrame) -> list[bool]:
    """The first `allowed_exemplary` candidates of each group (the query lists the five-year ones first, then by
    score): a proposal that respects the limit, for the committee to change."""
    if cands.empty:
        return []
    rank = cands.groupby(_groups(cands), sort=False).cumcount()
    return list(rank < cands["allowed_exemplary"].fillna(0))


def candidates(cands: pd.DataFrame, selected: list[bool]) -> pd.DataFrame:
    """The candidates as the committee ticks them: Đề nghị, name, parent, kind, score, five years running."""
    return pd.DataFrame({
        PROPOSE: [bool(x) for x in selected],
        "Tên tổ chức đảng": list(cands["unit"]),
        "Trực thuộc": list(cands["parent"].fillna("")),
        "Loại": [KIND.get(s, s) for s in cands["subject"]],
        "Điểm": pd.to_numeric(cands["score"], errors="coerce").tolist(),
        "HTXS 5 năm liền": ["có" if bool(x) else "" for x in cands["five_years"]],
    })


def check(cands: pd.DataFrame, selected: list[bool], ratio_by_subject: dict[str, float]) -> pd.DataFrame:
    """Per parent and kind: HTXS organizations, the largest number that may be proposed (floor(ratio × HTXS)), how
    many are proposed and whether that stays within the limit. The ratio is the one exemplary_candidates chose for the
    group (the rule of its year and scope) when the rows carry it, else `ratio_by_subject`; a group without a rule is
    said so. (A rule marked unverified, certainty U, says it is a reference level in its source, listed with the
    check.)"""
    cols = ["Cấp trên", "Loại", "Số tổ chức HTXS", "Tỷ lệ tối đa (%)", "Được đề nghị tối đa", "Đang đề nghị",
            "Kết luận"]
    if cands.empty:
        return pd.DataFrame(columns=cols)
    d = cands.assign(_sel=[bool(x) for x in selected], _g=_groups(cands))
    rows = []
    for _, g in d.groupby("_g", sort=False):
        first = g.iloc[0]
        allowed = int(first["allowed_exemplary"]) if pd.notna(first["allowed_exemplary"]) else 0
        if "ratio" in g.columns:
            ratio = float(first["ratio"]) if pd.notna(first["ratio"]) else None
        else:
            ratio = ratio_by_subject.get(first["subject"])
        n = int(g["_sel"].sum())
        rows.append({
            "Cấp trên": first["parent"] if isinstance(first["parent"], str) else "",
            "Loại": KIND.get(first["subject"], first["subject"]),
            "Số tổ chức HTXS": int(first["htxs_in_group"]),
            "Tỷ lệ tối đa (%)": round(100 * ratio, 1) if ratio is not None else math.nan,
            "Được đề nghị tối đa": allowed,
            "Đang đề nghị": n,
            "Kết luận": (NO_RULE if ratio is None and "ratio" in g.columns
                         else OK if n <= allowed else f"{OVER}: bớt {n - allowed}"),
        })
    return pd.DataFrame(rows, columns=cols)


def marked_note(cands: pd.DataFrame, year: int) -> str:
    """One sentence under the candidates: how many of them the rating files already mark "tiêu biểu"
    (collective_ratings.exemplary), and the groups where those marks exceed the limit (the catalog's rule
    tieu_bieu_vuot_gioi_han lists them too, with the rule's source)."""
    if cands.empty or "marked" not in cands.columns:
        return ""
    marked = cands["marked"].fillna(False).astype(bool)
    if not marked.any():
        return f"Tệp xếp loại năm {year} không ghi “tiêu biểu” cho tổ chức nào trong danh sách này."
    over = []
    for _, g in cands.assign(_g=_groups(cands)).groupby("_g", sort=False):
        first = g.iloc[0]
        n = int(g["marked"].fillna(False).astype(bool).sum())
        if pd.notna(first["allowed_exemplary"]) and n > int(first["allowed_exemplary"]):
            parent = first["parent"] if isinstance(first["parent"], str) else ""
            over.append(f"{parent} ({KIND.get(first['subject'], first['subject']).lower()}): {n} > "
                        f"{int(first['allowed_exemplary'])}")
    text = f"Tệp xếp loại năm {year} đã ghi “tiêu biểu” cho {int(marked.sum())} tổ chức trong danh sách này"
    return text + (". Số ghi vượt giới hạn: " + "; ".join(over) + "." if over else ", trong giới hạn ở mọi nhóm.")


def over_limit(checked: pd.DataFrame) -> pd.DataFrame:
    return checked[checked["Kết luận"].str.startswith(OVER)] if not checked.empty else checked


# ───────────── the workbook the office sends up ─────────────

def office_workbook(*, unit_name: str, year: int, streak: int, orgs: pd.DataFrame, named_members: pd.DataFrame | None,
                    proposals: pd.DataFrame, checked: pd.DataFrame, sources: list[str],
                    where: dict[str, object], place: str = "") -> bytes:
    """One workbook: 'Thông tin' (unit, filters, rules, the share check), then the lists in the layout of an official
    list — a title block, STT | name | unit | the years…, the total, the date and 'NGƯỜI LẬP BIỂU'. The members'
    sheet holds names (personal data): it is marked on the sheet, in its print header and by a red tab."""
    from openpyxl import Workbook

    first = year - streak + 1
    years = list(range(first, year + 1))
    wb = Workbook()
    info = wb.active
    info.title = "Thông tin"
    made = dt.datetime.now()
    lines = [f"Danh sách đề nghị khen thưởng tổ chức đảng, đảng viên năm {year}",
             *[f"{k}: {v}" for k, v in where.items() if v not in (None, "")],
             f"Hoàn thành xuất sắc nhiệm vụ {streak} năm liền: {first}–{year}",
             f"Xuất lúc: {made.strftime('%d/%m/%Y %H:%M')}",
             "Quy định áp dụng:", *[f"  {s}" for s in sources]]
    over = over_limit(checked)
    lines.append("Kiểm tra tỷ lệ tiêu biểu: " + ("trong giới hạn ở mọi nhóm" if over.empty else
                                                 "VƯỢT GIỚI HẠN ở " + "; ".join(
                                                     f"{r['Cấp trên']} ({r['Loại']})" for _, r in over.iterrows())))
    if named_members is not None and not named_members.empty:
        lines.append("Trang 'Đảng viên 5 năm liền' chứa họ và tên đảng viên: " + PERSONAL)
    for line in lines:
        info.append([neutralize(line)])
    info.column_dimensions["A"].width = 110
    from openpyxl.styles import Font
    info["A1"].font = Font(bold=True, size=13)

    year_cols = [str(y) for y in years]
    org_rows = [[r["STT"], r["Tên tổ chức đảng"], r["Trực thuộc"], r["Loại"], *["HTXS"] * len(years), ""]
                for _, r in orgs.iterrows()]
    _list_sheet(wb.create_sheet("Tổ chức 5 năm liền"),
                [f"TỔ CHỨC ĐẢNG HOÀN THÀNH XUẤT SẮC NHIỆM VỤ {streak} NĂM LIỀN ({first}–{year})"],
                unit_name, ["STT", "Tên tổ chức đảng", "Trực thuộc", "Loại", *year_cols, "Ghi chú"], org_rows,
                f"Tổng số: {len(org_rows)} tổ chức đảng.", place, made, widths=[6, 40, 32, 20, *[8] * len(years), 18])
    if named_members is not None:
        name_col = "Họ và tên" if "Họ và tên" in named_members else "Mã ẩn danh"
        mem_rows = [[r["STT"], r[name_col], r["Chi bộ"], r["Đảng bộ"], *["HTXS"] * len(years), ""]
                    for _, r in named_members.iterrows()]
        ws = wb.create_sheet("Đảng viên 5 năm liền")
        _list_sheet(ws, [f"ĐẢNG VIÊN HOÀN THÀNH XUẤT SẮC NHIỆM VỤ {streak} NĂM LIỀN ({first}–{year})"],
                    unit_name, ["STT", name_col, "Chi bộ", "Đảng bộ", *year_cols, "Ghi chú"], mem_rows,
                    f"Tổng số: {len(mem_rows)} đảng viên.", place, made,
                    widths=[6, 30, 32, 32, *[8] * len(years), 18], personal=name_col == "Họ và tên")
    prop = proposals[proposals[PROPOSE]] if not proposals.empty else proposals
    prop_rows = [[i, r["Tên tổ chức đảng"], r["Trực thuộc"], r["Loại"], r["Điểm"] if pd.notna(r["Điểm"]) else None,
                  "HTXS 5 năm liền" if r["HTXS 5 năm liền"] else ""] for i, (_, r) in enumerate(prop.iterrows(), 1)]
    ws = wb.create_sheet(f"Tiêu biểu {year}")
    end = _list_sheet(ws, [f"TỔ CHỨC ĐẢNG ĐỀ NGHỊ KHEN THƯỞNG “TRONG SẠCH, VỮNG MẠNH” TIÊU BIỂU NĂM {year}"],
                      unit_name, ["STT", "Tên tổ chức đảng", "Trực thuộc", "Loại", "Điểm", "Ghi chú"], prop_rows,
                      f"Tổng số: {len(prop_rows)} tổ chức đảng.", place, made, widths=[6, 40, 32, 20, 8, 20],
                      sign=False)
    _check_block(ws, end + 2, checked)
    _sign(ws, ws.max_row + 2, 6, place, made)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _list_sheet(ws, titles: list[str], unit_name: str, header: list[str], rows: list[list], total: str, place: str,
                made: dt.datetime, widths: list[int], personal: bool = False, sign: bool = True) -> int:
    """Title block, bordered table, total line (and the signature block); returns the row of the total line."""
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="777777")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ncol = len(header)
    r = 1
    if personal:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
        ws.cell(row=r, column=1, value=PERSONAL).font = Font(bold=True, color="C00000")
        ws.sheet_properties.tabColor = "C00000"
        ws.oddHeader.center.text = "DỮ LIỆU CÁ NHÂN — CHỈ DÙNG NỘI BỘ"
        r += 1
    for text, size in [("DANH SÁCH", 14), *[(t, 12) for t in titles], (f"Đơn vị: {unit_name}", 11)]:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
        c = ws.cell(row=r, column=1, value=neutralize(text))
        c.font = Font(bold=size > 11, italic=size == 11, size=size)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        r += 1
    r += 1
    head_row = r
    for j, h in enumerate(header, 1):
        c = ws.cell(row=r, column=j, value=neutralize(h))
        c.font = Font(bold=True)
        c.border = box
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        r += 1
        for j, v in enumerate(row, 1):
            c = ws.cell(row=r, column=j, value=neutralize(v))
            c.border = box
            c.alignment = Alignment(vertical="top", wrap_text=True,
                                    horizontal="center" if j == 1 or header[j - 1].isdigit() else None)
    if not rows:
        r += 1
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
        ws.cell(row=r, column=1, value="Không có.").alignment = Alignment(horizontal="center")
    r += 2
    ws.cell(row=r, column=1, value=total).font = Font(italic=True)
    for j, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.print_title_rows = f"{head_row}:{head_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if sign:
        _sign(ws, r + 2, ncol, place, made)
    return r


def _check_block(ws, row: int, checked: pd.DataFrame) -> None:
    from openpyxl.styles import Font
    ws.cell(row=row, column=1, value="Kiểm tra tỷ lệ đề nghị tiêu biểu (theo từng cấp trên):").font = Font(bold=True)
    row += 1
    for j, h in enumerate(checked.columns, 1):
        ws.cell(row=row, column=j, value=h).font = Font(bold=True)
    for _, r in checked.iterrows():
        row += 1
        for j, v in enumerate(r.tolist(), 1):
            ws.cell(row=row, column=j, value=None if isinstance(v, float) and math.isnan(v) else neutralize(v))


def _sign(ws, row: int, ncol: int, place: str, made: dt.datetime) -> None:
    from openpyxl.styles import Alignment, Font
    col = max(ncol - 2, 1)
    when = f"{place + ', ' if place else ''}ngày {made.day:02d} tháng {made.month:02d} năm {made.year}"
    for k, (text, font) in enumerate([(when, Font(italic=True)), ("NGƯỜI LẬP BIỂU", Font(bold=True))]):
        ws.merge_cells(start_row=row + k, start_column=col, end_row=row + k, end_column=ncol)
        c = ws.cell(row=row + k, column=col, value=text)
        c.font = font
        c.alignment = Alignment(horizontal="center")
