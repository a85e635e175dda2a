"""A layout taught by a clerk (etl/teach.py, etl/profiles.save/to_toml, the [levels] of a taught profile): the
profile the choices make reads the file it was taught on and a second file of the same form, with every number;
the TOML writer, the refusals of save. The teaching screen itself is tests/pages/test_profile_teacher.py."""
from __future__ import annotations

import tomllib

import pytest

from etl import profiles, teach
from operations.load import load_files
from etl.readers import FileError, read_blocks, read_sheets
from tests.etl import province_sheets as ps
from tests.etl import summary_sheets as ss
from tests.etl.test_loader import q


@pytest.fixture
def kho(tmp_path, monkeypatch):
    monkeypatch.setenv("KIEMDIEM_PROFILES", str(tmp_path / "mau_bieu"))
    db = tmp_path / "kho.duckdb"
    res = load_files(ss.catalogue_files(tmp_path), db)
    assert all(not f.error and not f.rejects for f in res.files)
    return db


def taught(path, **over) -> dict:
    sheet = read_sheets(path)[0]
    g = teach.guess(sheet)
    c = teach.Choices(top=g.top, bottom=g.bottom, unit=g.unit, counts=g.counts, shares=g.shares, rated=g.rated,
                      headcount=g.headcount, **over)
    assert teach.problems(sheet, c) == []
    return teach.draft(sheet, c, name="bieu_tinh_lam_ha", title="Tổng hợp xếp loại đảng viên (tỉnh Lâm Hà)",
                       description="Biểu của Ban Tổ chức tỉnh Lâm Hà: mỗi cơ sở đảng một dòng, chỉ có số lượng.")


def test_the_guess_reads_the_header_and_columns_of_a_layout_no_profile_knows(tmp_path, kho):
    path = ps.write(tmp_path / "bieu_2024.xlsx")
    with pytest.raises(FileError, match="Lưu mẫu biểu"):
        read_blocks(path)
    sheet = read_sheets(path)[0]
    g = teach.guess(sheet)
    assert (g.top, g.bottom) == (5, 6)                        # rows 6–7 in Excel
    assert (g.unit, g.rated, g.headcount) == (1, 2, None)
    assert g.counts == {"htxs": 3, "htt": 4, "ht": 5, "khtnv": 6} and g.shares == {}
    heads = teach.headings(sheet, g.top, g.bottom)
    assert heads[1] == "Cơ sở đảng" and heads[3] == "Kết quả xếp loại — HTXSNV" and heads[7] == "Ghi chú"
    grid = teach.grid(sheet, g.top, g.bottom)
    assert list(grid["Dòng"][:8]) == list(range(1, 9))
    assert list(grid.loc[5, ["D", "E", "F", "G"]]) == ["Kết quả xếp loại"] * 4     # the merged cell, filled
    assert grid.loc[6, "A"] == "" and grid.loc[8, "C"] == "2.208"
    assert teach.title_year(sheet, g.top) == 2024             # not 2025, the year it was signed
    assert teach.title_subject(sheet, g.top) == "dang_vien"


def test_a_saved_profile_reads_the_file_and_a_second_file_of_the_form_with_every_number(tmp_path, kho):
    first = ps.write(tmp_path / "bieu_2024.xlsx")
    data = taught(first)
    assert data["columns"]["unit"] == ["Cơ sở đảng"]          # the clerk's own header words
    assert data["levels"]["htxs"] == {"count": ["Kết quả xếp loại — HTXSNV"]}
    path = profiles.save(data, "bieu_tinh_lam_ha", comment=teach.comment("bieu_2024.xlsx", "Lê Thị Cúc (cuc)"))
    assert path == tmp_path / "mau_bieu" / "bieu_tinh_lam_ha.toml"
    assert tomllib.loads(path.read_text(encoding="utf-8"))["name"] == "bieu_tinh_lam_ha"
    assert path.read_text(encoding="utf-8").startswith("# Mẫu biểu do Lê Thị Cúc (cuc) dạy")
    second = ps.write(tmp_path / "bieu_2023.xlsx", 2023)
    res = load_files([first, second], kho)
    assert [(f.error, f.rows_loaded, f.rejects) for f in res.files] == [(None, 4, []), (None, 4, [])]
    assert any("mẫu biểu 'bieu_tinh_lam_ha'" in n for n in res.files[1].notes)
    for year in (2024, 2023):
        got = q(kho, "SELECT u.unit_code, a.htxs, a.htt, a.ht, a.khtnv, a.total FROM aggregate_counts a "
                     "JOIN units u USING (unit_code) WHERE a.year = ? AND a.subject = 'dang_vien'", [year])
        assert {r[0]: tuple(r[1:]) for r in got} == ps.expected(year)


