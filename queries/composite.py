"""Composite queries: one named query made of a folder of rule files (the inspection catalog, queries/rules/*.sql).

A query whose header says `-- composite: rules` is handed here by queries.runner.run. Each file of queries/rules/ is
one rule, whose header states what the Inspection Committee needs to trust a finding:

    -- rule: dv_ky_luat_xep_tren_khtnv                  id (defaults to the file name)
    -- title: Đảng viên bị kỷ luật trong năm …         Vietnamese title
    -- years: 2014-2024                                evaluation years it applies to; "2025-" = 2025 and later;
    --                                                   several ranges: "2014-2017, 2025-"
    -- severity: vi_pham 2018-2024; can_xem_xet 2014-2017
    --                                                 vi_pham | can_xem_xet | bat_thuong, for every year of the rule
    --                                                   or per range of years (the same check is a breach where the
    --                                                   text was read, a point to review where it was not)
    -- document: 132-QĐ/TW …                           the regulation it rests on
    -- param: first_year int required                  every rule filters `year BETWEEN $first_year AND $last_year`
    -- param: last_year int required
    -- param: ty_le float required — …                 thresholds: values come from data/reference/inspection_config.csv
    -- source_query: quota                             optional: another named query whose rows the rule reads as `src`
    -- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row

Regime applicability comes from the header, never from code: the composite cuts the requested years into ranges of
one severity, binds $first_year/$last_year for each range and runs the rule once per range; the rule's SQL only
filters on them. Thresholds are data (the config CSV, read at each run), so a locality changes a threshold without
touching SQL or Python.

The composite's own SQL then runs over two registered views: `rule_catalog` (one row per rule) and `findings` (the
rows of every rule run, with rule, severity, title and document added). The header key `views:` says which of the two
the query needs, so a catalog listing does not run every rule.

Stored findings. At national scale the 27 rules take 10–70 s, so every load also runs them all (derive/audits.py)
into table inspection_findings and writes in meta 'findings_fingerprint' the `fingerprint()` of the rule files, the
source queries they read and the thresholds file. While that still matches the files on disk, `findings` is read from
the table (queries/derived/stored_findings.sql); once a rule or a threshold is edited, the rules run live again until
the next load (or `python -m etl rebuild`) stores them anew — never a stale finding. A rule's header may say which
other years it reads (`-- years_read: previous | all`; default: only the year of the finding), so that a load that
changed some years recomputes only what those years can change.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from queries import frames, sqlfile

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "data" / "reference" / "inspection_config.csv"

SEVERITIES = ("vi_pham", "can_xem_xet", "bat_thuong")          # most serious first
SEVERITY_NAMES = {"vi_pham": "Vi phạm", "can_xem_xet": "Cần xem xét", "bat_thuong": "Bất thường"}
OPEN_END = 9999                                                  # "2025-": every later year
RULE_COLUMNS = ("year", "unit_code", "subject", "subject_key", "detail", "basis")
SOURCE_COLUMNS = ("load_id", "source_sheet", "source_row")
RANGE_PARAMS = ("first_year", "last_year")
YEARS_READ = ("same", "previous", "all")                         # header `-- years_read:` (default same)
MEMBER_TABLES = re.compile(r"\bmember_(ratings|identities)\b")
STORED = sqlfile.QUERY_DIR / "derived" / "stored_findings.sql"
FINDING_TYPES = {   # the `findings` view: fixed types, also when no rule found anything
    "rule": "string", "severity": "string", "year": "Int64", "unit_code": "string", "subject": "string",
    "subject_key": "string", "detail": "string", "basis": "string", "load_id": "Int64", "source_sheet": "string",
    "source_row": "Int64", "title": "string", "document": "string",
    "seq": "Int64",     # the row's place in its rule's findings of that year (what orders ties)
}
CATALOG_TYPES = {
    "rule": "string", "title": "string", "years": "string", "severity": "string", "severity_by_year": "string",
    "document": "string", "description": "string", "thresholds": "string", "first_year": "Int64",
    "last_year": "Int64", "ranges": "string", "sort_order": "Int64",
}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    years: tuple[tuple[int, int], ...]                     # inclusive ranges
    severity: tuple[tuple[str, tuple[tuple[int, int], ...]], ...]   # (severity, its ranges)
    document: str
    query: sqlfile.Query
    source_query: str | None = None

    @property
    def years_read(self) -> str:
        return (self.query.meta.get("years_read") or "same").split()[0]

    @property
    def reads_members(self) -> bool:
        """Whether the rule reads member-level rows (its findings are hidden from roles that may not see those)."""
        return bool(MEMBER_TABLES.search(self.query.sql))

    @property
    def main_severity(self) -> str:
        return min((s for s, _ in self.severity), key=SEVERITIES.index)

    def segments(self, year: int | None = None, severity: str | None = None) -> list[tuple[int, int, str]]:
        """(first_year, last_year, severity) ranges to run, restricted to one year and/or one severity."""
        out = []
        for sev, ranges in self.severity:
            if severity and sev != severity:
                continue
            for a, b in ranges:
                if year is not None:
                    if not a <= year <= b:
                        continue
                    a = b = year
                out.append((a, b, sev))
        return sorted(out)


def parse_years(text: str, where: str) -> tuple[tuple[int, int], ...]:
    """'2014-2017, 2025-' → ((2014, 2017), (2025, 9999)); '2017' → ((2017, 2017),)."""
    out = []
    for part in re.split(r"[,;]", text):
        part = part.strip().replace("–", "-")
        if not part:
            continue
        m = re.fullmatch(r"(\d{4})\s*(-\s*(\d{4})?)?", part)
        if not m:
            raise sqlfile.QueryError(f"{where}: khoảng năm không đúng dạng: '{part}'")
        a = int(m.group(1))
        b = a if m.group(2) is None else int(m.group(3)) if m.group(3) else OPEN_END
        if b < a:
            raise sqlfile.QueryError(f"{where}: khoảng năm ngược: '{part}'")
        out.append((a, b))
    if not out:
        raise sqlfile.QueryError(f"{where}: thiếu năm áp dụng")
    return tuple(sorted(out))


def _years_text(ranges) -> str:
    return ", ".join(str(a) if a == b else f"từ {a}" if b == OPEN_END else f"{a}–{b}" for a, b in ranges)


def _covers(ranges, year: int) -> bool:
    return any(a <= year <= b for a, b in ranges)


def parse_rule(path: Path) -> Rule:
    q = sqlfile.parse(path)
    meta, where = q.meta, f"rules/{path.name}"
    rid = meta.get("rule", path.stem).strip()
    for key in ("title", "years", "severity", "document"):
        if not meta.get(key, "").strip():
            raise sqlfile.QueryError(f"{where}: thiếu dòng tiêu đề '-- {key}:'")
    years = parse_years(meta["years"], where)
    severity = []
    for part in meta["severity"].split(";"):
        words = part.strip().split(None, 1)
        if not words:
            continue
        if words[0] not in SEVERITIES:
            raise sqlfile.QueryError(f"{where}: mức '{words[0]}' không thuộc {', '.join(SEVERITIES)}")
        severity.append((words[0], parse_years(words[1], where) if len(words) > 1 else years))
    # Every year of the rule has exactly one severity (checking the ends of every range and the years beside them
    # finds any gap or overlap).
    ranges = [*years, *(r for _, rs in severity for r in rs)]
    bounds = sorted({y for a, b in ranges for y in (a - 1, a, b, b + 1)})
    for y in bounds:
        n = sum(_covers(rs, y) for _, rs in severity)
        if _covers(years, y) != (n == 1) or n > 1:
            raise sqlfile.QueryError(f"{where}: năm {y} phải có đúng một mức (severity) trong các năm áp dụng")
    names = {p.name for p in q.params}
    if not set(RANGE_PARAMS) <= names:
        raise sqlfile.QueryError(f"{where}: quy tắc phải khai báo tham số first_year và last_year")
    missing = [c for c in RULE_COLUMNS if c not in q.columns]
    if missing:
        raise sqlfile.QueryError(f"{where}: thiếu cột {', '.join(missing)}")
    if (meta.get("years_read") or "same").split()[0] not in YEARS_READ:
        raise sqlfile.QueryError(f"{where}: years_read phải là một trong {', '.join(YEARS_READ)}")
    return Rule(rid, q.title, years, tuple(severity), meta["document"].strip(), q,
                (meta.get("source_query") or "").strip() or None)


@functools.lru_cache(maxsize=8)
def _rules(folder: str, key: tuple) -> dict[str, Rule]:
    rules = {}
    for path in sorted((sqlfile.QUERY_DIR / folder).glob("*.sql")):
        rule = parse_rule(path)
        if rule.id in rules:
            raise sqlfile.QueryError(f"hai tệp quy tắc cùng mã '{rule.id}'")
        rules[rule.id] = rule
    return rules


def rules(folder: str = "rules") -> dict[str, Rule]:
    """Every rule of queries/FOLDER/*.sql (re-read when a file changes), in file-name order."""
    files = sorted((sqlfile.QUERY_DIR / folder).glob("*.sql"))
    return _rules(folder, tuple((p.name, p.stat().st_mtime_ns) for p in files))


@functools.lru_cache(maxsize=4)
def _config(path: str, mtime: int) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    with open(path, encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if not (row.get("rule") or "").strip() or row["rule"].lstrip().startswith("#"):
                continue
            out.setdefault(row["rule"].strip(), {})[row["param"].strip()] = (row.get("value") or "").strip()
    return out


def config(path: Path | None = None) -> dict[str, dict[str, str]]:
    """rule id → {param: value} from data/reference/inspection_config.csv."""
    path = Path(path or CONFIG)
    if not path.exists():
        return {}
    return _config(str(path), path.stat().st_mtime_ns)


def _value(param: sqlfile.Param, text: str):
    if param.type == "float" and re.fullmatch(r"\s*\d+\s*/\s*\d+\s*", text):
        return float(Fraction(text.replace(" ", "")))          # "2/3" exactly as written
    return sqlfile.convert_value(param, text)


