"""`hiveparse export`: the .reg file regedit would write for a hive or one of its keys."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .errors import EXIT_OK, EXIT_PARTIAL
from .options import (
    EncodingOpt,
    Engine,
    EngineOpt,
    EvidenceArg,
    KeyArg,
    NoLogsOpt,
    StrictOpt,
)


def export(
    evidence: EvidenceArg,
    key: KeyArg = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    regedit4: Annotated[
        bool, typer.Option("--regedit4", help="REGEDIT4 (ANSI) instead of version 5 (UTF-16).")
    ] = False,
    engine: EngineOpt = Engine.HIVEPARSE,
    encoding: EncodingOpt = None,
    strict: StrictOpt = False,
    no_logs: NoLogsOpt = False,
) -> None:
    """Export KEY (default: the whole hive) as regedit does: UTF-16LE, BOM, CRLF, wrapped hex."""
    from hiveparse.errors import UsageError  # noqa: PLC0415
    from hiveparse.evidence import open_evidence  # noqa: PLC0415
    from hiveparse.regexport import export_reg  # noqa: PLC0415
    from hiveparse.registry import Registry  # noqa: PLC0415
    from hiveparse.report.records import is_partial  # noqa: PLC0415

    if output is not None and output.exists() and output.samefile(evidence):
        raise UsageError(f"refusing to write over the evidence file {str(evidence)!r}")
    opened = open_evidence(
        evidence, engine=str(engine), encoding=encoding, strict=strict, apply_logs=not no_logs
    )
    located = Registry([opened]).locate(key)
    if output is None:
        sink = sys.stdout.buffer
        for found in located:
            export_reg(found.key, found.mounted.mount, sink, regedit4=regedit4)
        sink.flush()
    else:
        if output.exists():
            raise UsageError(f"{str(output)!r} exists; choose another output file")
        with output.open("xb") as sink:
            for found in located:
                export_reg(found.key, found.mounted.mount, sink, regedit4=regedit4)
    raise typer.Exit(EXIT_PARTIAL if is_partial(opened.all_diagnostics) else EXIT_OK)
