"""The one loader checks a template-shaped CSV or Parquet file column by column in SQL (etl/loader.py `_Check`) and a
workbook's sheet row by row in pandas (etl/validate.check_block): the same table given as CSV (or Parquet) and as
XLSX gives the same warehouse — the same rows in every table, the same rejects (row, column, value, reason, whole
row), the same per-file results — on the demo files and on a set of dirty files written to hit every check, over
several loads (conflicts, corrections, --replace, a file loaded again, a dry run).

Each file is given twice under one stem: as CSV or Parquet (the CSV side, every template file of which DuckDB reads),
and as a one-sheet workbook holding the same cells (the XLSX side: Parquet's numbers stay numbers, an empty cell
stays empty; the text of a CSV stays text, or — "numbers" — a whole number becomes a number cell, as a clerk's Excel
holds it). What may differ is only what names the file: its name's suffix, its sheet, its checksum.

Two differences this comparison found are fixed and kept as tests below: a rejected empty cell is quoted '(trống)'
from a workbook as from a CSV, and a level given as the number 2 in a workbook or the text 2 in a CSV loads alike.

The derived tables' statements are compared with their plain versions at the end."""
from __future__ import annotations

import csv
import hashlib
import math
import random
import re
import shutil
import unicodedata
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import derive
from derive import audits as precompute
from etl import loader, phases, warehouse
from etl.load_result import FileResult
from etl.readers import read_sheets
from generators import demo
from operations.load import load_files

ROOT = Path(__file__).resolve().parents[2]

TABLES = ["quota_audit", "inspection_findings", "member_streaks", "unit_tree", "unit_versions", "units",
          "unit_ancestors_by_year", "lineage_events", "member_ratings", "member_identities", "collective_ratings",
          "aggregate_counts", "aggregate_counts_by_type", "shortcomings", "review_suggestions", "record_counts",
          "rejected_rows", "load_replacements", "shortcoming_items", "shortcoming_links"]
NAMING = {"source_sheet", "sheet", "checksum", "file_path", "started_at", "finished_at"}   # what names the file
SUFFIX = re.compile(r"\.(csv|parquet|xlsx)\b")


def same_name(text):
    """A file's name without its suffix (in a name, a message, a note): the two sides' names differ only there."""
    return SUFFIX.sub("", text) if isinstance(text, str) else text


