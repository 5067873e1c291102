"""`analyze`: evidence paths in, one licensing report per host out.

Pipeline (one direction): discover evidence → open each file read-only → group inputs into
hosts → facts per host → licensing state → findings → report documents. An input that
cannot be read does not stop the others: it is reported with the host of its folder (which
is then partial), or in a document of its own when no host shares its folder.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hiveparse.errors import Diagnostic, HiveparseError, Location, Severity
from hiveparse.evidence.archive import ARCHIVE_CODES
from hiveparse.evidence.discover import MAY_MISS_EVIDENCE, NO_EVIDENCE, HeadKind, normalized_path
from hiveparse.evidence.image.codes import ENCRYPTED_KIND, IMAGE_CODES
from hiveparse.evidence.open import Evidence, open_evidence, sha256_file
from hiveparse.filetime import iso_z
from hiveparse.model import EvidenceFormat, HiveType
from hiveparse.rds.changes import script_changes
from hiveparse.rds.facts import Carve, FactSet, collect_facts, script_name
from hiveparse.rds.rulebook import LICENSING_HIVES
from hiveparse.rds.state import LicensingState, build_state
from hiveparse.report.records import envelope

if TYPE_CHECKING:
    from hiveparse.events.evtx_file import EventLog
    from hiveparse.events.host_events import HostEvents
    from hiveparse.events.parts import LogPart
    from hiveparse.evidence.archive import Extraction
    from hiveparse.evidence.discover import FoundArchive, FoundEventLog
    from hiveparse.evidence.hosts import Grouping, HostGroup
    from hiveparse.evidence.image.codes import ImageOptions
    from hiveparse.evidence.image.extract import ImageExtraction
    from hiveparse.evidence.masterkey_files import MasterKeys
    from hiveparse.rds.grace_decrypt import GraceDecryption
    from hiveparse.rds.rulebook import Judgement

# The hive types the licensing analysis reads; coverage is reported for each.
COVERED_HIVES = LICENSING_HIVES


@dataclass
class Unreadable:
    path: str
    error: str  # what is wrong, without the path (the location says where)
    kind: str
    line: int | None = None
    column: int | None = None
    offset: int | None = None
    archive: bool = False  # a ZIP collection: reported as a case of its own, not its folder's

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "error": self.error,
            "kind": self.kind,
            "line": self.line,
            "column": self.column,
            "offset": self.offset,
        }


@dataclass(frozen=True)
class SupportingFile:
    """A file that changed the result without being registry evidence of its own: a
    transaction log that was applied, a master key or SECURITY hive used for decryption."""

    path: str
    sha256: str | None
    size: int | None
    role: str
    used_by: str | None = None  # the evidence file it served

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "format": "file",
            "role": self.role,
            "used_by": self.used_by,
        }


@dataclass
class HostReport:
    label: str
    reasons: list[str]
    evidence: list[Evidence]
    state: LicensingState
    judgement: Judgement
    diagnostics: list[Diagnostic]
    case: str = ""
    argument: str | None = None
    folder: str = ""
    roles: dict[str, str] = field(default_factory=dict)  # evidence path -> its role
    supporting: list[SupportingFile] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    events: HostEvents | None = None  # the host's event logs, when any were given

    @property
    def findings(self) -> list[Any]:
        return self.judgement.findings

    @property
    def partial(self) -> bool:
        """Something of this host could not be read, or evidence of it may have been
        missed (a folder too deep, a link out of the evidence, an unreadable file, records
        of an event log that could not be parsed)."""
        return (
            bool(self.unreadable)
            or any(
                d.severity == Severity.ERROR or d.code in MAY_MISS_EVIDENCE
                for d in self.diagnostics
            )
            or (self.events is not None and not self.events.complete)
        )


@dataclass
class Analysis:
    as_of: datetime
    hosts: list[HostReport] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    discovery_notes: list[Diagnostic] = field(default_factory=list)
    # Diagnostics no host's inputs explain (reported on stderr, never in a host document).
    unplaced: list[Diagnostic] = field(default_factory=list)
    extractions: list[Extraction | ImageExtraction] = field(default_factory=list)  # ZIPs, images

    def show(self, text: str) -> str:
        """``text`` with the copies of ZIP members named as the archive's inside."""
        for extraction in self.extractions:
            text = extraction.show(text)
        return text

    @property
    def partial(self) -> bool:
        """Some host's document says partial. Every input that could not be read, and every
        skip that may have missed evidence, is in some document (an input no host shares
        a folder with gets a document of its own), so a saved report shows what the exit
        code says; a note without a file to name is counted here too."""
        missed = any(_may_miss(note) for note in self.unplaced)
        return missed or bool(self.unreadable) or any(host.partial for host in self.hosts)


