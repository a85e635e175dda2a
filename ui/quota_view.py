"""Vượt tỷ lệ xuất sắc: the words, tables and funnel figure of pages/quota.py.

Plain functions, no Streamlit: audit rows (queries/quota.sql) and their evidence (analysis/quota.py) in, display
frames of Vietnamese text ("2.311", "20,6%") and a plotly figure out, so tests call them directly.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import funnel as fn
from analysis.quota import AGGREGATE, ALLOWED, OVER, RULED_OUT, SMALL
from vocab import fmt
from ui.charts import FONT
from vocab.style import CERTAINTY, QUOTA_COLOR, SUBJECT_UNIT_WORD

STATUS_ORDER = ("vuot", "can_quyet_dinh", "can_xem_xet", SMALL, ALLOWED, "trong_gioi_han")
STATUS_NAMES = {
    "vuot": "Vượt tỷ lệ",
    "can_quyet_dinh": "Cần cấp có thẩm quyền cho phép",
    "can_xem_xet": "Cần xem xét (quy định chưa kiểm chứng)",
    SMALL: "Nhóm nhỏ — cần xem xét",
    ALLOWED: "Đã được cấp có thẩm quyền cho phép",
    "trong_gioi_han": "Trong giới hạn",
    RULED_OUT: "Chưa có quy định",
}
STATUS_HELP = {
    "vuot": "số HTXS vượt giới hạn của quy định (từ năm 2025: vượt cả mức 25% cấp có thẩm quyền có thể cho phép)",
    "can_quyet_dinh": "từ năm 2025: trên 20% nhưng không quá 25% số HTT — hợp lệ chỉ khi cấp có thẩm quyền cho phép",
    "can_xem_xet": "vượt một tỷ lệ chưa đối chiếu được với văn bản gốc (ví dụ tỷ lệ đối với tổ chức đảng năm "
                   "2019–2022): cần xem xét, chưa kết luận",
    SMALL: "nhóm có ít người (tập thể) xếp HTT hơn ngưỡng nhóm nhỏ của quy định trong dữ liệu (thường là 5): 20% "
           "số HTT chỉ là 0 hoặc 1 nên một trường hợp HTXS đã “vượt” — cần xem xét, không tính là vi phạm",
    ALLOWED: "trên tỷ lệ quy định nhưng trong mức cấp có thẩm quyền đã quyết định cho phép (ghi số văn bản)",
}
AGGREGATE_STATUS = "Ít nhất một nhóm bên trong vượt tỷ lệ"   # a unit's reported total over the ratio (not its breach)
# Red = breach, amber = a decision is needed, violet = to review, grey = within: no level colour is reused.
STATUS_COLORS = {"vuot": "#c0392b", "can_quyet_dinh": "#e0a526", "can_xem_xet": "#8e44ad", SMALL: "#2e86c1",
                 ALLOWED: "#27ae60", "trong_gioi_han": "#9aa5b1"}
GROUPING_NAMES = {
    "tccsd": "trong mỗi tổ chức cơ sở đảng",
    "chi_bo": "trong mỗi chi bộ",
    "nhom_tuong_dong": "trong mỗi nhóm có vị trí, vai trò, chức năng, nhiệm vụ tương đồng",
    "*": "trên số liệu tổng hợp của đơn vị",
}
# How the similar-role group of collectives is formed (quota_rules.collective_group, data)
FORM_NAMES = {
    "cap_tren": "cùng cấp ủy cấp trên trực tiếp",
    "cap_tren_loai_hinh": "cùng cấp ủy cấp trên trực tiếp, cùng cấp tổ chức và loại hình",
}
BASIS_NAMES = {
    "ho_so_ca_nhan": "hồ sơ từng đảng viên",
    "ho_so_tap_the": "kết quả xếp loại từng tập thể",
    AGGREGATE: "số liệu tổng hợp do đơn vị báo cáo",
}
AGGREGATE_OVER = ("số liệu tổng hợp vượt giới hạn: nếu mọi nhóm bên trong đều trong giới hạn thì tổng cũng vậy, nên ít "
                  "nhất một nhóm bên trong đơn vị này đã vượt tỷ lệ")
EVIDENCE_NAMES = {
    "998": "Rất rõ: ngoài giới hạn 99,8%",
    "95": "Rõ: ngoài giới hạn 95%",
    "in": "Chưa rõ: trong phễu, có thể do ngẫu nhiên",
}
LIMIT_NAMES = {"95%": "Giới hạn 95%", "99,8%": "Giới hạn 99,8%"}
LIMIT_STYLE = {"95%": dict(color=QUOTA_COLOR, width=1.5, dash="dash"),
               "99,8%": dict(color=QUOTA_COLOR, width=1.5, dash="dot")}

# Columns of the flagged table: labels, numbers (right-aligned text), then long texts.
FLAGGED_LABELS = ["Năm", "Nhóm / đơn vị", "Đối tượng", "Kết luận"]
FLAGGED_NUMBERS = ["Số HTXS", "Số HTT", "Tổng số xếp loại", "Số HTXS tối đa", "Vượt", "HTXS/HTT", "HTXS/tổng số",
                   "Giá trị q"]
FLAGGED_TEXTS = ["Bằng chứng thống kê", "Quy định áp dụng", "Văn bản căn cứ", "Căn cứ số liệu"]


# ───────────── words ─────────────

def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def years_text(years: Sequence[int]) -> str:
    """[2017, 2018, 2020] → "2017–2018, 2020"."""
    ys = sorted({int(y) for y in years})
    parts, start = [], None
    for i, y in enumerate(ys):
        if start is None:
            start = y
        if i == len(ys) - 1 or ys[i + 1] != y + 1:
            parts.append(str(start) if start == y else f"{start}–{y}")
            start = None
    return ", ".join(parts)


def rule_text(ratio, exception_ratio, grouping: str | None, form: str | None = None, small_htt=None) -> str:
    """"không quá 20% số HTT trong mỗi tổ chức cơ sở đảng; cấp có thẩm quyền có thể cho đến 25%"; with the form
    of a collectives' group ("nhóm: cùng cấp ủy cấp trên trực tiếp") and the small-group threshold when given."""
    if _missing(ratio):
        return STATUS_NAMES[RULED_OUT]
    text = f"không quá {fmt.pct(ratio, 0)} số Hoàn thành tốt nhiệm vụ {GROUPING_NAMES.get(grouping, '')}".rstrip()
    if isinstance(form, str) and form in FORM_NAMES:
        text += f" (nhóm: {FORM_NAMES[form]})"
    if not _missing(exception_ratio):
        text += f"; cấp có thẩm quyền có thể cho đến {fmt.pct(exception_ratio, 0)}"
    if not _missing(small_htt):
        text += f"; nhóm dưới {fmt.number(small_htt)} HTT là nhóm nhỏ, chỉ cần xem xét"
    return text


