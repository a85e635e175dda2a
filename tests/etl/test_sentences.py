"""etl/sentences.py: counts written as sentences (issue 21, item 4) — the sentences of seed 004 (Huyện ủy Bảo Lâm,
report of 02/02/2023) and variants of them, each with the exact numbers and the exact words they came from."""
from __future__ import annotations

from etl.sentences import parse

# seed 004, section I.1 (verbatim)
SEED_004_HEADCOUNTS = (
    "Đến tháng 12/2022, Đảng bộ huyện Bảo Lâm có 58 tổ chức cơ sở đảng, gồm 16 đảng bộ cơ sở (14 đảng bộ xã, thị trấn; "
    "02 đảng bộ lực lượng vũ trang); 42 chi bộ cơ sở (24 chi bộ cơ quan hành chính; 12 chi bộ đơn vị sự nghiệp; 5 chi "
    "bộ doanh nghiệp nhà nước; 01 doanh nghiệp Công ty cổ phần); có 247 chi bộ trực thuộc đảng bộ cơ sở, trong đó có "
    "128 chi bộ thôn và tổ dân phố. Toàn Đảng bộ huyện có 3.254 đảng viên, trong đó 189 đồng chí miễn sinh hoạt đảng "
    "và 38 đồng chí kết nạp dưới 6 tháng.")
# seed 004, prose with levels but no counts (verbatim)
SEED_004_PROSE = (
    "Chính quyền, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội từ huyện đến cơ sở hầu hết đều được đánh giá "
    "hoàn thành tốt nhiệm vụ trở lên. Tỷ lệ xếp loại “Hoàn thành xuất sắc nhiệm vụ” đối với các tổ chức cơ sở đảng và "
    "tập thể lãnh đạo quản lý cơ bản đảm bảo quy định.")
# the seed's 2022 column of the members' table (496 | 2.411 | 93 | 16, total 3.016) written as a sentence
MEMBERS_2022 = (
    "Năm 2022, có 3.016 đảng viên được đánh giá, xếp loại; trong đó: 2.907 đảng viên hoàn thành tốt nhiệm vụ trở lên "
    "(chiếm 96,39%), trong đó 496 đảng viên hoàn thành xuất sắc nhiệm vụ (chiếm 16,45%); 93 đảng viên hoàn thành "
    "nhiệm vụ (3,08%); 16 đảng viên không hoàn thành nhiệm vụ (0,53%).")
# the issue's example, the seed's 2022 tổ chức cơ sở đảng figures (11 | 44 | 1 | 2, total 58)
ISSUE = ("… có 79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, trong đó 16 hoàn thành xuất sắc nhiệm vụ "
         "(chiếm 20,25%) …; 2 hoàn thành nhiệm vụ; 1 không hoàn thành nhiệm vụ")
TCCSD_2022 = ("Năm 2022, toàn Đảng bộ huyện có 55 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, trong đó 11 "
              "hoàn thành xuất sắc nhiệm vụ (chiếm 18,97%); 1 hoàn thành nhiệm vụ; 2 không hoàn thành nhiệm vụ; tổng "
              "số 58 tổ chức cơ sở đảng.")


def counts(p):
    return [p.counts[k] for k in ("htxs", "htt", "ht", "khtnv")]


def words(p):
    return [(r.what, r.count, r.words) for r in p.readings]


def test_issue_example_tro_len_includes_the_trong_do_part():
    p = parse(ISSUE)
    assert counts(p) == [16, 63, 2, 1]
    assert p.subject == "tccsd" and p.total is None and p.not_rated is None
    assert words(p) == [
        ("htt", 79, "79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên"),
        ("htxs", 16, "16 hoàn thành xuất sắc nhiệm vụ (chiếm 20,25%)"),
        ("ht", 2, "2 hoàn thành nhiệm vụ"), ("khtnv", 1, "1 không hoàn thành nhiệm vụ")]
    assert p.derived == {"htt": "79 trở lên − 16 = 63"}
    assert p.readings[1].share == 20.25          # 16 of the 79: checked against it, never read as a count
    assert p.warnings == []


def test_seed_004_tccsd_2022_with_total_and_share():
    p = parse(TCCSD_2022)
    assert counts(p) == [11, 44, 1, 2]
    assert (p.subject, p.year, p.total) == ("tccsd", 2022, 58)
    assert p.warnings == []                      # 11/58 = 18,97%; 11 + 44 + 1 + 2 = 58


