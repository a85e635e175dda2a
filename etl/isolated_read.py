"""Reading a workbook in a separate, memory-limited process, so nothing a file does can take the server down.

python-calamine is Rust: when a workbook asks it for more memory than the machine has (one cell at A1 and one at
XFD1048576 is a 1.6 KB file that asks for 512 GB), it does not raise, it aborts the whole process — the Streamlit
server with every user's session, or a load half-way. etl/filecheck.py refuses the shapes we know of before any parser
runs; this module is the net for the ones we do not: the parse happens in a child process whose address space is
capped (RLIMIT_AS, $KIEMDIEM_READER_MEMORY_MB, default 2048) and whose time is capped ($KIEMDIEM_READER_SECONDS,
default 300). If the child dies, the parent raises ReadFailed with a message for a clerk; the server goes on.

The child sends the sheets back on stdout with marshal, which carries plain values only (str, int, float, bool, None,
lists, tuples); dates and times go as tagged ISO strings. Not pickle: if a file ever found a way to control the
child, what it sends back still could not run code in the server.

Run as `python -m etl.isolated_read PATH` only by read_workbook(); it imports nothing of the project but this module.
"""
from __future__ import annotations

import datetime as dt
import marshal
import os
import subprocess
import sys
from pathlib import Path

MEMORY_MB = int(os.environ.get("KIEMDIEM_READER_MEMORY_MB", "2048"))
SECONDS = int(os.environ.get("KIEMDIEM_READER_SECONDS", "300"))
_ROOT = Path(__file__).resolve().parent.parent
_PARSE_ERROR = 3          # the child's exit code when calamine raised (a damaged file), message on stderr


class ReadFailed(Exception):
    """The workbook could not be read; the message is Vietnamese, for a clerk."""


def read_workbook(path: Path) -> list[tuple[str, list[list[object]]]]:
    """[(sheet name, rows of raw cells)] of a workbook, parsed in a memory-limited child process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(_ROOT)
    try:
        done = subprocess.run([sys.executable, "-m", "etl.isolated_read", str(Path(path).resolve())], capture_output=True,
                              timeout=SECONDS, cwd=_ROOT, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise ReadFailed(f"Tệp {path.name}: đọc quá {SECONDS} giây nên đã dừng — tệp quá lớn hoặc có cấu trúc bất "
                         "thường. Mở bằng Excel, xóa các dòng, cột thừa rồi lưu lại") from exc
    if done.returncode == 0:
        try:
            tagged, sheets = marshal.loads(done.stdout)
            return [(name, [[_untag(c) for c in row] for row in rows] if tagged else rows) for name, rows in sheets]
        except Exception as exc:      # a child killed mid-write leaves a cut message
            raise ReadFailed(f"Tệp {path.name} không đọc được như tệp Excel (kết quả đọc bị cắt)") from exc
    err = done.stderr.decode("utf-8", errors="replace")
    if done.returncode == _PARSE_ERROR:
        kind = err.strip().splitlines()[-1] if err.strip() else "lỗi không rõ"
        raise ReadFailed(f"Tệp {path.name} không đọc được như tệp Excel ({kind})")
    if "memory allocation" in err or "MemoryError" in err or done.returncode in (-6, 134, -9, 137):
        raise ReadFailed(f"Tệp {path.name}: đọc tệp cần quá nhiều bộ nhớ (hơn {MEMORY_MB} MB) nên đã bị từ chối — "
                         "có thể tệp có ô dữ liệu nằm rất xa (ví dụ ở cột XFD, dòng 1.048.576). Mở bằng Excel, xóa "
                         "các dòng, cột thừa ở cuối trang rồi lưu lại")
    raise ReadFailed(f"Tệp {path.name} không đọc được như tệp Excel (trình đọc dừng với mã {done.returncode})")


_TYPES = {"datetime": dt.datetime, "date": dt.date, "time": dt.time}


def _tag(c):
    if isinstance(c, (dt.datetime, dt.date, dt.time)):
        return (type(c).__name__, c.isoformat())
    if isinstance(c, dt.timedelta):
        return ("timedelta", c.total_seconds())
    return c


def _untag(c):
    if type(c) is not tuple:
        return c
    kind, value = c
    if kind == "timedelta":
        return dt.timedelta(seconds=value)
    return _TYPES[kind].fromisoformat(value)


def _child(path: str) -> int:
    import resource
    limit = MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from python_calamine import CalamineWorkbook
    try:
        wb = CalamineWorkbook.from_path(path)
        sheets = [(n, wb.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in wb.sheet_names]
    except MemoryError:
        raise
    except Exception as exc:  # calamine raises its own types for corrupt files
        sys.stderr.write(type(exc).__name__ + "\n")
        return _PARSE_ERROR
    special = (dt.datetime, dt.date, dt.time, dt.timedelta)
    tagged = any(isinstance(c, special) for _, rows in sheets for row in rows for c in row)
    if tagged:
        sheets = [(name, [[_tag(c) for c in row] for row in rows]) for name, rows in sheets]
    sys.stdout.buffer.write(marshal.dumps((tagged, sheets)))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