def status_text(status: str, basis: str | None = None, decision_doc=None, decision_by=None, decision_ratio=None,
                decision_date=None) -> str:
    """The verdict of a row in words. A unit's reported aggregate over the ratio says what it proves (at least one
    group inside exceeded, not the unit); a group a decision allowed names the decision."""
    if basis == AGGREGATE and status == "vuot":
        return AGGREGATE_STATUS
    if status == ALLOWED:
        parts = [f"số {decision_doc}" if not _missing(decision_doc) else None,
                 decision_by if not _missing(decision_by) else None,
                 f"ngày {fmt.date(decision_date)}" if not _missing(decision_date) else None,
                 f"đến {fmt.pct(decision_ratio, 0)} số HTT" if not _missing(decision_ratio) else None]
        said = ", ".join(p for p in parts if p)
        return f"{STATUS_NAMES[ALLOWED]}" + (f" ({said})" if said else "")
    return STATUS_NAMES.get(status, status)


def grouping_note(audit: pd.DataFrame, counts: Mapping[str, int] | None = None) -> str:
    """How the groups of the rows were formed and which are small, in one sentence (the rules' data: quota_rules.csv
    collective_group, small_htt), with the groups a decision allowed."""
    forms = sorted({f for f in audit.get("group_form", pd.Series(dtype=object)).dropna() if f in FORM_NAMES})
    smalls = sorted({int(x) for x in audit.get("small_htt", pd.Series(dtype=float)).dropna()})
    parts = ["Đảng viên được tính trong từng tổ chức cơ sở đảng"]
    if forms:
        parts.append("nhóm tập thể có vị trí, vai trò, chức năng, nhiệm vụ tương đồng: "
                     + "; ".join(FORM_NAMES[f] for f in forms)
                     + " (theo quy định trong dữ liệu, data/reference/quota_rules.csv; mặc định: cùng cấp ủy cấp "
                       "trên trực tiếp)")
    if smalls:
        parts.append(f"nhóm có dưới {' hoặc '.join(fmt.number(x) for x in smalls)} người (tập thể) xếp HTT là nhóm "
                     "nhỏ: vượt tỷ lệ chỉ được nêu là “nhóm nhỏ — cần xem xét”, không tính là vi phạm")
    text = "; ".join(parts) + "."
    if counts and counts.get("da_cho_phep"):
        text += (f" {fmt.number(counts['da_cho_phep'])} nhóm trên tỷ lệ đã được cấp có thẩm quyền cho phép (xem "
                 "kết luận “Đã được cấp có thẩm quyền cho phép”).")
    return text


