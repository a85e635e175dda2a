"""Phân bố: years × subordinate units heatmap of one level's share, the same as a table, drill-down with a breadcrumb
back up, and the selected unit against its peers of the same kind."""
from functools import partial

import streamlit as st

from reports import page_tables
from ui import charts, controls, data, export_rows, shares, state, view
from vocab import fmt
from etl.normalize import search_key
from vocab.style import LEVEL_CODES, SUBJECT_UNIT_WORD

PAGE_UNITS = 30     # subordinate units on one screen of the heatmap

f = controls.current()
level_names, subject_names = data.level_names(), data.subject_names()
opts = data.options()
me = data.unit(f.unit)

st.title("Phân bố xếp loại theo đơn vị")
if me is None:
    view.empty("Chưa có đơn vị nào trong kho.", "Nạp danh mục đơn vị và số liệu xếp loại ở mục Dữ liệu.")
    st.stop()

unit_name = me["name"]
years = f.years(opts.years)
subject = f.subject or ("dang_vien" if "dang_vien" in opts.subjects else (opts.subjects[0] if opts.subjects else None))
if subject is None or not years:
    view.empty("Chưa có số liệu xếp loại nào trong kho.")
    st.stop()

view.breadcrumb(data.ancestors(f.unit), key="bc")
level = controls.page_choice("Mức xếp loại tô màu", "muc", list(LEVEL_CODES), "htxs",
                             format_func=lambda c: level_names.get(c, c))
level_name = level_names.get(level, level)
word = SUBJECT_UNIT_WORD.get(subject, "")
where = export_rows.filters(f, unit_name, years, subject_names[subject], Mức_tô_màu=level_name)

# ───────────── subordinate units ─────────────
if f.view == state.VIEW_TODAY:      # the subordinates of the structure year, earlier years mapped onto them
    kids = data.query("distribution", parent=f.unit, subject=subject, view=f.view, structure_year=f.structure_year)
    kids = kids[kids["year"].between(years[0], years[-1])]
else:                               # each year's own subordinates
    kids = data.query("children_distribution", unit=f.unit, subject=subject, from_year=years[0],
                      to_year=years[-1])
st.subheader(f"Tỷ lệ {level_name} của các đơn vị trực thuộc")
st.caption(f"{fmt.plain(unit_name)} · đối tượng: {subject_names[subject]}"
           + ("" if f.subject else " (chọn đối tượng khác ở thanh bên)")
           + f" · mỗi ô: số {word} ở mức này trên tổng số được xếp loại của đơn vị, tính cả cấp dưới. "
           "Bấm vào số liệu trong ô, hoặc chọn một dòng trong bảng, để xem cấp dưới của đơn vị đó."
           + (f" Các năm trước quy về các đơn vị trực thuộc năm {f.structure_year}." if f.structure_year else ""))

if not me["children"]:
    view.empty(f"{fmt.plain(unit_name)} không có đơn vị trực thuộc.",
               "Xem hồ sơ đơn vị, hoặc quay lên cấp trên theo dòng đường dẫn phía trên.")
    view.unit_link(f.unit, f"Hồ sơ {unit_name}")
elif kids.empty:
    view.empty(f"Không có số liệu xếp loại {subject_names[subject].lower()} của các đơn vị trực thuộc "
               f"{fmt.plain(unit_name)} trong các năm {years[0]}–{years[-1]}.",
               "Chọn đối tượng hoặc năm khác ở thanh bên.")
