"""`hiveparse info`: what a piece of evidence is, and what is wrong with it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from hiveparse.errors import printable, quoted

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
from .output import TableLines, open_output


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
    from hiveparse.evidence.open import open_evidence  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415
    from hiveparse.report.evidence_summary import summarise_evidence  # noqa: PLC0415
    from hiveparse.report.render import write_json, write_jsonl  # noqa: PLC0415

    fmt = chosen_format(output_format, output)
    with open_output(output, [evidence]) as sink:
        opened = open_evidence(evidence, encoding=encoding, apply_logs=not no_logs)
        summary = summarise_evidence(opened, walk_all=not quick, logs_beside=Path(evidence))
        document = records.envelope(
            [opened],
            summary,
            partial=records.is_partial(opened.all_diagnostics),
            diagnostics=opened.all_diagnostics,
        )
        if fmt == Format.JSON:
            write_json(document, sink)
        elif fmt == Format.JSONL:
            write_jsonl([document], sink)
        else:
            _write_text(document, sink)
    if fmt == Format.TABLE:
        say_problems(opened.all_diagnostics)
    raise typer.Exit(EXIT_PARTIAL if document["partial"] else EXIT_OK)


def _write_text(document: dict[str, Any], sink: TextIO) -> None:
    out = TableLines(sink)
    evidence = document["evidence"][0]
    out.write(f"{evidence['path']}\n")
    out.write(f"  format     {evidence['format']}   size {evidence['size']}\n")
    out.write(f"  sha256     {evidence['sha256']}\n")
    for mount in document.get("hives", []):
        out.write(f"  hive       {mount['hive']} mounted at {mount['mount']}\n")
        out.write(f"             {mount['keys']} keys, {mount['values']} values\n")
    header = document.get("header")
    if header:
        out.write(
            f"  header     version {header['version']}, sequence "
            f"{header['primary_sequence']}/{header['secondary_sequence']}, "
            f"checksum {'ok' if header['checksum_ok'] else 'BAD'}, "
            f"last written {header['last_written']}\n"
        )
        out.write(f"  embedded   {quoted(header['embedded_file_name'] or '')}\n")
    origin = document.get("written_by")
    if origin:
        out.write(
            f"  written by {origin['tool']} {origin['version']} from "
            f"{quoted(origin['source_name'])} "
            f"(sha256 {origin['source_sha256']}), every key stamped "
            f"{origin['last_written_time']}\n"
        )
    if "dirty" in document:
        dirty = {True: "yes", False: "no", None: "unknown"}[document["dirty"]]
        out.write(f"  dirty      {dirty}\n")
        out.write(f"  logs found {', '.join(document['logs_found']) or '-'}\n")
        for refused in document.get("logs_refused", []):
            out.write(f"  not used   {printable(refused['path'])}: {refused['reason']}\n")
        out.write(f"  applied    {', '.join(document['logs_applied']) or '-'}\n")
    diagnostics = document["diagnostics"]
    out.write(f"  anomalies  {len(diagnostics)}\n")
    for item in diagnostics[:50]:
        where = f" @0x{item['offset']:x}" if item.get("offset") is not None else ""
        line = f":{item['line']}" if item.get("line") is not None else ""
        out.write(f"    [{item['severity']}] {item['code']}{where}{line}: {item['message']}\n")
    if len(diagnostics) > 50:
        out.write(f"    ... {len(diagnostics) - 50} more (use --format json)\n")
