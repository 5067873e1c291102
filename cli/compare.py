"""`hiveparse compare`: the effective RDS settings of two machines side by side."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from .errors import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL, say_problems
from .options import EncodingOpt, Engine, EngineOpt, OutputOpt, SideArg, chosen_of
from .output import open_output


class CompareFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"


def compare(
    a: SideArg,
    b: SideArg,
    output_format: Annotated[
        CompareFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: table on a terminal, json in a pipe or to an -o "
            "file); jsonl: one line per setting; csv: one row per setting.",
        ),
    ] = None,
    output: OutputOpt = None,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="The table also lists the settings that are the same and those expected to "
            "differ (json, jsonl and csv always hold every setting).",
        ),
    ] = False,
    engine: EngineOpt = Engine.HIVEPARSE,
    encoding: EncodingOpt = None,
) -> None:
    """The RDS settings of two machines side by side, each as Windows applies it (Group
    Policy over the local value) with where it comes from; exit 1 when a setting differs."""
    from datetime import UTC, datetime  # noqa: PLC0415

    from hiveparse.compare.compare import compare_hosts, read_host  # noqa: PLC0415
    from hiveparse.compare.sides import open_machine  # noqa: PLC0415
    from hiveparse.report import compare_report  # noqa: PLC0415
    from hiveparse.report.render import write_json, write_jsonl  # noqa: PLC0415

    fmt = chosen_of(output_format, output, table=CompareFormat.TABLE, document=CompareFormat.JSON)
    with open_output(output, [a, b]) as sink:
        now = datetime.now(UTC)
        host_a = read_host(open_machine("a", [a], encoding=encoding, engine=str(engine)), now)
        host_b = read_host(open_machine("b", [b], encoding=encoding, engine=str(engine)), now)
        comparison = compare_hosts(host_a, host_b)
        document = compare_report.compare_document(comparison)
        if fmt == CompareFormat.JSON:
            write_json(document, sink)
        elif fmt == CompareFormat.JSONL:
            write_jsonl(document["rows"], sink)
        elif fmt == CompareFormat.CSV:
            compare_report.write_compare_csv(document["rows"], sink)
        else:
            from hiveparse.report.tables import write_compare_table  # noqa: PLC0415

            write_compare_table(document, sink, show_all=show_all)
    if fmt != CompareFormat.JSON:  # the JSON document carries them
        say_problems(comparison.diagnostics)
    if comparison.partial:
        raise typer.Exit(EXIT_PARTIAL)
    raise typer.Exit(EXIT_FINDINGS if comparison.differs else EXIT_OK)
