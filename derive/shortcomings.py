"""The derived tables of recurring shortcomings: items (one per unit, year and text), candidate pairs, links, chains
and suggestion follow-ups, computed by the matcher of derive/shortcoming_match.py (a step of derive/steps.py).

Items, pairs and follow-ups are recomputed only when the loaded texts, the taxonomy or the matcher's parameters and
version changed; links and chains also when people's decisions or CHAINS_VERSION changed (never because a comment
of the code changed).
"""
from __future__ import annotations

import hashlib
import time

import numpy as np
import pandas as pd

from derive.shortcoming_match import (AUTO_THRESHOLD, CHAINS_VERSION, GAP_COST, MATCHER_VERSION, MAX_GAP, OTHER,
                                      REVIEW_THRESHOLD, Classifier, Matcher, build_chains, category_of_label, item_id,
                                      taxonomy, taxonomy_fingerprint, topic_of_key)

_FINGERPRINT_KEY = "shortcomings_fingerprint"
ITEM_COLUMNS = ["item_id", "unit_code", "year", "text_hash", "text", "subjects", "category", "category_source",
                "category_auto", "category_score", "category_given", "remedy_status", "n_rows"]
LINK_COLUMNS = ["from_id", "to_id", "unit_code", "year_from", "year_to", "score", "status", "basis"]
FOLLOWUP_COLUMNS = ["unit_code", "year", "text", "category", "same_year_item", "same_year_score", "later_item",
                    "later_year", "later_score", "later_basis"]


def _fingerprint(con) -> str:
    rows = con.execute("""
        SELECT (SELECT count(*) FROM shortcomings),
               (SELECT coalesce(sum(hash(year, unit_code, subject, text_norm, category, remedy_status)), 0)
                FROM shortcomings),
               (SELECT count(*) FROM review_suggestions),
               (SELECT coalesce(sum(hash(year, unit_code, text_norm)), 0) FROM review_suggestions),
               (SELECT coalesce(sum(hash(year, old_code, new_code)), 0) FROM lineage_events)
    """).fetchall()[0]
    parts = [MATCHER_VERSION, taxonomy_fingerprint(), AUTO_THRESHOLD, REVIEW_THRESHOLD, MAX_GAP, GAP_COST, *rows]
    return hashlib.md5("|".join(map(str, parts)).encode()).hexdigest()


_CHAINS_KEY = "shortcoming_chains_key"


def _chains_key(con, fp: str) -> str:
    """What the links and chains were built from besides the items and candidates (fingerprint `fp`): every decision
    row and the version of the chaining."""
    rows = con.execute("SELECT count(*), coalesce(sum(hash(d)), 0) FROM shortcoming_decisions d").fetchall()[0]
    return hashlib.md5("|".join(map(str, [fp, CHAINS_VERSION, *rows])).encode()).hexdigest()


# The tables this module rewrites and their columns: identifiers (which DuckDB cannot bind) come only from here.
_WRITES = {"shortcoming_categories": ["code", "name", "sort_order"], "shortcoming_items": ITEM_COLUMNS,
           "suggestion_followups": FOLLOWUP_COLUMNS, "shortcoming_links": LINK_COLUMNS,
           "shortcoming_chain_items": ["item_id", "chain_id", "position", "chain_length"]}


def _replace(con, table: str, df: pd.DataFrame, columns: list[str]) -> None:
    if table not in _WRITES or not set(columns) <= set(_WRITES[table]):
        raise ValueError(f"bảng hoặc cột không thuộc danh sách: {table!r} {columns!r}")
    con.execute(f"DELETE FROM {table}")
    if len(df):
        frame = df[columns]
        con.register("_sc_frame", frame)
        try:
            con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM _sc_frame")
        finally:
            con.unregister("_sc_frame")


