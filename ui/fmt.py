"""Vietnamese formatting of numbers, shares and dates: "2.208", "18,5%", "+1,2 điểm %", "02/02/2023".

Plain functions, no Streamlit: pages and charts call them, tests call them directly.
"""
from __future__ import annotations

import datetime as dt

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
