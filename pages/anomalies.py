"""Dấu hiệu bất thường: from thousands of findings to the units worth inspecting.

Opens on "Đơn vị cần kiểm tra" — the units ranked by a score the committee can read (analysis/worklist.py, weights
in data/reference/worklist_weights.csv), each with one sentence saying why and its evidence on selection — then the
findings counted by rule, the full list (violations first, paged and searchable) and the catalog of rules with the
false-alarm rate of each statistical signal. Unit, years and subject come from the sidebar; the page's own choices are
kept in the address. Only the view chosen is built and sent to the browser."""
import streamlit as st

from analysis import inspection, worklist
from queries import composite
from ui import controls, data, downloads, view
from vocab import fmt

ALL = "tat_ca"
VIEWS = {"don_vi": "Đơn vị cần kiểm tra", "quy_tac": "Theo quy tắc", "danh_sach": "Mọi trường hợp",
         "danh_muc": "Danh mục quy tắc"}
PAGE_ROWS = 50

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

unit_name = data.unit(f.unit)["name"]
scope = data.query("anomalies", unit=f.unit)                    # every rule once; every view below is pandas
scope = inspection.filter_findings(scope, years=(years[0], years[-1]), subject=f.subject)
where = (f"{fmt.plain(unit_name)} và các đơn vị trực thuộc · {fmt.year_span(years[0], years[-1])}"
         + (f" · {subject_names.get(f.subject, f.subject).lower()}" if f.subject else ""))
st.caption(where + " (đổi đơn vị, năm, đối tượng ở thanh bên)")

counts = inspection.severity_counts(scope)
for col, s in zip(st.columns(3), inspection.SEVERITY_ORDER):
    col.metric(inspection.SEVERITY_NAMES[s], fmt.number(counts[s]), help=inspection.SEVERITY_HELP[s].capitalize())

shown_view = controls.page_choice("Xem", "xem", list(VIEWS), "don_vi", format_func=VIEWS.get,
                                  label_visibility="collapsed")
period = {"Đơn vị (gồm đơn vị trực thuộc)": unit_name, "Năm đánh giá": fmt.year_span(years[0], years[-1]),
          "Đối tượng": subject_names.get(f.subject) if f.subject else "mọi đối tượng"}

# ───────────── the units worth inspecting ─────────────
if shown_view == "don_vi":
    w = worklist.weights()
    key = (f.unit, years[0], years[-1], f.subject, repr(w))   # what the ranking depends on: once for everyone
    ranked = data.computed("worklist", lambda: worklist.rank(scope, units, w, last_year=years[-1]), *key)
    st.caption(f"Xếp theo điểm: mỗi vi phạm {fmt.number(w.severity['vi_pham'])} điểm, cần xem xét "
               f"{fmt.number(w.severity['can_xem_xet'])}, dấu hiệu thống kê {fmt.number(w.severity['bat_thuong'])}; "
               f"mỗi năm lặp lại cùng quy tắc cộng thêm {fmt.pct(w.repeat, 0)}; mỗi năm cũ hơn nhân "
               f"{fmt.number(w.recency, 1)}. Phát hiện ở chi bộ trực thuộc, đảng viên tính cho tổ chức cơ sở đảng. "
               "Trọng số và lý do: data/reference/worklist_weights.csv. Chọn một dòng để xem căn cứ.")
    if ranked.empty:
        view.empty("Không có đơn vị nào cần kiểm tra theo các phát hiện của phạm vi này.",
                   "Chọn năm, đơn vị hoặc đối tượng khác ở thanh bên.")
        st.stop()
    many = controls.page_choice(f"Hiện (trong {fmt.number(len(ranked))} đơn vị)", "hien", [30, 100, 0], 30,
                                format_func=lambda n: f"{n} đơn vị đầu" if n else "tất cả") if len(ranked) > 30 else 0
    top = ranked.head(many) if many else ranked
    event = view.table(worklist.worklist_table(top, link=view.profile_link), label_columns=2, key="worklist",
                       on_select="rerun", selection_mode="single-row",
                       column_config={"Đơn vị": view.link_column(), "Lý do": st.column_config.TextColumn(width="large")})
    picked = event.selection.rows if event is not None and hasattr(event, "selection") else []
    target = data.computed("worklist_target", lambda: scope["unit_code"].map(
        worklist.inspected_unit(units, w.levels, scope["unit_code"])), *key)
    evidence = scope[target.isin(ranked["unit_code"])]
    if picked:
        one = top.iloc[picked[0]]
        mine = scope[target == one["unit_code"]]
        with st.container(border=True):
            st.markdown(f"**{one['rank']}. {fmt.plain(one['unit'])}** — {fmt.plain(one['reason'])}")
            view.table(worklist.by_rule(mine), label_columns=1, key="wl_rules")
            view.table(inspection.findings_table(mine, subject_names), label_columns=4, key="wl_findings",
                       column_config={"Nội dung phát hiện": st.column_config.TextColumn(width="large")})
            view.unit_link(one["unit_code"], f"Hồ sơ {one['unit']}")
    downloads.workbook(lambda: {"Đơn vị cần kiểm tra": worklist.worklist_table(ranked),
                                "Căn cứ": inspection.findings_table(evidence, subject_names)},
                       "don_vi_can_kiem_tra", period, key="dl_worklist", title="Danh sách đơn vị cần kiểm tra",
                       label="Tải danh sách đơn vị cần kiểm tra (Excel)")

