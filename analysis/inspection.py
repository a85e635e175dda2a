"""Tables of the inspection page ("Dấu hiệu bất thường") built from the rows of queries `anomalies` and
`anomaly_rules`: plain pandas, no Streamlit, no SQL. Labels are Vietnamese, numbers are formatted the Vietnamese way.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd

from etl.normalize import search_key
from vocab import fmt

SEVERITY_ORDER = ("vi_pham", "can_xem_xet", "bat_thuong")
SEVERITY_NAMES = {"vi_pham": "Vi phạm", "can_xem_xet": "Cần xem xét", "bat_thuong": "Bất thường"}
SEVERITY_HELP = {
    "vi_pham": "trái một quy định đã đối chiếu văn bản",
    "can_xem_xet": "thuộc thẩm quyền quyết định, hoặc quy định chưa đối chiếu được cho năm đó",
    "bat_thuong": "dấu hiệu thống kê, cần tìm hiểu thêm",
}
BASIS_NAMES = {
    "ho_so_ca_nhan": "hồ sơ từng đảng viên",
    "ho_so_tap_the": "hồ sơ xếp loại tập thể",
    "so_lieu_tong_hop": "số liệu tổng hợp đơn vị báo cáo",
    "han_che_khuyet_diem": "danh sách hạn chế, khuyết điểm",
}

# Column labels of the findings table, in display order.
FINDING_COLUMNS = {
    "severity": "Mức",
    "year": "Năm",
    "unit": "Đơn vị",
    "detail": "Nội dung phát hiện",
    "title": "Quy tắc",
    "subject": "Đối tượng",
    "basis": "Dựa trên",
    "document": "Căn cứ quy định",
    "source": "Tệp nguồn",
    "subject_key": "Mã đối tượng",
    "rule": "Mã quy tắc",
}


def filter_findings(df: pd.DataFrame, *, years: tuple[int, int] | None = None, year: int | None = None,
                    rule: str | None = None, severity: str | None = None, subject: str | None = None) -> pd.DataFrame:
    """The findings within a year range (or one year), of one rule, severity and subject (None = every one)."""
    if df.empty:
        return df
    keep = pd.Series(True, index=df.index)
    if year is not None:
        keep &= df["year"] == year
    elif years is not None:
        keep &= df["year"].between(*years)
    if rule:
        keep &= df["rule"] == rule
    if severity:
        keep &= df["severity"] == severity
    if subject:
        keep &= df["subject"] == subject
    return df[keep]


def search(df: pd.DataFrame, words: str | None) -> pd.DataFrame:
    """The findings whose unit name or wording holds every word typed, without regard to case or diacritics
    ("hoa binh ky luat" finds "Đảng bộ xã Hòa Bình … kỷ luật")."""
    keys = search_key(words or "").split()
    if df.empty or not keys:
        return df
    text = (df["unit"].fillna("") + " " + df["detail"].fillna("") + " " + df["title"].fillna("")).map(search_key)
    keep = pd.Series(True, index=df.index)
    for k in keys:
        keep &= text.str.contains(k, regex=False)
    return df[keep]


def severity_counts(df: pd.DataFrame) -> dict[str, int]:
    counts = df["severity"].value_counts() if not df.empty else pd.Series(dtype=int)
    return {s: int(counts.get(s, 0)) for s in SEVERITY_ORDER}


def basis_text(basis: object) -> str:
    if not isinstance(basis, str) or not basis:
        return ""
    return "; ".join(BASIS_NAMES.get(b.strip(), b.strip()) for b in basis.split(","))


def catalog_table(catalog: pd.DataFrame, findings: pd.DataFrame, years: list[int],
                  conf: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """One row per rule (even without findings): its title, years, severity, document, then its number of findings
    in each year shown and in all, and for a statistical rule its false-alarm rate (with `conf`, the thresholds of
    inspection_config). Counts are text ("1.204"); a rule not applying to a year shows "·"."""
    counts = (findings.groupby(["rule", "year"]).size() if not findings.empty
              else pd.Series(dtype=int))
    rows = []
    for r in catalog.itertuples(index=False):
        ranges = [tuple(int(x) for x in part.split("-")) for part in str(r.ranges).split(",") if part]
        row = {"Quy tắc": r.title, "Mức": r.severity_by_year}
        total = 0
        for y in years:
            n = int(counts.get((r.rule, y), 0))
            total += n
            applies = any(a <= y <= b for a, b in ranges)
            row[str(y)] = fmt.number(n) if applies else "·"
        row["Tổng"] = fmt.number(total)
        row["Năm áp dụng"] = r.years
        row["Căn cứ quy định"] = r.document
        row["Ngưỡng cấu hình"] = r.thresholds or ""
        row["Tỷ lệ báo nhầm"] = false_alarm(r.rule, conf.get(r.rule, {})) if conf is not None else ""
        row["Mã quy tắc"] = r.rule
        rows.append(row)
    return pd.DataFrame(rows, columns=["Quy tắc", "Mức", *map(str, years), "Tổng", "Năm áp dụng", "Căn cứ quy định",
                                       "Ngưỡng cấu hình", "Tỷ lệ báo nhầm", "Mã quy tắc"])


def findings_table(df: pd.DataFrame, subject_names: dict[str, str],
                   link: Callable[[str, str], str] | None = None) -> pd.DataFrame:
    """The findings with Vietnamese labels, in display order. With `link`, the unit column holds a link to the unit's
    profile (link(code, name)); without, the unit's name (for downloads)."""
    if df.empty:
        return pd.DataFrame(columns=list(FINDING_COLUMNS.values()))
    out = pd.DataFrame({
        "severity": df["severity"].map(SEVERITY_NAMES),
        "year": df["year"].astype(int).astype(str),
        "unit": [link(c, n) for c, n in zip(df["unit_code"], df["unit"])] if link else df["unit"],
        "detail": df["detail"],
        "title": df["title"],
        "subject": df["subject"].map(lambda s: subject_names.get(s, s)),
        "basis": df["basis"].map(basis_text),
        "document": df["document"],
        "source": df["source"].fillna(""),
        "subject_key": df["subject_key"],
        "rule": df["rule"],
    })
    return out.rename(columns=FINDING_COLUMNS).reset_index(drop=True)


