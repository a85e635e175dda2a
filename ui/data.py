"""The app's single warehouse connection and cached query results.

One read-only connection per warehouse version, shared by every session (a cursor per query, see queries.runner).
When a load publishes a new version the connection is reopened, so the app never blocks a load and never shows
half of one.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import warehouse
from queries import runner


@st.cache_resource(max_entries=1)
def _connection(path: str, version: tuple):
    return warehouse.connect_readonly(path)


def connection():
    path = str(warehouse.db_path())
    ver = warehouse.version(path)
    if ver is None:
        return None
    return _connection(path, ver)


@st.cache_data(max_entries=256, show_spinner=False)
def _run(name: str, params: tuple, version: tuple) -> pd.DataFrame:
    return runner.run(connection(), name, dict(params))


def query(name: str, **params) -> pd.DataFrame:
    ver = warehouse.version()
    if ver is None:
        return pd.DataFrame()
    return _run(name, tuple(sorted(params.items())), ver)


def demo_banner() -> None:
    con = connection()
    if con is None:
        st.warning("Chưa có kho dữ liệu. Chạy `make run` hoặc `python -m etl demo` để tạo dữ liệu minh họa.")
        return
    cur = con.cursor()
    try:
        row = cur.execute("SELECT value FROM meta WHERE key = 'demo'").fetchall()
    finally:
        cur.close()
    if row:
        st.info(f":material/science: **{row[0][0]}** — mọi con số trên các trang là minh họa.")
