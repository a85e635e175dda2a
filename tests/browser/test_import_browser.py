"""The import page in a real browser (Debian's chromium through Playwright, the server as `make run` serves it, XSRF
protection on): upload a file with errors and read the problems, replace it by the corrected file, load it, undo it.
The warehouse is checked after each step, from outside the server."""
from __future__ import annotations

import re
import shutil

import pytest

from queries import runner, scope
from tools import serve

HEADER = ("Năm,Mã đơn vị,Đối tượng,Hoàn thành xuất sắc nhiệm vụ,Hoàn thành tốt nhiệm vụ,Hoàn thành nhiệm vụ,"
          "Không hoàn thành nhiệm vụ,Tổng số\n")
WITH_ERRORS = HEADER + "2021,T,Đảng viên,10,50,5,1,70\n2021,KHONG-CO,Đảng viên,1,2,3,0,6\n"
CORRECTED = HEADER + "2021,T,Đảng viên,10,50,5,1,66\n"


@pytest.fixture(scope="module")
def app(sc_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("nhap_lieu")
    db = folder / "kho.duckdb"
    shutil.copy(sc_db, db)
    env = {"KIEMDIEM_ACCOUNTS": str(folder / "khong_co.toml"), "KIEMDIEM_AUDIT": str(folder / "audit.jsonl")}
    with serve.serve(db, env=env) as url:
        yield url, db


def rows_2021(db) -> list:
    con = scope.connect(db)
    try:
        return runner.run(con, "distribution", {"unit": "T", "year": 2021, "subject": "dang_vien"})["htxs"].tolist()
    finally:
        con.close()


def upload(page, name: str, text: str) -> None:
    while page.locator("[data-testid='stFileChipDeleteBtn']").count():     # the earlier file goes first
        page.locator("[data-testid='stFileChipDeleteBtn']").first.click()
        serve.settled(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}])
    page.locator("[data-testid='stFileChipName']", has_text=name).wait_for()
    serve.settled(page)


def click(page, label: str) -> None:
    page.get_by_role("button", name=label).click()
    serve.settled(page)


def test_upload_check_load_undo_in_a_browser(app, page):
    url, db = app
    page.goto(f"{url}/import")
    serve.settled(page)
    assert page.locator("h1").first.inner_text() == "Nhập dữ liệu"

    upload(page, "so_luong_2021.csv", WITH_ERRORS)
    click(page, "Kiểm tra tệp")
    page.get_by_text("Các vấn đề cần sửa (2)").wait_for()
    assert page.get_by_role("button", name=re.compile(r"^Nạp .* dòng vào kho$")).count() == 0   # nothing to load
    assert rows_2021(db) == []

    upload(page, "so_luong_2021.csv", CORRECTED)
    click(page, "Kiểm tra tệp")
    page.get_by_text("Xem trước số liệu sẽ được nạp").wait_for()
    click(page, "Nạp 1 dòng vào kho")
    page.get_by_text("Đã nạp 1 dòng vào kho.").wait_for()
    assert rows_2021(db) == [10]

    undo = page.get_by_role("button", name="Hủy lần nạp #7")
    undo.scroll_into_view_if_needed()
    undo.click()
    page.get_by_text("Đã hủy lần nạp #7").wait_for()
    serve.settled(page)
    assert rows_2021(db) == []