def _items(con) -> pd.DataFrame:
    """One item per unit, year and text key (the same text for two subjects counts once), ordered by unit and
    year; key = the text's match_key (vkey)."""
    return con.execute("""
        WITH s AS (
            SELECT *, vkey(text_norm) AS key, substr(md5(vkey(text_norm)), 1, 16) AS text_hash
            FROM shortcomings
        )
        SELECT unit_code, year::INTEGER AS year, text_hash,
               arg_min(text_norm, (load_id, source_row)) AS text, arg_min(key, (load_id, source_row)) AS key,
               string_agg(DISTINCT subject, ',' ORDER BY subject) AS subjects,
               arg_min(category, (load_id, source_row)) FILTER (category IS NOT NULL) AS category_given,
               CASE max(CASE remedy_status WHEN 'chua_khac_phuc' THEN 3 WHEN 'dang_khac_phuc' THEN 2
                                           WHEN 'da_khac_phuc' THEN 1 END)
                    WHEN 3 THEN 'chua_khac_phuc' WHEN 2 THEN 'dang_khac_phuc' WHEN 1 THEN 'da_khac_phuc' END
                   AS remedy_status,
               count(*)::INTEGER AS n_rows
        FROM s GROUP BY unit_code, year, text_hash
        ORDER BY unit_code, year, text_hash
    """).df()


def _lineage_pairs(con, items: pd.DataFrame) -> pd.DataFrame:
    """Pairs (earlier k, later k) between a unit and its successor (lineage events), at most MAX_GAP years apart."""
    frame = items[["unit_code", "year"]].assign(k=np.arange(len(items)))
    con.register("_sc_items", frame)
    try:
        return con.execute("""
            SELECT DISTINCT a.k AS ka, b.k AS kb FROM lineage_events e
            JOIN _sc_items a ON a.unit_code = e.old_code AND a.year < e.year
            JOIN _sc_items b ON b.unit_code = e.new_code AND b.year >= e.year AND b.year - a.year <= $gap
            WHERE e.old_code <> e.new_code
        """, {"gap": MAX_GAP}).df()
    finally:
        con.unregister("_sc_items")


def _candidates(con, items: pd.DataFrame, matcher: Matcher, rows: np.ndarray, file_cat: np.ndarray) -> pd.DataFrame:
    """Every pair of shortcomings of one unit (or of a unit and its predecessor) within MAX_GAP years scoring at
    least REVIEW_THRESHOLD. Computed unit by unit: a unit's pairs are a small dense block, never the whole table."""
    unit = items["unit_code"].to_numpy(dtype=object)
    year = items["year"].to_numpy(dtype=np.int64)
    a, b, sc = matcher.blocks(rows, year, unit, file_cat)
    A, B, S = [a], [b], [sc]
    lin = _lineage_pairs(con, items)
    if len(lin):
        ka, kb = lin["ka"].to_numpy(), lin["kb"].to_numpy()
        sc = matcher.score(rows[ka], rows[kb], file_cat[ka], file_cat[kb])
        keep = sc >= REVIEW_THRESHOLD
        A.append(ka[keep])
        B.append(kb[keep])
        S.append(sc[keep])
    ka = np.concatenate(A) if A else np.zeros(0, dtype=np.int64)
    kb = np.concatenate(B) if B else np.zeros(0, dtype=np.int64)
    sc = np.concatenate(S) if S else np.zeros(0)
    ids = items["item_id"].to_numpy(dtype=object)
    return pd.DataFrame({"from_id": ids[ka], "to_id": ids[kb], "unit_code": unit[kb], "year_from": year[ka],
                         "year_to": year[kb], "score": np.round(sc, 4)})


