"""Vượt tỷ lệ xuất sắc: which groups rated more "Hoàn thành xuất sắc nhiệm vụ" than the rule of their year allows
(queries/quota.sql), by how much, how unlikely that is by chance (a funnel plot — a click on a point opens the unit's
profile), and who does it year after year. Unit, years and subject come from the sidebar; the year and the span of the
repeat offences are the page's own choices, kept in the address. Every table and the chart can be downloaded."""
import streamlit as st

from analysis import quota
from ui import controls, data, downloads, state, view
from vocab import fmt
from ui import quota_decisions, quota_view as qv

ALL = "tat_ca"
SPANS = {"ba_nam": "3 năm gần nhất", "ca_giai_doan": "Cả giai đoạn đã chọn"}
OPEN_PROFILE = "_quota_open_profile"
PAGE_ROWS = 50      # groups over their limit on one screen (a province has thousands)


f = controls.current()
if st.session_state.pop(OPEN_PROFILE, False):      # a point of the funnel was clicked (on_funnel, below)
    st.switch_page(state.PROFILE_PAGE)
subject_names = data.subject_names()
units = data.units()
opts = data.options()

st.title("Vượt tỷ lệ xuất sắc")
st.caption("Số đảng viên, tập thể xếp loại **Hoàn thành xuất sắc nhiệm vụ (HTXS)** đối chiếu với giới hạn của quy định "
           "từng năm: không quá tỷ lệ quy định (thường là 20%) **số Hoàn thành tốt nhiệm vụ (HTT)** trong mỗi nhóm — "
           "không phải tổng số được xếp loại. Số HTXS tối đa = phần nguyên của tỷ lệ × số HTT. Từ năm 2025 cấp có "
           "thẩm quyền có thể cho phép đến 25% đối với đơn vị có thành tích nổi bật.")
years = f.years(opts.years)
if f.unit is None or units.empty or not years:
    view.empty("Chưa có số liệu xếp loại nào trong kho.", "Nạp danh mục đơn vị và số liệu xếp loại ở mục Dữ liệu.")
    st.stop()
unit_name = data.unit(f.unit)["name"]
subject_name = subject_names.get(f.subject) if f.subject else None

# ───────────── the page's own choices (in the address, so a view can be shared as a link) ─────────────
cols = st.columns([1, 2])
with cols[0]:
    year = controls.page_choice("Năm", "nam", [ALL, *sorted(years, reverse=True)], ALL, widget="select",
                                format_func=lambda y: f"{years[0]}–{years[-1]}" if y == ALL else str(y))
with cols[1]:
    span_mode = controls.page_choice("Đơn vị vượt nhiều năm: xét trong", "xet_trong", list(SPANS), "ba_nam",
                                     format_func=SPANS.get)
year = None if year == ALL else int(year)

audit = data.query("quota", unit=f.unit, subject=f.subject)
audit = audit[audit["year"].between(years[0], years[-1])]
shown = audit if year is None else audit[audit["year"] == year]
when = str(year) if year else (f"{years[0]}–{years[-1]}" if years[0] != years[-1] else str(years[0]))
st.caption(f"{fmt.plain(unit_name)} và các đơn vị trực thuộc · {when}"
           + (f" · {subject_name.lower()}" if subject_name else " · mọi đối tượng")
           + " (đổi đơn vị, năm, đối tượng ở thanh bên)")
filters = qv.export_filters(unit_name, years, year, subject_name)

if shown.empty:
    view.empty(f"Không có số liệu xếp loại nào của {fmt.plain(unit_name)} và các đơn vị trực thuộc trong {when}"
               + (f" đối với {subject_name.lower()}" if subject_name else "") + " để đối chiếu với tỷ lệ quy định.",
               "Chọn năm, đối tượng khác, hoặc một đơn vị cấp trên ở thanh bên.")
    st.stop()

# ───────────── summary ─────────────
counts = quota.summary(shown)
metrics = st.columns(6)
metrics[0].metric("Nhóm đã đối chiếu", fmt.number(counts["audited"]),
                  help="Số nhóm có quy định về tỷ lệ, mỗi nhóm tính một lần cho mỗi năm và đối tượng.")
metrics[1].metric("Vượt tỷ lệ", fmt.number(counts["vuot"]), help=qv.STATUS_HELP["vuot"].capitalize() + ".")
metrics[2].metric("Cần được cho phép", fmt.number(counts["can_quyet_dinh"]),
                  help=qv.STATUS_HELP["can_quyet_dinh"].capitalize() + ".")
