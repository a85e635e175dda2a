"""The import page given a workbook that kills its parser, run as the page runs it (AppTest, in this very process: an
abort of the parser here would end the test run)."""
from __future__ import annotations

import shutil

from etl import filecheck
from tests.etl.test_hostile_files import far_cell_workbook
from tests.pages.test_import_page import click, upload


def test_the_import_page_survives_a_workbook_that_kills_its_parser(open_app, sc_db, tmp_path, monkeypatch):
    """Upload, then 'Kiểm tra tệp': the page shows the message and the app goes on serving."""
    db = tmp_path / "kho.duckdb"
    shutil.copy(sc_db, db)
    bomb = far_cell_workbook(tmp_path / "bom.xlsx").read_bytes()
    at = open_app(db)
    at.switch_page("pages/import.py").run()
    upload(at, ("bom.xlsx", bomb, "application/octet-stream"))              # refused at the door
    assert "XFD1048576" in "\n".join(e.value for e in at.error)
    monkeypatch.setattr(filecheck, "MAX_CELLS", 10**15)                     # …and past it
    upload(at, ("bom2.xlsx", bomb, "application/octet-stream"))
    click(at, "imp_check")
    shown = "\n".join(e.value for e in at.error) + "\n".join(str(d.value) for d in at.dataframe)
    assert "quá nhiều bộ nhớ" in shown
    at.switch_page("pages/overview.py").run()                                # the server still serves
    assert not at.exception
