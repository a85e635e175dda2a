"""Shares and tables computed from query results: plain pandas, no Streamlit, no SQL.

Counts come from queries (columns htxs, htt, ht, khtnv, total, not_rated); everything here turns them into shares,
changes, matrices and display tables with Vietnamese formatting.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from vocab import fmt
from vocab.style import LEVEL_CODES


def share(part, whole):
    """part / whole as a float, NaN when whole is 0 or missing."""
    part = pd.to_numeric(part, errors="coerce")
    whole = pd.to_numeric(whole, errors="coerce")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = part / whole.where(whole > 0) if isinstance(whole, pd.Series) else (
            part / whole if whole and whole > 0 else np.nan)
    return out


def with_shares(df: pd.DataFrame) -> pd.DataFrame:
    """Adds share_<level> (of all rated) and htxs_of_htt (the base of the quota rules)."""
    out = df.copy()
    for c in LEVEL_CODES:
        out[f"share_{c}"] = share(out[c], out["total"]).astype(float)
    out["htxs_of_htt"] = share(out["htxs"], out["htt"]).astype(float)
    return out


# ───────────── overview cards ─────────────

@dataclass
class Card:
    subject: str
    name: str
    year: int
    total: int
    shares: dict[str, float]
    prev_year: int | None = None
    deltas: dict[str, float] = field(default_factory=dict)
    basis: str | None = None


def cards(dist: pd.DataFrame, subject_names: dict[str, str], year_to: int | None) -> list[Card]:
    """One card per subject: the latest year with data up to year_to, and the change from the nearest earlier year.

    dist: rows of the distribution query for one unit (year, subject, level counts, total). Subjects keep the order of
    subject_names (the reference order).
    """
    out: list[Card] = []
    if dist.empty:
        return out
    d = with_shares(dist)
    if year_to is not None:
        d = d[d["year"] <= year_to]
    for code, name in subject_names.items():
        s = d[(d["subject"] == code) & (d["total"] > 0)].sort_values("year")
        if s.empty:
            continue
        last = s.iloc[-1]
        card = Card(subject=code, name=name, year=int(last["year"]), total=int(last["total"]),
                    shares={c: float(last[f"share_{c}"]) for c in LEVEL_CODES}, basis=last.get("basis"))
        if len(s) > 1:
            prev = s.iloc[-2]
            card.prev_year = int(prev["year"])
            card.deltas = {c: float(last[f"share_{c}"] - prev[f"share_{c}"]) for c in LEVEL_CODES}
        out.append(card)
    return out


# ───────────── quota line ─────────────

def quota_series(dist_subject: pd.DataFrame, quota: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Per year of the range: HTXS as a share of HTT and of all rated, and the quota of that year's rule (NaN when no
    national rule covers the year: no line is drawn there)."""
    base = pd.DataFrame({"year": years})
    d = dist_subject[["year", "htxs", "htt", "total"]] if not dist_subject.empty else \
        pd.DataFrame(columns=["year", "htxs", "htt", "total"])
    out = base.merge(d, on="year", how="left")
    out["htxs_of_htt"] = share(out["htxs"], out["htt"]).astype(float)
    out["htxs_of_total"] = share(out["htxs"], out["total"]).astype(float)
    q = quota[["year", "ratio", "exception_ratio", "source", "certainty"]] if not quota.empty else \
        pd.DataFrame(columns=["year", "ratio", "exception_ratio", "source", "certainty"])
    out = out.merge(q, on="year", how="left")
    out["ratio"] = pd.to_numeric(out["ratio"], errors="coerce")
    out["exception_ratio"] = pd.to_numeric(out["exception_ratio"], errors="coerce")
    return out


# ───────────── reviewed and not rated (seed 004, footnote 6) ─────────────

def reviewed_table(dist: pd.DataFrame, subject_names: dict[str, str], years: list[int]) -> pd.DataFrame:
    """Rows: for each subject, the number reviewed (rated + not rated) and, under it, those not rated; columns: years.

    A year where a unit reported only the rated total (not_rated unknown) shows the rated total and "—" for not rated.
    """
    rows = []
    for code, name in subject_names.items():
        s = dist[dist["subject"] == code].set_index("year") if not dist.empty else pd.DataFrame()
        if s.empty:
            continue
        reviewed, not_rated = {"Đối tượng": name, "Số liệu": "Được kiểm điểm"}, {"Đối tượng": name,
                                                                                 "Số liệu": "trong đó không xếp loại"}
        for y in years:
            if y in s.index:
                nr = s.at[y, "not_rated"]
                known = not pd.isna(nr)
                reviewed[str(y)] = fmt.number(int(s.at[y, "total"]) + (int(nr) if known else 0))
                not_rated[str(y)] = fmt.number(nr) if known else fmt.DASH
            else:
                reviewed[str(y)] = fmt.DASH
                not_rated[str(y)] = fmt.DASH
        rows += [reviewed, not_rated]
    return pd.DataFrame(rows, columns=["Đối tượng", "Số liệu", *[str(y) for y in years]])


