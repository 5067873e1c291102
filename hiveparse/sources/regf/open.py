"""Open a hive file read-only, replaying its transaction logs in memory when it is dirty."""

from __future__ import annotations

import errno
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
from hiveparse.model import HiveHeader
from hiveparse.schemas import regf
from hiveparse.sources.regf.hive import RegfHive, parse_header
from hiveparse.sources.regf.logfiles import read_log_file, scan_transaction_logs

MAX_LOG_SIZE = 1 << 30
LOG_FILE_TYPES = (
    regf.FILE_TYPE_LOG_OLD,
    regf.FILE_TYPE_LOG_OLD_ALT,
    regf.FILE_TYPE_LOG_NEW,
)  # a log larger than 1 GiB is not a registry transaction log


def _map_readonly(path: Path) -> mmap.mmap | bytes:
    """The file's bytes without copying them: a read-only mapping (empty files as b"")."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def open_hive(
    path: str | os.PathLike[str],
    *,
    data: bytes | None = None,
    strict: bool = False,
    apply_logs: bool = True,
    log_paths: Sequence[str | os.PathLike[str]] | None = None,
) -> RegfHive:
    """Open a REGF hive. ``data`` supplies the bytes instead of reading ``path`` (which then
    only names the source). A dirty hive is replayed from its .LOG/.LOG1/.LOG2 files
    (found beside it case-insensitively, or given as ``log_paths``) into a private copy.
    """
    source = os.fspath(path)
    try:
        image: mmap.mmap | bytes = data if data is not None else _map_readonly(Path(source))
    except OSError as error:
        if error.errno == errno.ENOMEM:
            raise ResourceLimit(
                "the file cannot be mapped within this process's memory limit", source=source
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
        return RegfHive(image, source, strict=strict, dirty=dirty)
    return _open_replayed(
        image, source, header, strict=strict, log_paths=log_paths, data_given=data
    )


def _open_replayed(
    image: mmap.mmap | bytes,
    source: str,
    header: HiveHeader,
    *,
    strict: bool,
    log_paths: Sequence[str | os.PathLike[str]] | None,
    data_given: bytes | None,
) -> RegfHive:
    from hiveparse.sources.regf import logs  # noqa: PLC0415 - only dirty hives need it

    notes: list[Diagnostic] = []
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
    log_images: list[tuple[str, bytes]] = []
    for candidate in candidates:
        try:
            size = candidate.stat().st_size
            if size > MAX_LOG_SIZE:
                notes.append(
                    Diagnostic(
                        "regf.log.unreadable",
                        f"transaction log of {size} bytes is larger than any real log; ignored",
                        Location(os.fspath(candidate)),
                        Severity.ERROR,
                    )
                )
                continue
            log_images.append((os.fspath(candidate), read_log_file(candidate, MAX_LOG_SIZE)))
        except OSError as error:
            notes.append(
                Diagnostic(
                    "regf.log.unreadable",
                    f"transaction log cannot be read: {error.strerror or error}",
                    Location(os.fspath(candidate)),
                )
            )
    if not log_images:
        notes.append(
            Diagnostic(
                "regf.log.none",
                "the hive is dirty and no transaction log was found beside it: "
                "recent changes may be missing",
                Location(source, offset=4),
                Severity.ERROR,  # partial: what the logs held is not in this report
            )
        )
        return RegfHive(
            image, source, strict=strict, dirty=True, extra_diagnostics=notes, header_on_disk=header
        )
    result = logs.replay_logs(bytes(image), log_images, source=source)
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
    )
