import pytest

from etl import normalize as nz

LEVEL_CASES = [
    # since 2018
    ("Hoàn thành xuất sắc nhiệm vụ", 1), ("Hoàn thành tốt nhiệm vụ", 2), ("Hoàn thành nhiệm vụ", 3),
    ("Không hoàn thành nhiệm vụ", 4),
    # abbreviations
    ("HTXSNV", 1), ("HTXS", 1), ("HTTNV", 2), ("HTT", 2), ("HTNV", 3), ("HT", 3), ("KHTNV", 4),
    # before 2018, organizations
    ("Trong sạch, vững mạnh", 1), ("TSVM", 1), ("Yếu kém", 4),
    # before 2018, members
    ("Đủ tư cách, hoàn thành xuất sắc nhiệm vụ", 1), ("Đủ tư cách, hoàn thành tốt nhiệm vụ", 2),
    ("Đủ tư cách, hoàn thành nhiệm vụ", 3), ("Đủ tư cách, hoàn thành nhiệm vụ nhưng còn hạn chế", 3),
    ("Vi phạm tư cách hoặc không hoàn thành nhiệm vụ", 4),
    # upper case, no diacritics, prefixes, stray spaces and commas, Ð typed for Đ
    ("HOÀN THÀNH TỐT NHIỆM VỤ", 2), ("hoan thanh xuat sac nhiem vu", 1), ("KHONG HOAN THANH NHIEM VU", 4),
    ("Đảng bộ (chi bộ) hoàn thành tốt nhiệm vụ", 2), ("Đảng viên hoàn thành nhiệm vụ", 3),
    ("  Hoàn  thành ,  tốt nhiệm vụ ,", 2), ("Ðảng viên đủ tư cách, hoàn thành tốt nhiệm vụ", 2),
    ("Đảng bộ trong sạch vững mạnh", 1), ("TRONG SACH, VUNG MANH", 1), ("yeu kem", 4),
    # decomposed Unicode (NFD) as some Mac/Word files store it
    ("Hoa\u0300n tha\u0300nh to\u0302\u0301t nhie\u0302\u0323m vu\u0323", 2),
    # a commendation is not a level: it is an HTXS/TSVM organization
    ("Trong sạch vững mạnh tiêu biểu", 1),
]


@pytest.mark.parametrize("label,level", LEVEL_CASES)
def test_every_label_variant_maps_to_its_level(label, level):
    parsed, err = nz.parse_label(label)
    assert err is None
    assert parsed.level == level


@pytest.mark.parametrize("label,level,exemplary", [
    ("Trong sạch vững mạnh tiêu biểu", 1, True), ("Trong sạch, vững mạnh tiêu biểu", 1, True),
    ("Hoàn thành xuất sắc nhiệm vụ (tiêu biểu)", 1, True), ("HTXS tiêu biểu 5 năm liền", 1, True),
    ("Đảng bộ hoàn thành xuất sắc nhiệm vụ tiêu biểu", 1, True),
    ("Hoàn thành xuất sắc nhiệm vụ", 1, False), ("TSVM", 1, False), ("Hoàn thành xuất sắc nhiệm vụ 5 năm liền", 1, False),
])
def test_the_commendation_tieu_bieu_is_kept_beside_the_level(label, level, exemplary):
    parsed, err = nz.parse_label(label)
    assert err is None and (parsed.level, parsed.exemplary) == (level, exemplary)


@pytest.mark.parametrize("value,expected", [("Tiêu biểu", (True, None)), ("tieu bieu", (True, None)),
                                            ("Có", (True, None)), ("x", (True, None)), ("Không", (False, None)),
                                            ("", (None, None)), (None, (None, None))])
def test_the_column_tieu_bieu(value, expected):
    assert nz.parse_exemplary(value) == expected