@dataclass
class _Opened:
    evidence: list[Evidence] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    arguments: dict[str, str] = field(default_factory=dict)  # evidence path -> argument
    extractions: list[Extraction | ImageExtraction] = field(default_factory=list)
    event_logs: list[EventLog] = field(default_factory=list)


# Every private folder of copies that exists in this process: removed at once by a batch
# worker told to stop (hiveparse.batch.run), wherever its analysis stands.
_WORKSPACES: set[tempfile.TemporaryDirectory[str]] = set()


def remove_workspaces() -> None:
    """Remove every private folder of copies of this process (a worker stopping at once)."""
    for folder in list(_WORKSPACES):
        folder.cleanup()
        _WORKSPACES.discard(folder)


class Collections:
    """Where ZIP collections and disk images are copied from while they are analysed: a
    private temporary folder, made at the first one and removed when the ``with`` block
    ends (the documents are made inside it); the ZIPs' password and how images are read.
    Without it, ZIPs and images are skipped."""

    def __init__(self, password: str | None = None, images: ImageOptions | None = None) -> None:
        from hiveparse.evidence.image.codes import ImageOptions  # noqa: PLC0415

        self.password = password
        self.images = images or ImageOptions()
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._sigpipe: Any = None

    def workspace(self) -> Path:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="hiveparse-")
            _WORKSPACES.add(self._folder)
            self._keep_on_closed_pipe()
        return Path(self._folder.name)

    def _keep_on_closed_pipe(self) -> None:
        """While copies of evidence (hives, master keys) sit in the folder, a closed pipe
        (``| head``) must not kill the process before it removes them: the write raises
        instead, and the ``with`` blocks clean up on the way out."""
        import signal  # noqa: PLC0415

        try:
            self._sigpipe = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        except (ValueError, AttributeError):  # not the main thread, or no SIGPIPE here
            self._sigpipe = None

    def __enter__(self) -> Collections:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            _WORKSPACES.discard(self._folder)
            self._folder = None
            if self._sigpipe is not None:
                import signal  # noqa: PLC0415

                signal.signal(signal.SIGPIPE, self._sigpipe)
                self._sigpipe = None


def _open_all(
    paths: Sequence[Path],
    *,
    encoding: str | None,
    engine: str,
    argument: str | None = None,
    collections: Collections | None = None,
) -> _Opened:
    from hiveparse.evidence.discover import discover_evidence  # noqa: PLC0415

    discovery = discover_evidence(
        list(paths), archives=collections is not None, event_logs=collections is not None
    )
    opened = _Opened(notes=list(discovery.diagnostics))
    opened.unreadable = [Unreadable(e.path, e.message, e.kind) for e in discovery.errors]
    found_files = [(found.path, argument or str(found.argument)) for found in discovery.files]
    found_logs = [(found, argument or str(found.argument)) for found in discovery.event_logs]
    if collections is not None:
        for archive, extraction in _unpacked(discovery.archives, collections, opened, argument):
            opened.extractions.append(extraction)
            opened.notes += extraction.diagnostics
            inside = discover_evidence([extraction.root], event_logs=True)
            image = archive.kind == HeadKind.IMAGE
            # An image says itself what it holds (image.no_windows, its volumes' notes).
            opened.notes += [
                note for note in inside.diagnostics if not (image and note.code == NO_EVIDENCE)
            ]
            if image:
                opened.arguments[str(extraction.root)] = argument or str(archive.argument)
            opened.unreadable += [Unreadable(e.path, e.message, e.kind) for e in inside.errors]
            found_files += [(f.path, argument or str(archive.argument)) for f in inside.files]
            found_logs += [(log, argument or str(archive.argument)) for log in inside.event_logs]
    for path, given in found_files:
        opened.arguments[str(path)] = given
        try:
            opened.evidence.append(open_evidence(path, engine=engine, encoding=encoding))
        except (HiveparseError, MemoryError) as error:
            opened.unreadable.append(_unreadable(path, error))
    for log, given in found_logs:
        opened.arguments[str(log.path)] = given
        _read_event_log(log, opened)
    return opened


