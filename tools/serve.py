"""Serve the real app on 127.0.0.1 for a browser: a free port, a chosen warehouse, stopped cleanly afterwards.

Used by the browser tests (tests/browser) and by `make screenshots` (tools/screenshots.py), so both see the app
exactly as `make run` serves it.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerFailed(RuntimeError):
    pass


@contextlib.contextmanager
def serve(db: str | os.PathLike, env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[str]:
    """Run `streamlit run app.py` on the warehouse `db`; yield its base URL once it answers its health check."""
    port = free_port()
    environ = {**os.environ, "KIEMDIEM_DB": str(db), **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise ServerFailed("streamlit did not start: "
                                   + proc.stdout.read().decode(errors="replace")[-2000:])
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


SETTLED_JS = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))"""


def settled(page, timeout: float = 30_000, quiet_ms: int = 900) -> None:
    """The script has finished and every chart on the page is drawn.

    Streamlit shows its "running" widget only after a short delay, so one look can catch the moment before a run has
    visibly started: the page must stay settled for `quiet_ms` (checked every 150 ms)."""
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout)
    deadline = time.monotonic() + timeout / 1000
    calm_since = None
    while True:
        page.wait_for_function(SETTLED_JS, timeout=max(1.0, (deadline - time.monotonic()) * 1000))
        now = time.monotonic()
        calm_since = calm_since or now
        if (now - calm_since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(150)
        if not page.evaluate(SETTLED_JS):
            calm_since = None
        if time.monotonic() > deadline:
            raise TimeoutError("the page did not settle")