def counts_table(dist_subject: pd.DataFrame, level_names: dict[str, str], years: list[int]) -> pd.DataFrame:
    """The seed-004 report table for one subject: rows = the four levels and "Tổng số", columns = years, counts and
    shares formatted the Vietnamese way ("2.311 (78,4%)")."""
    s = with_shares(dist_subject).set_index("year") if not dist_subject.empty else pd.DataFrame()
    rows = []
    for c in LEVEL_CODES:
        row = {"Mức xếp loại": level_names.get(c, c)}
        for y in years:
            row[str(y)] = (f"{fmt.number(s.at[y, c])} ({fmt.pct(s.at[y, f'share_{c}'])})"
                           if y in s.index else fmt.DASH)
        rows.append(row)
    total = {"Mức xếp loại": "Tổng số"}
    for y in years:
        total[str(y)] = fmt.number(s.at[y, "total"]) if y in s.index else fmt.DASH
    rows.append(total)
    return pd.DataFrame(rows, columns=["Mức xếp loại", *[str(y) for y in years]])


# ───────────── heatmap and unit tables ─────────────

def unit_labels(df: pd.DataFrame, name_col: str = "unit", code_col: str = "unit_code",
                parent_col: str | None = None, shared: set[str] | None = None) -> dict[str, str]:
    """A display label per unit code; units sharing a name get their parent (or code) added. `shared`: the names
    shared by several units when df is only part of them (default: the names repeated in df)."""
    first = df.drop_duplicates(code_col)
    if shared is None:
        counts = first[name_col].value_counts()
        shared = set(counts[counts > 1].index)
    labels = {}
    for r in first.itertuples(index=False):
        name, code = getattr(r, name_col), getattr(r, code_col)
        if name in shared:
            extra = getattr(r, parent_col) if parent_col and isinstance(getattr(r, parent_col), str) else code
            labels[code] = f"{name} ({extra})"
        else:
            labels[code] = name
    return labels


@dataclass
class Matrix:
    codes: list[str]            # unit codes, top to bottom
    labels: list[str]
    years: list[int]
    share: np.ndarray           # units × years, NaN where no data
    text: list[list[str]]       # "18,5%"
    detail: list[list[str]]     # "12 / 65"


def _cells(df: pd.DataFrame, level: str, codes: list[str], years: list[int]) -> tuple[pd.DataFrame, ...]:
    """Units × years frames of the level's share, its "18,5%" text and its "12 / 65" counts (one pass over the rows,
    not a lookup per cell: a district has hundreds of units)."""
    d = df[df["total"].fillna(0) > 0]
    d = d.assign(year=d["year"].astype(int))
    d = d[d["year"].isin(years)].drop_duplicates(["unit_code", "year"])
    s = (d[level] / d["total"]).astype(float)
    text = [fmt.pct(v) for v in s]
    counts = [(fmt.number(a), fmt.number(b)) for a, b in zip(d[level], d["total"])]
    cells = pd.DataFrame({"unit_code": d["unit_code"].to_numpy(), "year": d["year"].to_numpy(), "s": s.to_numpy(),
                          "text": text, "count": [f"{a} / {b}" for a, b in counts],
                          "both": [f"{t} ({a}/{b})" for t, (a, b) in zip(text, counts)]})

    def grid(col, fill):
        return cells.pivot(index="unit_code", columns="year", values=col).reindex(index=codes, columns=years) \
            .fillna(fill) if len(cells) else pd.DataFrame(fill, index=codes, columns=years)
    return grid("s", np.nan), grid("text", ""), grid("count", ""), grid("both", fmt.DASH)


UNIT_ORDERS = {"cao": "Tỷ lệ cao nhất trước", "thap": "Tỷ lệ thấp nhất trước", "lon": "Đơn vị lớn nhất trước",
               "cay": "Theo thứ tự trong cây"}