def _read_event_log(found: FoundEventLog, opened: _Opened) -> None:
    """One event log read (its events of interest kept), or said why not: found in a
    folder, a log of a channel that holds none of the reported events is passed over."""
    from hiveparse.events.catalogue import OF_INTEREST, reports_channel  # noqa: PLC0415
    from hiveparse.events.evtx_file import first_channel, read_event_log  # noqa: PLC0415
    from hiveparse.events.xml_export import read_event_xml  # noqa: PLC0415

    path = found.path
    try:
        if found.format == "evtx" and not found.explicit:
            channel = first_channel(path)
            if channel is not None and not reports_channel(channel):
                opened.notes.append(
                    Diagnostic(
                        OTHER_CHANNEL,
                        f"an event log of the channel {channel!r}, which holds none of the "
                        "events hiveparse reports: not read",
                        Location(str(path)),
                        Severity.INFO,
                    )
                )
                return
        reader = read_event_log if found.format == "evtx" else read_event_xml
        opened.event_logs.append(reader(path, keep=OF_INTEREST))
    except (HiveparseError, MemoryError) as error:
        opened.unreadable.append(_unreadable(path, error))


def _unreadable(path: Path, error: HiveparseError | MemoryError) -> Unreadable:
    """An input that could not be read, and where. One input past the memory limit is that
    input's problem: the others' hosts are still reported (the run is partial)."""
    if isinstance(error, MemoryError):
        message = "it could not be read within this process's memory limit"
        return Unreadable(str(path), message, "ResourceLimit")
    where = error.location
    return Unreadable(str(path), error.message, type(error).__name__,
                      where.line, where.column, where.offset)  # fmt: skip


OTHER_CHANNEL = "events.other_channel"  # a log passed over: its channel holds nothing reported


def _unpacked(
    found: Sequence[FoundArchive],
    collections: Collections,
    opened: _Opened,
    argument: str | None,
) -> Iterator[tuple[FoundArchive, Extraction | ImageExtraction]]:
    """Each ZIP collection and disk image copied out; what cannot be opened, and each
    encrypted volume of an image, is an unreadable input of its own."""
    from hiveparse.evidence.archive import extract_collection  # noqa: PLC0415

    images = [item for item in found if item.kind == HeadKind.IMAGE]
    components: set[str] = set()
    if images:
        from hiveparse.evidence.image.formats import image_components  # noqa: PLC0415

        for image in images:
            components.update(normalized_path(part) for part in image_components(image.path))
    for archive in found:
        if normalized_path(archive.path) in components:
            continue  # an extent read through the VMDK descriptor that names it
        extraction: Extraction | ImageExtraction
        try:
            if archive.kind == HeadKind.IMAGE:
                from hiveparse.evidence.image.extract import extract_image  # noqa: PLC0415
                from hiveparse.evidence.image.formats import ImageFormat  # noqa: PLC0415

                image_format = ImageFormat(archive.image_format or ImageFormat.RAW)
                extraction = extract_image(
                    archive.path, image_format, collections.workspace(), collections.images
                )
                for folder, what, offset in extraction.encrypted:
                    opened.unreadable.append(
                        Unreadable(folder, what, ENCRYPTED_KIND, offset=offset, archive=True)
                    )
                    # The volume's document names its case as the image's hosts do.
                    opened.arguments[folder] = argument or str(archive.argument)
            else:
                extraction = extract_collection(
                    archive.path, collections.workspace(), password=collections.password
                )
        except HiveparseError as error:
            where = error.location
            opened.unreadable.append(
                Unreadable(str(archive.path), error.message, type(error).__name__,
                           offset=where.offset, archive=True)
            )  # fmt: skip
            continue
        yield archive, extraction


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _owners(path: str, groups: list[HostGroup], *, folder_level: bool) -> list[HostGroup]:
    """The hosts a diagnostic or an unreadable file at ``path`` belongs to: the host whose
    folder holds it; for a problem with a whole folder (a limit reached, an unreadable
    directory), every host found below that folder."""
    where = normalized_path(path)
    holding = [g for g in groups if _inside(where, normalized_path(g.folder))]
    if holding:
        deepest = max(len(normalized_path(g.folder)) for g in holding)
        return [g for g in holding if len(normalized_path(g.folder)) == deepest]
    if folder_level:
        return [g for g in groups if _inside(normalized_path(g.folder), where)]
    return []