def rule_params(rule: Rule, first_year: int, last_year: int, conf: dict | None = None) -> dict:
    """The bound parameters of one run of a rule: its year range and its thresholds from the config (the rule's own
    rows first, then the rows of rule '*', shared by several rules)."""
    conf = conf if conf is not None else config()
    values = {**conf.get("*", {}), **conf.get(rule.id, {})}
    bound = {"first_year": first_year, "last_year": last_year}
    for p in rule.query.params:
        if p.name in RANGE_PARAMS:
            continue
        if p.name in values and values[p.name] != "":
            bound[p.name] = _value(p, values[p.name])
        elif not p.optional:
            raise sqlfile.QueryError(f"Quy tắc {rule.id} cần giá trị '{p.name}' trong {CONFIG.name}")
        else:
            bound[p.name] = None
    return bound


def _selected(all_rules: dict[str, Rule], wanted: str | None) -> list[Rule]:
    if not wanted:
        return list(all_rules.values())
    ids = [w.strip() for w in str(wanted).split(",") if w.strip()]
    unknown = [i for i in ids if i not in all_rules]
    if unknown:
        raise sqlfile.QueryError(f"Không có quy tắc: {', '.join(unknown)}. Các quy tắc có: {', '.join(all_rules)}")
    return [all_rules[i] for i in ids]