# ───────────── counted by rule ─────────────
elif shown_view == "quy_tac":
    st.caption("Số trường hợp và số đơn vị của mỗi quy tắc, vi phạm trước.")
    view.table(worklist.by_rule(scope), label_columns=2, key="by_rule",
               column_config={"Quy tắc": st.column_config.TextColumn(width="large")})

# ───────────── every finding: violations first, filtered, searched, a page at a time ─────────────
elif shown_view == "danh_sach":
    catalog = data.query("anomaly_rules")
    titles = dict(zip(catalog["rule"], catalog["title"]))
    cols = st.columns([3, 1, 3])
    with cols[0]:
        severity = controls.page_choice("Mức", "muc_do", [ALL, *inspection.SEVERITY_ORDER], "vi_pham",
                                        format_func=lambda s: "Tất cả" if s == ALL else inspection.SEVERITY_NAMES[s])
    with cols[1]:
        year = controls.page_choice("Năm", "nam", [ALL, *sorted(years, reverse=True)], ALL, widget="select",
                                    format_func=lambda y: fmt.year_span(years[0], years[-1]) if y == ALL else str(y))
    with cols[2]:
        rule = controls.page_choice("Quy tắc", "quy_tac", [ALL, *catalog["rule"]], ALL, widget="select",
                                    format_func=lambda r: "Mọi quy tắc" if r == ALL else titles.get(r, r))
    severity, year, rule = (None if v == ALL else v for v in (severity, year, rule))
    words = st.text_input("Tìm theo tên đơn vị hoặc nội dung", key="tim", placeholder="ví dụ: Hòa Bình, kỷ luật")
    shown = inspection.search(inspection.filter_findings(scope, year=year, rule=rule, severity=severity), words)
    if shown.empty:
        view.empty("Không có trường hợp nào với các bộ lọc này.",
                   "Chọn mức, năm hoặc quy tắc khác, hoặc một đơn vị cấp trên ở thanh bên.")
        st.stop()
    part = shown.iloc[view.pager(len(shown), "trang", PAGE_ROWS, "trường hợp")]
    st.caption(f"{fmt.number(len(shown))} trường hợp. Bấm tên đơn vị để mở hồ sơ đơn vị; chọn một dòng để đọc đầy "
               "đủ nội dung và căn cứ.")
    event = view.table(inspection.findings_table(part, subject_names, link=view.profile_link),
                       label_columns=len(inspection.FINDING_COLUMNS), key="findings", on_select="rerun",
                       selection_mode="single-row",
                       column_config={"Đơn vị": view.link_column(),
                                      "Nội dung phát hiện": st.column_config.TextColumn(width="large"),
                                      "Quy tắc": st.column_config.TextColumn(width="medium")})
    picked = event.selection.rows if event is not None and hasattr(event, "selection") else []
    if picked:
        one = part.iloc[picked[0]]
        with st.container(border=True):
            st.markdown(f"**{inspection.SEVERITY_NAMES[one['severity']]} · {one['year']} · {one['title']}**")
            st.markdown(fmt.plain(one["detail"]))
            alarm = inspection.false_alarm(one["rule"], composite.config().get(one["rule"], {}))
            if alarm:
                st.caption(f"Tỷ lệ báo nhầm của quy tắc: {alarm}")
            st.caption(f"Căn cứ quy định: {one['document']}")
            st.caption(f"Dựa trên: {inspection.basis_text(one['basis'])}"
                       + (f" · tệp nguồn: {fmt.plain(one['source'])}" if isinstance(one["source"], str) else "")
                       + f" · mã đối tượng: {one['subject_key']} · mã quy tắc: {one['rule']}")
            view.unit_link(one["unit_code"], f"Hồ sơ {one['unit']}")
    filters = inspection.export_filters(unit_name, (years[0], years[-1]), year, titles.get(rule), severity,
                                        subject_names.get(f.subject) if f.subject else None)
    if words:
        filters["Tìm"] = words
    downloads.table(lambda: inspection.findings_table(shown, subject_names), "dau_hieu_bat_thuong", filters, key="dl",
                    title="Dấu hiệu bất thường", sheet="Dấu hiệu bất thường")

# ───────────── the catalog ─────────────
else:
    catalog = data.query("anomaly_rules")
    st.caption("Mỗi quy tắc là một tệp trong queries/rules/, ghi rõ năm áp dụng, mức và văn bản làm căn cứ; ngưỡng lấy "
               "từ data/reference/inspection_config.csv. Số trường hợp theo từng năm (dấu · : quy tắc không áp dụng "
               "năm đó). Dấu hiệu thống kê ghi tỷ lệ báo nhầm: một đơn vị không có gì sai vẫn vượt ngưỡng với xác "
               "suất đó.")
    cat_table = inspection.catalog_table(catalog, scope, list(years), composite.config())
    view.table(cat_table, label_columns=2, key="catalog",
               column_config={"Quy tắc": st.column_config.TextColumn(width="large"),
                              **{c: st.column_config.TextColumn(alignment="left")
                                 for c in ("Năm áp dụng", "Căn cứ quy định", "Ngưỡng cấu hình", "Tỷ lệ báo nhầm",
                                           "Mã quy tắc")}})
    downloads.workbook({"Danh mục quy tắc": cat_table}, "danh_muc_quy_tac", period, key="dl_catalog",
                       title="Danh mục quy tắc kiểm tra", label="Tải danh mục (Excel)")
