"""Parts of the "Đề nghị khen thưởng" page that touch members' names (personal data): the five-year members list
with its "show names" switch, and the workbook the office sends up. Rights and the audit log: ui/personal_data.py,
reports/access_log.py."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries import runner
from reports import access_log
from reports import commendations as cm
from ui import data, downloads, export_rows, personal_data, view

NAMES_KEY = "ho_ten"


def members(five: pd.DataFrame, units: pd.DataFrame, where: dict, streak: int, year: int, unit: str) -> None:
    """The members rated HTXS every year of the streak, by pseudonymous key; by name when the user may see names and
    switches them on (each view logged)."""
    if not personal_data.can("individual"):
        view.empty("Tài khoản của bạn không được xem số liệu từng đảng viên.")
        return
    keys = cm.member_keys(five)
    filters = {"don_vi": unit, "nam": year}

    def shown() -> None:
        if st.session_state.get(NAMES_KEY) and not personal_data.views_logged_by_queries():
            user, role = personal_data.who()
            access_log.log(access_log.VIEW, "pages/commendations.py: họ tên đảng viên", filters, len(keys), user, role)

    names = None
    if keys and personal_data.can("names") and st.toggle(
            "Hiện họ và tên", key=NAMES_KEY, on_change=shown,
            help="Họ và tên là dữ liệu cá nhân: chỉ người có nhiệm vụ được xem; mỗi lần xem, tải được ghi nhật ký. "
                 "Khi tắt, đảng viên được hiển thị bằng mã ẩn danh."):
        got = data.query("member_names", keys=",".join(keys))
        names = dict(zip(got["member_key"], got["full_name"]))
        st.caption(f":material/lock: {cm.PERSONAL}")
    # without names the table is the same for every session (computed once per key); with names it is not kept
    table = cm.members(five, units, names) if names is not None else \
        data.computed("commendation_members", lambda: cm.members(five, units, None), year, unit)
    if table.empty:
        view.empty(f"Không có đảng viên nào được xếp loại Hoàn thành xuất sắc nhiệm vụ trong cả {streak} năm "
                   f"{year - streak + 1}–{year}.")
        return
    st.dataframe(table, hide_index=True, key="members")
    user, role = personal_data.who()

    def file() -> pd.DataFrame:
        if names is not None:
            access_log.log(access_log.EXPORT, f"dang_vien_{streak}_nam_lien_{year}", filters, len(table), user, role)
        return table
    export_rows.table(file, f"dang_vien_{streak}_nam_lien_{year}", "dl_members", f"Đảng viên HTXS {streak} năm liền",
                      where)


def office_list(*, five: pd.DataFrame, units: pd.DataFrame, orgs: pd.DataFrame, proposals: pd.DataFrame,
                checked: pd.DataFrame, rules: pd.DataFrame, unit: str, unit_name: str, year: int, streak: int,
                where: dict, with_members: bool) -> None:
    """The download of the list the office sends up; refused while a group is over its limit. Names are in it when
    the user may see names (the export is logged), else the pseudonymous keys."""
    keys = cm.member_keys(five) if with_members and personal_data.can("individual") else []
    with_names = bool(keys) and personal_data.can("names")
    con, (user, role) = data.connection(), personal_data.who()
    blocked = not cm.over_limit(checked).empty

    def build() -> bytes:
        named = None
        if with_members:
            names = None
            if with_names:
                got = runner.run(con, "member_names", {"keys": ",".join(keys)})
                names = dict(zip(got["member_key"], got["full_name"]))
                access_log.log(access_log.EXPORT, f"de_nghi_khen_thuong_{year}.xlsx", {"don_vi": unit, "nam": year},
                               len(keys), user, role)
            named = cm.members(five if keys else five.head(0), units, names)
        return cm.office_workbook(unit_name=unit_name, year=year, streak=streak, orgs=orgs, named_members=named,
                                  proposals=proposals, checked=checked, sources=cm.rule_sources(rules), where=where)

    st.caption("Một tệp Excel: trang Thông tin (đơn vị, bộ lọc, quy định, kết quả kiểm tra tỷ lệ), danh sách tổ chức "
               "và đảng viên 5 năm liền" + (" (có họ và tên — dữ liệu cá nhân: trang được đánh dấu, mỗi lần tải được "
                                            "ghi nhật ký)" if with_names else "") + ", danh sách đề nghị tiêu biểu.")
    st.download_button("Tải danh sách đề nghị (Excel)", build, file_name=f"de_nghi_khen_thuong_{year}.xlsx",
                       mime=downloads.XLSX, icon=":material/download:", key="dl_office", on_click="ignore",
                       disabled=blocked, type="primary",
                       help="Số đề nghị tiêu biểu đang vượt tỷ lệ cho phép: bỏ chọn bớt." if blocked
                       else "Danh sách theo mẫu: STT, tên, đơn vị, các năm; kèm trang Thông tin.")
