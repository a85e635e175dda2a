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
never shows half of one. Results are held once for every session (ui/result_cache.py), keyed on plain values
(query name, parameters, restriction, file and version).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from etl import warehouse
from etl.normalize import search_key
from queries import runner, scope
from ui import access, result_cache, shares, state, timing
from vocab import fmt, style


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


def drop_connections() -> None:
    """After a write from a page: the app's connections are dropped, so that the next query opens the version just
    published. (DuckDB hands a new connection to a path whose database instance is already open in this process the
    old file while that instance lives.)"""
    with _CONNECTIONS_LOCK:
        _CONNECTIONS.clear()


def _current() -> tuple[str, tuple] | None:
    path = str(warehouse.db_path())
    ver = warehouse.version(path)
    return None if ver is None else (path, ver)


def connection():
    """The current user's connection (restricted like query()), or None without a warehouse or a signed-in user."""
    cur = _current()
    r = access.restriction()
    return None if cur is None or r is None else _connection(*cur, r)


_RESULTS = result_cache.ResultCache()      # shared by every session of this server process, within a memory budget


def _run(path: str, version: tuple, name: str, params: tuple,
         restriction: scope.Restriction = scope.FULL) -> pd.DataFrame:
    return _RESULTS.get((path, version, name, params, restriction),
                        lambda: runner.run(_connection(path, version, restriction), name, dict(params)))


_run.clear = _RESULTS.clear


@dataclass(frozen=True)
class Tree:
    """The organization tree of one warehouse version as one restriction sees it, held once for every session: every
    run of every page reads it (sidebar, options, breadcrumbs). At national scale it has ~295 k units, so what each
    run needs from it is computed here once, not per run: the labels, the lookups, the codes a filter may name."""
    frame: pd.DataFrame                 # queries/units_tree.sql in tree order, plus `label`
    indexed: pd.DataFrame               # the same, indexed by unit_code
    codes: frozenset
    name_keys: frozenset
    parent: dict                        # code → parent code (None at the top)
    name: dict                          # code → name
    label: dict                         # code → label (see _labels)
    default_unit: str | None            # the top unit with the largest tree


def _labels(tree: pd.DataFrame) -> pd.Series:
    """The name, with the parent (or the code) when another unit has the same name, and the year a unit ended."""
    name = tree["name"].astype(str)
    shared = name.duplicated(keep=False)
    extra = tree["parent_name"].where(tree["parent_name"].notna(), tree["unit_code"]).astype(str)
    label = name.where(~shared, name + " (" + extra + ")")
    ended = tree["last_year"].notna()
    last = tree["last_year"].astype("Int64").astype(str)
    return label.where(~ended, label + " (đến " + last + ")")


@st.cache_resource(max_entries=8, show_spinner=False)
def _tree(path: str, version: tuple, restriction: scope.Restriction = scope.FULL) -> Tree:
    frame = runner.run(_connection(path, version, restriction), "units_tree", {})
    frame["label"] = _labels(frame) if len(frame) else pd.Series(dtype=str)
    codes = frame["unit_code"].tolist()
    top = frame[frame["depth"] == 0].sort_values("descendants", ascending=False, kind="stable")
    parents = frame["parent_code"].astype(object).where(frame["parent_code"].notna(), None).tolist()
    return Tree(frame=frame, indexed=frame.set_index("unit_code"), codes=frozenset(codes), name_keys=frozenset(frame["name_key"].dropna()),
                parent=dict(zip(codes, parents)), name=dict(zip(codes, frame["name"].tolist())),
                label=dict(zip(codes, frame["label"].tolist())),
                default_unit=top["unit_code"].iloc[0] if len(top) else None)


def _in_scope(cur, r: scope.Restriction, unit) -> str:
    """A unit the user may see: the one asked for when it is inside the scope, else the user's own unit."""
    tree = _tree(cur[0], cur[1], r)
    if unit in tree.codes or search_key(unit) in tree.name_keys:
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
    with timing.query():
        df = _run(cur[0], cur[1], name, clean, r)
    if r.individual and len(df) and access.personal_level(name) and not access.log_view(name, dict(clean), len(df)):
        st.error("Không ghi được nhật ký truy cập, nên không hiển thị số liệu từng đảng viên. Báo quản trị hệ thống.")
        return df.iloc[0:0]
    return df


def computed(label: str, fn, *key):
    """What a page computes from query results (a ranking, the funnel's evidence …), held like a query result: once
    for every session, for this warehouse version and restriction, and the `key` (plain values: the filters the
    inputs depend on). Without it every rerun — a click anywhere on the page — recomputed it."""
    cur = _current()
    r = access.restriction()
    if cur is None or r is None:
        return fn()
    return _RESULTS.get((cur[0], cur[1], "computed:" + label, key, r), fn)


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


def tree() -> Tree | None:
    """The current user's organization tree (None without a warehouse or a signed-in user)."""
    cur = _current()
    r = access.restriction()
    return None if cur is None or r is None else _tree(cur[0], cur[1], r)


def units() -> pd.DataFrame:
    """The organization tree in tree order (queries/units_tree.sql, plus `label`), indexed by nothing: use .set_index
    when needed. A shallow copy: pandas copies on write, so a page that adds a column does not change the shared one."""
    t = tree()
    if t is None:
        return pd.DataFrame(columns=[*runner.get("units_tree").columns, "label"])
    return t.frame.copy(deep=False)


def unit(code: str | None) -> pd.Series | None:
    """One unit's row of the tree (name, depth, children, kind …), or None for a code the tree does not hold."""
    t = tree()
    return t.indexed.loc[code] if t is not None and code in t.codes else None


def ancestors(code: str | None) -> list[tuple[str, str]]:
    """(code, name) from the top of the tree down to the unit itself."""
    t = tree()
    return shares.ancestors(t.parent, t.name, code) if t is not None else []


def options() -> state.Options:
    t = tree()
    years = tuple(int(y) for y in query("years")["year"])
    subj = subjects()
    with_data = tuple(subj.loc[subj["has_data"].astype(bool), "code"]) if not subj.empty else ()
    return state.Options(units=t.codes if t else frozenset(), years=years, subjects=with_data,
                         default_unit=t.default_unit if t else None)


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
