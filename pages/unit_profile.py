"""Hồ sơ đơn vị: one unit across all years — its own ratings as a collective, the ratings of its members and
subordinate organizations, its shortcomings and review suggestions, and its predecessors and successors."""
from functools import partial

import pandas as pd
import streamlit as st

from reports import page_tables
from ui import charts, controls, data, export_rows, org_types_view, shares, state, view
from vocab import fmt
from vocab.style import LINEAGE_EVENTS, REMEDY, SUBJECT_UNIT_WORD

f = controls.current()
level_names, subject_names = data.level_names(), data.subject_names()
opts = data.options()
me = data.unit(f.unit)

if me is None:
    st.title("Hồ sơ đơn vị")
    view.empty("Chưa có đơn vị nào trong kho.", "Nạp danh mục đơn vị ở mục Dữ liệu.")
    st.stop()

st.title(fmt.plain(me["name"]))
facts = [fmt.plain(me["tree_level_name"]), fmt.plain(me["kind"]) if isinstance(me["kind"], str) else ""]
life = fmt.year_span(me["first_year"], me["last_year"])
if life:
    facts.append(f"hoạt động {life}")
st.caption(" · ".join(x for x in facts if x))
view.breadcrumb(data.ancestors(f.unit), key="profile_bc")
years = f.years(opts.years)
if not years:
    view.empty("Chưa có số liệu xếp loại nào trong kho.")
    st.stop()
where = export_rows.filters(f, me["name"], years, subject_names.get(f.subject), unit_label="Đơn vị")

# ───────────── lineage ─────────────
lineage = data.query("unit_lineage", unit=f.unit)
predecessors = lineage[lineage["direction"] == "tien_than"]
successors = lineage[lineage["direction"] == "ke_tuc"]
if not lineage.empty:
    st.subheader("Sáp nhập, chia tách, đổi tên")
    cols = st.columns(2)
    for col, rows, title, verb in ((cols[0], predecessors, "Đơn vị tiền thân", "thành đơn vị này"),
                                   (cols[1], successors, "Đơn vị kế tục", "từ đơn vị này")):
        with col:
            st.markdown(f"**{title}**")
            if rows.empty:
                st.caption("Không có.")
            for r in rows.itertuples(index=False):
                event = LINEAGE_EVENTS.get(r.event, r.event)
                share = f", {fmt.pct(r.share)}" if pd.notna(r.share) else ""
                life = fmt.year_span(r.first_year, r.last_year)
                view.unit_link(r.unit_code, r.unit, icon=":material/history:" if title == "Đơn vị tiền thân"
                               else ":material/arrow_forward:")
                st.caption(f"{event} năm {r.year}{share}" + (f" · hoạt động {life}" if life else "")
                           + (" · qua nhiều lần sắp xếp" if r.generation > 1 else ""))

# ───────────── the unit as a collective ─────────────
st.subheader("Xếp loại của đơn vị (tập thể)")
own = data.query("unit_collective_ratings", unit=f.unit, from_year=years[0], to_year=years[-1])
if own.empty:
    view.empty(f"Không có kết quả xếp loại tập thể của {fmt.plain(me['name'])} trong các năm {years[0]}–{years[-1]}.")
else:
    own_years = sorted(set(int(y) for y in own["year"]))
    export_rows.plot(charts.collective_levels(own, level_names, subject_names, own_years), "own",
                     f"{me['name']} — xếp loại của đơn vị (tập thể)", where)
    table = pd.DataFrame({
        "Năm": own["year"].astype(str),
        "Đối tượng": own["subject"].map(subject_names),
        "Tự xếp loại": own["self_level"],
        "Cấp có thẩm quyền xếp loại": own["level"],
        "Điểm": own["score"].map(lambda s: fmt.number(s, 1) if pd.notna(s) else fmt.DASH),
    })
    view.level_table(table, ["Tự xếp loại", "Cấp có thẩm quyền xếp loại"], level_names=level_names)
    export_rows.table(partial(page_tables.collective_ratings, own, level_names, subject_names), f"xep_loai_tap_the_{f.unit}",
                      "dl_own", f"{me['name']} — xếp loại của đơn vị (tập thể)", where)
    higher = own[(own["self_level"].notna()) & (own["level"].notna()) & (own["self_level"] < own["level"])]
    if not higher.empty:
        st.caption("Tự xếp loại cao hơn kết quả của cấp có thẩm quyền: năm "
                   + ", ".join(str(int(y)) for y in higher["year"]) + ".")

# ───────────── members and subordinate organizations ─────────────
st.subheader("Xếp loại đảng viên và tổ chức trực thuộc")
# "Today's structure" (sidebar, kept in the URL): the years before the unit existed take its predecessors' numbers
with_pred = f.view == state.VIEW_TODAY
if not predecessors.empty:
    st.caption("Những năm trước khi có đơn vị này: " + (
        "số liệu cộng của các đơn vị tiền thân (đổi ở mục “Số liệu các năm trước” trên thanh bên)." if with_pred
        else "không hiển thị; chọn “Quy về cơ cấu tổ chức” ở thanh bên để xem số liệu của các đơn vị tiền thân."))
