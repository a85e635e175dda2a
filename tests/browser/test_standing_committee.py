"""The real app in a real browser: `streamlit run app.py` on 127.0.0.1, driven by Playwright with Debian's chromium.

Opens the overview of the test province, changes the unit in the sidebar and sees the chart and the URL change;
then opens the distribution page from a link with parameters. No fixed sleeps: every wait is on page state.
"""
from __future__ import annotations

import time

import pytest

from tests.standing_committee_data import EXPECTED
from tools import serve

pytestmark = pytest.mark.skipif(serve.chromium() is None,
                                reason="cần chromium (make test tự cài: apt-get install chromium)")


@pytest.fixture(scope="module")
def server(sc_db):
    with serve.serve(sc_db) as url:
        yield url


def settled(pg, timeout: float = 30_000) -> None:
    """The script has finished and every chart and widget is drawn."""
    pg.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout)
    pg.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.querySelector('[data-testid="stSkeleton"]')
        && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))
        && document.querySelectorAll('.js-plotly-plot').length > 0""", timeout=timeout)


def first_chart(pg) -> dict:
    """The data of the first plotly chart as the browser draws it."""
    return pg.evaluate("""() => {
        const gd = document.querySelector('.js-plotly-plot');
        return {x: gd.data[0].x, customdata: gd.data[0].customdata, name: gd.data[0].name};
    }""")


def test_changing_the_unit_redraws_the_chart_and_the_link(server, page):
    page.goto(f"{server}/?doi_tuong=dang_vien")
    settled(page)
    assert page.locator("h1").first.inner_text() == "Tổng quan kết quả xếp loại"
    assert not page.get_by_text("Page not found").count()
    before = first_chart(page)
    t = EXPECTED["T"][2022]
    assert before["name"] == "Hoàn thành xuất sắc nhiệm vụ" and before["customdata"][0][2] == str(sum(t))

    unit = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
    unit.click()
    page.keyboard.type("Huyện ủy Hòa Bình")
    page.keyboard.press("Enter")
    started = time.monotonic()
    page.wait_for_function("""(old) => {
        const gd = document.querySelector('.js-plotly-plot');
        return gd && gd.data && JSON.stringify(gd.data[0].customdata) !== JSON.stringify(old);
    }""", arg=before["customdata"], timeout=30_000)
    settled(page)
    redraw = time.monotonic() - started
    after = first_chart(page)
    h = EXPECTED["H1"][2022]
    assert after["customdata"][0][0] == str(h[0]) and after["customdata"][0][2] == str(sum(h))
    page.wait_for_function("() => location.search.includes('don_vi=H1')")
    assert "doi_tuong=dang_vien" in page.url
    assert redraw < 5, f"vẽ lại mất {redraw:.1f} giây"


def test_a_link_opens_the_distribution_view(server, page):
    page.goto(f"{server}/distribution?don_vi=H1&muc=htt&tu_nam=2022&den_nam=2023")
    settled(page)
    assert page.locator("h1").first.inner_text() == "Phân bố xếp loại theo đơn vị"
    heat = page.evaluate("() => document.querySelector('.js-plotly-plot').data[0]")
    assert heat["x"] == ["2022", "2023"]
    assert heat["y"] == ["Chi bộ Văn phòng Huyện ủy Hòa Bình", "Đảng bộ xã Hòa Bình", "Đảng bộ xã Hòa Lạc"]
    assert heat["text"][1][0] == "69,0%"                      # Hoàn thành tốt, Đảng bộ xã Hòa Bình 2022: 20/29
    # clicking the level buttons changes the heatmap
    page.get_by_role("radio", name="Hoàn thành xuất sắc nhiệm vụ", exact=True).click()
    page.wait_for_function("() => document.querySelector('.js-plotly-plot').data[0].text[1][0] === '17,2%'",
                           timeout=30_000)
    page.wait_for_function("() => location.search.includes('muc=htxs')")
