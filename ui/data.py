"""The app's warehouse connection and cached query results.

Access is enforced here, under every page: query() and connection() read through the connection of the user's
Restriction (queries/scope.py: the warehouse tables as views limited to the user's unit subtree, without member-level
rows or names for roles that may not see them), a `unit` parameter outside the scope is replaced by the user's own
unit, nothing is readable while nobody is signed in, and each view of individual-level rows is written to the audit
log (ui/access.py) — or not shown when the log cannot be written.

One read-only connection per restriction on the current warehouse version, shared by every session of that
restriction (a cursor per query, see queries.runner).
When a load publishes a new version (a new file renamed over the old one) the version changes, so the next query
opens the new file and every cached result of the old version stops being used: the app never blocks a load and
never shows half of one. Results are cached on plain values (query name, parameters, file and version).
"""
from __future__ import annotations

import threading

import pandas as pd
import streamlit as st

from etl import warehouse
from etl.normalize import search_key
from queries import runner, scope
from ui import access, fmt, state, style


_CONNECTIONS: dict[tuple, tuple] = {}       # (path, restriction) → (version, connection)
_CONNECTIONS_LOCK = threading.Lock()


def _connection(path: str, version: tuple, restriction: scope.Restriction = scope.FULL):
    """The connection of one restriction on the file as it is now. A newer version replaces the older one, whose file
    is released once no running query uses it (a cache of every version would keep every old file on disk)."""
    key = (path, restriction)
    with _CONNECTIONS_LOCK:
        held = _CONNECTIONS.get(key)
        now = warehouse.version(path)
        if held is None or held[0] != now:
            held = (now, scope.connect(path, restriction))
            _CONNECTIONS[key] = held
        return held[1]


_connection.clear = _CONNECTIONS.clear      # as st.cache_resource offers (pages/shortcomings.py uses it)


def _current() -> tuple[str, tuple] | None:
    path = str(warehouse.db_path())
    ver = warehouse.version(path)
    return None if ver is None else (path, ver)


def connection():
    """The current user's connection (restricted like query()), or None without a warehouse or a signed-in user."""
    cur = _current()
    r = access.restriction()
    return None if cur is None or r is None else _connection(*cur, r)


@st.cache_data(max_entries=512, show_spinner=False)
def _run(path: str, version: tuple, name: str, params: tuple,
         restriction: scope.Restriction = scope.FULL) -> pd.DataFrame:
    return runner.run(_connection(path, version, restriction), name, dict(params))


@st.cache_resource(max_entries=8, show_spinner=False)
def _tree(path: str, version: tuple, restriction: scope.Restriction = scope.FULL) -> pd.DataFrame:
    """The organization tree, held once per version and restriction: every run of every page reads it (sidebar,
    options), and as a cached result it was unpickled each time (~295 k rows at national scale). Callers copy it."""
    return runner.run(_connection(path, version, restriction), "units_tree", {})


def _in_scope(cur, r: scope.Restriction, unit) -> str:
    """A unit the user may see: the one asked for when it is inside the scope, else the user's own unit."""
    tree = _tree(cur[0], cur[1], r)
    if unit in set(tree["unit_code"]) or search_key(unit) in set(tree["name_key"]):
        return unit
    access.refused(f"đơn vị {unit}", "ngoài phạm vi của tài khoản — thay bằng đơn vị của tài khoản")
    return r.roots[0]


def query(name: str, **params) -> pd.DataFrame:
    """Rows of queries/NAME.sql for these parameters, as the current user may see them (an empty frame when there is
    no warehouse yet or nobody is signed in)."""
    cur = _current()
    r = access.restriction()
    if cur is None or r is None:
        return pd.DataFrame(columns=list(runner.get(name).columns))
    if r.roots is not None and params.get("unit") is not None:
        params = {**params, "unit": _in_scope(cur, r, params["unit"])}
    clean = tuple(sorted((k, v) for k, v in params.items() if v is not None))
    df = _run(cur[0], cur[1], name, clean, r)
    if r.individual and len(df) and access.personal_level(name) and not access.log_view(name, dict(clean), len(df)):
        st.error("Không ghi được nhật ký truy cập, nên không hiển thị số liệu từng đảng viên. Báo quản trị hệ thống.")
        return df.iloc[0:0]
    return df


def is_demo() -> bool:
    """The warehouse is the illustrative demo (meta key 'demo')."""
    return "demo" in info()


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
    cur = _current()
    r = access.restriction()
    if cur is None or r is None:
        return pd.DataFrame(columns=list(runner.get("units_tree").columns))
    return _tree(cur[0], cur[1], r).copy()


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
        st.info(f"**{fmt.plain(note)}** — kho này dùng để xem thử cách dùng ứng dụng; các con số không dùng để "
                "báo cáo.", icon=":material/science:")


def updated_at() -> str:
    meta = info()
    return fmt.datetime(meta.get("updated_at") or meta.get("built_at"))
