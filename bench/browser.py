"""The benchmark's browser phases (issue 22): what a person waits for, not what the SQL takes.

Browser phase: the app served as `make run` serves it (tools/serve.py), chromium through Playwright. For every page of
the navigation and a unit at each scope (a province, a district, a grassroots organization, the whole country when the
tree has a national root), three times in seconds:
    first   a fresh browser context opens URL/<page>?don_vi=<unit>; navigation → settled (tools.serve.settled);
    second  the same context goes to another page through the sidebar's link and comes back through the link; the
            coming back is timed (the page's results are cached by now);
    filter  one change of the sidebar's "Đối tượng"; the click → the address changes → idle.
Each is joined to the app's own record of its script runs ($KIEMDIEM_RUN_TIMINGS, ui/timing.py) by time window, so it
splits into: server script time, of which query time (cache lookups included) and the shell (marks.shell: style,
banner, sidebar, access — its own queries counted in both), the page's other Python (frames, charts, tables, widgets),
and the rest (transfer and the browser's drawing). Beside it: the websocket bytes the browser received and the
server process's CPU seconds (/proc/<pid>/stat: every thread of the one process).

Concurrency phase: N users at once (one chromium, a context each, Playwright's async API), each opening every page
with its own unit; per N a fresh server: median and p95 settle time, errors (timeouts, Streamlit exception boxes) and
the server's peak memory (VmHWM, and RSS sampled every 0.2 s).
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from tools import serve
from tools.screenshots import page_paths

LOAD_TIMEOUT_S = 120            # a page load that has not settled by then is an error, not a hang
VIEWPORT = {"width": 1400, "height": 1000}
SCOPES = ("ca_nuoc", "tinh", "huyen", "co_so")       # whole country, province, district, grassroots organization
SCOPE_NAMES = {"ca_nuoc": "cả nước", "tinh": "tỉnh", "huyen": "huyện", "co_so": "cơ sở"}
KINDS = ("first", "open", "second", "filter")
GRASSROOTS = ("dang_bo_co_so", "chi_bo_co_so")
NAV = "[data-testid='stSidebarNav'] a"
EXCEPTION = "[data-testid='stException']"
H1 = "[data-testid='stMain'] h1"
H1_JS = "() => { const h = document.querySelector(\"[data-testid='stMain'] h1\");" \
        " return h ? h.innerText.trim() : null; }"


def unavailable() -> str | None:
    """Why the browser phases cannot run here, or None."""
    if serve.chromium() is None:
        return "không có chromium (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "không có playwright (pip install -r requirements.txt)"
    return None


# ── what to open ─────────────────────────────────────────────────────────────────────────────────────────────────

def pages(names: list[str] | None = None) -> list[tuple[str, str]]:
    """(name, URL path) of the navigation's pages, or of those named (in the navigation's order)."""
    every = page_paths()
    if not names:
        return every
    unknown = set(names) - {n for n, _ in every}
    if unknown:
        raise ValueError(f"không có trang: {', '.join(sorted(unknown))} (có: {', '.join(n for n, _ in every)})")
    return [(n, p) for n, p in every if n in names]


def _tree(db: Path):
    from queries import runner, scope
    con = scope.connect(str(db))            # as ui/data.py opens it
    try:
        return runner.run(con, "units_tree", {})
    finally:
        con.close()


def units(db: Path) -> tuple[dict[str, dict], dict[str, str], list[str]]:
    """The unit at each scope, the scopes this tree lacks (with why), and a pool of distinct units for the users.

    The province is the app's default unit (ui/data.options: the largest top-level tree); the district its largest
    district; the grassroots organization the largest under that district (else under the province). The whole
    country needs a top-level unit with provinces under it."""
    t = _tree(db)
    big = t.sort_values("descendants", ascending=False, kind="stable")
    top = big[big["depth"] == 0]
    picked, missing = {}, {}

    def take(scope: str, rows) -> str | None:
        if rows.empty:
            return None
        r = rows.iloc[0]
        picked[scope] = {"code": r["unit_code"], "name": r["name"], "tree_level": r["tree_level"]}
        return r["unit_code"]

    provinces_under = set(t.loc[t["tree_level"] == "tinh_uy", "parent_code"].dropna())
    if not take("ca_nuoc", top[top["unit_code"].isin(provinces_under)]):
        missing["ca_nuoc"] = "cây đơn vị không có cấp toàn quốc (các tỉnh là đơn vị cao nhất)"
    province = take("tinh", top)
    district = take("huyen", big[(big["parent_code"] == province) & (big["tree_level"] == "huyen_uy")])
    if not district:
        missing["huyen"] = "tỉnh mặc định không có huyện trực thuộc"
    grass = big[big["tree_level"].isin(GRASSROOTS)]
    if not take("co_so", grass[grass["parent_code"] == district] if district else grass.iloc[0:0]):
        if not take("co_so", grass[grass["parent_code"] == province]):
            missing["co_so"] = "không có tổ chức cơ sở đảng"
    # the users' units: the scopes' first, then more districts and grassroots organizations, largest first
    pool = [u["code"] for u in picked.values()]
    more = big[(big["tree_level"] == "huyen_uy") | big["tree_level"].isin(GRASSROOTS)]["unit_code"]
    pool += [c for c in more if c not in pool]
    return {s: picked[s] for s in SCOPES if s in picked}, missing, pool


# ── what the server did ──────────────────────────────────────────────────────────────────────────────────────────

class Server:
    """The streamlit process, read from /proc: CPU seconds (all its threads), resident and peak memory."""
    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int):
        self.pid = pid

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.TICK         # utime + stime (fields 14 and 15)

    def _status_mb(self, key: str) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    def rss_mb(self) -> float:
        return self._status_mb("VmRSS")

    def peak_mb(self) -> float:
        return self._status_mb("VmHWM")


class RunLog:
    """The app's script-run records ($KIEMDIEM_RUN_TIMINGS, one JSON line per run), read as they are appended."""

    def __init__(self, path: Path):
        self.path, self.offset = path, 0

    def new(self) -> list[dict]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            data = fh.read()
        done = data.rfind(b"\n") + 1          # a line still being written is read next time
        self.offset += done
        return [json.loads(line) for line in data[:done].decode("utf-8").splitlines() if line.strip()]