def test_a_typed_year_and_a_fixed_subject_for_a_title_that_says_neither(tmp_path, kho):
    path = ps.write(tmp_path / "bieu.xlsx", 2024, with_year=False)
    profiles.save(taught(path, subject="dang_vien"), "bieu_tinh_lam_ha")
    assert load_files([path], kho, dry_run=True).files[0].rows_loaded == 0     # no year: nothing is guessed
    res = load_files([path], kho, year=2024)
    assert res.files[0].rows_loaded == 4 and not res.files[0].rejects


def test_save_refuses_a_name_that_exists_a_bad_name_and_a_profile_the_loader_would_refuse(tmp_path, kho):
    data = taught(ps.write(tmp_path / "bieu.xlsx"))
    profiles.save(data, "bieu_tinh_lam_ha")
    before = (tmp_path / "mau_bieu" / "bieu_tinh_lam_ha.toml").read_text(encoding="utf-8")
    with pytest.raises(profiles.ProfileError, match="Đã có mẫu biểu tên 'bieu_tinh_lam_ha'"):
        profiles.save({**data, "description": "khác"}, "bieu_tinh_lam_ha")
    assert (tmp_path / "mau_bieu" / "bieu_tinh_lam_ha.toml").read_text(encoding="utf-8") == before
    with pytest.raises(profiles.ProfileError, match="chữ thường không dấu"):
        profiles.save(data, "Biểu tỉnh")
    broken = {**data, "levels": {k: v for k, v in data["levels"].items() if k != "khtnv"}}
    with pytest.raises(profiles.ProfileError, match="cần đủ bốn mức"):
        profiles.save(broken, "bieu_thieu_muc")
    assert not (tmp_path / "mau_bieu" / "bieu_thieu_muc.toml").exists()


def test_to_toml_writes_every_shape_a_profile_uses_and_reads_back_the_same():
    data = {"name": "a_b", "s": 'ngoặc "kép" \\ và\nxuống dòng\tvà \x01', "n": 4, "t": True, "f": False,
            "l": ["Tổng cộng", "T/M"], "empty": [], "tbl": {"x": 1, "sub": {"y": ["z"]}},
            "only_sub": {"a": {"b": 1}}, "aot": [{"phrase": "chi bộ", "code": "chi_bo"}, {"phrase": "x", "code": "y"}],
            "khóa có dấu": "v"}
    text = profiles.to_toml(data, comment="dòng 1\ndòng 2")
    assert tomllib.loads(text) == data and text.startswith("# dòng 1\n# dòng 2\n")
    with pytest.raises(TypeError):
        profiles.to_toml({"x": 1.5})


def test_problems_name_what_the_clerk_left_out_or_picked_twice(tmp_path):
    sheet = read_sheets(ps.write(tmp_path / "bieu.xlsx"))[0]
    c = teach.Choices(top=5, bottom=6, unit=1, counts={"htxs": 3, "htt": 3, "ht": 5}, rated=2)
    said = " | ".join(teach.problems(sheet, c))
    assert "chưa chọn cột số lượng của: Không hoàn thành nhiệm vụ" in said
    assert "là cùng một cột (D)" in said
    c = teach.Choices(top=6, bottom=5, unit=1, counts={})
    assert "phải ở dưới" in teach.problems(sheet, c)[0]