_FOLDER_CODES = (
    frozenset(
        {
            "discover.limit_reached",
            "discover.too_deep",
            "discover.unreadable",
            "discover.no_evidence",
        }
    )
    | ARCHIVE_CODES
    | IMAGE_CODES
)  # an archive's or image's notes are located at the folder its files were copied to


def _may_miss(note: Diagnostic) -> bool:
    """A note that evidence may have been missed: a skip of discovery, an archive's error."""
    return note.code in MAY_MISS_EVIDENCE or (
        note.code in ARCHIVE_CODES | IMAGE_CODES and note.severity == Severity.ERROR
    )


def _host_keys(group: HostGroup, named: MasterKeys) -> MasterKeys:
    """The master keys of one host: those where Windows keeps them on the host's own volume
    (``Microsoft\\Protect\\S-1-5-18``), never another host's, and every file the user named
    (--masterkeys serves every host)."""
    from hiveparse.evidence.discover import drive_trees  # noqa: PLC0415
    from hiveparse.evidence.masterkey_files import MasterKeys, find_master_keys  # noqa: PLC0415

    # In a Velociraptor collection the keys may have come through another accessor than
    # the hives (uploads/auto/C%3A beside uploads/ntfs/%5C%5C.%5CC%3A): every copy of the
    # drive is searched.
    keys = find_master_keys(drive_trees(group.folder)) if group.volume else MasterKeys()
    keys.add(named)
    return keys


def _supporting(
    evidence: list[Evidence], decryption: GraceDecryption | None, keys: MasterKeys
) -> list[SupportingFile]:
    files: list[SupportingFile] = []
    for item in evidence:
        for mounted in item.hives:
            for log in mounted.hive.logs_applied:
                # Hashed from the bytes the replay read; a peer engine's logs from disk.
                read = mounted.hive.files_read.get(log)
                if read is not None:
                    digest, size = read.sha256, read.size
                else:
                    try:
                        digest, size = sha256_file(Path(log)), Path(log).stat().st_size
                    except OSError:
                        digest, size = None, None
                files.append(
                    SupportingFile(log, digest, size, "transaction log applied", item.path)
                )
    if decryption is not None and decryption.master_key_file is not None:
        import hashlib  # noqa: PLC0415

        ref = next((r for r in keys.files.values() if r.path == decryption.master_key_file), None)
        if ref is not None:
            files.append(
                SupportingFile(
                    ref.path,
                    hashlib.sha256(ref.data).hexdigest(),
                    len(ref.data),
                    "DPAPI master key that opened the grace-period timebomb",
                )
            )
    return files


def _roles(
    evidence: list[Evidence], decryption: GraceDecryption | None, disputed: dict[str, int]
) -> dict[str, str]:
    """What each input is to the host: the hive it gives, a second source of one (which
    agrees with it, or not: ``disputed`` counts the conflicts each input is part of), key
    material."""
    hive_files: dict[HiveType, str] = {}
    for item in evidence:
        if item.format == EvidenceFormat.REGF:
            for mounted in item.hives:
                hive_files.setdefault(mounted.hive.hive_type, item.path)
    roles: dict[str, str] = {}
    for item in evidence:
        types = [mounted.hive.hive_type for mounted in item.hives]
        if item.format == EvidenceFormat.REGF:
            kind = "hive"
            if any(m.hive.written_by_converter for m in item.hives):
                script = "change script" if item.reg_deletions_total else ".reg export"
                kind = f"hive written by hiveparse convert from the {script} {script_name(item)}"
            roles[item.path] = f"{'/'.join(types) or 'unknown'} {kind}"
            continue
        copied = [f"{t} ({hive_files[t]})" for t in types if t in hive_files]
        if copied:
            count = disputed.get(item.path, 0)
            verdict = (
                f"it disagrees on {count} fact(s) (see evidence.conflict)"
                if count
                else "a corroborating copy: it agrees wherever both show a licensing fact"
            )
            roles[item.path] = f".reg export: a second source for {', '.join(copied)}; {verdict}"
        else:
            what = "/".join(types) or "no hive"
            kind = "change script" if item.reg_deletions_total else "export"
            roles[item.path] = f".reg {kind} ({what})"
    security = None if decryption is None else decryption.security_hive
    if security is not None and security in roles:
        roles[security] += "; opened the LSA secrets for decryption"
    return roles


