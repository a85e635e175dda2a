"""The derived tables, declared as data: each step, the tables it builds, the tables it reads, the function that builds
them and what it recomputes after a load that says what it changed (derive/tree.load_hint). derive.build runs them in
dependency order, computed from `reads` and `builds` — a new derived table is one more Step here.

Every builder takes (con, hint): hint None rebuilds everything; else (units changed, years changed) and the builder
recomputes only what those can change, with the same result as a full rebuild (tests/derive/).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from derive import audits, shortcomings, tree

RATINGS = ("member_ratings", "collective_ratings", "aggregate_counts", "aggregate_counts_by_type")
LOADED = ("unit_versions", "lineage_events", *RATINGS, "shortcomings", "review_suggestions")


@dataclass(frozen=True)
class Step:
    name: str
    builds: tuple[str, ...]
    reads: tuple[str, ...]
    run: Callable                  # run(con, hint)
    recomputes: str                # after a load that says what it changed (for the next engineer)
    beside: bool = False           # reads only loaded rows: may run on a second connection while the others run
    memory: str | None = None      # DuckDB's memory budget while it runs (its Python frames live beside DuckDB's)


STEPS = (
    Step("tree", ("units", "unit_ancestors", "unit_ancestors_by_year"), ("unit_versions", *LOADED), tree.tree,
         "everything when unit versions changed, else only the years that gained or lost data"),
    Step("record_counts", ("record_counts",), ("member_ratings", "collective_ratings"), tree.record_counts,
         "the years whose ratings changed"),
    Step("unit_children", ("unit_children",), ("unit_ancestors_by_year",), tree.unit_children, "everything (small)"),
    Step("subtree_counts", ("subtree_counts",), ("record_counts", "unit_ancestors_by_year"), tree.subtree_counts,
         "everything when the tree changed, else the years whose counts changed or that gained or lost their tree"),
    Step("shortcomings", ("shortcoming_categories", "shortcoming_items", "shortcoming_links",
                          "shortcoming_chain_items", "suggestion_followups"),
         ("shortcomings", "review_suggestions", "lineage_events", "shortcoming_decisions"), shortcomings.rebuild,
         "everything, when the texts, the taxonomy, the matcher or the decisions changed (a fingerprint); else nothing",
         beside=True),
    Step("quota_audit", ("quota_audit",), ("units", "unit_ancestors_by_year", *RATINGS, "quota_rules",
                                           "quota_decisions"), audits.quota_audit,
         "the changed years; every year when the tree or the quota rules changed"),
    Step("inspection_findings", ("inspection_findings",),
         ("quota_audit", "units", "unit_ancestors_by_year", "subtree_counts", *LOADED), audits.findings,
         "per rule: the changed years (and the next, or all, as the rule's header `-- years_read:` says)",
         memory=audits.AUDIT_MEMORY),
    Step("member_streaks", ("member_streaks",), ("member_ratings",), audits.member_streaks,
         "the streaks ending in the changed years and the years after them", memory=audits.AUDIT_MEMORY),
    Step("unit_tree", ("unit_tree",), ("units", "unit_ancestors_by_year"), audits.unit_tree,
         "everything, when the units or the tree's epochs changed", memory=audits.AUDIT_MEMORY),
    Step("today_counts", ("today_counts",), ("subtree_counts", "record_counts", "aggregate_counts", "lineage_events",
                                             "unit_ancestors_by_year"), audits.today_counts,
         "the changed years while the structure year's tree and lineage stay the same, else everything",
         memory=audits.AUDIT_MEMORY),
    Step("chain_summary", ("chain_summary",), ("shortcoming_items", "shortcoming_links", "shortcoming_chain_items"),
         audits.chain_summary, "everything, when the chains, links or the query's text changed"),
)


def in_order(steps=STEPS) -> list[Step]:
    """The steps with every step after the steps that build what it reads (the declared order among equals)."""
    built_by = {t: s.name for s in steps for t in s.builds}
    done: set[str] = set()
    out: list[Step] = []
    pending = list(steps)
    while pending:
        ready = [s for s in pending
                 if all(built_by.get(t) in (None, s.name) or built_by[t] in done for t in s.reads)]
        if not ready:
            raise ValueError("vòng phụ thuộc giữa các bảng dẫn xuất: " + ", ".join(s.name for s in pending))
        step = ready[0]
        out.append(step)
        done.add(step.name)
        pending.remove(step)
    return out


def depends_on(step: Step, other: Step, steps=STEPS) -> bool:
    """Whether `step` reads, directly or through other steps, a table `other` builds."""
    by_name = {s.name: s for s in steps}
    built_by = {t: s.name for s in steps for t in s.builds}
    seen, todo = set(), [step.name]
    while todo:
        name = todo.pop()
        for t in by_name[name].reads:
            b = built_by.get(t)
            if b == other.name:
                return True
            if b and b != name and b not in seen:
                seen.add(b)
                todo.append(b)
    return False
