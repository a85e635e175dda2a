"""Derived tables: what the pages read ready-made, computed from the loaded rows on the warehouse's private copy before
it is published. Declared in derive/steps.py; built by `build`, which the load (operations/load.py), undo, the rebuild
command and the review queues pass to etl.warehouse.writing — the storage layer itself only stores."""
from __future__ import annotations

import contextlib

from derive.beside import beside
from derive.steps import STEPS, Step, depends_on, in_order
from derive.tree import load_hint


def build(con, committed: bool = False, steps=STEPS) -> None:
    """Rebuild the derived tables inside the caller's transaction, in dependency order; after a load that says what it
    changed (temp table derived_hint) only that is recomputed.

    committed=True (etl.warehouse.writing, after committing the loaded rows): the steps marked `beside` (they read only
    loaded rows) run on a second connection while the others run; the caller's transaction is then committed and a
    new one begun before the steps that read what that connection wrote."""
    hint = load_hint(con)
    order = in_order(steps)
    aside = [s for s in order if s.beside] if committed else []
    after = [s for s in order if s not in aside and any(depends_on(s, a, steps) for a in aside)]

    def run_aside(c) -> None:
        for s in aside:
            s.run(c, hint)

    with beside(con, run_aside, "+".join(s.name for s in aside)) if aside else contextlib.nullcontext():
        for s in order:
            if s not in aside and s not in after:
                _run(con, s, hint)
    if aside:
        con.execute("COMMIT")
        con.execute("BEGIN TRANSACTION")
    for s in after:
        _run(con, s, hint)


def _run(con, step: Step, hint) -> None:
    if step.memory is None:
        step.run(con, hint)
        return
    limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute("SET memory_limit = $m", {"m": step.memory})
    try:
        step.run(con, hint)
    finally:
        con.execute("SET memory_limit = $m", {"m": limit})


__all__ = ["STEPS", "Step", "build"]
