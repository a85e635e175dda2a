"""Every page of the navigation, on the demo: no Python exception, no raw column name, no English word, no number
left in Python's format. The list of pages is read from app.py, so a new page is checked without editing this test.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.pages.conftest import texts

PAGE_FILES = list(dict.fromkeys(re.findall(r'"(pages/\w+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))
                                + ["pages/unit_profile.py"]))
ENGLISH = re.compile(r"\b(None|nan|NaN|NaT|True|False|null|Traceback|Error|Exception|Page not found|undefined)\b")
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
# Python's way: "2,208" (thousands with commas) or "18.5" / "0.125" (a decimal point). Vietnamese "2.208" — a dot and
# exactly three digits — is a thousands separator and allowed.
PYTHON_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(,\d{3})+(?!\d)|(?<![\d.,/])(0\.\d+|\d+\.(\d{1,2}|\d{4,}))(?![\d.])")


@pytest.fixture(scope="module")
def opened(demo_db):
    import os
    os.environ["KIEMDIEM_DB"] = str(demo_db)
    cache: dict[str, AppTest] = {}

    def _open(page: str) -> AppTest:
        if page not in cache:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            if page != PAGE_FILES[0]:
                at.switch_page(page)
            cache[page] = at.run()
        return cache[page]
    yield _open
    os.environ.pop("KIEMDIEM_DB", None)


def _frames(at: AppTest) -> list[pd.DataFrame]:
    out = []
    for kind in ("dataframe", "table"):
        for e in at.get(kind):
            v = e.value
            out.append(v.data if hasattr(v, "data") else v)        # a Styler holds its frame in .data
    return out


@pytest.mark.parametrize("page", PAGE_FILES)
def test_the_page_speaks_vietnamese_and_formats_its_numbers(opened, page):
    at = opened(page)
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert shown.strip(), "the page shows nothing"
    english = sorted(set(m.group(0) for m in ENGLISH.finditer(shown)))
    assert not english, f"English or Python words on the page: {english}"
    python_numbers = sorted(set(m.group(0) for m in PYTHON_NUMBER.finditer(shown)))
    assert not python_numbers, f"numbers in Python's format: {python_numbers}"
    for df in _frames(at):
        raw = [c for c in map(str, df.columns) if SNAKE.match(c)]
        assert not raw, f"raw column names in a table: {raw}"
        for col in df.columns:
            values = df[col]
            if pd.api.types.is_float_dtype(values):
                assert values.dropna().empty, f"column {col!r} holds floats the browser would write as 18.5"
            if pd.api.types.is_integer_dtype(values) and not str(col).startswith("Năm"):
                assert values.abs().max() < 1000 if len(values) else True, \
                    f"column {col!r} holds numbers the browser would write as 2,208"
            if values.dtype == object:
                cells = " ".join(str(v) for v in values.dropna().head(200))
                bad = sorted(set(m.group(0) for m in ENGLISH.finditer(cells)))
                assert not bad, f"column {col!r} shows {bad}"


@pytest.mark.parametrize("page", PAGE_FILES)
def test_no_table_offers_streamlits_own_download(opened, page):
    """The toolbar Streamlit puts on every st.dataframe / st.data_editor has a "Download as CSV" of its own: it would
    bypass the audit log and the formula neutralizing of the pages' download buttons (a member table with names shown
    would leave as loaded, `=HYPERLINK(…)` included, and unlogged). The app switches it off for every table
    (client.disableDataExport in .streamlit/config.toml): the browser gets the switch in the session's config message,
    and no page turns it back on while it is drawn. The browser side: tests/browser/test_inspection_journey.py."""
    from streamlit import config
    from streamlit.proto.NewSession_pb2 import Config
    from streamlit.runtime.app_session import _populate_config_msg

    at = opened(page)
    assert not at.exception, [e.value for e in at.exception]
    assert config.get_option("client.disableDataExport") is True
    msg = Config()
    _populate_config_msg(msg)           # what a browser session receives before the page is drawn
    assert msg.disable_data_export