def document_text(source, certainty) -> str:
    if not isinstance(source, str) or not source:
        return fmt.DASH
    if certainty == "U" and "chưa kiểm chứng" not in source:
        return f"{source} (chưa kiểm chứng)"
    return source


def evidence_key(outside_95, outside_998) -> str | None:
    if _missing(outside_95):
        return None
    return "998" if bool(outside_998) else ("95" if bool(outside_95) else "in")


def q_text(q) -> str:
    if _missing(q):
        return fmt.DASH
    return "< 0,001" if float(q) < 0.001 else fmt.number(float(q), 3)


def allowed_text(allowed, htt, exception_ratio) -> str:
    text = fmt.number(allowed)
    if not _missing(exception_ratio) and not _missing(htt):
        text += f" (đến {fmt.number(math.floor(float(exception_ratio) * float(htt) + 1e-9))} nếu được cho phép)"
    return text


def basis_text(basis: str, status: str) -> str:
    if basis == AGGREGATE and status in OVER:
        return AGGREGATE_OVER
    return BASIS_NAMES.get(basis, basis)


def export_filters(unit_name: str | None, years: Sequence[int], year: int | None, subject_name: str | None,
                   **extra: str) -> dict[str, str]:
    """The filters a download was made with, in words (first lines of the CSV, first sheet of the workbook)."""
    if year is not None:
        when = str(year)
    elif years:
        when = f"{years[0]}–{years[-1]}" if years[0] != years[-1] else str(years[0])
    else:
        when = "mọi năm"
    return {"Đơn vị (gồm đơn vị trực thuộc)": unit_name or "mọi đơn vị", "Năm đánh giá": when,
            "Đối tượng": subject_name or "mọi đối tượng", **extra}


# ───────────── tables ─────────────

def _name(row, link: Callable[[str, str], str] | None) -> str:
    return link(row["unit_code"], row["unit"]) if link else row["unit"]


def flagged_table(rows: pd.DataFrame, subject_names: Mapping[str, str],
                  link: Callable[[str, str], str] | None = None) -> pd.DataFrame:
    """The groups over their limit (analysis.quota.flagged rows) as Vietnamese text, in the rows' order. With `link`
    the group's name is a link to its unit's profile (the page); without, the plain name (the downloads)."""
    columns = FLAGGED_LABELS + FLAGGED_NUMBERS + FLAGGED_TEXTS
    out = []
    for r in rows.to_dict("records"):
        ev = evidence_key(r.get("outside_95"), r.get("outside_998"))
        out.append([
            str(int(r["year"])), _name(r, link), subject_names.get(r["subject"], r["subject"]),
            status_text(r["status"], r.get("basis"), r.get("decision_doc"), r.get("decision_by"),
                        r.get("decision_ratio"), r.get("decision_date")),
            fmt.number(r["htxs"]), fmt.number(r["htt"]), fmt.number(r["total"]),
            allowed_text(r["allowed"], r["htt"], r["exception_ratio"]), fmt.number(r["excess"]),
            fmt.pct(r["share_of_htt"]), fmt.pct(r["share_of_total"]), q_text(r.get("q_value")),
            EVIDENCE_NAMES.get(ev, fmt.DASH),
            rule_text(r["ratio"], r["exception_ratio"], r["grouping"], r.get("group_form"), r.get("small_htt")),
            document_text(r["source"], r["certainty"]), basis_text(r["basis"], r["status"]),
        ])
    return pd.DataFrame(out, columns=columns)


