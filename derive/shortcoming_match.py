"""Recurring shortcomings ("hạn chế, khuyết điểm"): a taxonomy, a classifier and a cross-year matcher.

Plain Python (numpy, scipy.sparse); no Streamlit. The pieces:

* ``match_key(text)``: the key two texts are compared on — NFC, one tone convention (etl.normalize.clean_text), no
  diacritics, đ→d, lower case, punctuation as spaces (the same as the SQL macro vkey). ``text_hash`` of it identifies
  a shortcoming of a unit-year across reloads of the same (or a re-typed) file.
* ``canonical(text)``: the key with abbreviations spelled out, phrases that say the same thing in this domain folded
  into one word ("chưa kịp thời", "còn chậm", "trễ hạn" → "cham"), and filler words removed ("còn", "một số" …).
* ``Vectorizer``: character 3–5-gram TF-IDF over canonical texts (n-grams coded exactly as integers, numpy only).
* ``Topics``: which topics (keyword groups of data/reference/shortcoming_categories.csv) a text names.
* ``Classifier``: keyword rules plus similarity to the example phrasings of the taxonomy; "khac" when unsure.
* ``Matcher``: the similarity of two shortcomings (0–1) — n-gram cosine and shared topics, a small bonus or penalty
  when their categories agree or differ.
* ``build_chains``: year by year, each shortcoming joins at most one earlier chain of its unit (links a person
  confirmed first, then automatic links at or above ``AUTO_THRESHOLD``); undecided pairs between
  ``REVIEW_THRESHOLD`` and ``AUTO_THRESHOLD`` that would extend a chain wait in a review queue.

Pure functions and classes: derive/shortcomings.py stores their results in the warehouse (pairs are only ever formed
inside one unit, or a unit and its predecessor, never across units) and operations/shortcoming_review.py records a
person's decisions.

The thresholds were chosen on the labelled sample tests/derive/shortcoming_pairs.csv (see
tests/derive/test_shortcomings.py, which prints precision and recall).
"""
from __future__ import annotations

import csv
import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from etl.normalize import clean_text, search_key

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference" / "shortcoming_categories.csv"
OTHER = "khac"

# Version of the matching logic: derived tables are recomputed when it (or the data, or the taxonomy) changes.
MATCHER_VERSION = "2"
# Version of build_chains: the links and chains are rebuilt when it changes (bump it with any change of the chaining).
CHAINS_VERSION = "1"

# Chosen on the labelled sample tests/derive/shortcoming_pairs.csv (354 pairs) and rounded to 0.01:
# choose_threshold(min_precision=0.95) gives 0.4073, choose_review_threshold 0.2508. Measured there
# (tests/derive/test_shortcomings.py prints it): precision 0.963 / recall 0.939 on the sample; 5-fold
# cross-validation grouped by shortcoming concept (threshold re-chosen on the other folds) 0.952 / 0.944.
AUTO_THRESHOLD = 0.41      # a pair at or above links automatically
REVIEW_THRESHOLD = 0.25    # a pair between this and AUTO_THRESHOLD goes to the review queue
MAX_GAP = 3                # a shortcoming may come back after at most this many years without it
GAP_COST = 0.05            # a year without the shortcoming between two links lowers their rank by this much

ANONYMOUS = "ẩn danh"
CONFIRMED = "cung_han_che"     # a person said: the same shortcoming
REJECTED = "khac_han_che"      # a person said: different shortcomings
REMEDY_ORDER = {"chua_khac_phuc": 3, "dang_khac_phuc": 2, "da_khac_phuc": 1}


# ───────────────────────────── text keys ─────────────────────────────

def match_key(text: object) -> str:
    """NFC, one tone convention, no diacritics, đ→d, lower case, single spaces (etl.normalize.search_key)."""
    return search_key(clean_text(text))


def text_hash(text: object) -> str:
    """A short stable identity of a text: the same words, however typed (accents, case, punctuation), same hash.
    Equal to substr(md5(vkey(text_norm)), 1, 16) in SQL."""
    return hashlib.md5(match_key(text).encode("utf-8")).hexdigest()[:16]


# Abbreviations written in the forms (whole words of the key).
_ABBREV = {
    "dv": "dang vien", "cbdv": "can bo dang vien", "cb": "can bo", "tccsd": "to chuc co so dang",
    "htxs": "xuat sac", "htxsnv": "xuat sac", "httnv": "hoan thanh tot", "htt": "hoan thanh tot",
    "htnv": "hoan thanh", "khtnv": "khong hoan thanh", "ubkt": "uy ban kiem tra", "kt": "kiem tra",
    "gs": "giam sat", "nq": "nghi quyet", "hckd": "han che khuyet diem", "tthc": "thu tuc hanh chinh",
    "cchc": "cai cach hanh chinh", "ntm": "nong thon moi", "mttq": "mat tran to quoc", "xdcb": "xay dung co ban",
    "bch": "ban chap hanh", "btv": "ban thuong vu", "ct": "chi thi",
}

