"""The `hiveparse` command: composes the command modules; no logic of its own."""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import io
import os
import signal
import sys
from collections.abc import Iterable
from typing import NoReturn

import typer

from hiveparse import __version__

from .errors import INTERNAL, Form, Rule, rule_for, say_error

# Each command: the module of this package that defines it and its function, in the order
# --help lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "analyze": ("analyze", "analyze"),
    "schema": ("analyze", "schema"),
    "query": ("query", "query"),
    "export": ("export", "export"),
    "info": ("info", "info"),
    "verify": ("verify", "verify"),
    "timebomb": ("timebomb", "timebomb"),
    "convert": ("convert", "convert"),
    "recover": ("recover", "recover"),
    "secrets": ("secrets", "secrets"),
    "diff": ("diff", "diff"),
    "compare": ("compare", "compare"),
}


def build_app(names: Iterable[str] = COMMANDS) -> typer.Typer:
    """The command line with the commands ``names`` (all by default). A run that names its
    command gets an app of that command alone: typer builds the options of every command
    it holds before it starts (tens of milliseconds for all of them), and only the command
    run needs its module imported."""
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
    for name in names:
        module, function = COMMANDS[name]
        app.command(name)(getattr(importlib.import_module(f"{__package__}.{module}"), function))
    app.callback()(main)  # a group, whatever the number of commands
    return app


def __getattr__(name: str) -> typer.Typer:
    """``app``: every command (tests and tools that drive the command line in process)."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


def _app_for(arguments: list[str]) -> typer.Typer:
    """The app of the command the arguments name first, or of all (for --help, a typo)."""
    first = next((arg for arg in arguments if not arg.startswith("-")), None)
    return build_app([first] if first in COMMANDS else COMMANDS)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"hiveparse {__version__}\n")
        raise typer.Exit(0)


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


def run() -> None:
    """Console entry point: every error becomes what its rule in cli/errors.py says (one line
    and an exit code), never a traceback."""
    # A closed pipe (`| head`) ends the process quietly, as it does for any Unix filter.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    # Names keep unpaired surrogates (never altered); show them escaped, don't crash.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    # A walk allocates millions of short-lived, acyclic objects (records, tuples of cells):
    # the collector's young generation is run every 100,000 allocations instead of 700, and
    # the objects of start-up (modules, classes) are left out of its scans. Cycles are still
    # collected; this saves about a tenth of a whole-hive query.
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        code = _app_for(sys.argv[1:])(standalone_mode=False)
        sys.stdout.flush()  # a full disk shows here, not in the interpreter's exit
    except (Exception, KeyboardInterrupt) as error:
        rule = rule_for(error)
        if rule is INTERNAL and os.environ.get("HIVEPARSE_DEBUG"):
            raise
        # Nothing more is done here: without its traceback and chain, leaving the handler
        # frees every frame the error held (all a MemoryError's data), so that the message
        # has memory to be written with.
        failure = error.with_traceback(None)
        failure.__context__ = failure.__cause__ = None
    else:
        sys.exit(code if isinstance(code, int) else 0)
    _end(rule, failure)


def _end(rule: Rule, error: BaseException) -> NoReturn:
    if rule.drops_output:
        _quietly(sys.stdout)
    if rule.form is Form.LINE:
        say_error(rule.message(error))
    elif rule.form is Form.AS_IS:
        sys.stderr.write(rule.message(error) + "\n")
    sys.exit(rule.exit_code)


def _quietly(stream: object) -> None:
    """Drop what a failed output still buffers, so that the interpreter's own flush at exit
    cannot fail again and print a traceback."""
    sys.stdout = _ClosedStream()
    # The output already failed and was reported; closing may fail the same way.
    with contextlib.suppress(Exception):
        stream.close()  # type: ignore[attr-defined]
