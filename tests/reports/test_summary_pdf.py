import re
import subprocess

import pytest

from etl import warehouse
from operations.load import load_files
from reports import summary_pdf
from tests.conftest import SAMPLE_004


def test_one_page_summary_prints_vietnamese_with_an_embedded_font(db, tmp_path):
    load_files([SAMPLE_004], db, unit="Huyện ủy Bảo Lâm")
    con = warehouse.connect_readonly(db)
    pdf = summary_pdf.build(con, "Huyện ủy Bảo Lâm", 2020)
    con.close()
    assert pdf.startswith(b"%PDF") and b"DejaVuSans" in pdf and b"/FontFile2" in pdf
    path = tmp_path / "tom_tat.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert "Huyện ủy Bảo Lâm — kết quả xếp loại chất lượng năm 2020" in text
    assert "Đảng viên" in text and "511 (17,3%)" in text and "2.947" in text
    assert "vượt 49" in text


def test_unknown_unit_is_a_clear_error(db):
    load_files([SAMPLE_004], db, unit="Huyện ủy Bảo Lâm")
    con = warehouse.connect_readonly(db)
    with pytest.raises(LookupError, match="Không có số liệu"):
        summary_pdf.build(con, "Huyện ủy Không Có", 2020)
    con.close()
