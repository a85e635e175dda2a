"""Files uploaded through the import page: refused politely before anything parses them, or saved into a private
folder under their own names (the loader recognises a corrected file by its name) and handed to the one loader,
operations.load.load_files — the same code as `python -m etl check/load`. Also the loader's results as tables for a clerk.
No Streamlit here.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl import filecheck
from etl.layouts import LAYOUTS
from etl.load_result import LoadResult

MB = 1024 * 1024
MAX_FILE_MB = int(os.environ.get("KIEMDIEM_MAX_UPLOAD_MB", "50"))   # also server.maxUploadSize in .streamlit/config.toml
MAX_FILES = 50
ACCEPTED = ("xlsx", "xls", "csv", "tsv", "txt")
REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"


@dataclass
class Upload:
    name: str                   # the file's own name, cleaned
    size: int
    path: Path | None = None    # where it was saved; None when refused
    error: str | None = None    # why it was refused (Vietnamese)


def safe_name(name: str) -> str:
    """The base name only (no folders), NFC, without control or path characters; the extension in lower case."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").split("/")[-1]
    base = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", base).strip(" .")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem[:120] or "tep"
    return f"{stem}.{ext.lower()}" if ext else stem


PREFIX = "kiemdiem_tai_len_"
STALE_HOURS = 24    # an upload folder older than this belongs to a session that has ended


def new_folder() -> Path:
    """A private folder (mode 0700) for one session's uploads. The files hold members' codes and names, and a session
    that ends (a closed browser) never says so (Streamlit has no hook for it): the folders of ended sessions are
    removed here, once older than STALE_HOURS."""
    sweep()
    return Path(tempfile.mkdtemp(prefix=PREFIX))


def sweep(now: float | None = None) -> int:
    """Remove the upload folders older than STALE_HOURS; returns how many."""
    cutoff = (time.time() if now is None else now) - STALE_HOURS * 3600
    gone = 0
    for p in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            if p.is_dir() and not p.is_symlink() and p.stat().st_mtime < cutoff:
                shutil.rmtree(p)
                gone += 1
        except OSError:     # (another session's sweep got there first, or not ours to remove)
            continue
    return gone


def save(files: list[tuple[str, bytes]], folder: Path) -> list[Upload]:
    """Check each upload (type, size, real content — etl/filecheck.py) and save the ones that pass."""
    out: list[Upload] = []
    seen: set[str] = set()
    for i, (raw_name, data) in enumerate(files):
        name = safe_name(raw_name)
        up = Upload(name, len(data))
        out.append(up)
        ext = name.rpartition(".")[2] if "." in name else ""
        if i >= MAX_FILES:
            up.error = f"Mỗi lần chỉ nhận tối đa {MAX_FILES} tệp"
        elif ext not in ACCEPTED:
            up.error = (f"Tệp {name}: chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)"
                        + (" — tệp có macro (.xlsm) cần lưu lại dưới dạng .xlsx" if ext in ("xlsm", "xltm", "xlsb")
                           else ""))
        elif len(data) > MAX_FILE_MB * MB:
            up.error = (f"Tệp {name} lớn {len(data) / MB:.0f} MB, quá giới hạn {MAX_FILE_MB} MB cho một tệp — "
                        "chia thành nhiều tệp nhỏ hơn hoặc nhờ quản trị nạp bằng dòng lệnh")
        elif not data:
            up.error = f"Tệp {name} rỗng"
        elif name in seen:
            up.error = f"Có hai tệp cùng tên {name} — đổi tên một tệp"
        if up.error:
            continue
        seen.add(name)
        path = folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            filecheck.check(path)
        except filecheck.FileRefused as exc:
            up.error = str(exc)
            path.unlink(missing_ok=True)
            continue
        except OSError as exc:
            up.error = f"Không đọc được tệp {name}: {exc}"
            continue
        up.path = path
    return out


def discard(folder: Path | None) -> None:
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


# ───────────── the loader's results as tables ─────────────