def test_seed_004_members_2022_with_and_without_diacritics():
    for text in (MEMBERS_2022, "".join(c for c in __import__("unicodedata").normalize("NFD", MEMBERS_2022)
                                       if not __import__("unicodedata").combining(c)).replace("đ", "d")
                 .replace("Đ", "D")):
        p = parse(text)
        assert counts(p) == [496, 2411, 93, 16], text
        assert (p.subject, p.year, p.total) == ("dang_vien", 2022, 3016)
        assert p.derived["htt"] == "2.907 trở lên − 496 = 2.411"
        assert p.warnings == []
    assert parse(MEMBERS_2022).readings[0].words == "3.016 đảng viên được đánh giá, xếp loại"


def test_seed_004_headcounts_and_not_rated():
    p = parse(SEED_004_HEADCOUNTS)
    assert p.subject == "dang_vien"
    assert (p.headcount, p.not_rated) == (3254, 227)                 # 189 miễn + 38 mới kết nạp; not loaded: headcount
    assert words(p) == [("headcount", 3254, "có 3.254 đảng viên"),
                        ("not_rated", 189, "189 đồng chí miễn sinh hoạt đảng"),
                        ("not_rated", 38, "38 đồng chí kết nạp dưới 6 tháng")]
    assert [r.reason for r in p.readings[1:]] == ["mien", "moi_ket_nap"]
    assert counts(p) == [None, None, None, None]
    assert "Không đọc được số lượng của mức xếp loại nào trong đoạn văn." in p.warnings
    # "trong đó có 128 chi bộ thôn" is a part, not a headcount; the other subjects' headcounts are left out
    assert sorted((r.subject, r.count) for r in p.other_subjects) == [("chi_bo", 247), ("tccsd", 58)]
    # 12/2022 is a date, 6 (tháng) part of a reason: neither is read as a count
    assert all(r.count not in (12, 6, 2022) for r in p.readings + p.other_subjects)


def test_seed_004_prose_without_counts_reads_nothing():
    p = parse(SEED_004_PROSE)
    assert p.readings == [] and counts(p) == [None] * 4


def test_old_level_names_and_exemplary():
    p = parse("Năm 2016 có 45 tổ chức cơ sở đảng được đánh giá; 30 trong sạch vững mạnh (trong đó 5 trong sạch vững "
              "mạnh tiêu biểu), 10 hoàn thành tốt nhiệm vụ, 4 hoàn thành nhiệm vụ, 1 yếu kém.")
    assert counts(p) == [30, 10, 4, 1] and (p.year, p.total) == (2016, 45)
    assert ("exemplary", 5, "5 trong sạch vững mạnh tiêu biểu") in words(p)   # a commendation, not a level
    assert p.warnings == []
    p = parse("Có 2.795 đảng viên được đánh giá: 376 đảng viên đủ tư cách, hoàn thành xuất sắc nhiệm vụ; 2.208 đủ tư "
              "cách, hoàn thành tốt nhiệm vụ; 202 đủ tư cách, hoàn thành nhiệm vụ nhưng còn hạn chế (trong đó 12 đủ "
              "tư cách nhưng có mặt còn hạn chế); 9 vi phạm tư cách.")
    assert counts(p) == [376, 2208, 202, 9] and p.total == 2795 and p.subject == "dang_vien"
    assert ("subset", 12, "12 đủ tư cách nhưng có mặt còn hạn chế") in words(p)
    assert p.warnings == []


def test_level_first_and_none():
    p = parse("Kết quả: hoàn thành xuất sắc nhiệm vụ: 11; hoàn thành tốt nhiệm vụ: 44; hoàn thành nhiệm vụ là 1 tổ "
              "chức cơ sở đảng; không có tổ chức cơ sở đảng không hoàn thành nhiệm vụ.")
    assert counts(p) == [11, 44, 1, 0] and p.subject == "tccsd"
    assert words(p)[0] == ("htxs", 11, "hoàn thành xuất sắc nhiệm vụ: 11")
    assert words(p)[3] == ("khtnv", 0, "không có tổ chức cơ sở đảng không hoàn thành nhiệm vụ")
    p = parse("Chi bộ xếp loại hoàn thành xuất sắc nhiệm vụ 8 đồng chí, hoàn thành tốt nhiệm vụ 20 đồng chí, hoàn thành "
              "nhiệm vụ 5 đồng chí, không hoàn thành nhiệm vụ 1 đồng chí đảng viên.")
    assert counts(p) == [8, 20, 5, 1]


