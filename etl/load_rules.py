"""The load's rules across rows, and what it writes where: per target table the unique key, the scope a corrected file
replaces and the content compared (TARGETS); duplicates and contradictions inside a load (batch_rules); the units a
load may name (registry, top_unit); members' identities and the statuses of replaced loads.

etl/loader.py runs them; the rules across many rows are narrowed there in SQL to the few rows that can break one,
which are then judged here, in Python, with these messages.
"""
from __future__ import annotations

import hashlib
import json

import pandas as pd

from etl import normalize as nz
from etl.load_result import Reject
from etl.readers import FileError
from etl.validate import Registry

# Per target table: the key that must be unique, the scope a corrected file replaces, the content compared.
TARGETS = {
    "units": dict(key=["unit_code", "first_year"], scope=None,
                  content=["name", "tree_level", "kind", "parent_code", "first_year", "last_year"]),
    "lineage": dict(key=["year", "old_code", "new_code"], scope=None, content=["event", "share"]),
    "member_ratings": dict(key=["year", "member_key"], scope=["chi_bo_code", "year"],
                           content=["chi_bo_code", "level", "not_rated_reason", "disciplined", "discipline_form",
                                    "is_leader", "led_unit_code", "civil_level", "votes_for", "official_members",
                                    "score"]),
    "collective_ratings": dict(key=["year", "unit_code", "subject"], scope=["unit_code", "year", "subject"],
                               content=["level", "self_level", "score", "disciplined", "exemplary"]),
    "aggregate_counts": dict(key=["year", "unit_code", "subject"], scope=["unit_code", "year", "subject"],
                             content=["htxs", "htt", "ht", "khtnv", "total", "not_rated"]),
    # the split by kind of organization of a central statistics form (etl/profile_indicators.py): replaced with
    # the unit's totals, scope for scope
    "aggregate_counts_by_type": dict(key=["year", "unit_code", "subject", "org_type"],
                                     scope=["unit_code", "year", "subject"],
                                     content=["org_type", "htxs", "htt", "ht", "khtnv", "total", "not_rated",
                                              "exemplary"]),
    "shortcomings": dict(key=["year", "unit_code", "subject", "text_norm"], scope=["unit_code", "year"],
                         content=["category", "remedy_status", "source"]),
    "review_suggestions": dict(key=["year", "unit_code", "text_norm"], scope=["unit_code", "year"], content=[]),
}
# Order matters: units before anything that names them.
ORDER = ["units", "lineage", "member_ratings", "collective_ratings", "aggregate_counts", "aggregate_counts_by_type",
         "shortcomings", "review_suggestions"]

COLUMNS = {  # warehouse columns filled from the checked frame, in table order
    "units": ["unit_code", "name", "name_key", "tree_level", "kind", "parent_code", "first_year", "last_year"],
    "lineage": ["year", "old_code", "new_code", "event", "share"],
    "member_ratings": ["year", "member_key", "chi_bo_code", "level", "not_rated_reason", "label_raw", "disciplined",
                       "discipline_form", "is_leader", "led_unit_code", "civil_level", "votes_for",
                       "official_members", "score"],
    "collective_ratings": ["year", "unit_code", "subject", "self_level", "level", "label_raw", "score",
                           "disciplined", "exemplary"],
    "aggregate_counts": ["year", "unit_code", "subject", "htxs", "htt", "ht", "khtnv", "total", "not_rated"],
    "aggregate_counts_by_type": ["year", "unit_code", "subject", "org_type", "htxs", "htt", "ht", "khtnv", "total",
                                 "not_rated", "exemplary"],
    "shortcomings": ["year", "unit_code", "subject", "text_raw", "text_norm", "category", "remedy_status",
                     "remedy_raw", "source"],
    "review_suggestions": ["year", "unit_code", "text_raw", "text_norm"],
}
TABLE = {"lineage": "lineage_events", "units": "unit_versions"}