def digest(db: Path) -> dict[str, str]:
    """Every table's rows (every column but those that name the file; file names without their suffix)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for t in [*TABLES, "loads"]:
            cols = [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall() if r[0] not in NAMING]
            assert cols, t
            rows = con.execute("SELECT " + ", ".join(f'"{c}"' for c in cols) + f" FROM {t}").fetchall()
            rows = [tuple(same_name(v) for v in r) for r in rows]
            out[t] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest() if t != "loads" \
                else repr(sorted(rows))
        return out
    finally:
        con.close()



def outcome(res) -> list:
    files = [(same_name(f.name), f.rows_read, f.rows_loaded, f.rows_rejected, same_name(f.error), f.unchanged_load,
              f.load_id, sorted(f.replaced), [same_name(n) for n in f.notes], f.layouts, f.previous)
             for f in res.files]
    rejects = [(same_name(r.file), r.row, r.column, r.value, same_name(r.reason), r.raw)
               for r in res.rejects]
    return [res.written, res.exit_code, res.created_units, files, rejects]


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        text = fh.read()
    first = text.split("\n", 1)[0]
    return list(csv.reader(text.splitlines(keepends=True), delimiter=";" if first.count(";") > first.count(",")
                           else ","))


def write_csv(path: Path, rows: list[list], delimiter=",") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def sheet_to_csv(src: Path, dest: Path) -> Path:
    rows = read_sheets(src)[0].rows

    def text(c):
        return "" if c is None else str(int(c)) if isinstance(c, float) and c.is_integer() else str(c)
    return write_csv(dest, [[text(c) for c in r] for r in rows])


INTEGER = re.compile(r"-?[1-9][0-9]*|0")
TWINS = ["text", "numbers"]


def to_xlsx(src: Path, cells: str = "text") -> Path:
    """The XLSX twin of a CSV or Parquet file: the same cells in one sheet, in a folder beside it. cells "numbers":
    the twin as a clerk's Excel holds it, a text that is a whole number (no leading zero, no separator) a number
    cell."""
    dest = src.parent / f"xlsx_{cells}" / (src.stem + ".xlsx")
    dest.parent.mkdir(exist_ok=True)
    if src.suffix == ".parquet":
        table = pq.read_table(src)
        rows = [table.column_names, *zip(*(table.column(i).to_pylist() for i in range(table.num_columns)))]
    else:
        rows = read_csv(src)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Dữ liệu"
    keep = set(range(len(rows[0]))) if cells == "text" else set()
    for r in rows:
        ws.append([None if c is None or c == "" or (isinstance(c, float) and math.isnan(c)) else
                   int(c) if j not in keep and isinstance(c, str) and INTEGER.fullmatch(c) else c
                   for j, c in enumerate(r)])
    wb.save(dest)
    return dest


def col(header: list[str], name: str) -> int:
    return header.index(name)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    """The small demo (every file as CSV) with errors planted in several files; "twins": each file's XLSX twin, of
    either kind (TWINS)."""
    d = tmp_path_factory.mktemp("eq")
    gen = demo.generate(d / "demo", scale="small")
    as_csv = d / "demo_csv"
    as_csv.mkdir()
    gen = [sheet_to_csv(p, as_csv / (p.stem + ".csv")) if p.suffix == ".xlsx" else p for p in gen]
    by = {p.name: p for p in gen}
    out = d / "load"
    out.mkdir()

    # units: with bad rows and an overlapping version
    units = read_csv(by["don_vi.csv"])
    h = units[0]
    units[3][col(h, "Tên đơn vị")] = "  "
    units[4][col(h, "Cấp tổ chức")] = "Cấp xã"
    units[5][col(h, "Từ năm")], units[5][col(h, "Đến năm")] = "2022", "2020"
    units.append(["X-NEW", "Chi bộ mới", "Chi bộ trực thuộc", "", "KHONG-CO", "", ""])
    units.append(["X-OVL", "Chi bộ A", "Chi bộ trực thuộc", "", "TU-MS", "2017", "2021"])
    units.append(["X-OVL", "Chi bộ A mới", "Chi bộ trực thuộc", "", "TU-MS", "2020", ""])
    units.append(["X-DUP", "Chi bộ Hoà Bình", "Chi bộ cơ sở", "", "TU-MS", "", ""])
    units.append(["X-DUP", "Chi bộ Hoà Bình", "Chi bộ cơ sở", "", "TU-MS", "", ""])
    units.append(["", "Không mã", "Chi bộ cơ sở", "", "TU-MS", "", ""])
    write_csv(out / "don_vi.csv", units)

    # members 2019: every kind of bad cell
    m = read_csv(by["dang_vien_2019_H01.csv"])
    h = m[0]
    c = {k: col(h, k) for k in h}
    rows = m[1:]
    codes = sorted({r[c["Mã chi bộ"]] for r in rows})
    edits = [
        ("Năm", ""), ("Năm", "20x9"), ("Xếp loại", "Tốt lắm"), ("Mã chi bộ", codes[0].lower()),
        ("Mã chi bộ", "XXX-99"), ("Mã chi bộ", ""), ("Số phiếu tán thành", "30"), ("Điểm", "120"), ("Điểm", "85,5"),
        ("Bị kỷ luật trong năm", "Hình như"), ("Mã đảng viên", ""), ("Họ và tên", "  NGUYỄN   VĂN  AN "),
        ("Họ và tên", "Hoàng Thị Hoà"), ("Họ và tên", "Lê\u00a0Văn Tâm"),
        ("Họ và tên", unicodedata.normalize("NFD", "Trần Thị Thủy")), ("Họ và tên", "Ðỗ Văn Bình"),
        ("Hình thức kỷ luật", "Khiển trách"), ("Đơn vị lãnh đạo", "KHONG-CO"), ("Xếp loại công chức", "abc"),
        ("Xếp loại", "   "), ("Mã chi bộ", "MS-X01-CB01"), ("Mã đảng viên", "dv 0100 999"),
        ("Mã đảng viên", " DV0100998 "), ("Tên chi bộ", "Chi bộ không có"), ("Xếp loại", "2"),
        ("Số đảng viên chính thức", "-1"), ("Số phiếu tán thành", "2.5"),
    ]
    for k, (fld, value) in enumerate(edits, start=1):
        rows[k][c[fld]] = value
        if fld == "Số phiếu tán thành" and value == "30":
            rows[k][c["Số đảng viên chính thức"]] = "12"
        if fld == "Mã chi bộ" and value == "":
            rows[k][c["Tên chi bộ"]] = rows[k + 1][c["Tên chi bộ"]]
    rows[40][c["Năm"]], rows[40][c["Xếp loại"]] = "1900", "XYZ"          # two errors in one row
    rows.append(list(rows[50]))                                            # identical duplicate
    other = list(rows[51])
    other[c["Xếp loại"]] = "Hoàn thành nhiệm vụ"                           # same member, other level
    rows.append(other)
    moved = list(rows[52])
    moved[c["Mã chi bộ"]] = next(x for x in codes if x != rows[52][c["Mã chi bộ"]])
    rows.append(moved)                                                     # same member in two chi bộ
    rows.insert(60, [""] * len(h))                                         # a blank line of delimiters
    rows[61][c["Hình thức kỷ luật"]] = " "
    write_csv(out / "dang_vien_2019_H01.csv", [h, *rows], delimiter=";")

    # collectives 2020, shortcomings 2021, suggestions 2021
    t = read_csv(by["tap_the_2020.csv"])
    h = t[0]
    t[1][col(h, "Đối tượng")] = "Đảng viên"
    t[2][col(h, "Xếp loại")] = ""
    t[3][col(h, "Tự xếp loại")] = "Rất tốt"
    t[4][col(h, "Điểm")] = "abc"
    t[5][col(h, "Mã đơn vị")] = ""
    t[6][col(h, "Có thành viên hoặc đơn vị trực thuộc bị kỷ luật")] = "không rõ"
    t[7][col(h, "Xếp loại")] = "Đảng bộ hoàn thành tốt nhiệm vụ tiêu biểu"
    write_csv(out / "tap_the_2020.csv", t)
    s = read_csv(by["han_che_2021.csv"])
    h = s[0]
    s[1][col(h, "Nội dung")] = "  "
    s[2][col(h, "Nội dung")] = "Chất lượng  sinh hoạt   chưa cao, ảnh hưởng tới hoà khí."
    s[3][col(h, "Kết quả khắc phục")] = "đã khắc phục xong phần lớn"
    s[4][col(h, "Đối tượng")] = "Ban chỉ đạo"
    s.append(list(s[5]))
    write_csv(out / "han_che_2021.csv", s)
    g = read_csv(by["goi_y_2021.csv"])
    g[1][col(g[0], "Nội dung")] = ""
    write_csv(out / "goi_y_2021.csv", g)

    # aggregate counts (template layout) with arithmetic errors
    agg = [["Năm", "Mã đơn vị", "Đối tượng", "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ",
            "Hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ", "Tổng số", "Không xếp loại"],
           ["2018", "H01", "Đảng viên", "10", "40", "3", "0", "53", ""],
           ["2018", "H01", "Tổ chức cơ sở đảng", "3", "20", "2", "0", "26", "1"],
           ["2019", "H01", "Đảng viên", "1.200", "4.000", "30", "2", "5.232", ""],
           ["2019", "H01", "Tổ chức cơ sở đảng", "-1", "20", "2,5", "", "26", ""],
           ["2020", "H01", "Chi bộ", "5", "20", "2", "0", "27", "x"]]
    write_csv(out / "so_luong.csv", agg)

    # Parquet: typed (int year, nullable int votes, float score with a NaN) and all text
    m22 = read_csv(by["dang_vien_2022_H01.csv"])
    h = m22[0]
    data = {name: [r[j] or None for r in m22[1:]] for j, name in enumerate(h)}
    data["Năm"] = [int(v) if v else None for v in data["Năm"]]
    data["Năm"][3] = None
    data["Số phiếu tán thành"] = [int(v) if v else None for v in data["Số phiếu tán thành"]]
    data["Số đảng viên chính thức"] = [int(v) if v else None for v in data["Số đảng viên chính thức"]]
    data["Điểm"] = [float(v.replace(",", ".")) if v else None for v in data["Điểm"]]
    data["Điểm"][5] = float("nan")
    data["Xếp loại"][7] = "  "
    pq.write_table(pa.table(data), out / "dang_vien_2022_H01.parquet")
    tt = read_csv(by["tap_the_2023.csv"])
    pq.write_table(pa.table({name: [r[j] for r in tt[1:]] for j, name in enumerate(tt[0])}),
                   out / "tap_the_2023.parquet")

    first = [out / "don_vi.csv", by["sap_nhap_chia_tach.csv"], by["dang_vien_2017_H01.csv"],
             by["dang_vien_2018_H01.csv"], out / "dang_vien_2019_H01.csv", by["dang_vien_2020_H01.csv"],
             out / "dang_vien_2022_H01.parquet", out / "tap_the_2020.csv", out / "tap_the_2023.parquet",
             by["tap_the_2019.csv"], out / "han_che_2021.csv", out / "goi_y_2021.csv", by["han_che_2019.csv"],
             out / "so_luong.csv"]

    # second load: a corrected 2020 file (same name), another file with different numbers for the same chi bộ,
    # one with the same numbers, a member moved to another chi bộ, the aggregate file again (it had rejects)
    later = d / "later"
    later.mkdir()
    m20 = read_csv(by["dang_vien_2020_H01.csv"])
    h = m20[0]
    lab = col(h, "Xếp loại")
    fixed = [list(r) for r in m20]
    fixed[3][lab] = "Hoàn thành nhiệm vụ"
    write_csv(later / "dang_vien_2020_H01.csv", fixed)
    cb = col(h, "Mã chi bộ")
    first_cb = m20[1][cb]
    conflict = [h] + [list(r) for r in m20[1:] if r[cb] == first_cb]
    conflict[1][lab] = "Không hoàn thành nhiệm vụ"
    write_csv(later / "dang_vien_2020_sua.csv", conflict)
    second_cb = next(r[cb] for r in m20[1:] if r[cb] != first_cb)
    same = [h] + [list(r) for r in m20[1:] if r[cb] == second_cb]
    write_csv(later / "dang_vien_2020_ban_sao.csv", same)
    third_cb = next(r[cb] for r in m20[1:] if r[cb] not in (first_cb, second_cb))
    mover = [h, list(next(r for r in m20[1:] if r[cb] == third_cb))]
    mover[1][cb] = "TU-MS-CS01"          # a chi bộ with no 2020 rows loaded: only the member check can refuse it
    write_csv(later / "dang_vien_2020_chuyen.csv", mover)
    sets = {"first": first, "mover": [later / "dang_vien_2020_chuyen.csv"],
            "second": [later / "dang_vien_2020_H01.csv", later / "dang_vien_2020_sua.csv",
                       later / "dang_vien_2020_ban_sao.csv", out / "so_luong.csv"],
            "replace": [later / "dang_vien_2020_sua.csv"], "check": [out / "dang_vien_2019_H01.csv"],
            "demo": [p for p in gen if p.suffix == ".csv"]}
    return {**sets, "twins": {k: {p: to_xlsx(p, k) for ps in sets.values() for p in ps} for k in TWINS}}


def both(tmp_path: Path, files: dict, steps: list[tuple[list[Path], dict]], cells: str = "text") -> list[list]:
    """Run the same loads on two copies of one warehouse (same salt), the files as CSV/Parquet and their XLSX twins
    (of kind `cells`); compare each step. Returns the phases of each step's CSV load."""
    base = tmp_path / "base.duckdb"
    warehouse.ensure(base)
    dbs = {side: tmp_path / f"{side}.duckdb" for side in ("csv", "xlsx")}
    for db in dbs.values():
        shutil.copy(base, db)
    timings = []
    for n, (paths, kw) in enumerate(steps):
        twins = [files["twins"][cells].get(p, p.with_suffix(".xlsx")) for p in paths]
        assert [same_name(p.name) for p in twins] == [same_name(p.name) for p in paths]
        assert not [p for p in paths if p.suffix == ".xlsx"] and all(p.suffix == ".xlsx" for p in twins)
        got = {"csv": outcome(load_files(paths, dbs["csv"], **kw))}
        timings.append(list(phases.TIMINGS))
        got["xlsx"] = outcome(load_files(twins, dbs["xlsx"], **kw))
        assert got["xlsx"][:3] == got["csv"][:3], f"step {n}: results differ"
        for a, b in zip(got["xlsx"][3], got["csv"][3]):
            assert a == b, f"step {n}: per-file results differ"
        assert got["xlsx"][4] == got["csv"][4], f"step {n}: rejects differ"
        assert digest(dbs["xlsx"]) == digest(dbs["csv"]), f"step {n}: tables differ"
    return timings