def breakdown(runs: list[dict], t0: float, settle_s: float) -> dict:
    """Where one measured wait (from t0, wall clock) went, from the script runs that started inside it."""
    total = sum(r["total_s"] for r in runs)
    query = sum(r["query_s"] for r in runs)
    shell = sum(r.get("marks", {}).get("shell", 0.0) for r in runs)
    out = {"runs": len(runs), "server_s": round(total, 3),
           "server_thread_cpu_s": round(sum(r["cpu_s"] for r in runs), 3),
           "query_s": round(query, 3), "queries": sum(r["queries"] for r in runs), "shell_s": round(shell, 3),
           # the shell's own queries are in both query_s and shell_s: this is the page's Python at least
           "page_python_s": round(max(0.0, total - shell - query), 3),
           "rest_s": round(settle_s - total, 3)}
    if runs:
        # the rest, split: before the first run (loading the page's JavaScript, the websocket, the request reaching
        # the script thread) and after the last (the last messages' transfer and the browser's drawing)
        out["before_run_s"] = round(min(r["start"] for r in runs) - t0, 3)
        out["after_run_s"] = round(t0 + settle_s - max(r["start"] + r["total_s"] for r in runs), 3)
    return out


class Wire:
    """Bytes the browser received: on the app's websocket, and over HTTP (the app's JavaScript, fonts, images —
    a fresh context has an empty cache, so a first visit fetches them all; their size as the server declares it)."""

    def __init__(self, page):
        self.bytes = self.http_bytes = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.on("response", self._response)

    def _frame(self, payload) -> None:
        self.bytes += len(payload)

    def _response(self, response) -> None:
        self.http_bytes += int(response.headers.get("content-length") or 0)


# ── the browser phase (one user, Playwright's sync API) ─────────────────────────────────────────────────────────

def _env(folder: Path, timings: Path | None = None) -> dict[str, str]:
    """Open mode (no accounts: every page in the navigation) with the audit log and keys in the bench's own folder."""
    env = {"KIEMDIEM_ACCOUNTS": str(folder / "khong_co_tai_khoan.toml"), "KIEMDIEM_AUDIT": str(folder / "audit.jsonl"),
           "KIEMDIEM_AUDIT_KEY_DIR": str(folder / "khoa"), "KIEMDIEM_BACKUP_DIR": str(folder / "sao_luu")}
    if timings:
        env["KIEMDIEM_RUN_TIMINGS"] = str(timings)
    return env


