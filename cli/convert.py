"""`hiveparse convert`: a .reg file as REGF hive file(s) that any registry tool opens."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .errors import EXIT_OK, EXIT_PARTIAL, say_problems
from .options import EncodingOpt, Format, FormatOpt, StrictOpt, chosen_format
from .output import check_output, check_output_folder, create_output_folder, open_output

if TYPE_CHECKING:
    from datetime import datetime

    from hiveparse.errors import Diagnostic
    from hiveparse.export.convert import PlannedOutput, RegConversion, WrittenHive


def convert(
    reg_file: Annotated[
        Path,
        typer.Argument(help="A .reg file (a regedit export or a change script).", readable=False),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help="The hive file to create; or a directory to get one file per hive mount "
            "(SYSTEM, SOFTWARE, NTUSER.DAT, ...): an existing one, or a new one written with "
            "a trailing / (created). Never overwritten, never inside the evidence's folder.",
        ),
    ],
    mount: Annotated[
        str | None,
        typer.Option(
            "--mount",
            help="Which hive mount to write when the .reg file names several: "
            "HKLM\\SOFTWARE, HKCU, HKCR, ... or a file name such as SOFTWARE.",
        ),
    ] = None,
    timestamp: Annotated[
        str | None,
        typer.Option(
            "--timestamp",
            help="Last-written time for every key (ISO 8601; UTC when no offset is given). "
            "Default: the .reg file's modification time.",
        ),
    ] = None,
    output_format: FormatOpt = None,
    encoding: EncodingOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Write the state a .reg file describes as REGF hive file(s) (deletions applied)."""
    from hiveparse.export.convert import (  # noqa: PLC0415 - fast --help
        convert_reg_file,
        plan_outputs,
    )
    from hiveparse.report.convert_report import (  # noqa: PLC0415
        convert_document,
        convert_summary_lines,
    )
    from hiveparse.report.records import is_partial  # noqa: PLC0415

    # A trailing slash names a directory, which is created when it does not exist yet.
    wants_folder = output.endswith(("/", os.sep, os.altsep or "/"))
    target = Path(output)
    folder = wants_folder or target.is_dir()
    create = check_output_folder(target, [reg_file])[1] if folder else False
    if not folder:
        check_output(target, [reg_file])
    conversion = convert_reg_file(
        reg_file, encoding=encoding, strict=strict, last_written=_parse_timestamp(timestamp)
    )
    planned = plan_outputs(conversion, target, mount=mount, directory=folder)
    written = _write(planned, target if create else None, reg_file)
    document = convert_document(conversion, written)
    # -o names the hives, so the report goes to stdout (through the one output policy).
    fmt = chosen_format(output_format)
    notes = _problems(conversion, written)
    with open_output(None, [reg_file]) as sink:
        if fmt == Format.TABLE:
            for line in convert_summary_lines(conversion, written):
                sink.write(line + "\n")
            if notes:
                sink.write(f"{len(notes)} warning(s) on stderr (--format json lists them)\n")
        else:
            from hiveparse.report.render import write_json, write_jsonl  # noqa: PLC0415

            if fmt == Format.JSONL:
                write_jsonl(document["outputs"], sink)
            else:
                write_json(document, sink)
    if fmt == Format.TABLE:
        say_problems(notes)
    raise typer.Exit(EXIT_PARTIAL if is_partial(list(conversion.diagnostics)) else EXIT_OK)


def _write(
    planned: list[PlannedOutput], new_folder: Path | None, reg_file: Path
) -> list[WrittenHive]:
    """Check every planned file against the output policy, then write them all (creating
    ``new_folder`` first); on failure nothing written here is left behind."""
    from hiveparse.export.convert import write_outputs  # noqa: PLC0415

    if new_folder is not None:
        create_output_folder(new_folder)
    try:
        for item in planned:
            check_output(item.path, [reg_file])
        return write_outputs(planned)
    except BaseException:
        if new_folder is not None:
            with contextlib.suppress(OSError):
                new_folder.rmdir()  # only when empty: write_outputs removed its own files
        raise


def _problems(conversion: RegConversion, written: list[WrittenHive]) -> list[Diagnostic]:
    """The warnings and errors of the conversion and of each hive written, once each."""
    notes = [*conversion.diagnostics, *(d for item in written for d in item.hive.diagnostics)]
    return [note for note in dict.fromkeys(notes) if note.severity != "info"]


def _parse_timestamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    from datetime import UTC, datetime  # noqa: PLC0415

    from hiveparse.errors import UsageError  # noqa: PLC0415

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--timestamp {text!r} is not an ISO 8601 time such as 2024-05-01T12:00:00Z"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
