"""The report files of the "Báo cáo" page, built once per warehouse version and choice of options (cached), and what
this machine lacks to build them (fonts for the PDF, a browser for chart images)."""
from __future__ import annotations

import time
from typing import Callable

import streamlit as st

from etl import warehouse
from queries import scope
from reports import exports, official_tables, summary_pdf
from ui import access, data


@st.cache_data(max_entries=8, show_spinner=False)
def _official(path: str, version: tuple, restriction: scope.Restriction | None, unit: str, first_year: int,
              last_year: int, subjects: tuple[str, ...], shares: bool, quota: bool, findings: bool, view: str | None,
              structure_year: int | None):
    """(`restriction` is not read here: data.connection() is the reader's. It keys the cache, so a file made for one
    role — findings about single members for the Inspection Committee — is never served to another.)"""
    started = time.perf_counter()
    content, summary = official_tables.build(data.connection(), unit, first_year, last_year, subjects=list(subjects),
                                             shares=shares, quota=quota, findings=findings, view=view,
                                             structure_year=structure_year)
    return content, summary, official_tables.preview(content), time.perf_counter() - started


def official(unit: str, first_year: int, last_year: int, subjects: list[str], *, shares: bool, quota: bool,
             findings: bool, view: str | None = None, structure_year: int | None = None):
    """(workbook bytes, summary, preview sheets, seconds it took to build) — the bytes the download button offers
    and the preview shows are the same."""
    path = str(warehouse.db_path())
    return _official(path, warehouse.version(path), access.restriction(), unit, int(first_year), int(last_year),
                     tuple(subjects), bool(shares), bool(quota), bool(findings), view, structure_year)


def pdf(unit: str, year: int) -> Callable[[], bytes]:
    """The one-page summary's maker for its download button: the file is built when the user clicks (about 1–3 s: it
    draws the trend chart). Streamlit runs it then outside the page's run, where the signed-in user can no longer be
    found (no session), so the user's connection — their scope — is taken now, while the page is drawn."""
    con = data.connection()

    def build() -> bytes:
        if con is None:
            raise LookupError("Không có kho dữ liệu hoặc chưa đăng nhập")
        return summary_pdf.build(con, unit, year)
    return build


def pdf_problem() -> str | None:
    """Why this machine cannot print the PDF summary, in words for the page; None when it can."""
    needed = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
    if not any(all((d / n).exists() for n in needed) for d in summary_pdf.FONT_DIRS):
        return ("Chưa tạo được báo cáo PDF: máy chưa có phông chữ DejaVu Sans để in tiếng Việt (chữ “Đ”). "
                "Cài bằng: apt-get install fonts-dejavu-core.")
    return None


def chart_problem() -> str | None:
    if exports.chromium_path() is None:
        return ("Máy chưa cài trình duyệt Chromium nên bản PDF không có biểu đồ xu hướng (thay bằng một dòng ghi "
                "chú). Cài bằng: apt-get install chromium.")
    return None
