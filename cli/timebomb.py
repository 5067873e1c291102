"""`hiveparse timebomb`: what a grace-period timebomb blob says without any key."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer

from .errors import EXIT_OK, EXIT_PARTIAL, EXIT_UNREADABLE, say_error, say_warning
from .images import ImageArguments
from .options import Format, FormatOpt, OutputOpt, chosen_format
from .output import open_output


def timebomb(
    blob: Annotated[
        str | None,
        typer.Argument(help="The blob as hex, or a file holding it (raw bytes)."),
    ] = None,
    from_evidence: Annotated[
        list[Path] | None,
        typer.Option(
            "--from",
            help="Read every timebomb from hives or .reg files: the RCM\\GracePeriod value of "
            "every ControlSet (Vista and later) and the L$RTMTIMEBOMB_ LSA secret of a "
            "SECURITY hive (XP / Server 2003, opened with the SYSTEM hive's boot key).",
            readable=False,
        ),
    ] = None,
    keys_from: Annotated[
        list[Path] | None,
        typer.Option(
            "--keys",
            help="SYSTEM and SECURITY hives, master key files or a volume folder holding them: "
            "the blob is then decrypted to the exact end of the grace period.",
            readable=False,
        ),
    ] = None,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Decode a grace-period timebomb: DPAPI header, master key, algorithms, lengths; with
    the machine's keys (--keys, or a volume given to --from), the exact expiry. On XP / 2003
    the timebomb is an LSA secret, decrypted when SYSTEM and SECURITY are in the evidence."""
    from hiveparse.rds.timebombs import blob_file, inspect_timebombs  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415
    from hiveparse.report.render import write_json, write_jsonl  # noqa: PLC0415
    from hiveparse.report.timebomb_text import write_timebombs_text  # noqa: PLC0415

    fmt = chosen_format(output_format, output)
    from_paths, key_paths = from_evidence or [], keys_from or []
    with (
        ImageArguments() as images,
        open_output(
            output, images.evidence_files([*from_paths, *key_paths, *blob_file(blob)])
        ) as out,
        ExitStack() as stack,  # the shown sink, flushed before the output is published
        images.named_as_given(),
    ):
        found = inspect_timebombs(
            blob, images.resolve_all(from_paths), images.resolve_all(key_paths)
        )
        found.problems = [images.show(line) for line in found.problems]
        found.missing = [images.show(line) for line in found.missing]
        image_problems = images.problems()
        found.problems += [str(problem) for problem in image_problems]
        found.diagnostics = [*image_problems, *found.diagnostics]
        sink = stack.enter_context(images.shown_sink(out))
        if fmt == Format.JSONL:
            write_jsonl(found.timebombs, sink)
        elif fmt == Format.JSON:
            document = records.envelope(
                found.evidence,
                found.body(),
                partial=bool(found.problems),
                diagnostics=found.diagnostics,
            )
            images.attach_containers(document)
            write_json(document, sink)
        else:
            write_timebombs_text(found.timebombs, found.without_timebomb, found.missing, sink)
    if fmt == Format.JSONL:  # the other formats carry it in their output
        for what in found.missing:
            say_warning(f"no timebomb found; missing {what}")
    if found.searched_nothing and not images.encrypted:
        for line in found.problems:
            say_error(line)
        raise typer.Exit(EXIT_UNREADABLE)
    for line in found.problems:
        say_warning(line)
    raise typer.Exit(EXIT_PARTIAL if found.problems else EXIT_OK)
