"""ZIP collections (KAPE, Velociraptor and the like), read without extracting them beside the
evidence: the members hiveparse needs are copied into a private temporary folder that the
caller owns and removes, and reports name them as ``COLLECTION.zip!/member/path``.

Which members (by path, then by content):

* registry hives and their transaction logs by name (``SYSTEM``, ``SOFTWARE``,
  ``SECURITY``, ``SAM``, ``DEFAULT``, ``NTUSER.DAT``, ``UsrClass.dat``, ``Amcache.hve``,
  with ``.LOG``, ``.LOG1``, ``.LOG2``), ``.reg`` files, and every file below a
  ``Microsoft\\Protect\\S-1-5-18`` folder (the machine's DPAPI master keys, ``User``
  included);
* the event logs of the channels analyze reports (``System.evtx``, ``Security.evtx``,
  ``Microsoft-Windows-TerminalServices-*`` and ``Microsoft-Windows-RemoteDesktopServices-*``
  ``.evtx``, as ``winevt\\Logs`` names them);
* any other member whose first bytes are a hive, a transaction log or a .reg file, an event
  log exported as XML, or an EVTX log whose first record is of one of those channels (a
  ZIP inside the collection is not opened, and the report says so).

Names are kept as the collector wrote them (Velociraptor's URL-encoded ``C%3A`` and
``%5C%5C.%5CC%3A`` are decoded where folders are compared, by host grouping), with ``\\``
taken as a separator. A member whose name could leave the folder (``..``, an absolute
path, a NUL), a link, a member stored twice, or one that would pass the limits (its size,
the archive's total, a compression ratio no registry file has, the free space of the
temporary folder) is not copied and is reported: the result is partial. Sizes are counted
as the bytes are inflated, never taken from the headers alone.

Encrypted members need a password: ZipCrypto through the standard library, AES (WinZip
AE-1/AE-2, as Velociraptor writes) through pyzipper (``hiveparse[zip]``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from hiveparse.errors import Diagnostic, EvidenceError, Location, Severity
from hiveparse.events.catalogue import is_reported_log_name, reports_channel
from hiveparse.events.evtx_file import FIRST_CHUNK_END, channel_of
from hiveparse.safefiles import open_regular_file

from .discover import SNIFF_BYTES, HeadKind, classify_head

CHUNK = 1 << 20
AES_METHOD = 99  # WinZip AES (APPNOTE 4.4.5, method 99)
_HIVE_NAMES = frozenset(
    {"system", "software", "security", "sam", "default", "ntuser.dat", "usrclass.dat",
     "amcache.hve", "components", "drivers", "elam", "bcd", "bbi"}
)  # fmt: skip
_LOG_SUFFIXES = (".log", ".log1", ".log2")
_MASTER_KEYS = ("microsoft", "protect", "s-1-5-18")

ARCHIVE_MEMBER = "archive.member_skipped"  # a member not copied (unsafe name, link, limit)
ARCHIVE_LIMIT = "archive.limit_reached"  # the archive's limits stopped the copy
ARCHIVE_ENCRYPTED = "archive.encrypted"  # members that need a password (or another one)
ARCHIVE_UNREADABLE = "archive.unreadable"  # a member that could not be inflated
ARCHIVE_CODES = frozenset({ARCHIVE_MEMBER, ARCHIVE_LIMIT, ARCHIVE_ENCRYPTED, ARCHIVE_UNREADABLE})


@dataclass(frozen=True)
class ArchiveLimits:
    members: int = 1_000_000  # central-directory entries looked at
    member_bytes: int = 4 << 30  # one member, inflated
    total_bytes: int = 32 << 30  # every member copied, inflated
    ratio: int = 1000  # inflated / compressed, for members above ratio_floor bytes
    ratio_floor: int = 16 << 20
    free_bytes: int = 256 << 20  # left free on the temporary folder's file system


@dataclass(frozen=True)
class Member:
    name: str  # as the archive stores it
    sha256: str
    size: int


@dataclass
class Extraction:
    """The members of one archive copied into ``root``."""

    archive: str  # as the evidence was named
    sha256: str
    root: Path
    members: dict[str, Member] = field(default_factory=dict)  # copied path -> member
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def shown(self) -> str:
        """How reports name the archive's inside: ``COLLECTION.zip!``."""
        return f"{self.archive}!"

    def show(self, text: str) -> str:
        """``text`` with the copy's folder named as the archive's inside."""
        return text.replace(str(self.root), self.shown)

    def containers(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each copied member's path here and its provenance record."""
        for copied, member in self.members.items():
            yield (
                copied,
                {
                    "format": "zip",
                    "path": self.archive,
                    "sha256": self.sha256,
                    "member": member.name,
                    "member_sha256": member.sha256,
                    "member_size": member.size,
                },
            )


def _parts(name: str) -> list[str]:
    """A member's folder names and file name ('/'-separated, APPNOTE 4.4.17; collectors
    made on Windows may use '\\')."""
    return [part for part in name.replace("\\", "/").split("/") if part]


def _safe_parts(name: str) -> list[str] | None:
    """The folder names and file name of a member (:func:`_parts`), or None when the name
    could leave the folder it is copied into (APPNOTE 4.4.17: names are relative)."""
    if "\x00" in name or name.startswith(("/", "\\")):
        return None
    parts = _parts(name)
    if not parts or any(part in (".", "..") or len(part.encode()) > 255 for part in parts):
        return None
    if len(parts[0]) == 2 and parts[0][1] == ":":  # a drive-letter path: C:/...
        return None
    return parts


def _wanted_by_name(parts: list[str]) -> bool:
    low = [part.casefold() for part in parts]
    base = low[-1]
    if base.endswith(".reg") or base in _HIVE_NAMES or is_reported_log_name(base):
        return True
    stem, dot, suffix = base.rpartition(".")
    if dot and f".{suffix}" in _LOG_SUFFIXES and stem in _HIVE_NAMES:
        return True
    folders = low[:-1]
    return any(
        tuple(folders[i : i + len(_MASTER_KEYS)]) == _MASTER_KEYS for i in range(len(folders))
    )


def _open_zip(handle: BinaryIO, path: Path, password: str | None) -> zipfile.ZipFile:
    aes: Any = None
    if password is not None:
        try:
            import pyzipper  # type: ignore[import-untyped]  # noqa: PLC0415 - hiveparse[zip]
        except ImportError:
            aes = None
        else:
            aes = pyzipper.AESZipFile
    try:
        archive = aes(handle) if aes is not None else zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise EvidenceError(f"not a readable ZIP archive: {error}", source=str(path)) from error
    if password is not None:
        archive.setpassword(password.encode("utf-8"))
    return archive


class _Copier:
    def __init__(self, extraction: Extraction, limits: ArchiveLimits) -> None:
        self.extraction = extraction
        self.limits = limits
        self.total = 0
        self.stopped = False
        self.encrypted: list[str] = []

    def note(self, code: str, message: str, severity: Severity) -> None:
        # Located at the copy's folder, shown as COLLECTION.zip!: the hosts found in the
        # archive carry the notes of its members.
        where = Location(str(self.extraction.root))
        self.extraction.diagnostics.append(Diagnostic(code, message, where, severity))

    def skip(self, info: zipfile.ZipInfo, why: str, severity: Severity | None = None) -> None:
        """A member not copied: an error (the result is partial) when its name is that of
        registry evidence (or ``severity`` says so), else a warning."""
        if severity is None:
            parts = _parts(info.filename)
            evidence = bool(parts) and _wanted_by_name(parts)
            severity = Severity.ERROR if evidence else Severity.WARNING
        self.note(ARCHIVE_MEMBER, f"member {info.filename!r} not read: {why}", severity)

    def refuse_by_size(self, info: zipfile.ZipInfo) -> bool:
        limits = self.limits
        if info.file_size > limits.member_bytes:
            self.skip(info, f"it inflates to {info.file_size} bytes, over {limits.member_bytes}")
            return True
        compressed = max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and info.file_size / compressed > limits.ratio:
            self.skip(
                info,
                f"{info.file_size} bytes from {info.compress_size}: a compression ratio over "
                f"{limits.ratio}, which no registry file has (a zip bomb)",
            )
            return True
        if self.total + info.file_size > limits.total_bytes:
            self.stop(f"copying it would pass {limits.total_bytes} bytes in all")
            return True
        free = shutil.disk_usage(self.extraction.root).free
        if free - info.file_size < limits.free_bytes:
            self.stop(
                f"the temporary folder has {free} bytes free; member {info.filename!r} needs "
                f"{info.file_size} (set TMPDIR to a larger file system)"
            )
            return True
        return False

    def stop(self, why: str) -> None:
        self.stopped = True
        self.note(
            ARCHIVE_LIMIT,
            f"{why}: the rest of the archive was not read, evidence may be missing",
            Severity.ERROR,
        )

    def copy(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
        """Inflate one member into ``target``, counting the bytes as they come."""
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        digest = hashlib.sha256()
        written = 0
        with archive.open(info) as source, os.fdopen(os.open(target, flags, 0o600), "wb") as sink:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > info.file_size or written > self.limits.member_bytes:
                    raise _Oversized(written)
                digest.update(chunk)
                sink.write(chunk)
        self.total += written
        self.extraction.members[str(target)] = Member(info.filename, digest.hexdigest(), written)


class _Oversized(Exception):
    pass


def _head(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with archive.open(info) as member:
        return member.read(SNIFF_BYTES)


def extract_collection(
    path: Path,
    workspace: Path,
    *,
    password: str | None = None,
    limits: ArchiveLimits | None = None,
) -> Extraction:
    """Copy the registry members of the ZIP archive ``path`` into a new folder below
    ``workspace``. EvidenceError when the archive cannot be read at all; a member that
    cannot be copied is a diagnostic (an ERROR makes the result partial)."""
    limits = limits or ArchiveLimits()
    # One read-only handle (access time untouched, a FIFO refused) for the hash and the
    # members: what is hashed is what is read.
    try:
        handle = open_regular_file(path)
    except OSError as error:
        raise _unreadable(path, error) from error
    with handle:
        try:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
            handle.seek(0)
        except OSError as error:
            raise _unreadable(path, error) from error
        return _extract(handle, path, digest, workspace, password, limits)


def _unreadable(path: Path, error: OSError) -> EvidenceError:
    return EvidenceError(f"cannot read: {error.strerror or error}", source=str(path))


def _extract(
    handle: BinaryIO,
    path: Path,
    digest: str,
    workspace: Path,
    password: str | None,
    limits: ArchiveLimits,
) -> Extraction:
    root = workspace / f"archive-{len(list(workspace.iterdir())):05d}"
    root.mkdir(mode=0o700)
    extraction = Extraction(str(path), digest, root)
    copier = _Copier(extraction, limits)
    with _open_zip(handle, path, password) as archive:
        entries = archive.infolist()
        if len(entries) > limits.members:
            copier.note(
                ARCHIVE_LIMIT,
                f"{len(entries)} members; only the first {limits.members} were looked at",
                Severity.ERROR,
            )
            entries = entries[: limits.members]
        seen: set[str] = set()
        for info in entries:
            if copier.stopped:
                break
            _one_member(archive, info, copier, seen, password)
    if copier.encrypted:
        what = (
            "that the password given does not open"
            if password is not None
            else "are encrypted and need a password"
        )
        first = copier.encrypted[0]
        copier.note(
            ARCHIVE_ENCRYPTED,
            f"{len(copier.encrypted)} member(s) {what} (first: {first!r}): give "
            + ("--zip-password" if password is None else "the collection's --zip-password"),
            Severity.ERROR,
        )
    return extraction


def _one_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    copier: _Copier,
    seen: set[str],
    password: str | None,
) -> None:
    if info.is_dir():
        return
    parts = _safe_parts(info.filename)
    if parts is None:
        copier.skip(info, "its name leads outside the collection (absolute, '..', NUL)")
        return
    if stat.S_ISLNK(info.external_attr >> 16):
        copier.skip(info, "it is a symbolic link")
        return
    key = "/".join(parts).casefold()
    encrypted = bool(info.flag_bits & 0x1)
    if encrypted and password is None:  # nothing of it can be read, not even its head
        copier.encrypted.append(info.filename)
        return
    if info.compress_type == AES_METHOD and not hasattr(archive, "setencryption"):
        copier.encrypted.append(info.filename)
        copier.note(
            ARCHIVE_ENCRYPTED,
            f"member {info.filename!r} is AES-encrypted: install hiveparse[zip] (pyzipper)",
            Severity.ERROR,
        )
        return
    try:
        if not _wanted_by_name(parts):
            if info.file_size > copier.limits.member_bytes:
                return
            head = classify_head(_head(archive, info))
            kind = head.kind
            if kind == HeadKind.EVENT_LOG and not _reported_log(archive, info, head.log_format):
                return
            if kind in (HeadKind.ARCHIVE, HeadKind.IMAGE):
                what = "a ZIP archive" if kind == HeadKind.ARCHIVE else "a disk image"
                copier.skip(
                    info,
                    f"it is {what} itself, which is not opened inside a ZIP (extract it and "
                    "give it as a case of its own)",
                    Severity.ERROR,
                )
                return
            if kind not in (HeadKind.HIVE, HeadKind.LOG, HeadKind.REG, HeadKind.EVENT_LOG):
                return
        if key in seen:
            copier.skip(info, "a second member of the same name (the first was read)")
            return
        seen.add(key)
        if copier.refuse_by_size(info):
            return
        copier.copy(archive, info, copier.extraction.root.joinpath(*parts))
    except _Oversized as error:
        copier.note(
            ARCHIVE_UNREADABLE,
            f"member {info.filename!r} inflates past its declared {info.file_size} bytes "
            f"({error.args[0]} read): not read",
            Severity.ERROR,
        )
        _discard(copier.extraction.root.joinpath(*parts))
    except RuntimeError as error:  # zipfile: a wrong or missing password
        if "password" in str(error).lower() or encrypted:
            copier.encrypted.append(info.filename)
        else:
            copier.note(ARCHIVE_UNREADABLE, f"member {info.filename!r}: {error}", Severity.ERROR)
        _discard(copier.extraction.root.joinpath(*parts))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as error:
        copier.note(
            ARCHIVE_UNREADABLE,
            f"member {info.filename!r} could not be inflated: {error}",
            Severity.ERROR,
        )
        _discard(copier.extraction.root.joinpath(*parts))


def _reported_log(archive: zipfile.ZipFile, info: zipfile.ZipInfo, log_format: str | None) -> bool:
    """Whether an event log member named otherwise is worth copying: an XML export always
    (rare, and made on purpose), an EVTX log when its first record is of a channel analyze
    reports."""
    if log_format != "evtx":
        return True
    with archive.open(info) as member:
        head = member.read(FIRST_CHUNK_END)
    channel = channel_of(head)
    return channel is None or reports_channel(channel)


def _discard(path: Path) -> None:
    """Remove a member's partial copy (there is none when opening it failed)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
