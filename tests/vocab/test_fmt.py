"""Vietnamese formatting: "2.208", "18,5%", dates dd/mm/yyyy."""
import datetime as dt
import math

import pandas as pd

from vocab import fmt


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


def test_loaded_text_is_written_into_markdown_as_typed():
    """fmt.plain: nothing of a name can start Markdown (an image, a link, emphasis, HTML, a heading or a list, math,
    Streamlit's :color[…] and :material/…:), and ordinary names read as they are."""
    j = fmt.JOINER
    assert fmt.plain("X ![i](http://example.invalid/t.png)") == f"X !\\[i\\](http:{j}//example.invalid/t.png)"
    assert fmt.plain("<img src=x> **b** _i_ `c` ~~s~~ $m$ a|b") == \
        "\\<img src=x> \\*\\*b\\*\\* \\_i\\_ \\`c\\` \\~\\~s\\~\\~ \\$m\\$ a\\|b"
    assert fmt.plain(":red[đỏ] :material/lock:") == f":{j}red\\[đỏ\\] :{j}material/lock:{j}"
    assert fmt.plain("www.x.vn a@b.vn") == f"www{j}.x.vn a{j}@b.vn"
    for start, escaped in (("# A", "\\# A"), ("> A", "\\> A"), ("- A", "\\- A"), ("+ A", "\\+ A"),
                           ("1. A", "1\\. A"), ("12) A", "12\\) A")):
        assert fmt.plain(start) == escaped
    assert fmt.plain("  dòng 1\ndòng 2  ") == "dòng 1 dòng 2"                  # one line, no code block
    for name in ("Chi bộ thôn 1 (X1)", "Đảng bộ Khối Cơ quan - Doanh nghiệp", "so_luong_2021.csv", "Lần nạp #7",
                 "Nguyễn Thị Ánh, 2.208 đảng viên"):
        assert fmt.plain(name) == name
    assert fmt.plain(None) == "" and fmt.plain(float("nan")) == ""
