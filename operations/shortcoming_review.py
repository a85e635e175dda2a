"""The review queue of recurring shortcomings: a person confirms that two texts of a unit are the same shortcoming,
or says they are not. Decisions are stored in shortcoming_decisions and the links, chains and everything derived from
them are rebuilt (derive.build) in the same write of the warehouse."""
from __future__ import annotations

import datetime as dt

import derive
from derive.shortcoming_match import ANONYMOUS, CONFIRMED, REJECTED
from etl import warehouse


def _undecided(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def save_decisions(db, decisions: list[dict], user: str | None = None, when: dt.datetime | None = None) -> int:
    """Store a person's decisions on pairs (from_id, to_id, decision = CONFIRMED | REJECTED, optional text_from,
    text_to, note) and rebuild the chains, in one write of the warehouse. Returns the number stored."""
    rows = [d for d in decisions if not _undecided(d.get("decision"))]       # undecided rows are skipped
    bad = [d for d in rows
           if d["decision"] not in (CONFIRMED, REJECTED) or not d.get("from_id") or not d.get("to_id")]
    if bad:
        raise ValueError(f"Quyết định không hợp lệ: {bad[0]!r}")
    if not rows:
        return 0
    who = " ".join(str(user or "").split()) or ANONYMOUS
    # Microseconds kept: the latest decision on a pair wins, and two decisions of one minute must not tie.
    at = when or dt.datetime.now()
    with warehouse.writing(db, derive=derive.build) as con:
        con.executemany("INSERT INTO shortcoming_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [(d["from_id"], d["to_id"], d["decision"], who, at, d.get("text_from"), d.get("text_to"),
                          d.get("note")) for d in rows])
    return len(rows)
