"""The Inspection Committee's journeys, in a real chromium over the app served on 127.0.0.1 (tools/serve.py), on a
copy of the demo warehouse (it is written to: a confirmed match), signed in with an Inspection Committee account.

1. "Vượt tỷ lệ xuất sắc": click the point of the largest excess on the funnel plot → that unit's profile; then
   "Dấu hiệu bất thường": filter by a rule, download the findings (CSV and Excel) and read them.
2. "Hạn chế lặp lại": open a chain and read its years side by side; confirm a borderline match in the review queue
   and see it saved (the page, the warehouse, the chain it joined).
3. "Đề nghị khen thưởng": switch the members' names on; the table's own toolbar offers no "Download as CSV" (that file
   would leave unlogged, formulas live) — only the page's download buttons, which log and neutralize.

Each journey runs in a fresh browser context. No fixed sleeps: every wait is on the page's state
(tests/browser/steps.py).
"""
from __future__ import annotations

import csv
import io
import re
import shutil

import openpyxl
import pytest

from etl import warehouse
from operations import accounts
from queries import runner
from tests.browser import steps
from tools import serve
from ui import shortcomings_view as sv

pytestmark = pytest.mark.skipif(serve.chromium() is None,
                                reason="cần chromium (make test tự cài: apt-get install chromium)")

USER, PASSWORD, NAME = "ubkt", "mat-khau-kiem-tra-1", "Trần Thị Kiểm"
RULE = "ty_le_htxs_vuot_quy_dinh"
PLANTED_UNIT = "TU-MS-CS01"              # Chi bộ Báo Minh Sơn: the same shortcoming four years running (generators/demo.py)


@pytest.fixture(scope="module")
def app(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ubkt")
    db = folder / "kho.duckdb"
    shutil.copy(demo_db, db)
    accounts.add(USER, "uy_ban_kiem_tra", password=PASSWORD, name=NAME, path=folder / "accounts.toml")
    env = {"KIEMDIEM_ACCOUNTS": str(folder / "accounts.toml"), "KIEMDIEM_AUDIT": str(folder / "audit.jsonl")}
    with serve.serve(db, env=env) as url:
        yield url, db


@pytest.fixture
def fresh(page):
    """A page in a new browser context: nothing shared with another journey (cookies, storage, session)."""
    context = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def query(db, name: str, **params):
    con = warehouse.connect_readonly(db)
    try:
        return runner.run(con, name, params)
    finally:
        con.close()


def go(page, link: str, title: str) -> None:
    """Open a page from the navigation in the sidebar (the same session: still signed in)."""
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=link, exact=True).click()
    steps.titled(page, title)


LARGEST_POINT = """() => {
    const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
    let best = null;
    gd.data.forEach(t => { if (t.mode !== 'markers') return;
        t.customdata.forEach((cd, i) => {
            const m = /vượt (\\d+)/.exec(cd[1]), excess = m ? Number(m[1]) : 0;
            if (!best || excess > best.excess) best = {excess, code: cd[0], hover: cd[1], x: t.x[i], y: t.y[i]};
        });
    });
    const lx = xa.type === 'log' ? Math.log10(best.x) : best.x;
    best.px = box.left + xa._offset + xa.l2p(lx);
    best.py = box.top + ya._offset + ya.l2p(best.y);
    return best;
}"""


