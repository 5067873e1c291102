"""Finding registry evidence in EVIDENCE arguments: hive files, .reg files and directories.

What counts as evidence is decided by **content**, never by name:

* a REGF primary hive: the first 4 bytes are ``regf`` and the base block's file type
  (offset 28) is 0;
* a .reg file: :func:`hiveparse.sources.regtext.detect_reg` accepts its first 4 KiB.

A REGF file whose base block says it is a transaction log (file type 1, 2 or 6) is not
primary evidence: it is listed in :attr:`Discovery.logs`, attached to the hive the reader
will apply it to (the ``.LOG``/``.LOG1``/``.LOG2`` beside the hive, found by name exactly as
:func:`hiveparse.sources.regf.logfiles.find_transaction_logs` finds it), or reported as an
orphan. For ``analyze`` (``event_logs=True``), event logs are found by content too: an
EVTX file (``ElfFile`` signature) or an XML export of one (:mod:`hiveparse.events`), listed
in :attr:`Discovery.event_logs`. Every other file is skipped with a diagnostic.

Directories are searched without recursion, in sorted name order, within bounds: at most
``max_depth`` directory levels below the argument, at most ``max_files`` files examined in
all, each directory entered once (by device and inode, so neither a symbolic-link loop nor
a bind mount makes the search run for ever). Only the first 4 KiB of a file is read, so
sparse or huge files that are not evidence cost one small read; FIFOs, sockets and devices
are never read (opened without blocking, then refused). Nothing is written, and files are
opened with ``O_NOATIME`` where the system allows it.

Symbolic links. An argument that is itself a link is followed, since the user named it.
Below a directory argument, a link whose resolved target lies inside that argument's own
folder tree is followed and noted (``discover.symlink_followed``, naming the link and its
target); a file or folder reached both ways is listed once, under its own path, and a loop
is entered once. A link that leads out of the tree is noted
(``discover.symlink_outside``, a warning) and never followed or opened; a dangling link or
a loop of links is noted (``discover.symlink_skipped``). ``follow_symlinks=True`` is the
library's opt-in to follow links out of the tree as well. Transaction logs found beside a
hive by name are held to the same rule within the hive's folder
(:func:`hiveparse.sources.regf.logfiles.scan_transaction_logs`): a ``SYSTEM.LOG1`` that is
a link out of it is noted and never used.

An EVIDENCE argument that cannot be used (missing, unreadable, not a hive or .reg file, a
transaction log without its hive) is an *error item* (:class:`DiscoveryError` in
:attr:`Discovery.errors`), never an exception: the caller turns these into exit code 3
(partial) or 4 (nothing readable), see :attr:`Discovery.exit_code`. Files skipped below a
directory are :class:`~hiveparse.errors.Diagnostic` objects with stable codes (the constants
below) whose severity says what they mean for the run:

* ``warning``: something that may hold evidence we did not read (unreadable, too deep,
  limit reached, a REGF file of unknown type) or a directory with no evidence at all;
* ``info``: files that were looked at and are not evidence, links followed inside the
  evidence tree, dangling links and loops, duplicates, transaction logs without their hive.

A symbolic link out of the evidence tree is a ``warning`` (evidence may lie at its target,
which is not read) that does not make the run partial: not following it is the rule.

Each found file also gets a *role* taken from where it lies (``config``, ``RegBack copy``,
``user profile alice``, ...): see :func:`describe_location`. The role is for reporting and
host grouping only; the hive type always comes from the hive's content.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote

from hiveparse.errors import Diagnostic, EvidenceError, Location, Severity, UsageError
from hiveparse.events.xml_export import looks_like_event_xml
from hiveparse.evidence.image.formats import sniff_image
from hiveparse.model import EvidenceFormat
from hiveparse.safefiles import (
    inside,
    link_refusal,
    open_fd,
    refused_as_outside,
    special_kind,
)
from hiveparse.schemas import regf
from hiveparse.schemas.evtx import EVTX_SIGNATURE
from hiveparse.sources.regf.logfiles import RefusedLog, scan_transaction_logs
from hiveparse.sources.regf.open import LOG_FILE_TYPES
from hiveparse.sources.regtext import detect_reg

__all__ = [
    "DUPLICATE",
    "LIMIT_REACHED",
    "LOG_ARGUMENT",
    "NOT_EVIDENCE",
    "NOT_FOUND",
    "NO_EVIDENCE",
    "ORPHAN_LOG",
    "SNIFF_BYTES",
    "SYMLINK_FOLLOWED",
    "SYMLINK_OUTSIDE",
    "SYMLINK_SKIPPED",
    "TOO_DEEP",
    "UNKNOWN_FILE_TYPE",
    "UNREADABLE",
    "Discovery",
    "DiscoveryError",
    "FoundFile",
    "FoundLog",
    "HeadInfo",
    "HeadKind",
    "Placement",
    "classify_head",
    "describe_location",
    "discover_evidence",
    "evidence_tree",
]

SNIFF_BYTES = 4096  # the most read from any file while searching

# Diagnostic codes.
NOT_EVIDENCE = "discover.not_evidence"  # neither a REGF hive nor a .reg file
UNREADABLE = "discover.unreadable"  # permission denied or another read error
TOO_DEEP = "discover.too_deep"  # a directory below max_depth, not entered
SYMLINK_SKIPPED = "discover.symlink_skipped"  # a dangling link, a loop of links
SYMLINK_FOLLOWED = "discover.symlink_followed"  # a link inside the argument's tree, followed
SYMLINK_OUTSIDE = "discover.symlink_outside"  # a link out of the argument's tree, not opened
LIMIT_REACHED = "discover.limit_reached"  # max_files examined; the search stopped
NO_EVIDENCE = "discover.no_evidence"  # a directory argument with no evidence below it
NOT_FOUND = "discover.not_found"  # an argument that does not exist
ORPHAN_LOG = "discover.orphan_log"  # a transaction log with no primary hive beside it
LOG_ARGUMENT = "discover.log_argument"  # a log given as an argument without its hive
UNKNOWN_FILE_TYPE = "discover.unknown_file_type"  # 'regf' with a file type that is no hive
DUPLICATE = "discover.duplicate"  # the same file or directory reached a second time

_EVENT_LOG = "an EVTX event log (analyze reads it beside the registry)"
_EVENT_XML = "an event log exported as XML (analyze reads it beside the registry)"

# Diagnostics that mean evidence may have been missed (the run is partial).
MAY_MISS_EVIDENCE = frozenset(
    {UNREADABLE, TOO_DEEP, LIMIT_REACHED, UNKNOWN_FILE_TYPE, SYMLINK_OUTSIDE}
)

_REGF_FILE_TYPE_OFFSET = 28
_REGF_FILE_NAME = slice(48, 48 + 64)

# A ZIP archive's first local header, or the end record of an empty one (APPNOTE 4.3.7, 4.3.16).
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# Magic numbers of common containers, only to say what a skipped file is.
_CONTAINERS: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (not searched inside; extract it first)"),
    (b"\x1f\x8b", "a gzip file (not searched inside; decompress it first)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (not searched inside; extract it first)"),
    (b"\xfd7zXZ\x00", "an xz file (not searched inside; decompress it first)"),
    (b"CREG", "a Windows 9x registry file (CREG), which hiveparse does not read"),
)


# --- content ---------------------------------------------------------------------------------


class HeadKind(StrEnum):
    HIVE = "hive"  # REGF primary hive
    LOG = "log"  # REGF transaction log (file type 1, 2, 6)
    REG = "reg"  # .reg text
    REGF_OTHER = "regf_other"  # 'regf' but too short for a file type, or an unknown type
    ARCHIVE = "archive"  # a ZIP archive: a collection, searched by analyze (evidence.archive)
    IMAGE = "image"  # a disk image (EWF, VHD, VHDX, VMDK, raw): read by evidence.image
    EVENT_LOG = "event_log"  # an EVTX event log or an XML export of one: read by analyze
    NONE = "none"  # not registry evidence


@dataclass(frozen=True, slots=True)
class HeadInfo:
    """What the first bytes of a file say it is."""

    kind: HeadKind
    file_type: int | None = None  # REGF base-block file type
    embedded_name: str | None = None  # REGF base-block file name (last 31 characters)
    note: str = ""  # for REGF_OTHER and NONE: why it is not taken as evidence
    image_format: str | None = None  # for IMAGE: evidence.image.formats.ImageFormat
    log_format: str | None = None  # for EVENT_LOG: "evtx" or "xml"


def classify_head(head: bytes) -> HeadInfo:
    """Classify a file by its first bytes (up to :data:`SNIFF_BYTES`). Never raises."""
    if head[:4] == b"regf":
        if len(head) < _REGF_FILE_TYPE_OFFSET + 4:
            return HeadInfo(
                HeadKind.REGF_OTHER,
                note=f"'regf' signature but only {len(head)} bytes: too short for a base block",
            )
        file_type = int.from_bytes(
            head[_REGF_FILE_TYPE_OFFSET : _REGF_FILE_TYPE_OFFSET + 4], "little"
        )
        raw_name = head[_REGF_FILE_NAME]
        name = raw_name.decode("utf-16-le", "replace").split("\x00")[0] if raw_name else None
        if file_type == regf.FILE_TYPE_PRIMARY:
            return HeadInfo(HeadKind.HIVE, file_type, name)
        if file_type in LOG_FILE_TYPES:
            return HeadInfo(HeadKind.LOG, file_type, name)
        return HeadInfo(
            HeadKind.REGF_OTHER,
            file_type,
            name,
            note=f"'regf' signature with base-block file type {file_type}, "
            "which is neither a primary hive (0) nor a transaction log (1, 2, 6)",
        )
    if not head:
        return HeadInfo(HeadKind.NONE, note="empty file")
    if detect_reg(head[:SNIFF_BYTES]):
        return HeadInfo(HeadKind.REG)
    if head.startswith(_ZIP_MAGIC):
        return HeadInfo(HeadKind.ARCHIVE, note=f"not registry evidence: {_CONTAINERS[0][1]}")
    if head.startswith(EVTX_SIGNATURE):
        return HeadInfo(
            HeadKind.EVENT_LOG, note=f"not registry evidence: {_EVENT_LOG}", log_format="evtx"
        )
    if looks_like_event_xml(head):
        return HeadInfo(
            HeadKind.EVENT_LOG, note=f"not registry evidence: {_EVENT_XML}", log_format="xml"
        )
    image = sniff_image(head)
    if image is not None:
        if image.format is None:
            return HeadInfo(
                HeadKind.NONE, note=f"not registry evidence: {image.what}, {image.note}"
            )
        return HeadInfo(
            HeadKind.IMAGE, note=f"not registry evidence: {image.what}", image_format=image.format
        )
    for magic, what in _CONTAINERS:
        if head.startswith(magic):
            return HeadInfo(HeadKind.NONE, note=f"not registry evidence: {what}")
    return HeadInfo(
        HeadKind.NONE,
        note="not registry evidence: no 'regf' signature and no .reg header "
        "('Windows Registry Editor Version 5.00' / 'REGEDIT')",
    )


# --- location (reporting and host grouping only) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a file lies in a Windows-like layout. Never used to decide a hive's type.

    ``kind`` is one of ``config`` (``Windows\\System32\\config``), ``regback``
    (``config\\RegBack``), ``repair`` (XP ``Windows\\repair``), ``restore_point`` (XP
    ``System Volume Information\\_restore...\\RP..\\snapshot``), ``event_logs``
    (``Windows\\System32\\winevt\\Logs``), ``profile`` (a user,
    service or system profile, or AppCompat: something that belongs to the volume's
    Windows installation) or ``loose`` (none of these). ``anchor`` is the folder that
    defines the snapshot (config, RegBack, repair or snapshot folder; the file's own folder
    for loose files); ``volume`` identifies the volume the Windows installation lives on,
    with drive-letter folders (``C``, ``C%3A``, Velociraptor's ``%5C%5C.%5CC%3A``) reduced
    to their letter so that differently exported parts of one collection compare equal.
    """

    role: str
    kind: str
    anchor: str  # the folder, for display (relative when the evidence was named relatively)
    anchor_key: str  # normalised, for comparisons
    volume: tuple[str, str] | None = None  # (normalised collection folder, drive letter or "")
    volume_display: str | None = None
    user: str | None = None


