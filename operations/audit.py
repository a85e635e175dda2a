"""The audit log: who saw or exported individual-level data, who signed in, loaded or undid a load — append-only.

One JSON line per event in a file outside the warehouse: $KIEMDIEM_AUDIT, default `audit/audit.jsonl` beside the
warehouse file (data/audit/ is ignored by git). The app only appends (this module has no update or delete); the
administrators' page only reads.

What makes tampering visible (`verify()`, `python -m etl audit --verify`, the administrators' page):
- Each line carries `hash` = HMAC-SHA256 under a secret key of the previous line's hash and its own content. Editing,
  inserting or re-hashing lines needs the key, which is not in the log's folder: anyone who can write the log but
  not read the key cannot make a chain that verifies.
- An **anchor** kept in a second place (the key's folder) holds the number of lines, the last hash and the file's
  size, under the same key. Deleting the last line or thirty, truncating the file to nothing, or deleting it, leaves
  a log shorter than its anchor — which a chain alone cannot see.
- Each field of a line is bounded (FIELD_LIMIT characters, at most FILTERS_LIMIT filters), so a 70,000-character
  name typed in the login form stays one short line; the chain head is read from the anchor, not from the file's end.
- verify() reads every line and reports every break it finds, not only the first.
The key and the anchor live in $KIEMDIEM_AUDIT_KEY_DIR, default `audit_key/` beside the log's folder (0700, files
0600). On a server give that folder to the service user alone and keep the log `chattr +a` (README).

Lines written before the key existed (plain SHA-256 chain) are still read and checked as such; the first keyed line
continues their chain, so from then on they are covered by the key too.

Event: ts (ISO time), user, role, action (ACTIONS), what (query or page), filters (the parameters as given),
rows (how many rows were shown or exported), detail, v (2 for keyed lines), prev, hash.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from etl import warehouse

ACTIONS = {
    "dang_nhap": "Đăng nhập", "dang_nhap_sai": "Đăng nhập không thành công", "dang_xuat": "Đăng xuất",
    "xem_ca_nhan": "Xem số liệu từng đảng viên", "xuat_ca_nhan": "Tải xuống số liệu cá nhân",
    "kiem_tra_tep": "Kiểm tra tệp", "nap": "Nạp dữ liệu", "huy_nap": "Hủy lần nạp",
    "tu_choi": "Bị từ chối", "tai_khoan": "Thay đổi tài khoản", "khoi_phuc": "Khôi phục kho từ bản sao lưu",
    "quyet_dinh_ty_le": "Quyết định cho phép tỷ lệ HTXS",
    "ghi_nho_ten_don_vi": "Ghi nhớ tên đơn vị trên biểu",
}
GENESIS = "0" * 64
FIELD_LIMIT = 500          # characters of one field (user, what, a filter's value…)
DETAIL_LIMIT = 2000
FILTERS_LIMIT = 30
KEYED = 2                  # the version of a keyed line


def command_line_user() -> str:
    """Who is at the terminal, as a log line names them."""
    import getpass
    try:
        return f"{getpass.getuser()} (dòng lệnh)"
    except (KeyError, OSError):
        return "dòng lệnh"


def audit_path(path: str | os.PathLike | None = None) -> Path:
    if path or os.environ.get("KIEMDIEM_AUDIT"):
        return Path(path or os.environ["KIEMDIEM_AUDIT"]).resolve()
    return warehouse.db_path().parent / "audit" / "audit.jsonl"


def key_dir(log: Path) -> Path:
    if os.environ.get("KIEMDIEM_AUDIT_KEY_DIR"):
        return Path(os.environ["KIEMDIEM_AUDIT_KEY_DIR"]).resolve()
    return log.parent.parent / f"{log.parent.name}_key"        # data/audit/audit.jsonl → data/audit_key/


def _anchor_path(log: Path) -> Path:
    # One anchor per log file (several logs may share a key folder, as the tests' do).
    return key_dir(log) / f"{log.stem}-{hashlib.sha256(str(log).encode()).hexdigest()[:12]}.anchor"


def _key(log: Path) -> bytes | None:
    try:
        return bytes.fromhex((key_dir(log) / "audit.key").read_text(encoding="ascii").strip())
    except FileNotFoundError:
        return None


def _new_key(log: Path) -> bytes:
    folder = key_dir(log)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(folder / "audit.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:               # another process made it first
        return _key(log)
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex())
    return key


def _canonical(prev: str, body: dict) -> bytes:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
    return (prev + "\n" + text).encode("utf-8")


def _digest(prev: str, body: dict, key: bytes | None) -> str:
    if body.get("v") == KEYED:
        return hmac.new(key or b"", _canonical(prev, body), hashlib.sha256).hexdigest()
    return hashlib.sha256(_canonical(prev, body)).hexdigest()      # a line from before the key


def _anchor_mac(key: bytes, count: int, head: str, size: int) -> str:
    return hmac.new(key, f"{count}:{head}:{size}".encode(), hashlib.sha256).hexdigest()


def _read_anchor(log: Path, key: bytes | None) -> dict | None:
    try:
        a = json.loads(_anchor_path(log).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    a["intact"] = bool(key) and hmac.compare_digest(
        str(a.get("mac", "")), _anchor_mac(key, int(a.get("count", -1)), str(a.get("head", "")), int(a.get("size", -1))))
    return a


def _write_anchor(log: Path, key: bytes, count: int, head: str, size: int) -> None:
    path = _anchor_path(log)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"count": count, "head": head, "size": size, "mac": _anchor_mac(key, count, head, size)}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _cut(value, limit: int = FIELD_LIMIT):
    """A value as it will be logged: text cut to `limit` characters, saying how long it was."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    return text if len(text) <= limit else text[:limit] + f"…(cắt, dài {len(text)} ký tự)"


