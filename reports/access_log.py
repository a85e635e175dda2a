"""Every view or export of members' names is logged (domain.md §11).

Where the app's audit log exists (operations/audit.py: append-only, hash-chained, `audit/audit.jsonl` beside the
warehouse) the event goes there as 'xem_ca_nhan' (a view) or 'xuat_ca_nhan' (an export). Otherwise it is one JSON line
in `audit/du_lieu_ca_nhan.jsonl` beside the warehouse (data/audit/ is ignored by git). Nothing leaves the machine.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

from etl import warehouse
from operations import audit

_LOCK = threading.Lock()
FILE = "du_lieu_ca_nhan.jsonl"
VIEW, EXPORT = "xem_ca_nhan", "xuat_ca_nhan"


def _shared():
    return audit


def path() -> Path:
    """The file the events go to."""
    shared = _shared()
    if shared is not None:
        return shared.audit_path()
    return warehouse.db_path().parent / "audit" / FILE


def log(action: str, what: str, filters: dict | None = None, rows: int | None = None, user: str | None = None,
        role: str | None = None) -> None:
    """Append one event: VIEW or EXPORT, the page or file (`what`), the filters it covered and how many people."""
    shared = _shared()
    if shared is not None:
        shared.record(action, user=user or "không rõ", role=role, what=what, filters=filters, rows=rows)
        return
    entry = {"ts": dt.datetime.now().isoformat(timespec="seconds"), "user": user or "không rõ", "role": role,
             "action": action, "what": what, "filters": filters or {}, "rows": rows}
    p = path()
    with _LOCK:
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with p.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")


def read() -> list[dict]:
    shared = _shared()
    if shared is not None:
        return shared.read()
    p = path()
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
