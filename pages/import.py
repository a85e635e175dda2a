"""Nhập dữ liệu (data operators): the import templates; upload of xlsx/csv files, refused politely when too big or
not what they claim to be (etl/uploads.py, etl/filecheck.py); a check — the loader's dry run, the same code as
`python -m etl check` — showing every problem as a table and a preview of what would be loaded; the load itself with a
progress bar; the load history with each load's rejected rows (downloads logged) and the undo of a whole load."""
import streamlit as st

from etl import templates, uploads
from operations import undo
from etl.layouts import LAYOUTS
from operations.load import load_files
from ui import access, alias_picker, controls, data, downloads, profile_teacher, sentence_import
from vocab import fmt

XLSX = downloads.XLSX
ROW_NUMBER = st.column_config.NumberColumn(format="%d")     # row 2208, not 2,208
# A member's row in the preview, for a user who may not read names: the person's columns left out (as the rejected
# rows are, queries/scope.py)
ABOUT_THE_PERSON = ["Mã đảng viên", "Họ và tên", "Bị kỷ luật", "Hình thức kỷ luật"]
controls.current()                       # the app's shell (navigation, sign-in) even on a first request to /import
user = access.require("import_data")
ss = st.session_state

st.title("Nhập dữ liệu")
st.caption("Tải mẫu → chọn tệp → kiểm tra → nạp vào kho. Kiểm tra và nạp dùng đúng bộ nạp của dòng lệnh "
           "(`python -m etl check`, `python -m etl load`): cùng quy tắc, cùng lý do loại dòng. Một lần nạp là một "
           "giao dịch: người đang xem các trang khác không bị gián đoạn và không bao giờ thấy số liệu nạp dở.")


def show(res, checking: bool, key: str = "") -> None:
    """Figures, one row per file, every problem, and the rows that would be (or were) written (`key`: a prefix for a
    second showing on the same run, the teaching step's preview)."""
    read = sum(f.rows_read for f in res.files)
    loaded = sum(f.rows_loaded for f in res.files)
    probs = uploads.problems(res)
    cols = st.columns(3)
    cols[0].metric("Dòng đọc được", fmt.number(read))
    cols[1].metric("Có thể nạp" if checking else "Đã nạp", fmt.number(loaded))
    cols[2].metric("Dòng bị loại", fmt.number(len(probs)))
    st.dataframe(uploads.summary(res, checking), hide_index=True, width="stretch")
    if len(probs):
        st.markdown(f"**Các vấn đề cần sửa ({fmt.number(len(probs))})** — sửa trong tệp rồi chọn lại tệp và kiểm tra")
        st.dataframe(probs, hide_index=True, width="stretch", key=f"{key}problems_{checking}",
                     column_config={"Lý do": st.column_config.TextColumn(width="large"), "Dòng": ROW_NUMBER})
        downloads.table(access.audited(lambda: probs, "các vấn đề của tệp tải lên", rows=lambda: len(probs)),
                        "cac_van_de_cua_tep", {"Tệp": ", ".join(f.name for f in res.files)},
                        key=f"{key}dl_problems_{checking}", title="Các vấn đề của tệp")
    for created in res.created_units:
        st.caption(f"Đơn vị cấp cao nhất mới được đăng ký: {fmt.plain(created)}")
    prev = uploads.preview(res)
    hidden = [c for c in ABOUT_THE_PERSON if any(c in d.columns for d in prev.values())] \
        if not user.can("names") else []
    prev = {t: d.drop(columns=[c for c in hidden if c in d.columns]) for t, d in prev.items()}
    if prev:
        st.markdown("**Xem trước số liệu " + ("sẽ được nạp**" if checking else "đã nạp**"))
        if hidden:
            st.caption("Tài khoản của bạn không xem được họ tên đảng viên: các cột " + ", ".join(hidden).lower()
                       + " không hiển thị.")
        for tab, (title, df) in zip(st.tabs([f"{t} ({fmt.number(len(d))})" for t, d in prev.items()]), prev.items()):
            with tab:
                st.dataframe(df.head(500), hide_index=True, width="stretch",
                             column_config={c: ROW_NUMBER for c in ("Dòng", "Năm", "Từ năm", "Đến năm")})
                if len(df) > 500:
                    st.caption(f"500 dòng đầu trong {fmt.number(len(df))} dòng.")


