"""Hạn chế, khuyết điểm tái diễn: the same shortcoming across a unit's reviews (analysis/shortcomings.py links them),
district-wide trend by category, the longest unresolved chains, the 366 rule, one chain's wordings side by side, one
unit's years × categories, the review queue where a person confirms or rejects a borderline match, and whether the
topics of review suggestions came back. Unit, years and subject come from the sidebar; the section and the page's own
choices are kept in the address."""
import streamlit as st

from derive import shortcoming_match as sc
from etl import warehouse
from operations import shortcoming_review
from ui import access, controls, data, downloads, view
from vocab import fmt
from ui import shortcomings_view as sv

ALL = "tat_ca"


def saved(message: str) -> None:
    """After a write from this page: show `message` on the next run, which must read the version just published.

    The app's connections are dropped (ui.data.drop_connections), so that the next query opens the new version."""
    data.drop_connections()
    st.session_state["_sc_saved"] = message
    st.rerun()


def reviewer_input(key: str) -> str | None:
    """Who decides: the signed-in account (ui/access.py), else st.session_state["user"], else a name typed here
    (empty: recorded as 'ẩn danh')."""
    user = access.current_user()
    if user is not None and user.role is not None:
        st.caption(f"Người xem xét: {fmt.plain(user.name)}")
        return f"{user.name} ({user.user})"
    if st.session_state.get("user"):
        st.caption(f"Người xem xét: {fmt.plain(st.session_state['user'])}")
        return st.session_state["user"]
    return st.text_input("Người xem xét", key=key, placeholder="họ và tên",
                         help="Ghi vào quyết định cùng thời điểm; để trống thì ghi là “ẩn danh”.")


f = controls.current()
units, opts, subject_names = data.units(), data.options(), data.subject_names()

st.title("Hạn chế, khuyết điểm tái diễn")
st.caption("Cùng một hạn chế, khuyết điểm được diễn đạt khác nhau qua các kỳ kiểm điểm: ứng dụng so lời văn trong "
           "từng đơn vị (cả đơn vị trước sáp nhập) để nối thành chuỗi qua các năm; các cặp gần giống chờ người xem "
           "xét xác nhận. Theo 366-QĐ/TW, tập thể chỉ được xếp loại Hoàn thành xuất sắc nhiệm vụ khi đã khắc phục "
           "100% hạn chế, khuyết điểm đã chỉ ra ở kỳ trước.")
years = f.years(opts.years)
if f.unit is None or units.empty or not years:
    view.empty("Chưa có số liệu nào trong kho.", "Nạp danh mục đơn vị, hạn chế, khuyết điểm ở mục Dữ liệu.")
    st.stop()

unit_name = data.unit(f.unit)["name"]
y0, y1 = years[0], years[-1]
scope = dict(unit=f.unit, from_year=y0, to_year=y1)
subject_name = subject_names.get(f.subject) if f.subject else None
trend = data.query("shortcoming_trend", subject=f.subject, **scope)
st.caption(f"{fmt.plain(unit_name)} và các đơn vị trực thuộc · {y0}–{y1}"
           + (f" · {subject_name.lower()}" if subject_name else "") + " (đổi đơn vị, năm, đối tượng ở thanh bên)")
if trend.empty:
    view.empty(f"Không có hạn chế, khuyết điểm nào được ghi nhận cho {fmt.plain(unit_name)} trong các năm "
               f"{y0}–{y1}.",
               "Chọn đơn vị cấp trên hoặc khoảng năm khác ở thanh bên, hoặc nạp tệp hạn chế, khuyết điểm.")
    st.stop()

section = controls.page_choice("Xem", "xem", list(sv.SECTIONS), "tong_quan", format_func=sv.SECTIONS.get)
filters = sv.export_filters(unit_name, years, subject_name)
link = view.profile_link
if msg := st.session_state.pop("_sc_saved", None):
    st.success(msg, icon=":material/check_circle:")

