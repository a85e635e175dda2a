"""`python -m bench [--scale national|small]`: the national-scale benchmark of issue 10 (see bench/__init__.py).

national: the files of `python -m etl demo --scale national` (data/national, generated when missing) loaded into
data/national/warehouse.duckdb (reused when present, --fresh to load again); one more year (2026) loaded under
another name of it (the warehouse is left as it was); every dashboard query timed; the pandas baseline. small: the
same on the generator's miniature, in a temporary folder, in seconds (the smoke test of `make test`). Prints a
table, writes JSON, and the last line is the summary.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGETS = {"query_median_ms": 250, "query_max_ms": 1000, "quota_audit_ms": 300, "full_load_s": 120,
           "one_more_year_s": 20, "load_peak_mb": 4096, "app_peak_mb": 1536, "pandas_ratio": 20}
EXTRA_YEAR = 2026


def _worker(args: list[str], log) -> dict:
    """Run bench.workers in its own process; its last stdout line is the JSON result."""
    cmd = [sys.executable, "-m", "bench.workers", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        log(proc.stderr[-3000:])
        raise RuntimeError(f"bench.workers {args[0]} thất bại (mã {proc.returncode})")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["process_seconds"] = round(time.perf_counter() - t0, 2)
    return res


def _identity(path: Path) -> tuple:
    """What tells a file was written: its inode, size and modification time."""
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def _load(db: Path, files: list[Path], work: Path, log) -> dict:
    lst = work / f".{db.stem}.files.txt"
    lst.write_text("\n".join(str(p) for p in files), encoding="utf-8")
    try:
        return _worker(["load", str(db), str(lst)], log)
    finally:
        lst.unlink(missing_ok=True)


def run(scale: str = "national", *, fresh: bool = False, repeat: int | None = None, out: Path | None = None,
        db: Path | None = None, only: set[str] | None = None, pandas: bool = True, extra_year: bool = True,
        log=print) -> dict:
    from etl import national
    t_start = time.perf_counter()
    years = national.YEARS
    tmp = None
    if scale == "national":
        folder = national.DEFAULT_OUT
        db = Path(db or folder / "warehouse.duckdb")
        repeat = repeat or 5
    else:
        tmp = Path(tempfile.mkdtemp(prefix="bench_small_"))
        folder = tmp / "files"
        db = Path(db or tmp / "warehouse.duckdb")
        fresh = True
        repeat = repeat or 1
    gen_scale = "national" if scale == "national" else "mini"
    result: dict = {"scale": scale, "db": str(db), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                    "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()}, "targets": TARGETS}
    try:
        # 1. Files (generated once, reused).
        t0 = time.perf_counter()
        if not national.complete(folder, years):
            log(f"Tạo tệp minh họa ({gen_scale}) vào {folder}…")
            national.generate(folder, scale=gen_scale, log=log)
        plus = folder / f"them_{EXTRA_YEAR}"
        if extra_year and not any(plus.glob(f"dang_vien_{EXTRA_YEAR}_*.parquet")):
            national.generate(plus, scale=gen_scale, extra_years=[EXTRA_YEAR], log=log)
        result["generate_seconds"] = round(time.perf_counter() - t0, 1)
        files = national.files_in_order(folder, years)
        result["files"] = {"count": len(files), "bytes": sum(p.stat().st_size for p in files)}

        # 2. The full load, through the loader (reused from an earlier run unless --fresh).
        metrics = db.with_suffix(".load.json")
        if fresh or not db.exists() or not metrics.exists():
            for p in (db, db.with_name(db.name + ".wal"), metrics):
                p.unlink(missing_ok=True)
            log(f"Nạp toàn bộ {len(files)} tệp vào {db}…")
            full = _load(db, files, folder, log)
            full["reused"] = False
            metrics.write_text(json.dumps(full, ensure_ascii=False), encoding="utf-8")
        else:
            full = json.loads(metrics.read_text(encoding="utf-8"))
            full["reused"] = True
            log(f"Dùng lại kho {db} (nạp lúc trước: {full['seconds']} s) — --fresh để nạp lại")
        result["full_load"] = full
        log(f"  nạp {full['rows_loaded']:,} dòng, loại {full['rows_rejected']:,}, {full['seconds']} s, "
            f"{full['rows_per_second']:,} dòng/s, bộ nhớ đỉnh {full['peak_rss_mb']:,.0f} MB")

        # 3. One more year, loaded into another name for the same warehouse: a hard link. A load never writes the
        #    file it is given (etl/warehouse.writing copies it, writes the copy and renames the copy over the
        #    name), so the warehouse stays as it was, which is checked below. A byte copy made here, untimed, left
        #    1.5 GB of fresh pages that slowed the load's own copy of the file (0.3 s at best, 2–4 s after it).
        if extra_year:
            plus_files = sorted(plus.glob(f"dang_vien_{EXTRA_YEAR}_*.parquet")) + \
                [p for p in [plus / f"tap_the_{EXTRA_YEAR}.parquet"] if p.exists()]
            copy = db.with_name(db.stem + f"_them_{EXTRA_YEAR}.duckdb")
            copy.unlink(missing_ok=True)
            before = _identity(db)
            try:
                os.link(db, copy)
            except OSError:                 # (a file system without hard links)
                shutil.copy2(db, copy)
            os.sync()       # the full load's writes reach the disk before the clock starts
            try:
                log(f"Nạp thêm năm {EXTRA_YEAR} ({len(plus_files)} tệp) vào kho mang tên khác…")
                one = _load(copy, plus_files, plus, log)
            finally:
                for p in (copy, copy.with_name(copy.name + ".wal")):
                    p.unlink(missing_ok=True)
            if _identity(db) != before:
                raise RuntimeError(f"Kho {db} đã bị thay đổi khi nạp thêm một năm vào tên khác của nó")
            result["one_more_year"] = one
            log(f"  nạp {one['rows_loaded']:,} dòng trong {one['seconds']} s ({one['rows_per_second']:,} dòng/s), "
                f"bộ nhớ đỉnh {one['peak_rss_mb']:,.0f} MB")

        # 4. Every dashboard query, as the app runs them.
        log(f"Chạy các truy vấn của các trang ({repeat} lần mỗi truy vấn, sau một lần khởi động)…")
        app = _worker(["app", str(db), "--repeat", str(repeat)] + (["--only", ",".join(sorted(only))] if only else []),
                      log)
        result["app"] = app
        timed = [c for c in app["calls"] if "median_ms" in c]
        for c in sorted(timed, key=lambda c: -c["median_ms"]):
            log(f"  {c['median_ms']:9.1f} {c['p95_ms']:9.1f}  {c['query']}[{c['label'] or c['scope']}]"
                f"  ({c.get('rows', 0):,} dòng)")
        for c in app["calls"]:
            if "error" in c or "skipped" in c:
                log(f"  ! {c['query']}[{c['scope']}]: {c.get('error') or c.get('skipped')}")

        # 5. pandas, on the same data.
        if pandas:
            log("Cách làm thẳng bằng pandas (phân bố + tỷ lệ)…")
            result["pandas"] = _worker(["pandas", str(db)], log)
        result["summary"] = _summary(result)
        result["total_seconds"] = round(time.perf_counter() - t_start, 1)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    out = Path(out or ROOT / "bench" / "results" / f"{scale}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    result["out"] = str(out)
    return result


def _summary(r: dict) -> dict:
    calls = [c for c in r["app"]["calls"] if "median_ms" in c]
    failed = [c for c in r["app"]["calls"] if "error" in c]
    worst_med = max(calls, key=lambda c: c["median_ms"]) if calls else None
    worst_max = max(calls, key=lambda c: c["max_ms"]) if calls else None
    quota = next((c for c in calls if c["query"] == "quota" and c["scope"] == "ca_nuoc" and not c["label"]), None)
    dist = next((c for c in calls if c["query"] == "distribution" and c["scope"] == "ca_nuoc" and not c["label"]),
                None)
    s = {"queries_timed": len(calls), "queries_failed": len(failed),
         "slowest_median_ms": worst_med["median_ms"] if worst_med else None,
         "slowest_median_query": worst_med and f"{worst_med['query']}[{worst_med['label'] or worst_med['scope']}]",
         "slowest_max_ms": worst_max["max_ms"] if worst_max else None,
         "slowest_max_query": worst_max and f"{worst_max['query']}[{worst_max['label'] or worst_max['scope']}]",
         "queries_over_median_target": sum(c["median_ms"] > TARGETS["query_median_ms"] for c in calls),
         "queries_over_max_target": sum(c["max_ms"] > TARGETS["query_max_ms"] for c in calls),
         "quota_audit_ms": quota["median_ms"] if quota else None,
         "distribution_country_ms": dist["median_ms"] if dist else None,
         "full_load_s": r["full_load"]["seconds"], "full_load_rows": r["full_load"]["rows_loaded"],
         "full_load_rows_per_s": r["full_load"]["rows_per_second"],
         "load_peak_mb": r["full_load"]["peak_rss_mb"], "app_peak_mb": r["app"]["peak_rss_mb"]}
    if "one_more_year" in r:
        s["one_more_year_s"] = r["one_more_year"]["seconds"]
        s["one_more_year_rows"] = r["one_more_year"]["rows_loaded"]
        s["one_more_year_rows_per_s"] = r["one_more_year"]["rows_per_second"]
        s["load_peak_mb"] = max(s["load_peak_mb"], r["one_more_year"]["peak_rss_mb"])
    if "pandas" in r and quota and dist:
        duck = (quota["median_ms"] + dist["median_ms"]) / 1000
        s["pandas_seconds"] = r["pandas"]["compute_seconds"]
        s["duckdb_seconds"] = round(duck, 3)
        s["pandas_ratio"] = round(r["pandas"]["compute_seconds"] / duck, 1) if duck else None
    if r["scale"] == "national":
        s["met"] = {
            "query_median": s["queries_over_median_target"] == 0 and not failed,
            "query_max": s["queries_over_max_target"] == 0,
            "quota_audit": s["quota_audit_ms"] is not None and s["quota_audit_ms"] <= TARGETS["quota_audit_ms"],
            "full_load": s["full_load_s"] <= TARGETS["full_load_s"],
            "one_more_year": s.get("one_more_year_s", 1e9) <= TARGETS["one_more_year_s"],
            "load_memory": s["load_peak_mb"] <= TARGETS["load_peak_mb"],
            "app_memory": s["app_peak_mb"] <= TARGETS["app_peak_mb"],
            "pandas_ratio": (s.get("pandas_ratio") or 0) >= TARGETS["pandas_ratio"],
        }
    return s


def summary_line(r: dict) -> str:
    s = r["summary"]

    def ok(key: str) -> str:
        if "met" not in s:
            return ""
        return " ĐẠT" if s["met"][key] else " CHƯA ĐẠT"
    parts = [f"nạp {s['full_load_rows'] / 1e6:.1f} triệu dòng {s['full_load_s']:.0f} s "
             f"({s['full_load_rows_per_s'] / 1000:,.0f} nghìn dòng/s; ≤{TARGETS['full_load_s']} s{ok('full_load')})"]
    if "one_more_year_s" in s:
        parts.append(f"thêm một năm {s['one_more_year_rows'] / 1e6:.1f} triệu dòng {s['one_more_year_s']:.1f} s "
                     f"(≤{TARGETS['one_more_year_s']} s{ok('one_more_year')})")
    parts.append(f"{s['queries_timed']} truy vấn: trung vị chậm nhất {s['slowest_median_ms']:.0f} ms "
                 f"(≤{TARGETS['query_median_ms']}{ok('query_median')}), lâu nhất {s['slowest_max_ms']:.0f} ms "
                 f"(≤{TARGETS['query_max_ms']}{ok('query_max')})"
                 + (f", {s['queries_failed']} lỗi" if s["queries_failed"] else ""))
    if s["quota_audit_ms"] is not None:
        parts.append(f"kiểm tra tỷ lệ toàn bộ {s['quota_audit_ms']:.0f} ms (≤{TARGETS['quota_audit_ms']}"
                     f"{ok('quota_audit')})")
    parts.append(f"bộ nhớ nạp {s['load_peak_mb'] / 1024:.1f} GB (≤4{ok('load_memory')}), ứng dụng "
                 f"{s['app_peak_mb'] / 1024:.2f} GB (≤1.5{ok('app_memory')})")
    if s.get("pandas_ratio") is not None:
        parts.append(f"pandas {s['pandas_seconds']:.1f} s so với DuckDB {s['duckdb_seconds']:.2f} s: "
                     f"nhanh hơn {s['pandas_ratio']:.0f}× (≥{TARGETS['pandas_ratio']}×{ok('pandas_ratio')})")
    tail = "" if "met" in s else " (quy mô nhỏ: không so với mục tiêu)"
    return f"TÓM TẮT [{r['scale']}]: " + "; ".join(parts) + tail


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description="Đo hiệu năng ở quy mô toàn quốc (issue 10)")
    ap.add_argument("--scale", choices=["national", "small"], default="national")
    ap.add_argument("--fresh", action="store_true", help="nạp lại kho từ đầu (mặc định: dùng lại kho đã nạp)")
    ap.add_argument("--repeat", type=int, help="số lần chạy đo mỗi truy vấn (mặc định 5; quy mô nhỏ 1)")
    ap.add_argument("--db", help="đường dẫn kho")
    ap.add_argument("--out", help="tệp JSON kết quả (mặc định bench/results/<quy mô>.json)")
    ap.add_argument("--only", help="chỉ các truy vấn này (tên, cách nhau bởi dấu phẩy)")
    ap.add_argument("--no-pandas", action="store_true", help="bỏ phần so sánh với pandas")
    ap.add_argument("--no-extra-year", action="store_true", help="bỏ phần nạp thêm một năm")
    args = ap.parse_args(argv)
    r = run(args.scale, fresh=args.fresh, repeat=args.repeat, out=Path(args.out) if args.out else None,
            db=Path(args.db) if args.db else None, only=set(args.only.split(",")) if args.only else None,
            pandas=not args.no_pandas, extra_year=not args.no_extra_year)
    print(f"Kết quả: {r['out']}")
    print(summary_line(r))
    return 0