def year_cell(row) -> str:
    """One group's year in the repeat-offenders table: "vượt 16 · 32,8%", "trong giới hạn · 18,0%"…"""
    if row is None:
        return fmt.DASH
    status, share = row["status"], fmt.pct(row["share_of_htt"])
    if status == RULED_OUT:
        return "chưa có quy định"
    if status == "trong_gioi_han":
        return f"trong giới hạn · {share}"
    if status == ALLOWED:
        return f"đã được cho phép · {share}"
    extra = {"can_quyet_dinh": " · cần cho phép", "can_xem_xet": " · cần xem xét",
             SMALL: " · nhóm nhỏ, cần xem xét"}.get(status, "")
    return f"vượt {fmt.number(row['excess'])} · {share}{extra}"


def repeat_table(offenders: pd.DataFrame, audit: pd.DataFrame, years: Sequence[int], span: tuple[int, int],
                 subject_names: Mapping[str, str], link: Callable[[str, str], str] | None = None) -> pd.DataFrame:
    """Repeat offenders (analysis.quota.repeat_offenders rows) with their years over the limit in `span`, their
    longest run of consecutive years, their total excess in `span`, and one column per year of `years`."""
    in_span = f"({span[0]}–{span[1]})" if span[0] != span[1] else f"({span[0]})"
    columns = ["Nhóm / đơn vị", "Đối tượng", f"Số năm vượt {in_span}", "Chuỗi năm liên tiếp dài nhất",
               f"Tổng số vượt {in_span}", *[str(y) for y in years], "Ghi chú"]
    if offenders.empty:
        return pd.DataFrame(columns=columns)
    keys = set(zip(offenders["group_key"], offenders["subject"]))
    mine = audit[[k in keys for k in zip(audit["group_key"], audit["subject"])]]
    by = {(r["group_key"], r["subject"], int(r["year"])): r for r in mine.to_dict("records")}
    bases: dict[tuple, set] = {}
    for r in by.values():
        bases.setdefault((r["group_key"], r["subject"]), set()).add(r["basis"])
    length = span[1] - span[0] + 1
    out = []
    for o in offenders.to_dict("records"):
        end, streak = int(o["streak_end"]), int(o["streak"])
        run = f"{streak} năm ({end - streak + 1}–{end})" if streak > 1 else f"1 năm ({end})"
        cells = [year_cell(by.get((o["group_key"], o["subject"], y))) for y in years]
        out.append([_name(o, link), subject_names.get(o["subject"], o["subject"]),
                    f"{o['years_over']} / {length} năm", run, fmt.number(o["total_excess"]), *cells,
                    AGGREGATE_OVER if AGGREGATE in bases.get((o["group_key"], o["subject"]), ()) else ""])
    return pd.DataFrame(out, columns=columns)


