"""Normalization of what people type into the forms: Vietnamese text, numbers, rating labels, subjects.

Pure functions, no I/O beyond reading data/reference once. Each parser returns (value, error) where error is a
Vietnamese sentence for a clerk, or None.
"""
from __future__ import annotations

import csv
import datetime as _dt
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

# ───────────────────────────── text ─────────────────────────────

# Old ("hoà", "thuỷ") vs new ("hòa", "thủy") tone placement differs only in open syllables ending in oa/oe/uy.
# We keep the tone on the first vowel (hòa, thủy): the form most Vietnamese office documents use today.
_TONES = {  # combining tone marks (after NFD)
    "\u0300", "\u0301", "\u0303", "\u0309", "\u0323",
}
_OLD_TONE = re.compile(r"(?<![qQ])([oOuU])([aAeEyY])([\u0300\u0301\u0303\u0309\u0323])(?![\w])")


def clean_text(value: object) -> str:
    """NFC, Ð→Đ, one tone convention, single spaces, no surrounding blanks."""
    if value is None:
        return ""
    s = str(value)
    s = s.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")  # Ð/ð (Icelandic eth) typed for Đ/đ
    s = s.replace("\u00a0", " ").replace("\u200b", "")
    s = unicodedata.normalize("NFD", s)
    s = _OLD_TONE.sub(lambda m: m.group(1) + m.group(3) + m.group(2), s)
    s = unicodedata.normalize("NFC", s)
    return re.sub(r"\s+", " ", s).strip()


def search_key(value: object) -> str:
    """Key for matching: no diacritics, lower case, đ→d, punctuation as spaces, single spaces."""
    s = clean_text(value).lower().replace("đ", "d")
    s = unicodedata.normalize("NFD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = re.sub(r"[^a-z0-9%]+", " ", s)   # same rule as the SQL macro vkey() in etl/schema.sql
    return s.strip()


def person_name(value: object) -> str:
    """Names typed in capitals ("HỒ VĂN A") become "Hồ Văn A", as the forms ask (seed 000)."""
    s = clean_text(value)
    if s and s == s.upper() and any(ch.isalpha() for ch in s):
        s = " ".join(w[:1] + w[1:].lower() for w in s.split(" "))
    return s


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def show(value: object) -> str:
    """How a cell value is quoted back to the user in a message."""
    if value is None:
        return "(trống)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ───────────────────────────── numbers ─────────────────────────────

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")   # 2.208 | 1.234,5
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")                  # 18,5
_PLAIN = re.compile(r"^[+-]?\d+(\.\d+)?$")                       # 12 | 85.5


def parse_number(value: object) -> tuple[float | None, str | None]:
    """Vietnamese number: '.' thousands, ',' decimals. Returns (number, error)."""
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        return None, f"'{value}' không phải là số"
    if isinstance(value, (int, float)):
        return float(value), None
    s = clean_text(value).replace(" ", "").rstrip("%")
    if _THOUSANDS.match(s):
        return float(s.replace(".", "").replace(",", ".")), None
    if _DECIMAL_COMMA.match(s):
        return float(s.replace(",", ".")), None
    if _PLAIN.match(s):
        return float(s), None
    return None, f"'{show(value)}' không phải là số"


def parse_count(value: object) -> tuple[int | None, str | None]:
    """A count of units or people: a whole number ≥ 0. Never guessed: 2.5 or -1 is an error."""
    num, err = parse_number(value)
    if err or num is None:
        return None, err
    if num < 0:
        return None, f"số lượng âm ({show(value)})"
    if not float(num).is_integer():
        hint = ""
        if isinstance(value, float) and round(num * 1000, 6).is_integer():
            hint = f" — nếu ý là {int(round(num * 1000)):,} thì gõ lại dạng văn bản '{show(value)}'".replace(",", ".")
        return None, f"số lượng không phải số nguyên ({show(value)}){hint}"
    return int(num), None


def parse_year(value: object, first: int = 2010, last: int | None = None) -> tuple[int | None, str | None]:
    if is_blank(value):
        return None, "thiếu năm đánh giá"
    if isinstance(value, (_dt.date, _dt.datetime)):
        value = value.year
    num, err = parse_number(str(value).replace(".", "") if isinstance(value, str) else value)
    if err or num is None or not float(num).is_integer():
        return None, f"năm '{show(value)}' không hợp lệ"
    last = last or _dt.date.today().year
    year = int(num)
    if not first <= year <= last:
        return None, f"năm {year} nằm ngoài khoảng {first}–{last}"
    return year, None


_TRUE = {"co", "x", "1", "true", "yes", "dung", "bi ky luat", "co ky luat", "la"}
_FALSE = {"khong", "0", "false", "no", "sai", "-", "khong bi ky luat", "khong co"}


def parse_bool(value: object) -> tuple[bool | None, str | None]:
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value), None
    key = search_key(value)
    if key in _TRUE:
        return True, None
    if key in _FALSE:
        return False, None
    return None, f"'{show(value)}' không phải Có/Không"


