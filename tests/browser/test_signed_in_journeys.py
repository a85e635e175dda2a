"""Journeys of signed-in accounts, in a real chromium over the app served on 127.0.0.1 (tools/serve.py), on a copy of
the hand-counted province (tests/standing_committee_data.py), with an accounts file made as the README says
(operations/accounts.py — what `python -m etl account add` writes).

- The data operator signs in, uploads a file with errors and reads the error table, uploads the corrected file, loads
  it, sees the new year's numbers in the overview, undoes the load and sees them gone. (tests/browser/
  test_import_browser.py checks the import page alone, in open mode; this is the operator's whole round trip.)
- A unit secretary sees only her unit (Đảng bộ xã An Phú, X3), even after editing the address to another unit or to a
  page outside her role — each edited address is a new page load, so she signs in again each time.

Each journey runs in a fresh browser context. No fixed sleeps: every wait is on the page's state
(tests/browser/steps.py).
"""
from __future__ import annotations

import re
import shutil

import pytest

from etl import warehouse
from operations import accounts
from queries import runner
from tests.browser import steps
from tests.standing_committee_data import EXPECTED, MEMBERS
from tools import serve

pytestmark = pytest.mark.skipif(serve.chromium() is None,
                                reason="cần chromium (make test tự cài: apt-get install chromium)")

OPERATOR, OPERATOR_PASSWORD, OPERATOR_NAME = "nhaplieu", "mat-khau-nhap-lieu-1", "Lê Văn Nhập"
SECRETARY, SECRETARY_PASSWORD, SECRETARY_NAME = "bithu", "mat-khau-bi-thu-01", "Phạm Thị Thư"
HEADER = ("Năm,Mã đơn vị,Đối tượng,Hoàn thành xuất sắc nhiệm vụ,Hoàn thành tốt nhiệm vụ,Hoàn thành nhiệm vụ,"
          "Không hoàn thành nhiệm vụ,Tổng số\n")
WITH_ERRORS = HEADER + "2021,T,Đảng viên,10,50,5,1,70\n2021,KHONG-CO,Đảng viên,1,2,3,0,6\n"
CORRECTED = HEADER + "2021,T,Đảng viên,10,50,5,1,66\n"
OTHERS = ("Sơn Hà", "Hòa Bình", "Hòa Lạc", "Bình Minh", "Chi bộ thôn Đông", "Chi bộ thôn Tây", "Văn phòng")


@pytest.fixture(scope="module")
def app(sc_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tai_khoan")
    db = folder / "kho.duckdb"
    shutil.copy(sc_db, db)
    book = folder / "accounts.toml"
    accounts.add(OPERATOR, "nhap_lieu", password=OPERATOR_PASSWORD, name=OPERATOR_NAME, path=book)
    accounts.add(SECRETARY, "bi_thu", password=SECRETARY_PASSWORD, name=SECRETARY_NAME, unit="X3", path=book)
    env = {"KIEMDIEM_ACCOUNTS": str(book), "KIEMDIEM_AUDIT": str(folder / "audit.jsonl")}
    with serve.serve(db, env=env) as url:
        yield url, db


@pytest.fixture
def fresh(page):
    """A page in a new browser context: nothing shared with another journey (cookies, storage, session)."""
    context = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield context.new_page()
    finally:
        context.close()


def go(page, link: str, title: str) -> None:
    """Open a page from the navigation in the sidebar (the same session: still signed in)."""
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=link, exact=True).click()
    steps.titled(page, title)


def upload(page, name: str, text: str) -> None:
    while page.locator("[data-testid='stFileChipDeleteBtn']").count():     # the earlier file goes first
        page.locator("[data-testid='stFileChipDeleteBtn']").first.click()
        steps.idle(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}])
    page.locator("[data-testid='stFileChipName']", has_text=name).wait_for()
    steps.idle(page)


def click(page, label: str | re.Pattern) -> None:
    button = page.get_by_role("button", name=label)
    button.scroll_into_view_if_needed()
    button.click()


def excellent_bars(page) -> dict[str, list[str]]:
    """The overview's first chart (four levels by year): year → the HTXS bar's [count, share, rated]."""
    trace = steps.charts(page)[0][0]
    assert trace["name"] == "Hoàn thành xuất sắc nhiệm vụ"
    return dict(zip(map(str, trace["x"]), trace["customdata"]))


def year_bounds(page) -> tuple[str, str]:
    """The lowest and highest year the sidebar's year slider offers."""
    ticks = page.locator("[data-testid='stSidebar'] [data-testid='stSliderTickBar']").inner_text().split()
    return ticks[0], ticks[-1]


def loads(db) -> list[int]:
    con = warehouse.connect_readonly(db)
    try:
        df = runner.run(con, "loads", {})
        return sorted(int(i) for i in df.loc[df["status"] != "da_huy", "load_id"])
    finally:
        con.close()


