"""Dấu hiệu bất thường: the inspection catalog (one rule per file in queries/rules/), how many findings each rule has
per year, and the findings — each with its rule, the facts that triggered it, the regulation, and a link to the unit's
profile — filterable by rule, severity and year (unit, years and subject from the sidebar), downloadable as shown."""
import streamlit as st

from analysis import inspection
from reports import exports
from ui import controls, data, fmt, view

ALL = "tat_ca"

f = controls.current()
subject_names = data.subject_names()
units = data.units()
opts = data.options()

st.title("Dấu hiệu bất thường")
st.caption("Các trường hợp xếp loại trái quy định hoặc đáng xem xét, mỗi trường hợp kèm quy tắc, số liệu làm phát "
           "sinh và văn bản làm căn cứ. " + " · ".join(f"**{inspection.SEVERITY_NAMES[s]}**: {inspection.SEVERITY_HELP[s]}"
                                                        for s in inspection.SEVERITY_ORDER) + ".")
years = f.years(opts.years)
if f.unit is None or units.empty or not years:
    view.empty("Chưa có số liệu xếp loại nào trong kho.", "Nạp danh mục đơn vị và số liệu xếp loại ở mục Dữ liệu.")
    st.stop()

unit_name = units.set_index("unit_code").at[f.unit, "name"]
catalog = data.query("anomaly_rules")
titles = dict(zip(catalog["rule"], catalog["title"]))

# ───────────── the page's own filters (kept in the address, so a view can be shared as a link) ─────────────
cols = st.columns([3, 1, 3])
with cols[0]:
    severity = controls.page_choice("Mức", "muc_do", [ALL, *inspection.SEVERITY_ORDER], ALL,
                                    format_func=lambda s: "Tất cả" if s == ALL else inspection.SEVERITY_NAMES[s])
with cols[1]:
    year = controls.page_choice("Năm", "nam", [ALL, *sorted(years, reverse=True)], ALL, widget="select",
                                format_func=lambda y: f"{years[0]}–{years[-1]}" if y == ALL else str(y))
with cols[2]:
    rule = controls.page_choice("Quy tắc", "quy_tac", [ALL, *catalog["rule"]], ALL, widget="select",
                                format_func=lambda r: "Mọi quy tắc" if r == ALL else titles.get(r, r))
severity, year, rule = (None if v == ALL else v for v in (severity, year, rule))

scope = data.query("anomalies", unit=f.unit, year=year)          # every rule once; the filters below are pandas
scope = inspection.filter_findings(scope, years=(years[0], years[-1]), subject=f.subject)
shown = inspection.filter_findings(scope, rule=rule, severity=severity)

where = (f"{fmt.plain(unit_name)} và các đơn vị trực thuộc · " + (str(year) if year else f"{years[0]}–{years[-1]}")
         + (f" · {subject_names.get(f.subject, f.subject).lower()}" if f.subject else ""))
st.caption(where + " (đổi đơn vị, năm, đối tượng ở thanh bên)")

counts = inspection.severity_counts(inspection.filter_findings(scope, rule=rule))
for col, s in zip(st.columns(3), inspection.SEVERITY_ORDER):
    col.metric(inspection.SEVERITY_NAMES[s], fmt.number(counts[s]), help=inspection.SEVERITY_HELP[s].capitalize())

# ───────────── findings ─────────────
st.subheader("Các trường hợp phát hiện")
table = inspection.findings_table(shown, subject_names, link=view.profile_link)
if shown.empty:
    view.empty("Không có trường hợp nào với các bộ lọc này.",
               "Chọn mức, năm hoặc quy tắc khác, hoặc một đơn vị cấp trên ở thanh bên.")
else:
    st.caption(f"{fmt.number(len(shown))} trường hợp. Bấm tên đơn vị để mở hồ sơ đơn vị; chọn một dòng để đọc "
               "đầy đủ nội dung và căn cứ.")
    event = view.table(table, label_columns=len(table.columns), key="findings", on_select="rerun",
                       selection_mode="single-row",
                       column_config={"Đơn vị": view.link_column(),
                                      "Nội dung phát hiện": st.column_config.TextColumn(width="large"),
                                      "Quy tắc": st.column_config.TextColumn(width="medium")})
    picked = event.selection.rows if event is not None and hasattr(event, "selection") else []
    if picked:
        one = shown.iloc[picked[0]]
        with st.container(border=True):
            st.markdown(f"**{inspection.SEVERITY_NAMES[one['severity']]} · {one['year']} · {one['title']}**")
            st.markdown(fmt.plain(one["detail"]))
            st.caption(f"Căn cứ quy định: {one['document']}")
            st.caption(f"Dựa trên: {inspection.basis_text(one['basis'])}"
                       + (f" · tệp nguồn: {fmt.plain(one['source'])}" if isinstance(one["source"], str) else "")
                       + f" · mã đối tượng: {one['subject_key']} · mã quy tắc: {one['rule']}")
            view.unit_link(one["unit_code"], f"Hồ sơ {one['unit']}")
    filters = inspection.export_filters(unit_name, (years[0], years[-1]), year, titles.get(rule), severity,
                                        subject_names.get(f.subject) if f.subject else None)
    plain = inspection.findings_table(shown, subject_names)
    row = st.container(horizontal=True)
    with row:
        st.download_button("Tải CSV", exports.csv_bytes(plain, filters), file_name="dau_hieu_bat_thuong.csv",
                           mime="text/csv", icon=":material/download:", key="dl_csv")
        st.download_button("Tải Excel", exports.xlsx_bytes({"Dấu hiệu bất thường": plain}, filters,
                                                           title="Dấu hiệu bất thường"),
                           file_name="dau_hieu_bat_thuong.xlsx", icon=":material/download:", key="dl_xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# ───────────── the catalog ─────────────
st.subheader("Danh mục quy tắc kiểm tra")
st.caption("Mỗi quy tắc là một tệp trong queries/rules/, ghi rõ năm áp dụng, mức và văn bản làm căn cứ; ngưỡng lấy "
           "từ data/reference/inspection_config.csv. Số trường hợp theo từng năm (dấu · : quy tắc không áp dụng năm "
           "đó). Số đếm theo đơn vị, năm, đối tượng ở thanh bên.")
shown_years = [year] if year else years
cat_scope = inspection.filter_findings(scope, severity=severity)
cat_table = inspection.catalog_table(catalog, cat_scope, shown_years)
view.table(cat_table, label_columns=2, key="catalog",
           column_config={"Quy tắc": st.column_config.TextColumn(width="large"),
                          **{c: st.column_config.TextColumn(alignment="left")
                             for c in ("Năm áp dụng", "Căn cứ quy định", "Ngưỡng cấu hình", "Mã quy tắc")}})
cat_filters = inspection.export_filters(unit_name, (years[0], years[-1]), year, None, severity,
                                        subject_names.get(f.subject) if f.subject else None)
st.download_button("Tải danh mục (Excel)", exports.xlsx_bytes({"Danh mục quy tắc": cat_table}, cat_filters,
                                                              title="Danh mục quy tắc kiểm tra"),
                   file_name="danh_muc_quy_tac.xlsx", icon=":material/download:", key="dl_catalog",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
