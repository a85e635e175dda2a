"""Quota arithmetic that is not a single query: repeat offenders and their streaks, the audit's summary counts, and
the statistical evidence of each group over its limit (funnel limits, exact p-values, Benjamini–Hochberg)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis import funnel

SMALL = "nhom_nho"          # over the ratio in a group too small to mean anything (quota_rules.small_htt): to review
ALLOWED = "da_cho_phep"     # over the ratio, within what a decision of the competent level allowed (quota_decisions)
OVER = ("vuot", "can_quyet_dinh", "can_xem_xet", SMALL)   # above the ratio, whatever the verdict (not allowed ones)
COLUMNS = ["unit", "unit_code", "subject", "group_key", "years_over", "streak", "streak_end", "total_excess",
           "excess_by_year"]


def repeat_offenders(audit: pd.DataFrame, last_year: int | None = None, window: int = 3,
                     min_years: int = 2) -> pd.DataFrame:
    """Groups over the limit in at least `min_years` of the last `window` years, with their longest streak.

    audit: rows of queries/quota.sql. Returns one row per group and subject: unit, subject, years_over (in the
    window), streak (longest run of consecutive years over the limit, over all years; the latest on a tie),
    streak_end, total_excess (in the window), excess_by_year {year: excess}.

    Column arithmetic rather than a loop per group: a national audit has ~13 000 groups over the limit twice, and a
    pandas step per group took 12 s.
    """
    if audit.empty:
        return pd.DataFrame(columns=COLUMNS)
    last_year = last_year or int(audit["year"].max())
    first = last_year - window + 1
    ruled = audit[audit["status"] != "khong_co_quy_tac"]
    is_over = ruled["status"].isin(OVER)
    in_window = ruled["year"].between(first, last_year)
    counts = ruled.loc[is_over & in_window].groupby(["group_key", "subject"]).size()
    keep = counts[counts >= min_years]
    if keep.empty:
        return pd.DataFrame(columns=COLUMNS)
    key = pd.MultiIndex.from_frame(ruled[["group_key", "subject"]])
    rows = ruled[key.isin(keep.index)]
    rows = rows.assign(_pos=range(len(rows)), _excess=rows["excess"].fillna(0).astype(int))
    groups = rows.groupby(["group_key", "subject"], sort=True)
    firsts = groups.nth(0).set_index(["group_key", "subject"])

    # the longest run of consecutive years over the limit (the latest run on a tie)
    over = rows.loc[rows["status"].isin(OVER), ["group_key", "subject", "year"]].drop_duplicates()
    over = over.sort_values(["group_key", "subject", "year"], kind="stable")
    same = (over["group_key"].eq(over["group_key"].shift()) & over["subject"].eq(over["subject"].shift())
            & over["year"].eq(over["year"].shift() + 1))
    runs = over.assign(_run=(~same).cumsum()).groupby("_run").agg(
        group_key=("group_key", "first"), subject=("subject", "first"), streak=("year", "size"),
        streak_end=("year", "max"))
    best = (runs.sort_values(["group_key", "subject", "streak", "streak_end"], kind="stable")
            .groupby(["group_key", "subject"]).last())

    window_rows = rows[rows["year"].between(first, last_year)]
    total = window_rows.groupby(["group_key", "subject"])["_excess"].sum()
    by_year: dict = {}
    for k, subj, y, e in zip(rows["group_key"], rows["subject"], rows["year"], rows["_excess"]):
        by_year.setdefault((k, subj), {})[int(y)] = int(e)
    out = pd.DataFrame({
        "unit": firsts["unit"], "unit_code": firsts["unit_code"],
        "subject": keep.index.get_level_values("subject"), "group_key": keep.index.get_level_values("group_key"),
        "years_over": keep.astype(int), "streak": best["streak"].astype(int),
        "streak_end": best["streak_end"].astype(int), "total_excess": total.reindex(keep.index).fillna(0).astype(int),
        "excess_by_year": [by_year[i] for i in keep.index],
    }, index=keep.index)
    return out[COLUMNS].sort_values(["years_over", "streak", "total_excess"], ascending=False, ignore_index=True)


# ───────────── what the audit found, and how strong the evidence is ─────────────

RULED_OUT = "khong_co_quy_tac"
AGGREGATE = "so_lieu_tong_hop"


def summary(audit: pd.DataFrame) -> dict[str, int]:
    """Counts of the audit rows (one per group, year and subject): groups checked against a rule, and how many are
    over it by verdict; `aggregate_over` counts rows resting on reported aggregates that are over the ratio (each
    proves that at least one group inside exceeded it, not that the unit did: such a row is never counted in `vuot`);
    `nhom_nho` the small groups over the ratio (to review, never in `vuot`); `da_cho_phep` the groups over the ratio
    that a decision of the competent level allowed; `unruled` counts rows of years/subjects without a rule."""
    ruled = audit[audit["status"] != RULED_OUT]
    over = ruled[ruled["status"].isin(OVER)]
    return {
        "audited": len(ruled),
        "vuot": int(((ruled["status"] == "vuot") & (ruled["basis"] != AGGREGATE)).sum()),
        "can_quyet_dinh": int((ruled["status"] == "can_quyet_dinh").sum()),
        "can_xem_xet": int((ruled["status"] == "can_xem_xet").sum()),
        "nhom_nho": int((ruled["status"] == SMALL).sum()),
        "da_cho_phep": int((ruled["status"] == ALLOWED).sum()),
        "aggregate_over": int((over["basis"] == AGGREGATE).sum()),
        "unruled": len(audit) - len(ruled),
    }


def unruled_years(audit: pd.DataFrame) -> dict[str, list[int]]:
    """Subject → the years of the audit no rule covers (no limit is invented for them)."""
    rows = audit[audit["status"] == RULED_OUT]
    return {s: sorted({int(y) for y in g["year"]}) for s, g in rows.groupby("subject", sort=False)}


@dataclass
class Evidence:
    """The funnel of each (subject, ratio) and, per tested audit row (same index as the audit): n = HTXS + HTT, the
    exact one-sided p-value against the quota (overdispersion-corrected where the groups vary more than binomial),
    the Benjamini–Hochberg q-value over every tested row, whether it lies outside the 95% and 99.8% limits, and φ."""
    rows: pd.DataFrame
    funnels: dict[tuple[str, float], funnel.Funnel] = field(default_factory=dict)

    def main_funnel(self, subject: str) -> tuple[funnel.Funnel | None, int]:
        """The funnel of a subject with the most groups, and how many groups of that subject are in other funnels
        (another ratio: a local rule, another regime)."""
        mine = {r: f for (s, r), f in self.funnels.items() if s == subject}
        if not mine:
            return None, 0
        best = max(mine, key=lambda r: (len(mine[r].points), r))
        return mine[best], sum(len(f.points) for r, f in mine.items() if r != best)


EVIDENCE_COLUMNS = ["n", "p_value", "q_value", "outside_95", "outside_998", "phi"]


def evidence(audit: pd.DataFrame) -> Evidence:
    """Funnels (analysis/funnel.py) per subject and ratio over the rows with a rule and someone rated HTXS or HTT.

    Groups of one subject are compared with each other: members' organizations with members' organizations, chi bộ
    peers with chi bộ peers. A row's ratio is its rule's (20% of HTT nationally; a local rule may say 15%).
    """
    tested = audit[audit["ratio"].notna() & ((audit["htxs"].fillna(0) + audit["htt"].fillna(0)) > 0)]
    parts, funnels = [], {}
    for (subject, ratio), g in tested.groupby(["subject", "ratio"], sort=False):
        f = funnel.funnel(g.assign(htxs=g["htxs"].fillna(0).astype(int), htt=g["htt"].fillna(0).astype(int)),
                          float(ratio))
        funnels[(subject, float(ratio))] = f
        parts.append(pd.DataFrame({"n": f.points["n"], "p_value": f.points["p_value"],
                                   "outside_95": f.points["outside_95%"].astype(bool),
                                   "outside_998": f.points["outside_99,8%"].astype(bool), "phi": f.phi},
                                  index=f.points.index))
    if not parts:
        return Evidence(pd.DataFrame(columns=EVIDENCE_COLUMNS), funnels)
    rows = pd.concat(parts)
    rows["q_value"] = funnel.bh(rows["p_value"].to_numpy())
    return Evidence(rows[EVIDENCE_COLUMNS], funnels)


def flagged(audit: pd.DataFrame, ev: Evidence | None = None) -> pd.DataFrame:
    """The rows over the ratio (exceeded, needing an exception decision, over an unverified rule, small groups, and
    those a decision of the competent level allowed — shown with the decision), with their evidence columns, the
    largest excess first (then the strongest evidence, the latest year, the name)."""
    rows = audit[audit["status"].isin(OVER + (ALLOWED,))].copy()
    if ev is not None:
        rows = rows.join(ev.rows, how="left")
    else:
        for c in EVIDENCE_COLUMNS:
            rows[c] = pd.NA
    rows["_q"] = pd.to_numeric(rows["q_value"], errors="coerce").fillna(1.0)
    rows = rows.sort_values(["excess", "_q", "year", "unit"], ascending=[False, True, False, True], kind="stable")
    return rows.drop(columns="_q").reset_index(drop=True)


def window(end_year: int, first_year: int, whole_range: bool, length: int = 3) -> tuple[int, int]:
    """The years a repeat offence is counted in: the last `length` years up to end_year (not before the first year
    chosen), or the whole range."""
    start = first_year if whole_range else max(first_year, end_year - length + 1)
    return start, end_year
