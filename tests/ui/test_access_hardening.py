"""Sign-in hardening (security review, issue 25).

- A trusted proxy proves itself with a shared secret: a process on the same machine that talks to 127.0.0.1 directly
  and claims `X-Remote-User: quantri` is not signed in; no secret configured means nobody is signed in through the
  header (fail closed); a request carrying the identity or the secret header twice is refused. Every refusal is in the
  audit log.
- Attempts on a name locked after too many wrong passwords are in the audit log too.

The request headers are given to the app below Streamlit's `st.context.headers` (the session's client context, the
list of (name, value) pairs of the WebSocket handshake, a repeated header once per copy), so the app reads them the way
it does behind a real proxy; tests/ui/test_access_proxy_server.py sends the same requests to a real server.
"""
from __future__ import annotations

import os
import time
import types

import pytest
from streamlit.runtime import context as st_context
from streamlit.testing.v1 import AppTest

from operations import accounts, audit
from tests.conftest import ROOT

PASSWORD = "mat-khau-dai-du-10"
SECRET = "3f9c1d7e0b5a48c2a6e1f0d9b8c7a6e5d4c3b2a1"
HEADER = "X-Remote-User"
SECRET_HEADER = "X-Kiemdiem-Proxy-Secret"


@pytest.fixture(scope="module")
def accounts_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("tai_khoan_an_toan") / "accounts.toml"
    accounts.add("ubkt", "uy_ban_kiem_tra", password=PASSWORD, name="UBKT", path=path)
    accounts.add("quantri", "quan_tri", password=PASSWORD, name="QUANTRI", path=path)
    return path