if section == "tong_quan":
    st.subheader("Hạn chế, khuyết điểm theo nhóm qua các năm")
    st.caption("Cột: số hạn chế mỗi năm theo nhóm (cùng một nội dung của một đơn vị trong năm tính một lần); "
               "đường: tỷ lệ hạn chế lặp lại một hạn chế của kỳ kiểm điểm trước.")
    fig = sv.trend_figure(trend, years)
    view.chart(fig, key="sc_trend")
    table = sv.trend_table(trend, years)
    view.table(table, key="sc_trend_table")
    downloads.table(table, "han_che_theo_nhom", filters, key="dl_trend", title="Hạn chế, khuyết điểm theo nhóm",
                    sheet="Theo nhóm")
    downloads.chart(fig, "han_che_theo_nhom", key="dl_trend")

    st.subheader("Chuỗi hạn chế dài nhất chưa khắc phục")
    rec = data.query("recurring_shortcomings", subject=f.subject, **scope)
    top = sv.longest_unresolved(rec)
    if top.empty:
        view.empty("Không có hạn chế nào lặp lại mà chưa khắc phục.")
    else:
        st.caption("Khắc phục gần nhất: kết quả ghi cho hạn chế của năm cuối chuỗi. Mở mục “Hạn chế lặp lại” để "
                   "đọc lời văn từng năm.")
        top_table = sv.recurrence_table(top, link)
        view.table(top_table, label_columns=len(top_table.columns), key="sc_top",
                   column_config={"Đơn vị": view.link_column(),
                                  "Nội dung các năm": st.column_config.TextColumn(width="large")})

    st.subheader("Xếp loại Hoàn thành xuất sắc khi hạn chế kỳ trước chưa khắc phục (366-QĐ/TW)")
    flags = data.query("shortcoming_366", unit=f.unit)
    flags = flags[flags["year"].between(y0, y1) & ((flags["subject"] == f.subject) if f.subject else True)]
    if flags.empty:
        view.empty("Không có tập thể nào xếp loại Hoàn thành xuất sắc nhiệm vụ khi hạn chế kỳ trước còn tồn tại.")
    else:
        st.caption("Vi phạm: kỳ trước còn hạn chế ghi chưa hoặc đang khắc phục. Cần xem xét: hạn chế báo đã khắc "
                   "phục nhưng lặp lại (theo so khớp lời văn), hoặc chưa báo cáo kết quả khắc phục.")
        ftable = sv.flags_366_table(flags, subject_names, link)
        view.table(ftable, label_columns=len(ftable.columns), key="sc_366",
                   column_config={"Đơn vị": view.link_column(),
                                  "Hạn chế còn tồn tại": st.column_config.TextColumn(width="large")})
        downloads.table(lambda: sv.flags_366_table(flags, subject_names), "han_che_366", filters, key="dl_366",
                        title="Xếp loại xuất sắc khi hạn chế kỳ trước chưa khắc phục", sheet="366-QĐ")

