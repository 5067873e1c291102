"""`hiveparse secrets`: the LSA secrets of a SYSTEM + SECURITY pair, names only by default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, TextIO, cast

import typer

from .errors import EXIT_OK, EXIT_PARTIAL, say, say_problems
from .images import ImageArguments
from .options import Format, FormatOpt, OutputOpt, chosen_format
from .output import open_output


def secrets(
    evidence: Annotated[
        list[Path],
        typer.Argument(
            help="The SYSTEM and SECURITY hives, or a folder holding them.", readable=False
        ),
    ],
    reveal_secrets: Annotated[
        bool,
        typer.Option(
            "--reveal-secrets",
            help="Also print each secret's decrypted bytes (hex). Without it no secret, key "
            "or plaintext is written anywhere.",
        ),
    ] = False,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """LSA secrets (DPAPI_SYSTEM, L$RTMTIMEBOMB_..., ...): name, CurrVal/OldVal, sizes and
    update times; decrypted with the boot key and the LSA key found in the hives."""
    from hiveparse.errors import EvidenceError, HiveparseError  # noqa: PLC0415
    from hiveparse.report.records import diagnostics_record  # noqa: PLC0415
    from hiveparse.report.secrets import secrets_report  # noqa: PLC0415 - fast --help

    fmt = chosen_format(output_format, output)
    with (
        ImageArguments() as images,
        open_output(output, images.evidence_files(evidence)) as out,
        images.named_as_given(),
    ):
        resolved = images.resolve_all(evidence)
        try:
            document, read = secrets_report(resolved, reveal=reveal_secrets)
        except HiveparseError as error:
            problems = images.problems()
            if not problems:
                raise
            raise EvidenceError(f"{error.message}; the image says: {problems[0]}") from error
        image_problems = images.problems()
        diagnostics = list(dict.fromkeys([*image_problems, *images.shown(read)]))
        if image_problems:
            document["partial"] = True
            document["diagnostics"] = [
                *diagnostics_record(image_problems),
                *document["diagnostics"],
            ]
        images.attach_containers(cast("dict[str, Any]", document))
        for item in document["unreadable"]:
            item["path"] = images.show(item["path"])
            item["error"] = images.show(item["error"])
        with images.shown_sink(out) as sink:
            _write(document, fmt, sink)
    if fmt != Format.JSON:
        for item in document["unreadable"]:
            say("error", f"{item['path']}: {item['error']}")
        say_problems(diagnostics)
    raise typer.Exit(EXIT_PARTIAL if document["partial"] else EXIT_OK)


def _write(document: Any, fmt: Format, sink: TextIO) -> None:
    if fmt == Format.TABLE:
        from hiveparse.report.tables import write_secrets_table  # noqa: PLC0415

        write_secrets_table(document, sink)
    elif fmt == Format.JSONL:
        from hiveparse.report.render import write_jsonl  # noqa: PLC0415

        hosts = document["hosts"]
        write_jsonl([{"host": h["host"], **s} for h in hosts for s in h["secrets"]], sink)
    else:
        from hiveparse.report.render import write_json  # noqa: PLC0415

        write_json(document, sink)
