"""The app's warehouse connection and cached query results.

One read-only connection per warehouse version, shared by every session (a cursor per query, see queries.runner).
When a load publishes a new version (a new file renamed over the old one) the version changes, so the next query
opens the new file and every cached result of the old version stops being used: the app never blocks a load and
never shows half of one. Results are cached on plain values (query name, parameters, file and version).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import warehouse
from queries import runner
from ui import fmt, state, style


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, version: tuple):
    return warehouse.connect_readonly(path)


def _current() -> tuple[str, tuple] | None:
    path = str(warehouse.db_path())
    ver = warehouse.version(path)
    return None if ver is None else (path, ver)


def connection():
    cur = _current()
    return None if cur is None else _connection(*cur)


@st.cache_data(max_entries=512, show_spinner=False)
def _run(path: str, version: tuple, name: str, params: tuple) -> pd.DataFrame:
    return runner.run(_connection(path, version), name, dict(params))


def query(name: str, **params) -> pd.DataFrame:
    """Rows of queries/NAME.sql for these parameters (an empty frame when there is no warehouse yet)."""
    cur = _current()
    if cur is None:
        return pd.DataFrame(columns=list(runner.get(name).columns))
    clean = tuple(sorted((k, v) for k, v in params.items() if v is not None))
    return _run(cur[0], cur[1], name, clean)


# ───────────── reference data, cached like any query ─────────────

def info() -> dict[str, str]:
    df = query("warehouse_info")
    return dict(zip(df["key"], df["value"])) if not df.empty else {}


def level_names() -> dict[str, str]:
    df = query("levels")
    return dict(zip(df["code"], df["name"])) if not df.empty else dict(style.LEVEL_NAMES)


def subjects() -> pd.DataFrame:
    return query("subjects")


def subject_names() -> dict[str, str]:
    df = subjects()
    return dict(zip(df["code"], df["name"]))


def units() -> pd.DataFrame:
    """The organization tree in tree order (queries/units_tree.sql), indexed by nothing: use .set_index when needed."""
    return query("units_tree")


def options() -> state.Options:
    u = units()
    years = tuple(int(y) for y in query("years")["year"])
    subj = subjects()
    with_data = tuple(subj.loc[subj["has_data"].astype(bool), "code"]) if not subj.empty else ()
    top = u[u["depth"] == 0].sort_values("descendants", ascending=False, kind="stable") if not u.empty else u
    return state.Options(units=tuple(u["unit_code"]), years=years, subjects=with_data,
                         default_unit=top["unit_code"].iloc[0] if len(top) else None)   # the largest tree


def demo_banner() -> None:
    """A visible notice when the warehouse holds the illustrative demo (meta key 'demo'), or no warehouse at all."""
    if _current() is None:
        st.warning("Chưa có kho dữ liệu. Chạy `make run` hoặc `python -m etl demo` để tạo dữ liệu minh họa, "
                   "hoặc nạp tệp bằng `python -m etl load TỆP…`.", icon=":material/database_off:")
        return
    meta = info()
    if "demo" in meta:
        note = meta["demo"] if len(meta["demo"]) > 3 else "Dữ liệu minh họa"
        st.info(f"**{note}** — kho này dùng để xem thử cách dùng ứng dụng; các con số không dùng để báo cáo.",
                icon=":material/science:")


def updated_at() -> str:
    meta = info()
    return fmt.datetime(meta.get("updated_at") or meta.get("built_at"))
