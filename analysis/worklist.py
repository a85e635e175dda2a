"""Đơn vị cần kiểm tra: the units an inspection committee should look at first, ranked by a score it can read.

From the findings of the inspection catalog (rows of queries/anomalies.sql) within the user's scope:
- each finding weighs by its severity (a violation outweighs many statistical signals);
- recency: a finding `k` years older than the newest year shown weighs gan_day**k;
- persistence: a rule that hits the same unit in n different years adds lap_lai × (n − 1) times that rule's weight;
- size enters through the rules themselves: a quota group too small to mean anything is "cần xem xét", not a
  violation, and each statistical signal has its own minimum size and false-alarm rate;
- findings on a chi bộ trực thuộc or a member count for the tổ chức cơ sở đảng that contains it (cap_don_vi), the
  unit an inspection is decided for; a finding above that level stays on its own unit.
A unit enters the list with a violation or a case to review in the years shown, or weaker findings (statistical
signals, small quota groups, unverified ratios) whose weights before recency reach `nguong`: scattered signals alone
keep it out. Recency orders the
list; it does not take an old case out of it (the sidebar's years choose the period). The weights are data (data/reference/worklist_weights.csv) and
each row says in one sentence why the unit is there. Plain pandas: no Streamlit, no SQL.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from vocab import fmt

WEIGHTS = Path(__file__).resolve().parent.parent / "data" / "reference" / "worklist_weights.csv"
SEVERITIES = ("vi_pham", "can_xem_xet", "bat_thuong")
SEVERITY_WORDS = {"vi_pham": "vi phạm", "can_xem_xet": "cần xem xét", "bat_thuong": "dấu hiệu bất thường"}
COLUMNS = ["rank", "unit_code", "unit", "score", "vi_pham", "can_xem_xet", "bat_thuong", "rules", "first_year",
           "last_year", "persistent", "reason"]


@dataclass(frozen=True)
class Weights:
    severity: dict[str, float]
    repeat: float
    recency: float
    threshold: float
    levels: tuple[str, ...]
    rules: dict[str, float]          # rule id → its weight, where it differs from its severity's

    def of(self, rule: pd.Series, severity: pd.Series) -> pd.Series:
        return rule.map(self.rules).fillna(severity.map(self.severity)).fillna(0.0).astype(float)


@functools.lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> Weights:
    with open(path, encoding="utf-8") as fh:
        v = {r["param"]: r["value"] for r in csv.DictReader(fh)}
    return Weights(severity={s: float(v[s]) for s in SEVERITIES}, repeat=float(v["lap_lai"]),
                   recency=float(v["gan_day"]), threshold=float(v["nguong"]),
                   levels=tuple(x.strip() for x in v["cap_don_vi"].split("|") if x.strip()),
                   rules={k.split(":", 1)[1]: float(x) for k, x in v.items() if k.startswith("quy_tac:")})


def weights(path: Path = WEIGHTS) -> Weights:
    return _read(str(path), path.stat().st_mtime)


def inspected_unit(tree: pd.DataFrame, levels: tuple[str, ...], codes=None) -> dict[str, str]:
    """unit code → the unit an inspection is decided for: its nearest ancestor-or-self at one of `levels` (today's
    tree, parent_code), or itself when it has none (a unit above those levels, or outside such a branch). Walked for
    the `codes` given (default: every unit), each unit once (memo)."""
    # (.tolist() first: iterating an Arrow-backed column value by value is ~10× slower on the national tree)
    parent = dict(zip(tree["unit_code"].tolist(), tree["parent_code"].tolist()))
    at_level = set(tree.loc[tree["tree_level"].isin(levels), "unit_code"].tolist())
    memo: dict[str, str | None] = {}

    def up(code):                      # the nearest ancestor-or-self at the levels, or None
        path = []
        while isinstance(code, str) and code not in memo and code not in at_level and len(path) < 30:
            path.append(code)
            code = parent.get(code)
        found = code if code in at_level else memo.get(code) if isinstance(code, str) else None
        for c in path:
            memo[c] = found
        return found

    wanted = tree["unit_code"].tolist() if codes is None else pd.unique(pd.Series(codes, dtype=object).dropna())
    return {c: up(c) or c for c in wanted}


def rank(findings: pd.DataFrame, tree: pd.DataFrame, w: Weights | None = None,
         last_year: int | None = None) -> pd.DataFrame:
    """One row per unit in the list, highest score first (COLUMNS). `findings`: rows of the anomalies query (rule,
    severity, year, unit_code, title, …); `tree`: rows of units_tree. Column arithmetic, no loop over units: one
    province of the national demo has ~30,000 findings over ~4,500 grassroots organizations."""
    w = w or weights()
    if findings.empty:
        return pd.DataFrame(columns=COLUMNS)
    last_year = last_year or int(findings["year"].max())
    up = inspected_unit(tree, w.levels, findings["unit_code"])
    f = findings.assign(target=findings["unit_code"].map(up), base_weight=w.of(findings["rule"], findings["severity"]))
    f = f.assign(weight=f["base_weight"] * w.recency ** (last_year - f["year"].astype(int)).clip(lower=0))
    per_rule = f.groupby(["target", "rule"], sort=False).agg(
        weight=("weight", "sum"), years=("year", "nunique"), base=("severity", "first"), title=("title", "first"),
        first=("year", "min"), last=("year", "max"), n=("year", "size"), rule_weight=("base_weight", "max"))
    # Persistence: n different years of one rule add lap_lai × (n − 1) of that rule's own (undecayed) weight.
    per_rule["bonus"] = w.repeat * (per_rule["years"] - 1) * per_rule["rule_weight"]
    per_rule["score"] = per_rule["weight"] + per_rule["bonus"]
    per_rule = per_rule.reset_index()
    per_unit = per_rule.groupby("target").agg(score=("score", "sum"), rules=("rule", "size"))
    # In the list: any violation or case to review in the years shown (a finding weighing at least as much as 'cần
    # xem xét'), or weaker findings whose weights (before recency) add up to the threshold. Scattered signals alone
    # keep a unit out; recency orders, it does not exclude.
    # (several findings of one rule in one year at one unit — one per subject or group — are one question for the
    # inspection: they count once towards the threshold)
    per_unit["strength"] = f.groupby(["target", "rule", "year"])["base_weight"].max().groupby(level="target").sum()
    counts = f.groupby(["target", "severity"]).size().unstack(fill_value=0).reindex(columns=list(SEVERITIES),
                                                                                    fill_value=0)
    per_unit = per_unit.join(counts)
    per_unit["persistent"] = per_rule[per_rule["years"] > 1].groupby("target").size()
    per_unit["persistent"] = per_unit["persistent"].fillna(0).astype(int)
    strong = f.groupby("target")["base_weight"].max() >= w.severity["can_xem_xet"]
    listed = (per_unit["vi_pham"] > 0) | strong.reindex(per_unit.index).to_numpy() | \
        (per_unit["strength"] >= w.threshold)
    per_unit = per_unit[listed].sort_values("score", ascending=False, kind="stable")
    if per_unit.empty:
        return pd.DataFrame(columns=COLUMNS)
    span = f.groupby("target")["year"].agg(["min", "max"])
    top = (per_rule[per_rule["target"].isin(per_unit.index)].sort_values(["target", "score"], ascending=[True, False],
                                                                          kind="stable")
           .groupby("target").head(1).set_index("target"))
    again = (per_unit["persistent"] - (top["years"] > 1).reindex(per_unit.index).astype(int)).clip(lower=0)
    tops, units_ = top.to_dict("index"), per_unit[list(SEVERITIES)].to_dict("index")     # plain dicts: fast lookups
    out = pd.DataFrame({
        "rank": range(1, len(per_unit) + 1), "unit_code": per_unit.index,
        "unit": tree.set_index("unit_code")["name"].reindex(per_unit.index).fillna(pd.Series(per_unit.index,
                                                                                       index=per_unit.index)).tolist(),
        "score": per_unit["score"].round(1).to_numpy(),
        **{s: per_unit[s].astype(int).to_numpy() for s in SEVERITIES}, "rules": per_unit["rules"].to_numpy(),
        "first_year": span["min"].reindex(per_unit.index).astype(int).to_numpy(),
        "last_year": span["max"].reindex(per_unit.index).astype(int).to_numpy(),
        "persistent": per_unit["persistent"].to_numpy(),
        "reason": [reason(tops[c], units_[c], int(again[c])) for c in per_unit.index],
    })
    return out[COLUMNS]


def _years(first: int, last: int, n: int) -> str:
    if n == 1:
        return str(last)
    if last - first + 1 == n:
        return f"{n} năm liền {first}–{last}"
    return f"{n} năm trong {first}–{last}"


def reason(top: dict, counts: dict, again: int) -> str:
    """One sentence: the rule that weighs most, with its years, then the rest in counts."""
    head = f"{SEVERITY_WORDS.get(top['base'], top['base']).capitalize()}: {top['title']}"
    head += f" ({_years(int(top['first']), int(top['last']), int(top['years']))})"
    rest = []
    for s in SEVERITIES:
        n = int(counts.get(s, 0)) - (int(top["n"]) if s == top["base"] else 0)
        if n > 0:
            rest.append(f"{fmt.number(n)} {SEVERITY_WORDS[s]}" + (" khác" if s == top["base"] else ""))
    if again:
        rest.append(f"{fmt.number(again)} quy tắc khác lặp lại nhiều năm")
    return head + ("; " + ", ".join(rest) if rest else "") + "."


def worklist_table(ranked: pd.DataFrame, link=None) -> pd.DataFrame:
    """The worklist with Vietnamese labels (link(code, name) for the unit column on screen; names for downloads)."""
    if ranked.empty:
        return pd.DataFrame(columns=["Thứ tự", "Đơn vị", "Điểm", "Vi phạm", "Cần xem xét", "Bất thường",
                                     "Năm", "Lý do"])
    return pd.DataFrame({
        "Thứ tự": ranked["rank"].astype(int),
        "Đơn vị": [link(c, n) for c, n in zip(ranked["unit_code"], ranked["unit"])] if link else ranked["unit"],
        "Điểm": ranked["score"].map(lambda x: fmt.number(x, 1) if x != int(x) else fmt.number(int(x))),
        "Vi phạm": ranked["vi_pham"].astype(int),
        "Cần xem xét": ranked["can_xem_xet"].astype(int),
        "Bất thường": ranked["bat_thuong"].astype(int),
        "Năm": [str(a) if a == b else f"{a}–{b}" for a, b in zip(ranked["first_year"], ranked["last_year"])],
        "Lý do": ranked["reason"],
    })


def by_rule(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings counted by rule and severity, most first (the page's 'theo quy tắc' view)."""
    if findings.empty:
        return pd.DataFrame(columns=["Quy tắc", "Mức", "Số trường hợp", "Số đơn vị", "Năm"])
    g = findings.groupby(["rule", "severity"]).agg(title=("title", "first"), n=("year", "size"),
                                                   units=("unit_code", "nunique"), first=("year", "min"),
                                                   last=("year", "max")).reset_index()
    g = g.sort_values(["severity", "n"], key=lambda s: s.map({k: i for i, k in enumerate(SEVERITIES)})
                      if s.name == "severity" else -s, kind="stable")
    return pd.DataFrame({
        "Quy tắc": g["title"], "Mức": g["severity"].map(lambda s: SEVERITY_WORDS[s].capitalize()),
        "Số trường hợp": g["n"].astype(int), "Số đơn vị": g["units"].astype(int),
        "Năm": [str(a) if a == b else f"{a}–{b}" for a, b in zip(g["first"], g["last"])],
    }).reset_index(drop=True)