elif section == "lap_lai":
    cats = trend.sort_values("sort_order").drop_duplicates("category_code")
    cat_names = dict(zip(cats["category_code"], cats["category"]))
    cols = st.columns([3, 2])
    with cols[0]:
        cat = controls.page_choice("Nhóm hạn chế", "nhom", [ALL, *cat_names], ALL, widget="select",
                                   format_func=lambda c: "Mọi nhóm" if c == ALL else cat_names.get(c, c))
    with cols[1]:
        state = controls.page_choice("Tình trạng", "tinh_trang", [ALL, "chua"], ALL,
                                     format_func=lambda s: "Mọi chuỗi" if s == ALL else "Chưa khắc phục")
    rec = data.query("recurring_shortcomings", subject=f.subject, category=None if cat == ALL else cat,
                     unresolved=state == "chua" or None, **scope)
    st.subheader("Hạn chế lặp lại theo đơn vị và nhóm")
    if rec.empty:
        view.empty("Không có hạn chế nào lặp lại qua hai kỳ kiểm điểm trở lên với các bộ lọc này.",
                   "Chọn nhóm, tình trạng khác, hoặc đơn vị cấp trên, khoảng năm rộng hơn ở thanh bên.")
        st.stop()
    st.caption(f"{fmt.number(len(rec))} chuỗi hạn chế lặp lại. Liên tiếp: không năm nào vắng giữa năm đầu và năm "
               "cuối. Bấm tên đơn vị để mở hồ sơ đơn vị.")
    table = sv.recurrence_table(rec, link)
    view.table(table, label_columns=len(table.columns), key="sc_chains",
               column_config={"Đơn vị": view.link_column(),
                              "Nội dung các năm": st.column_config.TextColumn(width="large")})
    downloads.table(lambda: sv.recurrence_table(rec), "han_che_lap_lai", {**filters, "Nhóm": cat_names.get(cat)},
                    key="dl_chains", title="Hạn chế, khuyết điểm lặp lại", sheet="Hạn chế lặp lại")

    st.subheader("Lời văn từng năm của một chuỗi")
    options = sv.chain_options(rec)
    chain_id = controls.page_choice("Chuỗi hạn chế", "chuoi", list(options), next(iter(options)), widget="select",
                                    format_func=options.get)
    chain = data.query("shortcoming_chain", chain=chain_id)
    cards = sv.chain_cards(chain)
    st.caption("Đọc các năm cạnh nhau để tự đánh giá có đúng là một hạn chế tái diễn không.")
    for start in range(0, len(cards), 4):
        for col, c in zip(st.columns(4), cards[start:start + 4]):
            with col.container(border=True):
                st.markdown(f"**{c['year']}** · {fmt.plain(c['unit'])}")
                st.markdown(fmt.plain(c["text"]))
                st.caption(f"{fmt.plain(c['category'])} · {fmt.plain(c['status'])}")
                st.caption(fmt.plain(c["why"]))
    downloads.table(lambda: sv.chain_export(chain), "chuoi_han_che", {**filters, "Chuỗi": options[chain_id]},
                    key="dl_chain", title="Lời văn từng năm của chuỗi hạn chế", sheet="Chuỗi")
    later = cards[1:]
    if later:
        with st.expander("Năm nào không cùng hạn chế? Tách khỏi chuỗi"):
            labels = {c["item_id"]: f"{c['year']}: {c['text']}" for c in later}
            pick = st.selectbox("Năm cần tách", list(labels), key="sc_split_pick", format_func=labels.get)
            reviewer = reviewer_input("sc_split_reviewer")
            if st.button("Ghi: không cùng hạn chế", key="sc_split", icon=":material/call_split:"):
                frame = chain[["item_id", "year", "text"]]
                try:
                    n = shortcoming_review.save_decisions(warehouse.db_path(), sc.split_decisions(frame, pick), user=reviewer)
                except warehouse.WarehouseBusy as exc:
                    st.error(str(exc))
                else:
                    saved(f"Đã ghi {fmt.number(n)} quyết định “hai hạn chế khác nhau”.")

elif section == "don_vi":
    every = data.query("recurring_shortcomings", subject=f.subject, min_years=1, texts=False, **scope)
    counts = every.groupby(["unit_code", "unit"], sort=False)["years"].max().reset_index() \
        .sort_values(["years", "unit"], ascending=[False, True], kind="stable")
    names = dict(zip(counts["unit_code"], counts["unit"]))
    code = controls.page_choice("Đơn vị có hạn chế", "dv_han_che", list(names), next(iter(names)), widget="select",
                                format_func=lambda c: names.get(c, c),
                                help="Các đơn vị có hạn chế trong phạm vi đã chọn, chuỗi dài nhất trước")
    tl = data.query("shortcoming_timeline", unit=code, subject=f.subject, from_year=y0, to_year=y1)
    st.subheader(f"Hạn chế của {fmt.plain(names[code])} theo năm và nhóm")
    st.caption("Tính cả đơn vị trước khi sáp nhập, đổi tên. " + sv.TIMELINE_LEGEND)
    grid = sv.timeline_table(tl, years)
    colors = sv.timeline_colors(tl, years)
    st.dataframe(grid.style.apply(lambda _: colors, axis=None), hide_index=True, key="sc_timeline",
                 column_config={"Nhóm hạn chế": st.column_config.TextColumn(width="medium"),
                                **{str(y): st.column_config.TextColumn(str(y), width="small", alignment="center")
                                   for y in years}})
    view.unit_link(code, f"Hồ sơ {names[code]}")
    texts = sv.timeline_texts(tl)
    with st.expander("Nội dung từng năm"):
        view.table(texts, label_columns=len(texts.columns), key="sc_timeline_texts",
                   column_config={"Nội dung": st.column_config.TextColumn(width="large")})
    downloads.workbook(lambda: {"Theo năm và nhóm": sv.timeline_table(tl, years), "Nội dung": texts},
                       "han_che_don_vi", {**filters, "Đơn vị": names[code]}, key="dl_unit",
                       title=f"Hạn chế, khuyết điểm của {names[code]}")

