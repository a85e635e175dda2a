"""The benchmark works (not how fast): `python -m bench --scale small` runs the whole chain on the national
generator's miniature — generate, load through the loader, one more year, every dashboard query, pandas — and writes
its JSON with every field the issue asks for; the last line printed is the summary."""
from __future__ import annotations

import json

from bench import run as bench


def test_small_benchmark_runs_end_to_end_and_reports_every_measure(tmp_path, capsys):
    out = tmp_path / "small.json"
    # the browser phases have their own test (test_browser_phase.py): this one stays quick
    assert bench.main(["--scale", "small", "--out", str(out), "--no-browser"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("TÓM TẮT [small]:")
    r = json.loads(out.read_text(encoding="utf-8"))
    assert r["full_load"]["rows_loaded"] > 1000 and r["full_load"]["rows_rejected"] == 0
    assert r["full_load"]["rows_per_second"] > 0 and r["full_load"]["peak_rss_mb"] > 0
    assert r["one_more_year"]["rows_loaded"] > 0 and r["one_more_year"]["seconds"] > 0
    calls = r["app"]["calls"]
    assert not [c for c in calls if "error" in c], [c for c in calls if "error" in c]
    timed = [c for c in calls if "median_ms" in c]
    # every query file is measured, the filtered ones for the three scopes
    from queries import runner
    assert {c["query"] for c in timed} == set(runner.catalog())
    assert {c["scope"] for c in timed if c["query"] == "quota"} == {"ca_nuoc", "tinh", "don_vi"}
    assert all(c["p95_ms"] >= c["median_ms"] > 0 for c in timed)
    assert r["app"]["peak_rss_mb"] > 0
    s = r["summary"]
    for key in ("slowest_median_ms", "slowest_max_ms", "quota_audit_ms", "full_load_rows_per_s",
                "one_more_year_rows_per_s", "load_peak_mb", "app_peak_mb", "pandas_ratio"):
        assert s[key] is not None, key
    assert r["pandas"]["compute_seconds"] >= 0 and r["pandas"]["quota_groups"] > 0
