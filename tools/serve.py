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
    with served(db, env, timeout) as (url, _proc):
        yield url


@contextlib.contextmanager
def served(db: str | os.PathLike, env: dict[str, str] | None = None, timeout: float = 60,
           log: Path | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """serve(), yielding the server process too: the benchmark reads its CPU time and memory from /proc/<pid>.
    `log`: a file for the server's output — a long run must not fill a pipe nobody reads (the server would block)."""
    port = free_port()
    out = open(log, "wb") if log else subprocess.PIPE
    environ = {**os.environ, "KIEMDIEM_DB": str(db), **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT)
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
                said = Path(log).read_bytes() if log else proc.stdout.read()
                raise ServerFailed("streamlit did not start: " + said.decode(errors="replace")[-2000:])
            time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


# Streamlit's own script state on the app root (the attribute its end-to-end tests use), plus every chart drawn: the
# running widget appears only after a delay, so its absence alone can be seen before a run has visibly started.
IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && app.getAttribute('data-test-connection-state') === 'CONNECTED'
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.querySelector('[data-testid="stSkeleton"]')
        && !document.querySelector('[data-stale="true"]')
        && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'));
}"""


def idle(page, timeout: float = 60_000) -> None:
    """The script has finished its run and every chart is drawn. Right after a click the previous run still counts
    as finished: first wait for what the click changes (text, address), then for this."""
    page.wait_for_function(IDLE_JS, timeout=timeout)


def settled(page, timeout: float = 30_000) -> None:
    """A page just opened has drawn its title, finished its run and drawn its charts."""
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout)
    idle(page, timeout)
