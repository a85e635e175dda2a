"""Illustrative demo data ("dữ liệu minh họa"), generated deterministically and loaded through the users' loader.

A fictional province, Tỉnh ủy Minh Sơn (TU-MS): three districts (scale "district") or one small district (scale
"small", for tests), plus a few grassroots organizations directly under the province, evaluation years 2017–2025.
Shaped like the Bảo Lâm report (seed 004): per district ~58 grassroots organizations, ~250 chi bộ trực thuộc (half of
them villages), ~3,200 members of whom ~5% are exempt and ~1% admitted less than 6 months before; 15–16% of members
excellent; shortcomings that recur, reworded, for 2–4 years; review suggestions to ~10% of the units.

The tree changes twice: in 2020 one commune is absorbed by its neighbour, and in 2025 the districts are dissolved,
the communes merge into new commune party committees under the province, and every unit whose parent changes gets a
new code (the old one ends in 2024), linked by lineage events (Sáp nhập, Đổi tên, Chuyển cấp trên). No rating ever
names a unit outside its years.

The rules of domain.md §6–§8 hold everywhere except in the anomalies planted on purpose; each one is listed in
planted.json so that the inspection checks can be tested against a known answer. Recurring shortcoming chains are
listed in recurring_shortcomings.json for the same reason.

Every random draw comes from a stream seeded by (seed, purpose, year), so the same seed gives byte-identical files
and planting anomalies does not shift the rest of the data.
"""
from __future__ import annotations

import csv
import json
import random
import re
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from xml.sax.saxutils import escape as xml_escape

from commands.progress import Progress
from etl import warehouse
from operations.load import load_files
from etl.layouts import LAYOUTS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "data" / "demo"
SAMPLE_004 = ROOT / "data" / "sample" / "bao_lam_2018_2022.tsv"
SAMPLE_UNIT = "Huyện ủy Bảo Lâm"
DEMO_NOTE = "Dữ liệu minh họa (tạo ngẫu nhiên, không phải số liệu thật)"

YEARS = list(range(2017, 2026))
FIRST, LAST = YEARS[0], YEARS[-1]
ABSORB_YEAR = 2020             # communes merged in 2019–2021: one is absorbed by its neighbour
REORG_YEAR = 2025              # two-tier local government: districts dissolved, communes merged
COLLECTIVE_QUOTA_FROM = 2023   # 124-QĐ/TW: the 20 % quota per group of similar collectives
SCORED_YEARS = (2017, 2025)    # 27-HD and 366-QĐ score out of 100
XLSX_MEMBER_YEARS = (2017, 2021, 2025)
XLSX_COLLECTIVE_YEARS = (2017, 2025)
PROVINCE = "TU-MS"

HTXS, HTT, HT, KHTNV = 1, 2, 3, 4
BANDS = {HTXS: (90.0, 98.0), HTT: (70.0, 89.5), HT: (50.0, 69.5), KHTNV: (30.0, 49.5)}   # points per level

# A leadership collective (tập thể lãnh đạo, cấp ủy cơ sở) whose head was disciplined in the year is KHTNV:
# 21-HD/BTCTW (2019–2022) from cảnh cáo up; 124-QĐ/TW (2023–2024) any form; 366-QĐ/TW (2025–) from khiển trách, the
# lightest party discipline, up. From 2023 a violation self-detected and remedied is the exception (the competent level
# decides): forms worded like the config's tu_phat_hien (the demo writes none).
HEAD_DISCIPLINE_FROM = 2019
ANY_HEAD_DISCIPLINE_FROM = 2023
GRAVE_FORMS = ("canh cao", "cach chuc", "khai tru", "ha bac luong", "giang chuc", "buoc thoi viec")
SELF_DETECTED = ("tu phat hien", "chu dong phat hien", "chu dong bao cao", "tu giac bao cao")

# ───────────────────────────── vocabulary ─────────────────────────────

TREE = {"province": "Tỉnh ủy", "district": "Huyện ủy", "dbcs": "Đảng bộ cơ sở", "cbcs": "Chi bộ cơ sở",
        "cbtt": "Chi bộ trực thuộc", "ttld": "Tập thể lãnh đạo, quản lý"}
SUBJECT_NAME = {"tccsd": "Tổ chức cơ sở đảng", "chi_bo": "Chi bộ trực thuộc", "cap_uy": "Cấp ủy cơ sở",
                "tap_the_lanh_dao": "Tập thể lãnh đạo, quản lý"}
XA, XA_MOI, LLVT, CQHC, DVSN = "Xã, thị trấn", "Xã, phường", "Lực lượng vũ trang", "Cơ quan hành chính", \
    "Đơn vị sự nghiệp"
DNNN, DNCP, THON, DAN_CU, DOAN_THE = "Doanh nghiệp nhà nước", "Doanh nghiệp cổ phần", "Thôn, tổ dân phố", \
    "Cơ quan dân cử", "Mặt trận, đoàn thể"

LEVEL_NAME = {HTXS: "Hoàn thành xuất sắc nhiệm vụ", HTT: "Hoàn thành tốt nhiệm vụ", HT: "Hoàn thành nhiệm vụ",
              KHTNV: "Không hoàn thành nhiệm vụ"}
OLD_ORG = {HTXS: "Trong sạch, vững mạnh", HTT: "Hoàn thành tốt nhiệm vụ", HT: "Hoàn thành nhiệm vụ",
           KHTNV: "Yếu kém"}
OLD_MEMBER = {HTXS: "Đủ tư cách, hoàn thành xuất sắc nhiệm vụ", HTT: "Đủ tư cách, hoàn thành tốt nhiệm vụ",
              HT: "Đủ tư cách, hoàn thành nhiệm vụ", KHTNV: "Vi phạm tư cách hoặc không hoàn thành nhiệm vụ"}
OLD_EXTRA = {  # other pre-2018 spellings seen in files (domain.md §4)
    (False, HTXS): ["TRONG SẠCH, VỮNG MẠNH", "Trong sạch vững mạnh", "TSVM", "Trong sạch, vững mạnh tiêu biểu"],
    (True, HTT): ["Đủ tư cách hoàn thành tốt nhiệm vụ", "ĐỦ TƯ CÁCH, HOÀN THÀNH TỐT NHIỆM VỤ"],
    (True, HT): ["Đủ tư cách, hoàn thành nhiệm vụ nhưng còn hạn chế"],
    (True, KHTNV): ["Vi phạm tư cách"],
}
ABBR = {HTXS: ["HTXS", "HTXSNV"], HTT: ["HTT", "HTTNV"], HT: ["HT", "HTNV"], KHTNV: ["KHTNV"]}
NOT_RATED = {"mien": ["Miễn công tác và sinh hoạt đảng", "Miễn sinh hoạt đảng"],
             "moi_ket_nap": ["Kết nạp dưới 6 tháng", "Mới kết nạp dưới 6 tháng"]}
REMEDY = {"da": "Đã khắc phục", "dang": "Đang khắc phục", "chua": "Chưa khắc phục"}

DISTRICT_NAMES = ["Phú Lạc", "Tân Hòa", "Đức Minh"]
OLD_COMMUNES = [  # 13 per district; the first one of each district is "xã", the town is named after the district
    "Hòa Bình", "Lộc An", "Tân Lập", "Phú Hội", "Đông Thạnh", "Xuân Trường", "Gia Hiệp", "Minh Tân", "Thanh Sơn",
    "Quảng Lợi", "Vĩnh Hưng", "Hiệp Thành", "Phước Lộc",
    "Đức Phú", "Long Điền", "An Nhơn", "Bình Thạnh", "Thuận Hòa", "Tân Phong", "Hưng Nhơn", "Lạc Sơn", "Phú Hải",
    "Đông Hòa", "Xuân Lâm", "Gia Trung", "Minh Lộc",
    "Thanh Mỹ", "Quảng Tân", "Vĩnh Thành", "Hiệp Hòa", "Phước Sơn", "Đức Tiến", "Long Phú", "An Hải", "Bình Lộc",
    "Thuận Thành", "Tân Hà", "Hưng Điền", "Lạc Thịnh",
]
NEW_COMMUNES = ["Đại Phước", "Hòa Tiến", "Thống Nhất", "Tân Hưng", "Phú Thịnh", "Bình An", "Quảng Phú", "Vĩnh An",
                "An Phú", "Hòa Hiệp", "Đồng Tâm", "Hợp Thành", "Phúc Lộc", "Tiến Thành", "Hưng Long", "Trường Xuân"]
VILLAGES = ["Tân Tiến", "Đồng Tâm", "Hòa Thuận", "Tân Lập", "Bình Minh", "Phú Cường", "Tiến Thành", "Hợp Thành",
            "Thống Nhất", "Quyết Thắng", "Đoàn Kết", "Tân Phú", "An Bình", "Phước Thành", "Xuân Lộc", "Trung Tâm",
            "Hòa Lạc", "Đồng Lạc", "Bàu Sen", "Suối Cát"]
AGENCY_CELLS = [  # chi bộ of a commune besides its villages: (name, kind, members at the start)
    ("Chi bộ Cơ quan Đảng - Đoàn thể {word} {place}", CQHC, (8, 14)),
    ("Chi bộ Cơ quan chính quyền {word} {place}", CQHC, (8, 16)),
    ("Chi bộ Công an {word} {place}", LLVT, (3, 7)),
    ("Chi bộ Quân sự {word} {place}", LLVT, (3, 6)),
    ("Chi bộ Trường Trung học cơ sở {place}", DVSN, (5, 10)),
    ("Chi bộ Trường Tiểu học {place}", DVSN, (4, 9)),
    ("Chi bộ Trường Mầm non {place}", DVSN, (3, 7)),
    ("Chi bộ Trạm Y tế {word} {place}", DVSN, (3, 6)),
]
ARMED = [
    ("LV1", "Đảng bộ Quân sự huyện {d}", [
        "Chi bộ Ban Chỉ huy Quân sự", "Chi bộ Cơ quan Tham mưu", "Chi bộ Cơ quan Chính trị",
        "Chi bộ Cơ quan Hậu cần - Kỹ thuật", "Chi bộ Trung đội Dân quân cơ động", "Chi bộ Trung đội Thông tin",
        "Chi bộ Kho vũ khí", "Chi bộ Đại đội Dự bị động viên 1", "Chi bộ Đại đội Dự bị động viên 2",
        "Chi bộ Đại đội Dự bị động viên 3", "Chi bộ Tiểu đội Quân y", "Chi bộ Tiểu đội Công binh",
        "Chi bộ Quân nhân chuyên nghiệp", "Chi bộ Đội Bảo đảm"]),
    ("LV2", "Đảng bộ Công an huyện {d}", [
        "Chi bộ Đội Tham mưu", "Chi bộ Đội An ninh", "Chi bộ Đội Cảnh sát điều tra tội phạm về trật tự xã hội",
        "Chi bộ Đội Cảnh sát điều tra tội phạm về kinh tế và ma túy", "Chi bộ Đội Cảnh sát giao thông - Trật tự",
        "Chi bộ Đội Cảnh sát quản lý hành chính", "Chi bộ Đội Cảnh sát thi hành án hình sự",
        "Chi bộ Đội Xây dựng phong trào", "Chi bộ Đội Cảnh sát phòng cháy chữa cháy", "Chi bộ Nhà tạm giữ",
        "Chi bộ Đội Hậu cần", "Chi bộ Đội Điều tra tổng hợp", "Chi bộ Công an thị trấn",
        "Chi bộ Đội Cảnh sát môi trường"]),
]
OFFICES = [  # chi bộ cơ sở of district agencies (Cơ quan hành chính); the first ones also have a leadership collective
    "Văn phòng HĐND và UBND huyện", "Phòng Nội vụ huyện", "Phòng Tài chính - Kế hoạch huyện",
    "Phòng Tài nguyên và Môi trường huyện", "Phòng Giáo dục và Đào tạo huyện",
    "Phòng Nông nghiệp và Phát triển nông thôn huyện", "Phòng Kinh tế và Hạ tầng huyện",
    "Phòng Văn hóa và Thông tin huyện", "Cơ quan Ủy ban MTTQ và các đoàn thể huyện", "Văn phòng Huyện ủy",
    "Ủy ban Kiểm tra Huyện ủy", "Ban Tổ chức Huyện ủy", "Ban Tuyên giáo Huyện ủy", "Ban Dân vận Huyện ủy",
    "Phòng Lao động - Thương binh và Xã hội huyện", "Phòng Tư pháp huyện", "Thanh tra huyện", "Phòng Y tế huyện",
    "Phòng Dân tộc huyện", "Chi cục Thuế khu vực huyện", "Kho bạc Nhà nước huyện", "Tòa án nhân dân huyện",
    "Viện Kiểm sát nhân dân huyện", "Chi cục Thi hành án dân sự huyện", "Hạt Kiểm lâm huyện",
]
SERVICES = [
    "Trung tâm Y tế huyện {d}", "Trường THPT {d}", "Trường THPT {c1}", "Trường THPT {c2}",
    "Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên huyện {d}",
    "Trung tâm Văn hóa, Thông tin và Thể thao huyện {d}", "Ban Quản lý dự án đầu tư xây dựng huyện {d}",
    "Trung tâm Dịch vụ nông nghiệp huyện {d}", "Trung tâm Chính trị huyện {d}", "Ban Quản lý rừng phòng hộ {c3}",
    "Trường Phổ thông Dân tộc nội trú huyện {d}", "Trung tâm Phát triển quỹ đất huyện {d}",
]
STATE_FIRMS = ["Công ty TNHH MTV Lâm nghiệp {c3}", "Điện lực {d}",
               "Chi nhánh Ngân hàng Nông nghiệp và Phát triển nông thôn huyện {d}",
               "Phòng Giao dịch Ngân hàng Chính sách xã hội huyện {d}", "Bưu điện huyện {d}"]