def parse_exemplary(value: object) -> tuple[bool | None, str | None]:
    """The column "Tiêu biểu" of a collective rating: Có/Không as parse_bool, or the word itself ("Tiêu biểu")."""
    if not is_blank(value) and isinstance(value, str) and search_key(value) == EXEMPLARY:
        return True, None
    return parse_bool(value)


# ───────────────────────────── rating labels ─────────────────────────────

@dataclass(frozen=True)
class Label:
    level: int | None           # 1..4, None when not rated
    not_rated_reason: str | None
    exemplary: bool = False     # the label carries the commendation "tiêu biểu" (domain.md §4: not a level)


# Words written in front of a level that do not change it: "Đảng bộ (chi bộ) hoàn thành tốt nhiệm vụ",
# "Đảng viên đủ tư cách …", "Xếp loại: …".
_LABEL_PREFIXES = [
    "dang bo chi bo", "chi bo dang bo", "to chuc co so dang", "dang bo co so", "chi bo co so", "dang bo",
    "chi bo", "dang vien", "tap the", "ca nhan", "xep loai chat luong", "xep loai", "muc",
    "dat", "duoc xep loai", "xep",
]
_LABEL_SUFFIXES = ["tieu bieu", "5 nam lien", "nam nam lien"]
EXEMPLARY = "tieu bieu"     # the suffix that is the commendation "tiêu biểu", kept as Label.exemplary


