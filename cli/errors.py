"""One table from exceptions to one-line messages and exit codes (DESIGN.md): :data:`RULES`,
which the entry point (cli/main.py) only looks up."""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

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

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it


class ClosedPipe(Exception):
    """The reader of standard output went away (``| head``). Raised in place of
    BrokenPipeError, an OSError that click would turn into exit 1 on its own: a command
    holding private copies of evidence ignores SIGPIPE so that they are removed first."""


class Form(Enum):
    """How a rule's message reaches stderr."""

    LINE = "line"  # one line: ``hiveparse: error: MESSAGE``
    AS_IS = "as-is"  # click's own usage text, as click prints it
    SILENT = "silent"  # nothing at all


@dataclass(frozen=True)
class Rule:
    """How one kind of exception ends the process: its message, its exit code, and what is
    done first. ``when`` narrows ``kind`` (an errno, a class recognised by name)."""

    kind: type[BaseException]
    exit_code: int
    message: Callable[[BaseException], str]
    when: Callable[[BaseException], bool] = lambda _error: True
    form: Form = Form.LINE
    # The output failed (or holds a partial report): drop what it still buffers, so that the
    # interpreter's own flush at exit cannot fail again with a traceback.
    drops_output: bool = False
    # The message is written only after the handler is left: leaving it frees the traceback
    # and every frame it held, so that there is memory to write the message with.
    after_release: bool = False

    def matches(self, error: BaseException) -> bool:
        return isinstance(error, self.kind) and self.when(error)


# An OSError with one of these that reaches the top was met writing the output: reading
# evidence raises typed errors, and reading never fills a disk.
_OUTPUT_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EFBIG", "EROFS", "EBADF", "EIO")
    if hasattr(errno, name)
)


def _named(name: str) -> Callable[[BaseException], bool]:
    """typer may bring its own copy of click, so click's exceptions are known by name."""
    return lambda error: type(error).__name__ == name


def _click_message(error: BaseException) -> str:
    return str(error.format_message())  # type: ignore[attr-defined]


def _strerror(error: BaseException) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)


INTERNAL = Rule(
    BaseException,
    EXIT_INTERNAL,
    lambda error: f"internal error, please report it: {type(error).__name__}: {error}",
)

# The first rule that matches decides; whatever none matches is a bug (INTERNAL).
RULES: tuple[Rule, ...] = (
    Rule(OutputError, EXIT_OUTPUT, str),
    Rule(UsageError, EXIT_USAGE, str),
    Rule(EvidenceError, EXIT_UNREADABLE, str),
    Rule(HiveparseError, EXIT_UNREADABLE, str),
    # A closed pipe (`| head`) ends the process quietly, as it does for any Unix filter.
    Rule(BrokenPipeError, EXIT_OK, str, form=Form.SILENT),
    Rule(ClosedPipe, EXIT_OK, str, form=Form.SILENT, drops_output=True),
    Rule(KeyboardInterrupt, EXIT_INTERRUPTED, lambda _error: "interrupted"),
    # Input-driven exhaustion is the evidence's doing, not a bug: exit as unreadable.
    *(
        Rule(
            kind,
            EXIT_UNREADABLE,
            lambda error: (
                f"resource limit reached while reading the evidence ({type(error).__name__})"
            ),
            drops_output=True,
            after_release=True,
        )
        for kind in (MemoryError, RecursionError)
    ),
    Rule(
        OSError,
        EXIT_OUTPUT,
        lambda error: f"cannot write the output: {_strerror(error)}",
        when=lambda error: isinstance(error, OSError) and error.errno in _OUTPUT_ERRNOS,
        drops_output=True,
    ),
    # click's usage errors: running a command without its arguments shows its usage as is.
    Rule(Exception, EXIT_USAGE, _click_message, when=_named("NoArgsIsHelpError"), form=Form.AS_IS),
    Rule(Exception, EXIT_USAGE, _click_message, when=lambda e: hasattr(e, "format_message")),
    Rule(Exception, EXIT_INTERRUPTED, lambda _error: "aborted", when=_named("Abort")),
)


def rule_for(error: BaseException) -> Rule:
    return next((rule for rule in RULES if rule.matches(error)), INTERNAL)


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