JOINT_STOCK = ["Công ty Cổ phần Chè {d}"]
DISTRICT_COLLECTIVES = [  # (name, kind, index in OFFICES of the chi bộ its head belongs to)
    ("Thường trực Hội đồng nhân dân huyện {d}", DAN_CU, 0),
    ("Tập thể lãnh đạo Ủy ban nhân dân huyện {d}", CQHC, 0),
    ("Ban Thường trực Ủy ban MTTQ Việt Nam huyện {d}", DOAN_THE, 8),
    ("Ban Thường vụ Huyện đoàn {d}", DOAN_THE, 8),
    ("Ban Thường vụ Hội Liên hiệp Phụ nữ huyện {d}", DOAN_THE, 8),
    ("Ban Thường vụ Hội Nông dân huyện {d}", DOAN_THE, 8),
]
PROVINCE_CELLS = ["Chi bộ Báo Minh Sơn", "Chi bộ Đài Phát thanh và Truyền hình Minh Sơn",
                  "Chi bộ Trường Chính trị tỉnh Minh Sơn", "Chi bộ Thư viện tỉnh Minh Sơn",
                  "Chi bộ Bảo tàng tỉnh Minh Sơn", "Chi bộ Trung tâm Kiểm soát bệnh tật tỉnh Minh Sơn"]
HOSPITAL_CELLS = ["Chi bộ Khoa Nội", "Chi bộ Khoa Ngoại", "Chi bộ Khoa Sản", "Chi bộ Khoa Nhi",
                  "Chi bộ Khối Cận lâm sàng", "Chi bộ Khối Hành chính"]

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý", "Đinh", "Mai", "Trịnh", "Lương", "Hà", "Cao", "Lâm", "Tô"]
SURNAME_WEIGHTS = [31, 11, 9, 7, 5, 3, 4, 4, 3, 3, 3, 3, 2, 2, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1]
MALE_MIDDLE = ["Văn"] * 8 + ["Hữu", "Đức", "Đức", "Quang", "Minh", "Minh", "Ngọc", "Xuân", "Thanh", "Công",
                             "Đình", "Tiến", "Trọng", "Mạnh", "Anh"]
FEMALE_MIDDLE = ["Thị"] * 10 + ["Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Hồng", "Thùy", "Phương", "Minh", "Bích",
                                "Hoài"]
MALE_GIVEN = ["An", "Bình", "Cường", "Dũng", "Đạt", "Định", "Đông", "Giang", "Hải", "Hậu", "Hiếu", "Hòa", "Hoàng",
              "Hùng", "Huy", "Hưng", "Khánh", "Khoa", "Kiên", "Lâm", "Lộc", "Long", "Lực", "Mạnh", "Minh", "Nam",
              "Nghĩa", "Nhân", "Phong", "Phúc", "Phương", "Quân", "Quang", "Quý", "Sơn", "Tài", "Tâm", "Tân",
              "Thắng", "Thành", "Thiện", "Thịnh", "Thủy", "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt", "Vinh"]
FEMALE_GIVEN = ["Anh", "Ánh", "Bích", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hòa",
                "Hồng", "Huệ", "Hương", "Hường", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc",
                "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh", "Tâm", "Thảo", "Thơ", "Thủy", "Trang", "Trinh",
                "Tuyết", "Uyên", "Vân", "Yến"]
ETHNIC_MALE = ["Brơi", "Điệp", "Sơn", "Thuật", "Bền", "Dũng", "Hoen", "Jốt"]      # K'Ho names: K' Brơi, Ka Huyền
ETHNIC_FEMALE = ["Huyền", "Nhi", "Sô", "Thủy", "Bé", "Giang", "Hương", "Lin"]

# Shortcoming types: the same shortcoming worded several ways (a chain uses a different wording each year).
SHORTCOMINGS = {
    "nhiem_vu_chinh_tri": ("Lãnh đạo thực hiện nhiệm vụ chính trị", [
        "Lãnh đạo thực hiện một số chỉ tiêu phát triển kinh tế - xã hội chưa đạt kế hoạch, nhất là {topic}.",
        "Việc lãnh đạo, chỉ đạo công tác {topic} còn chậm, hiệu quả chưa cao.",
        "Chỉ tiêu nghị quyết về {topic} chưa hoàn thành; công tác chỉ đạo thiếu quyết liệt.",
        "Còn hạn chế trong lãnh đạo {topic}, kết quả đạt thấp so với nghị quyết đề ra.",
        "Kết quả {topic} chưa tương xứng với tiềm năng; sự lãnh đạo của cấp ủy có lúc chưa sâu sát."]),
    "tu_tuong": ("Công tác chính trị, tư tưởng", [
        "Công tác nắm bắt tình hình tư tưởng của cán bộ, đảng viên và nhân dân có lúc chưa kịp thời.",
        "Chưa chủ động nắm tình hình tư tưởng, dư luận xã hội để định hướng kịp thời.",
        "Việc nắm bắt, định hướng tư tưởng trong cán bộ, đảng viên còn chậm, có lúc bị động.",
        "Nắm tình hình tư tưởng của đảng viên và nhân dân chưa thường xuyên, xử lý dư luận chưa kịp thời.",
        "Công tác theo dõi, nắm bắt diễn biến tư tưởng trong nội bộ và nhân dân còn thiếu chủ động."]),
    "phat_trien_dang_vien": ("Công tác tổ chức, cán bộ, đảng viên", [
        "Công tác phát triển đảng viên chưa đạt chỉ tiêu nghị quyết.",
        "Kết nạp đảng viên mới còn ít, chưa đạt kế hoạch đề ra trong năm.",
        "Chưa hoàn thành chỉ tiêu kết nạp đảng viên; việc tạo nguồn phát triển đảng còn khó khăn.",
        "Số quần chúng ưu tú được kết nạp vào Đảng thấp so với chỉ tiêu được giao.",
        "Công tác tạo nguồn, bồi dưỡng, kết nạp đảng viên mới đạt thấp."]),
    "sinh_hoat_chi_bo": ("Công tác tổ chức, cán bộ, đảng viên", [
        "Chất lượng sinh hoạt chi bộ ở một số nơi chưa cao, nội dung sinh hoạt còn đơn điệu.",
        "Sinh hoạt chi bộ có lúc còn hình thức, chưa đi vào chiều sâu.",
        "Nội dung sinh hoạt chi bộ chưa phong phú, tính lãnh đạo, tính chiến đấu chưa cao.",
        "Một số chi bộ sinh hoạt chưa nền nếp, nội dung còn chung chung, nặng về sự vụ.",
        "Chất lượng sinh hoạt định kỳ của chi bộ chưa được nâng lên, đảng viên ít tham gia ý kiến."]),
    "kiem_tra_giam_sat": ("Kiểm tra, giám sát, kỷ luật đảng", [
        "Công tác kiểm tra, giám sát còn hạn chế, chưa phát hiện kịp thời vi phạm của đảng viên.",
        "Chất lượng các cuộc kiểm tra, giám sát chưa cao; việc phát hiện dấu hiệu vi phạm còn chậm.",
        "Thực hiện chương trình kiểm tra, giám sát chưa đầy đủ; kiểm tra khi có dấu hiệu vi phạm còn ít.",
        "Hoạt động kiểm tra, giám sát của cấp ủy chưa thường xuyên, hiệu quả chưa cao.",
        "Việc kiểm tra, giám sát đảng viên chấp hành Điều lệ Đảng chưa chặt chẽ, chấn chỉnh sai sót chưa kịp thời."]),
    "kiem_diem_chung_chung": ("Chất lượng tự phê bình và phê bình", [
        "Báo cáo kiểm điểm còn chung chung, chủ yếu nêu thành tích, chưa đi sâu phân tích hạn chế.",
        "Nội dung kiểm điểm chưa sâu, báo cáo nặng về liệt kê kết quả đạt được.",
        "Báo cáo kiểm điểm tập thể còn sơ sài, chưa nêu rõ hạn chế, khuyết điểm và nguyên nhân.",
        "Việc tự phê bình và phê bình chưa thẳng thắn, báo cáo kiểm điểm chủ yếu nêu ưu điểm.",
        "Báo cáo kiểm điểm còn hình thức, chưa phản ánh đúng thực chất những tồn tại, hạn chế."]),
    "trach_nhiem_ca_nhan": ("Chất lượng tự phê bình và phê bình", [
        "Chưa làm rõ trách nhiệm của tập thể và cá nhân đối với những hạn chế, khuyết điểm.",
        "Kiểm điểm tập thể chưa gắn với trách nhiệm cá nhân, nhất là người đứng đầu.",
        "Trách nhiệm cá nhân trong từng hạn chế, khuyết điểm chưa được xác định cụ thể.",
        "Chưa phân định rõ trách nhiệm của người đứng đầu và từng thành viên đối với các tồn tại.",
        "Việc làm rõ trách nhiệm cá nhân đối với khuyết điểm của tập thể còn chung chung."]),
    "bao_cao_cham": ("Chế độ thông tin, báo cáo", [
        "Công tác tổng hợp, báo cáo kết quả kiểm điểm, xếp loại còn chậm, chưa đảm bảo thời gian quy định.",
        "Gửi báo cáo và hồ sơ kiểm điểm về cấp trên chậm so với thời gian quy định.",
        "Thực hiện chế độ báo cáo chưa kịp thời, hồ sơ đánh giá, xếp loại nộp trễ hạn.",
        "Báo cáo kết quả đánh giá, xếp loại chất lượng gửi chậm, ảnh hưởng tiến độ chung.",
        "Chưa chấp hành nghiêm thời hạn báo cáo; hồ sơ kiểm điểm còn thiếu, phải bổ sung nhiều lần."]),
    "noi_cu_tru": ("Lấy ý kiến nơi cư trú", [
        "Việc lấy ý kiến nhận xét của chi ủy nơi cư trú đối với đảng viên còn hình thức.",
        "Nhận xét của nơi cư trú đối với đảng viên còn chung chung, mang tính thủ tục.",
        "Việc phối hợp với cấp ủy nơi cư trú để nhận xét đảng viên chưa thực chất.",
        "Lấy ý kiến góp ý của nơi cư trú đối với cán bộ, đảng viên chưa đi vào thực chất, còn hình thức.",
        "Ý kiến phản hồi từ nơi cư trú về đảng viên chưa được sử dụng trong đánh giá, xếp loại."]),
    "ty_le_xuat_sac": ("Đánh giá, xếp loại chất lượng", [
        "Tỷ lệ đảng viên được xếp loại Hoàn thành xuất sắc nhiệm vụ còn cao so với quy định.",
        "Đánh giá, xếp loại chất lượng đảng viên chưa thực chất, tỷ lệ xuất sắc vượt quy định.",
        "Việc xếp loại Hoàn thành xuất sắc nhiệm vụ còn dễ dãi, vượt tỷ lệ cho phép.",
        "Tỷ lệ Hoàn thành xuất sắc nhiệm vụ trong đánh giá đảng viên chưa đúng hướng dẫn, còn nể nang.",
        "Xếp loại chất lượng còn cào bằng, tỷ lệ xuất sắc cao hơn mức quy định."]),
    "khac_phuc": ("Khắc phục hạn chế, khuyết điểm", [
        "Việc khắc phục các hạn chế, khuyết điểm đã được chỉ ra qua kiểm điểm năm trước chưa triệt để.",
        "Một số khuyết điểm lặp lại các năm trước nhưng chưa có kế hoạch, giải pháp khắc phục cụ thể.",
        "Chưa xây dựng lộ trình khắc phục hạn chế, khuyết điểm đã được cấp trên chỉ ra.",
        "Kết quả khắc phục hạn chế, khuyết điểm sau kiểm điểm năm trước chưa rõ.",
        "Hạn chế, khuyết điểm đã được chỉ ra qua các kỳ kiểm điểm trước chậm được khắc phục."]),
    "dan_van": ("Công tác dân vận", [
        "Công tác dân vận chính quyền có lúc chưa được quan tâm đúng mức.",
        "Việc nắm bắt tâm tư, nguyện vọng của nhân dân còn hạn chế; công tác dân vận chưa đạt hiệu quả cao.",
        "Thực hiện quy chế dân chủ ở cơ sở có mặt còn hạn chế, đối thoại với nhân dân chưa thường xuyên.",
        "Công tác dân vận của cơ quan, đơn vị chưa được chú trọng, giải quyết kiến nghị của nhân dân còn chậm."]),
}
TOPICS = ["thu ngân sách", "xây dựng nông thôn mới", "giải phóng mặt bằng", "quản lý, bảo vệ rừng",
          "chuyển đổi cơ cấu cây trồng", "quản lý đất đai", "giảm nghèo bền vững", "cải cách hành chính"]