def order_units(df: pd.DataFrame, level: str, how: str) -> list[str]:
    """The unit codes of children_distribution rows (in tree order) in the order a reader asked for: by the share of
    the level, or the number rated, in each unit's latest year with data (units without data last), or as the tree
    lists them."""
    codes = list(dict.fromkeys(df["unit_code"]))
    if how == "cay" or df.empty:
        return codes
    d = df[df["total"].fillna(0) > 0]
    last = d.sort_values("year").drop_duplicates("unit_code", keep="last").set_index("unit_code")
    value = (last["total"] if how == "lon" else last[level] / last["total"]).astype(float)
    pos = {c: i for i, c in enumerate(codes)}
    keyed = [(c, value.get(c, np.nan)) for c in codes]
    sign = 1 if how == "thap" else -1
    return [c for c, _ in sorted(keyed, key=lambda cv: (np.isnan(cv[1]), sign * (0 if np.isnan(cv[1]) else cv[1]),
                                                         pos[cv[0]]))]


def heatmap_matrix(df: pd.DataFrame, level: str, years: list[int]) -> Matrix:
    """Units × years of the share of one level among all rated (df: children_distribution rows, in display order)."""
    codes = list(dict.fromkeys(df["unit_code"])) if not df.empty else []
    labels_by_code = unit_labels(df) if codes else {}
    share_m, text, detail, _ = _cells(df, level, codes, list(years))
    return Matrix(codes, [labels_by_code[c] for c in codes], list(years), share_m.to_numpy(dtype=float),
                  text.values.tolist(), detail.values.tolist())


def unit_year_table(df: pd.DataFrame, level: str, level_names: dict[str, str], link) -> pd.DataFrame:
    """One row per unit and year: the unit (a link to its profile), the counts at each level, the total and the share
    of the chosen level — numbers formatted the Vietnamese way. `link(code, name)` builds the profile link."""
    d = with_shares(df)
    out = pd.DataFrame({
        "Đơn vị": [link(c, n) for c, n in zip(d["unit_code"], d["unit"])],
        "Năm": d["year"].astype(int).astype(str),
    })
    for c in LEVEL_CODES:
        out[level_names.get(c, c)] = d[c].map(fmt.number)
    out["Tổng số"] = d["total"].map(fmt.number)
    out[f"Tỷ lệ {level_names.get(level, level)}"] = d[f"share_{level}"].map(fmt.pct)
    return out


# ───────────── peers ─────────────

PEER_DOTS = 40      # up to this many peers each peer is a dot on the chart; beyond, the spread of their shares


def peer_level(summary: pd.DataFrame, level: str) -> pd.DataFrame:
    """queries/peer_summary.sql rows of one level, per year: the unit's share, the pooled share of all its peers
    (itself included), the number of peers with data, the unit's rank (1 = highest share) and the spread."""
    cols = ["year", "self_share", "pooled_share", "peers", "rank", "p10", "p25", "p50", "p75", "p90"]
    if summary.empty:
        return pd.DataFrame(columns=cols)
    return summary.loc[summary["level"] == level, cols].reset_index(drop=True)


# ───────────── the tree ─────────────

def ancestors(parent: Mapping[str, str | None], name: Mapping[str, str], code: str | None) -> list[tuple[str, str]]:
    """(code, name) from the top of the tree down to the unit itself (parent: code → parent code)."""
    chain, seen = [], set()
    while code in name and code not in seen:
        seen.add(code)
        chain.append((code, name[code]))
        code = parent.get(code)
    return chain[::-1]


def children(units: pd.DataFrame, code: str) -> pd.DataFrame:
    return units[units["parent_code"] == code]


def pivot_table(df: pd.DataFrame, level: str, years: list[int], link, level_name: str) -> pd.DataFrame:
    """The heatmap as a table: one row per unit (a link to its profile), one column per year holding
    "18,5% (12/65)" — the share of the level and the counts it rests on."""
    codes = list(dict.fromkeys(df["unit_code"]))
    labels = unit_labels(df)
    both = _cells(df, level, codes, list(years))[3]
    out = pd.DataFrame({"Đơn vị": [link(c, labels[c]) for c in codes]})
    for y in years:
        out[str(y)] = both[y].tolist() if codes else []
    return out


def peer_table(summary: pd.DataFrame, unit_name: str) -> pd.DataFrame:
    """Per year: the unit's share, all peers' share and the unit's rank among its peers."""
    return pd.DataFrame({
        "Năm": summary["year"].astype(int).astype(str),
        unit_name: summary["self_share"].map(fmt.pct),
        "Chung các đơn vị cùng loại": summary["pooled_share"].map(fmt.pct),
        "Thứ hạng (1 = tỷ lệ cao nhất)": [fmt.DASH if pd.isna(r) else f"{int(r)}/{int(n)}"
                                          for r, n in zip(summary["rank"], summary["peers"])],
    })
