"""Who is using the app, what they may open and read, and the audit of what they saw.

Three ways to run (mode()):
- "tai_khoan": local accounts (operations/accounts.py, a TOML file outside git): a login form; the signed-in user name lives in
  the server-side session only, and the account is re-read on every run (a disabled or removed account is out at once).
- "proxy": an identity set by a trusted reverse proxy in the header named by $KIEMDIEM_TRUSTED_USER_HEADER (e.g.
  X-Remote-User). Only trusted when that variable is set, only while Streamlit listens on the loopback interface, and
  only on a request that carries the secret shared with the proxy (header X-Kiemdiem-Proxy-Secret, compared in
  constant time with $KIEMDIEM_TRUSTED_PROXY_SECRET_FILE — a file only the service can read — or
  $KIEMDIEM_TRUSTED_PROXY_SECRET): loopback alone does not prove the proxy, every local process can reach 127.0.0.1.
  No secret configured: nobody is signed in (fail closed). A request with the identity or the secret header twice is
  refused (a proxy that appends instead of replacing; which copy would win is not for the app to guess). Refusals go
  to the audit log (tu_choi). The user must be in the accounts file, which gives the role and unit.
- "mo" (open): neither configured. Everyone is the guest with every page — the demo and a single person's own machine.
  The app says so in the sidebar; reached from another machine (not loopback, or through a proxy), it serves only the
  demo warehouse.

What a role may open is data/reference/role_pages.csv (a row per page, or `section:NAME` for pages of a section not
listed); what it may read is its Restriction (queries/scope.py), applied by ui/data.py to every query. This module
has no SQL.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import hmac
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import streamlit as st

from operations import accounts, audit
from queries import personal
from queries.scope import FULL, Restriction
from vocab import fmt

ROOT = Path(__file__).resolve().parent.parent
PAGES_FILE = ROOT / "data" / "reference" / "role_pages.csv"
HEADER_ENV = "KIEMDIEM_TRUSTED_USER_HEADER"
SECRET_ENV = "KIEMDIEM_TRUSTED_PROXY_SECRET"             # the secret itself (visible to the service user's processes)
SECRET_FILE_ENV = "KIEMDIEM_TRUSTED_PROXY_SECRET_FILE"   # or a file holding it, mode 0600 (preferred)
SECRET_HEADER = "X-Kiemdiem-Proxy-Secret"                # set by the proxy on every request, the browser's copy dropped
MIN_SECRET = 32                                          # characters; `openssl rand -hex 32` gives 64
SESSION_HOURS = float(os.environ.get("KIEMDIEM_SESSION_HOURS", "10"))
MAX_FAILURES, FAILURE_WINDOW = 5, 600          # 5 wrong passwords in 10 minutes lock the name for 10 minutes
_AUTH = "_auth"                                 # session: {"user": name, "since": epoch}
_SEEN = "_audit_seen"                           # session: views already logged
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class User:
    user: str
    name: str
    role: accounts.Role | None = None           # None: open mode, every page and every row
    unit: str | None = None

    @property
    def restriction(self) -> Restriction:
        if self.role is None:
            return FULL
        return Restriction(roots=(self.unit,) if self.unit else None, individual=self.role.individual,
                           names=self.role.names, rejects=self.role.import_data)

    @property
    def role_code(self) -> str | None:
        return self.role.code if self.role else None

    def can(self, capability: str) -> bool:
        """import_data | audit | individual | names."""
        return self.role is None or bool(getattr(self.role, capability))


GUEST = User("khach", "Khách (chưa đăng nhập)")


class AccessError(Exception):
    pass


# ───────────── pages per role (plain functions: tests call them directly) ─────────────

@functools.lru_cache(maxsize=4)
def _matrix(path: str, mtime: int) -> dict[str, set[str]]:
    with open(path, encoding="utf-8") as fh:
        return {r["page"]: {role for role, mark in r.items() if role != "page" and (mark or "").strip()}
                for r in csv.DictReader(fh)}


def matrix() -> dict[str, set[str]]:
    return _matrix(str(PAGES_FILE), PAGES_FILE.stat().st_mtime_ns)


def page_allowed(role: str | None, page: str, section: str | None) -> bool:
    """A page's own row decides; a page without one follows its section's row; neither: no role sees it."""
    if role is None:
        return True
    m = matrix()
    if page in m:
        return role in m[page]
    return role in m.get(f"section:{section}", set())


_SECTIONS: dict[str, str] = {}


def register_pages(pages) -> None:
    """app.py's PAGES (section, file, title, icon): lets a page file find its section when it checks itself."""
    _SECTIONS.update({file: section for section, file, *_ in pages})


