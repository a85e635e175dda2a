"""Issue 23, "Rules that are wrong or too strong": each test quotes the regulation's wording it checks and builds the
smallest warehouse that shows the defect, from real csv/xlsx files through the users' loader (operations.load.load_files).

Sources of the wording: 124-QĐ/TW (4/10/2023) Điều 12 khoản 4 as quoted by xaydungchinhsach.chinhphu.vn and
thuvienphapluat.vn; 21-HD/BTCTW (18/10/2019) and 16-HD/BTCTW (24/9/2018) as quoted by thuvienphapluat.vn; the 2017
plan of Đảng ủy phường Hương Xuân (seed 001); 366-QĐ/TW as in domain.md §7.
"""
from __future__ import annotations

import pytest

from etl import warehouse
from operations.load import load_files
from etl.validate import member_key
from queries import runner
from tests.conftest import UNITS_HEADER, write_csv, write_xlsx
from tests.queries.test_rules import (AGG_COLS, COLL_COLS, MEMBER_COLS, SHORT_COLS, Data, _rows, c, grassroots,
                                      leadership, m)

DATA = Data()


def add(units=(), members=(), collectives=(), shortcomings=()) -> None:
    DATA.units.extend(units)
    DATA.members.extend(members)
    DATA.collectives.extend(collectives)
    DATA.shortcomings.extend(shortcomings)


# item 2 — members disciplined in 2023–2024 (124-QĐ/TW)
add(grassroots("R2A"), [
    m(2023, "R2A-self", "R2A-C1", "HTT", disc="có", form="Khiển trách (tự phát hiện, đã khắc phục xong hậu quả)"),
    m(2024, "R2A-plain", "R2A-C1", "HTT", disc="có", form="Khiển trách"),
    m(2024, "R2A-noform", "R2A-C1", "HT", disc="có")])
# item 2 — a leadership collective rated HTT while its head was reprimanded (2023), and one whose head self-detected
add([*grassroots("R2B"), leadership("R2B-L", "R2B"), leadership("R2B-M", "R2B")],
    [m(2023, "R2B-h", "R2B-C1", "KHTNV", disc="có", form="Khiển trách", leader="có", led="R2B-L"),
     m(2024, "R2B-k", "R2B-C1", "HTT", disc="có", form="Khiển trách - tự phát hiện, chủ động khắc phục", leader="có",
       led="R2B-M")],
    [c(2023, "R2B-L", "tap_the_lanh_dao", "HTT"), c(2024, "R2B-M", "tap_the_lanh_dao", "HTT")])
# item 3 — 366: a leadership collective whose head's discipline was self-detected
add([*grassroots("R3A"), leadership("R3A-L", "R3A")],
    [m(2025, "R3A-h", "R3A-C1", "HTT", form="Khiển trách (tự phát hiện, chủ động khắc phục)", leader="có",
       led="R3A-L")],
    [c(2025, "R3A-L", "tap_the_lanh_dao", "HTT")])
# item 3 — 2014–2017 point bands and votes, read in one ward's plan
add(grassroots("R3B"),
    [m(2016, "R3B-a", "R3B-C1", "Đủ tư cách, hoàn thành nhiệm vụ", score="45"),
     m(2016, "R3B-b", "R3B-C1", "HTXS", votes=8, official=12)],
    [c(2016, "R3B", "tccsd", "Hoàn thành tốt nhiệm vụ", score="65")])
# item 3 — HTXS in 2025 with last year's shortcomings reported not fixed
add(grassroots("R3C"), collectives=[c(2025, "R3C", "tccsd", "HTXS")], shortcomings=[
    {"year": 2024, "unit": "R3C", "subject": "tccsd", "text": "Sinh hoạt chi bộ chưa đều", "remedy": "Chưa khắc phục"}])
# item 3 — civil-service KHTNV, party HTT (2020) and party HTXS (2021)
add(grassroots("R3D"), [m(2020, "R3D-a", "R3D-C1", "HTT", civil="KHTNV"),
                        m(2021, "R3D-b", "R3D-C1", "HTXS", civil="Không hoàn thành nhiệm vụ")])
