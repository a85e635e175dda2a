"""The two views of history on the demo's 2025 reorganization (communes merged into new commune committees)."""
from __future__ import annotations

import pytest

from etl import warehouse

from queries import runner

LEVELS = ["htxs", "htt", "ht", "khtnv", "total"]


@pytest.fixture(scope="module")
def con(demo_db):
    c = warehouse.connect_readonly(demo_db)
    yield c
    c.close()


@pytest.fixture(scope="module")
def merger(con):
    """A grassroots committee formed in 2025 by merging two or more predecessors."""
    row = con.execute("""
        SELECT e.new_code, list(DISTINCT e.old_code ORDER BY e.old_code) AS olds
        FROM lineage_events e JOIN units u ON u.unit_code = e.new_code
        WHERE e.event = 'sap_nhap' AND e.year = 2025 AND u.tree_level = 'dang_bo_co_so'
        GROUP BY e.new_code HAVING count(DISTINCT e.old_code) >= 2
        ORDER BY e.new_code LIMIT 1""").fetchone()
    assert row is not None, "the demo should contain a 2025 merger of grassroots committees"
    return row[0], row[1]


def _rows(con, **params):
    return runner.run(con, "distribution", {"subject": "dang_vien", **params})


def _predecessors_2024(con, new: str) -> list[str]:
    """Every unit whose 2025 successor lies in `new`'s 2025 subtree, keeping only the topmost ones of 2024's tree
    (a chi bộ that moved with its committee is already counted in the committee)."""
    olds = [r[0] for r in con.execute("""
        SELECT DISTINCT e.old_code FROM lineage_events e
        JOIN unit_ancestors_by_year a ON a.unit_code = e.new_code AND a.year = 2025 AND a.ancestor_code = ?
        WHERE e.year = 2025""", [new]).fetchall()]
    inner = {r[0] for r in con.execute("""
        SELECT unit_code FROM unit_ancestors_by_year
        WHERE year = 2024 AND distance > 0 AND unit_code IN ? AND ancestor_code IN ?""", [olds, olds]).fetchall()}
    return sorted(set(olds) - inner)


def test_todays_structure_covers_every_year_and_adds_up_the_predecessors(con, merger):
    new, merged = merger
    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM record_counts ORDER BY 1").fetchall()]
    today = _rows(con, unit=new, view="cau_truc_hien_tai", structure_year=2025)
    assert sorted(today["year"]) == years                        # 2017–2025, not only from 2025
    as_reported = _rows(con, unit=new)
    assert sorted(as_reported["year"]) == [2025]                 # as reported the new committee starts in 2025
    preds = _predecessors_2024(con, new)
    assert set(merged) <= set(preds)
    parts = [_rows(con, unit=o, year=2024) for o in preds]
    assert all(len(p) == 1 for p in parts), "each predecessor reported 2024 as itself, separately"
    for col in LEVELS:
        assert int(today.loc[today["year"] == 2024, col].iloc[0]) == sum(int(p[col].iloc[0]) for p in parts), col


def test_children_in_todays_structure_include_the_merged_committee_with_its_history(con, merger):
    new, _ = merger
    parent = con.execute("SELECT ancestor_code FROM unit_ancestors_by_year WHERE unit_code = ? AND year = 2025 "
                         "AND distance = 1", [new]).fetchone()[0]
    kids = _rows(con, parent=parent, view="cau_truc_hien_tai", structure_year=2025)
    mine = kids[kids["unit_code"] == new]
    assert 2024 in set(mine["year"]) and 2025 in set(mine["year"])
    alive_2025 = {r[0] for r in con.execute("SELECT unit_code FROM unit_ancestors_by_year WHERE year = 2025 AND "
                                            "distance = 1 AND ancestor_code = ?", [parent]).fetchall()}
    assert set(kids["unit_code"]) <= alive_2025                  # only the units of the 2025 tree
    # every child's 2025 numbers are its own as-reported numbers
    for code in list(set(kids["unit_code"]))[:5]:
        own = _rows(con, unit=code, year=2025)
        k = kids[(kids["unit_code"] == code) & (kids["year"] == 2025)]
        if not own.empty:
            assert int(k["total"].iloc[0]) == int(own["total"].iloc[0])
