"""Files of an NTFS volume inside a disk image, through The Sleuth Kit (``pytsk3``), which
reads the volume through :class:`~hiveparse.evidence.image.disk.Disk` (read-only).

Only named paths are looked up, one folder at a time, names compared case-insensitively as
Windows compares them; nothing walks the volume. Deleted names (TSK's unallocated directory
entries) are passed over: a deleted hive is not the machine's hive. Each file's MFT entry
(record number and sequence) and its $STANDARD_INFORMATION times are kept for provenance.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hiveparse.errors import EvidenceError

from .disk import ImageReadError

if TYPE_CHECKING:
    from .disk import Disk
    from .partitions import Partition

CHUNK = 1 << 20
SMALL = 4096  # read a cluster at a time where a larger read fails
MAX_LISTED = 200_000  # entries read from one folder (System32 holds about 20,000)


@dataclass(frozen=True)
class Entry:
    """A file or folder of the volume."""

    path: str  # from the volume's root, '/'-separated, with the names as the volume spells them
    is_dir: bool
    mft_entry: int | None
    sequence: int | None
    size: int
    times: dict[str, str]  # $STANDARD_INFORMATION: created, modified, mft_modified, accessed
    handle: Any  # the pytsk3 File

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Copied:
    sha256: str
    size: int


class PartialCopy(EvidenceError):
    """A file whose data stops before its end (a truncated or damaged image): ``copied``
    is what was read of it, from its start, and is left in place."""

    def __init__(self, error: EvidenceError, copied: Copied) -> None:
        where = error.location
        super().__init__(error.message, source=where.source, offset=where.offset)
        self.copied = copied


def _tsk() -> Any:
    import pytsk3  # noqa: PLC0415 - hiveparse[images]

    return pytsk3


def _time(seconds: int, nanoseconds: int) -> str | None:
    if not seconds:
        return None
    moment = datetime.fromtimestamp(seconds, UTC).replace(microsecond=nanoseconds // 1000)
    return moment.isoformat().replace("+00:00", "Z")


class NtfsVolume:
    """An NTFS volume at ``partition`` of ``disk``."""

    def __init__(self, disk: Disk, partition: Partition) -> None:
        pytsk3 = _tsk()
        self.disk = disk
        self.partition = partition

        class _Image(pytsk3.Img_Info):  # type: ignore[misc,name-defined]  # an external image
            def __init__(self) -> None:
                super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

            def close(self) -> None:
                pass

            def read(self, offset: int, size: int) -> bytes:
                # An exception cannot cross The Sleuth Kit: a failed read is a short one,
                # its reason kept for the error TSK then raises (NtfsVolume._error).
                try:
                    return disk.read(offset, size)
                except ImageReadError as error:
                    disk.read_errors.append(error)
                    return b""

            def get_size(self) -> int:
                return disk.size

        self._image = _Image()
        try:
            self._fs = pytsk3.FS_Info(self._image, offset=partition.offset)
        except OSError as error:
            raise EvidenceError(
                f"the NTFS volume of partition {partition.index} cannot be opened: "
                f"{_tsk_message(error)}",
                source=str(disk.path),
                offset=partition.offset,
            ) from error
        self._listed: dict[str, dict[str, Entry]] = {}
        self._alloc = pytsk3.TSK_FS_NAME_FLAG_ALLOC
        self._dir = pytsk3.TSK_FS_META_TYPE_DIR
        self.root = self._entry("", self._open_address(self._fs.info.root_inum))

    def _open_address(self, address: int) -> Any:
        try:
            return self._fs.open_meta(inode=address)
        except OSError as error:
            raise self._error(f"MFT entry {address}", error) from error

    def image_end(self) -> int | None:
        """Where the image's data ends, when a read met that end: the first short read,
        or the end of a truncated image that cuts this partition short."""
        if self.disk.short_reads:
            return self.disk.short_reads[-1]
        partition = self.partition
        return self.disk.size if partition.offset + partition.size > self.disk.size else None

    def _error(self, what: str, error: OSError) -> EvidenceError:
        if self.disk.read_errors:  # the container failed: its reason, at its offset
            failed = self.disk.read_errors[-1]
            return EvidenceError(
                f"partition {self.partition.index}: {what} cannot be read: {failed.message}",
                source=str(self.disk.path),
                offset=failed.location.offset,
            )
        end = self.image_end()
        where = f" (the image ends at byte {end})" if end is not None else ""
        return EvidenceError(
            f"partition {self.partition.index}: {what} cannot be read: "
            f"{_tsk_message(error)}{where}",
            source=str(self.disk.path),
            offset=end if end is not None else self.partition.offset,
        )

    def _entry(self, path: str, handle: Any) -> Entry:
        meta = handle.info.meta
        times: dict[str, str] = {}
        if meta is not None:
            for key, attribute in (
                ("created", "crtime"),
                ("modified", "mtime"),
                ("mft_modified", "ctime"),
                ("accessed", "atime"),
            ):
                value = _time(getattr(meta, attribute, 0), getattr(meta, f"{attribute}_nano", 0))
                if value is not None:
                    times[key] = value
        return Entry(
            path,
            meta is not None and meta.type == self._dir,
            None if meta is None else int(meta.addr),
            None if meta is None else int(meta.seq),
            0 if meta is None else int(meta.size),
            times,
            handle,
        )

    def children(self, folder: Entry) -> dict[str, Entry]:
        """The allocated entries of ``folder`` by their case-folded name, listed once per
        volume (System32 holds tens of thousands, and several fixed paths pass through it)."""
        listed = self._listed.get(folder.path)
        if listed is None:
            listed = self._listed[folder.path] = self._list(folder)
        return listed

    def _list(self, folder: Entry) -> dict[str, Entry]:
        try:
            directory = folder.handle.as_directory()
        except OSError as error:
            raise self._error(f"the folder /{folder.path}", error) from error
        found: dict[str, Entry] = {}
        try:
            for count, item in enumerate(directory):
                if count >= MAX_LISTED:
                    break
                name_info = item.info.name
                raw = name_info.name
                name = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
                if name in (".", "..") or not int(name_info.flags) & int(self._alloc):
                    continue
                if item.info.meta is None:
                    continue
                path = f"{folder.path}/{name}" if folder.path else name
                found.setdefault(name.casefold(), self._entry(path, item))
        except OSError as error:
            raise self._error(f"the folder /{folder.path}", error) from error
        return found

    def find(self, *names: str, start: Entry | None = None) -> Entry | None:
        """The entry at ``names`` below ``start`` (the root), compared case-insensitively;
        None when a name is not there (or is not a folder on the way)."""
        here = start or self.root
        for name in names:
            if not here.is_dir:
                return None
            following = self.children(here).get(name.casefold())
            if following is None:
                return None
            here = following
        return here

    def copy(self, entry: Entry, target: Path) -> Copied:
        """Write ``entry``'s data ($DATA, the unnamed stream) to the new file ``target``."""
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        digest = hashlib.sha256()
        offset = 0
        with os.fdopen(os.open(target, flags, 0o600), "wb") as sink:
            while offset < entry.size:
                try:
                    chunk = self._read(entry, offset, min(CHUNK, entry.size - offset))
                except EvidenceError as error:
                    raise PartialCopy(error, Copied(digest.hexdigest(), offset)) from error
                digest.update(chunk)
                sink.write(chunk)
                offset += len(chunk)
        return Copied(digest.hexdigest(), offset)

    def _read(self, entry: Entry, offset: int, size: int) -> bytes:
        """``size`` bytes of ``entry`` at ``offset``; where The Sleuth Kit cannot give them
        all, the part before the failure (read a cluster at a time), then EvidenceError on
        the next read."""
        try:
            chunk = entry.handle.read_random(offset, size)
        except OSError as error:
            failed = self._error(f"/{entry.path} (at its byte {offset})", error)
            prefix = b""
            while len(prefix) < size:
                try:
                    piece = entry.handle.read_random(offset + len(prefix), SMALL)
                except OSError:
                    break
                if not piece:
                    break
                prefix += piece
            if prefix:
                return prefix  # the next read, past it, fails and says where
            raise failed from error
        if not chunk:
            raise EvidenceError(
                f"partition {self.partition.index}: /{entry.path} ends after {offset} "
                f"of its {entry.size} bytes (the image is truncated or damaged)",
                source=str(self.disk.path),
                offset=self.image_end(),
            )
        return bytes(chunk)


_TSK_PLACE = re.compile(r"\w+: \(tsk3\.cpp:\d+\) ")


def _tsk_message(error: OSError) -> str:
    """The Sleuth Kit's message on one line, without the binding's source places."""
    return _TSK_PLACE.sub("", " ".join(str(error).split()))
