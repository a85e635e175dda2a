"""Undo of a whole load (operations/undo.py, `python -m etl undo`), the account and backup commands."""
from __future__ import annotations

import subprocess
import sys

from operations import accounts, undo
from operations.load import load_files
from queries import runner, scope
from tests.conftest import ROOT, write_csv

AGG = ["Năm", "Mã đơn vị", "Đối tượng", "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ",
       "Hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ", "Tổng số"]
MEMBERS = ["Năm", "Mã đảng viên", "Họ và tên", "Mã chi bộ", "Xếp loại"]


def counts(db, unit="X1"):
    con = scope.connect(db)
    try:
        return runner.run(con, "distribution", {"unit": unit, "subject": "dang_vien"})[["year", "htxs"]].values.tolist()
    finally:
        con.close()


def test_undo_removes_every_row_of_the_load_and_keeps_its_history(tmp_path, db, units_file):
    members = write_csv(tmp_path / "dv.csv", [MEMBERS, [2024, "DV1", "Hồ Văn A", "CB1", "HTXS"],
                                              [2024, "DV2", "Lê Thị B", "CB2", "HTT"]])
    load_files([units_file], db)
    res = load_files([members], db)
    lid = res.files[0].load_id
    assert counts(db) == [[2024, 1]]
    plan = undo.undo_load(lid, db, dry_run=True)
    assert plan.removed["member_ratings"] == 2 and not plan.done and not plan.error
    assert counts(db) == [[2024, 1]]                                   # a plan writes nothing
    done = undo.undo_load(lid, db, by="Người thử")
    assert done.done and "Đã hủy lần nạp" in done.message()
    assert counts(db) == []
    con = scope.connect(db)
    assert con.execute("SELECT count(*) FROM member_identities").fetchone()[0] == 0      # names go with the rows
    status, note = con.execute("SELECT status, note FROM loads WHERE load_id = ?", [lid]).fetchone()
    assert status == "da_huy" and "bởi Người thử" in note
    assert "đã được hủy trước đây" in undo.undo_load(lid, db).error
    again = load_files([members], db)                                  # the same file loads again after an undo
    assert again.files[0].rows_loaded == 2 and counts(db) == [[2024, 1]]


def test_undo_of_a_correction_warns_that_the_old_rows_do_not_come_back(tmp_path, db, units_file):
    load_files([units_file], db)
    first = load_files([write_csv(tmp_path / "sl.csv", [AGG, [2023, "X1", "Đảng viên", 2, 10, 1, 0, 13]])], db)
    fixed = load_files([write_csv(tmp_path / "sl.csv", [AGG, [2023, "X1", "Đảng viên", 3, 9, 1, 0, 13]])], db)
    assert fixed.files[0].replaced
    lid = fixed.files[0].load_id
    res = undo.undo_load(lid, db)
    assert not res.done and f"lần nạp #{first.files[0].load_id}" in res.error and "không khôi phục" in res.error
    assert undo.undo_load(lid, db, force=True).done
    assert counts(db) == []


def test_undo_refuses_to_leave_rows_without_their_unit(tmp_path, db, units_file):
    units = load_files([units_file], db).files[0].load_id
    data = load_files([write_csv(tmp_path / "sl.csv", [AGG, [2023, "X1", "Đảng viên", 2, 10, 1, 0, 13]])], db)
    res = undo.undo_load(units, db)
    assert not res.done and f"#{data.files[0].load_id}" in res.error and "X1" in res.error
    assert counts(db) == [[2023, 2]]                                   # refused: nothing changed


def test_command_line_undo_account_backup(tmp_path, db, units_file):
    env = {"KIEMDIEM_DB": str(db), "KIEMDIEM_ACCOUNTS": str(tmp_path / "tk.toml"),
           "KIEMDIEM_AUDIT": str(tmp_path / "audit.jsonl"), "PATH": "/usr/bin:/bin"}

    def cli(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, input=stdin,
                              capture_output=True, text=True, timeout=120)
    lid = load_files([units_file], db).files[0].load_id
    out = cli("undo", str(lid))
    assert out.returncode == 0 and "Đã hủy lần nạp" in out.stdout
    assert cli("undo", str(lid)).returncode == 2
    out = cli("account", "add", "tranthic", "--role", "bi_thu", "--unit", "X1", "--name", "Trần Thị C",
              "--password-stdin", stdin="mat-khau-rat-dai\n")
    assert out.returncode == 2 and "Không có đơn vị mã 'X1'" in out.stdout     # the units were undone
    out = cli("account", "add", "tranthic", "--role", "uy_ban_kiem_tra", "--password-stdin", stdin="mat-khau-rat-dai\n")
    assert out.returncode == 0, out.stdout
    assert accounts.authenticate("tranthic", "mat-khau-rat-dai", tmp_path / "tk.toml").role == "uy_ban_kiem_tra"
    assert "tranthic" in cli("account", "list").stdout
    out = cli("audit", "--verify")
    assert out.returncode == 0 and "nguyên vẹn" in out.stdout
    assert "Thay đổi tài khoản" in cli("audit").stdout and "Hủy lần nạp" in cli("audit").stdout
    out = cli("backup", "--to", str(tmp_path / "sao_luu"))
    assert out.returncode == 0, out.stdout
    saved = list((tmp_path / "sao_luu").glob(f"{db.stem}-*.duckdb"))
    assert len(saved) == 1 and len(list((tmp_path / "sao_luu").glob("audit-*.jsonl"))) == 1
    assert cli("restore", str(saved[0])).returncode == 0
    assert "Khôi phục kho" in cli("audit").stdout
