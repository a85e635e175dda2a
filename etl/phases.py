"""The phases of the last load with their times (`python -m bench` prints them): the loader, the storage layer and
the derived tables each mark where they are; on stderr too when $KIEMDIEM_LOAD_LOG is set."""
from __future__ import annotations

import os
import sys
import time

TIMINGS: list[tuple[float, str]] = []    # (seconds since the load began, phase) of the last load
_T0 = [0.0]


def start() -> None:
    """A load begins: the clock restarts and the phases of the one before are forgotten."""
    _T0[0] = time.perf_counter()
    TIMINGS.clear()


def mark(msg: str) -> None:
    now = time.perf_counter() - _T0[0]
    TIMINGS.append((round(now, 2), msg))
    if os.environ.get("KIEMDIEM_LOAD_LOG"):
        print(f"[nạp {now:7.2f}s] {msg}", file=sys.stderr, flush=True)