def rules_table(audit: pd.DataFrame, subject_names: Mapping[str, str]) -> pd.DataFrame:
    """The rules the audit applied in its years, with their documents, and the years no rule covers."""
    columns = ["Đối tượng", "Năm", "Giới hạn", "Văn bản căn cứ", "Mức kiểm chứng", "Số nhóm"]
    if audit.empty:
        return pd.DataFrame(columns=columns)
    df = audit.assign(rule=audit["rule"].fillna(RULED_OUT))
    out = []
    order = {s: i for i, s in enumerate(subject_names)}
    for (subject, rule), g in sorted(df.groupby(["subject", "rule"], sort=False),
                                     key=lambda kv: (order.get(kv[0][0], 99), int(kv[1]["year"].min()))):
        first = g.iloc[0]
        ruled = rule != RULED_OUT
        out.append([subject_names.get(subject, subject), years_text(g["year"]),
                    rule_text(first["ratio"], first["exception_ratio"], first["grouping"], first.get("group_form"),
                              first.get("small_htt")) if ruled
                    else "Chưa có quy định về tỷ lệ — không đánh giá",
                    document_text(first["source"], first["certainty"]) if ruled else fmt.DASH,
                    CERTAINTY.get(first["certainty"], fmt.DASH) if ruled else fmt.DASH, fmt.number(len(g))])
    return pd.DataFrame(out, columns=columns)


# ───────────── funnel plot ─────────────

def _hover(r, subject_name: str) -> str:
    ev = evidence_key(r.get("outside_95%"), r.get("outside_99,8%"))
    verdict = status_text(r["status"], r["basis"], r.get("decision_doc"), r.get("decision_by"),
                          r.get("decision_ratio"), r.get("decision_date"))
    lines = [f"<b>{r['unit']}</b>", f"Năm {int(r['year'])} · {subject_name}",
             f"{fmt.number(r['htxs'])} HTXS / {fmt.number(r['htt'])} HTT = {fmt.pct(r['share_of_htt'])}",
             f"Tối đa được phép: {allowed_text(r['allowed'], r['htt'], r['exception_ratio'])}"
             + (f" · vượt {fmt.number(r['excess'])}" if not _missing(r["excess"]) and r["excess"] > 0 else ""),
             verdict + f" · {EVIDENCE_NAMES.get(ev, '')}"]
    if r["basis"] == AGGREGATE:
        lines.append(BASIS_NAMES[AGGREGATE])
    return "<br>".join(lines)


