"""Checks a file passes before any parser sees it — the same checks for the command line and for the import page.

A spreadsheet is parsed by python-calamine, which never runs macros; these checks refuse, with a Vietnamese message
for a clerk, what should not reach a parser at all:

- a file whose bytes are not what its name says (a program, a PDF, a picture renamed to .xlsx or .csv);
- an .xlsx that is not a real Office Open XML workbook (a zip with [Content_Types].xml and xl/workbook.xml);
- a zip bomb: too many members, a member that decompresses more than MAX_RATIO times its compressed size, or more
  than MAX_UNZIPPED bytes in all. The members are then really decompressed, counting bytes and checking each CRC,
  so sizes forged in the zip headers are caught too;
- a workbook with macros (xl/vbaProject.bin) or encrypted members;
- a text file that is not text (NUL bytes, other than a UTF-16 "Unicode Text" export).

check() raises FileRefused; etl.readers reports it as the FileError of that file (the rest of a load goes on).
"""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

MB = 1024 * 1024
MAX_UNZIPPED = int(os.environ.get("KIEMDIEM_MAX_UNZIPPED_MB", "500")) * MB   # all members of one workbook
MAX_RATIO = 100                  # a member above RATIO_FLOOR bytes may not expand more than this
RATIO_FLOOR = 10 * MB
MAX_MEMBERS = 10_000
MAX_TEXT = MAX_UNZIPPED          # a csv/tsv file

SPREADSHEET = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT = (".csv", ".tsv", ".txt", ".tab")

# What a renamed file really is, by its first bytes.
MAGIC = [
    (b"PK\x03\x04", "tệp nén zip (hoặc tệp Excel .xlsx)"),
    (b"PK\x05\x06", "tệp nén zip rỗng"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "tệp Excel cũ (.xls), Word cũ (.doc) hoặc tệp Excel có đặt mật khẩu"),
    (b"%PDF", "tệp PDF"),
    (b"MZ", "tệp chương trình (.exe)"),
    (b"\x7fELF", "tệp chương trình"),
    (b"\x89PNG", "tệp ảnh PNG"),
    (b"\xff\xd8\xff", "tệp ảnh JPEG"),
    (b"GIF8", "tệp ảnh GIF"),
    (b"Rar!", "tệp nén RAR"),
    (b"7z\xbc\xaf", "tệp nén 7z"),
    (b"\x1f\x8b", "tệp nén gzip"),
]
OLE = MAGIC[2][0]
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


# A parser lays a sheet out as a dense grid from A1 to its farthest cell: python-calamine allocates 32 bytes a cell and
# aborts the process (it cannot raise) when the machine has not that much. One cell at A1 and one at XFD1048576 is a
# 1.6 KB file that asks for 512 GB. The real extent is read from the cells' own references, not from the sheet's
# declared <dimension>, which can say anything (calamine ignores it). $KIEMDIEM_MAX_CELLS, default 20 million:
# ten times the largest office file we have seen (200,000 members × 10 columns).
MAX_CELLS = int(os.environ.get("KIEMDIEM_MAX_CELLS", str(20_000_000)))
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
# A cell or row reference (r="B12"). Without a leading \s the regex engine finds the literal r=" fast (0.3 s for
# 100 MB of sheet XML, against 1.7 s with it); a reference that this misses still meets the reader's memory limit.
_REF = re.compile(rb'r="([A-Z]{0,3})([0-9]{1,8})"')
# Any reference past column Z or at row 500,000 or beyond. Without one, a sheet is at most 26 × 499,999 = 13 million
# cells and the exact scan (2 s for 100 MB) is not needed: office files of any real size pass with the quick one.
QUICK_BOUND = 26 * 499_999
_FAR = re.compile(rb'r="(?:[A-Z]{2,3}[0-9]|[A-Z]?(?:[0-9]{7,}|[5-9][0-9]{5})")')


class _Extent:
    """The farthest row and column a worksheet's XML gives a cell or a row: a quick look for far references while the
    member is decompressed (feed), then, only if there is one, an exact scan (measure)."""

    def __init__(self) -> None:
        self.far = False
        self.rows = self.cols = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        if not self.far:
            self.far = _FAR.search(self._tail + chunk) is not None
            self._tail = chunk[-16:]

    def measure(self, member) -> None:
        letters: set[bytes] = set()
        tail = b""
        while chunk := member.read(MB):
            data = tail + chunk
            cut = data.rfind(b"<")        # a tag split between two chunks is scanned with the next one
            data, tail = (data[:cut], data[cut:]) if 0 < cut and len(data) - cut < 4096 else (data, b"")
            found = _REF.findall(data)
            if found:
                cols, rows = zip(*found)
                letters.update(cols)
                self.rows = max(self.rows, max(map(int, set(rows))))
        self.rows = max(self.rows, *(int(d) for _, d in _REF.findall(tail)), 0)
        letters.update(c for c, _ in _REF.findall(tail))
        for name in letters:
            col = 0
            for ch in name:
                col = col * 26 + ch - 64
            self.cols = max(self.cols, col)

    def cells(self) -> int:
        return self.rows * max(self.cols, 1)

    def corner(self) -> str:
        s, n = "", max(self.cols, 1)
        while n:
            n, r = divmod(n - 1, 26)
            s = chr(65 + r) + s
        return f"{s}{self.rows}"


