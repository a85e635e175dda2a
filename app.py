"""Entry point: navigation grouped for the app's users, the shared sidebar filters, the demo banner.

Pages only describe their screen. To add a page, add one line to PAGES: (section, file, title, icon). A page's URL is
its file name (pages/distribution.py → /distribution): the first request after the server starts is matched against
the pages/ folder before st.navigation runs — any other URL would show Streamlit's English "Page not found" box — and
a page that starts with controls.current() then hands over to this script (see ui/controls.py).
"""
import streamlit as st

from ui import controls, data, state

# No page_icon: a :material: favicon is fetched from fonts.gstatic.com, and nothing may leave the machine.
st.set_page_config(page_title="Xếp loại chất lượng", layout="wide")

SECTIONS = ("Tổng quan", "Ban Thường vụ", "Ủy ban Kiểm tra", "Dữ liệu")
PAGES = [
    # section           file                       title                  icon
    ("Tổng quan",     "pages/overview.py",       "Tổng quan",           ":material/dashboard:"),
    ("Ban Thường vụ", "pages/distribution.py",   "Phân bố xếp loại",    ":material/grid_view:"),
    ("Ban Thường vụ", state.PROFILE_PAGE,        "Hồ sơ đơn vị",        ":material/account_tree:"),
    ("Ủy ban Kiểm tra", "pages/anomalies.py",    "Dấu hiệu bất thường", ":material/rule:"),
]

nav = st.navigation({
    section: [st.Page(file, title=title, icon=icon, default=(i == 0))
              for i, (sec, file, title, icon) in enumerate(PAGES) if sec == section]
    for section in SECTIONS if any(p[0] == section for p in PAGES)
})
with controls.app_run():
    data.demo_banner()
    controls.sidebar()
    nav.run()
