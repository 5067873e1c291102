"""Replays ``tests/regressions/regtext``: only HiveparseError may escape, and quickly.

Also the hostile shapes that would make a naive parser quadratic (a long run of backslashes
in an unterminated string, of blanks, of a Windows 3.1 key name)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from hiveparse.errors import HiveparseError
from hiveparse.sources.regtext import parse_reg_bytes

REGRESSIONS = Path(__file__).resolve().parents[2] / "regressions" / "regtext"
# Hang guards, not speed tests (speed is measured in benchmarks/): every input here takes
# well under a second, and quadratic work on its megabytes would take hours.
HANG_SECONDS = 60


def _inputs() -> list[Path]:
    return sorted(p for p in REGRESSIONS.iterdir() if p.is_file() and p.suffix != ".md")


def _parse_quietly(data: bytes, strict: bool, max_line_length: int = 1 << 20) -> None:
    with contextlib.suppress(HiveparseError):
        parse_reg_bytes(data, strict=strict, max_line_length=max_line_length)


def test_there_are_regressions() -> None:
    assert len(_inputs()) >= 5


@pytest.mark.parametrize("path", _inputs(), ids=lambda p: p.name)
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_regression_input(path: Path, strict: bool) -> None:
    start = time.perf_counter()
    _parse_quietly(path.read_bytes(), strict, max_line_length=4096)
    assert time.perf_counter() - start < HANG_SECONDS


@pytest.mark.parametrize(
    "line",
    [
        '"' + "\\\\" * 1_000_000,  # escapes, no closing quote
        '"a"="' + "\\q" * 500_000 + '"',  # unknown escapes, each a (capped) diagnostic
        " " * 2_000_000 + "x",
        '"a"=hex:' + "1," * 1_000_000,
        '"a"=hex:' + " ," * 1_000_000,
        "[HKEY_CURRENT_USER\\" + "\\" * 2_000_000 + "]",
        "[" + "x" * 2_000_000 + "]",
    ],
    ids=[
        "backslashes",
        "unknown-escapes",
        "blanks",
        "one-digit-bytes",
        "blank-commas",
        "key-backslashes",
        "long-root",
    ],
)
def test_long_hostile_lines_are_linear(line: str) -> None:
    data = ("REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n" + line + "\r\n").encode()
    start = time.perf_counter()
    for strict in (True, False):
        _parse_quietly(data, strict, max_line_length=4 << 20)
    assert time.perf_counter() - start < HANG_SECONDS


def test_long_win31_line_is_linear() -> None:
    data = b"REGEDIT\r\nHKEY_CLASSES_ROOT\\" + b"x" * 2_000_000 + b" = y\r\n"
    start = time.perf_counter()
    _parse_quietly(data, False, max_line_length=4 << 20)
    assert time.perf_counter() - start < HANG_SECONDS
