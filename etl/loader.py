"""The one loader: files → checked rows → one transaction on a private copy of the warehouse, published whole or not at
all. operations/load.py calls it (with the derived tables as its last step) for the command line, the import page,
the demo and the tests alike.

Every row read ends up either loaded or rejected with a reason (file, sheet, row, column, value). A file loaded twice
changes nothing (same checksum). A file whose rows cover a unit-year already loaded from a *different* file with
different numbers is a conflict, unless it is a correction — the same file name, or `replace=True` — in which case it
replaces those rows and the load history records which load replaced which.

The steps, for every file, size and layout:

* **Reading** (readers). A CSV whose first line is a template header is read by DuckDB's CSV reader into a staging
  table, when a cheap scan proves that DuckDB and Python's `csv` module split it identically (UTF-8, no lone CR, no
  space next to a quote, one record per line, same header); a Parquet file is read where it lies, its column names
  being its header (`probe`, `Source`). Any other file — Excel sheets, report tables, the offices' own forms read
  through a profile, a CSV DuckDB would split differently — is read into blocks by etl/readers.py.
* **Checking.** A staged source is checked column by column in SQL: each column's DISTINCT values are normalized once
  by the very functions of etl/normalize.py and etl/validate.py (labels of every era, Vietnamese numbers, NFC names,
  units by code or name …) and joined back; one statement per group of same-shaped files computes every value and
  every error column in the order validate.check_block adds them. A block is checked by check_block itself. Good
  rows of both go into the warehouse table inside the load's transaction; bad rows become `Reject`s (file, row,
  column, value, reason, the whole row). tests/etl/test_csv_xlsx_equivalence.py loads the same table as CSV and as
  Excel and compares every table and every reject.
* **Rules across rows** (etl/load_rules.py). Duplicates inside the load and conflicts with the warehouse are found in
  SQL; the few rows involved are judged by the Python rules (batch_rules: the same fingerprint and messages), and the
  rows they refuse are deleted again before anything is published. Units and lineage (hundreds of thousands of rows
  at most) are checked in pandas, with the slow tree checks narrowed in SQL to the rows that can fail.
* **Members' names.** member_identities gets, per member key, the code and name of the key's last row in the load
  (found as the greatest position, then read back from the sources for those rows only).
* **Commit.** The loads, rejects and replacements are written; temp table derived_hint tells the derived tables
  (derive/) which years and whether the units changed, so that only those are recomputed.
* **Scale.** Same-shaped files are checked ~8 million rows per statement (memory stays bounded; DuckDB spills beyond
  $KIEMDIEM_LOAD_MEMORY, 2 GB by default). The Python Registry of units is built only when Python needs it: a year of
  ratings whose codes all exist is checked against the units in SQL.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd
import pyarrow as pa

from etl import load_rules as rules
from etl import normalize as nz
from etl import phases, tree_checks, warehouse
from etl.load_result import (FileResult, LoadResult, NothingToWrite, Reject, block_read, file_checksum, opened,
                             unreadable)
from etl.unit_registry import registry as _registry
from etl.layouts import LAYOUTS, match_header
from etl.blocks import col_letter
from etl.readers import MAX_CELL_CHARS, FileError, guess_delimiter, is_report_header, read_blocks
from etl.validate import COLLECTIVE_SUBJECTS, EXEMPLARY_CONFLICT, Checked, Registry, check_block, member_key

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
FAST_KINDS = {"units", "member_ratings", "collective_ratings", "aggregate_counts", "shortcomings",
              "review_suggestions"}
RATING_TARGETS = ["member_ratings", "collective_ratings", "aggregate_counts", "aggregate_counts_by_type", "shortcomings",
                  "review_suggestions"]
PARQUET_TYPES = {"VARCHAR", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT",
                 "UTINYINT", "DOUBLE", "FLOAT", "BOOLEAN"}

# Text that clean_text() returns unchanged: printable ASCII and the Latin letters Vietnamese uses (no Ð/ð, no
# combining marks, so NFC-stable), single spaces between words, and no o/u followed by a toned a/e/y (the old tone
# placement that clean_text rewrites). Anything else is normalized by Python.
_CH = r"!-~\x{C0}-\x{CF}\x{D1}-\x{EF}\x{F1}-\x{17F}\x{1A0}\x{1A1}\x{1AF}\x{1B0}\x{1EA0}-\x{1EF9}"
SAFE_TEXT = f"[{_CH}]+( [{_CH}]+)*"
_AEY = "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệỳýỷỹỵ"
OLD_TONE = f"[oOuU][{_AEY}{_AEY.upper()}]"
SAFE_CODE = "[A-Za-z0-9]+"
# Python's str.strip() whitespace: a cell of only these is blank (the reader turns it into None).
BLANK = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]*"




def _safe_text(x: str) -> str:
    return f"(regexp_full_match({x}, '{SAFE_TEXT}') AND NOT regexp_matches({x}, '{OLD_TONE}'))"


# ───────────────────────────── sources ─────────────────────────────

@dataclass
class Source:
    """One template table that DuckDB reads directly."""
    idx: int                      # file position in the load
    f: FileResult
    kind: str
    fmt: str                      # csv | parquet
    header: list                  # header cells as the block reader reads them (None = blank)
    fields: dict[str, int]        # field → column index
    unknown: list[str]
    types: list[str]              # DuckDB type of each column
    table: str | None = None      # csv: temp table (c0 … cN) in file order
    base: int = 0                 # csv: rowid of the header record (rows appended in a transaction start high)
    nrows: int = 0                # data rows that are not blank

    @property
    def ncols(self) -> int:
        return len(self.header)

    def relation(self) -> str:
        """Every data row that is not blank: _src, _row (as the user sees it) and c0 … cN (raw cells)."""
        cols = ", ".join(f"c{j}" for j in range(self.ncols))
        if self.fmt == "csv":
            base = (f"SELECT {self.idx} AS _src, (rowid - {self.base} + 1)::INTEGER AS _row, {cols} "
                    f"FROM {self.table} WHERE rowid > {self.base}")
        else:
            named = ", ".join(f'"{_ident(h)}" AS c{j}' for j, h in enumerate(self.parquet_names))
            base = (f"SELECT {self.idx} AS _src, (file_row_number + 2)::INTEGER AS _row, {named} "
                    f"FROM read_parquet('{_lit(self.f.path)}', file_row_number = true)")
        return f"SELECT * FROM ({base}) WHERE {self.filled_row()}"

    def cells(self, fields: list[str]) -> str:
        """_src, _row and f_<field> (NULL when the file has no such column) of every row, blank rows included:
        only the columns asked for are read. For reading rows back by (_src, _row) — their numbers are those of
        relation() — where the rows wanted are known not to be blank."""
        def cell(fld: str) -> str:
            j = self.fields.get(fld)
            if j is None:
                return f"NULL::VARCHAR AS f_{fld}"
            return f"c{j} AS f_{fld}" if self.fmt == "csv" else f'"{_ident(self.parquet_names[j])}" AS f_{fld}'
        cols = ", ".join(cell(f) for f in fields)
        if self.fmt == "csv":
            return (f"SELECT {self.idx} AS _src, (rowid - {self.base} + 1)::INTEGER AS _row, {cols} "
                    f"FROM {self.table} WHERE rowid > {self.base}")
        return (f"SELECT {self.idx} AS _src, (file_row_number + 2)::INTEGER AS _row, {cols} "
                f"FROM read_parquet('{_lit(self.f.path)}', file_row_number = true)")

    parquet_names: list[str] = field(default_factory=list)

    def filled_row(self) -> str:
        """A row with some cell that is not blank. Written as OR, not NOT (… AND …): a filter evaluates an OR's
        terms only on the rows still undecided (the first filled column decides nearly every row), while a NOT
        over AND ran every cell's pattern on every row (1.3 s of a national year's 5.3 million rows)."""
        order = sorted(range(self.ncols), key=lambda j: (j not in self.fields.values(), j))
        return " OR ".join(_filled(f"c{j}", self.types[j]) for j in order) or "false"

    def signature(self) -> tuple:
        if self.fmt == "parquet":
            return (self.kind, "parquet", tuple(self.parquet_names), tuple(self.types),
                    tuple(sorted(self.fields.items())))
        return (self.kind, "csv", tuple(sorted(self.fields)))


def _many_parquet(sources: list[Source]) -> tuple[str, str] | None:
    """For several same-shaped Parquet sources: the _src expression and the read_parquet over the list of their files
    (one scan whose row groups every thread shares; the UNION ALL of the sources, each file one or two row groups,
    ran on about one core). The same rows, with the same _src and _row."""
    if len(sources) < 2 or not all(s.fmt == "parquet" for s in sources):
        return None
    files = ", ".join(f"'{_lit(s.f.path)}'" for s in sources)
    srcs = ", ".join(str(int(s.idx)) for s in sources)
    return (f"([{srcs}])[file_index::BIGINT + 1]::INTEGER",
            f"read_parquet([{files}], file_row_number = true)")


def _cells_of(sources: list[Source], fields: list[str]) -> str:
    """Source.cells of several same-shaped sources, as one relation."""
    many = _many_parquet(sources)
    if many is None:
        return " UNION ALL ".join(f"({s.cells(fields)})" for s in sources)
    s0 = sources[0]
    cols = ", ".join(f'"{_ident(s0.parquet_names[s0.fields[f]])}" AS f_{f}' if f in s0.fields
                     else f"NULL::VARCHAR AS f_{f}" for f in fields)
    return f"SELECT {many[0]} AS _src, (file_row_number + 2)::INTEGER AS _row, {cols} FROM {many[1]}"


def _load_id_of_src(load_ids: dict[int, int], col: str) -> str:
    """SQL: the load id of each row's source, read from a list indexed by the source number (NULL for the others).
    A CASE of one WHEN per file compared each of 8 million rows with up to 48 numbers (0.13 s a batch)."""
    size = max(load_ids) + 1
    items = ", ".join(str(int(load_ids[i])) if i in load_ids else "NULL" for i in range(size))
    return f"([{items}]::INTEGER[])[{col} + 1]"


def _ident(name: str) -> str:
    return str(name).replace('"', '""')


def _source_table(idx: int) -> str:
    """The temp table a probed CSV file is read into: a fixed prefix and the source's integer index, never text from a
    file, so it can stand in SQL as an identifier (DuckDB binds values, not table names)."""
    if not isinstance(idx, int) or isinstance(idx, bool) or idx < 0:
        raise ValueError(f"chỉ số nguồn không hợp lệ: {idx!r}")
    return f"_fast_src_{idx}"


def _lit(value) -> str:
    return str(value).replace("'", "''")


def _blank_sql(col: str, typ: str) -> str:
    return _blank(col, typ)


def _filled(col: str, typ: str) -> str:
    """SQL: the cell is not blank (never NULL itself). Written without a NOT around an OR, so that an OR of these
    is decided by its first true term (see Source.filled_row)."""
    if typ == "VARCHAR":
        return f"({col} IS NOT NULL AND NOT regexp_full_match({col}, '{BLANK}'))"
    if typ in ("DOUBLE", "FLOAT"):
        return f"({col} IS NOT NULL AND NOT isnan({col}))"
    return f"({col} IS NOT NULL)"


def _blank(col: str, typ: str) -> str:
    return f"(NOT {_filled(col, typ)})"


def _cell(v):
    """A raw cell as the block reader gives it: blank text becomes None."""
    return None if isinstance(v, str) and v.strip() == "" else v


def _template(header: list) -> tuple[str, object] | None:
    keys = [nz.search_key(c) if c is not None else "" for c in header]
    if is_report_header(keys) or sum(1 for k in keys if k) < 2:
        return None
    match = match_header(header)
    if not match or match.layout.kind not in FAST_KINDS:
        return None
    return match.layout.kind, match


def probe(con, f: FileResult, idx: int) -> Source | None:
    """A Source when DuckDB can read this file exactly as the block reader would, else None (read as blocks)."""
    suffix = f.path.suffix.lower()
    try:
        if suffix == ".parquet":
            return _probe_parquet(con, f, idx)
        if suffix in CSV_SUFFIXES:
            return _probe_csv(con, f, idx, suffix)
    except (duckdb.Error, OSError, UnicodeError, csv.Error):
        return None
    return None


def _probe_csv(con, f: FileResult, idx: int, suffix: str) -> Source | None:
    data = f.path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None                                     # the block reader tries Windows-1258
    if not text or "\x00" in text or text.count("\r") != text.count("\r\n"):
        return None
    if ' "' in text or '" ' in text:                    # DuckDB trims spaces around quotes, Python does not
        return None
    cut, pos = 0, -1
    for _ in range(31):
        pos = text.find("\n", pos + 1)
        if pos < 0:
            cut = len(text)
            break
        cut = pos + 1
    delim = guess_delimiter(text[:cut], suffix)
    if delim != "\t" and ('\t"' in text or '"\t' in text):
        return None
    first = text.split("\n", 1)[0]
    if first.endswith("\r"):
        first = first[:-1]
    header = [None if c.strip() == "" else c for c in next(csv.reader([first], delimiter=delim))]
    found = _template(header)
    if not found:
        return None
    kind, match = found
    n = len(header)
    table = _source_table(idx)
    cols = "{" + ", ".join(f"'c{j}': 'VARCHAR'" for j in range(n)) + "}"      # (column names from integers only)
    con.execute(f"DROP TABLE IF EXISTS {table}")
    try:
        con.execute(f"""CREATE TEMP TABLE {table} AS SELECT * FROM read_csv($p, header = false, all_varchar = true,
                        delim = $d, quote = '"', escape = '"', null_padding = true, strict_mode = true,
                        auto_detect = false, columns = {cols})""", {"p": str(f.path), "d": delim})
    except duckdb.Error:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        return None
    expected = text.count("\n") + (0 if text.endswith("\n") else 1)
    got, base, top = con.execute(f"SELECT count(*), min(rowid), max(rowid) FROM {table}").fetchall()[0]
    first_row = con.execute(f"SELECT * FROM {table} WHERE rowid = $b", {"b": base}).fetchall() if got else []
    if got != expected or top - base + 1 != got or not first_row \
            or [None if c is None or c.strip() == "" else c for c in first_row[0]] != header:
        con.execute(f"DROP TABLE {table}")
        return None
    longest = con.execute(f"SELECT max(greatest({', '.join(f'length(c{j})' for j in range(n))})) FROM {table}"
                          ).fetchall()[0][0]
    if longest is not None and longest > MAX_CELL_CHARS:    # a cell longer than Excel allows: the block reader
        con.execute(f"DROP TABLE {table}")                   # rejects its row with a message, the rest loads
        return None
    src = Source(idx, f, kind, "csv", header, {fld: j for j, fld in match.mapping.items()}, match.unknown,
                 ["VARCHAR"] * n, table=table, base=base)
    src.nrows = con.execute(f"SELECT count(*) FROM ({src.relation()})").fetchall()[0][0]
    return src


def _probe_parquet(con, f: FileResult, idx: int) -> Source | None:
    import pyarrow.parquet as pq
    names = pq.read_schema(f.path).names
    if len(set(names)) != len(names) or not names:
        return None
    desc = con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(f.path)}).fetchall()
    types = [r[1] for r in desc]
    if [r[0] for r in desc] != names or any(t not in PARQUET_TYPES for t in types):
        return None
    header = [_cell(n) for n in names]
    found = _template(header)
    if not found:
        return None
    kind, match = found
    src = Source(idx, f, kind, "parquet", header, {fld: j for j, fld in match.mapping.items()}, match.unknown,
                 types, parquet_names=names)
    src.nrows = con.execute(f"SELECT count(*) FROM ({src.relation()})").fetchall()[0][0]
    return src


class _ReadAhead:
    """Each file's checksum and, for a Parquet file, its probe, computed two at a time on cursors of the load's
    connection ahead of the loop that reads the files (335 national files: 2.2 → 0.8 s). A Parquet probe only reads
    its file; a CSV's probe makes a temporary table of the load's own connection, so it stays in that loop. Errors
    are raised where the loop asks for the value, as if it had computed it there."""

    WORKERS = 2

    def __init__(self, con, files: list[FileResult]):
        import queue
        from concurrent.futures import ThreadPoolExecutor
        self._cursors = [con.cursor() for _ in range(self.WORKERS)]
        self._free: queue.SimpleQueue = queue.SimpleQueue()
        for c in self._cursors:
            self._free.put(c)
        self._pool = ThreadPoolExecutor(self.WORKERS, thread_name_prefix="doc_truoc")
        self._sums, self._probes = {}, {}
        for i, f in enumerate(files):           # (in file order: the loop's first files are ready first)
            self._sums[i] = self._pool.submit(file_checksum, f.path)
            if f.path.suffix.lower() == ".parquet":
                self._probes[i] = self._pool.submit(self._probe, f, i)

    def _probe(self, f: FileResult, idx: int) -> Source | None:
        cur = self._free.get()
        try:
            return probe(cur, f, idx)
        finally:
            self._free.put(cur)

    def checksum(self, idx: int) -> str:
        return self._sums[idx].result()

    def probe(self, con, f: FileResult, idx: int) -> Source | None:
        return self._probes[idx].result() if idx in self._probes else probe(con, f, idx)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for c in self._cursors:
            c.close()


def raw_rows(con, src: Source, rows: list[int]) -> dict[int, list]:
    """The raw cells of some rows of a source (for a reject's whole row, or a member code in a message)."""
    if not rows:
        return {}
    t = pa.table({"r": pa.array(sorted(set(rows)), pa.int32())})
    con.register("_fast_rows", t)
    try:
        got = con.execute(f"SELECT s.* EXCLUDE (_src) FROM ({src.relation()}) s "
                          "WHERE s._row IN (SELECT r FROM _fast_rows)").fetchall()
    finally:
        con.unregister("_fast_rows")
    return {r[0]: [_cell(c) for c in r[1:]] for r in got}


def raw_dict(header: list, cells: list) -> dict:
    """The row as the block check keeps it in `_raw`: header text → value as shown, blank cells left out."""
    return {str(header[j]) if j < len(header) else col_letter(j): nz.show(c)
            for j, c in enumerate(cells) if not nz.is_blank(c)}


class _Lazy:
    """A reject's whole row, read back from its source only when the reject is stored."""
    __slots__ = ("src", "row")

    def __init__(self, src: int, row: int):
        self.src, self.row = src, row


# ───────────────────────────── lookups: distinct values → Python → a join ─────────────────────────────

class _Maps:
    """Normalized values of the distinct raw values of columns, cached across batches of one load."""

    def __init__(self, con):
        self.con = con
        self.n = 0
        self.cache: dict[tuple, tuple] = {}
        self.tables: list[str] = []

    def build(self, rel: str, raw: str, rawtype: str, fn: Callable, outs: list[tuple[str, str]], tag: str,
              safe: str | None = None, fast: dict[str, str] | None = None, where: str | None = None) -> str:
        """Temp table (k, outs…) holding fn(v) for every distinct raw value v of rel.raw, NULL included.

        `safe` (SQL over k) marks values whose outputs SQL computes as `fast` (SQL over k) — only the others are
        fetched into Python. `where` (SQL over rel) limits the rows whose values are needed."""
        self.n += 1
        name = f"_fast_m{self.n}"
        self.tables.append(name)
        cols = ", ".join(f"{o} {t}" for o, t in outs)
        con = self.con
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (k {rawtype}, {cols})")
        dname = f"{name}_d"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {dname} AS SELECT DISTINCT {raw} AS k FROM ({rel})"
                    + (f" WHERE {where}" if where else ""))
        if safe:
            con.execute(f"INSERT INTO {name} SELECT k, {', '.join(fast[o] for o, _ in outs)} FROM {dname} "
                        f"WHERE {safe}")
            todo = [r[0] for r in con.execute(f"SELECT k FROM {dname} WHERE ({safe}) IS NOT TRUE").fetchall()]
        else:
            todo = [r[0] for r in con.execute(f"SELECT k FROM {dname}").fetchall()]
        con.execute(f"DROP TABLE {dname}")
        if len(todo) > 1000:
            phases.mark(f"map {tag[:20]}: {len(todo):,} distinct values normalized in Python")
        if todo:
            results = []
            for v in todo:
                key = (tag, type(v), v)
                if key not in self.cache:
                    self.cache[key] = tuple(fn(v))
                results.append(self.cache[key])
            data = {"k": pa.array(todo, ARROW_TYPES.get(rawtype)) if any(x is not None for x in todo)
                    else pa.nulls(len(todo))}
            for j, (o, _) in enumerate(outs):
                vals = [r[j] for r in results]
                data[o] = pa.array(vals) if any(x is not None for x in vals) else pa.nulls(len(vals))
            arrow = pa.table(data)      # (no from_pandas: a NaN key stays NaN, it is not NULL)
            con.register("_fast_arrow", arrow)
            try:
                con.execute(f"INSERT INTO {name} SELECT * FROM _fast_arrow")
            finally:
                con.unregister("_fast_arrow")
        return name

    def drop(self) -> None:
        for t in self.tables:
            self.con.execute(f"DROP TABLE IF EXISTS {t}")
        self.tables.clear()