def visible(pages, user: User) -> list:
    return [p for p in pages if page_allowed(user.role_code, p[1], p[0])]


# ───────────── who is signed in ─────────────

def mode() -> str:
    if os.environ.get(HEADER_ENV):
        return "proxy"
    return "tai_khoan" if accounts.load() else "mo"


def _loopback() -> bool:
    return str(st.get_option("server.address") or "") in LOOPBACK


def _request_headers() -> dict[str, list[str]]:
    """The HTTP headers of this session's request (the WebSocket handshake): lower-case name → every value sent, in
    order. A dict of single values would hide a header sent twice; st.context.headers[...] gives the first copy."""
    h = st.context.headers
    return {k.lower(): h.get_all(k) for k in (h or {})}


def _headers() -> dict[str, str]:
    """The HTTP headers of this session's request, names in lower case (the first copy of a repeated header)."""
    return {k: v[0] for k, v in _request_headers().items() if v}


def _proxied() -> bool:
    return any(h in _headers() for h in ("x-forwarded-for", "x-real-ip", "forwarded"))


class ProxyRefused(Exception):
    """A request in proxy mode that does not prove it came through the proxy; the message is for the audit log."""


def proxy_secret() -> bytes:
    """The secret the proxy sends in SECRET_HEADER. AccountError (shown to the user, who cannot sign in) when it is
    missing, too short, or in a file other local users can read: then the proxy mode trusts nobody."""
    path, value = os.environ.get(SECRET_FILE_ENV, "").strip(), os.environ.get(SECRET_ENV, "")
    how = (f"Đặt {SECRET_FILE_ENV} (đường dẫn một tệp chứa mã, quyền 0600, ví dụ tạo bằng "
           f"`openssl rand -hex 32`) hoặc {SECRET_ENV}, và cho proxy gửi mã đó trong tiêu đề {SECRET_HEADER} — xem "
           "README, mục proxy xác thực.")
    if path and value:
        raise accounts.AccountError(f"Chỉ đặt một trong hai biến {SECRET_FILE_ENV} và {SECRET_ENV}.")
    if path:
        try:
            info = os.stat(path)
            if info.st_mode & 0o077:
                raise accounts.AccountError(f"Tệp mã bí mật của proxy {path} phải chỉ người chạy ứng dụng đọc được "
                                            f"(chmod 0600); hiện là {oct(info.st_mode & 0o777)[2:]}. Chưa ai đăng "
                                            "nhập được.")
            with open(path, encoding="utf-8") as fh:
                value = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise accounts.AccountError(f"Không đọc được tệp mã bí mật của proxy {path}: {exc}. Chưa ai đăng nhập "
                                        "được.") from exc
    value = value.strip()
    if not value:
        raise accounts.AccountError("Chế độ proxy xác thực đã bật (KIEMDIEM_TRUSTED_USER_HEADER) nhưng chưa có mã bí "
                                    "mật chung với proxy, nên chưa ai đăng nhập được. " + how)
    if len(value) < MIN_SECRET:
        raise accounts.AccountError(f"Mã bí mật của proxy phải có ít nhất {MIN_SECRET} ký tự. Chưa ai đăng nhập "
                                    "được. " + how)
    return value.encode("utf-8")