def _path_js(path: str) -> str:
    return f"() => location.pathname.replace(/\\/+$/, '') === new URL('{'/' + path}', location.href).pathname" \
           ".replace(/\\/+$/, '')"


def _nav_click(page, path: str) -> None:
    """Follow the sidebar's link to a page (the home page's link is the site root)."""
    links = page.locator(NAV)
    hrefs = links.evaluate_all("as => as.map(a => new URL(a.href).pathname.replace(/\\/+$/, ''))")
    links.nth(hrefs.index(("/" + path).rstrip("/"))).click()


def _arrived(page, path: str, timeout_ms: float, title: str | None = None, left: str | None = None) -> None:
    """After a link's click: the address is the page's and its title is drawn — `title` when known, else any title
    but `left`'s, the page left, still on screen until the new run draws — then idle."""
    page.wait_for_function(_path_js(path), timeout=timeout_ms)
    page.wait_for_function("([t, left]) => { const h = document.querySelector(\"[data-testid='stMain'] h1\");"
                           " const s = h && h.innerText.trim(); return s && (t ? s === t : s !== left); }",
                           arg=[title, left], timeout=timeout_ms)
    serve.idle(page, timeout_ms)


def _subject_box(page):
    return page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="Đối tượng").first


class Measurer:
    """Times one user's actions and joins each to the server's records of the runs inside it."""

    def __init__(self, server: Server, log: RunLog, timeout_s: float):
        self.server, self.log, self.timeout_ms = server, log, timeout_s * 1000

    @contextmanager
    def measure(self, rec: dict, page, wire: Wire):
        self.log.new()                      # what came before belongs to no measurement
        cpu0, bytes0, http0, t0 = self.server.cpu_s(), wire.bytes, wire.http_bytes, time.time()
        try:
            yield
        except Exception as exc:            # a page that does not settle in time is a finding, not a crash
            rec["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        settle = time.time() - t0
        rec["settle_s"] = round(settle, 3)
        rec["server_cpu_s"] = round(self.server.cpu_s() - cpu0, 3)
        rec["ws_bytes"] = wire.bytes - bytes0
        rec["http_bytes"] = wire.http_bytes - http0
        rec["exceptions"] = page.locator(EXCEPTION).count()
        rec.update(breakdown([r for r in self.log.new() if t0 - 0.01 <= r["start"] <= t0 + settle], t0, settle))


def _one_page(context, url: str, name: str, path: str, unit: dict, scope: str, other: tuple[str, str],
              m: Measurer) -> list[dict]:
    """One page at one unit, in a browser that has opened the app before (its files cached, as for anyone who uses
    it): first visit — the app open on another page, the page reached through the sidebar's link, the first time this
    session shows it; open — a new tab on the page's address (a shared link); second visit — away and back through
    the links; one filter change."""
    base = {"page": name, "scope": scope, "unit": unit["code"]}
    recs = []
    page = context.new_page()
    try:
        wire = Wire(page)
        first = {**base, "kind": "first", "via": other[0]}
        recs.append(first)
        try:
            page.goto(f"{url}/{other[1]}?don_vi={unit['code']}", timeout=m.timeout_ms)
            serve.settled(page, m.timeout_ms)
            left = page.evaluate(H1_JS)
        except Exception as exc:  # noqa: BLE001 - the page we start from is not measured; say why we stopped
            first["error"] = f"trang {other[0]}: {type(exc).__name__}"
            return recs
        with m.measure(first, page, wire):
            _nav_click(page, path)
            _arrived(page, path, m.timeout_ms, left=left)
        if "error" in first:
            return recs
        title = page.evaluate(H1_JS)
        recs.append(_open(context, url, path, unit, m, base))
        second = {**base, "kind": "second", "via": other[0]}
        recs.append(second)
        try:
            _nav_click(page, other[1])
            _arrived(page, other[1], m.timeout_ms, left=title)
        except Exception as exc:  # noqa: BLE001 - the page we pass through is not measured; say why we stopped
            second["error"] = f"trang {other[0]}: {type(exc).__name__}"
            return recs
        with m.measure(second, page, wire):
            _nav_click(page, path)
            _arrived(page, path, m.timeout_ms, title=title)
        recs.append(_filter_change(page, wire, m, base))
    finally:
        page.close()
    return recs


def _open(context, url: str, path: str, unit: dict, m: Measurer, base: dict) -> dict:
    """A new tab on the page's address: Streamlit's own start (its scripts, the websocket, a new session) included."""
    rec = {**base, "kind": "open"}
    tab = context.new_page()
    try:
        wire = Wire(tab)
        with m.measure(rec, tab, wire):
            tab.goto(f"{url}/{path}?don_vi={unit['code']}", timeout=m.timeout_ms)
            serve.settled(tab, m.timeout_ms)
    finally:
        tab.close()
    return rec


def _filter_change(page, wire: Wire, m: Measurer, base: dict) -> dict:
    """Choose another "Đối tượng" in the sidebar; the click is timed until the address shows it and the run is done."""
    rec = {**base, "kind": "filter"}
    box = _subject_box(page)
    if not box.count():
        rec["skipped"] = "thanh bên không có ô Đối tượng"
        return rec
    shown = box.get_by_role("combobox").input_value()
    options = page.locator("[role='option']")
    try:
        # mid-screen, so the list has room to open; the arrow button opens it (a click into a focused box does not)
        box.evaluate("e => e.scrollIntoView({block: 'center'})")
        box.locator("button[aria-haspopup='listbox']").click(timeout=m.timeout_ms)
        options.first.wait_for(timeout=m.timeout_ms)
    except Exception as exc:  # noqa: BLE001 - counted as this measurement's error, the next page goes on
        rec["error"] = f"không mở được ô Đối tượng: {type(exc).__name__}"
        return rec
    texts = [t.strip() for t in options.all_inner_texts()]
    other = next((i for i, t in enumerate(texts) if t and t != shown), None)
    if other is None:
        page.keyboard.press("Escape")
        rec["skipped"] = "chỉ có một đối tượng"
        return rec
    rec["choice"] = texts[other]
    before = page.evaluate("() => location.search")
    with m.measure(rec, page, wire):
        options.nth(other).click()
        page.wait_for_function("(s) => location.search !== s", arg=before, timeout=m.timeout_ms)
        serve.idle(page, m.timeout_ms)
    return rec


def browser_phase(db: Path, names: list[str] | None = None, scopes: list[str] | None = None,
                  timeout_s: float = LOAD_TIMEOUT_S, log=print) -> dict:
    from playwright.sync_api import sync_playwright
    chosen = pages(names)
    picked, missing, _pool = units(db)
    if scopes:
        picked = {s: u for s, u in picked.items() if s in scopes}
    every = page_paths()
    out: dict = {"db": str(db), "pages": [n for n, _ in chosen], "units": picked, "scopes_missing": missing,
                 "timeout_s": timeout_s, "measurements": []}
    with tempfile.TemporaryDirectory(prefix="bench_browser_") as tmp:
        folder = Path(tmp)
        timings = folder / "runs.jsonl"
        with serve.served(db, env=_env(folder, timings), log=folder / "server.log") as (url, proc), \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path=serve.chromium(), args=serve.CHROMIUM_ARGS)
            m = Measurer(Server(proc.pid), RunLog(timings), timeout_s)
            context = browser.new_context(viewport=VIEWPORT)
            out["warmup_s"] = _warm_up(context, url, m)     # a cold browser: the app's files downloaded once
            for scope, unit in picked.items():
                log(f"  {SCOPE_NAMES[scope]}: {unit['name']} ({unit['code']})")
                for name, path in chosen:
                    other = next(pp for pp in every if pp[1] != path)      # the home page, or the next one
                    recs = _one_page(context, url, name, path, unit, scope, other, m)
                    out["measurements"] += recs
                    log(f"    {name}: " + ", ".join(map(_said, recs)))
            context.close()
            browser.close()
    out["pages_table"] = page_table(out["measurements"])
    out["errors"] = sum(bool(r.get("error") or r.get("exceptions")) for r in out["measurements"])
    return out


