"""Transaction log replay for REGF hives: in memory, in the order Windows applies it.

A hive is *dirty* when its base block has a bad checksum or its two sequence numbers differ
(spec, "Dirty state of a hive"). Windows then replays the transaction logs that sit beside
the primary file; :func:`replay_logs` does the same on a copy of the bytes and never writes
to disk. The rules, with their sources:

* Which logs. New-format (HvLE) logs are preferred to old-format (DIRT) ones, as yarp's
  ``RegistryHive.recover_auto`` does. Logs whose base block is unusable (bad signature or
  checksum, unequal sequence numbers: spec, "Old format", Base block Notes 2) are skipped
  with a diagnostic.
* New format, valid primary base block: the logs are taken in the order of their base block
  sequence numbers (32-bit serial arithmetic: .LOG1 and .LOG2 take turns, spec "Multiple
  transaction log files"), and the entries chain from there: each entry must carry the
  previous number plus one, and a second log is only used if it continues the first
  (yarp ``PrimaryFile.apply_new_log_files``). Entries numbered before the primary's
  secondary sequence number are already in the primary file and are skipped ("New format",
  Notes 5); the first applied entry may be later than that number after a partial
  reconcile (Suhanov, "Missing log entries for a dirty primary file").
* New format, invalid primary base block: the base block is recovered from the newest log
  and that log's entries are applied ("New format", Notes 6; yarp: "this is how Windows
  works").
* Old format: the one log whose base block's last-written timestamp is not older than the
  primary's (the first hive bin's timestamp when the base block is invalid) is applied;
  with several, the newest ("Old format", Base block Notes 3-4; "Multiple transaction log
  files", Old format).
* An entry with a bad Hash-1/Hash-2, a bad size, or pages outside its hive bins data size
  ends the replay; what was applied before it stays ("New format", Notes 8). A dirty hive
  bin that is not a valid bin ends an old-format replay ("Dirty pages").
* Afterwards the base block holds what Windows would write: both sequence numbers equal to
  the last applied entry's (old format: the primary sequence number), the hive bins data
  size of that entry (the image grows to it, Notes 9), bit 0 of its flags (Notes 11, as
  yarp's ``LogEntryFlagsToBaseBlockFlags``), file type 0 and a recomputed checksum.

Everything that is wrong with a log is a :class:`~hiveparse.errors.Diagnostic` with a code
under ``regf.log.``; only a primary too short to hold a base block raises.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cmp_to_key
from typing import Any

from hiveparse.errors import Diagnostic, Location, Severity, Truncated, shown_bytes
from hiveparse.schemas import regf, regf_log
from hiveparse.schemas.fastpath import compile_fixed_head
from hiveparse.sources.regf.hashing import xor32_checksum
from hiveparse.sources.regf.logfiles import LOG_SUFFIXES, find_transaction_logs
from hiveparse.sources.regf.marvin32 import marvin32

__all__ = [
    "LOG_SUFFIXES",
    "MAX_HIVE_BINS_DATA_SIZE",
    "ReplayResult",
    "base_block_checksum",
    "find_transaction_logs",
    "replay_logs",
]

# Cell indexes keep bit 31 for volatile storage, so stable hive bins data stays below 2 GiB;
# a log entry claiming more is treated as corrupt rather than allocated.
MAX_HIVE_BINS_DATA_SIZE = 0x80000000

_BASE_BLOCK = compile_fixed_head(regf.base_block)
_ENTRY_HEAD = compile_fixed_head(regf_log.log_entry_header)
_REFERENCE = compile_fixed_head(regf_log.dirty_page_reference).packer
_HVLE = _ENTRY_HEAD.constants["signature"]
_REGF = _BASE_BLOCK.constants["signature"]
_DIRT = regf_log.dirty_vector.subcons[0].subcon.value
_HBIN = regf.hbin_header.subcons[0].subcon.value
_HBIN_HEAD = compile_fixed_head(regf.hbin_header)
_U32 = struct.Struct("<I")
_MASK = 0xFFFFFFFF
_DATA = regf.BASE_BLOCK_SIZE  # file offset of the hive bins data
_PAGE = regf.HBIN_ALIGNMENT
_SECTOR = regf_log.LOG_SECTOR_SIZE
_OLD_PAGE = regf_log.OLD_DIRTY_PAGE_SIZE
_KTM_LOCKED = 0x1  # base block flags bit 0, the only one a log entry carries back


def _field_offsets(schema: Any) -> dict[str, int]:
    """Byte offset of every named field of a fixed-size construct ``Struct``."""
    offsets: dict[str, int] = {}
    position = 0
    for sub in schema.subcons:
        if sub.name:
            offsets[sub.name] = position
        position += sub.sizeof()
    return offsets


_AT = _field_offsets(regf.base_block)


base_block_checksum = xor32_checksum  # the name log code and its tests use


@dataclass
class ReplayResult:
    """The hive image after replay, and what was done to get there."""

    data: bytearray
    applied: list[str] = field(default_factory=list)
    """Names of the logs actually used (entries or pages applied, or base block taken)."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    was_dirty: bool = False
    base_block_recovered: bool = False
    sequence_number: int | None = None
    """Both base block sequence numbers after replay (None when nothing was replayed)."""
    entries_applied: int = 0
    """New-format log entries applied."""
    pages_applied: int = 0
    """Dirty pages written (both formats)."""


