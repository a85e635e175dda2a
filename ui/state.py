"""Filter state and the URL: what the sidebar selects, how it is written into and read back from query parameters.

No Streamlit here (ui/controls.py does the widgets): the rules are plain functions, so a test can check that a link
reproduces a view without starting the app. Parameter names are Vietnamese words without diacritics, values are codes
(unit codes, subject codes, years), so a link is short and stays valid when a name is corrected.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Collection, Mapping, Sequence
from urllib.parse import quote, urlencode

import pandas as pd

from etl.normalize import search_key

KEY_UNIT = "don_vi"
KEY_FROM = "tu_nam"
KEY_TO = "den_nam"
KEY_SUBJECT = "doi_tuong"
KEY_VIEW = "co_cau"
GLOBAL_KEYS = (KEY_UNIT, KEY_FROM, KEY_TO, KEY_SUBJECT, KEY_VIEW)

# Two views of history (issue: trends that survive reorganizations). 'nhu_bao_cao': each year in the tree of that
# year. 'cau_truc_hien_tai': every year mapped onto the units alive in the last year of the chosen range.
VIEW_REPORTED = "nhu_bao_cao"
VIEW_TODAY = "cau_truc_hien_tai"
VIEWS = (VIEW_REPORTED, VIEW_TODAY)

# Where the unit profile lives (app.py registers the page under this path; every unit name links there).
PROFILE_PAGE = "pages/unit_profile.py"
PROFILE_URL = "unit_profile"    # Streamlit's URL of pages/unit_profile.py (see app.py)


@dataclass(frozen=True)
class Options:
    """What the warehouse offers: unit codes (a set at run time: a filter only asks whether a code is one of them),
    years with data, subject codes with data."""
    units: Collection[str] = ()
    years: tuple[int, ...] = ()
    subjects: tuple[str, ...] = ()
    default_unit: str | None = None


@dataclass(frozen=True)
class Filters:
    unit: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    subject: str | None = None     # None = every subject
    view: str = VIEW_REPORTED      # see VIEWS

    @property
    def structure_year(self) -> int | None:
        """The year whose organization tree the 'today's structure' view maps earlier years onto."""
        return self.year_to if self.view == VIEW_TODAY else None

    def params(self) -> dict[str, str]:
        """The query parameters that reproduce this view (every global filter, explicit)."""
        out = {}
        if self.unit:
            out[KEY_UNIT] = self.unit
        if self.year_from is not None:
            out[KEY_FROM] = str(self.year_from)
        if self.year_to is not None:
            out[KEY_TO] = str(self.year_to)
        if self.subject:
            out[KEY_SUBJECT] = self.subject
        out[KEY_VIEW] = self.view      # always written: a link must not inherit a stale view from the address
        return out

    def years(self, available: Sequence[int]) -> list[int]:
        return [y for y in available if self.year_from <= y <= self.year_to] \
            if self.year_from is not None and self.year_to is not None else list(available)


def defaults(options: Options) -> Filters:
    years = sorted(options.years)
    return Filters(unit=options.default_unit or (next(iter(options.units), None)),
                   year_from=years[0] if years else None, year_to=years[-1] if years else None, subject=None)


def _single(value) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _year(value, years: Sequence[int]) -> int | None:
    try:
        y = int(str(value))
    except (TypeError, ValueError):
        return None
    if not years:
        return None
    return min(max(y, min(years)), max(years))   # a year outside the data is brought to the nearest year with data


