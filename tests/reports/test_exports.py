import io

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest

from reports import exports

DF = pd.DataFrame({"Đơn vị": ["=HYPERLINK(\"http://x\")", "Đảng bộ xã Hòa Bình", "+1", "@SUM(A1)", "-2"],
                   "Số lượng": [1, 2, 3, 4, 5], "Tỷ lệ": [0.1, 0.2, 0.3, 0.4, 0.5]})
FILTERS = {"Năm": "2020–2025", "Đối tượng": "Đảng viên"}


def test_csv_has_bom_filters_and_inert_formulas():
    raw = exports.csv_bytes(DF, FILTERS)
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Bộ lọc: Năm: 2020–2025; Đối tượng: Đảng viên" and lines[1].startswith("Xuất lúc: ")
    back = pd.read_csv(io.StringIO(text), skiprows=3)
    assert back["Đơn vị"].tolist() == ["'=HYPERLINK(\"http://x\")", "Đảng bộ xã Hòa Bình", "'+1", "'@SUM(A1)", "'-2"]
    assert back["Số lượng"].tolist() == [1, 2, 3, 4, 5]          # numbers stay numbers


def test_xlsx_states_filters_and_keeps_formulas_as_text():
    wb = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes({"Bảng: 1/2": DF}, FILTERS, "Tiêu đề")))
    assert wb.sheetnames == ["Thông tin", "Bảng- 1-2"]
    info = [r[0] for r in wb["Thông tin"].iter_rows(values_only=True)]
    assert info[0] == "Tiêu đề" and "Đối tượng: Đảng viên" in info[1]
    rows = list(wb["Bảng- 1-2"].iter_rows(values_only=True))
    assert rows[0] == ("Đơn vị", "Số lượng", "Tỷ lệ")
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")" and rows[2] == ("Đảng bộ xã Hòa Bình", 2, 0.2)
    assert wb["Bảng- 1-2"]["A2"].data_type == "s"                  # text, not a formula


def test_png_through_kaleido_or_a_clear_message(monkeypatch):
    fig = go.Figure(go.Bar(x=["Hoàn thành xuất sắc nhiệm vụ"], y=[3]))
    if exports.chromium_path():
        png = exports.png_bytes(fig)
        assert png.startswith(b"\x89PNG")
    monkeypatch.setattr(exports, "chromium_path", lambda: None)
    with pytest.raises(exports.ChartExportUnavailable, match="Chromium"):
        exports.png_bytes(fig)