class _Format(Enum):
    OLD = "old"
    NEW = "new"


@dataclass(frozen=True, slots=True)
class _Log:
    name: str
    data: bytes | mmap.mmap  # the log's private snapshot (safefiles.read_snapshot)
    format: _Format
    header: dict[str, Any]
    base: bytes  # the partial base block (first 512 bytes), as stored

    @property
    def sequence(self) -> int:
        return int(self.header["primary_sequence_number"])


@dataclass(frozen=True, slots=True)
class _Entry:
    offset: int  # in the log file
    sequence: int
    flags: int
    hive_bins_data_size: int
    pages: tuple[tuple[int, int, int], ...]  # (offset in hive bins data, size, offset in log)


@dataclass
class _Replay:
    source: str
    result: ReplayResult
    limit: int

    def note(
        self,
        code: str,
        message: str,
        *,
        where: str | None = None,
        offset: int | None = None,
        severity: Severity = Severity.WARNING,
    ) -> None:
        location = Location(where or self.source, offset=offset)
        self.result.diagnostics.append(Diagnostic(code, message, location, severity))


def _serial_delta(a: int, b: int) -> int:
    """``a - b`` for 32-bit sequence numbers that wrap (RFC 1982 serial arithmetic)."""
    return ((a - b + 0x80000000) & _MASK) - 0x80000000


def _unpack_base_block(block: bytes | bytearray) -> dict[str, Any]:
    padded = bytes(block[:_DATA]).ljust(_DATA, b"\0")
    return _BASE_BLOCK.unpack_from(padded)


