"""Summary sheets ("biểu tổng hợp", one row per unit, issue 21) loaded as offices fill them, through the form
profile data/profiles/tong_hop_theo_don_vi.toml and the one loader, into a warehouse that has a unit catalogue; every
number checked through `python -m queries distribution` (the runner)."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest

from etl import warehouse
from operations.load import load_files
from queries import runner
from tests.conftest import ROOT, write_xlsx
from tests.etl import summary_sheets as ss
from tests.etl.test_loader import accounted, q, table_digest


@pytest.fixture
def kho(tmp_path):
    """A warehouse with the district's unit catalogue and its lineage (the sheets carry no codes)."""
    db = tmp_path / "kho.duckdb"
    res = load_files(ss.catalogue_files(tmp_path), db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    return db


def distribution(db, unit: str, **params) -> dict:
    con = warehouse.connect_readonly(db)
    try:
        df = runner.run(con, "distribution", {"unit": unit, **params})
    finally:
        con.close()
    return {(r.subject, r.year): (r.htxs, r.htt, r.ht, r.khtnv, r.total, r.not_rated) for r in df.itertuples()}


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_office_sheet_loads_every_number_exactly(tmp_path, kho, suffix):
    if suffix == ".xls":
        pytest.importorskip("xlwt")     # the writer of legacy files, for tests only (the reader is calamine)
    f = ss.write(tmp_path / f"bieu_2024{suffix}", ss.office_2024())
    res = load_files([f], kho)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    assert accounted(res) and res.files[0].rows_loaded == 6
    notes = " ".join(res.files[0].notes)
    assert "mẫu biểu 'tong_hop_theo_don_vi'" in notes and "đảng viên, năm 2024" in notes
    assert "dòng tổng (dòng 16) khớp tổng của 6 dòng đơn vị" in notes
    for code, counts in ss.OFFICE_2024.items():
        assert distribution(kho, code) == {("dang_vien", 2024): counts}, code
    # the district: the sum of its grassroots units, equal to the sheet's own Tổng cộng row
    total = tuple(sum(c[k] for c in ss.OFFICE_2024.values()) for k in range(6))
    assert total[:5] == (567, 2356, 164, 9, 3096)
    assert distribution(kho, "Huyện ủy Hòa Bình") == {("dang_vien", 2024): total}
    # never a unit called "Tổng cộng", nothing from the signature block
    assert q(kho, "SELECT count(*), min(source_row), max(source_row) FROM aggregate_counts") == [(6, 10, 15)]


@pytest.mark.parametrize("title, noun, code", [
    ("ĐẢNG VIÊN", "đảng viên", "dang_vien"),
    ("CHI BỘ", "chi bộ", "chi_bo"),
    ("TỔ CHỨC CƠ SỞ ĐẢNG", "tổ chức cơ sở đảng", "tccsd"),
    ("TẬP THỂ LÃNH ĐẠO, QUẢN LÝ", "tập thể", "tap_the_lanh_dao"),
    ("CÁN BỘ LÃNH ĐẠO, QUẢN LÝ", "cán bộ", "can_bo_lanh_dao"),
])
def test_every_subject_is_taken_from_the_title(tmp_path, kho, title, noun, code):
    sheet = ss.Sheet(year=2023, subject_title=title, noun=noun, unit_header="Tên đơn vị", units=[
        ss.Unit("Đảng bộ Cơ quan Huyện ủy Hòa Bình", 12, 12, [2, 9, 1, 0]),
        ss.Unit("Đảng bộ thị trấn Hòa Bình", 30, 29, [5, 20, 3, 1]),
    ])
    res = load_files([ss.write(tmp_path / f"{code}.xlsx", sheet)], kho)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    assert distribution(kho, "CQ") == {(code, 2023): (2, 9, 1, 0, 12, 0)}
    assert distribution(kho, "TTHB") == {(code, 2023): (5, 20, 3, 1, 29, 1)}


def test_pre_2018_sheets_with_old_level_names(tmp_path, kho):
    members = ss.Sheet(year=2016, levels=ss.OLD_MEMBER_LEVELS, units=[
        ss.Unit("Đảng bộ xã An Phú", 402, 396, [60, 300, 34, 2]),       # AP's name until 2019
        ss.Unit("Đảng bộ xã Phú Mỹ", 340, 331, [50, 250, 30, 1]),       # PM_OLD, alive in 2016
    ])
    chi_bo = ss.Sheet(year=2016, subject_title="CHI BỘ TRỰC THUỘC", noun="chi bộ", levels=ss.OLD_ORG_LEVELS, units=[
        ss.Unit("Đảng bộ xã An Phú", 14, 14, [3, 9, 2, 0]),
        ss.Unit("Đảng bộ xã Phú Mỹ", 12, 12, [2, 8, 1, 1]),
    ])
    res = load_files([ss.write(tmp_path / "dv_2016.xlsx", members), ss.write(tmp_path / "cb_2016.xlsx", chi_bo)],
                     kho)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    assert distribution(kho, "AP") == {("dang_vien", 2016): (60, 300, 34, 2, 396, 6),
                                       ("chi_bo", 2016): (3, 9, 2, 0, 14, 0)}
    assert distribution(kho, "PM_OLD") == {("dang_vien", 2016): (50, 250, 30, 1, 331, 9),
                                           ("chi_bo", 2016): (2, 8, 1, 1, 12, 0)}


def test_levels_that_do_not_add_up_reject_the_row_with_the_numbers(tmp_path, kho):
    sheet = ss.office_2024()
    sheet.units[0] = ss.Unit("ĐB Cơ quan Huyện ủy Hòa Bình", 58, 55, [10, 38, 6, 2])    # 56 ≠ 55
    res = load_files([ss.write(tmp_path / "sai_tong.xlsx", sheet)], kho)
    assert res.exit_code == 1 and accounted(res)
    [r] = res.rejects
    assert (r.sheet, r.row) == ("Biểu 01", 10)
    assert "10 + 38 + 6 + 2 = 56" in r.reason and "(55)" in r.reason and "không nạp" in r.reason
    assert "được đánh giá, xếp loại (cột D)" in r.column
    assert distribution(kho, "CQ") == {}                      # not guessed
    assert distribution(kho, "TTHB") == {("dang_vien", 2024): ss.OFFICE_2024["TTHB"]}


def test_a_share_that_its_count_does_not_give_is_a_warning_naming_the_cell(tmp_path, kho):
    sheet = ss.office_2024()
    # 10/55 = 18,18 %: "18,2" and 18.18 round to it; "25,00" does not; a share on the headcount is told apart
    sheet.units[0] = dataclasses.replace(sheet.units[0], shares=["18,2", 69.09, "25,00", "1,72%"])
    res = load_files([ss.write(tmp_path / "ty_le.xlsx", sheet)], kho)
    assert res.exit_code == 0 and not res.rejects           # the counts load; the shares only warn
    warnings = [n for n in res.files[0].notes if "tỷ lệ" in n]
    assert len(warnings) == 2, warnings
    assert "ô J10" in warnings[0] and "'25,00'" in warnings[0] and "6/55 = 10,91%" in warnings[0]
    assert "ô L10" in warnings[1] and "1/55 = 1,82%" in warnings[1] and "khớp nếu tính trên cột Tổng số" in warnings[1]
    assert distribution(kho, "CQ") == {("dang_vien", 2024): ss.OFFICE_2024["CQ"]}


def test_total_row_that_does_not_match_the_units_is_rejected_with_the_numbers(tmp_path, kho):
    sheet = ss.office_2024()
    sheet.total = [3228, 3096, 567, 2360, 160, 9]          # HTT and HT do not match the rows
    res = load_files([ss.write(tmp_path / "tong_cong.xlsx", sheet)], kho)
    assert res.exit_code == 1 and accounted(res)
    [r] = res.rejects
    assert r.row == 16 and r.value == "2360"
    assert "ghi 2360, cộng các dòng đơn vị được 2356" in r.reason and "ghi 160, cộng các dòng đơn vị được 164" in r.reason
    assert q(kho, "SELECT count(*) FROM aggregate_counts") == [(6,)]       # the units load; the total never does


def test_unknown_and_ambiguous_names_are_rejected_with_candidates(tmp_path, kho):
    sheet = ss.Sheet(units=[
        ss.Unit("Đảng bộ xã Tân Lập", 100, 100, [20, 70, 10, 0]),          # two communes of that name
        ss.Unit("Đảng bộ thị trấn Hòa Binh Mới", 50, 50, [10, 35, 5, 0]),   # no such unit
        ss.Unit("Xã Phú Mỹ Hưng", 300, 300, [50, 220, 30, 0]),             # written without "Đảng bộ"
    ])
    res = load_files([ss.write(tmp_path / "ten.xlsx", sheet)], kho)
    assert res.exit_code == 1 and accounted(res)
    by_row = {r.row: r for r in res.rejects}
    assert set(by_row) == {10, 11}
    assert "nhiều đơn vị" in by_row[10].reason and "TL1" in by_row[10].reason and "TL2" in by_row[10].reason
    assert "Huyện ủy Kim Sơn" in by_row[10].reason           # the candidates say where each one is
    assert "không tìm thấy" in by_row[11].reason and "gần giống" in by_row[11].reason
    assert "TTHB (Đảng bộ thị trấn Hòa Bình" in by_row[11].reason
    assert distribution(kho, "PM") == {("dang_vien", 2024): (50, 220, 30, 0, 300, 0)}


def test_a_name_of_a_unit_that_did_not_exist_that_year_is_rejected(tmp_path, kho):
    sheet = ss.Sheet(year=2016, units=[ss.Unit("Đảng bộ xã Phú Mỹ Hưng", 300, 300, [50, 220, 30, 0])])
    res = load_files([ss.write(tmp_path / "nam.xlsx", sheet)], kho)
    [r] = res.rejects
    assert "PM (Đảng bộ xã Phú Mỹ Hưng" in r.reason and "không tồn tại trong năm 2016" in r.reason


def test_reloading_the_same_sheet_changes_nothing(tmp_path, kho):
    f = ss.write(tmp_path / "bieu_2024.xlsx", ss.office_2024())
    assert load_files([f], kho).exit_code == 0
    before = table_digest(kho)
    res = load_files([f], kho)
    assert res.files[0].unchanged_load and res.exit_code == 0
    assert table_digest(kho) == before


def test_year_from_the_command_line_when_the_title_has_none(tmp_path, kho):
    sheet = dataclasses.replace(ss.office_2024(), year=None)
    f = ss.write(tmp_path / "khong_nam.xlsx", sheet)
    res = load_files([f], kho, dry_run=True)
    assert res.exit_code == 2 and all("năm" in r.reason for r in res.rejects)
    assert any("--year" in n for n in res.files[0].notes)
    res = load_files([f], kho, year=2022)
    assert res.exit_code == 0
    assert distribution(kho, "CQ") == {("dang_vien", 2022): ss.OFFICE_2024["CQ"]}


def _cli(*args, db):
    env = {**os.environ, "KIEMDIEM_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_cli_names_the_profile_and_refuses_an_unknown_layout_with_how_to_teach_it(tmp_path, kho):
    ok = _cli("load", str(ss.write(tmp_path / "bieu_2024.xlsx", ss.office_2024())), db=kho)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "đọc theo mẫu biểu 'tong_hop_theo_don_vi'" in ok.stdout
    odd = write_xlsx(tmp_path / "bieu_la.xlsx", {"Tỉnh khác": [
        ["BẢNG THỐNG KÊ CHẤT LƯỢNG NĂM 2024"],
        ["Đơn vị báo cáo", "Loại A", "Loại B", "Loại C", "Loại D"],
        ["Xã Hòa Bình", 3, 20, 2, 0]]})
    bad = _cli("load", str(odd), db=kho)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stdout + bad.stderr
    assert "không nhận ra bảng dữ liệu nào" in bad.stdout and "Nhập dữ liệu" in bad.stdout
    assert "Lưu mẫu biểu" in bad.stdout and "data/profiles" in bad.stdout
    listing = _cli("profiles", db=kho)
    assert listing.returncode == 0
    assert "tong_hop_theo_don_vi" in listing.stdout and "data/profiles/tong_hop_theo_don_vi.toml" in listing.stdout
