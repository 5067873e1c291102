"""The `hiveparse` command: composes the command modules; no logic of its own."""

from __future__ import annotations

import io
import os
import signal
import sys

import typer

from hiveparse import __version__
from hiveparse.errors import HiveparseError

from . import analyze, convert, export, info, query, recover, secrets, timebomb, verify
from .errors import EXIT_INTERNAL, EXIT_UNREADABLE, EXIT_USAGE, exit_code_for, say_error

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


def run() -> None:
    """Console entry point: every error becomes one line and an exit code, never a traceback."""
    # A closed pipe (`| head`) ends the process quietly, as it does for any Unix filter.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # Names keep unpaired surrogates (never altered); show them escaped, don't crash.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        code = app(standalone_mode=False)
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
        say_error(f"resource limit reached while reading the evidence ({type(error).__name__})")
        sys.exit(EXIT_UNREADABLE)
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
        if os.environ.get("HIVEPARSE_DEBUG"):
            raise
        say_error(f"internal error, please report it: {type(error).__name__}: {error}")
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)