def replay_logs(
    primary: bytes,
    logs: Sequence[tuple[str, bytes | mmap.mmap]],
    *,
    source: str,
    max_hive_bins_data_size: int = MAX_HIVE_BINS_DATA_SIZE,
) -> ReplayResult:
    """Apply the transaction logs ``(name, bytes)`` to a copy of ``primary``, if it is dirty.

    The primary bytes and the logs are never modified and nothing is written to disk. A
    clean hive comes back as an unchanged copy with ``was_dirty`` False.
    """
    if len(primary) < _DATA:
        raise Truncated(
            f"the file is {len(primary)} bytes, too short for a {_DATA}-byte base block",
            source=source,
            offset=len(primary),
        )
    replay = _Replay(source, ReplayResult(data=bytearray(primary)), max_hive_bins_data_size)
    data = replay.result.data
    head = _BASE_BLOCK.unpack_from(data)
    valid = head["signature"] == _REGF and base_block_checksum(data) == head["checksum"]
    if valid and head["primary_sequence_number"] == head["secondary_sequence_number"]:
        return replay.result
    replay.result.was_dirty = True
    if not valid:
        replay.note(
            "regf.log.bad_base_block",
            "the base block is invalid (bad signature or checksum); it must be recovered "
            "from a transaction log",
            offset=0,
        )

    parsed = [log for name, blob in logs if (log := _read_log(replay, name, blob)) is not None]
    new = [log for log in parsed if log.format is _Format.NEW]
    old = [log for log in parsed if log.format is _Format.OLD]
    if new:
        if valid:
            _replay_new(replay, new, head)
        else:
            _recover_new(replay, new)
    elif old:
        _replay_old(replay, old, head, valid=valid)

    if not replay.result.applied:
        reason = "no transaction log was supplied" if not logs else "no log could be applied"
        replay.note(
            "regf.log.unrecovered",
            f"the hive is dirty and {reason}; its data may be stale or inconsistent",
            # Partial, as for a dirty hive without logs: what the logs held is missing.
            severity=Severity.ERROR,
        )
    return replay.result


# -- reading logs ---------------------------------------------------------------------------


def _read_log(replay: _Replay, name: str, blob: bytes | mmap.mmap) -> _Log | None:
    """A log with a usable base block (and dirty vector for the old format), or None."""
    if len(blob) == 0:
        replay.note("regf.log.empty", "the log file is empty", where=name, severity=Severity.INFO)
        return None
    if len(blob) < regf_log.LOG_BASE_BLOCK_SIZE:
        replay.note(
            "regf.log.truncated",
            f"the log file is {len(blob)} bytes, too short for its base block",
            where=name,
            offset=len(blob),
        )
        return None
    base = bytes(blob[: regf_log.LOG_BASE_BLOCK_SIZE])
    header = _unpack_base_block(base)
    problem: tuple[str, str] | None = None
    if header["signature"] != _REGF:
        problem = ("regf.log.bad_signature", "the log does not start with a 'regf' base block")
    elif base_block_checksum(base) != header["checksum"]:
        problem = (
            "regf.log.bad_checksum",
            f"the log's base block checksum is 0x{header['checksum']:08x}, "
            f"computed 0x{base_block_checksum(base):08x}",
        )
    elif header["primary_sequence_number"] != header["secondary_sequence_number"]:
        # Spec, "Old format", Base block Notes 2: a log is valid only with equal numbers.
        problem = (
            "regf.log.dirty_log",
            "the log's own base block is dirty (sequence numbers "
            f"{header['primary_sequence_number']}/{header['secondary_sequence_number']})",
        )
    elif header["file_type"] not in (
        regf.FILE_TYPE_LOG_OLD,
        regf.FILE_TYPE_LOG_OLD_ALT,
        regf.FILE_TYPE_LOG_NEW,
    ):
        problem = (
            "regf.log.unsupported_type",
            f"file type {header['file_type']} is not a transaction log (1, 2 or 6)",
        )
    if problem is not None:
        replay.note(*problem, where=name, offset=0)
        return None
    if header["file_type"] == regf.FILE_TYPE_LOG_NEW:
        return _Log(name, blob, _Format.NEW, header, base)
    size = header["hive_bins_data_size"]
    if size == 0 or size % _PAGE or size > replay.limit:
        replay.note(
            "regf.log.bad_base_block",
            f"the log's hive bins data size {size} is not a positive multiple of {_PAGE}",
            where=name,
            offset=_AT["hive_bins_data_size"],
        )
        return None
    vector_end = regf_log.DIRTY_VECTOR_OFFSET + len(_DIRT) + size // _PAGE
    if len(blob) < vector_end:
        replay.note(
            "regf.log.bad_dirty_vector",
            "the log ends inside its dirty vector",
            where=name,
            offset=len(blob),
        )
        return None
    signature = blob[regf_log.DIRTY_VECTOR_OFFSET : regf_log.DIRTY_VECTOR_OFFSET + len(_DIRT)]
    if signature != _DIRT:
        replay.note(
            "regf.log.bad_dirty_vector",
            f"the dirty vector signature is {shown_bytes(bytes(signature))}, not 'DIRT'",
            where=name,
            offset=regf_log.DIRTY_VECTOR_OFFSET,
        )
        return None
    return _Log(name, blob, _Format.OLD, header, base)