def _disputed_inputs(facts: FactSet) -> dict[str, int]:
    """How many conflicts each input takes part in."""
    from hiveparse.rds.conflicts import evidence_conflicts  # noqa: PLC0415

    counts: dict[str, int] = {}
    for conflict in evidence_conflicts(facts):
        for path in {reading.source.evidence.path for reading in conflict.readings}:
            counts[path] = counts.get(path, 0) + 1
    return counts


def analyze(
    paths: Sequence[Path],
    *,
    as_of: datetime,
    encoding: str | None = None,
    engine: str = "hiveparse",
    carve: Carve = Carve.NEAR,
    security: Sequence[Path] = (),
    masterkeys: Sequence[Path] = (),
    grouping: Grouping | None = None,
    argument: str | None = None,
    collections: Collections | None = None,
) -> Analysis:
    """``carve``: how much of each hive's unallocated space is searched for deleted
    licensing records (the bins around the licensing keys by default). ``grouping``: how
    inputs become hosts (:class:`~hiveparse.evidence.hosts.Grouping`, auto by default).

    The grace period's end is decrypted when the key material is there: the SECURITY hive
    and master key files of the host's own folder (laid out as a Windows volume), or those
    named by ``security`` / ``masterkeys``, which serve every host.

    ``argument``: the EVIDENCE argument ``paths`` were found under, when they are one case
    of a batch (:mod:`hiveparse.batch`): hosts name their case relative to it.
    ``collections``: ZIP collections among the evidence are read (their members copied
    into its workspace, which must outlive the documents made from the analysis).
    """
    from hiveparse.evidence.hosts import Grouping, group_hosts  # noqa: PLC0415
    from hiveparse.evidence.masterkey_files import find_master_keys  # noqa: PLC0415

    opened = _open_all(
        paths, encoding=encoding, engine=engine, argument=argument, collections=collections
    )
    within = paths if argument is None else [Path(argument)]
    named = _open_all(security, encoding=encoding, engine="hiveparse")
    named_keys = find_master_keys(masterkeys, given=True)
    analysis = Analysis(
        as_of=as_of,
        unreadable=opened.unreadable + named.unreadable,
        discovery_notes=opened.notes + named.notes,
        extractions=opened.extractions,
    )
    groups = group_hosts(
        opened.evidence, grouping=grouping or Grouping.AUTO, arguments=opened.arguments
    )
    log_parts = _place_event_logs(opened, groups)
    placed: dict[int, list[Diagnostic]] = {id(g): [] for g in groups}
    for note in analysis.discovery_notes:
        source = note.location.source
        owners = (
            []
            if source is None
            else _owners(source, groups, folder_level=note.code in _FOLDER_CODES)
        )
        for owner in owners:
            placed[id(owner)].append(note)
        if not owners and note.severity != Severity.INFO:
            analysis.unplaced.append(note)
    lost: dict[int, list[Unreadable]] = {id(g): [] for g in groups}
    orphans: list[Unreadable] = []
    for item in analysis.unreadable:
        owners = _owners(item.path, groups, folder_level=False)
        for owner in owners:
            lost[id(owner)].append(item)
        if not owners:
            orphans.append(item)
    for group in groups:
        host_keys = _host_keys(group, named_keys)
        analysis.hosts.append(
            _host_report(
                group, analysis, named.evidence, host_keys, placed[id(group)], carve,
                log_parts.get(id(group), []),
            )
        )  # fmt: skip
        report = analysis.hosts[-1]
        report.unreadable = lost[id(group)]
        report.diagnostics += [unreadable_diagnostic(item) for item in report.unreadable]
    for orphan in orphans:
        analysis.hosts.append(_unreadable_report(orphan, analysis, opened.arguments, within))
    said = _damaged_images(analysis, opened.arguments, within)
    if analysis.hosts:  # with no host at all, the run reports nothing but its failure
        for note in analysis.unplaced:
            if _may_miss(note) and note.location.source is not None and note not in said:
                analysis.hosts.append(_skipped_report(note, analysis, opened.arguments, within))
    return analysis


