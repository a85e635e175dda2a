"""Where a script run's time goes, for the benchmark's browser phase (bench/browser.py).

Off unless $KIEMDIEM_RUN_TIMINGS names a file: then each run of app.py appends one JSON line — the page, the shell's
and the page's seconds, the time spent getting query results (cache lookups included), the thread's CPU seconds and
the number of queries. The browser measures the rest (transfer and drawing) as what is left of the settle time.
"""
from __future__ import annotations

import contextlib
import json
import os
import threading
import time

ENV = "KIEMDIEM_RUN_TIMINGS"
_LOCK = threading.Lock()
_RUN = threading.local()        # each session's script runs in its own thread


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def begin() -> None:
    """At the top of app.py: a new run's record."""
    if enabled():
        _RUN.rec = {"start": time.time(), "query_s": 0.0, "queries": 0, "marks": {},
                    "_t0": time.perf_counter(), "_c0": time.thread_time()}


def end() -> None:
    """When the run's page has finished (ui/controls.app_run, also when the page stopped early): write the record."""
    rec = _RUN.__dict__.pop("rec", None)
    if rec is None:
        return
    rec["total_s"] = round(time.perf_counter() - rec.pop("_t0"), 4)
    rec["cpu_s"] = round(time.thread_time() - rec.pop("_c0"), 4)
    rec["query_s"] = round(rec["query_s"], 4)
    with _LOCK, open(os.environ[ENV], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def mark(name: str, **fields) -> None:
    """A named point of the run (seconds since its start), e.g. where the shell ends and the page begins."""
    rec = getattr(_RUN, "rec", None)
    if rec is not None:
        rec["marks"][name] = round(time.time() - rec["start"], 4)
        rec.update(fields)


@contextlib.contextmanager
def query():
    """Around getting one query's result (a cache hit included: unpickling a large frame is not free)."""
    rec = getattr(_RUN, "rec", None)
    if rec is None:
        yield
        return
    t0 = time.perf_counter()
    try:
        yield
    finally:
        rec["query_s"] += time.perf_counter() - t0
        rec["queries"] += 1
