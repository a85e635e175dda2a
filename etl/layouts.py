"""The input layouts: each import template's Vietnamese headers, and how a table's header row is recognized.

One definition serves the reader (detecting a layout), the template writer (data/templates) and the demo
generator, so the three can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from etl.normalize import search_key


@dataclass(frozen=True)
class Column:
    field: str                 # name used inside the loader
    header: str                # Vietnamese header in the template
    required: bool = False
    aliases: tuple[str, ...] = ()   # other headers accepted (compared by search key)


@dataclass(frozen=True)
class Layout:
    kind: str                  # units, member_ratings, …
    title: str                 # Vietnamese name shown to users
    columns: tuple[Column, ...]
    # Alternatives: one of each group must be present (a unit given by code or by name).
    one_of: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


UNIT_REF = (
    Column("unit_code", "Mã đơn vị"),
    Column("unit_name", "Tên đơn vị", aliases=("Đơn vị",)),
)

LAYOUTS: dict[str, Layout] = {
    "units": Layout("units", "Danh mục đơn vị", (
        Column("unit_code", "Mã đơn vị", True),
        Column("unit_name", "Tên đơn vị", True),
        Column("tree_level", "Cấp tổ chức", True, ("Cấp",)),
        Column("kind", "Loại hình"),
        Column("parent_code", "Mã đơn vị cấp trên", aliases=("Mã cấp trên",)),
        Column("first_year", "Từ năm"),
        Column("last_year", "Đến năm"),
    )),
    "member_ratings": Layout("member_ratings", "Xếp loại đảng viên", (
        Column("year", "Năm", True, ("Năm đánh giá",)),
        Column("member_code", "Mã đảng viên", True, ("Số thẻ đảng viên",)),
        Column("full_name", "Họ và tên", aliases=("Họ tên",)),
        Column("unit_code", "Mã chi bộ"),
        Column("unit_name", "Tên chi bộ", aliases=("Chi bộ",)),
        Column("label", "Xếp loại", True, ("Xếp loại chất lượng", "Kết quả xếp loại")),
        Column("disciplined", "Bị kỷ luật trong năm", aliases=("Bị kỷ luật",)),
        Column("discipline_form", "Hình thức kỷ luật"),
        Column("is_leader", "Là cán bộ lãnh đạo quản lý", aliases=("Cán bộ lãnh đạo quản lý",)),
        Column("led_unit", "Đơn vị lãnh đạo", aliases=("Mã đơn vị lãnh đạo",)),
        Column("civil_label", "Xếp loại công chức", aliases=("Xếp loại công chức viên chức",)),
        Column("votes_for", "Số phiếu tán thành"),
        Column("official_members", "Số đảng viên chính thức"),
        Column("score", "Điểm"),
    ), one_of=(("unit_code", "unit_name"),)),
    "collective_ratings": Layout("collective_ratings", "Xếp loại tập thể", (
        Column("year", "Năm", True, ("Năm đánh giá",)),
        *UNIT_REF,
        Column("subject", "Đối tượng", True),
        Column("self_label", "Tự xếp loại", aliases=("Tự đánh giá",)),
        Column("label", "Xếp loại", True, ("Xếp loại chất lượng", "Cấp có thẩm quyền xếp loại")),
        Column("score", "Điểm"),
        Column("disciplined", "Có thành viên hoặc đơn vị trực thuộc bị kỷ luật", aliases=("Bị kỷ luật",)),
        # the commendation "tiêu biểu" (domain.md §4: not a level), also read from a label that carries it
        Column("exemplary", "Tiêu biểu", aliases=("Khen thưởng tiêu biểu", "Được khen thưởng tiêu biểu")),
    ), one_of=(("unit_code", "unit_name"),)),
    "aggregate_counts": Layout("aggregate_counts", "Số lượng theo mức xếp loại", (
        Column("year", "Năm", True, ("Năm đánh giá",)),
        *UNIT_REF,
        Column("subject", "Đối tượng", True),
        Column("htxs", "Hoàn thành xuất sắc nhiệm vụ", True, ("HTXSNV", "HTXS")),
        Column("htt", "Hoàn thành tốt nhiệm vụ", True, ("HTTNV", "HTT")),
        Column("ht", "Hoàn thành nhiệm vụ", True, ("HTNV", "HT")),
        Column("khtnv", "Không hoàn thành nhiệm vụ", True, ("KHTNV",)),
        Column("total", "Tổng số", True, ("Tổng",)),
        Column("not_rated", "Không xếp loại", aliases=("Chưa xếp loại",)),
    ), one_of=(("unit_code", "unit_name"),)),
    "shortcomings": Layout("shortcomings", "Hạn chế, khuyết điểm", (
        Column("year", "Năm", True, ("Năm đánh giá",)),
        *UNIT_REF,
        Column("subject", "Đối tượng", True),
        Column("text", "Nội dung", True, ("Nội dung hạn chế khuyết điểm", "Hạn chế khuyết điểm")),
        Column("category", "Nhóm", aliases=("Nhóm hạn chế",)),
        Column("remedy", "Kết quả khắc phục"),
        Column("source", "Nguồn"),
    ), one_of=(("unit_code", "unit_name"),)),
    "review_suggestions": Layout("review_suggestions", "Gợi ý kiểm điểm", (
        Column("year", "Năm", True, ("Năm đánh giá",)),
        *UNIT_REF,
        Column("text", "Nội dung", True, ("Nội dung gợi ý",)),
    ), one_of=(("unit_code", "unit_name"),)),
    "lineage": Layout("lineage", "Sáp nhập, chia tách, đổi tên", (
        Column("year", "Năm", True),
        Column("old_code", "Mã đơn vị cũ", True),
        Column("new_code", "Mã đơn vị mới", True),
        Column("event", "Hình thức", True),
        Column("share", "Tỷ lệ", aliases=("Tỷ lệ chia tách",)),
    )),
}

LINEAGE_EVENTS = {
    "sap nhap": "sap_nhap", "hop nhat": "sap_nhap", "merge": "sap_nhap", "sap_nhap": "sap_nhap",
    "chia tach": "chia_tach", "tach": "chia_tach", "split": "chia_tach", "chia_tach": "chia_tach",
    "doi ten": "doi_ten", "rename": "doi_ten", "doi_ten": "doi_ten",
    "chuyen cap tren": "chuyen_cap_tren", "chuyen don vi cap tren": "chuyen_cap_tren", "move": "chuyen_cap_tren",
    "chuyen_cap_tren": "chuyen_cap_tren", "dieu chuyen": "chuyen_cap_tren",
}


def _lookup(layout: Layout) -> dict[str, str]:
    keys = {}
    for col in layout.columns:
        keys[search_key(col.header)] = col.field
        for alias in col.aliases:
            keys[search_key(alias)] = col.field
    return keys


@dataclass
class HeaderMatch:
    layout: Layout
    mapping: dict[int, str]          # column index → field
    unknown: list[str]               # headers not recognized (reported, never silently dropped)

    @property
    def score(self) -> int:
        return len(self.mapping)


def match_header(cells: list[object]) -> HeaderMatch | None:
    """The layout whose required headers all appear in this row, preferring the one that recognizes most cells."""
    keys = [search_key(c) if c is not None else "" for c in cells]
    best: HeaderMatch | None = None
    for layout in LAYOUTS.values():
        lookup = _lookup(layout)
        mapping = {i: lookup[k] for i, k in enumerate(keys) if k in lookup}
        fields = set(mapping.values())
        if len(fields) != len(mapping):           # the same field twice: not this layout's header
            continue
        if not all(c.field in fields for c in layout.columns if c.required):
            continue
        if not all(any(f in fields for f in group) for group in layout.one_of):
            continue
        unknown = [str(cells[i]) for i, k in enumerate(keys) if k and i not in mapping]
        cand = HeaderMatch(layout, mapping, unknown)
        if best is None or cand.score > best.score or (cand.score == best.score and len(unknown) < len(best.unknown)):
            best = cand
    return best