@pytest.mark.parametrize("label,reason", [
    ("Miễn công tác và sinh hoạt đảng", "mien"), ("Kết nạp dưới 6 tháng", "moi_ket_nap"),
    ("Đình chỉ sinh hoạt đảng", "dinh_chi"), ("Không xếp loại", "khong_xep_loai"),
])
def test_not_rated_keeps_its_reason(label, reason):
    parsed, err = nz.parse_label(label)
    assert err is None and parsed.level is None and parsed.not_rated_reason == reason


@pytest.mark.parametrize("label", ["Khá", "Tốt lắm", "5", "HTT trở lên"])
def test_unknown_labels_are_errors_with_the_value(label):
    parsed, err = nz.parse_label(label)
    assert parsed is None and label in err


@pytest.mark.parametrize("text,value", [
    ("2.208", 2208), ("3.016", 3016), ("1.234.567", 1234567), ("12", 12), ("02", 2), (" 45 ", 45), (2208.0, 2208),
    (7, 7),
])
def test_vietnamese_counts(text, value):
    assert nz.parse_count(text) == (value, None)


@pytest.mark.parametrize("text,value", [("1.234,5", 1234.5), ("18,5", 18.5), ("18,5%", 18.5), ("85.5", 85.5)])
def test_vietnamese_decimals(text, value):
    assert nz.parse_number(text) == (value, None)


@pytest.mark.parametrize("text,fragment", [("-1", "âm"), ("2,5", "không phải số nguyên"), ("abc", "không phải là số"),
                                           (2.208, "2.208")])
def test_bad_counts_are_refused_not_guessed(text, fragment):
    value, err = nz.parse_count(text)
    assert value is None and fragment in err


def test_text_is_nfc_with_one_tone_convention_and_real_đ():
    assert nz.clean_text("Hoà  Bình") == "Hòa Bình"
    assert nz.clean_text("Thuỷ") == "Thủy"
    assert nz.clean_text("Quý") == "Quý"          # qu + y: the tone stays on y
    assert nz.clean_text("Hoàng") == "Hoàng"      # closed syllable: unchanged
    assert nz.clean_text("\u00d0ảng bộ") == "Đảng bộ"
    assert nz.clean_text("Ho\u0300a") == "Hòa"


def test_search_key_forgives_diacritics_case_tone_and_đ():
    keys = {nz.search_key(s) for s in ["Hòa Bình", "HOÀ BÌNH", "hoa binh", " Hoà  Bình ", "Hoa\u0300 Bi\u0300nh"]}
    assert keys == {"hoa binh"}
    assert nz.search_key("Đảng bộ") == nz.search_key("\u00d0ảng bộ") == "dang bo"


def test_person_names_in_capitals_become_title_case():
    assert nz.person_name("HỒ VĂN A") == "Hồ Văn A"
    assert nz.person_name("Nguyễn Thị Bích") == "Nguyễn Thị Bích"


@pytest.mark.parametrize("text,code", [("tccsd", "tccsd"), ("Đảng viên", "dang_vien"), ("TCCSĐ", "tccsd"),
                                       ("Tập thể lãnh đạo, quản lý", "tap_the_lanh_dao"), ("cấp ủy cơ sở", "cap_uy"),
                                       ("can bo lanh dao quan ly", "can_bo_lanh_dao"), ("chi_bo", "chi_bo")])
def test_subject_codes_and_names(text, code):
    assert nz.parse_subject(text) == (code, None)


def test_captions_name_one_subject_or_none():
    assert nz.subject_from_caption("+ Kết quả xếp loại Tổ chức cơ sở đảng:") == "tccsd"
    assert nz.subject_from_caption("+ Kết quả xếp loại cấp ủy cơ sở:") == "cap_uy"
    assert nz.subject_from_caption("Kết quả xếp loại tập thể lãnh đạo, quản lý cấp huyện") == "tap_the_lanh_dao"
    assert nz.subject_from_caption("Đối với cá nhân (đảng viên, cán bộ lãnh đạo, quản lý các cấp)") is None
    assert nz.subject_from_caption("Bảng 1") is None