def test_tro_len_without_its_trong_do_part_is_a_warning_not_a_guess():
    p = parse("Có 79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên; 2 hoàn thành nhiệm vụ; 1 không hoàn thành "
              "nhiệm vụ.")
    assert counts(p) == [None, None, 2, 1]
    assert any("thiếu phần “trong đó”" in w and "“79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên”" in w
               for w in p.warnings)


def test_two_different_counts_for_one_level():
    p = parse("Có 16 tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ, 63 hoàn thành tốt nhiệm vụ, 2 hoàn thành nhiệm "
              "vụ, 1 không hoàn thành nhiệm vụ; riêng mức hoàn thành xuất sắc nhiệm vụ: 18 tổ chức cơ sở đảng.")
    assert counts(p) == [None, 63, 2, 1]
    assert any(w.startswith("Hai số khác nhau cho mức “Hoàn thành xuất sắc nhiệm vụ”") and "“16 tổ chức cơ sở đảng "
               "hoàn thành xuất sắc nhiệm vụ”" in w and "“mức hoàn thành xuất sắc nhiệm vụ: 18”" not in w
               and "hoàn thành xuất sắc nhiệm vụ: 18" in w for w in p.warnings)
    # "trở lên" and a direct count of the same level that disagree
    p = parse("Có 79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, trong đó 16 hoàn thành xuất sắc nhiệm vụ; "
              "60 hoàn thành tốt nhiệm vụ; 2 hoàn thành nhiệm vụ; 1 không hoàn thành nhiệm vụ.")
    assert counts(p) == [16, None, 2, 1]
    assert any("79 trở lên − 16 = 63" in w and "“60 hoàn thành tốt nhiệm vụ”" in w for w in p.warnings)
    # … and that agree: no warning
    p = parse("Có 79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, trong đó 16 hoàn thành xuất sắc nhiệm vụ và "
              "63 hoàn thành tốt nhiệm vụ; 2 hoàn thành nhiệm vụ; 1 không hoàn thành nhiệm vụ.")
    assert counts(p) == [16, 63, 2, 1] and p.warnings == []


def test_total_and_shares_that_do_not_match():
    p = parse("Có 85 tổ chức cơ sở đảng được đánh giá, xếp loại; 79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở "
              "lên, trong đó 16 hoàn thành xuất sắc nhiệm vụ; 2 hoàn thành nhiệm vụ; 1 không hoàn thành nhiệm vụ.")
    assert counts(p) == [16, 63, 2, 1] and p.total == 85
    assert "Tổng các mức (16 + 63 + 2 + 1 = 82) khác tổng số ghi trong đoạn văn (85)." in p.warnings
    p = parse("Có 16 đảng viên hoàn thành xuất sắc nhiệm vụ (chiếm 25%), 40 hoàn thành tốt nhiệm vụ (66,67%), 4 hoàn "
              "thành nhiệm vụ, 0 không hoàn thành nhiệm vụ; tổng số 60 đảng viên.")
    assert counts(p) == [16, 40, 4, 0] and p.total == 60
    assert p.warnings == ["Tỷ lệ 25% ghi cạnh “16 đảng viên hoàn thành xuất sắc nhiệm vụ (chiếm 25%)” không khớp số "
                          "lượng: 16/60 = 26,67%."]


def test_several_subjects_and_a_chosen_subject():
    text = ("Có 12 chi bộ hoàn thành xuất sắc nhiệm vụ, 30 hoàn thành tốt nhiệm vụ. Có 3 tổ chức cơ sở đảng hoàn thành "
            "xuất sắc nhiệm vụ, 20 hoàn thành tốt nhiệm vụ, 1 hoàn thành nhiệm vụ, 0 không hoàn thành nhiệm vụ.")
    p = parse(text)
    assert p.subject == "tccsd" and counts(p) == [3, 20, 1, 0]
    assert any(w.startswith("Đoạn văn nói về nhiều đối tượng") for w in p.warnings)
    p = parse(text, subject="chi_bo")
    assert p.subject == "chi_bo" and counts(p) == [12, 30, None, None]


def test_a_pasted_table_is_not_read_as_sentences():
    p = parse("1\tHoàn thành xuất sắc nhiệm vụ\t8\t12\n2\tHoàn thành tốt nhiệm vụ\t2.208\t2.258")
    assert p.readings == [] and counts(p) == [None] * 4
    assert any("ký tự tab" in w for w in p.warnings)
