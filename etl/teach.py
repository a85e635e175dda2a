"""Teaching the loader a layout it has never seen (issue 21, item 3): what the import page's step "Dạy hệ thống đọc
biểu này" needs that is not drawing — the sheet as text, a first guess of where things are, and the profile a
clerk's choices make (a dict etl/profiles.save writes as TOML).

A taught profile names every column by its heading as the form writes it (etl/profiles.column_headings: the same
text the clerk saw and the loader finds), so it recognises the form by the clerk's own header words, and every
other file of that form, whatever its year, is read with no questions.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from etl import normalize as nz
from etl import profiles
from etl.blocks import Sheet, col_letter

LEVEL_KEYS = tuple(profiles.LEVEL_FIELDS.values())        # htxs, htt, ht, khtnv
SHOWN_ROWS = 40                                           # rows of the sheet shown to the clerk
# Row words prefilled for the clerk (the same as the built-in profile's): a total row is a check, not a unit; the
# signature block ends the table.
TOTAL_WORDS = ["Tổng cộng", "Tổng số", "Cộng", "Toàn đảng bộ"]
STOP_WORDS = ["Người lập biểu", "Người lập", "Trưởng ban", "Phó trưởng ban", "T/M", "TM.", "K/T", "KT.", "Nơi nhận",
              "Xác nhận", "Thủ trưởng", "Ghi chú:", "Lưu ý"]
# The subject named in a title, most specific first (as in the built-in profile).
SUBJECT_PHRASES = [("tập thể lãnh đạo", "tap_the_lanh_dao"), ("cán bộ lãnh đạo", "can_bo_lanh_dao"),
                   ("chi bộ trực thuộc", "chi_bo"), ("đảng bộ bộ phận", "chi_bo"),
                   ("tổ chức cơ sở đảng", "tccsd"), ("TCCSĐ", "tccsd"), ("chi bộ", "chi_bo"),
                   ("đảng viên", "dang_vien")]
TITLE_MAIN = ["kết quả", "xếp loại", "đánh giá chất lượng"]


def cell_text(v: object) -> str:
    if nz.is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return nz.clean_text(v)


def grid(sheet: Sheet, top: int | None = None, bottom: int | None = None, limit: int = SHOWN_ROWS) -> pd.DataFrame:
    """The sheet's first rows as text, one column per Excel column letter, a column "Dòng" with the row number the
    clerk sees in Excel; the header rows (top..bottom, 0-based) with their merged group headings carried over the
    columns they cover, as Excel shows them."""
    rows = sheet.rows[:limit]
    width = max((len(r) for r in rows), default=0)
    while width and all(j >= len(r) or nz.is_blank(r[j]) for r in rows for j in [width - 1]):
        width -= 1
    texts = [[cell_text(r[j]) if j < len(r) else "" for j in range(width)] for r in rows]
    if top is not None and bottom is not None:          # merged group headings, as etl/profiles reads them
        own = {j: max(i for i in range(top, min(bottom + 1, len(sheet.rows))) if not nz.is_blank(_cell(sheet.rows[i], j)))
               for j in range(width) if any(not nz.is_blank(_cell(sheet.rows[i], j))
                                            for i in range(top, min(bottom + 1, len(sheet.rows))))}
        for i in range(top, min(bottom + 1, len(texts))):
            for j in range(width):
                if texts[i][j] or own.get(j, i) <= i:
                    continue
                k = j - 1
                while k >= 0 and not texts[i][k]:
                    k -= 1
                if k >= 0 and own.get(k, i) > i:
                    texts[i][j] = texts[i][k]
    frame = pd.DataFrame(texts, columns=[col_letter(j) for j in range(width)], dtype=object)
    frame.insert(0, "Dòng", range(1, len(rows) + 1))
    return frame


def headings(sheet: Sheet, top: int, bottom: int) -> dict[int, str]:
    return profiles.column_headings(sheet.rows, top, bottom)


def column_label(j: int, heading: str) -> str:
    return f"{col_letter(j)} · {heading}"


@dataclass
class Guess:
    top: int = 0                   # first header row (0-based)
    bottom: int = 0                # last header row
    unit: int | None = None
    rated: int | None = None
    headcount: int | None = None
    counts: dict[str, int] = field(default_factory=dict)        # htxs … → column
    shares: dict[str, int] = field(default_factory=dict)


def _numeric(v: object) -> bool:
    return not nz.is_blank(v) and nz.parse_number(v)[0] is not None


def guess(sheet: Sheet) -> Guess:
    """Where the header and each column probably are: a first proposal the clerk corrects, never used unseen."""
    rows = sheet.rows
    g = Guess()
    for i, r in enumerate(rows[:SHOWN_ROWS]):
        filled = [c for c in r if not nz.is_blank(c)]
        if len(filled) >= 3 and not any(_numeric(c) for c in filled):
            g.top = g.bottom = i
            break
    for i in range(g.top + 1, min(g.top + 4, len(rows))):
        filled = [c for c in rows[i] if not nz.is_blank(c)]
        if not filled or any(_numeric(c) for c in filled) or profiles.column_numbers(rows[i]):
            break
        g.bottom = i
    heads = profiles.column_headings(rows, g.top, g.bottom)
    data = [r for r in rows[g.bottom + 1:g.bottom + 12] if any(_numeric(c) for c in r)]
    for j, text in heads.items():
        key = nz.search_key(text)
        parts = [p for p in text.split(" — ")]
        level = None
        for part in reversed(parts):
            label, err = nz.parse_label(part)
            if label and not err and label.level:
                level = LEVEL_KEYS[label.level - 1]
                break
        own = nz.search_key(parts[-1])
        if level:
            is_share = any(w in f" {own} " for w in (" ty le ", " % ")) or own in ("%", "ty le")
            (g.shares if is_share else g.counts).setdefault(level, j)
        elif re.search(r"\b(duoc danh gia|duoc xep loai|danh gia xep loai)\b", key) and g.rated is None:
            g.rated = j
        elif key.startswith("tong so") and g.headcount is None:
            g.headcount = j
        elif g.unit is None and data and sum(isinstance(_cell(r, j), str) and not _numeric(_cell(r, j))
                                             and len(nz.clean_text(_cell(r, j))) > 3 for r in data) > len(data) / 2:
            g.unit = j
    return g


def _cell(row: list, j: int) -> object:
    return row[j] if j < len(row) else None


def title_year(sheet: Sheet, top: int) -> int | None:
    """The year the title block names ("… NĂM 2024"; the date of signing does not count)."""
    key = " ".join(nz.search_key(c) for r in sheet.rows[:top] for c in r if not nz.is_blank(c))
    key = profiles._DATE_LINE.sub(" ", key)
    m = re.search(r"\bnam (\d{4})\b", key)
    return int(m.group(1)) if m and 1990 <= int(m.group(1)) <= 2100 else None


def title_line(sheet: Sheet, top: int) -> str:
    """The title block's main line (the one that says "kết quả", "xếp loại" …), as written."""
    for r in sheet.rows[:top]:
        text = " ".join(cell_text(c) for c in r if cell_text(c))
        if any(f" {nz.search_key(w)} " in f" {nz.search_key(text)} " for w in TITLE_MAIN):
            return text
    return ""


