"""A real chromium (Debian's, driven by Playwright) for the browser tests; see tools/serve.py for the server.

One browser per module; every test gets a page in a fresh browser context (no cookies, storage or session left by
the test before it), as a user opening the app anew would.
"""
from __future__ import annotations

import pytest

from tools import serve


@pytest.fixture(scope="module")
def browser():
    if serve.chromium() is None:
        pytest.skip("cần chromium (make test tự cài: apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=serve.chromium(), args=serve.CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()
