"""AppTest of the import page's step "Dạy hệ thống đọc biểu này" (ui/profile_teacher.py, issue 21 item 3): a
province's own layout is refused with how to teach it; the clerk teaches it on the file (the guess corrected, a
preview through the real loader's dry run), saves the profile into $KIEMDIEM_PROFILES, and the same file and a second
file of the form load with every number. The browser does the same in tests/browser/test_teach_profile_browser.py."""
from __future__ import annotations

import tomllib

import pytest

from operations.load import load_files
from queries import runner, scope
from tests.etl import province_sheets as ps
from tests.etl import summary_sheets as ss
from ui.downloads import XLSX


@pytest.fixture
def kho(tmp_path, monkeypatch):
    monkeypatch.setenv("KIEMDIEM_PROFILES", str(tmp_path / "mau_bieu"))
    monkeypatch.setenv("KIEMDIEM_AUDIT", str(tmp_path / "audit.jsonl"))
    db = tmp_path / "kho.duckdb"
    assert all(not f.error for f in load_files(ss.catalogue_files(tmp_path), db).files)
    return db


def run(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "error", "success")
                     for e in at.get(kind)).replace("\u2060", "")    # (fmt.plain's word joiners)


def distribution(db, year: int) -> dict:
    con = scope.connect(db)
    try:
        out = {}
        for code in ps.CODES:
            d = runner.run(con, "distribution", {"unit": code, "year": year, "subject": "dang_vien"})
            row = d[d["unit_code"] == code].iloc[0] if "unit_code" in d else d.iloc[0]
            out[code] = tuple(int(row[c]) for c in ("htxs", "htt", "ht", "khtnv", "total"))
        return out
    finally:
        con.close()


def check_and_load(at, name: str, data: bytes, rows: int):
    at.file_uploader(key="imp_files").set_value([(name, data, XLSX)])
    run(at)
    at.button(key="imp_check").click()
    run(at)
    commit = [b for b in at.button if b.key == "imp_commit"]
    assert commit and commit[0].label == f"Nạp {rows} dòng vào kho", texts(at)
    commit[0].click()
    run(at)
    assert f"Đã nạp {rows} dòng vào kho." in texts(at)