# Phrases that say the same thing in this domain → one token. Longest phrases are replaced first. Written from the
# wording of the seeds and of ordinary party reports, not from the labelled sample.
_SYNONYMS = {
    # protected phrases (would otherwise be caught by the rules below)
    "thu tuc hanh chinh": "thutuchanhchinh", "hinh thuc ky luat": "hinhthuckyluat", "sau sat": "sausat",
    "di sau sat": "sausat", "thong tin bao cao": "baocao",
    # late
    "chua kip thoi": "cham", "khong kip thoi": "cham", "chua that kip thoi": "cham", "con cham": "cham",
    "cham tre": "cham", "tre han": "cham", "qua han": "cham", "chua dung han": "cham", "khong dung han": "cham",
    "chua dung hen": "cham", "khong dung hen": "cham", "chua dung thoi gian": "cham", "chua dam bao thoi gian": "cham",
    "khong dam bao thoi gian": "cham", "chua dung thoi han": "cham", "cham tien do": "cham",
    "chua dam bao tien do": "cham", "chua dung tien do": "cham", "nop tre": "nop cham", "gui tre": "gui cham",
    "chua dung quy dinh ve thoi gian": "cham", "cham so voi": "cham",
    # too general / shallow
    "chua cu the": "chungchung", "thieu cu the": "chungchung", "khong cu the": "chungchung",
    "chung chung": "chungchung", "so sai": "chungchung", "chua di sau": "chungchung", "chua sau": "chungchung",
    "chua sat": "chungchung",
    # achievements listed instead of shortcomings
    "neu thanh tich": "thanhtich", "liet ke thanh tich": "thanhtich", "liet ke ket qua": "thanhtich",
    "nang ve thanh tich": "thanhtich", "neu uu diem": "thanhtich", "ke thanh tich": "thanhtich",
    "chay theo thanh tich": "thanhtich",
    # formality
    "hinh thuc": "hinhthuc", "chieu le": "hinhthuc", "mang tinh thu tuc": "hinhthuc", "chua thuc chat": "hinhthuc",
    "khong thuc chat": "hinhthuc", "thu tuc": "hinhthuc",
    # not achieved
    "chua dat": "khongdat", "khong dat": "khongdat", "chua hoan thanh": "khongdat", "khong hoan thanh": "khongdat",
    "chua dap ung": "khongdat", "thap so voi": "khongdat",
    "chua cao": "thap", "con thap": "thap",
    # regularity
    "chua thuong xuyen": "chuadeu", "khong thuong xuyen": "chuadeu", "chua deu": "chuadeu", "khong deu": "chuadeu",
    "chua duy tri": "chuadeu", "khong duy tri": "chuadeu",
    "dinh ky": "dinhky", "thuong ky": "dinhky", "hang thang": "dinhky", "hang thang": "dinhky",
    "nen nep": "dinhky",
    # reluctance in self-criticism
    "ne nang": "nenang", "ne tranh": "nenang", "ngai va cham": "nenang", "ngai gop y": "nenang",
    "ngai dau tranh": "nenang", "ca ne": "nenang",
    "tu phe binh va phe binh": "tuphebinh", "phe binh va tu phe binh": "tuphebinh", "tu phe binh": "tuphebinh",
    # responsibility
    "trach nhiem cua tung ca nhan": "trachnhiemcanhan", "trach nhiem cua ca nhan": "trachnhiemcanhan",
    "trach nhiem ca nhan": "trachnhiemcanhan", "trach nhiem tung ca nhan": "trachnhiemcanhan",
    "trach nhiem cua tung thanh vien": "trachnhiemcanhan", "trach nhiem tung thanh vien": "trachnhiemcanhan",
    "trach nhiem cua tap the ca nhan": "trachnhiemcanhan", "trach nhiem cua tap the va ca nhan": "trachnhiemcanhan",
    "trach nhiem tap the va ca nhan": "trachnhiemcanhan", "trach nhiem tap the ca nhan": "trachnhiemcanhan",
    "chua lam ro": "chuaro", "chua xac dinh ro": "chuaro", "chua ro": "chuaro", "chua phan dinh ro": "chuaro",
    "chua ro rang": "chuaro", "khong ro": "chuaro", "mo nhat": "chuaro", "chua ro net": "chuaro",
    # party development
    "ket nap dang vien": "phattriendangvien", "phat trien dang vien": "phattriendangvien",
    "ket nap vao dang": "phattriendangvien", "ket nap": "phattriendangvien",
    # residence
    "noi cu tru": "noicutru", "noi o": "noicutru",
    # excellence
    "hoan thanh xuat sac nhiem vu": "xuatsac", "hoan thanh xuat sac": "xuatsac", "xuat sac": "xuatsac",
    # branch meetings
    "sinh hoat dang": "sinh hoat chi bo", "kiem tra giam sat": "kiemtragiamsat", "kiem tra va giam sat": "kiemtragiamsat",
    "khac phuc": "khacphuc", "sua chua": "khacphuc",
    "han che khuyet diem": "hckd", "khuyet diem han che": "hckd", "han che yeu kem": "hckd", "ton tai han che": "hckd",
    "han che ton tai": "hckd",
}

