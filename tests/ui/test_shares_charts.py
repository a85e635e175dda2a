"""Shares, tables and figures from query rows: Vietnamese numbers, one colour per level, legends in level order."""
import math

import numpy as np
import pandas as pd

from ui import charts, html, shares
from vocab.style import LEVEL_CODES, LEVEL_COLORS, LEVEL_NAMES

# seed 004, members (Huyện ủy Bảo Lâm); 2019 is missing (rejected at load: its levels do not add up to its total)
SEED = pd.DataFrame({
    "year": [2018, 2020, 2021, 2022], "subject": "dang_vien",
    "htxs": [376, 511, 539, 496], "htt": [2208, 2311, 2259, 2411], "ht": [202, 107, 144, 93], "khtnv": [9, 18, 23, 16],
    "total": [2795, 2947, 2965, 3016], "not_rated": [pd.NA] * 4, "basis": "so_lieu_tong_hop",
})
YEARS = [2018, 2019, 2020, 2021, 2022]
QUOTA = pd.DataFrame({"year": YEARS, "ratio": [np.nan, .2, .2, .2, .2], "exception_ratio": np.nan,
                      "source": [None] + ["21-HD/BTCTW"] * 4, "certainty": [None] + ["R"] * 4})


def test_cards_compare_with_the_nearest_earlier_year():
    (card,) = shares.cards(SEED, {"dang_vien": "Đảng viên", "tccsd": "Tổ chức cơ sở đảng"}, 2022)
    assert (card.year, card.prev_year, card.total) == (2022, 2021, 3016)
    assert math.isclose(card.shares["htxs"], 496 / 3016)
    assert math.isclose(card.deltas["htxs"], 496 / 3016 - 539 / 2965)
    (c2020,) = shares.cards(SEED, {"dang_vien": "Đảng viên"}, 2020)
    assert (c2020.year, c2020.prev_year) == (2020, 2018)        # 2019 has no data: said in the card
    text = html.card(c2020, LEVEL_NAMES, "đảng viên được xếp loại")
    assert "2.947 đảng viên được xếp loại" in text and "so với năm 2018" in text and "17,3%" in text
    assert "số liệu tổng hợp do đơn vị báo cáo" in text
    for code in LEVEL_CODES:
        assert LEVEL_COLORS[code] in text


def test_counts_table_is_the_seed_report_table():
    t = shares.counts_table(SEED, LEVEL_NAMES, YEARS).set_index("Mức xếp loại")
    assert t.loc["Hoàn thành xuất sắc nhiệm vụ", "2020"] == "511 (17,3%)"
    assert t.loc["Hoàn thành tốt nhiệm vụ", "2020"] == "2.311 (78,4%)"
    assert t.loc["Hoàn thành nhiệm vụ", "2020"] == "107 (3,6%)"
    assert t.loc["Không hoàn thành nhiệm vụ", "2020"] == "18 (0,6%)"
    assert t.loc["Tổng số", "2020"] == "2.947"
    assert t.loc["Tổng số", "2019"] == "—"


def test_reviewed_table_without_not_rated_counts():
    t = shares.reviewed_table(SEED, {"dang_vien": "Đảng viên"}, YEARS)
    assert list(t["Số liệu"]) == ["Được kiểm điểm", "trong đó không xếp loại"]
    assert list(t.iloc[0, 2:]) == ["2.795", "—", "2.947", "2.965", "3.016"]      # seed 004 footnote 6
    assert set(t.iloc[1, 2:]) == {"—"}


