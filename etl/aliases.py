"""Unit names a clerk taught the loader: the one place that writes table unit_aliases.

A form without codes names its units as people write them (etl/unit_names.py). A name that matches no unit, or two
units, is rejected with the candidates; on the import page (ui/alias_picker.py) the clerk picks the unit it means and
the name is remembered here — keyed by etl.normalize.search_key of the name as written, so the same name in any
spelling of accents and case finds it — and from then on the loader's registry (etl/unit_registry.py) resolves it to that
unit, before any forgiving matching. The unit's years still hold: an alias to a unit that did not exist in the form's
year is rejected with that reason.

Writing an alias is a write of the warehouse like a load (etl/warehouse.writing: a private copy, published whole); it
changes no rating, so nothing derived is recomputed (derived_hint: no unit, no year). Aliases are never touched by a
load or an undo, so they survive reloads. The page logs each one in the audit log (action 'ghi_nho_ten_don_vi').
No Streamlit here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from etl import normalize as nz
from etl import unit_names, unit_registry, warehouse


class AliasError(Exception):
    """A Vietnamese message: the alias cannot be remembered as given."""


@dataclass(frozen=True)
class Alias:
    alias_key: str
    alias: str
    unit_code: str
    unit_name: str


def remember(db, alias: str, unit_code: str, user: str) -> Alias:
    """Remember that `alias` (a unit name as a form writes it) means unit `unit_code`; an alias already kept for the
    same search key is replaced. Raises AliasError (nothing written) for an empty name, a code the catalogue does not
    have, or a name that already is exactly the catalogue name of one other unit."""
    shown = nz.clean_text(alias) if not nz.is_blank(alias) else ""
    key = nz.search_key(shown)
    if not key:
        raise AliasError("Tên đơn vị trống — không có gì để ghi nhớ.")
    code = nz.clean_text(unit_code) if not nz.is_blank(unit_code) else ""
    if not code:
        raise AliasError(f"Chưa chọn đơn vị cho tên '{shown}'.")
    with warehouse.writing(db) as con:
        rows = con.execute("SELECT DISTINCT unit_code FROM unit_versions WHERE lower(unit_code) = lower(?)",
                           [code]).fetchall()
        exact = [r[0] for r in rows if r[0] == code]
        if not exact and len(rows) != 1:
            raise AliasError(f"Không có đơn vị mã '{code}' trong danh mục đơn vị — không ghi nhớ tên '{shown}'.")
        code = exact[0] if exact else rows[0][0]
        owners = [r[0] for r in con.execute("SELECT DISTINCT unit_code FROM unit_versions WHERE name_key = ?",
                                            [key]).fetchall()]
        if len(owners) == 1 and owners[0] != code:
            raise AliasError(f"'{shown}' đã là tên của đơn vị {owners[0]} trong danh mục — không ghi nhớ tên này "
                             f"cho đơn vị {code}.")
        name = con.execute("SELECT name FROM unit_versions WHERE unit_code = ? "
                           "ORDER BY coalesce(first_year, 0) DESC LIMIT 1", [code]).fetchall()[0][0]
        con.execute("INSERT OR REPLACE INTO unit_aliases VALUES (?, ?, ?, ?, ?)",
                    [key, shown, code, dt.datetime.now(), " ".join(str(user or "").split()) or "ẩn danh"])
        # no rating changed: nothing derived to recompute (derive/ reads the hint)
        con.execute("CREATE OR REPLACE TEMP TABLE derived_hint AS "
                    "SELECT false AS units_changed, []::INTEGER[] AS years")
    return Alias(key, shown, code, name)


def listing(db) -> pd.DataFrame:
    """Every remembered name, with the unit it means."""
    con = warehouse.connect_readonly(db)
    try:
        return con.execute("SELECT a.alias, a.unit_code, u.name AS unit_name, a.created_at, a.created_by "
                           "FROM unit_aliases a LEFT JOIN units u USING (unit_code) ORDER BY a.alias_key").df()
    finally:
        con.close()


# ───────────── what the import page offers ─────────────

@dataclass(frozen=True)
class Unresolved:
    """A name rejected as matching no unit or two units, once per search key, with where it was written."""
    key: str
    name: str                   # as written (the reject's value)
    ambiguous: bool             # two units or more; else none
    candidates: tuple[str, ...]
    places: tuple[str, ...]     # "file, trang …, dòng …"


def registry(db):
    """The loader's registry of the warehouse as it is now (units, renames, aliases), read-only."""
    return unit_registry.registry_of(db)


def candidates(reg, name: object, limit: int = 5) -> tuple[bool, list[str]]:
    """(ambiguous, candidate codes) for a rejected name: the units of the first tier that finds any (ambiguous), else
    the nearest names (etl/unit_names.py) — in any year: the clerk picks, the load still checks the years."""
    for codes in unit_names.name_index(reg).lookup(name):
        if len(codes) > 1:
            return True, sorted(codes)
        if codes:
            return False, sorted(codes)
    return False, unit_names.nearest(reg, name, None, limit)


def unresolved(res, reg) -> list[Unresolved]:
    """The names of a check (etl.load_result.LoadResult) rejected because they matched no unit or two units
    (unit_names.asks_for_unit), in the order first met."""
    found: dict[str, dict] = {}
    for f in res.files:
        for r in f.rejects:
            if not unit_names.asks_for_unit(r.reason) or nz.is_blank(r.value) or f"'{r.value}'" not in r.reason:
                continue
            key = nz.search_key(r.value)
            if not key:
                continue
            item = found.setdefault(key, {"name": r.value, "places": []})
            item["places"].append(r.place())
    out = []
    for key, item in found.items():
        ambiguous, cands = candidates(reg, item["name"])
        out.append(Unresolved(key, item["name"], ambiguous, tuple(cands), tuple(item["places"])))
    return out