# Words that carry no meaning of their own in a shortcoming.
_STOP = set("""
con van mot so cac nhung cua va voi trong tai o cho de da duoc la thi ma nay do nen ve theo doi viec cong tac
tinh trang co luc noi mat thoi diem nhin chung nhat tren nhieu it phan lon bo phan hau het han che nhu can
cung nhu dang rat qua lai vao ra len xuong tu khi cac mot hoac hay nhu sau that su thuc
""".split())
_STOP_PHRASES = ["co luc", "co noi", "co mat", "co thoi diem", "mot so", "nhin chung", "van con", "doi voi",
                 "cong tac", "tinh trang", "nhat la", "mot bo phan", "phan lon", "that su", "thuc su"]


def _phrase_regex(phrases) -> re.Pattern:
    alts = sorted(phrases, key=lambda p: (-len(p.split()), -len(p)))
    return re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(p) for p in alts) + r")(?![a-z0-9])")


_ABBREV_RE = _phrase_regex(_ABBREV)
_SYN_RE = _phrase_regex(_SYNONYMS)


def canonical_key(key: str) -> str:
    """canonical() of a text already reduced to its match_key."""
    key = _ABBREV_RE.sub(lambda m: _ABBREV[m.group(1)], key)
    key = _SYN_RE.sub(lambda m: _SYNONYMS[m.group(1)], key)
    return " ".join(w for w in key.split() if w not in _STOP)


def canonical(text: object) -> str:
    """The words of a shortcoming that matter for matching, synonyms folded, filler removed."""
    return canonical_key(match_key(text))


# ───────────────────────────── TF-IDF ─────────────────────────────

_CODE_BITS = 38          # an n-gram of up to 5 ASCII characters (7 bits each) plus its length: an exact integer code


