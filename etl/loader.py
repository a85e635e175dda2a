"""The one loader: files → checked rows → one transaction on the warehouse. Used by the command line, the demo and
the import page alike.

Every row read ends up either loaded or rejected with a reason (file, sheet, row, column, value). A file loaded
twice changes nothing (same checksum). A file whose rows cover a unit-year already loaded from a *different* file
with different numbers is a conflict, unless it is a correction — the same file name, or `replace=True` — in which
case it replaces those rows and the load history records which load replaced which.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from etl import normalize as nz
from etl import aliases, tree_checks, warehouse
from etl.readers import FileError, read_blocks
from etl.validate import Checked, Registry, check_block

# Per target table: the key that must be unique, the scope a corrected file replaces, the content compared.
TARGETS = {
    "units": dict(key=["unit_code", "first_year"], scope=None,
                  content=["name", "tree_level", "kind", "parent_code", "first_year", "last_year"]),
    "lineage": dict(key=["year", "old_code", "new_code"], scope=None, content=["event", "share"]),
    "member_ratings": dict(key=["year", "member_key"], scope=["chi_bo_code", "year"],
                           content=["chi_bo_code", "level", "not_rated_reason", "disciplined", "discipline_form",
                                    "is_leader", "led_unit_code", "civil_level", "votes_for", "official_members",
                                    "score"]),
    "collective_ratings": dict(key=["year", "unit_code", "subject"], scope=["unit_code", "year", "subject"],
                               content=["level", "self_level", "score", "disciplined", "exemplary"]),
    "aggregate_counts": dict(key=["year", "unit_code", "subject"], scope=["unit_code", "year", "subject"],
                             content=["htxs", "htt", "ht", "khtnv", "total", "not_rated"]),
    # the split by kind of organization of a central statistics form (etl/profile_indicators.py): replaced with
    # the unit's totals, scope for scope
    "aggregate_counts_by_type": dict(key=["year", "unit_code", "subject", "org_type"],
                                     scope=["unit_code", "year", "subject"],
                                     content=["org_type", "htxs", "htt", "ht", "khtnv", "total", "not_rated",
                                              "exemplary"]),
    "shortcomings": dict(key=["year", "unit_code", "subject", "text_norm"], scope=["unit_code", "year"],
                         content=["category", "remedy_status", "source"]),
    "review_suggestions": dict(key=["year", "unit_code", "text_norm"], scope=["unit_code", "year"], content=[]),
}
# Order matters: units before anything that names them.
ORDER = ["units", "lineage", "member_ratings", "collective_ratings", "aggregate_counts", "aggregate_counts_by_type",
         "shortcomings", "review_suggestions"]

COLUMNS = {  # warehouse columns filled from the checked frame, in table order
    "units": ["unit_code", "name", "name_key", "tree_level", "kind", "parent_code", "first_year", "last_year"],
    "lineage": ["year", "old_code", "new_code", "event", "share"],
    "member_ratings": ["year", "member_key", "chi_bo_code", "level", "not_rated_reason", "label_raw", "disciplined",
                       "discipline_form", "is_leader", "led_unit_code", "civil_level", "votes_for",
                       "official_members", "score"],
    "collective_ratings": ["year", "unit_code", "subject", "self_level", "level", "label_raw", "score",
                           "disciplined", "exemplary"],
    "aggregate_counts": ["year", "unit_code", "subject", "htxs", "htt", "ht", "khtnv", "total", "not_rated"],
    "aggregate_counts_by_type": ["year", "unit_code", "subject", "org_type", "htxs", "htt", "ht", "khtnv", "total",
                                 "not_rated", "exemplary"],
    "shortcomings": ["year", "unit_code", "subject", "text_raw", "text_norm", "category", "remedy_status",
                     "remedy_raw", "source"],
    "review_suggestions": ["year", "unit_code", "text_raw", "text_norm"],
}
TABLE = {"lineage": "lineage_events", "units": "unit_versions"}

# Statements per table, built once from the fixed names above (identifiers only; every value is a bound parameter).
EXISTING_SQL = {TABLE.get(t, t): "SELECT t.*, l.file_name AS _old_file FROM " + TABLE.get(t, t)
                + " t JOIN loads l USING (load_id)" for t in TARGETS}
DELETE_SCOPE_SQL = {TABLE.get(t, t): "DELETE FROM " + TABLE.get(t, t) + " WHERE load_id = ? AND "
                    + " AND ".join(c + " = ?" for c in spec["scope"]) for t, spec in TARGETS.items() if spec["scope"]}
INSERT_SQL = {t: "INSERT INTO " + TABLE.get(t, t) + " (" + ", ".join(cols + ["load_id", "source_sheet", "source_row"])
              + ") SELECT " + ", ".join(cols + ["load_id", "source_sheet", "source_row"]) + " FROM data"
              for t, cols in COLUMNS.items()}


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
    """Why a file could not be read, as a clerk reads it (both loaders)."""
    if isinstance(exc, FileError):
        return str(exc)
    return f"Không đọc được tệp {f.name}: {getattr(exc, 'strerror', None) or exc}"


def opened(f: FileResult, load_id: int, skipped: list[str]) -> None:
    """A file that was read: the load it becomes, and the sheets it had without a table (both loaders)."""
    f.load_id = load_id
    for sheet in skipped:
        f.notes.append(f"trang '{sheet}' không có bảng dữ liệu theo mẫu — bỏ qua")


def block_read(f: FileResult, b) -> None:
    """What reading a table tells about its file: its layout (and the form profile that read it), the columns not
    loaded, the profile's warnings, and the rows rejected while reading (both loaders)."""
    f.layouts.append(b.kind)     # the profile's name is in the notes (the import page names layouts by kind)
    if b.unknown_headers:
        what = f"mẫu biểu '{b.profile}'" if b.profile else f"mẫu '{b.kind}'"
        f.notes.append(f"các cột không thuộc {what} không được nạp: " + ", ".join(b.unknown_headers))
    f.notes.extend(b.warnings)
    for row, col, val, reason in b.notes:
        f.rejects.append(Reject(f.name, b.sheet, row, col, val, reason))
        f.rows_read += 1


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _registry(con) -> Registry:
    reg = Registry()
    for code, name, parent, tree_level, first, last in con.execute(
            "SELECT unit_code, name, parent_code, tree_level, first_year, last_year FROM unit_versions "
            "ORDER BY unit_code, coalesce(first_year, 0)").fetchall():
        reg.add(code, name, parent_code=parent, tree_level=tree_level, first_year=first, last_year=last)
    add_renames(con, reg)
    aliases.add_to_registry(con, reg)      # names a clerk taught (etl/aliases.py)
    return reg


