"""The import page's step "Dạy hệ thống đọc biểu này" (issue 21, item 3): a file refused because no form profile
recognises it is taught on the file itself — the clerk sees the sheet's first rows, picks the header rows, the unit
column, the year, the subject, each level's count (and share) column, the rated column and the rows to skip, sees
what the real loader would load with that profile (a dry run), then saves it as a named profile (a TOML file in the
profiles folder, etl/profiles.save). From then on the loader finds it by the form's own header text.

The pure parts (the sheet as text, the first guess, the profile the choices make) are in etl/teach.py.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from etl import profiles, teach
from operations.load import load_files
from etl.readers import FileError, read_sheets
from ui import access, data
from vocab import fmt

# The loader's refusal of a file no layout recognises (etl/readers.read_blocks): the files this step is offered for.
REFUSED = "không nhận ra bảng dữ liệu nào"
KEPT_ROWS = 300                 # rows of each sheet kept in the session for the step (the preview reads the file)
ss = st.session_state


def refused(result) -> list[Path]:
    """The files of a check that no layout or profile recognised."""
    return [f.path for f in result.files if f.error and REFUSED in f.error]


def saved_notice() -> None:
    """After a save: which profile was written, and what to do next (shown at the top of the check step)."""
    if ss.get("_tch_saved"):
        st.success(fmt.plain(ss.pop("_tch_saved")), icon=":material/school:")


def _sheets(path: Path):
    cache = ss.setdefault("_tch_sheets", {})
    if str(path) not in cache:
        try:
            sheets = read_sheets(path)
        except FileError as exc:
            cache[str(path)] = str(exc)
        else:
            for s in sheets:
                del s.rows[KEPT_ROWS:]
            cache[str(path)] = sheets
    return cache[str(path)]


def _reset(sheet, file_name: str) -> None:
    """New file or sheet: the widgets start again from the guess."""
    for k in [k for k in ss if isinstance(k, str) and k.startswith("tch_") and k not in ("tch_file", "tch_sheet")]:
        del ss[k]
    ss.pop("_tch_preview", None)
    g = teach.guess(sheet)
    ss["tch_top"], ss["tch_bottom"] = g.top + 1, g.bottom + 1
    ss["tch_unit"], ss["tch_rated"], ss["tch_headcount"] = g.unit, g.rated, g.headcount
    for k in teach.LEVEL_KEYS:
        ss[f"tch_count_{k}"] = g.counts.get(k)
        ss[f"tch_share_{k}"] = g.shares.get(k)
    year = teach.title_year(sheet, g.top)
    ss["tch_year_mode"] = "title" if year else "typed"
    ss["tch_year"] = year
    ss["tch_subject"] = None
    ss["tch_total"] = "; ".join(teach.TOTAL_WORDS)
    ss["tch_stop"] = "; ".join(teach.STOP_WORDS)
    ss["tch_name"] = teach.suggested_name(file_name)
    ss["tch_title"] = teach.title_line(sheet, g.top)[:200]
    ss["tch_desc"] = ""


def _column(label: str, key: str, heads: dict[int, str], optional: bool = True, help: str | None = None):
    # a column picked before the header rows changed stays picked (and is named as untitled in the warnings)
    kept = {ss[key]} if isinstance(ss.get(key), int) else set()
    options = ([None] if optional else []) + sorted(set(heads) | kept)
    return st.selectbox(label, options, key=key, help=help,
                        format_func=lambda j: "(không có)" if j is None else
                        teach.column_label(j, heads.get(j, "(không có tiêu đề)")))


def offer(paths: list[Path], names: dict[Path, str], show: Callable, user) -> None:
    """The teaching step for the refused files (`names`: file path → the name the clerk uploaded)."""
    if not paths:
        return
    with st.container(border=True):
        st.markdown("**Dạy hệ thống đọc biểu này**")
        st.caption("Biểu chưa có mẫu nên chưa đọc được. Chỉ cho hệ thống một lần ngay trên tệp: dòng tiêu đề bảng, "
                   "cột tên đơn vị, cột số lượng của từng mức, … rồi xem trước và “Lưu mẫu biểu”. Từ đó mọi tệp cùng "
                   "mẫu được nạp không cần hỏi lại.")
        path = paths[0] if len(paths) == 1 else st.selectbox(
            "Tệp", paths, key="tch_file", format_func=lambda p: fmt.plain(names.get(p, p.name)))
        sheets = _sheets(path)
        if isinstance(sheets, str):
            st.error(fmt.plain(sheets))
            return
        sheets = [s for s in sheets if any(any(not teach.nz.is_blank(c) for c in r) for r in s.rows)]
        if not sheets:
            st.info("Tệp không có trang nào có dữ liệu.")
            return
        index = {s.name or "": i for i, s in enumerate(sheets)}
        if ss.get("tch_sheet") not in index:
            ss["tch_sheet"] = next(iter(index))
        name = st.selectbox("Trang", list(index), key="tch_sheet", format_func=fmt.plain)
        sheet = sheets[index[name]]
        if ss.get("_tch_for") != (str(path), name):
            _reset(sheet, names.get(path, path.name))
            ss["_tch_for"] = (str(path), name)

        c1, c2 = st.columns(2)
        rows_n = max(len(sheet.rows), 1)
        top = c1.number_input("Dòng tiêu đề bảng: từ dòng", 1, rows_n, key="tch_top", step=1)
        bottom = c2.number_input("đến dòng", 1, rows_n, key="tch_bottom", step=1,
                                 help="Tiêu đề hai tầng (tên mức ở ô gộp, bên dưới là “Số lượng | Tỷ lệ”) là hai dòng")
        top, bottom = int(top) - 1, int(bottom) - 1
        st.caption(f"{teach.SHOWN_ROWS} dòng đầu của trang, số dòng như trong Excel; các dòng tiêu đề bảng đã chọn "
                   "hiện cả chữ của ô gộp trên các cột nó phủ.")
        st.dataframe(teach.grid(sheet, top, bottom), hide_index=True, width="stretch", key="tch_grid",
                     column_config={"Dòng": st.column_config.NumberColumn(format="%d", pinned=True)})
        heads = teach.headings(sheet, top, bottom) if 0 <= top <= bottom else {}
        if not heads:
            st.warning("Các dòng tiêu đề đã chọn không có chữ nào — chọn lại dòng tiêu đề bảng.")
            return

        st.markdown("**Các cột** — theo chữ trên tiêu đề cột")
        c1, c2, c3 = st.columns(3)
        with c1:
            unit = _column("Cột tên đơn vị", "tch_unit", heads)
        with c2:
            rated = _column("Cột số được đánh giá, xếp loại", "tch_rated", heads,
                            help="Các mức cộng lại phải bằng số này; khác thì dòng bị loại")
        with c3:
            headcount = _column("Cột tổng số (không bắt buộc)", "tch_headcount", heads,
                                help="Tổng số − số được đánh giá = số không xếp loại")
        counts, shares = {}, {}
        for k in teach.LEVEL_KEYS:
            level = profiles.LEVEL_NAMES[teach.LEVEL_KEYS.index(k) + 1]
            c1, c2 = st.columns(2)
            with c1:
                counts[k] = _column(f"Số lượng — {level}", f"tch_count_{k}", heads)
            with c2:
                shares[k] = _column(f"Tỷ lệ — {level} (không bắt buộc)", f"tch_share_{k}", heads)

        st.markdown("**Năm, đối tượng, các dòng bỏ qua**")
        c1, c2, c3 = st.columns(3)
        found_year = teach.title_year(sheet, top)
        with c1:
            mode = st.radio("Năm đánh giá", ["title", "typed"], key="tch_year_mode", horizontal=True,
                            format_func=lambda m: ("Lấy từ tiêu đề biểu" + (f" ({found_year})" if found_year else
                                                                            " (không thấy năm)"))
                            if m == "title" else "Nhập năm")
            year = None
            if mode == "typed":
                year = st.number_input("Năm", 1990, 2100, key="tch_year", step=1, value=None, placeholder="2024")
                year = int(year) if year is not None else None
        subjects = data.subject_names()
        found_subject = teach.title_subject(sheet, top)
        with c2:
            subject = st.selectbox(
                "Đối tượng", [None, *subjects], key="tch_subject",
                format_func=lambda c: ("Lấy từ tiêu đề biểu" + (f" ({subjects.get(found_subject, found_subject)})"
                                                                if found_subject else " (không thấy)"))
                if c is None else subjects.get(c, c))
        with c3:
            total_words = st.text_input("Dòng tổng (đối chiếu, không nạp) bắt đầu bằng", key="tch_total",
                                        help="Các cụm từ cách nhau bởi dấu ;")
            stop_words = st.text_input("Hết bảng khi gặp (phần ký tên)", key="tch_stop",
                                       help="Các cụm từ cách nhau bởi dấu ;")

        choices = teach.Choices(top=top, bottom=bottom, unit=unit, counts=counts,
                                shares={k: j for k, j in shares.items() if j is not None}, rated=rated,
                                headcount=headcount, subject=subject, total_words=teach.words(total_words),
                                stop_words=teach.words(stop_words))
        wrong = teach.problems(sheet, choices)
        if mode == "title" and not found_year:
            wrong.append("tiêu đề biểu không ghi năm — chọn “Nhập năm”")
        if mode == "typed" and year is None:
            wrong.append("chưa nhập năm đánh giá")
        if subject is None and not found_subject:
            wrong.append("tiêu đề biểu không nói đối tượng — chọn đối tượng")
        for w in wrong:
            st.warning(fmt.plain(w[:1].upper() + w[1:]), icon=":material/edit_note:")
        signature = (str(path), name, repr(choices), year)

        if st.button("Xem trước số liệu theo mẫu này", key="tch_try", icon=":material/preview:",
                     disabled=bool(wrong)):
            trial = teach.draft(sheet, choices, name="mau_dang_day", title=ss.get("tch_title") or "Mẫu đang dạy",
                                description="Mẫu biểu đang dạy (chưa lưu)")
            try:
                profile = dataclasses.replace(profiles.check(trial), path=Path("(mẫu đang dạy, chưa lưu)"))
            except profiles.ProfileError as exc:
                st.error(fmt.plain(str(exc)))
            else:
                with st.spinner("Đang đọc thử…"), profiles.trying(profile):
                    res = load_files([path], dry_run=True, year=year, with_preview=True)
                ss["_tch_preview"] = (signature, res)
        tried = ss.get("_tch_preview")
        if not tried or tried[0] != signature:
            st.info("Bấm “Xem trước số liệu theo mẫu này” để xem bộ nạp đọc được gì (chưa ghi gì vào kho).",
                    icon=":material/preview:")
            return
        res = tried[1]
        show(res, checking=True, key="tch_")
        loadable = sum(f.rows_loaded for f in res.files)
        if not loadable:
            st.warning("Theo mẫu này không có dòng nào nạp được — kiểm tra lại dòng tiêu đề và các cột đã chọn.")
            return

        st.markdown("**Lưu mẫu biểu**")
        c1, c2 = st.columns(2)
        pname = c1.text_input("Tên mẫu biểu (tên tệp: chữ thường không dấu, số, dấu _)", key="tch_name")
        title = c2.text_input("Tên biểu (tiếng Việt)", key="tch_title")
        desc = st.text_area("Mô tả (tiếng Việt): biểu của ai, dùng khi nào", key="tch_desc", height=80)
        if st.button("Lưu mẫu biểu", type="primary", key="tch_save", icon=":material/save:"):
            if not (title or "").strip() or not (desc or "").strip():
                st.error("Cần tên biểu và mô tả bằng tiếng Việt.")
                return
            profile = teach.draft(sheet, choices, name=pname.strip(), title=title, description=desc)
            try:
                saved = profiles.save(profile, pname.strip(),
                                      comment=teach.comment(names.get(path, path.name), f"{user.name} ({user.user})"))
            except profiles.ProfileError as exc:
                st.error(fmt.plain(str(exc)))
                return
            access.log("luu_mau_bieu", what=pname.strip(), detail=profiles.shown_path(saved))
            if year is not None:
                ss["_imp_year_next"] = year      # the form's title has no year: the check uses the one typed
            ss["_tch_saved"] = (f"Đã lưu mẫu biểu '{pname.strip()}' ({profiles.shown_path(saved)}). Bấm “Kiểm tra "
                                "tệp” lại: tệp này và mọi tệp cùng mẫu được đọc theo mẫu biểu mới.")
            for k in ("_imp_check", "_tch_preview", "_tch_for", "_tch_sheets"):
                ss.pop(k, None)
            st.rerun()
