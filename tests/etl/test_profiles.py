"""Form profiles as data (etl/profiles.py, data/profiles/*.toml) and unit names matched as a person would
(etl/unit_names.py). The loads of whole files are in test_summary_sheets.py."""
from __future__ import annotations

import shutil

import pytest

from etl import profiles, unit_names
from etl.blocks import Sheet
from operations.load import load_files
from etl.readers import FileError, read_blocks
from etl.validate import Registry
from tests.conftest import write_xlsx
from tests.etl import summary_sheets as ss
from tests.etl.test_loader import accounted, q

BUILTIN = profiles.ROOT / "data" / "profiles" / "tong_hop_theo_don_vi.toml"


# ───────────── profiles as data ─────────────

def test_the_builtin_profile_is_valid_and_covers_the_five_subjects():
    found = {p.name: p for p in profiles.load_all()}
    p = found["tong_hop_theo_don_vi"]
    assert p.path == BUILTIN and p.target == "aggregate_counts"
    assert {code for _, code in p.subjects} == {"dang_vien", "chi_bo", "tccsd", "tap_the_lanh_dao", "can_bo_lanh_dao"}
    assert "Tổng cộng" in BUILTIN.read_text(encoding="utf-8") and p.description


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('name = "tong_hop_theo_don_vi"', 'name = "khac"'), "phải trùng tên tệp"),
    (lambda t: t.replace('code = "tccsd"', 'code = "to_chuc"', 1), "title_block.subject"),
    (lambda t: t.replace("[rows]", "[rows]\nbo_qua = 1"), "khóa không dùng được: bo_qua"),
    (lambda t: t.replace('share_base = "rated"', 'share_base = "tong"'), "share_base"),
    (lambda t: t + "\n[header\n", "không đọc được"),
])
def test_a_broken_profile_is_refused_naming_the_file_and_the_key(tmp_path, monkeypatch, edit, message):
    path = tmp_path / BUILTIN.name
    path.write_text(edit(BUILTIN.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(profiles.ProfileError) as err:
        profiles.load(path)
    assert BUILTIN.name in str(err.value) and message in str(err.value)
    # a load that needs the profiles says which file to fix, and reads nothing by half a profile
    monkeypatch.setenv("KIEMDIEM_PROFILES", str(tmp_path))
    with pytest.raises(FileError) as err:
        read_blocks(ss.write(tmp_path / "bieu.xlsx", ss.office_2024()))
    assert BUILTIN.name in str(err.value) and "sửa tệp mẫu biểu" in str(err.value)


# ───────────── recognising sheets ─────────────

def test_three_row_header_group_headings_total_first_and_numbers_row():
    """A variant an office made of the same form: a merged 'Kết quả' above the levels, the total row first, group
    headings between the units, no share columns for two levels — the builtin profile still reads it."""
    rows = [
        ["HUYỆN ỦY HÒA BÌNH", None, None, None, None, None, None, None],
        ["KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI TỔ CHỨC CƠ SỞ ĐẢNG NĂM 2021"],
        [],
        ["STT", "Tên tổ chức đảng", "Tổng số TCCSĐ", "Số TCCSĐ được đánh giá, xếp loại", "Kết quả", None, None, None],
        [None, None, None, None, "HTXSNV", "HTTNV", "HTNV", "KHTNV"],
        [None, None, None, None, "SL", "SL", "SL", "SL"],
        ["1", "2", "3", "4", "5", "6", "7", "8"],
        ["Tổng cộng", None, 3, 3, 1, 2, 0, 0],
        ["I", "Đảng bộ xã, thị trấn", None, None, None, None, None, None],
        [1, "Đảng bộ thị trấn Hòa Bình", 1, 1, 1, None, None, None],
        [2, "Đảng bộ thị trấn An Phú", 1, 1, None, 1, None, None],
        ["II", "Khối cơ quan", None, None, None, None, None, None],
        [3, "ĐB Cơ quan Huyện ủy Hòa Bình", 1, 1, "-", 1, "-", "-"],
        [],
        ["Hòa Bình, ngày 5 tháng 1 năm 2022"],
        ["T/M BAN THƯỜNG VỤ"],
    ]
    block = profiles.read_sheet(Sheet("TCCSĐ", rows))
    assert block is not None and block.profile == "tong_hop_theo_don_vi"
    assert block.subject == "tccsd" and set(block.frame["year"]) == {2021}
    got = [tuple(r) for r in block.frame[["unit_name", "htxs", "htt", "ht", "khtnv", "total", "_row"]].itertuples(
        index=False)]
    assert got == [("Đảng bộ thị trấn Hòa Bình", 1, 0, 0, 0, 1, 10), ("Đảng bộ thị trấn An Phú", 0, 1, 0, 0, 1, 11),
                   ("ĐB Cơ quan Huyện ủy Hòa Bình", 0, 1, 0, 0, 1, 13)]
    assert not block.notes and any("dòng tổng (dòng 8) khớp" in w for w in block.warnings)


def test_a_sheet_without_the_forms_header_is_not_claimed():
    rows = [["Danh sách"], ["TT", "Tên đơn vị", "Địa chỉ"], [1, "Đảng bộ xã An Phú", "An Phú"]]
    assert profiles.read_sheet(Sheet("Khác", rows)) is None


def test_a_profile_taught_for_another_province_loads_its_form(tmp_path, monkeypatch):
    """A second profile file is a second form: no code. (The import page will write such files.)"""
    folder = tmp_path / "profiles"
    folder.mkdir()
    shutil.copy(BUILTIN, folder)
    (folder / "tinh_khac_2021.toml").write_text('''
name = "tinh_khac_2021"
title = "Bảng kết quả xếp loại của một tỉnh khác"
description = "Một dòng tiêu đề: Đơn vị | Số được xếp loại | Loại 1 … Loại 4 (tên mức viết tắt); dòng Cộng cuối bảng"
target = "aggregate_counts"
[recognise]
required = ["unit", "rated"]
levels = 4
[columns]
rated = ["số được xếp loại"]
unit = ["Đơn vị"]
count = ["Số lượng"]
[title_block]
main = ["xếp loại"]
[[title_block.subject]]
phrase = "đảng viên"
code = "dang_vien"
[rows]
total = ["Cộng"]
stop = ["Người lập"]
[numbers]
blank_level_is_zero = false
not_rated_from_headcount = false
''', encoding="utf-8")
    monkeypatch.setenv("KIEMDIEM_PROFILES", str(folder))
    assert [p.name for p in profiles.load_all()] == ["tinh_khac_2021", "tong_hop_theo_don_vi"]
    db = tmp_path / "kho.duckdb"
    assert load_files(ss.catalogue_files(tmp_path), db).exit_code == 0
    f = write_xlsx(tmp_path / "tinh_khac.xlsx", {"KQ": [
        ["KẾT QUẢ XẾP LOẠI ĐẢNG VIÊN NĂM 2021"],
        ["Đơn vị", "Số được xếp loại", "HTXSNV", "HTTNV", "HTNV", "KHTNV"],
        ["Đảng bộ thị trấn Hòa Bình", "2.100", 300, "1.700", 95, 5],
        ["Chi bộ Ủy ban nhân dân huyện Hòa Bình", 20, 4, 15, 1, None],     # blank is not zero in this form
        ["Cộng", "2.120", 304, "1.715", 96, 5],
        ["Người lập", None, None, "Thủ trưởng"],
    ]})
    res = load_files([f], db)
    assert accounted(res) and res.exit_code == 1
    assert any("mẫu biểu 'tinh_khac_2021'" in n for n in res.files[0].notes)
    [r] = res.rejects
    assert r.row == 4 and "thiếu số lượng" in r.reason and "KHTNV (cột F)" in r.column
    assert q(db, "SELECT unit_code, year, subject, htxs, htt, ht, khtnv, total FROM aggregate_counts") == [
        ("TTHB", 2021, "dang_vien", 300, 1700, 95, 5, 2100)]


# ───────────── unit names ─────────────

@pytest.fixture
def reg() -> Registry:
    r = Registry()
    for code, name, parent, first, last in [
            ("H1", "Huyện ủy Hòa Bình", None, None, None), ("H2", "Huyện ủy Kim Sơn", None, None, None),
            ("AP", "Đảng bộ xã An Phú", "H1", 2010, 2019), ("AP", "Đảng bộ thị trấn An Phú", "H1", 2020, None),
            ("YT", "Chi bộ Trung tâm Y tế huyện", "H1", None, None),
            ("TTYT", "Chi bộ thị trấn Y Tế", "H2", None, None),
            ("OLD", "Đảng bộ xã Phú Mỹ", "H1", 2010, 2019), ("NEW", "Đảng bộ xã Phú Mỹ Hưng", "H1", 2020, None),
            ("T1", "Đảng bộ xã Tân Lập", "H1", None, None), ("T2", "Đảng bộ xã Tân Lập", "H2", None, None)]:
        r.add(code, name, parent_code=parent, first_year=first, last_year=last)
    r.renames["OLD"] = [(2020, "NEW")]
    return r


@pytest.mark.parametrize("written, year, code", [
    ("ĐẢNG BỘ THỊ TRẤN AN PHÚ", 2024, "AP"),           # case, accents
    ("Đảng bộ  xã   An Phú", 2015, "AP"),               # spacing; the name it had that year
    ("Dang bo xa An Phu", 2024, "AP"),                  # an old name of the same code, any year
    ("ĐB TT An Phú", 2024, "AP"),                       # ĐB = Đảng bộ, TT = thị trấn
    ("Thị trấn An Phú", 2024, "AP"),                    # without the kind of organization
    ("CB TT Y tế huyện", 2024, "YT"),                   # TT = Trung tâm here
    ("ĐB xã Phú Mỹ", 2024, "NEW"),                      # renamed under a new code: its successor
    ("ĐB xã Phú Mỹ", 2016, "OLD"),
])
def test_names_are_matched_as_a_person_would(reg, written, year, code):
    assert unit_names.resolve(reg, written, year) == (code, None)


def test_an_exact_name_wins_over_an_abbreviation_read_another_way(reg):
    assert unit_names.resolve(reg, "Chi bộ thị trấn Y Tế", 2024) == ("TTYT", None)


def test_two_units_or_none_are_refused_with_the_candidates(reg):
    code, why = unit_names.resolve(reg, "ĐB xã Tân Lập", 2024)
    assert code is None and "T1 (Đảng bộ xã Tân Lập, thuộc Huyện ủy Hòa Bình" in why and "T2" in why
    assert "Huyện ủy Kim Sơn" in why
    code, why = unit_names.resolve(reg, "Đảng bộ xã An Phúc", 2024)
    assert code is None and "không tìm thấy" in why and "AP (Đảng bộ thị trấn An Phú" in why
    code, why = unit_names.resolve(reg, "Đảng bộ xã Phú Mỹ Hưng", 2015)
    assert code is None and "không tồn tại trong năm 2015" in why