def _said(rec: dict) -> str:
    """One measurement in the progress log."""
    if "settle_s" not in rec:
        return f"{rec['kind']}: {rec.get('error') or rec.get('skipped')}"
    trouble = rec.get("error") or (f"{rec['exceptions']} lỗi Python trên trang" if rec["exceptions"] else "")
    return f"{rec['kind']} {rec['settle_s']:.2f} s" + (f" ({trouble})" if trouble else "")


def _warm_up(context, url: str, m: Measurer) -> float:
    """One untimed visit: the server's first run imports and connects once per process, and the browser downloads
    the app's scripts once (cached afterwards, as in any browser that has opened the app before)."""
    page = context.new_page()
    try:
        t0 = time.time()
        page.goto(url, timeout=m.timeout_ms)
        serve.settled(page, m.timeout_ms)
        return round(time.time() - t0, 2)
    finally:
        page.close()


# ── the concurrency phase (N users at once, Playwright's async API) ─────────────────────────────────────────────

async def _asettled(page, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    await page.wait_for_selector(H1, timeout=timeout_s * 1000)
    await page.wait_for_function(serve.IDLE_JS, timeout=max(1.0, deadline - time.monotonic()) * 1000)


async def _user(context, url: str, k: int, unit: str, chosen: list[tuple[str, str]], timeout_s: float) -> list[dict]:
    """One person, in a browser that has used the app before: opens it on the first page with their unit (a new tab,
    timed like every page), then goes through the other pages by the sidebar's links, each timed until settled."""
    out = []
    page = await context.new_page()
    try:
        for i, (name, path) in enumerate(chosen):
            rec = {"user": k, "unit": unit, "page": name, "how": "mở" if i == 0 else "liên kết"}
            t0 = time.monotonic()
            try:
                if i == 0:
                    await page.goto(f"{url}/{path}?don_vi={unit}", timeout=timeout_s * 1000)
                else:
                    left = await page.evaluate(H1_JS)
                    links = page.locator(NAV)
                    hrefs = await links.evaluate_all(
                        "as => as.map(a => new URL(a.href).pathname.replace(/\\/+$/, ''))")
                    await links.nth(hrefs.index(("/" + path).rstrip("/"))).click(timeout=timeout_s * 1000)
                    await page.wait_for_function(_path_js(path), timeout=timeout_s * 1000)
                    await page.wait_for_function(
                        "(left) => { const h = document.querySelector(\"[data-testid='stMain'] h1\");"
                        " const s = h && h.innerText.trim(); return s && s !== left; }", arg=left,
                        timeout=timeout_s * 1000)
                await _asettled(page, timeout_s - (time.monotonic() - t0))
            except Exception as exc:  # noqa: BLE001 - a timeout is counted, and the user goes on to the next page
                rec["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
                await page.goto(f"{url}/{path}?don_vi={unit}", timeout=timeout_s * 1000)   # back on track
            rec["settle_s"] = round(time.monotonic() - t0, 3)
            rec["exceptions"] = await page.locator(EXCEPTION).count()
            out.append(rec)
    finally:
        await page.close()
    return out


async def _sample(server: Server, peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], server.rss_mb())
        except OSError:
            return
        try:
            await asyncio.wait_for(stop.wait(), 0.2)
        except asyncio.TimeoutError:
            pass


async def _crowd(url: str, server: Server, n: int, pool: list[str], chosen, timeout_s: float,
                 runs: RunLog | None = None) -> dict:
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=serve.chromium(), args=serve.CHROMIUM_ARGS)
        try:
            contexts = [await browser.new_context(viewport=VIEWPORT) for _ in range(n)]
            # each person's browser has opened the app before (its scripts cached); the server has imported and
            # connected once — neither is what colleagues opening pages together wait for
            warm = [await _user(c, url, -1, pool[0], chosen[:1], timeout_s) for c in contexts][0]
            if runs is not None:
                runs.new()                  # the warm-up's runs are not the crowd's
            peak, stop = [0.0], asyncio.Event()
            sampler = asyncio.create_task(_sample(server, peak, stop))
            cpu0, t0 = server.cpu_s(), time.monotonic()
            users = await asyncio.gather(*(_user(contexts[k], url, k, pool[k % len(pool)], chosen, timeout_s)
                                           for k in range(n)))
            wall, cpu = time.monotonic() - t0, server.cpu_s() - cpu0
            stop.set()
            await sampler
            peak_mb = max(peak[0], server.peak_mb())
        finally:
            await browser.close()
    loads = [r for u in users for r in u]
    times = sorted(r["settle_s"] for r in loads)
    # The browsers share this machine's two cores with the server: their drawing is part of `times`. The server's own
    # answer — each script run's wall time while the others run — is what the colleagues' own computers would wait.
    served = sorted(r["total_s"] for r in (runs.new() if runs is not None else []))
    return {"users": n, "units": sorted({r["unit"] for r in loads}), "loads": len(loads),
            "median_s": round(statistics.median(times), 2), "p95_s": round(_p95(times), 2),
            "max_s": round(times[-1], 2),
            "errors": sum(bool(r.get("error") or r["exceptions"]) for r in loads),
            "timeouts": sum("Timeout" in r.get("error", "") for r in loads),
            "exceptions": sum(r["exceptions"] for r in loads), "peak_rss_mb": round(peak_mb, 1),
            "server_cpu_s": round(cpu, 2), "server_cpu_s_per_load": round(cpu / len(loads), 3),
            "wall_s": round(wall, 1), "warmup_s": warm[0]["settle_s"], "per_load": loads,
            "server_runs": len(served), "server_run_median_s": round(statistics.median(served), 2) if served else None,
            "server_run_p95_s": round(_p95(served), 2) if served else None}