# item 6 — the civil-service level of NĐ 56/2015 (seed 001)
add(grassroots("R6A"), [m(2017, "R6A-a", "R6A-C1", "Đủ tư cách, hoàn thành nhiệm vụ",
                          civil="Hoàn thành nhiệm vụ nhưng còn hạn chế về năng lực")])
# item 8 — 124: more than 20% of the subordinate units disciplined (1 of 4 chi bộ), and exactly 20% (1 of 5)
add(grassroots("R8A", 4), collectives=[
    c(2024, "R8A", "cap_uy", "HTT"), c(2024, "R8A-C1", "chi_bo", "HT", disc="có"),
    *[c(2024, f"R8A-C{i}", "chi_bo", "HTT", disc="không") for i in (2, 3, 4)]])
add(grassroots("R8B", 5), collectives=[
    c(2024, "R8B", "cap_uy", "HTT"), c(2024, "R8B-C1", "chi_bo", "HT", disc="có"),
    *[c(2024, f"R8B-C{i}", "chi_bo", "HTT", disc="không") for i in (2, 3, 4, 5)]])


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("regulations")
    files = [write_xlsx(tmp / "don_vi.xlsx", {"Đơn vị": [UNITS_HEADER, *DATA.units]}),
             write_xlsx(tmp / "dang_vien.xlsx", {"Đảng viên": _rows(MEMBER_COLS, DATA.members)}),
             write_csv(tmp / "tap_the.csv", _rows(COLL_COLS, DATA.collectives)),
             write_csv(tmp / "han_che.csv", _rows(SHORT_COLS, DATA.shortcomings))]
    res = load_files(files, tmp / "kho.duckdb")
    con = warehouse.connect_readonly(tmp / "kho.duckdb")
    salt = con.execute("SELECT value FROM meta WHERE key = 'member_key_salt'").fetchone()[0]
    yield con, salt, res
    con.close()


def findings(wh, prefix: str, **params):
    con, salt, _ = wh
    df = runner.run(con, "anomalies", params)
    return df[df["unit_code"].str.startswith(prefix)]


def of_member(wh, df, code: str):
    return df[df["subject_key"] == member_key(wh[1], code)]


def test_the_files_load_without_rejects(wh):
    _, _, res = wh
    assert res.exit_code == 0, [r.message() for r in res.rejects] + [f.error for f in res.files if f.error]


# ───────────── item 2: 124-QĐ/TW, discipline in 2023–2024 ─────────────

def test_124_member_self_detected_is_a_point_to_review_not_a_breach(wh):
    """124-QĐ/TW Điều 12 khoản 4.3 điểm d: cá nhân xếp loại "Không hoàn thành nhiệm vụ" khi "Bị xử lý kỷ luật trong năm
    đánh giá (trừ trường hợp tự phát hiện và khắc phục xong hậu quả)"."""
    df = findings(wh, "R2A")
    self_found = of_member(wh, df, "R2A-self")
    assert set(self_found["severity"]) == {"can_xem_xet"}, self_found[["rule", "severity"]]
    assert set(self_found["rule"]) == {"dv_ky_luat_124_tu_phat_hien"}
    assert "124-QĐ/TW" in self_found["document"].iloc[0]


def test_124_member_without_the_exception_is_a_breach_that_says_what_the_data_cannot_tell(wh):
    """124-QĐ/TW Điều 12 khoản 4.3 điểm d: "Bị xử lý kỷ luật trong năm đánh giá (trừ trường hợp tự phát hiện và khắc
    phục xong hậu quả)" — where the file does not say the violation was self-detected, the breach stands, and the
    finding says the data cannot tell whether the exception applies."""
    df = findings(wh, "R2A")
    for code, said in (("R2A-plain", "Hình thức kỷ luật không ghi tự phát hiện"),
                       ("R2A-noform", "Hồ sơ không ghi hình thức kỷ luật")):
        f = of_member(wh, df, code)
        assert list(zip(f["rule"], f["severity"])) == [("dv_ky_luat_124", "vi_pham")], code
        assert said in f["detail"].iloc[0]
        assert "dữ liệu không cho biết" in f["detail"].iloc[0]


