"""The runner's composite queries (queries/composite.py): rule headers, regimes, thresholds as data, the CLI."""
from __future__ import annotations

import io
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl import warehouse
from operations.load import load_files
from queries import composite, runner
from commands import queries_cli as cli
from tests.conftest import UNITS_HEADER, write_csv

RULE = """-- rule: thu_nghiem
-- title: Quy tắc thử
-- years: {years}
-- severity: {severity}
-- document: Văn bản thử
-- param: first_year int required
-- param: last_year int required
-- param: nguong float required — ngưỡng
-- columns: year, unit_code, subject, subject_key, detail, basis
SELECT 1;
"""


def rule_file(tmp_path: Path, years="2014-2017, 2025-", severity="vi_pham 2025-; can_xem_xet 2014-2017") -> Path:
    p = tmp_path / "thu_nghiem.sql"
    p.write_text(RULE.format(years=years, severity=severity), encoding="utf-8")
    return p


def test_header_keys_are_kept_and_the_catalog_is_unchanged():
    q = runner.get("anomalies")
    assert q.meta["composite"] == "rules" and "findings" in q.meta["views"]
    assert [p.name for p in q.params] == ["year", "rule", "severity", "unit"]
    assert q.columns[:8] == ("rule", "severity", "year", "unit", "subject", "subject_key", "detail", "basis")
    # rule files live in a subfolder: they are not named queries of their own
    assert "anomalies" in runner.catalog() and not any(n.startswith("dv_") for n in runner.catalog())
    assert runner.get("distribution").meta.get("composite") is None


def test_years_and_severity_by_regime(tmp_path):
    r = composite.parse_rule(rule_file(tmp_path))
    assert r.years == ((2014, 2017), (2025, composite.OPEN_END))
    assert r.main_severity == "vi_pham"
    assert r.segments() == [(2014, 2017, "can_xem_xet"), (2025, composite.OPEN_END, "vi_pham")]
    assert r.segments(year=2016) == [(2016, 2016, "can_xem_xet")]
    assert r.segments(year=2020) == []                                   # outside the rule's years: not run
    assert r.segments(severity="vi_pham") == [(2025, composite.OPEN_END, "vi_pham")]
    assert composite.parse_years("2017", "x") == ((2017, 2017),)


@pytest.mark.parametrize("years, severity", [
    ("2018-", "vi_pham 2019-"),                  # 2018 has no severity
    ("2018-2020", "vi_pham; can_xem_xet 2019"),  # 2019 has two
    ("2018-", "vi_pham 2018-2019; can_xem_xet 2022-"),   # 2020–2021 have none
    ("2018-2020", "loi 2018-2020"),              # not a severity
    ("20x8", "vi_pham"),
])
def test_inconsistent_headers_are_refused(tmp_path, years, severity):
    with pytest.raises(runner.QueryError):
        composite.parse_rule(rule_file(tmp_path, years, severity))


def test_thresholds_come_from_the_config_with_shared_rows_and_fractions(tmp_path):
    r = composite.parse_rule(rule_file(tmp_path))
    conf = {"*": {"nguong": "0.5"}, "thu_nghiem": {"nguong": "2/3"}}
    assert composite.rule_params(r, 2014, 2017, conf) == {"first_year": 2014, "last_year": 2017, "nguong": 2 / 3}
    assert composite.rule_params(r, 2014, 2017, {"*": {"nguong": "0,5"}})["nguong"] == 0.5
    with pytest.raises(runner.QueryError, match="nguong"):
        composite.rule_params(r, 2014, 2017, {})


def test_every_shipped_rule_is_complete():
    rules = composite.rules()
    assert len(rules) >= 20
    conf = composite.config()
    for r in rules.values():
        assert r.title and r.document and r.query.description
        for first, last, sev in r.segments():
            composite.rule_params(r, first, last, conf)          # every threshold is configured
    # config rows name real rules and real parameters
    for rid, values in conf.items():
        if rid == "*":
            continue
        assert rid in rules, rid
        assert set(values) <= {p.name for p in rules[rid].query.params}, rid


