"""Words, tables and the funnel figure of the quota page (ui/quota_view.py), without Streamlit."""
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from scipy import stats

from analysis import funnel as fn
from analysis import quota
from ui import quota_view as qv

SUBJECTS = {"dang_vien": "Đảng viên", "chi_bo": "Chi bộ trực thuộc"}
COLUMNS = ["year", "unit", "unit_code", "group_key", "subject", "htxs", "htt", "total", "allowed", "excess",
           "share_of_htt", "share_of_total", "status", "basis", "ratio", "exception_ratio", "grouping", "source",
           "certainty", "rule"]
DOC_21 = "21-HD/BTCTW (18/10/2019): đảng viên HTXS không quá 20% số HTT trong mỗi TCCSĐ"
DOC_366 = "366-QĐ/TW (30/8/2025), 43-HD/BTCTW: 20% số HTT trong nhóm tương đồng; cấp có thẩm quyền có thể cho đến 25%"


def row(year, code, htxs, htt, status=None, subject="dang_vien", basis="ho_so_ca_nhan", exception=None,
        name=None, ratio=0.2, other=0):
    allowed = None if ratio is None else math.floor(ratio * htt + 1e-9)
    excess = None if allowed is None else max(htxs - allowed, 0)
    status = status or ("khong_co_quy_tac" if ratio is None else ("vuot" if htxs > allowed else "trong_gioi_han"))
    doc = DOC_366 if year >= 2025 else DOC_21
    return (year, name or f"Đảng bộ {code}", code, code, subject, htxs, htt, htxs + htt + other, allowed, excess,
            htxs / htt if htt else None, htxs / (htxs + htt + other), status, basis, ratio, exception,
            "tccsd" if year < 2023 else "nhom_tuong_dong", None if ratio is None else doc,
            None if ratio is None else "R",
            None if ratio is None else ("dv_21hd" if year < 2023 else "all_124" if year < 2025 else "all_366"))


