"""Đề nghị khen thưởng on a constructed history (a gap year breaks a streak, a renamed unit keeps it, a unit whose
name a spreadsheet would run as a formula) and on the demo: the five-year lists, the "tiêu biểu" check against the
configured 20%, names only on request and logged, and the workbook the office sends up, read back."""
from __future__ import annotations

import io

import duckdb
import openpyxl
import pandas as pd
import pytest

from operations.load import load_files
from reports import access_log
from reports import commendations as cm
from tests.conftest import UNITS_HEADER, write_csv
from tests.pages.conftest import texts
from tests.pages.media import buttons, downloads, labels, module_mp, open_page  # noqa: F401 (fixtures)

PAGE = "pages/commendations.py"
FORMULA = '=HYPERLINK("http://x","Chi bộ lạ")'
NAMES = {"DV1": "Hồ Văn An", "DV2": "Nguyễn Thị Bình", "DV3": "Lê Văn Cường"}


@pytest.fixture(scope="module")
def history_db(tmp_path_factory):
    d = tmp_path_factory.mktemp("khen_thuong")
    units = write_csv(d / "u.csv", [UNITS_HEADER,
        ["T", "Tỉnh ủy T", "Tỉnh ủy", "", "", "", ""],
        ["A", "Đảng bộ xã A", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, ""],
        ["B", "Đảng bộ xã B", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, ""],
        ["D", "Đảng bộ xã D", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, ""],
        ["E", "Đảng bộ xã E", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, ""],
        ["R", "Đảng bộ xã Cũ", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2017, 2022],
        ["R2", "Đảng bộ phường Mới", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2023, ""],
        ["F", FORMULA, "Chi bộ cơ sở", "Đơn vị sự nghiệp", "T", 2017, ""],
        *[[f"C{i}", f"Chi bộ {i}", "Chi bộ trực thuộc", "", "A", 2017, ""] for i in range(1, 11)],
    ])
    lineage = write_csv(d / "l.csv", [["Năm", "Mã đơn vị cũ", "Mã đơn vị mới", "Hình thức"],
                                      [2023, "R", "R2", "Đổi tên"]])
    rows = [["Năm", "Mã đơn vị", "Đối tượng", "Xếp loại"]]
    for y in range(2021, 2026):
        rows += [[y, "A", "tccsd", "HTXS"], [y, "F", "tccsd", "HTXS"],
                 [y, "B", "tccsd", "HTT" if y == 2023 else "HTXS"],          # a gap year breaks the streak
                 [y, "R" if y <= 2022 else "R2", "tccsd", "HTXS"]]           # renamed in 2023: keeps it
    rows += [[2025, "D", "tccsd", "HTXS"], [2025, "E", "tccsd", "HTXS"]]     # 6 HTXS TCCSĐ in 2025 → 1 tiêu biểu
    rows += [[2025, f"C{i}", "chi_bo", "HTXS" if i <= 6 else "HTT"] for i in range(1, 11)]   # 6 HTXS chi bộ → 1
    rows[-10][3] = rows[-9][3] = "Hoàn thành xuất sắc nhiệm vụ tiêu biểu"     # the file marks two of them
    members = [["Năm", "Mã đảng viên", "Họ và tên", "Mã chi bộ", "Xếp loại"]]
    for y in range(2021, 2026):
        members += [[y, "DV1", NAMES["DV1"], "C1", "HTXS"], [y, "DV3", NAMES["DV3"], "C3", "HTXS"],
                    [y, "DV2", NAMES["DV2"], "C2", "HTT" if y == 2022 else "HTXS"]]
    res = load_files([units, lineage, write_csv(d / "c.csv", rows), write_csv(d / "m.csv", members)], d / "kho.duckdb")
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    return d / "kho.duckdb"


@pytest.fixture(scope="module")
def audit_file(module_mp, tmp_path_factory):
    path = tmp_path_factory.mktemp("nhat_ky") / "audit.jsonl"
    module_mp.setenv("KIEMDIEM_AUDIT", str(path))
    module_mp.setenv("KIEMDIEM_AUDIT_LOG", str(path))
    return path


@pytest.fixture(scope="module")
def at(module_mp, downloads, history_db, audit_file):
    return open_page(module_mp, history_db, PAGE, don_vi="T", nam=2025)


def frames(at) -> dict[str, pd.DataFrame]:
    """The page's tables by their first columns: five-year organizations, members, candidates, check."""
    out = {}
    for d in at.dataframe:
        v = d.value
        key = ("to_chuc" if "Tên tổ chức đảng" in v and "STT" in v else "dang_vien" if "Chi bộ" in v
               else "ung_vien" if cm.PROPOSE in v else "kiem_tra" if "Kết luận" in v else "?")
        out[key] = v
    return out


