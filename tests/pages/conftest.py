"""AppTest helpers: open the real app (app.py, st.navigation) on a test warehouse, on a page, with URL parameters."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGES = {"overview": "pages/overview.py", "distribution": "pages/distribution.py", "profile": "pages/unit_profile.py",
         "quota": "pages/quota.py", "reports": "pages/reports.py", "commendations": "pages/commendations.py",
         "shortcomings": "pages/shortcomings.py"}


@pytest.fixture
def open_app(monkeypatch):
    """open_app(db, page="overview", **url_params) → an AppTest that has run once."""
    def _open(db: Path, page: str = "overview", **params) -> AppTest:
        monkeypatch.setenv("KIEMDIEM_DB", str(db))
        # open mode (no accounts, no proxy): every page, as the tests of each page expect
        monkeypatch.setenv("KIEMDIEM_ACCOUNTS", str(db.parent / "khong_co_tai_khoan.toml"))
        monkeypatch.delenv("KIEMDIEM_TRUSTED_USER_HEADER", raising=False)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        for k, v in params.items():
            at.query_params[k] = str(v)
        if page != "overview":
            at.switch_page(PAGES[page])
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return _open


def figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def texts(at: AppTest) -> str:
    """Every piece of text the page shows (titles, markdown, captions, alerts, widget labels)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [str(getattr(e, "label", "")) for e in at.get("selectbox")]
    return "\n".join(parts)