@pytest.mark.parametrize("cells", TWINS)
def test_dirty_files_over_several_loads_give_identical_results(tmp_path, files, cells):
    both(tmp_path, files, [(files["first"], {}), (files["mover"], {}), (files["second"], {}),
                           (files["replace"], {"replace": True}), (files["check"], {"dry_run": True}),
                           (files["first"], {})], cells)


@pytest.mark.parametrize("cells", TWINS)
def test_demo_files_give_identical_warehouses(tmp_path, files, monkeypatch, cells):
    monkeypatch.setattr(loader, "CHUNK_ROWS", 1500)      # several statements per layout, as at national scale
    both(tmp_path, files, [(files["demo"], {})], cells)


# ───────────── the known differences (etl/readers.py, etl/normalize.py): kept failing until they are fixed ─────────────

MEMBERS = ["Năm", "Mã đảng viên", "Họ và tên", "Mã chi bộ", "Xếp loại"]


def _one_load_each_way(tmp_path: Path, rows: dict[str, list[list]]) -> dict[str, tuple]:
    """The units of tests/conftest.py and one members' file, loaded once as CSV and once as XLSX (rows per format:
    the same table as each format holds it); what each load gives, with the members stored."""
    from tests.conftest import UNITS, UNITS_HEADER, write_table
    got = {}
    for fmt, table in rows.items():
        d = tmp_path / fmt
        d.mkdir()
        units = write_table(d / "don_vi", [UNITS_HEADER, *UNITS], fmt)
        members = write_table(d / "dang_vien", [MEMBERS, *table], fmt)
        res = load_files([units, members], d / "kho.duckdb")
        con = duckdb.connect(str(d / "kho.duckdb"), read_only=True)
        try:
            stored = con.execute("SELECT year, chi_bo_code, level, label_raw FROM member_ratings ORDER BY ALL").fetchall()
        finally:
            con.close()
        got[fmt] = (res.exit_code, [(r.row, r.column, r.value, r.reason) for r in res.rejects], stored)
    return got


