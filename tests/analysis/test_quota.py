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