def add_renames(con, reg: Registry) -> None:
    """Renames under a new code: a form that still writes the old name finds the unit of its year
    (etl/unit_names.py; both loaders)."""
    for old, year, new in con.execute("SELECT old_code, year, new_code FROM lineage_events WHERE event = 'doi_ten' "
                                      "AND old_code <> new_code ORDER BY year").fetchall():
        reg.renames.setdefault(old, []).append((year, new))


def _top_unit(con, reg: Registry, name: str, load_id: int) -> tuple[str, bool]:
    """--unit NAME: the unit of that name, or a new top-level unit registered under it."""
    code, err, _ = reg.resolve(None, name)
    if code:
        return code, False
    if err and "nhiều đơn vị" in err:
        raise FileError(err)
    clean = nz.clean_text(name)
    code = "U-" + nz.search_key(clean).upper().replace(" ", "-")
    tree_level, _ = nz.parse_tree_level(" ".join(clean.split()[:2]))
    con.execute("INSERT INTO unit_versions (unit_code, name, name_key, tree_level, parent_code, load_id, source_sheet) "
                "VALUES (?, ?, ?, ?, NULL, ?, '--unit')", [code, clean, nz.search_key(clean), tree_level, load_id])
    reg.add(code, clean, parent_code=None, tree_level=tree_level)
    return code, True


def _fingerprint(frame: pd.DataFrame, cols: list[str]) -> str:
    rows = sorted(json.dumps([None if pd.isna(v) else v for v in r], default=str, ensure_ascii=False)
                  for r in frame[cols].itertuples(index=False))
    return hashlib.md5("\n".join(rows).encode()).hexdigest()