def test_funnel_point_to_profile_then_findings_by_rule_downloaded(app, fresh):
    url, db = app
    page = fresh
    page.goto(f"{url}/quota")
    steps.sign_in(page, USER, PASSWORD, title="Vượt tỷ lệ xuất sắc")
    assert NAME in steps.sidebar_text(page)

    # the funnel plot: find the point of the largest excess (its hover says "vượt N") and click it
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.scroll_into_view_if_needed()
    point = page.evaluate(LARGEST_POINT)
    audit = query(db, "quota", unit="TU-MS", subject="dang_vien")
    over = audit[audit["status"].isin(["vuot", "can_quyet_dinh", "can_xem_xet"])]
    assert point["excess"] == int(over["excess"].max()) > 0
    assert point["code"] in set(over.loc[over["excess"] == point["excess"], "unit_code"])
    name = re.search(r"<b>(.*?)</b>", point["hover"]).group(1)
    page.mouse.move(point["px"], point["py"])
    page.locator(".hoverlayer .hovertext").filter(has_text=name).wait_for()      # the hover names the unit
    page.mouse.click(point["px"], point["py"])
    steps.url_has(page, "/unit_profile")
    steps.titled(page, name)
    steps.url_has(page, f"don_vi={point['code']}")

    # the findings page opens on the units worth inspecting, ranked, each with its reason
    go(page, "Dấu hiệu bất thường", "Dấu hiệu bất thường")
    worklist = steps.rows_shown(page)
    assert worklist and worklist[0][0] == "1" and all(len(row[-1]) > 20 for row in worklist)
    # every finding: filter by a rule, read the count, download what is shown
    page.locator("[data-testid='stMain'] [data-testid='stButtonGroup'] button", has_text="Mọi trường hợp").click()
    steps.url_has(page, "xem=danh_sach")
    steps.idle(page)
    catalog = query(db, "anomaly_rules").set_index("rule")
    title = catalog.at[RULE, "title"]
    expected = query(db, "anomalies", unit=point["code"], year=None)
    expected = expected[expected["rule"] == RULE]
    steps.pick(page, "Quy tắc", title)
    steps.url_has(page, f"quy_tac={RULE}")
    steps.idle(page)
    assert len(expected) and f"{len(expected)} trường hợp." in steps.main_text(page)
    shown = steps.rows_shown(page, len(expected))
    assert all(row[0] == "Vi phạm" and title in row for row in shown)

    with page.expect_download() as got:
        page.get_by_role("button", name="Tải CSV").click()
    dl = got.value
    assert dl.suggested_filename == "dau_hieu_bat_thuong.csv"
    text = open(dl.path(), encoding="utf-8-sig").read()
    head, _, table = text.partition("\n\n")
    assert title in head                                       # the filter is written above the table
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == len(expected) and {r["Mã quy tắc"] for r in rows} == {RULE}
    assert {r["Quy tắc"] for r in rows} == {title}
    assert sorted(r["Nội dung phát hiện"] for r in rows) == sorted(expected["detail"])

    with page.expect_download() as got:
        page.get_by_role("button", name="Tải Excel").click()
    dl = got.value
    assert dl.suggested_filename == "dau_hieu_bat_thuong.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(open(dl.path(), "rb").read()), read_only=True)
    sheet = list(wb["Dấu hiệu bất thường"].values)
    header, body = list(sheet[0]), sheet[1:]
    assert len(body) == len(expected)
    assert {r[header.index("Mã quy tắc")] for r in body} == {RULE}
    assert any(title in str(c) for r in wb["Thông tin"].values for c in r)