# Fields with few distinct values (levels, yes/no, counts, years …): normalized through their combinations.
COMBO_FIELDS = {"year", "label", "disciplined", "discipline_form", "is_leader", "civil_label", "votes_for",
                "official_members", "score", "subject", "self_label", "htxs", "htt", "ht", "khtnv", "total",
                "not_rated", "category", "remedy", "source", "tree_level", "first_year", "last_year", "kind",
                "exemplary"}
ARROW_TYPES = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int32(), "SMALLINT": pa.int16(),
               "TINYINT": pa.int8(), "UBIGINT": pa.uint64(), "UINTEGER": pa.uint32(), "USMALLINT": pa.uint16(),
               "UTINYINT": pa.uint8(), "DOUBLE": pa.float64(), "FLOAT": pa.float32(), "BOOLEAN": pa.bool_()}


def _blank_to_none(v):
    return None if nz.is_blank(v) else v


# ───────────────────────────── the check of one batch of same-shaped sources ─────────────────────────────

@dataclass
class _Err:
    alias: str                      # SQL column: reason text, or a flag when `build` is given
    field: str                      # template field the error is reported on
    build: Callable | None = None   # row → reason (for reasons made of several values)


class _Check:
    """SQL that checks a batch: every output column and every error column, in check_block's order."""

    def __init__(self, ld: "_Load", sources: list[Source], first_year: int, last_year: int):
        self.ld, self.con, self.maps, self.sources = ld, ld.con, ld.maps, sources
        self.registry, self.salt = ld.reg, ld.salt
        self.first_year, self.last_year = first_year, last_year
        s0 = sources[0]
        self.kind = s0.kind
        self.headers = {c.field: c.header for c in LAYOUTS[self.kind].columns}
        self.present = set(s0.fields)
        self.types = {fld: s0.types[j] for fld, j in s0.fields.items()}
        self.rel = self._relation()
        self.joins: list[str] = []         # LEFT JOIN map tables
        self.cols: list[str] = []          # inner select: values and error columns
        self.post: list[str] = []          # outer select: cross-field errors
        self.post_joins: list[str] = []
        self.errors: list[_Err] = []
        self.outputs: list[str] = []       # columns of the target table, as "expr AS name" or "name"
        self.map_of: dict[str, str] = {}   # field → map table
        self.year_map: str | None = None
        self.combo_fields = COMBO_FIELDS & self.present
        self.combo_table: str | None = None
        self.combo_maps: list[tuple[str, str, str, list[str]]] = []    # (alias, map table, field, outs)
        self.prepared: dict[str, str] = {}    # field → query of its distinct values (see prepare)

    def _relation(self) -> str:
        if len(self.sources) > 1 and all(s.fmt == "parquet" for s in self.sources):
            return self._parquet_relation()
        parts = []
        for s in self.sources:
            fcols = ", ".join(f"c{j} AS f_{fld}" for fld, j in s.fields.items())
            parts.append(f"SELECT _src, _row, {fcols} FROM ({s.relation()})")
        if len(parts) == 1:
            return parts[0]
        return " UNION ALL ".join(f"({p})" for p in parts)

    def _parquet_relation(self) -> str:
        """Same-shaped Parquet files (one signature: the same column names, types and fields) read by one
        read_parquet over the list (see _many_parquet): the rows of the UNION ALL of their relations."""
        s0 = self.sources[0]
        src, scan = _many_parquet(self.sources)
        named = ", ".join(f'"{_ident(h)}" AS c{j}' for j, h in enumerate(s0.parquet_names))
        base = f"SELECT {src} AS _src, (file_row_number + 2)::INTEGER AS _row, {named} FROM {scan}"
        fcols = ", ".join(f"c{j} AS f_{fld}" for fld, j in s0.fields.items())
        return f"SELECT _src, _row, {fcols} FROM (SELECT * FROM ({base}) WHERE {s0.filled_row()})"

    def prepare(self, special: dict[str, str] | None = None) -> None:
        """Every distinct value the maps need, in one pass over the rows (GROUPING SETS): the combinations of the
        few-valued fields, and the values of each other field (`special`: an expression instead of the field,
        NULL where the value is not needed)."""
        special = special or {}
        self.maps.n += 1
        dist = f"_fast_dist_{self.maps.n}"
        self.maps.tables.append(dist)
        combo = [f"f_{f}" for f in sorted(self.combo_fields)]
        singles = sorted(f for f in self.present if f not in self.combo_fields and f != "full_name")
        exprs = [*combo, *(f"{special.get(f, 'f_' + f)} AS d_{f}" for f in singles)]
        if not exprs:
            return
        sets = ([f"({', '.join(combo)})"] if combo else []) + [f"(d_{f})" for f in singles]
        flags = ([f"grouping({combo[0]}) AS g__combo"] if combo else []) + [f"grouping(d_{f}) AS g_{f}" for f in singles]
        self.con.execute(f"""CREATE OR REPLACE TEMP TABLE {dist} AS
            SELECT {', '.join(combo + [f'd_{f}' for f in singles] + flags)}
            FROM (SELECT {', '.join(exprs)} FROM ({self.rel}))
            GROUP BY GROUPING SETS ({', '.join(sets)})""")
        phases.mark(f"  {self.kind}: distinct values gathered")
        self.prepared = {f: f"SELECT d_{f} AS f_{f} FROM {dist} WHERE g_{f} = 0" for f in singles}
        if combo:
            self.combo_table = f"{dist}_c"
            self.maps.tables.append(self.combo_table)
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.combo_table} AS SELECT {', '.join(combo)} "
                             f"FROM {dist} WHERE g__combo = 0")

    def combos(self) -> str:
        """Distinct combinations of the few-valued fields (a few thousand for millions of rows): their maps are
        joined to these, and the rows join the combinations once instead of every map."""
        if self.combo_table is None:
            self.maps.n += 1
            self.combo_table = f"_fast_combo_{self.maps.n}"
            self.maps.tables.append(self.combo_table)
            cols = ", ".join(f"f_{f}" for f in sorted(self.combo_fields))
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.combo_table} AS SELECT DISTINCT {cols} "
                             f"FROM ({self.rel})")
        return self.combo_table

    def lookup(self, fld: str, fn: Callable, outs: list[tuple[str, str]], tag: str, safe: str | None = None,
               fast: dict[str, str] | None = None, join: bool = True, where: str | None = None) -> str:
        """Build the map of one field (distinct values → outs) and join it; returns the join alias."""
        alias = f"j{len(self.map_of)}_{fld}"
        if fld in self.combo_fields and join and where is None:
            typ = self.types.get(fld, "VARCHAR")
            name = self.maps.build(f"SELECT * FROM {self.combos()}", f"f_{fld}", typ, fn, outs, tag,
                                   safe if typ == "VARCHAR" else None, fast)
            self.map_of[fld] = name
            self.combo_maps.append((alias, name, fld, [o for o, _ in outs]))
            return alias
        phases.mark(f"    map {fld}")
        if fld in self.prepared:      # distinct values already gathered (with the field's condition applied)
            typ = self.types.get(fld, "VARCHAR")
            name = self.maps.build(self.prepared[fld], f"f_{fld}", typ, fn, outs, tag,
                                   safe if typ == "VARCHAR" else None, fast)
            on = f"{alias}.k IS NOT DISTINCT FROM s.f_{fld}"
        elif fld in self.present:
            typ = self.types.get(fld, "VARCHAR")
            name = self.maps.build(self.rel, f"f_{fld}", typ, fn, outs, tag,
                                   safe if typ == "VARCHAR" else None, fast, where)
            on = f"{alias}.k IS NOT DISTINCT FROM s.f_{fld}"
        else:
            name = self.maps.build("SELECT NULL::VARCHAR AS f_x", "f_x", "VARCHAR", fn, outs, tag)
            on = f"{alias}.k IS NULL"
        self.map_of[fld] = name
        if join:
            self.joins.append(f"LEFT JOIN {name} {alias} ON {on}")
        return alias

    def col(self, name: str, expr: str) -> None:
        self.cols.append(f"{expr} AS {name}")

    def err(self, alias: str, fld: str, build: Callable | None = None) -> None:
        self.errors.append(_Err(alias, fld, build))

    # ── building blocks mirroring check_block ──

    def year(self) -> None:
        fy, ly = self.first_year, self.last_year
        j = self.lookup("year", lambda v: nz.parse_year(_blank_to_none(v), fy, ly),
                        [("v", "SMALLINT"), ("e", "VARCHAR")], f"year:{fy}:{ly}")
        self.year_map = self.map_of["year"]
        self.col("year", f"{j}.v")
        self.col("e_year", f"{j}.e")
        self.err("e_year", "year")
        self.outputs.append("year")

    def unit(self, code_field="unit_code", name_field="unit_name", target="unit_code") -> None:
        self.ld.reg_tables()
        reg = self.registry
        # (a blank code or name is answered here: asking the registry would build it, 3 s at national scale)
        missing = (None, "thiếu mã hoặc tên đơn vị", "code")       # = Registry.resolve(blank, blank)
        jc = self.lookup(code_field, lambda v: (True, *missing) if nz.is_blank(v) else (False, *reg.resolve(v, None)),
                         [("blank", "BOOLEAN"), ("v", "VARCHAR"), ("e", "VARCHAR"), ("c", "VARCHAR")], "ucode",
                         safe="k IN (SELECT code FROM _fast_reg_codes)",
                         fast={"blank": "false", "v": "k", "e": "NULL", "c": "'code'"})
        code_map = self.map_of[code_field]
        # a name is read only where the code is blank
        code_blank = None
        if code_field in self.present:
            code_blank = (f"(f_{code_field} IS NULL OR regexp_full_match(f_{code_field}, '{BLANK}'))"
                          if self.types.get(code_field) == "VARCHAR" else f"f_{code_field} IS NULL")
        jn = self.lookup(name_field, lambda v: missing if nz.is_blank(v) else reg.resolve(None, v),
                         [("v", "VARCHAR"), ("e", "VARCHAR"), ("c", "VARCHAR")], "uname", where=code_blank)
        name_map = self.map_of[name_field]
        pick = f"CASE WHEN {jc}.blank IS FALSE THEN {jc}.{{0}} ELSE {jn}.{{0}} END"
        self.col(target, pick.format("v"))
        self.col("_u_e", pick.format("e"))
        self.col("_u_c", pick.format("c"))
        self.col(f"e_{code_field}", "CASE WHEN _u_e IS NOT NULL AND _u_c = 'code' THEN _u_e END")
        self.col(f"e_{name_field}", "CASE WHEN _u_e IS NOT NULL AND _u_c = 'name' THEN _u_e END")
        self.err(f"e_{code_field}", code_field)
        self.err(f"e_{name_field}", name_field)
        # A rating names a unit only in the years the unit exists: every (unit, year) the maps can give that is
        # not alive is listed (few), and joined.
        phases.mark("    unit maps built")
        self.maps.n += 1
        dead = f"_fast_dead_{self.maps.n}"
        self.maps.tables.append(dead)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {dead} (unit VARCHAR, year SMALLINT)")
        if self.year_map:
            # (a unit with no recorded life is alive every year, as Registry.alive says)
            self.con.execute(f"""INSERT INTO {dead}
                SELECT unit, year FROM (
                    SELECT u.v AS unit, y.v AS year,
                           bool_or((l.a IS NULL OR l.a <= y.v) AND (l.b IS NULL OR y.v <= l.b)) AS alive
                    FROM (SELECT v FROM {code_map} UNION SELECT v FROM {name_map}) u
                    CROSS JOIN (SELECT DISTINCT v FROM {self.year_map} WHERE v IS NOT NULL) y
                    JOIN _fast_reg_lives l ON l.code = u.v
                    GROUP BY ALL)
                WHERE NOT alive""")
        phases.mark("    units not alive that year listed")
        self.post_joins.append(f"LEFT JOIN {dead} d_{target} ON d_{target}.unit = i.{target} "
                               f"AND d_{target}.year = i.year")
        self.post.append(f"d_{target}.unit IS NOT NULL AS e_dead")
        column = code_field if code_field in self.present else name_field

        def dead_reason(r: dict) -> str:
            c, y = r[target], r["year"]
            return (f"đơn vị {c} ({reg.units[c]['name']}) không tồn tại trong năm {y} (thời gian tồn tại: "
                    f"{reg.life_text(c)})")
        self.err("e_dead", column, dead_reason)
        self.outputs.append(target)

    def text(self, fld: str, name: str | None = None, required: str | None = None) -> str:
        """text_col: None when blank, else clean_text."""
        j = self.lookup(fld, lambda v: (None if nz.is_blank(v) else nz.clean_text(v),), [("v", "VARCHAR")],
                        "text", safe=_safe_text("k"), fast={"v": "k"})
        out = name or fld
        self.col(out, f"{j}.v")
        if required:
            self.col(f"e_{fld}", f"CASE WHEN {j}.v IS NULL THEN '{_lit(required)}' END")
            self.err(f"e_{fld}", fld)
        return out

    def mapped(self, fld: str, fn: Callable, tag: str, typ: str, name: str | None = None) -> None:
        """_map(column, fn): fn(None if blank else v) → (value, error)."""
        j = self.lookup(fld, lambda v: fn(_blank_to_none(v)), [("v", typ), ("e", "VARCHAR")], tag)
        self.col(name or fld, f"{j}.v")
        self.col(f"e_{fld}", f"{j}.e")
        self.err(f"e_{fld}", fld)

    def label(self, fld: str, level_name: str, with_reason: bool = False, raw_name: str | None = None,
              mark_name: str | None = None) -> None:
        required = fld == "label"      # 'Xếp loại' must be given; the other labels may be blank

        def fn(v):
            key = _blank_to_none(v)
            lb, e = (None, None) if (key is None and not required) else nz.parse_label(key)
            return (lb.level if lb else None, lb.not_rated_reason if lb else None,
                    None if nz.is_blank(v) else str(v), e, bool(lb.exemplary) if lb else None)
        j = self.lookup(fld, fn, [("lv", "TINYINT"), ("nr", "VARCHAR"), ("raw", "VARCHAR"), ("e", "VARCHAR"),
                                  ("ex", "BOOLEAN")], f"label:{required}")
        self.col(level_name, f"{j}.lv")
        if with_reason:
            self.col("not_rated_reason", f"{j}.nr")
        if raw_name:
            self.col(raw_name, f"{j}.raw")
        if mark_name:                  # the label carries "tiêu biểu"
            self.col(mark_name, f"{j}.ex")
        self.col(f"e_{fld}", f"{j}.e")
        self.err(f"e_{fld}", fld)

    def subject(self, allowed: set[str] | None = None) -> None:
        def fn(v):
            val, e = nz.parse_subject(_blank_to_none(v))
            if allowed and val is not None and val not in allowed:
                e = "đối tượng này là cá nhân, không dùng trong bảng xếp loại tập thể"
            return val, e
        j = self.lookup("subject", fn, [("v", "VARCHAR"), ("e", "VARCHAR")],
                        f"subject:{','.join(sorted(allowed or ()))}")
        self.col("subject", f"{j}.v")
        self.col("e_subject", f"{j}.e")
        self.err("e_subject", "subject")
        self.outputs.append("subject")

    def count(self, fld: str, required: bool = True) -> None:
        def fn(v):
            val, e = nz.parse_count(_blank_to_none(v))
            if required and val is None and e is None:
                e = "thiếu số lượng"
            return val, e
        j = self.lookup(fld, fn, [("v", "INTEGER"), ("e", "VARCHAR")], f"count:{required}")
        self.col(fld, f"{j}.v")
        self.col(f"e_{fld}", f"{j}.e")
        self.err(f"e_{fld}", fld)
        self.outputs.append(fld)

    def score(self) -> None:
        j = self.lookup("score", lambda v: nz.parse_number(_blank_to_none(v)), [("v", "DOUBLE"), ("e", "VARCHAR")],
                        "number")
        self.col("score", f"{j}.v")
        self.col("e_score", f"CASE WHEN {j}.v IS NOT NULL AND ({j}.v < 0 OR {j}.v > 100) "
                            f"THEN 'điểm phải trong khoảng 0–100' ELSE {j}.e END")
        self.err("e_score", "score")
        self.outputs.append("score")

    def boolean(self, fld: str) -> None:
        self.mapped(fld, nz.parse_bool, "bool", "BOOLEAN")

    # ── the statement ──

    def sql(self) -> str:
        """All rows with their values, their error columns, the raw cells errors are reported on, and _ok."""
        raws = [f"s.f_{fld} AS r_{fld}" for fld in dict.fromkeys(e.field for e in self.errors)
                if fld in self.present]
        cols, joins = list(self.cols), list(self.joins)
        if self.combo_maps:
            cm = self.combos() + "_m"
            self.maps.tables.append(cm)
            outs = ", ".join(f"{a}.{o} AS {a}__{o}" for a, _, _, os_ in self.combo_maps for o in os_)
            mj = " ".join(f"LEFT JOIN {t} {a} ON {a}.k IS NOT DISTINCT FROM c.f_{f}" for a, t, f, _ in self.combo_maps)
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {cm} AS SELECT c.*, {outs} FROM {self.combos()} c {mj}")
            for a, _, _, _ in self.combo_maps:
                cols = [c.replace(f"{a}.", f"cm.{a}__") for c in cols]
            on = " AND ".join(f"cm.f_{f} IS NOT DISTINCT FROM s.f_{f}" for f in sorted(self.combo_fields))
            joins.insert(0, f"LEFT JOIN {cm} cm ON {on}")
        inner = f"SELECT s._src, s._row, {', '.join(cols + raws)} FROM ({self.rel}) s " + " ".join(joins)
        post = "".join(", " + p for p in self.post)
        flags = [f"{e.alias} IS TRUE" if e.build else f"{e.alias} IS NOT NULL" for e in self.errors]
        ok = " OR ".join(flags) or "false"
        return (f"SELECT *, NOT ({ok}) AS _ok FROM (SELECT i.*{post} FROM ({inner}) i "
                f"{' '.join(self.post_joins)})")

    def reject(self, r: dict) -> tuple[str, str, str]:
        """(column header, value, reason) of a bad row, as RowErrors.split writes them."""
        errs = []
        for e in self.errors:
            v = r[e.alias]
            if (v is True) if e.build else (v is not None):
                value = _cell(r.get(f"r_{e.field}")) if e.field in self.present else None
                errs.append((self.headers.get(e.field, e.field), nz.show(value), e.build(r) if e.build else v))
        reason = "; ".join(f"{c}: {x}" if len(errs) > 1 else x for c, _, x in errs)
        return errs[0][0], errs[0][1], reason