def load_files(paths: list[str | Path], db: str | Path | None = None, *, unit: str | None = None,
               subject: str | None = None, replace: bool = False, dry_run: bool = False,
               progress: Callable[[str, float], None] | None = None, note: str | None = None,
               fast: bool | None = None, with_preview: bool = False, year: int | None = None) -> LoadResult:
    """Load (or with dry_run only check) files. Never raises for bad input: problems are in the result.
    with_preview keeps a copy of the rows written (or, checking, to be written) in result.preview (the import page;
    the fast path does not keep one).

    fast: check template CSV/Parquet tables column-wise in DuckDB (etl/fastload.py: same rules, same rejects, same
    tables). None = when the load is big ($KIEMDIEM_FAST_LOAD=1/0 forces it on/off).
    year (and subject): for forms read through a profile whose title does not say them (etl/profiles.py)."""
    from etl import fastload
    if fastload.wanted(paths, fast):
        return fastload.load_files(paths, db, unit=unit, subject=subject, replace=replace, dry_run=dry_run,
                                   progress=progress, note=note, year=year)
    files = [FileResult(Path(p)) for p in paths]
    subject_code = None
    if subject:
        subject_code, err = nz.parse_subject(subject)
        if err:
            for f in files:
                f.error = err
            return LoadResult(files, False, warehouse.db_path(db))
    live = warehouse.ensure(db) if not dry_run else warehouse.db_path(db)
    created: list[str] = []
    preview: dict[str, pd.DataFrame] = {}
    published = False

    def step(msg: str, frac: float) -> None:
        if progress:
            progress(msg, frac)

    try:
        with warehouse.writing(live, publish=not dry_run) as con:
            salt = con.execute("SELECT value FROM meta WHERE key = 'member_key_salt'").fetchone()[0]
            reg = _registry(con)
            next_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()[0]
            # 1. Read every file; skip those already loaded.
            blocks_by_file = []
            for i, f in enumerate(files):
                step(f"Đọc {f.name}", 0.05 + 0.25 * i / max(len(files), 1))
                try:
                    if not f.path.is_file():
                        raise FileError(f"Không tìm thấy tệp {f.path}")
                    f.checksum = _sha256(f.path)
                    same = con.execute("SELECT load_id, rows_rejected FROM loads WHERE checksum = ? AND "
                                       "status = 'hieu_luc' AND rows_loaded > 0 ORDER BY load_id DESC LIMIT 1",
                                       [f.checksum]).fetchall()
                    if same:
                        f.previous = same[0]
                        if same[0][1] == 0:      # loaded whole before: nothing can come out differently
                            f.unchanged_load = same[0][0]
                            blocks_by_file.append([])
                            continue
                    blocks, skipped = read_blocks(f.path, year=year, subject=subject_code)
                except (FileError, OSError) as exc:
                    f.error = unreadable(f, exc)
                    blocks_by_file.append([])
                    continue
                opened(f, next_id, skipped)
                next_id += 1
                for b in blocks:
                    block_read(f, b)
                blocks_by_file.append(blocks)

            # --unit names the unit of report tables; registered as a top-level unit when unknown.
            unit_code = None
            needs_unit = any(b.kind == "report_table" or b.unit_from_option for bl in blocks_by_file for b in bl)
            if unit and needs_unit:
                first = next(f for f, bl in zip(files, blocks_by_file) if bl)
                unit_code, was_created = _top_unit(con, reg, unit, first.load_id)
                if was_created:
                    created.append(f"{unit_code} ({nz.clean_text(unit)})")

            # 2. Check rows, units first so that later tables can name units registered in the same load.
            step("Kiểm tra dữ liệu", 0.35)
            checked: dict[str, list[tuple[FileResult, Checked, str | None]]] = {t: [] for t in ORDER}
            first_year, last_year = 2010, dt.date.today().year
            for kind_pass in ("units", "other"):
                for f, blocks in zip(files, blocks_by_file):
                    for b in blocks:
                        if (b.kind == "units") != (kind_pass == "units"):
                            continue
                        ch = check_block(b, reg, salt=salt, unit=unit_code, subject=subject_code,
                                         first_year=first_year, last_year=last_year)
                        f.rows_read += len(b.frame)
                        if ch.kind == "units":
                            for code in set(ch.good["unit_code"]):
                                reg.reset(code)
                            for r in ch.good.sort_values("first_year", na_position="first").itertuples():
                                reg.add(r.unit_code, r.name, parent_code=r.parent_code, tree_level=r.tree_level,
                                        first_year=r.first_year, last_year=r.last_year)
                        checked[ch.kind].append((f, ch, b.sheet))
                        for r in ch.bad.itertuples():
                            f.rejects.append(Reject(f.name, b.sheet, int(r._1), r._2, r._3, r._4, r._5))
            _check_parents(checked["units"], reg)
            _check_tree(con, checked, reg)

            # 3. Within the load: duplicates and contradictions between rows and files.
            step("Đối chiếu trùng lặp", 0.55)
            frames = {t: _batch_rules(t, checked[t]) for t in ORDER}
            # 4. Against the warehouse: conflicts, or replacement of rows from an earlier version of the file.
            step("Đối chiếu với kho dữ liệu", 0.65)
            replacements = []
            for t in ORDER:
                if frames[t] is not None and len(frames[t]):
                    frames[t], reps = _against_warehouse(con, t, frames[t], files, replace)
                    replacements.extend(reps)

            # 5. Write.
            step("Ghi vào kho dữ liệu", 0.8)
            now = dt.datetime.now()
            for f in files:
                f.rows_loaded = sum(int((fr["_file"] == id(f)).sum()) for fr in frames.values() if fr is not None)
            _drop_unchanged(files, frames, replacements)
            preview = _preview(frames) if with_preview else {}
            if not any(f.rows_loaded for f in files if not f.unchanged_load):
                raise _NothingToWrite
            _write(con, files, frames, replacements, salt, now, note)
            published = not dry_run
    except _NothingToWrite:
        published = False
    except warehouse.WarehouseBusy as exc:
        for f in files:
            f.error = f.error or str(exc)
    step("Xong", 1.0)
    if dry_run:
        for f in files:
            f.load_id = None
    return LoadResult(files, published, live, created if published or dry_run else [], preview)


