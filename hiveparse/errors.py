"""One exception tree and diagnostics as data.

Every failure the library reports is a :class:`HiveparseError`. Evidence problems carry the
file and the place (byte offset, or line and column for text) so that the command line can
print exactly one clear line. What is not fatal is a :class:`Diagnostic` on the result.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from enum import StrEnum


def printable(text: str) -> str:
    """``text`` for a terminal or a one-line message: control characters (ESC, newlines and
    the rest) shown escaped, so that names read from hostile evidence cannot move the
    cursor, retitle the window or start a line of their own."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def quoted(text: str) -> str:
    """``text`` in double quotes for a message, as it is (a key path keeps single
    backslashes, unlike ``repr``), control characters escaped so it stays one line."""
    return f'"{printable(text)}"'


def shown_bytes(data: bytes) -> str:
    """Bytes for a message: hex, with the ASCII letters beside them when there are any."""
    letters = "".join(chr(b) if 32 <= b < 127 else "." for b in data)
    return f"{data.hex()} ({letters!s})" if any(32 < b < 127 for b in data) else data.hex()


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a piece of evidence something was seen."""

    source: str | None = None
    offset: int | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.source is not None:
            # One line, always: control characters in a path are shown escaped.
            parts.append(
                self.source.encode("unicode_escape", "backslashreplace").decode("ascii")
                if not self.source.isprintable()
                else self.source
            )
        if self.line is not None:
            parts.append(
                f"{self.line}:{self.column}" if self.column is not None else str(self.line)
            )
        if self.offset is not None:
            parts.append(f"offset 0x{self.offset:x}")
        return ": ".join(parts)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A non-fatal observation about the evidence (an anomaly, a repaired value, ...).

    ``code`` is a stable dotted identifier (``regf.checksum_mismatch``) that tests and
    scripts can match; ``message`` is for people.
    """

    code: str
    message: str
    location: Location = Location()
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        where = str(self.location)
        return (
            f"{where}: {self.message} [{self.code}]" if where else f"{self.message} [{self.code}]"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "source": self.location.source,
            "offset": self.location.offset,
            "line": self.location.line,
            "column": self.location.column,
        }


class HiveparseError(Exception):
    """Root of every error hiveparse raises."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        offset: int | None = None,
        line: int | None = None,
        column: int | None = None,
        engine: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = Location(source, offset, line, column)
        self.engine = engine

    def __str__(self) -> str:
        where = str(self.location)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} (engine {self.engine})" if self.engine else text


class UsageError(HiveparseError):
    """The caller asked for something that cannot be done (bad path syntax, bad option)."""


class KeyNotFound(UsageError):
    """A key path that the evidence does not hold."""


class EvidenceError(HiveparseError):
    """The evidence could not be read as asked."""


class OutputError(HiveparseError):
    """The output could not be written: a full or read-only file system, a closed standard
    output. Nothing partial is left at an output path."""


# Writing failed because of where the caller asked to write (no such folder, no permission):
# the caller's to fix. Anything else (a full or read-only file system, an I/O error) is the
# output's failure.
_CALLERS_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.ENOENT, errno.ENOTDIR, errno.EISDIR})


def write_failure(output: str, error: OSError) -> HiveparseError:
    """The typed error for an OSError met creating or writing ``output``."""
    message = f"cannot write {output!r}: {error.strerror or error}"
    if error.errno in _CALLERS_ERRNOS:
        return UsageError(message)
    return OutputError(message)


class NotRegf(EvidenceError):
    """The input is not a REGF hive (nor any format we read)."""


class Truncated(EvidenceError):
    """The input ends before a structure it announces."""


class CorruptStructure(EvidenceError):
    """A structure is present but inconsistent beyond what can be read safely."""


class Unsupported(EvidenceError):
    """A well-formed structure of a kind or version this version does not read."""


class ResourceLimit(EvidenceError):
    """A budget (cells, depth, bytes, line length) was exceeded."""


class Timeout(EvidenceError):
    """Reading did not finish within the wall-clock budget."""


class RegSyntaxError(EvidenceError):
    """A .reg file line that is not valid .reg syntax (carries line and column)."""


class RegEncodingError(EvidenceError):
    """A .reg file whose bytes cannot be decoded with the chosen or detected encoding."""


class EngineError(EvidenceError):
    """A peer engine (regipy, python-registry) failed; its exception is chained."""