def test_teach_a_layout_on_the_file_save_it_and_load_two_files_of_the_form(open_app, kho, tmp_path):
    first = ps.write(tmp_path / "bieu_tinh_2024.xlsx").read_bytes()
    at = open_app(kho)
    at.switch_page("pages/import.py")
    run(at)
    at.file_uploader(key="imp_files").set_value([("bieu_tinh_2024.xlsx", first, XLSX)])
    run(at)
    at.button(key="imp_check").click()
    run(at)
    problems = next(d.value for d in at.dataframe if "Lý do" in d.value.columns)
    assert "không nhận ra bảng dữ liệu nào" in problems["Lý do"][0] and "Lưu mẫu biểu" in problems["Lý do"][0]
    assert "Dạy hệ thống đọc biểu này" in texts(at)

    # the sheet as the clerk sees it in Excel: row numbers, the merged heading filled over the levels
    grid = next(d.value for d in at.dataframe if "Dòng" in d.value.columns and "H" in d.value.columns)
    assert list(grid["Dòng"][:7]) == list(range(1, 8))
    assert list(grid.loc[5, ["B", "D", "E"]]) == ["Cơ sở đảng", "Kết quả xếp loại", "Kết quả xếp loại"]
    assert at.number_input(key="tch_top").value == 6 and at.number_input(key="tch_bottom").value == 7

    # the clerk corrects what the guess got wrong: here a header of one row makes the level columns untitled
    at.number_input(key="tch_top").set_value(7)
    run(at)
    assert at.button(key="tch_try").disabled                     # nothing to preview until the choices hold
    at.number_input(key="tch_top").set_value(6)
    run(at)
    unit = at.selectbox(key="tch_unit")
    assert unit.options[unit.index] == "B · Cơ sở đảng"
    at.selectbox(key="tch_count_htxs").set_value(None)
    run(at)
    assert "Chưa chọn cột số lượng của: Hoàn thành xuất sắc nhiệm vụ" in texts(at)
    at.selectbox(key="tch_count_htxs").set_value(3)
    at.selectbox(key="tch_unit").set_value(1)
    at.selectbox(key="tch_rated").set_value(2)
    run(at)
    assert [o for o in at.radio(key="tch_year_mode").options] == ["Lấy từ tiêu đề biểu (2024)", "Nhập năm"]
    assert at.text_input(key="tch_total").value.startswith("Tổng cộng; Tổng số; Cộng")
    assert not [b for b in at.button if b.key == "tch_save"]      # a preview comes before a save

    at.button(key="tch_try").click()
    run(at)
    preview = next(d.value for d in at.dataframe if "HTXSNV" in d.value.columns)
    assert len(preview) == 4 and set(preview["HTXSNV"]) == {"10", "400", "8", "4"}
    summaries = [d.value for d in at.dataframe if {"Tệp", "Kết quả", "Ghi chú"} <= set(d.value.columns)]
    assert summaries[0]["Kết quả"][0] == "Không đọc được"          # the check, still on the page
    assert "mẫu biểu 'mau_dang_day'" in summaries[-1]["Ghi chú"][0]  # the preview through the real loader
    assert not (tmp_path / "mau_bieu").exists()                   # the preview wrote nothing

    at.text_input(key="tch_name").set_value("bieu_tinh_lam_ha")
    at.text_input(key="tch_title").set_value("Tổng hợp xếp loại đảng viên (tỉnh Lâm Hà)")
    at.text_area(key="tch_desc").set_value("Biểu của Ban Tổ chức tỉnh Lâm Hà, mỗi cơ sở đảng một dòng.")
    at.button(key="tch_save").click()
    run(at)
    saved = tmp_path / "mau_bieu" / "bieu_tinh_lam_ha.toml"
    profile = tomllib.loads(saved.read_text(encoding="utf-8"))
    assert profile["columns"]["unit"] == ["Cơ sở đảng"] and profile["description"].startswith("Biểu của Ban Tổ chức")
    assert "Đã lưu mẫu biểu 'bieu_tinh_lam_ha'" in texts(at)

    before = saved.read_text(encoding="utf-8")

    # the same file, then another file of the form: no questions, every number
    at.button(key="imp_check").click()
    run(at)
    assert "Dạy hệ thống đọc biểu này" not in texts(at)
    commit = [b for b in at.button if b.key == "imp_commit"][0]
    assert commit.label == "Nạp 4 dòng vào kho"
    commit.click()
    run(at)
    assert distribution(kho, 2024) == ps.expected(2024)
    check_and_load(at, "bieu_tinh_2023.xlsx", ps.write(tmp_path / "bieu_tinh_2023.xlsx", 2023).read_bytes(), 4)
    assert distribution(kho, 2023) == ps.expected(2023)
    assert saved.read_text(encoding="utf-8") == before


def test_a_name_that_exists_is_refused_on_the_page(open_app, kho, tmp_path):
    (tmp_path / "mau_bieu").mkdir()
    builtin = (ps.ROOT / "data" / "profiles" / "tong_hop_theo_don_vi.toml").read_text(encoding="utf-8")
    taken = tmp_path / "mau_bieu" / "bieu_tinh.toml"          # another clerk's profile (it does not read this form)
    taken.write_text(builtin.replace('name = "tong_hop_theo_don_vi"', 'name = "bieu_tinh"'), encoding="utf-8")
    at = open_app(kho)
    at.switch_page("pages/import.py")
    run(at)
    at.file_uploader(key="imp_files").set_value([("bieu_tinh.xlsx", ps.write(tmp_path / "b.xlsx").read_bytes(), XLSX)])
    run(at)
    at.button(key="imp_check").click()
    run(at)
    at.button(key="tch_try").click()
    run(at)
    assert at.text_input(key="tch_name").value == "bieu_tinh"    # suggested from the file's name
    at.text_input(key="tch_title").set_value("Biểu tỉnh")
    at.text_area(key="tch_desc").set_value("Mô tả")
    at.button(key="tch_save").click()
    run(at)
    assert any("Đã có mẫu biểu tên 'bieu_tinh'" in e.value for e in at.error)
    assert taken.read_text(encoding="utf-8").startswith("# Mẫu biểu (form profile)")