# Leadership collectives are not reviewed on party-building work inside chi bộ.
COLLECTIVE_TYPES = ["nhiem_vu_chinh_tri", "kiem_diem_chung_chung", "trach_nhiem_ca_nhan", "bao_cao_cham",
                    "khac_phuc", "dan_van", "ty_le_xuat_sac"]
PLANTED_CHAIN_TYPE = "kiem_diem_chung_chung"
SOURCES = ["Báo cáo kiểm điểm", "Báo cáo kiểm điểm", "Báo cáo kiểm điểm", "Kết luận của cấp ủy cấp trên", ""]

SUGGESTIONS = [
    "Làm rõ trách nhiệm của tập thể và người đứng đầu trong công tác quản lý, bảo vệ rừng, để xảy ra tình trạng "
    "lấn chiếm đất rừng trên địa bàn.",
    "Kiểm điểm làm rõ nguyên nhân, trách nhiệm việc chậm giải phóng mặt bằng các công trình, dự án trọng điểm.",
    "Làm rõ trách nhiệm trong công tác cải cách hành chính; tình trạng hồ sơ giải quyết trễ hạn.",
    "Kiểm điểm trách nhiệm trong quản lý trật tự xây dựng, để xảy ra xây dựng trái phép.",
    "Làm rõ trách nhiệm để xảy ra đơn thư khiếu nại, tố cáo kéo dài, vượt cấp.",
    "Làm rõ trách nhiệm trong quản lý, sử dụng đất đai, tài chính, tài sản công.",
    "Làm rõ trách nhiệm trong việc thu ngân sách không đạt dự toán được giao.",
    "Làm rõ nguyên nhân công tác phát triển đảng viên nhiều năm không đạt chỉ tiêu.",
    "Kiểm điểm trách nhiệm trong công tác phòng, chống tệ nạn xã hội và ma túy trên địa bàn.",
]
SUGGEST_QUOTA = ("Làm rõ nguyên nhân tỷ lệ đảng viên xếp loại Hoàn thành xuất sắc nhiệm vụ năm trước vượt tỷ lệ "
                 "quy định.")
SUGGEST_REMEDY = ("Kiểm điểm việc khắc phục các hạn chế, khuyết điểm đã được chỉ ra qua kiểm điểm năm trước nhưng "
                  "chưa khắc phục dứt điểm.")
SUGGEST_DISCIPLINE = "Kiểm điểm trách nhiệm của cấp ủy để xảy ra vi phạm dẫn đến đảng viên bị xử lý kỷ luật trong năm."

# Yearly shares of members rated "Hoàn thành nhiệm vụ" (seed 004 falls from 7 % to 3 %).
HT_SHARE = {2017: .072, 2018: .070, 2019: .050, 2020: .037, 2021: .048, 2022: .031, 2023: .030, 2024: .028,
            2025: .032}
P_KHTNV = .002            # members rated KHTNV without a disciplinary sanction
P_DISCIPLINE = .0025      # members disciplined in a year (rated KHTNV)
P_ADMIT = .036            # new members per present member and year
P_LATE_ADMISSION = .45    # admitted in the second half: "Kết nạp dưới 6 tháng" at the review
# (HTXS, HT, KHTNV) shares intended for collectives before the rules cap them
COLLECTIVE_SHARES = {"chi_bo": (.22, .03, .003), "tccsd": (.22, .03, .006), "tap_the_lanh_dao": (.26, .03, .006)}
_N = NormalDist()


# ───────────────────────────── model ─────────────────────────────

@dataclass(frozen=True)
class Scale:
    districts: int
    communes: int                 # per district, the town included
    villages: tuple[int, int]     # village chi bộ per commune
    agencies: tuple[int, int]     # other chi bộ per commune
    armed: int                    # đảng bộ lực lượng vũ trang per district
    armed_cells: tuple[int, int]
    offices: int                  # chi bộ cơ sở of district agencies (Cơ quan hành chính)
    services: int                 # … of public service units
    state_firms: int
    joint_stock: int
    departments: int              # phòng with a leadership collective
    province_cells: int           # chi bộ cơ sở directly under the province
    hospital_cells: int           # chi bộ of the province hospital's đảng bộ


SCALES = {
    "district": Scale(3, 14, (8, 10), (6, 8), 2, (10, 14), 24, 12, 5, 1, 7, 6, 6),
    "small": Scale(1, 4, (3, 4), (2, 3), 1, (3, 3), 3, 4, 1, 0, 8, 6, 2),
}


@dataclass
class Unit:
    code: str
    name: str
    tree: str                     # key of TREE
    kind: str | None
    parent: str | None
    first: int | None = None      # None: existed before the demo period
    last: int | None = None       # None: still exists
    region: str = PROVINCE        # the district whose files report it (kept by its 2025 successors)
    quality: float = 0.0          # persistent propensity to be rated well
    size: int = 0                 # members at the start (chi bộ only)
    has_cap_uy: bool = False      # grassroots organizations with a party committee (chi bộ of ≥ 9 members)
    leader_pool: str | None = None   # chi bộ (original code) whose members may head this unit
    place: str = ""               # commune name
    town: bool = False
    government_cell: str | None = None   # communes: the chi bộ of the commune government (UBND's head is there)
    next_cell: int = 0            # last chi bộ number used under this unit (2025 successors)

    def alive(self, year: int) -> bool:
        return (self.first is None or year >= self.first) and (self.last is None or year <= self.last)

    @property
    def holds_members(self) -> bool:
        return self.tree in ("cbtt", "cbcs")

    @property
    def grassroots(self) -> bool:
        return self.tree in ("dbcs", "cbcs")


@dataclass
class Member:
    code: str
    name: str
    chi_bo: str                   # chi bộ at admission (later years follow its successors)
    born: int
    joined: int
    late: bool                    # admitted in the second half of `joined`: not rated that year
    merit: float
    civil: bool                   # civil servant / public employee: also has a civil-service rating
    manager: bool                 # holds a management post
    female: bool
    exempt_from: int | None = None
    left: int | None = None       # first year no longer a member here


@dataclass
class MemberRating:
    year: int
    member: str
    name: str
    chi_bo: str
    level: int | None
    not_rated: str | None = None  # mien | moi_ket_nap
    disciplined: bool = False
    form: str | None = None
    leader: bool = False
    led_unit: str | None = None
    civil: int | None = None
    votes: int | None = None
    official: int | None = None
    score: float | None = None


@dataclass
class CollectiveRating:
    year: int
    unit: str
    subject: str
    level: int
    self_level: int
    score: float | None
    disciplined: bool


@dataclass
class Shortcoming:
    year: int
    unit: str
    subject: str
    kind: str                     # key of SHORTCOMINGS
    text: str
    remedy: str                   # key of REMEDY
    source: str


@dataclass
class Suggestion:
    year: int
    unit: str
    text: str


@dataclass
class Demo:
    """Everything generated, as records (levels as numbers): what the files hold, before spelling."""
    scale: str
    anomalies: bool
    seed: int
    units: dict[str, Unit]
    lineage: list[tuple[int, str, str, str]]       # (year, old code, new code, Hình thức)
    members: dict[str, Member]
    member_ratings: list[MemberRating]
    collective_ratings: list[CollectiveRating]
    shortcomings: list[Shortcoming]
    suggestions: list[Suggestion]
    planted: list[dict]
    chains: list[dict]

    def predecessors(self, code: str) -> list[str]:
        return [old for _, old, new, _ in self.lineage if new == code and old != code]


# ───────────────────────────── the simulation ─────────────────────────────

