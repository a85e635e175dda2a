"""Quota arithmetic that is not a single query: repeat offenders and their streaks."""
from __future__ import annotations

import pandas as pd

OVER = ("vuot", "can_quyet_dinh", "can_xem_xet")   # above the ratio, whatever the verdict
COLUMNS = ["unit", "unit_code", "subject", "group_key", "years_over", "streak", "streak_end", "total_excess",
           "excess_by_year"]


def repeat_offenders(audit: pd.DataFrame, last_year: int | None = None, window: int = 3,
                     min_years: int = 2) -> pd.DataFrame:
    """Groups over the limit in at least `min_years` of the last `window` years, with their longest streak.

    audit: rows of queries/quota.sql. Returns one row per group and subject: unit, subject, years_over (in the
    window), streak (longest run of consecutive years over the limit, over all years), last_streak_end,
    total_excess (in the window), excess_by_year {year: excess}.
    """
    if audit.empty:
        return pd.DataFrame(columns=COLUMNS)
    last_year = last_year or int(audit["year"].max())
    first = last_year - window + 1
    ruled = audit[audit["status"] != "khong_co_quy_tac"]
    rows = []
    for (key, subject), grp in ruled.groupby(["group_key", "subject"]):
        over_years = sorted(int(y) for y in grp.loc[grp["status"].isin(OVER), "year"])
        in_window = [y for y in over_years if first <= y <= last_year]
        if len(in_window) < min_years:
            continue
        best, best_end, run, prev = 0, None, 0, None
        for y in over_years:
            run = run + 1 if prev is not None and y == prev + 1 else 1
            if run >= best:
                best, best_end = run, y
            prev = y
        rows.append({
            "unit": grp["unit"].iloc[0], "unit_code": grp["unit_code"].iloc[0], "subject": subject,
            "group_key": key, "years_over": len(in_window), "streak": best, "streak_end": best_end,
            "total_excess": int(grp.loc[grp["year"].between(first, last_year), "excess"].fillna(0).sum()),
            "excess_by_year": {int(y): int(e) for y, e in zip(grp["year"], grp["excess"].fillna(0))},
        })
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    return pd.DataFrame(rows).sort_values(["years_over", "streak", "total_excess"], ascending=False, ignore_index=True)
