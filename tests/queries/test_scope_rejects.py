"""queries/scope.py, the loads' rejected rows: a reader who may read them but not members' names (the admin, the data
operator) gets a rejected member row without the person — the member's code and name, discipline, every column outside
the members' template — whether the members' file was a CSV (checked in SQL) or a workbook (checked in pandas); the
rows of other files as stored; a reader with every right, the whole line."""
from __future__ import annotations

import json
import shutil

import pytest

from operations.load import load_files
from queries import runner, scope
from tests.conftest import write_table
from tests.pages.test_import_page import CORRECTED, MEMBERS_FILE, PERSONAL

ADMIN = scope.Restriction(names=False)                          # quan_tri: member-level rows, no names
OPERATOR = scope.Restriction(individual=False, names=False)     # nhap_lieu
KEPT = {"Năm", "Mã chi bộ", "Xếp loại"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_rejected_member_rows_lose_the_person_for_readers_without_names(sc_db, tmp_path, fmt):
    db = tmp_path / "kho.duckdb"
    shutil.copy(sc_db, db)
    members = load_files([write_table(tmp_path / "xep_loai_dang_vien", MEMBERS_FILE, fmt)], db, replace=True)
    counts = tmp_path / "so_luong_2021.csv"
    counts.write_text(CORRECTED + "2021,KHONG-CO,Đảng viên,1,2,3,0,6\n", encoding="utf-8")
    other = load_files([counts], db)
    lid, oid = members.files[0].load_id, other.files[0].load_id
    full = scope.connect(db)
    whole = runner.run(full, "load_rejects", {"load": lid})
    assert len(whole) == 3 and all(any(p in " ".join(map(str, r)) for p in PERSONAL) for r in whole.itertuples())
    for r in (ADMIN, OPERATOR):
        con = scope.connect(db, r)
        got = runner.run(con, "load_rejects", {"load": lid})
        assert list(got["row_no"]) == list(whole["row_no"]) and list(got["column_name"]) == list(whole["column_name"])
        text = got.to_string() + " ".join(got["raw"]) + " ".join(got["reason"])
        assert not [p for p in PERSONAL if p in text], r
        assert all(set(json.loads(x)) <= KEPT for x in got["raw"])
        assert {"Năm": "2023", "Mã chi bộ": "C11", "Xếp loại": "Xếp loại lạ"} in [json.loads(x) for x in got["raw"]]
        assert "đảng viên [đã ẩn] có tên ở hai chi bộ trong năm 2023" in " ".join(got["reason"])
        # a file of counts names nobody: its rejected rows as stored
        stored = runner.run(full, "load_rejects", {"load": oid})
        assert len(stored) == 1 and "KHONG-CO" in stored["raw"].iloc[0]
        assert runner.run(con, "load_rejects", {"load": oid}).equals(stored)
        con.close()
    full.close()