def _read_entries(replay: _Replay, log: _Log) -> tuple[list[_Entry], bool]:
    """The chain of valid entries of a new-format log, and whether it ended on a bad one.

    The chain starts at offset 512 with the log's base block sequence number and ends at
    the first place that is not an HvLE entry with the next number: remnants of older
    entries there are normal ("New format", Notes 4). An entry that has the next number
    but fails a check ends it as broken (Notes 8).
    """
    entries: list[_Entry] = []
    data = log.data
    position = regf_log.LOG_ENTRIES_OFFSET
    expected = log.sequence
    while position + _ENTRY_HEAD.size <= len(data):
        head = _ENTRY_HEAD.unpack_from(data, position)
        if head["signature"] != _HVLE or head["sequence_number"] != expected:
            return entries, False
        problem = _check_entry(replay, data, position, head)
        if problem is not None:
            code, message = problem
            replay.note(
                code,
                f"log entry {expected}: {message}; replay stops here",
                where=log.name,
                offset=position,
            )
            return entries, True
        count = head["dirty_pages_count"]
        references = _REFERENCE.iter_unpack(
            data[position + _ENTRY_HEAD.size : position + _ENTRY_HEAD.size + 8 * count]
        )
        page_at = position + _ENTRY_HEAD.size + 8 * count
        pages: list[tuple[int, int, int]] = []
        for offset, size in references:
            pages.append((offset, size, page_at))
            page_at += size
        entries.append(
            _Entry(
                position,
                expected,
                head["flags"],
                head["hive_bins_data_size"],
                tuple(pages),
            )
        )
        position += head["size"]
        expected = (expected + 1) & _MASK
    return entries, False


def _check_entry(
    replay: _Replay, data: bytes | mmap.mmap, position: int, head: dict[str, Any]
) -> tuple[str, str] | None:
    size = head["size"]
    hive_bins_data_size = head["hive_bins_data_size"]
    count = head["dirty_pages_count"]
    if size < _SECTOR or size % _SECTOR:
        return "regf.log.entry_invalid", f"size {size} is not a positive multiple of {_SECTOR}"
    if position + size > len(data):
        return (
            "regf.log.entry_truncated",
            f"the entry needs {size} bytes but the log ends after {len(data) - position}",
        )
    if hive_bins_data_size < _PAGE or hive_bins_data_size % _PAGE:
        return (
            "regf.log.entry_invalid",
            f"hive bins data size {hive_bins_data_size} is not a multiple of {_PAGE}",
        )
    if hive_bins_data_size > replay.limit:
        return (
            "regf.log.entry_invalid",
            f"hive bins data size {hive_bins_data_size} exceeds the limit of {replay.limit}",
        )
    if count == 0 or _ENTRY_HEAD.size + 8 * count > size:
        return "regf.log.entry_invalid", f"{count} dirty pages do not fit the entry"
    entry = memoryview(data)[position : position + size]
    seed = regf_log.MARVIN32_LOG_SEED
    if marvin32(entry[: regf_log.LOG_ENTRY_HASH_2_SPAN], seed) != head["hash_2"]:
        return "regf.log.entry_hash_mismatch", "Hash-2 does not match"
    if marvin32(entry[_ENTRY_HEAD.size :], seed) != head["hash_1"]:
        return "regf.log.entry_hash_mismatch", "Hash-1 does not match"
    room = size - _ENTRY_HEAD.size - 8 * count
    references = entry[_ENTRY_HEAD.size : _ENTRY_HEAD.size + 8 * count]
    for offset, page_size in _REFERENCE.iter_unpack(references):
        room -= page_size
        if room < 0:
            return "regf.log.entry_invalid", "the dirty pages run past the end of the entry"
        if offset + page_size > hive_bins_data_size:
            return (
                "regf.log.entry_invalid",
                f"a dirty page at 0x{offset:x} (+{page_size}) lies beyond the hive bins data",
            )
    return None