INSERT_SQL = {t: "INSERT INTO " + TABLE.get(t, t) + " (" + ", ".join(cols + ["load_id", "source_sheet", "source_row"])
              + ") SELECT " + ", ".join(cols + ["load_id", "source_sheet", "source_row"]) + " FROM data"
              for t, cols in COLUMNS.items()}


def top_unit(con, reg: Registry, name: str, load_id: int) -> tuple[str, bool]:
    """--unit NAME: the unit of that name, or a new top-level unit registered under it."""
    code, err, _ = reg.resolve(None, name)
    if code:
        return code, False
    if err and "nhiều đơn vị" in err:
        raise FileError(err)
    clean = nz.clean_text(name)
    code = "U-" + nz.search_key(clean).upper().replace(" ", "-")
    tree_level, _ = nz.parse_tree_level(" ".join(clean.split()[:2]))
    con.execute("INSERT INTO unit_versions (unit_code, name, name_key, tree_level, parent_code, load_id, source_sheet) "
                "VALUES (?, ?, ?, ?, NULL, ?, '--unit')", [code, clean, nz.search_key(clean), tree_level, load_id])
    reg.add(code, clean, parent_code=None, tree_level=tree_level)
    return code, True


def fingerprint(frame: pd.DataFrame, cols: list[str]) -> str:
    rows = sorted(json.dumps([None if pd.isna(v) else v for v in r], default=str, ensure_ascii=False)
                  for r in frame[cols].itertuples(index=False))
    return hashlib.md5("\n".join(rows).encode()).hexdigest()


def check_parents(units_checked, reg: Registry) -> None:
    for f, ch, sheet in units_checked:
        bad = [i for i, p in zip(ch.good.index, ch.good["parent_code"]) if p and p not in reg.units]
        for i in bad:
            r = ch.good.loc[i]
            f.rejects.append(Reject(f.name, sheet, int(r["_row"]), "Mã đơn vị cấp trên", r["parent_code"],
                                    f"không có đơn vị cấp trên mã '{r['parent_code']}' trong danh mục", r["_raw"]))
        ch.good.drop(index=bad, inplace=True)


def batch_rules(target: str, items) -> pd.DataFrame | None:
    """Concatenate the checked rows of one target and reject duplicates and contradictions inside the load."""
    if not items:
        return None
    parts = []
    for f, ch, sheet in items:
        g = ch.good.copy()
        g["_file"] = id(f)
        g["_fname"] = f.name
        g["_sheet"] = sheet
        parts.append(g)
    frame = pd.concat(parts, ignore_index=True)
    spec = TARGETS[target]
    owners = {id(f): f for f, _, _ in items}
    drop: set[int] = set()

    def reject(i: int, column: str, reason: str) -> None:
        r = frame.loc[i]
        owners[r["_file"]].rejects.append(Reject(r["_fname"], r["_sheet"], int(r["_row"]), column, "", reason,
                                                 r["_raw"]))
        drop.add(i)

    def where(i: int) -> str:
        r = frame.loc[i]
        return f"{r['_fname']} dòng {int(r['_row'])}"

    if target == "member_ratings":
        # A member in two chi bộ in one year: every such row is rejected, the chi bộ named.
        chi = frame.groupby(["year", "member_key"])["chi_bo_code"].nunique()
        two = chi[chi > 1].index
        if len(two):
            idx = frame.set_index(["year", "member_key"]).index.isin(two)
            for (y, _k), grp in frame[idx].groupby(["year", "member_key"]):
                desc = "; ".join(f"{c} ({where(i)})" for i, c in zip(grp.index, grp["chi_bo_code"]))
                for i in grp.index:
                    reject(i, "Mã chi bộ", f"đảng viên {frame.at[i, 'member_code']} có tên ở hai chi bộ trong "
                                           f"năm {y}: {desc}")
    key = spec["key"]
    content = spec["content"]
    dups = frame[frame.duplicated(key, keep=False) & ~frame.index.isin(drop)]
    for _, grp in dups.groupby(key, dropna=False):
        first = grp.index[0]
        ref = tuple(grp.loc[first, content].map(lambda v: None if pd.isna(v) else v)) if content else ()
        same = all(tuple(grp.loc[i, content].map(lambda v: None if pd.isna(v) else v)) == ref for i in grp.index)
        if same:
            for i in grp.index[1:]:
                reject(i, "", f"trùng lặp với {where(first)} — bỏ dòng lặp")
        else:
            desc = "; ".join(where(i) for i in grp.index)
            what = "số liệu" if target in ("aggregate_counts", "collective_ratings") else "nội dung"
            for i in grp.index:
                reject(i, "", f"các dòng {desc} cho cùng {key_text(target, frame.loc[i])} nhưng {what} khác nhau — "
                              "không biết dòng nào đúng, không nạp dòng nào")
    return frame.drop(index=sorted(drop))


