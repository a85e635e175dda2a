"""Analysis that is not SQL: statistics, quota arithmetic, text matching. Never imports Streamlit."""
