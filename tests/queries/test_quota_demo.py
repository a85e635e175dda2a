"""The quota audit on the demo: every planted breach is flagged, nothing the generator kept within limits is."""
from __future__ import annotations

import contextlib
import io
import json

import pytest

from etl import warehouse
from generators import demo
from queries import runner

PLANTED_STATUS = {"member_quota_exceeded": "vuot", "member_quota_needs_exception": "can_quyet_dinh"}
OVER = {"vuot", "can_quyet_dinh"}


@pytest.fixture(scope="module")
def clean_demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_clean")
    with contextlib.redirect_stdout(io.StringIO()):
        demo.build(out / "demo.duckdb", out / "files", scale="small", anomalies=False)
    return out / "demo.duckdb"


def audit(db):
    con = warehouse.connect_readonly(db)
    try:
        return runner.run(con, "quota", {})
    finally:
        con.close()


def test_every_planted_quota_breach_is_flagged(demo_db):
    planted = [p for p in json.loads((demo_db.parent / "files" / "planted.json").read_text(encoding="utf-8"))
               if p["kind"] in PLANTED_STATUS]
    assert planted, "the demo plants quota breaches"
    df = audit(demo_db)
    members = df[(df["subject"] == "dang_vien") & (df["basis"] == "ho_so_ca_nhan")]
    for p in planted:
        row = members[(members["year"] == p["year"]) & (members["unit_code"] == p["unit_code"])]
        assert len(row) == 1, p
        assert row.iloc[0]["status"] == PLANTED_STATUS[p["kind"]], (p, row.iloc[0].to_dict())
        assert row.iloc[0]["share_of_htt"] == pytest.approx(p["ratio"], abs=1e-3)
    # and nothing else in the members' audit is over a verified limit
    flagged = members[members["status"].isin(OVER)]
    expected = {(p["year"], p["unit_code"]) for p in planted}
    assert set(zip(flagged["year"], flagged["unit_code"])) == expected


def test_a_demo_generated_within_limits_flags_no_group(clean_demo):
    df = audit(clean_demo)
    verified = df[(df["certainty"] == "R") & (df["basis"] != "so_lieu_tong_hop")]   # not the real seed-004 figures
    assert not verified.empty
    assert verified[verified["status"].isin(OVER)].empty, verified[verified["status"].isin(OVER)].head().to_dict()
