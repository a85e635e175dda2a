"""A workbook that kills its parser, uploaded and checked in a real browser against the server as `make run` serves
it: the clerk reads why, and the server — every colleague's session — goes on. The server is started with the
extent check lifted (KIEMDIEM_MAX_CELLS), so the file reaches the parser and only the reader's own process limit
stands between it and the server."""
from __future__ import annotations

import shutil
import urllib.request

import pytest

from tests.etl.test_hostile_files import far_cell_workbook
from tools import serve


@pytest.fixture(scope="module")
def app(sc_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bom")
    db = folder / "kho.duckdb"
    shutil.copy(sc_db, db)
    env = {"KIEMDIEM_ACCOUNTS": str(folder / "khong_co.toml"), "KIEMDIEM_AUDIT": str(folder / "audit.jsonl"),
           "KIEMDIEM_MAX_CELLS": str(10**15)}
    with serve.serve(db, env=env) as url:
        yield url, folder


def test_the_server_survives_a_workbook_that_kills_its_parser(app, page, browser):
    url, folder = app
    bomb = far_cell_workbook(folder / "bom.xlsx").read_bytes()
    colleague = browser.new_context().new_page()          # someone else reading the overview meanwhile
    colleague.goto(f"{url}/overview")
    serve.settled(colleague)

    page.goto(f"{url}/import")
    serve.settled(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": "bom.xlsx", "mimeType": "application/octet-stream", "buffer": bomb}])
    page.locator("[data-testid='stFileChipName']", has_text="bom.xlsx").wait_for()
    serve.settled(page)
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.get_by_text("quá nhiều bộ nhớ").first.wait_for(state="attached", timeout=60_000)   # in the problems grid

    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
        assert r.status == 200
    colleague.reload()
    serve.settled(colleague)
    assert colleague.locator("[data-testid='stMain'] h1").first.inner_text()
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