def _place_event_logs(opened: _Opened, groups: list[HostGroup]) -> dict[int, list[LogPart]]:
    """The event logs given to the hosts (by layout, computer name or folder); the records
    no host takes become hosts of their own, added to ``groups``."""
    if not opened.event_logs:
        return {}
    from hiveparse.evidence.event_placement import place_logs  # noqa: PLC0415

    placement = place_logs(opened.event_logs, groups, opened.arguments)
    for group, parts in placement.own:
        groups.append(group)
        placement.parts[id(group)] = parts
    return placement.parts


def _damaged_images(
    analysis: Analysis, arguments: dict[str, str], paths: Sequence[Path]
) -> list[Diagnostic]:
    """A document for each disk image that gave no host and whose reading failed (a missing
    segment, a damaged volume): what went wrong is in a report, not only on stderr. The
    notes it holds are returned."""
    if not analysis.extractions:
        return []
    from hiveparse.evidence.image.extract import ImageExtraction  # noqa: PLC0415

    said: list[Diagnostic] = []
    for extraction in analysis.extractions:
        if not isinstance(extraction, ImageExtraction):
            continue
        root = normalized_path(extraction.root)
        if any(_inside(normalized_path(host.folder), root) for host in analysis.hosts):
            continue
        notes = [
            note
            for note in analysis.unplaced
            if note.location.source is not None
            and _inside(normalized_path(note.location.source), root)
            and _may_miss(note)
        ]
        if not notes:
            continue
        said += notes
        analysis.hosts.append(
            _input_only_report(
                str(extraction.root),
                f"damaged image ({extraction.image})",
                "the image could not be read far enough to find a Windows installation",
                notes,
                analysis,
                arguments,
                paths,
                str(extraction.root),
            )
        )
    return said


def _host_report(
    group: HostGroup,
    analysis: Analysis,
    named_security: list[Evidence],
    keys: MasterKeys,
    notes: list[Diagnostic],
    carve: Carve,
    log_parts: list[LogPart],
) -> HostReport:
    from hiveparse.events.host_events import HostEvents  # noqa: PLC0415
    from hiveparse.rds.event_findings import judge_events  # noqa: PLC0415
    from hiveparse.rds.grace_decrypt import decrypt_grace  # noqa: PLC0415
    from hiveparse.rds.rulebook import judge_host  # noqa: PLC0415

    facts = collect_facts(group.evidence, carve=carve)
    evidence = list(group.evidence)
    evidence += [item for item in named_security if item not in evidence]
    decryption = decrypt_grace(facts, evidence, keys)
    state = build_state(facts, analysis.as_of, decryption)
    # Master key files are key material the decryption reads, not skipped evidence.
    keys_read = {normalized_path(ref.path) for ref in keys.files.values()}
    notes = [
        note
        for note in notes
        if note.code != "discover.not_evidence"
        or note.location.source is None
        or normalized_path(note.location.source) not in keys_read
    ]
    diagnostics: list[Diagnostic] = [*notes, *facts.notes, *keys.notes]
    for item in evidence:
        diagnostics.extend(item.all_diagnostics)
    late = _after_as_of(facts, analysis.as_of)
    if late is not None:
        diagnostics.append(late)
    events = HostEvents(log_parts) if log_parts else None
    if events is not None:
        diagnostics += events.diagnostics()
        logged_late = _logged_after_as_of(events, analysis.as_of)
        if logged_late is not None:
            diagnostics.append(logged_late)
    judgement = judge_host(state)
    judge_events(judgement, state, events)
    return HostReport(
        label=group.label,
        reasons=list(group.reasons),
        evidence=evidence,
        state=state,
        judgement=judgement,
        events=events,
        diagnostics=list(dict.fromkeys(diagnostics)),
        case=group.case,
        argument=group.argument,
        folder=group.folder,
        roles=_roles(evidence, decryption, _disputed_inputs(facts)),
        supporting=_supporting(evidence, decryption, keys),
    )


