"""`hiveparse export`: the .reg file regedit would write for a hive or one of its keys."""

from __future__ import annotations

from typing import Annotated

import typer

from .errors import EXIT_OK, EXIT_PARTIAL, say_problems
from .options import (
    EncodingOpt,
    Engine,
    EngineOpt,
    EvidenceArg,
    KeyArg,
    NoLogsOpt,
    OutputOpt,
    StrictOpt,
)
from .output import open_output


def export(
    evidence: EvidenceArg,
    key: KeyArg = None,
    output: OutputOpt = None,
    regedit4: Annotated[
        bool, typer.Option("--regedit4", help="REGEDIT4 (ANSI) instead of version 5 (UTF-16).")
    ] = False,
    engine: EngineOpt = Engine.HIVEPARSE,
    encoding: EncodingOpt = None,
    strict: StrictOpt = False,
    no_logs: NoLogsOpt = False,
) -> None:
    """Export KEY (default: the whole hive) as regedit does: UTF-16LE, BOM, CRLF, wrapped hex."""
    from hiveparse.evidence.open import open_evidence  # noqa: PLC0415
    from hiveparse.evidence.registry import Registry  # noqa: PLC0415
    from hiveparse.export.regfile import export_reg_many  # noqa: PLC0415
    from hiveparse.report.records import is_partial  # noqa: PLC0415

    with open_output(output, [evidence], binary=True) as sink:
        opened = open_evidence(
            evidence, engine=str(engine), encoding=encoding, strict=strict, apply_logs=not no_logs
        )
        located = Registry([opened]).locate(key)
        items = [(found.key, found.mounted.mount) for found in located]
        export_reg_many(items, sink, regedit4=regedit4, notes=opened.diagnostics)
    say_problems(opened.all_diagnostics)
    raise typer.Exit(EXIT_PARTIAL if is_partial(opened.all_diagnostics) else EXIT_OK)
