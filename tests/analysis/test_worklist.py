"""The inspection worklist ("Đơn vị cần kiểm tra"): what enters it, in what order, and why — on hand-made findings
whose answer is known, and on the demo, whose planted breaks must all be found and ranked at the top."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import worklist
from queries import runner, scope

TREE = pd.DataFrame([
    # unit_code, name, tree_level, parent_code
    ("H", "Huyện ủy Thử", "huyen_uy", None),
    ("A", "Đảng bộ xã A", "dang_bo_co_so", "H"),
    ("A1", "Chi bộ thôn 1 (xã A)", "chi_bo_truc_thuoc", "A"),
    ("B", "Đảng bộ xã B", "dang_bo_co_so", "H"),
    ("C", "Chi bộ cơ sở C", "chi_bo_co_so", "H"),
    ("D", "Đảng bộ xã D", "dang_bo_co_so", "H"),
    ("D1", "Chi bộ thôn 1 (xã D)", "chi_bo_truc_thuoc", "D"),
], columns=["unit_code", "name", "tree_level", "parent_code"])


def finding(rule, severity, year, unit, title=None):
    return {"rule": rule, "severity": severity, "year": year, "unit_code": unit, "title": title or rule}


def test_a_violation_outranks_signals_and_a_lone_signal_stays_out():
    f = pd.DataFrame([
        finding("dv_ky_luat", "vi_pham", 2025, "A1", "Đảng viên bị kỷ luật nhưng xếp trên KHTNV"),
        finding("phieu", "can_xem_xet", 2022, "B"),
        finding("thong_ke", "bat_thuong", 2025, "C"),
    ])
    ranked = worklist.rank(f, TREE)
    assert ranked["unit_code"].tolist() == ["A", "B"]          # A1's finding counts for its grassroots organization
    assert ranked.iloc[0]["vi_pham"] == 1
    assert ranked.iloc[0]["reason"].startswith("Vi phạm: Đảng viên bị kỷ luật nhưng xếp trên KHTNV (2025)")


def test_the_same_breach_year_after_year_ranks_first_and_says_so():
    f = pd.DataFrame([
        *(finding("quota", "vi_pham", y, "D", "Vượt tỷ lệ HTXS") for y in (2023, 2024, 2025)),
        finding("dv_ky_luat", "vi_pham", 2025, "A"), finding("dv_ky_luat", "vi_pham", 2025, "A1"),
    ])
    ranked = worklist.rank(f, TREE)
    assert ranked["unit_code"].tolist() == ["D", "A"]
    assert "Vượt tỷ lệ HTXS (3 năm liền 2023–2025)" in ranked.iloc[0]["reason"]
    assert ranked.iloc[0]["persistent"] == 1


def test_recency_orders_but_does_not_exclude():
    f = pd.DataFrame([finding("x", "vi_pham", 2019, "B"), finding("x", "vi_pham", 2025, "C")])
    ranked = worklist.rank(f, TREE)
    assert ranked["unit_code"].tolist() == ["C", "B"]
    assert ranked.iloc[1]["score"] < ranked.iloc[0]["score"]


def test_weights_are_data(tmp_path):
    path = tmp_path / "w.csv"
    text = worklist.WEIGHTS.read_text(encoding="utf-8").replace("bat_thuong,1,", "bat_thuong,5,")
    path.write_text(text, encoding="utf-8")
    f = pd.DataFrame([finding("thong_ke", "bat_thuong", 2025, "C")])
    assert worklist.rank(f, TREE).empty
    assert worklist.rank(f, TREE, worklist.weights(path))["unit_code"].tolist() == ["C"]


def test_every_planted_break_is_found_and_its_unit_ranks_at_the_top(demo_db):
    planted = json.loads((demo_db.parent / "files" / "planted.json").read_text(encoding="utf-8"))
    con = scope.connect(demo_db)
    try:
        findings = runner.run(con, "anomalies", {})
        tree = runner.run(con, "units_tree", {})
    finally:
        con.close()
    up = worklist.inspected_unit(tree, worklist.weights().levels)
    ranked = worklist.rank(findings, tree)
    ranks = dict(zip(ranked["unit_code"], ranked["rank"]))
    for p in planted:
        hit = findings[(findings["year"] == p["year"]) & findings["unit_code"].map(up).eq(up[p["unit_code"]])]
        assert not hit.empty, f"planted {p['kind']} {p['year']} {p['unit_code']} not found"
    targets = {up[p["unit_code"]] for p in planted}
    missing = sorted(t for t in targets if t not in ranks)
    assert not missing, missing
    # the planted units hold the top of the list: anything else above the last of them must have a violation
    last = max(ranks[t] for t in targets)
    others = ranked[(ranked["rank"] <= last) & ~ranked["unit_code"].isin(targets)]
    assert (others["vi_pham"] > 0).all(), others[["unit_code", "reason"]].to_string()
    assert len(ranked) <= len(targets) + 3, ranked[["unit_code", "reason"]].to_string()


@pytest.mark.parametrize("frame", [pd.DataFrame(columns=["rule", "severity", "year", "unit_code", "title"])])
def test_no_findings_no_list(frame):
    assert worklist.rank(frame, TREE).empty and list(worklist.rank(frame, TREE).columns) == worklist.COLUMNS