def test_five_years_running_gap_breaks_rename_keeps(at):
    orgs = frames(at)["to_chuc"]
    assert sorted(orgs["Tên tổ chức đảng"]) == sorted([FORMULA, "Đảng bộ xã A", "Đảng bộ phường Mới"])
    assert set(orgs["Các năm HTXS"]) == {"2021–2025"} and set(orgs["Trực thuộc"]) == {"Tỉnh ủy T"}
    members = frames(at)["dang_vien"]
    assert list(members.columns) == ["STT", "Mã ẩn danh", "Chi bộ", "Đảng bộ", "Các năm HTXS"]
    assert sorted(members["Chi bộ"]) == ["Chi bộ 1", "Chi bộ 3"]                 # DV2 missed 2022
    shown = texts(at) + str([f.to_dict() for f in frames(at).values()])
    assert not any(n in shown for n in NAMES.values())                          # no names unless asked
    assert "DV1" not in shown                                                   # nor card numbers
    assert "Tỉnh ủy T và các đơn vị trực thuộc · năm 2025 · 5 năm liền: 2021–2025" in texts(at)


def test_tieu_bieu_candidates_are_checked_against_the_configured_share(at):
    cands, check = frames(at)["ung_vien"], frames(at)["kiem_tra"]
    assert len(cands) == 12                                                     # 6 TCCSĐ + 6 chi bộ HTXS in 2025
    assert cands[cm.PROPOSE].sum() == 2                                         # the limit of each group, preselected
    chi_bo = check.set_index("Loại").loc["Chi bộ trực thuộc"]
    assert (chi_bo["Cấp trên"], chi_bo["Số tổ chức HTXS"], chi_bo["Tỷ lệ tối đa"]) == ("Đảng bộ xã A", 6, "20,0%")
    assert chi_bo["Được đề nghị tối đa"] == 1 and chi_bo["Đang đề nghị"] == 1   # floor(20% × 6)
    assert set(check["Kết luận"]) == {cm.OK}
    assert any("trong giới hạn ở cả 2 nhóm" in s.value for s in at.success)
    assert not buttons(at)["dl_office"].proto.disabled


def test_the_marks_the_rating_file_carries_are_counted_beside_the_candidates(at):
    assert ("Tệp xếp loại năm 2025 đã ghi “tiêu biểu” cho 2 tổ chức trong danh sách này. Số ghi vượt giới hạn: "
            "Đảng bộ xã A (chi bộ trực thuộc): 2 > 1.") in texts(at)


def test_the_office_list_in_official_layout_with_names_marked_and_logged(at, downloads, audit_file):
    before = len(access_log.read())
    wb = openpyxl.load_workbook(io.BytesIO(downloads.content(buttons(at)["dl_office"])))
    assert wb.sheetnames == ["Thông tin", "Tổ chức 5 năm liền", "Đảng viên 5 năm liền", "Tiêu biểu 2025"]
    info = [r[0] for r in wb["Thông tin"].iter_rows(values_only=True) if r[0]]
    assert "Đơn vị (gồm đơn vị trực thuộc): Tỉnh ủy T" in info and "Năm xét khen thưởng: 2025" in info
    assert "Kiểm tra tỷ lệ tiêu biểu: trong giới hạn ở mọi nhóm" in info
    orgs = [r for r in wb["Tổ chức 5 năm liền"].iter_rows(values_only=True)]
    assert orgs[0][0] == "DANH SÁCH" and "5 NĂM LIỀN (2021–2025)" in orgs[1][0] and orgs[2][0] == "Đơn vị: Tỉnh ủy T"
    header = orgs[4]
    assert header == ("STT", "Tên tổ chức đảng", "Trực thuộc", "Loại", *map(str, range(2021, 2026)), "Ghi chú")
    body = [r for r in orgs[5:8]]
    assert [r[0] for r in body] == [1, 2, 3] and all(r[4:9] == ("HTXS",) * 5 for r in body)
    assert "'" + FORMULA in {r[1] for r in body}                                 # inert, not a formula
    assert any(r[0] == "Tổng số: 3 tổ chức đảng." for r in orgs)
    assert any(r and "NGƯỜI LẬP BIỂU" in r for r in orgs)
    ws = wb["Đảng viên 5 năm liền"]
    assert ws["A1"].value == cm.PERSONAL and ws.sheet_properties.tabColor.rgb.endswith("C00000")
    people = list(ws.iter_rows(values_only=True))
    assert {r[1] for r in people[6:8]} == {NAMES["DV1"], NAMES["DV3"]} and people[5][1] == "Họ và tên"
    proposals = list(wb["Tiêu biểu 2025"].iter_rows(values_only=True))
    assert sum(1 for r in proposals if isinstance(r[0], int)) == 2
    events = access_log.read()[before:]
    assert [(e["action"], e["rows"]) for e in events] == [(access_log.EXPORT, 2)]


