"""`hiveparse info`: what a piece of evidence is, and what is wrong with it."""

from __future__ import annotations

from typing import Annotated

import typer

from .errors import EXIT_OK, EXIT_PARTIAL, say_problems
from .options import (
    EncodingOpt,
    EvidenceArg,
    Format,
    FormatOpt,
    NoLogsOpt,
    OutputOpt,
    chosen_format,
)
from .output import open_output


def info(
    evidence: EvidenceArg,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
    encoding: EncodingOpt = None,
    no_logs: NoLogsOpt = False,
    quick: Annotated[
        bool, typer.Option("--quick", help="Skip the full walk that collects anomalies.")
    ] = False,
) -> None:
    """Format, hive type, header, checksum, sequence numbers, dirty state, logs, anomalies."""
    from hiveparse.report.evidence_summary import info_report  # noqa: PLC0415 - fast --help
    from hiveparse.report.render import write_json, write_jsonl  # noqa: PLC0415
    from hiveparse.report.tables import write_info_table  # noqa: PLC0415

    fmt = chosen_format(output_format, output)
    with open_output(output, [evidence]) as sink:
        document, diagnostics = info_report(
            evidence, encoding=encoding, apply_logs=not no_logs, walk_all=not quick
        )
        if fmt == Format.JSON:
            write_json(document, sink)
        elif fmt == Format.JSONL:
            write_jsonl([document], sink)
        else:
            write_info_table(document, sink)
    if fmt == Format.TABLE:
        say_problems(diagnostics)
    raise typer.Exit(EXIT_PARTIAL if document["partial"] else EXIT_OK)
