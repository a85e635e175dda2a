"""Đơn vị cần kiểm tra: the units an inspection committee should look at first, ranked by a score it can read.

From the findings of the inspection catalog (rows of queries/anomalies.sql) within the user's scope:
- each finding weighs by its severity (a violation outweighs many statistical signals);
- recency: a finding `k` years older than the newest year shown weighs gan_day**k;
- persistence: a rule that hits the same unit in n different years adds lap_lai × (n − 1) times that rule's weight;
- size enters through the rules themselves: a quota group too small to mean anything is "cần xem xét", not a
  violation, and each statistical signal has its own minimum size and false-alarm rate;
- findings on a chi bộ trực thuộc or a member count for the tổ chức cơ sở đảng that contains it (cap_don_vi), the
  unit an inspection is decided for; a finding above that level stays on its own unit.
A unit enters the list with a violation in the years shown, a rule that hits it in two years or more, or findings
whose weights (before recency) reach `nguong`: scattered statistical signals alone keep it out. Recency orders the
list; it does not take an old case out of it (the sidebar's years choose the period). The weights are data (data/reference/worklist_weights.csv) and
each row says in one sentence why the unit is there. Plain pandas: no Streamlit, no SQL.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ui import fmt

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


def inspected_unit(tree: pd.DataFrame, levels: tuple[str, ...]) -> dict[str, str]:
    """unit code → the unit an inspection is decided for: itself when it is at one of `levels` or above them (no
    ancestor at those levels), else its nearest ancestor at one of `levels` (today's tree, parent_code)."""
    parent = dict(zip(tree["unit_code"], tree["parent_code"]))
    level = dict(zip(tree["unit_code"], tree["tree_level"]))
    out: dict[str, str] = {}
    for code in tree["unit_code"]:
        seen, cur = [], code
        while isinstance(cur, str) and cur not in out and level.get(cur) not in levels and len(seen) < 30:
            seen.append(cur)
            cur = parent.get(cur)
        target = out.get(cur, cur) if isinstance(cur, str) and (cur in out or level.get(cur) in levels) else None
        for s in seen:
            out[s] = target or s
        if isinstance(cur, str) and cur not in out:
            out[cur] = cur
    return out


def rank(findings: pd.DataFrame, tree: pd.DataFrame, w: Weights | None = None,
         last_year: int | None = None) -> pd.DataFrame:
    """One row per unit whose score reaches the threshold, highest first (COLUMNS). `findings`: rows of the
    anomalies query (rule, severity, year, unit_code, title, …); `tree`: rows of units_tree."""
    w = w or weights()
    if findings.empty:
        return pd.DataFrame(columns=COLUMNS)
    last_year = last_year or int(findings["year"].max())
    up = inspected_unit(tree, w.levels)
    names = dict(zip(tree["unit_code"], tree["name"]))
    f = findings.assign(target=[up.get(c, c) for c in findings["unit_code"]])
    f = f.assign(base_weight=w.of(f["rule"], f["severity"]))
    f = f.assign(weight=f["base_weight"] * w.recency ** (last_year - f["year"].astype(int)).clip(lower=0))
    per_rule = f.groupby(["target", "rule"]).agg(
        weight=("weight", "sum"), years=("year", "nunique"), base=("severity", "first"), title=("title", "first"),
        first=("year", "min"), last=("year", "max"), n=("year", "size"), rule_weight=("base_weight", "max"))
    # Persistence: n different years of one rule add lap_lai × (n − 1) of that rule's own (undecayed) weight.
    per_rule["bonus"] = w.repeat * (per_rule["years"] - 1) * per_rule["rule_weight"]
    per_rule["score"] = per_rule["weight"] + per_rule["bonus"]
    scores = per_rule.groupby(level="target")["score"].sum()
    # In the list: any violation in the years shown, a rule hitting the unit in two years or more, or enough signals
    # to reach the threshold. Scattered signals alone keep a unit out; recency orders, it does not exclude.
    violated = set(f.loc[f["severity"] == "vi_pham", "target"])
    repeated = set(per_rule.index[(per_rule["years"] > 1) & (per_rule["rule_weight"] >= w.severity["can_xem_xet"])]
                   .get_level_values("target"))
    strength = f.groupby("target")["base_weight"].sum().reindex(scores.index)     # undecayed: old cases count too
    listed = scores.index.isin(list(violated | repeated)) | (strength >= w.threshold).to_numpy()
    keep = scores[listed].sort_values(ascending=False, kind="stable")
    if keep.empty:
        return pd.DataFrame(columns=COLUMNS)
    counts = f.groupby(["target", "severity"]).size().unstack(fill_value=0).reindex(columns=list(SEVERITIES),
                                                                                    fill_value=0)
    rows = []
    for i, (code, score) in enumerate(keep.items(), 1):
        rules = per_rule.loc[code].sort_values(["score"], ascending=False)
        years = f.loc[f["target"] == code, "year"]
        persistent = rules[rules["years"] > 1]
        rows.append({
            "rank": i, "unit_code": code, "unit": names.get(code, code), "score": round(float(score), 1),
            **{s: int(counts.at[code, s]) for s in SEVERITIES}, "rules": len(rules),
            "first_year": int(years.min()), "last_year": int(years.max()),
            "persistent": len(persistent), "reason": reason(rules, counts.loc[code]),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _years(first: int, last: int, n: int) -> str:
    if n == 1:
        return str(last)
    if last - first + 1 == n:
        return f"{n} năm liền {first}–{last}"
    return f"{n} năm trong {first}–{last}"


def reason(rules: pd.DataFrame, counts: pd.Series) -> str:
    """One sentence: what weighs most, then the rest in counts."""
    top = rules.iloc[0]
    head = f"{SEVERITY_WORDS.get(top['base'], top['base']).capitalize()}: {top['title']}"
    head += f" ({_years(int(top['first']), int(top['last']), int(top['years']))})"
    rest = []
    for s in SEVERITIES:
        n = int(counts.get(s, 0)) - (int(top["n"]) if s == top["base"] else 0)
        if n > 0:
            rest.append(f"{fmt.number(n)} {SEVERITY_WORDS[s]}" + (" khác" if s == top["base"] else ""))
    again = rules.iloc[1:][rules.iloc[1:]["years"] > 1]
    if len(again):
        rest.append(f"{fmt.number(len(again))} quy tắc khác lặp lại nhiều năm")
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
