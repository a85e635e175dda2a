"""Vietnamese formatting of numbers, shares and dates: "2.208", "18,5%", "+1,2 điểm %", "02/02/2023"; and loaded text
(names of units, members, files …) made safe to write into Markdown (`plain`).

Plain functions, no Streamlit: pages and charts call them, tests call them directly.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

DASH = "—"
# Plotly's layout.separators: decimal mark first, then the thousands separator.
PLOTLY_SEPARATORS = ",."


def _missing(x) -> bool:
    """None, NaN and pandas' NA (DuckDB's nullable integers come back as pd.NA)."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def number(x, digits: int = 0) -> str:
    """2208 → "2.208"; 12.5 with digits=1 → "12,5"; None/NaN → "—"."""
    if _missing(x):
        return DASH
    s = f"{float(x):,.{digits}f}" if digits else f"{round(float(x)):,d}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def pct(share, digits: int = 1) -> str:
    """0.185 → "18,5%"; None/NaN → "—"."""
    if _missing(share):
        return DASH
    return number(100 * float(share), digits) + "%"


def delta_points(diff, digits: int = 1) -> str:
    """A change of share in percentage points: 0.012 → "+1,2 điểm %", -0.004 → "−0,4 điểm %"."""
    if _missing(diff):
        return DASH
    v = round(100 * float(diff), digits)
    if v == 0:
        return "không đổi"
    sign = "+" if v > 0 else "−"
    return f"{sign}{number(abs(v), digits)} điểm %"


def date(value) -> str:
    """dd/mm/yyyy from a date, datetime or ISO string; "" for nothing."""
    d = _as_datetime(value)
    return d.strftime("%d/%m/%Y") if d else ""


def datetime(value) -> str:
    """dd/mm/yyyy HH:MM."""
    d = _as_datetime(value)
    if not d:
        return ""
    if isinstance(d, dt.datetime):
        return d.strftime("%d/%m/%Y %H:%M")
    return d.strftime("%d/%m/%Y")


def _as_datetime(value):
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def year_span(first, last) -> str:
    """The years a unit existed: "2017–2024", "từ 2025", "đến 2024", "" when unknown."""
    f, la = (None if _missing(first) else int(first)), (None if _missing(last) else int(last))
    if f and la:
        return f"{f}–{la}" if f != la else str(f)
    if f:
        return f"từ {f}"
    if la:
        return f"đến {la}"
    return ""


# ───────────── loaded text inside Markdown ─────────────
# Streamlit reads Markdown in st.markdown / caption / write / info … / title / subheader, in widget and button labels,
# expander and tab labels, metric labels, radio and segmented-control options and help tooltips: a unit named
# "X ![i](http://…/track.png)" there made every viewer's browser fetch that address. Any ASCII punctuation mark may be
# escaped with a backslash (CommonMark 2.4); escaped here are those that can start something anywhere in a line —
# emphasis (* _), code (`), links and images ([ ]), raw HTML and <autolinks> (<), strikethrough (~), tables (|), math
# ($), Streamlit's :color[…] ([) — and those that only count where a line starts (# > - + and "1." or "1)": a heading,
# a quote, a list). "_" between two letters or digits cannot emphasize and stays (file names such as
# so_luong_2021.csv read as they are); ( ) . , ' " ! stay too (names are full of them).
# Three things are found in the text after the Markdown is read, where a backslash no longer counts: bare addresses
# made links (http://…, www.…, a@b.vn) and Streamlit's :material/…: icons. An invisible WORD JOINER (U+2060) after
# each ":", after "www" and before "@" breaks them and shows nothing.
_MD_ESCAPE = re.compile(r"[\\`*\[\]<~|$]|(?<![^\W_])_|_(?![^\W_])")
_MD_FOUND_AFTER = re.compile(r"(:)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
_MD_LINE_START = re.compile(r"^([#>+-]|\d+(?=[.)]))")
JOINER = "\u2060"


def plain(text) -> str:
    """Loaded text (a unit's, a member's or a file's name, a shortcoming's wording …) to write into Markdown: shown as
    typed, never read as Markdown. One line without spaces around it (a line break would start a new block, four
    leading spaces a code block); None → ""."""
    if text is None or _missing(text):
        return ""
    s = _MD_ESCAPE.sub(lambda m: "\\" + m.group(0), " ".join(str(text).split("\n")).replace("\r", " ").strip())
    s = _MD_FOUND_AFTER.sub(lambda m: (m.group(1) or "") + JOINER, s)
    m = _MD_LINE_START.match(s)
    if m:
        lead = m.group(1)
        s = (lead + "\\" if lead[0].isdigit() else "\\" + lead) + s[m.end():]
    return s
