"""Decisions of the competent level on the excellence quota: the one place that writes table quota_decisions.

366-QĐ/TW Điều 11.1.5 (from 2025): HTXS "không vượt quá 20% tổng số tập thể, cá nhân được xếp loại 'Hoàn thành tốt
nhiệm vụ' theo đối tượng có vị trí, vai trò, chức năng, nhiệm vụ tương đồng, do cấp có thẩm quyền xem xét, quyết
định", and the competent level may allow up to 25% for an organization with outstanding results. Such a decision
(who decided, when, which group, year and subject, the document's number, the share allowed) is recorded here; the
quota audit (queries/derived/quota_audit.sql) then reports the group as 'da_cho_phep' with the document instead of
flagging it, as long as its HTXS stay within the share allowed — never above the rule's exception ceiling, and never
for a rule that has none (no text lets anyone allow more).

A decision is a write of the warehouse like a load (etl/warehouse.writing: a private copy, published whole), which
marks its year as changed (temp table derived_hint, as the fast loader does): the quota audit and the inspection
findings of that year are recomputed before the new version is published. Decisions are never touched by a load, so
they survive reloads. Every add and remove is logged in the audit log (etl/audit.record, action 'quyet_dinh_ty_le').
Used by `python -m etl quyet-dinh add|list|remove` (commands/etl_cli.py) and the quota page's form (ui/quota_decisions.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

import derive
from etl import warehouse
from queries import runner


class DecisionError(Exception):
    """A Vietnamese message: the decision cannot be recorded as given."""


@dataclass(frozen=True)
class Decision:
    decision_id: int
    year: int
    subject: str
    group_key: str
    unit_code: str
    group_name: str
    ratio: float
    document_no: str
    decided_by: str
    decided_on: dt.date


def _clean(text) -> str:
    return " ".join(str(text or "").split())


def _mark_year_changed(con, year: int) -> None:
    """Recompute only this year's derived tables (derive.build reads the hint)."""
    con.execute("CREATE OR REPLACE TEMP TABLE derived_hint AS SELECT false AS units_changed, $y::INTEGER[] AS years",
                {"y": [int(year)]})


def target(con, year: int, subject: str, group: str) -> pd.DataFrame:
    """The audit rows a decision on `group` (group key, or the group's unit code or name) would name."""
    return runner.run(con, "quota_decision_target", {"year": int(year), "subject": subject, "group": group})


def add(db, *, year: int, subject: str, group: str, ratio: float, document_no: str, decided_by: str,
        decided_on: dt.date | str, recorded_by: str, note: str | None = None) -> Decision:
    """Record a decision; raises DecisionError (nothing written) when the group, the rule or the share does not fit."""
    document_no, decided_by, group = _clean(document_no), _clean(decided_by), _clean(group)
    if not document_no:
        raise DecisionError("Cần số văn bản quyết định (ví dụ 125-QĐ/HU).")
    if not decided_by:
        raise DecisionError("Cần tên cấp có thẩm quyền đã quyết định (ví dụ Ban Thường vụ Huyện ủy).")
    try:
        ratio = float(ratio)
        on = decided_on if isinstance(decided_on, dt.date) else dt.date.fromisoformat(str(decided_on))
    except ValueError as exc:
        raise DecisionError(f"Tỷ lệ hoặc ngày không hợp lệ: {exc}") from None
    if ratio > 1:
        ratio = ratio / 100             # "25" means 25%
    with warehouse.writing(db, derive=derive.build) as con:
        rows = target(con, year, subject, group)
        if rows.empty:
            raise DecisionError(f"Không có nhóm '{group}' ({subject}, năm {year}) trong bảng kiểm tra tỷ lệ HTXS.")
        if len(rows) > 1 and rows.iloc[0]["group_key"] != group:
            keys = ", ".join(rows["group_key"].astype(str))
            raise DecisionError(f"'{group}' ứng với nhiều nhóm ({keys}): ghi mã nhóm.")
        r = rows.iloc[0]
        if pd.isna(r["exception_ratio"]):
            raise DecisionError(f"Quy định năm {year} ({r['rule']}) không cho cấp có thẩm quyền cho phép vượt "
                                f"{r['ratio']:.0%} số HTT: không ghi được quyết định.")
        if not (float(r["ratio"]) < ratio <= float(r["exception_ratio"]) + 1e-9):
            raise DecisionError(f"Tỷ lệ cho phép phải trên {r['ratio']:.0%} và không quá {r['exception_ratio']:.0%} "
                                f"số HTT (quy định {r['rule']}).")
        new_id = con.execute("SELECT coalesce(max(decision_id), 0) + 1 FROM quota_decisions").fetchall()[0][0]
        con.execute("INSERT INTO quota_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [new_id, int(year), subject, r["group_key"], r["unit_code"], ratio, document_no, decided_by, on,
                     _clean(recorded_by) or "ẩn danh", dt.datetime.now(), _clean(note) or None])
        _mark_year_changed(con, year)
    return Decision(int(new_id), int(year), subject, str(r["group_key"]), str(r["unit_code"]), str(r["unit"]),
                    ratio, document_no, decided_by, on)


def remove(db, decision_id: int) -> Decision:
    """Delete a decision recorded by mistake (the audit log keeps that it existed)."""
    with warehouse.writing(db, derive=derive.build) as con:
        row = con.execute("SELECT decision_id, year, subject, group_key, unit_code, group_key, ratio, document_no, "
                          "decided_by, decided_on FROM quota_decisions WHERE decision_id = ?",
                          [int(decision_id)]).fetchall()
        if not row:
            raise DecisionError(f"Không có quyết định số #{decision_id}.")
        con.execute("DELETE FROM quota_decisions WHERE decision_id = ?", [int(decision_id)])
        _mark_year_changed(con, row[0][1])
    return Decision(*row[0])


def listing(db, year: int | None = None, subject: str | None = None) -> pd.DataFrame:
    """The recorded decisions (queries/quota_decisions.sql), newest first."""
    con = warehouse.connect_readonly(db)
    try:
        return runner.run(con, "quota_decisions", {"year": year, "subject": subject})
    finally:
        con.close()


def describe(d: Decision) -> str:
    return (f"#{d.decision_id} năm {d.year}, {d.subject}, nhóm {d.group_name} ({d.group_key}): cho phép đến "
            f"{d.ratio:.0%} số HTT — văn bản {d.document_no} của {d.decided_by}, ngày {d.decided_on:%d/%m/%Y}")
