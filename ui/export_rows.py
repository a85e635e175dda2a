"""Download rows for the Standing Committee pages: the words of the filters every export states, a chart's PNG in its
print layout (title and filters on the picture), and a table's CSV/Excel through ui/downloads.py.

Files are made only on a click (callables), so drawing a page costs nothing.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from reports import chart_image, exports
from ui import downloads, state, view

UNIT = "Đơn vị (gồm đơn vị trực thuộc)"


def filters(f: state.Filters, unit_name: str, years: list[int], subject_name: str | None = None,
            unit_label: str = UNIT, **choices: object) -> dict[str, object]:
    """The filters an export was made with, in words: unit, years, subject, how earlier years are counted (when the
    sidebar offers it) and the page's own choices (keyword = label, '_' for a space)."""
    span = (f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])) if years else "mọi năm"
    out: dict[str, object] = {unit_label: unit_name, "Năm đánh giá": span,
                              "Đối tượng": subject_name or "mọi đối tượng"}
    view = getattr(f, "view", None)
    if view is not None:
        s_year = getattr(f, "structure_year", None)
        out["Số liệu các năm trước"] = (
            ("quy về cơ cấu tổ chức " + (f"năm {s_year}" if s_year else "hiện tại"))
            if view == getattr(state, "VIEW_TODAY", "cau_truc_hien_tai") else "như đã báo cáo (cơ cấu từng năm)")
    out.update({k.replace("_", " "): v for k, v in choices.items() if v not in (None, "")})
    return out


def chart(fig, name: str, key: str, title: str, where: dict[str, object], label: str = "Tải ảnh (PNG)") -> None:
    """A PNG of the chart with `title` and the filters printed on it, or a short notice where this machine has no
    browser to draw it with (Debian's chromium)."""
    if exports.chromium_path() is None:
        st.caption("Chưa xuất được ảnh biểu đồ: máy chưa cài Chromium (apt-get install chromium).")
        return
    st.download_button(label, lambda: chart_image.png(fig, title, where), file_name=f"{name}.png", mime="image/png",
                       icon=":material/image:", key=f"{key}_png", on_click="ignore",
                       help="Ảnh biểu đồ kèm tiêu đề và bộ lọc, để dán vào báo cáo")


def table(df: pd.DataFrame | Callable[[], pd.DataFrame], name: str, key: str, title: str,
          where: dict[str, object]) -> None:
    """'Tải CSV' and 'Tải Excel' of one table (numbers as numbers), the filters on the first lines / first sheet."""
    downloads.table(df, name, where, key, title=title)


def plot(fig, key: str, title: str, where: dict[str, object], **kwargs):
    """The chart on the page (ui.view.chart) with its PNG download under it; returns what st.plotly_chart returns."""
    event = view.chart(fig, key=key, **kwargs)
    chart(fig, key, f"dl_{key}", title, where)
    return event