@pytest.fixture
def env(monkeypatch, accounts_file, sc_db, tmp_path):
    monkeypatch.setenv("KIEMDIEM_DB", str(sc_db))
    monkeypatch.setenv("KIEMDIEM_ACCOUNTS", str(accounts_file))
    monkeypatch.setenv("KIEMDIEM_AUDIT", str(tmp_path / "audit.jsonl"))
    for name in ("KIEMDIEM_TRUSTED_USER_HEADER", "KIEMDIEM_TRUSTED_PROXY_SECRET", "KIEMDIEM_TRUSTED_PROXY_SECRET_FILE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "audit.jsonl"


@pytest.fixture
def request_headers(monkeypatch):
    """Set the headers of the request every session of the test is opened with (pairs; a name may repeat)."""
    sent: list[tuple[str, str]] = []
    client = types.SimpleNamespace(headers=sent, cookies={}, remote_ip="127.0.0.1")
    monkeypatch.setattr(st_context, "_get_client_context", lambda: client)

    def send(*pairs: tuple[str, str]) -> None:
        sent[:] = [("Host", "127.0.0.1:8501"), ("X-Forwarded-For", "10.0.0.5"), *pairs]
    return send


def run_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def signed_in_as(at: AppTest) -> str | None:
    """The name in the sidebar's "Đăng nhập: …" line, None when the app shows no signed-in user."""
    for c in at.sidebar.caption:
        if c.value.startswith("Đăng nhập: "):
            return c.value.split("**")[1]
    return None


def refused(at: AppTest) -> bool:
    return signed_in_as(at) is None and not at.selectbox and not at.dataframe and bool(at.error)


def events(log, action=None):
    return [e for e in audit.read(log) if action is None or e["action"] == action] if log.exists() else []


# ───────────── item 5: the trusted proxy must prove itself ─────────────

def test_proxy_header_without_a_configured_secret_signs_nobody_in(env, monkeypatch, request_headers):
    monkeypatch.setenv("KIEMDIEM_TRUSTED_USER_HEADER", HEADER)
    request_headers((HEADER, "quantri"))
    at = run_app()
    assert refused(at)
    assert any("KIEMDIEM_TRUSTED_PROXY_SECRET" in e.value for e in at.error)      # tells the admin what to set
    assert not events(env, "dang_nhap")
    assert [e["detail"] for e in events(env, "tu_choi")] and all(e["user"] == "?" for e in events(env, "tu_choi"))


@pytest.mark.parametrize("sent", [[], [(SECRET_HEADER, "")], [(SECRET_HEADER, "doan-bua")],
                                  [(SECRET_HEADER, SECRET[:-1])], [(SECRET_HEADER, SECRET + "x")]],
                         ids=["khong_co", "rong", "sai", "thieu_1_ky_tu", "thua_1_ky_tu"])
def test_a_request_without_the_proxy_secret_is_not_signed_in(env, monkeypatch, request_headers, sent):
    """What any local process can do: talk to 127.0.0.1:8501 directly and claim to be the administrator."""
    monkeypatch.setenv("KIEMDIEM_TRUSTED_USER_HEADER", HEADER)
    monkeypatch.setenv("KIEMDIEM_TRUSTED_PROXY_SECRET", SECRET)
    request_headers((HEADER, "quantri"), *sent)
    at = run_app()
    assert refused(at)
    assert not events(env, "dang_nhap")
    (refusal,) = events(env, "tu_choi")
    assert refusal["user"] == "?" and "quantri" in refusal["detail"] and "bí mật" in refusal["detail"]
    assert SECRET not in env.read_text(encoding="utf-8")                          # the secret is never logged


def test_the_proxy_with_the_right_secret_signs_the_user_in(env, monkeypatch, request_headers):
    monkeypatch.setenv("KIEMDIEM_TRUSTED_USER_HEADER", HEADER)
    monkeypatch.setenv("KIEMDIEM_TRUSTED_PROXY_SECRET", SECRET)
    request_headers((HEADER, "ubkt"), (SECRET_HEADER, SECRET))
    at = run_app()
    assert signed_in_as(at) == "UBKT" and at.selectbox
    assert [(e["user"], e["detail"]) for e in events(env, "dang_nhap")] == [("ubkt", "qua proxy")]
    request_headers((HEADER, "ubkt"))                                              # the same user, straight in
    at = run_app()
    assert refused(at)


@pytest.mark.parametrize("sent", [
    [(HEADER, "ubkt"), (HEADER, "quantri"), (SECRET_HEADER, SECRET)],
    [(HEADER, "quantri"), (HEADER, "ubkt"), (SECRET_HEADER, SECRET)],
    [(HEADER, "ubkt"), ("x-remote-user", "ubkt"), (SECRET_HEADER, SECRET)],   # names are case-insensitive
    [(HEADER, "ubkt"), (SECRET_HEADER, SECRET), (SECRET_HEADER, SECRET)],
    [(HEADER, "ubkt"), (SECRET_HEADER, "doan-bua"), (SECRET_HEADER, SECRET)],
], ids=["ten_lap_lai", "ten_lap_lai_nguoc", "ten_lap_lai_chu_thuong", "bi_mat_lap_lai", "bi_mat_sai_roi_dung"])
def test_a_repeated_identity_or_secret_header_is_refused(env, monkeypatch, request_headers, sent):
    """A proxy that appends instead of replacing, or a request smuggled past it: which copy wins is not a guess the
    app makes — the request is refused."""
    monkeypatch.setenv("KIEMDIEM_TRUSTED_USER_HEADER", HEADER)
    monkeypatch.setenv("KIEMDIEM_TRUSTED_PROXY_SECRET", SECRET)
    request_headers(*sent)
    at = run_app()
    assert refused(at)
    assert not events(env, "dang_nhap")
    (refusal,) = events(env, "tu_choi")
    assert "lặp lại" in refusal["detail"] or "bí mật" in refusal["detail"]


def test_the_secret_from_a_file_readable_only_by_the_service(env, monkeypatch, request_headers, tmp_path):
    monkeypatch.setenv("KIEMDIEM_TRUSTED_USER_HEADER", HEADER)
    secret_file = tmp_path / "proxy_secret"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    monkeypatch.setenv("KIEMDIEM_TRUSTED_PROXY_SECRET_FILE", str(secret_file))
    request_headers((HEADER, "ubkt"), (SECRET_HEADER, SECRET))
    os.chmod(secret_file, 0o644)                                  # readable by every local user: not a secret
    at = run_app()
    assert refused(at) and any("0600" in e.value for e in at.error)
    os.chmod(secret_file, 0o600)
    at = run_app()
    assert signed_in_as(at) == "UBKT"
    secret_file.write_text("ngan\n", encoding="utf-8")              # too short to be a secret
    at = run_app()
    assert refused(at) and any("ít nhất" in e.value for e in at.error)
    monkeypatch.setenv("KIEMDIEM_TRUSTED_PROXY_SECRET_FILE", str(tmp_path / "khong_co"))
    at = run_app()
    assert refused(at)
    assert not [e for e in events(env) if SECRET in str(e)]


# ───────────── item 9d: attempts on a locked name are logged ─────────────

def test_attempts_on_a_locked_name_are_logged(env, monkeypatch):
    from ui import access
    monkeypatch.setattr(access, "_failures", {})
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()

    def attempt(password):
        at.text_input(key="login_user").input("ubkt")
        at.text_input(key="login_password").input(password)
        at.button[0].click().run()
        assert not at.exception
    for _ in range(access.MAX_FAILURES):
        attempt("sai-mat-khau-roi")
    assert len(events(env, "dang_nhap_sai")) == access.MAX_FAILURES
    attempt("sai-mat-khau-nua")
    attempt(PASSWORD)                                                # the right password, but the name is locked
    assert any("quá nhiều lần" in e.value for e in at.error) and signed_in_as(at) is None
    wrong = events(env, "dang_nhap_sai")
    locked = wrong[access.MAX_FAILURES:]
    assert [(e["user"], e["what"]) for e in locked] == [("ubkt", "ubkt")] * 2
    assert all("đang bị khóa" in e["detail"] for e in locked)
    assert "khóa" in (wrong[access.MAX_FAILURES - 1]["detail"] or "")          # the failure that locked the name
    assert not events(env, "dang_nhap")
