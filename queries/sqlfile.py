"""A named query file, queries/NAME.sql: its header, its parameters, and the SQL that runs.

Each .sql file starts with a header of `-- key: value` lines (name, title, description, param, columns). Parameters
are bound by name ($unit, $year …), never formatted into the SQL text. Every declared parameter is always bound
(None when not given), so a query can test `$year IS NULL`. A query whose header has `-- over: NAME` reads the rows
of queries/NAME.sql (with the same parameters) as the table `over`. Every header key is kept in `Query.meta`.

What both queries.runner (the entry point) and queries.composite (queries built from a folder of rule files) need;
it imports neither. Callers keep using these names through queries.runner.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from queries import frames

QUERY_DIR = Path(__file__).resolve().parent


class QueryError(Exception):
    """A Vietnamese message about a bad query name or parameter."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str              # text | int | float | bool
    optional: bool
    doc: str


@dataclass(frozen=True)
class Query:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    sql: str = field(repr=False)
    meta: dict = field(default_factory=dict, repr=False, compare=False, hash=False)   # every header key → text


_HEADER = re.compile(r"^--\s*(\w+):\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s+(text|int|float|bool)\s*(optional|required)?\s*(?:—|-)?\s*(.*)$")


def parse(path: Path) -> Query:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, list[str]] = {}
    last = None
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        m = _HEADER.match(line)
        if m:
            last = m.group(1)
            meta.setdefault(last, []).append(m.group(2).strip())
        elif last and line.startswith("--   "):
            meta[last][-1] += " " + line[2:].strip()
    params = []
    for spec in meta.get("param", []):
        m = _PARAM.match(spec)
        if not m:
            raise QueryError(f"{path.name}: khai báo tham số không đúng dạng: {spec}")
        params.append(Param(m.group(1), m.group(2), m.group(3) != "required", m.group(4)))
    columns = tuple(c.strip() for c in " ".join(meta.get("columns", [])).split(",") if c.strip())
    return Query(name=(meta.get("name") or [path.stem])[0], title=(meta.get("title") or [""])[0],
                 description=" ".join(meta.get("description", [])), params=tuple(params), columns=columns, sql=text,
                 meta={k: "\n".join(v) for k, v in meta.items()})


@functools.lru_cache(maxsize=None)
def _catalog(mtime_key: tuple) -> dict[str, Query]:
    return {p.stem: parse(p) for p in sorted(QUERY_DIR.glob("*.sql"))}


def catalog() -> dict[str, Query]:
    """Every named query (re-read when a .sql file changes)."""
    files = sorted(QUERY_DIR.glob("*.sql"))
    return _catalog(tuple((p.name, p.stat().st_mtime_ns) for p in files))


def get(name: str) -> Query:
    queries = catalog()
    if name not in queries:
        raise QueryError(f"Không có truy vấn '{name}'. Các truy vấn có: {', '.join(queries)}")
    return queries[name]


def convert_value(param: Param, value: object) -> object:
    if value is None or value == "":
        return None
    try:
        if param.type == "int":
            return int(value)
        if param.type == "float":
            return float(str(value).replace(",", "."))
        if param.type == "bool":
            return str(value).lower() in ("1", "true", "co", "có", "yes")
    except ValueError as exc:
        raise QueryError(f"Tham số {param.name}: '{value}' không phải {param.type}") from exc
    return str(value)


def bind(query: Query, params: dict | None) -> dict:
    params = dict(params or {})
    unknown = set(params) - {p.name for p in query.params}
    if unknown:
        raise QueryError(f"Truy vấn {query.name} không có tham số: {', '.join(sorted(unknown))}. "
                         f"Tham số hợp lệ: {', '.join(p.name for p in query.params) or '(không có)'}")
    bound = {}
    for p in query.params:
        value = convert_value(p, params.get(p.name))
        if value is None and not p.optional:
            raise QueryError(f"Truy vấn {query.name} cần tham số {p.name}")
        bound[p.name] = value
    return bound


def text(query: Query) -> str:
    """The SQL that runs: the file's own, or for `-- over: NAME` the file's SQL over NAME's rows as the table `over`."""
    base = query.meta.get("over")
    if not base:
        return query.sql
    # the own SQL as a subquery (it may have its own WITH); DuckDB keeps its ORDER BY through the SELECT *
    return f"WITH over AS (\n{text(get(base)).rstrip().rstrip(';')}\n)\nSELECT * FROM (\n{query.sql.rstrip().rstrip(';')}\n)"


def fetch(con: duckdb.DuckDBPyConnection, query: Query, bound: dict) -> pd.DataFrame:
    """Run a query that is not composite, with its bound parameters, on its own cursor."""
    sql = text(query)
    # Only the parameters the SQL text uses are passed (DuckDB refuses unused named parameters).
    used = {k: v for k, v in bound.items() if re.search(rf"\${k}\b", sql)}
    cur = con.cursor()
    try:
        return frames.fetch(cur, sql, used)
    finally:
        cur.close()