def test_a_blank_cell_is_quoted_alike_in_both_formats(tmp_path):
    table = [["2022", "DV1", "A", "CB1", "HTT"], ["", "DV2", "B", "CB1", "HTT"], ["2022", "", "C", "CB1", "HTT"],
             ["2022", "DV4", "D", "CB1", ""]]
    got = _one_load_each_way(tmp_path, {"csv": table, "xlsx": table})
    assert [r[:3] for r in got["csv"][1]] == [(3, "Năm", "(trống)"), (4, "Mã đảng viên", "(trống)"),
                                              (5, "Xếp loại", "(trống)")]
    assert got["xlsx"] == got["csv"]


def test_a_level_given_as_a_number_loads_alike_in_both_formats(tmp_path):
    got = _one_load_each_way(tmp_path, {"csv": [["2022", "DV1", "A", "CB1", "2"]],
                                        "xlsx": [[2022, "DV1", "A", "CB1", 2]]})
    assert got["xlsx"] == got["csv"]
    assert got["csv"][0] == 0 and [r[2:] for r in got["csv"][2]] == [(2, "2")]     # level 2, written as "2"


def test_errors_of_files_read_ahead_are_told_in_their_own_result(tmp_path, files, monkeypatch):
    """The loader computes checksums and Parquet probes ahead, two at a time (loader._ReadAhead): a missing file and
    a file that cannot be read get their message in their own result, the other files load as without them, and
    the CSV side and the XLSX side agree row for row."""
    parquet = next(p for p in files["first"] if p.suffix == ".parquet")
    locked = tmp_path / f"khoa_{parquet.name}"
    shutil.copy(parquet, locked)
    twin = files["twins"]["text"][locked] = tmp_path / "xlsx" / f"khoa_{parquet.stem}.xlsx"
    twin.parent.mkdir()
    shutil.copy(files["twins"]["text"][parquet], twin)
    real = loader.file_checksum
    calls = []

    def checksum(path):
        calls.append(Path(path))
        if Path(path) in (locked, twin):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)
    monkeypatch.setattr(loader, "file_checksum", checksum)
    both(tmp_path, files, [(files["first"] + [tmp_path / "khong_co.parquet", locked], {})])
    assert locked in calls and twin in calls
    res = load_files([tmp_path / "khong_co.parquet", locked, parquet], tmp_path / "kiem_tra.duckdb", dry_run=True)
    assert "Không tìm thấy tệp" in res.files[0].error
    assert res.files[1].error == f"Không đọc được tệp {locked.name}: Permission denied"
    assert res.files[2].error is None and res.files[2].rows_read > 0