class _Simulation:
    def __init__(self, scale: str, anomalies: bool, seed: int):
        if scale not in SCALES:
            raise ValueError(f"quy mô '{scale}' không hợp lệ (small | district)")
        self.scale_name, self.s, self.anomalies, self.seed = scale, SCALES[scale], anomalies, seed
        self.units: dict[str, Unit] = {}
        self.children: dict[str, list[str]] = {}
        self.names_under: dict[str, set[str]] = {}
        self.successor: dict[str, str] = {}
        self.lineage: list[tuple[int, str, str, str]] = []
        self.members: dict[str, Member] = {}
        self.roster: dict[int, dict[str, list[Member]]] = {}
        self.member_seq: dict[str, int] = {}
        self.member_ratings: list[MemberRating] = []
        self.collective_ratings: list[CollectiveRating] = []
        self.shortcomings: list[Shortcoming] = []
        self.suggestions: list[Suggestion] = []
        self.planted: list[dict] = []
        self.chains: list[dict] = []
        self.open_chains: dict[str, list[dict]] = {}
        self.prev_leaders: dict[str, str] = {}
        self.quota_breach: dict[int, set[str]] = {}
        self._follow_cache: dict[tuple[str, int], str] = {}
        self.preds: dict[str, list[str]] = {}
        self.present: dict[int, set[str]] = {}
        self.unfixed: dict[int, set[str]] = {}
        self.rows_of_year: dict[int, list[MemberRating]] = {}

    def rng(self, *purpose) -> random.Random:
        """An independent, reproducible stream per purpose (and year): changing one part shifts no other."""
        return random.Random(":".join(map(str, (self.seed, *purpose))))

    def run(self) -> Demo:
        self._build_tree()
        for old, new in self.successor.items():
            self.preds.setdefault(new, []).append(old)
        self._simulate_population()
        self.plan = _AnomalyPlan(self) if self.anomalies else None
        for y in YEARS:
            self._shortcomings_of(y)
            self._rate(y)
            self._suggestions_of(y)
        if self.plan:
            self.plan.finish()
        return Demo(self.scale_name, self.anomalies, self.seed, self.units, self.lineage, self.members,
                    self.member_ratings, self.collective_ratings, self.shortcomings, self.suggestions,
                    self.planted, self.chains)

    # ── the tree ──

    def _add(self, u: Unit) -> Unit:
        if u.parent:
            taken = self.names_under.setdefault(u.parent, set())
            if u.name in taken:       # two chi bộ of the same name under one parent: say where each came from
                u.name = f"{u.name} ({u.place})" if u.place else f"{u.name} ({u.code})"
            taken.add(u.name)
            self.children.setdefault(u.parent, []).append(u.code)
        self.units[u.code] = u
        return u

    def alive(self, tree: str, year: int) -> list[Unit]:
        return [u for u in self.units.values() if u.tree == tree and u.alive(year)]

    def kids(self, code: str, year: int, tree: str | None = None) -> list[Unit]:
        return [self.units[c] for c in self.children.get(code, [])
                if self.units[c].alive(year) and (tree is None or self.units[c].tree == tree)]

    def follow(self, code: str, year: int) -> str:
        """The code a unit (or its successor) has in `year`."""
        key = (code, year)
        if key not in self._follow_cache:
            c = code
            while not self.units[c].alive(year) and c in self.successor:
                c = self.successor[c]
            self._follow_cache[key] = c
        return self._follow_cache[key]

    def tccsd_of(self, chi_bo: str) -> str:
        u = self.units[chi_bo]
        return u.code if u.tree == "cbcs" else u.parent

    def _build_tree(self) -> None:
        rng = self.rng("tree")
        self._add(Unit(PROVINCE, "Tỉnh ủy Minh Sơn", "province", None, None))
        for d in range(1, self.s.districts + 1):
            self._build_district(d, rng)
        self._build_province_direct(rng)
        self._absorb_commune(rng)
        self._reorganize(rng)

    def _cell(self, code: str, name: str, kind: str, parent: Unit, size: int, rng, region: str, place="") -> Unit:
        return self._add(Unit(code, name, "cbtt", kind, parent.code, region=region, quality=rng.gauss(0, 1),
                              size=size, place=place))

    def _build_district(self, d: int, rng: random.Random) -> None:
        s = self.s
        dname = DISTRICT_NAMES[d - 1]
        dc = f"H{d:02d}"
        self._add(Unit(dc, f"Huyện ủy {dname}", "district", None, PROVINCE, last=REORG_YEAR - 1, region=dc))
        places = [dname] + OLD_COMMUNES[(d - 1) * 13:(d - 1) * 13 + s.communes - 1]
        communes = []
        for i, place in enumerate(places, 1):
            town = i == 1
            word = "thị trấn" if town else "xã"
            x = self._add(Unit(f"{dc}-X{i:02d}", f"Đảng bộ {word} {place}", "dbcs", XA, dc, region=dc,
                               quality=rng.gauss(0, 1), has_cap_uy=True, place=place, town=town))
            communes.append(x)
            n_villages = rng.randint(*s.villages)
            if town:
                villages = [f"Chi bộ Tổ dân phố {k}" for k in range(1, n_villages + 1)]
            elif rng.random() < 0.5:
                villages = [f"Chi bộ thôn {k}" for k in range(1, n_villages + 1)]
            else:
                villages = [f"Chi bộ thôn {v}" for v in rng.sample(VILLAGES, n_villages)]
            n_agencies = rng.randint(*s.agencies)
            agencies = AGENCY_CELLS[:2] + sorted(rng.sample(AGENCY_CELLS[2:], n_agencies - 2),
                                                 key=AGENCY_CELLS.index)
            j = 0
            for name, kind, sizes in [(v, THON, (7, 17) if town else (8, 19)) for v in villages] + agencies:
                j += 1
                cell = self._cell(f"{x.code}-CB{j:02d}", name.format(word=word, place=place), kind, x,
                                  rng.randint(*sizes), rng, dc, place)
                if name == AGENCY_CELLS[0][0]:
                    x.leader_pool = cell.code          # the secretary works in the party-and-mass-org chi bộ
                if name == AGENCY_CELLS[1][0]:
                    x.government_cell = cell.code      # the commune government's leaders are members here
        for suffix, name, cells in ARMED[:s.armed]:
            lv = self._add(Unit(f"{dc}-{suffix}", name.format(d=dname), "dbcs", LLVT, dc, region=dc,
                                quality=rng.gauss(0, 1), has_cap_uy=True))
            for j, cname in enumerate(cells[:rng.randint(*s.armed_cells)], 1):
                self._cell(f"{lv.code}-CB{j:02d}", cname, LLVT, lv, rng.randint(5, 12), rng, dc)
            lv.leader_pool = f"{lv.code}-CB01"
        fill = {"d": dname, "c1": places[1], "c2": places[2 % len(places)], "c3": places[3 % len(places)]}
        agencies = [(self._office_name(o, dname), CQHC, (12, 20) if i == 0 else (5, 14))
                    for i, o in enumerate(OFFICES[:s.offices])]
        agencies += [(n.format(**fill), DVSN, (8, 30)) for n in SERVICES[:s.services]]
        agencies += [(n.format(**fill), DNNN, (6, 20)) for n in STATE_FIRMS[:s.state_firms]]
        agencies += [(n.format(**fill), DNCP, (4, 10)) for n in JOINT_STOCK[:s.joint_stock]]
        for k, (name, kind, sizes) in enumerate(agencies, 1):
            size = rng.randint(*sizes)
            cname = name if name.startswith("Chi bộ") else f"Chi bộ {name}"
            cs = self._add(Unit(f"{dc}-CS{k:02d}", cname, "cbcs", kind, dc, region=dc, quality=rng.gauss(0, 1),
                                size=size, has_cap_uy=size >= 9))
            cs.leader_pool = cs.code
        offices = [f"{dc}-CS{k:02d}" for k in range(1, s.offices + 1)]
        collectives = list(DISTRICT_COLLECTIVES)      # (name, kind, index of the office whose chi bộ the head is in)
        collectives += [(f"Tập thể lãnh đạo {o} {{d}}", CQHC, i) for i, o in enumerate(OFFICES[1:1 + s.departments], 1)]
        k = 0
        for name, kind, office in collectives:
            k += 1
            self._add(Unit(f"{dc}-TT{k:02d}", name.format(d=dname), "ttld", kind, dc, region=dc,
                           quality=rng.gauss(0, 1), leader_pool=offices[office % len(offices)]))
        for x in communes:
            k += 1
            word = "thị trấn" if x.town else "xã"
            self._add(Unit(f"{dc}-TT{k:02d}", f"Tập thể lãnh đạo Ủy ban nhân dân {word} {x.place}", "ttld", XA, dc,
                           region=dc, quality=rng.gauss(0, 1), leader_pool=x.government_cell, place=x.place))

    @staticmethod
    def _office_name(office: str, dname: str) -> str:
        if office.endswith("huyện") or office.endswith("Huyện ủy"):
            return f"Chi bộ {office} {dname}"
        return f"Chi bộ {office} huyện {dname}"

    def _build_province_direct(self, rng: random.Random) -> None:
        """Grassroots organizations directly under the province: they keep their codes through 2025."""
        s = self.s
        hospital = self._add(Unit(f"{PROVINCE}-DB01", "Đảng bộ Bệnh viện Đa khoa tỉnh Minh Sơn", "dbcs", DVSN,
                                  PROVINCE, quality=rng.gauss(0, 1), has_cap_uy=True))
        for j, name in enumerate(HOSPITAL_CELLS[:s.hospital_cells], 1):
            self._cell(f"{hospital.code}-CB{j:02d}", name, DVSN, hospital, rng.randint(8, 20), rng, PROVINCE)
        hospital.leader_pool = f"{hospital.code}-CB01"
        for k, name in enumerate(PROVINCE_CELLS[:s.province_cells], 1):
            size = rng.randint(8, 16)
            cs = self._add(Unit(f"{PROVINCE}-CS{k:02d}", name, "cbcs", DVSN, PROVINCE, quality=rng.gauss(0, 1),
                                size=size, has_cap_uy=size >= 9))
            cs.leader_pool = cs.code

    def _move(self, old: Unit, code: str, parent: Unit, year: int, event: str, name: str | None = None) -> Unit:
        """`old` ends the year before `year`; its successor gets a new code (the parent changes, so must the code)."""
        old.last = year - 1
        new = self._add(Unit(code, name or old.name, old.tree, old.kind, parent.code,
                             first=year, region=old.region, quality=old.quality, size=old.size,
                             has_cap_uy=old.has_cap_uy, place=old.place))
        new.leader_pool = new.code if old.leader_pool == old.code else old.leader_pool
        self.successor[old.code] = new.code
        self.lineage.append((year, old.code, new.code, event))
        return new

    def _move_cells(self, old: Unit, new_parent: Unit, year: int, start: int) -> int:
        j = start
        for cell in self.kids(old.code, year - 1, "cbtt"):
            j += 1
            self._move(cell, f"{new_parent.code}-CB{j:02d}", new_parent, year, "Chuyển cấp trên")
        return j

    def _absorb_commune(self, rng: random.Random) -> None:
        """2020: the last commune of the second district (or the only one) is absorbed by its neighbour."""
        dc = "H02" if "H02" in self.units else "H01"
        communes = [u for u in self.kids(dc, ABSORB_YEAR - 1, "dbcs") if u.kind == XA]
        old, into = communes[-1], communes[-2]
        old.last = ABSORB_YEAR - 1
        self.successor[old.code] = into.code
        self.lineage.append((ABSORB_YEAR, old.code, into.code, "Sáp nhập"))
        self._move_cells(old, into, ABSORB_YEAR, len(self.children[into.code]))
        ubnd = {u.place: u for u in self.kids(dc, ABSORB_YEAR - 1, "ttld") if u.kind == XA}
        gone = ubnd[old.place]
        gone.last = ABSORB_YEAR - 1
        self.successor[gone.code] = ubnd[into.place].code
        self.lineage.append((ABSORB_YEAR, gone.code, ubnd[into.place].code, "Sáp nhập"))

    def _reorganize(self, rng: random.Random) -> None:
        """2025: districts dissolved; communes merged under the province; every other unit moved or ended."""
        y, before = REORG_YEAR, REORG_YEAR - 1
        province = self.units[PROVINCE]
        counters = {"X": 0, "CS": 0, "TT": 0}
        new_names = iter(NEW_COMMUNES)
        police = None
        for d in range(1, self.s.districts + 1):
            dc = f"H{d:02d}"
            dname = DISTRICT_NAMES[d - 1]
            communes = [u for u in self.kids(dc, before, "dbcs") if u.kind == XA]
            ubnd = {u.place: u for u in self.kids(dc, before, "ttld") if u.kind == XA}
            renamed = communes[0] if d == 1 else None       # the town of the first district only changes its name
            rest = [c for c in communes if c is not renamed]
            groups = [(g, "Sáp nhập", next(new_names)) for g in _partition(rest, rng)]
            if renamed:
                groups.append(([renamed], "Đổi tên", renamed.place))
            new_communes = []
            for group, event, place in groups:
                counters["X"] += 1
                code = f"MS-X{counters['X']:02d}"
                new = self._add(Unit(code, f"Đảng bộ xã {place}", "dbcs", XA_MOI, PROVINCE, first=y, region=dc,
                                     quality=sum(c.quality for c in group) / len(group) + rng.gauss(0, .3),
                                     has_cap_uy=True, place=place))
                new.leader_pool = group[0].leader_pool
                new_communes.append(new)
                j = 0
                for old in group:
                    old.last = before
                    self.successor[old.code] = code
                    self.lineage.append((y, old.code, code, event))
                    j = self._move_cells(old, new, y, j)
                new.next_cell = j
                counters["TT"] += 1
                tt = self._add(Unit(f"MS-TT{counters['TT']:02d}", f"Tập thể lãnh đạo Ủy ban nhân dân xã {place}",
                                    "ttld", XA_MOI, PROVINCE, first=y, region=dc, quality=rng.gauss(0, 1),
                                    leader_pool=group[0].government_cell, place=place))
                for old in group:
                    u = ubnd[old.place]
                    u.last = before
                    self.successor[u.code] = tt.code
                    self.lineage.append((y, u.code, tt.code, event))
            # District agencies merge into a new chi bộ of a new commune's government; other chi bộ cơ sở move up.
            offices = [u for u in self.kids(dc, before, "cbcs") if u.kind == CQHC]
            merged_into: dict[str, Unit] = {}
            for i, cs in enumerate(offices):
                target = new_communes[i % len(new_communes)]
                cell = merged_into.get(target.code)
                if cell is None:
                    target.next_cell += 1
                    cell = self._add(Unit(f"{target.code}-CB{target.next_cell:02d}",
                                          f"Chi bộ Cơ quan Ủy ban nhân dân xã {target.place}", "cbtt", CQHC,
                                          target.code, first=y, region=dc, quality=rng.gauss(0, 1)))
                    merged_into[target.code] = cell
                cs.last = before
                self.successor[cs.code] = cell.code
                self.lineage.append((y, cs.code, cell.code, "Sáp nhập"))
            for cs in self.kids(dc, before, "cbcs"):
                if cs.kind != CQHC:
                    counters["CS"] += 1
                    self._move(cs, f"MS-CS{counters['CS']:02d}", province, y, "Chuyển cấp trên")
            for lv in [u for u in self.kids(dc, before, "dbcs") if u.kind == LLVT]:
                if lv.code.endswith("LV1"):
                    new = self._move(lv, f"MS-LV{d:02d}", province, y, "Chuyển cấp trên",
                                     name=f"Đảng bộ Ban Chỉ huy Phòng thủ khu vực {d} - {dname}")
                    self._move_cells(lv, new, y, 0)
                else:
                    if police is None:
                        police = self._add(Unit("MS-CA", "Đảng bộ Công an tỉnh Minh Sơn", "dbcs", LLVT, PROVINCE,
                                                first=y, region=dc, quality=lv.quality, has_cap_uy=True,
                                                leader_pool=lv.leader_pool))
                        police.next_cell = 0
                    lv.last = before
                    self.successor[lv.code] = police.code
                    self.lineage.append((y, lv.code, police.code, "Sáp nhập"))
                    for cell in self.kids(lv.code, before, "cbtt"):
                        police.next_cell += 1
                        cell.place = f"khu vực {dname}"        # tells apart same-named chi bộ of two districts
                        self._move(cell, f"MS-CA-CB{police.next_cell:02d}", police, y, "Chuyển cấp trên")
            for tt in self.kids(dc, before, "ttld"):        # district-level collectives end with the district
                tt.last = before

    # ── people ──

    def _new_member(self, cell: Unit, joined: int, rng: random.Random, founder: bool) -> Member:
        region = cell.region
        seq = self.member_seq[region] = self.member_seq.get(region, 0) + 1
        region_no = 0 if region == PROVINCE else int(region[1:])
        if cell.kind == THON:
            female, age = rng.random() < .35, int(rng.triangular(22, 88, 58)) if founder else rng.randint(24, 45)
        elif cell.kind == LLVT:
            female, age = rng.random() < .1, rng.randint(22, 48) if founder else rng.randint(21, 30)
        else:
            female, age = rng.random() < (.55 if cell.kind == DVSN else .4), \
                rng.randint(24, 58) if founder else rng.randint(23, 38)
        born = joined - age if not founder else FIRST - age
        if founder:
            joined = rng.randint(max(born + 18, 1960), FIRST - 1)
        civil = cell.kind in (CQHC, DVSN) and rng.random() < .9
        ethnic = region == "H03" and cell.kind == THON and rng.random() < .15
        m = Member(f"DV{region_no:02d}{seq:05d}", _person_name(rng, female, ethnic), cell.code, born, joined,
                   late=not founder and rng.random() < P_LATE_ADMISSION, merit=rng.gauss(0, 1), civil=civil,
                   manager=civil and rng.random() < .1, female=female)
        if founder and FIRST - born >= 65 and rng.random() < min(.6, .04 * (FIRST - born - 64)):
            m.exempt_from = FIRST - rng.randint(0, 6)
        self.members[m.code] = m
        return m

    def _simulate_population(self) -> None:
        """Who is a member of which chi bộ each year; exemptions, deaths, transfers and admissions."""
        founders = self.rng("founders")
        for u in list(self.units.values()):
            if u.holds_members and u.alive(FIRST):
                for _ in range(u.size):
                    self._new_member(u, FIRST, founders, founder=True)
        for y in YEARS:
            rng = self.rng("population", y)
            roster: dict[str, list[Member]] = {}
            for m in list(self.members.values()):
                if m.left is not None or m.joined > y:
                    continue
                age = y - m.born
                u_leave, u_exempt = rng.random(), rng.random()
                if y > FIRST and m.joined < y:
                    death = .002 if age < 60 else .008 if age < 70 else .03 if age < 80 else .08
                    if m.exempt_from is not None:
                        death += .05
                    transfer = .012 if age < 60 else .003
                    if u_leave < death + transfer:
                        m.left = y
                        continue
                    if m.exempt_from is None and u_exempt < (.002 if age < 65 else min(.2, .01 * (age - 64))):
                        m.exempt_from = y
                roster.setdefault(self.follow(m.chi_bo, y), []).append(m)
            for u in self.units.values():
                if u.holds_members and u.alive(y):
                    present = roster.setdefault(u.code, [])
                    n_new = sum(rng.random() < P_ADMIT for _ in range(max(len(present), 3)))
                    present.extend(self._new_member(u, y, rng, founder=False) for _ in range(n_new))
            self.roster[y] = {code: sorted(ms, key=lambda m: m.code) for code, ms in roster.items() if ms}
            self.present[y] = {m.code for ms in roster.values() for m in ms}

    def status(self, m: Member, y: int) -> str:
        if m.exempt_from is not None and m.exempt_from <= y:
            return "mien"
        if m.joined == y and m.late:
            return "moi_ket_nap"
        return "rated"

    def _leaders(self, y: int) -> dict[str, Member]:
        """Who heads each grassroots organization and leadership collective this year."""
        rng = self.rng("leaders", y)
        leaders: dict[str, Member] = {}
        taken: set[str] = set()
        for u in self.units.values():
            if not (u.alive(y) and (u.grassroots or u.tree == "ttld") and u.leader_pool):
                continue
            new_term = y in (2020, REORG_YEAR) and rng.random() < .4      # party congress years
            pool = self.roster[y].get(self.follow(u.leader_pool, y), [])
            cands = [m for m in pool if self.status(m, y) == "rated" and m.joined <= y - 3 and m.code not in taken]
            if not cands:
                continue
            prev = self.prev_leaders.get(u.code) or next(
                (self.prev_leaders[p] for p in self.preds.get(u.code, []) if p in self.prev_leaders), None)
            chosen = next((m for m in cands if m.code == prev), None) if not new_term else None
            chosen = chosen or max(cands, key=lambda m: (m.merit, m.code))
            leaders[u.code] = chosen
            taken.add(chosen.code)
        self.prev_leaders = {u: m.code for u, m in leaders.items()}
        return leaders

    # ── shortcomings and suggestions ──

    def _shortcomings_of(self, y: int) -> None:
        planted_chain = self.plan.chain_for(y) if self.plan else None
        for u in self.units.values():
            if not (u.alive(y) and (u.grassroots or u.tree == "ttld")):
                continue
            rng = self.rng("shortcomings", y, u.code)      # per unit: the planted chain changes no other unit
            n = rng.choices([1, 2, 3], [.35, .45, .2])[0] if u.grassroots else rng.choices([0, 1, 2], [.3, .5, .2])[0]
            items = [c for c in self.open_chains.pop(u.code, []) if y in c["years"]]    # recurring ones first
            if planted_chain and planted_chain["unit_code"] == u.code:
                items.append(planted_chain)
            used = {c["type"] for c in items}
            types = list(SHORTCOMINGS) if u.grassroots else COLLECTIVE_TYPES
            while len(items) < n:
                t = rng.choice(types)
                if t in used:
                    continue
                used.add(t)
                length = rng.choices([1, 2, 3, 4], [.88, .07, .035, .015])[0]
                last = min(y + length - 1, u.last or LAST)
                subject = "cap_uy" if u.has_cap_uy and rng.random() < .25 else \
                    "tccsd" if u.grassroots else "tap_the_lanh_dao"
                chain = {"unit_code": u.code, "subject": subject, "type": t, "category": SHORTCOMINGS[t][0],
                         "topic": rng.choice(TOPICS), "years": list(range(y, last + 1)),
                         "wordings": rng.sample(range(len(SHORTCOMINGS[t][1])), len(SHORTCOMINGS[t][1])),
                         "remedy": [], "planted": False}
                if len(chain["years"]) > 1:
                    self.chains.append(chain)
                items.append(chain)
            for c in items:
                i = c["years"].index(y)
                if c["planted"]:
                    remedy = "chua"
                elif i < len(c["years"]) - 1:      # it recurs next year: not (really) fixed
                    remedy = rng.choices(["chua", "dang", "da"], [.5, .3, .2])[0]
                else:
                    remedy = rng.choices(["da", "dang", "chua"], {2024: [.8, .14, .06],
                                                                  LAST: [.1, .55, .35]}.get(y, [.82, .12, .06]))[0]
                c["remedy"].append(REMEDY[remedy])
                wording = SHORTCOMINGS[c["type"]][1][c["wordings"][i % len(c["wordings"])]]
                self.shortcomings.append(Shortcoming(y, u.code, c["subject"], c["type"],
                                                     wording.format(topic=c["topic"]), remedy, rng.choice(SOURCES)))
                if i < len(c["years"]) - 1 and not c["planted"]:
                    self.open_chains.setdefault(u.code, []).append(c)
        self.unfixed[y] = {s.unit for s in self.shortcomings if s.year == y and s.remedy != "da"}

    def unfixed_before(self, unit: str, y: int) -> bool:
        """366-QĐ (2025–): HTXS needs every shortcoming of the previous review fixed, the unit's or its
        predecessors'."""
        unfixed = self.unfixed.get(y - 1, set())
        return unit in unfixed or any(p in unfixed for p in self.preds.get(unit, []))

    def _suggestions_of(self, y: int) -> None:
        rng = self.rng("suggestions", y)
        disciplined_units = {self.tccsd_of(r.chi_bo) for r in self.rows_of_year[y] if r.disciplined}
        for u in self.units.values():
            if not (u.alive(y) and (u.grassroots or u.tree == "ttld")):
                continue
            draw = rng.random()
            texts = []
            if u.code in self.quota_breach.get(y - 1, ()):
                texts.append(SUGGEST_QUOTA)
            if any(u.code == c["unit_code"] and y in c["years"][1:] for c in self.chains if c["planted"]):
                texts.append(SUGGEST_REMEDY)
            if draw < (.09 if u.grassroots else .05):
                pick = rng.choice(SUGGESTIONS + [SUGGEST_DISCIPLINE] * (u.code in disciplined_units))
                if pick not in texts:
                    texts.append(pick)
            self.suggestions.extend(Suggestion(y, u.code, t) for t in texts)

    # ── ratings ──

    def _rate(self, y: int) -> None:
        """One evaluation year: members, then collectives from their members and sub-units, then the leader rule,
        repeated until nothing changes (a demoted head can lower their chi bộ, which can lower the unit …)."""
        rng = self.rng("ratings", y)
        plan = self.plan
        roster = self.roster[y]
        leaders = self._leaders(y)
        leader_of = {m.code: u for u, m in leaders.items()}
        cells = {u.code: u for u in self.units.values() if u.holds_members and u.alive(y)}

        # 1. Members: a latent merit, discipline, then levels; excellence for at most 1/6 of the HTT-or-better pool
        #    of each grassroots organization (so HTXS ≤ 20 % of HTT), one fewer now and then.
        z, level, form = {}, {}, {}
        z_ht, z_k = _N.inv_cdf(HT_SHARE[y] + P_KHTNV), _N.inv_cdf(P_KHTNV)
        pools: dict[str, list[Member]] = {}
        for code, ms in roster.items():
            for m in ms:
                noise, u_disc, u_form = rng.gauss(0, 1), rng.random(), rng.random()
                if self.status(m, y) != "rated":
                    continue
                z[m.code] = .75 * m.merit + .65 * noise
                if u_disc < P_DISCIPLINE:
                    form[m.code] = "Khiển trách" if u_form < .7 else "Cảnh cáo" if u_form < .95 else "Cách chức"
                    level[m.code] = KHTNV
                elif z[m.code] < z_k:
                    level[m.code] = KHTNV
                elif z[m.code] < z_ht:
                    level[m.code] = HT
                else:
                    level[m.code] = HTT
                    pools.setdefault(self.tccsd_of(code), []).append(m)
        slack = self.rng("slack", y)
        for t in sorted(pools):
            pool = sorted(pools[t], key=lambda m: (-z[m.code], m.code))
            k = len(pool) // 6
            if slack.random() < .1 and k:
                k -= 1
            for m in pool[:k]:
                level[m.code] = HTXS

        pinned_members: set[str] = set()     # levels planted on purpose: no rule changes them
        pinned_leaders: set[str] = set()
        unit_pins: dict[tuple[str, str], int] = {}
        if plan:
            plan.members(y, level, form, leaders, pinned_members, pinned_leaders, unit_pins)
        for code in list(level):              # every rated member from here on, planted ones included
            z.setdefault(code, 0.0)

        # 2. Collectives' intended levels (persistent quality + yearly noise), then the rules, until stable.
        crng = self.rng("collectives", y)
        cz: dict[str, float] = {}
        for u in self.units.values():
            if u.alive(y) and (u.holds_members or u.grassroots or u.tree == "ttld"):
                cz[u.code] = .8 * u.quality + .6 * crng.gauss(0, 1)
        ttld_disc = {u.code for u in self.alive("ttld", y) if crng.random() < .012}
        for _ in range(10):
            self._member_quota(y, roster, level, z, pinned_members)
            final, cdisc = self._collective_levels(y, roster, level, form, cz, ttld_disc, leader_of, unit_pins)
            changed = False
            for unit, m in leaders.items():     # 132-QĐ Điều 12: a leader is not rated above the unit they head
                if m.code in pinned_leaders or m.code in pinned_members:
                    continue
                key = (unit, "tap_the_lanh_dao" if self.units[unit].tree == "ttld" else
                       "chi_bo" if self.units[unit].tree == "cbtt" else "tccsd")
                if level[m.code] < final[key]:
                    level[m.code] = final[key]
                    changed = True
            if not changed:
                break
        if y >= COLLECTIVE_QUOTA_FROM:   # 124/366: leaders as individuals, one similar-role group per upper level
            self._leader_quota(roster, level, z, leader_of, pinned_members | pinned_leaders)
        if plan:       # after the leader rule, which could only lower them again
            plan.raise_quotas(y, z, level, form, leaders)

        # 3. Party committees: their organization's level, sometimes one lower.
        for u in self.units.values():
            if u.alive(y) and u.grassroots and u.has_cap_uy:
                lvl = final[(u.code, "tccsd")]
                if crng.random() < .07 and lvl <= HTT:
                    lvl += 1
                if cdisc[(u.code, "tccsd_leaders")] or (y >= REORG_YEAR and self.unfixed_before(u.code, y)):
                    lvl = max(lvl, HTT)
                if u.code in leaders and _head_discipline_fails(y, form.get(leaders[u.code].code)):
                    lvl = KHTNV
                final[(u.code, "cap_uy")] = unit_pins.get((u.code, "cap_uy"), lvl)
                cdisc[(u.code, "cap_uy")] = cdisc[(u.code, "tccsd_leaders")]
        if y >= COLLECTIVE_QUOTA_FROM:
            self._collective_quota(final, cz, unit_pins, {"cap_uy"})

        self._member_rows(y, roster, level, form, leader_of, cells, rng)
        self._collective_rows(y, final, cdisc, rng)
        if plan:
            plan.after_year(y)
        self._record_quota_breaches(y)

    def _member_quota(self, y, roster, level, z, pinned) -> None:
        """HTXS ≤ floor(20 % × HTT) per grassroots organization: demote the weakest excellent members."""
        by_tccsd: dict[str, list[str]] = {}
        for code, ms in roster.items():
            for m in ms:
                if m.code in level:
                    by_tccsd.setdefault(self.tccsd_of(code), []).append(m.code)
        for t, codes in by_tccsd.items():
            excellent = sorted((c for c in codes if level[c] == HTXS and c not in pinned), key=lambda c: (z[c], c))
            htxs = sum(1 for c in codes if level[c] == HTXS)
            htt = sum(1 for c in codes if level[c] == HTT)
            while 5 * htxs > htt and excellent:
                level[excellent.pop(0)] = HTT
                htxs, htt = htxs - 1, htt + 1

    def _collective_levels(self, y, roster, level, form, cz, ttld_disc, leader_of, unit_pins):
        """Final levels of chi bộ, grassroots organizations and leadership collectives under the rules of §7."""
        final: dict[tuple[str, str], int] = {}
        cdisc: dict[tuple[str, str], bool] = {}

        def intended(code: str, subject: str) -> int:
            p1, p3, p4 = COLLECTIVE_SHARES[subject]
            v = cz[code]
            if v > _N.inv_cdf(1 - p1):
                return HTXS
            if v < _N.inv_cdf(p4):
                return KHTNV
            return HT if v < _N.inv_cdf(p4 + p3) else HTT

        def capped(start: int, levels: list[int], disciplined: bool, majority_fails: float) -> int:
            """21-HD: HTXS needs 100 % ≥ HT and ≥ 80 % ≥ HTT; HTT needs 100 % ≥ HT and ≥ 50 % ≥ HTT. 27-HD: too
            many KHTNV below makes the whole KHTNV."""
            n = len(levels)
            if not n:
                return start
            k4 = sum(1 for v in levels if v == KHTNV)
            good = sum(1 for v in levels if v <= HTT)
            if k4 > majority_fails * n:
                return KHTNV
            cap = HTXS
            if k4:
                cap = HT
            if good < .8 * n or disciplined:
                cap = max(cap, HTT)
            if good < .5 * n:
                cap = max(cap, HT)
            return max(start, cap)

        leaders_disc = {}
        for code, ms in roster.items():
            rated = [m for m in ms if m.code in level]
            disc = any(m.code in form for m in rated)
            # A disciplined member who holds a post makes the grassroots organization's leadership "disciplined".
            leaders_disc[code] = any(m.code in form and (m.code in leader_of or m.manager) for m in rated)
            u = self.units[code]
            subject = "chi_bo" if u.tree == "cbtt" else "tccsd"
            lvl = capped(intended(code, subject), [level[m.code] for m in rated], disc, .5)
            final[(code, subject)] = lvl
            cdisc[(code, subject)] = disc
        for u in self.units.values():
            if not u.alive(y):
                continue
            if u.tree == "cbtt" and (u.code, "chi_bo") not in final:      # no member rated this year
                final[(u.code, "chi_bo")], cdisc[(u.code, "chi_bo")] = intended(u.code, "chi_bo"), False
            if u.tree == "cbcs":
                if (u.code, "tccsd") not in final:
                    final[(u.code, "tccsd")], cdisc[(u.code, "tccsd")] = intended(u.code, "tccsd"), False
                cdisc[(u.code, "tccsd_leaders")] = leaders_disc.get(u.code, False)
        for u in self.units.values():
            if u.alive(y) and u.tree == "dbcs":
                subs = [final[(c.code, "chi_bo")] for c in self.kids(u.code, y, "cbtt")]
                disc = any(leaders_disc.get(c.code, False) for c in self.kids(u.code, y, "cbtt"))
                final[(u.code, "tccsd")] = capped(intended(u.code, "tccsd"), subs, disc, 1 / 3)
                cdisc[(u.code, "tccsd")] = cdisc[(u.code, "tccsd_leaders")] = disc
        head_of = {unit: m for m, unit in leader_of.items()}
        for u in self.alive("ttld", y):
            disc = u.code in ttld_disc
            fails = disc or _head_discipline_fails(y, form.get(head_of.get(u.code, "")))
            final[(u.code, "tap_the_lanh_dao")] = KHTNV if fails else intended(u.code, "tap_the_lanh_dao")
            cdisc[(u.code, "tap_the_lanh_dao")] = disc
        if y >= REORG_YEAR:
            for (code, subject), lvl in final.items():      # chi bộ too: they inherit merged units' shortcomings
                if lvl == HTXS and self.unfixed_before(code, y):
                    final[(code, subject)] = HTT
        final.update(unit_pins)
        if y >= COLLECTIVE_QUOTA_FROM:
            self._collective_quota(final, cz, unit_pins, {"chi_bo", "tccsd", "tap_the_lanh_dao"})
        return final, cdisc

    def _collective_quota(self, final, cz, pins, subjects) -> None:
        """124-QĐ / 366-QĐ: HTXS ≤ floor(20 % × HTT) per group of similar collectives (same parent, level, kind)."""
        groups: dict[tuple, list[str]] = {}
        for (code, subject) in final:
            if subject in subjects:
                u = self.units[code]
                groups.setdefault((subject, u.parent, u.tree, u.kind), []).append(code)
        for (subject, *_), codes in groups.items():
            htxs = sum(1 for c in codes if final[(c, subject)] == HTXS)
            htt = sum(1 for c in codes if final[(c, subject)] == HTT)
            # Unpinned first; a planted HTXS gives way only when the group cannot hold it at all.
            weakest = sorted((c for c in codes if final[(c, subject)] == HTXS),
                             key=lambda c: ((c, subject) in pins, cz[c], c))
            while 5 * htxs > htt and weakest:
                final[(weakest.pop(0), subject)] = HTT
                htxs, htt = htxs - 1, htt + 1

    def _leader_quota(self, roster, level, z, leader_of, pinned) -> None:
        """HTXS ≤ floor(20 % × HTT) among the leaders of the grassroots organizations under one upper level."""
        groups: dict[str | None, list[str]] = {}
        for code, ms in roster.items():
            upper = self.units[self.tccsd_of(code)].parent
            for m in ms:
                if m.code in level and (m.code in leader_of or m.manager):
                    groups.setdefault(upper, []).append(m.code)
        for codes in groups.values():
            excellent = sorted((c for c in codes if level[c] == HTXS and c not in pinned), key=lambda c: (z[c], c))
            htxs = sum(1 for c in codes if level[c] == HTXS)
            htt = sum(1 for c in codes if level[c] == HTT)
            while 5 * htxs > htt and excellent:
                level[excellent.pop(0)] = HTT
                htxs, htt = htxs - 1, htt + 1

    def _member_rows(self, y, roster, level, form, leader_of, cells, rng) -> None:
        vrng = self.rng("votes", y)
        rows = self.rows_of_year[y] = []
        for code, ms in roster.items():
            with_votes = vrng.random() < .3
            official = sum(1 for m in ms if m.joined < y)
            for m in ms:
                u_votes = vrng.random()          # drawn for everyone: a planted level must not shift the stream
                st = self.status(m, y)
                led = leader_of.get(m.code)
                r = MemberRating(y, m.code, m.name, code, level.get(m.code), None if m.code in level else st)
                if m.code in level:
                    lvl = level[m.code]
                    r.disciplined, r.form = m.code in form, form.get(m.code)
                    r.leader, r.led_unit = bool(led) or m.manager, led
                    if m.civil and y >= 2018 and cells[code].kind in (CQHC, DVSN):
                        r.civil = lvl            # 21-HD: party and civil-service ratings agree
                    if with_votes and official:
                        r.official = official
                        low = min(official, official * 2 // 3 + 1 if lvl == HTXS else official // 2 + 1)
                        r.votes = low + int(u_votes * (official - low + 1))
                    if y in SCORED_YEARS:
                        r.score = _score(lvl, rng)
                rows.append(r)
        self.member_ratings.extend(rows)

    def _collective_rows(self, y, final, cdisc, rng) -> None:
        order = {"tccsd": 0, "cap_uy": 1, "chi_bo": 2, "tap_the_lanh_dao": 3}
        for (code, subject) in sorted(final, key=lambda k: (order.get(k[1], 9), k[0])):
            if subject not in order:
                continue
            lvl = final[(code, subject)]
            lower = rng.random() < .07                    # the upper level rated one below the self-rating
            self_level = lvl - 1 if lower and lvl > HTXS else lvl
            score = _score(lvl, rng) if y in SCORED_YEARS else None
            self.collective_ratings.append(CollectiveRating(y, code, subject, lvl, self_level, score,
                                                            cdisc[(code, subject)]))

    def _record_quota_breaches(self, y: int) -> None:
        counts: dict[str, list[int]] = {}
        for r in self.rows_of_year[y]:
            if r.level in (HTXS, HTT):
                c = counts.setdefault(self.tccsd_of(r.chi_bo), [0, 0])
                c[r.level - 1] += 1
        self.quota_breach[y] = {t for t, (a, b) in counts.items() if 5 * a > b}


def _partition(items: list, rng: random.Random) -> list[list]:
    """Groups of 2–4 neighbours (never a lone commune)."""
    groups, i = [], 0
    while i < len(items):
        size = rng.choice([2, 3, 3, 4])
        if len(items) - (i + size) == 1:
            size += 1
        groups.append(items[i:i + size])
        i += size
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2].extend(groups.pop())
    return groups