def _followups(con, items: pd.DataFrame, sug: pd.DataFrame, matcher: Matcher, rows: np.ndarray) -> pd.DataFrame:
    """For each review suggestion: the best shortcoming of the same year on the same matter, and the first later
    shortcoming on it (by wording; failing that, by category)."""
    if sug.empty:
        return pd.DataFrame(columns=FOLLOWUP_COLUMNS)
    sug = sug.reset_index(drop=True)
    it = items[["unit_code", "year"]].assign(j=np.arange(len(items)))
    con.register("_sc_sug", sug[["unit_code", "year"]].assign(k=np.arange(len(sug))))
    con.register("_sc_items", it)
    try:
        pairs = con.execute("""
            SELECT s.k, i.j, s.year AS ys, i.year AS yi FROM _sc_sug s JOIN _sc_items i
              ON i.unit_code = s.unit_code AND i.year >= s.year AND i.year - s.year <= $gap
            UNION
            SELECT s.k, i.j, s.year, i.year FROM lineage_events e
            JOIN _sc_sug s ON s.unit_code = e.old_code AND s.year < e.year
            JOIN _sc_items i ON i.unit_code = e.new_code AND i.year >= e.year AND i.year - s.year <= $gap
        """, {"gap": MAX_GAP}).df()
    finally:
        con.unregister("_sc_sug")
        con.unregister("_sc_items")
    out = sug.assign(same_year_item=None, same_year_score=np.nan, later_item=None, later_year=pd.NA,
                     later_score=np.nan, later_basis=None)
    if len(pairs):
        k, j = pairs["k"].to_numpy(), pairs["j"].to_numpy()
        pairs["score"] = matcher.score(sug["row"].to_numpy()[k], rows[j])
        scat = sug["category"].to_numpy(dtype=object)[k]
        pairs["same_cat"] = (scat == items["category"].to_numpy(dtype=object)[j]) & (scat != OTHER)
        pairs["item"] = items["item_id"].to_numpy(dtype=object)[j]
        same = pairs[(pairs["yi"] == pairs["ys"]) & (pairs["score"] >= REVIEW_THRESHOLD)] \
            .sort_values(["k", "score"], ascending=[True, False]).drop_duplicates("k")
        out.loc[same["k"], "same_year_item"] = same["item"].to_numpy()
        out.loc[same["k"], "same_year_score"] = same["score"].to_numpy()
        later = pairs[pairs["yi"] > pairs["ys"]].copy()
        later["rank"] = np.where(later["score"] >= REVIEW_THRESHOLD, 0, np.where(later["same_cat"], 1, 2))
        later = later[later["rank"] < 2].sort_values(["k", "rank", "yi", "score"], ascending=[True, True, True, False]) \
            .drop_duplicates("k")
        out.loc[later["k"], "later_item"] = later["item"].to_numpy()
        out.loc[later["k"], "later_year"] = later["yi"].to_numpy()
        out.loc[later["k"], "later_score"] = later["score"].to_numpy()
        out.loc[later["k"], "later_basis"] = np.where(later["rank"] == 0, "noi_dung", "cung_nhom")
    out["later_year"] = pd.to_numeric(out["later_year"]).astype("Int64")
    return out[FOLLOWUP_COLUMNS]


