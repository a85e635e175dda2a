"""Forms whose rows are indicators and whose columns are kinds of organization: the central statistics forms Biểu số
7A-TCTW (tổ chức cơ sở đảng, chi bộ) and 7B-TCTW (đảng viên) that district and provincial boards filed up to 2017.

A profile of kind "indicator_rows" (data/profiles/bieu_7a_tctw.toml, bieu_7b_tctw.toml) says how the form is
recognised, which row starts each subject's section, which rows are the headcount, the rated, the not-rated parts,
the exemplary count and the headings, and which heading names each kind of organization (data/reference/org_types.csv).
Level rows are found through data/reference/level_labels.csv, so old names (Trong sạch vững mạnh, Yếu kém, Đủ tư
cách …) need no code. A row written "Trong đó: …", "Chia ra: …" or "- …" under a level is a part of it, never a
level.

The sheet becomes two ordinary Blocks checked and written by the one loader: the unit's totals ("Tổng số" column →
aggregate_counts) and the split by kind (→ aggregate_counts_by_type). What only the sheet can prove is checked here:
levels against the rated row per column, headcount against rated + not rated, the "Tổng số" column against the sum of
the kinds (a sub-column such as "100% vốn nước ngoài" is inside its parent, not added), printed shares against counts.
"""
from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl import normalize as nz
from etl.blocks import Block, Sheet, col_letter
from etl.profiles import ProfileError, _decimals, _has, _keys, _pct, shown_path, subject_name

LEVEL_FIELDS = {1: "htxs", 2: "htt", 3: "ht", 4: "khtnv"}
ROW_ROLES = ("not_rated", "rated", "exemplary", "heading")
_ALLOWED = {"": {"name", "kind", "title", "description", "target", "recognise", "title_block", "columns", "types",
                 "sections", "rows", "subsets", "numbers"},
            "recognise": {"title", "rows", "search_rows"}, "title_block": {"unit", "skip", "year_after"},
            "columns": {"label", "total", "share", "ignore"}, "subsets": {"prefixes"},
            "numbers": {"blank_is_zero"}}
_DATE_LINE = re.compile(r"\bngay \d{1,2} thang \d{1,2} nam \d{4}\b")
_MARKER = re.compile(r"^\(?([A-Za-zĐđ]|\d{1,2}|[IVXL]{1,4})\s*[.)]\s*")
_BULLET = re.compile(r"^[-+•*–—]\s*")
STOP = ("nguoi lap bieu", "nguoi lap", "truong ban", "pho truong ban", "t m", "tm", "k t", "kt", "noi nhan",
        "ghi chu", "xac nhan")        # a row starting so, without figures, ends the table (the signatures)


@functools.lru_cache(maxsize=1)
def org_types() -> dict[str, dict]:
    """code → {name, parent} of data/reference/org_types.csv."""
    with open(nz.REFERENCE_DIR / "org_types.csv", encoding="utf-8") as fh:
        return {r["code"]: {"name": r["name"], "parent": r["parent"] or None} for r in csv.DictReader(fh)}


@dataclass(frozen=True)
class RowRule:
    role: str
    phrases: tuple[str, ...]
    level: int | None = None          # exemplary: the level it is inside


@dataclass(frozen=True)
class IndicatorProfile:
    name: str
    title: str
    description: str
    path: Path
    target: str
    kind: str
    search_rows: int
    title_phrases: tuple[str, ...]
    row_phrases: tuple[str, ...]
    label: tuple[str, ...]
    total: tuple[str, ...]
    share: tuple[str, ...]
    ignore: tuple[str, ...]
    types: tuple[tuple[str, tuple[str, ...]], ...]     # (org type code, heading phrases), first match wins
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (subject, phrases of the row that starts it)
    rows: tuple[RowRule, ...]
    subset_prefixes: tuple[str, ...]
    unit_lines: tuple[str, ...]
    unit_skip: tuple[str, ...]
    year_after: tuple[str, ...]
    blank_is_zero: bool = True

    def read_sheet(self, sheet: Sheet, *, year: int | None = None, subject: str | None = None) -> Block | None:
        return read_sheet(self, sheet, year=year)