def _person_name(rng: random.Random, female: bool, ethnic: bool) -> str:
    if ethnic:
        return ("Ka " if female else "K' ") + rng.choice(ETHNIC_FEMALE if female else ETHNIC_MALE)
    surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    middle = rng.choice(FEMALE_MIDDLE if female else MALE_MIDDLE)
    return f"{surname} {middle} {rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)}"


def _score(level: int, rng: random.Random) -> float:
    lo, hi = BANDS[level]
    return round(rng.triangular(lo, hi, hi - (hi - lo) * .3) * 2) / 2


# ───────────────────────────── planted anomalies ─────────────────────────────

class _AnomalyPlan:
    """Where each anomaly goes, and the hooks that plant it; each one planted is recorded in planted.json. An anomaly
    that finds no fitting place (possible with other seeds at the small scale) is left out rather than forced."""

    def __init__(self, sim: _Simulation):
        self.sim = sim
        self.rng = sim.rng("anomalies")
        units = sim.units
        # A repeat offender: the members' excellence quota broken three years in a row.
        self.offender = units["H01-X02"]
        self.offender_years = {2021: .30, 2022: .28, 2023: .32}
        # 2025: the largest new commune at ~22 % (needs the exception decision), the next at ~27 % (over 25 %).
        new_communes = sorted((u for u in units.values() if u.kind == XA_MOI),
                              key=lambda u: (-len(sim.children.get(u.code, [])), u.code))
        self.quota_2025 = {new_communes[0].code: (.225, "member_quota_needs_exception"),
                           new_communes[1].code: (.27, "member_quota_exceeded")}
        # 2020: a commune rated KHTNV whose secretary is still rated HTT.
        self.weak_candidates = [u for u in units.values() if u.tree == "dbcs" and u.kind == XA and u.alive(2020)
                                and u.region == "H01" and u is not self.offender and not u.town]
        # A four-year shortcoming chain never fixed, in a unit nevertheless rated HTXS in 2025.
        self.chain_unit = units[f"{PROVINCE}-CS01"]
        self.chain = {"unit_code": self.chain_unit.code, "subject": "tccsd", "type": PLANTED_CHAIN_TYPE,
                      "category": SHORTCOMINGS[PLANTED_CHAIN_TYPE][0], "topic": "", "years": [2022, 2023, 2024, 2025],
                      "wordings": [0, 2, 4, 1], "remedy": [], "planted": True}
        sim.chains.append(self.chain)
        self.busy = {self.offender.code, self.chain_unit.code, *self.quota_2025}   # one anomaly per organization
        self.pending_quota: list[tuple[int, str, str]] = []

    def add(self, kind, year, unit_code, subject, detail, member_code=None, **extra) -> None:
        self.sim.planted.append({"kind": kind, "year": year, "unit_code": unit_code, "subject": subject,
                                 "member_code": member_code, "detail": detail, **extra})

    def choose(self, *candidates: list):
        """A random pick from the first non-empty list (the later lists relax the conditions), or None."""
        for cands in candidates:
            if cands:
                return self.rng.choice(cands)
        return None

    def chain_for(self, y: int) -> dict | None:
        return self.chain if y in self.chain["years"] else None

    # ── before the rules of the year run (pinned members and units keep their planted level) ──

    def members(self, y, level, form, leaders, pinned, pinned_leaders, unit_pins) -> None:
        heads = {m.code for m in leaders.values()}
        if y == 2020:
            self._weak_unit_strong_head(y, level, leaders, pinned, pinned_leaders, unit_pins)
        if y == 2021:
            self._exempt_member_rated(y, level, pinned)
            self._khtnv_member_in_excellent_cell(y, level, form, heads, pinned, unit_pins)
        if y == 2022:
            self._disciplined_member_htt(y, level, form, heads, pinned)
        if y == REORG_YEAR:
            # The chain unit is rated HTXS regardless of its unfixed shortcomings; its members are all ≥ HTT.
            for m in self.sim.roster[y].get(self.chain_unit.code, []):
                if m.code in level:
                    form.pop(m.code, None)
                    level[m.code] = min(level[m.code], HTT)
            unit_pins[(self.chain_unit.code, "tccsd")] = HTXS

    def _weak_unit_strong_head(self, y, level, leaders, pinned, pinned_leaders, unit_pins) -> None:
        """A unit rated KHTNV whose head is rated HTT (132-QĐ Điều 12: at most KHTNV)."""
        u = next((u for u in self.weak_candidates if u.code in leaders and u.code not in self.busy), None)
        if u is None:
            return
        unit_pins[(u.code, "tccsd")] = unit_pins[(u.code, "cap_uy")] = KHTNV
        head = leaders[u.code]
        level[head.code] = HTT
        pinned_leaders.add(head.code)
        pinned.add(head.code)
        self.busy.add(u.code)
        self.add("leader_above_led_unit", y, u.code, "tccsd", "đơn vị xếp loại Không hoàn thành nhiệm vụ nhưng bí "
                 "thư (người đứng đầu) xếp loại Hoàn thành tốt nhiệm vụ", head.code)

    def _exempt_member_rated(self, y, level, pinned) -> None:
        """An exempt member rated anyway: exempt the years before and after, rated HTT this year."""
        sim = self.sim
        exempt = [(code, m) for code, ms in sim.roster[y].items() for m in ms
                  if m.exempt_from is not None and m.exempt_from <= y - 1
                  and all(m.code in sim.present[yy] for yy in (y - 1, y + 1))]
        pick = self.choose([(c, m) for c, m in exempt if sim.tccsd_of(c) not in self.busy], exempt)
        if pick is None:
            return
        code, m = pick
        level[m.code] = HTT
        pinned.add(m.code)
        self.busy.add(sim.tccsd_of(code))
        self.add("exempt_member_rated", y, code, "dang_vien", f"đảng viên miễn công tác và sinh hoạt đảng từ năm "
                 f"{m.exempt_from} nhưng năm {y} vẫn được xếp loại Hoàn thành tốt nhiệm vụ", m.code)

    def _khtnv_member_in_excellent_cell(self, y, level, form, heads, pinned, unit_pins) -> None:
        """A chi bộ rated HTXS although one of its members is KHTNV (21-HD: needs 100 % ≥ HT)."""
        sim = self.sim
        cells = {}                    # chi bộ whose members are all ≥ HTT, none disciplined
        for code, ms in sim.roster[y].items():
            rated = [m for m in ms if m.code in level]
            if (sim.units[code].tree == "cbtt" and len(rated) >= 5
                    and all(level[m.code] <= HTT and m.code not in form for m in rated)
                    and any(level[m.code] == HTT and m.code not in heads and not m.manager for m in rated)):
                cells[code] = rated
        free = sorted(c for c in cells if sim.tccsd_of(c) not in self.busy)
        code = self.choose([c for c in free if len(cells[c]) >= 7], free, sorted(cells))
        if code is None:
            return
        m = next(m for m in cells[code] if level[m.code] == HTT and m.code not in heads and not m.manager)
        level[m.code] = KHTNV
        pinned.add(m.code)
        unit_pins[(code, "chi_bo")] = HTXS
        self.busy.add(sim.tccsd_of(code))
        self.add("chi_bo_htxs_with_khtnv_member", y, code, "chi_bo", "chi bộ xếp loại Hoàn thành xuất sắc nhiệm vụ "
                 f"nhưng có đảng viên {m.code} xếp loại Không hoàn thành nhiệm vụ", m.code)

    def _disciplined_member_htt(self, y, level, form, heads, pinned) -> None:
        """A member disciplined in the year but rated HTT (2018–2024: must be KHTNV)."""
        sim = self.sim
        free = [(code, m) for code, ms in sim.roster[y].items() if sim.tccsd_of(code) not in self.busy for m in ms
                if level.get(m.code) == HTT and m.code not in heads and m.code not in pinned and not m.manager]
        pick = self.choose(free)
        if pick is None:
            return
        code, m = pick
        form[m.code] = "Khiển trách"
        pinned.add(m.code)
        self.busy.add(sim.tccsd_of(code))
        self.add("disciplined_member_not_khtnv", y, code, "dang_vien",
                 "đảng viên bị kỷ luật khiển trách trong năm nhưng xếp loại Hoàn thành tốt nhiệm vụ", m.code)

    # ── after the rules have settled ──

    def raise_quotas(self, y, z, level, form, leaders) -> None:
        """Members' excellence quota broken on purpose: promote HTT members (heading nothing) until HTXS / HTT
        reaches the planted ratio. Done last: HTXS and HTT count alike for every other rule."""
        targets = dict(self.quota_2025) if y == REORG_YEAR else {}
        if y in self.offender_years:
            targets[self.offender.code] = (self.offender_years[y], "member_quota_exceeded")
        heads = {m.code for m in leaders.values()}
        sim = self.sim
        for unit, (ratio, kind) in targets.items():
            members = [m for code, ms in sim.roster[y].items() if sim.tccsd_of(code) == unit for m in ms
                       if m.code in level]
            htxs = sum(1 for m in members if level[m.code] == HTXS)
            htt = sum(1 for m in members if level[m.code] == HTT)
            for m in sorted((m for m in members if level[m.code] == HTT and m.code not in heads
                             and m.code not in form and not m.manager), key=lambda m: (-z.get(m.code, 0.0), m.code)):
                if htxs >= ratio * htt:
                    break
                level[m.code] = HTXS
                htxs, htt = htxs + 1, htt - 1
            self.pending_quota.append((y, unit, kind))

    def after_year(self, y: int) -> None:
        """Anomalies planted in the finished records of the year; the final ratios of the quota ones."""
        sim = self.sim
        rows = sim.rows_of_year[y]
        for unit, kind in [(u, k) for yy, u, k in self.pending_quota if yy == y]:
            mine = [r for r in rows if sim.tccsd_of(r.chi_bo) == unit]
            a = sum(1 for r in mine if r.level == HTXS)
            b = sum(1 for r in mine if r.level == HTT)
            if 5 * a <= b:
                continue                  # too few members to break it
            repeat = f" (tái phạm, năm thứ {y - 2020} liên tiếp)" if unit == self.offender.code else ""
            limit = "giới hạn 20 %" + (", tối đa 25 % nếu cấp có thẩm quyền cho phép" if y >= REORG_YEAR else "")
            self.add(kind, y, unit, "dang_vien", f"{a} đảng viên Hoàn thành xuất sắc nhiệm vụ trên {b} Hoàn thành tốt "
                     f"nhiệm vụ = {a / b:.1%} ({limit}){repeat}", ratio=round(a / b, 4))
        heads = {r.member for r in rows if r.led_unit}
        if y == 2023:
            # Party HTXS with civil-service HTT (21-HD: a party HTXS needs a civil-service HTXS).
            r = self.choose([r for r in rows if r.level == HTXS and r.civil == HTXS and r.member not in heads
                             and sim.tccsd_of(r.chi_bo) not in self.busy])
            if r:
                r.civil = HTT
                self.busy.add(sim.tccsd_of(r.chi_bo))
                self.add("party_htxs_civil_not_htxs", y, r.chi_bo, "dang_vien", "đảng viên xếp loại Hoàn thành xuất "
                         "sắc nhiệm vụ nhưng xếp loại công chức Hoàn thành tốt nhiệm vụ", r.member)
        if y == 2024:
            # Excellent with fewer than 2/3 of the official members voting for it.
            big = [r for r in rows if r.level == HTXS and r.member not in heads
                   and sum(1 for m in sim.roster[y][r.chi_bo] if m.joined < y) >= 5]
            r = self.choose([r for r in big if sim.tccsd_of(r.chi_bo) not in self.busy], big)
            if r:
                r.official = sum(1 for m in sim.roster[y][r.chi_bo] if m.joined < y)
                r.votes = r.official // 2 + 1
                self.busy.add(sim.tccsd_of(r.chi_bo))
                self.add("htxs_votes_below_two_thirds", y, r.chi_bo, "dang_vien", "xếp loại Hoàn thành xuất sắc nhiệm "
                         f"vụ với {r.votes}/{r.official} phiếu tán thành (cần trên 2/3 số đảng viên chính thức)",
                         r.member)
        if y in (2024, REORG_YEAR) and not any(p["kind"] == "collective_htxs_disciplined" for p in sim.planted):
            self._disciplined_excellent_collective(y)
        if y == REORG_YEAR:
            # A score outside its level's band (366-QĐ: HTT is 70 to < 90 points).
            c = self.choose([c for c in sim.collective_ratings if c.year == y and c.subject == "tccsd"
                             and c.level == HTT and c.unit not in self.busy])
            if c:
                c.score = 91.5
                self.add("collective_score_outside_band", y, c.unit, "tccsd", "xếp loại Hoàn thành tốt nhiệm vụ nhưng "
                         "chấm 91,5 điểm (mức Hoàn thành tốt: 70 đến dưới 90)")

    def _disciplined_excellent_collective(self, y: int) -> None:
        """A collective rated HTXS although a leader was disciplined (124-QĐ, 2023–): a leadership collective, a
        party committee or a đảng bộ (whose leaders the member records do not all list). 2024, else 2023, else 2025."""
        sim = self.sim

        def excellent(year: int, subject: str) -> list[CollectiveRating]:
            return [c for c in sim.collective_ratings if c.year == year and c.subject == subject and c.level == HTXS
                    and not c.disciplined and c.unit not in self.busy
                    and (subject != "tccsd" or sim.units[c.unit].tree == "dbcs")]

        years = (2024, 2023) if y == 2024 else (y,)
        c = self.choose(*[excellent(yy, s) for yy in years for s in ("tap_the_lanh_dao", "cap_uy", "tccsd")])
        if c:
            c.disciplined = True
            self.busy.add(c.unit)
            self.add("collective_htxs_disciplined", c.year, c.unit, c.subject, f"{SUBJECT_NAME[c.subject].lower()} "
                     "có thành viên bị kỷ luật trong năm nhưng xếp loại Hoàn thành xuất sắc nhiệm vụ")

    def finish(self) -> None:
        c = self.chain
        rated = next(r.level for r in self.sim.collective_ratings
                     if r.year == REORG_YEAR and r.unit == c["unit_code"] and r.subject == "tccsd")
        if rated != HTXS:             # its peer group's quota left no room: an unfixed chain, nothing more
            c["planted"] = False
            return
        self.add("recurring_shortcoming_unfixed", REORG_YEAR, c["unit_code"], "tccsd",
                 f"hạn chế '{c['category']}' lặp lại {len(c['years'])} năm liền ({c['years'][0]}–{c['years'][-1]}), "
                 "mỗi năm diễn đạt khác, vẫn 'Chưa khắc phục', nhưng năm 2025 đơn vị xếp loại Hoàn thành xuất sắc "
                 "nhiệm vụ (366-QĐ: cần khắc phục 100 % hạn chế đã chỉ ra)", years=c["years"])