PROBLEM_COLUMNS = ["Tệp", "Trang", "Dòng", "Cột", "Giá trị", "Lý do"]
STATUS_NAMES = {"hieu_luc": "Hiệu lực", "bi_thay_the": "Bị thay thế", "thay_the_mot_phan": "Thay thế một phần",
                "da_huy": "Đã hủy"}
KIND_NAMES = {k: l.title for k, l in LAYOUTS.items()} | {"report_table": "Bảng báo cáo (STT | Tiêu chí | Năm)"}
LABELS = {
    "file": "Tệp", "sheet": "Trang", "row": "Dòng", "year": "Năm", "unit_code": "Mã đơn vị", "name": "Tên đơn vị",
    "tree_level": "Cấp tổ chức", "kind": "Loại hình", "parent_code": "Mã đơn vị cấp trên", "first_year": "Từ năm",
    "last_year": "Đến năm", "member_code": "Mã đảng viên", "full_name": "Họ và tên", "chi_bo_code": "Mã chi bộ",
    "level": "Xếp loại", "not_rated_reason": "Không xếp loại vì", "label_raw": "Xếp loại (như trong tệp)",
    "disciplined": "Bị kỷ luật", "discipline_form": "Hình thức kỷ luật", "is_leader": "Cán bộ lãnh đạo",
    "led_unit_code": "Đơn vị lãnh đạo", "civil_level": "Xếp loại công chức", "votes_for": "Số phiếu tán thành",
    "official_members": "Số đảng viên chính thức", "score": "Điểm", "subject": "Đối tượng", "self_level": "Tự xếp loại",
    "htxs": "HTXSNV", "htt": "HTTNV", "ht": "HTNV", "khtnv": "KHTNV", "total": "Tổng số", "not_rated": "Không xếp loại",
    "text_raw": "Nội dung", "category": "Nhóm", "remedy_raw": "Kết quả khắc phục", "source": "Nguồn",
    "old_code": "Mã đơn vị cũ", "new_code": "Mã đơn vị mới", "event": "Hình thức", "share": "Tỷ lệ",
}
HIDDEN = {"name_key", "text_norm", "remedy_status"}
REASONS = {"mien": "miễn công tác và sinh hoạt đảng", "moi_ket_nap": "kết nạp chưa đủ 6 tháng",
           "dinh_chi": "đình chỉ sinh hoạt đảng", "khong_xep_loai": "không xếp loại"}
EVENTS = {"sap_nhap": "Sáp nhập", "chia_tach": "Chia tách", "doi_ten": "Đổi tên", "chuyen_cap_tren": "Chuyển cấp trên"}


def _n(x) -> str:
    """2208 → '2.208' (Vietnamese thousands separator; a browser would write 2,208)."""
    return "" if x is None or pd.isna(x) else f"{int(x):,}".replace(",", ".")


def _reference(name: str, key: str, value: str) -> dict:
    with open(REFERENCE / name, encoding="utf-8") as fh:
        return {r[key]: r[value] for r in csv.DictReader(fh)}


def problems(res: LoadResult) -> pd.DataFrame:
    """Every problem of a check or a load, one row each: a whole file refused has row 0."""
    rows = []
    for f in res.files:
        if f.error:
            rows.append([f.name, "", 0, "", "", f.error])
        rows += [[r.file, r.sheet or "", r.row, r.column or "", "" if r.value is None else str(r.value), r.reason]
                 for r in f.rejects]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS).astype({"Dòng": "int64"})


