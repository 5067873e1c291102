"""One table from exceptions to one-line messages and exit codes (DESIGN.md)."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from hiveparse.errors import (
    Diagnostic,
    EvidenceError,
    HiveparseError,
    OutputError,
    Severity,
    UsageError,
    printable,
)

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_UNREADABLE = 4
EXIT_INTERNAL = 70  # a bug in hiveparse (EX_SOFTWARE); never expected
EXIT_OUTPUT = 74  # the output could not be written (EX_IOERR): disk full, stdout closed

_EXIT_BY_ERROR: tuple[tuple[type[HiveparseError], int], ...] = (
    (OutputError, EXIT_OUTPUT),
    (UsageError, EXIT_USAGE),
    (EvidenceError, EXIT_UNREADABLE),
    (HiveparseError, EXIT_UNREADABLE),
)


def exit_code_for(error: HiveparseError) -> int:
    for kind, code in _EXIT_BY_ERROR:
        if isinstance(error, kind):
            return code
    return EXIT_UNREADABLE


def say(kind: str, message: str) -> None:
    """Print ``hiveparse: KIND: MESSAGE`` as one line on stderr, whatever the terminal's
    encoding can show."""
    line = f"hiveparse: {kind}: {printable(message)}\n"  # one line, whatever a name holds
    sys.stderr.buffer.write(line.encode(sys.stderr.encoding or "utf-8", "backslashreplace"))
    sys.stderr.flush()


def say_error(message: str) -> None:
    say("error", message)


def say_warning(message: str) -> None:
    say("warning", message)


def say_problems(diagnostics: Iterable[Diagnostic]) -> None:
    """Every warning and error once, one line each on stderr: for outputs that do not carry
    diagnostics (tables, JSON Lines of records, .reg), so an exit 3 never comes silently."""
    for note in dict.fromkeys(diagnostics):
        if note.severity != Severity.INFO:
            say(str(note.severity), str(note))
