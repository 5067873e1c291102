"""`hiveparse recover`: deleted keys and values carved from a hive's unused space."""

from __future__ import annotations

import typer

from .errors import EXIT_OK, EXIT_PARTIAL, say_problems
from .options import EvidenceArg, Format, FormatOpt, KeyArg, NoLogsOpt, OutputOpt, chosen_format
from .output import open_output


def recover(
    evidence: EvidenceArg,
    key: KeyArg = None,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
    no_logs: NoLogsOpt = False,
) -> None:
    """Deleted keys and values (with their data where it survives) from free cells, cell
    slack and the remnant after the hive bins. With KEY: deleted keys at or below it."""
    from hiveparse.report.recovered import recover_report  # noqa: PLC0415 - fast --help

    fmt = chosen_format(output_format, output)
    with open_output(output, [evidence]) as sink:
        document, diagnostics = recover_report(evidence, key, apply_logs=not no_logs)
        if fmt == Format.TABLE:
            from hiveparse.report.tables import write_recover_table  # noqa: PLC0415

            write_recover_table(document, sink)
        elif fmt == Format.JSONL:
            from hiveparse.report.render import write_jsonl  # noqa: PLC0415

            write_jsonl(
                [
                    *document["keys"],
                    *document["values_of_live_keys"],
                    *document["values_without_key"],
                ],
                sink,
            )
        else:
            from hiveparse.report.render import write_json  # noqa: PLC0415

            write_json(document, sink)
    if fmt != Format.JSON:
        say_problems(diagnostics)
    raise typer.Exit(EXIT_PARTIAL if document["partial"] else EXIT_OK)
