"""Counts written as sentences (issue 21, item 4): the numbers of one subject's four levels read from a pasted
paragraph of a report, for a clerk to check and confirm on the import page (ui/sentence_import.py).

    "… có 79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, trong đó 16 hoàn thành xuất sắc nhiệm vụ (chiếm
    20,25%); 2 hoàn thành nhiệm vụ; 1 không hoàn thành nhiệm vụ"  →  HTXS 16, HTT 63 (= 79 − 16), HT 2, KHTNV 1

This is NOT a free-text parser. It reads only a few fixed shapes, a count next to the name of a level:
  "N [đối tượng] [được xếp loại] <mức>"   "<mức>: N" / "<mức> là N" / "<mức> có N [đồng chí]"   "<mức> N đồng chí"
  "N … <mức> trở lên" (N counts that level and every better one; the better ones must be given, usually after
  "trong đó")   "không có [đối tượng] <mức>" (0)   "N … miễn sinh hoạt đảng / kết nạp dưới 6 tháng / chưa xếp loại"
  (not rated)   "N [đối tượng] được đánh giá, xếp loại" / "tổng số … N" (the stated total)   "có N <đối tượng>"
  (the headcount, shown, not loaded)   "năm 2022" (the year).
Anything else is left alone. Every figure comes back with the exact words it was read from, so that the clerk can
check it, and anything ambiguous is a warning, never a guess: two different counts for one level, a "trở lên" whose
"trong đó" part is missing, a stated total the levels do not add up to, a share in parentheses that does not match
its count (shares are never read as counts), several subjects or years in one paragraph.

Works on text typed with or without diacritics: the paragraph is matched on a folded copy of the same length
(lower case, no diacritics, đ → d), and the words are quoted from the paragraph itself.

Pure: no I/O beyond the reference lists in data/reference (read once).
"""
from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from etl import normalize as nz

LEVELS = ("htxs", "htt", "ht", "khtnv")
LEVEL_NAMES = {"htxs": "Hoàn thành xuất sắc nhiệm vụ", "htt": "Hoàn thành tốt nhiệm vụ",
               "ht": "Hoàn thành nhiệm vụ", "khtnv": "Không hoàn thành nhiệm vụ"}
NOT_RATED_NAMES = {"mien": "miễn công tác và sinh hoạt đảng", "moi_ket_nap": "kết nạp dưới 6 tháng",
                   "khong_xep_loai": "chưa, không xếp loại", "dinh_chi": "đình chỉ sinh hoạt đảng"}

# The names of the levels of every era (data/reference/level_labels.csv, folded), longest first where one contains
# another; "đủ tư cách," may stand in front of the levels 1–3 (members before 2018).
_LEVEL_PHRASES = [
    (4, "vi pham tu cach hoac khong hoan thanh nhiem vu"),
    (4, "khong hoan thanh nhiem vu"), (4, "khong hoan thanh"), (4, "yeu kem"), (4, "vi pham tu cach"),
    (4, "khtnv"),
    (3, "hoan thanh nhiem vu nhung con han che ve nang luc"), (3, "hoan thanh nhiem vu nhung han che ve nang luc"),
    (3, "hoan thanh nhiem vu nhung con han che"), (3, "hoan thanh nhiem vu"), (3, "htnv"),
    (1, "hoan thanh xuat sac nhiem vu"), (1, "hoan thanh xuat sac"), (1, "trong sach vung manh"),
    (1, "htxsnv"), (1, "htxs"), (1, "tsvm"),
    (2, "hoan thanh tot nhiem vu"), (2, "hoan thanh tot"), (2, "httnv"), (2, "htt"),
]
_NOT_RATED_PHRASES = [
    ("mien", "mien cong tac va sinh hoat dang"), ("mien", "mien cong tac sinh hoat dang"),
    ("mien", "mien sinh hoat dang"), ("mien", "mien sinh hoat"), ("mien", "mien danh gia"),
    ("moi_ket_nap", "moi ket nap duoi 6 thang"), ("moi_ket_nap", "ket nap duoi 6 thang"),
    ("moi_ket_nap", "ket nap duoi sau thang"), ("moi_ket_nap", "moi ket nap"),
    ("dinh_chi", "dinh chi sinh hoat dang"), ("dinh_chi", "dinh chi sinh hoat"),
    ("khong_xep_loai", "chua duoc danh gia xep loai"), ("khong_xep_loai", "chua duoc danh gia"),
    ("khong_xep_loai", "chua danh gia"), ("khong_xep_loai", "khong danh gia"),
    ("khong_xep_loai", "chua duoc xep loai"), ("khong_xep_loai", "chua xep loai"),
    ("khong_xep_loai", "khong xep loai"),
]
# "Trong đó: đủ tư cách nhưng có mặt còn hạn chế" (form 7B): a part of level 3, not a level.
_SUBSET = r"du\s+tu\s+cach[\s,]+nhung\s+(?:co\s+mat\s+)?(?:con\s+)?han\s+che"
_RATED = ["duoc danh gia xep loai", "danh gia xep loai", "duoc danh gia", "duoc xep loai", "tham gia danh gia",
          "da danh gia", "da duoc danh gia"]