def test_the_csv_side_is_checked_in_sql_and_the_xlsx_side_in_pandas(tmp_path, files):
    """What makes the comparisons above compare two checkers: DuckDB reads every template file of the CSV side (the
    lineage file has no SQL check), none of the XLSX side."""
    con = duckdb.connect()
    kinds = {}
    for i, p in enumerate(files["first"] + files["demo"] + files["second"] + files["mover"]):
        src = loader.probe(con, FileResult(p), i)
        kinds[p.name] = src.kind if src else None
        for twins in files["twins"].values():
            assert loader.probe(con, FileResult(twins[p]), i) is None, p.name
    assert kinds["don_vi.csv"] == "units"
    assert kinds["dang_vien_2019_H01.csv"] == "member_ratings"
    assert kinds["dang_vien_2022_H01.parquet"] == "member_ratings"
    assert kinds["tap_the_2023.parquet"] == "collective_ratings"
    assert kinds["so_luong.csv"] == "aggregate_counts"
    assert kinds["han_che_2021.csv"] == "shortcomings" and kinds["goi_y_2021.csv"] == "review_suggestions"
    assert kinds["sap_nhap_chia_tach.csv"] is None
    assert [n for n, k in kinds.items() if k is None] == ["sap_nhap_chia_tach.csv"]


# ───────────── CSV: DuckDB's reader is used only where it splits exactly like Python's csv module ─────────────

ALPHABET = ['a', 'b', ' ', '"', ',', ';', '\t', '\n', '\r\n', 'Đ', 'ộ', '1', '', '""', '\r', '\u00a0', 'x y']
WEIGHTS = [8, 8, 2, 1, 6, 2, 1, 4, 2, 3, 3, 4, 1, 1, 0.2, 0.5, 2]


def test_csv_probe_accepts_only_what_it_reads_like_pythons_csv_reader(tmp_path):
    """A CSV that DuckDB would split otherwise than the reader of etl/readers.py (Python's csv module, the reader of
    every CSV the probe refuses) is refused; an accepted one gives the same rows, cell for cell."""
    rnd = random.Random(1)
    header = "Năm,Mã đảng viên,Mã chi bộ,Xếp loại\n"
    accepted = 0
    for i in range(150):
        body = "".join(rnd.choices(ALPHABET, WEIGHTS, k=rnd.randint(0, 60)))
        p = tmp_path / f"f{i}.csv"
        p.write_bytes((header + body).encode("utf-8"))
        con = duckdb.connect()
        src = loader.probe(con, FileResult(p), 0)
        if src is None:
            continue
        accepted += 1
        try:
            expected_rows = read_sheets(p)[0].rows
        except Exception:  # noqa: BLE001 - Python's reader refuses it: DuckDB must not have accepted it
            pytest.fail(f"the probe accepted a file Python's csv reader cannot read: {body!r}")
        got = con.execute(f"SELECT * FROM ({src.relation()}) ORDER BY _row").fetchall()
        expected = [(k + 1, r) for k, r in enumerate(expected_rows) if k > 0 and any(
            c is not None and str(c).strip() for c in r)]
        assert len(got) == len(expected), body
        for (row, cells), g in zip(expected, got):
            assert g[1] == row, body
            cells = list(cells) + [None] * (src.ncols - len(cells))
            assert [loader._cell(x) for x in g[2:]] == cells[:src.ncols], body
    assert accepted > 15


