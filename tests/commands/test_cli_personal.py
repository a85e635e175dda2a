"""python -m queries with personal data: member-level rows printed on a terminal are logged like any export, and a CSV
meant for Excel cannot carry a formula."""
from __future__ import annotations

import os
import subprocess
import sys

from operations import audit
from operations.load import load_files
from tests.conftest import ROOT, UNITS, UNITS_HEADER, write_csv

MEMBERS = ["Năm", "Mã đảng viên", "Họ và tên", "Mã chi bộ", "Xếp loại"]


def _run(*args, env):
    return subprocess.run([sys.executable, "-m", "queries", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_member_names_from_the_command_line_are_logged_and_neutralized(tmp_path, db):
    units = write_csv(tmp_path / "don_vi.csv", [UNITS_HEADER, *UNITS])
    members = write_csv(tmp_path / "dang_vien.csv", [MEMBERS,
                        ["2024", "DV1", "=HYPERLINK(\"http://example.invalid\",\"x\")", "CB1", "Hoàn thành tốt nhiệm vụ"],
                        ["2024", "DV2", "@SUM(1+1)", "CB1", "Hoàn thành nhiệm vụ"]])
    res = load_files([units, members], db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    log = tmp_path / "nk" / "audit.jsonl"
    env = {"KIEMDIEM_AUDIT": str(log), "KIEMDIEM_DB": str(db)}
    keys = _run("member_names", "--format", "csv", "--param", "keys=" + _keys(db), env=env)
    assert keys.returncode == 0, keys.stderr
    assert "'=HYPERLINK" in keys.stdout and ",'@sum" in keys.stdout.lower()
    assert "\n=HYPERLINK" not in keys.stdout and ",=HYPERLINK" not in keys.stdout
    [event] = audit.read(log)
    assert event["action"] == "xuat_ca_nhan" and event["what"] == "member_names" and event["rows"] == 2
    assert "có họ tên" in event["detail"] and "(dòng lệnh)" in event["user"]
    # an aggregate query reads no member row: not logged
    assert _run("distribution", "--param", "unit=H1", env=env).returncode == 0
    assert len(audit.read(log)) == 1


def _keys(db) -> str:
    from queries import scope
    con = scope.connect(db)
    try:
        return ",".join(k for (k,) in con.execute("SELECT DISTINCT member_key FROM member_ratings").fetchall())
    finally:
        con.close()
