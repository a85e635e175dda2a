"""Files built to hurt: a 5 KB workbook that asks the parser for 512 GB, a CSV field longer than any cell, a writer
killed half-way. Each must cost the sender their own file, never the server, the batch or the privacy of the data."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import openpyxl
import pytest

from etl import filecheck, isolated_read, readers, warehouse
from operations import backup
from operations.load import load_files
from tests.conftest import ROOT, UNITS, UNITS_HEADER, write_csv


def far_cell_workbook(path):
    """One cell at A1 and one at XFD1048576: python-calamine lays the sheet out densely and aborts the process."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Năm"
    wb.active["XFD1048576"] = "x"
    wb.save(path)
    return path


def _cli(*args, env=None, cwd=ROOT, umask=None):
    environ = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=environ, capture_output=True, text=True,
                          timeout=300, preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


def test_a_far_cell_is_refused_before_any_parser_runs(tmp_path):
    bomb = far_cell_workbook(tmp_path / "bom.xlsx")
    assert bomb.stat().st_size < 8000
    with pytest.raises(filecheck.FileRefused, match="XFD1048576") as refused:
        filecheck.check(bomb)
    assert "1.048.576 dòng × 16.384 cột" in str(refused.value)


def test_an_ordinary_workbook_passes_the_extent_check(tmp_path, units_file):
    filecheck.check(units_file)
    wide = tmp_path / "rong.xlsx"          # past column Z: the exact scan runs, and the sheet is small
    wb = openpyxl.Workbook()
    wb.active["AB3"] = 1
    wb.active["A600000"] = 2            # far row, narrow sheet: 28 × 600,000 = 16.8 million cells, under the limit
    wb.save(wide)
    filecheck.check(wide)


def test_a_workbook_that_gets_past_the_checks_is_parsed_in_a_process_that_may_die(tmp_path, monkeypatch):
    """The net under filecheck: with its limit lifted, the same file reaches the parser — in a child process with
    capped memory. The child dies; this process (the server, in the import page) gets a clerk's message."""
    bomb = far_cell_workbook(tmp_path / "bom.xlsx")
    monkeypatch.setattr(filecheck, "MAX_CELLS", 10**15)
    with pytest.raises(readers.FileError, match="quá nhiều bộ nhớ"):
        readers.read_sheets(bomb)


def test_the_child_returns_the_cells_as_calamine_reads_them(tmp_path):
    import datetime as dt
    path = tmp_path / "ngay.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Năm", dt.datetime(2024, 11, 22, 8, 30), dt.date(2024, 12, 15), 1.5, 7, None, True, "Đảng"])
    wb.save(path)
    from python_calamine import CalamineWorkbook
    direct = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet").to_python(skip_empty_area=False)
    assert isolated_read.read_workbook(path) == [("Sheet", direct)]


def test_check_from_the_command_line_gives_a_message_not_an_abort(tmp_path):
    bomb = far_cell_workbook(tmp_path / "bom.xlsx")
    db = tmp_path / "kho" / "kho.duckdb"
    for env in ({}, {"KIEMDIEM_MAX_CELLS": str(10**15)}):       # refused by the check, then by the child's limit
        done = _cli("etl", "check", str(bomb), "--db", str(db), env=env)
        assert done.returncode == 2, done.stderr
        out = done.stdout + done.stderr
        assert "bom.xlsx" in out and "Traceback" not in out
        assert ("XFD1048576" in out) if not env else ("quá nhiều bộ nhớ" in out)
    leftovers = [p.name for p in db.parent.iterdir() if p.name.endswith((".tmp", ".wal"))] if db.parent.exists() else []
    assert leftovers == []


def test_an_overlong_csv_field_rejects_its_row_and_the_rest_loads(tmp_path, db):
    rows = [UNITS_HEADER, *UNITS[:3], ["X9", "Đảng bộ " + "A" * 140_000, "Đảng bộ cơ sở", "Xã, thị trấn", "H1", "", ""],
            *UNITS[3:]]
    path = write_csv(tmp_path / "don_vi.csv", rows)
    res = load_files([path], db)
    assert res.exit_code == 1
    assert sum(f.rows_loaded for f in res.files) == len(UNITS)
    [bad] = res.rejects
    assert (bad.row, bad.column) == (5, "B")
    assert "140.008 ký tự" in bad.reason and "32.767" in bad.reason
    assert len(bad.value) < 100


def test_a_killed_writers_copy_is_swept_and_a_live_ones_is_not(tmp_path, db, units_file):
    load_files([units_file], db)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [db.with_name(f".{db.name}.{dead.pid}.abcd1234.tmp"), db.with_name(f".{db.name}.{dead.pid}.abcd1234.tmp.wal")]
    alive = db.with_name(f".{db.name}.{os.getpid()}.ffff0000.tmp")
    for f in (*stale, alive):
        f.write_bytes(b"x")
    removed = warehouse.sweep_leftovers(db)
    assert sorted(removed) == sorted(stale)
    assert alive.exists() and not any(f.exists() for f in stale)


def test_every_file_holding_personal_data_is_private_whatever_the_umask(tmp_path, units_file):
    db = tmp_path / "kho.duckdb"
    done = _cli("etl", "load", str(units_file), "--db", str(db), umask=0o022)
    assert done.returncode == 0, done.stdout + done.stderr
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    # A warehouse made readable by an older version becomes private at the next write, and so do backups.
    os.chmod(db, 0o644)
    old = os.umask(0o022)
    try:
        load_files([write_csv(tmp_path / "them.csv", [UNITS_HEADER, ["X7", "Đảng bộ xã Mới", "Đảng bộ cơ sở",
                                                                   "Xã, thị trấn", "H1", "", ""]])], db)
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        out = backup.backup(tmp_path / "sao_luu", db=db)
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    finally:
        os.umask(old)