def test_124_leadership_collective_rated_htt_while_its_head_was_reprimanded(wh):
    """124-QĐ/TW Điều 12 khoản 4: tập thể "Bị xử lý kỷ luật hoặc thành viên bị kỷ luật trong năm (trừ trường hợp tự phát
    hiện và khắc phục xong hậu quả)" xếp "Không hoàn thành nhiệm vụ" — any form counts, not only "từ cảnh cáo trở lên"
    as in 21-HD/BTCTW: a collective rated HTT while its head was reprimanded (khiển trách) is a breach."""
    df = findings(wh, "R2B-L", year=2023)
    assert list(zip(df["rule"], df["severity"])) == [("tap_the_lanh_dao_ky_luat_124", "vi_pham")]
    assert "Khiển trách" in df["detail"].iloc[0]


def test_124_leadership_collective_whose_head_self_detected_is_a_point_to_review(wh):
    """124-QĐ/TW Điều 12 khoản 4: "… thành viên bị kỷ luật trong năm (trừ trường hợp tự phát hiện và khắc phục xong hậu
    quả)"."""
    df = findings(wh, "R2B-M")
    assert list(zip(df["rule"], df["severity"])) == [("tap_the_lanh_dao_ky_luat_tu_phat_hien", "can_xem_xet")]


# ───────────── item 3: unverified or local texts, one severity, party and civil-service ratings ─────────────

def test_366_leadership_collective_with_a_self_detected_head_is_not_a_breach(wh):
    """366-QĐ/TW with 43-HD/BTCTW (domain.md §7): discipline "khiển trách" or above ⇒ KHTNV, "but self-detected and
    remedied cases are discretionary (flag for review, not as an error)" — for the member and for the leadership
    collective the member belongs to alike."""
    df = findings(wh, "R3A-L")
    assert set(df["severity"]) == {"can_xem_xet"}, df[["rule", "severity"]]
    assert set(df["rule"]) == {"tap_the_lanh_dao_ky_luat_tu_phat_hien"}


def test_2014_2017_point_bands_and_votes_come_from_one_wards_plan(wh):
    """Seed 001 (kế hoạch năm 2017 của Đảng ủy phường Hương Xuân), mục III.2.3: "từ 90 điểm … 70 đến dưới 90 … 50 đến
    dưới 70 … dưới 50 điểm" and mục III.1.3: đảng viên HTXS "có trên 2/3 số đảng viên chính thức bỏ phiếu tán thành" —
    one ward's plan, not the central text: "cần xem xét", citing that plan."""
    df = findings(wh, "R3B", year=2016)
    assert set(df["rule"]) == {"diem_duoi_khung", "phieu_bieu_quyet"}
    assert set(df["severity"]) == {"can_xem_xet"}, df[["rule", "severity"]]
    assert df["document"].str.contains("Hương Xuân").all()


def test_htxs_with_shortcomings_not_fixed_has_one_severity_in_both_checks(wh):
    """366-QĐ/TW (domain.md §7): "HTXS requires that 100% of the shortcomings identified at the previous review were
    fixed". The rule htxs_chua_khac_phuc_han_che and the query shortcoming_366 must say the same of one case."""
    con, _, _ = wh
    rule = findings(wh, "R3C", rule="htxs_chua_khac_phuc_han_che")
    flags = runner.run(con, "shortcoming_366", {"year": 2025})
    flags = flags[flags["unit_code"] == "R3C"]
    assert len(rule) == 1 and len(flags) == 1
    assert rule["severity"].iloc[0] == flags["status"].iloc[0] == "vi_pham"


def test_civil_service_khtnv_with_a_party_rating_above_khtnv_is_a_breach(wh):
    """16-HD/BTCTW (2018) and 21-HD/BTCTW (2019): đảng viên xếp "Không hoàn thành nhiệm vụ" khi là "công chức, viên
    chức xếp loại ở mức 'Không hoàn thành nhiệm vụ'" — party and civil-service ratings must agree."""
    df = findings(wh, "R3D")
    for code, year in (("R3D-a", 2020), ("R3D-b", 2021)):
        f = of_member(wh, df, code)
        assert list(zip(f["rule"], f["year"], f["severity"])) == [("cong_chuc_khtnv_dang_tren_khtnv", year, "vi_pham")]


# ───────────── item 6: the civil-service level of NĐ 56/2015 ─────────────

