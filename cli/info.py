"""`hiveparse info`: what a piece of evidence is, and what is wrong with it."""

from __future__ import annotations

from typing import Annotated, Any, TextIO, cast

import typer

from .errors import EXIT_OK, EXIT_PARTIAL, say_problems
from .images import ImageArguments
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
    with (
        ImageArguments() as images,
        open_output(output, images.evidence_files([evidence])) as sink,
        images.named_as_given(),
    ):
        [path] = images.resolve(evidence)
        if path.is_dir():  # a whole disk image: what it holds
            from hiveparse.report.image_summary import (  # noqa: PLC0415
                image_info_document,
                write_image_info_table,
            )

            image = image_info_document(images.extractions[-1])
            diagnostics = list(dict.fromkeys([*images.shown([]), *images.problems()]))
            if fmt == Format.TABLE:
                write_image_info_table(image, sink)
            else:
                (write_json if fmt == Format.JSON else _one_line)(image, sink)
            partial = bool(image["partial"])
        else:
            document, read = info_report(
                path, encoding=encoding, apply_logs=not no_logs, walk_all=not quick
            )
            diagnostics = images.shown(read)
            images.attach_containers(cast("dict[str, Any]", document))
            with images.shown_sink(sink) as out:
                if fmt == Format.JSON:
                    write_json(document, out)
                elif fmt == Format.JSONL:
                    write_jsonl([document], out)
                else:
                    write_info_table(document, out)
            partial = bool(document["partial"])
    if fmt == Format.TABLE:
        say_problems(diagnostics)
    raise typer.Exit(EXIT_PARTIAL if partial else EXIT_OK)


def _one_line(document: dict[str, Any], sink: TextIO) -> None:
    from hiveparse.report.render import write_jsonl  # noqa: PLC0415

    write_jsonl([document], sink)