# ───────────── 1. templates ─────────────
with st.expander("1. Mẫu nhập liệu", icon=":material/description:"):
    st.caption("Mỗi loại số liệu một mẫu; tiêu đề cột được nhận cả khi viết không dấu, viết hoa. Có thể ghi tên đơn "
               "vị thay cho mã. Bảng trong báo cáo (STT | Tiêu chí | Năm đánh giá) cũng đọc được trực tiếp.")
    for kind, stem in templates.FILE_NAMES.items():
        row = st.columns([4, 1, 1], vertical_alignment="center")
        row[0].markdown(LAYOUTS[kind].title)
        for col, ext, mime in ((row[1], "xlsx", XLSX), (row[2], "csv", "text/csv")):
            path = templates.TEMPLATE_DIR / f"{stem}.{ext}"
            col.download_button(f".{ext}", lambda p=path: p.read_bytes(), file_name=path.name, mime=mime,
                                key=f"tpl_{stem}_{ext}", on_click="ignore", icon=":material/download:")

# ───────────── 2. files ─────────────
st.subheader("2. Chọn tệp")
files = st.file_uploader(f"Tệp số liệu: Excel (.xlsx) hoặc CSV, tối đa {uploads.MAX_FILE_MB} MB mỗi tệp",
                         type=list(uploads.ACCEPTED), accept_multiple_files=True, key="imp_files")
sig = tuple((f.name, f.size, f.file_id) for f in files or [])
if sig != ss.get("_imp_sig"):          # new files: check them before anything parses them, keep them privately
    uploads.discard(ss.get("_imp_folder"))
    ss["_imp_folder"] = uploads.new_folder() if files else None
    ss["_imp_uploads"] = uploads.save([(f.name, f.getvalue()) for f in files], ss["_imp_folder"]) if files else []
    ss["_imp_sig"] = sig
    ss.pop("_imp_check", None)
ups = ss.get("_imp_uploads", [])
for u in ups:
    if u.error:
        st.error(fmt.plain(u.error), icon=":material/block:")         # (it names the file)
ready = [u for u in ups if u.path]
if "_imp_year_next" in ss:              # a year typed while teaching a form (ui/profile_teacher.py)
    ss["imp_year"] = ss.pop("_imp_year_next")
with st.expander("Tùy chọn: bảng báo cáo, tệp sửa, năm"):
    unit = st.text_input("Đơn vị của bảng báo cáo (tên hoặc mã)", key="imp_unit",
                         help="Chỉ cho bảng dạng báo cáo (STT | Tiêu chí | Năm đánh giá), vốn không ghi đơn vị. "
                              "Đơn vị chưa có trong danh mục được đăng ký là đơn vị cấp cao nhất.")
    subject_names = data.subject_names()
    subject = st.selectbox("Đối tượng của bảng báo cáo", [None, *subject_names], key="imp_subject",
                           format_func=lambda c: "Lấy từ tiêu đề bảng" if c is None else subject_names.get(c, c))
    year = st.number_input("Năm đánh giá của biểu không ghi năm trên tiêu đề", 1990, 2100, value=None, step=1,
                           key="imp_year", placeholder="lấy từ tiêu đề biểu")
    replace = st.checkbox("Tệp là bản sửa: thay thế số liệu cùng đơn vị, cùng năm đã nạp từ tệp khác",
                          key="imp_replace")
opts = ((unit or "").strip() or None, subject, bool(replace), int(year) if year is not None else None)

# ───────────── 3. check, 4. load ─────────────
st.subheader("3. Kiểm tra")
profile_teacher.saved_notice()
alias_picker.saved_notice()
if not ready:
    st.info("Chọn một hoặc nhiều tệp để kiểm tra. Tệp chưa được ghi vào kho cho đến khi bấm “Nạp vào kho”.",
            icon=":material/upload_file:")
elif st.button("Kiểm tra tệp", type="primary", key="imp_check", icon=":material/fact_check:"):
    with st.spinner("Đang kiểm tra…"):
        checked = load_files([u.path for u in ready], dry_run=True, unit=opts[0], subject=opts[1], replace=opts[2],
                             year=opts[3], with_preview=True)
    ss["_imp_check"] = (sig, opts, checked)
    ss.pop("_imp_done", None)
    access.log("kiem_tra_tep", what=", ".join(u.name for u in ready), rows=sum(f.rows_read for f in checked.files))