def key_text(target: str, row) -> str:
    if target == "member_ratings":
        return f"đảng viên {row['member_code']} năm {row['year']}"
    if target == "units":
        return f"mã đơn vị {row['unit_code']}"
    if target == "lineage":
        return f"{row['old_code']} → {row['new_code']} năm {row['year']}"
    subj = f", đối tượng {row['subject']}" if "subject" in row and row.get("subject") else ""
    return f"đơn vị {row['unit_code']} năm {row['year']}{subj}"


def store_identities(con) -> None:
    """Each member key's code and name as the load's last row gives them (view `ids`). A key whose code and name
    are already stored keeps its row (and the load that wrote it); a changed or new one is written with this load.
    Rewriting six million unchanged names at every national load cost more than the load itself. The keys are
    joined once (a delete joined them and an insert again: 2 s of a national year), the changed and new ones kept
    aside with the row they replace."""
    con.execute("CREATE OR REPLACE TEMP TABLE _ids_changed AS "
                "SELECT i.member_key, i.member_code, i.full_name, i.load_id, m.rowid AS old_row "
                "FROM ids i LEFT JOIN member_identities m ON m.member_key = i.member_key "
                "WHERE m.member_key IS NULL OR m.member_code IS DISTINCT FROM i.member_code "
                "OR m.full_name IS DISTINCT FROM i.full_name")
    con.execute("DELETE FROM member_identities WHERE rowid IN "
                "(SELECT old_row FROM _ids_changed WHERE old_row IS NOT NULL)")
    con.execute("INSERT INTO member_identities SELECT member_key, member_code, full_name, load_id FROM _ids_changed")
    con.execute("DROP TABLE _ids_changed")


def refresh_statuses(con) -> None:
    """A load whose every row was replaced is 'bị thay thế'; partly replaced, 'thay thế một phần'."""
    con.execute("""
        UPDATE loads SET status = CASE
            WHEN remaining.n = 0 THEN 'bi_thay_the' ELSE 'thay_the_mot_phan' END
        FROM (
            SELECT l.load_id,
                   (SELECT count(*) FROM member_ratings m WHERE m.load_id = l.load_id)
                 + (SELECT count(*) FROM collective_ratings c WHERE c.load_id = l.load_id)
                 + (SELECT count(*) FROM aggregate_counts a WHERE a.load_id = l.load_id)
                 + (SELECT count(*) FROM aggregate_counts_by_type b WHERE b.load_id = l.load_id)
                 + (SELECT count(*) FROM shortcomings s WHERE s.load_id = l.load_id)
                 + (SELECT count(*) FROM review_suggestions r WHERE r.load_id = l.load_id) AS n
            FROM loads l
            WHERE l.load_id IN (SELECT replaced_load_id FROM load_replacements) AND l.status <> 'da_huy'
        ) remaining
        WHERE loads.load_id = remaining.load_id
    """)