def _layout_check(ch: _Check) -> None:
    """check_block, column by column, for the fast layouts (same order of errors)."""
    kind = ch.kind
    reg = ch.registry
    special = {}
    if kind != "units" and "unit_code" in ch.present and "unit_name" in ch.present:     # names read only where
        special["unit_name"] = (f"CASE WHEN {_blank_sql('f_unit_code', ch.types['unit_code'])} "  # the code is blank
                                "THEN f_unit_name END")
    if kind == "member_ratings" and ch.types.get("member_code") == "VARCHAR":     # plain codes are hashed in SQL
        special["member_code"] = f"CASE WHEN regexp_full_match(f_member_code, '{SAFE_CODE}') THEN NULL " \
                                 "ELSE f_member_code END"
    ch.prepare(special)
    if kind == "units":
        ch.outputs.append(ch.text("unit_code", required="thiếu nội dung"))
        ch.outputs.append(ch.text("unit_name", "name", required="thiếu tên đơn vị"))
        j = ch.lookup("tree_level", lambda v: nz.parse_tree_level(_blank_to_none(v)),
                      [("v", "VARCHAR"), ("e", "VARCHAR")], "tree")
        ch.col("tree_level", f"{j}.v")
        ch.col("e_tree_level", f"CASE WHEN {j}.e IS NOT NULL THEN {j}.e WHEN {j}.v IS NULL THEN "
                               "'thiếu cấp tổ chức (Tỉnh ủy, Huyện ủy, Đảng bộ cơ sở, Chi bộ cơ sở, Đảng bộ bộ phận, "
                               "Chi bộ trực thuộc)' END")
        ch.err("e_tree_level", "tree_level")
        ch.outputs += ["tree_level", ch.text("kind"), ch.text("parent_code")]
        for fld in ("first_year", "last_year"):
            ch.mapped(fld, lambda x: (None, None) if x is None else nz.parse_year(x, 1930, 2100), "year:1930:2100",
                      "SMALLINT")
            ch.outputs.append(fld)
        ch.post.append("first_year IS NOT NULL AND last_year IS NOT NULL AND first_year > last_year AS e_span")
        ch.err("e_span", "last_year", lambda r: "'Đến năm' trước 'Từ năm'")
    elif kind == "member_ratings":
        ch.year()
        salt = ch.salt
        # one member code per row: plain ASCII codes are hashed in SQL row by row, only the others (few) mapped
        inline = ("member_code" in ch.present and ch.types["member_code"] == "VARCHAR")
        safe = f"regexp_full_match(s.f_member_code, '{SAFE_CODE}')" if inline else "false"
        j = ch.lookup("member_code", lambda v: _member_code(v, salt), [("code", "VARCHAR"), ("key", "VARCHAR")],
                      "member:" + salt, where=safe.replace("s.f_", "f_") + " IS NOT TRUE" if inline else None)
        if inline:
            # The map holds exactly the codes that are not plain (and NULL): a code it does not hold is a plain one,
            # which spares every row the pattern (three times 0.2 s a national year).
            plain = f"({j}.k IS NULL AND s.f_member_code IS NOT NULL)"
            ch.col("member_code", f"CASE WHEN {plain} THEN s.f_member_code ELSE {j}.code END")
            ch.col("member_key", f"CASE WHEN {plain} THEN substr(sha256('{_lit(salt)}|' || upper(s.f_member_code)), "
                                 f"1, 16) ELSE {j}.key END")
        else:
            ch.col("member_code", f"{j}.code")
            ch.col("member_key", f"{j}.key")
        ch.col("e_member_code", "CASE WHEN member_code IS NULL THEN 'thiếu mã đảng viên' END")
        ch.err("e_member_code", "member_code")
        ch.outputs.append("member_key")
        ch.unit(target="chi_bo_code")
        ch.label("label", "level", with_reason=True, raw_name="label_raw")
        ch.outputs += ["level", "not_rated_reason", "label_raw"]
        ch.boolean("disciplined")
        ch.text("discipline_form")
        ch.boolean("is_leader")
        jl = ch.lookup("led_unit", lambda v: (None, None) if nz.is_blank(v) else reg.resolve(v, None)[:2],
                       [("v", "VARCHAR"), ("e", "VARCHAR")], "led",
                       safe="k IN (SELECT code FROM _fast_reg_codes)", fast={"v": "k", "e": "NULL"})
        ch.col("led_unit_code", f"{jl}.v")
        ch.col("e_led_unit", f"{jl}.e")
        ch.err("e_led_unit", "led_unit")
        ch.label("civil_label", "civil_level")
        ch.count("votes_for", required=False)
        ch.count("official_members", required=False)
        ch.post.append("votes_for IS NOT NULL AND official_members IS NOT NULL AND votes_for > official_members "
                       "AS e_over")
        ch.err("e_over", "votes_for", lambda r: "số phiếu tán thành lớn hơn số đảng viên chính thức")
        ch.score()
        # A disciplined member with no form given is fine; a form given means disciplined.
        ch.post.append("CASE WHEN discipline_form IS NOT NULL AND disciplined IS NULL THEN true ELSE disciplined END "
                       "AS disciplined_final")
        ch.outputs += ["disciplined_final AS disciplined", "discipline_form", "is_leader", "led_unit_code",
                       "civil_level"]
    elif kind == "collective_ratings":
        ch.year()
        ch.unit()
        ch.subject(COLLECTIVE_SUBJECTS)
        ch.label("label", "level", raw_name="label_raw", mark_name="exemplary_label")
        ch.label("self_label", "self_level")
        ch.score()
        ch.boolean("disciplined")
        # "tiêu biểu": marked in the label or in its own column; a label marked and a column saying no contradict
        ch.mapped("exemplary", nz.parse_exemplary, "exemplary", "BOOLEAN", name="exemplary_column")
        ch.post.append("exemplary_label IS TRUE AND exemplary_column IS FALSE AS e_exemplary_conflict")
        ch.err("e_exemplary_conflict", "exemplary", lambda r: EXEMPLARY_CONFLICT)
        ch.post.append("CASE WHEN exemplary_label IS TRUE THEN true ELSE exemplary_column END AS exemplary_final")
        ch.outputs += ["self_level", "level", "label_raw", "disciplined", "exemplary_final AS exemplary"]
    elif kind == "aggregate_counts":
        ch.year()
        ch.unit()
        ch.subject()
        for fld in ("htxs", "htt", "ht", "khtnv", "total"):
            ch.count(fld)
        ch.count("not_rated", required=False)
        ch.post.append("htxs IS NOT NULL AND htt IS NOT NULL AND ht IS NOT NULL AND khtnv IS NOT NULL "
                       "AND total IS NOT NULL AND htxs + htt + ht + khtnv <> total AS e_sum")

        def mismatch(r):
            a, b, c, d, t = (int(r[k]) for k in ("htxs", "htt", "ht", "khtnv", "total"))
            return (f"tổng các mức ({a} + {b} + {c} + {d} = {a + b + c + d}) khác 'Tổng số' ghi trong bảng ({t}) — "
                    "không nạp, cần đơn vị kiểm tra lại số liệu")
        ch.err("e_sum", "total", mismatch)
    elif kind in ("shortcomings", "review_suggestions"):
        ch.year()
        ch.unit()
        if kind == "shortcomings":
            ch.subject()
            ch.outputs.append(ch.text("category"))
            j = ch.lookup("remedy", lambda v: (None, None) if nz.is_blank(v) else
                          (nz.clean_text(v), nz.parse_remedy(nz.clean_text(v))),
                          [("v", "VARCHAR"), ("st", "VARCHAR")], "remedy")
            ch.col("remedy_raw", f"{j}.v")
            ch.col("remedy_status", f"{j}.st")
            ch.outputs += ["remedy_raw", "remedy_status", ch.text("source")]
        j = ch.lookup("text", lambda v: (None, None) if nz.is_blank(v) else
                      (str(v).strip(), nz.clean_text(str(v).strip())),
                      [("raw", "VARCHAR"), ("norm", "VARCHAR")], "stext",
                      safe=_safe_text("k"), fast={"raw": "k", "norm": "k"})
        ch.col("text_raw", f"{j}.raw")
        ch.col("text_norm", f"{j}.norm")
        ch.col("e_text", f"CASE WHEN {j}.raw IS NULL THEN 'thiếu nội dung' END")
        ch.err("e_text", "text")
        ch.outputs += ["text_raw", "text_norm"]
    else:  # pragma: no cover
        raise ValueError(kind)