def test_names_only_on_request_and_each_view_logged(at, audit_file):
    before = len(access_log.read())
    at.toggle(key="ho_ten").set_value(True).run()
    assert not at.exception
    members = frames(at)["dang_vien"]
    assert sorted(members["Họ và tên"]) == sorted([NAMES["DV1"], NAMES["DV3"]])
    events = access_log.read()[before:]
    assert events and all(e["action"] == access_log.VIEW for e in events)
    assert any("member_names" in e["what"] or "họ tên" in e["what"] for e in events)
    at.toggle(key="ho_ten").set_value(False).run()
    assert "Mã ẩn danh" in frames(at)["dang_vien"]


def test_over_the_limit_is_refused(at):
    key = "tieu_bieu_T_2025_None"
    cands = frames(at)["ung_vien"]
    extra = next(i for i, (n, p) in enumerate(zip(cands["Tên tổ chức đảng"], cands[cm.PROPOSE]))
                 if n.startswith("Chi bộ ") and not p)
    at.session_state[key] = {"edited_rows": {extra: {cm.PROPOSE: True}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    chi_bo = frames(at)["kiem_tra"].set_index("Loại").loc["Chi bộ trực thuộc"]
    assert chi_bo["Đang đề nghị"] == 2 and chi_bo["Kết luận"] == f"{cm.OVER}: bớt 1"
    assert any("Đảng bộ xã A (chi bộ trực thuộc): 2 > 1" in e.value for e in at.error)
    assert buttons(at)["dl_office"].proto.disabled
    at.session_state[key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not buttons(at)["dl_office"].proto.disabled


def test_the_lists_download_as_csv_and_excel_with_inert_formulas(at, downloads):
    b = buttons(at)
    raw = downloads.content(b["dl_orgs_csv"])
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Bộ lọc: Đơn vị (gồm đơn vị trực thuộc): Tỉnh ủy T; Năm đánh giá: 2021–2025")
    assert "Năm xét khen thưởng: 2025" in text.splitlines()[0]
    csv = pd.read_csv(io.StringIO(text), skiprows=3, dtype=str)
    assert "'" + FORMULA in set(csv["Tên tổ chức đảng"])
    wb = openpyxl.load_workbook(io.BytesIO(downloads.content(b["dl_orgs_xlsx"])))
    cells = [c for row in wb.worksheets[1].iter_rows() for c in row if str(c.value).startswith("'=")]
    assert cells and all(c.data_type == "s" for c in cells)
    assert {"Tải CSV", "Tải Excel", "Tải danh sách đề nghị (Excel)"} <= set(labels(at))


def test_the_sidebar_subject_narrows_the_page(module_mp, history_db):
    at = open_page(module_mp, history_db, PAGE, don_vi="T", nam=2025, doi_tuong="dang_vien")
    assert [s.value for s in at.subheader][:1] == ["Đảng viên hoàn thành xuất sắc nhiệm vụ 5 năm liền"]
    assert "ung_vien" not in frames(at) and "to_chuc" not in frames(at)


def test_demo_lists_match_a_direct_sql_count(module_mp, demo_db):
    at = open_page(module_mp, demo_db, PAGE, nam=2021)
    unit = at.query_params["don_vi"]
    unit = unit[0] if isinstance(unit, list) else unit
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        orgs = {n for (n,) in con.execute("""
            SELECT any_value(u.name) FROM collective_ratings c JOIN units u USING (unit_code)
            WHERE c.level = 1 AND c.subject IN ('tccsd', 'chi_bo') AND c.year BETWEEN 2017 AND 2021
              AND c.unit_code IN (SELECT unit_code FROM unit_ancestors WHERE ancestor_code = ?)
            GROUP BY c.unit_code, c.subject HAVING count(DISTINCT c.year) = 5""", [unit]).fetchall()}
        members = con.execute("""
            SELECT count(*) FROM (SELECT m.member_key FROM member_ratings m
            WHERE m.level = 1 AND m.year BETWEEN 2017 AND 2021
              AND m.chi_bo_code IN (SELECT unit_code FROM unit_ancestors WHERE ancestor_code = ?)
            GROUP BY m.member_key HAVING count(DISTINCT m.year) = 5)""", [unit]).fetchone()[0]
    finally:
        con.close()
    page = frames(at)
    assert orgs and set(page["to_chuc"]["Tên tổ chức đảng"]) == orgs
    assert members > 0 and len(page["dang_vien"]) == members