def load(path: Path, data: dict) -> IndicatorProfile:
    """An indicator-rows profile, validated: every mistake is a ProfileError naming the file and the key."""
    where = f"Mẫu biểu {path.name}"

    def table(name: str) -> dict:
        t = data.get(name, {})
        if not isinstance(t, dict):
            raise ProfileError(f"{where}: [{name}] phải là một bảng")
        extra = set(t) - _ALLOWED[name]
        if extra:
            raise ProfileError(f"{where}: [{name}] có khóa không dùng được: {', '.join(sorted(extra))}")
        return t

    extra = set(data) - _ALLOWED[""]
    if extra:
        raise ProfileError(f"{where}: khóa không dùng được: {', '.join(sorted(extra))}")
    for key in ("name", "title", "description"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ProfileError(f"{where}: thiếu '{key}' (chữ)")
    if data["name"] != path.stem:
        raise ProfileError(f"{where}: name = '{data['name']}' phải trùng tên tệp ('{path.stem}')")
    if data.get("target") != "aggregate_counts":
        raise ProfileError(f"{where}: target phải là 'aggregate_counts'")
    recognise, block, cols, subsets, numbers = (table(n) for n in ("recognise", "title_block", "columns", "subsets",
                                                                     "numbers"))
    types = []
    known = org_types()
    for i, t in enumerate(data.get("types", [])):
        if not isinstance(t, dict) or t.get("code") not in known:
            raise ProfileError(f"{where}: types thứ {i + 1} cần code là một mã trong data/reference/org_types.csv "
                               f"({', '.join(known)})")
        types.append((t["code"], _keys(t.get("phrases"), f"{where}, types.{t['code']}.phrases")))
    if not types:
        raise ProfileError(f"{where}: thiếu [[types]] (các cột loại hình)")
    sections = []
    for i, s in enumerate(data.get("sections", [])):
        code, err = nz.parse_subject(s.get("subject") if isinstance(s, dict) else None)
        if err:
            raise ProfileError(f"{where}: sections thứ {i + 1}: subject không đúng ({err})")
        sections.append((code, _keys(s.get("start"), f"{where}, sections thứ {i + 1}, start")))
    if not sections:
        raise ProfileError(f"{where}: thiếu [[sections]] (dòng bắt đầu mỗi đối tượng)")
    rules = []
    for i, r in enumerate(data.get("rows", [])):
        if not isinstance(r, dict) or r.get("role") not in ROW_ROLES:
            raise ProfileError(f"{where}: rows thứ {i + 1}: role phải là một trong {', '.join(ROW_ROLES)}")
        level = r.get("level")
        if r["role"] == "exemplary" and level not in (1, 2, 3, 4):
            raise ProfileError(f"{where}: rows thứ {i + 1}: dòng tiêu biểu cần level (1–4) của mức chứa nó")
        rules.append(RowRule(r["role"], _keys(r.get("phrases"), f"{where}, rows thứ {i + 1}, phrases"), level))
    for role in ("rated",):
        if not any(r.role == role for r in rules):
            raise ProfileError(f"{where}: [[rows]] thiếu dòng role = '{role}'")
    search_rows = recognise.get("search_rows", 40)
    if not isinstance(search_rows, int) or not 1 <= search_rows <= 500:
        raise ProfileError(f"{where}: recognise.search_rows phải là số nguyên 1–500")
    blank_is_zero = numbers.get("blank_is_zero", True)
    if not isinstance(blank_is_zero, bool):
        raise ProfileError(f"{where}: numbers.blank_is_zero phải là true hoặc false")
    return IndicatorProfile(
        name=data["name"], title=data["title"].strip(), description=" ".join(data["description"].split()),
        path=path, target="aggregate_counts", kind=data["kind"], search_rows=search_rows,
        title_phrases=_keys(recognise.get("title"), f"{where}, recognise.title"),
        row_phrases=_keys(recognise.get("rows"), f"{where}, recognise.rows"),
        label=_keys(cols.get("label", ["Chỉ tiêu"]), f"{where}, columns.label"),
        total=_keys(cols.get("total", ["Tổng số"]), f"{where}, columns.total"),
        share=_keys(cols.get("share", ["Tỷ lệ"]), f"{where}, columns.share"),
        ignore=_keys(cols.get("ignore", ["Chia theo"]), f"{where}, columns.ignore"),
        types=tuple(types), sections=tuple(sections), rows=tuple(rules),
        subset_prefixes=_keys(subsets.get("prefixes", ["Trong đó", "Chia ra"]), f"{where}, subsets.prefixes"),
        unit_lines=_keys(block.get("unit"), f"{where}, title_block.unit"),
        unit_skip=_keys(block.get("skip", ["Ban tổ chức"]), f"{where}, title_block.skip"),
        year_after=_keys(block.get("year_after", ["năm"]), f"{where}, title_block.year_after"),
        blank_is_zero=blank_is_zero)


# ───────────────────────────── the header ─────────────────────────────

@dataclass
class Columns:
    top: int
    first_data: int
    label: int
    total: int
    share: int | None
    types: dict[int, str]              # column → org type code
    headings: dict[int, str]
    unknown: list[str]


def _starts(key: str, phrases) -> bool:
    return any(key == ph or key.startswith(ph + " ") for ph in phrases)


def _columns(rows: list[list[object]], p: IndicatorProfile) -> Columns | None:
    for top in range(min(p.search_rows, len(rows))):
        label = next((j for j, c in enumerate(rows[top]) if _starts(nz.search_key(c), p.label)), None)
        if label is None:
            continue
        # The header runs down to the column-number row ("1 | 2 = 4+...+14 | 3 | 4 …") or the first section row.
        first = top + 1
        while first < len(rows) and first <= top + 5:
            key = nz.search_key(_cell(rows, first, label))
            if _column_numbers(rows[first]) or (key and not key.isdigit()):
                break
            first += 1
        bottom = first - 1
        width = max(len(rows[i]) for i in range(top, min(first + 1, len(rows))))
        headings, types, unknown = {}, {}, []
        total = share = None
        for j in range(width):
            texts = [nz.clean_text(_cell(rows, i, j)) for i in range(top, bottom + 1)
                     if not nz.is_blank(_cell(rows, i, j))]
            texts = [t for t in texts if not _starts(nz.search_key(t), p.ignore)]   # "CHIA THEO CÁC LOẠI HÌNH …"
            if not texts or j == label:
                continue
            headings[j] = " — ".join(dict.fromkeys(texts))
            joined = " ".join(nz.search_key(t) for t in texts)
            code = next((c for c, phrases in p.types for ph in phrases if _has(joined, ph)), None)
            if any(_starts(nz.search_key(t), p.share) for t in texts) and share is None:
                share = j
            elif code and code not in types.values():
                types[j] = code
            elif any(_starts(nz.search_key(t), p.total) for t in texts) and total is None:
                total = j
            else:
                unknown.append(f"{headings[j]} (cột {col_letter(j)})")
        if total is None:
            continue
        if first < len(rows) and _column_numbers(rows[first]):
            first += 1
        return Columns(top, first, label, total, share, types, headings, unknown)
    return None


def _cell(rows, i: int, j: int) -> object:
    return rows[i][j] if i < len(rows) and j < len(rows[i]) else None


def _column_numbers(row) -> bool:
    """The row numbering the columns: every cell numbers ("2 = 4+...+14" too), the first ones rising."""
    firsts = []
    for c in row:
        if nz.is_blank(c):
            continue
        key = nz.search_key(c)
        if not re.fullmatch(r"\d+( \d+)*", key):
            return False
        firsts.append(int(key.split()[0]))
    return len(firsts) >= 3 and all(a < b for a, b in zip(firsts, firsts[1:3]))


# ───────────────────────────── the title block ─────────────────────────────

def _title_lines(rows, top: int) -> list[str]:
    """Every line of every cell above the table (a title cell often holds three lines)."""
    return [nz.clean_text(line) for r in rows[:top] for c in r if not nz.is_blank(c)
            for line in str(c).splitlines() if line.strip()]


def _placeholder(text: str) -> bool:
    return not re.sub(r"[\s.…_·]+", "", text)


def _unit_in(lines: list[str], p: IndicatorProfile) -> str | None:
    """The issuing committee: the lowest one the title block names ("Tỉnh (thành uỷ) …" left unfilled is skipped;
    "Huyện (quận uỷ) Hòa Bình" is read as "Huyện ủy Hòa Bình")."""
    found = None
    for line in lines:
        key = nz.search_key(line)
        if not _starts(key, p.unit_lines) or _starts(key, p.unit_skip) or _DATE_LINE.search(key):
            continue
        m = re.match(r"^(\S+)\s*\(([^)]*)\)\s*(.*)$", line)
        if m and nz.search_key(m.group(2)).endswith("uy"):
            if _placeholder(m.group(3)):
                continue
            line = f"{m.group(1)} ủy {m.group(3).strip()}"
        elif _placeholder(re.sub(r"^\S+\s+\S+", "", line)):
            continue
        found = line
    return found


def _year_in(lines: list[str], p: IndicatorProfile) -> int | None:
    for line in lines:
        key = _DATE_LINE.sub(" ", nz.search_key(line))    # the date it was signed is not the year it reports
        for word in p.year_after:
            m = re.search(rf"\b{re.escape(word)} (\d{{4}})\b", key)
            if m and 1990 <= int(m.group(1)) <= 2100:
                return int(m.group(1))
    return None


# ───────────────────────────── the rows ─────────────────────────────

@dataclass
class Line:
    row: int                                  # as Excel numbers it
    label: str
    role: str                                 # headcount | rated | not_rated | level | exemplary | subset
    values: dict[int, int | None]             # column → count (None: blank or "X")
    level: int | None = None
    parent: "Line | None" = None
    share: object = None


def _strip(label: str, p: IndicatorProfile) -> tuple[str, bool, bool]:
    """(label without "Trong đó:"/"Chia ra:", bullets and "a)"/"1."/"A." markers; whether it is written as a part
    of the row above; whether it carries an enumerating marker)."""
    text, part, marked = label, False, False
    for _ in range(3):
        key = nz.search_key(text)
        pref = next((ph for ph in p.subset_prefixes if key == ph or key.startswith(ph + " ")), None)
        if pref:
            text, part = re.sub(r"^\s*\S+\s+\S+\s*[:：]?\s*", "", text, count=1), True
            continue
        if _BULLET.match(text):
            text, part = _BULLET.sub("", text, count=1), True
            continue
        m = _MARKER.match(text)
        if m and m.end() < len(text):
            text, marked = text[m.end():], True
            continue
        break
    return text, part, marked


def _value(v) -> tuple[int | None, str | None]:
    """A count cell: "X" (not applicable), "-" and blank are no number; "2.208" is 2208."""
    if nz.is_blank(v) or (isinstance(v, str) and nz.clean_text(v) in ("x", "X", "-", "—", "–")):
        return None, None
    return nz.parse_count(v)


def read_sheet(p: IndicatorProfile, sheet: Sheet, *, year: int | None = None) -> Block | None:
    rows = sheet.rows
    cols = _columns(rows, p)
    if cols is None:
        return None
    lines = _title_lines(rows, cols.top)
    keys_above = [nz.search_key(t) for t in lines]
    labels = [nz.search_key(_cell(rows, i, cols.label)) for i in range(cols.first_data, len(rows))]
    if not any(_has(k, ph) for k in keys_above for ph in p.title_phrases) and \
            not all(any(_has(k, ph) for k in labels) for ph in p.row_phrases):
        return None
    return _Reader(p, sheet, cols, lines, year).block()


class _Reader:
    def __init__(self, p: IndicatorProfile, sheet: Sheet, cols: Columns, title_lines: list[str], year: int | None):
        self.p, self.sheet, self.cols = p, sheet, cols
        self.where = f"trang '{sheet.name}'" if sheet.name else "bảng"
        self.notes: list[tuple[int, str, str, str]] = []
        self.warnings: list[str] = []
        self.title_lines = title_lines
        t_year = _year_in(title_lines, p)
        if t_year and year and t_year != year:
            self.warnings.append(f"tiêu đề biểu ghi năm {t_year}, khác --year {year}: dùng năm ghi trên biểu")
        self.year = t_year or year
        if self.year is None:
            self.warnings.append(f"{self.where}: tiêu đề biểu không ghi năm đánh giá — nạp lại với --year NĂM")
        self.unit = _unit_in(title_lines, p)
        self.number_cols = [cols.total, *cols.types]

    def heading(self, j: int) -> str:
        return f"{self.cols.headings.get(j, '')} (cột {col_letter(j)})"

    def reject(self, line: Line | int, j: int | None, value, reason: str) -> None:
        row = line.row if isinstance(line, Line) else line
        self.notes.append((row, self.heading(j) if j is not None else "", nz.show(value), reason))

    # ── classify the rows into sections ──
    def sections(self) -> list[tuple[str, list[Line]]]:
        p, cols, rows = self.p, self.cols, self.sheet.rows
        out: list[tuple[str, list[Line]]] = []
        last_counted: Line | None = None
        in_part = False
        for i in range(cols.first_data, len(rows)):
            raw_label = _cell(rows, i, cols.label)
            label = nz.clean_text(raw_label)
            values, bad = {}, False
            for j in self.number_cols:
                v, err = _value(_cell(rows, i, j))
                if err:
                    bad = True
                values[j] = v
            has_numbers = any(v is not None for v in values.values())
            if not label:
                if has_numbers:
                    self.reject(i + 1, None, "", "dòng có số nhưng không ghi chỉ tiêu — không nạp")
                continue
            if _starts(nz.search_key(label), STOP) and not has_numbers:
                break                                 # the signature block: the table is over
            text, part, marked = _strip(label, p)
            key = nz.search_key(text)
            rule = next((r for r in p.rows for ph in r.phrases if _has(nz.search_key(label), ph)), None)
            section = next((s for s, phrases in p.sections for ph in phrases if _has(key, ph)), None)
            if rule is None and section is not None:
                out.append((section, []))
                line = Line(i + 1, label, "headcount", values)
                last_counted, in_part = None, False
            elif not out:
                if has_numbers:
                    self.reject(i + 1, None, label, "dòng trước phần số liệu của mẫu biểu — không nạp")
                continue
            elif rule is not None and rule.role == "heading":
                continue
            elif rule is not None and rule.role == "exemplary":
                parent = next((ln for ln in reversed(out[-1][1]) if ln.role == "level"), None)
                line = Line(i + 1, label, "exemplary", values, level=rule.level, parent=parent)
            elif rule is not None:
                line = Line(i + 1, label, rule.role, values)
                last_counted, in_part = line, False
            elif (part or (in_part and not marked and has_numbers)) and last_counted is not None:
                line = Line(i + 1, label, "subset", values, parent=last_counted)
                in_part = True
            else:
                lab, err = nz.parse_label(text)
                if lab is not None and lab.level and not err:
                    line = Line(i + 1, label, "level", values, level=lab.level)
                    last_counted, in_part = line, False
                else:
                    if has_numbers or bad:
                        self.reject(i + 1, None, label, "dòng không thuộc mẫu biểu (không phải chỉ tiêu nào đã biết) "
                                                        "— không nạp; kiểm tra lại biểu")
                    continue
            if bad:
                for j in self.number_cols:
                    v, err = _value(_cell(rows, i, j))
                    if err:
                        self.reject(line, j, _cell(rows, i, j), f"{err} — không nạp cột này của đối tượng")
                        line.values[j] = "bad"
            line.share = _cell(rows, i, cols.share) if cols.share is not None else None
            out[-1][1].append(line)
        return out

    # ── one section → records per column ──
    def records(self, subject: str, lines: list[Line]) -> tuple[dict | None, list[dict]]:
        what = subject_name(subject)
        one = {r: [ln for ln in lines if ln.role == r] for r in ("headcount", "rated", "exemplary")}
        parts = [ln for ln in lines if ln.role == "not_rated"]
        levels: dict[int, Line] = {}
        for ln in lines:
            if ln.role == "level":
                if ln.level in levels:
                    self.reject(ln, None, ln.label, f"mức {LEVEL_FIELDS[ln.level].upper()} xuất hiện hai lần trong phần "
                                                    f"{what} (dòng {levels[ln.level].row} và dòng {ln.row}) — không "
                                                    f"nạp số liệu {what}")
                    return None, []
                levels[ln.level] = ln
        missing = [LEVEL_FIELDS[lv].upper() for lv in LEVEL_FIELDS if lv not in levels]
        if not one["rated"] or missing:
            row = lines[0].row if lines else 0
            why = "dòng số được đánh giá chất lượng" if not one["rated"] else "dòng của mức " + ", ".join(missing)
            self.reject(row, None, lines[0].label if lines else "", f"phần {what} của biểu thiếu {why} — không kiểm "
                                                                      f"tra được, không nạp số liệu {what}")
            return None, []
        rated, head, exemplary = one["rated"][0], (one["headcount"] or [None])[0], (one["exemplary"] or [None])[0]
        counted = [ln for ln in (head, rated, *parts, *levels.values(), exemplary) if ln is not None]
        types_used = [j for j in self.cols.types if any(ln.values.get(j) is not None for ln in counted)]
        if not types_used:
            self.warnings.append(f"{self.where}: phần {what} không ghi số theo loại hình — chỉ nạp cột Tổng số"
                                 + (f"; số tiêu biểu ({exemplary.values.get(self.cols.total)}) không có nơi lưu khi "
                                    "không chia theo loại hình" if exemplary and
                                    exemplary.values.get(self.cols.total) else ""))
        if self._sum_check(counted, types_used, what):
            return None, []
        self._part_checks(lines)
        self._share_checks(head, rated, parts, levels, lines)
        out = {}
        for j in [self.cols.total, *types_used]:
            rec = self._column(j, head, rated, parts, levels, exemplary, what)
            if rec is not None:
                out[j] = rec
        self._child_checks(out, levels, rated, what)
        total = out.pop(self.cols.total, None)
        by_type = [{**rec, "org_type": self.cols.types[j]} for j, rec in out.items()]
        for rec in [total, *by_type]:
            if rec is not None:
                rec["subject"] = subject
        return total, by_type

    def _num(self, ln: Line | None, j: int, fill: bool) -> int | None:
        if ln is None:
            return None
        v = ln.values.get(j)
        return 0 if v is None and fill and self.p.blank_is_zero else v

    def _column(self, j, head, rated, parts, levels, exemplary, what) -> dict | None:
        lines = [x for x in (head, rated, *parts, *levels.values(), exemplary) if x is not None]
        if any(ln.values.get(j) == "bad" for ln in lines):
            return None                                      # the bad cell is rejected already
        R = self._num(rated, j, True)
        L = {lv: self._num(ln, j, True) for lv, ln in levels.items()}
        col = self.heading(j)
        if sum(L.values()) != R:
            self.reject(rated, j, rated.values.get(j) if rated.values.get(j) is not None else "",
                        f"tổng các mức ({' + '.join(str(L[lv]) for lv in sorted(L))} = {sum(L.values())}) khác số "
                        f"{what} được đánh giá ({R}) ở dòng {rated.row} — không nạp cột này, cần kiểm tra lại biểu")
            return None
        not_rated = None
        if parts:
            not_rated = sum(self._num(ln, j, True) for ln in parts)
        H = self._num(head, j, False)
        if H is not None:
            if not_rated is None:
                not_rated = H - R
            if H != R + not_rated or not_rated < 0:
                self.reject(head, j, head.values.get(j), f"số có ({H}) khác số được đánh giá ({R}) cộng số chưa "
                                                         f"được đánh giá ({not_rated}) — không nạp cột này")
                return None
        E = self._num(exemplary, j, False)
        if E is not None and exemplary.parent is not None and E > L.get(exemplary.level, 0):
            self.reject(exemplary, j, E, f"số tiêu biểu ({E}) lớn hơn số ở mức {LEVEL_FIELDS[exemplary.level].upper()} "
                                         f"({L.get(exemplary.level, 0)}) — không nạp cột này")
            return None
        raw = {ln.label: nz.show(ln.values.get(j)) for ln in lines}
        return {"year": self.year, "unit_name": self.unit, "htxs": L[1], "htt": L[2], "ht": L[3], "khtnv": L[4],
                "total": R, "not_rated": not_rated, "exemplary": E, "_row": rated.row,
                "_raw": {"Cột": col, **raw}}

    def _sum_check(self, counted: list[Line], types_used: list[int], what: str) -> bool:
        """The "Tổng số" column against the kinds (a sub-column is inside its parent): a difference rejects the
        whole subject — which of the two is wrong cannot be told."""
        if not types_used:
            return False
        top = [j for j in types_used if org_types()[self.cols.types[j]]["parent"] is None]
        wrong = False
        for ln in counted:
            if any(ln.values.get(j) == "bad" for j in [self.cols.total, *top]):
                continue
            total = self._num(ln, self.cols.total, True)
            parts = {j: self._num(ln, j, True) for j in top}
            if total != sum(parts.values()):
                shown = " + ".join(f"{self.cols.headings[j]} {v}" for j, v in parts.items() if v)
                self.reject(ln, self.cols.total, ln.values.get(self.cols.total),
                            f"cột Tổng số ghi {total} nhưng cộng các loại hình ({shown or 'không có số'}) được "
                            f"{sum(parts.values())} (cột con 'Trong đó' không cộng) — không biết số nào đúng, không "
                            f"nạp số liệu {what} của biểu")
                wrong = True
        return wrong

    def _child_checks(self, out: dict, levels, rated, what) -> None:
        """A sub-column ("Trong đó 100% vốn nước ngoài") is inside its parent column: never larger."""
        by_code = {self.cols.types[j]: j for j in out if j in self.cols.types}
        for code, j in list(by_code.items()):
            parent = org_types()[code]["parent"]
            pj = by_code.get(parent)
            if parent is None or pj is None:
                continue
            bigger = [f for f in ("total", "htxs", "htt", "ht", "khtnv") if out[j][f] > out[pj][f]]
            if bigger:
                self.reject(rated, j, out[j]["total"], f"cột con lớn hơn cột {self.cols.headings[pj]} chứa nó "
                                                       f"({', '.join(bigger)}) — không nạp cột con này")
                out.pop(j)

    def _part_checks(self, lines: list[Line]) -> None:
        for ln in lines:
            if ln.role != "subset" or ln.parent is None:
                continue
            for j in self.number_cols:
                v, pv = ln.values.get(j), self._num(ln.parent, j, True)
                if isinstance(v, int) and isinstance(pv, int) and v > pv:
                    self.warnings.append(f"{self.where}, ô {col_letter(j)}{ln.row}: '{ln.label}' ghi {v}, lớn hơn "
                                         f"dòng {ln.parent.row} chứa nó ({pv}) — dòng 'Trong đó' không được nạp, "
                                         "kiểm tra lại biểu")

    def _share_checks(self, head, rated, parts, levels, lines) -> None:
        """A printed share its count does not give: a warning naming the cell ("X" and blanks are not shares)."""
        if self.cols.share is None:
            return
        t = self.cols.total
        base_of = {"headcount": [head], "rated": [head], "not_rated": [head], "level": [rated],
                   "exemplary": [None, rated], "subset": [None, rated, head]}
        for ln in lines:
            printed = ln.share
            if nz.is_blank(printed) or (isinstance(printed, str) and nz.clean_text(printed) in ("x", "X", "-")):
                continue
            share, err = nz.parse_number(printed)
            cell = f"ô {col_letter(self.cols.share)}{ln.row}"
            if err:
                self.warnings.append(f"{self.where}, {cell}: tỷ lệ '{nz.show(printed)}' không phải là số")
                continue
            count = self._num(ln, t, True)
            bases = [self._num(b if b is not None else ln.parent, t, True) for b in base_of.get(ln.role, [])]
            bases = [b for b in bases if b]
            if not isinstance(count, int) or not bases:
                continue
            tol = 0.5 * 10 ** -_decimals(printed) + 1e-9
            ok = any(abs(share - 100 * count / b) <= tol or
                     (isinstance(printed, (int, float)) and abs(100 * share - 100 * count / b) <= 100 * tol)
                     for b in bases)
            if not ok:
                self.warnings.append(f"{self.where}, {cell}: tỷ lệ dòng '{ln.label}' ghi '{nz.show(printed)}' nhưng "
                                     f"{count}/{bases[0]} = {_pct(100 * count / bases[0])} — nạp theo số lượng; kiểm "
                                     "tra lại số lượng hoặc tỷ lệ")

    # ── the blocks ──
    def block(self) -> Block:
        totals, by_type, subjects = [], [], []
        for subject, lines in self.sections():
            total, types = self.records(subject, lines)
            subjects.append(subject)
            if total is not None:
                totals.append(total)
            by_type.extend(types)
        if self.unit is None:
            self.warnings.append(f"{self.where}: khối tiêu đề không ghi đơn vị báo cáo — nạp lại với --unit TÊN")
        headers = {"unit_name": "Đơn vị (khối tiêu đề biểu, hoặc --unit)", "year": "Năm (tiêu đề biểu)",
                   "subject": "Đối tượng (phần của biểu)", "total": self.heading(self.cols.total),
                   "not_rated": "Chưa được đánh giá", "org_type": "Loại hình", "exemplary": "Tiêu biểu",
                   **{f: f"Mức {f.upper()}" for f in LEVEL_FIELDS.values()}}
        fields = ["year", "subject", "unit_name", "htxs", "htt", "ht", "khtnv", "total", "not_rated"]
        frame = pd.DataFrame(totals, columns=[*fields, "_row", "_raw"], dtype=object)
        caption = next((t for t in self.title_lines if nz.search_key(t).startswith("bao cao")), None)
        main = Block(self.p.target, self.sheet.name, frame, unknown_headers=self.cols.unknown, caption=caption,
                     notes=self.notes, profile=self.p.name, headers=headers, warnings=self.warnings,
                     names="as_written", unit_from_option=True)
        if by_type:
            typed = pd.DataFrame(by_type, columns=[*fields, "org_type", "exemplary", "_row", "_raw"], dtype=object)
            main.companions.append(Block("aggregate_counts_by_type", self.sheet.name, typed, caption=caption,
                                         profile=self.p.name, headers=headers, names="as_written",
                                         unit_from_option=True))
        what = " và ".join(subject_name(s) for s in dict.fromkeys(subjects)) or "chưa rõ"
        main.warnings.insert(0, f"{self.where} đọc theo mẫu biểu '{self.p.name}' ({self.p.title}; tệp "
                                f"{shown_path(self.p.path)}): {what}, năm {self.year or 'chưa rõ'}, đơn vị "
                                f"{self.unit or 'chưa rõ (dùng --unit)'}, {len(self.cols.types)} cột loại hình")
        return main
