"""Open a hive file read-only, replaying its transaction logs in memory when it is dirty."""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
from collections.abc import Sequence
from pathlib import Path

from hiveparse.errors import (
    Diagnostic,
    EvidenceError,
    Location,
    NotRegf,
    ResourceLimit,
    Severity,
    Unsupported,
)
from hiveparse.model import FileRead, HiveHeader
from hiveparse.safefiles import data_extents, open_regular_file, read_snapshot
from hiveparse.schemas import regf
from hiveparse.sources.regf.hive import RegfHive, parse_header
from hiveparse.sources.regf.logfiles import scan_transaction_logs

MAX_LOG_SIZE = 1 << 30
LOG_FILE_TYPES = (
    regf.FILE_TYPE_LOG_OLD,
    regf.FILE_TYPE_LOG_OLD_ALT,
    regf.FILE_TYPE_LOG_NEW,
)  # a log larger than 1 GiB is not a registry transaction log


def _read_image(path: Path) -> tuple[mmap.mmap | bytes, list[Diagnostic]]:
    """The file's bytes as a private snapshot (:func:`~hiveparse.safefiles.read_snapshot`):
    read once at open, so a file that changes or shrinks later cannot change what is read
    or kill the run; a sparse file's holes cost nothing.

    Where the whole file does not fit within the process's memory limit (a valid hive
    followed by gigabytes of tail), the base block and the hive bins it counts are read when
    the base block is sound, and the tail is reported as not read."""
    with open_regular_file(path) as handle:
        fd = handle.fileno()
        size = os.fstat(fd).st_size
        try:
            return read_snapshot(fd, size), []
        except OSError as error:
            if error.errno != errno.ENOMEM:
                raise
            base_block = os.pread(fd, regf.BASE_BLOCK_SIZE, 0)
            if len(base_block) < regf.BASE_BLOCK_SIZE or base_block[:4] != b"regf":
                raise
            end = _counted_end(parse_header(base_block, os.fspath(path)), size)
            if end is None:
                raise
            note = Diagnostic(
                "regf.tail_not_read",
                f"the file's {size - end} bytes after the hive bins the base block counts "
                "do not fit within this process's memory limit: not read (nothing of the "
                "hive is in them; carving skips them)",
                Location(os.fspath(path), offset=end),
                Severity.WARNING,
            )
            return read_snapshot(fd, end), [note]


def _read_log(path: Path) -> tuple[mmap.mmap | bytes, int]:
    """A transaction log as a private snapshot (opened without blocking, a regular file
    only), and how many bytes it stores (its holes excluded, and never read). Larger than
    any real log: OSError."""
    with open_regular_file(path) as handle:
        fd = handle.fileno()
        size = os.fstat(fd).st_size
        if size > MAX_LOG_SIZE:
            raise OSError(errno.EFBIG, f"{size} bytes, larger than any real log ({MAX_LOG_SIZE})")
        extents = data_extents(fd, size)  # found once: what the log stores, and what to read
        try:
            return read_snapshot(fd, size, extents), sum(end - start for start, end in extents)
        except OSError as error:
            if error.errno == errno.ENOMEM:
                raise OSError(
                    errno.ENOMEM, "it does not fit within this process's memory limit"
                ) from error
            raise


def _counted_end(header: HiveHeader, size: int) -> int | None:
    """Where the hive bins end by a base block whose checksum holds, within a file of
    ``size`` bytes (None otherwise: a damaged base block does not get to decide what is
    read)."""
    end = regf.BASE_BLOCK_SIZE + header.hive_bins_data_size
    if not header.checksum_ok or header.hive_bins_data_size % regf.HBIN_ALIGNMENT or end > size:
        return None
    return end


