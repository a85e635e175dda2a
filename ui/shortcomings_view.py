"""What the page "Hạn chế, khuyết điểm tái diễn" shows, as plain tables and figures (no Streamlit here).

Query rows in (queries/recurring_shortcomings.sql, shortcoming_*.sql), Vietnamese tables out: column names, statuses,
decisions and numbers written for a reader, never codes. The review queue's editor frame and the decisions read back
from it are here too, so a test can check the round trip without the app.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from derive import shortcoming_match as sc
from vocab import fmt

STATUS_NAMES = {"da_khac_phuc": "Đã khắc phục", "dang_khac_phuc": "Đang khắc phục", "chua_khac_phuc": "Chưa khắc phục"}
NOT_REPORTED = "Chưa báo cáo"
DECISION_NAMES = {sc.CONFIRMED: "Cùng một hạn chế", sc.REJECTED: "Hai hạn chế khác nhau"}
DECISION_CODES = {v: k for k, v in DECISION_NAMES.items()}
BASIS_NAMES = {"tu_dong": "tự động (lời văn giống)", "xac_nhan": "người xem xét xác nhận"}
FLAG_NAMES = {"vi_pham": "Vi phạm", "can_xem_xet": "Cần xem xét"}
LATER_BASIS = {"noi_dung": "nội dung giống", "cung_nhom": "cùng nhóm hạn chế"}

# Page sections (the "xem" parameter of the address).
SECTIONS = {"tong_quan": "Tổng quan", "lap_lai": "Hạn chế lặp lại", "don_vi": "Theo đơn vị",
            "xac_nhan": "Xác nhận cặp hạn chế", "goi_y": "Gợi ý kiểm điểm"}

# Colours of the categories in the trend chart (taxonomy order; 'khác' grey).
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
           "#393b79", "#ad494a", "#637939", "#7b4173", "#843c39"]
OTHER_COLOR = "#9e9e9e"

DECISION_COLUMN = "Quyết định"


def status_name(code) -> str:
    return STATUS_NAMES.get(code, NOT_REPORTED) if isinstance(code, str) else NOT_REPORTED


def _yes(v) -> str:
    return "Có" if bool(v) and not pd.isna(v) else "Không"


def _year(v) -> str:
    return "" if fmt._missing(v) else str(int(v))


def years_label(first, last, years) -> str:
    return f"{int(first)}–{int(last)} ({int(years)} năm)" if int(first) != int(last) else str(int(first))


# ───────────── recurrence ─────────────

def recurrence_table(rec: pd.DataFrame, link: Callable[[str, str], str] | None = None) -> pd.DataFrame:
    """One row per chain: unit (a profile link when `link`), category, years, whether consecutive, latest remedy."""
    return pd.DataFrame({
        "Đơn vị": [link(c, n) if link else n for c, n in zip(rec["unit_code"], rec["unit"])],
        "Nhóm hạn chế": rec["category"].fillna("Khác, chưa xếp được nhóm"),
        "Từ năm": rec["first_year"].map(_year),
        "Đến năm": rec["last_year"].map(_year),
        "Số năm": rec["years"].map(fmt.number),
        "Liên tiếp": rec["consecutive"].map(_yes),
        "Khắc phục gần nhất": rec["latest_status"].fillna(NOT_REPORTED),
        "Báo đã khắc phục rồi lặp lại": rec["fixed_then_recurred"].map(lambda n: fmt.number(n) if n else ""),
        "Nội dung các năm": rec["texts"],
    })


def longest_unresolved(rec: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The chains not shown fixed, longest first (then the most recent)."""
    open_ = rec[rec["unresolved"].astype(bool)]
    return open_.sort_values(["years", "last_year", "first_year"], ascending=[False, False, True],
                             kind="stable").head(n)


def chain_label(row) -> str:
    return f"{row['unit']} · {row['category']} · {years_label(row['first_year'], row['last_year'], row['years'])}"


def chain_options(rec: pd.DataFrame) -> dict[str, str]:
    """chain_id → a readable label, in the order of the recurrence table."""
    return {r["chain_id"]: chain_label(r) for _, r in rec.iterrows()}


