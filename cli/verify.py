"""`hiveparse verify`: read a hive with every engine and list where they disagree."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL, say_problems, say_warning
from .options import EvidenceArg, Format, FormatOpt, OutputOpt, Peer, chosen_format
from .output import open_output


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
    from hiveparse.evidence.open import open_evidence  # noqa: PLC0415 - fast --help
    from hiveparse.report import records  # noqa: PLC0415
    from hiveparse.report.render import write_json, write_jsonl  # noqa: PLC0415

    chosen = [str(peer) for peer in peers or list(Peer)]
    fmt = chosen_format(output_format, output)
    with open_output(output, [evidence]) as sink:
        # Peers read the file as it is on disk, so ours does too (no log replay).
        opened = open_evidence(evidence, apply_logs=False)
        results, diagnostics, stopped, partial = _compare(opened, evidence, chosen, limit)
        document = records.envelope(
            [opened],
            {"reference_engine": "hiveparse", "peers": results},
            partial=partial,
            diagnostics=diagnostics,
        )
        if fmt == Format.JSON:
            write_json(document, sink)
        elif fmt == Format.JSONL:
            write_jsonl(
                ({"engine": r["engine"], **d} for r in results for d in r["disagreements"]),
                sink,
            )
        else:
            for entry in results:
                count = len(entry["disagreements"])
                status = entry["error"] or f"{count} disagreement(s)"
                sink.write(f"{entry['engine']}: {status}\n")
                for item in entry["disagreements"]:
                    sink.write(f"  {item}\n")
    if fmt != Format.JSON:
        say_problems(diagnostics)
    if stopped:
        say_warning(
            "a comparison stopped where an engine read more values or value data than the "
            "file holds (read_budget_exceeded): what follows was not compared"
        )
    if partial:
        raise typer.Exit(EXIT_PARTIAL)
    disagree = any(r["error"] or r["disagreements"] for r in results)
    raise typer.Exit(EXIT_FINDINGS if disagree else EXIT_OK)


def _compare(
    opened: Any, evidence: Path, chosen: list[str], limit: int | None
) -> tuple[list[dict[str, Any]], list[Any], bool, bool]:
    """Each peer's disagreements with our reader; the diagnostics; whether a comparison was
    stopped; whether the result is partial."""
    from hiveparse.engines import open_engine  # noqa: PLC0415
    from hiveparse.engines.verify import DisagreementKind, ReadBudget, compare_hives  # noqa: PLC0415
    from hiveparse.errors import Diagnostic, Location, NotRegf, Severity  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415
    from hiveparse.sources.regf.hive import RegfHive  # noqa: PLC0415

    reference = opened.hives[0].hive
    if not isinstance(reference, RegfHive):
        raise NotRegf(
            "verify compares REGF hive readers; this is a .reg file", source=str(evidence)
        )
    diagnostics = list(opened.all_diagnostics)
    if reference.dirty:
        diagnostics.append(
            Diagnostic(
                "verify.logs_not_applied",
                "the hive is dirty: every engine read it as stored, without its transaction "
                "logs (what they hold is not compared; other commands apply them)",
                Location(str(evidence), offset=4),
                Severity.WARNING,
            )
        )
    results: list[dict[str, Any]] = []
    for peer in chosen:
        entry: dict[str, Any] = {"engine": peer, "error": None, "disagreements": []}
        # Neither side may read more values or value data than the file can hold: a peer
        # that follows a shared value list again and again is stopped, and the run is partial.
        budget = ReadBudget.for_file(len(reference.image))
        try:
            other = open_engine(peer, str(evidence))
            entry["disagreements"] = [
                asdict(d) for d in compare_hives(reference, other, limit=limit, budget=budget)
            ]
        except Exception as error:
            entry["error"] = f"{type(error).__name__}: {error}"
        results.append(entry)
    stopped = any(
        d["kind"] == DisagreementKind.READ_BUDGET_EXCEEDED
        for r in results
        for d in r["disagreements"]
    )
    # Partial when a comparison was stopped or the hive could not be read whole: what was
    # not read was not compared (and, as for analyze, partial comes before disagreement).
    partial = stopped or records.is_partial(diagnostics)
    return results, diagnostics, stopped, partial
