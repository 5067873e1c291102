"""A progress line on stderr for long runs: cases done, their rate, and the time left.

Shown only where a person watches (stderr is a terminal) and not with ``--quiet``; redrawn
at most ten times a second, and cleared before any other line is written to stderr, so
that warnings and the bar never share a line.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

REDRAW_SECONDS = 0.1
CLEAR_LINE = "\r\x1b[K"


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    def __init__(self, total: int, *, enabled: bool, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.enabled = enabled
        self.done = 0
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.showing = False

    @classmethod
    def for_terminal(cls, total: int, *, quiet: bool) -> Progress:
        """Enabled when stderr is a terminal, ``quiet`` is off and there is more than one
        case."""
        return cls(total, enabled=not quiet and total > 1 and sys.stderr.isatty())

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        width = 24
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        left = "--:--:--" if self.done == 0 else _clock((self.total - self.done) / rate)
        return (
            f"[{bar}] {self.done}/{self.total} cases  {rate:.1f}/s  "
            f"{_clock(elapsed)} elapsed, {left} left"
        )

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.enabled and (now - self.drawn_at >= REDRAW_SECONDS or self.done == self.total):
            self.drawn_at = now
            width = shutil.get_terminal_size().columns - 1  # never wraps onto a new line
            self.stream.write(CLEAR_LINE + self.line()[:width])
            self.stream.flush()
            self.showing = True

    def clear(self) -> None:
        """Before another line goes to stderr, and at the end."""
        if self.showing:
            self.stream.write(CLEAR_LINE)
            self.stream.flush()
            self.showing = False
