"""The quota page's form for decisions of the competent level (366-QĐ/TW: up to 25% of HTT for an organization with
outstanding results): who decided, when, which group, year and subject, the document's number, the share allowed.

Shown only to roles that may import data (ui/access.py `can("import_data")`: the Ban Tổ chức clerks and
administrators), on the quota page because that is where the clerk sees the group and its figures. A saved decision
is written through operations/quota_decisions.py (one published write of the warehouse that recomputes the year's quota
audit and findings), logged in the audit log, and the group's row then shows "Đã được cấp có thẩm quyền cho phép"
with the document instead of a flag. The same is available on the command line: python -m etl quyet-dinh.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from operations import quota_decisions as qd
from etl import warehouse
from ui import access, data, view
from vocab import fmt

SAVED = "_quota_decision_saved"


def candidates(audit: pd.DataFrame) -> pd.DataFrame:
    """Rows a decision could allow: over the ratio under a rule with an exception ceiling (not aggregates)."""
    if audit.empty:
        return audit
    keep = (audit["status"].isin(["can_quyet_dinh", "vuot", "nhom_nho", "da_cho_phep"])
            & audit["exception_ratio"].notna() & (audit["basis"] != "so_lieu_tong_hop"))
    return audit[keep].sort_values(["year", "unit"], ascending=[False, True]).reset_index(drop=True)


def label(r: dict, subject_names) -> str:
    return (f"{int(r['year'])} · {r['unit']} · {subject_names.get(r['subject'], r['subject']).lower()} — "
            f"{fmt.number(r['htxs'])} HTXS / {fmt.number(r['htt'])} HTT ({fmt.pct(r['share_of_htt'])})")


def decisions_table(dec: pd.DataFrame, subject_names) -> pd.DataFrame:
    return pd.DataFrame({
        "Số": dec["decision_id"].map(lambda i: f"#{i}"), "Năm": dec["year"].astype(str),
        "Nhóm / đơn vị": dec["group_name"], "Đối tượng": dec["subject"].map(lambda s: subject_names.get(s, s)),
        "Tỷ lệ cho phép": dec["ratio"].map(lambda r: fmt.pct(r, 0)), "Số văn bản": dec["document_no"],
        "Cấp quyết định": dec["decided_by"], "Ngày quyết định": dec["decided_on"].map(fmt.date),
        "Người ghi": dec["recorded_by"], "Hiệu lực": dec["in_force"].map(lambda b: "có" if b else "đã bị thay thế"),
    })


def section(audit: pd.DataFrame, subject_names) -> None:
    """The expander with the recorded decisions and, for roles that may import data, the form to add one."""
    user = access.current_user()
    if user is None or not user.can("import_data"):
        return
    with st.expander("Quyết định cho phép của cấp có thẩm quyền (đến 25% số HTT)", icon=":material/verified:"):
        if SAVED in st.session_state:
            st.success(st.session_state.pop(SAVED), icon=":material/check_circle:")
        st.caption("Từ năm 2025 (366-QĐ/TW), cấp có thẩm quyền có thể cho phép tỷ lệ HTXS đến 25% số HTT đối với "
                   "tổ chức có thành tích nổi trội. Ghi quyết định ở đây (hoặc bằng lệnh `python -m etl quyet-dinh`): "
                   "nhóm trong mức được phép sẽ hiện “Đã được cấp có thẩm quyền cho phép” kèm số văn bản, không "
                   "còn bị nêu là vượt tỷ lệ.")
        rows = candidates(audit)
        if rows.empty:
            view.empty("Không có nhóm nào trên tỷ lệ quy định thuộc năm có quy định cho phép ngoại lệ.")
        else:
            recs = rows.to_dict("records")
            with st.form("quota_decision_form", clear_on_submit=True):
                i = st.selectbox("Nhóm", range(len(recs)), format_func=lambda k: label(recs[k], subject_names))
                c = st.columns(2)
                doc = c[0].text_input("Số văn bản quyết định", placeholder="ví dụ 125-QĐ/HU")
                body = c[1].text_input("Cấp có thẩm quyền quyết định", placeholder="ví dụ Ban Thường vụ Huyện ủy")
                c = st.columns(2)
                on = c[0].date_input("Ngày quyết định", value=dt.date.today(), format="DD/MM/YYYY")
                pct = c[1].number_input("Tỷ lệ cho phép (% số HTT)", min_value=20.5, max_value=25.0, value=25.0,
                                        step=0.5)
                note = st.text_input("Ghi chú")
                if st.form_submit_button("Ghi quyết định", icon=":material/save:"):
                    r = recs[i]
                    try:
                        d = qd.add(warehouse.db_path(), year=int(r["year"]), subject=r["subject"],
                                   group=r["group_key"], ratio=pct / 100, document_no=doc, decided_by=body,
                                   decided_on=on, recorded_by=user.user, note=note)
                    except qd.DecisionError as exc:
                        st.error(str(exc))
                    else:
                        access.log("quyet_dinh_ty_le", what=f"{d.year} {d.subject} {d.group_key}",
                                   filters={"so_van_ban": d.document_no, "ty_le": f"{d.ratio:.2f}",
                                            "cap_quyet_dinh": d.decided_by, "ngay": d.decided_on.isoformat()},
                                   detail=f"thêm quyết định #{d.decision_id}")
                        data.drop_connections()      # the next run reads the version just published
                        st.session_state[SAVED] = f"Đã ghi quyết định {qd.describe(d)}."
                        st.rerun()
        dec = data.query("quota_decisions")
        if dec.empty:
            st.caption("Chưa ghi quyết định nào.")
        else:
            table = decisions_table(dec, subject_names)
            view.table(table, label_columns=len(table.columns), key="quota_decisions")
