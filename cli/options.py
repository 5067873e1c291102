"""Options shared by several commands, declared once."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

F = TypeVar("F", bound=StrEnum)


class Format(StrEnum):
    JSON = "json"
    JSONL = "jsonl"
    TABLE = "table"


class CarveScope(StrEnum):
    """hiveparse.rds.facts.Carve, declared here so --help needs no import of the analyzer."""

    NEAR = "near"
    ALL = "all"
    OFF = "off"


class GroupBy(StrEnum):
    """hiveparse.evidence.hosts.Grouping, declared here: --help imports no grouping code."""

    AUTO = "auto"
    FOLDER = "folder"
    NAME = "name"
    NONE = "none"


class Engine(StrEnum):
    HIVEPARSE = "hiveparse"
    REGIPY = "regipy"
    PYTHON_REGISTRY = "python-registry"


class Peer(StrEnum):
    """The peer engines `verify` compares with (hiveparse.engines)."""

    REGIPY = "regipy"
    PYTHON_REGISTRY = "python-registry"


class FailOn(StrEnum):
    """Finding severities, least severe first (hiveparse.rds findings)."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


EvidenceArg = Annotated[
    Path,
    typer.Argument(
        help="A hive file (SYSTEM, SOFTWARE, NTUSER.DAT, ...) or a .reg file.",
        readable=False,  # an unreadable file is evidence that cannot be read (exit 4)
    ),
]
KeyArg = Annotated[
    str | None,
    typer.Argument(
        help="Key path as typed for reg.exe (HKLM\\SYSTEM\\CurrentControlSet\\...), or a "
        "path inside the hive. Default: the root."
    ),
]
FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format (default: table on a terminal, json in a pipe or to an -o file).",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the report to this new file instead of stdout: never over, beside or "
        "inside the evidence, never over an existing file, whole or not at all.",
    ),
]
EngineOpt = Annotated[
    Engine,
    typer.Option("--engine", help="Hive reader: our own (default) or a peer library."),
]


def _checked_encoding(name: str | None) -> str | None:
    """--encoding is checked before any file is read: a name that is no character encoding
    is the caller's mistake (exit 2), not something wrong with each evidence file."""
    if name is not None:
        from hiveparse.sources.regtext.decoding import normalise_codec  # noqa: PLC0415

        normalise_codec(name)
    return name


EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Code page of ANSI .reg files (REGEDIT4), e.g. cp1252 (default).",
        callback=_checked_encoding,
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Stop at the first anomaly instead of recording it."),
]
NoLogsOpt = Annotated[
    bool,
    typer.Option("--no-logs", help="Do not replay transaction logs of dirty hives."),
]


def chosen_format(requested: Format | None, output: Path | None = None) -> Format:
    """The format asked for; else a table for a person (stdout on a terminal), JSON for a
    program (stdout in a pipe, or an -o file)."""
    if requested is not None:
        return requested
    if output is None and sys.stdout.isatty():
        return Format.TABLE
    return Format.JSON


def chosen_of(requested: F | None, output: Path | None, *, table: F, document: F) -> F:
    """A command with formats of its own: what was asked for, else ``table`` where
    :func:`chosen_format` would write a table and ``document`` (its JSON) elsewhere."""
    if requested is not None:
        return requested
    return table if chosen_format(None, output) == Format.TABLE else document


SideArg = Annotated[
    Path,
    typer.Argument(
        help="One machine's evidence: a folder (a volume, a collection, a ticket), a hive "
        "or a .reg file.",
        readable=False,
    ),
]