_WINDOWS_DIRS = frozenset({"windows", "winnt"})
_PROFILE_DIRS = frozenset({"users", "documents and settings"})
# Velociraptor accessor folders under uploads/ (auto, ntfs, ...): the same volume whichever.
ACCESSOR_DIRS = frozenset(
    {"auto", "ntfs", "file", "lazy_ntfs", "mft", "raw_ntfs", "ntfs_vss", "raw_file"}
)
# Where user hives lie inside a profile folder: NTUSER.DAT at its top, UsrClass.dat below.
_PROFILE_TAILS: tuple[list[str], ...] = (
    [],
    ["appdata", "local", "microsoft", "windows"],
    ["local settings", "application data", "microsoft", "windows"],
)
_DRIVE_RE = re.compile(r"^(?:\\\\[.?]\\)?([a-z])(?::\\?)?$", re.IGNORECASE)
_SHADOW_RE = re.compile(r"HarddiskVolumeShadowCopy\d+", re.IGNORECASE)


def _absolute(path: str | os.PathLike[str]) -> str:
    """The absolute form of ``path`` without resolving links (as os.path.abspath)."""
    return os.path.normpath(Path(path).absolute())


def normalized_path(path: str | os.PathLike[str]) -> str:
    """``path`` as one folder or file is named from anywhere: absolute, normalised, in the
    system's case (links not resolved), for comparisons."""
    return os.path.normcase(_absolute(path))


