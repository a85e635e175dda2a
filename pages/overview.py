"""Tổng quan: distribution of ratings by year and subject (the Standing Committee's first view)."""
import streamlit as st

from ui import data

st.title("Tổng quan kết quả xếp loại")
df = data.query("distribution")
if df.empty:
    st.info("Chưa có số liệu xếp loại nào trong kho.")
else:
    st.dataframe(df, hide_index=True)