metrics[3].metric("Cần xem xét", fmt.number(counts["can_xem_xet"]),
                  help=qv.STATUS_HELP["can_xem_xet"].capitalize() + ".")
metrics[4].metric("Nhóm nhỏ — cần xem xét", fmt.number(counts["nhom_nho"]),
                  help=qv.STATUS_HELP["nhom_nho"].capitalize() + ".")
metrics[5].metric("Số liệu tổng hợp vượt", fmt.number(counts["aggregate_over"]),
                  help="Đơn vị chỉ có số liệu tổng hợp (không có hồ sơ từng nhóm) mà tổng số vượt giới hạn.")
if counts["aggregate_over"]:
    st.warning(f"{fmt.number(counts['aggregate_over'])} số liệu tổng hợp vượt giới hạn. Nếu mọi nhóm bên trong đều "
               "trong giới hạn thì tổng cũng vậy, nên trong mỗi đơn vị này **ít nhất một nhóm bên trong đã vượt tỷ "
               "lệ** — cần số liệu từng nhóm để xác định nhóm nào.", icon=":material/warning:")
st.caption(qv.grouping_note(shown, counts))
unruled = quota.unruled_years(shown)
if unruled:
    st.caption("Chưa có quy định về tỷ lệ HTXS (không đánh giá, không tự đặt ra giới hạn): "
               + "; ".join(f"{subject_names.get(s, s).lower()} {qv.years_text(ys)}" for s, ys in unruled.items())
               + ".")
if counts["audited"] == 0:
    view.empty(f"Trong {when} chưa có quy định nào về tỷ lệ HTXS áp dụng cho các nhóm này, nên không có gì để đối "
               "chiếu.", "Chọn năm khác (từ năm 2019 có quy định toàn quốc).")
    st.stop()

# ───────────── the groups over their limit ─────────────
ev = data.computed("quota_evidence", lambda: quota.evidence(shown), f.unit, f.subject, years[0], years[-1], year)
st.subheader("Các nhóm vượt giới hạn")
flagged = data.computed("quota_flagged", lambda: quota.flagged(shown, ev), f.unit, f.subject, years[0], years[-1],
                        year)
if flagged.empty:
    view.empty(f"Không có nhóm nào vượt tỷ lệ HTXS trong {when}.",
               "Mọi nhóm đã đối chiếu đều trong giới hạn của quy định năm đó.")
else:
    verdict = controls.page_choice("Kết luận", "ket_luan", [ALL, *quota.OVER, quota.ALLOWED], ALL,
                                   format_func=lambda s: "Tất cả" if s == ALL else qv.STATUS_NAMES[s])
    table_filters = dict(filters)
    if verdict != ALL:
        flagged = flagged[flagged["status"] == verdict].reset_index(drop=True)
        table_filters["Kết luận"] = qv.STATUS_NAMES[verdict]
    if flagged.empty:
        view.empty(f"Không có nhóm nào “{qv.STATUS_NAMES[verdict].lower()}” trong {when}.", "Chọn kết luận khác.")
    else:
        st.caption(f"{fmt.number(len(flagged))} nhóm, xếp theo số vượt giảm dần. Bấm tên để mở hồ sơ đơn vị (với "
                   "nhóm tập thể tương đồng: đơn vị cấp trên của nhóm). **Bằng chứng thống kê** đọc từ biểu đồ phễu "
                   "bên dưới: nhóm nhỏ vượt một, hai người có thể chỉ là ngẫu nhiên. **Giá trị q**: xác suất kết luận "
                   "nhầm khi xét cùng lúc mọi nhóm đang hiển thị (hiệu chỉnh Benjamini–Hochberg); dưới 0,05 là vượt "
                   "rõ ràng ngay cả khi xét rất nhiều nhóm.")
        part = flagged.iloc[view.pager(len(flagged), "trang_vuot", PAGE_ROWS, "nhóm")]
        view.table(qv.flagged_table(part, subject_names, link=view.profile_link),
                   label_columns=len(qv.FLAGGED_LABELS), key="quota_flagged",
                   column_config={"Nhóm / đơn vị": view.link_column("Nhóm / đơn vị"),
                                  **{c: st.column_config.TextColumn(c, alignment="left") for c in qv.FLAGGED_TEXTS}})
        downloads.table(lambda: qv.flagged_table(flagged, subject_names), "vuot_ty_le_xuat_sac", table_filters,
                        key="dl_quota_flagged", title="Các nhóm vượt giới hạn tỷ lệ HTXS", sheet="Nhóm vượt giới hạn")