def _typed(df: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    out = pd.DataFrame({c: (df[c] if c in df.columns else pd.Series([None] * len(df), dtype=object))
                        for c in types}, index=df.index)
    for c, t in types.items():
        if t == "Int64":
            out[c] = pd.to_numeric(out[c], errors="coerce").astype("Int64")
        else:
            out[c] = out[c].astype("string")
    return out.reset_index(drop=True)


def catalog_frame(all_rules: dict[str, Rule], conf: dict | None = None) -> pd.DataFrame:
    conf = conf if conf is not None else config()
    rows = []
    for i, r in enumerate(all_rules.values()):
        own = {**conf.get("*", {}), **conf.get(r.id, {})}
        thresholds = "; ".join(f"{p.name} = {own[p.name]}" for p in r.query.params if p.name in own)
        rows.append({
            "rule": r.id, "title": r.title, "years": _years_text(r.years), "severity": r.main_severity,
            "severity_by_year": "; ".join(f"{SEVERITY_NAMES[s]} ({_years_text(rs)})" if len(r.severity) > 1
                                          else SEVERITY_NAMES[s] for s, rs in r.severity),
            "document": r.document, "description": r.query.description, "thresholds": thresholds,
            "first_year": r.years[0][0], "last_year": None if r.years[-1][1] == OPEN_END else r.years[-1][1],
            "ranges": ",".join(f"{a}-{b}" for a, b in r.years), "sort_order": i,
        })
    return _typed(pd.DataFrame(rows), CATALOG_TYPES)


def rule_rows(con: duckdb.DuckDBPyConnection, rule: Rule, year: int | None = None, severity: str | None = None,
              conf: dict | None = None, sources: dict | None = None) -> pa.Table | None:
    """The rows of one rule over its years (restricted to `year`) as DuckDB returns them, each with its severity;
    None when there are none. `sources` caches the rows of source queries between the rules of one run."""
    parts = []
    sources = {} if sources is None else sources
    for first, last, sev in rule.segments(year, severity):
        params = rule_params(rule, first, last, conf)
        used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", rule.query.sql)}
        cur = con.cursor()
        try:
            if rule.source_query:
                if rule.source_query not in sources:
                    sources[rule.source_query] = run_named(con, rule.source_query,
                                                           {"year": year} if year is not None else {})
                cur.register("src", sources[rule.source_query])
            table = cur.sql(rule.query.sql, params=used or None).to_arrow_table()
        except duckdb.Error as exc:
            raise sqlfile.QueryError(f"Quy tắc {rule.id}: {exc}") from exc
        finally:
            cur.close()
        if table.num_rows:
            parts.append(table.append_column("severity", pa.array([sev] * table.num_rows, pa.string())))
    return pa.concat_tables(parts, promote_options="permissive") if parts else None


def run_rule(con: duckdb.DuckDBPyConnection, rule: Rule, year: int | None = None, severity: str | None = None,
             conf: dict | None = None, sources: dict | None = None) -> pd.DataFrame:
    """Rows of one rule over its years (restricted to `year`), each with its severity, title and document."""
    table = rule_rows(con, rule, year, severity, conf, sources)
    if table is None:
        return _typed(pd.DataFrame(), FINDING_TYPES)
    df = frames.frame(table)
    df["rule"], df["title"], df["document"] = rule.id, rule.title, rule.document
    return _typed(df, FINDING_TYPES)


def fingerprint(folder: str = "rules") -> str:
    """What the stored findings depend on besides the warehouse: the rule files, the queries they read as `src`, the
    thresholds file and the way stored rows are written."""
    h = hashlib.sha256()
    sources = sorted({r.source_query for r in rules(folder).values() if r.source_query})
    paths = sorted((sqlfile.QUERY_DIR / folder).glob("*.sql")) + [sqlfile.QUERY_DIR / f"{q}.sql" for q in sources]
    for p in [*paths, CONFIG, STORED]:
        h.update(p.name.encode() + b"\0" + (p.read_bytes() if p.exists() else b"") + b"\0")
    return h.hexdigest()[:24]


def stored(con: duckdb.DuckDBPyConnection, folder: str = "rules") -> bool:
    """Whether the warehouse holds the findings of exactly these rules and thresholds."""
    if folder != "rules":
        return False
    cur = con.cursor()
    try:
        row = cur.execute("SELECT value FROM meta WHERE key = 'findings_fingerprint'").fetchall()
    except duckdb.Error:
        return False
    finally:
        cur.close()
    return bool(row) and row[0][0] == fingerprint(folder)


def findings(con: duckdb.DuckDBPyConnection, wanted: str | None = None, year: int | None = None,
             severity: str | None = None, folder: str = "rules") -> pd.DataFrame:
    all_rules = rules(folder)
    if stored(con, folder):
        cur = con.cursor()
        try:
            df = frames.fetch(cur, STORED.read_text(encoding="utf-8"))
        finally:
            cur.close()
        chosen = [r.id for r in _selected(all_rules, wanted)]
        df = df[df["rule"].isin(chosen) & ((df["year"] == year) if year is not None else True)
                & ((df["severity"] == severity) if severity is not None else True)]
        order = {rid: i for i, rid in enumerate(chosen)}      # the rules' order (as run live), year, each rule's own
        df = df.assign(_o=df["rule"].map(order)).sort_values(["_o", "year", "seq"], kind="stable")
        return _typed(df.drop(columns="_o"), FINDING_TYPES)
    conf, sources = config(), {}
    parts = [run_rule(con, r, year, severity, conf, sources) for r in _selected(all_rules, wanted)]
    parts = [f for f in parts if len(f)]
    if not parts:
        return _typed(pd.DataFrame(), FINDING_TYPES)
    df = pd.concat(parts, ignore_index=True)
    df["seq"] = df.groupby(["rule", "year"], dropna=False).cumcount().astype("Int64")    # as stored (precompute)
    return df


def run(con: duckdb.DuckDBPyConnection, query: sqlfile.Query, bound: dict) -> pd.DataFrame:
    """Run a composite query: register its views, then run its own SQL with the parameters it uses."""
    folder = query.meta["composite"].strip()
    views = {v.strip() for v in query.meta.get("views", "rule_catalog, findings").split(",") if v.strip()}
    severity = bound.get("severity")
    if severity is not None and severity not in SEVERITIES:
        raise sqlfile.QueryError(f"Mức '{severity}' không có. Các mức: {', '.join(SEVERITIES)}")
    cur = con.cursor()
    try:
        if "rule_catalog" in views:
            cat = catalog_frame(rules(folder))
            if bound.get("rule"):
                cat = cat[cat["rule"].isin([r.id for r in _selected(rules(folder), bound["rule"])])]
            # a rule's title and document, repeated on each of its findings, travel through a query's sort as
            # ENUM codes instead of ~400 characters a row (nationally ~85 ms of the anomalies of one year);
            # queries.frames gives them back as text
            cur.register("rule_catalog", cat.astype({"title": "category", "document": "category"}))
        if "findings" in views:
            if stored(con, folder):     # a view on this cursor only (temporary objects are private to it)
                cur.execute("CREATE TEMP VIEW findings AS " + STORED.read_text(encoding="utf-8"))
            else:
                cur.register("findings", findings(con, bound.get("rule"), bound.get("year"), severity, folder))
        used = {k: v for k, v in bound.items() if re.search(rf"\${k}\b", query.sql)}
        return frames.fetch(cur, query.sql, used)
    finally:
        cur.close()


def run_named(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pd.DataFrame:
    """Run any named query, composite (run()) or not (its SQL, sqlfile.fetch): what queries.runner.run does, and
    what a rule's `source_query` is read through (here, so that composite never imports runner)."""
    query = sqlfile.get(name)
    bound = sqlfile.bind(query, params)
    if query.meta.get("composite"):
        return run(con, query, bound)
    return sqlfile.fetch(con, query, bound)