PREVIEW_EXTRA = {"member_ratings": ["member_code", "full_name"]}   # shown to the operator who holds the file


def _preview(frames: dict[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame]:
    """What the load writes, per target: the warehouse columns, with the file, sheet and row each row came from."""
    out = {}
    for t, fr in frames.items():
        if fr is None or not len(fr):
            continue
        cols = [c for c in COLUMNS[t] + PREVIEW_EXTRA.get(t, []) if c in fr.columns and c != "member_key"]
        view = fr[["_fname", "_sheet", "_row", *cols]].rename(
            columns={"_fname": "file", "_sheet": "sheet", "_row": "row"})
        out[t] = view.reset_index(drop=True)
    return out


def _drop_unchanged(files, frames, replacements) -> None:
    """A file loaded before that gives the same result again (same rows loaded and rejected) changes nothing.

    Its rows are the same because a file's rows are either loaded or rejected: equal reject counts mean the same
    rows loaded. Files loaded before with some rows rejected are re-checked, since a unit registered since then can
    turn a rejected row into a loadable one.
    """
    for f in files:
        if not f.previous or f.rows_rejected != f.previous[1]:
            continue
        f.unchanged_load = f.previous[0]
        f.rows_read = f.rows_loaded = 0
        f.rejects.clear()
        f.load_id = None
        for t, fr in frames.items():
            if fr is not None:
                frames[t] = fr[fr["_file"] != id(f)]
        replacements[:] = [r for r in replacements if r[0] is not f]


class _NothingToWrite(Exception):
    """Raised inside the write block to leave the warehouse untouched."""


def _check_parents(units_checked, reg: Registry) -> None:
    for f, ch, sheet in units_checked:
        bad = [i for i, p in zip(ch.good.index, ch.good["parent_code"]) if p and p not in reg.units]
        for i in bad:
            r = ch.good.loc[i]
            f.rejects.append(Reject(f.name, sheet, int(r["_row"]), "Mã đơn vị cấp trên", r["parent_code"],
                                    f"không có đơn vị cấp trên mã '{r['parent_code']}' trong danh mục", r["_raw"]))
        ch.good.drop(index=bad, inplace=True)


def _check_tree(con, checked, reg: Registry) -> None:
    """Unit versions that overlap or orphan ratings, and lineage events that the tree over time contradicts."""
    def apply(items, check) -> None:
        for f, ch, sheet in items:
            bad = {}
            for i, column, reason in check(ch.good):
                bad.setdefault(i, (column, reason))
            for i, (column, reason) in bad.items():
                r = ch.good.loc[i]
                f.rejects.append(Reject(f.name, sheet, int(r["_row"]), column, "", reason, r["_raw"]))
            ch.good.drop(index=list(bad), inplace=True)

    apply(checked["units"], tree_checks.overlapping_versions)
    rating_years = con.execute(RATING_YEARS_SQL).df()
    apply(checked["units"], lambda g: tree_checks.orphaned_ratings(g, rating_years, reg))
    existing = con.execute("SELECT year, old_code, new_code, event FROM lineage_events").df()
    apply(checked["lineage"], lambda g: tree_checks.lineage_problems(g, existing, reg))


RATING_YEARS_SQL = """
    SELECT DISTINCT chi_bo_code AS unit_code, year FROM member_ratings
    UNION SELECT DISTINCT unit_code, year FROM collective_ratings
    UNION SELECT DISTINCT unit_code, year FROM aggregate_counts
    UNION SELECT DISTINCT unit_code, year FROM aggregate_counts_by_type
"""


def _batch_rules(target: str, items) -> pd.DataFrame | None:
    """Concatenate the checked rows of one target and reject duplicates and contradictions inside the load."""
    if not items:
        return None
    parts = []
    for f, ch, sheet in items:
        g = ch.good.copy()
        g["_file"] = id(f)
        g["_fname"] = f.name
        g["_sheet"] = sheet
        parts.append(g)
    frame = pd.concat(parts, ignore_index=True)
    spec = TARGETS[target]
    owners = {id(f): f for f, _, _ in items}
    drop: set[int] = set()

    def reject(i: int, column: str, reason: str) -> None:
        r = frame.loc[i]
        owners[r["_file"]].rejects.append(Reject(r["_fname"], r["_sheet"], int(r["_row"]), column, "", reason,
                                                 r["_raw"]))
        drop.add(i)

    def where(i: int) -> str:
        r = frame.loc[i]
        return f"{r['_fname']} dòng {int(r['_row'])}"

    if target == "member_ratings":
        # A member in two chi bộ in one year: every such row is rejected, the chi bộ named.
        chi = frame.groupby(["year", "member_key"])["chi_bo_code"].nunique()
        two = chi[chi > 1].index
        if len(two):
            idx = frame.set_index(["year", "member_key"]).index.isin(two)
            for (y, _k), grp in frame[idx].groupby(["year", "member_key"]):
                desc = "; ".join(f"{c} ({where(i)})" for i, c in zip(grp.index, grp["chi_bo_code"]))
                for i in grp.index:
                    reject(i, "Mã chi bộ", f"đảng viên {frame.at[i, 'member_code']} có tên ở hai chi bộ trong "
                                           f"năm {y}: {desc}")
    key = spec["key"]
    content = spec["content"]
    dups = frame[frame.duplicated(key, keep=False) & ~frame.index.isin(drop)]
    for _, grp in dups.groupby(key, dropna=False):
        first = grp.index[0]
        ref = tuple(grp.loc[first, content].map(lambda v: None if pd.isna(v) else v)) if content else ()
        same = all(tuple(grp.loc[i, content].map(lambda v: None if pd.isna(v) else v)) == ref for i in grp.index)
        if same:
            for i in grp.index[1:]:
                reject(i, "", f"trùng lặp với {where(first)} — bỏ dòng lặp")
        else:
            desc = "; ".join(where(i) for i in grp.index)
            what = "số liệu" if target in ("aggregate_counts", "collective_ratings") else "nội dung"
            for i in grp.index:
                reject(i, "", f"các dòng {desc} cho cùng {_key_text(target, frame.loc[i])} nhưng {what} khác nhau — "
                              "không biết dòng nào đúng, không nạp dòng nào")
    return frame.drop(index=sorted(drop))


def _key_text(target: str, row) -> str:
    if target == "member_ratings":
        return f"đảng viên {row['member_code']} năm {row['year']}"
    if target == "units":
        return f"mã đơn vị {row['unit_code']}"
    if target == "lineage":
        return f"{row['old_code']} → {row['new_code']} năm {row['year']}"
    subj = f", đối tượng {row['subject']}" if "subject" in row and row.get("subject") else ""
    return f"đơn vị {row['unit_code']} năm {row['year']}{subj}"


def _against_warehouse(con, target: str, frame: pd.DataFrame, files: list[FileResult], replace: bool):
    """Conflicts with rows already in the warehouse, and replacement of earlier versions of the same file."""
    spec = TARGETS[target]
    table = TABLE.get(target, target)
    owners = {id(f): f for f in files}
    replacements = []
    if spec["scope"] is None:
        return frame, replacements
    scope = spec["scope"]
    content = spec["content"] + ([c for c in ("member_key",) if target == "member_ratings"]) + \
        (["text_norm"] if target in ("shortcomings", "review_suggestions") else [])
    existing = con.execute(EXISTING_SQL[table]).df()
    drop: set[int] = set()
    if len(existing):
        ex_groups = {k if isinstance(k, tuple) else (k,): g for k, g in existing.groupby(scope)}
        for k, grp in frame.groupby(scope):
            k = k if isinstance(k, tuple) else (k,)
            old = ex_groups.get(k)
            if old is None:
                continue
            f = owners[grp["_file"].iloc[0]]
            old_files = set(old["_old_file"])
            same_data = _fingerprint(grp, content) == _fingerprint(old, content)
            if same_data or replace or old_files == {f.name}:
                for old_load, n in old.groupby("load_id").size().items():
                    replacements.append((f, int(old_load), table, dict(zip(scope, k)), int(n)))
                continue
            old_ids = ", ".join(f"#{i}" for i in sorted(set(old["load_id"])))
            desc = ", ".join(f"{c}={v}" for c, v in zip(scope, k))
            for i in grp.index:
                r = frame.loc[i]
                f.rejects.append(Reject(
                    r["_fname"], r["_sheet"], int(r["_row"]), "",  "",
                    f"kho đã có số liệu khác cho {desc} từ tệp {', '.join(sorted(old_files))} (lần nạp {old_ids}). "
                    "Nếu tệp này là bản sửa, nạp lại với tùy chọn thay thế (--replace)", r["_raw"]))
                drop.add(i)
    if target == "member_ratings" and len(frame):
        # The same member already in another chi bộ that year (and that chi bộ is not being replaced).
        rows = con.execute("SELECT year, member_key, chi_bo_code FROM member_ratings").df()
        if len(rows):
            replaced_scopes = {(rep[3]["chi_bo_code"], rep[3]["year"]) for rep in replacements}
            rows = rows[[(c, y) not in replaced_scopes for c, y in zip(rows["chi_bo_code"], rows["year"])]]
            merged = frame.reset_index().merge(rows, on=["year", "member_key"], suffixes=("", "_old"))
            for r in merged[merged["chi_bo_code"] != merged["chi_bo_code_old"]].to_dict("records"):
                if r["index"] in drop:
                    continue
                owners[r["_file"]].rejects.append(Reject(
                    r["_fname"], r["_sheet"], int(r["_row"]), "Mã chi bộ", r["chi_bo_code"],
                    f"đảng viên {r['member_code']} đã có trong kho ở chi bộ {r['chi_bo_code_old']} năm {r['year']} — "
                    "một đảng viên chỉ thuộc một chi bộ trong một năm", r["_raw"]))
                drop.add(r["index"])
    return frame.drop(index=sorted(drop)), replacements


def _write(con, files, frames, replacements, salt, now, note) -> None:
    by_file = {id(f): f for f in files}
    # Remove replaced scopes first.
    for f, old_load, table, scope, n in replacements:
        con.execute(DELETE_SCOPE_SQL[table], [old_load, *scope.values()])
        f.replaced.append((old_load, table, n))
    for target in ORDER:
        frame = frames.get(target)
        if frame is None or not len(frame):
            continue
        table = TABLE.get(target, target)
        frame = frame.copy()
        frame["load_id"] = frame["_file"].map(lambda i: by_file[i].load_id)
        frame["source_sheet"] = frame["_sheet"]
        frame["source_row"] = frame["_row"].astype(int)
        if target == "units":
            frame["name_key"] = frame["name"].map(nz.search_key)
            # A units file gives the whole life of each code it lists: its versions replace the earlier ones.
            con.execute("DELETE FROM unit_versions WHERE unit_code IN (SELECT unit_code FROM frame)")
        if target == "lineage":
            con.execute("DELETE FROM lineage_events WHERE (year, old_code, new_code) IN "
                        "(SELECT (year, old_code, new_code) FROM frame)")
        cols = COLUMNS[target] + ["load_id", "source_sheet", "source_row"]
        data = frame[cols].astype(object).where(frame[cols].notna(), None)  # noqa: F841 - read by DuckDB below
        con.execute(INSERT_SQL[target])
        if target == "member_ratings":
            ids = frame[["member_key", "member_code", "full_name", "load_id"]].drop_duplicates("member_key", keep="last")
            con.register("ids", ids)
            try:
                _store_identities(con)
            finally:
                con.unregister("ids")
    for f in files:
        if f.load_id is None:
            continue
        con.execute("INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [f.load_id, f.name, str(f.path.resolve()), f.checksum, ", ".join(dict.fromkeys(f.layouts)) or None,
                     now, dt.datetime.now(), f.rows_read, f.rows_loaded, f.rows_rejected, "hieu_luc", note])
        if f.rejects:
            con.executemany("INSERT INTO rejected_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [(f.load_id, r.file, r.sheet, r.row, r.column, r.value, r.reason,
                              json.dumps(r.raw, ensure_ascii=False, default=str) if r.raw else None)
                             for r in f.rejects])
    for f, old_load, table, scope, n in replacements:
        con.execute("INSERT INTO load_replacements VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [f.load_id, old_load, table, scope.get("unit_code") or scope.get("chi_bo_code"),
                     scope.get("year"), scope.get("subject"), n])
    _refresh_statuses(con)