def test_a_batch_without_bad_rows_is_read_once(tmp_path, files, monkeypatch):
    """A batch whose insert takes every row has no bad row: its files are not read a second time for rejects.
    Batches with bad rows are (both kinds are compared with the XLSX side's pandas checks)."""
    monkeypatch.setattr(loader, "CHUNK_ROWS", 1500)
    [marks] = both(tmp_path, files, [(files["first"] + files["demo"], {})])
    marks = [m for _, m in marks]
    clean = [m for m in marks if "no bad rows" in m]
    dirty = [m for m in marks if "bad rows read" in m and "units" not in m]
    assert clean and dirty, marks


# ───────────── derived tables: the steps of derive.build give what their plain statements give ─────────────

PLAIN_ANCESTORS_BY_YEAR = """
    WITH RECURSIVE years AS (SELECT DISTINCT year FROM (
        SELECT year FROM member_ratings UNION SELECT year FROM collective_ratings
        UNION SELECT year FROM aggregate_counts UNION SELECT year FROM shortcomings
        UNION SELECT year FROM review_suggestions UNION SELECT year FROM lineage_events)),
    alive AS (
        SELECT y.year, v.unit_code, v.parent_code
        FROM years y JOIN unit_versions v ON y.year BETWEEN coalesce(v.first_year, 0) AND coalesce(v.last_year, 9999)
    ),
    up(year, unit_code, ancestor_code, distance) AS (
        SELECT year, unit_code, unit_code, 0 FROM alive
        UNION ALL
        SELECT up.year, up.unit_code, a.parent_code, up.distance + 1
        FROM up JOIN alive a ON a.year = up.year AND a.unit_code = up.ancestor_code
        WHERE a.parent_code IS NOT NULL AND up.distance < 20
    )
    SELECT year, unit_code, ancestor_code, min(distance) FROM up GROUP BY ALL
"""
PLAIN_RECORD_COUNTS = """
    WITH m AS (
        SELECT year, chi_bo_code, coalesce(is_leader, false) AS lead,
               count(*) FILTER (level = 1) AS c1, count(*) FILTER (level = 2) AS c2, count(*) FILTER (level = 3) AS c3,
               count(*) FILTER (level = 4) AS c4, count(*) FILTER (level IS NULL) AS c0
        FROM member_ratings GROUP BY ALL
    )
    SELECT year, chi_bo_code, 'dang_vien', sum(c1), sum(c2), sum(c3), sum(c4), sum(c0) FROM m GROUP BY ALL
    UNION ALL
    SELECT year, chi_bo_code, 'can_bo_lanh_dao', c1, c2, c3, c4, c0 FROM m WHERE lead
    UNION ALL
    SELECT year, unit_code, subject,
           count(*) FILTER (level = 1), count(*) FILTER (level = 2), count(*) FILTER (level = 3),
           count(*) FILTER (level = 4), count(*) FILTER (level IS NULL)
    FROM collective_ratings GROUP BY ALL
"""

PLAIN_SUBTREE_COUNTS = """
    SELECT r.year, a.ancestor_code, r.subject, sum(r.htxs), sum(r.htt), sum(r.ht), sum(r.khtnv), sum(r.not_rated)
    FROM record_counts r JOIN unit_ancestors_by_year a ON a.unit_code = r.unit_code AND a.year = r.year
    WHERE a.distance > 0 GROUP BY ALL
"""


