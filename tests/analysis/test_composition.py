import pandas as pd
import pytest

from analysis.composition import adjusted_share


def test_only_the_mix_changes_so_the_adjusted_line_stays_flat():
    # Commune A always has 10% excellent, commune B always 30%. B shrinks from 100 to 20 members over the years.
    rows = []
    for year, b_size in zip(range(2020, 2025), (100, 80, 60, 40, 20)):
        rows += [(year, "A", 10, 100), (year, "B", int(0.3 * b_size), b_size)]
    counts = pd.DataFrame(rows, columns=["year", "unit_code", "htxs", "total"])
    out = adjusted_share(counts, base_year=2020).set_index("year")
    assert out.loc[2020, "raw_share"] == pytest.approx(0.20)
    assert out.loc[2024, "raw_share"] == pytest.approx((10 + 6) / 120)           # the raw share falls…
    assert out["adjusted_share"].tolist() == pytest.approx([0.20] * 5)          # …only because the mix changed


def test_a_real_change_inside_units_moves_the_adjusted_line():
    counts = pd.DataFrame([(2020, "A", 10, 100), (2020, "B", 30, 100), (2021, "A", 20, 100), (2021, "B", 30, 100)],
                          columns=["year", "unit_code", "htxs", "total"])
    out = adjusted_share(counts, base_year=2020).set_index("year")
    assert out.loc[2021, "adjusted_share"] == pytest.approx(0.25)


def test_units_absent_from_the_base_year_carry_no_weight():
    counts = pd.DataFrame([(2020, "A", 10, 100), (2021, "A", 10, 100), (2021, "N", 50, 100)],
                          columns=["year", "unit_code", "htxs", "total"])
    out = adjusted_share(counts, base_year=2020).set_index("year")
    assert out.loc[2021, "raw_share"] == pytest.approx(0.30)
    assert out.loc[2021, "adjusted_share"] == pytest.approx(0.10)
    assert out.loc[2021, "units_in_base"] == 1 and out.loc[2021, "units"] == 2
