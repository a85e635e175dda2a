"""Reading files into tables of raw cells, and finding the tables inside them.

A file (xlsx, csv, tsv) holds sheets; a sheet holds one template table, or one or more report tables in the layout of
seed 004 (a caption, `STT | Tiêu chí | Năm đánh giá`, a row of years, one row per level, `Tổng số`). Every table
becomes a Block: a pandas DataFrame of raw values (column `_row` = the row number the user sees in Excel) plus what
is needed to describe a problem to a clerk (Block and Sheet are defined in etl/blocks.py, which the form profiles
use too).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from etl import filecheck, isolated_read, profiles
from etl.blocks import Block, Sheet, col_letter
from etl.layouts import HeaderMatch, match_header
from etl.normalize import is_blank, parse_label, search_key, show, subject_from_caption


class FileError(Exception):
    """The whole file cannot be read (unreadable, unknown layout). Message is Vietnamese."""


# Excel's own limit for one cell. A longer value cannot come from a clerk's workbook: the row is rejected with a
# message and the rest of the file loads (Python's csv module would otherwise stop the whole batch at 131,072).
MAX_CELL_CHARS = 32_767


def _drop_overlong(sheet: Sheet) -> Sheet:
    for i, row in enumerate(sheet.rows):
        for j, c in enumerate(row):
            if isinstance(c, str) and len(c) > MAX_CELL_CHARS:
                sheet.dropped[i + 1] = (col_letter(j), c[:60] + "…",
                                        f"ô dài {len(c):_} ký tự, quá giới hạn {MAX_CELL_CHARS:_} ký tự của một ô Excel "
                                        "— dòng không được nạp".replace("_", "."))
                sheet.rows[i] = [None] * len(row)
                break
    return sheet


# ───────────────────────────── raw reading ─────────────────────────────

def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):    # Excel's "Unicode Text" export
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for enc in ("utf-8-sig", "cp1258"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise FileError(f"Tệp {name} không đọc được bảng mã (cần UTF-8 hoặc Windows-1258)")


def guess_delimiter(text: str, suffix: str) -> str:
    if suffix in (".tsv", ".tab"):
        return "\t"
    sample = "\n".join(text.splitlines()[:30])
    counts = {d: sample.count(d) for d in ("\t", ";", ",")}
    if counts["\t"] >= max(1, counts[","] // 4):
        return "\t"
    return ";" if counts[";"] > counts[","] else ","


def read_sheets(path: Path) -> list[Sheet]:
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileError(f"Không tìm thấy tệp {path}")
    try:
        filecheck.check(path)       # before any parser: renamed binaries, zip bombs, macros (etl/filecheck.py)
    except filecheck.FileRefused as exc:
        raise FileError(str(exc)) from exc
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        try:    # in a memory-limited child process: a hostile workbook cannot abort the server (etl/isolated_read.py)
            # a blank cell is None as in a CSV (the workbook reader gives some as ''): the same message either way
            return [_drop_overlong(Sheet(n, [[None if isinstance(c, str) and c.strip() == "" else c for c in r]
                                             for r in rows]))
                    for n, rows in isolated_read.read_workbook(path)]
        except isolated_read.ReadFailed as exc:
            raise FileError(str(exc)) from exc
    if suffix in (".csv", ".tsv", ".txt", ".tab"):
        text = _decode(path.read_bytes(), path.name)
        if "\x00" in text:
            raise FileError(f"Tệp {path.name} không phải tệp văn bản CSV")
        rows = _csv_rows(text, guess_delimiter(text, suffix))
        return [_drop_overlong(Sheet(None, [[None if c.strip() == "" else c for c in r] for r in rows]))]
    if suffix == ".parquet":
        return [_parquet_sheet(path)]
    raise FileError(f"Tệp {path.name}: định dạng '{suffix}' chưa hỗ trợ (dùng .xlsx, .csv hoặc .tsv)")


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    """The rows of a CSV text. The csv module's field limit is process-wide and stops a file at its first long
    field; it is lifted (the file's size is already bounded by filecheck) and _drop_overlong rejects such rows."""
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(max(len(text) + 1, MAX_CELL_CHARS + 1))
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _parquet_sheet(path: Path) -> Sheet:
    """A Parquet file in a template's layout: its column names are the header row, each record a row. Text that
    is blank becomes None, as in a CSV file; numbers stay numbers, as in a workbook."""
    import pyarrow.parquet as pq
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises its own types for damaged files
        raise FileError(f"Tệp {path.name} không đọc được như tệp Parquet ({type(exc).__name__})") from exc

    def cell(v):
        return None if isinstance(v, str) and v.strip() == "" else v
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [[cell(v) for v in r] for r in zip(*columns)]
    return Sheet(None, [[cell(n) for n in table.column_names], *rows])


# ───────────────────────────── finding tables ─────────────────────────────

def is_report_header(keys: list[str]) -> bool:
    return len(keys) > 2 and "stt" in keys[:2] and any("tieu chi" in k for k in keys) and \
        any("nam danh gia" in k for k in keys)


def _year(value: object) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        v = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        v = int(value.strip())
    else:
        return None
    return v if 1990 <= v <= 2100 else None


def _row_text(row: list[object]) -> str:
    return " ".join(str(c) for c in row if not is_blank(c))


def _template_block(sheet: Sheet, start: int, match: HeaderMatch, end: int) -> Block:
    fields = match.mapping
    records = []
    for i in range(start + 1, end):
        row = sheet.rows[i]
        if all(is_blank(c) for c in row):
            continue
        rec = {f: (row[j] if j < len(row) else None) for j, f in fields.items()}
        rec["_row"] = i + 1
        rec["_raw"] = {str(sheet.rows[start][j]) if j < len(sheet.rows[start]) else col_letter(j): show(c)
                       for j, c in enumerate(row) if not is_blank(c)}
        records.append(rec)
    # dtype=object: cells keep the value read (pandas would turn a blank text cell into NaN, shown as 'nan')
    frame = pd.DataFrame(records, columns=[*dict.fromkeys(fields.values()), "_row", "_raw"], dtype=object)
    return Block(match.layout.kind, sheet.name, frame, unknown_headers=match.unknown)


LEVEL_FIELDS = {1: "htxs", 2: "htt", 3: "ht", 4: "khtnv"}


def _report_block(sheet: Sheet, start: int, prev_end: int) -> tuple[Block, int]:
    rows = sheet.rows
    header = rows[start]
    keys = [search_key(c) if c is not None else "" for c in header]
    label_col = next(i for i, k in enumerate(keys) if "tieu chi" in k)
    # Years: on the row below the header (seed 004), or on the header row itself after "Năm đánh giá".
    year_row = start + 1 if start + 1 < len(rows) and any(_year(c) for c in rows[start + 1]) else start
    years = {j: _year(c) for j, c in enumerate(rows[year_row]) if j > label_col and _year(c)}
    caption = None
    subject = None
    for i in range(start - 1, max(prev_end, start - 8) - 1, -1):
        text = _row_text(rows[i])
        if text:
            caption = caption or text
            subject = subject_from_caption(text)
            if subject:
                caption = text
                break
    per_year: dict[int, dict] = {j: {"_col": j, "year": y, "_row": year_row + 1} for j, y in years.items()}
    notes: list[tuple[int, str, str, str]] = []
    end = year_row + 1
    seen_total = False
    for i in range(year_row + 1, len(rows)):
        row = rows[i]
        label_cell = row[label_col] if label_col < len(row) else None
        first = row[0] if row else None
        text_key = search_key(label_cell) or search_key(first)
        if all(is_blank(c) for c in row):
            end = i + 1
            if seen_total:
                break
            continue
        end = i + 1
        if text_key.startswith("tong so") or text_key == "tong" or search_key(first).startswith("tong"):
            for j in years:
                per_year[j]["total"] = row[j] if j < len(row) else None
            seen_total = True
            break
        label, err = parse_label(label_cell)
        if err:
            reason = ("'Tiêu biểu' là hình thức khen thưởng, không phải mức xếp loại — dòng này không được tính"
                      if "tieu bieu" in text_key else
                      f"dòng '{show(label_cell)}' không phải một trong bốn mức xếp loại — không được tính")
            notes.append((i + 1, col_letter(label_col), show(label_cell), reason))
            continue
        field_name = LEVEL_FIELDS.get(label.level) if label.level else "not_rated"
        for j in years:
            cell = row[j] if j < len(row) else None
            if field_name in per_year[j]:
                per_year[j].setdefault("_dup", []).append(field_name)
            per_year[j][field_name] = cell
            per_year[j].setdefault("_lines", {})[field_name] = i + 1
    records = []
    for j, rec in per_year.items():
        rec["_raw"] = {"Năm": rec["year"], **{k: show(v) for k, v in rec.items()
                                               if k in ("htxs", "htt", "ht", "khtnv", "total", "not_rated")}}
        records.append(rec)
    frame = pd.DataFrame.from_records(records)
    if not seen_total:
        notes.append((start + 1, "", "", "bảng không có dòng 'Tổng số' — không kiểm tra được tổng"))
    block = Block("report_table", sheet.name, frame, caption=caption, subject=subject, notes=notes)
    return block, end


def find_blocks(sheet: Sheet) -> list[Block]:
    blocks: list[Block] = []
    rows = sheet.rows
    i, prev_end = 0, 0
    while i < len(rows):
        row = rows[i]
        keys = [search_key(c) if c is not None else "" for c in row]
        if is_report_header(keys):
            block, end = _report_block(sheet, i, prev_end)
            blocks.append(block)
            i = prev_end = end
            continue
        if sum(1 for k in keys if k) >= 2:
            match = match_header(row)
            if match:
                blocks.append(_template_block(sheet, i, match, len(rows)))
                break   # a template table runs to the end of its sheet
        i += 1
    return blocks


def read_blocks(path: Path, *, year: int | None = None, subject: str | None = None) -> tuple[list[Block], list[str]]:
    """All tables of a file, and notes about sheets that hold none. A sheet in none of the templates is read
    through the form profile that recognises its header (etl/profiles.py); year and subject (--year, --subject)
    serve a form whose title does not say them."""
    sheets = read_sheets(path)
    blocks, skipped = [], []
    known: list | None = None
    for sheet in sheets:
        found = find_blocks(sheet)
        if not found:
            try:
                known = profiles.load_all() if known is None else known
            except profiles.ProfileError as exc:
                raise FileError(f"{exc} — sửa tệp mẫu biểu đó rồi nạp lại") from exc
            block = profiles.read_sheet(sheet, year=year, subject=subject, profiles=known)
            found = [block, *block.companions] if block is not None else []
        if not found and (sheet.dropped or any(any(not is_blank(c) for c in r) for r in sheet.rows)):
            skipped.append(sheet.name or path.name)
        if found:       # rows the reader emptied are rejected with the sheet's first table
            found[0].notes.extend((row, *why) for row, why in sorted(sheet.dropped.items()))
        blocks.extend(found)
    if not blocks:
        raise FileError(
            f"Tệp {path.name}: không nhận ra bảng dữ liệu nào. Dòng tiêu đề phải theo một mẫu trong data/templates "
            "(ví dụ 'Năm, Mã đảng viên, Họ và tên, Mã chi bộ, Xếp loại, …'), bảng báo cáo 'STT | Tiêu chí | "
            "Năm đánh giá', hoặc một mẫu biểu đã biết (xem: python -m etl profiles). Nếu đây là biểu cơ quan vẫn "
            "dùng, hãy dạy hệ thống cách đọc một lần: ở trang Nhập dữ liệu, mở tệp này, chọn bước \"Lưu mẫu biểu\" "
            "(chọn trang, dòng tiêu đề, cột tên đơn vị, năm, cột số lượng và tỷ lệ của từng mức, các dòng bỏ qua) — "
            "mẫu biểu được lưu thành một tệp trong data/profiles, từ đó mọi tệp cùng mẫu được nạp không cần hỏi lại")
    return blocks, skipped