def test_stacked_bars_levels_in_order_with_their_colours_and_gaps():
    fig = charts.stacked_levels(SEED, LEVEL_NAMES, YEARS)
    assert [t.name for t in fig.data] == [LEVEL_NAMES[c] for c in LEVEL_CODES]
    assert [t.marker.color for t in fig.data] == [LEVEL_COLORS[c] for c in LEVEL_CODES]
    htxs = fig.data[0]
    assert list(htxs.x) == ["2018", "2019", "2020", "2021", "2022"]
    assert htxs.y[1] is None and math.isclose(htxs.y[2], 511 / 2947 * 100)
    assert htxs.customdata[2][0] == "511" and htxs.customdata[2][2] == "2.947"
    assert fig.layout.separators == ",." and fig.layout.barmode == "stack"
    assert fig.layout.legend.traceorder == "normal"


def _step_values(trace, years):
    pts = {x: y for x, y in zip(trace.x, trace.y) if x is not None}
    return [pts.get(y - 0.5) for y in years]


def test_quota_line_only_where_a_rule_exists_and_moves_with_the_regime():
    q = pd.DataFrame({"year": [2017, 2018, 2019, 2023, 2025], "ratio": [np.nan, np.nan, .2, .2, .2],
                      "exception_ratio": [np.nan, np.nan, np.nan, np.nan, .25], "source": None, "certainty": None})
    d = pd.DataFrame({"year": [2017, 2018, 2019, 2023, 2025], "htxs": [10, 11, 12, 8, 9], "htt": [40] * 5,
                      "total": [60] * 5})
    series = shares.quota_series(d, q, [2017, 2018, 2019, 2023, 2025])
    fig = charts.excellence_vs_quota(series)
    names = [t.name for t in fig.data]
    quota = fig.data[names.index("Giới hạn theo quy định (so với số HTT)")]
    ceiling = fig.data[names.index("Mức tối đa khi cấp có thẩm quyền cho phép")]
    assert _step_values(quota, [2017, 2018, 2019, 2023, 2025]) == [None, None, 20.0, 20.0, 20.0]
    assert _step_values(ceiling, [2017, 2018, 2019, 2023, 2025]) == [None, None, None, None, 25.0]
    of_htt = fig.data[0]
    assert math.isclose(of_htt.y[0], 25.0) and math.isclose(fig.data[1].y[0], 100 * 10 / 60)
    assert list(fig.layout.xaxis.ticktext) == ["2017", "2018", "2019", "2023", "2025"]   # no "2.017"


def test_heatmap_matrix_and_figure():
    rows = pd.DataFrame({
        "year": [2022, 2023, 2022, 2023], "unit": ["Chi bộ thôn Đông", "Chi bộ thôn Đông", "Chi bộ thôn Đông",
                                                   "Chi bộ thôn Tây"],
        "unit_code": ["C11", "C11", "C21", "C12"], "htxs": [3, 4, 4, 1], "htt": [12, 11, 10, 9], "ht": [2, 2, 1, 2],
        "khtnv": [0, 0, 0, 0], "total": [17, 17, 15, 12]})
    m = shares.heatmap_matrix(rows, "htxs", [2022, 2023])
    assert m.labels == ["Chi bộ thôn Đông (C11)", "Chi bộ thôn Đông (C21)", "Chi bộ thôn Tây"]
    assert m.text[0] == ["17,6%", "23,5%"] and m.text[1] == ["26,7%", ""] and m.detail[2][1] == "1 / 12"
    assert np.isnan(m.share[1, 1])
    fig = charts.heatmap(m, "htxs", LEVEL_NAMES["htxs"])
    assert fig.data[0].colorscale[-1][1] == LEVEL_COLORS["htxs"]
    assert list(fig.data[0].y) == m.labels
    # the clickable markers sit on the cells that have data
    assert len(fig.data[1].x) == 4


