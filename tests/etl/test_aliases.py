"""Names a clerk teaches (etl/aliases.py, table unit_aliases): a summary sheet with a name that matches no unit, or two
units, is rejected with the candidates; once the clerk remembers which unit the name means, the same file loads and
every number is checked through the `distribution` query."""
from __future__ import annotations

import pytest

from etl import aliases, unit_names
from operations.load import load_files
from tests.etl import summary_sheets as ss
from tests.etl.test_loader import accounted, q
from tests.etl.test_summary_sheets import distribution


@pytest.fixture
def kho(tmp_path):
    db = tmp_path / "kho.duckdb"
    res = load_files(ss.catalogue_files(tmp_path), db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    return db


def sheet_with_odd_names(year: int = 2024) -> ss.Sheet:
    return ss.Sheet(year=year, units=[
        ss.Unit("Đảng bộ xã Tân Lập", 100, 100, [20, 70, 10, 0]),            # TL1 (Hòa Bình) or TL2 (Kim Sơn)
        ss.Unit("ĐB Cơ quan Huyện Hòa Bình", 58, 55, [10, 38, 6, 1]),       # "ủy" left out: no unit of that name
        ss.Unit("Đảng bộ thị trấn Hòa Bình", "2.310", "2.208", [400, "1.700", 100, 8]),
    ])


def test_unknown_and_ambiguous_names_load_once_the_clerk_picks_the_unit(tmp_path, kho):
    f = ss.write(tmp_path / "bieu_2024.xlsx", sheet_with_odd_names())
    res = load_files([f], kho)
    assert res.exit_code == 1 and accounted(res)
    by_row = {r.row: r for r in res.rejects}
    assert set(by_row) == {10, 11}
    assert all(unit_names.asks_for_unit(r.reason) for r in res.rejects)
    assert "nhiều đơn vị" in by_row[10].reason and "không tìm thấy" in by_row[11].reason
    assert distribution(kho, "TTHB") == {("dang_vien", 2024): ss.OFFICE_2024["TTHB"]}
    assert distribution(kho, "CQ") == {} and distribution(kho, "TL2") == {}

    # what the import page offers: each name once, the candidates first
    reg = aliases.registry(kho)
    found = {u.name: u for u in aliases.unresolved(res, reg)}
    assert set(found) == {"Đảng bộ xã Tân Lập", "ĐB Cơ quan Huyện Hòa Bình"}
    assert found["Đảng bộ xã Tân Lập"].ambiguous and found["Đảng bộ xã Tân Lập"].candidates == ("TL1", "TL2")
    assert not found["ĐB Cơ quan Huyện Hòa Bình"].ambiguous
    assert found["ĐB Cơ quan Huyện Hòa Bình"].candidates[0] == "CQ"
    assert "dòng 11" in found["ĐB Cơ quan Huyện Hòa Bình"].places[0]

    a = aliases.remember(kho, "Đảng bộ xã Tân Lập", "TL2", "van_thu")       # an alias wins over an ambiguity
    assert (a.unit_code, a.unit_name) == ("TL2", "Đảng bộ xã Tân Lập")
    aliases.remember(kho, "đb cơ quan huyện hoà bình", "cq", "van_thu")        # any spelling, the code in any case
    assert q(kho, "SELECT alias_key, unit_code, created_by FROM unit_aliases ORDER BY 1") == [
        ("dang bo xa tan lap", "TL2", "van_thu"), ("db co quan huyen hoa binh", "CQ", "van_thu")]

    res = load_files([f], kho)
    assert res.exit_code == 0 and not res.rejects, [r.message() for r in res.rejects]
    assert res.files[0].rows_loaded == 3
    assert distribution(kho, "TL2") == {("dang_vien", 2024): (20, 70, 10, 0, 100, 0)}
    assert distribution(kho, "TL1") == {}
    assert distribution(kho, "CQ") == {("dang_vien", 2024): ss.OFFICE_2024["CQ"]}
    assert distribution(kho, "TTHB") == {("dang_vien", 2024): ss.OFFICE_2024["TTHB"]}
    assert distribution(kho, "H2") == {("dang_vien", 2024): (20, 70, 10, 0, 100, 0)}     # Kim Sơn, not Hòa Bình
    hb = tuple(a + b for a, b in zip(ss.OFFICE_2024["CQ"], ss.OFFICE_2024["TTHB"]))
    assert distribution(kho, "H1") == {("dang_vien", 2024): hb}


def test_a_later_alias_for_the_same_name_replaces_the_first(tmp_path, kho):
    aliases.remember(kho, "Đảng bộ xã Tân Lập", "TL1", "a")
    aliases.remember(kho, "ĐẢNG BỘ XÃ TÂN LẬP", "TL2", "b")
    assert q(kho, "SELECT alias, unit_code, created_by FROM unit_aliases") == [("ĐẢNG BỘ XÃ TÂN LẬP", "TL2", "b")]
    res = load_files([ss.write(tmp_path / "tl.xlsx", ss.Sheet(units=[ss.Unit("Đảng bộ xã Tân Lập", 9, 9,
                                                                              [1, 8, 0, 0])]))], kho)
    assert res.exit_code == 0
    assert distribution(kho, "TL2") == {("dang_vien", 2024): (1, 8, 0, 0, 9, 0)} and distribution(kho, "TL1") == {}


def test_an_alias_to_an_unknown_code_or_of_another_units_name_is_refused(kho):
    with pytest.raises(aliases.AliasError, match="Không có đơn vị mã 'KHONG_CO'"):
        aliases.remember(kho, "Đảng bộ xã Tân Lập", "KHONG_CO", "a")
    with pytest.raises(aliases.AliasError, match="đã là tên của đơn vị TTHB"):
        aliases.remember(kho, "Đảng bộ thị trấn Hòa Bình", "CQ", "a")
    with pytest.raises(aliases.AliasError, match="trống"):
        aliases.remember(kho, "  ", "CQ", "a")
    assert q(kho, "SELECT count(*) FROM unit_aliases") == [(0,)]


def test_an_alias_to_a_unit_that_did_not_exist_that_year_is_still_rejected(tmp_path, kho):
    # PM exists from 2020 (before, the commune was PM_OLD): a sheet of 2016 that names it by the alias is refused
    aliases.remember(kho, "ĐB Phú Mỹ Hưng mới", "PM", "a")
    sheet = ss.Sheet(year=2016, units=[ss.Unit("ĐB Phú Mỹ Hưng mới", 10, 10, [1, 9, 0, 0])])
    res = load_files([ss.write(tmp_path / "nam.xlsx", sheet)], kho)
    [r] = res.rejects
    assert "được ghi nhớ là PM" in r.reason and "không tồn tại trong năm 2016" in r.reason
    assert not unit_names.asks_for_unit(r.reason)
    assert q(kho, "SELECT count(*) FROM aggregate_counts") == [(0,)]
    # the same name on a sheet of 2024 loads to PM
    sheet = ss.Sheet(year=2024, units=[ss.Unit("ĐB Phú Mỹ Hưng mới", 10, 10, [1, 9, 0, 0])])
    assert load_files([ss.write(tmp_path / "nam_2024.xlsx", sheet)], kho).exit_code == 0
    assert distribution(kho, "PM") == {("dang_vien", 2024): (1, 9, 0, 0, 10, 0)}