def _member_code(v, salt: str) -> tuple:
    code = None if nz.is_blank(v) else nz.clean_text(v)
    return code, member_key(salt, code) if code else None


# ───────────────────────────── the load ─────────────────────────────

class _Load:
    def __init__(self, con, files: list[FileResult], salt: str, reg: Registry, first_id: int):
        self.con, self.files, self.salt, self.reg, self.first_id = con, files, salt, reg, first_id
        self.maps = _Maps(con)
        self.sources: dict[int, Source] = {}
        self.reg_version = 0
        self.reg_built = -1
        self.blocks: dict[tuple[int, str | None], int] = {}     # (load_id, sheet) → block position in its file
        self.raw_of: dict[tuple[int, str | None, int], dict] = {}  # row-path rows: (load_id, sheet, row) → _raw
        self.rowpath_ids = False
        self.src_of_load: dict[int, Source] = {}
        self.val_rejects: dict[int, list[tuple[tuple, Reject]]] = {}
        self.new_rows: set[str] = set()
        self.member_batches: list[_Check] = []
        self.top_unit_created = False
        self.keys_rows: int | None = None            # the load's member rows when _member_keys grouped them
        self.name_keys: dict[str, str] = {}         # unit name → nz.search_key(name)

    # registry as tables, rebuilt when units were registered since
    def reg_tables(self) -> None:
        if self.reg_built == self.reg_version:
            return
        phases.mark("    registry tables")
        con = self.con
        if not self.reg.built:
            # nothing registered in this load: the registry is exactly unit_versions
            con.execute(f"CREATE OR REPLACE TEMP TABLE _fast_reg_codes AS SELECT DISTINCT unit_code AS code "
                        f"FROM unit_versions WHERE {_safe_text('unit_code')}")
            con.execute("CREATE OR REPLACE TEMP TABLE _fast_reg_lives AS SELECT unit_code AS code, "
                        "first_year::INTEGER AS a, last_year::INTEGER AS b FROM unit_versions")
            self.reg_built = self.reg_version
            return
        reg = self.reg
        codes = pa.table({"code": pa.array(list(reg.units), pa.string())})
        lives_code, lives_a, lives_b = [], [], []
        for code, info in reg.units.items():
            for a, b in info.get("lives") or []:
                lives_code.append(code)
                lives_a.append(a)
                lives_b.append(b)
        lives = pa.table({"code": pa.array(lives_code, pa.string()), "a": pa.array(lives_a, pa.int32()),
                          "b": pa.array(lives_b, pa.int32())})
        con = self.con
        con.register("_fast_codes_arrow", codes)
        con.register("_fast_lives_arrow", lives)
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _fast_reg_codes AS SELECT code FROM _fast_codes_arrow "
                        f"WHERE {_safe_text('code')}")
            con.execute("CREATE OR REPLACE TEMP TABLE _fast_reg_lives AS SELECT * FROM _fast_lives_arrow")
        finally:
            con.unregister("_fast_codes_arrow")
            con.unregister("_fast_lives_arrow")
        self.reg_built = self.reg_version

    def add_val_reject(self, f: FileResult, order: tuple, rej: Reject) -> None:
        self.val_rejects.setdefault(id(f), []).append((order, rej))

    def check_batch(self, sources: list[Source], first_year: int, last_year: int, pass_no: int):
        """Check a batch of same-shaped sources: rejects for bad rows; good rating rows go into their table,
        good units come back as the block check's frames (one per source)."""
        ch = _Check(self, sources, first_year, last_year)
        _layout_check(ch)
        sql = ch.sql()
        con = self.con
        by_idx = {s.idx: s for s in sources}
        keep = ["_src", "_row", *dict.fromkeys(e.alias for e in ch.errors),
                *(f"r_{fld}" for fld in dict.fromkeys(e.field for e in ch.errors) if fld in ch.present),
                *(c for c in ("year", "unit_code", "chi_bo_code", "htxs", "htt", "ht", "khtnv", "total")
                  if any(x.endswith(f" AS {c}") for x in ch.cols))]
        phases.mark(f"  {ch.kind}: {len(ch.joins)} maps built")

        def read_bad() -> None:
            cur = con.execute(f"SELECT {', '.join(keep)} FROM ({sql}) WHERE NOT _ok ORDER BY _src, _row")
            names = [d[0] for d in cur.description]
            for rec in cur.fetchall():
                r = dict(zip(names, rec))
                s = by_idx[r["_src"]]
                col, value, reason = ch.reject(r)
                self.add_val_reject(s.f, (pass_no, 0, r["_row"]),
                                    Reject(s.f.name, None, int(r["_row"]), col, value, reason,
                                             _Lazy(s.idx, r["_row"])))
            phases.mark(f"  {ch.kind}: bad rows read")
        sel = {o.split(" AS ")[-1]: o for o in ch.outputs}
        if ch.kind == "units":
            read_bad()
            cols = rules.COLUMNS["units"]
            frames = {}
            for s in sources:
                rows = con.execute(f"SELECT _row, {', '.join(sel[c] for c in cols if c in sel)} FROM ({sql}) "
                                   f"WHERE _ok AND _src = {s.idx} ORDER BY _row").fetchall()
                fr = pd.DataFrame(rows, columns=["_row", *[c for c in cols if c in sel]], dtype=object)
                fr.insert(1, "_raw", [_Lazy(s.idx, int(x)) for x in fr["_row"]])
                frames[s.idx] = fr
            return frames
        target = ch.kind
        cols = rules.COLUMNS[target]
        case = _load_id_of_src({s.idx: s.f.load_id for s in sources}, "_src")
        insert = (f"INSERT INTO {target} ({', '.join(cols)}, load_id, source_sheet, source_row) "
                  f"SELECT {', '.join(sel[c] for c in cols)}, {case}, NULL, _row FROM ({sql}) WHERE _ok")
        # Good rows go in first; the bad ones are read (a second pass over the files) only when the insert took
        # fewer rows than the batch holds. Every row of the statement is good or bad (each map has one row per
        # distinct value, so the joins add no rows): a batch with no bad row — a national year — is read once.
        inserted = con.execute(insert).fetchall()[0][0]
        total = sum(s.nrows for s in sources)
        if inserted != total:
            read_bad()
        else:
            phases.mark(f"  {ch.kind}: no bad rows ({inserted:,} rows inserted)")
        self.new_rows.add(target)
        for s in sources:
            self.blocks[(s.f.load_id, None)] = 0
            self.src_of_load[s.f.load_id] = s
        if target == "member_ratings":
            self.member_batches.append(ch)
        return None


