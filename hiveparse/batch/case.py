"""One case of a batch in, its report documents out: a pure function of its arguments.

:func:`analyze_case` reads only the case's own paths (and the key material named for every
case), keeps nothing between calls and returns plain data (dicts, strings, numbers), so it
runs the same in this process, in a worker process or on a Dask worker of another machine
that sees the same files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hiveparse.errors import Diagnostic, Location, Severity
from hiveparse.evidence.discover import MAY_MISS_EVIDENCE

from .cases import Case

NO_EVIDENCE = "case.no_evidence"
DISCOVERED_NOTHING = "discover.no_evidence"
FAILED = "case.failed"


@dataclass(frozen=True)
class CaseOptions:
    """What every case of a run is analysed with (``analyze``'s options)."""

    as_of: datetime
    encoding: str | None = None
    engine: str = "hiveparse"
    carve: str = "near"
    security: tuple[str, ...] = ()
    masterkeys: tuple[str, ...] = ()
    grouping: str = "auto"
    report_empty: bool = False  # a case without evidence gets a document (batches do)
    zip_password: str | None = None  # for encrypted ZIP collections
    hash_image: bool = True  # disk images: sha256 of their files (--no-image-hash: False)
    verify_image: bool = False  # disk images: check the hashes an EWF image stores


@dataclass
class CaseResult:
    """A case's documents (in the published schema) and what a person is told on stderr."""

    case: Case
    documents: list[dict[str, Any]] = field(default_factory=list)
    # (severity, text): always shown (unreadable inputs, problems no host explains) ...
    notes: list[tuple[str, str]] = field(default_factory=list)
    # ... and shown beside a table only (every warning and error of every host).
    host_notes: list[tuple[str, str]] = field(default_factory=list)
    partial: bool = False
    empty: bool = False  # a case of a batch that held no registry evidence


def analyze_case(case: Case | str | Path, options: CaseOptions) -> CaseResult:
    """The documents of one case (a :class:`Case`, or one path taken as a case as it stands).

    Never raises for a problem with the evidence: an input that cannot be read is in the
    documents (partial), as with ``hiveparse analyze``. An unexpected failure raises; the
    batch runner reports it as the case's own document (:func:`failed_case`).
    """
    from hiveparse.evidence.hosts import Grouping  # noqa: PLC0415
    from hiveparse.rds.analyze import (  # noqa: PLC0415
        Collections,
        analyze,
        host_document,
        unreadable_diagnostic,
    )
    from hiveparse.rds.facts import Carve  # noqa: PLC0415

    if not isinstance(case, Case):
        case = Case((str(case),), str(case))
    from hiveparse.evidence.image.codes import ImageOptions  # noqa: PLC0415

    images = ImageOptions(
        hash_image=options.hash_image, verify=options.verify_image, event_logs=True
    )
    # ZIP collections and disk images are copied into a private folder that lives as long
    # as this call.
    with Collections(options.zip_password, images) as collections:
        analysis = analyze(
            [Path(path) for path in case.paths],
            as_of=options.as_of,
            encoding=options.encoding,
            engine=options.engine,
            carve=Carve(options.carve),
            security=[Path(p) for p in options.security],
            masterkeys=[Path(p) for p in options.masterkeys],
            grouping=Grouping(options.grouping),
            argument=case.argument if case.name is not None else None,
            collections=collections,
        )
        documents = [host_document(host, analysis) for host in analysis.hosts]
    result = CaseResult(case, partial=analysis.partial)
    result.documents = documents
    notes = [_shown(note, analysis) for note in analysis.unplaced]
    notes[:0] = [_shown(unreadable_diagnostic(item), analysis) for item in analysis.unreadable]
    if not result.documents and (options.report_empty or _incidental(case)):
        # The case's own document says so (or the folder is a tool's): no line on stderr.
        notes = [note for note in notes if note.code != DISCOVERED_NOTHING]
    result.notes = _lines(notes)
    result.host_notes = [
        (d["severity"], _line(d))
        for document in result.documents
        for d in document["diagnostics"]
        if d["severity"] != "info"
    ]
    if not result.documents and options.report_empty and not _incidental(case):
        # What kept the case from giving a host (an encrypted collection, an unreadable
        # file, a link out of the case) is in its document too, which is then partial.
        problems = [
            note
            for note in notes
            if note.severity == Severity.ERROR or note.code in MAY_MISS_EVIDENCE
        ]
        result.documents = [_case_document(case, options, [_no_evidence(case), *problems])]
        result.partial = bool(problems)
        result.empty = True
    return result


def failed_case(case: Case, options: CaseOptions, reason: str) -> CaseResult:
    """The result of a case whose analysis failed (a crash, a worker lost): one document
    saying so, partial; the other cases are not touched."""
    diagnostic = Diagnostic(
        FAILED,
        f"the analysis of this case failed and nothing of it is reported: {reason}",
        Location(_folder(case)),
        Severity.ERROR,
    )
    result = CaseResult(case, partial=True)
    result.documents = [_case_document(case, options, [diagnostic])]
    result.notes = _lines([diagnostic])
    return result


def _shown(note: Diagnostic, analysis: Any) -> Diagnostic:
    """A note with the copies of ZIP members and image files named as their container's
    inside."""
    return note.shown(analysis.show)


def _incidental(case: Case) -> bool:
    """A folder tools leave beside the tickets (hidden, Python's ``__pycache__``): searched
    like any other, but not reported as a case when it holds no evidence."""
    name = Path(case.name or "").name
    return name.startswith(".") or name == "__pycache__"


def _folder(case: Case) -> str:
    return case.paths[0] if len(case.paths) == 1 else str(Path(case.paths[0]).parent)


def _no_evidence(case: Case) -> Diagnostic:
    return Diagnostic(
        NO_EVIDENCE,
        "no registry evidence in this case: nothing was judged",
        Location(_folder(case)),
        Severity.WARNING,
    )


def _case_document(
    case: Case, options: CaseOptions, diagnostics: list[Diagnostic]
) -> dict[str, Any]:
    from hiveparse.rds.analyze import case_report, host_document  # noqa: PLC0415

    first = diagnostics[0]
    what = "failed case" if first.code == FAILED else "case without evidence"
    report, analysis = case_report(
        _folder(case), f"{what} ({case.title})", first.message, diagnostics, options.as_of,
        case.argument,
    )  # fmt: skip
    return host_document(report, analysis)


def _line(record: dict[str, Any]) -> str:
    where = Location(record["source"], record["offset"], record["line"], record["column"])
    diagnostic = Diagnostic(record["code"], record["message"], where, Severity(record["severity"]))
    return str(diagnostic)


def _lines(notes: list[Diagnostic]) -> list[tuple[str, str]]:
    return [(str(note.severity), str(note)) for note in dict.fromkeys(notes)]
