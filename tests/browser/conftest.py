"""A real chromium (Debian's, driven by Playwright) for the browser tests; see tools/serve.py for the server."""
from __future__ import annotations

import pytest

from tools import serve


@pytest.fixture(scope="module")
def page():
    if serve.chromium() is None:
        pytest.skip("cần chromium (make test tự cài: apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=serve.chromium(), args=serve.CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield pg
        browser.close()
