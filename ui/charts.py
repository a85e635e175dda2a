"""Plotly figures of the Standing Committee views. Plain functions (no Streamlit): data in, figure out.

Every figure uses the level colours of vocab/style.py, Vietnamese separators ("2.208", "18,5%"), legends in level order
(best first) and Vietnamese labels only.

Figures are written as plain dicts and wrapped once without plotly's per-property validation (6× faster: the
overview draws a dozen charts on every filter change). tests/ui/test_shares_charts.py validates every figure fully.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vocab import fmt
from ui.shares import Matrix, with_shares
from vocab.style import LEVEL_CODES, LEVEL_COLORS, PEER_COLOR, QUOTA_COLOR, level_code

FONT = "Source Sans, sans-serif"


def _figure(data: list[dict], layout: dict, height: int, *, legend: bool = True, margin_left: int = 10) -> go.Figure:
    base = dict(
        height=height,
        separators=fmt.PLOTLY_SEPARATORS,
        margin=dict(l=margin_left, r=10, t=40 if legend else 10, b=10),
        font=dict(family=FONT, size=13),
        hoverlabel=dict(font=dict(family=FONT)),
        showlegend=legend,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, traceorder="normal",
                    title=dict(text="")),
    )
    base.update(layout)
    return go.Figure(data=data, layout=base, _validate=False)


def _years_axis(years: list[int]) -> dict:
    return dict(type="category", categoryorder="array", categoryarray=[str(y) for y in years], title=dict(text=None))


def _nan_to_none(values) -> list:
    out = []
    for v in values:
        try:
            missing = v is None or pd.isna(v)
        except (TypeError, ValueError):
            missing = False
        out.append(None if missing else (float(v) if isinstance(v, (np.floating, np.integer)) else v))
    return out


def stacked_levels(df: pd.DataFrame, level_names: dict[str, str], years: list[int], height: int = 340,
                   unit_word: str = "") -> go.Figure:
    """100%-stacked bars of the four levels per year (best level at the bottom). df: year, htxs…khtnv, total."""
    rows = {int(r["year"]): r for r in with_shares(df).to_dict("records")} if not df.empty else {}
    xs = [str(y) for y in years]
    data = []
    for c in LEVEL_CODES:
        shares, custom, labels = [], [], []
        for y in years:
            r = rows.get(y)
            s = float(r[f"share_{c}"]) * 100 if r is not None and r["total"] else None
            shares.append(s)
            labels.append(fmt.pct(s / 100) if s is not None and s >= 4 else "")
            custom.append([fmt.number(r[c]) if r is not None else fmt.DASH,
                           fmt.pct(s / 100) if s is not None else fmt.DASH,
                           fmt.number(r["total"]) if r is not None else fmt.DASH])
        data.append(dict(
            type="bar", x=xs, y=shares, name=level_names.get(c, c), marker=dict(color=LEVEL_COLORS[c]),
            text=labels, textposition="inside", insidetextanchor="middle", textangle=0, customdata=custom,
            hovertemplate=("<b>%{fullData.name}</b><br>Năm %{x}: %{customdata[0]} / %{customdata[2]}"
                           + (f" {unit_word}" if unit_word else "") + " (%{customdata[1]})<extra></extra>"),
        ))
    layout = dict(barmode="stack", bargap=0.25, uniformtext=dict(minsize=10, mode="hide"),
                  yaxis=dict(range=[0, 100], ticksuffix="%", title=dict(text=None), dtick=25),
                  xaxis=_years_axis(years))
    return _figure(data, layout, height)


def excellence_vs_quota(series: pd.DataFrame, height: int = 340) -> go.Figure:
    """The excellent share by year (of HTT, the quota's base, and of all rated) against the quota of each year's rule.

    series: ui.shares.quota_series rows. The quota line is drawn only over years a rule covers, as steps, so it moves
    when the regime does; the exception ceiling (366-QĐ/TW: up to 25%) is a second, dotted step line.
    """
    years = [int(y) for y in series["year"]]
    of_htt = _nan_to_none(series["htxs_of_htt"] * 100)
    of_total = _nan_to_none(series["htxs_of_total"] * 100)
    data = [
        dict(type="scatter", x=years, y=of_htt, name="HTXS so với số Hoàn thành tốt", mode="lines+markers",
             line=dict(color=LEVEL_COLORS["htxs"], width=3), marker=dict(size=8),
             customdata=[[fmt.pct(v / 100) if v is not None else fmt.DASH, fmt.number(a), fmt.number(b)]
                         for v, a, b in zip(of_htt, series["htxs"], series["htt"])],
             hovertemplate="Năm %{x:d}: %{customdata[0]} (%{customdata[1]} / %{customdata[2]})"
                           "<extra>so với số HTT</extra>"),
        dict(type="scatter", x=years, y=of_total, name="HTXS so với tổng số được xếp loại", mode="lines+markers",
             line=dict(color=LEVEL_COLORS["htxs"], width=2, dash="dot"), marker=dict(size=6, symbol="circle-open"),
             customdata=[[fmt.pct(v / 100) if v is not None else fmt.DASH, fmt.number(a), fmt.number(b)]
                         for v, a, b in zip(of_total, series["htxs"], series["total"])],
             hovertemplate="Năm %{x:d}: %{customdata[0]} (%{customdata[1]} / %{customdata[2]})"
                           "<extra>so với tổng số</extra>"),
    ]
    ratio = _nan_to_none(series["ratio"] * 100)
    sources = [s if isinstance(s, str) else "" for s in series["source"]]
    data.append(_steps(years, ratio, [f"tối đa {fmt.pct(v / 100)} số HTT<br>{s}" if v is not None else ""
                                      for v, s in zip(ratio, sources)],
                       "Giới hạn theo quy định (so với số HTT)", dict(color=QUOTA_COLOR, width=2, dash="dash")))
    exc = _nan_to_none(series["exception_ratio"] * 100)
    if any(v is not None for v in exc):
        data.append(_steps(years, exc, [f"tối đa {fmt.pct(v / 100)} khi được cho phép" if v is not None else ""
                                        for v in exc],
                           "Mức tối đa khi cấp có thẩm quyền cho phép", dict(color=QUOTA_COLOR, width=1.5, dash="dot")))
    top = max([v for v in of_htt + of_total + ratio + exc if v is not None] + [25])
    # a numeric year axis (the quota steps span each year from −0,5 to +0,5); "d" keeps "2022" free of separators
    layout = dict(yaxis=dict(range=[0, math.ceil(top / 5) * 5 + 5], ticksuffix="%", title=dict(text=None)),
                  xaxis=dict(tickmode="array", tickvals=years, ticktext=[str(y) for y in years], tickformat="d",
                             range=[years[0] - 0.6, years[-1] + 0.6] if years else None, title=dict(text=None)))
    return _figure(data, layout, height)


def _steps(years: list[int], values: list, hover: list[str], name: str, line: dict) -> dict:
    """A step line: one horizontal segment per year with a value, nothing where the value is missing."""
    xs, ys, texts = [], [], []
    for y, v, h in zip(years, values, hover):
        if v is None:
            if xs and xs[-1] is not None:
                xs.append(None), ys.append(None), texts.append("")
            continue
        xs += [y - 0.5, y + 0.5]      # consecutive years join, so a change of rule shows as a vertical step
        ys += [v, v]
        texts += [h, h]
    return dict(type="scatter", x=xs, y=ys, name=name, mode="lines", line=line, connectgaps=False,
                customdata=texts, hovertemplate="%{customdata}<extra></extra>")


def heatmap(m: Matrix, level: str, level_name: str) -> go.Figure:
    """Units × years of one level's share; white = 0%, the level's colour = the highest share shown."""
    z = m.share * 100
    finite = z[np.isfinite(z)]
    zmax = max(float(finite.max()) if finite.size else 0.0, 10.0)
    zmax = math.ceil(zmax / 5) * 5
    longest = max((len(s) for s in m.labels), default=10)
    xs = [str(y) for y in m.years]
    # Invisible square markers over the cells carry the hover text and make a cell clickable (a heatmap cannot be
    # selected; a scatter point can): clicking a unit's cell opens its subordinate units.
    cells = [(x, lab, m.text[i][j], m.detail[i][j]) for i, lab in enumerate(m.labels) for j, x in enumerate(xs)
             if m.text[i][j]]
    data = [
        dict(type="heatmap", z=[_nan_to_none(row) for row in z], x=xs, y=m.labels, text=m.text,
             texttemplate="%{text}", textfont=dict(size=12), xgap=2, ygap=2, zmin=0, zmax=zmax, hoverinfo="skip",
             colorscale=[[0, "#ffffff"], [1, LEVEL_COLORS[level]]],
             colorbar=dict(title=dict(text="Tỷ lệ", side="top"), ticksuffix="%", thickness=12, len=0.9)),
        dict(type="scatter", x=[c[0] for c in cells], y=[c[1] for c in cells], mode="markers",
             marker=dict(symbol="square", size=30, color="rgba(0,0,0,0)"),
             customdata=[[c[2], c[3]] for c in cells], showlegend=False,
             hovertemplate="<b>%{y}</b><br>Năm %{x}: %{customdata[0]} (%{customdata[1]})<extra>" + level_name
                           + "</extra>"),
    ]
    # explicit ranges: the invisible markers would otherwise pad the axes
    layout = dict(
        yaxis=dict(range=[len(m.labels) - 0.5, -0.5], automargin=True, title=dict(text=None), type="category",
                   categoryorder="array", categoryarray=m.labels),
        xaxis=dict(side="top", type="category", title=dict(text=None), categoryorder="array", categoryarray=xs,
                   range=[-0.5, len(xs) - 0.5]))
    return _figure(data, layout, 80 + 32 * max(len(m.labels), 3), legend=False,
                   margin_left=min(12 + 7 * longest, 340))


def peers(peer_rows: pd.DataFrame | None, summary: pd.DataFrame, level: str, level_name: str, self_name: str,
          years: list[int], height: int = 360) -> go.Figure:
    """The unit's share of a level by year against its peers and all peers together (dashed). Peers are grey dots
    when peer_rows are given (a few dozen peers); otherwise the spread of their shares from the summary (shaded
    10th–90th and 25th–75th percentile, and the median): a chi bộ has ~25,000 peers, not a dot's worth each."""
    data = []
    if peer_rows is not None:
        d = peer_rows[peer_rows["total"] > 0].copy()
        d["s"] = d[level] / d["total"] * 100
        others = d[~d["is_self"].astype(bool)]
        if not others.empty:
            data.append(dict(
                type="scatter", x=[str(y) for y in others["year"]], y=_nan_to_none(others["s"]), mode="markers",
                name="Từng đơn vị cùng loại", marker=dict(color=PEER_COLOR, size=8, opacity=0.8),
                customdata=[[u, p if isinstance(p, str) else "", fmt.pct(v / 100)]
                            for u, p, v in zip(others["unit"], others["parent_name"], others["s"])],
                hovertemplate="%{customdata[0]}<br><i>%{customdata[1]}</i><br>Năm %{x}: %{customdata[2]}"
                              "<extra></extra>",
            ))
    elif not summary.empty:
        xs = [str(y) for y in summary["year"]]
        for lo, hi, name, alpha in (("p10", "p90", "80% đơn vị cùng loại ở giữa", 0.18),
                                    ("p25", "p75", "50% đơn vị cùng loại ở giữa", 0.35)):
            data.append(dict(type="scatter", x=xs, y=_nan_to_none(summary[lo] * 100), mode="lines",
                             line=dict(width=0), hoverinfo="skip", showlegend=False))
            data.append(dict(type="scatter", x=xs, y=_nan_to_none(summary[hi] * 100), mode="lines",
                             line=dict(width=0), fill="tonexty", fillcolor=f"rgba(120,120,120,{alpha})", name=name,
                             customdata=[[fmt.pct(a), fmt.pct(b)] for a, b in zip(summary[lo], summary[hi])],
                             hovertemplate="Năm %{x}: từ %{customdata[0]} đến %{customdata[1]}<extra>" + name
                                           + "</extra>"))
        data.append(dict(type="scatter", x=xs, y=_nan_to_none(summary["p50"] * 100), mode="lines",
                         name="Trung vị các đơn vị cùng loại", line=dict(color=PEER_COLOR, width=1.5),
                         customdata=[[fmt.pct(v), fmt.number(n)] for v, n in zip(summary["p50"], summary["peers"])],
                         hovertemplate="Năm %{x}: %{customdata[0]} (giữa %{customdata[1]} đơn vị)<extra></extra>"))
    if not summary.empty:
        xs = [str(y) for y in summary["year"]]
        data.append(dict(
            type="scatter", x=xs, y=_nan_to_none(summary["pooled_share"] * 100), mode="lines",
            name="Chung các đơn vị cùng loại", line=dict(color=QUOTA_COLOR, dash="dash", width=2),
            customdata=[[fmt.pct(v)] for v in summary["pooled_share"]],
            hovertemplate="Năm %{x}: %{customdata[0]}<extra>chung các đơn vị cùng loại</extra>",
        ))
        data.append(dict(
            type="scatter", x=xs, y=_nan_to_none(summary["self_share"] * 100), mode="lines+markers", name=self_name,
            line=dict(color=LEVEL_COLORS[level], width=3), marker=dict(size=9),
            customdata=[[fmt.pct(s), "" if pd.isna(r) else f"xếp thứ {int(r)}/{int(n)}"]
                        for s, r, n in zip(summary["self_share"], summary["rank"], summary["peers"])],
            hovertemplate="Năm %{x}: %{customdata[0]} — %{customdata[1]}<extra>" + self_name + "</extra>",
        ))
    layout = dict(yaxis=dict(rangemode="tozero", ticksuffix="%", title=dict(text=None)), xaxis=_years_axis(years))
    return _figure(data, layout, height)


def collective_levels(ratings: pd.DataFrame, level_names: dict[str, str], subject_names: dict[str, str],
                      years: list[int], height: int = 300) -> go.Figure:
    """The unit's own ratings by year: the final level (filled, in the level's colour) and its self-rating (hollow)."""
    data = []
    names = [level_names.get(c, c) for c in LEVEL_CODES]
    subjects = list(dict.fromkeys(ratings["subject"])) if not ratings.empty else []
    symbols = ["square", "diamond", "triangle-up", "circle"]
    for k, subj in enumerate(subjects):
        r = ratings[ratings["subject"] == subj]
        final = r[r["level"].notna()]
        label = subject_names.get(subj, subj)
        data.append(dict(
            type="scatter", x=[str(y) for y in final["year"]], y=[names[int(v) - 1] for v in final["level"]],
            mode="markers", name=f"{label}: cấp có thẩm quyền xếp loại",
            marker=dict(size=18, symbol=symbols[k % 4], color=[LEVEL_COLORS[level_code(v)] for v in final["level"]],
                        line=dict(color="#333333", width=1)),
            customdata=[[fmt.number(s, 1) if not pd.isna(s) else fmt.DASH] for s in final["score"]],
            hovertemplate="Năm %{x}: <b>%{y}</b><br>Điểm: %{customdata[0]}<extra>" + label + "</extra>",
        ))
        own = r[r["self_level"].notna()]
        if not own.empty:
            data.append(dict(
                type="scatter", x=[str(y) for y in own["year"]], y=[names[int(v) - 1] for v in own["self_level"]],
                mode="markers", name=f"{label}: tự xếp loại",
                marker=dict(size=26, symbol=f"{symbols[k % 4]}-open", color="#333333", line=dict(width=1.5)),
                hovertemplate="Năm %{x}: tự xếp loại <b>%{y}</b><extra>" + label + "</extra>",
            ))
    layout = dict(yaxis=dict(type="category", categoryorder="array", categoryarray=names[::-1], range=[-0.5, 3.5],
                             automargin=True, title=dict(text=None)),
                  xaxis=_years_axis(years))
    return _figure(data, layout, height)


def composition_adjusted(adj: pd.DataFrame, base_year: int, height: int = 300) -> go.Figure:
    """The excellent share of all rated as it was, and with each subordinate unit's weight fixed at the base year.

    adj: analysis.composition.adjusted_share rows. Where the two lines part, the change came from which units exist
    (mergers, new or dissolved units), not from how they were rated.
    """
    years = [int(y) for y in adj["year"]]
    xs = [str(y) for y in years]
    raw = _nan_to_none(adj["raw_share"] * 100)
    fixed = _nan_to_none(adj["adjusted_share"] * 100)
    data = [
        dict(type="scatter", x=xs, y=raw, name="Tỷ lệ HTXS như đã báo cáo", mode="lines+markers",
             line=dict(color=LEVEL_COLORS["htxs"], width=3), marker=dict(size=8),
             customdata=[[fmt.pct(v / 100) if v is not None else fmt.DASH, fmt.number(n)]
                         for v, n in zip(raw, adj["units"])],
             hovertemplate="Năm %{x}: %{customdata[0]} (%{customdata[1]} đơn vị trực thuộc)<extra></extra>"),
        dict(type="scatter", x=xs, y=fixed, name=f"Giữ nguyên cơ cấu đơn vị năm {base_year}", mode="lines+markers",
             line=dict(color=QUOTA_COLOR, width=2, dash="dash"), marker=dict(size=7, symbol="diamond-open"),
             customdata=[[fmt.pct(v / 100) if v is not None else fmt.DASH, fmt.number(n)]
                         for v, n in zip(fixed, adj["units_in_base"])],
             hovertemplate="Năm %{x}: %{customdata[0]} (tính trên %{customdata[1]} đơn vị có từ năm "
                           f"{base_year})<extra></extra>"),
    ]
    top = max([v for v in raw + fixed if v is not None] + [10])
    layout = dict(yaxis=dict(range=[0, math.ceil(top / 5) * 5 + 5], ticksuffix="%", title=dict(text=None)),
                  xaxis=_years_axis(years))
    return _figure(data, layout, height)