def _shown(values: list[str]) -> str:
    """Header values as they go into the audit log: quoted, cut short (they come from whoever sent the request)."""
    return ", ".join(repr(v[:64]) for v in values) or "không có"


def _proxy_name() -> str:
    """The user the proxy vouches for ('' when it sends none). ProxyRefused when the request does not carry the
    proxy's secret exactly once, or carries the identity header more than once; AccountError when no secret is
    configured. The secret is compared in constant time and never logged."""
    secret = proxy_secret()
    sent = _request_headers()
    names, given = sent.get(os.environ[HEADER_ENV].strip().lower(), []), sent.get(SECRET_HEADER.lower(), [])
    if len(names) > 1 or len(given) > 1:
        raise ProxyRefused(f"tiêu đề lặp lại ({os.environ[HEADER_ENV]} {len(names)} lần, {SECRET_HEADER} "
                           f"{len(given)} lần); người dùng khai: {_shown(names)}")
    if not given or not hmac.compare_digest(hashlib.sha256(given[0].strip().encode("utf-8")).digest(),
                                            hashlib.sha256(secret).digest()):     # equal lengths: no length leak
        raise ProxyRefused(f"{'sai' if given else 'thiếu'} mã bí mật của proxy ({SECRET_HEADER}) — yêu cầu không "
                           f"đi qua proxy xác thực; người dùng khai: {_shown(names)}")
    return (names[0] if names else "").strip().lower()


def _user(acc: accounts.Account) -> User | None:
    role = accounts.roles().get(acc.role)
    if role is None or acc.disabled or (role.scope == "bat_buoc" and not acc.unit):
        return None
    return User(acc.user, acc.name, role, acc.unit if role.scope != "khong" else None)


def current_user() -> User | None:
    """The signed-in user, the guest in open mode, or None (nobody may read anything)."""
    m = mode()
    if m == "mo":
        return GUEST
    if m == "proxy":
        if not _loopback():
            return None
        try:
            name = _proxy_name()
        except ProxyRefused:
            return None
        acc = accounts.load().get(name)
        return _user(acc) if acc else None
    auth = st.session_state.get(_AUTH)
    if not auth:
        return None
    acc = accounts.load().get(auth["user"])
    if acc is None or time.time() - auth["since"] > SESSION_HOURS * 3600:
        st.session_state.pop(_AUTH, None)
        return None
    return _user(acc)


def restriction() -> Restriction | None:
    """What the current user may read; None when nobody is signed in (then nothing is readable)."""
    try:
        u = current_user()
    except accounts.AccountError:
        return None
    return None if u is None else u.restriction


# ───────────── the audit log ─────────────

def log(action: str, what: str = "", filters: dict | None = None, rows: int | None = None,
        detail: str | None = None, user: User | None = None) -> bool:
    """Append one event for the current user; False when the log cannot be written."""
    if user is None:
        try:
            user = current_user()
        except accounts.AccountError:        # the accounts file or the proxy secret is broken: log as nobody
            user = None
    u = user or User("?", "?")
    try:
        audit.record(action, user=u.user, role=u.role_code or ("khach" if u is GUEST else None), what=what,
                     filters=filters, rows=rows, detail=detail)
        return True
    except OSError:
        return False


# 'names', 'individual' or None for a query, read from its SQL (the command line logs by the same classification).
personal_level = personal.level


def log_view(name: str, params: dict, rows: int) -> bool:
    """Log a view of individual-level rows once per session and filter; False when it could not be logged."""
    key = (name, tuple(sorted((k, str(v)) for k, v in params.items())))
    seen = st.session_state.setdefault(_SEEN, set())
    if key in seen:
        return True
    ok = log("xem_ca_nhan", what=name, filters=params, rows=rows,
             detail="có họ tên" if personal_level(name) == "names" else None)
    if ok:
        seen.add(key)
    return ok


