import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import funnel as fn


@pytest.mark.parametrize("n", [1, 3, 10, 57, 300, 2311])
@pytest.mark.parametrize("q", [0.001, 0.025, 0.975, 0.999])
def test_quantiles_equal_scipys_exact_binomial(n, q):
    p0 = 0.2 / 1.2
    assert fn.binom_quantile(q, n, p0) == int(stats.binom.ppf(q, n, p0))


@pytest.mark.parametrize("n", [5, 40, 600])
@pytest.mark.parametrize("q", [0.975, 0.999])
def test_interpolated_limits_follow_spiegelhalter_on_scipys_cdf(n, q):
    p0 = 1 / 6
    r = int(stats.binom.ppf(q, n, p0))
    f_r, f_prev = stats.binom.cdf(r, n, p0), stats.binom.cdf(r - 1, n, p0)
    expected = (r - (f_r - q) / (f_r - f_prev)) / n
    assert fn.exact_limit(q, n, p0) == pytest.approx(expected, abs=1e-9)


def test_exact_pvalue_equals_scipy_survival():
    for k, n in [(0, 10), (3, 10), (49, 300), (511, 2822)]:
        assert fn.sf(k, n, 1 / 6) == pytest.approx(stats.binom.sf(k - 1, n, 1 / 6), rel=1e-9, abs=1e-300)


def test_benjamini_hochberg_matches_scipy():
    p = np.array([0.001, 0.01, 0.02, 0.04, 0.2, 0.5, 0.03])
    assert np.allclose(fn.bh(p), stats.false_discovery_control(p, method="bh"))


def test_small_group_is_noise_large_group_is_signal():
    groups = pd.DataFrame({"unit": ["chi bộ nhỏ", "đảng bộ lớn"] + [f"g{i}" for i in range(8)],
                           "htxs": [1, 70] + [4] * 8, "htt": [2, 200] + [20] * 8})
    f = fn.funnel(groups, 0.20)
    pts = f.points.set_index("unit")
    assert f.phi == 1.0                                # fewer than 10 groups: no overdispersion estimate
    assert not pts.loc["chi bộ nhỏ", "outside_99,8%"]  # 1 of 3 is 50% of HTT, but a 3-member chi bộ proves nothing
    assert pts.loc["đảng bộ lớn", "outside_99,8%"]     # 70 vs 200 HTT (35%) in a big unit is far above the quota
    assert pts.loc["đảng bộ lớn", "q_value"] < 0.001
    # the curve narrows towards the quota (20% of HTT) as groups grow
    up = f.curve["upper_95%"].to_numpy()
    assert up[0] > up[-1] > 0.2


def test_overdispersion_widens_limits_when_groups_vary_more_than_binomial():
    rng = np.random.default_rng(1)
    n = rng.integers(50, 400, 60)
    p = np.clip(rng.normal(1 / 6, 0.08, 60), 0.01, 0.6)        # much more spread than binomial
    k = rng.binomial(n, p)
    groups = pd.DataFrame({"htxs": k, "htt": n - k})
    f = fn.funnel(groups, 0.20)
    assert f.phi > 2
    exact = fn.exact_limit(0.975, 200, 1 / 6)
    row = f.curve.iloc[(f.curve["n"] - 200).abs().argmin()]
    assert row["upper_95%"] > fn.to_share_of_htt(exact)


def test_groups_of_one_size_share_the_exact_work_and_get_what_each_would_alone():
    """funnel() computes the binomial once per group size; every point equals the per-group sf and exact limit."""
    rng = np.random.default_rng(7)
    n = rng.integers(1, 60, 400)
    htxs = rng.binomial(n, 1 / 6)
    groups = pd.DataFrame({"htxs": htxs, "htt": n - htxs})
    f = fn.funnel(groups, 0.2)
    assert f.phi == 1.0          # binomial data: the exact path
    p0 = 0.2 / 1.2
    for (_, row) in f.points.iterrows():
        k, m = int(row["htxs"]), int(row["n"])
        assert row["p_value"] == fn.sf(k, m, p0)
        assert row["outside_95%"] == (k / m > fn.exact_limit(0.975, m, p0))
        assert row["y"] == (k / (m - k) if m > k else float("inf"))
