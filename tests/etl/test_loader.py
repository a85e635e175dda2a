"""The loader on real files: every layout, every class of bad input, and the warehouse left intact on failure."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from etl import loader, warehouse
from operations.load import load_files
from queries import runner
from tests.conftest import ROOT, SAMPLE_004, UNITS, UNITS_HEADER, write_csv, write_xlsx

MEMBER_HEADER = ["Năm", "Mã đảng viên", "Họ và tên", "Mã chi bộ", "Xếp loại", "Bị kỷ luật trong năm",
                 "Hình thức kỷ luật", "Là cán bộ lãnh đạo quản lý", "Đơn vị lãnh đạo", "Xếp loại công chức",
                 "Số phiếu tán thành", "Số đảng viên chính thức", "Điểm"]
AGG_HEADER = ["Năm", "Mã đơn vị", "Đối tượng", "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ",
              "Hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ", "Tổng số", "Không xếp loại"]


def q(db: Path, sql: str, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def table_digest(db: Path) -> str:
    """Content of every data table: equal digests mean the warehouse holds exactly the same rows."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        parts = []
        for t in ("units", "member_ratings", "collective_ratings", "aggregate_counts", "shortcomings",
                  "review_suggestions", "lineage_events", "loads", "rejected_rows", "load_replacements"):
            parts.append(t + repr(sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))))
        return hashlib.sha256("".join(parts).encode()).hexdigest()
    finally:
        con.close()


def accounted(res) -> bool:
    return all(f.rows_read == f.rows_loaded + f.rows_rejected for f in res.files if not f.error)


# ───────────── layouts ─────────────

