"""Downloads for every page: CSV that Excel opens in Vietnamese, Excel workbooks, chart images.

Every export states the filters it was made with. Text cells that a spreadsheet would run as a formula
(= + - @, tab, carriage return at the start) are neutralized with a leading apostrophe, so a unit named
'=HYPERLINK(…)' stays text.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import shutil

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralize)
    out.columns = [neutralize(str(c)) for c in out.columns]
    return out


def filter_lines(filters: dict[str, object] | None) -> list[str]:
    made = dt.datetime.now().strftime("%d/%m/%Y %H:%M")
    parts = [f"{k}: {v}" for k, v in (filters or {}).items() if v not in (None, "", [])]
    return [f"Bộ lọc: {'; '.join(parts) if parts else 'không có'}", f"Xuất lúc: {made}"]


def csv_bytes(df: pd.DataFrame, filters: dict[str, object] | None = None) -> bytes:
    """UTF-8 with BOM (Excel then shows Vietnamese), the filters on the first lines, then the table."""
    buf = io.StringIO()
    for line in filter_lines(filters):
        buf.write(str(neutralize(line)).replace('"', "'") + "\n")
    buf.write("\n")
    safe_frame(df).to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheets: dict[str, pd.DataFrame], filters: dict[str, object] | None = None,
               title: str | None = None) -> bytes:
    """A workbook whose first sheet states the title and filters, then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    info = wb.active
    info.title = "Thông tin"
    if title:
        info.append([neutralize(title)])
        info["A1"].font = Font(bold=True, size=13)
    for line in filter_lines(filters):
        info.append([neutralize(line)])
    info.column_dimensions["A"].width = 90
    for name, df in sheets.items():
        ws = wb.create_sheet(_sheet_name(name))
        safe = safe_frame(df)
        ws.append(list(safe.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in safe.itertuples(index=False):
            ws.append([None if _missing(v) else (v.item() if hasattr(v, "item") else v) for v in row])
        for i, col in enumerate(safe.columns, 1):
            width = max([len(str(col))] + [len(str(v)) for v in safe.iloc[:200, i - 1].tolist()])
            ws.column_dimensions[get_column_letter(i)].width = min(max(10, width + 2), 60)
            if pd.api.types.is_float_dtype(safe.iloc[:, i - 1]):
                for cells in ws.iter_cols(min_col=i, max_col=i, min_row=2):
                    for c in cells:
                        c.number_format = "#,##0.0"
            elif pd.api.types.is_integer_dtype(safe.iloc[:, i - 1]):
                for cells in ws.iter_cols(min_col=i, max_col=i, min_row=2):
                    for c in cells:
                        c.number_format = "#,##0"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _missing(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _sheet_name(name: str) -> str:
    bad = '[]:*?/\\'
    clean = "".join("-" if ch in bad else ch for ch in name)
    return clean[:31] or "Bảng"


_server_started = False


class ChartExportUnavailable(Exception):
    """No browser for kaleido: the page shows this message instead of a download."""


def chromium_path() -> str | None:
    return os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def png_bytes(fig, width: int = 1200, height: int = 650) -> bytes:
    """A chart as PNG through kaleido and Debian's chromium (no download of a browser of its own)."""
    path = chromium_path()
    if not path:
        raise ChartExportUnavailable("Máy chưa cài trình duyệt Chromium nên chưa xuất được ảnh biểu đồ "
                                     "(cài bằng: apt-get install chromium).")
    os.environ.setdefault("BROWSER_PATH", path)
    import kaleido

    global _server_started
    try:
        if not _server_started:     # one browser kept warm: ~0.2 s an image instead of ~3 s
            kaleido.start_sync_server(silence_warnings=True)
            _server_started = True
        return kaleido.calc_fig_sync(fig, opts={"format": "png", "width": width, "height": height})
    except Exception as exc:  # kaleido reports browser problems with several exception types
        raise ChartExportUnavailable(f"Không xuất được ảnh biểu đồ: {type(exc).__name__}") from exc