def load_files(paths: list[str | Path], db: str | Path | None = None, *, unit: str | None = None,
               subject: str | None = None, replace: bool = False, dry_run: bool = False,
               progress: Callable[[str, float], None] | None = None, note: str | None = None,
               with_preview: bool = False, year: int | None = None,
               derive: Callable | None = None) -> LoadResult:
    """Load (or with dry_run only check) files. Never raises for bad input: problems are in the result.

    with_preview keeps the rows written (or, checking, to be written) in result.preview (the import page).
    year (and subject): for forms read through a profile whose title does not say them (etl/profiles.py).
    derive: the step that rebuilds the derived tables on the private copy before it is published (derive.build,
    passed by operations/load.py, the entry every caller uses); None publishes the loaded rows alone."""
    files = [FileResult(Path(p)) for p in paths]
    subject_code = None
    if subject:
        subject_code, err = nz.parse_subject(subject)
        if err:
            for f in files:
                f.error = err
            return LoadResult(files, False, warehouse.db_path(db))
    live = warehouse.ensure(db, derive=derive) if not dry_run else warehouse.db_path(db)
    created: list[str] = []
    preview: dict[str, pd.DataFrame] = {}
    published = False

    phases.start()

    def step(msg: str, frac: float) -> None:
        phases.mark(msg)
        if progress:
            progress(msg, frac)

    try:
        with warehouse.writing(live, publish=not dry_run, derive=derive) as con:
            con.execute("SET preserve_insertion_order = true")
            # bounded memory: DuckDB spills to disk beyond this (a national load stays under the 4 GB target)
            con.execute(f"SET memory_limit = '{_lit(os.environ.get('KIEMDIEM_LOAD_MEMORY', '2GB'))}'")
            salt = con.execute("SELECT value FROM meta WHERE key = 'member_key_salt'").fetchall()[0][0]
            reg = _LazyRegistry(con)
            next_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchall()[0][0]
            ld = _Load(con, files, salt, reg, next_id)
            # 1. Read every file (DuckDB reads template CSV/Parquet itself); skip those already loaded.
            blocks_by_file: list[list] = []
            ahead = _ReadAhead(con, files)
            try:
                for i, f in enumerate(files):
                    step(f"Đọc {f.name}", 0.05 + 0.25 * i / max(len(files), 1))
                    try:
                        if not f.path.is_file():
                            raise FileError(f"Không tìm thấy tệp {f.path}")
                        f.checksum = ahead.checksum(i)
                        same = con.execute("SELECT load_id, rows_rejected FROM loads WHERE checksum = ? AND "
                                           "status = 'hieu_luc' AND rows_loaded > 0 ORDER BY load_id DESC LIMIT 1",
                                           [f.checksum]).fetchall()
                        if same:
                            f.previous = same[0]
                            if same[0][1] == 0:
                                f.unchanged_load = same[0][0]
                                blocks_by_file.append([])
                                continue
                        src = ahead.probe(con, f, i)
                        if src is not None:
                            blocks, skipped = [src], []
                        else:
                            blocks, skipped = read_blocks(f.path, year=year, subject=subject_code)
                    except (FileError, OSError) as exc:
                        f.error = unreadable(f, exc)
                        blocks_by_file.append([])
                        continue
                    opened(f, next_id, skipped)
                    next_id += 1
                    for b in blocks:
                        if isinstance(b, Source):
                            f.layouts.append(b.kind)
                            ld.sources[i] = b
                            if b.unknown:
                                f.notes.append(f"các cột không thuộc mẫu '{b.kind}' không được nạp: "
                                               + ", ".join(b.unknown))
                            continue
                        block_read(f, b)
                    blocks_by_file.append(blocks)
            finally:
                ahead.close()

            unit_code = None
            needs_unit = any(getattr(b, "kind", None) == "report_table" or getattr(b, "unit_from_option", False)
                             for bl in blocks_by_file for b in bl)
            if unit and needs_unit:
                first = next(f for f, bl in zip(files, blocks_by_file) if bl)
                unit_code, was_created = rules.top_unit(con, reg, unit, first.load_id)
                ld.reg_version += 1
                ld.top_unit_created = ld.top_unit_created or was_created
                if was_created:
                    created.append(f"{unit_code} ({nz.clean_text(unit)})")

            # 2. Check rows: units first, then the rest (fast sources in batches of same-shaped files).
            step("Kiểm tra dữ liệu", 0.35)
            checked: dict[str, list] = {t: [] for t in rules.ORDER}
            first_year, last_year = 2010, dt.date.today().year
            for kind_pass in ("units", "other"):
                pass_no = 0 if kind_pass == "units" else 1
                batches: dict[tuple, list[Source]] = {}
                for i, (f, blocks) in enumerate(zip(files, blocks_by_file)):
                    for bi, b in enumerate(blocks):
                        if (b.kind == "units") != (kind_pass == "units"):
                            continue
                        if isinstance(b, Source):
                            f.rows_read += b.nrows
                            if kind_pass == "units":
                                # units register in file order: one source at a time
                                frames = ld.check_batch([b], first_year, last_year, pass_no)
                                phases.mark(f'units checked: {len(frames[b.idx]):,} good rows')
                                _register_units(ld, f, frames[b.idx], None, checked)
                                phases.mark('units registered')
                            else:
                                batches.setdefault(b.signature(), []).append(b)
                            continue
                        ch = check_block(b, reg, salt=salt, unit=unit_code, subject=subject_code,
                                         first_year=first_year, last_year=last_year)
                        f.rows_read += len(b.frame)
                        for r in ch.bad.itertuples():
                            ld.add_val_reject(f, (pass_no, bi, int(r._1)),
                                              Reject(f.name, b.sheet, int(r._1), r._2, r._3, r._4, r._5))
                        if ch.kind == "units":
                            _register_units(ld, f, ch.good, b.sheet, checked)
                        elif ch.kind == "lineage":
                            checked["lineage"].append((f, ch, b.sheet))
                        else:
                            _insert_rowpath(ld, f, ch, b.sheet, bi)
                for group in batches.values():
                    for chunk in _chunks(group):
                        ld.check_batch(chunk, first_year, last_year, pass_no)
                        phases.mark(f'checked {chunk[0].kind}: {len(chunk)} files, {sum(s.nrows for s in chunk):,} rows')
            for f in files:      # validation rejects in reading order: pass, block, row
                for _, rej in sorted(ld.val_rejects.get(id(f), []), key=lambda x: x[0]):
                    f.rejects.append(rej)
            rules.check_parents(checked["units"], reg)
            phases.mark('tree checks')
            _check_tree(ld, checked)
            phases.mark('tree checks done')

            # 3. Within the load, 4. against the warehouse.
            step("Đối chiếu trùng lặp", 0.55)
            frames = {t: rules.batch_rules(t, checked[t]) for t in ("units", "lineage")}
            replacements: list = []
            for t in RATING_TARGETS:
                if t in ld.new_rows:
                    _batch_rules_sql(ld, t)
            step("Đối chiếu với kho dữ liệu", 0.65)
            for t in RATING_TARGETS:
                if t in ld.new_rows:
                    replacements.extend(_against_warehouse_sql(ld, t, files, replace))

            # 5. Write.
            step("Ghi vào kho dữ liệu", 0.8)
            now = dt.datetime.now()
            counts = _rows_per_load(ld)
            for f in files:
                f.rows_loaded = sum(int((fr["_file"] == id(f)).sum()) for fr in frames.values() if fr is not None) \
                    + counts.get(f.load_id, 0)
            _drop_unchanged(ld, files, frames, replacements)
            _resolve_raws(ld, files)
            if not any(f.rows_loaded for f in files if not f.unchanged_load):
                raise NothingToWrite
            _write(ld, files, frames, replacements, now, note)
            if with_preview:
                preview = _preview(ld, files, frames)
            published = not dry_run
    except NothingToWrite:
        published = False
    except warehouse.WarehouseBusy as exc:
        for f in files:
            f.error = f.error or str(exc)
    step("Xong", 1.0)
    if dry_run:
        for f in files:
            f.load_id = None
    return LoadResult(files, published, live, created if published or dry_run else [], preview)