elif section == "xac_nhan":
    st.subheader("Cặp hạn chế cần người xác nhận")
    queue = data.query("shortcoming_review_queue", subject=f.subject, **scope)
    if queue.empty:
        view.empty("Không còn cặp hạn chế nào chờ xác nhận.",
                   "Các cặp có lời văn đủ giống đã được nối tự động; các cặp khác hẳn không cần xem xét.")
    else:
        st.caption(f"{fmt.number(len(queue))} cặp có lời văn gần giống (độ giống từ "
                   f"{fmt.pct(sc.REVIEW_THRESHOLD, 0)} đến dưới {fmt.pct(sc.AUTO_THRESHOLD, 0)}). Chọn ở cột "
                   "“Quyết định” rồi bấm Lưu; quyết định được ghi kèm tên người xem xét và thời điểm, giữ nguyên "
                   "khi nạp lại tệp.")
        reviewer = reviewer_input("sc_reviewer")
        round_ = st.session_state.setdefault("_sc_queue_round", 0)
        frame = sv.queue_frame(queue)
        edited = st.data_editor(
            frame, key=f"sc_queue_{round_}", hide_index=True, num_rows="fixed",
            disabled=[c for c in frame.columns if c != sv.DECISION_COLUMN],
            column_config={"Nội dung năm trước": st.column_config.TextColumn(width="large"),
                           "Nội dung năm sau": st.column_config.TextColumn(width="large"),
                           sv.DECISION_COLUMN: st.column_config.SelectboxColumn(
                               sv.DECISION_COLUMN, options=list(sv.DECISION_CODES), width="medium",
                               help="Cùng một hạn chế: nối vào chuỗi. Hai hạn chế khác nhau: không nối.")})
        chosen = sv.decisions_from_editor(queue, edited)
        if st.button(f"Lưu {fmt.number(len(chosen))} quyết định", key="sc_save", type="primary",
                     disabled=not chosen, icon=":material/save:"):
            try:
                n = shortcoming_review.save_decisions(warehouse.db_path(), chosen, user=reviewer)
            except warehouse.WarehouseBusy as exc:
                st.error(str(exc))
            else:
                st.session_state["_sc_queue_round"] = round_ + 1      # a fresh editor for the new queue
                saved(f"Đã lưu {fmt.number(n)} quyết định.")
        downloads.table(lambda: frame.drop(columns=[sv.DECISION_COLUMN]), "cap_han_che_cho_xac_nhan", filters,
                        key="dl_queue", title="Cặp hạn chế cần người xác nhận", sheet="Chờ xác nhận")
    st.subheader("Các quyết định đã ghi")
    dec = data.query("shortcoming_decisions")
    dec = dec[dec["year_to"].between(y0, y1) & dec["unit_code"].isin(sv.subtree(units, f.unit))]
    if dec.empty:
        view.empty("Chưa có quyết định nào.")
    else:
        dtable = sv.decisions_table(dec)
        view.table(dtable, label_columns=len(dtable.columns), key="sc_decisions")
        downloads.table(dtable, "quyet_dinh_han_che", filters, key="dl_decisions",
                        title="Quyết định của người xem xét", sheet="Quyết định")

else:   # goi_y
    sug = data.query("shortcoming_suggestions", **scope)
    st.subheader("Gợi ý kiểm điểm và hạn chế xuất hiện lại")
    if sug.empty:
        view.empty("Cấp trên không gửi gợi ý kiểm điểm nào cho các đơn vị này trong các năm đã chọn.")
    else:
        s = sv.suggestion_summary(sug)
        for col, (label, value) in zip(st.columns(4), [("Gợi ý kiểm điểm", s["goi_y"]), ("Đơn vị nhận", s["don_vi"]),
                                                      ("Kiểm điểm năm đó đã nêu", s["da_neu"]),
                                                      ("Xuất hiện lại về sau", s["lap_lai"])]):
            col.metric(label, fmt.number(value))
        st.caption("Kiểm điểm năm đó đã nêu: báo cáo của đơn vị năm nhận gợi ý có hạn chế cùng nội dung. Xuất hiện "
                   "lại về sau: năm đầu tiên về sau có hạn chế cùng nội dung (hoặc, không có thì, cùng nhóm).")
        table = sv.suggestions_table(sug, link)
        view.table(table, label_columns=len(table.columns), key="sc_suggestions",
                   column_config={"Đơn vị": view.link_column(),
                                  "Nội dung gợi ý": st.column_config.TextColumn(width="large")})
        downloads.table(lambda: sv.suggestions_table(sug), "goi_y_kiem_diem", filters, key="dl_suggestions",
                        title="Gợi ý kiểm điểm và hạn chế xuất hiện lại", sheet="Gợi ý kiểm điểm")