def funnel_figure(f: fn.Funnel, subject_name: str, subject: str, height: int = 480) -> go.Figure:
    """Each group's HTXS as a share of its HTT against its HTT count (log scale), inside the funnel of the 95% and
    99.8% limits around the quota (analysis/funnel.py: exact binomial, widened by φ when the groups vary more than
    binomial), points coloured by verdict, aggregates as diamonds. A point's customdata starts with its unit code.

    The limits are computed for n = HTXS + HTT (the count the binomial model is about) and drawn at HTT = n / (1 + y):
    a group lies above a curve exactly when it is outside that limit.
    """
    pts = f.points[np.isfinite(f.points["y"])]
    word = SUBJECT_UNIT_WORD.get(subject, "")
    ratio_pct = f.ratio * 100
    xs = pts["htt"].astype(float)
    x_lo = max(float(xs.min()) * 0.7, 0.8) if len(xs) else 1.0
    x_hi = float(xs.max()) * 1.3 if len(xs) else 100.0
    exc = pts["exception_ratio"].dropna()
    exception = float(exc.max()) if len(exc) else None
    y_top = max([float(pts["y"].max()) * 100 if len(pts) else 0, ratio_pct * 2, (exception or 0) * 100 * 1.2]) * 1.1
    data = []
    for level, name in LIMIT_NAMES.items():
        for side in ("upper", "lower"):
            y = f.curve[f"{side}_{level}"].to_numpy(dtype=float)
            n = f.curve["n"].to_numpy(dtype=int)
            x = n / (1 + y)
            keep = (x >= x_lo / 2) & (x <= x_hi * 2)
            word_side = "trên" if side == "upper" else "dưới"
            custom = [[f"{name} (giới hạn {word_side}): {fmt.pct(yy)} số HTT khi nhóm có khoảng "
                       f"{fmt.number(xx)} {word} HTT", int(nn)]
                      for xx, yy, nn in zip(x[keep], y[keep], n[keep])]
            data.append(dict(type="scatter", mode="lines", x=x[keep].tolist(), y=(y[keep] * 100).tolist(),
                             name=name, legendgroup=level, showlegend=side == "upper", line=LIMIT_STYLE[level],
                             customdata=custom, hovertemplate="%{customdata[0]}<extra></extra>"))
    data.append(dict(type="scatter", mode="lines", x=[x_lo, x_hi], y=[ratio_pct, ratio_pct],
                     name=f"Giới hạn theo quy định: {fmt.pct(f.ratio, 0)} số HTT",
                     line=dict(color=QUOTA_COLOR, width=2.5),
                     hovertemplate=f"Giới hạn theo quy định: {fmt.pct(f.ratio, 0)} số HTT<extra></extra>"))
    if exception is not None:
        exc_years = sorted({int(y) for y in pts.loc[pts["exception_ratio"].notna(), "year"]})
        only = "" if set(exc_years) == {int(y) for y in pts["year"]} else f" (năm {years_text(exc_years)})"
        data.append(dict(type="scatter", mode="lines", x=[x_lo, x_hi], y=[exception * 100] * 2,
                         name=f"Mức tối đa khi được cho phép: {fmt.pct(exception, 0)}{only}",
                         line=dict(color=STATUS_COLORS["can_quyet_dinh"], width=2, dash="dashdot"),
                         hovertemplate=f"Cấp có thẩm quyền có thể cho đến {fmt.pct(exception, 0)} số HTT"
                                       "<extra></extra>"))
    for status in STATUS_ORDER:
        g = pts[pts["status"] == status]
        if g.empty:
            continue
        within = status == "trong_gioi_han"
        if within and len(g) > DENSE:
            data.append(_within_cells(g, x_lo, x_hi, y_top))
            continue
        # A province has ~15,000 groups, most within their limit: those carry only their name (the full sentence
        # of each made the chart ~5 MB); the groups over the limit carry the whole verdict.
        custom = ([[c, u] for c, u in zip(g["unit_code"], g["unit"])] if within
                  else [[r["unit_code"], _hover(r, subject_name)] for r in g.to_dict("records")])
        data.append(dict(
            type="scatter", mode="markers", name=STATUS_NAMES[status],
            x=g["htt"].astype(float).tolist(), y=(g["y"] * 100).astype(float).tolist(),
            marker=dict(color=STATUS_COLORS[status], size=9 if not within else 7,
                        symbol=["diamond" if b == AGGREGATE else "circle" for b in g["basis"]],
                        line=dict(color="#ffffff", width=0.8)),
            customdata=custom,
            hovertemplate=("<b>%{customdata[1]}</b><br>%{y:.1f}% số HTT · " + STATUS_NAMES[status].lower()
                           + "<extra></extra>") if within else "%{customdata[1]}<extra></extra>",
        ))
    ticks = [m * 10 ** e for e in range(0, 7) for m in (1, 2, 5) if x_lo <= m * 10 ** e <= x_hi]
    layout = dict(
        height=height, separators=fmt.PLOTLY_SEPARATORS, margin=dict(l=10, r=10, t=40, b=10),
        font=dict(family=FONT, size=13), hoverlabel=dict(font=dict(family=FONT)), showlegend=True,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title=dict(text="")),
        xaxis=dict(type="log", range=[math.log10(x_lo), math.log10(x_hi)], tickvals=ticks,
                   ticktext=[fmt.number(t) for t in ticks],
                   title=dict(text=f"Số {word} Hoàn thành tốt nhiệm vụ của nhóm (thang logarit)".replace("  ", " "))),
        yaxis=dict(range=[0, y_top], ticksuffix="%", title=dict(text="Số HTXS so với số HTT")),
        clickmode="event+select", dragmode="pan",
    )
    return go.Figure(data=data, layout=layout, _validate=False)


DENSE = 1500        # beyond this many groups within their limit, they are drawn as counts per cell of the plot


