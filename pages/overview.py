"""Tổng quan: the latest year per subject, the four levels by year, the excellent share against the quota, and the
numbers reviewed and not rated — for the unit chosen in the sidebar (its whole subtree)."""
from functools import partial

import streamlit as st

from analysis import composition
from reports import page_tables
from ui import charts, controls, data, export_rows, shares, state, view
from vocab import fmt
from vocab.style import SUBJECT_UNIT_WORD

f = controls.current()
level_names, subject_names = data.level_names(), data.subject_names()
me = data.unit(f.unit)

st.title("Tổng quan kết quả xếp loại")
if me is None:
    view.empty("Chưa có số liệu xếp loại nào trong kho.", "Nạp tệp ở mục Dữ liệu hoặc tạo dữ liệu minh họa.")
    st.stop()

unit_name = me["name"]
all_years = [int(y) for y in data.query("years")["year"]]
years = f.years(all_years)
span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
head = st.container(horizontal=True, vertical_alignment="center")
with head:
    view.unit_link(f.unit, unit_name)
    st.caption(f"Năm {span} · tính cả các đơn vị trực thuộc" + (
        f" · số liệu các năm trước quy về cơ cấu tổ chức năm {f.structure_year}" if f.structure_year else ""))

dist = data.query("distribution", unit=f.unit, subject=f.subject, view=f.view, structure_year=f.structure_year)
shown = dist[dist["year"].isin(years)] if not dist.empty else dist
if shown.empty:
    what = f" cho đối tượng “{subject_names[f.subject]}”" if f.subject else ""
    view.empty(f"Không có số liệu xếp loại của {fmt.plain(unit_name)} trong các năm {span}{what}.",
               "Chọn năm, đối tượng hoặc đơn vị khác ở thanh bên.")
    st.stop()

subjects_shown = {c: n for c, n in subject_names.items() if c in set(shown["subject"])}
where = export_rows.filters(f, unit_name, years, subject_names.get(f.subject))     # stated in every download
latest = shares.cards(dist[dist["subject"].isin(subjects_shown)], subjects_shown, years[-1])
st.subheader(f"Năm {max(c.year for c in latest)}: tỷ lệ từng mức và thay đổi so với năm trước")
view.cards(latest, level_names, unit_words={c: f"{w} được xếp loại" for c, w in SUBJECT_UNIT_WORD.items()})

st.subheader("Diễn biến theo năm")
quota = data.query("quota_by_year", from_year=years[0], to_year=years[-1], subject=f.subject)
# One subject's trend at a time (a choice kept in the URL): every tab of st.tabs is drawn, and six subjects × three
# charts took the browser several seconds.
codes = list(subjects_shown)
code = codes[0] if len(codes) == 1 else controls.page_choice(
    "Đối tượng", "xem", codes, "dang_vien" if "dang_vien" in codes else codes[0], format_func=subjects_shown.get)
name = subjects_shown[code]
d = shown[shown["subject"] == code]
w = {**where, "Đối tượng": name}
left, right = st.columns(2, gap="large")
with left:
    st.markdown("**Tỷ lệ bốn mức xếp loại**")
    export_rows.plot(charts.stacked_levels(d, level_names, years, unit_word=SUBJECT_UNIT_WORD.get(code, "")),
                     f"levels_{code}", f"{unit_name} — {name}: tỷ lệ bốn mức xếp loại", w)
with right:
    st.markdown("**Tỷ lệ Hoàn thành xuất sắc nhiệm vụ và giới hạn theo quy định**")
    series = shares.quota_series(d, quota[quota["subject"] == code], years)
    export_rows.plot(charts.excellence_vs_quota(series), f"quota_{code}",
                     f"{unit_name} — {name}: tỷ lệ Hoàn thành xuất sắc nhiệm vụ và giới hạn", w)
    export_rows.table(partial(page_tables.quota_series, series), f"ty_le_xuat_sac_{code}", f"dl_quota_{code}",
                      f"{name}: tỷ lệ Hoàn thành xuất sắc nhiệm vụ và giới hạn theo quy định", w)
    if series["ratio"].isna().any():
        missing = [str(y) for y in series.loc[series["ratio"].isna(), "year"]]
        st.caption("Không có quy định toàn quốc về tỷ lệ cho năm " + ", ".join(missing)
                   + ": không vẽ đường giới hạn cho các năm này.")
if f.view == state.VIEW_REPORTED and len(years) > 1:
    kids = data.query("children_distribution", unit=f.unit, subject=code, from_year=years[0],
                      to_year=years[-1])
    if kids["unit_code"].nunique() > 1:
        st.markdown(f"**Tỷ lệ Hoàn thành xuất sắc nhiệm vụ nếu giữ nguyên cơ cấu đơn vị năm {years[0]}**")
        adj = composition.adjusted_share(kids, base_year=years[0])
        export_rows.plot(charts.composition_adjusted(adj, years[0]), f"mix_{code}",
                         f"{unit_name} — {name}: tỷ lệ HTXS nếu giữ cơ cấu năm {years[0]}", w)
        export_rows.table(partial(page_tables.composition, adj, years[0]), f"giu_co_cau_{code}", f"dl_mix_{code}",
                          f"{name}: tỷ lệ HTXS nếu giữ cơ cấu đơn vị năm {years[0]}", w)
        st.caption("Mỗi đơn vị trực thuộc giữ tỷ trọng của năm gốc. Hai đường tách nhau là do thay đổi "
                   "cơ cấu đơn vị (sáp nhập, thành lập, giải thể), không phải do kết quả xếp loại thay đổi.")
with st.expander("Bảng số liệu", icon=":material/table:"):
    view.table(shares.counts_table(d, level_names, years))
export_rows.table(partial(page_tables.levels_by_year, d, level_names, years), f"so_lieu_{code}", f"dl_counts_{code}",
                  f"{name}: số lượng và tỷ lệ từng mức xếp loại", w)

st.subheader("Số tập thể, cá nhân được kiểm điểm và không xếp loại")
view.table(shares.reviewed_table(shown, subjects_shown, years), label_columns=2)
export_rows.table(partial(page_tables.reviewed, shown, subjects_shown, years), "kiem_diem_khong_xep_loai", "dl_reviewed",
                  "Số được kiểm điểm và không xếp loại", where)
st.caption("Được kiểm điểm = số được xếp loại + số không xếp loại (miễn công tác và sinh hoạt đảng, mới kết nạp "
           "dưới 6 tháng, đình chỉ sinh hoạt…). “—”: đơn vị không báo cáo số không xếp loại hoặc không có số liệu.")