class _LazyRegistry:
    """The warehouse's units as a Registry, built only when Python needs it (a code not found by SQL, a units file,
    a message about a unit). A national year of ratings whose codes all exist never builds it."""

    def __init__(self, con):
        self._con, self._reg = con, None

    @property
    def built(self) -> bool:
        return self._reg is not None

    def __getattr__(self, name):
        if self._reg is None:
            self._reg = _registry(self._con)
        return getattr(self._reg, name)


CHUNK_ROWS = 8_000_000      # rows checked by one statement: memory stays bounded, maps are rebuilt per chunk


def _chunks(sources: list[Source]) -> list[list[Source]]:
    """Consecutive sources of one shape, about CHUNK_ROWS rows at a time (a national year is one chunk)."""
    out: list[list[Source]] = [[]]
    n = 0
    for s in sources:
        if out[-1] and n + s.nrows > CHUNK_ROWS:
            out.append([])
            n = 0
        out[-1].append(s)
        n += s.nrows
    return out


def _register_units(ld: _Load, f: FileResult, good: pd.DataFrame, sheet, checked) -> None:
    """As for a block: the block's codes restart their versions, then each version is added by first year."""
    reg = ld.reg
    reset, add = reg.reset, reg.add      # (bound once: each attribute of the lazy registry is a lookup through it)
    for code in set(good["unit_code"]):
        reset(code)
    keys = ld.name_keys          # a name's search key is computed once per load (27 thousand for 480 thousand rows)
    g = good.sort_values("first_year", na_position="first")
    for code, name, parent, level, first, last in zip(g["unit_code"], g["name"], g["parent_code"], g["tree_level"],
                                                      g["first_year"], g["last_year"]):
        key = keys.get(name)
        if key is None:
            key = keys[name] = nz.search_key(name)
        add(code, name, key=key, parent_code=parent, tree_level=level, first_year=first, last_year=last)
    ld.reg_version += 1
    checked["units"].append((f, Checked("units", good, pd.DataFrame()), sheet))


def _insert_rowpath(ld: _Load, f: FileResult, ch, sheet, block: int) -> None:
    """Good rows of a block check_block checked (an Excel sheet …): into the warehouse table like a source's rows."""
    target = ch.kind
    g = ch.good
    ld.blocks[(f.load_id, sheet)] = block
    if not len(g):
        return
    con = ld.con
    cols = rules.COLUMNS[target]
    data = g[cols].copy()
    data["load_id"] = f.load_id
    data["source_sheet"] = sheet
    data["source_row"] = g["_row"].astype(int)
    data = data.astype(object).where(data.notna(), None)
    con.register("_fast_rowpath", data)
    try:
        con.execute(f"INSERT INTO {target} ({', '.join(cols)}, load_id, source_sheet, source_row) "
                    f"SELECT {', '.join(cols)}, load_id, source_sheet, source_row FROM _fast_rowpath")
    finally:
        con.unregister("_fast_rowpath")
    ld.new_rows.add(target)
    for row, raw in zip(g["_row"], g["_raw"]):
        ld.raw_of[(f.load_id, sheet, int(row))] = raw
    if target == "member_ratings":
        ids = pd.DataFrame({"load_id": f.load_id, "source_sheet": sheet, "source_row": g["_row"].astype(int),
                            "member_code": g["member_code"], "full_name": g["full_name"]})
        ids = ids.astype(object).where(ids.notna(), None)
        con.register("_fast_ids", ids)
        try:
            if not ld.rowpath_ids:
                con.execute("CREATE OR REPLACE TEMP TABLE _fast_rowpath_ids (load_id INTEGER, source_sheet VARCHAR, "
                            "source_row INTEGER, member_code VARCHAR, full_name VARCHAR)")
                ld.rowpath_ids = True
            con.execute("INSERT INTO _fast_rowpath_ids SELECT * FROM _fast_ids")
        finally:
            con.unregister("_fast_ids")


# ───────────────────────────── tree checks, narrowed to the rows that can fail ─────────────────────────────

def _check_tree(ld: _Load, checked) -> None:
    """Unit versions that overlap or orphan ratings, and lineage events the tree over time contradicts
    (etl/tree_checks.py), its per-row Python loops run only on the rows that can fail."""
    con, reg = ld.con, ld.reg

    def apply(items, check) -> None:
        for f, ch, sheet in items:
            bad = {}
            for i, column, reason in check(ch.good):
                bad.setdefault(i, (column, reason))
            for i, (column, reason) in bad.items():
                r = ch.good.loc[i]
                f.rejects.append(Reject(f.name, sheet, int(r["_row"]), column, "", reason, r["_raw"]))
            ch.good.drop(index=list(bad), inplace=True)

    def overlapping(g: pd.DataFrame):       # only codes with two versions whose years meet can clash
        multi = g[g["unit_code"].duplicated(keep=False)]
        if not len(multi):
            return []
        span = pd.DataFrame({"code": multi["unit_code"].to_numpy(),
                             "lo": [-1 if v is None else int(v) for v in multi["first_year"]],
                             "hi": [10**4 if v is None else int(v) for v in multi["last_year"]],
                             "i": range(len(multi))})
        pairs = span.merge(span, on="code")
        clash = pairs[(pairs["i_x"] < pairs["i_y"]) & (pairs["lo_x"] <= pairs["hi_y"]) & (pairs["lo_y"] <= pairs["hi_x"])]
        codes = set(clash["code"])
        return tree_checks.overlapping_versions(multi[multi["unit_code"].isin(codes)]) if codes else []
    apply(checked["units"], overlapping)
    codes = sorted({c for _, ch, _ in checked["units"] for c in ch.good["unit_code"]})
    if codes:
        # ratings already in the warehouse (rows of this load are in the tables too: left out by load id)
        sql = " UNION ".join(f"SELECT DISTINCT {c} AS unit_code, year FROM {t} WHERE load_id < {ld.first_id}"
                             for t, c in (("member_ratings", "chi_bo_code"), ("collective_ratings", "unit_code"),
                                          ("aggregate_counts", "unit_code")))
        con.register("_fast_unit_codes", pa.table({"code": pa.array(codes, pa.string())}))
        try:
            rating_years = con.execute(f"SELECT * FROM ({sql}) WHERE unit_code IN "
                                       "(SELECT code FROM _fast_unit_codes)").df()
        finally:
            con.unregister("_fast_unit_codes")

        def orphaned(g: pd.DataFrame):       # only codes that have ratings can lose them
            if rating_years.empty:
                return []
            sub = g[g["unit_code"].isin(set(rating_years["unit_code"]))]
            return tree_checks.orphaned_ratings(sub, rating_years, reg) if len(sub) else []
        apply(checked["units"], orphaned)
    existing = con.execute("SELECT year, old_code, new_code, event FROM lineage_events").df()
    apply(checked["lineage"], lambda g: tree_checks.lineage_problems(g, existing, reg))


# ───────────────────────────── rules across rows, in SQL first ─────────────────────────────

def _pos_sql(ld: _Load, alias: str = "") -> str:
    """Order of rows as the rules across rows see them: file (load id), block, row."""
    a = f"{alias}." if alias else ""
    multi = {k: v for k, v in ld.blocks.items() if v}
    if not multi:
        return f"({a}load_id::BIGINT << 40) + {a}source_row"
    case = "CASE " + " ".join(f"WHEN {a}load_id = {lid} AND {a}source_sheet = '{_lit(sh)}' THEN {b}"
                              for (lid, sh), b in multi.items()) + " ELSE 0 END"
    return f"({a}load_id::BIGINT << 40) + (({case})::BIGINT << 32) + {a}source_row"


def _subset_items(ld: _Load, target: str, rows: pd.DataFrame) -> list:
    """(file, Checked, sheet) items in reading order, for load_rules.batch_rules on a few rows."""
    by_load = {f.load_id: f for f in ld.files if f.load_id is not None}
    items = []
    rows = rows.copy()
    rows["_raw"] = [ld.raw_of.get((lid, sh, int(r))) if (lid, sh, int(r)) in ld.raw_of else
                    _Lazy(ld.src_of_load[lid].idx, int(r))
                    for lid, sh, r in zip(rows["load_id"], rows["source_sheet"], rows["source_row"])]
    rows["_row"] = rows["source_row"]
    if target == "member_ratings":
        rows["member_code"] = _member_codes(ld, rows)
    for (lid, sheet), g in rows.groupby(["load_id", "source_sheet"], dropna=False, sort=False):
        sheet = None if pd.isna(sheet) else sheet
        items.append((ld.blocks.get((lid, sheet), 0), lid, by_load[lid], g, sheet))
    items.sort(key=lambda x: (x[1], x[0]))
    return [(f, Checked(target, g.drop(columns=["load_id", "source_sheet", "source_row"]), pd.DataFrame()), sheet)
            for _, _, f, g, sheet in items]


