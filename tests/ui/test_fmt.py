"""Vietnamese formatting: "2.208", "18,5%", dates dd/mm/yyyy."""
import datetime as dt
import math

import pandas as pd

from ui import fmt


def test_numbers_use_a_dot_for_thousands():
    assert fmt.number(2208) == "2.208"
    assert fmt.number(2947) == "2.947"
    assert fmt.number(12936000) == "12.936.000"
    assert fmt.number(7) == "7"
    assert fmt.number(12.5, 1) == "12,5"
    assert fmt.number(1234.56, 2) == "1.234,56"


def test_shares_use_a_comma_for_decimals():
    assert fmt.pct(0.185) == "18,5%"
    assert fmt.pct(511 / 2947) == "17,3%"
    assert fmt.pct(1) == "100,0%"
    assert fmt.pct(0.2, 0) == "20%"


def test_missing_values_show_a_dash_whatever_their_kind():
    for missing in (None, math.nan, pd.NA, float("nan")):
        assert fmt.number(missing) == fmt.DASH
        assert fmt.pct(missing) == fmt.DASH
        assert fmt.delta_points(missing) == fmt.DASH


def test_changes_are_in_percentage_points():
    assert fmt.delta_points(0.012) == "+1,2 điểm %"
    assert fmt.delta_points(-0.004) == "−0,4 điểm %"
    assert fmt.delta_points(0.00001) == "không đổi"


def test_dates_are_day_month_year():
    assert fmt.date(dt.date(2023, 2, 2)) == "02/02/2023"
    assert fmt.date("2026-11-23T11:24:32") == "23/11/2026"
    assert fmt.datetime("2026-11-23T11:24:32") == "23/11/2026 11:24"
    assert fmt.date(None) == "" and fmt.date("không phải ngày") == ""


def test_year_spans():
    assert fmt.year_span(2017, 2024) == "2017–2024"
    assert fmt.year_span(2025, None) == "từ 2025"
    assert fmt.year_span(pd.NA, 2024) == "đến 2024"
    assert fmt.year_span(None, None) == ""
