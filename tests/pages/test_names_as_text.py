"""Loaded text is shown as typed, never read as Markdown: on every page, over a province whose units, members,
shortcomings, suggestions and files all carry Markdown in their names (tests/conftest.HOSTILE_TAG: an image and a link
to example.invalid, raw HTML, Streamlit's :red[…], bold, $math$), everything the page hands Streamlit as Markdown —
markdown, captions, alerts, headings, widget and button labels, options of radios and segmented controls, tabs,
expanders, metrics, help tooltips — holds that text only escaped (ui/fmt.plain). The browser side (no request to
example.invalid, no image, no link): tests/browser/test_names_as_text_browser.py."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import HOSTILE_FILE_TAG, HOSTILE_TAG, ROOT
from tests.pages.test_every_page import PAGE_FILES
from vocab import fmt
from ui import shortcomings_view as sv

# The tags as they read once escaped (a name ends before its tag, so the tag is escaped as the rest of a name).
SAFE_TAG = fmt.plain("x" + HOSTILE_TAG)[1:]
SAFE_FILE_TAG = fmt.plain("x" + HOSTILE_FILE_TAG)[1:]
# A Markdown construct that is not escaped: an image or link, an autolink, raw HTML, a directive, math.
LIVE = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\(|https?://|(?<!\\)<img|(?<!\\):red(?<!\\)\[|(?<!\\)\$x")
# Fields of an element's message that Streamlit draws as Markdown; a select box's options are plain text.
MARKDOWN_FIELDS = {"body", "label", "help", "content", "caption", "captions"}
MARKDOWN_OPTIONS = {"radio", "select_slider"}
VIEWS = ([(page, {}) for page in PAGE_FILES]
         + [(page, {"don_vi": unit}) for page in PAGE_FILES for unit in ("X1", "C11")]
         + [("pages/shortcomings.py", {"don_vi": "X1", "xem": view}) for view in sv.SECTIONS])


def markdown_texts(at: AppTest) -> list[tuple[str, str]]:
    """(element type, text) of every piece of text the run gave Streamlit to draw as Markdown."""
    out: list[tuple[str, str]] = []

    def fields(kind: str, msg) -> None:
        for field, value in msg.ListFields():
            values = list(value) if hasattr(value, "__len__") and not isinstance(value, (str, bytes)) \
                and not hasattr(value, "ListFields") else [value]
            if field.message_type is not None:
                for v in values:
                    fields(kind, v)
            elif field.name in MARKDOWN_FIELDS or (field.name == "options" and kind in MARKDOWN_OPTIONS):
                out.extend((kind, v) for v in values if isinstance(v, str))

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is not None and kind not in ("arrow_data_frame", "plotly_chart", "dataframe"):
            fields(kind, proto)
        for child in getattr(node, "children", {}).values():
            walk(child)
    walk(at._tree)
    return out


@pytest.fixture(scope="module")
def opened(hostile_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIEMDIEM_DB", str(hostile_db))
        mp.setenv("KIEMDIEM_ACCOUNTS", str(folder / "khong_co.toml"))        # open mode: every page, names shown
        mp.setenv("KIEMDIEM_AUDIT", str(folder / "audit.jsonl"))
        mp.delenv("KIEMDIEM_TRUSTED_USER_HEADER", raising=False)

        def _open(page: str, params: dict) -> AppTest:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            for k, v in params.items():
                at.query_params[k] = v
            at.switch_page(page)
            at.run()
            assert not at.exception, [e.value for e in at.exception]
            return at
        yield _open


def test_the_tags_are_escaped_by_the_helper():
    assert not LIVE.search(SAFE_TAG) and not LIVE.search(SAFE_FILE_TAG)
    assert "example.invalid" in SAFE_TAG and "anh.png" in SAFE_FILE_TAG


@pytest.mark.parametrize("page,params", VIEWS, ids=[f"{p[6:-3]}-{'-'.join(q.values()) or 'T'}" for p, q in VIEWS])
def test_names_reach_markdown_only_escaped(opened, page, params):
    at = opened(page, params)
    texts = markdown_texts(at)
    live = [(kind, text) for kind, text in texts
            if LIVE.search(text.replace(SAFE_TAG, "").replace(SAFE_FILE_TAG, ""))
            or "example.invalid" in text.replace(SAFE_TAG, "") or "anh.png" in text.replace(SAFE_FILE_TAG, "")]
    assert not live, live
    if page not in ("pages/audit.py", "pages/import.py"):
        assert any(SAFE_TAG in text for _, text in texts), "the page shows no name (the test would prove nothing)"