def _member_codes(ld: _Load, rows: pd.DataFrame) -> list:
    """member_code (clean text) of some member rows, from their source cells or a block's frame."""
    out = []
    cache: dict[int, dict] = {}
    for lid, sh, r in zip(rows["load_id"], rows["source_sheet"], rows["source_row"]):
        sh = None if pd.isna(sh) else sh
        if (lid, sh, int(r)) in ld.raw_of:
            got = ld.con.execute("SELECT member_code FROM _fast_rowpath_ids WHERE load_id = ? AND "
                                 "source_sheet IS NOT DISTINCT FROM ? AND source_row = ?", [lid, sh, int(r)]).fetchall()
            out.append(got[0][0] if got else None)
            continue
        src = ld.src_of_load[lid]
        if src.idx not in cache:
            wanted_rows = [int(x) for l2, x in zip(rows["load_id"], rows["source_row"]) if l2 == lid]
            cache[src.idx] = raw_rows(ld.con, src, wanted_rows)
        cells = cache[src.idx].get(int(r))
        v = cells[src.fields["member_code"]] if cells is not None and "member_code" in src.fields else None
        out.append(None if nz.is_blank(v) else nz.clean_text(v))
    return out


def _table_cols(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _batch_rules_sql(ld: _Load, target: str) -> None:
    """Duplicate keys inside the load (and a member in two chi bộ): found per year in SQL, judged by the loader."""
    con = ld.con
    spec = rules.TARGETS[target]
    key = spec["key"]
    new = f"load_id >= {ld.first_id}"
    years = [r[0] for r in con.execute(f"SELECT DISTINCT year FROM {target} WHERE {new} ORDER BY 1").fetchall()]
    con.execute(f"CREATE OR REPLACE TEMP TABLE _fast_dupkeys AS SELECT {', '.join(key)} FROM {target} "
                "WHERE false")
    if target == "member_ratings" and _member_keys(ld) == 0:
        years = []      # no member has two rows of one year: nothing to group year by year
    for y in years:
        # A year whose keys all hash differently has no duplicate (equal keys hash equally): counting distinct
        # 64-bit hashes is cheaper than grouping the keys themselves, which is done only when two hashes meet.
        n, distinct = con.execute(f"SELECT count(*), count(DISTINCT hash({', '.join(key)})) FROM {target} "
                                  f"WHERE {new} AND year = ?", [y]).fetchall()[0]
        if n == distinct:
            continue
        con.execute(f"INSERT INTO _fast_dupkeys SELECT {', '.join(key)} FROM {target} WHERE {new} AND year = ? "
                    f"GROUP BY ALL HAVING count(*) > 1", [y])
    if not con.execute("SELECT count(*) FROM _fast_dupkeys").fetchall()[0][0]:
        return
    cols = [c for c in _table_cols(con, target)]
    on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM d.{k}" for k in key)
    rows = con.execute(f"SELECT t.rowid AS _rowid, t.* FROM {target} t SEMI JOIN _fast_dupkeys d ON {on} "
                       f"WHERE t.{new} ORDER BY {_pos_sql(ld, 't')}").df()
    rows = rows.astype(object).where(rows.notna(), None)
    items = _subset_items(ld, target, rows[["_rowid", *cols]])
    kept = rules.batch_rules(target, items)
    dropped = set(rows["_rowid"]) - set(kept["_rowid"])
    _delete_rowids(con, target, dropped)


def _member_keys(ld: _Load) -> int:
    """One grouping of the load's member rows by key (temp table _fast_keys): the last row of each member, which
    _identities reuses while no row was taken away since, and the sum of 2^(year mod 62) over its rows: n distinct
    powers of two add up to n set bits, and a repeated one carries, leaving fewer. Returns the number of members
    with fewer bits than rows (two rows of one year, or two years 62 apart): only then are the years grouped one by
    one (0.6 s each nationally). Grouped in two halves of the keys: six million groups at once spilled to disk
    under the load's memory limit (9 s instead of 5)."""
    con = ld.con
    con.execute("CREATE OR REPLACE TEMP TABLE _fast_keys (member_key VARCHAR, pos BIGINT, n BIGINT, years HUGEINT)")
    # (_pos_sql is an expression the code builds from load ids and escaped sheet names; values are bound)
    grouping = f"""INSERT INTO _fast_keys
        SELECT member_key, max({_pos_sql(ld)}), count(*), sum(1::BIGINT << (year % 62)::INTEGER)
        FROM member_ratings WHERE load_id >= $first AND hash(member_key) % 2 = $half
        GROUP BY member_key"""
    for half in (0, 1):
        con.execute(grouping, {"first": ld.first_id, "half": half})
    n, rows, suspect = con.execute("SELECT count(*), sum(n), count(*) FILTER (n <> bit_count(years)) "
                                   "FROM _fast_keys").fetchall()[0]
    ld.keys_rows = int(rows or 0)
    phases.mark(f"  member keys grouped: {n:,} members")
    return int(suspect)


def _delete_rowids(con, table: str, rowids) -> None:
    if not rowids:
        return
    t = pa.table({"r": pa.array(sorted(int(x) for x in rowids), pa.int64())})
    con.register("_fast_del", t)
    try:
        con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT r FROM _fast_del)")
    finally:
        con.unregister("_fast_del")