def apply(params: Mapping[str, object], options: Options, base: Filters | None = None) -> Filters:
    """Filters from query parameters: each valid parameter replaces the value of `base` (the defaults when None).

    Invalid values (an unknown unit, a subject without data, a word where a year is expected) are ignored, so a stale
    or mistyped link still opens a sensible view.
    """
    f = base or defaults(options)
    unit = _single(params.get(KEY_UNIT))
    if unit is not None and unit in options.units:
        f = replace(f, unit=unit)
    subject = _single(params.get(KEY_SUBJECT))
    if subject is not None and subject in options.subjects:
        f = replace(f, subject=subject)
    y0 = _year(_single(params.get(KEY_FROM)), options.years)
    y1 = _year(_single(params.get(KEY_TO)), options.years)
    if y0 is not None:
        f = replace(f, year_from=y0)
    if y1 is not None:
        f = replace(f, year_to=y1)
    view = _single(params.get(KEY_VIEW))
    if view in VIEWS:
        f = replace(f, view=view)
    return normalize(f, options)


def normalize(f: Filters, options: Options) -> Filters:
    """Bring a state back inside what the warehouse offers (after a load changed it, or from a bad link)."""
    d = defaults(options)
    unit = f.unit if f.unit in options.units else d.unit
    subject = f.subject if f.subject in options.subjects else None
    y0 = _year(f.year_from, options.years) if f.year_from is not None else d.year_from
    y1 = _year(f.year_to, options.years) if f.year_to is not None else d.year_to
    if y0 is not None and y1 is not None and y0 > y1:
        y0, y1 = y1, y0
    return Filters(unit=unit, year_from=y0, year_to=y1, subject=subject,
                   view=f.view if f.view in VIEWS else VIEW_REPORTED)


def grow_years(f: Filters, before: Sequence[int], now: Sequence[int]) -> Filters:
    """A range that covered every year the warehouse had keeps covering every year after a load adds one (a user
    who chose part of the range keeps that part)."""
    if not before or not now or tuple(before) == tuple(now):
        return f
    if f.year_from == min(before) and f.year_to == max(before):
        return replace(f, year_from=min(now), year_to=max(now))
    return f


def changed_in_url(url: Mapping[str, object], written: Mapping[str, str], keys: Collection[str]) -> dict[str, str]:
    """The parameters the user changed in the address (a link followed, back/forward, an edited URL).

    A key missing from the URL is *not* a change: Streamlit drops query parameters when one moves between pages,
    and the app writes them back on the next run.
    """
    out = {}
    for k in keys:
        v = _single(url.get(k))
        if v is not None and v != written.get(k):
            out[k] = v
    return out


def link(url_path: str, params: Mapping[str, object]) -> str:
    """Relative link to a page with query parameters ("ho-so-don-vi?don_vi=X1&tu_nam=2019")."""
    clean = {k: v for k, v in params.items() if v is not None and v != ""}
    return f"{url_path}?{urlencode(clean, quote_via=quote)}" if clean else url_path


def profile_link(unit_code: str, filters: Filters | None = None, name: str | None = None) -> str:
    """Link to a unit's profile keeping the other filters. With `name`, the name is appended as a last parameter that
    the app ignores, so a table's link column can show it (LinkColumn display_text=NAME_IN_LINK)."""
    params = dict((filters or Filters()).params())
    params[KEY_UNIT] = unit_code
    url = link(PROFILE_URL, params)
    if name:
        url += ("&" if "?" in url else "?") + "ten=" + name   # display only; browsers encode it when followed
    return url


NAME_IN_LINK = r"[?&]ten=(.*)$"   # regex for st.column_config.LinkColumn(display_text=…)


# ───────────── unit search ─────────────

def search_mask(name_keys: pd.Series, codes: pd.Series, text: str | None) -> pd.Series:
    """Which units match what the user typed: with or without diacritics, any case, words in any order.

    "hoa binh" finds "Đảng bộ xã Hòa Bình"; "binh hoa" too; a unit code typed exactly finds that unit.
    """
    key = search_key(text or "")
    if not key:
        return pd.Series(True, index=name_keys.index)
    words = key.split()
    mask = pd.Series(True, index=name_keys.index)
    for w in words:
        mask &= name_keys.fillna("").str.contains(w, regex=False)
    return mask | (codes.astype(str).str.lower() == str(text).strip().lower())
