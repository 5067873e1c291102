"""`hiveparse diff`: the raw key and value differences of two machines' registries, and the
.reg patch that turns A into B."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from .errors import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL, say_problems, say_warning
from .options import EncodingOpt, Engine, EngineOpt, OutputOpt, SideArg, chosen_of
from .output import open_output


class DiffFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    REG = "reg"


class ControlSets(StrEnum):
    """hiveparse.compare.diff.ControlSetMode, declared here: --help imports no diff code."""

    CURRENT = "current"
    ALL = "all"


def diff(
    a: SideArg,
    b: SideArg,
    key: Annotated[
        str | None,
        typer.Argument(
            help="Compare only below this key on both sides (HKLM\\SYSTEM\\CurrentControlSet"
            "\\Control\\Terminal Server, ...). Default: every hive both sides hold."
        ),
    ] = None,
    output_format: Annotated[
        DiffFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: table on a terminal, json in a pipe or to an -o "
            "file); reg: the .reg patch that, imported on A's machine, gives B's values.",
        ),
    ] = None,
    output: OutputOpt = None,
    control_sets: Annotated[
        ControlSets,
        typer.Option(
            "--controlsets",
            help="current: each side's current control set, compared as CurrentControlSet "
            "(machines that booted from different sets compare correctly); all: every "
            "ControlSet00N by its number.",
        ),
    ] = ControlSets.CURRENT,
    times: Annotated[
        bool, typer.Option("--times", help="Report keys whose last-written times differ.")
    ] = False,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore",
            help="Leave out keys or values whose full path matches this glob (case-"
            "insensitive; * crosses \\); repeatable.",
        ),
    ] = None,
    no_default_ignores: Annotated[
        bool,
        typer.Option(
            "--no-default-ignores",
            help="Also compare the places Windows rewrites on its own (README: diff).",
        ),
    ] = False,
    engine: EngineOpt = Engine.HIVEPARSE,
    encoding: EncodingOpt = None,
) -> None:
    """What differs between two machines' registries, key by key and value by value (exit 1
    when something differs), or the .reg patch that carries B's settings over to A."""
    from hiveparse.compare.diff import ControlSetMode, DiffOptions, diff_sides  # noqa: PLC0415
    from hiveparse.compare.sides import open_side  # noqa: PLC0415
    from hiveparse.report import diff_report  # noqa: PLC0415
    from hiveparse.report.render import write_json, write_jsonl  # noqa: PLC0415

    fmt = chosen_of(output_format, output, table=DiffFormat.TABLE, document=DiffFormat.JSON)
    options = DiffOptions(
        key=key,
        control_sets=ControlSetMode(control_sets.value),
        times=times,
        ignores=tuple(ignore or ()),
        default_ignores=not no_default_ignores,
    )
    with open_output(output, [a, b], binary=True) as sink:
        side_a = open_side("a", [a], encoding=encoding, engine=str(engine))
        side_b = open_side("b", [b], encoding=encoding, engine=str(engine))
        result = diff_sides(side_a, side_b, options)
        if fmt == DiffFormat.REG:
            from hiveparse.compare.patch import patch_bytes  # noqa: PLC0415

            sink.write(patch_bytes(result))
        else:
            import io  # noqa: PLC0415

            text = io.TextIOWrapper(sink, encoding="utf-8", newline="", write_through=True)
            document = diff_report.diff_document(result)
            if fmt == DiffFormat.JSON:
                write_json(document, text)
            elif fmt == DiffFormat.JSONL:
                write_jsonl(document["differences"], text)
            elif fmt == DiffFormat.CSV:
                diff_report.write_diff_csv(document["differences"], text)
            else:
                diff_report.write_diff_listing(document, text)
            text.flush()
            text.detach()  # the sink stays open: open_output closes it
    if fmt != DiffFormat.JSON:  # the JSON document carries them
        say_problems([*side_a.diagnostics, *side_b.diagnostics, *result.notes])
        if result.not_compared and fmt != DiffFormat.TABLE:  # the listing names them
            say_warning(
                f"{len(result.not_compared)} place(s) not compared (-f json or -f table "
                "lists them, with why)"
            )
    if result.partial:
        raise typer.Exit(EXIT_PARTIAL)
    raise typer.Exit(EXIT_FINDINGS if result.differences else EXIT_OK)