def test_units_then_members_csv_with_every_column(tmp_path, db, units_file):
    members = write_csv(tmp_path / "dv.csv", [
        MEMBER_HEADER,
        [2022, "DV1", "HỒ VĂN A", "CB1", "Hoàn thành tốt nhiệm vụ", "Không", "", "Có", "X1", "HTT", "10", "12", "85"],
        [2022, "DV2", "Lê Thị B", "CB1", "HTXS", "", "", "", "", "", "", "", ""],
        [2022, "DV3", "Trần C", "CB3", "Miễn công tác và sinh hoạt đảng", "", "", "", "", "", "", "", ""],
        [2022, "DV4", "Phạm D", "CB2", "Không hoàn thành nhiệm vụ", "Có", "Khiển trách", "", "", "", "", "", ""],
    ])
    res = load_files([units_file, members], db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    assert accounted(res)
    rows = q(db, "SELECT chi_bo_code, level, not_rated_reason, disciplined, discipline_form, is_leader, "
                 "led_unit_code, civil_level, votes_for, official_members, score FROM member_ratings ORDER BY 1, 2")
    assert ("CB1", 2, None, False, None, True, "X1", 2, 10, 12, 85.0) in rows
    assert ("CB3", None, "mien", None, None, None, None, None, None, None, None) in rows
    assert ("CB2", 4, None, True, "Khiển trách", None, None, None, None, None, None) in rows
    # personal data lives apart; analytics rows carry only the pseudonymous key
    assert q(db, "SELECT full_name FROM member_identities ORDER BY member_code")[0] == ("Hồ Văn A",)
    keys = q(db, "SELECT member_key FROM member_ratings")
    assert all(len(k[0]) == 16 and not k[0].startswith("DV") for k in keys)


def test_a_member_keeps_one_identity_written_by_the_load_that_last_changed_it(tmp_path, db, units_file):
    """An unchanged code and name keep their row and its load; a changed name or a new member is written with the
    load that brought it; never two rows for one key."""
    def members(name: str, rows: list) -> Path:
        return write_csv(tmp_path / name, [MEMBER_HEADER] + [
            [year, code, full, "CB1", "HTT", "", "", "", "", "", "", "", ""] for year, code, full in rows])
    assert load_files([units_file, members("a.csv", [(2022, "DV1", "Hồ Văn A"), (2022, "DV2", "Lê Thị B")])],
                      db).exit_code == 0
    assert load_files([members("b.csv", [(2023, "DV1", "Hồ Văn A"), (2023, "DV2", "Lê Thị Bích"),
                                         (2023, "DV3", "Trần C")])], db).exit_code == 0
    ids = q(db, "SELECT i.member_code, i.full_name, l.file_name FROM member_identities i "
                "JOIN loads l USING (load_id) ORDER BY 1")
    assert ids == [("DV1", "Hồ Văn A", "a.csv"), ("DV2", "Lê Thị Bích", "b.csv"), ("DV3", "Trần C", "b.csv")]
    assert q(db, "SELECT count(*), count(DISTINCT member_key) FROM member_identities") == [(3, 3)]


def test_headers_without_diacritics_any_case_extra_spaces(tmp_path, db, units_file):
    f = write_csv(tmp_path / "agg.csv", [
        ["  NAM ", "ma don vi", "DOI TUONG", "hoan thanh xuat sac nhiem vu", "HOAN THANH TOT NHIEM VU",
         "Hoan thanh nhiem vu", "khong hoan thanh nhiem vu", "tong so"],
        ["2021", "X1", "Đảng viên", "3", "20", "2", "0", "25"],
    ], delimiter=";")
    res = load_files([units_file, f], db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    assert q(db, "SELECT htxs, htt, ht, khtnv, total FROM aggregate_counts") == [(3, 20, 2, 0, 25)]


def test_collective_shortcomings_suggestions_lineage_in_one_workbook(tmp_path, db, units_file):
    wb = write_xlsx(tmp_path / "tap_the.xlsx", {
        "Hướng dẫn": [["Điền mỗi đơn vị một dòng"]],
        "Xếp loại tập thể": [["Năm", "Mã đơn vị", "Đối tượng", "Tự xếp loại", "Xếp loại", "Điểm",
                              "Có thành viên hoặc đơn vị trực thuộc bị kỷ luật"],
                             [2024, "X1", "Tổ chức cơ sở đảng", "HTXSNV", "Hoàn thành tốt nhiệm vụ", 82, "Không"],
                             [2024, "X2", "tccsd", "HTT", "HTT", "75,5", "Có"]],
        "Hạn chế": [["Năm", "Tên đơn vị", "Đối tượng", "Nội dung", "Nhóm", "Kết quả khắc phục", "Nguồn"],
                    [2024, "Đảng bộ xã Hoà Bình", "tccsd", "Báo cáo kiểm điểm còn chung chung", "", "Chưa khắc phục",
                     "Báo cáo kiểm điểm"]],
        "Gợi ý": [["Năm", "Mã đơn vị", "Nội dung"], [2024, "X2", "Công tác quản lý đất đai"]],
        "Sáp nhập": [["Năm", "Mã đơn vị cũ", "Mã đơn vị mới", "Hình thức"], [2025, "X2", "X1", "Sáp nhập"]],
        # the merged commune ends in 2024: this relisting replaces its open-ended version
        "Đơn vị": [UNITS_HEADER, ["X2", "Đảng bộ xã An Phú", "Đảng bộ cơ sở", "Xã, thị trấn", "H1", "", 2024]],
    })
    load_files([units_file], db)
    res = load_files([wb], db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    assert any("Hướng dẫn" in n for n in res.files[0].notes)      # an instruction sheet is named, not silently lost
    assert q(db, "SELECT unit_code, self_level, level, score, disciplined FROM collective_ratings ORDER BY 1") == [
        ("X1", 1, 2, 82.0, False), ("X2", 2, 2, 75.5, True)]
    assert q(db, "SELECT unit_code, text_norm, remedy_status FROM shortcomings") == [
        ("X1", "Báo cáo kiểm điểm còn chung chung", "chua_khac_phuc")]
    assert q(db, "SELECT unit_code, text_norm FROM review_suggestions") == [("X2", "Công tác quản lý đất đai")]
    assert q(db, "SELECT year, old_code, new_code, event FROM lineage_events") == [(2025, "X2", "X1", "sap_nhap")]


@pytest.mark.parametrize("fmt", ["tsv", "csv", "xlsx"])
def test_report_table_layout_in_every_format(tmp_path, db, fmt):
    rows = [line.split("\t") for line in SAMPLE_004.read_text(encoding="utf-8").splitlines()]
    if fmt == "tsv":
        path = SAMPLE_004
    elif fmt == "csv":
        path = write_csv(tmp_path / "bc.csv", rows)
    else:
        # Excel keeps numbers as numbers and text as text: "2.208" stays text, the years are numbers.
        conv = [[int(c) if c.isdigit() else (c or None) for c in r] for r in rows]
        path = write_xlsx(tmp_path / "bc.xlsx", {"Báo cáo": conv})
    res = load_files([path], db, unit="Huyện ủy Bảo Lâm")
    assert res.exit_code == 1 and len(res.rejects) == 2
    assert accounted(res)
    assert res.created_units and "Huyện ủy Bảo Lâm" in res.created_units[0]
    assert q(db, "SELECT count(*) FROM aggregate_counts")[0][0] == 18


def test_report_table_caption_without_subject_needs_subject_option(tmp_path, db):
    f = write_csv(tmp_path / "bang.tsv", [
        ["Bảng 3"], ["STT", "Tiêu chí", "Năm đánh giá"], ["", "", "2023", "2024"],
        ["1", "HTXSNV", "5", "6"], ["2", "HTTNV", "20", "21"], ["3", "HTNV", "1", "0"], ["4", "KHTNV", "0", "0"],
        ["Tổng số", "", "26", "27"]], delimiter="\t")
    res = load_files([f], db, unit="Đảng ủy Khối Cơ quan")
    assert res.exit_code == 2 and all("--subject" in r.reason for r in res.rejects)
    res = load_files([f], db, unit="Đảng ủy Khối Cơ quan", subject="Đảng viên")
    assert res.exit_code == 0
    assert q(db, "SELECT year, subject, total FROM aggregate_counts ORDER BY 1") == [(2023, "dang_vien", 26),
                                                                                    (2024, "dang_vien", 27)]


def test_report_table_tieu_bieu_row_is_explained_not_counted(tmp_path, db):
    f = write_csv(tmp_path / "bang.tsv", [
        ["Kết quả xếp loại tổ chức cơ sở đảng"], ["STT", "Tiêu chí", "Năm đánh giá"], ["", "", "2016"],
        ["1", "Trong sạch, vững mạnh", "10"], ["", "Trong đó: Trong sạch, vững mạnh tiêu biểu", "2"],
        ["2", "Hoàn thành tốt nhiệm vụ", "30"], ["3", "Hoàn thành nhiệm vụ", "5"], ["4", "Yếu kém", "1"],
        ["Tổng số", "", "46"]], delimiter="\t")
    res = load_files([f], db, unit="Huyện ủy X")
    assert q(db, "SELECT htxs, htt, ht, khtnv, total FROM aggregate_counts") == [(10, 30, 5, 1, 46)]
    assert len(res.rejects) == 1 and "khen thưởng" in res.rejects[0].reason and res.rejects[0].row == 5
    assert accounted(res)


# ───────────── names instead of codes ─────────────

def test_unit_names_resolve_forgivingly_and_ambiguity_lists_candidates(tmp_path, db, units_file):
    f = write_csv(tmp_path / "agg.csv", [
        ["Năm", "Tên đơn vị", "Đối tượng", "HTXS", "HTT", "HT", "KHTNV", "Tổng số"],
        ["2021", "DANG BO XA HOA BINH", "dang_vien", "1", "5", "0", "0", "6"],   # no diacritics, capitals
        ["2021", "Ðảng bộ xã Hoà  Bình", "chi_bo", "1", "1", "0", "0", "2"],     # Ð, old tone, double space
        ["2021", "Chi bộ thôn 1", "dang_vien", "1", "5", "0", "0", "6"],         # two units carry this name
        ["2021", "Đảng bộ xã Không Có", "dang_vien", "1", "5", "0", "0", "6"],
    ])
    res = load_files([units_file, f], db)
    assert res.exit_code == 1
    assert q(db, "SELECT DISTINCT unit_code FROM aggregate_counts") == [("X1",)]
    by_row = {r.row: r for r in res.rejects}
    assert "CB1" in by_row[4].reason and "CB3" in by_row[4].reason and "nhiều đơn vị" in by_row[4].reason
    assert "không tìm thấy" in by_row[5].reason and by_row[5].column == "Tên đơn vị"


# ───────────── bad input: message, rejected row kept, nothing lost ─────────────

BAD_CASES = [
    ("unknown unit", [2022, "DVx", "A", "CB9", "HTT"], "Mã chi bộ", "không có đơn vị mã 'CB9'"),
    ("unknown label", [2022, "DVx", "A", "CB1", "Khá"], "Xếp loại", "không nhận ra mức xếp loại 'Khá'"),
    ("year out of range", [1999, "DVx", "A", "CB1", "HTT"], "Năm", "nằm ngoài khoảng"),
    ("year missing", ["", "DVx", "A", "CB1", "HTT"], "Năm", "thiếu năm"),
    ("member code missing", [2022, "", "A", "CB1", "HTT"], "Mã đảng viên", "thiếu mã đảng viên"),
]


@pytest.mark.parametrize("name,row,column,fragment", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_member_rows(tmp_path, db, units_file, name, row, column, fragment):
    good = [2022, "DV1", "A", "CB1", "HTT"]
    f = write_csv(tmp_path / "dv.csv", [MEMBER_HEADER[:5], good, row])
    res = load_files([units_file, f], db)
    assert res.exit_code == 1
    (rej,) = res.rejects
    assert rej.file == "dv.csv" and rej.row == 3 and rej.column == column and fragment in rej.reason
    assert accounted(res)
    stored = q(db, "SELECT file_name, row_no, column_name, reason, raw FROM rejected_rows")
    assert len(stored) == 1 and stored[0][1] == 3 and fragment in stored[0][3]
    raw = json.loads(stored[0][4])
    assert raw.get("Mã đảng viên") == (str(row[1]) if row[1] != "" else None) and raw["Xếp loại"] == row[4]
    assert q(db, "SELECT count(*) FROM member_ratings")[0][0] == 1


@pytest.mark.parametrize("cells,fragment", [
    (["-3", "20", "2", "0", "19"], "âm"),
    (["2,5", "20", "2", "0", "24,5"], "không phải số nguyên"),
    (["3", "20", "2", "0", "26"], "khác 'Tổng số'"),
    (["3", "", "2", "0", "5"], "thiếu số lượng"),
])
def test_bad_counts(tmp_path, db, units_file, cells, fragment):
    f = write_csv(tmp_path / "agg.csv", [AGG_HEADER[:8], ["2021", "X1", "dang_vien", *cells]])
    res = load_files([units_file, f], db)
    assert res.exit_code == 1
    assert any(fragment in r.reason for r in res.rejects), [r.reason for r in res.rejects]
    assert q(db, "SELECT count(*) FROM aggregate_counts")[0][0] == 0
    assert q(db, "SELECT count(*) FROM rejected_rows")[0][0] == 1


def test_duplicates_inside_a_file(tmp_path, db, units_file):
    f = write_csv(tmp_path / "dv.csv", [MEMBER_HEADER[:5],
                                        [2022, "DV1", "A", "CB1", "HTT"],
                                        [2022, "DV1", "A", "CB1", "HTT"],     # same row twice: keep one
                                        [2022, "DV2", "B", "CB1", "HTT"],
                                        [2022, "DV2", "B", "CB1", "HTXS"]])   # contradiction: keep neither
    res = load_files([units_file, f], db)
    assert res.exit_code == 1 and accounted(res)
    reasons = {r.row: r.reason for r in res.rejects}
    assert "trùng lặp với dv.csv dòng 2" in reasons[3]
    assert 4 in reasons and 5 in reasons and "khác nhau" in reasons[4]
    assert q(db, "SELECT count(*) FROM member_ratings")[0][0] == 1


def test_member_in_two_chi_bo_in_one_year(tmp_path, db, units_file):
    f = write_csv(tmp_path / "dv.csv", [MEMBER_HEADER[:5], [2022, "DV1", "A", "CB1", "HTT"],
                                        [2022, "DV1", "A", "CB3", "HTT"], [2023, "DV1", "A", "CB3", "HTT"]])
    res = load_files([units_file, f], db)
    assert {r.row for r in res.rejects} == {2, 3}
    assert all("hai chi bộ" in r.reason and "CB1" in r.reason and "CB3" in r.reason for r in res.rejects)
    # and across loads: the member already sits in CB3 in 2023
    g = write_csv(tmp_path / "dv2.csv", [MEMBER_HEADER[:5], [2023, "DV1", "A", "CB2", "HTT"]])
    res = load_files([g], db)
    assert res.exit_code == 2 and "đã có trong kho ở chi bộ CB3" in res.rejects[0].reason


def test_two_files_with_different_numbers_for_the_same_unit_year(tmp_path, db, units_file):
    a = write_csv(tmp_path / "a.csv", [AGG_HEADER[:8], ["2021", "X1", "dang_vien", "3", "20", "2", "0", "25"]])
    b = write_csv(tmp_path / "b.csv", [AGG_HEADER[:8], ["2021", "X1", "dang_vien", "4", "19", "2", "0", "25"]])
    res = load_files([units_file, a, b], db)                  # in one load: neither is believed
    assert res.exit_code == 1 and len(res.rejects) == 2 and res.files[0].rows_loaded == 6
    assert all("a.csv dòng 2" in r.reason and "b.csv dòng 2" in r.reason for r in res.rejects)
    load_files([units_file, a], db)
    res = load_files([b], db)                                  # against the warehouse: named, with the way out
    assert res.exit_code == 2 and "a.csv" in res.rejects[0].reason and "--replace" in res.rejects[0].reason
    assert q(db, "SELECT htxs FROM aggregate_counts") == [(3,)]
    res = load_files([b], db, replace=True)
    assert res.exit_code == 0 and q(db, "SELECT htxs FROM aggregate_counts") == [(4,)]


# ───────────── whole files refused; the warehouse unchanged ─────────────

def test_unreadable_and_unknown_files_exit_2_and_leave_the_warehouse_as_it_was(tmp_path, db, units_file):
    load_files([units_file], db)
    before = table_digest(db)
    fake = tmp_path / "bao_cao.xlsx"
    fake.write_bytes(b"MZ\x90\x00 not a spreadsheet at all")
    unknown = write_csv(tmp_path / "khac.csv", [["Cột A", "Cột B"], ["1", "2"]])
    empty = tmp_path / "rong.csv"
    empty.write_text("")
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4")
    for f, fragment in ((fake, "không phải tệp Excel"), (unknown, "không nhận ra bảng"), (empty, "không nhận ra bảng"),
                        (tmp_path / "khong_co.csv", "Không tìm thấy"), (tmp_path / "x.pdf", "chưa hỗ trợ")):
        res = load_files([f], db)
        assert res.exit_code == 2 and fragment in res.files[0].error
        assert table_digest(db) == before


def test_a_crash_mid_write_leaves_the_warehouse_as_it_was(tmp_path, db, units_file, monkeypatch):
    load_files([units_file], db)
    before = table_digest(db)
    f = write_csv(tmp_path / "dv.csv", [MEMBER_HEADER[:5], [2022, "DV1", "A", "CB1", "HTT"]])
    real_write = loader._write

    def crash(*args, **kwargs):
        real_write(*args, **kwargs)       # rows are written to the private copy…
        raise KeyboardInterrupt           # …then Ctrl-C before the commit
    monkeypatch.setattr(loader, "_write", crash)
    with pytest.raises(KeyboardInterrupt):
        load_files([f], db)
    assert table_digest(db) == before
    assert not list(db.parent.glob(".*.tmp*"))      # no leftover private copy


@pytest.mark.parametrize("where", ["shortcomings", "quota_audit"])
def test_a_failure_while_the_derived_tables_are_built_leaves_the_warehouse_as_it_was(tmp_path, db, units_file,
                                                                                       monkeypatch, where):
    """The loaded rows are committed to the private copy and the derived tables built on it (derive.build, passed by
    operations/load.py), the shortcomings on a second connection beside the audits (derive/beside.py): an error in
    either still publishes nothing."""
    import dataclasses

    import derive
    from derive.steps import STEPS
    load_files([units_file], db)
    before = table_digest(db)
    f = write_csv(tmp_path / "dv.csv", [MEMBER_HEADER[:5], [2022, "DV1", "A", "CB1", "HTT"]])

    def fail(*args, **kwargs):
        raise RuntimeError(f"hỏng ở {where}")
    steps = tuple(dataclasses.replace(s, run=fail) if s.name == where else s for s in STEPS)
    assert steps != STEPS                                       # the step exists…
    assert {s.name: s.beside for s in STEPS}[where] == (where == "shortcomings")    # …beside the others or not
    build = derive.build
    monkeypatch.setattr(derive, "build", lambda con, committed=False: build(con, committed, steps=steps))
    with pytest.raises(RuntimeError, match=f"hỏng ở {where}"):
        load_files([f], db)
    assert table_digest(db) == before
    assert not list(db.parent.glob(".*.tmp*"))


def test_a_file_with_rejects_loads_the_rest_once_its_units_exist(tmp_path, db, units_file):
    f = write_csv(tmp_path / "dv.csv", [MEMBER_HEADER[:5], [2022, "DV1", "A", "CB1", "HTT"]])
    assert load_files([f], db).exit_code == 2            # chi bộ CB1 unknown yet: nothing written
    load_files([units_file], db)
    assert load_files([f], db).exit_code == 0            # the same bytes load now
    assert q(db, "SELECT count(*) FROM member_ratings")[0][0] == 1


def test_reloading_the_seed_sample_with_its_two_rejects_changes_nothing(db):
    load_files([SAMPLE_004], db, unit="Huyện ủy Bảo Lâm")
    before = table_digest(db)
    res = load_files([SAMPLE_004], db, unit="Huyện ủy Bảo Lâm")
    assert res.files[0].unchanged_load == 1 and not res.written
    assert table_digest(db) == before


def test_loading_the_same_file_twice_changes_nothing(tmp_path, db, units_file):
    f = write_csv(tmp_path / "dv.csv", [MEMBER_HEADER[:5], [2022, "DV1", "A", "CB1", "HTT"]])
    load_files([units_file, f], db)
    before = table_digest(db)
    res = load_files([units_file, f], db)
    assert res.exit_code == 0 and all(x.unchanged_load for x in res.files)
    assert table_digest(db) == before


def test_a_corrected_file_replaces_the_earlier_rows_and_history_says_so(tmp_path, db, units_file):
    d = tmp_path / "v1"
    d.mkdir()
    f1 = write_csv(d / "chi_bo_cb1_2022.csv", [MEMBER_HEADER[:5], [2022, "DV1", "A", "CB1", "HTT"],
                                               [2022, "DV2", "B", "CB1", "HTXS"]])
    load_files([units_file, f1], db)
    d2 = tmp_path / "v2"
    d2.mkdir()
    f2 = write_csv(d2 / "chi_bo_cb1_2022.csv", [MEMBER_HEADER[:5], [2022, "DV1", "A", "CB1", "HTT"],
                                                [2022, "DV2", "B", "CB1", "HTT"]])
    res = load_files([f2], db)
    assert res.exit_code == 0 and res.files[0].replaced
    assert q(db, "SELECT level FROM member_ratings ORDER BY level") == [(2,), (2,)]
    assert q(db, "SELECT load_id, replaced_load_id, target, unit_code, year, rows_replaced FROM load_replacements") == [
        (3, 2, "member_ratings", "CB1", 2022, 2)]
    assert q(db, "SELECT load_id, status FROM loads ORDER BY 1") == [(1, "hieu_luc"), (2, "bi_thay_the"),
                                                                     (3, "hieu_luc")]


def test_a_load_never_blocks_or_shows_half_to_an_open_reader(tmp_path, db, units_file):
    load_files([units_file], db)
    reader = warehouse.connect_readonly(db)                   # the dashboard's open connection
    v1 = warehouse.version(db)
    f = write_csv(tmp_path / "dv.csv", [MEMBER_HEADER[:5], [2022, "DV1", "A", "CB1", "HTT"]])
    res = load_files([f], db)                                  # not blocked by the reader
    assert res.exit_code == 0
    assert reader.execute("SELECT count(*) FROM member_ratings").fetchone()[0] == 0   # old version, whole
    reader.close()
    assert warehouse.version(db) != v1                         # the app sees a new version and reopens
    assert q(db, "SELECT count(*) FROM member_ratings")[0][0] == 1


def test_check_writes_nothing(tmp_path, db, units_file):
    res = load_files([units_file], db, dry_run=True)
    assert res.exit_code == 0 and res.files[0].rows_loaded == 6
    assert not db.exists()


# ───────────── seed 004 ─────────────

def test_seed_004_figures_come_back_exactly(db):
    res = load_files([SAMPLE_004], db, unit="Huyện ủy Bảo Lâm")
    assert res.exit_code == 1
    rejected = sorted((r.row, r.column) for r in res.rejects)
    assert rejected == [(23, "Tổng số (năm 2018, cột C)"), (32, "Tổng số (năm 2019, cột D)")]
    assert "10 + 24 + 1 + 0 = 35" in res.rejects[0].reason and "(34)" in res.rejects[0].reason
    assert "450 + 2258 + 143 + 15 = 2866" in res.rejects[1].reason and "(2886)" in res.rejects[1].reason
    con = warehouse.connect_readonly(db)
    df = runner.run(con, "distribution", {"unit": "Huyện ủy Bảo Lâm"})
    con.close()
    got = {(r.subject, r.year): (r.htxs, r.htt, r.ht, r.khtnv, r.total) for r in df.itertuples()}
    seed = {
        "tccsd": [(8, 30, 6, 1, 45), (12, 45, 4, 0, 61), (12, 47, 2, 0, 61), (11, 46, 3, 0, 60), (11, 44, 1, 2, 58)],
        "cap_uy": [(8, 20, 5, 1, 34), (8, 23, 4, 0, 35), (11, 26, 1, 0, 38), (7, 28, 2, 0, 37), (7, 27, 0, 2, 36)],
        "tap_the_lanh_dao": [None, (8, 27, 0, 0, 35), (12, 23, 0, 0, 35), (6, 21, 4, 0, 31), (3, 26, 0, 1, 30)],
        "dang_vien": [(376, 2208, 202, 9, 2795), None, (511, 2311, 107, 18, 2947), (539, 2259, 144, 23, 2965),
                      (496, 2411, 93, 16, 3016)],
    }
    expected = {(s, 2018 + i): v for s, vals in seed.items() for i, v in enumerate(vals) if v}
    assert got == expected


# ───────────── command line ─────────────

def run_cli(*args, env_db: Path | None = None):
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_exit_codes_and_messages_never_a_traceback(tmp_path, db, units_file):
    ok = run_cli("load", str(units_file), "--db", str(db))
    assert ok.returncode == 0 and "đã nạp 6" in ok.stdout
    partial = run_cli("load", str(SAMPLE_004), "--unit", "Huyện ủy Bảo Lâm", "--db", str(db))
    assert partial.returncode == 1 and "khác 'Tổng số'" in partial.stdout
    fake = tmp_path / "x.xlsx"
    fake.write_text("hello")
    bad = run_cli("load", str(fake), "--db", str(db))
    assert bad.returncode == 2 and "không phải tệp Excel" in bad.stdout
    check = run_cli("check", str(fake), "--db", str(db))
    assert check.returncode == 2
    bad_subject = run_cli("load", str(SAMPLE_004), "--subject", "abc", "--db", str(db))
    assert bad_subject.returncode == 2 and "không nhận ra đối tượng" in bad_subject.stdout
    hist = run_cli("loads", "--db", str(db), "--rejects")
    assert hist.returncode == 0 and "bao_lam_2018_2022.tsv" in hist.stdout and "(2886)" in hist.stdout
    for r in (ok, partial, bad, check, bad_subject, hist):
        assert "Traceback" not in r.stdout + r.stderr