def drive_letter(name: str) -> str | None:
    """The drive a folder name stands for in a collection (KAPE's ``C``, Velociraptor's
    ``C%3A`` and ``%5C%5C.%5CC%3A``), upper case; None for any other name."""
    match = _DRIVE_RE.match(unquote(name, errors="replace"))
    return None if match is None else match.group(1).upper()


def _volume(parts: tuple[str, ...], decoded: list[str]) -> tuple[tuple[str, str], str]:
    display = str(Path(*parts)) if parts else os.sep
    if decoded and (drive := _DRIVE_RE.match(decoded[-1])):
        prefix = list(parts[:-1])
        if prefix and unquote(prefix[-1]).casefold() in ACCESSOR_DIRS:
            prefix.pop()
        folder = str(Path(*prefix)) if prefix else os.sep
        return (os.path.normcase(folder), drive.group(1).upper()), display
    return (os.path.normcase(display), ""), display


def drive_trees(root: str | os.PathLike[str]) -> list[Path]:
    """Every copy of the same drive in a Velociraptor collection: ``uploads/auto/C%3A``
    and ``uploads/ntfs/%5C%5C.%5CC%3A`` for either (each accessor copies some files of the
    drive); ``[root]`` for any other folder."""
    folder = Path(root)
    drive = drive_letter(folder.name)
    accessor = folder.parent
    if drive is None or unquote(accessor.name).casefold() not in ACCESSOR_DIRS:
        return [folder]
    trees: list[Path] = []
    try:
        accessors = sorted(accessor.parent.iterdir())
    except OSError:
        return [folder]
    for other in accessors:
        if unquote(other.name).casefold() not in ACCESSOR_DIRS or not other.is_dir():
            continue
        try:
            entries = sorted(other.iterdir())
        except OSError:
            continue  # discovery reports a folder it cannot list
        trees.extend(
            entry if other != accessor else folder
            for entry in entries
            if drive_letter(entry.name) == drive and entry.is_dir()
        )
    return trees or [folder]


