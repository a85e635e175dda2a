"""Every page of the navigation, served on 127.0.0.1 over the demo warehouse and opened in chromium: what the browser
draws — the text of the main area and the sidebar (the charts' SVG text included), the cells of the tables as their
accessible grid lists them — holds no Python exception, no "Page not found", no English or Python word, no number in
Python's format, and no raw identifier (a snake_case code such as a query or role name).

The page list is read from app.py (tools/screenshots.page_paths), so a new page is checked without editing this test;
the word and number patterns are those of the AppTest check (tests/pages/test_every_page.py)."""
from __future__ import annotations

import re

import pytest

from tests.browser import steps
from tests.pages.test_every_page import ENGLISH, PYTHON_NUMBER
from tools import serve
from tools.screenshots import page_paths

pytestmark = pytest.mark.skipif(serve.chromium() is None,
                                reason="cần chromium (make test tự cài: apt-get install chromium)")

PAGES = page_paths()
# a code written in snake_case; a file name or a path (goi_y_2025.csv, data/reference/…) is what the user typed or
# must find on disk, and is allowed
RAW = re.compile(r"(?<![\w./-])[a-z0-9]+(?:_[a-z0-9]+)+(?![\w./-])")
# Material icons are drawn from ligatures: their names ("lock_open", "download") are text in the DOM, not on screen
SHOWN_JS = """() => {
    const hide = document.createElement('style');
    hide.textContent = '[data-testid="stIconMaterial"], [data-testid$="Icon"] { display: none !important; }';
    document.head.appendChild(hide);
    const text = s => { const e = document.querySelector(s); return e ? e.innerText : ''; };
    const shown = {main: text('[data-testid="stMain"]'), sidebar: text('[data-testid="stSidebar"]')};
    hide.remove();
    shown.cells = [];                                                   // [column header, cell text]
    document.querySelectorAll('[data-testid="stDataFrame"]').forEach(grid => {
        const heads = [...grid.querySelectorAll('th')].map(th => th.textContent.trim());
        grid.querySelectorAll('tbody tr').forEach(tr => tr.querySelectorAll('td').forEach((td, i) =>
            shown.cells.push([heads[i] || '', td.textContent])));
    });
    shown.exceptions = [...document.querySelectorAll('[data-testid="stException"]')].map(e => e.innerText);
    shown.notFound = document.body.innerText.includes('Page not found');      // Streamlit's box sits outside main
    return shown;
}"""


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("moi_trang")
    env = {"KIEMDIEM_ACCOUNTS": str(folder / "khong_co.toml"), "KIEMDIEM_AUDIT": str(folder / "audit.jsonl")}
    with serve.serve(demo_db, env=env) as url:      # open mode: every page in the navigation
        yield url


def test_the_navigation_lists_every_page(server, page):
    steps.opened(page, f"{server}/")
    links = page.locator("[data-testid='stSidebarNav'] a").evaluate_all("as => as.map(a => a.href)")
    paths = {link.split("?")[0].rstrip("/").rsplit("/", 1)[-1] for link in links}
    assert {p for _, p in PAGES if p} <= paths


@pytest.mark.parametrize("path", [p for _, p in PAGES], ids=[n for n, _ in PAGES])
def test_the_page_in_the_browser_speaks_vietnamese(server, page, path):
    steps.opened(page, f"{server}/{path}")
    steps.draw_tables(page)
    shown = page.evaluate(SHOWN_JS)
    assert not shown["exceptions"], shown["exceptions"]
    cells = [(head, cell) for head, cell in shown["cells"] if not re.match(r"https?://|\S+\?\S+=", cell)]  # links
    text = "\n".join([shown["main"], shown["sidebar"], *(cell for _, cell in cells)])
    assert not shown["notFound"] and "Page not found" not in text and steps.h1(page)
    english = sorted({m.group(0) for m in ENGLISH.finditer(text)})
    assert not english, f"English or Python words on /{path}: {english}"
    numbers = sorted({m.group(0) for m in PYTHON_NUMBER.finditer(text)})
    assert not numbers, f"numbers in Python's format on /{path}: {numbers}"
    words = "\n".join([shown["main"], shown["sidebar"], *(c for h, c in cells if not h.startswith("Mã"))])
    raw = sorted({m.group(0) for m in RAW.finditer(words)})
    assert not raw, f"raw codes on /{path}: {raw}"


def test_the_home_page_opens_under_its_own_name_too(server, page):
    """The overview is the home page ("/"); a link or a bookmark to /overview — its file's name, which every other
    page's address follows — opens it too, instead of Streamlit's English "Page not found"."""
    steps.opened(page, f"{server}/overview")
    shown = page.evaluate(SHOWN_JS)
    assert not shown["notFound"] and not shown["exceptions"]
    assert steps.h1(page) == "Tổng quan kết quả xếp loại"


def test_no_request_leaves_the_machine_on_any_page(server, page):
    """Offline and private: walking every page through the navigation, as a user does, the browser asks nothing of any
    address but the app's (each page's :material: icon once became the tab's favicon, fetched from fonts.gstatic.com)."""
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
    steps.opened(page, f"{server}/")
    for _, path in PAGES:
        if not path:
            continue
        page.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']").first.click()
        serve.settled(page)
    assert outside == []
