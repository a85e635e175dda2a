"""Form profiles: how to read a form an office already keeps, as data (data/profiles/*.toml, one file per form).

A profile says how to recognise the form by its own header text, where the subject and the year are (the title
block), which column holds the unit's name, which columns hold each level's count and share, and which rows are
checks or signatures rather than data. This module loads and validates profiles, finds the one a sheet matches, and
turns the sheet into an ordinary Block (etl/blocks.py) that the loader checks and writes like any other table — so
every form goes through the same checks, rejects and transaction.

What the sheet itself proves is checked here, because only the sheet knows it: the `Tổng cộng` row against the sum of
the unit rows (a check row, never a unit), the printed shares against the counts (a warning naming the cell).
"""
from __future__ import annotations

import contextlib
import contextvars
import csv
import functools
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl import normalize as nz
from etl.blocks import Block, Sheet, col_letter

ROOT = Path(__file__).resolve().parent.parent
LEVEL_FIELDS = {1: "htxs", 2: "htt", 3: "ht", 4: "khtnv"}
LEVEL_NAMES = {1: "Hoàn thành xuất sắc nhiệm vụ", 2: "Hoàn thành tốt nhiệm vụ", 3: "Hoàn thành nhiệm vụ",
               4: "Không hoàn thành nhiệm vụ"}
ROLES = ("rated", "unit", "headcount", "count", "share", "ignore")
LEVEL_ROLES = ("count", "share")          # roles of the cells under a level's heading
TARGETS = ("aggregate_counts",)           # what a profile can fill today
# Other kinds of form (a profile's `kind`), each loaded and read by its own module: forms whose rows are indicators
# and whose columns are kinds of organization (Biểu số 7A/7B-TCTW).
KINDS = {"indicator_rows": "etl.profile_indicators"}


class ProfileError(Exception):
    """A profile file that cannot be used; the message names the file and says what to fix (Vietnamese)."""


def profiles_dir() -> Path:
    return Path(os.environ.get("KIEMDIEM_PROFILES") or ROOT / "data" / "profiles")


def _keys(values, where: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and nz.search_key(v) for v in values):
        raise ProfileError(f"{where}: cần một danh sách cụm từ (không rỗng)")
    return tuple(nz.search_key(v) for v in values)


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    description: str
    path: Path
    target: str
    search_rows: int
    max_header_rows: int
    required: tuple[str, ...]
    levels: int
    columns: dict[str, tuple[str, ...]]              # role → phrases (search keys), in the file's order
    title_main: tuple[str, ...]
    year_after: tuple[str, ...]
    subjects: tuple[tuple[str, str], ...]            # (phrase key, subject code), first match wins
    total_rows: tuple[str, ...]
    stop_rows: tuple[str, ...]
    blank_level_is_zero: bool = True
    not_rated_from_headcount: bool = True
    share_base: str = "rated"
    # A profile a clerk taught on the import page (ui/profile_teacher.py, etl/teach.py): each level's count (and
    # share) column named by its own heading ([levels]), a header of exactly header_rows rows, and the subject to
    # use when the title does not say it.
    level_columns: dict = field(default_factory=dict)      # level → {"count": phrases, "share": phrases}
    header_rows: int | None = None
    default_subject: str | None = None


_ALLOWED = {"": {"name", "title", "description", "target", "header", "recognise", "columns", "title_block", "rows",
                 "numbers", "levels"},
            "header": {"search_rows", "max_rows", "rows"}, "recognise": {"required", "levels"},
            "title_block": {"main", "year_after", "subject", "default_subject"}, "rows": {"total", "stop"},
            "levels": set(LEVEL_FIELDS.values()),
            "numbers": {"blank_level_is_zero", "not_rated_from_headcount", "share_base"}}