def _gram_counts(texts: list[str], lo: int = 3, hi: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(document, n-gram code, count) for the character n-grams of each text padded with a space on each side.
    Texts are ASCII (canonical keys); any other character counts as '?'."""
    if not texts:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    padded = [f" {t} " for t in texts]
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    buf = np.frombuffer("".join(padded).encode("ascii", "replace"), dtype=np.uint8).astype(np.int64)
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    end = np.repeat(np.cumsum(lengths), lengths)          # end (exclusive) of each character's text
    pos = np.arange(len(buf), dtype=np.int64)
    keys = []
    for n in range(lo, hi + 1):
        idx = pos[pos + n <= end]
        code = np.full(len(idx), n, dtype=np.int64) << 35
        for k in range(n):
            code |= buf[idx + k] << (7 * k)
        keys.append((doc[idx] << _CODE_BITS) | code)
    uniq, counts = np.unique(np.concatenate(keys), return_counts=True)
    return uniq >> _CODE_BITS, uniq & ((1 << _CODE_BITS) - 1), counts


class Vectorizer:
    """Character n-gram (3–5) TF-IDF with sublinear tf; rows L2-normalized. The IDF comes from the corpus given to
    fit(); an n-gram no document of that corpus has gets the highest IDF."""

    def __init__(self, lo: int = 3, hi: int = 5):
        self.lo, self.hi = lo, hi
        self.codes = np.zeros(0, dtype=np.int64)
        self.idf = np.zeros(0)
        self.unseen = 1.0

    def fit(self, texts) -> "Vectorizer":
        texts = list(texts)
        _, code, _ = _gram_counts(texts, self.lo, self.hi)
        self.codes, df = np.unique(code, return_counts=True)
        n = len(texts)
        self.idf = np.log((1 + n) / (1 + df)) + 1.0
        self.unseen = float(np.log(1 + n) + 1.0)
        return self

    def transform(self, texts, columns: np.ndarray | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
        """(matrix, column codes). Columns are the n-grams of these texts, or the given `columns` (sorted codes) —
        n-grams outside them still count in each row's norm, so similarities stay comparable."""
        texts = list(texts)
        doc, code, count = _gram_counts(texts, self.lo, self.hi)
        pos = np.searchsorted(self.codes, code)
        pos_c = np.minimum(pos, max(len(self.codes) - 1, 0))
        known = (len(self.codes) > 0) & (self.codes[pos_c] == code) if len(self.codes) else np.zeros(len(code), bool)
        idf = np.where(known, self.idf[pos_c] if len(self.idf) else 0.0, self.unseen)
        w = (1.0 + np.log(count)) * idf
        norms = np.sqrt(np.bincount(doc, weights=w * w, minlength=len(texts)))
        norms[norms == 0] = 1.0
        w = w / norms[doc]
        if columns is None:
            columns, col = np.unique(code, return_inverse=True)
            keep = np.ones(len(code), dtype=bool)
        else:
            col = np.searchsorted(columns, code)
            col_c = np.minimum(col, max(len(columns) - 1, 0))
            keep = (columns[col_c] == code) if len(columns) else np.zeros(len(code), bool)
            col = col_c
        m = sp.csr_matrix((w[keep], (doc[keep], col[keep])), shape=(len(texts), len(columns)))
        return m, columns


# ───────────────────────────── taxonomy ─────────────────────────────

@dataclass(frozen=True)
class Category:
    code: str
    name: str
    sort_order: int
    aliases: tuple[str, ...]
    topics: tuple[tuple[str, ...], ...]   # groups of phrases that name one topic of the category
    examples: tuple[str, ...]


def _split(s: str, sep: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in (s or "").split(sep) if x.strip())


@functools.lru_cache(maxsize=4)
def _read_taxonomy(path: str, mtime: int) -> tuple[Category, ...]:
    with open(path, encoding="utf-8") as fh:
        return tuple(Category(r["code"], r["name"], int(r["sort_order"]), _split(r["aliases"], "|"),
                              tuple(_split(g, "|") for g in _split(r["keywords"], ";")), _split(r["examples"], "|"))
                     for r in csv.DictReader(fh))


def taxonomy(path: str | Path | None = None) -> tuple[Category, ...]:
    """The categories of data/reference/shortcoming_categories.csv (re-read when the file changes)."""
    p = Path(path or REFERENCE)
    return _read_taxonomy(str(p), p.stat().st_mtime_ns)


def taxonomy_fingerprint(path: str | Path | None = None) -> str:
    return hashlib.md5(Path(path or REFERENCE).read_bytes()).hexdigest()[:12]


_VN_LETTERS = re.compile(r"[^\x00-\x7f]")


def _surface(text: object) -> str:
    """Lower-case NFC words with their diacritics (for keywords), punctuation as spaces."""
    return " ".join(re.sub(r"[^\w%]+", " ", clean_text(text).lower()).split())


class Topics:
    """Which topics (keyword groups of the taxonomy) a text names. A phrase matches with its diacritics when the
    text has diacritics and without them when the text was typed without; one extra syllable may stand between two
    syllables of a phrase ("phân định rõ trách nhiệm" names "phân định trách nhiệm")."""

    GAP = 1

    def __init__(self, cats: tuple[Category, ...]):
        self.ids: list[tuple[str, int]] = []
        self._acc: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        self._bare: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for c in cats:
            for gi, group in enumerate(c.topics):
                t = len(self.ids)
                self.ids.append((c.code, gi))
                for phrase in group:
                    for table, words in ((self._acc, _surface(phrase).split()), (self._bare, match_key(phrase).split())):
                        if words and (tuple(words), t) not in table.get(words[0], []):
                            table.setdefault(words[0], []).append((tuple(words), t))

    def _scan(self, tokens: list[str], table) -> dict[int, int]:
        out: dict[int, int] = {}
        n = len(tokens)
        for i, tok in enumerate(tokens):
            for phrase, t in table.get(tok, ()):
                pos, ok = i, True
                for w in phrase[1:]:
                    for nxt in range(pos + 1, min(pos + 2 + self.GAP, n)):
                        if tokens[nxt] == w:
                            pos = nxt
                            break
                    else:
                        ok = False
                        break
                if ok and len(phrase) > out.get(t, 0):
                    out[t] = len(phrase)
        return out

    def of(self, text: object, key: str | None = None) -> dict[int, int]:
        """{topic index: syllables of the longest phrase of that topic found}. `key`: the text's match_key when
        already known."""
        surf = _surface(text)
        if _VN_LETTERS.search(surf):
            return self._scan(surf.split(), self._acc)
        return self._scan((key if key is not None else match_key(text)).split(), self._bare)


# ───────────────────────────── classifier ─────────────────────────────

@dataclass(frozen=True)
class Classified:
    category: str        # a category code, or "khac"
    score: float         # evidence for the best category (0–1)
    runner_up: str | None
    source: str          # 'tu_dong' (classified) | 'khong_ro' (unsure: khac)


class Classifier:
    """Keyword rules (topic groups) plus similarity to the example phrasings; "khac" when unsure."""

    MIN_SCORE = 0.45      # below: khac
    MIN_MARGIN = 0.12     # best minus runner-up below: khac (two categories compete)

    def __init__(self, cats: tuple[Category, ...] | None = None):
        self.cats = tuple(cats or taxonomy())
        self.codes = [c.code for c in self.cats]
        self.topics = Topics(self.cats)
        self.topic_cat = np.array([self.codes.index(code) for code, _ in self.topics.ids], dtype=int)
        ex_text, ex_cat = [], []
        for i, c in enumerate(self.cats):
            for e in c.examples:
                ex_text.append(canonical(e))
                ex_cat.append(i)
        self.ex_cat = np.array(ex_cat, dtype=int)
        self.vec = Vectorizer().fit(ex_text)
        self.ex, self.ex_cols = self.vec.transform(ex_text)

    def scores(self, canon: list[str], topic_hits: list[dict[int, int]]) -> np.ndarray:
        """(texts × categories) evidence: 0.6 × keywords (saturating) + 0.4 × best similarity to an example."""
        kw = np.zeros((len(canon), len(self.cats)))
        for r, hits in enumerate(topic_hits):
            for t, n in hits.items():
                kw[r, self.topic_cat[t]] += min(n, 3)
        kw = kw / (kw + 2.0)                                   # 1 syllable → 0.33, 2 → 0.5, 4 → 0.67 …
        sim = np.zeros((len(canon), len(self.cats)))
        if self.ex.shape[0] and len(canon):
            X, _ = self.vec.transform(canon, self.ex_cols)
            s = (X @ self.ex.T).toarray()
            for i in range(len(self.cats)):
                cols = self.ex_cat == i
                if cols.any():
                    sim[:, i] = s[:, cols].max(axis=1)
        return 0.6 * kw + 0.4 * sim

    def classify(self, texts: list[str], topic_hits: list[dict[int, int]] | None = None,
                 canon: list[str] | None = None) -> list[Classified]:
        texts = list(texts)
        if not texts:
            return []
        topic_hits = topic_hits if topic_hits is not None else [self.topics.of(t) for t in texts]
        canon = canon if canon is not None else [canonical(t) for t in texts]
        sc = self.scores(canon, topic_hits)
        other = self.codes.index(OTHER) if OTHER in self.codes else -1
        order = np.argsort(-sc, axis=1, kind="stable")
        best, second = order[:, 0], order[:, 1]
        b = sc[np.arange(len(texts)), best]
        s2 = sc[np.arange(len(texts)), second]
        unsure = (b < self.MIN_SCORE) | (b - s2 < self.MIN_MARGIN) | (best == other)
        return [Classified(OTHER if u else self.codes[bi], round(float(bv), 3),
                           self.codes[bi] if u else self.codes[si], "khong_ro" if u else "tu_dong")
                for u, bi, si, bv in zip(unsure, best, second, b)]


# ───────────────────────────── pair scores ─────────────────────────────

W_LEXICAL = 0.5           # weight of the n-gram cosine when both texts name topics (the rest: shared topics)
SAME_CATEGORY_BONUS = 0.05
OTHER_CATEGORY_PENALTY = 0.10


def _combine(lex, shared, na, nb, ca, cb):
    """The score of pairs from their parts (arrays that broadcast): n-gram cosine, number of shared topics, number
    of topics of each text, and the categories compared ('khac' or None when unknown)."""
    both = (na > 0) & (nb > 0)
    dice = np.where(both, 2 * shared / np.maximum(na + nb, 1), 0.0)
    s = np.where(both, W_LEXICAL * lex + (1 - W_LEXICAL) * dice, lex)
    known = (ca != OTHER) & (cb != OTHER) & (ca != None) & (cb != None)   # noqa: E711 - object arrays
    s = s + np.where(known & (ca == cb), SAME_CATEGORY_BONUS, 0.0) \
          - np.where(known & (ca != cb), OTHER_CATEGORY_PENALTY, 0.0)
    return np.clip(s, 0.0, 1.0)


class Matcher:
    """Scores pairs of shortcoming texts. fit() once on every text that will be compared; the IDF of the n-grams
    comes from those texts and the taxonomy's examples."""

    def __init__(self, classifier: Classifier | None = None):
        self.clf = classifier or Classifier()

    def fit(self, texts, keys: list[str] | None = None) -> "Matcher":
        """texts: the texts; keys: their match_key when already known (saves time on large loads)."""
        self.texts = list(texts)
        keys = keys if keys is not None else [match_key(t) for t in self.texts]
        canon = [canonical_key(k) for k in keys]
        examples = [canonical(e) for c in self.clf.cats for e in c.examples]
        self.vec = Vectorizer().fit(canon + examples)
        self.X, _ = self.vec.transform(canon)
        self.topic_hits = [self.clf.topics.of(t, k) for t, k in zip(self.texts, keys)]
        self.classes = self.clf.classify(self.texts, self.topic_hits, canon)
        rows = [i for i, h in enumerate(self.topic_hits) for _ in h]
        cols = [t for h in self.topic_hits for t in h]
        self.T = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(self.texts), len(self.clf.topics.ids)))
        self.n_topics = np.asarray(self.T.sum(axis=1)).ravel()
        self.cat = np.array([c.category for c in self.classes], dtype=object)
        return self

    def _cats(self, i, j, cat_i, cat_j):
        """Like is compared with like: the groups both files gave, else the classifier's categories of both."""
        ca, cb = self.cat[i], self.cat[j]
        if cat_i is not None and cat_j is not None:
            fa, fb = np.broadcast_arrays(np.asarray(cat_i, dtype=object), np.asarray(cat_j, dtype=object))
            given = (fa != None) & (fb != None)   # noqa: E711 - element-wise on object arrays
            ca, cb = np.where(given, fa, ca), np.where(given, fb, cb)
        return ca, cb

    def score(self, i, j, cat_i=None, cat_j=None, chunk: int = 50_000) -> np.ndarray:
        """Similarity (0–1) of texts i[k] and j[k]. cat_i/cat_j: the groups the files gave (None where none)."""
        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        if not len(i):
            return np.zeros(0)
        lex = np.empty(len(i))
        shared = np.empty(len(i))
        for s in range(0, len(i), chunk):
            a, b = i[s:s + chunk], j[s:s + chunk]
            lex[s:s + chunk] = np.asarray(self.X[a].multiply(self.X[b]).sum(axis=1)).ravel()
            shared[s:s + chunk] = np.asarray(self.T[a].multiply(self.T[b]).sum(axis=1)).ravel()
        ca, cb = self._cats(i, j, cat_i, cat_j)
        return _combine(lex, shared, self.n_topics[i], self.n_topics[j], ca, cb)

    def block(self, rows: np.ndarray, years: np.ndarray, file_cats: np.ndarray, gap: int = MAX_GAP,
              threshold: float = REVIEW_THRESHOLD) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every pair (a, b) of the shortcomings of one unit (text rows, years, file groups) with
        0 < year_b − year_a ≤ gap and a score at or above threshold: (a positions, b positions, scores)."""
        dy = years[None, :] - years[:, None]
        mask = (dy > 0) & (dy <= gap)
        if not mask.any():
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0)
        Xb, Tb = self.X[rows], self.T[rows]
        lex = (Xb @ Xb.T).toarray()
        shared = (Tb @ Tb.T).toarray()
        nt = self.n_topics[rows]
        ca, cb = self._cats(rows[:, None], rows[None, :], file_cats[:, None], file_cats[None, :])
        s = _combine(lex, shared, nt[:, None], nt[None, :], ca, cb)
        a, b = np.nonzero(mask & (s >= threshold))
        return a, b, s[a, b]

    def blocks(self, rows: np.ndarray, years: np.ndarray, units: np.ndarray, file_cats: np.ndarray,
               gap: int = MAX_GAP, threshold: float = REVIEW_THRESHOLD, size: int = 128
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """block() of every unit at once (items ordered by unit, then year): the same pairs in the same order (by a,
        then b) with the same scores bit for bit. Consecutive units are multiplied together about `size` items at a
        time — the per-unit Python calls (~50,000 units nationally, ~20 s) were the cost, not the arithmetic.
        Each score is the same sparse product entry as in block() (same row, same order of terms), read at the
        pair's place in the bigger product."""
        n = len(rows)
        z = np.zeros(0, dtype=np.int64)
        if n < 2:
            return z, z, np.zeros(0)
        new_unit = np.r_[True, units[1:] != units[:-1]]
        uid = np.cumsum(new_unit) - 1
        starts = np.flatnonzero(new_unit)
        longest = int(np.diff(np.r_[starts, n]).max())
        A, B = [], []
        for d in range(1, longest):          # a pair is two items of one unit, 1 … gap years apart (years ascend)
            i = np.arange(n - d)
            j = i + d
            dy = years[j] - years[i]
            keep = (uid[i] == uid[j]) & (dy > 0) & (dy <= gap)
            A.append(i[keep])
            B.append(j[keep])
        a, b = np.concatenate(A), np.concatenate(B)
        order = np.lexsort((b, a))
        a, b = a[order], b[order]
        if not len(a):
            return z, z, np.zeros(0)
        lex = np.empty(len(a))
        shared = np.empty(len(a))
        # chunks of whole units: a unit starting in window k belongs to chunk k
        chunk_of_unit = starts // size
        first = np.flatnonzero(np.r_[True, chunk_of_unit[1:] != chunk_of_unit[:-1]])
        lo = starts[first]
        hi = np.r_[lo[1:], n]
        pair_chunk = np.searchsorted(lo, a, side="right") - 1
        cuts = np.searchsorted(pair_chunk, np.arange(len(lo) + 1))
        for c in range(len(lo)):
            p0, p1 = cuts[c], cuts[c + 1]
            if p0 == p1:
                continue
            s, e = lo[c], hi[c]
            Xb, Tb = self.X[rows[s:e]], self.T[rows[s:e]]
            la, lb = a[p0:p1] - s, b[p0:p1] - s
            lex[p0:p1] = (Xb @ Xb.T).toarray()[la, lb]
            shared[p0:p1] = (Tb @ Tb.T).toarray()[la, lb]
        nt = self.n_topics[rows]
        ca, cb = self._cats(rows[a], rows[b], file_cats[a], file_cats[b])
        sc = _combine(lex, shared, nt[a], nt[b], ca, cb)
        keep = sc >= threshold
        return a[keep], b[keep], sc[keep]