def describe_location(path: str | os.PathLike[str]) -> Placement:
    """Where ``path`` lies, from its folder names alone (URL-encoded names decoded)."""
    absolute = _absolute(path)
    parts = Path(absolute).parts
    decoded = [unquote(part, errors="replace") for part in parts]
    low = [part.casefold() for part in decoded]
    folder = str(Path(absolute).parent)
    last = len(parts) - 1  # index of the file name
    shadow = next((m.group(0) for d in decoded if (m := _SHADOW_RE.search(d))), None)
    suffix = f" (shadow copy {shadow})" if shadow else ""

    given_relative = not Path(path).is_absolute()

    def shown(folder_path: str) -> str:
        # Reports name folders the way the user named the evidence (relative stays relative).
        return os.path.relpath(folder_path) if given_relative else folder_path

    def placed(kind: str, role: str, anchor: str, at: int, user: str | None = None) -> Placement:
        volume, display = _volume(parts[:at], decoded[:at])
        return Placement(
            role + suffix,
            kind,
            shown(anchor),
            normalized_path(anchor),
            volume,
            shown(display),
            user,
        )

    for i in range(last - 1, -1, -1):
        here = low[i]
        if here in _WINDOWS_DIRS:
            below = low[i + 1 : last]
            if below[:2] == ["system32", "config"]:
                rest = below[2:]
                if not rest:
                    return placed("config", "config", folder, i)
                if rest == ["regback"]:
                    return placed("regback", "RegBack copy", folder, i)
                if rest[0] == "systemprofile" and rest[1:] in _PROFILE_TAILS:
                    return placed("profile", "system profile", folder, i, "systemprofile")
            if below == ["repair"]:
                return placed("repair", "repair copy", folder, i)
            if below == ["system32", "winevt", "logs"]:
                return placed("event_logs", "event log", folder, i)
            if below[:1] == ["serviceprofiles"] and len(below) >= 2 and below[2:] in _PROFILE_TAILS:
                name = decoded[i + 2]
                return placed("profile", f"service profile {name}", folder, i, name)
            if below == ["appcompat", "programs"]:
                return placed("profile", "AppCompat", folder, i)
        if here in _PROFILE_DIRS and i + 1 < last and low[i + 2 : last] in _PROFILE_TAILS:
            name = decoded[i + 1]
            return placed("profile", f"user profile {name}", folder, i, name)
        if (
            here == "system volume information"
            and i + 2 < last
            and low[i + 1].startswith("_restore")
            and low[last - 1] == "snapshot"
        ):
            return placed("restore_point", "restore point snapshot", folder, i)
    return Placement("loose file" + suffix, "loose", shown(folder), normalized_path(folder))


