"""A chart as a picture for a written report: the on-screen figure with a title, the filters it was made with under
it, white background, and a height that fits its rows. Plain plotly, no Streamlit.
"""
from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from reports import exports

WIDTH = 1200
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"     # Debian's chromium draws Vietnamese with these


def for_print(fig: go.Figure, title: str, filters: dict[str, object] | None) -> go.Figure:
    """A copy of `fig` with `title` on top and the filters as a footnote (the original is left as it is)."""
    out = go.Figure(fig.to_dict(), skip_invalid=True)
    height = int(out.layout.height or 420)
    parts = [f"{k}: {v}" for k, v in (filters or {}).items() if v not in (None, "", [])]
    note = " · ".join(parts) + f" · Xuất lúc {dt.datetime.now().strftime('%d/%m/%Y %H:%M')}"
    m = out.layout.margin
    top, bottom, left, right = (m.t or 10), (m.b or 10), (m.l or 10), (m.r or 10)
    out.update_layout(
        template="plotly_white",             # the same look wherever it is made (Streamlit sets its own default)
        title=dict(text=title, x=0.01, xanchor="left", y=1, yanchor="top", yref="container", pad=dict(t=14),
                   font=dict(size=18)),
        font=dict(family=FONT),
        hoverlabel=dict(font=dict(family=FONT)),
        paper_bgcolor="white",
        height=height + 130,
        width=WIDTH,
        margin=dict(t=top + 60, b=bottom + 60, l=left, r=max(right, 20)),
    )
    out.update_xaxes(automargin=True)
    out.update_yaxes(automargin=True)
    out.add_annotation(text=note, xref="paper", yref="paper", x=0, y=0, yshift=-bottom - 28,
                       xanchor="left", yanchor="top", showarrow=False, align="left",
                       font=dict(size=11, color="#555555"))
    return out


def png(fig: go.Figure, title: str, filters: dict[str, object] | None) -> bytes:
    """The print version of `fig` as PNG (kaleido + Debian's chromium); ChartExportUnavailable without a browser."""
    printed = for_print(fig, title, filters)
    return exports.png_bytes(printed, width=WIDTH, height=int(printed.layout.height))