# -- new format ----------------------------------------------------------------------------


def _by_sequence(logs: list[_Log]) -> list[_Log]:
    def compare(a: _Log, b: _Log) -> int:
        return _serial_delta(a.sequence, b.sequence)

    return sorted(logs, key=cmp_to_key(compare))


def _foreign(replay: _Replay, log: _Log, head: dict[str, Any]) -> bool:
    """Whether the log belongs to another hive, and is never applied: its base block names
    another hive file (the last 31 characters of the path each keeps), or another KTM
    resource manager GUID (RmId, which a hive and its logs share; zero where unused)."""
    mine, its = _file_name(head["file_name"]), _file_name(log.header["file_name"])
    if mine and its and mine.casefold() != its.casefold():
        why, offset = f"names the hive file {its!r}, the primary's {mine!r}", _AT["file_name"]
    elif any(head["rm_id"]) and any(log.header["rm_id"]) and head["rm_id"] != log.header["rm_id"]:
        why = (
            f"has the resource manager GUID {bytes(log.header['rm_id']).hex()}, the primary's "
            f"{bytes(head['rm_id']).hex()}"
        )
        offset = _AT["rm_id"]
    else:
        return False
    replay.note(
        "regf.log.foreign",
        f"the log's base block {why}: it is another hive's log and is not applied",
        where=log.name,
        offset=offset,
        severity=Severity.ERROR,
    )
    return True


def _file_name(raw: bytes) -> str:
    return bytes(raw).decode("utf-16-le", errors="replace").split("\0", 1)[0]


def _replay_new(replay: _Replay, logs: list[_Log], head: dict[str, Any]) -> None:
    expected = int(head["secondary_sequence_number"])
    flags = int(head["flags"])
    last: _Entry | None = None
    logs = [log for log in logs if not _foreign(replay, log, head)]
    for log in _by_sequence(logs):
        if last is not None and log.sequence != (last.sequence + 1) & _MASK:
            replay.note(
                "regf.log.not_continued",
                f"the log starts at sequence number {log.sequence}, not {last.sequence + 1}; "
                "it does not continue the replay and is not applied",
                where=log.name,
                offset=0,
                severity=Severity.INFO,
            )
            break
        entries, broken = _read_entries(replay, log)
        # Entries before the primary's secondary sequence number are already in it.
        fresh = [entry for entry in entries if _serial_delta(entry.sequence, expected) >= 0]
        if not fresh:
            replay.note(
                "regf.log.not_eligible",
                f"no log entry at or after sequence number {expected} (log starts at "
                f"{log.sequence}, {len(entries)} valid entries)",
                where=log.name,
                offset=0,
                severity=Severity.INFO,
            )
        else:
            if last is None and fresh[0].sequence != expected:
                replay.note(
                    "regf.log.sequence_gap",
                    f"the first log entry is number {fresh[0].sequence}, the primary "
                    f"file expects {expected}; the primary was partially reconciled",
                    where=log.name,
                    offset=fresh[0].offset,
                    severity=Severity.INFO,
                )
            _apply_entries(replay, log, fresh)
            last = fresh[-1]
        if broken:
            break
    if last is not None:
        flags = (flags & ~_KTM_LOCKED) | (last.flags & _KTM_LOCKED)
        _finish(replay, last.sequence, last.hive_bins_data_size, flags)