def test_peer_table_reads_one_level_of_the_summary():
    summary = pd.DataFrame({"year": [2022, 2022], "level": ["htxs", "htt"], "peers": [3, 3],
                            "pooled_share": [0.2, 0.8], "self_share": [0.3, 0.7], "rank": [1, 3],
                            "p10": 0.1, "p25": 0.1, "p50": 0.2, "p75": 0.3, "p90": 0.3})
    s = shares.peer_level(summary, "htxs")
    assert s.iloc[0][["year", "self_share", "pooled_share", "peers", "rank"]].to_dict() == {
        "year": 2022, "self_share": 0.3, "pooled_share": 0.2, "peers": 3, "rank": 1}
    t = shares.peer_table(s, "B")
    assert list(t.iloc[0]) == ["2022", "30,0%", "20,0%", "1/3"]


def test_ancestors_walk_up_the_tree():
    parent = {"T": None, "H": "T", "X": "H"}
    name = {"T": "Tỉnh", "H": "Huyện", "X": "Xã"}
    assert shares.ancestors(parent, name, "X") == [("T", "Tỉnh"), ("H", "Huyện"), ("X", "Xã")]
    assert shares.ancestors(parent, name, None) == []
    assert shares.ancestors(parent, name, "khác") == []


SUMMARY = pd.DataFrame({"year": [2022], "level": ["htxs"], "peers": [2], "pooled_share": [0.2], "self_share": [0.3],
                        "rank": [1], "p10": [0.1], "p25": [0.1], "p50": [0.2], "p75": [0.3], "p90": [0.3]})


def test_every_figure_is_valid_plotly():
    """Figures are built without per-property validation (speed); here every kind is validated in full."""
    import plotly.graph_objects as go
    peers = pd.DataFrame({"year": [2022, 2022], "unit": ["A", "B"], "unit_code": ["A", "B"], "parent_name": [None, "P"],
                          "is_self": [False, True], "htxs": [1, 3], "htt": [9, 7], "ht": 0, "khtnv": 0,
                          "total": [10, 10]})
    own = pd.DataFrame({"year": [2022, 2023], "subject": "tccsd", "self_level": [1, pd.NA], "level": [2, 1],
                        "score": [np.nan, 91.5]})
    matrix = shares.heatmap_matrix(SEED.assign(unit="Huyện ủy Bảo Lâm", unit_code="BL"), "htt", YEARS)
    figs = [
        charts.stacked_levels(SEED, LEVEL_NAMES, YEARS, unit_word="đảng viên"),
        charts.stacked_levels(SEED.iloc[0:0], LEVEL_NAMES, YEARS),
        charts.excellence_vs_quota(shares.quota_series(SEED, QUOTA, YEARS)),
        charts.heatmap(matrix, "htt", LEVEL_NAMES["htt"]),
        charts.peers(peers, shares.peer_level(SUMMARY, "htxs"), "htxs", LEVEL_NAMES["htxs"], "B", [2022]),
        charts.peers(None, shares.peer_level(SUMMARY, "htxs"), "htxs", LEVEL_NAMES["htxs"], "B", [2022]),
        charts.collective_levels(own, LEVEL_NAMES, {"tccsd": "Tổ chức cơ sở đảng"}, [2022, 2023]),
    ]
    for fig in figs:
        go.Figure(fig.to_dict())          # raises on any invalid property or value
        assert fig.layout.separators == ",."


def test_units_ordered_by_the_latest_share_the_size_or_the_tree():
    rows = pd.DataFrame({"unit_code": ["A", "A", "B", "C", "D"], "unit": ["A", "A", "B", "C", "D"],
                         "year": [2022, 2023, 2023, 2023, 2023], "htxs": [9, 1, 5, 2, 0],
                         "total": [10, 10, 10, 40, 0]})
    assert shares.order_units(rows, "htxs", "cay") == ["A", "B", "C", "D"]
    # A's latest year (2023) counts, not its 90% of 2022; D has no one rated and comes last either way
    assert shares.order_units(rows, "htxs", "cao") == ["B", "A", "C", "D"]
    assert shares.order_units(rows, "htxs", "thap") == ["C", "A", "B", "D"]
    assert shares.order_units(rows, "htxs", "lon") == ["C", "A", "B", "D"]
