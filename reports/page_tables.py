"""The tables behind what the Standing Committee pages show, as files: numbers stay numbers, labels are Vietnamese.

The pages show formatted text ("2.311 (78,4%)"); a download must let the user compute, so every function here
returns counts as integers and shares as percentages with one decimal (17.3 for 17,3%), one row per unit and year.
Plain pandas, no Streamlit, no SQL: the inputs are the rows of the queries the page already ran.
"""
from __future__ import annotations

import pandas as pd

from vocab.style import LEVEL_CODES, REMEDY, level_code

PCT = " (%)"


def _pct(part, whole) -> pd.Series:
    part = pd.to_numeric(part, errors="coerce").astype(float)
    whole = pd.to_numeric(whole, errors="coerce").astype(float)
    return (100 * part / whole.where(whole > 0)).round(1)


def _int(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("Int64")


def levels_by_year(dist: pd.DataFrame, level_names: dict[str, str], years: list[int],
                   subject_names: dict[str, str] | None = None) -> pd.DataFrame:
    """Rows of `distribution`/`unit_distribution` (one subject or several) → Năm, [Đối tượng], the four counts,
    Tổng số, the four shares of all rated, and HTXS as a share of HTT (the base of the quota rules)."""
    d = dist[dist["year"].isin(years)].sort_values(["year"], kind="stable") if not dist.empty else dist
    out = pd.DataFrame({"Năm": d["year"].astype(int)} if not d.empty else {"Năm": pd.Series(dtype=int)})
    if subject_names is not None:
        out["Đối tượng"] = d["subject"].map(lambda s: subject_names.get(s, s))
    for c in LEVEL_CODES:
        out[level_names.get(c, c)] = _int(d[c]) if not d.empty else pd.Series(dtype="Int64")
    out["Tổng số"] = _int(d["total"]) if not d.empty else pd.Series(dtype="Int64")
    for c in LEVEL_CODES:
        out[f"Tỷ lệ {level_names.get(c, c)}{PCT}"] = _pct(d[c], d["total"]) if not d.empty else pd.Series(dtype=float)
    out[f"HTXS so với số HTT{PCT}"] = _pct(d["htxs"], d["htt"]) if not d.empty else pd.Series(dtype=float)
    if "not_rated" in d:
        out["Không xếp loại"] = _int(d["not_rated"])
    if "from_predecessors" in d:
        out["Số liệu của đơn vị tiền thân"] = d["from_predecessors"].map(lambda v: "có" if bool(v) else "")
    return out.reset_index(drop=True)


def quota_series(series: pd.DataFrame) -> pd.DataFrame:
    """ui.shares.quota_series rows (the excellent share against the quota chart) → one row per year."""
    return pd.DataFrame({
        "Năm": series["year"].astype(int),
        "Số HTXS": _int(series["htxs"]),
        "Số HTT": _int(series["htt"]),
        "Tổng số xếp loại": _int(series["total"]),
        f"HTXS so với số HTT{PCT}": (100 * series["htxs_of_htt"]).round(1),
        f"HTXS so với tổng số{PCT}": (100 * series["htxs_of_total"]).round(1),
        f"Giới hạn theo quy định{PCT}": (100 * pd.to_numeric(series["ratio"], errors="coerce")).round(1),
        f"Mức ngoại lệ được phép{PCT}": (100 * pd.to_numeric(series["exception_ratio"], errors="coerce")).round(1),
        "Căn cứ": series["source"].fillna(""),
    }).reset_index(drop=True)


def reviewed(dist: pd.DataFrame, subject_names: dict[str, str], years: list[int]) -> pd.DataFrame:
    """Per subject and year: rated, not rated (empty when the unit did not report it) and reviewed (their sum)."""
    d = dist[dist["year"].isin(years)]
    d = d.assign(_order=d["subject"].map({c: i for i, c in enumerate(subject_names)})).sort_values(
        ["_order", "year"], kind="stable")
    not_rated = _int(d["not_rated"])
    return pd.DataFrame({
        "Đối tượng": d["subject"].map(lambda s: subject_names.get(s, s)),
        "Năm": d["year"].astype(int),
        "Được xếp loại": _int(d["total"]),
        "Không xếp loại": not_rated,
        "Được kiểm điểm": _int(d["total"]) + not_rated.fillna(0),
    }).reset_index(drop=True)


def units_by_year(rows: pd.DataFrame, level_names: dict[str, str], level: str) -> pd.DataFrame:
    """Rows per unit and year (children_distribution, distribution with parent=, peer_distribution) → Đơn vị,
    Mã đơn vị, [Cấp trên], Năm, the four counts, Tổng số, the chosen level's share."""
    out = pd.DataFrame({"Đơn vị": rows["unit"], "Mã đơn vị": rows["unit_code"]})
    if "parent_name" in rows:
        out["Cấp trên"] = rows["parent_name"]
    out["Năm"] = rows["year"].astype(int)
    for c in LEVEL_CODES:
        out[level_names.get(c, c)] = _int(rows[c])
    out["Tổng số"] = _int(rows["total"])
    out[f"Tỷ lệ {level_names.get(level, level)}{PCT}"] = _pct(rows[level], rows["total"])
    return out.reset_index(drop=True)


def peer_summary(summary: pd.DataFrame, unit_name: str, level_name: str) -> pd.DataFrame:
    """ui.shares.peer_level rows → the unit's share, the pooled share of its peers and its rank, per year."""
    return pd.DataFrame({
        "Năm": summary["year"].astype(int),
        f"Tỷ lệ {level_name} của {unit_name}{PCT}": (100 * summary["self_share"]).round(1),
        f"Tỷ lệ {level_name} chung các đơn vị cùng loại{PCT}": (100 * summary["pooled_share"]).round(1),
        "Thứ hạng (1 = tỷ lệ cao nhất)": _int(summary["rank"]),
        "Số đơn vị cùng loại có số liệu": _int(summary["peers"]),
    }).reset_index(drop=True)


def collective_ratings(own: pd.DataFrame, level_names: dict[str, str], subject_names: dict[str, str]) -> pd.DataFrame:
    """unit_collective_ratings rows → Năm, Đối tượng, the self rating and the final rating as words, Điểm."""

    def word(v):
        code = level_code(v)
        return level_names.get(code, "") if code else ""
    return pd.DataFrame({
        "Năm": own["year"].astype(int),
        "Đối tượng": own["subject"].map(lambda s: subject_names.get(s, s)),
        "Tự xếp loại": own["self_level"].map(word),
        "Cấp có thẩm quyền xếp loại": own["level"].map(word),
        "Điểm": pd.to_numeric(own["score"], errors="coerce"),
    }).reset_index(drop=True)


def composition(adj: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """analysis.composition.adjusted_share rows → the share as reported and with the base year's units kept."""
    return pd.DataFrame({
        "Năm": adj["year"].astype(int),
        f"Tỷ lệ HTXS như báo cáo{PCT}": (100 * adj["raw_share"]).round(1),
        f"Tỷ lệ HTXS giữ cơ cấu năm {base_year}{PCT}": (100 * adj["adjusted_share"]).round(1),
        f"Số đơn vị có trong năm {base_year}": _int(adj["units_in_base"]),
        "Số đơn vị có số liệu": _int(adj["units"]),
    }).reset_index(drop=True)


def shortcomings(sc: pd.DataFrame) -> pd.DataFrame:
    """unit_shortcomings rows → Năm, Nội dung, Nhóm, Kết quả khắc phục, Tệp nguồn."""
    return pd.DataFrame({
        "Năm": sc["year"].astype(int),
        "Nội dung": sc["text"],
        "Nhóm": sc["category"].fillna(""),
        "Kết quả khắc phục": [REMEDY.get(s, r if isinstance(r, str) else "")
                              for s, r in zip(sc["remedy_status"], sc["remedy"])],
        "Tệp nguồn": sc["source"].fillna("") if "source" in sc else "",
    }).reset_index(drop=True)


def suggestions(sg: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Năm": sg["year"].astype(int), "Nội dung gợi ý kiểm điểm": sg["text"]}).reset_index(drop=True)
