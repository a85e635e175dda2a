"""Command line: python -m etl load|check|demo|loads.

Exit codes: 0 every row loaded; 1 some rows rejected, the rest loaded; 2 nothing could be loaded. Always a
Vietnamese message, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
import time

from etl import warehouse
from etl.loader import LoadResult, load_files


class _Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal, so logs stay clean)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def __call__(self, msg: str, frac: float) -> None:
        if not self.tty:
            return
        width = 30
        done = int(width * frac)
        sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {int(frac * 100):3d}% {msg[:50]:<50}")
        if frac >= 1:
            sys.stderr.write("\n")
        sys.stderr.flush()


def fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def print_result(res: LoadResult, *, checking: bool, out=sys.stdout, max_rejects: int = 50) -> None:
    for f in res.files:
        if f.error:
            print(f"✗ {f.name}: {f.error}", file=out)
            continue
        if f.unchanged_load:
            print(f"= {f.name}: đã nạp trước đây (lần nạp #{f.unchanged_load}) — không thay đổi gì", file=out)
            continue
        verb = "có thể nạp" if checking else "đã nạp"
        print(f"{'✓' if not f.rejects else '!'} {f.name}: đọc {fmt(f.rows_read)} dòng, {verb} {fmt(f.rows_loaded)}, "
              f"loại {fmt(f.rows_rejected)}" + (f" (lần nạp #{f.load_id})" if f.load_id and not checking else ""),
              file=out)
        for n in f.notes:
            print(f"  • {n}", file=out)
        for old, table, n in f.replaced:
            print(f"  • thay thế {fmt(n)} dòng của lần nạp #{old} ({table})", file=out)
    for c in res.created_units:
        print(f"• đã đăng ký đơn vị cấp cao nhất mới: {c}", file=out)
    rejects = res.rejects
    if rejects:
        print(f"\nDòng bị loại ({fmt(len(rejects))}):", file=out)
        for r in rejects[:max_rejects]:
            print(f"  - {r.message()}", file=out)
        if len(rejects) > max_rejects:
            print(f"  … và {fmt(len(rejects) - max_rejects)} dòng khác (xem: python -m etl loads --rejects)",
                  file=out)
    read = sum(f.rows_read for f in res.files)
    loaded = sum(f.rows_loaded for f in res.files)
    print(f"\nTổng: đọc {fmt(read)} = {'có thể nạp' if checking else 'đã nạp'} {fmt(loaded)} + loại {fmt(len(rejects))}"
          + ("" if checking else f" — kho: {res.db}" + ("" if res.written else " (không thay đổi)")), file=out)


def cmd_load(args, checking: bool) -> int:
    t0 = time.perf_counter()
    res = load_files(args.files, args.db, unit=args.unit, subject=args.subject, replace=getattr(args, "replace", False),
                     dry_run=checking, progress=_Progress())
    print_result(res, checking=checking)
    print(f"Thời gian: {time.perf_counter() - t0:.1f} giây")
    return res.exit_code


def cmd_demo(args) -> int:
    from etl import demo
    return demo.main(args)


def cmd_loads(args) -> int:
    path = warehouse.db_path(args.db)
    if not path.exists():
        print(f"Chưa có kho dữ liệu tại {path}. Nạp tệp bằng: python -m etl load TỆP…")
        return 2
    con = warehouse.connect_readonly(path)
    try:
        rows = con.execute("SELECT load_id, strftime(started_at, '%d/%m/%Y %H:%M'), file_name, layouts, rows_read, "
                           "rows_loaded, rows_rejected, status FROM loads ORDER BY load_id").fetchall()
        status = {"hieu_luc": "hiệu lực", "bi_thay_the": "bị thay thế", "thay_the_mot_phan": "thay thế một phần",
                  "da_huy": "đã hủy"}
        print(f"{'#':>4}  {'Thời điểm':16}  {'Đọc':>7} {'Nạp':>7} {'Loại':>6}  {'Trạng thái':18} Tệp")
        for lid, when, name, layouts, r, ld, rj, st in rows:
            print(f"{lid:>4}  {when:16}  {fmt(r):>7} {fmt(ld):>7} {fmt(rj):>6}  {status.get(st, st):18} {name}")
        reps = con.execute("SELECT load_id, replaced_load_id, target, unit_code, year, sum(rows_replaced) "
                           "FROM load_replacements GROUP BY ALL ORDER BY 1, 2").fetchall()
        for lid, old, target, unit, year, n in reps:
            print(f"  lần nạp #{lid} thay thế {fmt(n)} dòng của #{old} ({target}, {unit}, {year})")
        if args.rejects:
            rej = con.execute("SELECT load_id, file_name, sheet, row_no, column_name, value, reason FROM rejected_rows "
                              "WHERE ? IS NULL OR load_id = ? ORDER BY load_id, row_no",
                              [args.load, args.load]).fetchall()
            print(f"\nDòng bị loại ({fmt(len(rej))}):")
            for lid, fname, sheet, row, col, val, reason in rej:
                place = ", ".join(x for x in (fname, f"trang '{sheet}'" if sheet else "", f"dòng {row}" if row else "",
                                              f"cột '{col}'" if col else "") if x)
                print(f"  #{lid} {place}{f' = {val!r}' if val else ''}: {reason}")
    finally:
        con.close()
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m etl", description="Nạp dữ liệu xếp loại chất lượng vào kho DuckDB")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, helptext in (("load", "nạp tệp vào kho"), ("check", "chỉ kiểm tra tệp, không ghi gì")):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("files", nargs="+", help="tệp .xlsx, .csv hoặc .tsv")
        s.add_argument("--db", help="đường dẫn kho (mặc định data/warehouse.duckdb hoặc $KIEMDIEM_DB)")
        s.add_argument("--unit", help="đơn vị của bảng báo cáo (tên hoặc mã); tạo đơn vị cấp cao nhất nếu chưa có")
        s.add_argument("--subject", help="đối tượng của bảng báo cáo: tccsd, chi_bo, cap_uy, tap_the_lanh_dao, "
                                         "dang_vien, can_bo_lanh_dao")
        if name == "load":
            s.add_argument("--replace", action="store_true",
                           help="tệp là bản sửa: thay thế số liệu cùng đơn vị, năm đã nạp từ tệp khác")
    d = sub.add_parser("demo", help="tạo dữ liệu minh họa và nạp qua cùng bộ nạp")
    d.add_argument("--db")
    d.add_argument("--out", help="thư mục ghi các tệp minh họa (mặc định data/demo)")
    d.add_argument("--no-anomalies", action="store_true", help="không cài các trường hợp bất thường")
    d.add_argument("--scale", default="district", choices=["small", "district"], help="quy mô")
    d.add_argument("--if-missing", action="store_true", help="chỉ tạo khi chưa có kho")
    s = sub.add_parser("loads", help="lịch sử nạp và dòng bị loại")
    s.add_argument("--db")
    s.add_argument("--rejects", action="store_true", help="liệt kê dòng bị loại")
    s.add_argument("--load", type=int, help="chỉ một lần nạp")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.cmd in ("load", "check"):
            return cmd_load(args, checking=args.cmd == "check")
        if args.cmd == "demo":
            return cmd_demo(args)
        return cmd_loads(args)
    except KeyboardInterrupt:
        print("\nĐã dừng theo yêu cầu — kho dữ liệu giữ nguyên như trước.", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: a message, not a traceback
        print(f"Lỗi không mong đợi: {type(exc).__name__}: {exc}. Kho dữ liệu giữ nguyên như trước.", file=sys.stderr)
        return 2
