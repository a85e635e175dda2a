"""Composition-adjusted trends: a parent's excellent share with its units' weights fixed at a base year.

A district's excellent share can rise only because the mix of its units changed (a large commune with few
excellent members merged away). Fixing each unit's weight at the base year shows what the share would have been
with the base year's mix: if the adjusted line is flat while the raw one moves, the move came from the mix.
"""
from __future__ import annotations

import pandas as pd


def adjusted_share(counts: pd.DataFrame, base_year: int, part: str = "htxs") -> pd.DataFrame:
    """counts: one row per year and child unit with columns year, unit_code, `part`, total.

    Returns year, raw_share (Σ part / Σ total) and adjusted_share (Σ w_c · share_c / Σ w_c over the children present
    that year, w_c = child's total in the base year). Children absent from the base year get no weight: the adjusted
    line only speaks of the base year's units, which is its point.
    """
    df = counts[counts["total"] > 0].copy()
    df["share"] = df[part] / df["total"]
    base = df[df["year"] == base_year].set_index("unit_code")["total"]
    weights = base / base.sum() if base.sum() else base
    rows = []
    for year, grp in df.groupby("year"):
        raw = grp[part].sum() / grp["total"].sum()
        g = grp[grp["unit_code"].isin(weights.index)]
        w = weights.reindex(g["unit_code"]).to_numpy()
        adjusted = float((w * g["share"].to_numpy()).sum() / w.sum()) if len(g) and w.sum() else float("nan")
        rows.append({"year": int(year), "raw_share": float(raw), "adjusted_share": adjusted,
                     "units_in_base": int(len(g)), "units": int(len(grp))})
    return pd.DataFrame(rows, columns=["year", "raw_share", "adjusted_share", "units_in_base", "units"])