_TOTAL = ["tong so", "tong cong"]
# Words that may stand between a count and its level ("16 đồng chí được xếp loại hoàn thành …") — nothing else may.
_FILLER = set("dong chi nguoi to chuc tap the ca nhan duoc da xep loai danh gia dat muc la co chiem ty le chat luong "
              "cua o voi so".split())
_CONNECT = re.compile(r"^[\s:=\-–—(]*(?:(?:la|co|gom|dat)\b)?[\s:=\-–—]*$")   # "<mức>: N", "<mức> là N"

_WB, _WE = r"(?<![a-z0-9])", r"(?![a-z0-9])"


def _words(phrase: str) -> str:
    return r"[\s,]+".join(re.escape(w) for w in phrase.split())


@functools.lru_cache(maxsize=1)
def _subject_phrases() -> list[tuple[str, str]]:
    out = []
    with open(nz.REFERENCE_DIR / "subjects.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for name in [row["name"], *(row.get("aliases") or "").split("|")]:
                if name.strip():
                    out.append((nz.search_key(name), row["code"]))
    return sorted(set(out), key=lambda p: -len(p[0]))


@functools.lru_cache(maxsize=1)
def _scanner() -> re.Pattern:
    def alt(name, phrases):
        return f"(?P<{name}>" + "|".join(_WB + _words(p) + _WE for p in phrases) + ")"
    parts = [
        r"(?P<share>(?<![\d.,])\d{1,3}(?:[.,]\d+)?\s?%)",
        _WB + r"nam\s+(?P<year>(?:19|20)\d\d)(?![\d/])",
        alt("notrated", [p for _, p in _NOT_RATED_PHRASES]),
        f"(?P<subset>{_WB}{_SUBSET}{_WE})",
        r"(?P<level>" + "|".join(f"(?P<lv{i}>{_WB}(?:du\\s+tu\\s+cach[\\s,]+)?{_words(p)}{_WE})"
                                  for i, (_, p) in enumerate(_LEVEL_PHRASES)) + ")"
        + r"(?P<tieubieu>[\s,(]+tieu\s+bieu)?"
        + r"(?:[\s,]+(?P<upward>tro\s+len)|[\s,]+(?P<downward>tro\s+xuong))?" + _WE,
        alt("subject", [p for p, _ in _subject_phrases()]),
        alt("trongdo", ["trong do", "trong so do"]),
        alt("total", _TOTAL),
        alt("rated", _RATED),
        alt("none", ["khong co"]),
        r"(?P<number>(?<![\d.,/\-])(?:\d{1,3}(?:\.\d{3})+|\d+)(?![\d]|[.,]\d|\s?%|/|-\w))",
        r"(?P<sep>[.;](?!\d)|\n)",
    ]
    return re.compile("|".join(parts))


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, one character for one character (positions stay those of `text`)."""
    out = []
    for ch in text:
        c = ch.lower().replace("đ", "d")
        base = "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))
        out.append(base if len(base) == 1 else c if len(c) == 1 else ch)
    return "".join(out)


@dataclass
class Reading:
    """One figure read from the paragraph."""
    what: str                    # a level (htxs …), "not_rated", "total", "headcount", "exemplary", "subset"
    count: int
    words: str                   # the exact words it was read from
    start: int
    end: int
    subject: str | None = None
    cumulative: str | None = None     # "up" for "… trở lên", "down" for "… trở xuống"
    reason: str | None = None         # why not rated (data/reference/level_labels.csv: mien, moi_ket_nap, …)
    share: float | None = None        # the share printed beside it (percent), never read as a count
    share_digits: int = 0
    level: int | None = None          # 1..4 for levels (also for exemplary / subset: the level they belong to)


@dataclass
class Parsed:
    subject: str | None
    year: int | None
    counts: dict[str, int | None]     # htxs, htt, ht, khtnv: None = not read (or contradictory: see warnings)
    not_rated: int | None
    total: int | None                 # the stated total of those rated, if the paragraph states one
    headcount: int | None             # "có N đảng viên": shown, not loaded
    readings: list[Reading]           # every figure of the chosen subject, in the order of the paragraph
    derived: dict[str, str] = field(default_factory=dict)   # level → how it was computed ("79 − 16 = 63")
    warnings: list[str] = field(default_factory=list)
    other_subjects: list[Reading] = field(default_factory=list)   # figures of another subject, left out

    @property
    def level_sum(self) -> int | None:
        vals = [self.counts[k] for k in LEVELS]
        return None if any(v is None for v in vals) else sum(vals)

    @property
    def found_anything(self) -> bool:
        return any(r.what in LEVELS or r.what == "not_rated" for r in self.readings)


@dataclass
class _Tok:
    kind: str
    start: int
    end: int
    value: object = None
    extra: dict = field(default_factory=dict)


def _n(x: int | None) -> str:
    """2208 → '2.208' (Vietnamese thousands)."""
    return "—" if x is None else f"{x:,}".replace(",", ".")


def _pct(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace(".", ",") + "%"


def _tokens(folded: str) -> list[_Tok]:
    toks = []
    level_of = {f"lv{i}": lv for i, (lv, _) in enumerate(_LEVEL_PHRASES)}
    reason_of = {p: r for r, p in _NOT_RATED_PHRASES}
    subject_of = dict(_subject_phrases())
    for m in _scanner().finditer(folded):
        kind = m.lastgroup
        if m.group("level") is not None:
            lv = next(level_of[g] for g in level_of if m.group(g) is not None)
            cum = "up" if m.group("upward") else "down" if m.group("downward") else None
            toks.append(_Tok("level", m.start(), m.end(), lv,
                             {"exemplary": bool(m.group("tieubieu")), "cumulative": cum}))
        elif m.group("year") is not None:
            toks.append(_Tok("year", m.start(), m.end(), int(m.group("year"))))
        elif m.group("share") is not None:
            raw = m.group("share").replace(" ", "").rstrip("%")
            digits = len(raw.split(",")[1]) if "," in raw else len(raw.split(".")[1]) if "." in raw else 0
            toks.append(_Tok("share", m.start(), m.end(), float(raw.replace(",", ".")), {"digits": digits}))
        elif m.group("number") is not None:
            n, err = nz.parse_count(m.group("number"))
            if n is not None:
                toks.append(_Tok("number", m.start(), m.end(), n))
        elif m.group("notrated") is not None:
            key = re.sub(r"[\s,]+", " ", m.group("notrated"))
            toks.append(_Tok("notrated", m.start(), m.end(), reason_of.get(key, "khong_xep_loai")))
        elif m.group("subject") is not None:
            key = re.sub(r"[\s,]+", " ", m.group("subject"))
            toks.append(_Tok("subject", m.start(), m.end(), subject_of.get(key)))
        elif m.group("subset") is not None:
            toks.append(_Tok("subset", m.start(), m.end(), 3))
        else:
            toks.append(_Tok(kind or "?", m.start(), m.end()))
    return toks


def _filler(gap: str) -> bool:
    """Only the words allowed between a count and its level (and punctuation)."""
    if len(gap) > 80:
        return False
    words = re.findall(r"[a-z0-9]+", gap)
    return all(w in _FILLER for w in words) and not re.search(r"[;.\n]", gap)


def parse(text: str, subject: str | None = None) -> Parsed:
    """Read the counts of one subject from a paragraph. `subject` (a code of data/reference/subjects.csv): keep the
    figures of that subject; without it, the subject the figures name (a warning when they name several)."""
    raw_lines = str(text or "").splitlines()
    pasted_table = any("\t" in line for line in raw_lines)
    # lines with tabs are rows of a pasted table (their first number is a row number): not read here
    lines = [nz.clean_text(line) for line in raw_lines if "\t" not in line]
    text = "\n".join(line for line in lines if line)
    folded = fold(text)
    toks = _tokens(folded)
    used: set[int] = set()           # token indexes consumed by a reading
    readings: list[Reading] = []

    def gap(a: _Tok, b: _Tok) -> str:
        return folded[a.end:b.start]

    def next_idx(i: int, skip=("subject", "rated")) -> int | None:
        j = i + 1
        while j < len(toks) and toks[j].kind in skip:
            j += 1
        return j if j < len(toks) else None

    def between_ok(i: int, j: int, allow=("subject", "rated")) -> bool:
        """Tokens i..j are joined only by filler words and subject/rated phrases."""
        for k in range(i + 1, j):
            if toks[k].kind not in allow:
                return False
        return _filler(re.sub("|".join([r"\s"] + [re.escape(folded[toks[k].start:toks[k].end])
                                                   for k in range(i + 1, j)]), " ", gap(toks[i], toks[j])))

    def level_after(i: int) -> int | None:
        """The index of the level (or not-rated) phrase a number at i is written in front of."""
        j = next_idx(i)
        if j is not None and toks[j].kind in ("level", "notrated", "subset") and j not in used and between_ok(i, j):
            return j
        return None

    def share_after(k: int) -> tuple[int | None, _Tok | None]:
        j = k + 1
        if j < len(toks) and toks[j].kind == "share":
            g = folded[toks[k].end:toks[j].start]
            if re.fullmatch(r"[\s,(]*(?:chiem|ty\s+le|bang|dat)?[\s:]*", g):
                return j, toks[j]
        return None, None

    def add(num_i: int, lev_i: int | None, what: str | None = None, count: int | None = None) -> None:
        idx = [num_i] + ([lev_i] if lev_i is not None else [])
        last = max(idx)
        s_i, s_tok = share_after(last)
        if s_i is not None:
            idx.append(s_i)
        start, end = min(toks[k].start for k in idx), max(toks[k].end for k in idx)
        if s_tok is not None and end < len(folded) and folded[end] == ")" and "(" in folded[start:end]:
            end += 1
        lt = toks[lev_i] if lev_i is not None else None
        r = Reading(what or "", toks[num_i].value if count is None else count, text[start:end], start, end,
                    share=s_tok.value if s_tok else None, share_digits=s_tok.extra["digits"] if s_tok else 0)
        if lt is not None and lt.kind == "level":
            r.level = lt.value
            if lt.extra["exemplary"]:
                r.what = "exemplary"
            else:
                r.what = LEVELS[lt.value - 1]
                r.cumulative = lt.extra["cumulative"]
        elif lt is not None and lt.kind == "notrated":
            r.what, r.reason = "not_rated", lt.value
        elif lt is not None and lt.kind == "subset":
            r.what, r.level = "subset", 3
        lo, hi = min(idx), max(idx)
        subs = [toks[k].value for k in range(lo, hi + 1) if toks[k].kind == "subject"]
        r.subject = subs[0] if subs else None
        used.update(idx)
        readings.append(r)

    # 1. "<mức>: N", "<mức> là N", "<mức> có N đồng chí" — unless N is itself written in front of a level
    for i, t in enumerate(toks):
        if t.kind in ("level", "notrated", "subset") and i not in used:
            j = next_idx(i, skip=("subject",))
            if j is None or toks[j].kind != "number" or j in used or level_after(j) is not None:
                continue
            g = re.sub("|".join(re.escape(folded[toks[k].start:toks[k].end]) for k in range(i + 1, j)) or "$^",
                       " ", gap(t, toks[j]))
            if _CONNECT.match(g) and re.search(r"[:=\-–—]|\b(?:la|co|gom|dat)\b", g):
                add(j, i)
    def backward() -> None:
        """2. "N [đối tượng] [được xếp loại] <mức>" and "không có [đối tượng] <mức>"."""
        for i, t in enumerate(toks):
            if i in used:
                continue
            if t.kind == "number":
                prev = toks[i - 1] if i else None
                if prev is not None and prev.kind == "year" and prev.end == t.start:
                    continue
                j = level_after(i)
                if j is not None:
                    add(i, j)
            elif t.kind == "none":
                j = level_after(i)
                if j is not None:
                    add(i, j, count=0)

    def direct_after(i: int) -> bool:
        j = i + 1
        return toks[i].kind in ("level", "notrated") and j < len(toks) and toks[j].kind == "number" \
            and not gap(toks[i], toks[j]).strip()

    def forward() -> None:
        """3. "<mức> N đồng chí" (no connecting word) — when N is written in front of nothing else."""
        for i, t in enumerate(toks):
            if i not in used and direct_after(i) and i + 1 not in used and \
                    (level_after(i + 1) is None or level_first):
                add(i + 1, i)

    # which way round the paragraph writes them: "16 hoàn thành xuất sắc nhiệm vụ, 63 …" (the usual) or
    # "hoàn thành xuất sắc nhiệm vụ 16 đồng chí, hoàn thành tốt nhiệm vụ 63 …"
    level_first = sum(direct_after(i) for i in range(len(toks))) > \
        sum(t.kind == "number" and level_after(i) is not None for i, t in enumerate(toks))
    for step in ((forward, backward) if level_first else (backward, forward)):
        step()
    # 4. totals: "N [đối tượng] được đánh giá, xếp loại", "tổng số [đối tượng] [được đánh giá] (là|:) N";
    #    headcounts: "có N <đối tượng>" (not after "trong đó")
    for i, t in enumerate(toks):
        if i in used:
            continue
        if t.kind == "number":
            j = next_idx(i, skip=("subject",))
            if j is not None and toks[j].kind == "rated" and between_ok(i, j):
                k = next_idx(j)
                if k is None or toks[k].kind not in ("level", "notrated") or not between_ok(j, k):
                    add(i, None, "total")
                    readings[-1].end = max(readings[-1].end, toks[j].end)
                    readings[-1].words = text[readings[-1].start:readings[-1].end]
                    readings[-1].subject = readings[-1].subject or next(
                        (toks[k2].value for k2 in range(i + 1, j) if toks[k2].kind == "subject"), None)
                    continue
            before = folded[max(0, t.start - 4):t.start]
            after = toks[i + 1] if i + 1 < len(toks) else None
            if re.search(r"(?<![a-z])co\s+$", before) and after is not None and after.kind == "subject" \
                    and _filler(gap(t, after)):
                after_next = next_idx(i + 1, skip=())
                if after_next is not None and toks[after_next].kind in ("level", "notrated"):
                    continue
                prev_tok = toks[i - 1] if i else None
                if prev_tok is not None and prev_tok.kind == "trongdo" and _filler(gap(prev_tok, t)):
                    continue            # "trong đó có 128 chi bộ thôn": a part, not the headcount
                add(i, None, "headcount")
                r = readings[-1]
                r.start, r.end = t.start - len(before) + before.rfind("co"), after.end
                r.words, r.subject = text[r.start:r.end], after.value
        elif t.kind == "total":
            j = next_idx(i, skip=("subject", "rated"))
            if j is not None and toks[j].kind == "number" and j not in used and level_after(j) is None \
                    and between_ok(i, j):
                add(j, None, "total")
                r = readings[-1]
                r.start = t.start
                r.words = text[r.start:r.end]
                r.subject = next((toks[k].value for k in range(i, j) if toks[k].kind == "subject"), r.subject)

    readings.sort(key=lambda r: r.start)
    # the subject of a figure that does not name one: the nearest subject named before it, in its sentence first
    subjects = [t for t in toks if t.kind == "subject"]
    sentence_starts = [0] + [t.end for t in toks if t.kind == "sep" and folded[t.start] in ".\n"]
    for r in readings:
        if r.subject is None:
            before = [s for s in subjects if s.end <= r.start]
            in_sentence = [s for s in before if s.start >= max(b for b in sentence_starts if b <= r.start)]
            pick = (in_sentence or before)
            r.subject = pick[-1].value if pick else None
    warnings: list[str] = []
    if pasted_table:
        warnings.append("Đoạn dán có ký tự tab — có vẻ là một bảng. Bảng nên nạp bằng tệp (mục “Chọn tệp”); ở đây "
                        "chỉ đọc các câu, các dòng của bảng được bỏ qua.")
    counted = [r for r in readings if r.what in (*LEVELS, "not_rated", "total")]
    named = Counter(r.subject for r in counted if r.subject)
    if subject is None and named:
        subject = named.most_common(1)[0][0]
        if len(named) > 1:
            names = ", ".join(_subject_name(s) for s in named)
            warnings.append(f"Đoạn văn nói về nhiều đối tượng ({names}): đang đọc số của "
                            f"“{_subject_name(subject)}” — chọn đối tượng khác nếu cần.")
    kept = [r for r in readings if r.subject in (None, subject)]
    other = [r for r in readings if r.subject not in (None, subject)]
    if subject is None and counted:
        warnings.append("Không thấy đoạn văn nói về đối tượng nào (đảng viên, tổ chức cơ sở đảng, chi bộ …): chọn "
                        "đối tượng.")

    years = sorted({t.value for t in toks if t.kind == "year"})
    year = years[0] if len(years) == 1 else None
    if len(years) > 1:
        warnings.append("Đoạn văn ghi nhiều năm (" + ", ".join(map(str, years)) + "): chọn năm đánh giá.")

    out = Parsed(subject, year, dict.fromkeys(LEVELS), None, None, None, kept, other_subjects=other)
    _combine(out, warnings)
    out.warnings = warnings
    return out


def _subject_name(code: str | None) -> str:
    if code is None:
        return "—"
    with open(nz.REFERENCE_DIR / "subjects.csv", encoding="utf-8") as fh:
        return next((row["name"] for row in csv.DictReader(fh) if row["code"] == code), code)


def _q(r: Reading) -> str:
    return f"“{r.words}”"


def _distinct(readings: list[Reading], label: str, warnings: list[str]) -> int | None:
    """The one count several readings give, or None and a warning when they disagree."""
    values = {r.count for r in readings}
    if len(values) > 1:
        warnings.append(f"Hai số khác nhau cho {label}: " + "; ".join(_q(r) for r in readings)
                        + " — không tự chọn, điền số đúng vào bảng.")
        return None
    return values.pop() if values else None


def _combine(out: Parsed, warnings: list[str]) -> None:
    rs = out.readings
    direct = {k: [r for r in rs if r.what == k and not r.cumulative] for k in LEVELS}
    for k in LEVELS:
        out.counts[k] = _distinct(direct[k], f"mức “{LEVEL_NAMES[k]}”", warnings)
    # "N … trở lên": N is that level and every better one; the better ones are given ("trong đó …")
    for r in [r for r in rs if r.cumulative]:
        k = r.what
        others = [LEVELS[i] for i in (range(0, r.level - 1) if r.cumulative == "up" else range(r.level, 4))]
        word = "trở lên" if r.cumulative == "up" else "trở xuống"
        missing = [o for o in others if out.counts[o] is None]
        if missing:
            warnings.append(f"{_q(r)}: {_n(r.count)} gồm cả các mức " + ", ".join(f"“{LEVEL_NAMES[o]}”"
                                                                              for o in others)
                            + f" nhưng thiếu phần “trong đó” cho mức " + ", ".join(f"“{LEVEL_NAMES[o]}”"
                                                                                    for o in missing)
                            + f" — không tính được số “{LEVEL_NAMES[k]}”, điền vào bảng.")
            if not direct[k]:
                out.counts[k] = None
            continue
        rest = r.count - sum(out.counts[o] for o in others)
        how = f"{_n(r.count)} {word} − " + " − ".join(_n(out.counts[o]) for o in others) + f" = {_n(rest)}"
        if rest < 0:
            warnings.append(f"{_q(r)}: các mức trong đó cộng lại lớn hơn {_n(r.count)} — điền số đúng vào bảng.")
            out.counts[k] = None
            continue
        if direct[k] and out.counts[k] is not None and out.counts[k] != rest:
            warnings.append(f"Hai số khác nhau cho mức “{LEVEL_NAMES[k]}”: {how} theo {_q(r)}, và "
                            + "; ".join(_q(d) for d in direct[k]) + " — không tự chọn, điền số đúng vào bảng.")
            out.counts[k] = None
            continue
        if k in out.derived and out.derived[k] != how:
            warnings.append(f"Hai cách đọc khác nhau cho mức “{LEVEL_NAMES[k]}” — điền số đúng vào bảng.")
            out.counts[k] = None
            continue
        if not direct[k]:
            out.counts[k] = rest
            out.derived[k] = how
    # not rated: the reasons added up
    by_reason: dict[str, list[Reading]] = {}
    for r in rs:
        if r.what == "not_rated":
            by_reason.setdefault(r.reason or "khong_xep_loai", []).append(r)
    parts = [_distinct(v, f"“{NOT_RATED_NAMES.get(k, k)}”", warnings) for k, v in by_reason.items()]
    out.not_rated = None if not parts or any(p is None for p in parts) else sum(parts)
    out.total = _distinct([r for r in rs if r.what == "total"], "tổng số được đánh giá", warnings)
    out.headcount = _distinct([r for r in rs if r.what == "headcount"], "số có đến thời điểm đánh giá", warnings)

    found = [k for k in LEVELS if out.counts[k] is not None]
    if found and len(found) < 4:
        unread = [k for k in LEVELS if out.counts[k] is None
                  and not any(k in w for w in warnings) and LEVEL_NAMES[k] not in " ".join(warnings)]
        if unread:
            warnings.append("Chưa đọc được số của mức " + ", ".join(f"“{LEVEL_NAMES[k]}”" for k in unread)
                            + " — điền vào bảng (ghi 0 nếu không có).")
    elif not found and not any(r.cumulative for r in rs):
        warnings.append("Không đọc được số lượng của mức xếp loại nào trong đoạn văn.")
    total_sum = out.level_sum
    if out.total is not None and total_sum is not None and total_sum != out.total:
        warnings.append(f"Tổng các mức ({' + '.join(_n(out.counts[k]) for k in LEVELS)} = {_n(total_sum)}) khác "
                        f"tổng số ghi trong đoạn văn ({_n(out.total)}).")
    if out.headcount is not None and total_sum is not None and out.not_rated is not None \
            and total_sum + out.not_rated != out.headcount:
        warnings.append(f"Số được xếp loại cộng số không xếp loại ({_n(total_sum)} + {_n(out.not_rated)} = "
                        f"{_n(total_sum + out.not_rated)}) khác số có đến thời điểm đánh giá ({_n(out.headcount)}) "
                        "— kiểm tra lại.")
    # shares: compared with the count over the stated total (or, inside "trong đó", over the count it is part of)
    for r in rs:
        if r.share is None:
            continue
        bases = []
        if out.total:
            bases.append(("tổng số", out.total))
        for c in rs:
            if c.cumulative and c is not r and c.start < r.start and r.level is not None and c.level is not None \
                    and ((c.cumulative == "up" and r.level < c.level) or (c.cumulative == "down" and r.level > c.level)) \
                    and c.count:
                bases.append((f"“{c.words}”", c.count))
        if not bases:
            continue
        tol = 10 ** -r.share_digits + 1e-9
        if not any(abs(100 * r.count / b - r.share) <= tol for _, b in bases):
            name, base = bases[0]
            warnings.append(f"Tỷ lệ {_pct(r.share, r.share_digits)} ghi cạnh {_q(r)} không khớp số lượng: "
                            f"{_n(r.count)}/{_n(base)} = {_pct(100 * r.count / base)}.")
