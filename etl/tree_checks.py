"""Checks of the organization tree over time: unit versions and lineage events (merge, split, rename, move).

Each check returns (row index, column header, reason) for rows of a checked frame that cannot be loaded; the loader
turns them into rejected rows. Nothing here writes.
"""
from __future__ import annotations

import pandas as pd

from etl.validate import Registry

Problem = tuple[int, str, str]


def _span(first, last) -> str:
    return f"{first if first is not None else '…'}–{last if last is not None else 'nay'}"


def overlapping_versions(units: pd.DataFrame) -> list[Problem]:
    """One code, two versions alive in the same year: the code would name two units at once."""
    problems: list[Problem] = []
    for code, grp in units.groupby("unit_code"):
        if len(grp) < 2:
            continue
        spans = [(i, r["first_year"], r["last_year"], r["_row"]) for i, r in grp.iterrows()]
        clash = set()
        for a in range(len(spans)):
            for b in range(a + 1, len(spans)):
                _, f1, l1, _ = spans[a]
                _, f2, l2, _ = spans[b]
                lo1, hi1 = f1 if f1 is not None else -1, l1 if l1 is not None else 10**4
                lo2, hi2 = f2 if f2 is not None else -1, l2 if l2 is not None else 10**4
                if lo1 <= hi2 and lo2 <= hi1:
                    clash |= {a, b}
        if clash:
            desc = "; ".join(f"dòng {spans[k][3]}: {_span(spans[k][1], spans[k][2])}" for k in sorted(clash))
            for k in sorted(clash):
                problems.append((spans[k][0], "Từ năm",
                                 f"mã {code} có hai thời gian tồn tại chồng nhau ({desc}) — một mã chỉ chỉ một đơn "
                                 "vị tại một thời điểm"))
    return problems


def orphaned_ratings(units: pd.DataFrame, rating_years: pd.DataFrame, reg: Registry) -> list[Problem]:
    """A new life for a code that leaves ratings already in the warehouse outside it."""
    problems: list[Problem] = []
    if rating_years.empty:
        return problems
    years = rating_years.groupby("unit_code")["year"].apply(sorted).to_dict()
    for i, r in units.iterrows():
        code = r["unit_code"]
        outside = [y for y in years.get(code, []) if not reg.alive(code, int(y))]
        if outside:
            problems.append((i, "Đến năm", f"kho đã có xếp loại của {code} năm {', '.join(map(str, outside))}, "
                                           f"ngoài thời gian tồn tại mới ({reg.life_text(code)})"))
    return problems


def lineage_problems(events: pd.DataFrame, existing: pd.DataFrame, reg: Registry) -> list[Problem]:
    """Lineage events the tree over time contradicts, in linear time: the earlier merge of a reused code is looked up
    in a dict instead of filtering every event per event."""
    problems = []
    rows = list(zip(events.index, events["year"], events["old_code"], events["new_code"], events["event"]))
    for i, y, old, new, kind in rows:
        y = int(y)
        if not reg.alive(new, y):
            problems.append((i, "Mã đơn vị mới", f"đơn vị mới {new} không tồn tại trong năm {y} "
                                                 f"(thời gian tồn tại: {reg.life_text(new)})"))
        elif not reg.alive(old, y - 1):
            problems.append((i, "Mã đơn vị cũ", f"đơn vị cũ {old} không tồn tại trong năm {y - 1}, trước sự kiện "
                                                f"(thời gian tồn tại: {reg.life_text(old)})"))
        elif old != new and kind in ("sap_nhap", "doi_ten", "chuyen_cap_tren") and reg.alive(old, y):
            problems.append((i, "Mã đơn vị cũ", f"đơn vị cũ {old} vẫn tồn tại trong năm {y} — ghi 'Đến năm' là "
                                                f"{y - 1} trong danh mục đơn vị"))
    every = pd.concat([existing[["year", "old_code", "new_code", "event"]],
                       events[["year", "old_code", "new_code", "event"]]], ignore_index=True)
    gone: dict = {}
    for y, old, new, kind in zip(every["year"], every["old_code"], every["new_code"], every["event"]):
        if kind == "sap_nhap" and old != new:
            gone.setdefault(old, []).append((y, new))
    for i, y, old, new, kind in rows:
        earlier = next(((gy, gn) for gy, gn in gone.get(new, ()) if gy < y), None)
        if earlier:
            problems.append((i, "Mã đơn vị mới", f"mã {new} đã sáp nhập vào {earlier[1]} năm {earlier[0]}"
                                                 " — không dùng lại mã cũ cho đơn vị mới"))
    edges: dict[str, set[str]] = {}
    for old, new in zip(every["old_code"], every["new_code"]):
        if old != new:
            edges.setdefault(old, set()).add(new)
    on_cycle = _cycle_nodes(edges)
    for i, y, old, new, kind in rows:
        if old in on_cycle and new in on_cycle and old != new:
            problems.append((i, "Mã đơn vị mới", f"sự kiện tạo vòng lặp giữa các đơn vị: {' → '.join(on_cycle[old])}"))
    return problems


def _cycle_nodes(edges: dict[str, set[str]]) -> dict[str, list[str]]:
    """Nodes on a cycle, each with one cycle through it (iterative DFS, so deep chains do not overflow)."""
    color: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    for start in list(edges):
        if color.get(start):
            continue
        stack = [(start, iter(sorted(edges.get(start, ()))))]
        path = [start]
        color[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                color[node] = 2
                stack.pop()
                path.pop()
            elif color.get(nxt) == 1:
                cyc = path[path.index(nxt):] + [nxt]
                for n in cyc[:-1]:
                    found.setdefault(n, cyc)
            elif not color.get(nxt):
                color[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(sorted(edges.get(nxt, ())))))
    return found