def load(path: Path) -> Profile:
    """One profile file, validated: every mistake is a ProfileError naming the file and the key."""
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"Mẫu biểu {where}: không đọc được ({exc})") from exc
    if data.get("kind") in KINDS:
        import importlib
        return importlib.import_module(KINDS[data["kind"]]).load(path, data)

    def table(name: str) -> dict:
        t = data.get(name, {})
        if not isinstance(t, dict):
            raise ProfileError(f"Mẫu biểu {where}: [{name}] phải là một bảng")
        extra = set(t) - _ALLOWED[name] if name in _ALLOWED else set()
        if extra:
            raise ProfileError(f"Mẫu biểu {where}: [{name}] có khóa không dùng được: {', '.join(sorted(extra))}")
        return t

    extra = set(data) - _ALLOWED[""]
    if extra:
        raise ProfileError(f"Mẫu biểu {where}: khóa không dùng được: {', '.join(sorted(extra))}")
    for key in ("name", "title", "description"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ProfileError(f"Mẫu biểu {where}: thiếu '{key}' (chữ)")
    if data["name"] != path.stem:
        raise ProfileError(f"Mẫu biểu {where}: name = '{data['name']}' phải trùng tên tệp ('{path.stem}')")
    if data.get("target") not in TARGETS:
        raise ProfileError(f"Mẫu biểu {where}: target phải là một trong: {', '.join(TARGETS)}")
    header, recognise, cols, block, rows, numbers = (table(n) for n in ("header", "recognise", "columns",
                                                                          "title_block", "rows", "numbers"))
    unknown = set(cols) - set(ROLES)
    if unknown:
        raise ProfileError(f"Mẫu biểu {where}: [columns] chỉ gồm {', '.join(ROLES)} (thừa: {', '.join(sorted(unknown))})")
    columns = {role: _keys(v, f"Mẫu biểu {where}, columns.{role}") for role, v in cols.items()}
    level_columns = _level_columns(table("levels"), where)
    for role in ("unit",) if level_columns else ("unit", "count"):
        if role not in columns:
            raise ProfileError(f"Mẫu biểu {where}: [columns] thiếu '{role}'")
    required = tuple(recognise.get("required", ["unit"]))
    if not all(r in columns for r in required):
        raise ProfileError(f"Mẫu biểu {where}: recognise.required chỉ gồm các vai trò có trong [columns]")
    subjects = []
    for i, s in enumerate(block.get("subject", [])):
        code, err = nz.parse_subject(s.get("code") if isinstance(s, dict) else None)
        if err or not isinstance(s.get("phrase"), str) or not nz.search_key(s["phrase"]):
            raise ProfileError(f"Mẫu biểu {where}: title_block.subject thứ {i + 1} cần phrase (chữ) và code đúng "
                               f"({err})")
        subjects.append((nz.search_key(s["phrase"]), code))

    def number(t: dict, key: str, default: int, low: int, high: int, where_key: str) -> int:
        v = t.get(key, default)
        if not isinstance(v, int) or not low <= v <= high:
            raise ProfileError(f"Mẫu biểu {where}: {where_key} phải là số nguyên {low}–{high}")
        return v

    def flag(key: str, default: bool) -> bool:
        v = numbers.get(key, default)
        if not isinstance(v, bool):
            raise ProfileError(f"Mẫu biểu {where}: numbers.{key} phải là true hoặc false")
        return v

    share_base = numbers.get("share_base", "rated")
    if share_base not in ("rated", "headcount"):
        raise ProfileError(f"Mẫu biểu {where}: numbers.share_base phải là 'rated' hoặc 'headcount'")
    return Profile(
        name=data["name"], title=data["title"].strip(), description=" ".join(data["description"].split()),
        path=path, target=data["target"],
        search_rows=number(header, "search_rows", 40, 1, 500, "header.search_rows"),
        max_header_rows=number(header, "max_rows", 4, 1, 10, "header.max_rows"),
        required=required, levels=number(recognise, "levels", 4, 1, 4, "recognise.levels"), columns=columns,
        title_main=_keys(block.get("main", ["kết quả"]), f"Mẫu biểu {where}, title_block.main"),
        year_after=_keys(block.get("year_after", ["năm"]), f"Mẫu biểu {where}, title_block.year_after"),
        subjects=tuple(subjects),
        total_rows=_keys(rows.get("total", ["Tổng cộng"]), f"Mẫu biểu {where}, rows.total"),
        stop_rows=_keys(rows.get("stop", ["Người lập biểu"]), f"Mẫu biểu {where}, rows.stop"),
        blank_level_is_zero=flag("blank_level_is_zero", True),
        not_rated_from_headcount=flag("not_rated_from_headcount", True), share_base=share_base,
        level_columns=level_columns,
        header_rows=number(header, "rows", 1, 1, 10, "header.rows") if "rows" in header else None,
        default_subject=_default_subject(block, where))


def load_all(folder: Path | None = None) -> list[Profile]:
    """Every profile of the folder, by name. A broken file stops the reading: a form read by half a profile would
    be worse than one refused with the file to fix."""
    folder = folder or profiles_dir()
    found = [load(p) for p in sorted(folder.glob("*.toml"))] if folder.is_dir() else []
    names = {p.name for p in found}
    return found + [p for p in _TRYING.get() if p.name not in names]


# ───────────────────────────── recognising a sheet ─────────────────────────────

def _has(key: str, phrase: str) -> bool:
    """The cell's search key contains the phrase as whole words."""
    return bool(key) and f" {phrase} " in f" {key} "


@dataclass
class Layout:
    """Where a profile's parts are on one sheet."""
    top: int                                   # first header row (0-based)
    bottom: int                                # last header row
    roles: dict[str, int]                      # role → column; "ignore:<col>" for TT, Ghi chú …
    levels: dict[int, dict[str, int]]          # level → {"count": col, "share": col}
    headings: dict[int, str]                   # column → its heading as written
    unknown: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        return len(self.roles) + sum(len(v) for v in self.levels.values())


def _cell(rows: list[list[object]], i: int, j: int) -> object:
    return rows[i][j] if i < len(rows) and j < len(rows[i]) else None


def _layout_at(rows: list[list[object]], top: int, p: Profile) -> Layout | None:
    if p.level_columns:
        return _taught_layout(rows, top, p)
    width = max((len(rows[i]) for i in range(top, min(top + p.max_header_rows, len(rows)))), default=0)
    keys = {(i, j): nz.search_key(_cell(rows, i, j)) for i in range(top, min(top + p.max_header_rows, len(rows)))
            for j in range(width)}
    if not any(_has(keys[top, j], ph) for j in range(width) for ph in p.columns["unit"]):
        return None
    # The header ends at the row of "Số lượng | Tỷ lệ %" (the cells under the merged level names).
    bottom = top
    for i in range(top + 1, min(top + p.max_header_rows, len(rows))):
        if any(_has(keys[i, j], ph) for j in range(width) for r in LEVEL_ROLES for ph in p.columns.get(r, ())):
            bottom = i
    # A level's name is written once, in a merged cell over its columns: carried right until the next heading.
    level_of: dict[int, int] = {}
    for i in range(top, bottom + 1 if bottom == top else bottom):
        current = None
        for j in range(width):
            v = _cell(rows, i, j)
            if not nz.is_blank(v):
                label, err = nz.parse_label(v)
                current = label.level if label and not err and label.level else None
            if current and j not in level_of:
                level_of[j] = current
    roles: dict[str, int] = {}
    levels: dict[int, dict[str, int]] = {}
    headings: dict[int, str] = {}
    unknown: list[str] = []
    for j in range(width):
        texts = [nz.clean_text(_cell(rows, i, j)) for i in range(top, bottom + 1) if not nz.is_blank(_cell(rows, i, j))]
        if not texts:
            continue
        headings[j] = " — ".join(dict.fromkeys(texts))
        if j in level_of:
            under = keys[bottom, j] if bottom > top else ""
            role = next((r for r in LEVEL_ROLES for ph in p.columns.get(r, ()) if _has(under, ph)), None)
            if role is None and bottom == top:
                role = "count"            # one column per level, no "Số lượng" row
            if role and role not in levels.setdefault(level_of[j], {}):
                levels[level_of[j]][role] = j
                continue
        joined = " ".join(nz.search_key(t) for t in texts)
        role = next((r for r in p.columns if r not in LEVEL_ROLES for ph in p.columns[r] if _has(joined, ph)), None)
        if role == "ignore":
            roles.setdefault(f"ignore:{j}", j)
        elif role and role not in roles:
            roles[role] = j
        else:
            unknown.append(f"{headings[j]} (cột {col_letter(j)})")
    with_count = [lv for lv, cols in levels.items() if "count" in cols]
    if not all(r in roles for r in p.required) or len(with_count) < p.levels:
        return None
    return Layout(top, bottom, roles, levels, headings, unknown)


def match(sheet: Sheet, profiles: list[Profile]) -> tuple[Profile, Layout] | None:
    """The profile whose header this sheet has (the one recognising most columns when several do)."""
    best = None
    for p in profiles:
        for top in range(min(p.search_rows, len(sheet.rows))):
            lay = _layout_at(sheet.rows, top, p)
            if lay:
                if best is None or lay.score > best[1].score:
                    best = (p, lay)
                break
    return best


# ───────────────────────────── the title block ─────────────────────────────

_DATE_LINE = re.compile(r"\bngay \d{1,2} thang \d{1,2} nam \d{4}\b")


def _title_lines(rows: list[list[object]], top: int) -> list[str]:
    return [" ".join(nz.clean_text(c) for c in r if not nz.is_blank(c)) for r in rows[:top]
            if any(not nz.is_blank(c) for c in r)]


def _year_in(key: str, p: Profile) -> int | None:
    key = _DATE_LINE.sub(" ", key)      # the date the sheet was signed is not the year it reports
    for word in p.year_after:
        m = re.search(rf"\b{re.escape(word)} (\d{{4}})\b", key)
        if m and 1990 <= int(m.group(1)) <= 2100:
            return int(m.group(1))
    return None


def _subject_in(key: str, p: Profile) -> str | None:
    return next((code for phrase, code in p.subjects if _has(key, phrase)), None)


def title_facts(rows, lay: Layout, p: Profile) -> tuple[str | None, int | None, str | None]:
    """(main title line, year, subject) from the rows above the table; the header of the rated column names the
    subject when the title does not ("Số đảng viên được đánh giá, xếp loại")."""
    lines = _title_lines(rows, lay.top)
    keys = [nz.search_key(t) for t in lines]
    main = next((i for i, k in enumerate(keys) if any(_has(k, ph) for ph in p.title_main)), None)
    order = ([main] if main is not None else []) + [i for i in range(len(lines)) if i != main]
    year = next((y for i in order if (y := _year_in(keys[i], p))), None)
    subject = _subject_in(keys[main], p) if main is not None else None
    if subject is None and "rated" in lay.roles:
        subject = _subject_in(nz.search_key(lay.headings.get(lay.roles["rated"], "")), p)
    return (lines[main] if main is not None else None), year, subject


# ───────────────────────────── the rows ─────────────────────────────

def column_numbers(row) -> bool:
    """The row under a header that numbers the columns ("1 | 2 | 3 = 4 + 5 | …", "(A) (B) (1) (2)"): every cell a
    letter or numbers, the first numbers rising from left to right."""
    firsts = []
    for c in row:
        if nz.is_blank(c):
            continue
        key = nz.search_key(c)
        if re.fullmatch(r"[a-z]", key):
            continue
        if not re.fullmatch(r"\d+( \d+)*", key):
            return False
        firsts.append(int(key.split()[0]))
    return len(firsts) >= 2 and all(a < b for a, b in zip(firsts, firsts[1:]))
_HEADING = re.compile(r"^([IVXL]+|[A-Z])[.)]?(\s|$)")


def _decimals(value: object) -> int:
    """How many decimals a printed share shows ("18,50%" → 2, 18.5 → 1, "19" → 0)."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        text = repr(round(float(value), 10))
        return 0 if float(value).is_integer() else len(text.split(".")[1])
    text = nz.clean_text(value).rstrip("%").strip()
    for sep in (",", "."):
        if sep in text:
            return len(text.rsplit(sep, 1)[1])
    return 0


def _pct(x: float) -> str:
    return f"{x:.2f}".replace(".", ",") + "%"


def _blank(v: object) -> bool:
    return nz.is_blank(v) or (isinstance(v, str) and nz.clean_text(v) in ("-", "—", "–", "x", "X"))


def read(sheet: Sheet, p: Profile, lay: Layout, *, year: int | None = None, subject: str | None = None) -> Block:
    rows = sheet.rows
    where = f"trang '{sheet.name}'" if sheet.name else "bảng"
    title, t_year, t_subject = title_facts(rows, lay, p)
    warnings: list[str] = []
    if t_year and year and t_year != year:
        warnings.append(f"tiêu đề biểu ghi năm {t_year}, khác --year {year}: dùng năm ghi trên biểu")
    the_year = t_year or year
    if the_year is None:
        warnings.append(f"{where}: tiêu đề biểu không ghi năm đánh giá — nạp lại với --year NĂM")
    the_subject = t_subject or subject or p.default_subject
    if the_subject is None:
        warnings.append(f"{where}: tiêu đề biểu không nói đối tượng (đảng viên, chi bộ, …) — nạp lại với --subject")
    unit_col = lay.roles["unit"]
    rated_col = lay.roles.get("rated")
    head_col = lay.roles.get("headcount")
    tt_cols = [j for r, j in lay.roles.items() if r.startswith("ignore:")]
    count_cols = {lv: c["count"] for lv, c in lay.levels.items() if "count" in c}
    number_cols = [c for c in (head_col, rated_col) if c is not None] + list(count_cols.values())

    def heading(j: int) -> str:
        return f"{lay.headings.get(j, '')} (cột {col_letter(j)})"

    headers = {"unit_name": heading(unit_col), "year": "Năm (tiêu đề biểu)", "subject": "Đối tượng (tiêu đề biểu)",
               "not_rated": heading(head_col) if head_col is not None else "Không xếp loại"}
    if rated_col is not None:
        headers["total"] = heading(rated_col)
    for lv, j in count_cols.items():
        headers[LEVEL_FIELDS[lv]] = heading(j)

    records: list[dict] = []
    notes: list[tuple[int, str, str, str]] = []
    total_row: tuple[int, dict[int, object]] | None = None
    parsed_rows: list[tuple[int, dict[int, object]]] = []     # (row number, column → cell) of every unit row
    for i in range(lay.bottom + 1, len(rows)):
        row = rows[i]
        if all(nz.is_blank(c) for c in row):
            continue
        name = _cell(rows, i, unit_col)
        label = nz.search_key(name) or next((nz.search_key(_cell(rows, i, j)) for j in tt_cols
                                             if not nz.is_blank(_cell(rows, i, j))), "")
        cells = {j: _cell(rows, i, j) for j in number_cols}
        if not any(nz.parse_number(c)[0] is not None for c in cells.values()):   # signatures sit in any column
            texts = [nz.search_key(c) for c in row if isinstance(c, str) and not nz.is_blank(c)]
            if any(t == ph or t.startswith(ph + " ") for t in texts for ph in p.stop_rows) or \
                    any(_DATE_LINE.search(t) for t in texts):
                break                                     # the signature block (no figures): the table is over
        if i == lay.bottom + 1 and column_numbers(row):
            continue                                      # the row of column numbers "(1) (2) (3) …"
        if any(label == ph or label.startswith(ph + " ") for ph in p.total_rows):
            total_row = (i + 1, cells)
            continue
        if all(nz.is_blank(c) for c in cells.values()):
            tt = next((nz.clean_text(_cell(rows, i, j)) for j in tt_cols if not nz.is_blank(_cell(rows, i, j))), "")
            if _HEADING.match(tt) or _HEADING.match(nz.clean_text(name)):
                continue                                  # a group heading ("I. Đảng bộ xã, thị trấn")
        if p.blank_level_is_zero and any(not _blank(cells[j]) for j in count_cols.values()):
            for j in count_cols.values():
                if _blank(cells[j]):
                    cells[j] = 0
        raw = {lay.headings.get(j, col_letter(j)): nz.show(c) for j, c in enumerate(row) if not nz.is_blank(c)}
        rec = {"year": the_year, "subject": the_subject, "unit_name": name, "_row": i + 1, "_raw": raw,
               "total": cells.get(rated_col), "not_rated": None}
        for lv, j in count_cols.items():
            rec[LEVEL_FIELDS[lv]] = cells[j]
        parsed_rows.append((i + 1, cells))             # every unit row counts in the check of the total row
        if head_col is not None and p.not_rated_from_headcount and not nz.is_blank(cells[head_col]):
            head, err = nz.parse_count(cells[head_col])
            rated, _ = nz.parse_count(cells.get(rated_col))
            if err:
                notes.append((i + 1, heading(head_col), nz.show(cells[head_col]), err))
                continue
            if rated is not None and head < rated:
                notes.append((i + 1, heading(head_col), nz.show(cells[head_col]),
                              f"tổng số ({head}) nhỏ hơn số được đánh giá, xếp loại ({rated}) — không nạp, cần đơn vị "
                              "kiểm tra lại số liệu"))
                continue
            rec["not_rated"] = head - rated if rated is not None else None
        records.append(rec)
        warnings.extend(_share_warnings(where, i, row, cells, lay, p))
    if total_row:
        warnings.extend(_share_warnings(where, total_row[0] - 1, rows[total_row[0] - 1], total_row[1], lay, p))
        problem = _total_check(total_row, parsed_rows, number_cols, heading, p)
        if problem:
            notes.append(problem)
        else:
            warnings.insert(0, f"{where}: dòng tổng (dòng {total_row[0]}) khớp tổng của {len(parsed_rows)} dòng đơn vị "
                               "— dòng tổng chỉ để đối chiếu, không nạp")
    else:
        warnings.append(f"{where}: biểu không có dòng 'Tổng cộng' — không đối chiếu được tổng")
    frame = pd.DataFrame(records, columns=["year", "subject", "unit_name", "htxs", "htt", "ht", "khtnv", "total",
                                           "not_rated", "_row", "_raw"], dtype=object)
    what = subject_name(the_subject) if the_subject else "chưa rõ"
    block = Block(p.target, sheet.name, frame, unknown_headers=lay.unknown, caption=title, subject=the_subject,
                  notes=notes, profile=p.name, headers=headers, warnings=warnings, names="as_written")
    block.warnings.insert(0, f"{where} đọc theo mẫu biểu '{p.name}' ({p.title}; tệp {shown_path(p.path)}): "
                             f"đối tượng {what}, năm {the_year or 'chưa rõ'}")
    return block


@functools.lru_cache(maxsize=1)
def _subject_names() -> dict[str, str]:
    with open(nz.REFERENCE_DIR / "subjects.csv", encoding="utf-8") as fh:
        return {r["code"]: r["name"].lower() for r in csv.DictReader(fh)}


def subject_name(code: str) -> str:
    return _subject_names().get(code, code)


def shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _share_warnings(where: str, i: int, row, cells, lay: Layout, p: Profile) -> list[str]:
    """A printed share that its count does not give (beyond rounding to the decimals printed): a warning naming
    the cell. The counts are what is loaded; the share only tells that one of the two is wrong."""
    base_col = lay.roles.get("rated" if p.share_base == "rated" else "headcount")
    other_col = lay.roles.get("headcount" if p.share_base == "rated" else "rated")
    base, _ = nz.parse_count(cells.get(base_col)) if base_col is not None else (None, None)
    other, _ = nz.parse_count(cells.get(other_col)) if other_col is not None else (None, None)
    out = []
    for lv, cols in sorted(lay.levels.items()):
        if "share" not in cols or "count" not in cols:
            continue
        printed = _cell([row], 0, cols["share"])
        if _blank(printed):
            continue
        count, err = nz.parse_count(cells.get(cols["count"]))
        share, serr = nz.parse_number(printed)
        cell = f"ô {col_letter(cols['share'])}{i + 1}"
        if serr:
            out.append(f"{where}, {cell}: tỷ lệ '{nz.show(printed)}' không phải là số")
            continue
        if err or count is None or not base:
            continue
        actual = 100 * count / base
        tol = 0.5 * 10 ** -_decimals(printed) + 1e-9
        # a number cell may hold the share as a fraction (0,185 shown as 18,5%)
        as_fraction = isinstance(printed, (int, float)) and abs(100 * share - actual) <= 100 * tol
        if abs(share - actual) <= tol or as_fraction:
            continue
        alt = ""
        if other and abs(share - 100 * count / other) <= tol:
            alt = " (khớp nếu tính trên cột " + lay.headings.get(other_col, "") + ")"
        out.append(f"{where}, {cell}: tỷ lệ {LEVEL_NAMES[lv]} ghi '{nz.show(printed)}' nhưng {count}/{base} = "
                   f"{_pct(actual)}{alt} — nạp theo số lượng; kiểm tra lại số lượng hoặc tỷ lệ")
    return out


def _total_check(total_row, parsed_rows, number_cols, heading, p: Profile):
    """The `Tổng cộng` row against the sum of the unit rows: None when they agree, else a reject with the numbers."""
    row_no, cells = total_row
    if p.blank_level_is_zero:
        cells = {j: (0 if _blank(v) else v) for j, v in cells.items()}
    diffs, first = [], None
    for j in number_cols:
        printed, err = nz.parse_count(cells.get(j))
        if err or printed is None:
            continue
        values = [nz.parse_count(c.get(j)) for _, c in parsed_rows]
        if any(e for _, e in values):
            continue                      # a unit row with a bad number is rejected on its own
        summed = sum(v or 0 for v, _ in values)
        if summed != printed:
            diffs.append(f"{heading(j)} ghi {printed}, cộng các dòng đơn vị được {summed}")
            first = first if first is not None else (j, cells.get(j))
    if not diffs:
        return None
    return (row_no, heading(first[0]), nz.show(first[1]),
            "dòng tổng không khớp tổng các dòng đơn vị: " + "; ".join(diffs)
            + " — dòng tổng chỉ để đối chiếu, không nạp; kiểm tra lại biểu (thiếu, thừa hay sai một dòng đơn vị?)")


def read_sheet(sheet: Sheet, *, year: int | None = None, subject: str | None = None,
               profiles: list[Profile] | None = None) -> Block | None:
    """The sheet as a Block through the profile that recognises it, or None when none does."""
    known = load_all() if profiles is None else profiles
    found = match(sheet, [p for p in known if isinstance(p, Profile)])
    if not found:       # a profile of another kind (KINDS) recognises and reads the sheet itself
        return next((b for p in known if not isinstance(p, Profile)
                     and (b := p.read_sheet(sheet, year=year, subject=subject)) is not None), None)
    return read(sheet, *found, year=year, subject=subject)


# ───────────────────────────── profiles a clerk taught (the import page) ─────────────────────────────

def _level_columns(table: dict, where: str) -> dict[int, dict[str, tuple[str, ...]]]:
    """[levels]: for each level (htxs, htt, ht, khtnv) the heading of its count column and, optionally, of its share
    column, as the form writes them."""
    by_field = {f: lv for lv, f in LEVEL_FIELDS.items()}
    out = {}
    for name, spec in table.items():
        if not isinstance(spec, dict) or "count" not in spec or set(spec) - set(LEVEL_ROLES):
            raise ProfileError(f"Mẫu biểu {where}: [levels.{name}] cần count (và có thể share): danh sách cụm từ")
        out[by_field[name]] = {r: _keys(spec[r], f"Mẫu biểu {where}, levels.{name}.{r}") for r in LEVEL_ROLES
                               if r in spec}
    if table and len(out) < 4:
        raise ProfileError(f"Mẫu biểu {where}: [levels] cần đủ bốn mức: {', '.join(LEVEL_FIELDS.values())}")
    return out


def _default_subject(block: dict, where: str) -> str | None:
    if "default_subject" not in block:
        return None
    code, err = nz.parse_subject(block["default_subject"])
    if err:
        raise ProfileError(f"Mẫu biểu {where}: title_block.default_subject không đúng ({err})")
    return code


def column_headings(rows: list[list[object]], top: int, bottom: int) -> dict[int, str]:
    """Each column's heading over the header rows top..bottom, as a person reads it: the column's own (lowest) cell,
    after the group headings above it. A group heading is written once, in a merged cell over its columns: it is
    carried right over the blank cells of its row until the next cell, when there is something under it (a cell merged
    down over the header, like "TT", is not a group). The import page shows these and a taught profile is matched
    on them, so what the clerk picked and what the loader finds are the same text."""
    width = max((len(rows[i]) for i in range(top, min(bottom + 1, len(rows)))), default=0)
    own = {}
    for j in range(width):
        filled = [i for i in range(top, bottom + 1) if not nz.is_blank(_cell(rows, i, j))]
        if filled:
            own[j] = filled[-1]
    out = {}
    for j in range(width):
        parts = []
        last = own.get(j, top - 1)
        for i in range(top, bottom + 1):
            if i > last:
                break
            v = _cell(rows, i, j)
            if nz.is_blank(v) and i < last:
                k = j - 1
                while k >= 0 and nz.is_blank(_cell(rows, i, k)):
                    k -= 1
                if k >= 0 and own.get(k, i) > i:           # a group heading: something is written under it
                    v = _cell(rows, i, k)
            if not nz.is_blank(v):
                text = nz.clean_text(v)
                if text not in parts:
                    parts.append(text)
        if parts:
            out[j] = " — ".join(parts)
    return out


def _role_of(key: str, candidates: list[tuple[object, tuple[str, ...]]]):
    """The role whose phrase is the column's heading; else the one whose phrase is the longest inside it (two roles
    of the same length: neither — a taught profile does not guess)."""
    exact = [role for role, phrases in candidates if key in phrases]
    if exact:
        return exact[0]
    best, length, tie = None, 0, False
    for role, phrases in candidates:
        for ph in phrases:
            if _has(key, ph) and len(ph) >= length:
                tie = len(ph) == length and role != best
                best, length = role, len(ph)
    return None if tie else best


def _taught_layout(rows: list[list[object]], top: int, p: Profile) -> Layout | None:
    bottom = top + (p.header_rows or p.max_header_rows) - 1
    if bottom >= len(rows) or not any(not nz.is_blank(c) for c in rows[top]):
        return None
    headings = column_headings(rows, top, bottom)
    candidates = [(r, ph) for r, ph in p.columns.items() if r not in LEVEL_ROLES]
    candidates += [((lv, r), ph) for lv, spec in p.level_columns.items() for r, ph in spec.items()]
    roles: dict[str, int] = {}
    levels: dict[int, dict[str, int]] = {}
    unknown: list[str] = []
    for j, text in headings.items():
        role = _role_of(nz.search_key(text), candidates)
        if isinstance(role, tuple) and role[1] not in levels.get(role[0], {}):
            levels.setdefault(role[0], {})[role[1]] = j
        elif role == "ignore":
            roles[f"ignore:{j}"] = j
        elif isinstance(role, str) and role not in roles:
            roles[role] = j
        else:
            unknown.append(f"{text} (cột {col_letter(j)})")
    with_count = [lv for lv, cols in levels.items() if "count" in cols]
    if "unit" not in roles or not all(r in roles for r in p.required) or len(with_count) < p.levels:
        return None
    return Layout(top, bottom, roles, levels, headings, unknown)


_TRYING: contextvars.ContextVar[tuple[Profile, ...]] = contextvars.ContextVar("kiemdiem_trying_profiles", default=())


@contextlib.contextmanager
def trying(*extra: Profile):
    """Within this block (this thread only: one Streamlit session), the loader also knows these profiles — the
    import page's preview of a profile the clerk has not saved yet, through the real loader."""
    token = _TRYING.set(_TRYING.get() + extra)
    try:
        yield
    finally:
        _TRYING.reset(token)