def _recover_new(replay: _Replay, logs: list[_Log]) -> None:
    """Invalid primary base block: take the newest log's base block and apply its entries."""
    log = _by_sequence(logs)[-1]
    _install_base_block(replay, log)
    entries, _ = _read_entries(replay, log)
    _apply_entries(replay, log, entries)
    flags = int(log.header["flags"])
    if entries:
        last = entries[-1]
        flags = (flags & ~_KTM_LOCKED) | (last.flags & _KTM_LOCKED)
        _finish(replay, last.sequence, last.hive_bins_data_size, flags)
    else:
        _finish(replay, log.sequence, int(log.header["hive_bins_data_size"]), flags)


def _apply_entries(replay: _Replay, log: _Log, entries: list[_Entry]) -> None:
    if not entries:
        return
    data = replay.result.data
    for entry in entries:
        _grow(data, entry.hive_bins_data_size)
        for offset, size, at in entry.pages:
            start = _DATA + offset
            data[start : start + size] = log.data[at : at + size]
        replay.result.pages_applied += len(entry.pages)
    replay.result.entries_applied += len(entries)
    if log.name not in replay.result.applied:
        replay.result.applied.append(log.name)
    first, last = entries[0].sequence, entries[-1].sequence
    replay.note(
        "regf.log.applied",
        f"applied log entries {first}..{last} ({len(entries)} entries)",
        where=log.name,
        severity=Severity.INFO,
    )


# -- old format ----------------------------------------------------------------------------


def _replay_old(replay: _Replay, logs: list[_Log], head: dict[str, Any], *, valid: bool) -> None:
    data = replay.result.data
    if valid:
        primary_time: int | None = int(head["last_written_timestamp"])
    elif data[_DATA : _DATA + len(_HBIN)] == _HBIN and len(data) >= _DATA + _HBIN_HEAD.size:
        # Spec, "Old format", Base block Notes 3: the first hive bin's timestamp stands in.
        primary_time = int(_HBIN_HEAD.unpack_from(data, _DATA)["timestamp"])
    else:
        primary_time = None
    eligible: list[_Log] = []
    if valid:
        logs = [log for log in logs if not _foreign(replay, log, head)]
    for log in logs:
        log_time = int(log.header["last_written_timestamp"])
        if primary_time is not None and log_time < primary_time:
            replay.note(
                "regf.log.not_eligible",
                f"the log was last written at {log_time}, before the primary ({primary_time})",
                where=log.name,
                offset=_AT["last_written_timestamp"],
                severity=Severity.INFO,
            )
        else:
            eligible.append(log)
    if not eligible:
        return
    log = max(eligible, key=lambda item: int(item.header["last_written_timestamp"]))
    if not valid:
        _install_base_block(replay, log)
    size = int(log.header["hive_bins_data_size"])
    original_length = len(data)
    _grow(data, size)
    pages = _apply_dirty_pages(replay, log, size)
    if pages == 0 and not replay.result.base_block_recovered:
        del data[original_length:]  # nothing was taken from the log: leave the hive as found
        return
    if log.name not in replay.result.applied:
        replay.result.applied.append(log.name)
    replay.note(
        "regf.log.applied",
        f"applied {pages} dirty pages of 512 bytes",
        where=log.name,
        severity=Severity.INFO,
    )
    sequence = int((head if valid else log.header)["primary_sequence_number"])
    _finish(replay, sequence, size, int(log.header["flags"]))