def _same_rows(con, table: str, plain: str) -> None:
    got = sorted(con.execute(f"SELECT * FROM {table}").fetchall())
    want = sorted(tuple(int(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else x for x in r)
                  for r in con.execute(plain).fetchall())
    assert got == want, table


def _same_quota_audit(con, what: str) -> None:
    """quota_audit holds the derived statement's rows for every year, stored in queries/quota.sql's order."""
    years = sorted({r[0] for r in con.execute("SELECT DISTINCT year FROM unit_ancestors_by_year").fetchall()})
    statement = con.execute("SELECT * FROM (" + precompute._sql("quota_audit").strip().rstrip(";") + ") "
                            'ORDER BY year DESC, excess DESC NULLS LAST, name_order, subject, group_key, "grouping"',
                            {"years": years})
    names = [d[0] for d in statement.description]
    want = statement.fetchall()
    # compared column by column by name (the rows are stored BY NAME; a column added later sits at the table's end)
    stored = set(r[0] for r in con.execute("DESCRIBE quota_audit").fetchall()) - {"sort_order"}
    assert set(names) == stored, f"quota_audit {what}: columns {sorted(set(names) ^ stored)}"
    got = con.execute("SELECT " + ", ".join(f'"{n}"' for n in names) + " FROM quota_audit").fetchall()  # (stored order)
    assert got == want, f"quota_audit {what}"


def _years_with_ratings(con) -> set[int]:
    return {r[0] for r in con.execute("SELECT DISTINCT year FROM member_ratings UNION "
                                      "SELECT DISTINCT year FROM collective_ratings").fetchall()}


def _same_today_counts(con, what: str) -> None:
    """today_counts holds what queries/distribution.sql computes for it now (every row of it, from scratch)."""
    from queries import runner
    got = con.execute("SELECT * FROM today_counts").df()
    s_year = con.execute("SELECT max(year) FROM unit_ancestors_by_year").fetchall()[0][0]
    q = runner.get("distribution")     # on this connection: a cursor would not see the open transaction's rows
    bound = runner.bind(q, {"view": "cau_truc_hien_tai", "tops": True})
    want = con.execute(q.sql, {k: v for k, v in bound.items() if f"${k}" in q.sql}).df()
    want.insert(0, "s_year", s_year)
    cols = list(got.columns)
    assert (len(got) > 0) == (s_year is not None) and set(got["s_year"]) <= {s_year}, what     # (no year left: empty)
    pd.testing.assert_frame_equal(got.sort_values(cols[1:4]).reset_index(drop=True),
                                  want[cols].sort_values(cols[1:4]).reset_index(drop=True), check_dtype=False,
                                  obj=f"today_counts {what}")


def _stored_in_order(con, table: str, cols: str) -> None:
    keys = con.execute(f"SELECT {cols} FROM {table}").fetchall()      # storage order
    assert keys == sorted(keys), f"{table} is not stored in ({cols}) order"


# The tables of loaded rows keyed by year that the steps below undo (identifiers: checked against the warehouse's
# tables before they are named in a statement).
UNDONE = ("member_ratings", "collective_ratings", "aggregate_counts", "shortcomings", "review_suggestions",
          "lineage_events")


def _undo_years(con, years: list[int]) -> None:
    """Every loaded row of these years taken away, as undoing their loads would (kept aside in temp tables
    saved_<table> for _redo_years)."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert set(UNDONE) <= have
    for t in UNDONE:
        con.execute(f"CREATE OR REPLACE TEMP TABLE saved_{t} AS SELECT * FROM {t} WHERE list_contains($y, year)",
                    {"y": years})
        con.execute(f"DELETE FROM {t} WHERE list_contains($y, year)", {"y": years})
    con.execute("CREATE OR REPLACE TEMP TABLE derived_hint AS SELECT false AS units_changed, "
                "$y::INTEGER[] AS years", {"y": years})


def _redo_years(con) -> None:
    """The rows the last _undo_years took away loaded again."""
    years = set()
    for t in UNDONE:
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = $n", {"n": f"saved_{t}"}
                           ).fetchall()[0][0] == 1
        con.execute(f"INSERT INTO {t} SELECT * FROM saved_{t}")
        years |= {r[0] for r in con.execute(f"SELECT DISTINCT year FROM saved_{t}").fetchall()}
    con.execute("CREATE OR REPLACE TEMP TABLE derived_hint AS SELECT false AS units_changed, "
                "$y::INTEGER[] AS years", {"y": sorted(years)})


@pytest.mark.parametrize("which", ["demo_db", "sc_db"])
def test_derived_tables_equal_their_plain_statements(which, request, tmp_path, monkeypatch):
    """The tree of every year (walked once per epoch, copied year by year), the record counts (one grouping for all
    members and leaders) and the subtree sums (changed years given as constants) equal the plain statements: as the
    loads left them, after a load that changed one year's ratings and after one that took a whole year away (only
    those years recomputed), and after a full rebuild, which stores them in the order reads rely on (the quota audit
    after every step)."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(request.getfixturevalue(which), db)
    today_years = []      # the years today_counts computed one by one (its path for a few changed years)
    store = precompute._store_query

    def spy(con, table, name, params, select, replace=True):
        if table == "today_counts" and not replace:
            today_years.append(params.get("year"))
        return store(con, table, name, params, select, replace)
    monkeypatch.setattr(precompute, "_store_query", spy)
    con = duckdb.connect(str(db))
    try:
        con.execute("BEGIN")
        years = [r[0] for r in con.execute("SELECT DISTINCT year FROM member_ratings ORDER BY 1").fetchall()]
        for step in ("as loaded", "one year changed", "one year gone", "an epoch gone", "full rebuild",
                     "the last year gone", "the last year gone again", "the last year back"):
            if step == "one year changed":      # a chi bộ's members of the last year replaced (no unit changed)
                con.execute("DELETE FROM member_ratings WHERE year = $y AND chi_bo_code = (SELECT min(chi_bo_code) "
                            "FROM member_ratings WHERE year = $y)", {"y": years[-1]})
                con.execute("CREATE OR REPLACE TEMP TABLE derived_hint AS SELECT false AS units_changed, "
                            "[$y]::INTEGER[] AS years", {"y": years[-1]})
            if step == "one year gone":         # every row of the first year undone
                _undo_years(con, [years[0]])
            if step == "an epoch gone":        # every year of the first epoch of the tree that has data undone
                epochs = [r[0] for r in con.execute(precompute._sql("tree_epochs")).fetchall()]
                assert len(epochs) > 1
                gone = [r[0] for r in con.execute(
                    "SELECT DISTINCT year FROM unit_ancestors_by_year WHERE year < $e", {"e": epochs[1]}).fetchall()]
                _undo_years(con, gone)
            if step == "full rebuild":
                con.execute("DROP TABLE IF EXISTS derived_hint")
            if step.startswith("the last year gone"):     # the structure year of today's structure moves back
                left = sorted(_years_with_ratings(con))       # (into the demo's 2020–2024 epoch; the hand-counted
                if len(left) < 2:                             #  province has one year left by now)
                    continue
                _undo_years(con, [left[-1]])
            if step == "the last year back":        # a year newer than every other loaded (as a new year is)
                if len(_years_with_ratings(con)) < 2:
                    continue
                _redo_years(con)
            if step != "as loaded":
                derive.build(con)
            _same_rows(con, "unit_ancestors_by_year", PLAIN_ANCESTORS_BY_YEAR)
            # unit_tree: rebuilt only when the units or the epochs of the tree with data changed
            _same_rows(con, "unit_tree", (ROOT / "queries" / "derived" / "unit_tree.sql").read_text(encoding="utf-8"))
            _same_rows(con, "record_counts", PLAIN_RECORD_COUNTS)
            _same_rows(con, "subtree_counts", PLAIN_SUBTREE_COUNTS)
            # today_counts: only the changed years computed while the structure year's tree and lineage stay
            _same_today_counts(con, step)
            # quota_audit: the rows of every year, rewritten after every change in the order queries/quota.sql
            # reads without sorting
            _same_quota_audit(con, step)
            _stored_in_order(con, "quota_audit", "sort_order")
            # (every row numbered, no two alike; a year taken away leaves a gap, not a disorder)
            assert con.execute("SELECT count(sort_order) = count(*) AND count(DISTINCT sort_order) = count(*) "
                               "FROM quota_audit").fetchall()[0][0]
            if step == "full rebuild":      # (a load that adds a year appends it)
                _stored_in_order(con, "unit_ancestors_by_year", "year, ancestor_code")
                _stored_in_order(con, "record_counts", "unit_code, year")
            assert con.execute("SELECT count(*) FROM unit_ancestors_by_year").fetchall()[0][0] > 0
        assert years[0] not in {r[0] for r in con.execute("SELECT DISTINCT year FROM subtree_counts").fetchall()}
        assert years[-1] in today_years     # the changed last year, computed alone (the other steps' checks above
        con.execute("ROLLBACK")             # compare each path with a computation from scratch)
    finally:
        con.close()


