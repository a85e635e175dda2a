"""Roles and local accounts.

Roles are data (data/reference/roles.csv): what each may read — individual-level rows, members' names — whether it
loads data or reads the audit log, and whether an account of that role is tied to a unit (scope: khong = never,
tuy_chon = may be, bat_buoc = must). Which pages each role sees is data too (data/reference/role_pages.csv, read by
ui/access.py).

Accounts live in a TOML file outside git: $KIEMDIEM_ACCOUNTS, default data/accounts.toml (ignored by git), written
only by the command line (`python -m etl account …`), never by the app. Passwords are stored as salted scrypt hashes
(`scrypt$n$r$p$salt$hash`, base64); the file is written atomically with mode 0600. A password is set only if it
passes check_password_strength (add, passwd). With a trusted reverse proxy
(ui/access.py) the same file gives each proxy user a role and a unit, and the password may be left out.

    [users.nguyenvana]
    name = "Nguyễn Văn A"
    role = "uy_ban_kiem_tra"
    unit = ""                     # unit code for a scoped account
    password = "scrypt$16384$8$1$…$…"
    disabled = false
"""
from __future__ import annotations

import base64
import csv
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLES_FILE = ROOT / "data" / "reference" / "roles.csv"
DEFAULT_ACCOUNTS = ROOT / "data" / "accounts.toml"
USER_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 12          # characters, and below PASSPHRASE three kinds of character (check_password_strength)
PASSPHRASE = 16
# Words (accents and everything but letters removed) that are the first guesses: "Password2024!", "Mật khẩu@1".
COMMON_WORDS = frozenset("""
    password passw passwd pass matkhau matma mk baomat bimat secret admin administrator quantri root user test demo
    default changeme welcome letmein iloveyou anhyeuem emyeuanh yeuem qwerty qwertyuiop qwertyui asdf asdfgh asdfghjkl
    zxcvbn zxcvbnm abc abcd abcde abcxyz xinchao vietnam hanoi saigon hochiminh dangvien dangbo chibo kiemdiem
    xeploai danhgia huyenuy tinhuy
""".split())
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1


class AccountError(Exception):
    """A Vietnamese message about a bad account operation."""


@dataclass(frozen=True)
class Role:
    code: str
    name: str
    individual: bool      # member-level rows (pseudonymous keys)
    names: bool           # members' names
    import_data: bool     # the import page: check, load, undo
    audit: bool           # the audit log
    scope: str            # khong | tuy_chon | bat_buoc
    description: str


@dataclass(frozen=True)
class Account:
    user: str
    name: str
    role: str
    unit: str | None = None
    password: str | None = None
    disabled: bool = False


# ───────────── roles ─────────────

@functools.lru_cache(maxsize=4)
def _roles(path: str, mtime: int) -> dict[str, Role]:
    with open(path, encoding="utf-8") as fh:
        return {r["role"]: Role(r["role"], r["name"], r["individual"] == "true", r["names"] == "true",
                                r["import_data"] == "true", r["audit"] == "true", r["scope"], r["description"])
                for r in csv.DictReader(fh)}


def roles() -> dict[str, Role]:
    return _roles(str(ROLES_FILE), ROLES_FILE.stat().st_mtime_ns)


# ───────────── passwords ─────────────

