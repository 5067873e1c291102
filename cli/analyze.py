"""`hiveparse analyze`: the RDS licensing diagnosis of one or many hosts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

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

if TYPE_CHECKING:
    from hiveparse.batch import Case, CaseOptions
    from hiveparse.batch.resume import ResumePoint
    from hiveparse.report.analyze_output import CaseWriter


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
            "file); csv: one row per finding, for spreadsheets; timesketch: JSON Lines "
            "events (key writes, grace end, certificate and CAL validity, findings).",
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
    jobs: Annotated[
        str,
        typer.Option(
            "--jobs",
            "-j",
            help="Cases analysed at once, each in a process of its own: a number, or auto "
            "(one per CPU).",
        ),
    ] = "1",
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            help="The JSON Lines report of an earlier run of the same batch that stopped: "
            "its cases are skipped and the rest appended to it.",
            readable=False,
        ),
    ] = None,
    details: Annotated[
        bool,
        typer.Option("--details", help="Table: each host in full after the hosts table."),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress line on the terminal.")
    ] = False,
    zip_password: Annotated[
        str | None,
        typer.Option(
            "--zip-password",
            envvar="HIVEPARSE_ZIP_PASSWORD",
            help="Password of encrypted ZIP collections (AES needs hiveparse[zip]); from "
            "the environment, it stays out of the process list.",
            show_envvar=True,
        ),
    ] = None,
    no_image_hash: Annotated[
        bool,
        typer.Option(
            "--no-image-hash",
            help="Disk images: do not hash the image's files (slow for large images); the "
            "report says they were not hashed.",
        ),
    ] = False,
    verify_image: Annotated[
        bool,
        typer.Option(
            "--verify-image",
            help="Disk images: read the whole media again and check it against the MD5/SHA1 "
            "an EWF image stores.",
        ),
    ] = False,
    dask_scheduler: Annotated[
        str | None,
        typer.Option(
            "--dask-scheduler",
            help="Run the cases on this Dask cluster (tcp://host:8786; hiveparse[dask]); "
            "its workers must see the evidence at the same paths.",
        ),
    ] = None,
) -> None:
    """Licensing mode, license servers, grace period, client licenses and RDP exposure,
    with findings, evidence and the safe fix.

    A folder of cases (tickets, collections: a folder whose entries hold the evidence) is
    a batch: each case is analysed on its own and reported as it finishes, in order."""
    from hiveparse.batch import CaseOptions, split_cases  # noqa: PLC0415
    from hiveparse.errors import UsageError  # noqa: PLC0415

    for named in [*(security or []), *(masterkeys or [])]:
        if not named.exists():
            raise UsageError(f"{str(named)!r} does not exist")
    fmt = chosen_of(output_format, output, table=AnalyzeFormat.TABLE, document=AnalyzeFormat.JSON)
    from hiveparse.batch.run import job_count  # noqa: PLC0415

    processes = job_count(jobs)
    cases = split_cases(evidence, merge_by_name=group == GroupBy.NAME)
    if len(cases) > 1 and (security or masterkeys):
        raise UsageError(
            f"--security and --masterkeys are one machine's key material; these arguments are "
            f"{len(cases)} cases (tickets, collections): give each case its own keys in its "
            "folder, or run the machine's case alone with them"
        )
    inputs = [*evidence, *(security or []), *(masterkeys or [])]
    point = None
    if resume is not None:
        point = _resume_point(resume, output, fmt, cases)
        as_of = _resumed_as_of(as_of, point, resume)
    moment = _parse_as_of(as_of)
    options = CaseOptions(
        as_of=moment,
        encoding=encoding,
        engine=str(engine),
        carve=carve.value,
        security=tuple(map(str, security or [])),
        masterkeys=tuple(map(str, masterkeys or [])),
        grouping=group.value,
        report_empty=len(cases) > 1,
        zip_password=zip_password,
        hash_image=not no_image_hash,
        verify_image=verify_image,
    )
    todo = [i for i in range(len(cases)) if point is None or i not in point.done]
    sink_context: AbstractContextManager[TextIO]
    if resume is not None and point is not None:
        from .output import append_output  # noqa: PLC0415

        sink_context = append_output(resume, inputs, keep_bytes=point.keep_bytes)
    else:
        streamed = fmt in (AnalyzeFormat.JSONL, AnalyzeFormat.TIMESKETCH, AnalyzeFormat.CSV)
        sink_context = open_output(output, inputs, keep_on_interrupt=streamed)
    tally = _Tally()
    if point is not None:
        tally.outcome.merge(point.outcome())
    with sink_context as sink, _sigterm_interrupts():
        _run(
            [cases[i] for i in todo],
            options,
            fmt,
            sink,
            tally,
            jobs=processes,
            scheduler=dask_scheduler,
            details=details,
            quiet=quiet,
        )
    if resume is not None and not todo:
        say("info", f"every case is already in {resume}: nothing to do")
    outcome = tally.outcome
    if not outcome.evidence and not outcome.locked:
        from .errors import say_error  # noqa: PLC0415

        if not outcome.unreadable:
            say_error("no registry evidence or event log found in " + ", ".join(map(str, evidence)))
        raise typer.Exit(EXIT_UNREADABLE)
    if outcome.partial:
        raise typer.Exit(EXIT_PARTIAL)
    if fail_on is not None and outcome.at_least(fail_on.value):
        raise typer.Exit(EXIT_FINDINGS)
    raise typer.Exit(EXIT_OK)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a scheduler's stop, `kill`) ends the run as Ctrl-C does: the cases not
    started are cancelled and a report written case by case keeps the cases it finished."""
    import signal  # noqa: PLC0415

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (a library caller): leave SIGTERM alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Tally:
    """What the exit code and the last lines need of a run, kept as it goes."""

    def __init__(self) -> None:
        from hiveparse.batch.outcome import Outcome  # noqa: PLC0415

        self.cases = 0
        self.empty = 0  # cases without registry evidence
        self.outcome = Outcome()  # what the documents say, --resume's kept ones included


