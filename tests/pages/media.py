"""Reading what a download button offers in an AppTest run, whether its file was given as bytes or is built on click
(a callable: Streamlit registers it and runs it when the browser asks, as `execute_deferred` does here)."""
from __future__ import annotations

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import app_test
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


class Downloads:
    """Keeps the media file manager of every AppTest run (AppTest makes a new one per run)."""

    def __init__(self, mp: pytest.MonkeyPatch):
        self.managers: list[MediaFileManager] = []
        outer = self

        class Keep(MediaFileManager):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                outer.managers.append(self)

        mp.setattr(app_test, "MediaFileManager", Keep)

    def content(self, button) -> bytes:
        """The file of a download button of the latest run — built now if it is built on click."""
        mgr = self.managers[-1]
        url = (mgr.execute_deferred(button.proto.deferred_file_id) if button.proto.deferred_file_id
               else button.proto.url)
        return mgr.read_file(url.rsplit("/", 1)[-1]).content


def buttons(at: AppTest) -> dict[str, object]:
    """Download buttons by key (the key given in the page)."""
    return {b.key: b for b in at.get("download_button")}


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.get("download_button")]


def open_page(mp: pytest.MonkeyPatch, db, page: str, **params) -> AppTest:
    """The real app (app.py) on `db`, on `page`, run once. KIEMDIEM_DB is set through `mp` (module-scoped for a
    reused AppTest): it must stay set while the buttons' files are built."""
    mp.setenv("KIEMDIEM_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = str(v)
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def module_mp():
    """A MonkeyPatch for a whole test module (module-scoped AppTest reuse)."""
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def downloads(module_mp):
    return Downloads(module_mp)
