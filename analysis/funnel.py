"""Funnel plot and ranking for the excellence quota (Spiegelhalter 2005, "Funnel plots for comparing institutional
performance", Stat Med 24:1185).

The rule compares HTXS with r × HTT. Among the n = HTXS + HTT members (or units) rated at the top two levels, a group
exactly at the quota has a share p0 = r / (1 + r) of HTXS (r = 20% → 1/6). So the count k = HTXS is compared with
Binomial(n, p0): the funnel limits come from exact binomial quantiles in that space, and are drawn in the rule's own
terms (HTXS as a share of HTT, y = k / (n − k)) by the monotone map L → L / (1 − L).

A 3-member chi bộ with 1 excellent lies inside the funnel; a 300-member đảng bộ at 35% lies far above it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVELS = {"95%": 0.975, "99,8%": 0.999}   # two-sided 95% and 99.8% → upper quantiles


def binom_cdf(n: int, p: float) -> np.ndarray:
    """F(0..n) of Binomial(n, p), computed in log space (stable for n in the millions of members)."""
    if p <= 0:
        return np.ones(n + 1)
    if p >= 1:
        cdf = np.zeros(n + 1)
        cdf[-1] = 1.0
        return cdf
    k = np.arange(n + 1)
    lgam = np.vectorize(math.lgamma)
    logpmf = lgam(n + 1) - lgam(k + 1) - lgam(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p)
    pmf = np.exp(logpmf - logpmf.max())
    pmf /= pmf.sum()
    return np.minimum(np.cumsum(pmf), 1.0)


def binom_quantile(q: float, n: int, p: float) -> int:
    """Smallest r with F(r) ≥ q (the same definition as scipy.stats.binom.ppf)."""
    cdf = binom_cdf(n, p)
    return int(np.searchsorted(cdf, q - 1e-12, side="left"))


def exact_limit(q: float, n: int, p: float) -> float:
    """Spiegelhalter's interpolated exact binomial limit on the proportion scale."""
    if n <= 0:
        return float("nan")
    return _limit_from(binom_cdf(n, p), q, n)


def _limit_from(cdf: np.ndarray, q: float, n: int) -> float:
    r = int(np.searchsorted(cdf, q - 1e-12, side="left"))
    f_r = cdf[r]
    f_prev = cdf[r - 1] if r > 0 else 0.0
    alpha = (f_r - q) / (f_r - f_prev) if f_r > f_prev else 0.0
    return max(r - alpha, 0.0) / n


def sf(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p): the one-sided exact p-value of k excellent ratings."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    cdf = binom_cdf(n, p)
    return float(max(1.0 - cdf[k - 1], 0.0))


def overdispersion(k: np.ndarray, n: np.ndarray, p0: float) -> float:
    """φ from winsorized z-scores (10%/90%), Spiegelhalter 2005 §3.2. φ ≤ 1 means no correction is needed."""
    mask = n > 0
    if mask.sum() < 10:          # too few groups to estimate anything: no correction
        return 1.0
    y = k[mask] / n[mask]
    z = (y - p0) / np.sqrt(p0 * (1 - p0) / n[mask])
    lo, hi = np.quantile(z, [0.1, 0.9])
    z = np.clip(z, lo, hi)
    return float(max(np.mean(z ** 2), 1.0))


def bh(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values."""
    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def to_share_of_htt(limit: float) -> float:
    """Proportion of (HTXS + HTT) → share of HTT, the rule's own scale."""
    return limit / (1 - limit) if limit < 1 else float("inf")


@dataclass
class Funnel:
    p0: float                 # target proportion of HTXS among HTXS + HTT
    ratio: float              # the quota as a share of HTT
    phi: float                # overdispersion factor used (1 = none)
    curve: pd.DataFrame       # n, and upper/lower limits per level on the share-of-HTT scale
    points: pd.DataFrame      # the groups with n, y, p_value, q_value, outside_95, outside_998


def funnel(groups: pd.DataFrame, ratio: float, grid: int = 120) -> Funnel:
    """groups: columns htxs, htt (and anything else, carried through). ratio: quota as a share of HTT."""
    p0 = ratio / (1 + ratio)
    pts = groups.copy()
    pts["n"] = (pts["htxs"] + pts["htt"]).astype(int)
    pts = pts[pts["n"] > 0].copy()
    k = pts["htxs"].to_numpy(dtype=int)
    n = pts["n"].to_numpy(dtype=int)
    phi = overdispersion(k, n, p0)
    with np.errstate(divide="ignore"):
        pts["y"] = np.where(n > k, k / np.maximum(n - k, 1), np.inf)
    # The exact binomial work depends on n only: done once per distinct group size (a national audit has ~350 k
    # groups of a few thousand sizes; per group it took minutes).
    sizes = np.unique(n)
    cdfs = {} if phi > 1 else {int(nn): binom_cdf(int(nn), p0) for nn in sizes}
    if phi > 1:
        z = (k / n - p0) / np.sqrt(phi * p0 * (1 - p0) / n)
        pvals = np.array([0.5 * math.erfc(v / math.sqrt(2)) for v in z])
    else:
        pvals = np.empty(len(n))
        order = np.argsort(n, kind="stable")
        bounds = np.searchsorted(n[order], sizes, side="right")
        for nn, lo, hi in zip(sizes, np.r_[0, bounds[:-1]], bounds):
            at = order[lo:hi]
            kk = k[at]          # P(X ≥ k) = 1 − F(k − 1), 1 for k = 0
            pvals[at] = np.where(kk <= 0, 1.0, np.maximum(1.0 - cdfs[int(nn)][np.maximum(kk - 1, 0)], 0.0))
    pts["p_value"] = pvals
    pts["q_value"] = bh(pvals)
    nmax = int(n.max()) if len(n) else 10
    ns = np.unique(np.round(np.geomspace(1, max(nmax * 1.1, 10), grid)).astype(int))
    rows = []
    for nn in ns:
        row = {"n": int(nn)}
        for name, q in LEVELS.items():
            if phi > 1:
                zq = {0.975: 1.959964, 0.999: 3.090232}[q]
                up = p0 + zq * math.sqrt(phi * p0 * (1 - p0) / nn)
                low = p0 - zq * math.sqrt(phi * p0 * (1 - p0) / nn)
            else:
                up = exact_limit(q, int(nn), p0)
                low = exact_limit(1 - q, int(nn), p0)
            row[f"upper_{name}"] = to_share_of_htt(min(up, 0.999999))
            row[f"lower_{name}"] = to_share_of_htt(max(low, 0.0))
        rows.append(row)
    curve = pd.DataFrame(rows)
    for name, q in LEVELS.items():
        if phi > 1:
            zq = {0.975: 1.959964, 0.999: 3.090232}[q]
            lim = p0 + zq * np.sqrt(phi * p0 * (1 - p0) / n)
        else:
            by_size = np.array([_limit_from(cdfs[int(nn)], q, int(nn)) for nn in sizes])
            lim = by_size[np.searchsorted(sizes, n)]
        pts[f"outside_{name}"] = (k / n) > lim
    return Funnel(p0, ratio, phi, curve, pts)
