"""The central statistics forms Biểu số 7A-TCTW and 7B-TCTW (issue 21, item 2) loaded as district boards filled them,
through the profiles data/profiles/bieu_7a_tctw.toml, bieu_7b_tctw.toml and the one loader: the "Tổng số" column
into aggregate_counts (checked through the distribution query), the split by kind of organization into
aggregate_counts_by_type (checked through the aggregate_by_type query), every number."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from etl import warehouse
from operations.load import load_files
from operations.undo import undo_load
from queries import runner
from tests.conftest import ROOT
from tests.etl import summary_sheets as ss
from tests.etl import tctw_forms as tf
from tests.etl.test_loader import accounted, q


@pytest.fixture
def kho(tmp_path):
    """A warehouse with the district's unit catalogue (H1 = Huyện ủy Hòa Bình)."""
    db = tmp_path / "kho.duckdb"
    res = load_files(ss.catalogue_files(tmp_path), db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    return db


def _run(db, name: str, params: dict):
    con = warehouse.connect_readonly(db)
    try:
        return runner.run(con, name, params)
    finally:
        con.close()


def distribution(db, unit: str) -> dict:
    df = _run(db, "distribution", {"unit": unit})
    return {(r.subject, r.year): (r.htxs, r.htt, r.ht, r.khtnv, r.total, r.not_rated) for r in df.itertuples()}


def by_type(db, unit: str, subject: str) -> dict:
    df = _run(db, "aggregate_by_type", {"unit": unit, "subject": subject})
    return {r.org_type: (r.htxs, r.htt, r.ht, r.khtnv, r.total, r.not_rated,
                         None if pd.isna(r.exemplary) else r.exemplary) for r in df.itertuples()}


def by_type_digest(db) -> list:
    return q(db, "SELECT * EXCLUDE (load_id) FROM aggregate_counts_by_type ORDER BY ALL")


def _rows(form, label_start: str, nth: int = 0):
    return [r for r in form.rows if r.label.startswith(label_start)][nth]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_7a_loads_totals_and_the_split_by_kind_exactly(tmp_path, kho, suffix):
    if suffix == ".xls":
        pytest.importorskip("xlwt")
    f = tf.write(tmp_path / f"bieu_7a_2016{suffix}", tf.form_7a())
    res = load_files([f], kho)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    assert accounted(res)
    notes = " ".join(res.files[0].notes)
    assert "mẫu biểu 'bieu_7a_tctw'" in notes and "năm 2016" in notes
    assert "tỷ lệ" not in notes                           # every printed share matches; "X" is not a share
    # the "Tổng số" column, counted by hand from the form
    assert distribution(kho, "Huyện ủy Hòa Bình") == {("tccsd", 2016): (20, 22, 7, 1, 50, 2),
                                                      ("chi_bo", 2016): (60, 80, 19, 2, 161, 3)}
    for subject, data in (("tccsd", tf.TCCSD_2016), ("chi_bo", tf.CHI_BO_2016)):
        totals, per = tf.expected_org(data)
        assert distribution(kho, "H1")[(subject, 2016)] == totals
        assert by_type(kho, "H1", subject) == per, subject
        # the kinds in the total add up to it; the sub-column "100% vốn NN" is inside its parent, not added
        df = _run(kho, "aggregate_by_type", {"unit": "H1", "subject": subject})
        assert tuple(int(df[df.in_total][c].sum()) for c in ("htxs", "htt", "ht", "khtnv", "total", "not_rated")) \
            == totals
        assert df.loc[df.org_type == "dn_100_von_nuoc_ngoai", "parent_type"].item() == "dn_von_nuoc_ngoai"
    # "tiêu biểu" kept as the exemplary count of level 1, per kind (5 grassroots organizations, 7 chi bộ)
    assert q(kho, "SELECT subject, sum(exemplary) FROM aggregate_counts_by_type "
                  "WHERE org_type <> 'dn_100_von_nuoc_ngoai' GROUP BY 1 ORDER BY 1") == [("chi_bo", 7), ("tccsd", 5)]
    # a kind the form leaves empty is not a row of zeros
    assert "khac" not in by_type(kho, "H1", "tccsd") and "dn_tu_nhan" not in by_type(kho, "H1", "chi_bo")
    assert res.files[0].rows_loaded == 2 + 10 + 10


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_7b_loads_members_with_exempt_and_not_yet_rated_as_not_rated(tmp_path, kho, suffix):
    if suffix == ".xls":
        pytest.importorskip("xlwt")
    f = tf.write(tmp_path / f"bieu_7b_2016{suffix}", tf.form_7b())
    res = load_files([f], kho)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    assert "mẫu biểu 'bieu_7b_tctw'" in " ".join(res.files[0].notes)
    totals, per = tf.expected_members(tf.DANG_VIEN_2016)
    assert totals == (324, 1813, 101, 10, 2248, 78)          # by hand: 55 exempt + 23 not yet rated
    assert distribution(kho, "H1") == {("dang_vien", 2016): totals}
    assert by_type(kho, "H1", "dang_vien") == per
    # "Trong đó: … còn hạn chế" (inside C) and the "Chia ra" rows under D are parts, never levels
    assert q(kho, "SELECT count(*) FROM aggregate_counts_by_type WHERE subject = 'dang_vien'") == [(11,)]


def test_level_names_of_either_era_and_a_form_without_column_numbers(tmp_path, kho):
    old = dataclasses.replace(tf.form_7a(year=2014, levels=["a) Trong sạch, vững mạnh", "b) Hoàn thành tốt nhiệm vụ",
                                                            "c) Hoàn thành nhiệm vụ", "d) Yếu kém"]),
                              column_numbers=False)
    new = tf.form_7a(year=2019, levels=tf.NEW_ORG)
    res = load_files([tf.write(tmp_path / "7a_2014.xlsx", old), tf.write(tmp_path / "7a_2019.xlsx", new)], kho)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    got = distribution(kho, "H1")
    for year in (2014, 2019):
        assert got[("tccsd", year)] == (20, 22, 7, 1, 50, 2) and got[("chi_bo", year)] == (60, 80, 19, 2, 161, 3)


def test_levels_that_do_not_add_up_to_the_rated_row_are_rejected_per_column(tmp_path, kho):
    form = tf.form_7a()
    rated = _rows(form, "1. Số tổ chức cơ sở đảng được đánh giá")
    rated.values = {**rated.values, "xa": 14}          # the levels of "Xã" add up to 15
    res = load_files([tf.write(tmp_path / "7a_sai.xlsx", form)], kho)
    assert res.exit_code == 1
    msgs = [r.message() for r in res.rejects]
    assert len(msgs) == 2, msgs
    assert any("7a_sai.xlsx, trang 'Biểu 7A', dòng 10, cột 'Tổng số (cột B)' = '49'" in m and
               "tổng các mức (20 + 22 + 7 + 1 = 50) khác số tổ chức cơ sở đảng được đánh giá (49)" in m for m in msgs)
    assert any("cột 'Xã (cột D)' = '14'" in m and "(5 + 8 + 2 + 0 = 15)" in m for m in msgs)
    # not guessed: no totals for tccsd and no "Xã" row; the other kinds and the chi bộ part load
    assert ("tccsd", 2016) not in distribution(kho, "H1")
    assert distribution(kho, "H1")[("chi_bo", 2016)] == (60, 80, 19, 2, 161, 3)
    per = by_type(kho, "H1", "tccsd")
    assert "xa" not in per and per["co_quan_hanh_chinh"] == (6, 4, 1, 0, 11, 0, 2)


def test_total_column_that_is_not_the_sum_of_the_kinds_rejects_the_part_with_the_numbers(tmp_path, kho):
    form = tf.form_7a()
    for start, total in (("A. Số tổ chức", 53), ("1. Số tổ chức cơ sở đảng được", 51), ("b) Hoàn thành tốt", 23)):
        _rows(form, start).total = total        # the "Tổng số" column adds up in itself, not to the kinds
    res = load_files([tf.write(tmp_path / "7a_cot2.xlsx", form)], kho)
    assert res.exit_code == 1
    msgs = [r.message() for r in res.rejects]
    assert len(msgs) == 3, msgs
    assert any("dòng 14, cột 'Tổng số (cột B)' = '23'" in m and "cột Tổng số ghi 23" in m and "được 22" in m
               and "cột con 'Trong đó' không cộng" in m for m in msgs)
    assert ("tccsd", 2016) not in distribution(kho, "H1") and by_type(kho, "H1", "tccsd") == {}
    assert by_type(kho, "H1", "chi_bo") == tf.expected_org(tf.CHI_BO_2016)[1]


def test_a_share_that_its_count_does_not_give_is_a_warning_naming_the_cell(tmp_path, kho):
    form = tf.form_7a()
    _rows(form, "a) Trong sạch").share = "45,00"          # 20 of 50 is 40,00
    res = load_files([tf.write(tmp_path / "7a_tyle.xlsx", form)], kho)
    assert res.exit_code == 0
    warn = [n for n in res.files[0].notes if "tỷ lệ" in n]
    assert len(warn) == 1 and "ô C12" in warn[0] and "'45,00'" in warn[0] and "20/50 = 40,00%" in warn[0]
    assert distribution(kho, "H1")[("tccsd", 2016)] == (20, 22, 7, 1, 50, 2)     # loaded by the counts


def test_a_part_larger_than_its_row_is_a_warning(tmp_path, kho):
    form = tf.form_7a()
    _rows(form, "Trong đó: Trong sạch vững mạnh tiêu biểu").values["xa"] = 9     # more than the 5 rated TSVM
    res = load_files([tf.write(tmp_path / "7a_tieubieu.xlsx", form)], kho)
    assert res.exit_code == 1
    assert any("số tiêu biểu (9) lớn hơn số ở mức HTXS (5)" in r.reason for r in res.rejects)
    form = tf.form_7a()
    _rows(form, "Trong đó: Số mới thành lập").values["dn_co_phan"] = 3            # of 1 not rated
    res = load_files([tf.write(tmp_path / "7a_moi.xlsx", form)], kho, replace=True)
    assert res.exit_code == 0
    assert any("ô G" in n and "lớn hơn dòng" in n for n in res.files[0].notes)


def test_reload_is_idempotent_a_corrected_file_replaces_and_undo_removes_the_split(tmp_path, kho):
    f = tf.write(tmp_path / "bieu_7a.xlsx", tf.form_7a())
    first = load_files([f], kho)
    assert first.exit_code == 0
    before = by_type_digest(kho), q(kho, "SELECT * FROM aggregate_counts ORDER BY ALL")
    again = load_files([f], kho)
    assert again.files[0].unchanged_load == first.files[0].load_id and again.exit_code == 0
    assert (by_type_digest(kho), q(kho, "SELECT * FROM aggregate_counts ORDER BY ALL")) == before
    # the same file corrected: its rows replace the earlier ones, the split too (no row left from the old load)
    data = {**tf.TCCSD_2016, "xa": (6, 7, 2, 0, 1, 0, 0)}
    fixed = load_files([tf.write(tmp_path / "bieu_7a.xlsx", tf.form_7a(tccsd=data))], kho)
    assert fixed.exit_code == 0, [r.message() for r in fixed.rejects]
    assert by_type(kho, "H1", "tccsd")["xa"] == (6, 7, 2, 0, 15, 0, 1)
    assert distribution(kho, "H1")[("tccsd", 2016)] == (21, 21, 7, 1, 50, 2)
    assert q(kho, "SELECT DISTINCT load_id FROM aggregate_counts_by_type") == [(fixed.files[0].load_id,)]
    # undo takes the split away with the totals
    res = undo_load(fixed.files[0].load_id, kho, force=True)
    assert res.done and res.removed["aggregate_counts_by_type"] == 20, res.message()
    assert q(kho, "SELECT count(*) FROM aggregate_counts_by_type") == [(0,)]


def test_a_different_file_with_other_numbers_is_a_conflict(tmp_path, kho):
    assert load_files([tf.write(tmp_path / "a.xlsx", tf.form_7a())], kho).exit_code == 0
    data = {**tf.TCCSD_2016, "xa": (6, 7, 2, 0, 1, 0, 0)}
    res = load_files([tf.write(tmp_path / "b.xlsx", tf.form_7a(tccsd=data))], kho)
    # the tccsd part differs (its totals and its ten kinds): rejected; the chi bộ part is the same numbers again
    assert res.exit_code == 1 and len(res.rejects) == 11
    assert all("kho đã có số liệu khác" in r.reason and "subject=tccsd" in r.reason for r in res.rejects)
    assert by_type(kho, "H1", "tccsd")["xa"] == (5, 8, 2, 0, 15, 0, 1)


def test_year_from_the_command_line_when_the_title_has_none(tmp_path, kho):
    f = tf.write(tmp_path / "khong_nam.xlsx", tf.form_7b(year=None))
    res = load_files([f], kho, dry_run=True)
    assert res.exit_code == 2 and any("--year" in n for n in res.files[0].notes)
    res = load_files([f], kho, year=2015)
    assert res.exit_code == 0
    assert distribution(kho, "H1") == {("dang_vien", 2015): tf.expected_members(tf.DANG_VIEN_2016)[0]}


def _cli(*args, db):
    env = {**os.environ, "KIEMDIEM_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_cli_unit_from_the_title_or_from_unit_option(tmp_path, kho):
    # the committee written in the form's own wording, "Huyện (quận uỷ) Hòa Bình"
    own = tf.form_7b(committee=["Tỉnh (thành uỷ) …", "Huyện (quận uỷ) Hòa Bình", "BAN TỔ CHỨC"])
    ok = _cli("load", str(tf.write(tmp_path / "7b.xlsx", own)), db=kho)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "đọc theo mẫu biểu 'bieu_7b_tctw'" in ok.stdout and "Huyện ủy Hòa Bình" in ok.stdout
    # left unfilled: refused with how to say it, then loaded with --unit
    blank = tf.form_7a(committee=["Tỉnh (thành uỷ) …", "Huyện (quận uỷ) …", "BAN TỔ CHỨC"])
    path = str(tf.write(tmp_path / "7a.xlsx", blank))
    bad = _cli("load", path, db=kho)
    assert bad.returncode == 2 and "Traceback" not in bad.stdout + bad.stderr
    assert "--unit" in bad.stdout
    good = _cli("load", path, "--unit", "Huyện ủy Hòa Bình", db=kho)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "đọc theo mẫu biểu 'bieu_7a_tctw'" in good.stdout
    assert distribution(kho, "H1") == {("tccsd", 2016): (20, 22, 7, 1, 50, 2), ("chi_bo", 2016): (60, 80, 19, 2, 161, 3),
                                       ("dang_vien", 2016): tf.expected_members(tf.DANG_VIEN_2016)[0]}
    listing = _cli("profiles", db=kho)
    assert "bieu_7a_tctw" in listing.stdout and "bieu_7b_tctw" in listing.stdout


def test_unknown_committee_is_rejected_with_candidates(tmp_path, kho):
    form = tf.form_7a(committee=["TỈNH ỦY NINH BÌNH", "HUYỆN ỦY HÒA BINH XA", "BAN TỔ CHỨC"])
    res = load_files([tf.write(tmp_path / "7a.xlsx", form)], kho)
    assert res.exit_code == 2
    assert any("không tìm thấy đơn vị tên 'HUYỆN ỦY HÒA BINH XA'" in r.reason for r in res.rejects)
    assert q(kho, "SELECT count(*) FROM aggregate_counts_by_type") == [(0,)]


def test_schema_classifies_the_new_tables():
    from queries import scope
    assert scope.TABLES["aggregate_counts_by_type"] == "year_unit" and scope.TABLES["org_types"] == "reference"
    con = duckdb.connect(":memory:")
    con.execute(warehouse.SCHEMA.read_text(encoding="utf-8"))
    assert {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()} >= \
        {"aggregate_counts_by_type", "org_types"}
