"""Entry point: navigation grouped for the app's users, the shared sidebar filters, the demo banner.

Pages only describe their screen. To add a page, add one line to PAGES: (section, file, title, icon). A page's URL is
its file name (pages/distribution.py → /distribution): the first request after the server starts is matched against
the pages/ folder before st.navigation runs — any other URL would show Streamlit's English "Page not found" box — and
a page that starts with controls.current() then hands over to this script (see ui/controls.py).

Who may open which page is data (data/reference/role_pages.csv, see ui/access.py): the navigation lists only the
user's pages, a page outside them refuses itself, and before sign-in every URL shows the login form.
"""
import os
from pathlib import Path

import streamlit as st

from etl import warehouse
from ui import access, controls, data, state, timing, view

timing.begin()      # where this run's time goes, when the benchmark asks (ui/timing.py)
os.umask(0o077)     # every file the server creates (a new warehouse, uploads, the log) is the service user's alone


@st.cache_resource(show_spinner=False)
def _started() -> list:
    """Once per server process: remove private copies left by a writer that was killed (see etl/warehouse.py)."""
    return warehouse.sweep_leftovers()

# A local favicon: without one the browser tab shows each page's :material: icon, which the browser fetches from
# fonts.gstatic.com on every page change — and nothing may leave the machine (tests/browser/test_offline_browser.py).
st.set_page_config(page_title="Xếp loại chất lượng", layout="wide",
                   page_icon=str(Path(__file__).parent / "data" / "favicon.png"))
_started()

SECTIONS = ("Tổng quan", "Ban Thường vụ", "Ủy ban Kiểm tra", "Dữ liệu", "Quản trị")
PAGES = [
    # section           file                       title                  icon
    ("Tổng quan",     "pages/overview.py",       "Tổng quan",           ":material/dashboard:"),
    ("Ban Thường vụ", "pages/distribution.py",   "Phân bố xếp loại",    ":material/grid_view:"),
    ("Ban Thường vụ", state.PROFILE_PAGE,        "Hồ sơ đơn vị",        ":material/account_tree:"),
    ("Ban Thường vụ", "pages/reports.py",        "Báo cáo",             ":material/description:"),
    ("Ban Thường vụ", "pages/commendations.py",  "Đề nghị khen thưởng", ":material/military_tech:"),
    ("Ủy ban Kiểm tra", "pages/anomalies.py",    "Dấu hiệu bất thường", ":material/rule:"),
    ("Ủy ban Kiểm tra", "pages/shortcomings.py", "Hạn chế lặp lại",     ":material/history:"),
    ("Ủy ban Kiểm tra", "pages/quota.py",        "Vượt tỷ lệ xuất sắc", ":material/percent:"),
    ("Dữ liệu",       "pages/import.py",         "Nhập dữ liệu",        ":material/upload_file:"),
    ("Quản trị",      "pages/audit.py",          "Nhật ký truy cập",    ":material/manage_search:"),
]
access.register_pages(PAGES)
user = access.gate(PAGES, data.is_demo)     # the signed-in user, or the login form and a stop
shown = access.visible(PAGES, user)

# The home page is served at "/", yet reserves its file's name (/overview) without serving it: that address, which
# every other page's follows, showed Streamlit's English "Page not found". So the home page reserves another name and
# a hidden page at its file's name opens it.
HOME_RESERVED = "trang_chu"
pages = [(sec, st.Page(file, title=title, icon=icon, default=(i == 0), url_path=HOME_RESERVED if i == 0 else None))
         for i, (sec, file, title, icon) in enumerate(shown)]
menu = {section: [pg for sec, pg in pages if sec == section]
        for section in SECTIONS if any(sec == section for sec, _ in pages)}
if pages:
    home = pages[0][1]
    menu[pages[0][0]].append(st.Page(lambda: st.switch_page(home), title=home.title,
                                     url_path=Path(shown[0][1]).stem, visibility="hidden"))
nav = st.navigation(menu)
with controls.app_run():
    view.app_style()
    data.demo_banner()
    controls.sidebar()
    access.sidebar(user, data.tree)
    timing.mark("shell", page=nav.url_path)
    nav.run()
