"""The import page's section "Số liệu viết thành câu" (issue 21, item 4): a paragraph of a report that gives the
counts as sentences ("… có 79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, trong đó 16 hoàn thành xuất sắc
nhiệm vụ …") is pasted, the numbers read by etl/sentences.py are shown with the exact words they came from and the
warnings, the clerk corrects them if needed, picks the unit (and the year and subject, prefilled from the paragraph)
and confirms. Only then is anything written: a one-row file in the aggregate counts template's format
(data/templates/mau_so_luong_theo_muc.csv) goes through the one loader (operations.load.load_files), so rejects, the load
history, undo and idempotence are the loader's. Nothing is written before the clerk confirms.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from etl import sentences, uploads
from etl.layouts import LAYOUTS
from operations.load import load_files
from ui import access, data, state
from vocab import fmt

MAX_LISTED = 2000                 # units offered at once (as the sidebar's list): type to find others
ROWS = [*sentences.LEVELS, "not_rated"]
ROW_NAMES = {**sentences.LEVEL_NAMES, "not_rated": "Không xếp loại"}
WHAT_NAMES = {**sentences.LEVEL_NAMES, "not_rated": "Không xếp loại", "total": "Tổng số được đánh giá",
              "headcount": "Có đến thời điểm đánh giá (không nạp)",
              "exemplary": "“Tiêu biểu” — khen thưởng, không phải mức (không nạp)",
              "subset": "Một phần của mức “Hoàn thành nhiệm vụ” (không nạp)"}
ss = st.session_state


def header() -> list[str]:
    """The aggregate counts template's header (the one etl/templates.py writes): unit by code."""
    return [c.header for c in LAYOUTS["aggregate_counts"].columns if c.field != "unit_name"]


def write_file(folder: Path, unit: str, year: int, subject_name: str, counts: dict[str, int | None]) -> Path:
    """One row in the template's format. The name is the same for the same unit, year and subject, so that a
    corrected paragraph replaces what an earlier one loaded (the loader's rule for a file of the same name)."""
    by_field = {"year": year, "unit_code": unit, "subject": subject_name,
                **{k: counts[k] for k in sentences.LEVELS},
                "total": sum(counts[k] for k in sentences.LEVELS), "not_rated": counts.get("not_rated")}
    fields = [c.field for c in LAYOUTS["aggregate_counts"].columns if c.field != "unit_name"]
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", f"{unit}_{year}_{subject_name and sentences.nz.search_key(subject_name)}")
    path = folder / f"so_lieu_viet_thanh_cau_{safe}.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(header())
        w.writerow(["" if by_field[f] is None else by_field[f] for f in fields])
    return path


def readings_table(parsed: sentences.Parsed) -> pd.DataFrame:
    rows = [{"Đọc được": WHAT_NAMES.get(r.what, r.what) + (" (trở lên)" if r.cumulative == "up" else
                                                           " (trở xuống)" if r.cumulative == "down" else ""),
             "Số lượng": fmt.number(r.count),
             "Tỷ lệ ghi trong câu": "" if r.share is None else fmt.number(r.share, r.share_digits) + "%",
             "Từ câu": r.words} for r in parsed.readings]
    return pd.DataFrame(rows, columns=["Đọc được", "Số lượng", "Tỷ lệ ghi trong câu", "Từ câu"])


def editable(parsed: sentences.Parsed) -> pd.DataFrame:
    def source(k: str) -> str:
        if k in parsed.derived:
            return "tính: " + parsed.derived[k]
        words = [r.words for r in parsed.readings
                 if (r.what == k and not r.cumulative) or (k == "not_rated" and r.what == "not_rated")]
        return " | ".join(words) if words else "(chưa đọc được)"
    values = {**parsed.counts, "not_rated": parsed.not_rated}
    return pd.DataFrame({"Mức": [ROW_NAMES[k] for k in ROWS],
                         "Số lượng": pd.array([values[k] for k in ROWS], dtype="Int64"),
                         "Đọc từ": [source(k) for k in ROWS]})


def _unit_choice(key: str) -> str | None:
    tree = data.tree()
    if tree is None or not tree.codes:
        st.info("Chưa có đơn vị nào trong kho: nạp danh mục đơn vị trước.")
        return None
    c1, c2 = st.columns([1, 2])
    text = c1.text_input("Tìm đơn vị", key=f"{key}_search", placeholder="gõ có dấu hoặc không dấu")
    units = tree.frame
    mask = state.search_mask(units["name_key"], units["unit_code"], text or "")
    codes = units.loc[mask, "unit_code"].head(MAX_LISTED).tolist()
    if ss.get(key) and ss[key] not in codes and ss[key] in tree.codes:
        codes = [ss[key], *codes]
    labels = tree.label
    unit = c2.selectbox("Đơn vị của đoạn văn", codes, key=key, index=None, placeholder="chọn đơn vị",
                        format_func=lambda c: f"{labels.get(c, c)} · {c}")
    if text and not codes:
        c2.caption(f"Không tìm thấy đơn vị nào khớp với “{fmt.plain(text)}”.")
    return unit