def _against_warehouse_sql(ld: _Load, target: str, files, replace: bool) -> list:
    """Conflicts with rows already in the warehouse, and replacement of earlier versions of the same file, judged on
    the rows whose scope the warehouse already holds (found in SQL)."""
    con = ld.con
    spec = rules.TARGETS[target]
    table = rules.TABLE.get(target, target)
    scope = spec["scope"]
    new, old_cond = f"load_id >= {ld.first_id}", f"load_id < {ld.first_id}"
    years = [r[0] for r in con.execute(f"SELECT DISTINCT year FROM {table} WHERE {new}").fetchall()]
    if not years or not con.execute(f"SELECT count(*) FROM {table} WHERE {old_cond} AND year IN "
                                    f"({', '.join(str(int(y)) for y in years)})").fetchall()[0][0]:
        return []
    owners = {id(f): f for f in files}
    by_load = {f.load_id: f for f in files if f.load_id is not None}
    replacements = []
    content = spec["content"] + (["member_key"] if target == "member_ratings" else []) + \
        (["text_norm"] if target in ("shortcomings", "review_suggestions") else [])
    sk = ", ".join(scope)
    on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM o.{k}" for k in scope)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _fast_overlap AS
        SELECT DISTINCT {sk} FROM {table} WHERE {new}
        INTERSECT SELECT DISTINCT {sk} FROM {table} WHERE {old_cond}""")
    cols = _table_cols(con, table)
    drop: set[int] = set()
    frame = None
    if con.execute("SELECT count(*) FROM _fast_overlap").fetchall()[0][0]:
        old = con.execute(f"SELECT t.*, l.file_name AS _old_file FROM {table} t JOIN loads l USING (load_id) "
                          f"SEMI JOIN _fast_overlap o ON {on} WHERE t.{old_cond}").df()
        frame = con.execute(f"SELECT t.rowid AS _rowid, t.* FROM {table} t SEMI JOIN _fast_overlap o ON {on} "
                            f"WHERE t.{new} ORDER BY {_pos_sql(ld, 't')}").df()
        frame = frame.astype(object).where(frame.notna(), None)
        items = _subset_items(ld, target, frame[["_rowid", *cols]])
        parts = []
        for f, ch, sheet in items:
            g = ch.good.copy()
            g["_file"], g["_fname"], g["_sheet"] = id(f), f.name, sheet
            parts.append(g)
        frame = pd.concat(parts, ignore_index=True)
        ex_groups = {k if isinstance(k, tuple) else (k,): g for k, g in old.groupby(scope)}
        for k, grp in frame.groupby(scope):
            k = k if isinstance(k, tuple) else (k,)
            o = ex_groups.get(k)
            if o is None:
                continue
            f = owners[grp["_file"].iloc[0]]
            old_files = set(o["_old_file"])
            same_data = rules.fingerprint(grp, content) == rules.fingerprint(o, content)
            if same_data or replace or old_files == {f.name}:
                for old_load, n in o.groupby("load_id").size().items():
                    replacements.append((f, int(old_load), table, dict(zip(scope, k)), int(n)))
                continue
            old_ids = ", ".join(f"#{i}" for i in sorted(set(o["load_id"])))
            desc = ", ".join(f"{c}={v}" for c, v in zip(scope, k))
            for i in grp.index:
                r = frame.loc[i]
                f.rejects.append(Reject(
                    r["_fname"], r["_sheet"], int(r["_row"]), "", "",
                    f"kho đã có số liệu khác cho {desc} từ tệp {', '.join(sorted(old_files))} (lần nạp {old_ids}). "
                    "Nếu tệp này là bản sửa, nạp lại với tùy chọn thay thế (--replace)", r["_raw"]))
                drop.add(int(r["_rowid"]))
    if target == "member_ratings":
        rep = pa.table({"c": pa.array([r[3]["chi_bo_code"] for r in replacements], pa.string()),
                        "y": pa.array([int(r[3]["year"]) for r in replacements], pa.int32())})
        con.register("_fast_rep", rep)
        try:
            merged = con.execute(f"""
                SELECT n.rowid AS _rowid, n.load_id, n.source_sheet, n.source_row, n.year, n.member_key,
                       n.chi_bo_code, o.chi_bo_code AS chi_bo_code_old
                FROM {table} n JOIN {table} o ON o.year = n.year AND o.member_key = n.member_key
                WHERE n.{new} AND o.{old_cond} AND n.chi_bo_code <> o.chi_bo_code
                  AND NOT EXISTS (SELECT 1 FROM _fast_rep r WHERE r.c = o.chi_bo_code AND r.y = o.year)
                ORDER BY {_pos_sql(ld, 'n')}, o.rowid""").df()
        finally:
            con.unregister("_fast_rep")
        if len(merged):
            merged = merged.astype(object).where(merged.notna(), None)
            merged["member_code"] = _member_codes(ld, merged)
            for r in merged.to_dict("records"):
                if int(r["_rowid"]) in drop:
                    continue
                f = by_load[r["load_id"]]
                sheet = r["source_sheet"]
                raw = ld.raw_of.get((r["load_id"], sheet, int(r["source_row"])),
                                    None) if (r["load_id"], sheet, int(r["source_row"])) in ld.raw_of \
                    else _Lazy(ld.src_of_load[r["load_id"]].idx, int(r["source_row"]))
                f.rejects.append(Reject(
                    f.name, sheet, int(r["source_row"]), "Mã chi bộ", r["chi_bo_code"],
                    f"đảng viên {r['member_code']} đã có trong kho ở chi bộ {r['chi_bo_code_old']} năm {r['year']} — "
                    "một đảng viên chỉ thuộc một chi bộ trong một năm", raw))
                drop.add(int(r["_rowid"]))
    _delete_rowids(con, table, drop)
    return replacements


def _rows_per_load(ld: _Load) -> dict[int, int]:
    counts: dict[int, int] = {}
    for t in RATING_TARGETS:
        if t in ld.new_rows:
            for lid, n in ld.con.execute(f"SELECT load_id, count(*) FROM {t} WHERE load_id >= ? GROUP BY 1",
                                         [ld.first_id]).fetchall():
                counts[lid] = counts.get(lid, 0) + n
    return counts


def _drop_unchanged(ld: _Load, files, frames, replacements) -> None:
    """A file loaded before that gives the same result again (same rows loaded and rejected) changes nothing: the
    rows it put in the tables are taken out again. Its rows are the same because a file's rows are either loaded or
    rejected; files loaded before with some rows rejected are re-checked, since a unit registered since then can
    turn a rejected row into a loadable one."""
    for f in files:
        if not f.previous or f.rows_rejected != f.previous[1]:
            continue
        lid = f.load_id
        f.unchanged_load = f.previous[0]
        f.rows_read = f.rows_loaded = 0
        f.rejects.clear()
        f.load_id = None
        for t, fr in frames.items():
            if fr is not None:
                frames[t] = fr[fr["_file"] != id(f)]
        replacements[:] = [r for r in replacements if r[0] is not f]
        for t in RATING_TARGETS:
            if t in ld.new_rows:
                ld.con.execute(f"DELETE FROM {t} WHERE load_id = ?", [lid])
        if ld.rowpath_ids:
            ld.con.execute("DELETE FROM _fast_rowpath_ids WHERE load_id = ?", [lid])


def _write(ld: _Load, files, frames, replacements, now, note) -> None:
    con = ld.con
    # Replaced scopes (rows of earlier loads), in one statement per table.
    by_table: dict[str, list] = {}
    for f, old_load, table, scope, n in replacements:
        by_table.setdefault(table, []).append((old_load, scope))
        f.replaced.append((old_load, table, n))
    for table, reps in by_table.items():
        scope_cols = rules.TARGETS[next(t for t in rules.TARGETS if rules.TABLE.get(t, t) == table)]["scope"]
        data = {"load_id": [r[0] for r in reps]}
        for c in scope_cols:
            data[c] = [r[1][c] for r in reps]
        con.register("_fast_reps", pd.DataFrame(data).astype(object))
        try:
            on = " AND ".join(f"t.{c} IS NOT DISTINCT FROM r.{c}" for c in ["load_id", *scope_cols])
            con.execute(f"DELETE FROM {table} t USING _fast_reps r WHERE {on}")
        finally:
            con.unregister("_fast_reps")
    by_file = {id(f): f for f in files}
    for target in ("units", "lineage"):
        frame = frames.get(target)
        if frame is None or not len(frame):
            continue
        frame = frame.copy()
        frame["load_id"] = frame["_file"].map(lambda i: by_file[i].load_id)
        frame["source_sheet"] = frame["_sheet"]
        frame["source_row"] = frame["_row"].astype(int)
        if target == "units":
            keys = ld.name_keys
            frame["name_key"] = [keys.setdefault(n, nz.search_key(n)) if n not in keys else keys[n]
                                 for n in frame["name"]]
            con.register("frame", frame[["unit_code"]])
            try:
                con.execute("DELETE FROM unit_versions WHERE unit_code IN (SELECT unit_code FROM frame)")
            finally:
                con.unregister("frame")
        if target == "lineage":
            con.register("frame", frame[["year", "old_code", "new_code"]])
            try:
                con.execute("DELETE FROM lineage_events WHERE (year, old_code, new_code) IN "
                            "(SELECT (year, old_code, new_code) FROM frame)")
            finally:
                con.unregister("frame")
        cols = rules.COLUMNS[target] + ["load_id", "source_sheet", "source_row"]
        data = frame[cols].astype(object).where(frame[cols].notna(), None)
        con.register("data", data)
        try:
            con.execute(rules.INSERT_SQL[target])
        finally:
            con.unregister("data")
    if "member_ratings" in ld.new_rows:
        _identities(ld)
        phases.mark('member identities')
    for f in files:
        if f.load_id is None:
            continue
        con.execute("INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [f.load_id, f.name, str(f.path.resolve()), f.checksum, ", ".join(dict.fromkeys(f.layouts)) or None,
                     now, dt.datetime.now(), f.rows_read, f.rows_loaded, f.rows_rejected, "hieu_luc", note])
    rej = [(f.load_id, r.file, r.sheet, r.row, r.column, r.value, r.reason,
            json.dumps(r.raw, ensure_ascii=False, default=str) if r.raw else None)
           for f in files if f.load_id is not None for r in f.rejects]
    if rej:
        df = pd.DataFrame(rej, columns=["load_id", "file_name", "sheet", "row_no", "column_name", "value", "reason",
                                        "raw"]).astype(object)
        con.register("_fast_rej", df)
        try:
            con.execute("INSERT INTO rejected_rows SELECT * FROM _fast_rej")
        finally:
            con.unregister("_fast_rej")
    for f, old_load, table, scope, n in replacements:
        con.execute("INSERT INTO load_replacements VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [f.load_id, old_load, table, scope.get("unit_code") or scope.get("chi_bo_code"),
                     scope.get("year"), scope.get("subject"), n])
    rules.refresh_statuses(con)
    # Tell rebuild_derived what changed, so that it recomputes only that (same result as a full rebuild).
    # (every table with a year counts: the audits of derive/audits.py read aggregates and shortcomings too)
    years = set()
    for t in ("member_ratings", "collective_ratings", "aggregate_counts", "shortcomings", "review_suggestions"):
        if t in ld.new_rows:
            years |= {r[0] for r in con.execute(f"SELECT DISTINCT year FROM {t} WHERE load_id >= ?",
                                                [ld.first_id]).fetchall()}
    years |= {int(r[3]["year"]) for r in replacements if r[3].get("year") is not None}
    units_changed = ld.top_unit_created or bool(frames.get("units") is not None and len(frames["units"]))
    con.execute("CREATE OR REPLACE TEMP TABLE derived_hint AS SELECT $u AS units_changed, $y::INTEGER[] AS years",
                {"u": units_changed, "y": sorted(years)})
    for s in ld.sources.values():
        if s.table:
            con.execute(f"DROP TABLE IF EXISTS {s.table}")
    ld.maps.drop()


PREVIEW_EXTRA = {"member_ratings": ["member_code", "full_name"]}   # shown to the operator who holds the file


def _preview(ld: _Load, files, frames) -> dict[str, pd.DataFrame]:
    """What the load writes, per target: the warehouse columns, with the file, sheet and row each row came from
    (a member's code and name as the load stored them; never the member key)."""
    out = {}
    for t in rules.ORDER:
        cols = [c for c in rules.COLUMNS[t] if c not in ("member_key", "name_key")]
        if t in ("units", "lineage"):
            fr = frames.get(t)
            if fr is None or not len(fr):
                continue
            view = fr[["_fname", "_sheet", "_row", *[c for c in cols if c in fr.columns]]].rename(
                columns={"_fname": "file", "_sheet": "sheet", "_row": "row"})
        elif t in ld.new_rows:
            ids = [f.load_id for f in files if f.load_id is not None]
            if not ids:
                continue
            extra = ", i.member_code, i.full_name" if t == "member_ratings" else ""
            join = " LEFT JOIN member_identities i USING (member_key)" if t == "member_ratings" else ""
            view = ld.con.execute(
                f"SELECT l.file_name AS file, t.source_sheet AS sheet, t.source_row AS row, "
                f"{', '.join('t.' + c for c in cols)}{extra} FROM {t} t JOIN loads l USING (load_id){join} "
                "WHERE t.load_id IN (SELECT unnest($ids)) ORDER BY t.load_id, t.rowid", {"ids": ids}).df()
        else:
            continue
        if len(view):
            out[t] = view.reset_index(drop=True)
    return out


def _resolve_raws(ld: _Load, files) -> None:
    """Read back the whole row of every reject that came from a fast source."""
    want: dict[int, set[int]] = {}
    for f in files:
        for r in f.rejects:
            if isinstance(r.raw, _Lazy):
                want.setdefault(r.raw.src, set()).add(r.raw.row)
    got = {i: raw_rows(ld.con, ld.sources[i], sorted(rows)) for i, rows in want.items()}
    for f in files:
        for r in f.rejects:
            if isinstance(r.raw, _Lazy):
                cells = got[r.raw.src].get(r.raw.row)
                r.raw = raw_dict(ld.sources[r.raw.src].header, cells) if cells is not None else None


def _identities(ld: _Load) -> None:
    """member_identities: for each member key, the code and name of its last row in the load (as
    drop_duplicates(keep='last') of the rows in reading order). The last row is found as the greatest position; code and name are then read back
    from the sources for those rows only and normalized like check_block does."""
    con = ld.con
    rows = con.execute("SELECT count(*) FROM member_ratings WHERE load_id >= ?", [ld.first_id]).fetchall()[0][0]
    if ld.keys_rows == rows:      # no row taken away since _member_keys (nothing adds rows after the checks)
        con.execute("DROP TABLE IF EXISTS _fast_win")
        con.execute("ALTER TABLE _fast_keys RENAME TO _fast_win")      # (its other columns are not read)
    else:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _fast_win AS
            SELECT member_key, max({_pos_sql(ld)}) AS pos FROM member_ratings WHERE load_id >= $first
            GROUP BY member_key""", {"first": ld.first_id})
    con.execute("DROP TABLE IF EXISTS _fast_keys")
    phases.mark("  identities: last rows found")
    con.execute("CREATE OR REPLACE TEMP TABLE _fast_ids (member_key VARCHAR, member_code VARCHAR, full_name VARCHAR, "
                "load_id INTEGER)")
    for ch in ld.member_batches:
        lids = {s.idx: s.f.load_id for s in ch.sources if s.f.load_id is not None}
        if not lids:
            continue
        case = _load_id_of_src(lids, "s._src")
        # Only the two columns are read, blank rows included (a winner's row is never blank), and only the
        # winners of this batch's loads are joined.
        rel = _cells_of([s for s in ch.sources if s.idx in lids], ["member_code", "full_name"])
        lo, hi = min(lids.values()) << 40, (max(lids.values()) + 1) << 40
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _fast_wr AS
            SELECT w.member_key, s.f_member_code, s.f_full_name, (w.pos >> 40)::INTEGER AS load_id
            FROM ({rel}) s JOIN (SELECT * FROM _fast_win WHERE pos >= {lo} AND pos < {hi}) w
              ON w.pos = ({case}::BIGINT << 40) + s._row""")
        types = {"member_code": ch.types.get("member_code", "VARCHAR"), "full_name": ch.types.get("full_name",
                                                                                                   "VARCHAR")}
        safe_code = (f"regexp_full_match(f_member_code, '{SAFE_CODE}')" if types["member_code"] == "VARCHAR"
                     else "false")
        mc = ld.maps.build("SELECT * FROM _fast_wr", "f_member_code", types["member_code"],
                           lambda v: _member_code(v, ld.salt)[:1], [("v", "VARCHAR")], "member_code",
                           where=f"({safe_code}) IS NOT TRUE")
        # Names repeat: every distinct name is mapped (those person_name leaves as they are in SQL, v = k), so the
        # test of a name runs once per distinct name instead of twice per row.
        safe_name = (f"({_safe_text('k')} AND regexp_matches(k, '[a-z]'))"
                     if types["full_name"] == "VARCHAR" else None)
        mn = ld.maps.build("SELECT * FROM _fast_wr", "f_full_name", types["full_name"],
                           lambda v: (None if nz.is_blank(v) else nz.person_name(v),), [("v", "VARCHAR")], "person",
                           safe=safe_name, fast={"v": "k"})
        con.execute(f"""INSERT INTO _fast_ids
            SELECT w.member_key, CASE WHEN {safe_code} THEN w.f_member_code ELSE mc.v END, mn.v, w.load_id
            FROM _fast_wr w LEFT JOIN {mc} mc ON mc.k IS NOT DISTINCT FROM w.f_member_code
                            LEFT JOIN {mn} mn ON mn.k IS NOT DISTINCT FROM w.f_full_name""")
        con.execute("DROP TABLE _fast_wr")
        phases.mark("  identities: codes and names read back")
    if ld.rowpath_ids:
        con.execute(f"""INSERT INTO _fast_ids
            SELECT w.member_key, i.member_code, i.full_name, i.load_id
            FROM _fast_win w JOIN (SELECT *, {_pos_sql(ld, 'r')} AS pos FROM _fast_rowpath_ids r) i ON i.pos = w.pos""")
    con.execute("CREATE OR REPLACE TEMP VIEW ids AS SELECT * FROM _fast_ids")
    rules.store_identities(con)
    con.execute("DROP VIEW ids")
    con.execute("DROP TABLE _fast_win")
    con.execute("DROP TABLE _fast_ids")