@pytest.fixture
def small_db(tmp_path):
    db = tmp_path / "kho.duckdb"
    units = write_csv(tmp_path / "u.csv", [UNITS_HEADER,
        ["X", "Đảng bộ xã Thử", "Đảng bộ cơ sở", "", "", "", ""],
        ["X-1", "Chi bộ thôn Một", "Chi bộ trực thuộc", "", "X", "", ""],
        ["Y", "Đảng bộ xã Khác", "Đảng bộ cơ sở", "", "", "", ""],
        ["Y-1", "Chi bộ thôn Hai", "Chi bộ trực thuộc", "", "Y", "", ""]])
    members = write_csv(tmp_path / "m.csv", [
        ["Năm", "Mã đảng viên", "Mã chi bộ", "Xếp loại", "Hình thức kỷ luật"],
        [2020, "A", "X-1", "HTT", "Khiển trách"], [2021, "B", "Y-1", "HTT", "=cmd|' /C calc'!A0"],
        [2016, "C", "Y-1", "HT", "Cảnh cáo"]])
    assert load_files([units, members], db).exit_code == 0
    return db


def test_filters_by_rule_year_severity_and_unit(small_db):
    con = warehouse.connect_readonly(small_db)
    try:
        rule = "dv_ky_luat_xep_tren_khtnv"
        df = runner.run(con, "anomalies", {"rule": rule})
        assert sorted(df["year"]) == [2016, 2020, 2021]
        assert list(df["severity"]) == ["vi_pham", "vi_pham", "can_xem_xet"]       # most serious first
        assert runner.run(con, "anomalies", {"rule": rule, "year": 2020})["unit"].tolist() == ["Chi bộ thôn Một"]
        assert runner.run(con, "anomalies", {"rule": rule, "unit": "dang bo xa khac"})["unit_code"].tolist() == \
            ["Y-1", "Y-1"]
        assert runner.run(con, "anomalies", {"rule": rule, "severity": "can_xem_xet"})["year"].tolist() == [2016]
        assert runner.run(con, "anomalies", {"rule": f"{rule}, dv_ky_luat_366"})["rule"].nunique() == 1
        with pytest.raises(runner.QueryError, match="khong_co"):
            runner.run(con, "anomalies", {"rule": "khong_co"})
        with pytest.raises(runner.QueryError, match="Mức"):
            runner.run(con, "anomalies", {"severity": "nang"})
        cat = runner.run(con, "anomaly_rules", {})
        assert list(cat.columns) == list(runner.get("anomaly_rules").columns)
        assert set(cat["rule"]) == set(composite.rules())
        # (2023–2024 belong to dv_ky_luat_124 since issue 23: 124-QĐ/TW has its own self-detected exception)
        assert cat.set_index("rule").loc[rule, "severity_by_year"] == "Vi phạm (2018–2022); Cần xem xét (2014–2017)"
    finally:
        con.close()


def test_an_empty_warehouse_gives_typed_empty_results(tmp_path):
    db = warehouse.ensure(tmp_path / "trong.duckdb")
    con = warehouse.connect_readonly(db)
    try:
        df = runner.run(con, "anomalies", {"year": 2021})
        assert df.empty and list(df.columns) == list(runner.get("anomalies").columns)
    finally:
        con.close()


def test_command_line(small_db):
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(["anomalies", "--db", str(small_db), "--param", "year=2020",
                         "--param", "rule=dv_ky_luat_xep_tren_khtnv", "--format", "csv"])
    assert code == 0
    df = pd.read_csv(io.StringIO(out.getvalue()))
    assert list(df.columns[:8]) == ["rule", "severity", "year", "unit", "subject", "subject_key", "detail", "basis"]
    assert df["detail"].iloc[0].startswith("Đảng viên ") and "(Khiển trách)" in df["detail"].iloc[0]
    assert cli.main(["anomalies", "--db", str(small_db), "--param", "rule=khong_co"]) == 2


def test_command_line_on_a_warehouse_from_an_earlier_version(small_db, tmp_path, capsys):
    """A warehouse made before the stored audits existed: a message naming the command, not a catalog error."""
    old = tmp_path / "cu.duckdb"
    shutil.copy(small_db, old)
    con = duckdb.connect(str(old))
    for t in ("quota_audit", "inspection_findings", "member_streaks"):
        con.execute(f"DROP TABLE {t}")        # (fixed names of this test)
    con.close()
    assert cli.main(["anomalies", "--db", str(old)]) == 2
    err = capsys.readouterr().err
    assert "phiên bản trước" in err and "python -m etl rebuild" in err


def test_command_line_output_cut_short_is_not_an_error(small_db, tmp_path):
    """`python -m queries … | head -1`: the reader closes the pipe early; no traceback, exit code 0."""
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "queries", "anomalies", "--db", str(small_db), "--format", "csv"],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 0
    assert first.startswith(b"rule,severity") and "Traceback" not in err