def concurrency_phase(db: Path, users: list[int], names: list[str] | None = None,
                      timeout_s: float = LOAD_TIMEOUT_S, log=print) -> dict:
    chosen = pages(names)
    _picked, _missing, pool = units(db)
    out = {"db": str(db), "pages": [n for n, _ in chosen], "timeout_s": timeout_s, "by_users": {}}
    for n in users:
        with tempfile.TemporaryDirectory(prefix="bench_users_") as tmp:
            folder = Path(tmp)
            # a fresh server for each N: its peak memory is this crowd's
            timings = folder / "runs.jsonl"
            with serve.served(db, env=_env(folder, timings), log=folder / "server.log") as (url, proc):
                r = asyncio.run(_crowd(url, Server(proc.pid), n, pool, chosen, timeout_s, RunLog(timings)))
        out["by_users"][str(n)] = r
        log(f"  {n} người: {r['loads']} lượt mở trang, trung vị {r['median_s']:.1f} s, p95 {r['p95_s']:.1f} s, "
            f"lâu nhất {r['max_s']:.1f} s, {r['errors']} lỗi ({r['timeouts']} quá hạn); máy chủ trả lời trung vị "
            f"{_s(r['server_run_median_s'])} s, p95 {_s(r['server_run_p95_s'])} s; "
            f"bộ nhớ máy chủ đỉnh {r['peak_rss_mb']:,.0f} MB")
    return out