def _store_identities(con) -> None:
    """Each member key's code and name as the load's last row gives them (view `ids`). A key whose code and name
    are already stored keeps its row (and the load that wrote it); a changed or new one is written with this load.
    Rewriting six million unchanged names at every national load cost more than the load itself. The keys are
    joined once (a delete joined them and an insert again: 2 s of a national year), the changed and new ones kept
    aside with the row they replace."""
    con.execute("CREATE OR REPLACE TEMP TABLE _ids_changed AS "
                "SELECT i.member_key, i.member_code, i.full_name, i.load_id, m.rowid AS old_row "
                "FROM ids i LEFT JOIN member_identities m ON m.member_key = i.member_key "
                "WHERE m.member_key IS NULL OR m.member_code IS DISTINCT FROM i.member_code "
                "OR m.full_name IS DISTINCT FROM i.full_name")
    con.execute("DELETE FROM member_identities WHERE rowid IN "
                "(SELECT old_row FROM _ids_changed WHERE old_row IS NOT NULL)")
    con.execute("INSERT INTO member_identities SELECT member_key, member_code, full_name, load_id FROM _ids_changed")
    con.execute("DROP TABLE _ids_changed")


def _refresh_statuses(con) -> None:
    """A load whose every row was replaced is 'bị thay thế'; partly replaced, 'thay thế một phần'."""
    con.execute("""
        UPDATE loads SET status = CASE
            WHEN remaining.n = 0 THEN 'bi_thay_the' ELSE 'thay_the_mot_phan' END
        FROM (
            SELECT l.load_id,
                   (SELECT count(*) FROM member_ratings m WHERE m.load_id = l.load_id)
                 + (SELECT count(*) FROM collective_ratings c WHERE c.load_id = l.load_id)
                 + (SELECT count(*) FROM aggregate_counts a WHERE a.load_id = l.load_id)
                 + (SELECT count(*) FROM aggregate_counts_by_type b WHERE b.load_id = l.load_id)
                 + (SELECT count(*) FROM shortcomings s WHERE s.load_id = l.load_id)
                 + (SELECT count(*) FROM review_suggestions r WHERE r.load_id = l.load_id) AS n
            FROM loads l
            WHERE l.load_id IN (SELECT replaced_load_id FROM load_replacements) AND l.status <> 'da_huy'
        ) remaining
        WHERE loads.load_id = remaining.load_id
    """)