dist = data.query("unit_distribution", unit=f.unit, from_year=years[0], to_year=years[-1],
                  with_predecessors=with_pred)
if f.subject:
    dist = dist[dist["subject"] == f.subject]
shown_subjects = {c: n for c, n in subject_names.items() if c in set(dist["subject"])}
if dist.empty:
    what = f" ({subject_names[f.subject].lower()})" if f.subject else ""
    view.empty(f"Không có số liệu xếp loại đảng viên, tổ chức trực thuộc{what} của {fmt.plain(me['name'])} trong "
               f"các năm {years[0]}–{years[-1]}.")
else:
    span = [y for y in years if y in set(dist["year"]) or (
        (pd.isna(me["first_year"]) or y >= me["first_year"]) and (pd.isna(me["last_year"]) or y <= me["last_year"]))]
    for tab, (code, name) in zip(st.tabs(list(shown_subjects.values())), shown_subjects.items()):
        with tab:
            d = dist[dist["subject"] == code]
            export_rows.plot(charts.stacked_levels(d, level_names, span, unit_word=SUBJECT_UNIT_WORD.get(code, "")),
                             f"dist_{code}", f"{me['name']} — {name}: tỷ lệ bốn mức xếp loại",
                             {**where, "Đối tượng": name})
            pred_years = sorted(int(y) for y in d.loc[d["from_predecessors"].astype(bool), "year"])
            if pred_years:
                st.caption("Năm " + ", ".join(map(str, pred_years)) + ": số liệu cộng của các đơn vị tiền thân.")
            with st.expander("Bảng số liệu", icon=":material/table:"):
                view.table(shares.counts_table(d, level_names, span))
            export_rows.table(partial(page_tables.levels_by_year, d, level_names, span), f"so_lieu_{code}_{f.unit}",
                              f"dl_dist_{code}", f"{me['name']} — {name}: số lượng và tỷ lệ từng mức",
                              {**where, "Đối tượng": name})

# ───────────── by loại hình (Biểu 7A/7B-TCTW), when the unit reported so ─────────────
by_type = data.query("aggregate_by_type", unit=f.unit, subject=f.subject)
by_type = by_type[by_type["year"].between(years[0], years[-1])]
if not by_type.empty:
    st.subheader("Theo loại hình tổ chức cơ sở đảng")
    st.caption("Số liệu báo cáo theo Biểu số 7A/7B-TCTW, chia theo loại hình; cột Tổng số của biểu là số liệu của đơn "
               "vị ở mục trên.")
    kinds = org_types_view.types_of(by_type)
    kind = controls.page_choice("Loại hình", "loai_hinh", [org_types_view.ALL, *kinds], org_types_view.ALL,
                                widget="select", format_func=lambda k: "Mọi loại hình" if k == org_types_view.ALL
                                else fmt.plain(kinds.get(k, k)))
    view.table(org_types_view.table(by_type, level_names, subject_names, kind), label_columns=3, key="by_type")
    export_rows.table(partial(org_types_view.table, by_type, level_names, subject_names, kind),
                      f"theo_loai_hinh_{f.unit}", "dl_by_type", f"{me['name']} — theo loại hình tổ chức cơ sở đảng",
                      {**where, "Loại hình": "mọi loại hình" if kind == org_types_view.ALL else kinds.get(kind, kind)})

# ───────────── shortcomings and suggestions ─────────────
st.subheader("Hạn chế, khuyết điểm")
sc = data.query("unit_shortcomings", unit=f.unit, from_year=years[0], to_year=years[-1])
if sc.empty:
    view.empty(f"Không có hạn chế, khuyết điểm nào được ghi nhận cho {fmt.plain(me['name'])} trong các năm "
               f"{years[0]}–{years[-1]}.")
else:
    st.dataframe(pd.DataFrame({
        "Năm": sc["year"].astype(str),
        "Nội dung": sc["text"],
        "Nhóm": sc["category"].fillna(fmt.DASH),
        "Kết quả khắc phục": [REMEDY.get(s, r if isinstance(r, str) and r else fmt.DASH)
                              for s, r in zip(sc["remedy_status"], sc["remedy"])],
    }), hide_index=True, column_config={"Nội dung": st.column_config.TextColumn(width="large")})
    export_rows.table(partial(page_tables.shortcomings, sc), f"han_che_khuyet_diem_{f.unit}", "dl_shortcomings",
                      f"{me['name']} — hạn chế, khuyết điểm", where)

st.subheader("Gợi ý kiểm điểm của cấp trên")
sg = data.query("unit_suggestions", unit=f.unit, from_year=years[0], to_year=years[-1])
if sg.empty:
    view.empty(f"Cấp trên không gửi gợi ý kiểm điểm nào cho {fmt.plain(me['name'])} trong các năm "
               f"{years[0]}–{years[-1]}.")
else:
    st.dataframe(pd.DataFrame({"Năm": sg["year"].astype(str), "Nội dung": sg["text"]}), hide_index=True,
                 column_config={"Nội dung": st.column_config.TextColumn(width="large")})
    export_rows.table(partial(page_tables.suggestions, sg), f"goi_y_kiem_diem_{f.unit}", "dl_suggestions",
                      f"{me['name']} — gợi ý kiểm điểm của cấp trên", where)