def _within_cells(g: pd.DataFrame, x_lo: float, x_hi: float, y_top: float, bins: int = 48) -> dict:
    """The groups within their limit as a grid of grey squares, darker where more groups fall: a province has
    ~11,000 of them, which as points took the browser seconds to draw on every visit and say nothing one by one.
    The groups over their limit stay points (a click opens the unit)."""
    lx = np.log10(g["htt"].astype(float).clip(lower=x_lo))
    y = (g["y"] * 100).astype(float).clip(upper=y_top)
    x_edges = np.linspace(math.log10(x_lo), math.log10(x_hi), bins + 1)
    y_edges = np.linspace(0, y_top, bins + 1)
    counts, _, _ = np.histogram2d(lx, y, bins=[x_edges, y_edges])
    i, j = np.nonzero(counts)
    n = counts[i, j]
    xc = 10 ** ((x_edges[i] + x_edges[i + 1]) / 2)
    yc = (y_edges[j] + y_edges[j + 1]) / 2
    shade = 0.25 + 0.75 * np.log1p(n) / np.log1p(n.max())
    return dict(type="scatter", mode="markers", name=f"{STATUS_NAMES['trong_gioi_han']} ({fmt.number(len(g))} nhóm, "
                                                       "ô đậm: nhiều nhóm)",
                x=xc.tolist(), y=yc.tolist(),
                marker=dict(symbol="square", size=9, color=[f"rgba(120,130,140,{a:.2f})" for a in shade],
                            line=dict(width=0)),
                customdata=[[None, f"{fmt.number(k)} nhóm trong giới hạn quanh đây"] for k in n],
                hovertemplate="%{customdata[1]}<extra></extra>")


def funnel_notes(f: fn.Funnel, elsewhere: int = 0) -> str:
    """How to read the funnel, whether the limits were widened for overdispersion, and which groups are not drawn."""
    notes = ["Mỗi điểm là một nhóm trong một năm: số HTXS so với số HTT (trục đứng) theo số HTT của nhóm (trục "
             f"ngang). Hai đường giới hạn 95% và 99,8% bao quanh tỷ lệ quy định {fmt.pct(f.ratio, 0)}: nhóm nằm trên "
             "đường 99,8% khó có thể vượt do ngẫu nhiên; nhóm nhỏ nằm trong phễu có thể chỉ vượt vì ít người. Điểm "
             "hình thoi: số liệu tổng hợp. Bấm vào một điểm để mở hồ sơ đơn vị."]
    if f.phi > 1:
        notes.append(f"Các nhóm chênh lệch nhau nhiều hơn mức ngẫu nhiên (hệ số phân tán φ = {fmt.number(f.phi, 2)}), "
                     "nên giới hạn đã được nới rộng tương ứng (Spiegelhalter 2005).")
    else:
        notes.append("Giới hạn tính theo phân phối nhị thức chính xác; các nhóm không chênh lệch nhau quá mức ngẫu "
                     "nhiên nên không cần hiệu chỉnh độ phân tán.")
    no_htt = int((f.points["y"] == float("inf")).sum())
    if no_htt:
        notes.append(f"{fmt.number(no_htt)} nhóm không có ai Hoàn thành tốt nhiệm vụ nên không vẽ được (xem bảng).")
    if elsewhere:
        notes.append(f"{fmt.number(elsewhere)} nhóm theo quy định có tỷ lệ khác không vẽ trong biểu đồ này.")
    return " ".join(notes)


def clicked_unit(selection, fig: go.Figure | dict | None = None) -> str | None:
    """The unit code of the first group point in a plotly selection (st.plotly_chart on_select state): its
    customdata[0], or looked up in the figure by curve and point index."""
    if not selection:
        return None
    points = (selection.get("selection") or {}).get("points") or []
    traces = (fig.to_plotly_json() if isinstance(fig, go.Figure) else (fig or {})).get("data", [])
    for p in points:
        c, i = p.get("curve_number"), p.get("point_index", p.get("point_number"))
        if traces and c is not None and i is not None and 0 <= c < len(traces):
            cd = traces[c].get("customdata") or []
            if traces[c].get("mode") == "markers" and 0 <= i < len(cd):
                return cd[i][0]
            continue                                   # a limit or quota line: not a group
        custom = p.get("customdata")                   # [unit code, hover] on group points; [text, n] on limits
        if isinstance(custom, (list, tuple)) and len(custom) == 2 and all(isinstance(v, str) for v in custom):
            return custom[0]
    return None
