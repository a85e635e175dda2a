import pandas as pd

from analysis.quota import repeat_offenders


def audit_rows(rows):
    return pd.DataFrame(rows, columns=["year", "unit", "unit_code", "group_key", "subject", "status", "excess"])


def test_repeat_offenders_two_of_last_three_years_with_streaks():
    df = audit_rows([
        (2021, "A", "A", "A", "dang_vien", "vuot", 3), (2022, "A", "A", "A", "dang_vien", "vuot", 2),
        (2023, "A", "A", "A", "dang_vien", "trong_gioi_han", 0), (2024, "A", "A", "A", "dang_vien", "vuot", 4),
        (2025, "A", "A", "A", "dang_vien", "can_quyet_dinh", 1),
        (2024, "B", "B", "B", "dang_vien", "vuot", 5), (2025, "B", "B", "B", "dang_vien", "trong_gioi_han", 0),
        (2023, "C", "C", "C", "dang_vien", "vuot", 1), (2024, "C", "C", "C", "dang_vien", "khong_co_quy_tac", None),
        (2025, "C", "C", "C", "dang_vien", "vuot", 2),
    ])
    out = repeat_offenders(df).set_index("unit")
    assert set(out.index) == {"A", "C"}                 # B: once in the last three years
    assert out.loc["A", "years_over"] == 2 and out.loc["A", "streak"] == 2 and out.loc["A", "streak_end"] == 2025  # ties: the latest streak
    assert out.loc["A", "total_excess"] == 5
    assert out.loc["C", "years_over"] == 2 and out.loc["C", "streak"] == 1


def _loop_reference(audit, last_year, window, min_years):
    """repeat_offenders as first written, one pandas step per group: the reference the column version must match."""
    from analysis.quota import COLUMNS, OVER
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
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(["years_over", "streak", "total_excess"],
                                                           ascending=False, ignore_index=True)


def test_repeat_offenders_equal_the_per_group_loop_on_random_audits():
    import numpy as np
    rng = np.random.default_rng(3)
    statuses = ["vuot", "can_quyet_dinh", "can_xem_xet", "trong_gioi_han", "khong_co_quy_tac"]
    rows = []
    for g in range(300):
        for y in range(2017, 2026):
            if rng.random() < 0.85:
                st = statuses[rng.choice(5, p=[0.3, 0.05, 0.1, 0.45, 0.1])]
                rows.append((y, f"Đơn vị {g % 97}", f"U{g}", f"U{g}|{g % 3}", ["dang_vien", "chi_bo"][g % 2], st,
                             None if st == "khong_co_quy_tac" else int(rng.integers(0, 6))))
    df = audit_rows(rows).sort_values(["year", "excess"], ascending=[False, False], ignore_index=True)
    for last_year, window, min_years in [(2025, 3, 2), (2023, 3, 2), (2025, 9, 2), (2025, 5, 3)]:
        got = repeat_offenders(df, last_year=last_year, window=window, min_years=min_years)
        want = _loop_reference(df, last_year, window, min_years)
        assert len(want) > 10
        pd.testing.assert_frame_equal(got, want)
