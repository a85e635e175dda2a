"""The audit log: who saw or exported individual-level data, who signed in, loaded or undid a load — append-only.

One JSON line per event in a file outside the warehouse: $KIEMDIEM_AUDIT, default `audit/audit.jsonl` beside the
warehouse file (data/audit/ is ignored by git). The app only appends (this module has no update or delete); the
administrators' page only reads. Each line carries the SHA-256 of the previous line's hash and its own content, so an
edit or a deleted line anywhere breaks the chain from there on: `verify()` (and `python -m etl audit --verify`)
finds it. On the server the file can also be made append-only for the operating system (`chattr +a`, README).

Event: ts (ISO time), user, role, action (ACTIONS), what (query or page), filters (the parameters as given),
rows (how many rows were shown or exported), detail, prev, hash.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from pathlib import Path

from etl import warehouse

ACTIONS = {
    "dang_nhap": "Đăng nhập", "dang_nhap_sai": "Đăng nhập không thành công", "dang_xuat": "Đăng xuất",
    "xem_ca_nhan": "Xem số liệu từng đảng viên", "xuat_ca_nhan": "Tải xuống số liệu cá nhân",
    "kiem_tra_tep": "Kiểm tra tệp", "nap": "Nạp dữ liệu", "huy_nap": "Hủy lần nạp",
    "tu_choi": "Bị từ chối", "tai_khoan": "Thay đổi tài khoản", "khoi_phuc": "Khôi phục kho từ bản sao lưu",
}
GENESIS = "0" * 64


def audit_path(path: str | os.PathLike | None = None) -> Path:
    if path or os.environ.get("KIEMDIEM_AUDIT"):
        return Path(path or os.environ["KIEMDIEM_AUDIT"]).resolve()
    return warehouse.db_path().parent / "audit" / "audit.jsonl"


def _digest(prev: str, body: dict) -> str:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256((prev + "\n" + text).encode("utf-8")).hexdigest()


def _last_hash(fh) -> str:
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    if size == 0:
        return GENESIS
    back = min(size, 65536)
    fh.seek(size - back)
    tail = fh.read(back).decode("utf-8", errors="replace").rstrip("\n").split("\n")[-1]
    try:
        return json.loads(tail)["hash"]
    except (ValueError, KeyError):
        return hashlib.sha256(tail.encode("utf-8")).hexdigest()   # a damaged last line still chains


def record(action: str, *, user: str, role: str | None = None, what: str = "", filters: dict | None = None,
           rows: int | None = None, detail: str | None = None, path: str | os.PathLike | None = None) -> dict:
    """Append one event (under an exclusive lock, so concurrent sessions chain correctly); return it."""
    p = audit_path(path)
    p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = {"ts": dt.datetime.now().isoformat(timespec="seconds"), "user": user, "role": role, "action": action,
            "what": what, "filters": {k: v for k, v in (filters or {}).items() if v is not None},
            "rows": rows, "detail": detail}
    body = json.loads(json.dumps(body, ensure_ascii=False, default=str))   # plain JSON values, as verify() reads
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            prev = _last_hash(fh)
            body["prev"] = prev
            body["hash"] = _digest(prev, body)
            fh.write((json.dumps(body, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return body


def read(path: str | os.PathLike | None = None) -> list[dict]:
    """Every event, oldest first (a line that is not JSON is returned as {'damaged': text})."""
    p = audit_path(path)
    if not p.exists():
        return []
    out = []
    with open(p, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"damaged": line})
    return out


def verify(path: str | os.PathLike | None = None) -> tuple[bool, int | None, int]:
    """(intact, number of the first bad line or None, lines read)."""
    prev = GENESIS
    events = read(path)
    for i, ev in enumerate(events, 1):
        if "damaged" in ev or ev.get("prev") != prev:
            return False, i, len(events)
        body = {k: v for k, v in ev.items() if k != "hash"}
        if _digest(prev, body) != ev.get("hash"):
            return False, i, len(events)
        prev = ev["hash"]
    return True, None, len(events)
