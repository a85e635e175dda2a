"""What a user does in the browser, as small steps shared by the journeys (not a test module).

Every wait is on the page's real state: Streamlit's own script state on the app root (`data-test-script-state`, the
attribute its end-to-end tests use), the charts drawn, and the text or address the step expects. No fixed sleeps.
"""
from __future__ import annotations

import re

from tools import serve

IDLE_JS = serve.IDLE_JS
idle = serve.idle


def opened(page, url: str, title: str | None = None, timeout: float = 60_000) -> None:
    """Go to `url` and wait for the page (with this h1) to finish drawing."""
    page.goto(url)
    if title:
        titled(page, title, timeout)
    else:
        serve.settled(page, timeout)
        idle(page, timeout)


def titled(page, title: str, timeout: float = 60_000) -> None:
    page.wait_for_function("(t) => [...document.querySelectorAll('[data-testid=\"stMain\"] h1')]"
                           ".some(h => h.innerText.trim() === t)", arg=title, timeout=timeout)
    idle(page, timeout)


def h1(page) -> str:
    return page.locator("[data-testid='stMain'] h1").first.inner_text().strip()


def main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def sidebar_text(page) -> str:
    return page.locator("[data-testid='stSidebar']").inner_text()


def sign_in(page, user: str, password: str, title: str | None = None) -> None:
    """Fill the login form the app shows on every address before sign-in; wait for the page the address names."""
    page.wait_for_function("() => [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === 'Đăng nhập')",
                           timeout=60_000)
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stMain\"] h1')]"
                           ".some(h => h.innerText.trim() && h.innerText.trim() !== 'Đăng nhập')", timeout=60_000)
    if title:
        titled(page, title)
    idle(page)


def pick(page, label: str, option: str, scope: str = "[data-testid='stMain']") -> None:
    """Choose `option` in the selectbox labelled `label`."""
    box = page.locator(f"{scope} [data-testid='stSelectbox']").filter(has_text=label).first
    box.scroll_into_view_if_needed()
    box.click()
    page.keyboard.type(option)                      # a long list is filtered as the user types
    page.locator("[role='option']").filter(has_text=re.compile("^" + re.escape(option) + "$")).first.click()


def options_of(page, label: str, scope: str = "[data-testid='stMain']") -> list[str]:
    """The options a selectbox offers (opened, read, closed with Escape)."""
    box = page.locator(f"{scope} [data-testid='stSelectbox']").filter(has_text=label).first
    box.click()
    page.locator("[role='option']").first.wait_for()
    out = [o.strip() for o in page.locator("[role='option']").all_inner_texts()]
    page.keyboard.press("Escape")
    return out


def url_has(page, fragment: str, timeout: float = 30_000) -> None:
    page.wait_for_function("(f) => decodeURIComponent(location.href).includes(f)", arg=fragment, timeout=timeout)


def grid_rows(page, index: int = 0) -> list[list[str]]:
    """The rows of the index-th table (st.dataframe / st.data_editor) as its accessible grid lists them: the cells
    a screen reader reads, the same text the canvas draws."""
    return page.evaluate("""(i) => {
        const grid = document.querySelectorAll('[data-testid="stDataFrame"]')[i];
        if (!grid) return null;
        return [...grid.querySelectorAll('tbody tr')].map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText));
    }""", index)


def draw_tables(page, timeout: float = 30_000) -> None:
    """Bring every visible table into view once: the grid lists its cells only once it has been on screen (a table
    in a closed expander stays closed, as the user left it)."""
    grids = page.locator("[data-testid='stDataFrame']")
    for i in range(grids.count()):
        if not grids.nth(i).is_visible():
            continue
        grids.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("""(i) => document.querySelectorAll('[data-testid="stDataFrame"]')[i]
            .querySelector('[role="columnheader"]')""", arg=i, timeout=timeout)


def grid_header(page, index: int = 0) -> list[str]:
    return page.evaluate("""(i) => [...document.querySelectorAll('[data-testid="stDataFrame"]')[i]
        .querySelectorAll('[role="columnheader"]')].map(th => th.innerText.trim())""", index)


def charts(page) -> list[list[dict]]:
    """Every plotly chart's traces as the browser holds them."""
    return page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => (gd.data || []).map(
        t => ({name: t.name, mode: t.mode, type: t.type, x: t.x, y: t.y, text: t.text, customdata: t.customdata})))""")


def rows_shown(page, n: int | None = None, index: int = 0, timeout: float = 30_000) -> list[list[str]]:
    """Wait until the index-th table lists n rows (any, when n is None) — the grid draws after the script's run —
    and return them. A long table lists only the rows in view."""
    page.wait_for_function("""([i, n]) => { const g = document.querySelectorAll('[data-testid="stDataFrame"]')[i];
        const k = g ? g.querySelectorAll('tbody tr').length : 0;
        return n === null ? k > 0 : k === n; }""", arg=[index, n], timeout=timeout)
    return grid_rows(page, index)
