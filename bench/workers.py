"""The benchmark's measured processes, each run in its own Python process so that its peak memory is its own:

    python -m bench.workers load DB FILELIST      one load through operations.load.load_files
    python -m bench.workers app DB [--repeat N]    every dashboard query, as the app runs them (read-only, a cursor
                                                   per query, queries.runner), N timed runs after one warm-up
    python -m bench.workers pandas DB              distribution + quota in plain pandas, on the same warehouse

Each prints one JSON object on its last line of stdout.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load(db: str, filelist: str) -> dict:
    from etl import phases
    from operations.load import load_files
    files = [Path(x) for x in Path(filelist).read_text(encoding="utf-8").split("\n") if x.strip()]
    t0 = time.perf_counter()
    res = load_files(files, db)
    seconds = time.perf_counter() - t0
    rows = sum(f.rows_loaded for f in res.files)
    return {"seconds": round(seconds, 2), "rows_loaded": rows, "rows_rejected": len(res.rejects),
            "files": len(files), "errors": [f"{f.name}: {f.error}" for f in res.files if f.error][:5],
            "rows_per_second": round(rows / seconds) if seconds else None, "written": res.written,
            "peak_rss_mb": peak_rss_mb(), "phases": [[t, m] for t, m in phases.TIMINGS]}


def app(db: str, repeat: int, only: set[str] | None) -> dict:
    from bench import workload
    from queries import runner, scope
    t0 = time.perf_counter()
    con = scope.connect(db)          # as ui/data.py opens it (every table a view over the attached file)
    connect_s = time.perf_counter() - t0
    p = workload.picks(con)
    out = []
    for call in workload.calls(p, only):
        rec = {"query": call.query, "scope": call.scope, "label": call.label, "params": call.params}
        if call.skipped:
            rec["skipped"] = call.skipped
            out.append(rec)
            continue
        times = []
        try:
            # warm-up (and the row count), kept while the runs repeat: the app holds a result twice too (the
            # pickled copy st.cache_data keeps and the frame the page is drawing)
            df = runner.run(con, call.query, call.params)
            rec["rows"] = len(df)
            for _ in range(repeat):
                t = time.perf_counter()
                runner.run(con, call.query, call.params)
                times.append(time.perf_counter() - t)
        except Exception as exc:  # noqa: BLE001 - a failing query is a result of the benchmark, not a crash
            rec["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
            out.append(rec)
            continue
        times.sort()
        rec["runs"] = len(times)
        rec["median_ms"] = round(statistics.median(times) * 1000, 1)
        rec["p95_ms"] = round(times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))] * 1000, 1)
        rec["max_ms"] = round(times[-1] * 1000, 1)
        out.append(rec)
    return {"picks": {"year": p.year, "first_year": p.first_year, "province": p.province, "unit": p.unit,
                      "chi_bo": p.chi_bo, "chain": p.chain, "load": p.load},
            "connect_ms": round(connect_s * 1000, 1), "calls": out, "peak_rss_mb": peak_rss_mb()}


def pandas_baseline(db: str) -> dict:
    """The distribution (every top-level unit, year, subject, level) and the quota check (members per grassroots
    organization, leaders per upper level, collectives per group of peers) written the straightforward pandas way:
    read the tables into DataFrames, merge with the tree of each year, group and count."""
    import numpy as np
    import pandas as pd

    from etl import warehouse
    con = warehouse.connect_readonly(db)
    t0 = time.perf_counter()
    mr = con.execute("SELECT year, chi_bo_code, level, is_leader FROM member_ratings").df()
    cr = con.execute("SELECT year, unit_code, subject, level FROM collective_ratings").df()
    anc = con.execute("SELECT year, unit_code, ancestor_code, distance FROM unit_ancestors_by_year").df()
    versions = con.execute("SELECT unit_code, parent_code, tree_level, kind, first_year, last_year "
                           "FROM unit_versions").df()
    units = con.execute("SELECT unit_code, parent_code FROM units").df()
    rules = con.execute("SELECT first_year, last_year, subject, ratio, grouping FROM quota_rules "
                        "WHERE scope = 'toan_quoc'").df()
    load_s = time.perf_counter() - t0
    rows = len(mr) + len(cr)

    t1 = time.perf_counter()
    # ── distribution: counts per top-level unit, year, subject and level ──
    top = set(units.loc[units["parent_code"].isna(), "unit_code"])
    top_of = anc[anc["ancestor_code"].isin(top)][["year", "unit_code", "ancestor_code"]]
    m = mr.merge(top_of, left_on=["year", "chi_bo_code"], right_on=["year", "unit_code"])
    members = m.groupby(["ancestor_code", "year", "level"], dropna=False).size().rename("n").reset_index()
    members["subject"] = "dang_vien"
    leaders = m[m["is_leader"] == True].groupby(["ancestor_code", "year", "level"], dropna=False)  # noqa: E712
    leaders = leaders.size().rename("n").reset_index()
    leaders["subject"] = "can_bo_lanh_dao"
    c = cr.merge(top_of, on=["year", "unit_code"])
    coll = c.groupby(["ancestor_code", "year", "subject", "level"], dropna=False).size().rename("n").reset_index()
    dist = pd.concat([members, leaders, coll], ignore_index=True)
    dist = dist.pivot_table(index=["ancestor_code", "year", "subject"], columns="level", values="n", aggfunc="sum",
                            fill_value=0)
    t_dist = time.perf_counter() - t1

    t2 = time.perf_counter()
    # ── quota: the tree of each year, each chi bộ's grassroots organization ──
    years = pd.DataFrame({"year": sorted(anc["year"].unique())})
    alive = years.merge(versions, how="cross")
    alive = alive[(alive["year"] >= alive["first_year"].fillna(0)) & (alive["year"] <= alive["last_year"].fillna(9999))]
    grass = alive[alive["tree_level"].isin(["dang_bo_co_so", "chi_bo_co_so"])][["year", "unit_code", "parent_code"]]
    tccsd_of = anc.merge(grass, left_on=["year", "ancestor_code"], right_on=["year", "unit_code"],
                         suffixes=("", "_g"))[["year", "unit_code", "ancestor_code", "parent_code"]]
    tccsd_of.columns = ["year", "chi_bo_code", "tccsd", "tccsd_parent"]
    mm = mr.merge(tccsd_of, on=["year", "chi_bo_code"])
    mm["htxs"] = mm["level"] == 1
    mm["htt"] = mm["level"] == 2
    mm["rated"] = mm["level"].notna()
    groups = mm.groupby(["year", "tccsd"])[["htxs", "htt", "rated"]].sum().reset_index()
    groups["subject"] = "dang_vien"
    lead = mm[mm["is_leader"] == True]  # noqa: E712
    lead = lead.assign(group=lead["tccsd_parent"].fillna(lead["tccsd"]))
    lgroups = lead.groupby(["year", "group"])[["htxs", "htt", "rated"]].sum().reset_index()
    lgroups = lgroups.rename(columns={"group": "tccsd"})
    lgroups["subject"] = "can_bo_lanh_dao"
    cv = cr.merge(alive[["year", "unit_code", "parent_code", "tree_level", "kind"]], on=["year", "unit_code"])
    cv["group_key"] = cv["parent_code"].fillna("-") + "|" + cv["tree_level"].fillna("-") + "|" + cv["kind"].fillna("-")
    cv["htxs"] = cv["level"] == 1
    cv["htt"] = cv["level"] == 2
    cv["rated"] = cv["level"].notna()
    cgroups = cv.groupby(["year", "subject", "group_key"])[["htxs", "htt", "rated"]].sum().reset_index()
    cgroups = cgroups.rename(columns={"group_key": "tccsd"})
    allg = pd.concat([groups, lgroups, cgroups], ignore_index=True)
    ratio = np.full(len(allg), np.nan)
    for r in rules.itertuples():
        hit = (allg["year"] >= r.first_year) & (allg["year"] <= r.last_year) & \
              ((allg["subject"] == r.subject) | (r.subject == "*")) & np.isnan(ratio)
        ratio[hit.to_numpy()] = r.ratio
    allg["allowed"] = np.floor(ratio * allg["htt"] + 1e-9)
    allg["excess"] = (allg["htxs"] - allg["allowed"]).clip(lower=0)
    allg["over"] = allg["htxs"] > allg["allowed"]
    t_quota = time.perf_counter() - t2
    return {"rows": rows, "load_seconds": round(load_s, 2), "distribution_seconds": round(t_dist, 2),
            "quota_seconds": round(t_quota, 2), "compute_seconds": round(t_dist + t_quota, 2),
            "distribution_cells": int(dist.size), "quota_groups": int(len(allg)),
            "quota_groups_over": int(allg["over"].sum()),
            "members_htxs": int(groups["htxs"].sum()), "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python -m bench.workers")
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("load")
    a.add_argument("db")
    a.add_argument("filelist")
    b = sub.add_parser("app")
    b.add_argument("db")
    b.add_argument("--repeat", type=int, default=5)
    b.add_argument("--only", help="tên truy vấn, cách nhau bởi dấu phẩy")
    c = sub.add_parser("pandas")
    c.add_argument("db")
    args = ap.parse_args(argv)
    if args.cmd == "load":
        res = load(args.db, args.filelist)
    elif args.cmd == "app":
        res = app(args.db, args.repeat, set(args.only.split(",")) if args.only else None)
    else:
        res = pandas_baseline(args.db)
    print(json.dumps(res, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
