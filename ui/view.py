"""Streamlit building blocks the pages share: empty states, unit links, breadcrumb, cards, coloured tables."""
from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from ui import controls, html, state
from vocab import fmt
from ui.shares import Card
from vocab.style import level_cell_css, level_code

PLOTLY_CONFIG = {"displaylogo": False, "displayModeBar": False}


def empty(message: str, hint: str | None = None) -> None:
    """A clear empty state instead of an error or a blank chart."""
    st.info(message + (f"\n\n{hint}" if hint else ""), icon=":material/info:")


def chart(fig, key: str | None = None, **kwargs):
    return st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, **kwargs)


def unit_link(code: str, name: str, icon: str = ":material/account_tree:", help: str | None = None) -> None:
    """The unit's name as a link to its profile (same session, the other filters kept). `name` is shown as typed (the
    label would read Markdown: ui/fmt.plain)."""
    st.page_link(state.PROFILE_PAGE, label=fmt.plain(name), icon=icon, query_params={state.KEY_UNIT: code},
                 help=help or "Mở hồ sơ đơn vị")


def link_column(label: str = "Đơn vị") -> st.column_config.LinkColumn:
    """Table column of links to unit profiles, showing the unit's name (see state.profile_link)."""
    return st.column_config.LinkColumn(label, display_text=state.NAME_IN_LINK,
                                       help="Bấm tên đơn vị để mở hồ sơ đơn vị")


def profile_link(code: str, name: str) -> str:
    return state.profile_link(code, controls.stored(), name)


def breadcrumb(path: list[tuple[str, str]], key: str) -> None:
    """The units above the current one as buttons: a click goes back up the tree."""
    if len(path) <= 1:
        return
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    with row:
        st.markdown(":material/account_tree:")
        for i, (code, name) in enumerate(path):
            last = i == len(path) - 1
            st.button(fmt.plain(name), key=f"{key}_{code}", type="tertiary", disabled=last,
                      on_click=controls.set_unit, args=(code,),
                      help=None if last else "Về đơn vị này")
            if not last:
                st.markdown("›")


def cards(items: list[Card], level_names: dict[str, str],
          unit_words: dict[str, str] | None = None) -> None:
    # Cards of a fixed width in a wrapping row: three side by side on a wide screen (1400 px), two on a laptop's half
    # screen, never squeezed until the level names break into three lines.
    with st.container(horizontal=True, wrap=True, gap="small"):
        for c in items:
            with st.container(border=True, width=300):
                st.html(html.card(c, level_names, (unit_words or {}).get(c.subject, "")))


def table(df: pd.DataFrame, label_columns: int = 1, column_config: dict | None = None, key: str | None = None,
          **kwargs):
    """A table of Vietnamese-formatted numbers: the first `label_columns` columns are labels, the rest are numbers
    written as text ("2.311 (78,4%)") and aligned right like numbers."""
    config = {c: st.column_config.TextColumn(c, alignment="right") for c in df.columns[label_columns:]}
    config.update(column_config or {})
    return st.dataframe(df, hide_index=True, column_config=config, key=key, **kwargs)


def level_table(df: pd.DataFrame, level_columns: list[str], column_config: dict | None = None,
                key: str | None = None, **kwargs):
    """A table whose level cells are coloured like the charts (level columns hold level numbers 1–4)."""
    names = kwargs.pop("level_names")
    shown = df.copy()
    styler = shown.style.map(level_cell_css, subset=level_columns)
    styler = styler.format({c: (lambda v: names.get(_code(v), "—")) for c in level_columns})
    return st.dataframe(styler, hide_index=True, column_config=column_config, key=key, **kwargs)


def _code(v):
    return level_code(v)


def pager(total: int, key: str, size: int, what: str = "dòng") -> slice:
    """The part of a long list this screen shows: a page number when there is more than one page, and a caption of
    where the reader is. A list of thousands is read a page at a time, not sent to the browser whole."""
    pages = (total - 1) // size + 1 if total else 1
    page = st.number_input(f"Trang (1–{pages})", 1, pages, 1, key=key) if pages > 1 else 1
    page = min(int(page), pages)
    if pages > 1:
        first, last = (page - 1) * size + 1, min(page * size, total)
        st.caption(f"{what.capitalize()} {fmt.number(first)}–{fmt.number(last)} trong {fmt.number(total)} {what} "
                   f"(trang {page}/{pages}).")
    return slice((page - 1) * size, page * size)


def legend(level_names: dict[str, str]) -> None:
    st.html(f"<div style='font-size:0.85rem'>{html.legend(level_names)}</div>")


def on_row_select(key: str, codes: list[str], action: Callable[[str], None]) -> Callable[[], None]:
    """Callback for st.dataframe(on_select=…): run `action` with the unit code of the selected row."""
    def _cb():
        sel = st.session_state.get(key)
        rows = getattr(getattr(sel, "selection", None), "rows", None) if sel is not None else None
        if rows is None and isinstance(sel, dict):
            rows = sel.get("selection", {}).get("rows")
        if rows:
            action(codes[rows[0]])
    return _cb


# Streamlit writes a few words of its own in English that no option translates: the file uploader's button and its
# hint. CSS replaces them (the text stays in the page for screen readers only through the widget's own label).
_APP_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after {
    content: "Kéo thả tệp vào đây, hoặc bấm “Chọn tệp”"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
    content: "Chọn tệp"; font-size: 0.875rem; }
</style>"""


def app_style() -> None:
    """Once per run, from app.py."""
    st.html(_APP_CSS)
