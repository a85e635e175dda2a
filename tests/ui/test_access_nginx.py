"""The README's nginx set-up, run for real in front of the app (skipped where nginx or chromium is not installed:
`apt-get install nginx-light chromium`).

What it proves: behind this nginx the user is the one nginx authenticated, whatever the browser sends (its own
X-Remote-User and X-Kiemdiem-Proxy-Secret, even twice, are dropped); a request straight to the app's port, without the
proxy's secret, is refused; /_stcore/metrics is blocked in every spelling; the security headers are sent and the
Content-Security-Policy lets Streamlit work (a chromium page draws the dashboard with no violation except the favicon
Streamlit tries to fetch from fonts.gstatic.com, which the policy is right to block).

NGINX_SITE below is the README's `server { … }` block with the ports and paths of the test put in.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import streamlit

from operations import accounts, audit
from tools import serve

SECRET = "9b1e6f0c2d4a48e7b3c5d7f9a1b3c5d7e9f1a3b5"
CSP = ("default-src 'self'; script-src 'self' 'sha256-THxz9J9+wf7rhwR2YkXJoSZ13UCmYyC+3lNDv2+8ugA='; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "worker-src 'self' blob:; frame-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
       "object-src 'none'")
NGINX_SITE = """
map $http_upgrade $connection_upgrade { default upgrade; "" close; }
server {
    listen @LISTEN@;
    server_tokens off;
    auth_basic "Kiem diem";                        # or auth_request / the agency's SSO, which sets $remote_user
    auth_basic_user_file @HTPASSWD@;

    add_header X-Frame-Options "DENY" always;
    add_header Content-Security-Policy "@CSP@" always;
    add_header X-Content-Type-Options "nosniff" always;
    add_header Referrer-Policy "no-referrer" always;

    location ^~ /_stcore/metrics { return 404; }
    location ^~ /_stcore/agent   { return 404; }

    location / {
        proxy_pass http://127.0.0.1:@APP_PORT@;
        proxy_http_version 1.1;
        proxy_set_header X-Remote-User $remote_user;
        include @SECRET_CONF@;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_read_timeout 1d;
    }
}
"""
USER, PASSWORD = "ubkt", "mk-nginx-ubkt-2025"


@pytest.fixture(scope="module")
def proxied(sc_db, tmp_path_factory):
    if not shutil.which("nginx"):
        pytest.skip("cần nginx (apt-get install nginx-light)")
    folder = tmp_path_factory.mktemp("nginx")
    book = folder / "accounts.toml"
    accounts.add(USER, "uy_ban_kiem_tra", password=None, name="Ủy viên UBKT", path=book)
    accounts.add("quantri", "quan_tri", password=None, name="QUANTRI", path=book)
    secret_file = folder / "proxy_secret"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    os.chmod(secret_file, 0o600)
    secret_conf = folder / "kiemdiem-secret.conf"
    secret_conf.write_text(f'proxy_set_header X-Kiemdiem-Proxy-Secret "{SECRET}";\n', encoding="utf-8")
    os.chmod(secret_conf, 0o600)
    hashed = subprocess.run(["openssl", "passwd", "-apr1", PASSWORD], capture_output=True, text=True, check=True)
    (folder / "htpasswd").write_text(f"{USER}:{hashed.stdout.strip()}\n", encoding="utf-8")
    log = folder / "audit.jsonl"
    env = {"KIEMDIEM_ACCOUNTS": str(book), "KIEMDIEM_AUDIT": str(log), "KIEMDIEM_TRUSTED_USER_HEADER": "X-Remote-User",
           "KIEMDIEM_TRUSTED_PROXY_SECRET_FILE": str(secret_file), "KIEMDIEM_TRUSTED_PROXY_SECRET": ""}
    with serve.serve(sc_db, env) as app_url:
        port = serve.free_port()
        site = (NGINX_SITE.replace("@LISTEN@", f"127.0.0.1:{port}").replace("@HTPASSWD@", str(folder / "htpasswd"))
                .replace("@CSP@", CSP).replace("@APP_PORT@", app_url.rsplit(":", 1)[1])
                .replace("@SECRET_CONF@", str(secret_conf)))
        temp = " ".join(f"{k}_temp_path {folder}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (folder / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "") +      # the workers must read the test's private folder
            f"worker_processes 1; daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;\n"
            f"events {{}}\nhttp {{\n access_log {folder}/access.log; {temp}\n{site}\n}}\n", encoding="utf-8")
        proc = subprocess.Popen(["nginx", "-c", str(folder / "nginx.conf"), "-p", str(folder)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(url, timeout=2)
                except urllib.error.HTTPError:          # 401: nginx answers
                    break
                except OSError:
                    assert proc.poll() is None, proc.stderr.read().decode()
                    time.sleep(0.1)
            yield url, app_url, log
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _get(url: str, auth: bool = True) -> tuple[int, dict]:
    creds = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    req = urllib.request.Request(url, headers={"Authorization": f"Basic {creds}"} if auth else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def _session(url: str, headers: list[tuple[str, str]]) -> bytes:
    from tests.ui.test_access_proxy_server import open_session
    return open_session(url, headers)


def test_behind_nginx_the_user_is_the_one_nginx_authenticated(proxied):
    url, app_url, log = proxied
    creds = ("Authorization", "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())
    forged = [("X-Remote-User", "quantri"), ("X-Remote-User", "quantri"), ("X-Kiemdiem-Proxy-Secret", "doan"),
              ("X-Kiemdiem-Proxy-Secret", SECRET)]
    for sent in ([creds], [creds, *forged]):
        before = len(audit.read(log)) if log.exists() else 0
        _session(url, sent)
        assert [(e["user"], e["action"]) for e in audit.read(log)[before:]] == [(USER, "dang_nhap")]
    before = len(audit.read(log))
    _session(app_url, [("X-Remote-User", "quantri")])                    # straight to the app's port
    assert [(e["user"], e["action"]) for e in audit.read(log)[before:]] == [("?", "tu_choi")]
    assert SECRET not in log.read_text(encoding="utf-8")


def test_nginx_blocks_the_metrics_and_sends_the_security_headers(proxied):
    url, app_url, _ = proxied
    assert _get(f"{app_url}/_stcore/metrics", auth=False)[0] == 200      # why the proxy has to block it
    for path in ("/_stcore/metrics", "/_stcore/metrics?families=active_sessions", "/_stcore/metrics/",
                 "/_stcore/%6detrics", "//_stcore/metrics", "/_stcore/agent/openapi.json"):
        assert _get(url + path)[0] == 404, path
    assert _get(url + "/_stcore/metrics", auth=False)[0] == 404                   # before nginx even asks who it is
    status, headers = _get(url + "/")
    assert status == 200
    assert headers["X-Frame-Options"] == "DENY" and headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"


def test_the_policys_script_hash_is_streamlits_inline_script():
    """The one inline script of Streamlit's index.html is allowed by its hash: a Streamlit upgrade that changes it
    shows here (then put the new hash in the README's Content-Security-Policy)."""
    html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    inline = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    hashes = {"sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() for s in inline}
    assert hashes == set(re.findall(r"'(sha256-[^']+)'", CSP))


def test_streamlit_works_under_the_content_security_policy(proxied):
    if serve.chromium() is None:
        pytest.skip("cần chromium")
    from playwright.sync_api import sync_playwright
    url, _, _ = proxied
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=serve.chromium(), args=serve.CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                          http_credentials={"username": USER, "password": PASSWORD})
            page = context.new_page()
            console = []
            page.on("console", lambda m: console.append(m.text))
            for path in ("/", "/anomalies"):
                page.goto(url + path)
                serve.settled(page)
                assert page.locator("[data-testid='stPlotlyChart'] .main-svg").count() or path != "/"
                assert page.locator("[data-testid='stDataFrame']").count()
            assert "Ủy viên UBKT" in page.locator("[data-testid='stSidebar']").inner_text()
            violations = [m for m in console if "Content Security Policy" in m and "fonts.gstatic.com" not in m]
            assert violations == []
        finally:
            browser.close()