def audited(make: Callable, what: str, filters: dict | None = None, rows: Callable | None = None) -> Callable:
    """Wrap the callable of a download button: the export is logged when (and each time) the file is made. The user
    is taken now, while the page is drawn: the file is made later, on the click, outside the page's run."""
    user = current_user() or User("?", "?")

    def run():
        data = make()
        if not log("xuat_ca_nhan", what=what, filters=filters, rows=rows() if rows else None, user=user):
            raise AccessError("Không ghi được nhật ký truy cập — không xuất số liệu cá nhân")
        return data
    return run


def refused(what: str, detail: str | None = None) -> None:
    """Log (once per session) an attempt to reach something outside the user's rights."""
    key = ("tu_choi", what)
    seen = st.session_state.setdefault(_SEEN, set())
    if key not in seen:
        seen.add(key)
        log("tu_choi", what=what, detail=detail)


# ───────────── the gate, the login form, the sidebar block ─────────────

_failures: dict[str, list[float]] = {}
_failures_lock = threading.Lock()


def _locked(name: str) -> bool:
    now = time.time()
    with _failures_lock:
        recent = [t for t in _failures.get(name, []) if now - t < FAILURE_WINDOW]
        _failures[name] = recent
        return len(recent) >= MAX_FAILURES


def _failed(name: str) -> None:
    with _failures_lock:
        _failures.setdefault(name, []).append(time.time())


