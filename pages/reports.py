"""Báo cáo: the official tables workbook for the unit and years of the sidebar — one sheet per subject in the layout
of the district report (seed 004: STT | Tiêu chí | Năm đánh giá, the four levels, Tổng số), optionally the shares
beside the counts, the quota audit and the inspection findings — with a preview of every sheet the file holds; and the
one-page PDF summary of the unit for a chosen year."""
import streamlit as st

from reports import official_tables
from ui import controls, data, downloads, report_files, view
from vocab import fmt

f = controls.current()
units, opts, subject_names = data.units(), data.options(), data.subject_names()

st.title("Báo cáo")
years = f.years(opts.years)
if f.unit is None or units.empty or not years:
    view.empty("Chưa có số liệu xếp loại nào trong kho.", "Nạp danh mục đơn vị và số liệu xếp loại ở mục Dữ liệu.")
    st.stop()

unit_name = data.unit(f.unit)["name"]
span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
st.caption(f"{fmt.plain(unit_name)} · năm {span} · tính cả các đơn vị trực thuộc (đổi đơn vị, năm ở thanh bên)")
dist = data.query("distribution", unit=f.unit)
present = [s for s in official_tables.CAPTIONS if s in set(dist.loc[dist["year"].isin(years), "subject"])]
if not present:
    view.empty(f"Không có số liệu xếp loại của {fmt.plain(unit_name)} trong các năm {span}.",
               "Chọn năm hoặc đơn vị khác ở thanh bên.")
    st.stop()

# ───────────── the official tables ─────────────
st.subheader("Bảng số liệu theo mẫu báo cáo (Excel)")
st.caption("Mỗi đối tượng một trang: STT | Tiêu chí | Năm đánh giá, các năm là cột, bốn mức xếp loại và Tổng số, số "
           "viết theo kiểu Việt Nam (2.208). Trang đầu ghi đơn vị, bộ lọc, thời điểm cập nhật số liệu và các lần nạp "
           "dữ liệu đã dùng.")
left, right = st.columns([3, 2])
with left:
    chosen = st.multiselect("Đối tượng", present, default=[f.subject] if f.subject in present else present,
                            format_func=lambda s: subject_names.get(s, s), key=f"bc_doi_tuong_{f.unit}")
with right:
    shares = st.toggle("Tỷ lệ bên cạnh số lượng", key="bc_ty_le")
    quota = st.toggle("Thêm trang kiểm tra tỷ lệ xuất sắc", key="bc_ty_le_xs")
    findings = st.toggle("Thêm trang dấu hiệu bất thường", key="bc_bat_thuong")
if not chosen:
    view.empty("Chọn ít nhất một đối tượng để tạo bảng số liệu.")
else:
    with st.spinner("Đang tạo tệp Excel…"):
        content, summary, sheets, seconds = report_files.official(
            f.unit, years[0], years[-1], chosen, shares=shares, quota=quota, findings=findings, view=f.view,
            structure_year=f.structure_year)
    st.download_button("Tải bảng số liệu (Excel)", content, file_name=f"bang_so_lieu_{f.unit}_{years[0]}_"
                       f"{years[-1]}.xlsx", mime=downloads.XLSX, icon=":material/download:", key="dl_bang",
                       type="primary", on_click="ignore")
    st.caption(f"Tệp gồm {len(sheets)} trang: " + ", ".join(n for n, _ in sheets)
               + f" · {fmt.number(len(content) / 1024)} KB, tạo trong {fmt.number(seconds, 1)} giây.")
    if summary["missing"]:
        st.warning("Năm không có số liệu (để trống trong tệp): " + "; ".join(summary["missing"]) + ".",
                   icon=":material/warning:")
    st.markdown("**Xem trước nội dung tệp**")
    for tab, (name, table) in zip(st.tabs([n for n, _ in sheets]), sheets):
        with tab:
            st.dataframe(table, hide_index=True, key=f"xem_{name}")

# ───────────── the one-page summary ─────────────
st.subheader("Báo cáo tóm tắt một trang (PDF)")
st.caption("Một trang A4 để in: phân bố xếp loại của năm và thay đổi so với năm trước, xu hướng tỷ lệ Hoàn thành xuất "
           "sắc nhiệm vụ, các dấu hiệu cần chú ý, hạn chế khuyết điểm chưa khắc phục xong.")
with_data = sorted({int(y) for y in dist["year"]} & set(years), reverse=True)
year = controls.page_choice("Năm của báo cáo tóm tắt", "nam_tom_tat", with_data, with_data[0], widget="select")
problem = report_files.pdf_problem()
if problem:
    st.warning(problem, icon=":material/font_download_off:")
else:
    if report_files.chart_problem():
        st.caption(report_files.chart_problem())
    st.download_button(f"Tải báo cáo tóm tắt năm {year} (PDF)", report_files.pdf(f.unit, year),
                       file_name=f"tom_tat_{f.unit}_{year}.pdf", mime="application/pdf",
                       icon=":material/picture_as_pdf:", key="dl_pdf", on_click="ignore",
                       help="Tệp được tạo khi bấm (vài giây).")