def frame(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def test_words():
    assert qv.years_text([2020, 2017, 2018, 2022, 2023]) == "2017–2018, 2020, 2022–2023"
    assert qv.rule_text(0.2, 0.25, "nhom_tuong_dong") == (
        "không quá 20% số Hoàn thành tốt nhiệm vụ trong mỗi nhóm có vị trí, vai trò, chức năng, nhiệm vụ tương đồng; "
        "cấp có thẩm quyền có thể cho đến 25%")
    assert qv.rule_text(0.15, None, "chi_bo") == "không quá 15% số Hoàn thành tốt nhiệm vụ trong mỗi chi bộ"
    assert qv.rule_text(None, None, None) == "Chưa có quy định"
    assert qv.allowed_text(462, 2311, None) == "462"
    assert qv.allowed_text(110, 552, 0.25) == "110 (đến 138 nếu được cho phép)"
    assert qv.q_text(0.0001) == "< 0,001" and qv.q_text(0.0423) == "0,042" and qv.q_text(None) == "—"
    assert qv.document_text("21-HD: tỷ lệ", "U") == "21-HD: tỷ lệ (chưa kiểm chứng)"
    assert qv.basis_text("so_lieu_tong_hop", "vuot").startswith("số liệu tổng hợp vượt giới hạn")
    assert "ít nhất một nhóm bên trong" in qv.basis_text("so_lieu_tong_hop", "can_xem_xet")
    assert qv.basis_text("so_lieu_tong_hop", "trong_gioi_han") == "số liệu tổng hợp do đơn vị báo cáo"
    assert qv.export_filters("Tỉnh ủy", [2019, 2025], None, None) == {
        "Đơn vị (gồm đơn vị trực thuộc)": "Tỉnh ủy", "Năm đánh giá": "2019–2025", "Đối tượng": "mọi đối tượng"}
    assert qv.export_filters("Tỉnh ủy", [2019, 2025], 2023, "Đảng viên")["Năm đánh giá"] == "2023"


def second_verdict(plain):
    return plain.iloc[1]["Kết luận"]


def test_flagged_table_is_vietnamese_text_with_links_or_names():
    df = frame([row(2020, "BL", 511, 2311, basis="so_lieu_tong_hop", name="Huyện ủy Bảo Lâm", other=125),
                row(2025, "X11", 150, 552, exception=0.25, other=23)])
    rows = quota.flagged(df, quota.evidence(df))
    plain = qv.flagged_table(rows, SUBJECTS)
    assert list(plain.columns) == qv.FLAGGED_LABELS + qv.FLAGGED_NUMBERS + qv.FLAGGED_TEXTS
    first = plain.iloc[0]                          # 49 over 462 before 40 over 110
    assert (first["Năm"], first["Nhóm / đơn vị"], first["Số HTXS"], first["Số HTT"], first["Tổng số xếp loại"],
            first["Số HTXS tối đa"], first["Vượt"], first["HTXS/HTT"]) == (
        "2020", "Huyện ủy Bảo Lâm", "511", "2.311", "2.947", "462", "49", "22,1%")
    # a district's reported total over 20% proves that a group inside exceeded, not that the district did (issue 23)
    assert first["Kết luận"] == "Ít nhất một nhóm bên trong vượt tỷ lệ" and first["Văn bản căn cứ"] == DOC_21
    assert second_verdict(plain) == "Vượt tỷ lệ"
    assert "ít nhất một nhóm bên trong" in first["Căn cứ số liệu"]
    second = plain.iloc[1]
    assert second["Số HTXS tối đa"] == "110 (đến 138 nếu được cho phép)" and second["Vượt"] == "40"
    assert second["Bằng chứng thống kê"] == "Rất rõ: ngoài giới hạn 99,8%"
    assert all(isinstance(v, str) for v in plain.to_numpy().ravel())
    linked = qv.flagged_table(rows, SUBJECTS, link=lambda code, name: f"unit_profile?don_vi={code}&ten={name}")
    assert linked.iloc[1]["Nhóm / đơn vị"] == "unit_profile?don_vi=X11&ten=Đảng bộ X11"


def test_repeat_table_shows_each_year_and_the_streak():
    df = frame([row(2020, "A", 10, 60), row(2021, "A", 20, 65), row(2022, "A", 21, 72), row(2023, "A", 24, 74),
                row(2018, "A", 30, 60, ratio=None), row(2023, "B", 5, 60), row(2022, "B", 30, 60)])
    off = quota.repeat_offenders(df, last_year=2023)
    out = qv.repeat_table(off, df, [2018, 2019, 2020, 2021, 2022, 2023], (2021, 2023), SUBJECTS)
    assert list(out.columns) == ["Nhóm / đơn vị", "Đối tượng", "Số năm vượt (2021–2023)",
                                 "Chuỗi năm liên tiếp dài nhất", "Tổng số vượt (2021–2023)", "2018", "2019", "2020",
                                 "2021", "2022", "2023", "Ghi chú"]
    a = out.iloc[0]
    assert (a["Nhóm / đơn vị"], a["Số năm vượt (2021–2023)"], a["Chuỗi năm liên tiếp dài nhất"]) == (
        "Đảng bộ A", "3 / 3 năm", "3 năm (2021–2023)")
    assert a["Tổng số vượt (2021–2023)"] == "24"                   # 7 + 7 + 10
    assert (a["2018"], a["2019"], a["2020"], a["2021"]) == ("chưa có quy định", "—", "trong giới hạn · 16,7%",
                                                           "vượt 7 · 30,8%")
    assert len(out) == 1                                           # B: over once


def groups(n_groups, seed=3, spread=0.0):
    rng = np.random.default_rng(seed)
    n = rng.integers(20, 600, n_groups)
    p = np.clip(rng.normal(1 / 6, spread, n_groups), 0.01, 0.6) if spread else np.full(n_groups, 1 / 6)
    k = rng.binomial(n, p)
    return frame([row(2023, f"G{i}", int(kk), int(nn - kk)) for i, (kk, nn) in enumerate(zip(k, n))])


def spiegelhalter(q, n, p0):
    """The interpolated exact limit, from scipy's binomial quantile and cdf."""
    r = stats.binom.ppf(q, n, p0)
    f_r, f_prev = stats.binom.cdf(r, n, p0), stats.binom.cdf(r - 1, n, p0)
    alpha = (f_r - q) / (f_r - f_prev) if f_r > f_prev else 0.0
    return max(r - alpha, 0.0) / n


def limit_traces(fig):
    return [t for t in fig.to_plotly_json()["data"] if t["name"] in qv.LIMIT_NAMES.values()]


def test_funnel_limits_are_scipys_exact_binomial_limits_drawn_at_htt():
    f = quota.evidence(groups(8)).main_funnel("dang_vien")[0]       # fewer than 10 groups: φ = 1, exact limits
    assert f.phi == 1.0
    fig = qv.funnel_figure(f, "Đảng viên", "dang_vien")
    go.Figure(fig.to_dict())                                        # validates with plotly's full schema
    traces = limit_traces(fig)
    assert [t["name"] for t in traces] == ["Giới hạn 95%", "Giới hạn 95%", "Giới hạn 99,8%", "Giới hạn 99,8%"]
    p0 = 0.2 / 1.2
    checked = 0
    for t, (q_up, q_low) in zip(traces, [(0.975, 0.025)] * 2 + [(0.999, 0.001)] * 2):
        upper = t["showlegend"]
        for x, y, (_, n) in zip(t["x"], t["y"], t["customdata"]):
            L = spiegelhalter(q_up if upper else q_low, n, p0)
            L = min(L, 0.999999) if upper else max(L, 0.0)
            assert y == pytest.approx(100 * L / (1 - L), rel=1e-9, abs=1e-9)     # HTXS as a share of HTT
            assert x == pytest.approx(n * (1 - L), rel=1e-9)                      # the HTT count at that limit
            checked += 1
    assert checked > 100
    quota_line = next(t for t in fig.to_plotly_json()["data"] if t["name"].startswith("Giới hạn theo quy định"))
    assert quota_line["y"] == [20.0, 20.0] and quota_line["name"] == "Giới hạn theo quy định: 20% số HTT"


def test_overdispersed_groups_get_wider_limits():
    f = quota.evidence(groups(60, spread=0.08)).main_funnel("dang_vien")[0]
    assert f.phi > 1
    p0 = 1 / 6
    t = limit_traces(qv.funnel_figure(f, "Đảng viên", "dang_vien"))[0]
    for y, (_, n) in list(zip(t["y"], t["customdata"]))[::10]:
        L = p0 + 1.959964 * math.sqrt(f.phi * p0 * (1 - p0) / n)
        assert y == pytest.approx(100 * L / (1 - L), rel=1e-6)
        assert L > spiegelhalter(0.975, n, p0)


def test_a_point_above_a_limit_is_outside_that_limit():
    df = groups(8)
    df = pd.concat([df, frame([row(2023, "BIG", 150, 552, exception=0.25), row(2023, "SMALL", 1, 2)])],
                   ignore_index=True)
    f = quota.evidence(df).main_funnel("dang_vien")[0]
    fig = qv.funnel_figure(f, "Đảng viên", "dang_vien").to_plotly_json()
    names = [t["name"] for t in fig["data"]]
    assert "Mức tối đa khi được cho phép: 25%" in names
    over = next(t for t in fig["data"] if t["name"] == "Vượt tỷ lệ")
    codes = [c[0] for c in over["customdata"]]
    assert set(codes) >= {"BIG", "SMALL"}
    big = codes.index("BIG")
    assert over["x"][big] == 552 and over["y"][big] == pytest.approx(100 * 150 / 552)
    hover = over["customdata"][big][1]
    assert "150 HTXS / 552 HTT = 27,2%" in hover and "110 (đến 138 nếu được cho phép) · vượt 40" in hover
    assert "Rất rõ: ngoài giới hạn 99,8%" in hover
    assert "Chưa rõ: trong phễu" in over["customdata"][codes.index("SMALL")][1]   # 1 of 3: small-group noise
    assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["separators"] == ",."


def test_clicked_unit_reads_the_group_point_and_ignores_the_lines():
    df = groups(8)
    fig = qv.funnel_figure(quota.evidence(df).main_funnel("dang_vien")[0], "Đảng viên", "dang_vien")
    data = fig.to_plotly_json()["data"]
    ci = next(i for i, t in enumerate(data) if t.get("mode") == "markers")
    code = data[ci]["customdata"][2][0]
    point = {"curve_number": ci, "point_number": 2, "point_index": 2}
    assert qv.clicked_unit({"selection": {"points": [point]}}, fig) == code
    assert qv.clicked_unit({"selection": {"points": [{"customdata": [code, "…"]}]}}) == code
    assert qv.clicked_unit({"selection": {"points": [{"curve_number": 0, "point_index": 3}]}}, fig) is None
    assert qv.clicked_unit({"selection": {"points": []}}, fig) is None and qv.clicked_unit(None, fig) is None


def test_rules_table_names_each_rule_its_years_and_document():
    df = frame([row(2018, "A", 30, 60, ratio=None), row(2021, "A", 20, 65), row(2022, "A", 21, 72),
                row(2025, "A", 10, 60, exception=0.25)])
    out = qv.rules_table(df, SUBJECTS)
    assert list(out["Năm"]) == ["2018", "2021–2022", "2025"]
    assert out.iloc[0]["Giới hạn"] == "Chưa có quy định về tỷ lệ — không đánh giá"
    assert out.iloc[1]["Văn bản căn cứ"] == DOC_21 and out.iloc[1]["Mức kiểm chứng"] == "đã đối chiếu văn bản"
    assert out.iloc[2]["Giới hạn"].endswith("cấp có thẩm quyền có thể cho đến 25%")


def test_funnel_notes_say_how_the_limits_were_made_and_what_is_not_drawn():
    exact = quota.evidence(groups(8)).main_funnel("dang_vien")[0]
    assert "phân phối nhị thức chính xác" in qv.funnel_notes(exact)
    assert "nhóm theo quy định" not in qv.funnel_notes(exact)
    assert qv.funnel_notes(exact, elsewhere=3).endswith(
        "3 nhóm theo quy định có tỷ lệ khác không vẽ trong biểu đồ này.")
    wide = quota.evidence(groups(60, spread=0.08)).main_funnel("dang_vien")[0]
    assert f"φ = {wide.phi:.2f}".replace(".", ",") in qv.funnel_notes(wide)
    no_htt = pd.concat([groups(8), frame([row(2023, "ALL", 3, 0)])], ignore_index=True)
    f = quota.evidence(no_htt).main_funnel("dang_vien")[0]
    assert "1 nhóm không có ai Hoàn thành tốt nhiệm vụ nên không vẽ được" in qv.funnel_notes(f)
    assert "ALL" not in {c[0] for t in qv.funnel_figure(f, "Đảng viên", "dang_vien").to_plotly_json()["data"]
                         if t.get("mode") == "markers" for c in t["customdata"]}


def test_the_exception_ceiling_names_its_years_when_others_are_drawn():
    df = frame([row(2024, f"A{i}", 5, 40) for i in range(4)] + [row(2025, f"B{i}", 5, 40, exception=0.25)
                                                                for i in range(4)])
    names = [t["name"] for t in qv.funnel_figure(quota.evidence(df).main_funnel("dang_vien")[0], "Đảng viên",
                                                 "dang_vien").to_plotly_json()["data"]]
    assert "Mức tối đa khi được cho phép: 25% (năm 2025)" in names


def test_small_groups_and_allowed_groups_say_so():
    """Issue 23: a group with fewer than 5 HTT over the ratio is "nhóm nhỏ — cần xem xét"; a group a decision of the
    competent level allowed (366-QĐ/TW: "do cấp có thẩm quyền xem xét, quyết định", up to 25%) shows the decision."""
    assert qv.status_text("nhom_nho") == "Nhóm nhỏ — cần xem xét"
    text = qv.status_text("da_cho_phep", "ho_so_ca_nhan", "125-QĐ/HU", "Ban Thường vụ Huyện ủy", 0.25,
                          "2025-12-10")
    assert text.startswith("Đã được cấp có thẩm quyền cho phép") and "125-QĐ/HU" in text and "25%" in text
    assert "cùng cấp ủy cấp trên trực tiếp" in qv.rule_text(0.2, 0.25, "nhom_tuong_dong", "cap_tren", 5)
    assert "dưới 5 HTT" in qv.rule_text(0.2, 0.25, "nhom_tuong_dong", "cap_tren", 5)


def test_many_groups_within_their_limit_are_drawn_as_counted_cells(monkeypatch):
    """Past DENSE groups within their limit, one square per cell of the plot carries how many groups fall there;
    the cells add up to every such group, and the groups over their limit stay one point each (a click opens one)."""
    monkeypatch.setattr(qv, "DENSE", 20)
    f = quota.evidence(groups(200)).main_funnel("dang_vien")[0]
    within = int((f.points["status"] == "trong_gioi_han").sum())
    assert within > 20
    fig = qv.funnel_figure(f, "Đảng viên", "dang_vien")
    go.Figure(fig.to_dict())
    data = fig.to_plotly_json()["data"]
    cells = next(t for t in data if t["name"].startswith(qv.STATUS_NAMES["trong_gioi_han"]))
    counted = [int(c[1].split()[0].replace(".", "")) for c in cells["customdata"]]
    assert sum(counted) == within and len(counted) < within
    assert all(c[0] is None for c in cells["customdata"])          # a cell is no unit: a click opens nothing
    over = [t for t in data if t.get("mode") == "markers" and t is not cells]
    assert sum(len(t["x"]) for t in over) == len(f.points) - within
