"""Entry point: navigation and the shared sidebar. Pages only describe their screen."""
import streamlit as st

from ui import data

st.set_page_config(page_title="Xếp loại chất lượng", layout="wide")

overview = st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", default=True)
nav = st.navigation({"Tổng quan": [overview]})
data.demo_banner()
nav.run()
