"""The shared result cache (ui/result_cache.py): results kept as frames within a byte budget, least recently used
first out, copies that cannot change what is kept, one computation when sessions ask at the same moment."""
from __future__ import annotations

import threading
import time

import pandas as pd

from ui.result_cache import ResultCache


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"a": range(n), "b": [f"đơn vị {i}" for i in range(n)]})


def test_a_result_is_computed_once_and_served_again():
    cache, calls = ResultCache(budget_bytes=10**8), []
    first = cache.get("k", lambda: calls.append(1) or frame(10))
    again = cache.get("k", lambda: calls.append(1) or frame(10))
    assert calls == [1] and again.equals(first) and (cache.hits, cache.misses) == (1, 1)


def test_a_page_changing_its_copy_does_not_change_what_others_get():
    cache = ResultCache(budget_bytes=10**8)
    mine = cache.get("k", lambda: frame(5))
    mine["extra"] = 1
    mine.loc[0, "a"] = 99
    theirs = cache.get("k", lambda: frame(0))
    assert list(theirs.columns) == ["a", "b"] and theirs.loc[0, "a"] == 0


def test_the_budget_drops_the_least_recently_used_results():
    one = int(frame(1000).memory_usage(deep=True, index=True).sum())
    cache = ResultCache(budget_bytes=int(one * 2.5))
    for k in ("a", "b"):
        cache.get(k, lambda: frame(1000))
    cache.get("a", lambda: frame(0))           # a is used again: b is now the oldest
    cache.get("c", lambda: frame(1000))
    assert len(cache) == 2 and cache.bytes <= cache.budget
    assert len(cache.get("a", lambda: frame(0))) == 1000     # kept
    assert len(cache.get("b", lambda: frame(0))) == 0        # dropped, computed anew


def test_a_result_larger_than_the_budget_is_served_but_not_kept():
    cache = ResultCache(budget_bytes=100)
    assert len(cache.get("big", lambda: frame(1000))) == 1000
    assert len(cache) == 0 and cache.bytes == 0


def test_results_expire():
    cache = ResultCache(budget_bytes=10**8, ttl=0.05)
    cache.get("k", lambda: frame(3))
    time.sleep(0.1)
    assert len(cache.get("k", lambda: frame(7))) == 7


def test_sessions_asking_at_once_wait_for_one_computation():
    cache, calls = ResultCache(budget_bytes=10**8), []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return frame(10)
    got = []
    threads = [threading.Thread(target=lambda: got.append(len(cache.get("k", slow)))) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and got == [10] * 5


def test_a_failed_computation_is_not_kept_and_can_be_tried_again():
    cache = ResultCache(budget_bytes=10**8)

    def fail():
        raise RuntimeError("kho đang bận")
    try:
        cache.get("k", fail)
    except RuntimeError:
        pass
    assert len(cache.get("k", lambda: frame(2))) == 2