def title_subject(sheet: Sheet, top: int) -> str | None:
    for r in sheet.rows[:top]:
        key = " ".join(nz.search_key(c) for c in r if not nz.is_blank(c))
        if any(f" {nz.search_key(w)} " in f" {key} " for w in TITLE_MAIN):
            for phrase, code in SUBJECT_PHRASES:
                if f" {nz.search_key(phrase)} " in f" {key} ":
                    return code
    return None


def suggested_name(file_name: str) -> str:
    stem = file_name.rsplit(".", 1)[0].replace("đ", "d").replace("Đ", "D")
    stem = "".join(ch for ch in unicodedata.normalize("NFD", stem) if not unicodedata.combining(ch))
    stem = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")
    stem = re.sub(r"_?(19|20)\d\d$", "", stem).strip("_")        # the year is not part of the form
    return (stem or "mau_bieu_moi")[:60].ljust(3, "_")


def words(text: str) -> list[str]:
    """A list of phrases typed as "a; b; c"."""
    return [w.strip() for w in re.split(r"[;\n]", text or "") if w.strip()]


@dataclass
class Choices:
    """What the clerk picked on the sheet."""
    top: int
    bottom: int
    unit: int
    counts: dict[str, int]                      # htxs … → column (all four)
    shares: dict[str, int] = field(default_factory=dict)
    rated: int | None = None
    headcount: int | None = None
    subject: str | None = None                  # None = from the title
    total_words: list[str] = field(default_factory=lambda: list(TOTAL_WORDS))
    stop_words: list[str] = field(default_factory=lambda: list(STOP_WORDS))