def open_hive(
    path: str | os.PathLike[str],
    *,
    data: bytes | None = None,
    strict: bool = False,
    apply_logs: bool = True,
    log_paths: Sequence[str | os.PathLike[str]] | None = None,
    hash_files: bool = False,
) -> RegfHive:
    """Open a REGF hive. With ``hash_files`` each file read (the hive, each log replayed) is
    hashed from the bytes read (:attr:`RegfHive.files_read`; evidence opening asks for it,
    a lookup that only reads a few values need not pay for hashing the whole file).
    ``data`` supplies the bytes instead of reading ``path`` (which then
    only names the source). A dirty hive is replayed from its .LOG/.LOG1/.LOG2 files
    (found beside it case-insensitively, or given as ``log_paths``) into a private copy.
    """
    source = os.fspath(path)
    notes: list[Diagnostic] = []
    files_read: dict[str, FileRead] = {}
    try:
        image: mmap.mmap | bytes
        if data is not None:
            image = data
        else:
            image, notes = _read_image(Path(source))
            if hash_files and not notes:  # the whole file was read (else the tail was not)
                files_read[source] = _file_read(image)
    except OSError as error:
        if error.errno == errno.ENOMEM:
            raise ResourceLimit(
                "the file does not fit within this process's memory limit", source=source
            ) from error
        raise EvidenceError(f"cannot read: {error.strerror or error}", source=source) from error
    if len(image) < 4 or image[:4] != b"regf":
        raise NotRegf("not a registry hive (no 'regf' signature)", source=source, offset=0)
    header = parse_header(image, source)
    if header.file_type in LOG_FILE_TYPES:
        raise Unsupported(
            f"this is a transaction log (file type {header.file_type}), not a primary hive; "
            "open the hive it belongs to and the log is applied from beside it",
            source=source,
            offset=28,
        )
    dirty = not (header.sequences_match and header.checksum_ok)
    if not (dirty and apply_logs):
        return RegfHive(
            image,
            source,
            strict=strict,
            dirty=dirty,
            extra_diagnostics=notes,
            files_read=files_read,
        )
    return _open_replayed(
        image,
        source,
        header,
        strict=strict,
        log_paths=log_paths,
        data_given=data,
        notes=notes,
        files_read=files_read,
        hash_files=hash_files,
    )


def _file_read(snapshot: mmap.mmap | bytes) -> FileRead:
    """The digest of a file from its snapshot: what is hashed is what was read (a file that
    changes after it was read does not change the hash a report states). A hole hashes as
    the zeros it reads as, at the cost of no memory."""
    return FileRead(hashlib.sha256(snapshot).hexdigest(), len(snapshot))


def _open_replayed(
    image: mmap.mmap | bytes,
    source: str,
    header: HiveHeader,
    *,
    strict: bool,
    log_paths: Sequence[str | os.PathLike[str]] | None,
    data_given: bytes | None,
    notes: list[Diagnostic],
    files_read: dict[str, FileRead],
    hash_files: bool,
) -> RegfHive:
    from hiveparse.sources.regf import logs  # noqa: PLC0415 - only dirty hives need it

    if log_paths is not None:
        candidates = [Path(p) for p in log_paths]
    elif data_given is None:
        search = scan_transaction_logs(Path(source))
        candidates = search.logs
        notes.extend(
            Diagnostic(
                "regf.log.refused",
                f"named like a transaction log of the hive, but a {refused.reason}",
                Location(os.fspath(refused.path)),
                Severity.WARNING,
            )
            for refused in search.refused
        )
    else:
        candidates = []
    log_images: list[tuple[str, mmap.mmap | bytes]] = []
    stored = 0  # bytes the logs really hold (holes of a sparse log hold nothing)
    for candidate in candidates:
        try:
            snapshot, held = _read_log(candidate)
            log_images.append((os.fspath(candidate), snapshot))
            if hash_files:
                files_read[os.fspath(candidate)] = _file_read(snapshot)
            stored += held
        except OSError as error:
            notes.append(
                Diagnostic(
                    "regf.log.unreadable",
                    f"transaction log cannot be read: {error.strerror or error}",
                    Location(os.fspath(candidate)),
                    Severity.ERROR,  # partial: what it held is not in this report
                )
            )
    if not log_images:
        refused = any(note.code.startswith("regf.log.") for note in notes)
        found = (
            "no usable transaction log is beside it"
            if refused
            else "no transaction log was found beside it"
        )
        notes.append(
            Diagnostic(
                "regf.log.none",
                f"the hive is dirty and {found}: recent changes may be missing",
                Location(source, offset=4),
                Severity.ERROR,  # partial: what the logs held is not in this report
            )
        )
        return RegfHive(
            image,
            source,
            strict=strict,
            dirty=True,
            extra_diagnostics=notes,
            header_on_disk=header,
            files_read=files_read,
        )
    # A replay can only bring in what the files hold: the hive's bins (as a sound base block
    # counts them: a sparse tail after them is not copied) and the logs' stored pages. A log
    # entry that declares more (2 GiB of bins from a 5 KiB log) is refused, never allocated.
    end = _counted_end(header, len(image)) or len(image)
    justified = end - regf.BASE_BLOCK_SIZE + stored
    limit = min(
        logs.MAX_HIVE_BINS_DATA_SIZE, -(-justified // regf.HBIN_ALIGNMENT) * regf.HBIN_ALIGNMENT
    )
    result = logs.replay_logs(
        bytes(image[:end]), log_images, source=source, max_hive_bins_data_size=limit
    )
    notes.extend(result.diagnostics)
    start = regf.RESERVED_AREA_OFFSET
    return RegfHive(
        result.data,
        source,
        strict=strict,
        dirty=True,
        logs_applied=list(result.applied),
        extra_diagnostics=notes,
        header_on_disk=header,
        reserved_on_disk=bytes(image[start : start + regf.RESERVED_AREA_SIZE]),
        files_read=files_read,
    )