def section(user, show: Callable) -> None:
    """The section, collapsed until used (`show`: the page's way of showing a load result)."""
    if ss.get("snt_text") != ss.get("_snt_for"):
        ss.pop("_snt_done", None)              # a new paragraph: the last result is no longer about it
    done = ss.get("_snt_done")
    with st.expander("Số liệu viết thành câu", icon=":material/notes:",
                     expanded=bool(ss.get("snt_text")) or done is not None):
        st.caption("Báo cáo ghi số lượng bằng câu văn (“… có 79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, "
                   "trong đó 16 hoàn thành xuất sắc nhiệm vụ …”): dán đoạn văn, kiểm tra các số đọc được cùng câu "
                   "chữ của từng số, sửa nếu cần, chọn đơn vị rồi xác nhận. Chưa có gì được ghi vào kho cho đến khi "
                   "bấm “Xác nhận và nạp”; khi nạp, số liệu đi qua đúng bộ nạp của các tệp.")
        if done is not None:
            loaded = sum(f.rows_loaded for f in done.files)
            if done.written:
                st.success(f"Đã nạp {fmt.number(loaded)} dòng vào kho từ đoạn văn.", icon=":material/check_circle:")
            else:
                st.warning("Không có gì được ghi vào kho.", icon=":material/info:")
            show(done, checking=False, key="snt_")
        text = st.text_area("Đoạn văn trong báo cáo", key="snt_text", height=160,
                            placeholder="Dán đoạn văn có số lượng theo mức xếp loại của một đối tượng")
        if not (text or "").strip():
            return
        found = sentences.parse(text)
        if ss.get("_snt_for") != text:          # a new paragraph: year and subject as the paragraph gives them
            ss["_snt_for"] = text
            ss["snt_subject"] = found.subject
            ss["snt_year"] = found.year
        unit = _unit_choice("snt_unit")
        subject_names = data.subject_names()
        c1, c2 = st.columns(2)
        subject = c1.selectbox("Đối tượng", [None, *subject_names], key="snt_subject",
                               format_func=lambda c: "(chưa chọn)" if c is None else subject_names.get(c, c))
        year = c2.number_input("Năm đánh giá", 1990, 2100, value=None, step=1, key="snt_year",
                               placeholder="năm đánh giá")
        parsed = sentences.parse(text, subject) if subject else found

        st.markdown("**Các số đọc được**")
        if parsed.readings:
            st.dataframe(readings_table(parsed), hide_index=True, width="stretch", key="snt_readings",
                         column_config={"Từ câu": st.column_config.TextColumn(width="large")})
        for r in parsed.other_subjects:
            st.caption(f"Bỏ qua (đối tượng khác): “{fmt.plain(r.words)}”")
        for w in parsed.warnings:
            st.warning(fmt.plain(w), icon=":material/warning:")

        st.markdown("**Số liệu sẽ nạp** — sửa trực tiếp trong bảng nếu cần")
        sig = abs(hash((text, subject))) % 10 ** 10
        edited = st.data_editor(editable(parsed), hide_index=True, width="stretch", key=f"snt_edit_{sig}",
                                disabled=["Mức", "Đọc từ"], num_rows="fixed",
                                column_config={"Số lượng": st.column_config.NumberColumn(min_value=0, step=1,
                                                                                         format="%d"),
                                               "Đọc từ": st.column_config.TextColumn(width="large")})
        values = {k: (None if pd.isna(v) else int(v)) for k, v in zip(ROWS, edited["Số lượng"])}
        levels = [values[k] for k in sentences.LEVELS]
        total = None if any(v is None for v in levels) else sum(levels)
        st.caption(f"Tổng số được xếp loại (cộng bốn mức): {fmt.number(total)}"
                   + (f" · tổng số ghi trong đoạn văn: {fmt.number(parsed.total)}" if parsed.total is not None else "")
                   + (f" · không xếp loại: {fmt.number(values['not_rated'])}" if values["not_rated"] is not None
                      else ""))
        missing = ([] if unit else ["đơn vị"]) + ([] if year is not None else ["năm đánh giá"]) + \
            ([] if subject else ["đối tượng"]) + \
            [f"số “{sentences.LEVEL_NAMES[k]}”" for k in sentences.LEVELS if values[k] is None]
        if missing:
            st.info("Còn thiếu: " + ", ".join(missing) + ".", icon=":material/edit_note:")
        if parsed.warnings and not missing:
            st.caption("Đoạn văn có điểm cần xem lại (ở trên): kiểm tra bảng trước khi xác nhận.")
        replace = st.checkbox("Số liệu này là bản sửa: thay thế số liệu cùng đơn vị, cùng năm, cùng đối tượng đã nạp "
                              "từ tệp khác", key="snt_replace")
        if st.button("Xác nhận và nạp", type="primary", key="snt_commit", icon=":material/database_upload:",
                     disabled=bool(missing)):
            folder = uploads.new_folder()
            try:
                path = write_file(folder, unit, int(year), subject_names.get(subject, subject), values)
                res = load_files([path], replace=bool(replace), with_preview=True,
                                 note=f"số liệu viết thành câu, nhập qua ứng dụng bởi {user.name} ({user.user})")
            finally:
                uploads.discard(folder)
            ids = [f"#{f.load_id}" for f in res.files if f.load_id]
            access.log("nap", what=path.name, rows=sum(f.rows_loaded for f in res.files),
                       filters={"Đơn vị": unit, "Năm": str(int(year)), "Đối tượng": subject},
                       detail=("lần nạp " + ", ".join(ids)) if ids and res.written else "không thay đổi kho")
            ss["_snt_done"] = res
            if ids and res.written:
                ss["imp_load"] = max(f.load_id for f in res.files if f.load_id)
            st.rerun()