def _vn(n: int) -> str:
    return f"{n:,}".replace(",", ".")     # 1.048.576, as a Vietnamese clerk reads it


class FileRefused(Exception):
    """Raised with a Vietnamese message; etl.readers turns it into FileError."""


def sniff(head: bytes) -> str | None:
    """What the first bytes say the file is, or None for anything else (text, most likely)."""
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    return None


def check(path: Path) -> None:
    """Raise FileRefused when the file must not be parsed."""
    suffix = path.suffix.lower()
    name = path.name
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if suffix in (".xlsx", ".xlsm", ".ods"):
        if not head.startswith(b"PK\x03\x04"):
            what = sniff(head)
            if head.startswith(OLE):
                raise FileRefused(f"Tệp {name} không phải tệp Excel .xlsx thật mà là {what} — mở bằng Excel và "
                                  "lưu lại dưới dạng Excel Workbook (.xlsx), không đặt mật khẩu")
            raise FileRefused(f"Tệp {name} có đuôi Excel nhưng không phải tệp Excel hợp lệ"
                              + (f" (nội dung là {what}, có thể bị đổi đuôi)" if what else
                                 " (có thể là tệp khác bị đổi đuôi)"))
        _check_zip(path, ods=suffix == ".ods")
    elif suffix == ".xls":
        if not head.startswith(OLE):
            what = sniff(head)
            raise FileRefused(f"Tệp {name} có đuôi .xls nhưng không phải tệp Excel hợp lệ"
                              + (f" (nội dung là {what})" if what else ""))
    elif suffix in TEXT:
        if path.stat().st_size > MAX_TEXT:
            raise FileRefused(f"Tệp {name} quá lớn ({path.stat().st_size // MB} MB, tối đa {MAX_TEXT // MB} MB)")
        if head.startswith(UTF16_BOMS):
            return
        what = sniff(head)
        if what:
            raise FileRefused(f"Tệp {name} không phải tệp văn bản CSV: nội dung là {what} (có thể bị đổi đuôi)")
        if b"\x00" in head:
            raise FileRefused(f"Tệp {name} không phải tệp văn bản CSV (có ký tự nhị phân)")


def _check_zip(path: Path, ods: bool = False) -> None:
    name = path.name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRefused(f"Tệp {name} có đuôi Excel nhưng không phải tệp Excel hợp lệ (tệp nén hỏng)") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise FileRefused(f"Tệp {name} chứa quá nhiều thành phần ({len(infos)}) — từ chối đọc")
        names = {i.filename for i in infos}
        if ods:
            if "content.xml" not in names:
                raise FileRefused(f"Tệp {name} không phải bảng tính OpenDocument hợp lệ")
        elif "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise FileRefused(f"Tệp {name} là tệp nén nhưng không phải tệp Excel hợp lệ (thiếu thành phần bảng tính)")
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise FileRefused(f"Tệp {name} chứa macro (VBA). Ứng dụng không nhận tệp có macro — mở bằng Excel và "
                              "lưu lại dưới dạng Excel Workbook (.xlsx)")
        if any(i.flag_bits & 0x1 for i in infos):
            raise FileRefused(f"Tệp {name} có thành phần được mã hóa — bỏ mật khẩu rồi lưu lại")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNZIPPED:
            raise FileRefused(f"Tệp {name} giải nén ra quá lớn ({total // MB} MB, tối đa {MAX_UNZIPPED // MB} MB) — "
                              "từ chối đọc")
        for i in infos:
            if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                raise FileRefused(f"Tệp {name} có dấu hiệu 'bom nén' (thành phần {i.filename} giải nén ra "
                                  f"{i.file_size // MB} MB từ {max(i.compress_size, 1) // 1024 + 1} KB) — từ chối đọc")
        # Decompress for real, counting: headers can lie; a CRC or size mismatch is a damaged or forged file.
        # Worksheets are scanned for the cells they really hold on the way (see _Extent).
        seen = 0
        try:
            for i in infos:
                extent = _Extent() if _WORKSHEET.fullmatch(i.filename) else None
                with zf.open(i) as member:
                    while chunk := member.read(MB):
                        seen += len(chunk)
                        if seen > MAX_UNZIPPED:
                            raise FileRefused(f"Tệp {name} giải nén ra quá lớn (hơn {MAX_UNZIPPED // MB} MB) — "
                                              "từ chối đọc")
                        if extent:
                            extent.feed(chunk)
                if extent and (extent.far or MAX_CELLS < QUICK_BOUND):
                    with zf.open(i) as member:
                        extent.measure(member)
                if extent and extent.cells() > MAX_CELLS:
                    raise FileRefused(
                        f"Tệp {name}: trang tính {i.filename.rsplit('/', 1)[-1]} có ô dữ liệu ở tận ô "
                        f"{extent.corner()} (vùng {_vn(extent.rows)} dòng × {_vn(extent.cols)} cột, tối đa "
                        f"{_vn(MAX_CELLS)} ô) — từ chối đọc. Mở bằng Excel, xóa các dòng, cột thừa ở cuối trang "
                        "rồi lưu lại")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as exc:
            raise FileRefused(f"Tệp {name} có đuôi Excel nhưng không phải tệp Excel hợp lệ (tệp nén hỏng: "
                              f"{type(exc).__name__})") from exc
