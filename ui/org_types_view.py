"""The counts a unit reported by loại hình (type of grassroots organization), as the central statistics forms Biểu số
7A/7B-TCTW give them (queries/aggregate_by_type.sql): a table the unit profile shows, filtered by type."""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from vocab import fmt
from vocab.style import LEVEL_CODES

ALL = "tat_ca"


def types_of(rows: pd.DataFrame) -> dict[str, str]:
    """code → name of the types the rows hold, in the form's order."""
    return dict(zip(rows["org_type"], rows["org_type_name"].fillna(rows["org_type"])))


def table(rows: pd.DataFrame, level_names: Mapping[str, str], subject_names: Mapping[str, str],
          org_type: str = ALL) -> pd.DataFrame:
    """One row per year, subject and type: the four levels (HTXS with its 'tiêu biểu' count), the total rated and
    the not rated; a type inside another (100% vốn nước ngoài) says so, since it is not added to the total."""
    d = rows if org_type == ALL else rows[rows["org_type"] == org_type]
    out = pd.DataFrame({
        "Năm": d["year"].astype(int).astype(str),
        "Đối tượng": [subject_names.get(s, s) for s in d["subject"]],
        "Loại hình": [n if inside else f"{n} (nằm trong loại hình trên, không cộng vào tổng)"
                      for n, inside in zip(d["org_type_name"].fillna(d["org_type"]), d["in_total"].astype(bool))],
    })
    for c in LEVEL_CODES:
        out[level_names.get(c, c)] = [fmt.number(v) for v in d[c]]
    first = level_names.get(LEVEL_CODES[0], LEVEL_CODES[0])
    out[first] = [f"{v} (tiêu biểu {fmt.number(e)})" if not pd.isna(e) and e else v
                  for v, e in zip(out[first], d["exemplary"])]
    out["Tổng số"] = [fmt.number(v) for v in d["total"]]
    out["Không xếp loại"] = [fmt.number(v) for v in d["not_rated"]]
    return out.reset_index(drop=True)