def summary(res: LoadResult, checking: bool) -> pd.DataFrame:
    """One row per file: what was recognised, rows read, loaded (or loadable), rejected, and notes."""
    rows = []
    for f in res.files:
        notes = list(f.notes) + [f"thay thế {n} dòng của lần nạp #{old}" for old, _t, n in f.replaced]
        if f.error:
            state = "Không đọc được"
        elif f.unchanged_load:
            state = f"Đã nạp trước đây (lần nạp #{f.unchanged_load}) — không thay đổi"
        elif f.rejects:
            state = "Có dòng bị loại"
        else:
            state = "Hợp lệ" if checking else "Đã nạp"
        kinds = ", ".join(dict.fromkeys(KIND_NAMES.get(k, k) for k in f.layouts))
        rows.append([f.name, state, kinds, _n(f.rows_read), _n(f.rows_loaded), _n(f.rows_rejected), "; ".join(notes)])
    label = "Có thể nạp" if checking else "Đã nạp"
    return pd.DataFrame(rows, columns=["Tệp", "Kết quả", "Bảng nhận ra", "Dòng đọc", label, "Dòng bị loại",
                                       "Ghi chú"])


def preview(res: LoadResult) -> dict[str, pd.DataFrame]:
    """Per kind of data (Vietnamese title): the rows that would be (or were) written, with readable values."""
    levels = {int(k): v for k, v in _reference("levels.csv", "level", "short").items()}
    subjects = _reference("subjects.csv", "code", "name")
    out = {}
    for target, frame in res.preview.items():
        df = frame[[c for c in frame.columns if c not in HIDDEN]].copy()
        for col in ("level", "self_level", "civil_level"):
            if col in df:
                df[col] = df[col].map(lambda v: levels.get(int(v), v) if pd.notna(v) else "")
        for col, names in (("subject", subjects), ("not_rated_reason", REASONS), ("event", EVENTS)):
            if col in df:
                df[col] = df[col].map(lambda v, n=names: n.get(v, v) if isinstance(v, str) else "")
        for col in ("disciplined", "is_leader"):
            if col in df:
                df[col] = df[col].map(lambda v: "" if pd.isna(v) else ("Có" if v else "Không"))
        for col in ("htxs", "htt", "ht", "khtnv", "total", "not_rated", "votes_for", "official_members"):
            if col in df:
                df[col] = df[col].map(_n)        # counts as a clerk writes them: 2.208
        df = df.rename(columns=LABELS)
        out[KIND_NAMES.get(target, target)] = df
    return out


def history(loads: pd.DataFrame) -> pd.DataFrame:
    """The load history (queries/loads.sql) with Vietnamese headers and statuses."""
    if loads.empty:
        return pd.DataFrame(columns=["Lần nạp", "Thời điểm", "Tệp", "Dòng đọc", "Đã nạp", "Bị loại", "Trạng thái",
                                     "Ghi chú"])
    df = pd.DataFrame({
        "Lần nạp": loads["load_id"].map(lambda i: f"#{i}"),
        "Thời điểm": pd.to_datetime(loads["started_at"]).dt.strftime("%d/%m/%Y %H:%M"),
        "Tệp": loads["file_name"],
        "Dòng đọc": loads["rows_read"].map(_n), "Đã nạp": loads["rows_loaded"].map(_n),
        "Bị loại": loads["rows_rejected"].map(_n),
        "Trạng thái": loads["status"].map(lambda s: STATUS_NAMES.get(s, s)),
    })
    notes = []
    for r in loads.itertuples(index=False):
        parts = [r.note] if isinstance(r.note, str) and r.note else []
        if isinstance(r.replaced, str) and r.replaced:
            parts.append(f"thay thế số liệu của {r.replaced}")
        if isinstance(r.replaced_by, str) and r.replaced_by:
            parts.append(f"bị thay thế bởi {r.replaced_by}")
        notes.append("; ".join(parts))
    df["Ghi chú"] = notes
    return df


def rejects_table(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows of one load (queries/load_rejects.sql) as the clerk reads them, with the whole original line."""
    return pd.DataFrame({"Tệp": rejects["file_name"], "Trang": rejects["sheet"].fillna(""),
                         "Dòng": rejects["row_no"], "Cột": rejects["column_name"].fillna(""),
                         "Giá trị": rejects["value"].fillna(""), "Lý do": rejects["reason"],
                         "Dòng gốc": rejects["raw"].fillna("")})