def evidence_tree(path: str | os.PathLike[str]) -> Path:
    """The folder tree a piece of evidence belongs to (absolute, links not resolved), for the
    rule that nothing is written inside evidence. A directory is its own tree. A file in a
    Windows volume layout (config, RegBack, repair, a restore point, a user, service or
    system profile: :func:`describe_location`; or anything below ``Windows\\System32``, such as
    master key files) belongs to the volume's root, or to the
    collection's root when the volume is a drive-letter folder of a collection (KAPE's
    ``C``, Velociraptor's ``uploads/auto/C%3A``: the folder above ``uploads``). A loose file
    belongs to its own folder."""
    absolute = Path(_absolute(path))
    if absolute.is_dir():
        return absolute
    placement = describe_location(absolute)
    if placement.kind != "loose" and placement.volume_display is not None:
        volume = Path(placement.volume_display)
    else:
        # Other files of a Windows installation (master keys in System32\Microsoft\Protect).
        low = [part.casefold() for part in absolute.parts]
        system = [
            i for i in range(len(low) - 2) if low[i] in _WINDOWS_DIRS and low[i + 1] == "system32"
        ]
        if not system:
            return absolute.parent
        volume = Path(*absolute.parts[: system[-1]])
    if drive_letter(volume.name) is None:
        return volume
    root = volume.parent
    if unquote(root.name, errors="replace").casefold() in ACCESSOR_DIRS:
        root = root.parent
    if root.name.casefold() == "uploads":  # Velociraptor: uploads/ sits in the collection
        root = root.parent
    return root


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A primary hive or .reg file found by content."""

    path: Path
    format: EvidenceFormat  # REGF or REG
    size: int
    role: str  # from the location, for reporting only
    argument: Path  # the EVIDENCE argument it was found under (or that named it)
    embedded_name: str | None = None  # REGF base-block file name
    logs: tuple[Path, ...] = ()  # the transaction logs the reader will find beside it


@dataclass(frozen=True, slots=True)
class FoundArchive:
    """A ZIP archive (a KAPE or Velociraptor collection, say) or a disk image found while
    searching."""

    path: Path
    size: int
    argument: Path
    kind: HeadKind = HeadKind.ARCHIVE  # ARCHIVE or IMAGE
    image_format: str | None = None  # for an IMAGE


@dataclass(frozen=True, slots=True)
class FoundEventLog:
    """An event log (EVTX, or an XML export of one) found by content."""

    path: Path
    size: int
    argument: Path
    format: str  # "evtx" or "xml"
    explicit: bool  # named as an argument (always read), or found in a folder


@dataclass(frozen=True, slots=True)
class FoundLog:
    """A transaction log (by content, or by name beside a found hive)."""

    path: Path
    hive: Path | None  # the primary hive it belongs to; None for an orphan
    file_type: int | None  # base-block file type; None when it has no REGF base block
    size: int | None


@dataclass(frozen=True, slots=True)
class DiscoveryError:
    """An EVIDENCE argument that cannot be used: an error item, not an exception.

    ``kind`` is the name of the exception :func:`hiveparse.evidence.open.open_evidence` raises
    for such a file (``NotRegf``, ``EvidenceError``, ``Unsupported``), so that callers can
    list these beside files that failed to open; ``code`` is the discovery code.
    """

    path: str
    message: str
    kind: str
    code: str

    def to_diagnostic(self) -> Diagnostic:
        return Diagnostic(self.code, self.message, Location(self.path), Severity.ERROR)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class Discovery:
    files: list[FoundFile] = field(default_factory=list)  # sorted by path
    logs: list[FoundLog] = field(default_factory=list)  # sorted by path
    errors: list[DiscoveryError] = field(default_factory=list)  # unusable arguments
    diagnostics: list[Diagnostic] = field(default_factory=list)  # skipped files and notes
    archives: list[FoundArchive] = field(default_factory=list)  # with archives=True only
    event_logs: list[FoundEventLog] = field(default_factory=list)  # with event_logs=True only
    complete: bool = True  # False when max_files stopped the search
    examined: int = 0  # files below directory arguments whose head was read

    @property
    def paths(self) -> list[Path]:
        return [found.path for found in self.files]

    def with_code(self, code: str) -> list[Diagnostic]:
        """The diagnostics (and error items, as diagnostics) with ``code``."""
        every = [*self.diagnostics, *(error.to_diagnostic() for error in self.errors)]
        return [d for d in every if d.code == code]

    @property
    def exit_code(self) -> int:
        """The exit code this discovery alone calls for (README "Exit codes"): 4 when no
        evidence was found, 3 when some was found but an argument could not be used or a
        diagnostic says evidence may have been missed (unreadable, too deep, limit reached,
        unknown REGF file type, a link out of the tree left unfollowed), else 0."""
        if not self.files:
            return 4
        if self.errors or any(d.code in MAY_MISS_EVIDENCE for d in self.diagnostics):
            return 3
        return 0


# --- the search ------------------------------------------------------------------------------


@dataclass
class _Head:
    info: HeadInfo
    size: int
    identity: tuple[int, int]


@dataclass
class _Log:
    path: Path
    file_type: int | None
    size: int | None
    explicit: bool


@dataclass
class _Skipped:
    """A file that is not evidence, kept until the end: it may turn out to be a log that
    the reader finds beside a hive by name (an empty ``SYSTEM.LOG2``)."""

    path: Path
    message: str
    explicit: bool


_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class _NotRegular(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _read_head(path: Path, *, follow: bool) -> _Head:
    """The first SNIFF_BYTES of a regular file, read-only, without touching its atime where
    allowed. Raises OSError, or _NotRegular for anything but a regular file (checked on the
    open descriptor; O_NONBLOCK keeps a FIFO from blocking the open)."""
    fd = open_fd(path, 0 if follow else _O_NOFOLLOW)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegular(special_kind(info.st_mode))
        chunks: list[bytes] = []
        wanted = SNIFF_BYTES
        while wanted > 0:
            chunk = os.read(fd, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
    finally:
        os.close(fd)
    return _Head(classify_head(b"".join(chunks)), info.st_size, (info.st_dev, info.st_ino))


def head_info(path: Path, *, follow: bool) -> HeadInfo | None:
    """What a file is by its first bytes, read as discovery reads them (read-only, access
    time untouched, a FIFO never waited on); None for anything but a readable regular
    file (discovery reports those where it meets them)."""
    try:
        return _read_head(path, follow=follow).info
    except (OSError, _NotRegular):
        return None


def head_kind(path: Path, *, follow: bool) -> HeadKind | None:
    """:func:`head_info`'s kind."""
    info = head_info(path, follow=follow)
    return None if info is None else info.kind


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


