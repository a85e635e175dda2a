"""Query results (and what pages compute from them) held in memory once for every session, within a memory budget.

Why not st.cache_data: it keeps results pickled, so every rerun of every page unpickled each result again (a province's
30 000 findings, a district's hundreds of units × years) — most of a cached page's server time — and it bounds the
number of entries, not their size, so ten colleagues trying filters could grow the server without limit.

Here a result is kept as the DataFrame itself and handed out as a shallow copy (pandas copies on write, so a page that
adds a column or changes a value changes only its copy). The least recently used results go first when the budget
($KIEMDIEM_CACHE_MB, 512 MB by default) is exceeded or after the TTL. Two sessions asking for the same result at the
same moment compute it once: the second waits for the first (ten users opening the same page do one query, not ten).
Keys hold the warehouse file and version, so a load never serves an old result.
"""
from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from typing import Callable, Hashable

import pandas as pd

TTL_SECONDS = 3600


def _budget() -> int:
    try:
        return max(16, int(os.environ.get("KIEMDIEM_CACHE_MB", "512"))) * 1024 * 1024
    except ValueError:
        return 512 * 1024 * 1024


class ResultCache:
    def __init__(self, budget_bytes: int | None = None, ttl: float = TTL_SECONDS):
        self.budget = budget_bytes if budget_bytes is not None else _budget()
        self.ttl = ttl
        self._items: OrderedDict[Hashable, tuple[pd.DataFrame, int, float]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """The result for `key` (a shallow copy), computed by `compute()` when not held."""
        found = self._lookup(key)
        if found is not None:
            return found
        with self._lock:
            gate = self._pending.setdefault(key, threading.Lock())
        with gate:                       # one computation per key at a time; the others wait and then find it
            found = self._lookup(key, count=False)
            if found is not None:
                return found
            try:
                df = compute()
                self._store(key, df)
            finally:
                with self._lock:
                    self._pending.pop(key, None)
        return _out(df)

    def _lookup(self, key, count: bool = True):
        """The held value, or None; `count`: a miss is counted once per get, not again behind the gate."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += count
                return None
            df, size, stored = item
            if time.monotonic() - stored > self.ttl:
                del self._items[key]
                self._bytes -= size
                self.misses += count
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return _out(df)

    def _store(self, key, df) -> None:
        size = _size(df)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.budget:       # larger than the whole budget: served, not kept
                return
            self._items[key] = (df, size, time.monotonic())
            self._bytes += size
            while self._bytes > self.budget and self._items:
                _, (_, s, _) = self._items.popitem(last=False)
                self._bytes -= s

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)


def _size(value) -> int:
    """Bytes a kept value holds: a frame's own measure; for a computed object (a ranked list, the funnel's points),
    the frames among its attributes or items."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True, index=True).sum())
    if isinstance(value, pd.Series):
        return int(value.memory_usage(deep=True, index=True))
    if isinstance(value, (tuple, list)):
        return sum(_size(v) for v in value) + 64
    if isinstance(value, dict):
        return sum(_size(v) for v in value.values()) + 64
    if hasattr(value, "__dict__"):
        return sum(_size(v) for v in vars(value).values()) + 64
    return 64


def _out(value):
    """What a caller gets: a shallow copy of a frame (pandas copies on write), any other value as it is — computed
    objects are treated as read-only by the pages."""
    return value.copy(deep=False) if isinstance(value, (pd.DataFrame, pd.Series)) else value