def _writer(fmt: AnalyzeFormat, sink: TextIO, *, details: bool) -> CaseWriter:
    from hiveparse.report import analyze_output  # noqa: PLC0415

    if fmt == AnalyzeFormat.JSONL:
        return analyze_output.JsonLinesWriter(sink)
    if fmt == AnalyzeFormat.TIMESKETCH:
        from hiveparse.report.render import dumps  # noqa: PLC0415
        from hiveparse.report.timesketch import timeline_events  # noqa: PLC0415

        def events(document: dict[str, Any]) -> list[str]:
            return [dumps(event, indent=None) for event in timeline_events(document)]

        return analyze_output.JsonLinesWriter(sink, events)
    if fmt == AnalyzeFormat.JSON:
        return analyze_output.JsonWriter(sink)
    if fmt == AnalyzeFormat.CSV:
        return analyze_output.CsvWriter(sink)
    return analyze_output.TableWriter(sink, details=details)


def _run(
    cases: list[Case],
    options: CaseOptions,
    fmt: AnalyzeFormat,
    sink: TextIO,
    tally: _Tally,
    *,
    jobs: int,
    scheduler: str | None,
    details: bool,
    quiet: bool,
) -> None:
    """Every case through the writer, in order, telling stderr what it must know."""
    from hiveparse.batch import run_cases  # noqa: PLC0415

    from .progress import Progress  # noqa: PLC0415

    writer = _writer(fmt, sink, details=details)
    progress = Progress.for_terminal(len(cases), quiet=quiet)
    try:
        for result in run_cases(cases, options, jobs=jobs, scheduler=scheduler):
            writer.write_case(result.documents)
            tally.cases += 1
            tally.empty += result.empty
            tally.outcome.partial |= result.partial  # also what no document could name
            for document in result.documents:
                tally.outcome.add(document)
            notes = result.notes + (result.host_notes if fmt == AnalyzeFormat.TABLE else [])
            if notes:
                progress.clear()
                for severity, text in dict.fromkeys(notes):
                    say(severity, text)
            progress.advance()
        progress.clear()
        writer.finish()
        if tally.empty:
            say(
                "warning",
                f"{tally.empty} of {tally.cases} case(s) hold no registry evidence: each has a "
                "document saying so (case.no_evidence)",
            )
    except KeyboardInterrupt:
        progress.clear()
        say("error", f"interrupted after {tally.cases} of {len(cases)} case(s)")
        raise


def _resume_point(
    resume: Path, output: Path | None, fmt: AnalyzeFormat, cases: list[Case]
) -> ResumePoint:
    """What --resume FILE holds of these cases (FILE is then appended to)."""
    from hiveparse.batch.resume import read_resume_point  # noqa: PLC0415
    from hiveparse.errors import UsageError  # noqa: PLC0415

    if fmt != AnalyzeFormat.JSONL:
        raise UsageError("--resume continues a JSON Lines report: give -f jsonl")
    if output is not None and output.expanduser().resolve() != resume.expanduser().resolve():
        raise UsageError(f"--resume appends to {str(resume)!r}: give -o that file or no -o")
    point = read_resume_point(resume, cases)
    if point.torn:
        say("warning", f"{resume}: its last case was cut off; it is analysed again")
    return point


def _resumed_as_of(as_of: str | None, point: ResumePoint, resume: Path) -> str | None:
    """The moment of the resumed run: the one the kept reports were measured against."""
    from hiveparse.errors import UsageError  # noqa: PLC0415

    moments: list[str] = sorted(point.outcome().as_of)
    if len(moments) > 1:
        raise UsageError(
            f"--resume {str(resume)!r}: its reports were made as of {', '.join(moments)}; "
            "a batch is measured against one moment"
        )
    if not moments:
        return as_of
    if as_of is not None and _parse_as_of(as_of) != _parse_as_of(moments[0]):
        raise UsageError(
            f"--resume {str(resume)!r}: its reports were made as of {moments[0]}, not "
            f"--as-of {as_of}: resume with the same moment (or without --as-of)"
        )
    return moments[0]


class AnalyzeFormat(StrEnum):
    JSON = "json"
    JSONL = "jsonl"
    TABLE = "table"
    CSV = "csv"
    TIMESKETCH = "timesketch"


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