def chain_cards(chain: pd.DataFrame) -> list[dict]:
    """The years of one chain side by side: each year's wording, group, remedy, and why it joined the chain."""
    cards = []
    for r in chain.to_dict("records"):
        if fmt._missing(r.get("linked_from_year")):
            why = "Năm đầu của chuỗi"
        elif r.get("basis") == "xac_nhan":
            who = r.get("decided_by") or sc.ANONYMOUS
            when = fmt.datetime(r.get("decided_at"))
            why = (f"{who} xác nhận là cùng hạn chế với năm {int(r['linked_from_year'])}"
                   + (f" ({when})" if when else ""))
        else:
            why = (f"Lời văn giống năm {int(r['linked_from_year'])}: {fmt.pct(r['score'], 0)}")
        cards.append({"year": int(r["year"]), "unit": r["unit"], "text": r["text"],
                      "category": r["category"] or "Khác, chưa xếp được nhóm",
                      "status": status_name(r["remedy_status"]), "why": why, "item_id": r["item_id"]})
    return cards


def chain_export(chain: pd.DataFrame) -> pd.DataFrame:
    cards = chain_cards(chain)
    return pd.DataFrame({"Năm": [c["year"] for c in cards], "Đơn vị": [c["unit"] for c in cards],
                         "Nội dung": [c["text"] for c in cards], "Nhóm hạn chế": [c["category"] for c in cards],
                         "Kết quả khắc phục": [c["status"] for c in cards],
                         "Căn cứ nối chuỗi": [c["why"] for c in cards]})


# ───────────── trend and timeline ─────────────

