"""The app's visual vocabulary, defined once: one colour per rating level, and the Vietnamese words for codes.

Level and subject *names* come from the warehouse tables `levels` and `subjects`; this module only maps codes to
colours and to the words of the few code columns that have no reference table.
"""
from __future__ import annotations

LEVEL_CODES = ("htxs", "htt", "ht", "khtnv")          # level 1 … 4, best first: the order of every legend
LEVEL_NUMBER = {c: i + 1 for i, c in enumerate(LEVEL_CODES)}

# One colour per level, used by every chart and table (blue, green, amber, red: distinct also for colour-blind eyes
# by lightness).
LEVEL_COLORS = {
    "htxs": "#1f5fae",
    "htt": "#3f9a4a",
    "ht": "#e0a526",
    "khtnv": "#c0392b",
}
NOT_RATED_COLOR = "#9e9e9e"
QUOTA_COLOR = "#555555"
PEER_COLOR = "#b0b7c3"
TEXT_ON = {"htxs": "#ffffff", "htt": "#ffffff", "ht": "#222222", "khtnv": "#ffffff"}

# Fallback names (the warehouse's `levels` table is the source; these equal data/reference/levels.csv).
LEVEL_NAMES = {
    "htxs": "Hoàn thành xuất sắc nhiệm vụ",
    "htt": "Hoàn thành tốt nhiệm vụ",
    "ht": "Hoàn thành nhiệm vụ",
    "khtnv": "Không hoàn thành nhiệm vụ",
}
LEVEL_SHORT = {"htxs": "HTXSNV", "htt": "HTTNV", "ht": "HTNV", "khtnv": "KHTNV"}

BASIS = {
    "ho_so_ca_nhan": "hồ sơ từng đảng viên, tập thể",
    "so_lieu_tong_hop": "số liệu tổng hợp do đơn vị báo cáo",
}

LINEAGE_EVENTS = {
    "sap_nhap": "sáp nhập",
    "chia_tach": "chia tách",
    "doi_ten": "đổi tên",
    "chuyen_cap_tren": "chuyển đơn vị cấp trên",
}

REMEDY = {
    "da_khac_phuc": "Đã khắc phục",
    "dang_khac_phuc": "Đang khắc phục",
    "chua_khac_phuc": "Chưa khắc phục",
}

CERTAINTY = {"R": "đã đối chiếu văn bản", "I": "suy luận", "U": "chưa kiểm chứng"}


def level_code(level) -> str | None:
    """1 → "htxs"; None/NaN → None."""
    try:
        n = int(level)
    except (TypeError, ValueError):
        return None
    return LEVEL_CODES[n - 1] if 1 <= n <= 4 else None


def level_cell_css(level) -> str:
    """CSS for a table cell holding a level (pandas Styler), the same colours as the charts."""
    code = level_code(level) if not isinstance(level, str) else level
    if code not in LEVEL_COLORS:
        return ""
    return f"background-color: {LEVEL_COLORS[code]}; color: {TEXT_ON[code]}"


def swatch(code: str) -> str:
    """A small coloured square (HTML) for legends written in markdown."""
    color = LEVEL_COLORS.get(code, NOT_RATED_COLOR)
    return (f"<span style='display:inline-block;width:0.8em;height:0.8em;border-radius:2px;"
            f"background:{color};margin-right:0.35em;vertical-align:-0.05em'></span>")

# What one counts for each subject ("2.947 đảng viên", "61 tổ chức cơ sở đảng").
SUBJECT_UNIT_WORD = {
    "tccsd": "tổ chức cơ sở đảng",
    "chi_bo": "chi bộ",
    "cap_uy": "cấp ủy",
    "tap_the_lanh_dao": "tập thể",
    "dang_vien": "đảng viên",
    "can_bo_lanh_dao": "cán bộ",
}
