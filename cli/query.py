"""`hiveparse query`: an offline `reg query` over a hive or a .reg file."""

from __future__ import annotations

from typing import Annotated

import typer

from .errors import EXIT_OK, EXIT_PARTIAL, say_problems
from .images import ImageArguments
from .options import (
    EncodingOpt,
    Engine,
    EngineOpt,
    EvidenceArg,
    Format,
    FormatOpt,
    KeyArg,
    NoLogsOpt,
    OutputOpt,
    StrictOpt,
    chosen_format,
)
from .output import open_output


def query(
    evidence: EvidenceArg,
    key: KeyArg = None,
    recursive: Annotated[
        bool, typer.Option("--recursive", "-s", help="Every key below KEY too (reg query /s).")
    ] = False,
    values: Annotated[
        bool,
        typer.Option(
            "--values",
            "-v",
            help="Accepted for compatibility and ignored: values are always listed, as "
            "reg query does.",
        ),
    ] = False,
    security: Annotated[
        bool,
        typer.Option("--security", help="Show each key's owner, group and DACL (hives only)."),
    ] = False,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
    engine: EngineOpt = Engine.HIVEPARSE,
    encoding: EncodingOpt = None,
    strict: StrictOpt = False,
    no_logs: NoLogsOpt = False,
) -> None:
    """List a key as reg query does: its values (name, type, data), then its subkeys; with -s
    every key below it as well. Every format carries the values and last-written times."""
    del values  # values are always listed (reg query does); -v stays accepted
    from hiveparse.evidence.open import open_evidence  # noqa: PLC0415 - fast --help
    from hiveparse.evidence.registry import Registry  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415
    from hiveparse.report.reg_query import write_query  # noqa: PLC0415

    fmt = chosen_format(output_format, output)
    with (
        ImageArguments() as images,
        open_output(output, images.evidence_files([evidence])) as sink,
        images.named_as_given(),
    ):
        path = images.resolve_file(evidence)
        opened = open_evidence(
            path, engine=str(engine), encoding=encoding, strict=strict, apply_logs=not no_logs
        )
        located = Registry([opened]).locate(key)
        with images.shown_sink(sink) as out:
            write_query(
                out,
                opened,
                located,
                fmt=fmt.value,
                recursive=recursive,
                security=security,
                strict=strict,
            )
        diagnostics = images.shown(opened.all_diagnostics)
    if fmt != Format.JSON:
        say_problems(diagnostics)
    if records.is_partial(diagnostics):
        raise typer.Exit(EXIT_PARTIAL)
    raise typer.Exit(EXIT_OK)
