"""Widgets whose values live in the URL: the global filters of the sidebar and a page's own choices.

How it works: each value is kept in session state under a non-widget key (so it survives page changes), copied into
its widget before the widget is drawn, copied back by the widget's callback, and written to st.query_params after
each run. When the address changes under the app (a link with parameters, back/forward, an edited URL), the changed
parameters win. The rules are in ui/state.py; this module only binds them to Streamlit.
"""
from __future__ import annotations

import contextlib
import runpy
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

import streamlit as st

from ui import access, data, state, timing
from vocab import fmt

_FILTERS = "_filters"          # state.Filters
_WRITTEN = "_url_written"      # what the app last wrote into the URL
_LOCAL = "_local:"             # prefix of page-local values
_YEARS_SEEN = "_years_seen"    # the years the warehouse offered at the previous run
_RUN = threading.local()       # set while app.py runs (each session's script runs in its own thread)
ENTRY = Path(__file__).resolve().parent.parent / "app.py"


@contextlib.contextmanager
def app_run():
    """app.py wraps its run in this, so a page can tell whether the shell (navigation, sidebar) is drawn."""
    _RUN.active = True
    try:
        yield
    finally:
        _RUN.active = False
        timing.end()


def _ensure_shell() -> None:
    """Run app.py when Streamlit runs a page file on its own.

    With a pages/ folder beside app.py, Streamlit resolves the very first request after the server starts against
    that folder (its old multipage mode) before app.py has declared st.navigation: /distribution would run
    pages/distribution.py alone, without navigation or filters. Then this runs app.py — which draws the shell and,
    through st.navigation, this same page — and stops the bare run. Later requests never come here.
    """
    if getattr(_RUN, "active", False):
        return
    runpy.run_path(str(ENTRY), run_name="__main__")
    st.stop()


def _url() -> dict[str, str]:
    return st.query_params.to_dict()


def _write_url(params: dict[str, str]) -> None:
    written = st.session_state.setdefault(_WRITTEN, {})
    for k, v in params.items():
        if st.query_params.get(k) != v:
            st.query_params[k] = v
        written[k] = v


def _set(widget_key: str, value) -> None:
    """Show `value` in a widget (before it is drawn); only when it differs, so user input is never overwritten."""
    if st.session_state.get(widget_key) != value:
        st.session_state[widget_key] = value


def stored() -> state.Filters:
    """The filters kept in the session, without the shell check of current() (for widget callbacks)."""
    return st.session_state.get(_FILTERS) or state.Filters()


def current() -> state.Filters:
    """The global filters as the sidebar set them in this run (every page calls this first). A page the user may not
    open stops here (ui/access.py)."""
    _ensure_shell()
    access.guard_page(sys._getframe(1).f_globals.get("__file__"))
    return stored()


def set_unit(code: str) -> None:
    """Move the whole app to another unit (drill-down, breadcrumb). Safe inside a widget callback."""
    st.session_state[_FILTERS] = replace(stored(), unit=code)


def _on_unit() -> None:
    code = st.session_state.get("w_unit")
    if code:
        set_unit(code)


def _on_years() -> None:
    y0, y1 = st.session_state["w_years"]
    st.session_state[_FILTERS] = replace(stored(), year_from=int(y0), year_to=int(y1))


def _on_view() -> None:
    st.session_state[_FILTERS] = replace(stored(), view=st.session_state.get("w_view") or state.VIEW_REPORTED)


def _on_subject() -> None:
    st.session_state[_FILTERS] = replace(stored(), subject=st.session_state.get("w_subject"))


