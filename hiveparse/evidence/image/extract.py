"""A disk image in, the registry evidence of its Windows installations out: the files at
the fixed paths below are copied into a private temporary folder the caller owns, one
sub-folder per partition, and reports name them ``IMAGE!/pN/PATH`` with their provenance
(the image and its hash, the partition, the path in the volume, the MFT entry, the file's
own hash).

Every NTFS volume holding ``Windows\\System32\\config`` is a Windows installation (several
installations on one disk are several hosts, one per partition). Only these paths are read,
never the whole volume:

* ``Windows\\System32\\config``: SYSTEM, SOFTWARE and SECURITY with their transaction logs
  (``.LOG``, ``.LOG1``, ``.LOG2``), and the same in ``config\\RegBack``;
* ``Windows\\System32\\Microsoft\\Protect\\S-1-5-18`` and its ``User`` folder: the machine's
  DPAPI master keys, which open the grace-period timebomb;
* ``Users\\*\\NTUSER.DAT`` (``Documents and Settings`` on XP) with its logs;
* ``Windows\\System32\\winevt\\Logs``: the System, Security, TerminalServices and
  RemoteDesktopServices event logs, when the caller asks for event logs.

What cannot be read is said, located at the image (with the byte offset where one applies):
an encrypted volume (BitLocker, LUKS) is reported and not decrypted; volume shadow copies
are listed as not examined; a damaged or truncated image gives what could be read, partial.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hiveparse.errors import Diagnostic, EvidenceError, Location, Severity
from hiveparse.events.catalogue import is_reported_log_name

from .codes import (
    DAMAGED,
    NO_STORED_HASH,
    NO_WINDOWS,
    NOT_HASHED,
    NOT_SEARCHED,
    PARTITION_TABLE,
    SHADOW_COPIES,
    UNSUPPORTED_VOLUME,
    VERIFIED,
    VERIFY_FAILED,
    ImageOptions,
)
from .disk import Disk, ImageReadError, open_disk, verify_stored_hashes
from .formats import ImageFormat
from .ntfs import Entry, NtfsVolume, PartialCopy
from .partitions import Partition, read_partitions
from .shadow_copies import list_shadow_copies
from .volumes import identify_volume

_HIVES = ("SYSTEM", "SOFTWARE", "SECURITY")
_LOG_SUFFIXES = (".LOG", ".LOG1", ".LOG2")
_PROFILE_FOLDERS = ("Users", "Documents and Settings")
_FREE_BYTES = 256 << 20  # left free on the temporary folder's file system
_MAX_PROFILES = 10_000
_WINDOWS_FOLDERS = ("Windows", "WINNT")
_LDM_TYPES = frozenset(
    {"0x42", "5808c8aa-7e8f-42e0-85d2-e1e90434cfb3", "af9b60a0-1431-4f62-bc68-3311714a69ad",
     "e75caf8f-f680-4cee-afa3-b001e56efc2d"}
)  # fmt: skip


@dataclass
class ImageExtraction:
    """The files of one image copied into ``root`` (``root/pN/...``, ``N`` the partition)."""

    image: str  # as the evidence was named
    root: Path
    record: dict[str, Any]  # the image: format, files and their sha256, stored hashes, ...
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # copy -> provenance
    volumes: list[dict[str, Any]] = field(default_factory=list)  # every partition looked at
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Encrypted volumes, not read: (their folder here, what they are, their offset).
    encrypted: list[tuple[str, str, int]] = field(default_factory=list)
    installs: list[str] = field(default_factory=list)  # folders holding a Windows install

    @property
    def shown(self) -> str:
        """How reports name the image's inside: ``IMAGE!``."""
        return f"{self.image}!"

    def show(self, text: str) -> str:
        """``text`` with the copy's folder named as the image's inside."""
        return text.replace(str(self.root), self.shown)

    def encrypted_diagnostics(self) -> list[Diagnostic]:
        """Each encrypted volume as the diagnostic of an input that could not be read, named
        as the image's inside (analyze makes the same of it, as an unreadable input)."""
        return [
            Diagnostic(
                "input.encrypted_volume",
                what,
                Location(self.show(folder), offset=offset),
                Severity.ERROR,
            )
            for folder, what, offset in self.encrypted
        ]

    def containers(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each copied file's path here and its provenance record."""
        for copied, member in self.members.items():
            yield copied, {**self.record, **member}


def partition_folder(partition: Partition) -> str:
    """The sub-folder a partition's files are copied to (and reports name): ``p2``, or
    ``volume`` for an image of one volume."""
    return "volume" if partition.scheme == "none" else f"p{partition.index}"


def extract_image(
    path: Path,
    image_format: ImageFormat,
    workspace: Path,
    options: ImageOptions | None = None,
) -> ImageExtraction:
    """Copy the registry evidence of the image ``path`` into a new folder below
    ``workspace``. EvidenceError when the image cannot be opened at all (Unsupported when
    hiveparse[images] is missing); what cannot be read inside it is a diagnostic."""
    options = options or ImageOptions()
    with open_disk(path, image_format, hash_files=options.hash_image) as disk:
        root = workspace / f"image-{len(list(workspace.iterdir())):05d}"
        root.mkdir(mode=0o700)
        extraction = ImageExtraction(str(path), root, _image_record(disk))
        _Reader(disk, extraction, options).run()
        return extraction


def _image_record(disk: Disk) -> dict[str, Any]:
    first = disk.files[0]
    return {
        "format": disk.format.value,
        "path": str(disk.path),
        "sha256": first.sha256,
        "image_files": [
            {"path": str(item.path), "sha256": item.sha256, "size": item.size}
            for item in disk.files
        ],
        "media_size": disk.size,
        "stored_hashes": dict(disk.stored_hashes),
    }


class _Reader:
    def __init__(self, disk: Disk, extraction: ImageExtraction, options: ImageOptions) -> None:
        self.disk = disk
        self.extraction = extraction
        self.options = options

    def note(
        self, code: str, message: str, severity: Severity, *, offset: int | None = None,
        folder: str | None = None,
    ) -> None:  # fmt: skip
        # Located at the copy's folder (shown as IMAGE!), or at a partition's, so that the
        # hosts found there carry the notes of their volume.
        where = self.extraction.root / folder if folder else self.extraction.root
        location = Location(str(where), offset=offset)
        self.extraction.diagnostics.append(Diagnostic(code, message, location, severity))

    def run(self) -> None:
        if not self.options.hash_image:
            self.note(
                NOT_HASHED,
                "the image's files were not hashed (--no-image-hash): they are named by path "
                "and size only",
                Severity.INFO,
            )
        missing = self.disk.missing_segment
        if missing:
            self.note(
                DAMAGED,
                f"segment {missing} of the image is missing (a later segment is there): the "
                "media it held cannot be read",
                Severity.ERROR,
            )
        if self.options.verify:
            self.verify()
        self.probe_end()
        try:
            table = read_partitions(self.disk)
        except ImageReadError as error:
            self.note(DAMAGED, error.message, Severity.ERROR, offset=error.location.offset)
            return
        self.extraction.record["partition_table"] = table.scheme
        for offset, problem, damaged in table.notes:
            severity = Severity.ERROR if damaged else Severity.WARNING
            code = DAMAGED if damaged else PARTITION_TABLE
            self.note(code, problem, severity, offset=offset)
        if table.scheme == "unknown" and not table.partitions:
            self.note(
                NO_WINDOWS,
                "no partition table and no volume was recognised in the image",
                Severity.WARNING,
            )
            return
        for partition in table.partitions:
            self.partition(partition)
        self.unreported_read_errors()
        if not self.extraction.installs and not self.extraction.encrypted:
            kinds = ", ".join(
                f"{volume['folder']} {volume['file_system']}" for volume in self.extraction.volumes
            )
            damaged = any(note.code == DAMAGED for note in self.extraction.diagnostics)
            found = (
                "no Windows installation could be found: the image could not be read far enough "
                "(see image.damaged)"
                if damaged
                else "no Windows installation (an NTFS volume with Windows\\System32\\config) "
                "in the image"
            )
            self.note(NO_WINDOWS, f"{found}; its volumes: {kinds or 'none read'}", Severity.WARNING)

    def unreported_read_errors(self) -> None:
        """Reads The Sleuth Kit met and got past (a backup boot sector, $MFTMirr) are still
        reads that failed: each is said once."""
        reported = [d.message for d in self.extraction.diagnostics]
        unsaid = [
            failed
            for failed in dict.fromkeys(self.disk.read_errors)
            if not any(failed.message in message for message in reported)
        ]
        if unsaid:
            first, more = unsaid[0], len(unsaid) - 1
            offsets = [f.location.offset or 0 for f in unsaid]
            tail = f" (and {more} more failed reads, up to offset {max(offsets)})" if more else ""
            self.note(DAMAGED, first.message + tail, Severity.ERROR, offset=first.location.offset)

    def probe_end(self) -> None:
        """Read the disk's last sector: a missing segment or a cut file shows at once, even
        where no file of interest lies beyond it."""
        last = max(self.disk.size - 512, 0)
        try:
            data = self.disk.read(last, 512)
        except ImageReadError as error:
            segment = (
                " (is its last segment missing?)" if self.disk.format == ImageFormat.EWF else ""
            )
            self.note(
                DAMAGED,
                f"{error.message} (its last sector): the image is incomplete{segment}",
                Severity.ERROR,
                offset=error.location.offset,
            )
            return
        if len(data) < self.disk.size - last:
            self.note(
                DAMAGED,
                f"the image's data ends at byte {last + len(data)} of its {self.disk.size}",
                Severity.ERROR,
                offset=last + len(data),
            )

    def verify(self) -> None:
        disk = self.disk
        if not disk.stored_hashes:
            why = (
                "no hash of its media could be read from this EWF image (they are kept in its "
                "last segment: is a segment missing?)"
                if disk.format == ImageFormat.EWF
                else f"a {disk.format.value} image stores no hash of its media"
            )
            self.note(
                NO_STORED_HASH,
                f"--verify-image: {why}; the sha256 of its files is reported instead",
                Severity.WARNING,
            )
            return
        try:
            results = verify_stored_hashes(disk)
        except ImageReadError as error:
            self.note(DAMAGED, error.message, Severity.ERROR, offset=error.location.offset)
            return
        self.extraction.record["verified"] = results
        for name, matches in sorted(results.items()):
            stored = disk.stored_hashes[name]
            if matches:
                self.note(
                    VERIFIED,
                    f"--verify-image: the media's {name.upper()} matches the one the image "
                    f"stores ({stored})",
                    Severity.INFO,
                )
            else:
                self.note(
                    VERIFY_FAILED,
                    f"--verify-image: the media's {name.upper()} does not match the one the "
                    f"image stores ({stored}): the image has changed since it was acquired",
                    Severity.ERROR,
                )

    def partition(self, partition: Partition) -> None:
        folder = partition_folder(partition)
        where = f"{folder} (offset {partition.offset})"
        try:
            kind = identify_volume(self.disk, partition)
        except ImageReadError as error:
            self.note(DAMAGED, error.message, Severity.ERROR, offset=error.location.offset)
            return
        volume: dict[str, Any] = {
            "folder": folder,
            "partition": partition.to_dict(),
            "file_system": kind.file_system,
            "windows": False,
            "shadow_copies": None,
        }
        self.extraction.volumes.append(volume)
        if kind.encrypted:
            what = (
                f"{where} is a {kind.file_system}-encrypted volume: it was not decrypted and "
                "nothing in it was read (decrypt it with the recovery key, e.g. dislocker or "
                "bdemount, and give the decrypted volume)"
            )
            where_here = str(self.extraction.root / folder)
            self.extraction.encrypted.append((where_here, what, partition.offset))
            return
        if partition.type in _LDM_TYPES:
            self.note(
                UNSUPPORTED_VOLUME,
                f"{where} is part of a Windows dynamic disk or storage pool "
                f"({partition.type_name}), whose volumes are not read: evidence may be missing",
                Severity.ERROR,
                offset=partition.offset,
            )
            return
        if kind.file_system != "NTFS":
            self.note(
                NOT_SEARCHED,
                f"{where}: {kind.file_system} ({partition.type_name}), not searched (Windows "
                "is installed on NTFS)",
                Severity.INFO,
                offset=partition.offset,
            )
            return
        self.ntfs(partition, folder, volume)

    def ntfs(self, partition: Partition, folder: str, volume: dict[str, Any]) -> None:
        try:
            ntfs = NtfsVolume(self.disk, partition)
            for member in self.options.members:
                head, _, rest = member.partition("/")
                if head.casefold() == folder and rest:
                    self.copy_member(ntfs, partition, folder, rest)
            install = self.windows(ntfs)
            if install is None:
                self.note(
                    NOT_SEARCHED,
                    f"{folder} (offset {partition.offset}): an NTFS volume without "
                    "Windows\\System32\\config, not searched",
                    Severity.INFO,
                    offset=partition.offset,
                )
                return
            volume["windows"] = True
            self.extraction.installs.append(str(self.extraction.root / folder))
            volume["shadow_copies"] = self.shadow_copies(partition, folder)
            self.copy_install(ntfs, partition, folder, install)
        except EvidenceError as error:
            self.note(
                DAMAGED,
                error.message,
                Severity.ERROR,
                offset=error.location.offset,
                folder=folder if volume["windows"] else None,
            )

    def windows(self, ntfs: NtfsVolume) -> Entry | None:
        for name in _WINDOWS_FOLDERS:
            folder = ntfs.find(name)
            if folder is not None and ntfs.find("System32", "config", start=folder) is not None:
                return folder
        return None

    def shadow_copies(self, partition: Partition, folder: str) -> list[dict[str, Any]]:
        stores = list_shadow_copies(self.disk, partition)
        broken = [store for store in stores if "unreadable" in store]
        stores = [store for store in stores if "unreadable" not in store]
        for store in broken:
            self.note(
                SHADOW_COPIES,
                f"{folder}: the shadow-copy catalog could not be followed: {store['problem']} "
                "(shadow copies may be there that are not listed)",
                Severity.WARNING,
                offset=store["unreadable"],
                folder=folder,
            )
        if stores:
            times = ", ".join(store.get("created") or "?" for store in stores)
            self.note(
                SHADOW_COPIES,
                f"{folder}: {len(stores)} volume shadow cop{'y' if len(stores) == 1 else 'ies'} "
                f"(created {times}), not examined: older copies of the hives may be there",
                Severity.WARNING,
                offset=partition.offset,
                folder=folder,
            )
        return stores

    def copy_install(
        self, ntfs: NtfsVolume, partition: Partition, folder: str, windows: Entry
    ) -> None:
        config = ntfs.find("System32", "config", start=windows)
        assert config is not None  # windows() checked it
        self.copy_hives(ntfs, partition, folder, config)
        regback = ntfs.find("RegBack", start=config)
        if regback is not None and regback.is_dir:
            self.copy_hives(ntfs, partition, folder, regback)
        protect = ntfs.find("System32", "Microsoft", "Protect", "S-1-5-18", start=windows)
        if protect is not None and protect.is_dir:
            for entry in ntfs.children(protect).values():
                if entry.is_dir and entry.name.casefold() == "user":
                    for key in ntfs.children(entry).values():
                        if not key.is_dir:
                            self.copy(ntfs, partition, folder, key)
                elif not entry.is_dir:
                    self.copy(ntfs, partition, folder, entry)
        for profiles_name in _PROFILE_FOLDERS:
            profiles = ntfs.find(profiles_name)
            if profiles is None or not profiles.is_dir:
                continue
            for count, profile in enumerate(sorted(ntfs.children(profiles).values(),
                                                   key=lambda e: e.path)):  # fmt: skip
                if count >= _MAX_PROFILES:
                    break
                if profile.is_dir:
                    self.copy_named(ntfs, partition, folder, profile, "NTUSER.DAT")
        if self.options.event_logs:
            logs = ntfs.find("System32", "winevt", "Logs", start=windows)
            if logs is not None and logs.is_dir:
                for entry in sorted(ntfs.children(logs).values(), key=lambda e: e.path):
                    if not entry.is_dir and is_reported_log_name(entry.name):
                        self.copy(ntfs, partition, folder, entry)

    def copy_member(self, ntfs: NtfsVolume, partition: Partition, folder: str, path: str) -> None:
        """A file named inside the image, with its transaction logs."""
        *folders, name = [part for part in path.split("/") if part]
        at = ntfs.find(*folders)
        if at is not None and at.is_dir:
            self.copy_named(ntfs, partition, folder, at, name)

    def copy_hives(self, ntfs: NtfsVolume, partition: Partition, folder: str, at: Entry) -> None:
        for hive in _HIVES:
            self.copy_named(ntfs, partition, folder, at, hive)

    def copy_named(
        self, ntfs: NtfsVolume, partition: Partition, folder: str, at: Entry, name: str
    ) -> None:
        """The hive ``name`` in the folder ``at`` and its transaction logs."""
        entries = ntfs.children(at)
        for wanted in (name, *(name + suffix for suffix in _LOG_SUFFIXES)):
            entry = entries.get(wanted.casefold())
            if entry is not None and not entry.is_dir:
                self.copy(ntfs, partition, folder, entry)

    def copy(self, ntfs: NtfsVolume, partition: Partition, folder: str, entry: Entry) -> None:
        free = shutil.disk_usage(self.extraction.root).free
        if free - entry.size < _FREE_BYTES:
            raise EvidenceError(
                f"the temporary folder has {free} bytes free; /{entry.path} needs {entry.size} "
                "(set TMPDIR to a larger file system): the rest of the volume was not read",
                source=str(self.disk.path),
            )
        target = self.extraction.root.joinpath(folder, *entry.path.split("/"))
        if str(target) in self.extraction.members:
            return  # named and at a fixed path: copied once
        complete = True
        try:
            copied = ntfs.copy(entry, target)
        except PartialCopy as error:  # this file only: the others are still read
            self.note(
                DAMAGED,
                f"{error.message}: the first {error.copied.size} of its {entry.size} bytes are "
                "read as a file cut short"
                if error.copied.size
                else error.message,
                Severity.ERROR,
                offset=error.location.offset,
                folder=folder,
            )
            if not error.copied.size:
                target.unlink(missing_ok=True)
                return
            copied, complete = error.copied, False
        self.extraction.members[str(target)] = {
            "partition": partition.to_dict(),
            "file_system": "NTFS",
            "member": entry.path,
            "mft_entry": entry.mft_entry,
            "mft_sequence": entry.sequence,
            "member_sha256": copied.sha256,
            "member_size": copied.size,
            "member_complete": complete,
            "times": entry.times,
        }
