"""Shared test helpers: real xlsx/csv files written to tmp_path, a real DuckDB warehouse file."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLE_004 = ROOT / "data" / "sample" / "bao_lam_2018_2022.tsv"

UNITS_HEADER = ["Mã đơn vị", "Tên đơn vị", "Cấp tổ chức", "Loại hình", "Mã đơn vị cấp trên", "Từ năm", "Đến năm"]
UNITS = [
    ["H1", "Huyện ủy Hòa Bình", "Huyện ủy", "", "", "", ""],
    ["X1", "Đảng bộ xã Hòa Bình", "Đảng bộ cơ sở", "Xã, thị trấn", "H1", "", ""],
    ["X2", "Đảng bộ xã An Phú", "Đảng bộ cơ sở", "Xã, thị trấn", "H1", "", ""],
    ["CB1", "Chi bộ thôn 1", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "X1", "", ""],
    ["CB2", "Chi bộ thôn 2", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "X1", "", ""],
    ["CB3", "Chi bộ thôn 1", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "X2", "", ""],
]


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "kho.duckdb"


@pytest.fixture
def units_file(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "don_vi.xlsx", {"Đơn vị": [UNITS_HEADER, *UNITS]})


# ───────────── warehouses for the Standing Committee views (built once per test session) ─────────────

@pytest.fixture(scope="session")
def sc_db(tmp_path_factory) -> Path:
    """Hand-counted province with a 2025 merger (tests/standing_committee_data.py)."""
    from tests import standing_committee_data
    return standing_committee_data.build(tmp_path_factory.mktemp("son_ha"))


# Text a user could load as a unit's, member's or shortcoming's name, and as a file's name: Markdown that, if read as
# Markdown, would make every viewer's browser fetch an image and show a link (tests/pages/test_names_as_text.py).
HOSTILE_TAG = (' ![i](http://example.invalid/track.png) [bấm](http://example.invalid/link) '
               '<img src="http://example.invalid/h.png"> :red[đỏ] **đậm** $x$')
HOSTILE_FILE_TAG = " ![i](anh.png) [x](y)"


@pytest.fixture(scope="session")
def hostile_db(tmp_path_factory) -> Path:
    """The hand-counted province with HOSTILE_TAG after every name and HOSTILE_FILE_TAG in its files' names."""
    from tests import standing_committee_data
    return standing_committee_data.build(tmp_path_factory.mktemp("ten_doc_hai"), tag=HOSTILE_TAG,
                                         file_tag=HOSTILE_FILE_TAG)


@pytest.fixture(scope="session")
def seed004_db(tmp_path_factory) -> Path:
    """The seed-004 district, Huyện ủy Bảo Lâm 2018–2022, from data/sample."""
    from tests import standing_committee_data
    return standing_committee_data.build_seed_004(tmp_path_factory.mktemp("bao_lam"))


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The illustrative demo (small scale), built through the loader."""
    import contextlib
    import io

    from generators import demo
    out = tmp_path_factory.mktemp("demo")
    with contextlib.redirect_stdout(io.StringIO()):
        demo.build(out / "demo.duckdb", out / "files", scale="small", anomalies=True)
    return out / "demo.duckdb"


TABLE_SUFFIX = {"csv": ".csv", "xlsx": ".xlsx"}


def write_table(path_stem: Path, rows: list[list], fmt: str, sheet: str = "Dữ liệu") -> Path:
    """The same rows as a CSV file (fmt "csv") or as the one sheet of a workbook (fmt "xlsx"), at path_stem with the
    format's suffix: what a clerk saves from the same table either way. Cells are written as given (text stays text,
    a number stays a number); an empty cell of a workbook is left empty."""
    path = Path(path_stem).with_suffix(TABLE_SUFFIX[fmt])
    if fmt == "csv":
        return write_csv(path, rows)
    return write_xlsx(path, {sheet: [[None if c == "" else c for c in r] for r in rows]})