def export_filters(unit_name: str | None, years: tuple[int, int] | None, year: int | None, rule_title: str | None,
                   severity: str | None, subject_name: str | None) -> dict[str, str]:
    """The filters a download was made with, in words (first lines of the CSV, first sheet of the workbook)."""
    if year is not None:
        when = str(year)
    elif years:
        when = f"{years[0]}–{years[1]}" if years[0] != years[1] else str(years[0])
    else:
        when = "mọi năm"
    return {
        "Đơn vị (gồm đơn vị trực thuộc)": unit_name or "mọi đơn vị",
        "Năm đánh giá": when,
        "Quy tắc": rule_title or "mọi quy tắc",
        "Mức": SEVERITY_NAMES.get(severity, "mọi mức") if severity else "mọi mức",
        "Đối tượng": subject_name or "mọi đối tượng",
    }


# ───────────── what a statistical signal is worth: its false-alarm rate at the threshold used ─────────────

def _rise_false_alarm(n: int, rise: float, share: float = 0.2) -> float:
    """P(the excellent share rises by more than `rise` from one year to the next | the same true share both years,
    n rated each year): exact, by the two binomial distributions."""
    from scipy import stats
    k = range(n + 1)
    before = stats.binom.pmf(k, n, share)
    after_sf = [stats.binom.sf(int((i / n + rise) * n + 1e-9), n, share) for i in k]   # P(after/n > before/n + rise)
    return float(sum(b * a for b, a in zip(before, after_sf)))


def _small_pct(p: float) -> str:
    return "dưới 0,1%" if p < 0.001 else fmt.pct(p, 1)


def false_alarm(rule: str, conf: dict[str, str]) -> str:
    """How often a unit with nothing wrong would trip a statistical rule at its configured threshold, in words (empty
    for a rule that is not a statistical test). Shown in the catalog and beside each signal."""
    if rule == "thong_ke_chi_bo_dong_loat_mot_muc":
        p = float(conf["xac_suat_toi_da"])
        return (f"không quá {fmt.pct(p, 2)} mỗi chi bộ mỗi năm: chi bộ xếp loại ngẫu nhiên theo tỷ lệ chung chỉ cùng "
                "một mức với xác suất đó")
    if rule == "thong_ke_cap_tren_thay_doi_tu_xep_loai":
        from scipy import stats
        z = float(conf["z_toi_thieu"])
        return (f"khoảng {fmt.pct(float(stats.norm.sf(z)), 2)} mỗi đơn vị mỗi năm (cao hơn các đơn vị khác "
                f"{fmt.number(z, 1 if z != int(z) else 0)} độ lệch chuẩn, xấp xỉ chuẩn)")
    if rule == "thong_ke_ty_le_htxs_tang_dot_bien":
        rise, smallest = float(conf["tang_toi_da"]), int(conf["quy_mo_toi_thieu"])
        sizes = sorted({smallest, 50, 100, 300})
        parts = [f"{fmt.number(n)} người: {_small_pct(_rise_false_alarm(n, rise))}" for n in sizes if n >= smallest]
        return ("nếu tỷ lệ thật (20%) không đổi, đơn vị vẫn 'tăng đột biến' với xác suất " + "; ".join(parts)
                + " — đơn vị càng nhỏ càng dễ báo nhầm")
    if rule == "lanh_dao_cao_hon_tap_the":
        return "không phải kiểm định thống kê: tín hiệu mềm, chưa có văn bản quy định"
    return ""