def _login_form() -> None:
    st.title("Đăng nhập")
    st.caption("Phân tích kết quả kiểm điểm, đánh giá, xếp loại chất lượng. Tài khoản do quản trị hệ thống cấp.")
    with st.form("dang_nhap", border=True, enter_to_submit=True):
        name = st.text_input("Tên đăng nhập", key="login_user", autocomplete="username")
        password = st.text_input("Mật khẩu", type="password", key="login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if not submitted:
        return
    name = (name or "").strip().lower()
    claimed = User(name or "?", name or "?")
    if _locked(name):
        # Logged too: a password guessed on a locked name would otherwise leave no trace (the password is not checked).
        log("dang_nhap_sai", what=name, user=claimed,
            detail=f"tên đang bị khóa tạm ({MAX_FAILURES} lần sai trong {FAILURE_WINDOW // 60} phút); không kiểm tra "
                   "mật khẩu")
        st.error("Nhập sai quá nhiều lần — thử lại sau 10 phút.")
        return
    acc = accounts.authenticate(name, password or "")
    user = _user(acc) if acc else None
    if user is None:
        _failed(name)
        log("dang_nhap_sai", what=name, user=claimed,
            detail=f"sai lần thứ {MAX_FAILURES} — khóa tên này {FAILURE_WINDOW // 60} phút" if _locked(name) else None)
        st.error("Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã bị khóa.")
        return
    st.session_state[_AUTH] = {"user": user.user, "since": time.time()}
    log("dang_nhap", user=user)
    st.rerun()


def gate(pages, is_demo: Callable[[], bool]) -> User:
    """The signed-in user; otherwise draw the login form (or a refusal) and stop the run.

    Before sign-in every page URL shows the login form (hidden navigation with the same URL paths), so a shared link
    opens after login on the page it names.
    """
    try:
        m = mode()
        user = current_user()
    except accounts.AccountError as exc:
        if os.environ.get(HEADER_ENV):
            refused("đăng nhập qua proxy", f"cấu hình: {exc}")
        _stop_with(str(exc))
    if m == "mo" and not (_loopback() and not _proxied()) and not is_demo():
        _stop_with("Ứng dụng chưa cấu hình đăng nhập nên chỉ phục vụ dữ liệu minh họa khi được mở từ máy khác. "
                   "Quản trị hệ thống cần tạo tài khoản (python -m etl account add …) hoặc cấu hình proxy xác thực "
                   "— xem README.")
    if m == "proxy" and not _loopback():
        _stop_with("Chế độ xác thực qua proxy chỉ an toàn khi ứng dụng nghe trên 127.0.0.1 (sau proxy). "
                   "Đặt server.address = \"127.0.0.1\".")
    if user is not None:
        if m == "proxy" and not st.session_state.get(_AUTH):
            st.session_state[_AUTH] = {"user": user.user, "since": time.time(), "proxy": True}
            log("dang_nhap", user=user, detail="qua proxy")
        return user
    if m == "proxy":
        try:
            name = _proxy_name()
        except ProxyRefused as exc:
            refused("đăng nhập qua proxy", str(exc))
            _stop_with("Yêu cầu này không đi qua proxy xác thực của cơ quan (hoặc mang tiêu đề xác thực lặp lại) nên "
                       "bị từ chối và đã được ghi nhật ký. Hãy mở ứng dụng bằng địa chỉ cơ quan cấp.")
        refused("đăng nhập qua proxy", f"người dùng '{name}' không có tài khoản hợp lệ")
        _stop_with(f"Tài khoản '{fmt.plain(name)}' chưa được cấp quyền dùng ứng dụng này — liên hệ quản trị hệ thống."
                   if name else "Proxy không chuyển danh tính người dùng — liên hệ quản trị hệ thống.")
    seen = set()
    hidden = []
    for i, (_s, file, title, _icon) in enumerate(pages):
        path = Path(file).stem
        if path in seen:
            continue
        seen.add(path)
        hidden.append(st.Page(_login_form, title=title, url_path=path, default=i == 0))
    st.navigation(hidden, position="hidden").run()
    st.stop()


def _stop_with(message: str):
    st.navigation([st.Page(lambda: st.error(message, icon=":material/lock:"), title="Không truy cập được",
                           url_path="khong_truy_cap", default=True)], position="hidden").run()
    st.stop()


def sidebar(user: User, tree: Callable[[], object]) -> None:
    """The signed-in user's block of the sidebar. `tree` is ui.data.tree (the current user's organization tree, None
    without a warehouse), passed in by app.py as gate() is given data.is_demo: ui.data imports this module."""
    with st.sidebar:
        if user.role is None:
            st.warning("**Chế độ dùng thử, không đăng nhập**: mọi trang đều mở, không phân quyền. Trước khi dùng số "
                       "liệu thật, quản trị hệ thống cần tạo tài khoản (xem README).", icon=":material/lock_open:")
            return
        unit = ""
        if user.unit:
            t = tree()
            unit = f" · {fmt.plain(t.name.get(user.unit, user.unit) if t else user.unit)}"
        st.caption(f"Đăng nhập: **{fmt.plain(user.name)}** · {user.role.name}{unit}")
        if mode() == "tai_khoan" and st.button("Đăng xuất", key="dang_xuat", icon=":material/logout:"):
            log("dang_xuat", user=user)
            st.session_state.pop(_AUTH, None)
            st.session_state.pop(_SEEN, None)
            st.rerun()


def guard_page(file: str | None) -> None:
    """A page opened without the right (an old link, an edited URL) refuses itself. Called by controls.current()."""
    if not file:
        return
    try:
        rel = Path(file).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return
    if not rel.startswith("pages/"):
        return
    user = current_user()
    if user is not None and page_allowed(user.role_code, rel, _SECTIONS.get(rel)):
        return
    refused(rel)
    st.error("Tài khoản của bạn không được mở trang này.", icon=":material/lock:")
    st.stop()


def require(capability: str) -> User:
    """A page that needs a capability (import_data, audit …) calls this first."""
    user = current_user()
    if user is None or not user.can(capability):
        refused(capability)
        st.error("Tài khoản của bạn không được dùng chức năng này.", icon=":material/lock:")
        st.stop()
    return user