# ───────────── funnel plot ─────────────
st.subheader("Biểu đồ phễu: vượt thật hay do nhóm nhỏ")
ruled_subjects = set(shown.loc[shown["ratio"].notna(), "subject"])
choices = [s for s in subject_names if s in ruled_subjects]
if f.subject:
    funnel_subject = f.subject
else:
    funnel_subject = controls.page_choice("Đối tượng của biểu đồ", "phieu", choices,
                                          "dang_vien" if "dang_vien" in choices else choices[0],
                                          format_func=lambda s: subject_names.get(s, s))
fun, elsewhere = ev.main_funnel(funnel_subject)
if fun is None:
    view.empty(f"Không có nhóm {subject_names.get(funnel_subject, funnel_subject).lower()} nào có quy định về tỷ lệ "
               f"trong {when}.")
else:
    fig = qv.funnel_figure(fun, subject_names.get(funnel_subject, funnel_subject), funnel_subject)

    def on_funnel():
        code = qv.clicked_unit(st.session_state.get("quota_funnel"), fig)
        if code:
            controls.set_unit(code)
            st.session_state[OPEN_PROFILE] = True

    view.chart(fig, key="quota_funnel", on_select=on_funnel, selection_mode="points")
    st.caption(qv.funnel_notes(fun, elsewhere))
    downloads.chart(fig, "bieu_do_pheu_ty_le_xuat_sac", key="dl_quota_funnel")

# ───────────── repeat offenders ─────────────
st.subheader("Đơn vị vượt tỷ lệ nhiều năm")
end = year or years[-1]
span = quota.window(end, years[0], span_mode == "ca_giai_doan")
history = audit[audit["year"].between(years[0], end)]
offenders = data.computed("quota_repeat", lambda: quota.repeat_offenders(history, last_year=end,
                                                                          window=span[1] - span[0] + 1, min_years=2),
                          f.unit, f.subject, years[0], end, span)
span_text = f"{span[0]}–{span[1]}" if span[0] != span[1] else str(span[0])
if span[0] == span[1]:
    view.empty("Cần ít nhất hai năm để tìm đơn vị vượt tỷ lệ nhiều năm.", "Mở rộng khoảng năm ở thanh bên.")
elif offenders.empty:
    view.empty(f"Không có nhóm nào vượt tỷ lệ từ hai năm trở lên trong {span_text}.",
               "Chọn “Cả giai đoạn đã chọn” hoặc một năm khác để xem các năm trước.")
else:
    st.caption(f"{fmt.number(len(offenders))} nhóm vượt giới hạn ít nhất hai năm trong {span_text}; chuỗi năm liên "
               f"tiếp tính trong {years[0]}–{end}. Mỗi cột năm: số vượt và tỷ lệ HTXS so với số HTT.")
    repeat_years = [y for y in years if y <= end]
    part = offenders.iloc[view.pager(len(offenders), "trang_nhieu_nam", PAGE_ROWS, "nhóm")]
    view.table(qv.repeat_table(part, history, repeat_years, span, subject_names, link=view.profile_link),
               label_columns=2, key="quota_repeat",
               column_config={"Nhóm / đơn vị": view.link_column("Nhóm / đơn vị"),
                              "Ghi chú": st.column_config.TextColumn("Ghi chú", alignment="left")})
    downloads.table(lambda: qv.repeat_table(offenders, history, repeat_years, span, subject_names),
                    "vuot_ty_le_nhieu_nam", {**filters, "Năm đánh giá": f"{years[0]}–{end}",
                                             "Vượt ít nhất hai năm trong": span_text},
                    key="dl_quota_repeat", title="Đơn vị vượt tỷ lệ HTXS nhiều năm", sheet="Vượt nhiều năm")

# ───────────── decisions of the competent level (roles that may import data) ─────────────
quota_decisions.section(shown, subject_names)

# ───────────── the rules applied ─────────────
with st.expander("Quy định về tỷ lệ đã áp dụng", icon=":material/gavel:"):
    st.caption("Quy định lưu dưới dạng dữ liệu (data/reference/quota_rules.csv): quy định của địa phương thay cho quy "
               "định toàn quốc trong phạm vi đơn vị đó. Năm chưa có quy định thì không đánh giá.")
    rules = qv.rules_table(shown, subject_names)
    view.table(rules, label_columns=len(rules.columns) - 1, key="quota_rules")
    downloads.table(rules, "quy_dinh_ty_le_xuat_sac", filters, key="dl_quota_rules",
                    title="Quy định về tỷ lệ HTXS đã áp dụng", sheet="Quy định")