def pair_scores(a: list[str], b: list[str], classifier: Classifier | None = None) -> np.ndarray:
    """Similarity of a[k] and b[k], the matcher fitted on the texts of both lists."""
    texts = list(dict.fromkeys(list(a) + list(b)))
    idx = {t: k for k, t in enumerate(texts)}
    m = Matcher(classifier).fit(texts)
    return m.score([idx[t] for t in a], [idx[t] for t in b])


def precision_recall(scores, labels, threshold: float) -> tuple[float, float]:
    s, y = np.asarray(scores), np.asarray(labels).astype(bool)
    pred = s >= threshold
    tp = int((pred & y).sum())
    fp = int((pred & ~y).sum())
    fn = int((~pred & y).sum())
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def choose_threshold(scores, labels, min_precision: float = 0.95) -> float:
    """The lowest threshold (highest recall) whose precision on these pairs is at least `min_precision`, placed
    halfway to the next lower score so that the cut does not sit on a pair."""
    s = np.asarray(scores, dtype=float)
    cands = np.unique(np.round(s, 4))
    ok = [t for t in cands if precision_recall(s, labels, t)[0] >= min_precision]
    if not ok:
        return float(cands.max()) if len(cands) else 1.0
    best_rec = max(precision_recall(s, labels, t)[1] for t in ok)
    lo = min(t for t in ok if precision_recall(s, labels, t)[1] == best_rec)
    below = s[s < lo]
    return float((lo + below.max()) / 2) if len(below) else float(lo)