def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time check; a missing or malformed hash never matches (but costs the same time)."""
    try:
        algo, n, r, p, salt, digest = (stored or "").split("$")
        if algo != "scrypt":
            raise ValueError
        n, r, p = int(n), int(r), int(p)
        salt_b, digest_b = base64.b64decode(salt), base64.b64decode(digest)
    except ValueError:
        n, r, p, salt_b, digest_b = SCRYPT_N, SCRYPT_R, SCRYPT_P, b"\0" * 16, b""
    got = hashlib.scrypt(password.encode("utf-8"), salt=salt_b, n=n, r=r, p=p, dklen=32, maxmem=2 ** 26)
    return bool(digest_b) and hmac.compare_digest(got, digest_b)


POLICY = (f"ít nhất {MIN_PASSWORD} ký tự; dưới {PASSPHRASE} ký tự thì có ít nhất ba trong bốn loại: chữ thường, chữ "
          f"hoa, chữ số, ký hiệu (kể cả dấu cách) — hoặc dùng một câu dễ nhớ từ {PASSPHRASE} ký tự trở lên, ví dụ "
          "\"Hoa sen nở 7 giờ sáng\"")


def _letters(s: str) -> str:
    """Lower-case ASCII letters only, accents dropped and đ as d: "Mật khẩu@2024" → "matkhau"."""
    s = unicodedata.normalize("NFKD", s.lower().replace("đ", "d"))
    return re.sub(r"[^a-z]", "", s)


def check_password_strength(password: str, user: str) -> None:
    """Refuse a guessable password (AccountError, Vietnamese, saying why and what is accepted).

    At least 12 characters; below 16, three of four kinds (lower case, upper case, digit, other — a space counts);
    from 16 on any kinds (a passphrase is long rather than mixed). Whatever the length, not: the user name; one
    character or one block repeated ("aaaa…", "abab…", "matkhaumatkhau…"), or fewer than 5 different characters;
    mostly consecutive or repeated neighbours ("123456…", "abcdef…", "987…"); a common word dressed with digits and
    symbols ("Password2024!", "Mật khẩu@1"). The checks cost microseconds and need no word list download."""
    pw = password or ""
    if len(pw) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự. Yêu cầu: {POLICY}")
    low = pw.lower()
    if user and user.lower() in low:
        raise AccountError(f"Mật khẩu không được chứa tên đăng nhập. Yêu cầu: {POLICY}")
    letters = _letters(pw)
    if len(set(low)) < 5 or any(re.fullmatch(r"(.+?)\1+", s) for s in (low, letters) if s):
        raise AccountError("Mật khẩu chỉ lặp lại một ký tự hay một đoạn — quá dễ đoán. Yêu cầu: " + POLICY)
    steps = [ord(b) - ord(a) for a, b in zip(low, low[1:])]
    if sum(abs(d) <= 1 for d in steps) * 2 > len(steps):
        raise AccountError("Mật khẩu phần lớn là ký tự liên tiếp hoặc lặp liền nhau (như 123456, abcdef, aaaa) — quá "
                           "dễ đoán. Yêu cầu: " + POLICY)
    if letters in COMMON_WORDS:
        raise AccountError(f"Mật khẩu dựa trên một từ quá phổ biến (\"{letters}\") — thêm chữ số hay ký hiệu không làm "
                           "nó khó đoán hơn. Yêu cầu: " + POLICY)
    kinds = sum((any(c.islower() for c in pw), any(c.isupper() for c in pw), any(c.isdigit() for c in pw),
                 any(not c.isalnum() for c in pw)))
    if len(pw) < PASSPHRASE and kinds < 3:
        raise AccountError(f"Mật khẩu dưới {PASSPHRASE} ký tự phải có ít nhất ba trong bốn loại: chữ thường, chữ hoa, "
                           f"chữ số, ký hiệu (hiện có {kinds}); hoặc dùng một câu dài từ {PASSPHRASE} ký tự trở lên.")


# ───────────── the accounts file ─────────────

def accounts_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("KIEMDIEM_ACCOUNTS") or DEFAULT_ACCOUNTS).resolve()


@functools.lru_cache(maxsize=4)
def _load(path: str, stamp: tuple) -> dict[str, Account]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    out = {}
    for user, d in (data.get("users") or {}).items():
        out[user] = Account(user=user, name=str(d.get("name") or user), role=str(d.get("role") or ""),
                            unit=str(d.get("unit")) if d.get("unit") else None,
                            password=d.get("password") or None, disabled=bool(d.get("disabled", False)))
    return out


def load(path: str | os.PathLike | None = None) -> dict[str, Account]:
    """Every account of the file ({} when there is no file). Re-read when the file changes."""
    p = accounts_path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        return {}
    try:
        return _load(str(p), (st.st_mtime_ns, st.st_size, st.st_ino))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AccountError(f"Tệp tài khoản {p} không đúng định dạng TOML: {exc}") from exc


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)      # a JSON string is a valid TOML basic string


def save(accounts: dict[str, Account], path: str | os.PathLike | None = None) -> Path:
    p = accounts_path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Tài khoản của ứng dụng xếp loại chất lượng — chỉ sửa bằng: python -m etl account …",
             "# Mật khẩu lưu dạng băm scrypt có muối. Không đưa tệp này vào git.", ""]
    for a in sorted(accounts.values(), key=lambda a: a.user):
        lines += [f"[users.{_toml_str(a.user)}]", f"name = {_toml_str(a.name)}", f"role = {_toml_str(a.role)}",
                  f"unit = {_toml_str(a.unit or '')}"]
        if a.password:
            lines.append(f"password = {_toml_str(a.password)}")
        lines += [f"disabled = {'true' if a.disabled else 'false'}", ""]
    tmp = p.with_name(f".{p.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, p)
    return p


def validate(account: Account) -> None:
    if not USER_RE.match(account.user):
        raise AccountError("Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới "
                           "(2–32 ký tự), ví dụ: nguyenvana")
    role = roles().get(account.role)
    if role is None:
        raise AccountError(f"Không có vai trò '{account.role}'. Các vai trò: {', '.join(roles())}")
    if role.scope == "bat_buoc" and not account.unit:
        raise AccountError(f"Vai trò {role.name} cần mã đơn vị (--unit)")
    if role.scope == "khong" and account.unit:
        raise AccountError(f"Vai trò {role.name} làm việc trên cả kho dữ liệu, không gắn với một đơn vị")


def add(user: str, role: str, *, password: str | None, name: str | None = None, unit: str | None = None,
        path: str | os.PathLike | None = None, replace: bool = False) -> Account:
    accounts = dict(load(path))
    if user in accounts and not replace:
        raise AccountError(f"Đã có tài khoản '{user}' (đổi mật khẩu: python -m etl account passwd {user})")
    if password is not None:
        check_password_strength(password, user)
    acc = Account(user=user, name=name or user, role=role, unit=unit or None,
                  password=hash_password(password) if password else None)
    validate(acc)
    accounts[user] = acc
    save(accounts, path)
    return acc


def update(user: str, path: str | os.PathLike | None = None, **changes) -> Account:
    accounts = dict(load(path))
    if user not in accounts:
        raise AccountError(f"Không có tài khoản '{user}'")
    old = accounts[user]
    if "password" in changes and changes["password"] is not None:
        check_password_strength(changes["password"], user)
        changes["password"] = hash_password(changes["password"])
    acc = Account(**{**old.__dict__, **changes})
    validate(acc)
    accounts[user] = acc
    save(accounts, path)
    return acc


def remove(user: str, path: str | os.PathLike | None = None) -> None:
    accounts = dict(load(path))
    if user not in accounts:
        raise AccountError(f"Không có tài khoản '{user}'")
    del accounts[user]
    save(accounts, path)


_DUMMY = None


def authenticate(user: str, password: str, path: str | os.PathLike | None = None) -> Account | None:
    """The account when the password matches and the account is active; None otherwise (same cost either way)."""
    global _DUMMY
    acc = load(path).get((user or "").strip().lower())
    if acc is None or not acc.password:
        _DUMMY = _DUMMY or hash_password(secrets.token_hex(8))
        verify_password(password or "", _DUMMY)
        return None
    ok = verify_password(password or "", acc.password)
    return acc if ok and not acc.disabled else None