# ───────────────────────────── spelling and files ─────────────────────────────

@dataclass(frozen=True)
class _Style:
    """How one clerk fills one file."""
    delimiter: str = ","
    bom: bool = True
    abbreviations: bool = False    # writes HTT, HTXS … throughout
    variant_rate: float = .03      # other rows spelled differently (capitals, no diacritics, "Đảng viên …")
    caps_rate: float = .05         # chi bộ whose names are typed in capitals
    old_tone: bool = False         # hoà, thuỷ (old tone placement)
    fill_category: bool = True     # the "Nhóm" column of shortcomings is filled


def _style(region: str, year: int) -> _Style:
    return _Style(delimiter=";" if region == "H02" else ",", bom=region != "H03",
                  abbreviations=(region, year) in {("H03", 2020), ("H01", 2023)},
                  variant_rate=.08 if (region, year) in {("H01", 2019), ("H02", 2022), (PROVINCE, 2024)} else .03,
                  old_tone=region == "H02" and year in (2018, 2019), fill_category=year % 2 == 1 or year >= 2024)


def _no_marks(text: str) -> str:
    s = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(ch for ch in s if not unicodedata.combining(ch)))


def _head_discipline_fails(y: int, form: str | None) -> bool:
    """Whether a head disciplined in year y with this form makes their leadership collective KHTNV (see
    HEAD_DISCIPLINE_FROM)."""
    if form is None or y < HEAD_DISCIPLINE_FROM:
        return False
    key = _no_marks(form).lower()
    if y < ANY_HEAD_DISCIPLINE_FROM:
        return any(f in key for f in GRAVE_FORMS)
    return not any(f in key for f in SELF_DETECTED)