def trend_table(trend: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Categories × years: "shortcomings (recurring)"; a total row last."""
    if trend.empty:
        return pd.DataFrame(columns=["Nhóm hạn chế", *map(str, years)])
    order = trend.sort_values(["sort_order", "category"]).drop_duplicates("category_code")
    rows = []
    for _, c in order.iterrows():
        t = trend[trend["category_code"] == c["category_code"]].set_index("year")
        rows.append({"Nhóm hạn chế": c["category"],
                     **{str(y): _cell(t.loc[y, "shortcomings"], t.loc[y, "recurring"]) if y in t.index else ""
                        for y in years}})
    tot = trend.groupby("year")[["shortcomings", "recurring"]].sum()
    rows.append({"Nhóm hạn chế": "Tổng số",
                 **{str(y): _cell(tot.loc[y, "shortcomings"], tot.loc[y, "recurring"]) if y in tot.index else ""
                    for y in years}})
    return pd.DataFrame(rows)


def _cell(n, recurring) -> str:
    return fmt.number(n) + (f" ({fmt.number(recurring)} lặp lại)" if recurring else "")


def trend_figure(trend: pd.DataFrame, years: list[int], height: int = 380) -> go.Figure:
    """Stacked bars: the shortcomings of each year by category; a line: the share that repeat an earlier review."""
    xs = [str(y) for y in years]
    order = trend.sort_values(["sort_order", "category"]).drop_duplicates("category_code")
    data = []
    for i, (_, c) in enumerate(order.iterrows()):
        t = trend[trend["category_code"] == c["category_code"]].set_index("year")
        ys = [int(t.loc[y, "shortcomings"]) if y in t.index else 0 for y in years]
        rec = [int(t.loc[y, "recurring"]) if y in t.index else 0 for y in years]
        color = OTHER_COLOR if c["category_code"] == sc.OTHER else PALETTE[i % len(PALETTE)]
        data.append(go.Bar(x=xs, y=ys, name=c["category"], marker_color=color,
                           customdata=[[fmt.number(r)] for r in rec],
                           hovertemplate="%{x}: %{y} hạn chế, %{customdata[0]} lặp lại<extra>" + c["category"]
                           + "</extra>"))
    tot = trend.groupby("year")[["shortcomings", "recurring"]].sum()
    share = [float(tot.loc[y, "recurring"] / tot.loc[y, "shortcomings"])
             if y in tot.index and tot.loc[y, "shortcomings"] else None for y in years]
    data.append(go.Scatter(x=xs, y=share, name="Tỷ lệ lặp lại (trục phải)", yaxis="y2", mode="lines+markers",
                           line=dict(color="#000000", width=2), connectgaps=False,
                           hovertemplate="%{x}: %{y:.1%} hạn chế lặp lại kỳ trước<extra></extra>"))
    fig = go.Figure(data=data)
    fig.update_layout(barmode="stack", height=height, separators=fmt.PLOTLY_SEPARATORS,
                      margin=dict(l=10, r=10, t=10, b=10), font=dict(size=13),
                      legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0),
                      xaxis=dict(type="category", categoryorder="array", categoryarray=xs),
                      yaxis=dict(title=dict(text="Số hạn chế"), rangemode="tozero"),
                      yaxis2=dict(title=dict(text="Tỷ lệ lặp lại"), overlaying="y", side="right", tickformat=".0%",
                                  rangemode="tozero", showgrid=False))
    return fig


RECUR_MARK = "↻"
STATUS_COLORS = {"chua_khac_phuc": "#f4c7c3", "dang_khac_phuc": "#fce8b2", "da_khac_phuc": "#c8e6c9", None: "#eeeeee"}
TIMELINE_LEGEND = (f"Mỗi ô: số hạn chế của năm; {RECUR_MARK}: có hạn chế lặp lại kỳ trước. Màu: đỏ nhạt chưa khắc "
                   "phục, vàng đang khắc phục, xanh đã khắc phục, xám chưa báo cáo (kết quả kém nhất trong ô).")


def timeline_table(tl: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """One unit: categories (in the order they first appear) × years; a cell = the number of shortcomings, marked
    when one repeats an earlier review."""
    cols = ["Nhóm hạn chế", *map(str, years)]
    if tl.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for cat, t in tl.groupby("category", sort=False):
        t = t.set_index("year")
        rows.append({"Nhóm hạn chế": cat, **{
            str(y): (fmt.number(t.loc[y, "shortcomings"]) + (RECUR_MARK if t.loc[y, "recurring"] else ""))
            if y in t.index else "" for y in years}})
    return pd.DataFrame(rows, columns=cols)


def timeline_colors(tl: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """CSS for each cell of timeline_table(): the background of the worst remedy reported."""
    table = timeline_table(tl, years)
    css = pd.DataFrame("", index=table.index, columns=table.columns)
    for i, (cat, t) in enumerate(tl.groupby("category", sort=False)):
        for y, status in zip(t["year"], t["worst_status"]):
            if y in years:
                css.iat[i, years.index(int(y)) + 1] = \
                    f"background-color: {STATUS_COLORS.get(status if isinstance(status, str) else None)}"
    return css


def timeline_texts(tl: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Năm": tl["year"].map(_year), "Nhóm hạn chế": tl["category"],
                         "Số hạn chế": tl["shortcomings"].map(fmt.number),
                         "Lặp lại kỳ trước": tl["recurring"].map(lambda n: fmt.number(n) if n else ""),
                         "Khắc phục": tl["worst_status"].map(status_name), "Nội dung": tl["texts"]})


# ───────────── 366 ─────────────

def flags_366_table(df: pd.DataFrame, subject_names: dict[str, str],
                    link: Callable[[str, str], str] | None = None) -> pd.DataFrame:
    texts = df["texts"].fillna("")
    for code, name in STATUS_NAMES.items():
        texts = texts.str.replace(f"({code})", f"({name.lower()})", regex=False)
    return pd.DataFrame({
        "Mức": df["status"].map(FLAG_NAMES),
        "Năm xếp loại": df["year"].map(_year),
        "Đơn vị": [link(c, n) if link else n for c, n in zip(df["unit_code"], df["unit"])],
        "Đối tượng": df["subject"].map(lambda s: subject_names.get(s, s)),
        "Kỳ kiểm điểm trước": df["previous_year"].map(_year),
        "Số hạn chế kỳ trước": df["previous"].map(fmt.number),
        "Chưa, đang khắc phục": df["open"].map(fmt.number),
        "Báo đã khắc phục nhưng lặp lại": df["recurred"].map(fmt.number),
        "Chưa báo cáo khắc phục": df["unreported"].map(fmt.number),
        "Hạn chế còn tồn tại": texts,
    })


# ───────────── review queue and decisions ─────────────

def queue_frame(q: pd.DataFrame) -> pd.DataFrame:
    """The editor's rows: both wordings side by side, the similarity, an empty decision to fill in."""
    return pd.DataFrame({
        "Đơn vị": q["unit"].astype(str),
        "Năm trước": q["year_from"].map(_year),
        "Nội dung năm trước": q["text_from"],
        "Năm sau": q["year_to"].map(_year),
        "Nội dung năm sau": q["text_to"],
        "Độ giống": q["score"].map(lambda s: fmt.pct(s, 0)),
        DECISION_COLUMN: pd.Series([None] * len(q), dtype=object),
    }).reset_index(drop=True)


def decisions_from_editor(q: pd.DataFrame, edited: pd.DataFrame) -> list[dict]:
    """The rows a person decided (the editor's frame, rows in the order of `q`) as save_decisions() input."""
    q = q.reset_index(drop=True)
    out = []
    for i, label in enumerate(edited[DECISION_COLUMN].tolist()):
        code = DECISION_CODES.get(label) if isinstance(label, str) else None
        if code is None:
            continue
        r = q.iloc[i]
        out.append({"from_id": r["from_id"], "to_id": r["to_id"], "decision": code,
                    "text_from": r["text_from"], "text_to": r["text_to"]})
    return out


def decisions_table(dec: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Thời điểm": dec["decided_at"].map(fmt.datetime),
        "Người xem xét": dec["decided_by"],
        "Quyết định": dec["decision"].map(DECISION_NAMES),
        "Năm trước": dec["year_from"].map(_year), "Nội dung năm trước": dec["text_from"],
        "Năm sau": dec["year_to"].map(_year), "Nội dung năm sau": dec["text_to"],
        "Đang áp dụng": dec["current"].map(_yes),
    })


