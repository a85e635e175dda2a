"""Command line: python -m etl load|check|demo|loads|undo|account|audit|backup|restore|quyet-dinh|profiles.

Exit codes: 0 every row loaded; 1 some rows rejected, the rest loaded; 2 nothing could be loaded. Always a
Vietnamese message, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import derive
from derive import audits
from commands.progress import Progress
from etl import profiles, warehouse
from generators import demo, national
from etl.load_result import LoadResult
from operations import accounts, audit, backup, undo
from operations import quota_decisions as qd
from operations.load import load_files




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
                     dry_run=checking, progress=Progress(), year=args.year)
    print_result(res, checking=checking)
    print(f"Thời gian: {time.perf_counter() - t0:.1f} giây")
    return res.exit_code


def cmd_profiles(args) -> int:
    """The form profiles the loader knows (data/profiles): name, what form, which file."""
    try:
        found = profiles.load_all()
    except profiles.ProfileError as exc:
        print(f"Lỗi: {exc}")
        return 2
    if not found:
        print(f"Chưa có mẫu biểu nào trong {profiles.profiles_dir()}")
        return 0
    for p in found:
        print(f"{p.name}\n  {p.title}\n  {p.description}\n  tệp: {profiles.shown_path(p.path)}")
    print(f"({len(found)} mẫu biểu trong {profiles.profiles_dir()})")
    return 0


def cmd_rebuild(args) -> int:
    """Recompute every derived table and stored audit (after editing a threshold or a rule file, or a warehouse made
    by an earlier version); --if-stale: only when the stored findings no longer match the rule files."""
    db = warehouse.db_path(args.db)
    if not db.exists():
        print(f"Chưa có kho dữ liệu {db}: không có gì để tính lại.")
        return 0 if args.if_stale else 2
    if args.if_stale and not audits.stale(db):
        return 0
    t0 = time.perf_counter()
    print("Tính lại các bảng tổng hợp, kiểm tra tỷ lệ và các phát hiện của danh mục kiểm tra…")
    with warehouse.writing(db, derive=derive.build):
        pass                       # a write without a load hint recomputes everything
    print(f"Xong ({time.perf_counter() - t0:.1f} giây) — kho: {db}")
    return 0


def cmd_demo(args) -> int:
    """`python -m etl demo`: args has db, out, no_anomalies, scale, if_missing."""
    db_file = warehouse.db_path(getattr(args, "db", None))
    if getattr(args, "if_missing", False) and db_file.exists():
        print(f"Kho dữ liệu đã có tại {db_file} — không tạo dữ liệu minh họa.")
        return 0
    scale = getattr(args, "scale", None) or "district"
    try:
        if scale == "national":        # the country at full size, as Parquet files (generators/national.py)
            return national.build(db_file, getattr(args, "out", None))
        out = Path(getattr(args, "out", None) or demo.DEFAULT_OUT)
        return demo.build(db_file, out, scale=scale, anomalies=not getattr(args, "no_anomalies", False))
    except KeyboardInterrupt:
        print("\nĐã dừng theo yêu cầu — kho dữ liệu giữ nguyên như trước lần nạp dở dang.")
        return 130
    except warehouse.WarehouseBusy as exc:
        print(f"Không tạo được dữ liệu minh họa: {exc}")
        return 2
    except OSError as exc:
        print(f"Không ghi được tệp: {exc}")
        return 2
    except Exception as exc:  # the last line of defence: a message, not a traceback
        print(f"Lỗi không mong đợi khi tạo dữ liệu minh họa: {type(exc).__name__}: {exc}")
        return 2


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


def _who() -> str:
    return audit.command_line_user()


def cmd_undo(args) -> int:
    plan = undo.undo_load(args.load_id, args.db, dry_run=True)
    if plan.error:
        print(plan.error)
        return 2
    print(plan.message())
    for w in plan.warnings:
        print(f"  ! {w}")
    if plan.warnings and not args.force:
        print("Chưa hủy. Chạy lại với --force nếu vẫn muốn hủy.")
        return 1
    res = undo.undo_load(args.load_id, args.db, by=_who(), force=args.force)
    if res.error:
        print(res.error)
        return 2
    audit.record("huy_nap", user=_who(), what=f"lần nạp #{res.load_id}", filters={"tep": res.file_name},
                 rows=sum(res.removed.values()))
    print(res.message())
    return 0


def cmd_account(args) -> int:
    import getpass


    def password() -> str | None:
        if args.action not in ("add", "passwd") or getattr(args, "no_password", False):
            return None
        if args.password_stdin:
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != first:
            raise accounts.AccountError("Hai lần nhập mật khẩu không giống nhau")
        return first

    try:
        if args.action == "roles":
            for r in accounts.roles().values():
                scope = {"khong": "không gắn đơn vị", "tuy_chon": "có thể gắn đơn vị", "bat_buoc": "phải gắn đơn vị"}
                print(f"{r.code:16} {r.name} — {r.description} ({scope.get(r.scope, r.scope)})")
            return 0
        if args.action == "list":
            accs = accounts.load()
            print(f"Tệp tài khoản: {accounts.accounts_path()}" + ("" if accs else " (chưa có tài khoản nào)"))
            roles = accounts.roles()
            for a in sorted(accs.values(), key=lambda a: a.user):
                role = roles.get(a.role)
                print(f"  {a.user:20} {a.name:28} {role.name if role else a.role + ' (?)'}"
                      + (f" · đơn vị {a.unit}" if a.unit else "") + (" · ĐÃ KHÓA" if a.disabled else "")
                      + ("" if a.password else " · không mật khẩu (chỉ qua proxy)"))
            return 0
        if args.action == "add":
            if args.unit:
                _check_unit(args.unit)
            acc = accounts.add(args.user, args.role, password=password(), name=args.name, unit=args.unit)
            detail = f"thêm, vai trò {acc.role}" + (f", đơn vị {acc.unit}" if acc.unit else "")
        elif args.action == "passwd":
            acc = accounts.update(args.user, password=password())
            detail = "đổi mật khẩu"
        elif args.action in ("disable", "enable"):
            acc = accounts.update(args.user, disabled=args.action == "disable")
            detail = "khóa" if args.action == "disable" else "mở khóa"
        elif args.action == "remove":
            accounts.remove(args.user)
            detail = "xóa"
        audit.record("tai_khoan", user=_who(), what=args.user, detail=detail)
        print(f"Tài khoản {args.user}: {detail} — tệp {accounts.accounts_path()}")
        return 0
    except accounts.AccountError as exc:
        print(f"Lỗi: {exc}")
        return 2


def _check_unit(code: str) -> None:
    path = warehouse.db_path()
    if not path.exists():
        print(f"(chưa có kho dữ liệu tại {path}: chưa kiểm tra được mã đơn vị {code})")
        return
    con = warehouse.connect_readonly(path)
    try:
        if not con.execute("SELECT 1 FROM units WHERE unit_code = ?", [code]).fetchall():
            raise accounts.AccountError(f"Không có đơn vị mã '{code}' trong kho {path}")
    finally:
        con.close()


def cmd_audit(args) -> int:
    path = audit.audit_path()
    if args.verify:
        verdict = audit.verify()
        if verdict.intact:
            print(f"Nhật ký {path}: {verdict.lines} dòng — nguyên vẹn (chuỗi mã khóa và điểm neo khớp)")
            return 0
        print(f"Nhật ký {path}: {verdict.lines} dòng — BỊ SỬA, XÓA hoặc HỎNG ({len(verdict.problems)} chỗ):")
        for line, why in verdict.problems:
            print(f"  - {'dòng ' + str(line) + ': ' if line else ''}{why}")
        return 1
    events = audit.read()
    for ev in events[-args.tail:]:
        if "damaged" in ev:
            print(f"  (dòng hỏng) {ev['damaged'][:100]}")
            continue
        filters = ", ".join(f"{k}={v}" for k, v in (ev.get("filters") or {}).items())
        print(f"{ev['ts']}  {ev['user']:20} {audit.ACTIONS.get(ev['action'], ev['action']):30} {ev.get('what') or ''}"
              + (f" [{filters}]" if filters else "") + (f" — {ev['detail']}" if ev.get("detail") else ""))
    print(f"({len(events)} sự kiện trong {path})")
    return 0


def cmd_decision(args) -> int:
    """Decisions of the competent level allowing a group more HTXS (366-QĐ/TW: up to 25% of HTT): operations/quota_decisions.py."""
    try:
        if args.action == "list":
            rows = qd.listing(warehouse.db_path(args.db), year=args.year, subject=args.subject)
            for r in rows.to_dict("records"):
                print(f"#{r['decision_id']:<4} {r['year']} {r['subject']:16} {r['group_name']} ({r['group_key']}): "
                      f"đến {r['ratio']:.0%} — {r['document_no']}, {r['decided_by']}, {r['decided_on']:%d/%m/%Y}"
                      + ("" if r["in_force"] else " (đã có quyết định sau thay thế)"))
            print(f"({len(rows)} quyết định)")
            return 0
        if args.action == "add":
            missing = [o for o, v in (("--year", args.year), ("--subject", args.subject), ("--group", args.group),
                                      ("--ratio", args.ratio), ("--document", args.document),
                                      ("--decided-by", args.decided_by), ("--date", args.date)) if v is None]
            if missing:
                print("Thiếu: " + ", ".join(missing))
                return 2
            d = qd.add(warehouse.db_path(args.db), year=args.year, subject=args.subject, group=args.group,
                       ratio=args.ratio, document_no=args.document, decided_by=args.decided_by, decided_on=args.date,
                       recorded_by=_who(), note=args.note)
            what = "thêm"
        else:
            if args.id is None:
                print("Cần số quyết định: --id (xem: python -m etl quyet-dinh list)")
                return 2
            d = qd.remove(warehouse.db_path(args.db), args.id)
            what = "xóa"
    except qd.DecisionError as exc:
        print(f"Lỗi: {exc}")
        return 2
    audit.record("quyet_dinh_ty_le", user=_who(), what=f"{d.year} {d.subject} {d.group_key}",
                 filters={"so_van_ban": d.document_no, "ty_le": f"{d.ratio:.2f}", "cap_quyet_dinh": d.decided_by,
                          "ngay": d.decided_on.isoformat()}, detail=f"{what} quyết định #{d.decision_id}")
    print(f"Đã {what} quyết định {qd.describe(d)}")
    return 0


def cmd_backup(args) -> int:
    import duckdb

    try:
        if args.cmd == "restore":
            live = backup.restore(args.file, args.db, by=_who())
            print(f"Đã khôi phục {live} từ {args.file}")
            return 0
        out = backup.backup(args.to, args.db, keep=args.keep)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"Lỗi: {exc}")
        return 2
    print(f"Đã sao lưu kho vào {out}")
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
        s.add_argument("--year", type=int, help="năm đánh giá của biểu mà tiêu đề không ghi năm")
        if name == "load":
            s.add_argument("--replace", action="store_true",
                           help="tệp là bản sửa: thay thế số liệu cùng đơn vị, năm đã nạp từ tệp khác")
    d = sub.add_parser("demo", help="tạo dữ liệu minh họa và nạp qua cùng bộ nạp")
    d.add_argument("--db")
    d.add_argument("--out", help="thư mục ghi các tệp minh họa (mặc định data/demo)")
    d.add_argument("--no-anomalies", action="store_true", help="không cài các trường hợp bất thường")
    d.add_argument("--scale", default="district", choices=["small", "district", "national"],
                   help="quy mô (national: toàn quốc, ~54 triệu dòng, tệp Parquet trong data/national)")
    d.add_argument("--if-missing", action="store_true", help="chỉ tạo khi chưa có kho")
    sub.add_parser("profiles", help="các mẫu biểu (data/profiles) bộ nạp nhận ra: tên, mô tả, tệp")
    rb = sub.add_parser("rebuild", help="tính lại các bảng tổng hợp và phát hiện (sau khi sửa ngưỡng, quy tắc)")
    rb.add_argument("--db")
    rb.add_argument("--if-stale", action="store_true", help="chỉ khi các phát hiện đã lưu không khớp quy tắc hiện tại")
    s = sub.add_parser("loads", help="lịch sử nạp và dòng bị loại")
    s.add_argument("--db")
    s.add_argument("--rejects", action="store_true", help="liệt kê dòng bị loại")
    s.add_argument("--load", type=int, help="chỉ một lần nạp")
    u = sub.add_parser("undo", help="hủy cả một lần nạp (gỡ mọi dòng của lần nạp đó)")
    u.add_argument("load_id", type=int, help="số lần nạp (xem: python -m etl loads)")
    u.add_argument("--db")
    u.add_argument("--force", action="store_true",
                   help="vẫn hủy khi lần nạp này đã thay thế số liệu của lần nạp trước (số liệu cũ không quay lại)")
    a = sub.add_parser("account", help="tài khoản đăng nhập: add, list, passwd, disable, enable, remove, roles")
    a.add_argument("action", choices=["add", "list", "passwd", "disable", "enable", "remove", "roles"])
    a.add_argument("user", nargs="?", help="tên đăng nhập (chữ thường không dấu)")
    a.add_argument("--role", help="vai trò (xem: python -m etl account roles)")
    a.add_argument("--unit", help="mã đơn vị của tài khoản chỉ xem một đơn vị (bí thư)")
    a.add_argument("--name", help="họ tên hiển thị")
    a.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của stdin")
    a.add_argument("--no-password", action="store_true", help="không đặt mật khẩu (chỉ đăng nhập qua proxy)")
    b = sub.add_parser("backup", help="sao lưu kho dữ liệu và nhật ký truy cập")
    b.add_argument("--db")
    b.add_argument("--to", help="thư mục sao lưu (mặc định $KIEMDIEM_BACKUP_DIR hoặc backup/ cạnh kho)")
    b.add_argument("--keep", type=int, default=30, help="giữ bao nhiêu bản gần nhất (mặc định 30)")
    r = sub.add_parser("restore", help="đưa một bản sao lưu trở lại làm kho dữ liệu")
    r.add_argument("file", help="tệp .duckdb sao lưu")
    r.add_argument("--db")
    q = sub.add_parser("quyet-dinh", help="quyết định của cấp có thẩm quyền cho phép tỷ lệ HTXS cao hơn (đến 25%%)")
    q.add_argument("action", choices=["add", "list", "remove"])
    q.add_argument("--db")
    q.add_argument("--year", type=int, help="năm đánh giá")
    q.add_argument("--subject", help="đối tượng: dang_vien, tccsd, chi_bo, cap_uy, tap_the_lanh_dao, can_bo_lanh_dao")
    q.add_argument("--group", help="nhóm: mã nhóm trong bảng kiểm tra tỷ lệ, hoặc mã/tên đơn vị của nhóm")
    q.add_argument("--ratio", type=float, help="tỷ lệ được phép so với số HTT (0,25 hoặc 25)")
    q.add_argument("--document", help="số văn bản quyết định, ví dụ 125-QĐ/HU")
    q.add_argument("--decided-by", help="cấp có thẩm quyền đã quyết định, ví dụ Ban Thường vụ Huyện ủy")
    q.add_argument("--date", help="ngày quyết định (YYYY-MM-DD)")
    q.add_argument("--note", help="ghi chú")
    q.add_argument("--id", type=int, help="số quyết định cần xóa (remove)")
    au = sub.add_parser("audit", help="nhật ký truy cập")
    au.add_argument("--verify", action="store_true", help="kiểm tra nhật ký có bị sửa không")
    au.add_argument("--tail", type=int, default=50, help="số sự kiện cuối cùng (mặc định 50)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.cmd in ("load", "check"):
            return cmd_load(args, checking=args.cmd == "check")
        if args.cmd == "demo":
            return cmd_demo(args)
        if args.cmd == "rebuild":
            return cmd_rebuild(args)
        if args.cmd == "profiles":
            return cmd_profiles(args)
        if args.cmd == "undo":
            return cmd_undo(args)
        if args.cmd == "account":
            if args.action not in ("list", "roles") and not args.user:
                print("Cần tên đăng nhập, ví dụ: python -m etl account add nguyenvana --role uy_ban_kiem_tra")
                return 2
            if args.action == "add" and not args.role:
                print("Cần vai trò: --role (xem: python -m etl account roles)")
                return 2
            return cmd_account(args)
        if args.cmd == "audit":
            return cmd_audit(args)
        if args.cmd in ("backup", "restore"):
            return cmd_backup(args)
        if args.cmd == "quyet-dinh":
            return cmd_decision(args)
        return cmd_loads(args)
    except KeyboardInterrupt:
        print("\nĐã dừng theo yêu cầu — kho dữ liệu giữ nguyên như trước.", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: a message, not a traceback
        print(f"Lỗi không mong đợi: {type(exc).__name__}: {exc}. Kho dữ liệu giữ nguyên như trước.", file=sys.stderr)
        return 2