def choose_review_threshold(scores, labels, auto: float, min_band_precision: float = 1 / 3) -> float:
    """The lowest threshold whose band [threshold, auto) still holds at least `min_band_precision` true pairs: below
    it, a person would mostly be shown different shortcomings."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels).astype(bool)
    best = auto
    for t in np.unique(np.round(s[s < auto], 4)):
        band = (s >= t) & (s < auto)
        if band.any() and y[band].mean() >= min_band_precision:
            best = min(best, float(t))
    return best


# ───────────────────────────── file categories ─────────────────────────────

def category_of_label(label: object, cats: tuple[Category, ...] | None = None) -> str | None:
    """The code of a category written in a file's "Nhóm" column ("Công tác dân vận" → dan_van), or None.

    A code, a name or an alias of data/reference/shortcoming_categories.csv, compared without diacritics; a label
    that contains an alias (the longest wins) counts too."""
    key = match_key(label)
    if not key:
        return None
    best, best_len = None, 0
    for c in cats or taxonomy():
        if key == c.code.replace("_", " ") or key == match_key(c.name):
            return c.code
        for alias in (c.name, *c.aliases):
            a = match_key(alias)
            if a and f" {a} " in f" {key} " and len(a) > best_len:
                best, best_len = c.code, len(a)
    return best


# ───────────────────────────── chains ─────────────────────────────

def item_id(unit_code: str, year: int, thash: str) -> str:
    """The identity of one shortcoming of a unit-year, stable across reloads: unit, year and text hash."""
    return f"{unit_code}|{int(year)}|{thash}"


@dataclass
class ChainResult:
    links: pd.DataFrame     # the candidates with status (lien_ket | cho_xem_xet | bac_bo | khong_dung) and basis
    chains: pd.DataFrame    # item_id, chain_id, position, chain_length


def build_chains(items: pd.DataFrame, candidates: pd.DataFrame, decisions: pd.DataFrame | None = None,
                 auto: float = AUTO_THRESHOLD) -> ChainResult:
    """Chains of the same shortcoming across the reviews of a unit.

    items: item_id, year. candidates: from_id, to_id, year_from, year_to, score (+ any other columns, kept).
    decisions: from_id, to_id, decision (CONFIRMED | REJECTED) — the latest per pair.

    Year by year, each shortcoming may join one chain that ended in an earlier year. The evidence for joining is its
    best pair with *any* member of the chain: a wording drifts, and the best match may be the wording of two years
    before. Pairs a person confirmed join first, then pairs at or above `auto`, best first (each year without the
    shortcoming between the chain's last year and this one costs GAP_COST). A chain takes at most one shortcoming a
    year. A rejected pair is never evidence. An undecided pair below `auto` whose joining would extend a chain waits
    in the review queue (status cho_xem_xet).
    """
    ids = items["item_id"].to_numpy(dtype=object)
    n = len(ids)
    index = pd.Index(ids)
    cand = candidates.reset_index(drop=True).copy()
    f = index.get_indexer(cand["from_id"])
    t = index.get_indexer(cand["to_id"])
    decision = np.zeros(len(cand), dtype=np.int8)             # 0 none, 1 confirmed, 2 rejected
    if decisions is not None and len(decisions):
        dec = decisions.drop_duplicates(["from_id", "to_id"], keep="last")
        m = cand[["from_id", "to_id"]].merge(dec[["from_id", "to_id", "decision"]], how="left",
                                             on=["from_id", "to_id"])["decision"].to_numpy(dtype=object)
        decision[m == CONFIRMED] = 1
        decision[m == REJECTED] = 2
    score = cand["score"].to_numpy(dtype=float)
    year_to = cand["year_to"].to_numpy(dtype=np.int64)
    status = np.full(len(cand), "khong_dung", dtype=object)
    basis = np.full(len(cand), None, dtype=object)
    status[decision == 2] = "bac_bo"

    year = items["year"].to_numpy(dtype=np.int64)
    chain_of = np.arange(n)                 # chain = index of its first item
    tail_year = year.copy()                 # per chain head: year of its last item
    usable = (decision != 2) & (f >= 0) & (t >= 0)
    order = np.argsort(year_to, kind="stable")
    order = order[usable[order]]
    bounds = np.flatnonzero(np.diff(year_to[order])) + 1
    for grp in np.split(order, bounds):
        if not len(grp):
            continue
        y = year_to[grp[0]]
        ch = chain_of[f[grp]]
        ty = tail_year[ch]
        ok = ty < y
        grp, ch, ty = grp[ok], ch[ok], ty[ok]
        if not len(grp):
            continue
        conf = decision[grp] == 1
        eff = score[grp] - GAP_COST * (y - ty - 1)
        # best evidence per (chain, shortcoming), then the best options first
        o = np.lexsort((-eff, ~conf, t[grp], ch))
        grp, ch, conf, eff = grp[o], ch[o], conf[o], eff[o]
        first = np.ones(len(grp), dtype=bool)
        first[1:] = (ch[1:] != ch[:-1]) | (t[grp][1:] != t[grp][:-1])
        grp, ch, conf, eff = grp[first], ch[first], conf[first], eff[first]
        o = np.lexsort((-eff, ~conf))
        taken_chain, taken_item = set(), set()
        accepted = []
        for k, c, cf in zip(grp[o], ch[o], conf[o]):
            if not (cf or score[k] >= auto):
                continue
            if c in taken_chain or t[k] in taken_item:
                continue
            taken_chain.add(c)
            taken_item.add(t[k])
            accepted.append((k, c))
            status[k], basis[k] = "lien_ket", "xac_nhan" if cf else "tu_dong"
        for k, c in accepted:
            chain_of[t[k]] = c
            tail_year[c] = y
        for k, c, cf in zip(grp, ch, conf):
            if status[k] == "khong_dung" and not cf and score[k] < auto and c not in taken_chain \
                    and t[k] not in taken_item:
                status[k] = "cho_xem_xet"
    cand["status"] = status
    cand["basis"] = basis
    chains = pd.DataFrame({"item_id": ids, "chain_id": ids[chain_of], "year": year})
    chains = chains.sort_values(["chain_id", "year"], kind="stable")
    chains["position"] = chains.groupby("chain_id").cumcount()
    chains["chain_length"] = chains.groupby("chain_id")["item_id"].transform("size")
    return ChainResult(cand, chains.drop(columns=["year"]).reset_index(drop=True))


def split_decisions(chain: pd.DataFrame, item: str) -> list[dict]:
    """The decisions that take `item` out of its chain: 'different' for every pair of it with an earlier member
    (otherwise it would join again through another member's wording). chain: item_id, year, text (one chain)."""
    c = chain.set_index("item_id")
    y, text = c.at[item, "year"], c.at[item, "text"]
    return [{"from_id": i, "to_id": item, "decision": REJECTED, "text_from": r.text, "text_to": text}
            for i, r in c.iterrows() if r.year < y]


# ───────────────────────────── review suggestions ─────────────────────────────

_SUGGESTION_PREFIX = re.compile(
    r"^(?:(?:de nghi|yeu cau|goi y)\s+)?(?:tap trung\s+)?(?:kiem diem\s+)?(?:lam ro\s+)?(?:lam ro\s+)?"
    r"(?:trach nhiem\s+)?(?:cua\s+)?(?:tap the\s+)?(?:va\s+)?(?:ca nhan\s+)?(?:lien quan\s+)?"
    r"(?:trong viec|ve viec|doi voi|trong|ve|den)?\s*")


def suggestion_topic(text: object) -> str:
    """What a review suggestion is about, without its usual opening ("Kiểm điểm, làm rõ trách nhiệm trong …")."""
    return topic_of_key(match_key(text))


def topic_of_key(key: str) -> str:
    """suggestion_topic of a text whose match key is given."""
    rest = _SUGGESTION_PREFIX.sub("", key, count=1).strip()
    return rest if len(rest.split()) >= 2 else key