def _scan(fh) -> tuple[int, str]:
    """(number of lines, hash of the last line) of a log without an anchor (its first keyed write)."""
    fh.seek(0)
    count, head = 0, GENESIS
    for raw in fh:
        line = raw.rstrip(b"\n")
        if not line:
            continue
        count += 1
        try:
            head = json.loads(line)["hash"]
        except (ValueError, KeyError, TypeError):
            head = hashlib.sha256(line).hexdigest()
    return count, head


def record(action: str, *, user: str, role: str | None = None, what: str = "", filters: dict | None = None,
           rows: int | None = None, detail: str | None = None, path: str | os.PathLike | None = None) -> dict:
    """Append one event (under an exclusive lock, so concurrent sessions chain correctly); return it."""
    p = audit_path(path)
    p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = _key(p)
    first = key is None
    key = key or _new_key(p)
    kept = list((filters or {}).items())[:FILTERS_LIMIT]
    body = {"ts": dt.datetime.now().isoformat(timespec="seconds"), "user": _cut(user), "role": _cut(role),
            "action": _cut(action), "what": _cut(what),
            "filters": {str(_cut(k, 64)): _cut(v) for k, v in kept if v is not None},
            "rows": rows if isinstance(rows, int) or rows is None else _cut(rows), "detail": _cut(detail, DETAIL_LIMIT),
            "v": KEYED}
    body = json.loads(json.dumps(body, ensure_ascii=False, default=str))   # plain JSON values, as verify() reads
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            anchor = _read_anchor(p, key)
            if anchor and anchor["intact"]:
                count, prev = int(anchor["count"]), str(anchor["head"])
            else:        # the first keyed write, or an anchor lost: the chain goes on from the file itself
                count, prev = _scan(fh)
                if not first:   # …and the line says so under the key: the lines cut before it cannot be hidden
                    body["anchor_lost"] = True
            body["prev"] = prev
            body["hash"] = _digest(prev, body, key)
            fh.seek(0, os.SEEK_END)
            fh.write((json.dumps(body, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
            _write_anchor(p, key, count + 1, body["hash"], fh.tell())
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
                ev = json.loads(line)
                out.append(ev if isinstance(ev, dict) else {"damaged": line})
            except ValueError:
                out.append({"damaged": line})
    return out


@dataclass
class Verdict:
    lines: int
    problems: list[tuple[int | None, str]] = field(default_factory=list)   # (line number or None, why), in order

    @property
    def intact(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return "; ".join((f"dòng {n}: {why}" if n else why) for n, why in self.problems)


def verify(path: str | os.PathLike | None = None) -> Verdict:
    """Check every line's place in the chain and its key, and the log against its anchor; report every break."""
    p = audit_path(path)
    key = _key(p)
    events = read(p)
    v = Verdict(len(events))
    prev, keyed = GENESIS, False
    for i, ev in enumerate(events, 1):
        if "damaged" in ev:
            v.problems.append((i, "dòng hỏng, không đọc được"))
            continue
        if ev.get("prev") != prev:
            v.problems.append((i, "không nối tiếp dòng trước: có dòng bị xóa, chèn hoặc đổi chỗ ngay trước dòng này"))
        body = {k: x for k, x in ev.items() if k != "hash"}
        if ev.get("v") == KEYED:
            keyed = True
            if key is None:
                v.problems.append((i, "không có khóa kiểm tra để xác minh (tệp khóa bị mất?)"))
            elif not hmac.compare_digest(str(ev.get("hash", "")), _digest(str(ev.get("prev")), body, key)):
                v.problems.append((i, "nội dung bị sửa (mã kiểm tra có khóa không khớp)"))
        elif keyed:
            v.problems.append((i, "dòng không có mã khóa xen sau các dòng có khóa: được thêm ngoài ứng dụng"))
        elif _digest(str(ev.get("prev")), body, None) != ev.get("hash"):
            v.problems.append((i, "nội dung bị sửa (mã kiểm tra không khớp)"))
        if ev.get("anchor_lost"):
            v.problems.append((i, "khi ghi dòng này điểm neo đã mất hoặc bị sửa: các dòng cuối trước đó có thể đã bị "
                                  "xóa"))
        prev = str(ev.get("hash"))
    if key is None:
        if keyed:
            v.problems.append((None, "mất tệp khóa của nhật ký"))
        return v
    anchor = _read_anchor(p, key)
    if anchor is None:      # the key is made with the first line, the anchor with it: a lost anchor is a deletion
        v.problems.append((None, "mất điểm neo của nhật ký (số dòng và mã dòng cuối, lưu ở nơi thứ hai)"
                                 + ("" if events else " và tệp nhật ký không còn dòng nào")))
        return v
    if not anchor["intact"]:
        v.problems.append((None, "điểm neo của nhật ký bị sửa"))
        return v
    count, head = int(anchor["count"]), str(anchor["head"])
    if not p.exists():
        v.problems.append((None, f"tệp nhật ký bị xóa (điểm neo ghi {count} dòng)"))
    elif len(events) < count:
        v.problems.append((None, f"thiếu {count - len(events)} dòng cuối: nhật ký có {len(events)} dòng, điểm neo "
                                 f"ghi {count} — các dòng cuối đã bị xóa hoặc tệp bị cắt"))
    elif count and events[count - 1].get("hash") != head:
        v.problems.append((count, "dòng này không phải dòng cuối mà điểm neo ghi nhận"))
    elif len(events) > count:
        v.problems.append((count + 1, f"{len(events) - count} dòng sau dòng cuối được ghi nhận đã được thêm ngoài "
                                      "ứng dụng"))
    return v
