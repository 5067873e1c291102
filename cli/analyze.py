"""`hiveparse analyze`: the RDS licensing diagnosis of one or many hosts."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from .errors import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL, EXIT_UNREADABLE, say
from .options import (
    CarveScope,
    EncodingOpt,
    Engine,
    EngineOpt,
    FailOn,
    GroupBy,
    OutputOpt,
    chosen_of,
)
from .output import open_output

SEVERITY_ORDER = tuple(FailOn)  # least severe first


def _parse_as_of(text: str | None) -> datetime:
    from hiveparse.errors import UsageError  # noqa: PLC0415

    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise UsageError(f"--as-of {text!r} is not an ISO-8601 date or time") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def analyze(
    evidence: Annotated[
        list[Path],
        typer.Argument(
            help="Hive files, .reg files and directories (searched for hives by content).",
            readable=False,  # an unreadable input is reported as such, not as a usage error
        ),
    ],
    output_format: Annotated[
        AnalyzeFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: table on a terminal, json in a pipe or to an -o "
            "file); csv: one row per finding, for spreadsheets.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="What 'expired' and 'days left' are measured against (default: now)."
        ),
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option("--fail-on", help="Exit 1 when a finding is at least this severe."),
    ] = None,
    output: OutputOpt = None,
    engine: EngineOpt = Engine.HIVEPARSE,
    encoding: EncodingOpt = None,
    security: Annotated[
        list[Path] | None,
        typer.Option(
            "--security",
            help="SECURITY hive(s) holding the LSA secrets (when not in the evidence folders).",
            readable=False,
        ),
    ] = None,
    masterkeys: Annotated[
        list[Path] | None,
        typer.Option(
            "--masterkeys",
            help="Master key files, or the Protect\\S-1-5-18 folder, of the machine.",
            readable=False,
        ),
    ] = None,
    carve: Annotated[
        CarveScope,
        typer.Option(
            "--carve",
            help="Search the hives' unallocated space for deleted licensing records: near "
            "the licensing keys (default; fast), in the whole hive (all; time grows with the "
            "hive), or not at all (off).",
        ),
    ] = CarveScope.NEAR,
    group: Annotated[
        GroupBy,
        typer.Option(
            "--group",
            help="How inputs become hosts: auto (a Windows volume or collection, else one "
            "folder; never across folders), folder (one folder, whatever the layout), name "
            "(auto, then the same ComputerName merged across folders), none (one file each).",
        ),
    ] = GroupBy.AUTO,
) -> None:
    """Licensing mode, license servers, grace period, client licenses and RDP exposure,
    with findings, evidence and the safe fix."""
    from hiveparse.errors import UsageError  # noqa: PLC0415
    from hiveparse.evidence.hosts import Grouping  # noqa: PLC0415
    from hiveparse.rds.analyze import analyze as run_analysis  # noqa: PLC0415
    from hiveparse.rds.analyze import host_document  # noqa: PLC0415
    from hiveparse.rds.facts import Carve  # noqa: PLC0415

    for named in [*(security or []), *(masterkeys or [])]:
        if not named.exists():
            raise UsageError(f"{str(named)!r} does not exist")
    moment = _parse_as_of(as_of)
    fmt = chosen_of(output_format, output, table=AnalyzeFormat.TABLE, document=AnalyzeFormat.JSON)
    with open_output(output, [*evidence, *(security or []), *(masterkeys or [])]) as sink:
        analysis = run_analysis(
            evidence,
            as_of=moment,
            encoding=encoding,
            engine=str(engine),
            carve=Carve(carve.value),
            security=security or [],
            masterkeys=masterkeys or [],
            grouping=Grouping(group.value),
        )
        documents = [host_document(host, analysis) for host in analysis.hosts]
        _write(documents, analysis, fmt, sink)
    _warn(analysis, documents, table=fmt == AnalyzeFormat.TABLE)
    if not any(host.evidence for host in analysis.hosts):
        from .errors import say_error  # noqa: PLC0415

        if not analysis.unreadable:
            say_error("no registry evidence found in " + ", ".join(map(str, evidence)))
        raise typer.Exit(EXIT_UNREADABLE)
    if analysis.partial:
        raise typer.Exit(EXIT_PARTIAL)
    if fail_on is not None:
        threshold = SEVERITY_ORDER.index(fail_on)
        worst = [SEVERITY_ORDER.index(f["severity"]) for d in documents for f in d["findings"]]
        if worst and max(worst) >= threshold:
            raise typer.Exit(EXIT_FINDINGS)
    raise typer.Exit(EXIT_OK)


def _warn(analysis: Any, documents: list[dict[str, Any]], *, table: bool) -> None:
    """One line on stderr per problem, prefixed by its severity: the inputs that could not
    be read and what no host explains, always; in table mode every warning and error of
    every host too (the JSON report has them all)."""
    from hiveparse.errors import Diagnostic, Location, Severity  # noqa: PLC0415
    from hiveparse.rds.analyze import unreadable_diagnostic  # noqa: PLC0415

    notes: list[Diagnostic] = [unreadable_diagnostic(item) for item in analysis.unreadable]
    notes += list(analysis.unplaced)
    if table:
        for document in documents:
            notes += [
                Diagnostic(
                    d["code"],
                    d["message"],
                    Location(d["source"], d["offset"], d["line"], d["column"]),
                    Severity(d["severity"]),
                )
                for d in document["diagnostics"]
                if d["severity"] != "info"
            ]
    for note in dict.fromkeys(notes):
        say(str(note.severity), str(note))


def _write(
    documents: list[dict[str, Any]], analysis: Any, fmt: AnalyzeFormat, sink: TextIO
) -> None:
    from hiveparse.report.render import write_json, write_jsonl  # noqa: PLC0415

    if fmt == AnalyzeFormat.JSONL:
        write_jsonl(documents, sink)
    elif fmt == AnalyzeFormat.JSON:
        write_json(documents[0] if len(documents) == 1 else documents, sink)
    elif fmt == AnalyzeFormat.CSV:
        from hiveparse.report.findings_csv import write_findings_csv  # noqa: PLC0415

        write_findings_csv(documents, sink)
    else:
        from hiveparse.report.summary_table import write_summary  # noqa: PLC0415

        write_summary(documents, sink)


class AnalyzeFormat(StrEnum):
    JSON = "json"
    JSONL = "jsonl"
    TABLE = "table"
    CSV = "csv"


class Document(StrEnum):
    """hiveparse.report.models.DOCUMENTS, declared here so --help imports no report code."""

    ANALYZE = "analyze"
    QUERY = "query"
    INFO = "info"
    RECOVER = "recover"
    VERIFY = "verify"
    SECRETS = "secrets"
    CONVERT = "convert"
    TIMEBOMB = "timebomb"
    DIFF = "diff"
    COMPARE = "compare"
    ENVELOPE = "envelope"


def schema(
    command: Annotated[
        Document,
        typer.Argument(
            help="Whose JSON document: a command, or 'envelope' for the fields they all share."
        ),
    ] = Document.ANALYZE,
    output: OutputOpt = None,
) -> None:
    """Print the published JSON Schema of a command's JSON document (default: the analyze
    report of one host), generated from the report model."""
    from hiveparse.report.schema import schema_text  # noqa: PLC0415

    with open_output(output, []) as sink:
        sink.write(schema_text(str(command)))