def test_a_load_of_lineage_events_alone_recomputes_todays_structure(demo_db, tmp_path):
    """A file of lineage events changes no unit version and no year of ratings, yet today's structure maps through
    it: today_counts is keyed on the events (queries/derived/lineage_fingerprint.sql) and computed again."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    con = duckdb.connect(str(db))
    try:
        con.execute("BEGIN")
        before = con.execute("SELECT * FROM today_counts").fetchall()
        con.execute("DELETE FROM lineage_events WHERE year = (SELECT max(year) FROM lineage_events)")
        con.execute("CREATE OR REPLACE TEMP TABLE derived_hint AS SELECT false AS units_changed, []::INTEGER[] AS years")
        derive.build(con)
        _same_today_counts(con, "lineage events undone")
        assert con.execute("SELECT * FROM today_counts").fetchall() != before
        con.execute("ROLLBACK")
    finally:
        con.close()


def test_a_probed_csv_table_name_is_built_from_an_integer_only():
    assert loader._source_table(7) == "_fast_src_7"
    for bad in ("7; DROP TABLE member_ratings", -1, 2.0, True, None):
        with pytest.raises(ValueError):
            loader._source_table(bad)


def test_same_shaped_parquet_files_read_as_one_scan_give_identical_results(tmp_path, files, monkeypatch):
    """Several Parquet files of one shape are checked through one read_parquet over their list (loader
    _many_parquet): the dirty typed file cut in three (a blank row and a member repeated across files added) gives
    what their XLSX twins give, rejects and rows alike."""
    src = next(p for p in files["first"] if p.suffix == ".parquet" and p.name.startswith("dang_vien"))
    table = pq.read_table(src)
    n = table.num_rows
    parts = [table.slice(0, n // 3), table.slice(n // 3, n // 3), table.slice(2 * (n // 3))]
    blank = pa.table({c: pa.nulls(1, table.schema.field(c).type) for c in table.column_names})
    parts[1] = pa.concat_tables([parts[1], blank, table.slice(0, 1)])     # a blank row, then a repeated member
    out = tmp_path / "parts"
    out.mkdir()
    paths = []
    for i, part in enumerate(parts):
        paths.append(out / f"dang_vien_2022_P{i}.parquet")
        pq.write_table(part, paths[-1])
        files["twins"]["text"][paths[-1]] = to_xlsx(paths[-1])
    seen = []
    real = loader._many_parquet
    monkeypatch.setattr(loader, "_many_parquet", lambda s: seen.append(len(s)) or real(s))
    both(tmp_path, files, [([p for p in files["first"] if p != src] + paths, {})])
    assert 3 in seen                        # the three files were read as one relation