def test_operator_checks_fixes_loads_sees_and_undoes(app, fresh):
    url, db = app
    page = fresh
    page.goto(f"{url}/")
    steps.sign_in(page, OPERATOR, OPERATOR_PASSWORD, title="Tổng quan kết quả xếp loại")
    assert f"Đăng nhập: {OPERATOR_NAME} · Cán bộ nhập liệu" in steps.sidebar_text(page)
    assert year_bounds(page) == ("2022", "2025") and "2021" not in excellent_bars(page)
    before = loads(db)

    # a file with two errors: nothing can be loaded, the error table says where and why
    go(page, "Nhập dữ liệu", "Nhập dữ liệu")
    upload(page, "so_luong_2021.csv", WITH_ERRORS)
    click(page, "Kiểm tra tệp")
    page.get_by_text("Các vấn đề cần sửa (2)").wait_for()
    steps.idle(page)
    steps.draw_tables(page)
    problems = next(i for i in range(page.locator("[data-testid='stDataFrame']").count())
                    if "Lý do" in steps.grid_header(page, i))
    page.locator("[data-testid='stDataFrame']").nth(problems).scroll_into_view_if_needed()
    header = steps.grid_header(page, problems)
    rows = [dict(zip(header, r)) for r in steps.rows_shown(page, 2, index=problems)]
    assert [(r["Dòng"], r["Cột"], r["Giá trị"]) for r in rows] == [("2", "Tổng số", "70"),
                                                                    ("3", "Mã đơn vị", "KHONG-CO")]
    assert "66" in rows[0]["Lý do"] and "70" in rows[0]["Lý do"]
    assert "KHONG-CO" in rows[1]["Lý do"] and "danh mục đơn vị" in rows[1]["Lý do"]
    assert page.get_by_role("button", name=re.compile(r"^Nạp .* dòng vào kho$")).count() == 0
    assert loads(db) == before

    # the corrected file: checked, previewed, loaded
    upload(page, "so_luong_2021.csv", CORRECTED)
    click(page, "Kiểm tra tệp")
    page.get_by_text("Xem trước số liệu sẽ được nạp").wait_for()
    steps.idle(page)
    click(page, "Nạp 1 dòng vào kho")
    page.get_by_text("Đã nạp 1 dòng vào kho.").wait_for()
    steps.idle(page)
    new = [i for i in loads(db) if i not in before]
    assert len(new) == 1

    # the overview offers the new year; widening the years shows its numbers (10 HTXS of 66 rated)
    go(page, "Tổng quan", "Tổng quan kết quả xếp loại")
    assert year_bounds(page) == ("2021", "2025")
    page.locator("[data-testid='stSidebar'] [data-testid='stSlider'] input[type='range']").first.focus()
    page.keyboard.press("Home")
    steps.url_has(page, "tu_nam=2021")
    page.wait_for_function("() => document.querySelector('.js-plotly-plot').data[0].x.map(String).includes('2021')",
                           timeout=30_000)
    steps.idle(page)
    bars = excellent_bars(page)
    assert bars["2021"] == ["10", "15,2%", "66"]
    t = EXPECTED["T"][2022]
    assert bars["2022"][0] == str(t[0]) and bars["2022"][2] == str(sum(t))        # the other years unchanged

    # undo the load: the year is gone from the warehouse and from the overview
    go(page, "Nhập dữ liệu", "Nhập dữ liệu")
    click(page, f"Hủy lần nạp #{new[0]}")
    page.get_by_text(f"Đã hủy lần nạp #{new[0]}").wait_for()
    steps.idle(page)
    assert loads(db) == before
    go(page, "Tổng quan", "Tổng quan kết quả xếp loại")
    page.wait_for_function("() => !document.querySelector('.js-plotly-plot').data[0].x.map(String).includes('2021')",
                           timeout=30_000)
    assert year_bounds(page) == ("2022", "2025")
    assert list(excellent_bars(page)) == ["2022", "2023", "2024", "2025"]


def secretary_sees_only_her_unit(page) -> None:
    """What the page shows (text, charts, tables, the unit list) names her unit and its chi bộ, nobody else."""
    steps.draw_tables(page)
    assert f"Đăng nhập: {SECRETARY_NAME} · Bí thư cấp ủy đơn vị · Đảng bộ xã An Phú" in steps.sidebar_text(page)
    steps.url_has(page, "don_vi=X3")
    shown = "\n".join([steps.main_text(page), str(steps.charts(page)),
                       *("\t".join(r) for i in range(page.locator("[data-testid='stDataFrame']").count())
                         for r in steps.grid_rows(page, i) or [])])
    assert "Đảng bộ xã An Phú" in shown
    leaked = [name for name in OTHERS if name in shown]
    assert not leaked, f"{page.url}: {leaked}"
    assert [a.split("\n")[-1].strip() for a in
            page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()] == ["Tổng quan", "Phân bố xếp loại",
                                                                               "Hồ sơ đơn vị"]


def test_a_secretary_sees_only_her_unit_even_after_editing_the_address(app, fresh):
    url, _ = app
    page = fresh
    # a link to another unit's overview: after sign-in, her own unit
    page.goto(f"{url}/?don_vi=X1&doi_tuong=dang_vien")
    steps.sign_in(page, SECRETARY, SECRETARY_PASSWORD, title="Tổng quan kết quả xếp loại")
    secretary_sees_only_her_unit(page)
    assert steps.options_of(page, "Đơn vị", "[data-testid='stSidebar']") == ["Đảng bộ xã An Phú", "Chi bộ thôn Bắc"]
    bars = excellent_bars(page)
    for year in (2022, 2023, 2024, 2025):                              # her chi bộ's members, counted by hand
        counts = MEMBERS[year]["C31"]                                  # Chi bộ thôn Bắc, her only chi bộ
        assert (bars[str(year)][0], bars[str(year)][2]) == (str(counts[0]), str(sum(counts)))

    # the address edited to the province, then to a district's commune, then to a page outside her role
    for address, title in (("distribution?don_vi=T", "Phân bố xếp loại theo đơn vị"),
                           ("unit_profile?don_vi=X1", "Đảng bộ xã An Phú"),
                           ("quota?don_vi=H1", "Tổng quan kết quả xếp loại")):
        page.goto(f"{url}/{address}")
        steps.sign_in(page, SECRETARY, SECRETARY_PASSWORD, title=title)
        secretary_sees_only_her_unit(page)
        assert "Page not found" not in steps.main_text(page)
