"""Journeys as their users make them, in a real chromium over the app served on 127.0.0.1 (tools/serve.py).

Standing Committee: overview → subject → drill down from the province to a commune → its profile → "today's
structure" → the official Excel tables. A shared link opened in a fresh browser context shows the same view.
No fixed sleeps: every wait is on the page's state.
"""
from __future__ import annotations



import pytest

from tools import serve

pytestmark = pytest.mark.skipif(serve.chromium() is None,
                                reason="cần chromium (make test tự cài: apt-get install chromium)")


@pytest.fixture(scope="module")
def server(sc_db):
    with serve.serve(sc_db) as url:
        yield url


def chart_data(pg, index: int = 0) -> list[dict]:
    return pg.evaluate("""(i) => {
        const gd = document.querySelectorAll('.js-plotly-plot')[i];
        return gd ? gd.data.map(t => ({name: t.name, x: t.x, y: t.y, customdata: t.customdata})) : null;
    }""", index)


def pick(pg, label: str, option: str, scope: str = "[data-testid='stMain']") -> None:
    """Choose `option` in the selectbox labelled `label` and wait for the app to finish its run."""
    box = pg.locator(f"{scope} [data-testid='stSelectbox']").filter(has_text=label).first
    box.click()
    pg.keyboard.type(option)
    pg.locator("[role='option']").filter(has_text=option).first.click()
    serve.settled(pg)


def titled(pg, title: str) -> None:
    """Wait until the page with this title is drawn, with its charts."""
    pg.wait_for_function("(t) => [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === t)", arg=title,
                         timeout=30_000)
    serve.settled(pg)
    pg.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length > 0", timeout=30_000)


def heat_shows(pg, name: str) -> None:
    """Wait until the heatmap (the first chart) lists this unit."""
    pg.wait_for_function("""(n) => { const gd = document.querySelector('.js-plotly-plot');
        return gd && gd.data && gd.data[0].y && gd.data[0].y.includes(n); }""", arg=name, timeout=30_000)


def test_standing_committee_journey(server, page):
    page.goto(f"{server}/")
    serve.settled(page)
    assert page.locator("h1").first.inner_text() == "Tổng quan kết quả xếp loại"
    # the subject in the sidebar
    pick(page, "Đối tượng", "Đảng viên", scope="[data-testid='stSidebar']")
    page.wait_for_function("() => location.search.includes('doi_tuong=dang_vien')")
    # drill down: the province's subordinates, then Huyện ủy Hòa Bình's, then a commune
    page.get_by_role("link", name="Phân bố xếp loại").click()
    titled(page, "Phân bố xếp loại theo đơn vị")
    heat = chart_data(page)[0]
    assert "Huyện ủy Hòa Bình" in heat["y"]
    pick(page, "Xem đơn vị cấp dưới", "Huyện ủy Hòa Bình")
    page.wait_for_function("() => location.search.includes('don_vi=H1')")
    heat_shows(page, "Đảng bộ xã Hòa Bình")
    pick(page, "Xem đơn vị cấp dưới", "Đảng bộ xã Hòa Bình")
    page.wait_for_function("() => location.search.includes('don_vi=X1')")
    # its profile, then its successor's profile in today's structure
    page.get_by_role("link", name="Hồ sơ đơn vị").click()
    titled(page, "Đảng bộ xã Hòa Bình")
    page.get_by_role("link", name="Đảng bộ xã Bình Minh").first.click()
    titled(page, "Đảng bộ xã Bình Minh")
    page.get_by_text("Quy về cơ cấu tổ chức năm 2025").click()
    page.wait_for_function("() => location.search.includes('co_cau=cau_truc_hien_tai')")
    serve.settled(page)
    bars = [c for c in (chart_data(page, i) for i in range(page.locator('.js-plotly-plot').count()))
            if c and any('đảng viên' in str(t.get('customdata')) or t.get('x') for t in c)]
    years = {str(x) for c in bars for t in c for x, y in zip(t["x"] or [], t["y"] or []) if y}
    assert {"2022", "2023", "2024", "2025"} <= years


def test_a_shared_link_opens_the_same_view_in_a_new_browser(server, page):
    link = f"{server}/distribution?don_vi=H1&muc=htt&tu_nam=2022&den_nam=2024&doi_tuong=dang_vien"
    page.goto(link)
    serve.settled(page)
    mine = chart_data(page)
    other = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        colleague = other.new_page()
        colleague.goto(page.url)                   # the address as the app rewrote it
        serve.settled(colleague)
        assert chart_data(colleague) == mine
        assert colleague.locator("h1").first.inner_text() == "Phân bố xếp loại theo đơn vị"
    finally:
        other.close()