# ── what the results say ─────────────────────────────────────────────────────────────────────────────────────────

def _p95(sorted_values: list[float]) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(round(0.95 * (len(sorted_values) - 1))))]


def _s(v) -> str:
    return "–" if v is None else f"{v:.2f}"


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


FIELDS = ("settle_s", "server_s", "query_s", "shell_s", "page_python_s", "rest_s", "before_run_s", "after_run_s",
          "ws_bytes", "http_bytes", "server_cpu_s")


def page_table(measurements: list[dict]) -> list[dict]:
    """Per page, the median over the scopes of every figure of each kind; slowest first visit first."""
    rows = []
    for name in dict.fromkeys(r["page"] for r in measurements):
        row: dict = {"page": name}
        for kind in KINDS:
            mine = [r for r in measurements if r["page"] == name and r["kind"] == kind and "settle_s" in r]
            row[kind] = {f: _median(r.get(f) for r in mine) for f in FIELDS} if mine else None
            if mine:
                row[kind]["max_settle_s"] = max(r["settle_s"] for r in mine)
        rows.append(row)
    return sorted(rows, key=lambda r: -((r["first"] or {}).get("settle_s") or 0))


# the printed table: (heading, kind, field) — what each page's first visit spends its time on, then the cached visit
# and the filter change
COLUMNS = [("lần đầu", "first", "settle_s"), ("máy chủ", "first", "server_s"), ("truy vấn", "first", "query_s"),
           ("khung", "first", "shell_s"), ("Python", "first", "page_python_s"), ("trước", "first", "before_run_s"),
           ("sau", "first", "after_run_s"), ("KB", "first", "ws_bytes"), ("│ tab mới", "open", "settle_s"),
           ("│ lần hai", "second", "settle_s"),
           ("máy chủ", "second", "server_s"), ("sau", "second", "after_run_s"), ("CPU", "second", "server_cpu_s"),
           ("KB", "second", "ws_bytes"), ("│ đổi lọc", "filter", "settle_s"), ("máy chủ", "filter", "server_s")]


