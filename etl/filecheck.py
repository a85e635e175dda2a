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
        seen = 0
        try:
            for i in infos:
                with zf.open(i) as member:
                    while chunk := member.read(MB):
                        seen += len(chunk)
                        if seen > MAX_UNZIPPED:
                            raise FileRefused(f"Tệp {name} giải nén ra quá lớn (hơn {MAX_UNZIPPED // MB} MB) — "
                                              "từ chối đọc")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as exc:
            raise FileRefused(f"Tệp {name} có đuôi Excel nhưng không phải tệp Excel hợp lệ (tệp nén hỏng: "
                              f"{type(exc).__name__})") from exc
