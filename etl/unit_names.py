"""Unit names matched to the catalogue as a person would: forms without codes name their units as people write them
("ĐB Cơ quan Huyện ủy …", "Đảng bộ Thị trấn …", "Xã An Phú").

Built on the Registry of etl/validate.py (the warehouse's units and those of the same load) and etl/normalize's
search_key. Three tiers, the first that finds a unit wins, so a looser tier can never override an exact name:
  1. the search key of any name the unit has had (every version in the catalogue, not only the latest);
  2. the same with abbreviations written out (data/reference/unit_abbreviations.csv: ĐB = Đảng bộ, TT = Thị trấn
     or Trung tâm, UBND …) on both sides;
  3. the same without the kind of organization in front ("Xã An Phú" for "Đảng bộ xã An Phú").
Within a tier, units that do not exist in the evaluation year give way to those that do, and a unit renamed under a
new code (lineage event doi_ten) leads to its successor. A name that finds nothing, or two units, is an error that
lists the candidates — never a guess — and ends with PICK (asks_for_unit tells such a reason apart): the import page
then lets the clerk pick the unit, remembered as an alias (table unit_aliases, etl/aliases.py; Registry.aliases:
search key → code). An alias of the name exactly as keyed comes before the three tiers (it wins over an ambiguity),
and is still held to the unit's years.
"""
from __future__ import annotations

import csv
import functools
import itertools

from etl import normalize as nz

MAX_VARIANTS = 64          # a name of many abbreviations: enough spellings to match, not a combinatorial blow-up
# Words that say which kind of organization a name is; tier 3 compares names without them.
KIND_WORDS = ("to chuc co so dang", "dang bo co so", "chi bo co so", "dang bo bo phan", "chi bo truc thuoc",
              "dang bo", "chi bo", "dang uy")
# Ends the reason of a name that matched no unit or two units: the import page recognises it (asks_for_unit) and offers
# to pick the unit (ui/alias_picker.py).
PICK = " [chọn đơn vị cho tên này ở trang Nhập dữ liệu để ghi nhớ]"


def asks_for_unit(reason: object) -> bool:
    """A reject's reason says that a name matched no unit or two units (a clerk may pick the unit)."""
    return isinstance(reason, str) and PICK in reason


@functools.lru_cache(maxsize=1)
def abbreviations() -> dict[str, tuple[str, ...]]:
    """Search key of a short form → the search keys it may stand for."""
    table: dict[str, list[str]] = {}
    with open(nz.REFERENCE_DIR / "unit_abbreviations.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            short, long = nz.search_key(row["short"]), nz.search_key(row["long"])
            if short and long and long not in table.setdefault(short, []):
                table[short].append(long)
    return {k: tuple(v) for k, v in table.items()}


def spellings(key: str) -> set[str]:
    """The search key with each abbreviation kept or written out (every combination, up to MAX_VARIANTS)."""
    table = abbreviations()
    options = [(tok, *table.get(tok, ())) for tok in key.split()]
    out = set()
    for combo in itertools.islice(itertools.product(*options), MAX_VARIANTS):
        out.add(" ".join(combo))
    return out


def without_kind(key: str) -> str:
    for word in KIND_WORDS:
        if key.startswith(word + " "):
            return key[len(word) + 1:]
    return key


class NameIndex:
    """Every name of every unit of a Registry, by tier. Built once per registry state (Registry.add resets it)."""

    def __init__(self, registry) -> None:
        self.tiers: list[dict[str, set[str]]] = [{}, {}, {}]
        for code, info in registry.units.items():
            for name in info.get("names") or [info["name"]]:
                key = nz.search_key(name)
                self.tiers[0].setdefault(key, set()).add(code)
                for s in spellings(key):
                    self.tiers[1].setdefault(s, set()).add(code)
                    self.tiers[2].setdefault(without_kind(s), set()).add(code)

    def lookup(self, name: object) -> list[set[str]]:
        key = nz.search_key(name)
        variants = spellings(key)
        found = [set(self.tiers[0].get(key, ()))]
        found.append(set().union(*(self.tiers[1].get(s, set()) for s in variants)))
        found.append(set().union(*(self.tiers[2].get(without_kind(s), set()) for s in variants)))
        return found


def name_index(registry) -> NameIndex:
    if registry._name_index is None:
        registry._name_index = NameIndex(registry)
    return registry._name_index


def describe(registry, code: str) -> str:
    info = registry.units.get(code, {})
    parent = info.get("parent_code")
    pname = registry.units.get(parent, {}).get("name") if parent else None
    return (f"{code} ({info.get('name', '?')}" + (f", thuộc {pname}" if pname else "")
            + f", {registry.life_text(code)})")


def resolve(registry, name: object, year: int | None) -> tuple[str | None, str | None]:
    """(unit code, None) or (None, Vietnamese reason with the candidates)."""
    if nz.is_blank(name):
        return None, "thiếu tên đơn vị"
    shown = nz.show(name)
    alias = (getattr(registry, "aliases", None) or {}).get(nz.search_key(name))
    if alias is not None and alias in registry.units:      # a name a clerk taught (etl/aliases.py)
        alive = [alias] if year is None or registry.alive(alias, year) else sorted(
            {new for y, new in registry.renames.get(alias, ()) if y <= year and registry.alive(new, year)})
        if len(alive) == 1:
            return alive[0], None
        return None, (f"tên '{shown}' được ghi nhớ là {describe(registry, alias)} — không tồn tại trong năm {year}")
    for codes in name_index(registry).lookup(name):
        if not codes:
            continue
        alive = sorted(c for c in codes if year is None or registry.alive(c, year))
        if not alive:       # a name of a unit renamed under a new code: its successor in that year
            alive = sorted({new for c in codes for y, new in registry.renames.get(c, ())
                            if (year is None or y <= year) and registry.alive(new, year)})
        if len(alive) == 1:
            return alive[0], None
        if len(alive) > 1:
            return None, (f"tên '{shown}' khớp với nhiều đơn vị: " + "; ".join(describe(registry, c) for c in alive)
                          + " — không biết là đơn vị nào, không nạp; sửa tên trên biểu cho rõ" + PICK)
        return None, (f"tên '{shown}' là của " + "; ".join(describe(registry, c) for c in sorted(codes))
                      + f" — không tồn tại trong năm {year}")
    near = nearest(registry, name, year)
    hint = ("; gần giống: " + "; ".join(describe(registry, c) for c in near)) if near else \
        "; danh mục không có tên nào gần giống"
    return None, f"không tìm thấy đơn vị tên '{shown}' trong danh mục đơn vị{hint}{PICK}"


def nearest(registry, name: object, year: int | None, limit: int = 3) -> list[str]:
    """Candidates for a name that matches nothing: the closest names (written out, without the kind of unit)."""
    from rapidfuzz import fuzz, process
    idx = name_index(registry)
    wanted = {without_kind(s) for s in spellings(nz.search_key(name))}
    scores: dict[str, float] = {}
    keys = list(idx.tiers[2])
    for w in wanted:
        for key, score, _ in process.extract(w, keys, scorer=fuzz.token_sort_ratio, limit=limit * 3,
                                             score_cutoff=60):
            for code in idx.tiers[2][key]:
                if year is None or registry.alive(code, year):
                    scores[code] = max(scores.get(code, 0), score)
    return [c for c, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