def test_chain_side_by_side_and_a_confirmed_match_is_saved(app, fresh):
    url, db = app
    page = fresh
    page.goto(f"{url}/shortcomings")
    steps.sign_in(page, USER, PASSWORD, title="Hạn chế, khuyết điểm tái diễn")

    # one chain's wordings, year by year, side by side
    page.get_by_role("radio", name="Hạn chế lặp lại", exact=True).click()
    steps.url_has(page, "xem=lap_lai")
    page.get_by_text("Lời văn từng năm của một chuỗi").wait_for()
    steps.idle(page)
    rec = query(db, "recurring_shortcomings", unit=PLANTED_UNIT)
    row = rec[rec["years"] == 4].iloc[0]
    label = f"{row['unit']} · {row['category']} · {row['first_year']}–{row['last_year']} (4 năm)"
    steps.pick(page, "Chuỗi hạn chế", label)
    steps.url_has(page, f"chuoi={row['chain_id']}")
    steps.idle(page)
    chain = query(db, "shortcoming_chain", chain=row["chain_id"])
    cards = page.locator("[data-testid='stHorizontalBlock'] > [data-testid='stColumn']").filter(
        has_text=f"· {row['unit']}")
    cards.first.wait_for()
    seen = [(c.inner_text(), c.bounding_box()) for c in cards.all()]
    assert len(seen) == len(chain) == 4
    for (card, _), year, text in zip(seen, chain["year"], chain["text"]):
        assert card.startswith(f"{year} · {row['unit']}") and text in card
    tops = {round(b["y"]) for _, b in seen}
    lefts = [b["x"] for _, b in seen]
    assert len(tops) == 1 and lefts == sorted(lefts) and len(set(lefts)) == 4     # one row, left to right

    # the review queue: decide the first pair "Cùng một hạn chế" in the editor, save
    queue = query(db, "shortcoming_review_queue", unit="TU-MS", from_year=2017, to_year=2025)
    first = queue.iloc[0]
    page.get_by_role("radio", name="Xác nhận cặp hạn chế", exact=True).click()
    steps.url_has(page, "xem=xac_nhan")
    page.get_by_text("Cặp hạn chế cần người xác nhận").wait_for()
    steps.idle(page)
    assert f"Người xem xét: {NAME}" in steps.main_text(page)           # the signed-in account decides
    editor = page.locator("[data-testid='stDataFrame']").first
    editor.scroll_into_view_if_needed()
    assert steps.rows_shown(page)[0][:5] == [first["unit"], str(first["year_from"]), first["text_from"],
                                               str(first["year_to"]), first["text_to"]]
    box = editor.bounding_box()
    page.mouse.click(box["x"] + 40, box["y"] + 35 + 17)                 # the first row's first cell
    for _ in range(list(sv.queue_frame(queue).columns).index(sv.DECISION_COLUMN)):
        page.keyboard.press("ArrowRight")                               # to "Quyết định" (the grid scrolls)
    page.keyboard.press("Enter")                                        # opens the cell's list
    page.locator("[role='option']").filter(has_text="Cùng một hạn chế").click()
    save = page.get_by_role("button", name="Lưu 1 quyết định")
    save.wait_for()
    steps.idle(page)
    save.click()
    page.get_by_text("Đã lưu 1 quyết định.").wait_for()
    steps.idle(page)

    # saved: the pair left the queue, the decisions table names the reviewer, the warehouse holds it
    decisions = steps.rows_shown(page, 1, index=1)
    assert len(decisions) == 1 and NAME in " ".join(decisions[0]) and "Cùng một hạn chế" in decisions[0]
    stored = query(db, "shortcoming_decisions")
    assert len(stored) == 1
    assert (stored.iloc[0]["from_id"], stored.iloc[0]["to_id"]) == (first["from_id"], first["to_id"])
    assert stored.iloc[0]["decision"] == "cung_han_che" and stored.iloc[0]["decided_by"].startswith(NAME)
    after = query(db, "shortcoming_review_queue", unit="TU-MS", from_year=2017, to_year=2025)
    assert (first["from_id"], first["to_id"]) not in set(zip(after["from_id"], after["to_id"]))
    assert steps.rows_shown(page)[0][2] == after.iloc[0]["text_from"]   # the editor shows the new queue


def test_a_members_table_with_names_has_no_toolbar_download(app, fresh):
    url, db = app
    page = fresh
    page.goto(f"{url}/commendations")
    steps.sign_in(page, USER, PASSWORD, title="Đề nghị khen thưởng")
    page.locator("[data-testid='stCheckbox']").filter(has_text="Hiện họ và tên").click()
    page.get_by_text("DỮ LIỆU CÁ NHÂN").wait_for()
    steps.idle(page)
    steps.draw_tables(page)
    grids = page.locator("[data-testid='stDataFrame']")
    members = next(i for i in range(grids.count()) if "Họ và tên" in steps.grid_header(page, i))
    header, rows = steps.grid_header(page, members), steps.rows_shown(page, index=members)
    con = warehouse.connect_readonly(db)
    try:
        names = {n for (n,) in con.execute("SELECT full_name FROM member_identities").fetchall()}
    finally:
        con.close()
    assert rows and {r[header.index("Họ và tên")] for r in rows} <= names      # members by name
    grids.nth(members).scroll_into_view_if_needed()
    grids.nth(members).hover()                                           # the table's toolbar shows on hover
    buttons = page.locator("[data-testid='stElementToolbar'] [data-testid='stElementToolbarButton'] button")
    page.locator("[data-testid='stElementToolbar'] button[aria-label^='Search']").first.wait_for()
    labels = [b.get_attribute("aria-label") or "" for b in buttons.all()]
    assert not [x for x in labels if "Download" in x], labels
    assert page.get_by_role("button", name="Tải CSV").count()           # the page's own download (logged)