@functools.lru_cache(maxsize=1)
def _label_table() -> dict[str, Label]:
    table: dict[str, Label] = {}
    with open(REFERENCE_DIR / "level_labels.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            level = int(row["level"]) if row["level"] else None
            table[search_key(row["label"])] = Label(level, row["not_rated_reason"] or None)
    return table


def _strip_affixes(key: str) -> tuple[str, set[str]]:
    """The key without the words around a level, and the suffixes (commendations) taken off."""
    changed = True
    taken: set[str] = set()
    while changed:
        changed = False
        for p in _LABEL_PREFIXES:
            if key.startswith(p + " "):
                key, changed = key[len(p) + 1:], True
        for suf in _LABEL_SUFFIXES:
            if key.endswith(" " + suf):
                key, changed = key[: -len(suf) - 1], True
                taken.add(suf)
    return key, taken


def parse_label(value: object) -> tuple[Label | None, str | None]:
    """Any label of domain.md §4 → Label(level 1..4 or None with a not-rated reason). A label written with the
    commendation "tiêu biểu" ("Trong sạch vững mạnh tiêu biểu", "Hoàn thành xuất sắc nhiệm vụ (tiêu biểu)") gives its
    level and exemplary=True: the mark is a commendation, kept so that commendations can be audited. "5 năm liền" is
    taken off without a mark (the five-year lists are computed from the ratings)."""
    if is_blank(value):
        return None, "thiếu xếp loại"
    if isinstance(value, (int, float)) and float(value) in (1, 2, 3, 4):
        return Label(int(value), None), None
    if isinstance(value, str) and value.strip() in ("1", "2", "3", "4"):     # the same level typed as text (a CSV)
        return Label(int(value.strip()), None), None
    table = _label_table()
    key = search_key(value)
    if key in table:
        return table[key], None
    stripped, taken = _strip_affixes(key)
    if stripped in table:
        found = table[stripped]
        return (Label(found.level, found.not_rated_reason, True) if EXEMPLARY in taken else found), None
    return None, f"không nhận ra mức xếp loại '{show(value)}'"


# ───────────────────────────── subjects, tree levels ─────────────────────────────

@functools.lru_cache(maxsize=1)
def _alias_table(filename: str) -> dict[str, str]:
    table: dict[str, str] = {}
    with open(REFERENCE_DIR / filename, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            table[row["code"]] = row["code"]
            table[search_key(row["name"])] = row["code"]
            for alias in (row.get("aliases") or "").split("|"):
                if alias.strip():
                    table[search_key(alias)] = row["code"]
    return table


def parse_subject(value: object) -> tuple[str | None, str | None]:
    """Subject code from a code or a Vietnamese name ('dang_vien', 'Đảng viên', 'TCCSĐ', …)."""
    if is_blank(value):
        return None, "thiếu đối tượng"
    raw = str(value).strip()
    table = _alias_table("subjects.csv")
    if raw in table:
        return table[raw], None
    key = search_key(raw)
    if key in table:
        return table[key], None
    return None, (f"không nhận ra đối tượng '{show(value)}' (dùng: tccsd, chi_bo, cap_uy, tap_the_lanh_dao, "
                  "dang_vien, can_bo_lanh_dao hoặc tên tiếng Việt)")


def parse_tree_level(value: object) -> tuple[str | None, str | None]:
    if is_blank(value):
        return None, None
    table = _alias_table("tree_levels.csv")
    raw = str(value).strip()
    code = table.get(raw) or table.get(search_key(raw))
    if code:
        return code, None
    return None, f"không nhận ra cấp tổ chức '{show(value)}'"


# Captions of report tables name their subject in prose ("+ Kết quả xếp loại cấp ủy cơ sở:"). Most specific first.
_CAPTION_SUBJECTS = [
    ("tap the lanh dao", "tap_the_lanh_dao"),
    ("can bo lanh dao", "can_bo_lanh_dao"),
    ("cap uy", "cap_uy"),
    ("chi uy", "cap_uy"),
    ("chi bo truc thuoc", "chi_bo"),
    ("dang bo bo phan", "chi_bo"),
    ("to chuc co so dang", "tccsd"),
    ("tccsd", "tccsd"),
    ("dang vien", "dang_vien"),
]


def subject_from_caption(text: str) -> str | None:
    """The subject a caption names, or None when it names none or more than one."""
    key = f" {search_key(text)} "
    found = []
    for phrase, code in _CAPTION_SUBJECTS:
        if f" {phrase} " in key:
            found.append(code)
            key = key.replace(f" {phrase} ", " | ")
    found = list(dict.fromkeys(found))
    return found[0] if len(found) == 1 else None


_REMEDY = {
    "da khac phuc": "da_khac_phuc", "khac phuc xong": "da_khac_phuc", "hoan thanh": "da_khac_phuc",
    "dang khac phuc": "dang_khac_phuc", "khac phuc mot phan": "dang_khac_phuc", "dang thuc hien": "dang_khac_phuc",
    "chua khac phuc": "chua_khac_phuc", "chua": "chua_khac_phuc", "chua thuc hien": "chua_khac_phuc",
}


def parse_remedy(value: object) -> str | None:
    """Remediation status, or None when the text says something else (kept raw in the warehouse)."""
    if is_blank(value):
        return None
    key = search_key(value)
    for phrase, code in sorted(_REMEDY.items(), key=lambda kv: -len(kv[0])):
        if key == phrase or key.startswith(phrase + " "):
            return code
    return None