def _spell(level: int, year: int, individual: bool, style: _Style, rng: random.Random, who: str = "") -> str:
    """A level as a clerk writes it: the era's name, sometimes in capitals, without diacritics, abbreviated …"""
    base = (OLD_MEMBER if individual else OLD_ORG)[level] if year < 2018 else LEVEL_NAME[level]
    if style.abbreviations:
        return rng.choice(ABBR[level])
    if rng.random() >= style.variant_rate:
        return base
    options = [base.upper(), _no_marks(base), base.lower(), base.replace(" ", "  ", 1) + " ", *ABBR[level]]
    if year < 2018:
        options += OLD_EXTRA.get((individual, level), [])
    elif who:
        options.append(f"{who} {base[0].lower()}{base[1:]}")
    return rng.choice(options)


def _num(value: float | int | None, xlsx: bool):
    if value is None:
        return None if xlsx else ""
    if xlsx:
        return int(value) if float(value).is_integer() else float(value)
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def _yes(flag: bool | None) -> str:
    return "" if flag is None else "Có" if flag else "Không"


class _Writer:
    def __init__(self, out: Path, demo: Demo):
        self.out, self.demo = out, demo
        self.files: list[Path] = []

    def table(self, name: str, kind: str, sheet: str, records: list[dict], style: _Style, xlsx: bool) -> None:
        columns = LAYOUTS[kind].columns
        rows = [[rec.get(c.field, None if xlsx else "") for c in columns] for rec in records]
        path = self.out / f"{name}.{'xlsx' if xlsx else 'csv'}"
        if xlsx:
            _write_xlsx(path, sheet, LAYOUTS[kind].headers(), rows)
        else:
            with open(path, "w", newline="", encoding="utf-8-sig" if style.bom else "utf-8") as fh:
                w = csv.writer(fh, delimiter=style.delimiter)
                w.writerow(LAYOUTS[kind].headers())
                w.writerows(rows)
        self.files.append(path)

    def units(self) -> None:
        recs = [{"unit_code": u.code, "unit_name": u.name, "tree_level": TREE[u.tree], "kind": u.kind,
                 "parent_code": u.parent, "first_year": u.first, "last_year": u.last}
                for u in self.demo.units.values()]
        self.table("don_vi", "units", "Danh mục đơn vị", recs, _Style(), xlsx=True)

    def lineage(self) -> None:
        recs = [{"year": y, "old_code": old, "new_code": new, "event": ev} for y, old, new, ev in self.demo.lineage]
        self.table("sap_nhap_chia_tach", "lineage", "Sáp nhập, chia tách", recs, _Style(), xlsx=True)

    def members(self, year: int) -> None:
        units = self.demo.units
        by_region: dict[str, list[MemberRating]] = {}
        for r in self.demo.member_ratings:
            if r.year == year:
                by_region.setdefault(units[r.chi_bo].region, []).append(r)
        for region in sorted(by_region):
            style, xlsx = _style(region, year), year in XLSX_MEMBER_YEARS
            rng = random.Random(f"{self.demo.seed}:spelling:members:{region}:{year}")
            caps = {c for c in sorted({r.chi_bo for r in by_region[region]}) if rng.random() < style.caps_rate}
            recs = []
            for r in sorted(by_region[region], key=lambda r: (r.chi_bo, r.member)):
                name = r.name.upper() if r.chi_bo in caps else r.name
                if style.old_tone:
                    name = name.replace("Hòa", "Hoà").replace("Thủy", "Thuỷ")
                if r.level is None:
                    label = NOT_RATED[r.not_rated][0 if rng.random() < .85 else 1]
                else:
                    label = _spell(r.level, year, True, style, rng, "Đảng viên")
                recs.append({
                    "year": year, "member_code": r.member, "full_name": name, "unit_code": r.chi_bo,
                    "unit_name": units[r.chi_bo].name, "label": label,
                    "disciplined": _yes(r.disciplined if r.level is not None else None),
                    "discipline_form": r.form or "", "is_leader": _yes(r.leader if r.level is not None else None),
                    "led_unit": r.led_unit or "",
                    "civil_label": "" if r.civil is None else (rng.choice(ABBR[r.civil]) if style.abbreviations
                                                              else LEVEL_NAME[r.civil]),
                    "votes_for": _num(r.votes, xlsx), "official_members": _num(r.official, xlsx),
                    "score": _num(r.score, xlsx)})
            if xlsx:
                recs = [{k: (v if v != "" else None) for k, v in rec.items()} for rec in recs]
            self.table(f"dang_vien_{year}_{region}", "member_ratings", f"Đảng viên {year}", recs, style, xlsx)

    def collectives(self, year: int) -> None:
        units = self.demo.units
        style, xlsx = _style(PROVINCE, year), year in XLSX_COLLECTIVE_YEARS
        rng = random.Random(f"{self.demo.seed}:spelling:collectives:{year}")
        recs = []
        for c in (c for c in self.demo.collective_ratings if c.year == year):
            u = units[c.unit]
            who = "Chi bộ" if u.tree in ("cbtt", "cbcs") else "Đảng bộ" if u.tree == "dbcs" else ""
            recs.append({"year": year, "unit_code": c.unit, "unit_name": u.name, "subject": SUBJECT_NAME[c.subject],
                         "self_label": _spell(c.self_level, year, False, style, rng, who),
                         "label": _spell(c.level, year, False, style, rng, who if c.subject != "cap_uy" else ""),
                         "score": _num(c.score, xlsx), "disciplined": _yes(c.disciplined)})
        self.table(f"tap_the_{year}", "collective_ratings", f"Tập thể {year}", recs, style, xlsx)

    def shortcomings(self, year: int) -> None:
        units = self.demo.units
        style = _style(PROVINCE, year)
        recs = [{"year": year, "unit_code": s.unit, "unit_name": units[s.unit].name,
                 "subject": SUBJECT_NAME[s.subject], "text": s.text,
                 "category": SHORTCOMINGS[s.kind][0] if style.fill_category else "", "remedy": REMEDY[s.remedy],
                 "source": s.source} for s in self.demo.shortcomings if s.year == year]
        self.table(f"han_che_{year}", "shortcomings", f"Hạn chế {year}", recs, style, xlsx=False)

    def suggestions(self, year: int) -> None:
        units = self.demo.units
        recs = [{"year": year, "unit_code": s.unit, "unit_name": units[s.unit].name, "text": s.text}
                for s in self.demo.suggestions if s.year == year]
        self.table(f"goi_y_{year}", "review_suggestions", f"Gợi ý {year}", recs, _style(PROVINCE, year), xlsx=False)


