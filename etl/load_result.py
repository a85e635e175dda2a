"""What a load tells its caller: per file, the rows read, loaded and rejected (each reject with file, sheet, row,
column, value and a reason a clerk understands), the notes, and the warehouse's load id (etl/loader.py fills it)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl.readers import FileError

@dataclass
class Reject:
    file: str
    sheet: str | None
    row: int
    column: str
    value: str
    reason: str
    raw: dict | None = None

    def place(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"trang '{self.sheet}'")
        if self.row:
            where.append(f"dòng {self.row}")
        if self.column:
            where.append(f"cột '{self.column}'")
        return ", ".join(where)

    def message(self) -> str:
        value = f" = '{self.value}'" if self.value not in ("", None) else ""
        return f"{self.place()}{value}: {self.reason}"


@dataclass
class FileResult:
    path: Path
    checksum: str = ""
    layouts: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    unchanged_load: int | None = None     # already loaded as this load id
    load_id: int | None = None
    replaced: list[tuple[int, str, int]] = field(default_factory=list)   # (old load, table, rows)
    previous: tuple[int, int] | None = None    # (load id, rows rejected) of an earlier load of the same bytes

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def rows_rejected(self) -> int:
        return len(self.rejects)


@dataclass
class LoadResult:
    files: list[FileResult]
    written: bool
    db: Path
    created_units: list[str] = field(default_factory=list)
    preview: dict[str, pd.DataFrame] = field(default_factory=dict)   # target → the rows loaded (or, checking, to load)

    @property
    def exit_code(self) -> int:
        loaded = sum(f.rows_loaded for f in self.files) + sum(1 for f in self.files if f.unchanged_load)
        problems = any(f.error or f.rejects for f in self.files)
        if not problems:
            return 0
        return 1 if loaded else 2

    @property
    def rejects(self) -> list[Reject]:
        return [r for f in self.files for r in f.rejects]


def unreadable(f: FileResult, exc: Exception) -> str:
    """Why a file could not be read, as a clerk reads it."""
    if isinstance(exc, FileError):
        return str(exc)
    return f"Không đọc được tệp {f.name}: {getattr(exc, 'strerror', None) or exc}"


def opened(f: FileResult, load_id: int, skipped: list[str]) -> None:
    """A file that was read: the load it becomes, and the sheets it had without a table."""
    f.load_id = load_id
    for sheet in skipped:
        f.notes.append(f"trang '{sheet}' không có bảng dữ liệu theo mẫu — bỏ qua")


def block_read(f: FileResult, b) -> None:
    """What reading a table tells about its file: its layout (and the form profile that read it), the columns not
    loaded, the profile's warnings, and the rows rejected while reading."""
    f.layouts.append(b.kind)     # the profile's name is in the notes (the import page names layouts by kind)
    if b.unknown_headers:
        what = f"mẫu biểu '{b.profile}'" if b.profile else f"mẫu '{b.kind}'"
        f.notes.append(f"các cột không thuộc {what} không được nạp: " + ", ".join(b.unknown_headers))
    f.notes.extend(b.warnings)
    for row, col, val, reason in b.notes:
        f.rejects.append(Reject(f.name, b.sheet, row, col, val, reason))
        f.rows_read += 1


def file_checksum(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class NothingToWrite(Exception):
    """Raised inside the write block to leave the warehouse untouched."""
