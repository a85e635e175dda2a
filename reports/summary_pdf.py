"""A one-page summary of one unit and year that a secretary can print: the distribution, the trend, the flags and
the open shortcomings. PDF with DejaVu Sans embedded (fpdf2's built-in fonts cannot print "Đ").
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF

from queries import runner
from reports import exports
from vocab.fmt import delta_points, number, pct
from vocab.style import LEVEL_SHORT

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path(__file__).resolve().parent / "fonts"]


class FontMissing(Exception):
    pass


def _font(name: str) -> str:
    for d in FONT_DIRS:
        if (d / name).exists():
            return str(d / name)
    raise FontMissing("Chưa có phông chữ DejaVu Sans để in tiếng Việt (cài: apt-get install fonts-dejavu-core).")


def build(con, unit: str, year: int) -> bytes:
    dist = runner.run(con, "distribution", {"unit": unit})
    if dist.empty:
        raise LookupError(f"Không có số liệu xếp loại cho đơn vị '{unit}'")
    code = dist["unit_code"].iloc[0]
    name = dist["unit"].iloc[0]
    dist = dist[dist["unit_code"] == code]
    cur = con.cursor()
    subject_names = dict(cur.execute("SELECT code, name FROM subjects").fetchall())
    cur.close()
    this = dist[dist["year"] == year].set_index("subject")
    prev = dist[dist["year"] == year - 1].set_index("subject")

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", _font("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", _font("DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_margins(14, 12, 14)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 7, f"{name} — kết quả xếp loại chất lượng năm {year}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    demo = con.cursor().execute("SELECT value FROM meta WHERE key = 'demo'").fetchall()
    note = f"In ngày {dt.date.today().strftime('%d/%m/%Y')}" + (f" — {demo[0][0]}" if demo else "")
    pdf.cell(0, 4, note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    # 1. Distribution of the year, with the change from the year before.
    _heading(pdf, "1. Phân bố xếp loại")
    widths = [46, 27, 27, 27, 27, 16, 16]
    _row(pdf, widths, ["Đối tượng", *[LEVEL_SHORT[k] for k in ("htxs", "htt", "ht", "khtnv")], "Tổng số", "± HTXS"],
         bold=True)
    for subject, r in this.iterrows():
        cells = [subject_names.get(subject, subject)]
        for k in ("htxs", "htt", "ht", "khtnv"):
            cells.append(f"{number(r[k])} ({pct(r[k] / r['total'] if r['total'] else None)})")
        cells.append(number(r["total"]))
        delta = ""
        if subject in prev.index and prev.at[subject, "total"] and r["total"]:
            delta = delta_points(r["htxs"] / r["total"] - prev.at[subject, "htxs"] / prev.at[subject, "total"])
        cells.append(delta.replace(" điểm %", " đ%"))
        _row(pdf, widths, cells)
    pdf.set_font("DejaVu", "", 7)
    pdf.cell(0, 4, "Cột cuối: thay đổi tỷ lệ Hoàn thành xuất sắc nhiệm vụ so với năm trước (đ% = điểm phần trăm).",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    # 2. Trend of the excellent share, as a chart when a browser is there to draw it.
    _heading(pdf, "2. Xu hướng tỷ lệ Hoàn thành xuất sắc nhiệm vụ")
    fig = go.Figure()
    for subject, grp in dist.groupby("subject"):
        grp = grp.sort_values("year")
        fig.add_scatter(x=grp["year"], y=grp["htxs"] / grp["total"], mode="lines+markers",
                        name=subject_names.get(subject, subject))
    fig.update_layout(yaxis_tickformat=".0%", xaxis=dict(dtick=1, tickformat="d"),
                      margin=dict(l=40, r=10, t=10, b=30), height=300, width=900,
                      legend=dict(orientation="h", y=-0.2), separators=",.")
    try:
        png = exports.png_bytes(fig, width=900, height=300)
        pdf.image(png, w=180)
    except exports.ChartExportUnavailable as exc:
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(0, 4, str(exc), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    # 3. Flags: quota and inspection findings of the year.
    _heading(pdf, "3. Dấu hiệu cần chú ý")
    quota = runner.run(con, "quota", {"unit": code, "year": year})
    over = quota[quota["status"].isin(["vuot", "can_quyet_dinh", "can_xem_xet"])]
    verdict = {"vuot": "vượt tỷ lệ", "can_quyet_dinh": "cần quyết định cho phép (đến 25%)",
               "can_xem_xet": "cần xem xét (quy định chưa kiểm chứng)"}
    lines = [f"Tỷ lệ xuất sắc — {r.unit}, {subject_names.get(r.subject, r.subject)}: {number(r.htxs)} HTXS / "
             f"{number(r.htt)} HTT, tối đa {number(r.allowed)}, vượt {number(r.excess)}: {verdict[r.status]}"
             for r in over.head(6).itertuples()]
    if len(over) > 6:
        lines.append(f"… và {len(over) - 6} nhóm khác")
    if "anomalies" in runner.catalog():
        found = runner.run(con, "anomalies", {"year": year, "unit": code}) if "unit" in {
            p.name for p in runner.get("anomalies").params} else pd.DataFrame()
        if not found.empty:
            lines.append(f"Dấu hiệu bất thường theo danh mục kiểm tra: {number(len(found))} trường hợp")
    _lines(pdf, lines or ["Không có dấu hiệu nào trong năm."])
    pdf.ln(1)

    # 4. Shortcomings still open.
    _heading(pdf, "4. Hạn chế, khuyết điểm chưa khắc phục xong")
    cur = con.cursor()
    open_items = cur.execute(
        "SELECT s.text_norm, s.remedy_status FROM shortcomings s JOIN unit_ancestors a USING (unit_code) "
        "WHERE a.ancestor_code = ? AND s.year = ? AND coalesce(s.remedy_status, '') <> 'da_khac_phuc' "
        "ORDER BY s.text_norm LIMIT 8", [code, year]).fetchall()
    cur.close()
    status = {"dang_khac_phuc": "đang khắc phục", "chua_khac_phuc": "chưa khắc phục", None: "chưa báo cáo"}
    _lines(pdf, [f"{t} ({status.get(s, s)})" for t, s in open_items] or ["Không có."])
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _row(pdf: FPDF, widths: list[int], cells: list[str], bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", 7.5)
    for w, c in zip(widths, cells):
        pdf.cell(w, 5, str(c), border=1)
    pdf.ln(5)


def _lines(pdf: FPDF, lines: list[str]) -> None:
    pdf.set_font("DejaVu", "", 8)
    for line in lines:
        if pdf.get_y() > 280:
            break
        pdf.multi_cell(0, 4, "• " + line, new_x="LMARGIN", new_y="NEXT")