# ───────────────────────────── writing a profile (TOML) ─────────────────────────────

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
NAME_RULE = re.compile(r"^[a-z0-9_]{3,60}$")


def _toml_str(s: str) -> str:
    out = []
    for ch in s:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, (list, tuple)) and all(not isinstance(x, (dict, list, tuple)) for x in v):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"giá trị không ghi được vào mẫu biểu: {v!r}")


def _is_tables(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def to_toml(data: dict, comment: str | None = None) -> str:
    """The shapes profiles use — strings, integers, true/false, lists of those, tables, arrays of tables — as TOML
    text; checked by reading it back (a writer bug is an error here, not a profile that says something else)."""
    lines = [f"# {c}".rstrip() for c in (comment or "").splitlines()]

    def key(k: str) -> str:
        return k if _BARE_KEY.match(k) else _toml_str(k)

    def emit(table: dict, path: list[str]) -> None:
        for k, v in table.items():
            if not isinstance(v, dict) and not _is_tables(v):
                lines.append(f"{key(k)} = {_toml_value(v)}")
        for k, v in table.items():
            if isinstance(v, dict):
                if not v or any(not isinstance(x, dict) and not _is_tables(x) for x in v.values()):
                    lines.extend(["", "[" + ".".join(key(x) for x in path + [k]) + "]"])
                emit(v, path + [k])
        for k, v in table.items():
            if _is_tables(v):
                for item in v:
                    lines.extend(["", "[[" + ".".join(key(x) for x in path + [k]) + "]]"])
                    emit(item, path + [k])

    emit(data, [])
    text = "\n".join(lines).lstrip("\n") + "\n"
    if tomllib.loads(text) != data:
        raise ProfileError("Mẫu biểu: ghi ra TOML không khớp nội dung (lỗi của bộ ghi)")
    return text


def check(data: dict) -> Profile:
    """The profile these data make, validated by the same reader as every profile file (nothing is written)."""
    import tempfile
    name = data.get("name") or ""
    if not NAME_RULE.match(name):
        raise ProfileError(f"Tên mẫu biểu '{name}': chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới (3–60 ký "
                           "tự), ví dụ bieu_tong_hop_tinh_a")
    text = to_toml(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        return load(path)


def save(data: dict, name: str, folder: Path | None = None, comment: str | None = None) -> Path:
    """Write a new profile file `name`.toml in the profiles folder: validated by reading it back with load() before
    it is written; a name that exists is refused (a profile is changed by editing its file, not overwritten)."""
    data = {"name": name, **{k: v for k, v in data.items() if k != "name"}}
    check(data)
    folder = folder or profiles_dir()
    path = folder / f"{name}.toml"
    if path.exists():
        raise ProfileError(f"Đã có mẫu biểu tên '{name}' ({shown_path(path)}) — chọn tên khác")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(to_toml(data, comment))
    except FileExistsError as exc:
        raise ProfileError(f"Đã có mẫu biểu tên '{name}' ({shown_path(path)}) — chọn tên khác") from exc
    load(path)
    return path