def problems(sheet: Sheet, c: Choices) -> list[str]:
    """What is missing or contradictory in the choices, in words for the clerk (empty: a profile can be made)."""
    out = []
    if c.bottom < c.top:
        out.append("dòng cuối của tiêu đề bảng phải ở dưới (hoặc bằng) dòng đầu")
    elif c.bottom - c.top >= 10:
        out.append("tiêu đề bảng cao tối đa 10 dòng")
    heads = profiles.column_headings(sheet.rows, c.top, c.bottom) if c.bottom >= c.top else {}
    missing = [profiles.LEVEL_NAMES[LEVEL_KEYS.index(k) + 1] for k in LEVEL_KEYS if c.counts.get(k) is None]
    if missing:
        out.append("chưa chọn cột số lượng của: " + ", ".join(missing))
    used: dict[int, str] = {}
    picked = [("cột tên đơn vị", c.unit), ("cột số được đánh giá", c.rated), ("cột tổng số", c.headcount)]
    picked += [(f"cột số lượng {profiles.LEVEL_NAMES[LEVEL_KEYS.index(k) + 1]}", j) for k, j in c.counts.items()]
    picked += [(f"cột tỷ lệ {profiles.LEVEL_NAMES[LEVEL_KEYS.index(k) + 1]}", j) for k, j in c.shares.items()]
    for what, j in picked:
        if j is None:
            continue
        if j not in heads:
            out.append(f"{what}: cột {col_letter(j)} không có tiêu đề trong các dòng tiêu đề đã chọn")
        elif j in used:
            out.append(f"{what} và {used[j]} là cùng một cột ({col_letter(j)})")
        else:
            used[j] = what
    if heads and not out:
        keys = {j: nz.search_key(h) for j, h in heads.items()}
        for what, j in picked:
            if j is not None and list(keys.values()).count(keys[j]) > 1:
                out.append(f"{what}: tiêu đề '{heads[j]}' trùng với cột khác — không phân biệt được theo tiêu đề")
    if c.unit is None:
        out.append("chưa chọn cột tên đơn vị")
    return out


def draft(sheet: Sheet, c: Choices, *, name: str, title: str, description: str) -> dict:
    """The profile (as data for etl/profiles.save) that the choices make. Every column is named by its heading on
    this sheet; the columns the clerk did not pick (TT, Ghi chú …) are named as ignored, so a file of this form
    loads without a note about them."""
    heads = profiles.column_headings(sheet.rows, c.top, c.bottom)
    picked = {c.unit, c.rated, c.headcount, *c.counts.values(), *c.shares.values()} - {None}
    columns = {"unit": [heads[c.unit]]}
    if c.rated is not None:
        columns["rated"] = [heads[c.rated]]
    if c.headcount is not None:
        columns["headcount"] = [heads[c.headcount]]
    others = [heads[j] for j in sorted(heads) if j not in picked]
    if others:
        columns["ignore"] = list(dict.fromkeys(others))
    levels = {}
    for k in LEVEL_KEYS:
        levels[k] = {"count": [heads[c.counts[k]]]}
        if c.shares.get(k) is not None:
            levels[k]["share"] = [heads[c.shares[k]]]
    title_block: dict = {"main": list(TITLE_MAIN), "year_after": ["năm"]}
    if c.subject:
        title_block["default_subject"] = c.subject
    title_block["subject"] = [{"phrase": p, "code": code} for p, code in SUBJECT_PHRASES]
    return {
        "name": name, "title": title.strip(), "description": " ".join(description.split()),
        "target": "aggregate_counts",
        "header": {"search_rows": min(500, max(40, c.top + 20)), "max_rows": c.bottom - c.top + 1,
                   "rows": c.bottom - c.top + 1},
        "recognise": {"required": ["unit"] + (["rated"] if c.rated is not None else []), "levels": 4},
        "columns": columns,
        "levels": levels,
        "title_block": title_block,
        "rows": {"total": list(c.total_words) or list(TOTAL_WORDS), "stop": list(c.stop_words) or list(STOP_WORDS)},
        "numbers": {"blank_level_is_zero": True, "not_rated_from_headcount": c.headcount is not None,
                    "share_base": "rated"},
    }


def comment(file_name: str, who: str) -> str:
    return (f"Mẫu biểu do {who} dạy trên trang Nhập dữ liệu, theo tệp {file_name}.\n"
            "Mỗi cột được nhận theo đúng chữ trên tiêu đề cột của biểu (so không dấu, không phân biệt hoa thường).\n"
            "Sửa tệp này là dạy lại cách đọc biểu; không phải sửa mã.")
