"""Undo of a whole load: every row it wrote leaves the warehouse, in one atomic write (etl.warehouse.writing), and the
load history keeps the load with the status 'đã hủy' (undone), who undid it and when. The command line
(`python -m etl undo ID`) and the import page call the same function.

What an undo cannot do, it says before doing anything:
- rows of earlier loads that this load replaced (a corrected file) were deleted by it and do not come back: undoing
  it leaves those units and years empty until the earlier file is loaded again. The undo then needs `force`.
- when other loads still hold ratings of units that only this load's unit list defines (or their sub-units hang
  under them), removing it would leave those rows without a unit: the undo is refused and names the loads to undo
  first.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

import derive
from etl import warehouse

# Every table whose rows carry the load that wrote them (derived tables are rebuilt by warehouse.writing).
LOADED_TABLES = ("member_ratings", "collective_ratings", "aggregate_counts", "aggregate_counts_by_type", "shortcomings",
                 "review_suggestions", "lineage_events", "unit_versions")
TABLE_NAMES = {"member_ratings": "xếp loại đảng viên", "collective_ratings": "xếp loại tập thể",
               "aggregate_counts": "số lượng theo mức", "aggregate_counts_by_type": "số lượng theo loại hình",
               "shortcomings": "hạn chế, khuyết điểm",
               "review_suggestions": "gợi ý kiểm điểm", "lineage_events": "sáp nhập, chia tách",
               "unit_versions": "danh mục đơn vị"}
COUNT_SQL = {t: f"SELECT count(*) FROM {t} WHERE load_id = ?" for t in LOADED_TABLES}   # fixed names, bound id
DELETE_SQL = {t: f"DELETE FROM {t} WHERE load_id = ?" for t in LOADED_TABLES}

ORPHANS_SQL = """
    WITH rated AS (
        SELECT chi_bo_code AS unit_code, year, load_id FROM member_ratings
        UNION ALL SELECT unit_code, year, load_id FROM collective_ratings
        UNION ALL SELECT unit_code, year, load_id FROM aggregate_counts
        UNION ALL SELECT unit_code, year, load_id FROM aggregate_counts_by_type
        UNION ALL SELECT unit_code, year, load_id FROM shortcomings
        UNION ALL SELECT unit_code, year, load_id FROM review_suggestions
    )
    SELECT r.unit_code, min(r.year) AS year, list(DISTINCT r.load_id ORDER BY r.load_id) AS loads
    FROM rated r
    WHERE NOT EXISTS (SELECT 1 FROM unit_versions v
                      WHERE v.unit_code = r.unit_code
                        AND r.year BETWEEN coalesce(v.first_year, 0) AND coalesce(v.last_year, 9999))
    GROUP BY r.unit_code
    UNION ALL
    SELECT v.unit_code, v.first_year, list(DISTINCT v.load_id ORDER BY v.load_id)
    FROM unit_versions v
    WHERE v.parent_code IS NOT NULL AND v.parent_code NOT IN (SELECT unit_code FROM unit_versions)
    GROUP BY ALL
    ORDER BY 1
