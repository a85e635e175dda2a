"""The audit's summary counts, the statistical evidence of each group (against scipy), flagged rows, the window."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import quota

COLUMNS = ["year", "unit", "unit_code", "group_key", "subject", "htxs", "htt", "total", "allowed", "excess",
           "share_of_htt", "status", "basis", "ratio", "exception_ratio"]


def audit(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def row(year, key, subject, htxs, htt, status=None, basis="ho_so_ca_nhan", ratio=0.2, exception=None):
    allowed = None if ratio is None else math.floor(ratio * htt + 1e-9)
    excess = None if allowed is None else max(htxs - allowed, 0)
    if status is None:
        status = "khong_co_quy_tac" if ratio is None else ("vuot" if htxs > allowed else "trong_gioi_han")
    return (year, key, key, key, subject, htxs, htt, htxs + htt, allowed, excess, htxs / htt if htt else None,
            status, basis, ratio, exception)


def test_summary_counts_each_verdict_and_the_aggregates_over_the_limit():
    df = audit([
        row(2020, "A", "dang_vien", 511, 2311, basis="so_lieu_tong_hop"),         # 511 > 462: over, an aggregate
        row(2020, "B", "dang_vien", 10, 50),                                      # 10 = 20% of 50: within
        row(2020, "C", "tccsd", 12, 45, status="can_xem_xet"),                    # over an unverified rule
        row(2025, "D", "dang_vien", 11, 50, status="can_quyet_dinh", exception=0.25),
        row(2018, "E", "dang_vien", 30, 50, ratio=None),                          # no rule that year
        row(2017, "F", "tccsd", 3, 10, ratio=None),
    ])
    # A's total over the ratio proves that at least one group inside exceeded, not that A did (issue 23, item 4): it
    # counts in aggregate_over, never in vuot.
    assert quota.summary(df) == {"audited": 4, "vuot": 0, "can_quyet_dinh": 1, "can_xem_xet": 1, "nhom_nho": 0,
                                 "da_cho_phep": 0, "aggregate_over": 1, "unruled": 2}
    assert quota.unruled_years(df) == {"dang_vien": [2018], "tccsd": [2017]}


def test_evidence_is_scipys_exact_test_with_benjamini_hochberg_over_every_tested_group():
    df = audit([row(2023, f"G{i}", "dang_vien", k, h) for i, (k, h) in enumerate(
        [(40, 122), (3, 20), (1, 2), (70, 200), (0, 15), (9, 45)])]
        + [row(2023, "C1", "chi_bo", 4, 4, status="can_xem_xet"), row(2023, "N0", "dang_vien", 0, 0),
           row(2018, "R0", "dang_vien", 5, 10, ratio=None)])
    ev = quota.evidence(df)
    tested = df[(df["htxs"] + df["htt"] > 0) & df["ratio"].notna()]
    assert sorted(ev.rows.index) == sorted(tested.index)             # no rule, or nobody at the top: not tested
    assert set(ev.funnels) == {("dang_vien", 0.2), ("chi_bo", 0.2)}
    p0 = 0.2 / 1.2
    expected_p = [stats.binom.sf(k - 1, k + h, p0) if k else 1.0 for k, h in zip(tested["htxs"], tested["htt"])]
    assert np.allclose(ev.rows.loc[tested.index, "p_value"], expected_p, rtol=1e-9, atol=1e-300)
    expected_q = stats.false_discovery_control(np.array(expected_p), method="bh")
    assert np.allclose(ev.rows.loc[tested.index, "q_value"], expected_q)
    # the 99.8% limit of the exact binomial (scipy's quantile): 70 of 270 is far above 1/6, 1 of 3 is not
    by_key = ev.rows.join(df["group_key"]).set_index("group_key")
    assert by_key.loc["G3", "outside_998"] and not by_key.loc["G2", "outside_95"]
    assert (70 > stats.binom.ppf(0.999, 270, p0)) and not (1 > stats.binom.ppf(0.975, 3, p0))


def test_main_funnel_is_the_ratio_with_most_groups_and_counts_the_others():
    df = audit([row(2019, f"G{i}", "dang_vien", 5, 40) for i in range(5)]
               + [row(2017, "L", "dang_vien", 5, 40, ratio=0.15)])
    f, others = quota.evidence(df).main_funnel("dang_vien")
    assert f.ratio == 0.2 and len(f.points) == 5 and others == 1
    assert quota.evidence(df).main_funnel("tccsd") == (None, 0)


def test_flagged_rows_are_the_ones_over_the_ratio_largest_excess_first():
    df = audit([row(2021, "A", "dang_vien", 20, 65), row(2022, "B", "dang_vien", 40, 122),
                row(2022, "C", "dang_vien", 5, 50), row(2025, "D", "dang_vien", 50, 222, status="can_quyet_dinh",
                                                         exception=0.25)])
    out = quota.flagged(df, quota.evidence(df))
    assert list(out["unit"]) == ["B", "A", "D"] and list(out["excess"]) == [16, 7, 6]
    assert {"p_value", "q_value", "outside_95", "outside_998"} <= set(out.columns)
    assert quota.flagged(df.iloc[2:3]).empty


def test_the_window_of_repeat_offences():
    assert quota.window(2025, 2017, whole_range=False) == (2023, 2025)
    assert quota.window(2025, 2024, whole_range=False) == (2024, 2025)      # not before the first year chosen
    assert quota.window(2023, 2017, whole_range=True) == (2017, 2023)


def test_repeat_offenders_only_looks_at_groups_that_can_qualify():
    rows = [row(y, "X", "dang_vien", 30, 100) for y in (2021, 2022, 2023)]
    rows += [row(y, f"W{i}", "dang_vien", 10, 100) for i in range(50) for y in (2021, 2022, 2023)]
    out = quota.repeat_offenders(audit(rows), last_year=2023)
    assert list(out["unit"]) == ["X"] and out.iloc[0]["streak"] == 3 and out.iloc[0]["total_excess"] == 30