class _Search:
    def __init__(
        self,
        *,
        follow_symlinks: bool,
        max_files: int,
        max_depth: int,
        archives: bool = False,
        event_logs: bool = False,
    ) -> None:
        self.follow = follow_symlinks
        self.want_archives = archives
        self.want_event_logs = event_logs
        self.archives: dict[str, FoundArchive] = {}
        self.event_logs: dict[str, FoundEventLog] = {}
        self.max_files = max_files
        self.max_depth = max_depth
        self.examined = 0
        self.stopped = False
        self.found: dict[str, FoundFile] = {}
        self.logs: dict[str, _Log] = {}
        self.skipped: dict[str, _Skipped] = {}
        self.errors: list[DiscoveryError] = []
        self.diagnostics: list[Diagnostic] = []
        self.seen_files: dict[tuple[int, int], Path] = {}
        self.seen_dirs: dict[tuple[int, int], Path] = {}
        # Entries reached through links: (path, depth, folder identity or None, target).
        self.linked: list[tuple[Path, int, tuple[int, int] | None, str]] = []
        self.tree = ""  # the resolved folder of the directory argument being searched
        self.evidence_seen = 0  # evidence files reached, duplicates included

    def note(self, code: str, message: str, where: Path, severity: Severity) -> None:
        self.diagnostics.append(Diagnostic(code, message, Location(str(where)), severity))

    def error(self, code: str, kind: str, message: str, where: Path) -> None:
        self.errors.append(DiscoveryError(str(where), message, kind, code))

    # -- arguments ------------------------------------------------------------------------

    def argument(self, raw: str | os.PathLike[str]) -> None:
        path = Path(raw)
        try:
            info = path.stat()  # an argument that is a link is followed: the user named it
        except FileNotFoundError:
            self.error(NOT_FOUND, "EvidenceError", "no such file or directory", path)
            return
        except OSError as error:
            self.error(UNREADABLE, "EvidenceError", f"cannot read: {_reason(error)}", path)
            return
        if stat.S_ISDIR(info.st_mode):
            self.directory(path, (info.st_dev, info.st_ino))
        elif stat.S_ISREG(info.st_mode):
            self.file(path, path, explicit=True)
        else:
            what = special_kind(info.st_mode)
            self.error(
                NOT_EVIDENCE, "NotRegf", f"{what}, not a hive, a .reg file or a directory", path
            )

    # -- files ----------------------------------------------------------------------------

    def file(
        self, path: Path, argument: Path, *, explicit: bool, target: str | None = None
    ) -> None:
        """Examine one file; ``target`` is the resolved path when ``path`` is a link below a
        directory argument (the target is opened, never the link)."""
        try:
            if target is not None:
                head = _read_head(Path(target), follow=False)
            else:
                head = _read_head(path, follow=explicit)
        except _NotRegular as special:
            self.skipped[normalized_path(path)] = _Skipped(
                path, f"{special.what}: not opened", explicit
            )
            return
        except OSError as error:
            if explicit:
                self.error(UNREADABLE, "EvidenceError", f"cannot read: {_reason(error)}", path)
            else:
                message = f"cannot read: {_reason(error)}: skipped, evidence may be missing"
                self.note(UNREADABLE, message, path, Severity.WARNING)
            return
        earlier = self.seen_files.get(head.identity)
        if earlier is not None:
            if normalized_path(earlier) in self.found:
                self.evidence_seen += 1
            link = f"symbolic link to {target}: " if target is not None else ""
            self.note(
                DUPLICATE,
                f"{link}the same file as {earlier} (hard link, link or repeated argument): "
                "listed once",
                path,
                Severity.INFO,
            )
            return
        self.seen_files[head.identity] = path
        if target is not None:
            self.followed(path, target)
        info, key = head.info, normalized_path(path)
        if info.kind == HeadKind.LOG:
            self.logs[key] = _Log(path, info.file_type, head.size, explicit)
        elif info.kind in (HeadKind.HIVE, HeadKind.REG) or (
            explicit and info.kind == HeadKind.REGF_OTHER
        ):
            if info.kind == HeadKind.REGF_OTHER:
                self.note(
                    UNKNOWN_FILE_TYPE,
                    f"{info.note}; handed to the hive reader since it was named as evidence",
                    path,
                    Severity.WARNING,
                )
            self.evidence_seen += 1
            self.found[key] = FoundFile(
                path,
                EvidenceFormat.REG if info.kind == HeadKind.REG else EvidenceFormat.REGF,
                head.size,
                describe_location(path).role,
                argument,
                info.embedded_name,
            )
        elif info.kind == HeadKind.REGF_OTHER:
            self.note(UNKNOWN_FILE_TYPE, f"{info.note}: skipped", path, Severity.WARNING)
        elif info.kind in (HeadKind.ARCHIVE, HeadKind.IMAGE) and self.want_archives:
            self.archives[key] = FoundArchive(
                path, head.size, argument, info.kind, info.image_format
            )
        elif info.kind == HeadKind.EVENT_LOG and self.want_event_logs:
            self.event_logs[key] = FoundEventLog(
                path, head.size, argument, info.log_format or "evtx", explicit
            )
        else:
            self.skipped[key] = _Skipped(path, info.note, explicit)

    # -- directories ----------------------------------------------------------------------

    def directory(self, root: Path, identity: tuple[int, int]) -> None:
        if self.stopped:
            self.note(
                LIMIT_REACHED,
                f"not searched: the limit of {self.max_files} files was already reached",
                root,
                Severity.WARNING,
            )
            return
        if identity in self.seen_dirs:
            earlier = self.seen_dirs[identity]
            self.note(DUPLICATE, f"already searched as {earlier}", root, Severity.INFO)
            return
        self.seen_dirs[identity] = root
        self.tree = os.path.realpath(root)
        before = self.evidence_seen
        stack: list[tuple[Path, int]] = [(root, 0)]
        # Entries reached through links wait until the real tree is searched, so that a
        # file or folder is listed under its own path and the link is the duplicate.
        self.linked = []
        while not self.stopped:
            if stack:
                folder, depth = stack.pop()
                stack.extend(reversed(self.list_directory(folder, depth, root)))
            elif self.linked:
                path, depth, link_target, target = self.linked.pop(0)
                if link_target is None:
                    self.examine(path, root, target)
                elif self.enter(path, depth, link_target, link=True):
                    self.followed(path, target)
                    stack.append((path, depth))
            else:
                break
        logs_found = any(
            inside(normalized_path(log.path), normalized_path(root))
            for log in self.event_logs.values()
        )
        nothing = self.evidence_seen == before and not logs_found
        if nothing and not any(e.path == str(root) for e in self.errors):
            self.note(
                NO_EVIDENCE, f"no registry evidence found under {root}", root, Severity.WARNING
            )

    def list_directory(self, folder: Path, depth: int, root: Path) -> list[tuple[Path, int]]:
        """Examine the files of ``folder``; return its subdirectories to search."""
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            message = f"cannot list the directory: {_reason(error)}"
            if folder == root:
                self.error(UNREADABLE, "EvidenceError", message, folder)
            else:
                self.note(
                    UNREADABLE, f"{message}: evidence may be missing", folder, Severity.WARNING
                )
            return []
        subdirectories: list[tuple[Path, int]] = []
        for entry in entries:
            path = folder / entry.name
            try:
                kind, identity, target = self.entry_kind(entry, path)
            except OSError as error:
                message = f"cannot read: {_reason(error)}: skipped, evidence may be missing"
                self.note(UNREADABLE, message, path, Severity.WARNING)
                continue
            if kind == "skip":
                continue
            if target is not None:
                self.linked.append((path, depth + 1, identity if kind == "dir" else None, target))
            elif kind == "dir":
                if self.enter(path, depth + 1, identity, link=False):
                    subdirectories.append((path, depth + 1))
            elif not self.examine(path, root):
                return []
        return subdirectories

    def examine(self, path: Path, root: Path, target: str | None = None) -> bool:
        """Examine a file below ``root`` within the file budget; False once it is spent."""
        if self.examined >= self.max_files:
            self.stopped = True
            self.note(
                LIMIT_REACHED,
                f"stopped after examining {self.max_files} files (max_files): the rest "
                f"of {root} was not searched, evidence may be missing",
                path,
                Severity.WARNING,
            )
            return False
        self.examined += 1
        self.file(path, root, explicit=False, target=target)
        return True

    def entry_kind(
        self, entry: os.DirEntry[str], path: Path
    ) -> tuple[str, tuple[int, int], str | None]:
        """("dir" | "file" | "skip", identity for directories, the resolved target when the
        entry is a symbolic link that is followed)."""
        if entry.is_symlink():
            return self.link_kind(path)
        if entry.is_dir(follow_symlinks=False):
            info = entry.stat(follow_symlinks=False)
            return "dir", (info.st_dev, info.st_ino), None
        return "file", (0, 0), None  # regular or special: file() tells them apart

    def link_kind(self, path: Path) -> tuple[str, tuple[int, int], str | None]:
        """A link below a directory argument: followed when it resolves inside the
        argument's tree (or anywhere with follow_symlinks), else noted and left alone."""
        refusal = link_refusal(path, self.tree)
        try:
            target = os.path.realpath(path, strict=True)
        except OSError:
            assert refusal is not None  # a dangling link or a loop of links
            self.note(SYMLINK_SKIPPED, refusal, path, Severity.INFO)
            return "skip", (0, 0), None
        if refusal is not None and not self.follow:
            self.note(SYMLINK_OUTSIDE, refusal, path, Severity.WARNING)
            return "skip", (0, 0), None
        info = Path(target).stat()
        if stat.S_ISDIR(info.st_mode):
            return "dir", (info.st_dev, info.st_ino), target
        return "file", (0, 0), target

    def followed(self, path: Path, target: str) -> None:
        where = "inside the evidence folder" if inside(target, self.tree) else "(follow_symlinks)"
        self.note(
            SYMLINK_FOLLOWED,
            f"symbolic link to {target} {where}: followed",
            path,
            Severity.INFO,
        )

    def enter(self, path: Path, depth: int, identity: tuple[int, int], *, link: bool) -> bool:
        earlier = self.seen_dirs.get(identity)
        if earlier is not None:
            if link:
                message = (
                    f"symbolic link loop (or a second way in): leads to {earlier}, already searched"
                )
                self.note(SYMLINK_SKIPPED, message, path, Severity.INFO)
            else:
                message = f"the same directory as {earlier} (bind mount?): searched once"
                self.note(DUPLICATE, message, path, Severity.INFO)
            return False
        if depth > self.max_depth:
            self.note(
                TOO_DEEP,
                f"not searched: more than max_depth={self.max_depth} levels below the "
                "argument, evidence may be missing",
                path,
                Severity.WARNING,
            )
            return False
        self.seen_dirs[identity] = path
        return True

    # -- logs and results -----------------------------------------------------------------

    def refused_logs(self, refused: Sequence[RefusedLog]) -> None:
        """Links named like a hive's logs that lead out of its folder (or nowhere): noted
        once (the walk may have noted the same link already), never opened."""
        noted = {
            (d.location.source, d.code)
            for d in self.diagnostics
            if d.code in (SYMLINK_OUTSIDE, SYMLINK_SKIPPED)
        }
        for item in refused:
            dangling = not refused_as_outside(item.reason)
            code = SYMLINK_SKIPPED if dangling else SYMLINK_OUTSIDE
            if (str(item.path), code) in noted:
                continue
            self.note(
                code,
                f"named like a transaction log of the hive beside it, but a {item.reason}",
                item.path,
                Severity.INFO if dangling else Severity.WARNING,
            )

    def finish(self) -> Discovery:
        files: list[FoundFile] = []
        attached: dict[str, tuple[Path, Path]] = {}  # log key -> (log path, hive path)
        for found in self.found.values():
            if found.format != EvidenceFormat.REGF:
                files.append(found)
                continue
            try:
                search = scan_transaction_logs(found.path)
            except EvidenceError:
                beside = []
            else:
                beside = search.logs
                self.refused_logs(search.refused)
            files.append(replace(found, logs=tuple(beside)))
            for log_path in beside:
                attached.setdefault(normalized_path(log_path), (log_path, found.path))
        logs: list[FoundLog] = []
        for key, (log_path, hive_path) in attached.items():
            seen = self.logs.pop(key, None)
            self.skipped.pop(key, None)  # e.g. an empty SYSTEM.LOG2: a log by name only
            if seen is not None:
                logs.append(FoundLog(log_path, hive_path, seen.file_type, seen.size))
            else:
                logs.append(_describe_log(log_path, hive_path))
        for log in self.logs.values():
            logs.append(FoundLog(log.path, None, log.file_type, log.size))
            what = f"a transaction log (file type {log.file_type}), not a primary hive"
            if log.explicit:
                self.error(
                    LOG_ARGUMENT,
                    "Unsupported",
                    f"{what}, and its hive was not found: give the hive it belongs to "
                    "(its logs are applied from beside it)",
                    log.path,
                )
            else:
                self.note(
                    ORPHAN_LOG,
                    f"{what}, with no primary hive of the matching name beside it: not used",
                    log.path,
                    Severity.INFO,
                )
        for skipped in self.skipped.values():
            if skipped.explicit:
                self.error(NOT_EVIDENCE, "NotRegf", skipped.message, skipped.path)
            else:
                message = f"{skipped.message}: skipped"
                self.note(NOT_EVIDENCE, message, skipped.path, Severity.INFO)
        return Discovery(
            files=sorted(files, key=lambda f: str(f.path)),
            logs=sorted(logs, key=lambda f: str(f.path)),
            errors=sorted(self.errors, key=lambda e: (e.path, e.code)),
            diagnostics=sorted(
                self.diagnostics, key=lambda d: (d.location.source or "", d.code, d.message)
            ),
            archives=sorted(self.archives.values(), key=lambda a: str(a.path)),
            event_logs=sorted(self.event_logs.values(), key=lambda e: str(e.path)),
            complete=not self.stopped,
            examined=self.examined,
        )