def sidebar() -> state.Filters:
    """Draw the global filters in the sidebar; return them. Called once per run by app.py."""
    opts = data.options()
    ss = st.session_state
    if _FILTERS not in ss:
        f = state.apply(_url(), opts)
    else:
        changed = state.changed_in_url(_url(), ss.get(_WRITTEN, {}), state.GLOBAL_KEYS)
        base = state.grow_years(ss[_FILTERS], ss.get(_YEARS_SEEN, ()), opts.years)
        f = state.apply(changed, opts, base=base) if changed else state.normalize(base, opts)
    ss[_FILTERS] = f
    ss[_YEARS_SEEN] = opts.years

    tree = data.tree()
    subject_names = data.subject_names()
    with st.sidebar:
        st.markdown("**Bộ lọc chung**")
        if tree is None or not tree.codes:
            st.caption("Chưa có đơn vị nào trong kho.")
        else:
            text = st.text_input("Tìm đơn vị", key="w_unit_search", placeholder="gõ có dấu hoặc không dấu",
                                 help="Ví dụ: gõ \"hoa binh\" để tìm \"Hòa Bình\". Gõ mã đơn vị cũng được.")
            codes, found = _unit_list(tree, text or "", f.year_from, f.year_to)
            if f.unit and f.unit not in codes:
                codes = [f.unit, *codes]
            labels = tree.label
            _set("w_unit", f.unit)
            st.selectbox("Đơn vị", codes, key="w_unit", format_func=lambda c: labels.get(c, c),
                         on_change=_on_unit,
                         help="Các trang hiển thị số liệu của đơn vị này, tính cả các đơn vị trực thuộc.")
            if text and found == 0:
                st.caption(f"Không tìm thấy đơn vị nào khớp với “{fmt.plain(text)}”.")
            elif text:
                st.caption(f"{fmt.number(found)} đơn vị khớp với “{fmt.plain(text)}”"
                           + (f"; danh sách hiện {fmt.number(MAX_LISTED)} đơn vị đầu — gõ thêm để thu hẹp."
                              if found > MAX_LISTED else "."))
            elif found > MAX_LISTED:
                st.caption(f"Danh sách hiện các đơn vị cấp trên ({fmt.number(len(codes))} trong "
                           f"{fmt.number(found)} đơn vị) — gõ tên hoặc mã để tìm đơn vị khác.")
            path = data.ancestors(f.unit)
            if len(path) > 1:
                st.caption(" › ".join(fmt.plain(n) for _, n in path[:-1]))
        years = list(opts.years)
        if len(years) > 1:
            # value= (a pair) makes it a range slider; on later runs a changed state is pushed into the widget
            if "w_years" in ss:
                _set("w_years", (f.year_from, f.year_to))
            st.select_slider("Năm đánh giá", options=years, value=(f.year_from, f.year_to), key="w_years",
                             on_change=_on_years)
        elif years:
            st.caption(f"Năm đánh giá: {years[0]}")
        subject_options = [None, *opts.subjects]
        _set("w_subject", f.subject)
        st.selectbox("Đối tượng", subject_options, key="w_subject", on_change=_on_subject,
                     format_func=lambda c: "Mọi đối tượng" if c is None else subject_names.get(c, c))
        _set("w_view", f.view)
        st.radio("Số liệu các năm trước", state.VIEWS, key="w_view", on_change=_on_view,
                 format_func=lambda v: ("Như đã báo cáo (cơ cấu từng năm)" if v == state.VIEW_REPORTED
                                        else f"Quy về cơ cấu tổ chức năm {f.year_to}"),
                 help="Như đã báo cáo: mỗi năm theo các đơn vị có trong năm đó. Quy về cơ cấu tổ chức: số liệu các "
                      "năm trước được cộng vào đơn vị kế tục sau sáp nhập, chia tách, đổi tên, để xu hướng của một "
                      "đơn vị mới so sánh được qua các năm.")
        updated = data.updated_at()
        if updated:
            st.caption(f"Số liệu cập nhật lúc {updated}")
    _write_url(f.params())
    return f


# At national scale the tree has ~295 000 units: a selectbox of all of them sent every option to the browser and
# labelled each in Python on every run (most of a page's time). Without a search the list holds the top two levels;
# a search lists its first MAX_LISTED matches.
MAX_LISTED = 2000


def _unit_list(tree: data.Tree, text: str, year_from: int | None, year_to: int | None) -> tuple[list[str], int]:
    """The unit codes the selectbox offers, in tree order, and how many units match: the same for everyone with this
    tree, search and years, so computed once (data.computed; a search over ~295 k names is ~0.1 s)."""
    return data.computed("unit_list", lambda: _listed(tree, text, year_from, year_to), text, year_from, year_to,
                         MAX_LISTED)


def _listed(tree: data.Tree, text: str, year_from: int | None, year_to: int | None) -> tuple[list[str], int]:
    units = tree.frame
    mask = state.search_mask(units["name_key"], units["unit_code"], text)
    # the tree of the years being looked at: units that existed at some point of the chosen range
    if year_from is not None and year_to is not None:
        mask &= (units["first_year"].isna() | (units["first_year"] <= year_to)) & \
                (units["last_year"].isna() | (units["last_year"] >= year_from))
    found = int(mask.sum())
    if found > MAX_LISTED and not text:
        mask = mask & (units["depth"] <= 1)
    return units.loc[mask, "unit_code"].head(MAX_LISTED).tolist(), found


def page_choice(label: str, key: str, options: Sequence, default, format_func: Callable = str,
                widget: str = "segmented", **kwargs):
    """A page's own choice kept in the URL under `key` (e.g. the level shown by the distribution heatmap)."""
    ss = st.session_state
    store = _LOCAL + key
    valid = {str(o): o for o in options}
    url_value = state.changed_in_url(_url(), ss.get(_WRITTEN, {}), [key]).get(key)
    if store not in ss:
        ss[store] = valid.get(st.query_params.get(key), default)
    elif url_value in valid:
        ss[store] = valid[url_value]
    if ss[store] not in options:
        ss[store] = default
    wkey = "w_" + key

    def _copy():
        v = ss.get(wkey)
        ss[store] = v if v is not None else default

    _set(wkey, ss[store])
    if widget == "segmented":
        st.segmented_control(label, options, key=wkey, format_func=format_func, on_change=_copy,
                             required=True, **kwargs)
    else:
        st.selectbox(label, options, key=wkey, format_func=format_func, on_change=_copy, **kwargs)
    _write_url({key: str(ss[store])})
    return ss[store]
