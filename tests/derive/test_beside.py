"""derive/beside.py: work on a second connection in a thread, beside the caller's statements."""
from __future__ import annotations

import threading

import duckdb
import pytest

from derive.beside import Stopped, beside


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE loaded (x INTEGER)")
    con.execute("CREATE TABLE mine (x INTEGER)")
    con.execute("CREATE TABLE theirs (x INTEGER)")
    con.execute("INSERT INTO loaded VALUES (1), (2), (3)")
    yield con
    con.close()


_COUNTS = {"loaded": "SELECT count(*) FROM loaded", "mine": "SELECT count(*) FROM mine",
           "theirs": "SELECT count(*) FROM theirs"}


def _count(con, table: str) -> int:
    return con.execute(_COUNTS[table]).fetchall()[0][0]


def test_the_work_reads_what_was_committed_and_its_rows_are_seen_after_the_caller_begins_again(con):
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO loaded VALUES (4)")        # not committed: the work does not see it
    seen = []

    def work(c):
        seen.append(c.execute("SELECT sum(x) FROM loaded").fetchall()[0][0])
        c.execute("INSERT INTO theirs SELECT x FROM loaded")

    with beside(con, work, "test"):
        con.execute("INSERT INTO mine VALUES (7)")
    assert seen == [6]
    assert _count(con, "theirs") == 0       # the caller's transaction began before the work committed
    con.execute("COMMIT")
    con.execute("BEGIN TRANSACTION")
    assert _count(con, "theirs") == 3 and _count(con, "mine") == 1 and _count(con, "loaded") == 4
    con.execute("COMMIT")


def test_a_failing_work_raises_at_the_end_of_the_block_and_writes_nothing(con):
    def work(c):
        c.execute("INSERT INTO theirs VALUES (1)")
        raise ValueError("hỏng")

    with pytest.raises(ValueError, match="hỏng"):
        with beside(con, work, "test"):
            con.execute("INSERT INTO mine VALUES (1)")
    assert _count(con, "theirs") == 0
    assert _count(con, "mine") == 1         # (the caller's own statement, autocommitted here)


def test_when_the_caller_fails_the_work_stops_and_its_rows_are_rolled_back(con):
    started, results = threading.Event(), []

    def work(c):
        c.execute("INSERT INTO theirs VALUES (1)")
        started.set()
        try:
            while True:     # as long as the caller runs: each statement checks whether it gave up
                c.execute("SELECT 1").fetchall()
        except (Stopped, duckdb.InterruptException):   # stopped between statements, or interrupted inside one
            results.append("stopped")
            raise

    with pytest.raises(RuntimeError, match="caller"):
        with beside(con, work, "test"):
            assert started.wait(10)
            raise RuntimeError("caller")
    assert results == ["stopped"]           # the block's end waited for the work to stop
    assert _count(con, "theirs") == 0
