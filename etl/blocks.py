"""What a read file becomes: a Sheet of raw cells, and the Blocks (tables) found in it, plus Excel's column letters.

Shared by the readers (etl/readers.py), the form profiles (etl/profiles.py, etl/profile_indicators.py, etl/teach.py)
and the checks (etl/validate.py); it imports none of them, so etl.readers can use the profiles at its top.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Block:
    kind: str                       # layout kind, or 'report_table'
    sheet: str | None
    frame: pd.DataFrame             # raw values, one column per field, plus _row (and _col for report tables)
    unknown_headers: list[str] = field(default_factory=list)
    caption: str | None = None      # report tables: the caption text above the table
    subject: str | None = None      # report tables: subject named by the caption
    notes: list[tuple[int, str, str, str]] = field(default_factory=list)  # (row, column, value, reason) rejected lines
    # Blocks read through a form profile (etl/profiles.py):
    profile: str | None = None      # the profile's name, told to the clerk
    headers: dict[str, str] | None = None   # field → the sheet's own column heading, for reasons
    warnings: list[str] = field(default_factory=list)   # load warnings (a printed share that does not match …)
    names: str = "exact"            # "as_written": unit names matched as a person would (etl/unit_names.py)
    # A form whose title may not name its unit (Biểu 7A/7B-TCTW): --unit, when given, is the unit of every row.
    unit_from_option: bool = False
    companions: list = field(default_factory=list)   # more tables read from the same sheet (its split by type)


@dataclass
class Sheet:
    name: str | None
    rows: list[list[object]]
    # Rows emptied by the reader because a cell is longer than a cell can be: row number → (column, value, reason).
    dropped: dict[int, tuple[str, str, str]] = field(default_factory=dict)


def col_letter(index: int) -> str:
    s, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s
