"""The `hiveparse` command: composes the command modules; no logic of its own."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import sys
from typing import NoReturn

import typer

from hiveparse import __version__
from hiveparse.errors import HiveparseError

from . import analyze, convert, export, info, query, recover, secrets, timebomb, verify
from .errors import (
    EXIT_INTERNAL,
    EXIT_OUTPUT,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    exit_code_for,
    say_error,
)

app = typer.Typer(
    name="hiveparse",
    help="Offline forensics for Windows registry evidence (hives and .reg files), "
    "focused on Remote Desktop Services licensing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    # -h as well as --help, here and (inherited through click's context) in every command.
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("analyze")(analyze.analyze)
app.command("schema")(analyze.schema)
app.command("query")(query.query)
app.command("export")(export.export)
app.command("info")(info.info)
app.command("verify")(verify.verify)
app.command("timebomb")(timebomb.timebomb)
app.command("convert")(convert.convert)
app.command("recover")(recover.recover)
app.command("secrets")(secrets.secrets)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"hiveparse {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Offline forensics for Windows registry evidence."""


class _ClosedBytes(io.RawIOBase):
    """The byte side of a closed standard output (``export`` writes bytes)."""

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


class _ClosedStream(io.TextIOBase):
    """Standard output when the process was started with it closed (``>&-``): writing to it
    is an output error, not an internal one."""

    buffer = _ClosedBytes()

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def isatty(self) -> bool:
        return False


# An OSError with one of these that reaches the top was met writing the output: reading
# evidence raises typed errors, and reading never fills a disk.
_OUTPUT_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EFBIG", "EROFS", "EBADF", "EIO")
    if hasattr(errno, name)
)


def run() -> None:
    """Console entry point: every error becomes one line and an exit code, never a traceback."""
    # A closed pipe (`| head`) ends the process quietly, as it does for any Unix filter.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    # Names keep unpaired surrogates (never altered); show them escaped, don't crash.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    exhausted: str | None = None
    try:
        code = app(standalone_mode=False)
        sys.stdout.flush()  # a full disk shows here, not in the interpreter's exit
    except HiveparseError as error:
        say_error(str(error))
        sys.exit(exit_code_for(error))
    except BrokenPipeError:
        sys.exit(0)
    except KeyboardInterrupt:
        say_error("interrupted")
        sys.exit(130)
    except (MemoryError, RecursionError) as error:
        # Input-driven exhaustion is the evidence's doing, not a bug: exit as unreadable.
        # Nothing more is done here: leaving the handler frees the traceback and all its
        # frames held, so that the message below has memory to be written with.
        exhausted = type(error).__name__
    except OSError as error:
        if error.errno not in _OUTPUT_ERRNOS:
            _internal(error)
        _quietly(sys.stdout)
        say_error(f"cannot write the output: {error.strerror or error}")
        sys.exit(EXIT_OUTPUT)
    except Exception as error:
        # typer may bring its own copy of click, so its usage errors are recognised by shape.
        if type(error).__name__ == "NoArgsIsHelpError":
            sys.stderr.write(error.format_message() + "\n")  # type: ignore[attr-defined]
            sys.exit(EXIT_USAGE)
        if hasattr(error, "format_message"):
            say_error(error.format_message())
            sys.exit(EXIT_USAGE)
        if type(error).__name__ == "Abort":
            say_error("aborted")
            sys.exit(130)
        _internal(error)
    if exhausted is not None:
        _quietly(sys.stdout)
        say_error(f"resource limit reached while reading the evidence ({exhausted})")
        sys.exit(EXIT_UNREADABLE)
    sys.exit(code if isinstance(code, int) else 0)


def _internal(error: BaseException) -> NoReturn:
    if os.environ.get("HIVEPARSE_DEBUG"):
        raise error
    say_error(f"internal error, please report it: {type(error).__name__}: {error}")
    sys.exit(EXIT_INTERNAL)


def _quietly(stream: object) -> None:
    """Drop what a failed output still buffers, so that the interpreter's own flush at exit
    cannot fail again and print a traceback."""
    sys.stdout = _ClosedStream()
    # The output already failed and was reported; closing may fail the same way.
    with contextlib.suppress(Exception):
        stream.close()  # type: ignore[attr-defined]