def _describe_log(log_path: Path, hive_path: Path) -> FoundLog:
    """A log the reader will find beside a hive but that the search did not read."""
    try:
        head = _read_head(log_path, follow=True)
    except (OSError, _NotRegular):
        return FoundLog(log_path, hive_path, None, None)
    file_type = head.info.file_type if head.info.kind == HeadKind.LOG else None
    return FoundLog(log_path, hive_path, file_type, head.size)


def discover_evidence(
    paths: Sequence[str | os.PathLike[str]],
    *,
    follow_symlinks: bool = False,
    max_files: int = 100_000,
    max_depth: int = 32,
    archives: bool = False,
    event_logs: bool = False,
) -> Discovery:
    """Find the registry evidence in ``paths`` (files and directories, any mix), by content;
    with ``archives``, ZIP collections and disk images; with ``event_logs``, event logs.

    Never raises for a problem with the evidence: an argument that cannot be used is an
    error item (:attr:`Discovery.errors`), a file skipped below a directory is a diagnostic
    (see the module docstring). Raises :class:`~hiveparse.errors.UsageError` only for
    impossible bounds.
    """
    if max_files < 1:
        raise UsageError(f"max_files must be at least 1, not {max_files}")
    if max_depth < 0:
        raise UsageError(f"max_depth must be 0 or more, not {max_depth}")
    search = _Search(
        follow_symlinks=follow_symlinks,
        max_files=max_files,
        max_depth=max_depth,
        archives=archives,
        event_logs=event_logs,
    )
    for raw in paths:
        search.argument(raw)
    return search.finish()
