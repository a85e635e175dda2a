"""Loaded text is shown as typed in the browser: the app served over the province whose every name carries Markdown
(tests/conftest.HOSTILE_TAG: an image and a link to example.invalid, raw HTML; HOSTILE_FILE_TAG in the files' names:
an image at a relative address). On every page, for the province, a commune and a chi bộ, and in the sidebar's list
of units opened: the browser asks nothing of example.invalid nor of the relative image, draws no image from there and
no link to there, and the text of the names is on the page as typed (tests/pages/test_names_as_text.py checks what
the app hands Streamlit)."""
from __future__ import annotations

import pytest

from tests.browser import steps
from tests.conftest import HOSTILE_TAG
from tools import serve
from tools.screenshots import page_paths
from vocab import fmt
from ui import shortcomings_view as sv

pytestmark = pytest.mark.skipif(serve.chromium() is None,
                                reason="cần chromium (make test tự cài: apt-get install chromium)")

ADDRESSES = ([path for _, path in page_paths()]
             + [f"{path}?don_vi={unit}" for _, path in page_paths() for unit in ("X1", "C11")]
             + [f"shortcomings?don_vi=X1&xem={view}" for view in sv.SECTIONS])
LIVE_JS = """() => ({
    images: [...document.querySelectorAll('img')].map(i => i.src).filter(s => /example\\.invalid|anh\\.png/.test(s)),
    links: [...document.querySelectorAll('a')].map(a => a.href)
        .filter(h => h.startsWith('http://example.invalid') || /\\/y$|anh\\.png/.test(h)),
})"""


@pytest.fixture(scope="module")
def server(hostile_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ten_doc_hai_web")
    env = {"KIEMDIEM_ACCOUNTS": str(folder / "khong_co.toml"), "KIEMDIEM_AUDIT": str(folder / "audit.jsonl")}
    with serve.serve(hostile_db, env=env) as url:      # open mode: every page, names shown
        yield url


def test_names_fetch_nothing_and_show_as_typed(server, page):
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "example.invalid" in r.url or "anh.png" in r.url else None)
    shown_as_typed = 0
    for address in ADDRESSES:
        steps.opened(page, f"{server}/{address}")
        steps.draw_tables(page)
        live = page.evaluate(LIVE_JS)
        assert not live["images"] and not live["links"], (address, live)
        text = steps.main_text(page).replace(fmt.JOINER, "")              # (the invisible joiner of ui/fmt.plain)
        shown_as_typed += "![i](http://example.invalid/track.png) [bấm](http://example.invalid/link)" in text
    # the sidebar's list of units, opened: every unit's name as an option
    steps.opened(page, f"{server}/distribution")
    names = steps.options_of(page, "Đơn vị", "[data-testid='stSidebar']")
    assert names and all(HOSTILE_TAG.strip() in n for n in names), names[:2]          # plain text
    assert not asked, asked
    assert shown_as_typed >= len(ADDRESSES) // 2            # the names are there, as typed