def print_table(browser: dict, log=print) -> None:
    """Where each page's time goes, slowest first visit first (medians over the units, seconds)."""
    def cell(row: dict, kind: str, field: str, width: int) -> str:
        v = (row[kind] or {}).get(field)
        if v is None:
            return "–".rjust(width)
        return f"{v / 1024:{width}.0f}" if field == "ws_bytes" else f"{v:{width}.2f}"
    log("Thời gian chờ từng trang (giây; trung vị các đơn vị đã đo). Máy chủ = một lần chạy trang, trong đó truy vấn,"
        " khung (thanh bên, kiểu, quyền) và Python của trang (bảng, biểu đồ, ô chọn); trước = từ lúc mở đến khi trang"
        " bắt đầu chạy (tải JavaScript, websocket); sau = từ khi chạy xong đến khi vẽ xong (truyền + trình duyệt vẽ);"
        " KB = dữ liệu websocket trình duyệt nhận; tab mới = mở trang bằng địa chỉ trong một tab mới (gồm cả khởi động"
        " Streamlit); CPU = giây CPU máy chủ cho một lượt xem đã có sẵn trong bộ đệm.")
    log("  " + "trang".ljust(14) + " ".join(h.rjust(max(len(h), 5)) for h, _, _ in COLUMNS))
    for row in browser["pages_table"]:
        log("  " + row["page"].ljust(14) + " ".join(
            ("│ " if h.startswith("│") else "") + cell(row, k, f, max(len(h), 5) - (2 if h.startswith("│") else 0))
            for h, k, f in COLUMNS))


def summary(browser: dict | None, crowd: dict | None) -> dict:
    """The figures the targets speak of."""
    s: dict = {}
    if browser and browser["measurements"]:
        ms = browser["measurements"]
        got = {k: [r["settle_s"] for r in ms if r["kind"] == k and "settle_s" in r] for k in KINDS}
        per_page = {r["page"]: (r["first"] or {}).get("settle_s") for r in browser["pages_table"]}
        worst = max(per_page, key=lambda p: per_page[p] or 0)
        cached_cpu = [r["server_cpu_s"] for r in ms if r["kind"] == "second" and "settle_s" in r]
        s.update({
            "browser_first_median_s": _median(got["first"]),
            "browser_first_page_median_max_s": per_page[worst], "browser_slowest_page": worst,
            "browser_first_max_s": max(got["first"], default=None),
            "browser_second_max_s": max(got["second"], default=None),
            "browser_filter_max_s": max(got["filter"], default=None),
            "browser_any_max_s": max(got["first"] + got["second"] + got["filter"], default=None),
            # a new tab on a page's address: Streamlit's own start included (its scripts, a new session)
            "browser_open_median_s": _median(got["open"]), "browser_open_max_s": max(got["open"], default=None),
            "browser_cached_cpu_median_s": _median(cached_cpu),
            "browser_cached_cpu_max_s": max(cached_cpu, default=None),
            "browser_page_views": sum(map(len, got.values())), "browser_errors": browser["errors"]})
    if crowd and crowd["by_users"]:
        most = max(crowd["by_users"], key=int)
        c = crowd["by_users"][most]
        s.update({"users_max": int(most), "users_median_s": c["median_s"], "users_p95_s": c["p95_s"],
                  "users_server_p95_s": c["server_run_p95_s"],
                  "users_errors": sum(r["errors"] for r in crowd["by_users"].values()),
                  "users_peak_mb": max(r["peak_rss_mb"] for r in crowd["by_users"].values())})
    return s
