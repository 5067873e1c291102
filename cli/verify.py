"""`hiveparse verify`: read a hive with every engine and list where they disagree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import typer

from .errors import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL, say_problems, say_warning
from .options import EvidenceArg, Format, FormatOpt, OutputOpt, Peer, chosen_format
from .output import open_output

if TYPE_CHECKING:
    from hiveparse.report.models import VerifyDocument


def verify(
    evidence: EvidenceArg,
    peers: Annotated[
        list[Peer] | None,
        typer.Option("--peer", help="Peer engine(s) to compare with (default: all)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Stop after this many disagreements per peer.")
    ] = None,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Walk with our reader and with regipy and python-registry; list every disagreement.

    Exit status 1 when any engine disagrees (or fails to read what ours read); 3 when a
    comparison was stopped because an engine read more than the file holds, or the hive
    could not be read whole.
    """
    from hiveparse.engines.verify import verify_peers  # noqa: PLC0415 - fast --help
    from hiveparse.evidence.open import open_evidence  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415
    from hiveparse.report.render import write_json, write_jsonl  # noqa: PLC0415
    from hiveparse.report.tables import write_verify_table  # noqa: PLC0415

    chosen = [str(peer) for peer in peers or list(Peer)]
    fmt = chosen_format(output_format, output)
    with open_output(output, [evidence]) as sink:
        # Peers read the file as it is on disk, so ours does too (no log replay).
        opened = open_evidence(evidence, apply_logs=False)
        result = verify_peers(
            opened.hives[0].hive,
            str(evidence),
            chosen,
            limit=limit,
            diagnostics=opened.all_diagnostics,
        )
        document = records.envelope(
            [opened],
            {"reference_engine": "hiveparse", "peers": result.peers},
            partial=result.partial,
            diagnostics=result.diagnostics,
        )
        if fmt == Format.JSON:
            write_json(document, sink)
        elif fmt == Format.JSONL:
            write_jsonl(
                ({"engine": r["engine"], **d} for r in result.peers for d in r["disagreements"]),
                sink,
            )
        else:
            write_verify_table(cast("VerifyDocument", document), sink)
    if fmt != Format.JSON:
        say_problems(result.diagnostics)
    if result.stopped:
        say_warning(
            "a comparison stopped where an engine read more values or value data than the "
            "file holds (read_budget_exceeded): what follows was not compared"
        )
    if result.partial:
        raise typer.Exit(EXIT_PARTIAL)
    raise typer.Exit(EXIT_FINDINGS if result.disagree else EXIT_OK)