check = ss.get("_imp_check")
if check and check[0] == sig and ready:
    show(check[2], checking=True)
    if alias_picker.offer(check[2], user):     # a name matched no unit or two: the clerk picks (ui/alias_picker.py)
        ss.pop("_imp_check", None)
        st.rerun()
    # a file no layout recognises: taught here, on the file itself (ui/profile_teacher.py)
    profile_teacher.offer(profile_teacher.refused(check[2]), {u.path: u.name for u in ready}, show, user)
    st.subheader("4. Nạp vào kho")
    loadable = sum(f.rows_loaded for f in check[2].files)
    if check[1] != opts:
        st.warning("Tùy chọn đã thay đổi sau lần kiểm tra — bấm “Kiểm tra tệp” lại trước khi nạp.")
    elif loadable == 0:
        st.info("Không có dòng nào để nạp.")
    elif st.button(f"Nạp {fmt.number(loadable)} dòng vào kho", type="primary", key="imp_commit",
                   icon=":material/database_upload:"):
        bar = st.progress(0.0, text="Bắt đầu nạp…")
        done = load_files([u.path for u in ready], unit=opts[0], subject=opts[1], replace=opts[2], year=opts[3],
                          progress=lambda msg, frac: bar.progress(min(max(frac, 0.0), 1.0), text=fmt.plain(msg)),
                          note=f"nạp qua ứng dụng bởi {user.name} ({user.user})", with_preview=True)
        ids = [f"#{f.load_id}" for f in done.files if f.load_id]
        access.log("nap", what=", ".join(u.name for u in ready), rows=sum(f.rows_loaded for f in done.files),
                   detail=("lần nạp " + ", ".join(ids)) if ids and done.written else "không thay đổi kho")
        ss["_imp_done"] = done
        ss.pop("_imp_check", None)
        if ids and done.written:
            ss["imp_load"] = max(f.load_id for f in done.files if f.load_id)     # show the new load below
        st.rerun()
done = ss.get("_imp_done")
if done is not None:
    loaded = sum(f.rows_loaded for f in done.files)
    if done.written:
        st.success(f"Đã nạp {fmt.number(loaded)} dòng vào kho.", icon=":material/check_circle:")
    else:
        st.warning("Không có gì được ghi vào kho.", icon=":material/info:")
    show(done, checking=False)

# ───────────── counts written as sentences in a report (ui/sentence_import.py) ─────────────
sentence_import.section(user, show)

# ───────────── history and undo ─────────────
st.subheader("Lịch sử nạp")
if ss.get("_imp_undone"):
    st.success(fmt.plain(ss.pop("_imp_undone")), icon=":material/undo:")
loads = data.query("loads")
st.dataframe(uploads.history(loads), hide_index=True, width="stretch", key="imp_history")
if loads.empty:
    st.stop()
by_id = {int(r.load_id): r for r in loads.itertuples(index=False)}
lid = st.selectbox("Xem một lần nạp", list(by_id), key="imp_load",
                   format_func=lambda i: f"#{i} · {by_id[i].file_name} · "
                                         f"{uploads.STATUS_NAMES.get(by_id[i].status, by_id[i].status)}")
picked = by_id[lid]
rejects = data.query("load_rejects", load=lid)
if rejects.empty:
    st.caption(f"Lần nạp #{lid} không có dòng nào bị loại.")
else:
    table = uploads.rejects_table(rejects)
    st.markdown(f"**Các dòng bị loại của lần nạp #{lid} ({fmt.number(len(table))})**")
    st.dataframe(table.drop(columns=["Dòng gốc"]), hide_index=True, width="stretch", key="imp_rejects",
                 column_config={"Dòng": ROW_NUMBER, "Lý do": st.column_config.TextColumn(width="large")})
    where = {"Lần nạp": f"#{lid}", "Tệp": picked.file_name}
    downloads.table(access.audited(lambda: table, f"dòng bị loại của lần nạp #{lid}", where, rows=lambda: len(table)),
                    f"dong_bi_loai_lan_nap_{lid}", where, key=f"dl_rejects_{lid}", title="Các dòng bị loại")
if picked.status != "da_huy":
    plan = undo.undo_load(lid, dry_run=True)
    with st.container(border=True):
        st.markdown(f"**Hủy lần nạp #{lid}** — gỡ khỏi kho mọi dòng của lần nạp này (lịch sử vẫn giữ).")
        st.caption(fmt.plain(plan.error or plan.message()))                # (it names the file)
        for w in plan.warnings:
            st.warning(fmt.plain(w), icon=":material/warning:")
        sure = st.checkbox("Tôi hiểu, vẫn hủy", key=f"imp_sure_{lid}") if plan.warnings else True
        if st.button(f"Hủy lần nạp #{lid}", key="imp_undo", icon=":material/undo:", disabled=bool(plan.error)):
            res = undo.undo_load(lid, by=f"{user.name} ({user.user})", force=bool(sure))
            if res.error:
                st.error(fmt.plain(res.error))
            else:
                access.log("huy_nap", what=f"lần nạp #{lid}", filters={"Tệp": res.file_name},
                           rows=sum(res.removed.values()))
                ss["_imp_undone"] = res.message()
                st.rerun()