_XLSX_PARTS = {
    "[Content_Types].xml":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
    "_rels/.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>',
    "xl/_rels/workbook.xml.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        '<Relationship Id="rId2" Target="styles.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"/></Relationships>',
    "xl/styles.xml":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
        '<cellXfs count="1"><xf xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
}


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def _write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list]) -> None:
    """A minimal one-sheet workbook with inline strings. openpyxl took 6 of the 7 seconds of the district demo and
    embeds the time of writing; this is fast and gives the same bytes for the same data."""
    cols = [_col(i) for i in range(len(header))]
    lines = []
    for n, row in enumerate([header, *rows], 1):
        cells = []
        for c, v in zip(cols, row):
            if v is None or v == "":
                continue
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(f'<c r="{c}{n}"><v>{v}</v></c>')
            else:
                text = xml_escape(str(v))
                cells.append(f'<c r="{c}{n}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        lines.append(f'<row r="{n}">{"".join(cells)}</row>')
    sheet_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                 + "".join(lines) + "</sheetData></worksheet>")
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f'<sheets><sheet name="{xml_escape(sheet[:31], {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/>'
                '</sheets></workbook>')
    parts = {**_XLSX_PARTS, "xl/workbook.xml": workbook, "xl/worksheets/sheet1.xml": sheet_xml}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (2025, 12, 31, 0, 0, 0)), text.encode("utf-8"), zipfile.ZIP_DEFLATED)


GENERATED = re.compile(r"^(don_vi|sap_nhap_chia_tach|dang_vien_\d{4}_[\w-]+|tap_the_\d{4}|han_che_\d{4}|"
                       r"goi_y_\d{4})\.(csv|xlsx)$|^(planted|recurring_shortcomings)\.json$")


# ───────────────────────────── public API ─────────────────────────────

def simulate(scale: str = "district", anomalies: bool = True, seed: int = 2025) -> Demo:
    """The demo as records, without writing anything (tests audit it directly)."""
    return _Simulation(scale, anomalies, seed).run()


def generate(out_dir: Path, *, scale: str = "district", anomalies: bool = True, seed: int = 2025) -> list[Path]:
    """Write the demo files into out_dir; return them in load order (units first). Also writes planted.json and
    recurring_shortcomings.json (ground truth, not loaded)."""
    demo = simulate(scale, anomalies, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():                     # files of an earlier run (maybe another scale) would linger
        if old.is_file() and GENERATED.match(old.name):
            old.unlink()
    w = _Writer(out, demo)
    w.units()
    w.lineage()
    for y in YEARS:
        w.members(y)
        w.collectives(y)
        w.shortcomings(y)
        w.suggestions(y)
    (out / "planted.json").write_text(json.dumps(demo.planted, ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")
    chains = [{k: c[k] for k in ("unit_code", "subject", "type", "category", "years", "remedy", "planted")}
              for c in demo.chains]
    (out / "recurring_shortcomings.json").write_text(json.dumps(chains, ensure_ascii=False, indent=1) + "\n",
                                                     encoding="utf-8")
    return w.files


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def build(db, out_dir, *, scale: str = "district", anomalies: bool = True) -> int:
    """Generate, load the real seed-004 sample and the demo files, flag the warehouse as a demo, print a summary.
    Returns 0 when every generated row loaded, 1 otherwise."""
    db_file = warehouse.db_path(db)
    out = Path(out_dir)
    t0 = time.perf_counter()
    print(f"Tạo dữ liệu minh họa (quy mô {scale}, {'có' if anomalies else 'không có'} trường hợp bất thường cài sẵn)…")
    files = generate(out, scale=scale, anomalies=anomalies)
    t_gen = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in files)
    print(f"  đã ghi {len(files)} tệp ({size / 2**20:.1f} MB) vào {out} trong {t_gen:.1f} giây")

    if db_file.exists():
        print(f"  kho {db_file} đã có: nạp thêm vào kho này (tệp đã nạp trước đây được bỏ qua). Muốn tạo lại từ "
              "đầu thì xóa kho trước (make clean).")
    print(f"Nạp số liệu thật của báo cáo {SAMPLE_UNIT} (seed 004)…")
    sample = load_files([SAMPLE_004], db_file, unit=SAMPLE_UNIT, progress=Progress(),
                        note="Số liệu mẫu: báo cáo Huyện ủy Bảo Lâm 2018–2022")
    sf = sample.files[0]
    if sf.unchanged_load:
        print(f"  đã nạp trước đây (lần nạp #{sf.unchanged_load})")
    elif sf.error:
        print(f"  ! không nạp được: {sf.error}")
    else:
        expected = " — đúng như dự kiến: báo cáo gốc có 2 cột năm mà các mức cộng lại khác 'Tổng số'" \
            if sf.rows_rejected == 2 else " — dự kiến loại đúng 2 cột năm, cần kiểm tra"
        print(f"  nạp {sf.rows_loaded} cột năm, loại {sf.rows_rejected}{expected}")
        for r in sf.rejects:
            print(f"    - {r.message()}")

    print(f"Nạp {len(files)} tệp minh họa (một lần nạp)…")
    t1 = time.perf_counter()
    res = load_files(files, db_file, progress=Progress(), note=DEMO_NOTE)
    t_load = time.perf_counter() - t1
    errors = [f for f in res.files if f.error]
    rejects = res.rejects
    for f in errors:
        print(f"  ✗ {f.name}: {f.error}")
    if rejects:
        print(f"  ! {_fmt(len(rejects))} dòng bị loại — bộ tạo dữ liệu hoặc bộ nạp có lỗi:")
        for r in rejects[:20]:
            print(f"    - {r.message()}")
    with warehouse.writing(db_file) as con:     # (only the label: nothing derived changes)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('demo', ?)", [DEMO_NOTE])
    _summary(db_file, res, out, t_gen, t_load, time.perf_counter() - t0)
    return 0 if not rejects and not errors else 1


def _summary(db_file: Path, res, out: Path, t_gen: float, t_load: float, total: float) -> None:
    con = warehouse.connect_readonly(db_file)
    try:
        def one(sql: str):
            return con.execute(sql).fetchone()[0]
        units = one("SELECT count(*) FROM units WHERE unit_code = 'TU-MS' OR unit_code LIKE 'H0%' "
                    "OR unit_code LIKE 'MS-%' OR unit_code LIKE 'TU-MS-%'")
        members = one("SELECT count(DISTINCT member_key) FROM member_ratings")
        years = con.execute("SELECT min(year), max(year) FROM member_ratings").fetchone()
        tables = [("member_ratings", "xếp loại đảng viên"), ("collective_ratings", "xếp loại tập thể"),
                  ("aggregate_counts", "số lượng theo mức (báo cáo)"), ("shortcomings", "hạn chế, khuyết điểm"),
                  ("review_suggestions", "gợi ý kiểm điểm"), ("lineage_events", "sáp nhập, đổi tên, chuyển")]
        counts = [(label, one(f"SELECT count(*) FROM {t}")) for t, label in tables]
    finally:
        con.close()
    planted = json.loads((out / "planted.json").read_text(encoding="utf-8"))
    loaded = sum(f.rows_loaded for f in res.files)
    unchanged = sum(1 for f in res.files if f.unchanged_load)
    print("\nKho dữ liệu minh họa:", db_file)
    print(f"  đơn vị Tỉnh ủy Minh Sơn: {_fmt(units)}; đảng viên: {_fmt(members)}; năm {years[0]}–{years[1]}")
    for label, n in counts:
        print(f"  {label:32} {_fmt(n):>8} dòng")
    print(f"  tệp minh họa: nạp {_fmt(loaded)} dòng, loại {_fmt(len(res.rejects))}"
          + (f"; {unchanged} tệp đã nạp trước đây, không thay đổi" if unchanged else ""))
    print(f"  trường hợp bất thường cài sẵn: {len(planted)} (xem {out / 'planted.json'})")
    print(f"Thời gian: tạo {t_gen:.1f} giây, nạp {t_load:.1f} giây, tổng {total:.1f} giây")
