"""Turning a .reg file into REGF hive files that any registry tool opens.

A .reg file is a change script; a hive holds state. What is written is the *snapshot* of the
file (:mod:`hiveparse.sources.regtext.snapshot`: every operation applied in order, one hive
per hive mount), serialised by our REGF writer (:mod:`hiveparse.sources.regf.writer`), then
read back with our reader and compared with the snapshot before anything is returned.

What a .reg file does not say is filled in with fixed, documented choices, each reported as a
diagnostic so that nobody mistakes it for evidence:

* **last-written times** — a .reg file has none. Every key, the base block and the first hbin
  get one time: the caller's, else the .reg file's modification time (UTC FILETIME)
  (``convert.synthetic_last_written``);
* **deletions** — ``[-key]`` and ``"value"=-`` are applied to the snapshot; a hive cannot
  say that something was deleted (``convert.deletions_not_represented``);
* **root key name** — for SYSTEM, SOFTWARE, SAM, DEFAULT and NTUSER the
  ``CMI-CreateHive{GUID}`` name Windows gives a freshly created hive of that type
  (:data:`hiveparse.paths.CMI_CREATE_HIVE`); ``<SID>_Classes`` for a UsrClass hive mounted
  as ``HKEY_USERS\\<SID>_Classes``; ``ROOT`` otherwise;
* **embedded file name** — where Windows keeps the hive (``\\SystemRoot\\System32\\Config\\
  SYSTEM``, ``\\??\\C:\\Users\\user\\ntuser.dat``, ...); empty for an unknown hive type;
* **security** — SYSTEM owns every key; the root grants SYSTEM and Administrators full
  control and Users read, the other keys inherit it (no explicit Administrators ACE, no
  Administrators owner: nothing that looks like the ACL a grace-period reset leaves);
* **origin** — the base block carries hiveparse's origin marker (:mod:`hiveparse.decode.origin`,
  in an area no reader interprets and no checksum covers): the .reg file's base name, sha256
  and size, the mount, the synthetic time, the file's export roots under the mount with
  whether each covers its subtree, and its deletions there. Our reader reports it
  (``RegfHive.origin``, ``regf.written_by_hiveparse``), so a converted hive is never taken
  for one Windows wrote.

Output files are named after the hive type (``SYSTEM``, ``SOFTWARE``, ``NTUSER.DAT``,
``UsrClass.dat``, ...); when two mounts of one .reg file would get the same name, the mount
that is not the type's usual home is qualified (``SYSTEM-OFFLINE_SYSTEM``,
``NTUSER-S-1-5-21-...-1001.DAT``). Keys a .reg file gives under HKEY_CLASSES_ROOT and
HKEY_CURRENT_CONFIG land in the SOFTWARE and SYSTEM hives, where those links lead
(:func:`hiveparse.paths.locate`). :func:`write_outputs` never overwrites a file; whether a
path may be written at all (never over, beside or inside the evidence) is decided by the
command line's one output policy (``hiveparse.cli.output``), not here.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat as stat_module
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PureWindowsPath

from hiveparse.decode.origin import HiveOrigin, OriginDeletion, OriginRoot, encode_origin
from hiveparse.errors import (
    Diagnostic,
    EvidenceError,
    HiveparseError,
    Location,
    NotRegf,
    Severity,
    UsageError,
    write_failure,
)
from hiveparse.filetime import EPOCH_1601, datetime_to_filetime, filetime_iso
from hiveparse.model import EvidenceFormat, HiveType, fold_name, walk
from hiveparse.paths import (
    CMI_CREATE_HIVE,
    HKCC,
    HKCR,
    HKCU,
    HKLM,
    HKU,
    default_mount,
    is_full_path,
)
from hiveparse.safefiles import open_regular_file
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regtext.coverage import RegCoverage
from hiveparse.sources.regtext.header import RegHeader
from hiveparse.sources.regtext.operations import CreateKey, DeleteKey, DeleteValue
from hiveparse.sources.regtext.reader import RegReader
from hiveparse.sources.regtext.snapshot import SnapshotBuilder, canonical_mount, location_of

__all__ = [
    "REGF_MINOR_VERSION",
    "ConvertedHive",
    "PlannedOutput",
    "RegConversion",
    "WrittenHive",
    "convert_reg_file",
    "convert_reg_to_hives",
    "plan_outputs",
    "select_hive",
    "write_outputs",
]

REGF_MINOR_VERSION = 5  # REGF 1.5, as Windows saves SYSTEM and SOFTWARE; db big data needs 1.4+
_FILETIME_UNIX_EPOCH = 116_444_736_000_000_000  # 1970-01-01 as a FILETIME
_SNIFF_BYTES = 4096
_HASH_CHUNK = 1 << 20
_MAX_NAME_PART = 100  # characters of a mount kept in an output file name
_MAX_KEPT_DELETIONS = 10_000  # per mount, for the origin marker (which holds far fewer)

_CONFIG = "\\SystemRoot\\System32\\Config\\"


def _converted_security() -> tuple[bytes, bytes]:
    """The descriptors of a converted hive: a .reg file has none, so none is made up that a
    reader could take for evidence. SYSTEM owns every key; the root grants SYSTEM and
    Administrators full control and Users read, and every other key inherits that (its ACEs
    flagged INHERITED_ACE): no explicit Administrators ACE and no Administrators owner, the
    marks a grace-period reset leaves on RCM\\GracePeriod."""
    from hiveparse.decode.security import Grant, build_security_descriptor  # noqa: PLC0415
    from hiveparse.schemas import security  # noqa: PLC0415

    grants = (
        ("S-1-5-18", security.KEY_ALL_ACCESS),
        ("S-1-5-32-544", security.KEY_ALL_ACCESS),
        ("S-1-5-32-545", security.KEY_READ),
    )
    root = build_security_descriptor(
        "S-1-5-18", "S-1-5-18", [Grant(sid, mask) for sid, mask in grants]
    )
    other = build_security_descriptor(
        "S-1-5-18", "S-1-5-18", [Grant(sid, mask, inherited=True) for sid, mask in grants]
    )
    return root, other


CONVERTED_SECURITY = _converted_security()
_USER = "\\??\\C:\\Users\\user\\"

# Hive type -> (file name stem, extension, embedded file name) of the file Windows keeps.
_FILES: dict[HiveType, tuple[str, str, str]] = {
    HiveType.SYSTEM: ("SYSTEM", "", _CONFIG + "SYSTEM"),
    HiveType.SOFTWARE: ("SOFTWARE", "", _CONFIG + "SOFTWARE"),
    HiveType.SECURITY: ("SECURITY", "", _CONFIG + "SECURITY"),
    HiveType.SAM: ("SAM", "", _CONFIG + "SAM"),
    HiveType.DEFAULT: ("DEFAULT", "", _CONFIG + "DEFAULT"),
    HiveType.COMPONENTS: ("COMPONENTS", "", _CONFIG + "COMPONENTS"),
    HiveType.DRIVERS: ("DRIVERS", "", _CONFIG + "DRIVERS"),
    HiveType.ELAM: ("ELAM", "", _CONFIG + "ELAM"),
    HiveType.BCD: ("BCD", "", "\\Device\\HarddiskVolume1\\Boot\\BCD"),
    HiveType.NTUSER: ("NTUSER", ".DAT", _USER + "ntuser.dat"),
    HiveType.USRCLASS: (
        "UsrClass",
        ".dat",
        _USER + "AppData\\Local\\Microsoft\\Windows\\UsrClass.dat",
    ),
    HiveType.AMCACHE: ("Amcache", ".hve", "\\??\\C:\\Windows\\AppCompat\\Programs\\Amcache.hve"),
}
_CMI_ROOT_NAMES: dict[HiveType, str] = {
    hive_type: f"CMI-CreateHive{{{guid}}}" for guid, hive_type in CMI_CREATE_HIVE.items()
}
_UNKNOWN_ROOT_NAME = "ROOT"
_SHORT_ROOTS = {HKLM: "HKLM", HKU: "HKU", HKCU: "HKCU", HKCR: "HKCR", HKCC: "HKCC"}
# Links into a hive that a .reg file may name (hiveparse.paths.locate maps them).
_LINKED_ROOTS: dict[str, tuple[str, str]] = {
    HKCR: ("convert.classes_root_in_software", "below Classes in the SOFTWARE hive"),
    HKCC: (
        "convert.current_config_in_system",
        "below CurrentControlSet\\Hardware Profiles\\Current in the SYSTEM hive",
    ),
}
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._{}-]")
_CLASSES_MOUNT = re.compile(r"^S-1-[0-9-]+_Classes$", re.IGNORECASE)


@dataclass(frozen=True)
class ConvertedHive:
    """One hive mount of a .reg file, written as a REGF primary file (``data``)."""

    mount: str  # e.g. "HKEY_LOCAL_MACHINE\\SYSTEM", as the snapshot spells it
    hive_type: HiveType
    data: bytes
    diagnostics: tuple[Diagnostic, ...]  # the .reg file's, then this conversion's
    snapshot: MemoryHive  # what was written: the .reg file's state for this mount
    root_name: str
    embedded_file_name: str
    last_written: int  # FILETIME of every key and of the base block
    keys: int  # the root included
    values: int
    file_name: str = ""  # the name given to this hive's file when -o is a directory
    origin: HiveOrigin | None = None  # what the base block's origin marker holds

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class RegConversion:
    """A whole .reg file converted: one :class:`ConvertedHive` per hive mount it names."""

    source: str
    size: int
    sha256: str
    header: RegHeader
    encoding: str
    last_written: int
    last_written_origin: str  # "file_mtime" or "given"
    diagnostics: tuple[Diagnostic, ...]  # the .reg file's, then every conversion note
    hives: tuple[ConvertedHive, ...]
    key_deletions: int = 0
    value_deletions: int = 0


@dataclass(frozen=True)
class PlannedOutput:
    hive: ConvertedHive
    path: Path


@dataclass(frozen=True)
class WrittenHive:
    hive: ConvertedHive
    path: Path
    size: int
    sha256: str


@dataclass
class _Deletions:
    mount: str = ""
    keys: int = 0
    values: int = 0
    first_line: int | None = None

    def add(self, *, key: bool, line: int) -> None:
        if key:
            self.keys += 1
        else:
            self.values += 1
        if self.first_line is None:
            self.first_line = line

    def describe(self) -> str:
        parts = []
        if self.keys:
            parts.append(f"{self.keys} key deletion{'s' if self.keys != 1 else ''} ([-key])")
        if self.values:
            parts.append(
                f'{self.values} value deletion{"s" if self.values != 1 else ""} ("name"=-)'
            )
        return " and ".join(parts)


@dataclass
class _Parsed:
    header: RegHeader
    encoding: str
    diagnostics: list[Diagnostic]
    hives: dict[str, MemoryHive]
    deletions: dict[str, _Deletions] = field(default_factory=dict)  # folded mount -> counts
    # folded mount -> {HKEY_CLASSES_ROOT or HKEY_CURRENT_CONFIG: first key line naming it}
    linked: dict[str, dict[str, int]] = field(default_factory=dict)
    coverage: RegCoverage = field(default_factory=RegCoverage)
    # folded mount -> the deletions under it (at most _MAX_KEPT_DELETIONS), for the marker
    deleted: dict[str, list[OriginDeletion]] = field(default_factory=dict)


# --- the library entry points -------------------------------------------------------------


def convert_reg_to_hives(
    reg_path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    strict: bool = False,
    last_written: datetime | None = None,
) -> list[ConvertedHive]:
    """The hives the .reg file at ``reg_path`` describes, one per hive mount, as REGF bytes.

    See :func:`convert_reg_file` (which also returns what is known about the input).
    """
    return list(
        convert_reg_file(
            reg_path, encoding=encoding, strict=strict, last_written=last_written
        ).hives
    )


def convert_reg_file(
    reg_path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    strict: bool = False,
    last_written: datetime | None = None,
    minor_version: int = REGF_MINOR_VERSION,
    check: bool = True,
) -> RegConversion:
    """Convert the .reg file at ``reg_path`` (opened read-only, never modified).

    ``encoding`` is the ANSI code page of REGEDIT4 files and ``strict`` stops at the first
    line regedit would reject, as for every .reg reader here. ``last_written`` (an aware
    datetime) becomes every key's last-written time; by default the .reg file's modification
    time is used. With ``check`` each hive is read back with our reader and compared with the
    snapshot; a difference is a bug in hiveparse and raises RuntimeError.

    Raises :class:`~hiveparse.errors.EvidenceError` subclasses when the input is not a
    readable .reg file, :class:`~hiveparse.errors.UsageError` for an unusable argument.
    A file whose snapshot has no key (one that only deletes, say) gives no hives.
    """
    source = os.fspath(reg_path)
    path = Path(source)
    size, digest, mtime_ns = _inspect_input(path, source)
    if last_written is None:
        filetime = max(0, _FILETIME_UNIX_EPOCH + mtime_ns // 100)
        origin = "file_mtime"
    else:
        filetime = _filetime_of(last_written)
        origin = "given"
    parsed = _parse(path, source, encoding=encoding, strict=strict)
    time_note = _time_note(source, filetime, origin)
    notes: list[Diagnostic] = [time_note] if parsed.hives else []
    written_mounts = {fold_name(mount) for mount in parsed.hives}
    notes.extend(
        _orphan_deletions_note(source, counted)
        for folded, counted in parsed.deletions.items()
        if folded not in written_mounts
    )
    # Deletions under a mount that gets no hive travel in the first hive's marker, so that
    # the converted hives still report everything the file deletes, once.
    orphans = [
        deletion
        for folded, deleted in parsed.deleted.items()
        if folded not in written_mounts
        for deletion in deleted
    ]
    hives: list[ConvertedHive] = []
    for mount, snapshot in parsed.hives.items():
        own = _hive_notes(source, mount, snapshot, parsed)
        wanted = _origin(source, size, digest, mount, filetime, parsed, orphans)
        orphans = []
        marker, stored = encode_origin(wanted)
        if not stored.complete:
            own.append(_incomplete_origin_note(source, mount, wanted, stored))
        notes.extend(own)
        hives.append(
            _write(
                mount,
                snapshot,
                filetime,
                diagnostics=(*parsed.diagnostics, time_note, *own),
                minor_version=minor_version,
                check=check,
                marker=marker,
                origin=stored,
            )
        )
    return RegConversion(
        source=source,
        size=size,
        sha256=digest,
        header=parsed.header,
        encoding=parsed.encoding,
        last_written=filetime,
        last_written_origin=origin,
        diagnostics=(*parsed.diagnostics, *notes),
        hives=tuple(_name_files(hives)),
        key_deletions=sum(d.keys for d in parsed.deletions.values()),
        value_deletions=sum(d.values for d in parsed.deletions.values()),
    )


def select_hive(conversion: RegConversion, wanted: str) -> ConvertedHive:
    """The hive of ``conversion`` that ``wanted`` names: a mount in any root spelling
    (``HKLM\\SOFTWARE``, ``HKCR``, ``HKU\\S-1-5-...``), the name its file would get
    (``SOFTWARE``, ``NTUSER.DAT``), or a hive type held by one mount only."""
    hives = conversion.hives
    text = wanted.strip().strip("\\")
    if is_full_path(text):
        try:
            mount = canonical_mount(location_of(text).mount)
        except UsageError:
            mount = text
        for hive in hives:
            if fold_name(hive.mount) == fold_name(mount):
                return hive
    for hive in hives:
        if fold_name(hive.file_name) == fold_name(text):
            return hive
    typed = [hive for hive in hives if fold_name(str(hive.hive_type)) == fold_name(text)]
    if len(typed) == 1:
        return typed[0]
    available = ", ".join(f"{h.mount} ({h.file_name})" for h in hives) or "none"
    raise UsageError(
        f"--mount {wanted!r} names no hive mount of the .reg file; it has: {available}"
    )


def plan_outputs(
    conversion: RegConversion,
    output: Path,
    *,
    mount: str | None = None,
    directory: bool | None = None,
) -> list[PlannedOutput]:
    """Where each hive goes: one file per hive, named :attr:`ConvertedHive.file_name`, in
    ``output`` when it is a directory (an existing one; ``directory=True`` for one the
    caller will create, ``False`` to take ``output`` as a file name whatever it is), else
    ``output`` itself for a single hive.

    Refuses (UsageError) a .reg file with nothing to convert and several hives without a
    directory. Nothing is written and nothing is judged about the paths themselves: the
    caller's output policy checks every planned path.
    """
    if not conversion.hives:
        rejected = [d for d in conversion.diagnostics if d.severity == Severity.ERROR]
        if rejected:  # its key lines could not be read: the evidence's problem, not the call's
            raise EvidenceError(
                f"{_nothing_to_convert(conversion)} that could be read ({rejected[0]})",
                source=conversion.source,
            )
        raise UsageError(_nothing_to_convert(conversion), source=conversion.source)
    hives = [select_hive(conversion, mount)] if mount is not None else list(conversion.hives)
    if output.is_dir() if directory is None else directory:
        return [PlannedOutput(hive, output / hive.file_name) for hive in hives]
    if len(hives) > 1:
        names = ", ".join(hive.mount for hive in hives)
        raise UsageError(
            f"the .reg file holds {len(hives)} hive mounts ({names}): choose one with "
            "--mount, or give a directory as -o (an existing one, or a new one written with "
            "a trailing /) to write one file per mount",
            source=conversion.source,
        )
    return [PlannedOutput(hives[0], output)]


def write_outputs(planned: Sequence[PlannedOutput]) -> list[WrittenHive]:
    """Create every planned file (exclusively: an existing file is never replaced).

    When one cannot be written, the files this call created are removed again and the error
    names the one that failed (:func:`hiveparse.errors.write_failure`: a usage error for a
    place that cannot be written to, an OutputError for a full or read-only file system).
    """
    created: list[Path] = []
    written: list[WrittenHive] = []
    try:
        for item in planned:
            try:
                with item.path.open("xb") as sink:
                    created.append(item.path)
                    sink.write(item.hive.data)
            except FileExistsError as error:
                raise UsageError(f"{str(item.path)!r} exists; refusing to overwrite it") from error
            except OSError as error:
                raise write_failure(str(item.path), error) from error
            written.append(WrittenHive(item.hive, item.path, item.hive.size, item.hive.sha256))
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return written


# --- reading the input --------------------------------------------------------------------


def _inspect_input(path: Path, source: str) -> tuple[int, str, int]:
    """(size, sha256, mtime in ns) of a file that looks like a .reg file, else raise."""
    from hiveparse.evidence.open import sniff_format  # noqa: PLC0415 - keeps this module light

    try:
        stat = path.stat()
        if stat_module.S_ISDIR(stat.st_mode):
            raise EvidenceError("is a directory, not a .reg file", source=source)
        if not stat_module.S_ISREG(stat.st_mode):
            raise EvidenceError("is not a regular file", source=source)
        digest = hashlib.sha256()
        with open_regular_file(path) as handle:
            prefix = handle.read(_SNIFF_BYTES)
            digest.update(prefix)
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
    except OSError as error:
        raise EvidenceError(f"cannot read: {error.strerror or error}", source=source) from error
    detected = sniff_format(prefix, whole_file=stat.st_size <= len(prefix))
    if detected == EvidenceFormat.REGF:
        raise NotRegf(
            "this is a registry hive already (REGF), not a .reg file", source=source, offset=0
        )
    if detected != EvidenceFormat.REG:
        raise NotRegf(
            "not a .reg file (no 'Windows Registry Editor Version 5.00' / 'REGEDIT4' header)",
            source=source,
            offset=0,
        )
    return stat.st_size, digest.hexdigest(), stat.st_mtime_ns


def _parse(path: Path, source: str, *, encoding: str | None, strict: bool) -> _Parsed:
    """One streaming pass: the snapshot, as ``parse_reg_file`` builds it, plus the deletions
    (which the snapshot applies and forgets)."""
    reader = RegReader(path, encoding=encoding, strict=strict, source=source)
    deletions: dict[str, _Deletions] = {}
    deleted: dict[str, list[OriginDeletion]] = {}
    linked: dict[str, dict[str, int]] = {}
    with reader:
        builder = SnapshotBuilder(
            source=reader.source,
            header=reader.header,
            ansi_codepage=reader.ansi_codepage,
            sink=reader.sink,
        )
        for op in reader.operations():
            if isinstance(op, CreateKey):
                root = op.path.partition("\\")[0]
                if root in _LINKED_ROOTS:
                    mount = fold_name(canonical_mount(location_of(op.path).mount))
                    linked.setdefault(mount, {}).setdefault(root, op.line)
            elif isinstance(op, DeleteKey | DeleteValue):
                target = op.path if isinstance(op, DeleteKey) else op.key_path
                mount = canonical_mount(location_of(target).mount)
                folded = fold_name(mount)
                counted = deletions.setdefault(folded, _Deletions(mount))
                counted.add(key=isinstance(op, DeleteKey), line=op.line)
                kept = deleted.setdefault(folded, [])
                if len(kept) < _MAX_KEPT_DELETIONS:
                    name = None if isinstance(op, DeleteKey) else op.name
                    kept.append(OriginDeletion(target, name, op.line))
            builder.apply(op)
    reader.sink.finish()
    return _Parsed(
        reader.header,
        reader.encoding,
        reader.diagnostics,
        builder.hives,
        deletions,
        linked,
        builder.coverage(),
        deleted,
    )


def _filetime_of(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise UsageError("the last-written time must carry a time zone (e.g. 2024-01-01T00:00Z)")
    if moment < EPOCH_1601:
        raise UsageError("the last-written time must not be before 1601-01-01 (FILETIME 0)")
    return datetime_to_filetime(moment.astimezone(UTC))


# --- conversion ---------------------------------------------------------------------------


def _root_name(mount: str, hive_type: HiveType) -> str:
    name = _CMI_ROOT_NAMES.get(hive_type)
    if name is not None:
        return name
    tail = mount.partition("\\")[2]
    if hive_type == HiveType.USRCLASS and _CLASSES_MOUNT.match(tail):
        return tail  # Windows names a UsrClass.dat root after its mount: <SID>_Classes
    return _UNKNOWN_ROOT_NAME


def _origin(
    source: str,
    size: int,
    digest: str,
    mount: str,
    filetime: int,
    parsed: _Parsed,
    elsewhere: list[OriginDeletion],
) -> HiveOrigin:
    """What the marker of ``mount``'s hive says, before it is fitted into the base block
    (``elsewhere``: deletions under mounts that get no hive of their own)."""
    folded = fold_name(mount)
    deleted = [*parsed.deleted.get(folded, []), *elsewhere]
    counted = parsed.deletions.get(folded)
    capped = counted is not None and counted.keys + counted.values > len(deleted)
    return HiveOrigin(
        # The base name only: a path of the examiner's machine never goes into the hive.
        source_name=PureWindowsPath(source).name,
        source_sha256=digest,
        source_size=size,
        mount=mount,
        last_written=filetime,
        coverage=tuple(
            OriginRoot(root.path, root.line, root.covers, root.subtree)
            for root in parsed.coverage.roots(mount)
        ),
        deletions=tuple(deleted),
        complete=not capped,
    )


def _write(
    mount: str,
    snapshot: MemoryHive,
    filetime: int,
    *,
    diagnostics: tuple[Diagnostic, ...],
    minor_version: int,
    check: bool,
    marker: bytes | None = None,
    origin: HiveOrigin | None = None,
) -> ConvertedHive:
    from hiveparse.sources.regf.writer import write_hive  # noqa: PLC0415

    hive_type = snapshot.hive_type
    root_name = _root_name(mount, hive_type)
    embedded = _FILES[hive_type][2] if hive_type in _FILES else ""
    data = write_hive(
        snapshot,
        minor_version=minor_version,
        root_name=root_name,
        hive_file_name=embedded,
        last_written=filetime,
        marker=marker,
        security=CONVERTED_SECURITY,
    )
    keys = values = 0
    for key in walk(snapshot.root()):
        keys += 1
        values += sum(1 for _ in key.values())
    if check:
        _check_read_back(mount, snapshot, data, filetime, root_name, origin)
    return ConvertedHive(
        mount=mount,
        hive_type=hive_type,
        data=data,
        diagnostics=diagnostics,
        snapshot=snapshot,
        root_name=root_name,
        embedded_file_name=embedded,
        last_written=filetime,
        keys=keys,
        values=values,
        origin=origin,
    )


def _check_read_back(
    mount: str,
    snapshot: MemoryHive,
    data: bytes,
    filetime: int,
    root_name: str,
    origin: HiveOrigin | None,
) -> None:
    """Our reader must find exactly the snapshot in what the writer produced."""
    from hiveparse.engines.verify import compare_hives  # noqa: PLC0415
    from hiveparse.sources.regf import open_hive  # noqa: PLC0415

    label = f"<converted {mount}>"
    try:
        hive = open_hive(label, data=data, apply_logs=False)
        differences = [str(d) for d in compare_hives(snapshot, hive, limit=3)]
        root = hive.root()
        if root.name != root_name:
            differences.append(f"root name {root.name!r}, not {root_name!r}")
        if hive.header is None or hive.header.last_written != filetime:
            differences.append("the base block's last-written time is not the one chosen")
        if hive.origin != origin:
            differences.append("the origin marker does not read back as written")
        differences.extend(
            f"{key.path!r} last written at {key.last_written}"
            for key in walk(root)
            if key.last_written != filetime
        )
        differences.extend(str(d) for d in hive.diagnostics if d.severity != Severity.INFO)
    except HiveparseError as error:
        differences = [str(error)]
    if differences:
        raise RuntimeError(
            f"the hive written for {mount} does not read back as the .reg snapshot "
            f"(a hiveparse bug): {'; '.join(differences[:3])}"
        )


def _note(
    source: str, code: str, message: str, severity: Severity, line: int | None = None
) -> Diagnostic:
    return Diagnostic(code, message, Location(source, line=line), severity)


def _time_note(source: str, filetime: int, origin: str) -> Diagnostic:
    why = (
        "the .reg file's modification time"
        if origin == "file_mtime"
        else "the time the caller chose (--timestamp)"
    )
    return _note(
        source,
        "convert.synthetic_last_written",
        f"a .reg file records no last-written times: every key, the base block and the first "
        f"hive bin are stamped {filetime_iso(filetime) or 'FILETIME 0'} (FILETIME {filetime}), "
        f"{why}; this is not evidence of when any key was written",
        Severity.WARNING,
    )


def _hive_notes(source: str, mount: str, snapshot: MemoryHive, parsed: _Parsed) -> list[Diagnostic]:
    notes: list[Diagnostic] = []
    counted = parsed.deletions.get(fold_name(mount))
    if counted is not None:
        notes.append(
            _note(
                source,
                "convert.deletions_not_represented",
                f"the .reg file is a change script with {counted.describe()} under {mount}; "
                "they were applied to the snapshot that is written, but a hive holds state, "
                "not changes: nothing in the hive says that anything was deleted",
                Severity.WARNING,
                counted.first_line,
            )
        )
    for root, line in parsed.linked.get(fold_name(mount), {}).items():
        code, where = _LINKED_ROOTS[root]
        notes.append(
            _note(
                source,
                code,
                f"{root} is a link, not a hive: the keys the .reg file gives under it are "
                f"written {where}, where an import (by an administrator) stores them",
                Severity.INFO,
                line,
            )
        )
    if snapshot.hive_type == HiveType.SYSTEM and snapshot.root().subkey("CurrentControlSet"):
        notes.append(
            _note(
                source,
                "convert.current_control_set_key",
                "CurrentControlSet is a link that Windows resolves through Select\\Current and "
                "never stores; the hive holds it as an ordinary key named CurrentControlSet, "
                "so tools that follow Select to a ControlSet00N will not find what is below it",
                Severity.INFO,
            )
        )
    if snapshot.hive_type == HiveType.UNKNOWN:
        notes.append(
            _note(
                source,
                "convert.unknown_hive_type",
                f"{mount} is not a mount of a known hive type: the root key is named "
                f"{_UNKNOWN_ROOT_NAME!r} and the base block names no file",
                Severity.INFO,
            )
        )
    return notes


def _incomplete_origin_note(
    source: str, mount: str, origin: HiveOrigin, stored: HiveOrigin
) -> Diagnostic:
    if len(stored.deletions) < len(origin.deletions) or len(stored.coverage) < len(origin.coverage):
        dropped = " and ".join(
            what
            for what, kept, wanted in (
                ("its deletions", stored.deletions, origin.deletions),
                ("its export roots", stored.coverage, origin.coverage),
            )
            if len(kept) < len(wanted)
        )
        why = f"the marker in the base block has no room for {dropped}"
    else:
        why = "the .reg file deletes more than the marker lists"
    return _note(
        source,
        "convert.origin_incomplete",
        f"the hive written for {mount} says where it came from, but {why}: it is marked "
        "incomplete (a marker without its export roots covers nothing)",
        Severity.INFO,
    )


def _orphan_deletions_note(source: str, counted: _Deletions) -> Diagnostic:
    """Deletions under a mount that has no key left, so no hive to write."""
    return _note(
        source,
        "convert.deletions_not_represented",
        f"the .reg file deletes under {counted.mount} ({counted.describe()}) and leaves no key "
        "there, so no hive is written for it; deletions cannot be represented in a hive (the "
        "origin marker of the first hive written lists them)",
        Severity.WARNING,
        counted.first_line,
    )


def _nothing_to_convert(conversion: RegConversion) -> str:
    deleted = _Deletions("", conversion.key_deletions, conversion.value_deletions)
    if deleted.keys or deleted.values:
        return (
            f"nothing to convert: the .reg file leaves no key (it only deletes: "
            f"{deleted.describe()}), and a hive cannot represent deletions"
        )
    return "nothing to convert: the .reg file names no key"


# --- output names -------------------------------------------------------------------------


def _qualifier(mount: str) -> str:
    root, _, tail = mount.partition("\\")
    text = tail or _SHORT_ROOTS.get(root, root)
    safe = _UNSAFE_FILE_CHARS.sub("_", text).lstrip(".")[:_MAX_NAME_PART]
    return safe or "HIVE"


def _is_home(hive: ConvertedHive) -> bool:
    return fold_name(hive.mount) == fold_name(default_mount(hive.hive_type))


def _name_files(hives: Iterable[ConvertedHive]) -> list[ConvertedHive]:
    """Give every hive a distinct, safe file name (see the module docstring)."""
    items = list(hives)
    preferred: list[tuple[str, str, str]] = []  # (stem, extension, qualifier)
    for hive in items:
        stem, ext, _ = _FILES.get(hive.hive_type, ("", "", ""))
        qualifier = _qualifier(hive.mount)
        preferred.append((stem or qualifier, ext, qualifier))
    wanted: dict[str, list[int]] = {}
    for index, (stem, ext, _) in enumerate(preferred):
        wanted.setdefault(fold_name(stem + ext), []).append(index)
    names: list[str] = []
    for index, (stem, ext, qualifier) in enumerate(preferred):
        alone = len(wanted[fold_name(stem + ext)]) == 1
        if alone or _is_home(items[index]) or stem == qualifier:
            names.append(stem + ext)
        else:
            names.append(f"{stem}-{qualifier}{ext}")
    taken: set[str] = set()
    out: list[ConvertedHive] = []
    for hive, name in zip(items, names, strict=True):
        final, number = name, 1
        while fold_name(final) in taken:
            number += 1
            stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
            final = f"{stem}-{number}{dot}{ext}"
        taken.add(fold_name(final))
        out.append(replace(hive, file_name=final))
    return out
