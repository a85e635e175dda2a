"""Đề nghị khen thưởng: the organizations and members rated "Hoàn thành xuất sắc nhiệm vụ" five years running, this
year's HTXS organizations as candidates for "Trong sạch, vững mạnh tiêu biểu" with the check that the proposed number
stays within the configured share (seed 001: 20% of the HTXS chi bộ under one parent), and the list the office sends
up as Excel. Unit, years and subject from the sidebar; the year of the proposal is the page's own choice."""
import streamlit as st

from reports import commendations as cm
from ui import commendation_view, controls, data, export_rows, view
from vocab import fmt

f = controls.current()
units, opts = data.units(), data.options()
subject_names = data.subject_names()

st.title("Đề nghị khen thưởng")
st.caption("Tổ chức đảng, đảng viên hoàn thành xuất sắc nhiệm vụ 5 năm liền và tổ chức đảng đề nghị “Trong sạch, "
           "vững mạnh” tiêu biểu trong năm (Hướng dẫn 01-HD/TW; kế hoạch kiểm điểm của cấp ủy).")
years = f.years(opts.years)
if f.unit is None or units.empty or not years:
    view.empty("Chưa có số liệu xếp loại nào trong kho.", "Nạp danh mục đơn vị và số liệu xếp loại ở mục Dữ liệu.")
    st.stop()

unit_name = data.unit(f.unit)["name"]
rules = data.query("commendation_rules")
streak, ratio_of = cm.streak_years(rules), cm.ratios(rules)
year = controls.page_choice("Năm xét khen thưởng", "nam", sorted(years, reverse=True), years[-1], widget="select")
subject = f.subject if f.subject in cm.SUBJECTS else None
if f.subject and subject is None:
    st.info(f"Khen thưởng ở trang này xét cho tổ chức cơ sở đảng, chi bộ và đảng viên; đối tượng "
            f"“{subject_names.get(f.subject, f.subject)}” chọn ở thanh bên không áp dụng nên trang hiển thị cả ba.",
            icon=":material/info:")
st.caption(f"{fmt.plain(unit_name)} và các đơn vị trực thuộc · năm {year} · {streak} năm liền: "
           f"{year - streak + 1}–{year}")
where = export_rows.filters(f, unit_name, [year - streak + 1, year],
                            subject_names.get(subject) if subject else "Tổ chức cơ sở đảng, chi bộ, đảng viên",
                            Năm_xét_khen_thưởng=year)

five = data.query("five_year_excellent", year=year, unit=f.unit)
show_orgs, show_members = subject in (None, *cm.ORG_SUBJECTS), subject in (None, "dang_vien")
# derived from query results, the same for every session: computed once per key (a rerun of 0.2 s nationally)
orgs = data.computed("commendation_orgs", lambda: cm.organizations(
    five[five["subject"] == subject] if subject in cm.ORG_SUBJECTS else five, units), year, f.unit, subject)

if show_orgs:
    st.subheader(f"Tổ chức đảng hoàn thành xuất sắc nhiệm vụ {streak} năm liền")
    if orgs.empty:
        view.empty(f"Không có tổ chức đảng nào được xếp loại Hoàn thành xuất sắc nhiệm vụ trong cả {streak} năm "
                   f"{year - streak + 1}–{year}.", "Một năm không có số liệu hoặc xếp loại thấp hơn làm đứt chuỗi.")
    else:
        st.dataframe(orgs, hide_index=True, key="orgs")
        export_rows.table(orgs, f"to_chuc_{streak}_nam_lien_{year}", "dl_orgs",
                          f"Tổ chức đảng HTXS {streak} năm liền", where)

if show_members:
    st.subheader(f"Đảng viên hoàn thành xuất sắc nhiệm vụ {streak} năm liền")
    commendation_view.members(five, units, where, streak, year, f.unit)

cands = data.query("exemplary_candidates", year=year, unit=f.unit)
if subject in cm.ORG_SUBJECTS:
    cands = cands[cands["subject"] == subject].reset_index(drop=True)
proposals = cm.candidates(cands, cm.default_selection(cands))
if show_orgs:
    st.subheader(f"Đề nghị “Trong sạch, vững mạnh” tiêu biểu năm {year}")
    limits = ", ".join(f"{fmt.pct(r, 0)} số {cm.KIND[s].lower()} HTXS" for s, r in ratio_of.items() if s in cm.KIND)
    st.caption(f"Các tổ chức đảng xếp loại Hoàn thành xuất sắc nhiệm vụ năm {year}. Số được đề nghị tiêu biểu dưới "
               f"một cấp trên không quá {limits} của cấp trên đó (cấu hình trong data/reference/"
               "commendation_rules.csv). Đã chọn sẵn các tổ chức HTXS 5 năm liền, điểm cao; đánh dấu để đổi.")
    if cands.empty:
        view.empty(f"Không có tổ chức đảng nào xếp loại Hoàn thành xuất sắc nhiệm vụ năm {year}.")
    else:
        edited = st.data_editor(proposals.assign(Điểm=proposals["Điểm"].map(lambda s: fmt.number(s, 1))),
                                hide_index=True, key=f"tieu_bieu_{f.unit}_{year}_{subject}",
                                disabled=[c for c in proposals.columns if c != cm.PROPOSE],
                                column_config={cm.PROPOSE: st.column_config.CheckboxColumn(cm.PROPOSE, width="small"),
                                               "Điểm": st.column_config.TextColumn(alignment="right")})
        proposals = proposals.assign(**{cm.PROPOSE: list(edited[cm.PROPOSE])})
        st.caption(cm.marked_note(cands, year))
picked = tuple(bool(v) for v in proposals[cm.PROPOSE])
checked = data.computed("commendation_check", lambda: cm.check(cands, list(picked), ratio_of), year, f.unit, subject,
                        picked)
if show_orgs and not checked.empty:
    over = cm.over_limit(checked)
    if over.empty:
        st.success(f"Số đề nghị tiêu biểu trong giới hạn ở cả {len(checked)} nhóm.", icon=":material/check:")
    else:
        st.error("Vượt tỷ lệ được đề nghị tiêu biểu: " + "; ".join(
            f"{fmt.plain(r['Cấp trên'])} ({r['Loại'].lower()}): {r['Đang đề nghị']} > {r['Được đề nghị tối đa']}"
            for _, r in over.iterrows()) + ". Bỏ chọn bớt trước khi xuất danh sách.", icon=":material/block:")
    view.table(checked.assign(**{"Tỷ lệ tối đa (%)": [fmt.pct(v / 100) if v == v else fmt.DASH
                                                      for v in checked["Tỷ lệ tối đa (%)"]]}).rename(
        columns={"Tỷ lệ tối đa (%)": "Tỷ lệ tối đa"}), label_columns=2, key="check")
    if not checked["Được đề nghị tối đa"].any():
        st.caption("Chưa cấp trên nào có đủ tổ chức HTXS để đề nghị tiêu biểu: số được đề nghị là phần nguyên của "
                   "tỷ lệ nhân với số tổ chức HTXS (ví dụ 20% × 4 = 0,8 → 0).")

# ───────────── the list the office sends up ─────────────
st.subheader("Danh sách gửi cấp trên")
commendation_view.office_list(five=five, units=units, orgs=orgs if show_orgs else orgs.head(0),
                              proposals=proposals if show_orgs else proposals.head(0), checked=checked, rules=rules,
                              unit=f.unit, unit_name=unit_name, year=year, streak=streak, where=where,
                              with_members=show_members)
