"""Work run in a thread on a second connection to the same database, beside the caller's own statements.

Why: the shortcomings' classifier is Python (it holds the interpreter ~10 s of a national load) while the audits
are DuckDB statements (which let go of it): on two cores the two overlap (measured 51 → 44 s for both).

The second connection has its own transaction. It sees only what was committed before it began, so the caller must
have committed everything the work reads; and what the work writes becomes visible to the caller only after the
caller commits and begins again. If the caller's block fails, the work is told to stop (its next statement raises,
a running one is interrupted), its transaction is rolled back, and the caller's error is raised once it has stopped.
If the work fails, its error is raised when the block ends.
"""
from __future__ import annotations

import contextlib
import threading


class Stopped(Exception):
    """The caller gave up: the work's next statement is not run."""


class _Guarded:
    """The second connection as the work sees it: every statement first checks whether the caller gave up."""

    def __init__(self, cur, stop: threading.Event):
        self._cur = cur
        self._stop = stop

    def execute(self, *args, **kwargs):
        if self._stop.is_set():
            raise Stopped()
        return self._cur.execute(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._cur, name)


@contextlib.contextmanager
def beside(con, work, name: str):
    """Run work(connection) in its own committed transaction on a cursor of `con`, while the with-block runs."""
    cur = con.cursor()
    stop = threading.Event()
    failed: list[BaseException] = []

    def run() -> None:
        try:
            cur.execute("BEGIN TRANSACTION")
            work(_Guarded(cur, stop))
            cur.execute("COMMIT")
        except BaseException as e:      # (raised in the caller's thread, below)
            failed.append(e)
            with contextlib.suppress(Exception):
                cur.execute("ROLLBACK")

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        yield
    except BaseException:
        stop.set()
        with contextlib.suppress(Exception):
            cur.interrupt()
        thread.join()
        cur.close()
        raise
    thread.join()
    cur.close()
    if failed:
        raise failed[0]