def _after_as_of(facts: FactSet, as_of: datetime) -> Diagnostic | None:
    """A warning when the evidence was written after the analysis date: days left and
    "expired" would then be measured against a moment the evidence postdates."""
    from hiveparse.filetime import filetime_to_datetime  # noqa: PLC0415

    latest = max(
        (fact for fact in facts.facts if fact.key_time), key=lambda f: f.key_time or 0, default=None
    )
    written = None if latest is None else filetime_to_datetime(latest.key_time or 0)
    if latest is None or written is None or written <= as_of:
        return None
    return Diagnostic(
        "analyze.as_of_before_evidence",
        f"the analysis date {iso_z(as_of)} is before the evidence: {latest.full_key_path} was "
        f"last written {iso_z(written)}; days left and expiry are measured against a date the "
        "evidence postdates (give --as-of the moment the evidence was collected)",
        Location(latest.evidence.path),
        Severity.WARNING,
    )


def _logged_after_as_of(events: HostEvents, as_of: datetime) -> Diagnostic | None:
    """A warning when the host's logs hold events of interest logged after the analysis
    date: they are reported and weighed all the same, against a moment they postdate."""
    from hiveparse.events.evtx_file import instant  # noqa: PLC0415

    last = events.last_logged()
    moment = None if last is None else instant(last[0])
    if last is None or moment is None or moment <= as_of:
        return None
    return Diagnostic(
        "analyze.as_of_before_events",
        f"the analysis date {iso_z(as_of)} is before events of the host's logs (the last "
        f"logged {last[0]}): they are reported and weighed against a date they postdate (give "
        "--as-of the moment the evidence was collected)",
        Location(last[1]),
        Severity.WARNING,
    )


def _unreadable_report(
    item: Unreadable, analysis: Analysis, arguments: dict[str, str], paths: Sequence[Path]
) -> HostReport:
    """A document for an input no host shares a folder with: nothing could be read."""
    report = _input_only_report(
        item.path,
        f"unreadable input ({item.path})",
        "nothing in this input could be read, and no other input shares its folder",
        [unreadable_diagnostic(item)],
        analysis,
        arguments,
        paths,
        item.path if item.archive else None,  # a collection is a folder of its own
    )
    report.unreadable = [item]
    return report


def _skipped_report(
    note: Diagnostic, analysis: Analysis, arguments: dict[str, str], paths: Sequence[Path]
) -> HostReport:
    """A document for an input discovery skipped (a link out of the evidence, a directory
    it could not list, a limit) where no host shares its folder: the skipped input may hold
    a host that is not reported, so the run's partiality is in a document, not only on
    stderr."""
    source = note.location.source or ""
    return _input_only_report(
        source,
        f"skipped input ({source})",
        "evidence may have been missed here (see the diagnostic), and no host was found in "
        "this folder",
        [note],
        analysis,
        arguments,
        paths,
    )


def _input_only_report(
    path: str,
    label: str,
    reason: str,
    diagnostics: list[Diagnostic],
    analysis: Analysis,
    arguments: dict[str, str],
    paths: Sequence[Path],
    folder: str | None = None,
) -> HostReport:
    from hiveparse.evidence.hosts import case_of  # noqa: PLC0415
    from hiveparse.rds.rulebook import Judgement  # noqa: PLC0415

    folder = folder or str(Path(path).parent)
    argument = arguments.get(path) or next(
        (str(p) for p in paths if _inside(normalized_path(path), normalized_path(str(p)))), None
    )
    return HostReport(
        label=label,
        reasons=[reason],
        evidence=[],
        state=build_state(collect_facts([]), analysis.as_of),
        judgement=Judgement(),
        diagnostics=diagnostics,
        case=case_of(folder, argument),
        argument=argument,
        folder=folder,
    )


def case_report(
    folder: str,
    label: str,
    reason: str,
    diagnostics: list[Diagnostic],
    as_of: datetime,
    argument: str | None,
) -> tuple[HostReport, Analysis]:
    """A document for a whole case of a batch that gave no host: a folder without registry
    evidence, or a case whose analysis failed (the diagnostics say why)."""
    analysis = Analysis(as_of=as_of)
    within = [] if argument is None else [Path(argument)]
    report = _input_only_report(folder, label, reason, diagnostics, analysis, {}, within, folder)
    return report, analysis


def _control_set_record(state: LicensingState) -> dict[str, Any] | None:
    sets = list(state.facts.control_sets.values())
    if not sets:
        return None
    first = sets[0]
    return {"current": first["current"], "available": first["available"], "sources": sets}