"""


@dataclass
class UndoResult:
    load_id: int
    done: bool = False
    file_name: str | None = None
    removed: dict[str, int] = field(default_factory=dict)      # table → rows removed (or that would be)
    warnings: list[str] = field(default_factory=list)          # what the undo cannot restore (needs force)
    error: str | None = None                                   # why it was refused

    def message(self) -> str:
        if self.error:
            return self.error
        rows = sum(self.removed.values())
        what = ", ".join(f"{n:,} dòng {TABLE_NAMES[t]}".replace(",", ".") for t, n in self.removed.items() if n)
        verb = "Đã hủy" if self.done else "Sẽ hủy"
        return f"{verb} lần nạp #{self.load_id} ({self.file_name}): gỡ {rows:,} dòng".replace(",", ".") + \
            (f" — {what}" if what else "")


class _Refused(Exception):
    pass


def _plan(con, result: UndoResult) -> None:
    row = con.execute("SELECT file_name, status FROM loads WHERE load_id = ?", [result.load_id]).fetchall()
    if not row:
        raise _Refused(f"Không có lần nạp #{result.load_id}")
    result.file_name, status = row[0]
    if status == "da_huy":
        raise _Refused(f"Lần nạp #{result.load_id} ({result.file_name}) đã được hủy trước đây")
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    # (a table newer than the warehouse holds no row of any load)
    result.removed = {t: con.execute(COUNT_SQL[t], [result.load_id]).fetchone()[0] if t in have else 0
                      for t in LOADED_TABLES}
    for old, target, unit, year, n, old_file in con.execute(
            "SELECT r.replaced_load_id, r.target, r.unit_code, r.year, sum(r.rows_replaced), l.file_name "
            "FROM load_replacements r LEFT JOIN loads l ON l.load_id = r.replaced_load_id "
            "WHERE r.load_id = ? GROUP BY ALL ORDER BY 1, 3, 4", [result.load_id]).fetchall():
        result.warnings.append(
            f"lần nạp này đã thay thế {n} dòng {TABLE_NAMES.get(target, target)} của lần nạp #{old} ({old_file}) "
            f"cho đơn vị {unit}, năm {year}: hủy sẽ không khôi phục các dòng đó — nạp lại tệp {old_file} nếu cần")


def undo_load(load_id: int, db: str | Path | None = None, *, by: str | None = None, force: bool = False,
              dry_run: bool = False) -> UndoResult:
    """Remove every row of one load in one atomic write. Never raises for a refused undo: see result.error."""
    result = UndoResult(int(load_id))
    path = warehouse.db_path(db)
    if not path.exists():
        result.error = f"Chưa có kho dữ liệu tại {path}"
        return result
    if dry_run:                      # what it would do, read from the live file
        con = duckdb.connect(":memory:", config=warehouse.DUCKDB_CONFIG)
        con.execute("ATTACH ? AS w (READ_ONLY)", [str(path)])   # the file the path names now (see queries/scope.py)
        con.execute("USE w")
        try:
            _plan(con, result)
        except _Refused as exc:
            result.error = str(exc)
        finally:
            con.close()
        return result
    try:
        with warehouse.writing(path, derive=derive.build) as con:
            _plan(con, result)
            if result.warnings and not force:
                raise _Refused("Chưa hủy: " + "; ".join(result.warnings) + ". Xác nhận để hủy vẫn tiếp tục.")
            for t in LOADED_TABLES:
                con.execute(DELETE_SQL[t], [result.load_id])
            orphans = con.execute(ORPHANS_SQL).fetchall()
            if orphans:
                other = sorted({i for _, _, loads in orphans for i in loads if i != result.load_id})
                units = ", ".join(u for u, _, _ in orphans[:10]) + (" …" if len(orphans) > 10 else "")
                raise _Refused(
                    f"Không hủy được lần nạp #{result.load_id}: danh mục đơn vị của lần nạp này còn được dùng — "
                    f"các đơn vị {units} sẽ không còn trong danh mục mà vẫn có số liệu"
                    + (f" từ các lần nạp {', '.join(f'#{i}' for i in other)}; hủy các lần nạp đó trước" if other
                       else "") + ".")
            con.execute("DELETE FROM member_identities WHERE member_key NOT IN "
                        "(SELECT DISTINCT member_key FROM member_ratings)")
            stamp = f"đã hủy lúc {dt.datetime.now():%d/%m/%Y %H:%M}" + (f" bởi {by}" if by else "")
            con.execute("UPDATE loads SET status = 'da_huy', note = concat_ws('; ', nullif(note, ''), ?) "
                        "WHERE load_id = ?", [stamp, result.load_id])
        result.done = True
    except _Refused as exc:
        result.error = str(exc)
    except warehouse.WarehouseBusy as exc:
        result.error = str(exc)
    return result