def rebuild(con, hint=None, force: bool = False) -> dict:
    """Recompute the derived shortcoming tables inside the caller's transaction. Items, candidate pairs and
    suggestion follow-ups are recomputed only when the loaded texts (or the taxonomy, or the matcher) changed;
    links and chains when the decisions people make (or this module) changed too. Returns timings in seconds."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    fp = _fingerprint(con)
    old = con.execute("SELECT value FROM meta WHERE key = ?", [_FINGERPRINT_KEY]).fetchall()
    recomputed = force or not old or old[0][0] != fp     # (then the links are the bare candidates again)
    if recomputed:
        cats = taxonomy()
        _replace(con, "shortcoming_categories",
                 pd.DataFrame({"code": [c.code for c in cats], "name": [c.name for c in cats],
                               "sort_order": [c.sort_order for c in cats]}), ["code", "name", "sort_order"])
        items = _items(con)
        # the match keys computed in SQL as the items' are (vkey: 22 thousand national texts keyed in Python took 1 s)
        sug = con.execute("SELECT DISTINCT unit_code, year::INTEGER AS year, text_norm AS text, vkey(text_norm) AS key "
                          "FROM review_suggestions ORDER BY unit_code, year, text").df()
        timings["doc"] = time.perf_counter() - t0
        # every distinct text once: shortcomings, then the topics of the suggestions
        text_keys = items.drop_duplicates("text_hash")[["text_hash", "text", "key"]]
        sug_topics = [topic_of_key(k) for k in sug.pop("key")]
        texts = list(text_keys["text"]) + sug_topics
        keys = list(text_keys["key"]) + sug_topics      # (a topic is a piece of a match key: already one)
        t1 = time.perf_counter()
        matcher = Matcher(Classifier(cats)).fit(texts, keys)
        timings["phan_loai_va_vector"] = time.perf_counter() - t1
        row_of_hash = pd.Series(np.arange(len(text_keys)), index=text_keys["text_hash"].to_numpy())
        rows = row_of_hash.reindex(items["text_hash"]).to_numpy(dtype=np.int64)
        items["item_id"] = [item_id(u, y, h) for u, y, h in zip(items["unit_code"], items["year"],
                                                                 items["text_hash"])]
        items["category_auto"] = matcher.cat[rows] if len(rows) else []
        items["category_score"] = np.array([matcher.classes[r].score for r in rows], dtype=float)
        given = {g: category_of_label(g, cats) for g in items["category_given"].dropna().unique()}
        mapped = items["category_given"].map(given)
        items["category"] = mapped.fillna(items["category_auto"])
        items["category_source"] = np.where(mapped.notna(), "tep",
                                            np.where(items["category_auto"] == OTHER, "khong_ro", "tu_dong"))
        file_cat = np.array([None if pd.isna(c) else c for c in mapped], dtype=object)
        t1 = time.perf_counter()
        cand = _candidates(con, items, matcher, rows, file_cat)
        timings["cap_va_diem"] = time.perf_counter() - t1
        timings["so_ung_vien"] = float(len(cand))
        _replace(con, "shortcoming_items", items, ITEM_COLUMNS)
        t1 = time.perf_counter()
        sug["row"] = np.arange(len(text_keys), len(texts))
        sug["category"] = matcher.cat[sug["row"].to_numpy()] if len(sug) else []
        fol = _followups(con, items, sug, matcher, rows)
        timings["goi_y"] = time.perf_counter() - t1
        _replace(con, "suggestion_followups", fol, FOLLOWUP_COLUMNS)
        _replace(con, "shortcoming_links", cand.assign(status="khong_dung", basis=None), LINK_COLUMNS)
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_FINGERPRINT_KEY, fp])
    t1 = time.perf_counter()
    # Links and chains are a function of the items, the candidate pairs (both fixed by the fingerprint above), the
    # people's decisions and CHAINS_VERSION: recomputed when one of them changed.
    chains_key = _chains_key(con, fp)
    old_chains = con.execute("SELECT value FROM meta WHERE key = ?", [_CHAINS_KEY]).fetchall()
    if recomputed or not old_chains or old_chains[0][0] != chains_key:
        items = con.execute("SELECT item_id, year FROM shortcoming_items").df()
        cand = con.execute("SELECT from_id, to_id, unit_code, year_from, year_to, score FROM shortcoming_links").df()
        res = build_chains(items, cand, latest_decisions(con))
        _replace(con, "shortcoming_links", res.links, LINK_COLUMNS)
        _replace(con, "shortcoming_chain_items", res.chains, ["item_id", "chain_id", "position", "chain_length"])
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_CHAINS_KEY, chains_key])
    timings["chuoi"] = time.perf_counter() - t1
    timings["tong"] = time.perf_counter() - t0
    return timings


def latest_decisions(con) -> pd.DataFrame:
    """The decision that counts for each pair: the latest."""
    return con.execute("""
        SELECT from_id, to_id, arg_max(decision, decided_at) AS decision, max(decided_at) AS decided_at,
               arg_max(decided_by, decided_at) AS decided_by
        FROM shortcoming_decisions GROUP BY from_id, to_id
    """).df()