def host_document(host: HostReport, analysis: Analysis) -> dict[str, Any]:
    """One host's report, in the published schema (schema_version 1)."""
    state = host.state
    control_sets = state.facts.control_sets
    current = next(iter(control_sets.values()), {}).get("current") if control_sets else None

    def evidence_fields(item: Evidence) -> dict[str, Any]:
        system = any(m.hive.hive_type == "SYSTEM" for m in item.hives)
        return {"control_set": current if system else None, "role": host.roles.get(item.path)}

    body = {
        "supporting_files": [item.to_dict() for item in host.supporting],
        "control_sets": _control_set_record(state),
        "licensing": {
            "mode": state.mode.to_dict(),
            "license_servers": state.servers.to_dict(),
            "grace_period": state.grace.to_dict(),
            "client": host.state.client.to_dict(),
            "role": state.role.to_dict(),
        },
        "rdp": state.rdp.to_dict(),
        "events": None if host.events is None else host.events.to_dict(),
        "recovered": {
            "scans": state.facts.recoveries,
            "facts": [fact.evidence_record() for fact in state.facts.recovered],
        },
        "findings": [finding.to_dict() for finding in host.findings],
        "changes": script_changes(state.facts).to_list(),
        "coverage": state.facts.coverage.to_list(COVERED_HIVES),
        "not_judged": [item.to_dict() for item in host.judgement.not_judged],
        "not_applicable": [item.to_dict() for item in host.judgement.not_applicable],
        "unreadable": [item.to_dict() for item in host.unreadable],
    }
    head = {
        "as_of": iso_z(analysis.as_of),
        "host": {
            "label": host.label,
            "case": host.case,
            "argument": host.argument,
            "folder": host.folder,
            "grouping": host.reasons,
            "identity": state.identity.to_dict(),
        },
    }
    document = envelope(
        host.evidence,
        body,
        partial=host.partial,
        diagnostics=host.diagnostics,
        head=head,
        evidence_fields=evidence_fields,
    )
    if analysis.extractions:
        document = _shown_from_archives(document, analysis)
    return document


def _shown_from_archives(document: dict[str, Any], analysis: Analysis) -> dict[str, Any]:
    """The document with each copied member named as the archive's inside
    (``COLLECTION.zip!/member``), and the provenance of every file read from an archive
    (the archive's sha256, the member's name and sha256) beside its record."""
    from hiveparse.evidence.hosts import case_of  # noqa: PLC0415

    containers = {
        analysis.show(copied): record
        for extraction in analysis.extractions
        for copied, record in extraction.containers()
    }

    def shown(node: Any) -> Any:
        if isinstance(node, str):
            return analysis.show(node)
        if isinstance(node, list):
            return [shown(item) for item in node]
        if isinstance(node, dict):
            return {key: shown(value) for key, value in node.items()}
        return node

    document = shown(document)
    logs = (document.get("events") or {}).get("sources", [])
    for record in [*document["evidence"], *document.get("supporting_files", []), *logs]:
        if record["path"] in containers:
            record["container"] = containers[record["path"]]
    host = document["host"]
    if any(host["case"].startswith(e.shown) for e in analysis.extractions):
        host["case"] = case_of(host["case"], host["argument"])
    return document


# The code of an input that could not be read, by its kind: the class name of the error
# (hiveparse.errors) that opening it raised, or that discovery names. Any other kind is an
# EvidenceError's.
INPUT_CODES: dict[str, str] = {
    "EvidenceError": "input.evidence_error",
    "NotRegf": "input.not_regf",
    "Truncated": "input.truncated",
    "CorruptStructure": "input.corrupt_structure",
    "Unsupported": "input.unsupported",
    "ResourceLimit": "input.resource_limit",
    "Timeout": "input.timeout",
    "RegSyntaxError": "input.reg_syntax_error",
    "RegEncodingError": "input.reg_encoding_error",
    "EngineError": "input.engine_error",
    "UsageError": "input.usage_error",
    "EncryptedVolume": "input.encrypted_volume",
}


def unreadable_diagnostic(item: Unreadable) -> Diagnostic:
    where = Location(item.path, item.offset, item.line, item.column)
    code = INPUT_CODES.get(item.kind, "input.evidence_error")
    return Diagnostic(code, item.error, where, Severity.ERROR)
