"""Stored audits (derive/audits.py): rebuilt by `python -m etl rebuild` when the rule files or thresholds change."""
from __future__ import annotations

import shutil

import duckdb
import pandas as pd

from derive import audits as precompute
from commands import etl_cli as cli
from queries import composite


def test_a_changed_threshold_makes_the_stored_findings_stale_until_rebuild(demo_db, tmp_path, monkeypatch, capsys):
    db = tmp_path / "kho.duckdb"
    shutil.copy(demo_db, db)
    assert not precompute.stale(db)
    assert cli.main(["rebuild", "--db", str(db), "--if-stale"]) == 0
    assert capsys.readouterr().out == ""                      # nothing to do

    # a locality lowers the size from which a chi bộ rated all at one level is a signal
    conf = tmp_path / "inspection_config.csv"
    text = composite.CONFIG.read_text(encoding="utf-8")
    old = "thong_ke_chi_bo_dong_loat_mot_muc,so_dang_vien_toi_thieu,5,"
    assert old in text
    conf.write_text(text.replace(old, old.replace(",5,", ",3,")), encoding="utf-8")
    monkeypatch.setattr(composite, "CONFIG", conf)
    assert precompute.stale(db)
    con = duckdb.connect(str(db), read_only=True)
    assert not composite.stored(con)                         # read live meanwhile
    live = composite.findings(con, "thong_ke_chi_bo_dong_loat_mot_muc")
    con.close()

    assert cli.main(["rebuild", "--db", str(db), "--if-stale"]) == 0
    assert "Xong" in capsys.readouterr().out
    assert not precompute.stale(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert composite.stored(con)
        stored = composite.findings(con, "thong_ke_chi_bo_dong_loat_mot_muc")
        assert len(stored) == len(live)
        assert stored["detail"].tolist() == live["detail"].tolist()
    finally:
        con.close()


def test_rebuild_of_a_missing_warehouse_is_a_message_not_a_traceback(tmp_path, capsys):
    assert cli.main(["rebuild", "--db", str(tmp_path / "khong_co.duckdb")]) == 2
    assert "Chưa có kho dữ liệu" in capsys.readouterr().out


def _made_by_an_earlier_version(demo_db, tmp_path, capsys, *statements: str):
    """A copy of the demo altered by `statements` (as an earlier version left it): stale, then `rebuild --if-stale`
    brings it up to date. Returns the copy's path."""
    db = tmp_path / "kho.duckdb"
    shutil.copy(demo_db, db)
    con = duckdb.connect(str(db))
    for sql in statements:
        con.execute(sql)
    con.close()
    assert precompute.stale(db)
    assert cli.main(["rebuild", "--db", str(db), "--if-stale"]) == 0
    assert "Xong" in capsys.readouterr().out
    assert not precompute.stale(db)
    return db


def test_a_tree_built_by_an_earlier_statement_is_replaced_by_rebuild(demo_db, tmp_path, capsys):
    """A warehouse whose unit_tree came from another version of queries/derived/unit_tree.sql (other columns) is stale;
    `rebuild --if-stale` replaces the table with the statement's columns."""
    db = _made_by_an_earlier_version(demo_db, tmp_path, capsys, "ALTER TABLE unit_tree DROP COLUMN name_order",
                                     "UPDATE meta SET value = 'cũ' WHERE key = 'unit_tree_key'")
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = [r[0] for r in con.execute("DESCRIBE unit_tree").fetchall()]
        assert "name_order" in cols and con.execute("SELECT count(*) FROM unit_tree").fetchone()[0] > 10
    finally:
        con.close()


def test_a_quota_audit_without_its_order_is_stale_and_rebuilt_in_order(demo_db, tmp_path, capsys):
    """A warehouse made before the quota audit was stored in queries/quota.sql's order (no sort_order column) is
    stale; `rebuild --if-stale` adds the column and rewrites the table in that order."""
    from queries import runner
    con = duckdb.connect(str(demo_db), read_only=True)
    want = runner.run(con, "quota", {})
    con.close()
    db = _made_by_an_earlier_version(demo_db, tmp_path, capsys, "ALTER TABLE quota_audit DROP COLUMN sort_order")
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = [r[0] for r in con.execute("SELECT sort_order FROM quota_audit").fetchall()]
        assert stored == list(range(1, len(want) + 1))
        pd.testing.assert_frame_equal(runner.run(con, "quota", {}), want)
    finally:
        con.close()


def test_a_warehouse_without_the_newest_tables_is_stale_and_rebuild_adds_them(demo_db, tmp_path, capsys):
    """A warehouse made before unit_aliases and aggregate_counts_by_type existed: the import page's undo plan still
    works on it (a newer table holds no row of any load), it is stale, and `rebuild --if-stale` (make run) adds them."""
    from operations import undo
    db = tmp_path / "cu.duckdb"
    shutil.copy(demo_db, db)
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE unit_aliases")
    con.execute("DROP TABLE aggregate_counts_by_type")
    load = con.execute("SELECT max(load_id) FROM loads").fetchone()[0]
    con.close()
    plan = undo.undo_load(load, db, dry_run=True)
    assert plan.error is None and plan.removed["aggregate_counts_by_type"] == 0
    (tmp_path / "x").mkdir()
    db = _made_by_an_earlier_version(db, tmp_path / "x", capsys)
    con = duckdb.connect(str(db), read_only=True)
    try:
        have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert {"unit_aliases", "aggregate_counts_by_type"} <= have
    finally:
        con.close()