# ───────────── review suggestions ─────────────

def suggestions_table(sug: pd.DataFrame, link: Callable[[str, str], str] | None = None) -> pd.DataFrame:
    later = [("" if fmt._missing(y) else f"{int(y)} ({LATER_BASIS.get(b, '')}): {t}")
             for y, b, t in zip(sug["later_year"], sug["later_basis"], sug["later_text"])]
    return pd.DataFrame({
        "Năm": sug["year"].map(_year),
        "Đơn vị": [link(c, n) if link else n for c, n in zip(sug["unit_code"], sug["unit"])],
        "Nội dung gợi ý": sug["suggestion"],
        "Nhóm hạn chế": sug["category"],
        "Kiểm điểm năm đó đã nêu": [("Có: " + t) if a and isinstance(t, str) else "Chưa thấy nêu"
                                    for a, t in zip(sug["addressed"], sug["addressed_text"])],
        "Xuất hiện lại về sau": [x or "Không" for x in later],
    })


def suggestion_summary(sug: pd.DataFrame) -> dict[str, int]:
    return {"goi_y": len(sug), "don_vi": sug["unit_code"].nunique(),
            "da_neu": int(sug["addressed"].fillna(False).astype(bool).sum()),
            "lap_lai": int(sug["later_year"].notna().sum())}


def subtree(units: pd.DataFrame, code: str) -> set[str]:
    """The unit and every unit under it in today's tree (units_tree rows: unit_code, parent_code)."""
    kids: dict[str, list[str]] = {}
    for c, p in zip(units["unit_code"], units["parent_code"]):
        if isinstance(p, str):
            kids.setdefault(p, []).append(c)
    out, todo = set(), [code]
    while todo:
        c = todo.pop()
        if c not in out:
            out.add(c)
            todo.extend(kids.get(c, []))
    return out


def export_filters(unit_name: str, years: list[int], subject: str | None = None,
                   extra: dict[str, object] | None = None) -> dict[str, object]:
    """What an exported file states about the view it was made from."""
    out = {"Đơn vị": f"{unit_name} và các đơn vị trực thuộc", "Năm": f"{years[0]}–{years[-1]}" if years else "",
           "Đối tượng": subject or "Mọi đối tượng"}
    out.update({k: v for k, v in (extra or {}).items() if v})
    return out
