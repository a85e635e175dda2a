"""The command lines' progress bar."""
from __future__ import annotations

import sys


class Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal, so logs stay clean)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def __call__(self, msg: str, frac: float) -> None:
        if not self.tty:
            return
        width = 30
        done = int(width * frac)
        sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {int(frac * 100):3d}% {msg[:50]:<50}")
        if frac >= 1:
            sys.stderr.write("\n")
        sys.stderr.flush()