else:
    if "note" in kids and kids["note"].notna().any():
        split = sorted(set(kids.loc[kids["note"].notna(), "unit"]))
        st.caption("Chia tách không rõ tỷ lệ: số liệu của đơn vị cũ được ghi cho từng đơn vị kế tục ("
                   + ", ".join(map(fmt.plain, split)) + "), nên không cộng được các dòng này với nhau.")
    data_years = sorted(set(int(y) for y in kids["year"]))
    years_shown = [y for y in years if data_years[0] <= y <= data_years[-1]]
    all_kids = kids
    count = kids["unit_code"].nunique()
    if count > PAGE_UNITS:
        # A province has up to ~2,000 subordinate units: nobody reads a heatmap of all of them, and drawing one cost
        # the browser a minute. A page of them at a time, in the order the reader chooses, or the ones searched for.
        c1, c2 = st.columns([2, 3])
        with c1:
            how = controls.page_choice("Xếp các đơn vị", "xep", list(shares.UNIT_ORDERS), "cao", widget="select",
                                       format_func=shares.UNIT_ORDERS.get)
        with c2:
            words = st.text_input("Tìm đơn vị trực thuộc", key=f"tim_{f.unit}", placeholder="gõ có dấu hoặc không dấu")
        order = shares.order_units(kids, level, how)
        if words:
            names = kids.drop_duplicates("unit_code").set_index("unit_code")["unit"]
            hit = set(names.index[state.search_mask(names.map(search_key), names.index.to_series(), words)])
            order = [c for c in order if c in hit]
        shown_codes = order[view.pager(len(order), f"trang_{f.unit}", PAGE_UNITS, "đơn vị")]
        if not shown_codes:
            view.empty(f"Không có đơn vị trực thuộc nào khớp với “{fmt.plain(words)}”.")
        pos = {c: i for i, c in enumerate(shown_codes)}
        kids = kids[kids["unit_code"].isin(pos)].sort_values("unit_code", key=lambda c: c.map(pos), kind="stable")
    if not kids.empty:
        matrix = shares.heatmap_matrix(kids, level, years_shown)
        drillable = dict(zip(kids["unit_code"], kids["has_children"].astype(bool)))

        def go_to(code: str) -> None:
            controls.set_unit(code)
            if not drillable.get(code):
                st.session_state["_open_profile"] = True

        def on_heat():
            sel = st.session_state.get("heat")
            points = (sel or {}).get("selection", {}).get("points", []) if sel else []
            if points:
                label = points[0].get("y")
                if label in matrix.labels:
                    go_to(matrix.codes[matrix.labels.index(label)])

        export_rows.plot(charts.heatmap(matrix, level, level_name), "heat",
                         f"{unit_name} — tỷ lệ {level_name} của các đơn vị trực thuộc "
                         f"({subject_names[subject].lower()})", where, on_select=on_heat, selection_mode="points")

        labels = dict(zip(matrix.codes, matrix.labels))
        st.selectbox("Xem đơn vị cấp dưới", matrix.codes, index=None, key=f"pick_{f.unit}",
                     placeholder="Chọn một đơn vị trực thuộc…", format_func=lambda c: labels[c],
                     on_change=lambda: go_to(st.session_state[f"pick_{f.unit}"]) if st.session_state.get(
                         f"pick_{f.unit}") else None)

        table = shares.pivot_table(kids, level, years_shown, view.profile_link, level_name)
        view.table(table, key=f"tbl_{f.unit}_{level}", on_select=view.on_row_select(
            f"tbl_{f.unit}_{level}", matrix.codes, go_to), selection_mode="single-row",
            column_config={"Đơn vị": view.link_column()})
        with st.expander("Số lượng ở cả bốn mức", icon=":material/table:"):
            view.table(shares.unit_year_table(kids, level, level_names, view.profile_link), label_columns=2,
                       column_config={"Đơn vị": view.link_column()})
    export_rows.table(lambda: page_tables.units_by_year(all_kids, level_names, level), f"don_vi_truc_thuoc_{f.unit}",
                      "dl_children", f"{unit_name} — các đơn vị trực thuộc: số lượng từng mức"
                      + (f" (cả {fmt.number(count)} đơn vị)" if count > PAGE_UNITS else ""), where)

if st.session_state.pop("_open_profile", False):
    st.switch_page(state.PROFILE_PAGE)

# ───────────── peers ─────────────
st.subheader("So sánh với các đơn vị cùng loại")
kind = f" — {fmt.plain(me['kind'])}" if isinstance(me["kind"], str) else ""
st.caption(f"Các đơn vị cùng cấp tổ chức ({fmt.plain(me['tree_level_name']) or 'không rõ cấp'}{kind}) với "
           f"{fmt.plain(unit_name)}.")
span = dict(unit=f.unit, subject=subject, from_year=years[0], to_year=years[-1])
summary = shares.peer_level(data.query("peer_summary", **span), level)
if summary.empty or summary["peers"].max() < 2:
    view.empty(f"Không có đơn vị cùng cấp và cùng loại hình với {fmt.plain(unit_name)} có số liệu "
               f"{subject_names[subject].lower()} để so sánh.")
else:
    few = summary["peers"].max() <= shares.PEER_DOTS        # a dot per peer only when they are few
    export_rows.plot(charts.peers(data.query("peer_distribution", **span) if few else None, summary, level,
                                  level_name, unit_name, years), "peers",
                     f"{unit_name} so với các đơn vị cùng loại — tỷ lệ {level_name}", where)
    if not few:
        st.caption(f"{fmt.number(summary['peers'].max())} đơn vị cùng loại: vùng tô xám là khoảng giữa tỷ lệ của "
                   "họ (đậm: một nửa số đơn vị, nhạt: 80% số đơn vị), đường xám là trung vị.")
    view.table(shares.peer_table(summary, unit_name))
    export_rows.table(partial(page_tables.peer_summary, summary, unit_name, level_name), f"so_sanh_cung_loai_{f.unit}",
                      "dl_peers", f"{unit_name} so với các đơn vị cùng loại", where)
