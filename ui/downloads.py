"""The download row every table and chart carries: CSV (UTF-8 with BOM, inert formulas), Excel, and PNG for charts.

Files are made only when the button is clicked (a callable given to st.download_button), so drawing a page costs
nothing. Every export states the filters it was made with (reports/exports.py writes them into the file).
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from reports import exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table(df: pd.DataFrame | Callable[[], pd.DataFrame], name: str, filters: dict[str, object] | None,
          key: str, title: str | None = None, sheet: str | None = None) -> None:
    """'Tải CSV' and 'Tải Excel' for one table. `name` is the file name without extension (ASCII, no spaces);
    `df` may be a callable returning the frame, so an export of many rows is built only on a click."""
    get = df if callable(df) else (lambda: df)
    with st.container(horizontal=True, gap="small"):
        st.download_button("Tải CSV", lambda: exports.csv_bytes(get(), filters), file_name=f"{name}.csv",
                           mime="text/csv", icon=":material/download:", key=f"{key}_csv", on_click="ignore")
        st.download_button("Tải Excel", lambda: exports.xlsx_bytes({sheet or title or name: get()}, filters,
                                                                   title=title),
                           file_name=f"{name}.xlsx", mime=XLSX, icon=":material/download:", key=f"{key}_xlsx",
                           on_click="ignore")


def chart(fig, name: str, key: str) -> None:
    """'Tải ảnh (PNG)' for one chart, or a short notice where this machine has no browser to draw it with."""
    if exports.chromium_path() is None:
        st.caption("Chưa xuất được ảnh biểu đồ: máy chưa cài Chromium (apt-get install chromium).")
        return
    st.download_button("Tải ảnh (PNG)", lambda: exports.png_bytes(fig), file_name=f"{name}.png", mime="image/png",
                       icon=":material/image:", key=f"{key}_png", on_click="ignore")


def workbook(sheets: dict[str, pd.DataFrame] | Callable[[], dict[str, pd.DataFrame]], name: str,
             filters: dict[str, object] | None, key: str, title: str | None = None, label: str = "Tải Excel") -> None:
    """One Excel workbook of several tables (a sheet each) after the 'Thông tin' sheet with the filters."""
    get = sheets if callable(sheets) else (lambda: sheets)
    st.download_button(label, lambda: exports.xlsx_bytes(get(), filters, title=title), file_name=f"{name}.xlsx",
                       mime=XLSX, icon=":material/download:", key=f"{key}_xlsx", on_click="ignore")
