"""Nhật ký truy cập (administrators): who signed in, who saw or exported individual-level data with which filters,
who loaded or undid a load — read from the append-only audit log (operations/audit.py). Nothing here edits the log; the
page checks the log's hash chain and says whether it is intact."""
import pandas as pd
import streamlit as st

from operations import accounts, audit
from queries import runner
from ui import access, controls, downloads
from vocab import fmt

# The log keeps codes (role, query, parameter names); the table says them in words, the code only when unknown.
ROLES = {"khach": "Khách (không đăng nhập)", **{code: r.name for code, r in accounts.roles().items()}}
CAPABILITIES = {"import_data": "Chức năng nhập dữ liệu", "audit": "Nhật ký truy cập"}
FILTERS = {"unit": "Đơn vị", "year": "Năm", "subject": "Đối tượng", "from_year": "Từ năm", "to_year": "Đến năm",
           "rule": "Quy tắc", "load": "Lần nạp", "keys": "Mã ẩn danh", "chain": "Chuỗi hạn chế"}


def what_text(what) -> str:
    """A query's title for a view or an export of individual-level rows; anything else as logged."""
    if not isinstance(what, str):
        return ""
    try:
        return runner.get(what).title or what
    except runner.QueryError:
        return CAPABILITIES.get(what, what)


def filters_text(filters) -> str:
    if not isinstance(filters, dict):
        return ""
    return ", ".join(f"{FILTERS.get(k, k)}: {v}" for k, v in filters.items() if v is not None and v != "")

controls.current()                       # the app's shell (navigation, sign-in) even on a first request to /audit
access.require("audit")

st.title("Nhật ký truy cập")
st.caption("Mỗi lần đăng nhập, xem hoặc tải số liệu từng đảng viên, nạp hoặc hủy một lần nạp, và mỗi lần bị từ chối "
           "đều được ghi lại. Nhật ký chỉ được ghi thêm; ứng dụng không có chức năng sửa hay xóa.")

events = audit.read()
verdict = audit.verify()
if verdict.intact:
    st.success(f"Nhật ký nguyên vẹn: {fmt.number(verdict.lines)} sự kiện, chuỗi mã kiểm tra có khóa và điểm neo khớp "
               "từ đầu đến cuối.", icon=":material/verified_user:")
else:
    st.error(f"Nhật ký đã bị sửa, bị xóa dòng hoặc bị hỏng: {fmt.number(len(verdict.problems))} chỗ (trong "
             f"{fmt.number(verdict.lines)} dòng). Báo ngay cho người có trách nhiệm và đối chiếu với bản sao lưu.",
             icon=":material/gpp_bad:")
    st.dataframe(pd.DataFrame({"Dòng": [str(n or "") for n, _ in verdict.problems],
                               "Vấn đề": [why for _, why in verdict.problems]}), hide_index=True)
st.caption(f"Tệp nhật ký: `{audit.audit_path()}`")
if not events:
    st.info("Chưa có sự kiện nào.")
    st.stop()

df = pd.DataFrame([e for e in events if "damaged" not in e])
df["ts"] = pd.to_datetime(df["ts"])
cols = st.columns([2, 2, 2])
users = sorted(df["user"].dropna().astype(str).unique())
who = cols[0].multiselect("Người dùng", users, key="aud_users", placeholder="Mọi người dùng")
actions = [a for a in audit.ACTIONS if a in set(df["action"])]
what = cols[1].multiselect("Loại sự kiện", actions, key="aud_actions", format_func=lambda a: audit.ACTIONS[a],
                           placeholder="Mọi loại")
first, last = df["ts"].min().date(), df["ts"].max().date()
span = cols[2].date_input("Từ ngày – đến ngày", (first, last), min_value=first, max_value=last, key="aud_dates",
                          format="DD/MM/YYYY")
shown = df
if who:
    shown = shown[shown["user"].isin(who)]
if what:
    shown = shown[shown["action"].isin(what)]
if isinstance(span, (tuple, list)) and len(span) == 2:
    shown = shown[(shown["ts"].dt.date >= span[0]) & (shown["ts"].dt.date <= span[1])]

table = pd.DataFrame({
    "Thời điểm": shown["ts"].dt.strftime("%d/%m/%Y %H:%M:%S"),
    "Người dùng": shown["user"],
    "Vai trò": shown["role"].map(lambda r: ROLES.get(r, r) if isinstance(r, str) else ""),
    "Sự kiện": shown["action"].map(lambda a: audit.ACTIONS.get(a, a)),
    "Nội dung": shown["what"].map(what_text),
    "Bộ lọc": shown["filters"].map(filters_text),
    "Số dòng": shown["rows"].map(lambda r: "" if pd.isna(r) else fmt.number(r)),
    "Ghi chú": shown["detail"].fillna(""),
}).iloc[::-1]
st.caption(f"{fmt.number(len(table))} sự kiện (mới nhất ở trên).")
st.dataframe(table, hide_index=True, width="stretch", key="aud_table")
downloads.table(access.audited(lambda: table, "nhật ký truy cập", rows=lambda: len(table)), "nhat_ky_truy_cap",
                {"Người dùng": ", ".join(who) or "mọi người dùng",
                 "Sự kiện": ", ".join(audit.ACTIONS[a] for a in what) or "mọi loại"},
                key="dl_audit", title="Nhật ký truy cập")