def _apply_dirty_pages(replay: _Replay, log: _Log, size: int) -> int:
    """Write the pages a dirty vector marks, run by run; return how many were written.

    Spec, "Dirty pages": contiguous dirty pages are processed together and a dirty hive
    bin is checked (signature, size of at least 4096, offset equal to its place); the
    first invalid one is not written and ends the replay.
    """
    data = replay.result.data
    vector_at = regf_log.DIRTY_VECTOR_OFFSET + len(_DIRT)
    bitmap = log.data[vector_at : vector_at + size // _PAGE]
    pages_at = -(-(vector_at + len(bitmap)) // _SECTOR) * _SECTOR
    dirty = [
        index
        for byte_index, byte in enumerate(bitmap)
        if byte
        for index in range(byte_index * 8, byte_index * 8 + 8)
        if byte >> (index % 8) & 1
    ]
    written = 0
    ordinal = 0  # position of the next page among the stored ones
    runs: list[list[int]] = []
    for index in dirty:
        if runs and runs[-1][-1] + 1 == index:
            runs[-1].append(index)
        else:
            runs.append([index])
    for run in runs:
        source_start = pages_at + ordinal * _OLD_PAGE
        source_end = source_start + len(run) * _OLD_PAGE
        available = max(0, min(len(run), (len(log.data) - source_start) // _OLD_PAGE))
        chunk = log.data[source_start : source_start + available * _OLD_PAGE]
        bad = _bad_hive_bin(chunk, run[0] * _OLD_PAGE, size)
        if bad is not None:
            offset, message = bad
            replay.note(
                "regf.log.bad_hive_bin",
                f"{message}; the replay stops before this run of dirty pages",
                where=log.name,
                offset=source_start + offset,
            )
            return written
        target = _DATA + run[0] * _OLD_PAGE
        data[target : target + len(chunk)] = chunk
        written += available
        replay.result.pages_applied += available
        if source_end > len(log.data):
            replay.note(
                "regf.log.truncated",
                f"the log ends inside its dirty pages ({len(dirty) - ordinal - available} "
                "pages missing); the replay stops there",
                where=log.name,
                offset=len(log.data),
            )
            return written
        ordinal += len(run)
    return written


def _bad_hive_bin(chunk: bytes, relative: int, size: int) -> tuple[int, str] | None:
    """Check every hive bin header that a run of dirty pages writes."""
    first = -(-relative // _PAGE) * _PAGE  # the first 4096-aligned place in the run
    for place in range(first, relative + len(chunk), _PAGE):
        at = place - relative
        if place == 0 or chunk[at : at + len(_HBIN)] == _HBIN:
            if len(chunk) - at < _HBIN_HEAD.size:
                return at, f"the dirty hive bin at 0x{place:x} is cut short"
            header = _HBIN_HEAD.unpack_from(chunk, at)
            if header["signature"] != _HBIN:
                return at, f"the dirty page at 0x{place:x} should open a hive bin"
            if header["offset"] != place:
                return at, f"the dirty hive bin at 0x{place:x} says offset 0x{header['offset']:x}"
            if header["size"] < _PAGE or header["size"] % _PAGE or place + header["size"] > size:
                return at, f"the dirty hive bin at 0x{place:x} has size {header['size']}"
    return None


# -- the base block -------------------------------------------------------------------------


def _grow(data: bytearray, hive_bins_data_size: int) -> None:
    """Extend the image with zeros to hold ``hive_bins_data_size`` (spec Notes 9)."""
    missing = _DATA + hive_bins_data_size - len(data)
    if missing > 0:
        data.extend(bytes(missing))


def _install_base_block(replay: _Replay, log: _Log) -> None:
    """Replace the primary's invalid base block with the log's partial copy (zero-filled)."""
    replay.result.data[:_DATA] = log.base.ljust(_DATA, b"\0")
    replay.result.base_block_recovered = True
    if log.name not in replay.result.applied:
        replay.result.applied.append(log.name)
    replay.note(
        "regf.log.base_block_recovered",
        f"the base block was recovered from {log.name} (sequence number {log.sequence})",
        offset=0,
        severity=Severity.INFO,
    )


def _finish(replay: _Replay, sequence: int, hive_bins_data_size: int, flags: int) -> None:
    """Write the base block fields Windows updates after a replay, then the checksum."""
    data = replay.result.data
    for name, value in (
        ("primary_sequence_number", sequence),
        ("secondary_sequence_number", sequence),
        ("file_type", regf.FILE_TYPE_PRIMARY),
        ("hive_bins_data_size", hive_bins_data_size),
        ("flags", flags),
    ):
        _U32.pack_into(data, _AT[name], value & _MASK)
    _U32.pack_into(data, _AT["checksum"], base_block_checksum(data))
    replay.result.sequence_number = sequence & _MASK
