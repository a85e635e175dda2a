"""python -m queries [NAME] [--db PATH] [--param key=value]… [--format table|csv|json]"""
from __future__ import annotations

import argparse
import os
import sys

import duckdb
import pandas as pd

from derive import audits
from etl import warehouse
from operations import audit
from queries import personal, runner
from reports import exports


def _table(df) -> str:
    if df.empty:
        return "(không có dòng nào)"
    cells = [[str(c) for c in df.columns]] + [["" if pd.isna(v) else _num(v) for v in row]
                                                for row in df.itertuples(index=False)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(c.rjust(w) if i and _isnum(c) else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _isnum(s: str) -> bool:
    return s.replace(".", "").replace(",", "").replace("-", "").isdigit()


def _num(v) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m queries", description="Chạy các truy vấn có tên trong queries/*.sql")
    p.add_argument("name", nargs="?", help="tên truy vấn; bỏ trống để liệt kê")
    p.add_argument("--db", help="đường dẫn kho (mặc định data/warehouse.duckdb hoặc $KIEMDIEM_DB)")
    p.add_argument("--param", action="append", default=[], metavar="key=value")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    args = p.parse_args(argv)
    try:
        if not args.name:
            for q in runner.catalog().values():
                params = ", ".join(f"{x.name}{'' if x.optional else '*'}" for x in q.params)
                print(f"{q.name:28} {q.title}" + (f"  [tham số: {params}]" if params else ""))
            return 0
        params = {}
        for kv in args.param:
            if "=" not in kv:
                raise runner.QueryError(f"--param phải có dạng khóa=giá_trị, nhận được '{kv}'")
            k, v = kv.split("=", 1)
            params[k.strip()] = v.strip()
        runner.bind(runner.get(args.name), params)   # validate before touching the database
        path = warehouse.db_path(args.db)
        if not path.exists():
            print(f"Chưa có kho dữ liệu tại {path}. Tạo bằng: python -m etl demo hoặc python -m etl load TỆP…",
                  file=sys.stderr)
            return 2
        con = warehouse.connect_readonly(path)
        try:
            absent = audits.missing(con)
            if absent:
                print(f"Kho dữ liệu {path} được tạo bởi phiên bản trước, chưa có các bảng tính sẵn "
                      f"({', '.join(absent)}). Chạy: python -m etl rebuild", file=sys.stderr)
                return 2
            df = runner.run(con, args.name, params)
        finally:
            con.close()
    except runner.QueryError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except duckdb.Error as exc:
        print(f"Lỗi khi chạy truy vấn: {exc}", file=sys.stderr)
        return 2
    if personal.level(args.name):     # member-level rows on a terminal are an export like any other: logged first
        try:
            audit.record("xuat_ca_nhan", user=audit.command_line_user(), role="dong_lenh", what=args.name, filters=params,
                         rows=len(df), detail=f"dòng lệnh, định dạng {args.format}"
                         + (", có họ tên" if personal.level(args.name) == "names" else ""))
        except OSError as exc:
            print(f"Không ghi được nhật ký truy cập ({exc}) — không xuất số liệu cá nhân", file=sys.stderr)
            return 2
    try:
        if args.format == "csv":       # opened in Excel: a cell starting with = + - @ must not become a formula
            exports.safe_frame(df).to_csv(sys.stdout, index=False)
        elif args.format == "json":
            print(df.to_json(orient="records", force_ascii=False))
        else:
            print(_table(df))
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader stopped early (… | head): not an error; stdout is pointed at devnull so that Python's own flush
        # at exit does not print a traceback either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
