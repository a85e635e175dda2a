"""Small HTML fragments (cards, legends) written as plain strings: no Streamlit, so tests read them directly."""
from __future__ import annotations

from html import escape

from vocab import fmt
from ui.shares import Card
from vocab.style import BASIS, LEVEL_CODES, swatch


def card(c: Card, level_names: dict[str, str], unit_word: str = "") -> str:
    """One subject's card: the share of each level in the latest year and the change from the previous year."""
    head = (f"<div style='font-weight:600;font-size:1.05rem;margin-bottom:0.1rem'>{escape(c.name)}</div>"
            f"<div style='color:#666;font-size:0.85rem;margin-bottom:0.4rem'>Năm {c.year} · "
            f"{fmt.number(c.total)} {escape(unit_word or 'được xếp loại')}"
            + (f" · so với năm {c.prev_year}" if c.prev_year else " · không có số liệu năm trước") + "</div>")
    rows = []
    for code in LEVEL_CODES:
        delta = fmt.delta_points(c.deltas.get(code)) if c.prev_year else ""
        rows.append(
            "<tr>"
            f"<td style='padding:0.1rem 0.3rem 0.1rem 0;border:none'>{swatch(code)}{escape(level_names.get(code, code))}</td>"
            f"<td style='padding:0.1rem 0.3rem;border:none;text-align:right;font-weight:600;white-space:nowrap'>"
            f"{fmt.pct(c.shares.get(code))}</td>"
            f"<td style='padding:0.1rem 0;border:none;text-align:right;color:#666;font-size:0.8rem;"
            f"white-space:nowrap'>{escape(delta)}</td>"
            "</tr>")
    foot = (f"<div style='color:#888;font-size:0.75rem;margin-top:0.3rem'>Nguồn: {escape(BASIS[c.basis])}</div>"
            if c.basis in BASIS else "")
    return (head + "<table style='width:100%;border-collapse:collapse;font-size:0.9rem;border:none'>"
            + "".join(rows) + "</table>" + foot)


def legend(level_names: dict[str, str]) -> str:
    """The four levels with their colours, in order (for tables coloured by level)."""
    return " ".join(f"<span style='margin-right:1rem;white-space:nowrap'>{swatch(c)}{escape(level_names.get(c, c))}"
                    "</span>" for c in LEVEL_CODES)