def test_civil_service_level_with_limited_capacity_is_level_3(wh):
    """Seed 001, mục III.1.3.c: "phân loại cán bộ, công chức, viên chức năm 2017 phải đạt mức 'Hoàn thành nhiệm vụ'
    hoặc 'Hoàn thành nhiệm vụ nhưng còn hạn chế về năng lực' trở lên" — a level of NĐ 56/2015, level 3."""
    con, salt, _ = wh
    row = con.execute("SELECT level, civil_level FROM member_ratings WHERE member_key = ?",
                      [member_key(salt, "R6A-a")]).fetchall()
    assert row == [(3, 3)]


# ───────────── item 8: 124-QĐ/TW, subordinate units disciplined ─────────────

def test_124_leadership_collective_with_over_20_percent_of_its_units_disciplined(wh):
    """124-QĐ/TW Điều 12 khoản 4: "Tập thể lãnh đạo, quản lý bị xử lý kỷ luật hoặc có trên 20% số đơn vị trực thuộc bị
    kỷ luật trong năm" xếp "Không hoàn thành nhiệm vụ". The subordinate unit's flag says "a member or a subordinate unit
    was disciplined", not that the unit itself was: a point to review."""
    df = findings(wh, "R8A", rule="tap_the_tren_20_don_vi_truc_thuoc_ky_luat")
    assert list(zip(df["unit_code"], df["subject"], df["severity"])) == [("R8A", "cap_uy", "can_xem_xet")]
    assert "1/4 đơn vị trực thuộc (25%)" in df["detail"].iloc[0]
    # exactly 20% is not "more than 20%"
    assert findings(wh, "R8B", rule="tap_the_tren_20_don_vi_truc_thuoc_ky_luat").empty


# ───────────── item 5: the "tiêu biểu" limit is a local rule, with years and scope as data ─────────────

def test_exemplary_limit_has_the_years_and_scope_of_the_ward_plan(tmp_path):
    """Seed 001 (kế hoạch năm 2017 của Đảng ủy phường Hương Xuân): "số tổ chức chi bộ được khen thưởng không vượt quá
    20% tổng số các chi bộ đạt trong sạch, vững mạnh" — a rule of one ward for 2017 (certainty R there); elsewhere and
    in other years the same share is only a configurable reference level (certainty U), and each candidate names the
    rule it was measured against."""
    units = [["HX", "Đảng ủy phường Hương Xuân", "Đảng bộ cơ sở", "Xã, thị trấn", "", "", ""],
             *[[f"HX-C{i}", f"Chi bộ Hương Xuân {i}", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "HX", "", ""]
               for i in (1, 2)],
             ["KH", "Đảng bộ xã Khác", "Đảng bộ cơ sở", "Xã, thị trấn", "", "", ""],
             ["KH-C1", "Chi bộ Khác 1", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "KH", "", ""]]
    rows = [c(y, u, "chi_bo", "Trong sạch, vững mạnh" if y < 2018 else "HTXS")
            for y in (2017, 2018) for u in ("HX-C1", "HX-C2", "KH-C1")]
    res = load_files([write_csv(tmp_path / "don_vi.csv", [UNITS_HEADER, *units]),
                      write_csv(tmp_path / "tap_the.csv", _rows(COLL_COLS, rows))], tmp_path / "kho.duckdb")
    assert res.exit_code == 0
    con = warehouse.connect_readonly(tmp_path / "kho.duckdb")
    try:
        got = {}
        for year in (2017, 2018):
            df = runner.run(con, "exemplary_candidates", {"year": year})
            got.update({(year, r.unit_code): (r.rule_id, r.certainty, r.ratio) for r in df.itertuples()})
        rules = runner.run(con, "commendation_rules", {}).set_index("rule_id")
    finally:
        con.close()
    assert got[(2017, "HX-C1")] == ("tieu_bieu_chi_bo_huong_xuan_2017", "R", 0.2)
    assert got[(2017, "KH-C1")] == ("tieu_bieu_chi_bo", "U", 0.2)
    assert got[(2018, "HX-C1")] == ("tieu_bieu_chi_bo", "U", 0.2)
    local = rules.loc["tieu_bieu_chi_bo_huong_xuan_2017"]
    assert (local["first_year"], local["last_year"], local["scope"]) == (2017, 2017, "Đảng ủy phường Hương Xuân")
    assert "Hương Xuân" in rules.loc["tieu_bieu_chi_bo", "source"]
