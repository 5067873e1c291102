"""Transaction log replay (``hiveparse.sources.regf.logs``), Marvin32 and the log schemas.

Three tiers: published Marvin32 vectors; tiny crafted hives and logs, each named after what
it exercises; and the shared corpus, where yarp's ``RecoveredHive_Windows10`` and
``RecoveredHive_Windows7`` are what Windows itself produced from the same dirty hives.
Replayed hives are compared with those *logically* through python-registry (every key path
and last-written time, every value name, type and raw data), and byte for byte where that
holds.
"""

from __future__ import annotations

import io
import json
import os
import random
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from Registry import Registry

from hiveparse.errors import Severity, Truncated
from hiveparse.safefiles import open_regular_file
from hiveparse.schemas import regf, regf_log
from hiveparse.sources.regf.logfiles import scan_transaction_logs
from hiveparse.sources.regf.logs import (
    ReplayResult,
    base_block_checksum,
    find_transaction_logs,
    replay_logs,
)
from hiveparse.sources.regf.marvin32 import marvin32, marvin32_32
from hiveparse.sources.regf.open import open_hive

SEED = regf_log.MARVIN32_LOG_SEED
BIN = 4096
TIMESTAMP = 0x01D295059E68E89E


# -- helpers ---------------------------------------------------------------------------------


def codes(result: ReplayResult, severity: Severity | None = None) -> list[str]:
    return [d.code for d in result.diagnostics if severity is None or d.severity == severity]


def header(data: bytes | bytearray) -> dict[str, int]:
    names = ("primary", "secondary", "file_type", "hive_bins", "flags", "checksum")
    values = (
        *struct.unpack_from("<II", data, 4),
        *struct.unpack_from("<I", data, 28),
        *struct.unpack_from("<I", data, 40),
        *struct.unpack_from("<I", data, 144),
        *struct.unpack_from("<I", data, 508),
    )
    return dict(zip(names, values, strict=True))


def assert_consistent_base_block(data: bytes | bytearray) -> None:
    """What Windows leaves after a replay: equal sequence numbers, a primary, a good sum."""
    head = header(data)
    assert head["primary"] == head["secondary"]
    assert head["file_type"] == regf.FILE_TYPE_PRIMARY
    assert head["checksum"] == base_block_checksum(data)


def assert_hive_bins_chain(data: bytes | bytearray) -> None:
    """Hive bins follow each other without gaps up to the base block's hive bins data size."""
    size = header(data)["hive_bins"]
    assert len(data) >= BIN + size
    position = 0
    while position < size:
        signature, offset, bin_size = struct.unpack_from("<4sII", data, BIN + position)
        assert (signature, offset) == (b"hbin", position), hex(position)
        assert bin_size >= BIN and bin_size % BIN == 0
        position += bin_size
    assert position == size


def hive_listing(data: bytes | bytearray) -> list[tuple[Any, ...]]:
    """Every key (path, raw FILETIME) and value (path, name, type, raw data), sorted.

    python-registry reads the image from a file-like object, so nothing touches the disk;
    paths leave out the root key's own name.
    """
    hive = Registry.Registry(io.BytesIO(bytes(data)))
    rows: list[tuple[Any, ...]] = []
    stack = [(hive.root(), "")]
    while stack:
        key, path = stack.pop()
        rows.append(("key", path, key._nkrecord.unpack_qword(0x4)))
        rows.extend(
            ("value", path, value.name(), value.value_type(), value.raw_data())
            for value in key.values()
        )
        stack.extend(
            (sub, f"{path}\\{sub.name()}" if path else sub.name()) for sub in key.subkeys()
        )
    return sorted(rows, key=repr)


def replay_beside(hive: Path, *, reverse: bool = False) -> ReplayResult:
    found = find_transaction_logs(hive)
    if reverse:
        found.reverse()
    return replay_logs(
        hive.read_bytes(), [(path.name, path.read_bytes()) for path in found], source=str(hive)
    )


# -- crafted hives and logs ------------------------------------------------------------------


def base_block(
    *,
    seq: tuple[int, int],
    hive_bins: int,
    file_type: int = regf.FILE_TYPE_PRIMARY,
    flags: int = 0,
    timestamp: int = TIMESTAMP,
) -> bytearray:
    block = bytearray(
        regf.base_block.build(
            {
                "primary_sequence_number": seq[0],
                "secondary_sequence_number": seq[1],
                "last_written_timestamp": timestamp,
                "major_version": 1,
                "minor_version": 3,
                "file_type": file_type,
                "file_format": 1,
                "root_cell_offset": 0x20,
                "hive_bins_data_size": hive_bins,
                "clustering_factor": 1,
                "file_name": "crafted".encode("utf-16-le").ljust(64, b"\0"),
                "rm_id": bytes(16),
                "log_id": bytes(16),
                "flags": flags,
                "tm_id": bytes(16),
                "guid_signature": b"rmtm",
                "last_reorganized_timestamp": 0,
                "checksum": 0,
                "thaw_tm_id": bytes(16),
                "thaw_rm_id": bytes(16),
                "thaw_log_id": bytes(16),
                "boot_type": 0,
                "boot_recover": 0,
            }
        )
    )
    struct.pack_into("<I", block, 508, base_block_checksum(block))
    return block


def hive_bin(offset: int, marker: bytes, size: int = BIN) -> bytes:
    head = bytes(
        regf.hbin_header.build(
            {
                "offset": offset,
                "size": size,
                "reserved": bytes(8),
                "timestamp": TIMESTAMP,
                "spare": 0,
            }
        )
    )
    free_cell = struct.pack("<i", size - regf.HBIN_HEADER_SIZE)
    return (head + free_cell + marker).ljust(size, b"\0")


def primary(seq: tuple[int, int], *markers: bytes) -> bytes:
    bins = b"".join(hive_bin(i * BIN, marker) for i, marker in enumerate(markers))
    return bytes(base_block(seq=seq, hive_bins=len(bins))) + bins


def log_entry(seq: int, pages: list[tuple[int, bytes]], *, hive_bins: int, flags: int = 0) -> bytes:
    body = b"".join(page for _, page in pages)
    used = regf_log.LOG_ENTRY_HEADER_SIZE + 8 * len(pages) + len(body)
    size = -(-used // 512) * 512
    raw = bytearray(
        regf_log.log_entry.build(
            {
                "size": size,
                "flags": flags,
                "sequence_number": seq,
                "hive_bins_data_size": hive_bins,
                "dirty_pages_count": len(pages),
                "hash_1": 0,
                "hash_2": 0,
                "dirty_page_references": [{"offset": o, "size": len(p)} for o, p in pages],
                "dirty_pages": body.ljust(size - used + len(body), b"\0"),
            }
        )
    )
    struct.pack_into("<Q", raw, 24, marvin32(raw[40:], SEED))
    struct.pack_into("<Q", raw, 32, marvin32(raw[:32], SEED))
    return bytes(raw)


def new_log(seq: int, *entries: bytes, hive_bins: int = BIN) -> bytes:
    head = base_block(seq=(seq, seq), hive_bins=hive_bins, file_type=regf.FILE_TYPE_LOG_NEW)
    return bytes(head[:512]) + b"".join(entries)


def old_log(
    seq: int, pages: dict[int, bytes], *, hive_bins: int, timestamp: int = TIMESTAMP
) -> bytes:
    bitmap = bytearray(hive_bins // BIN)
    for index in pages:
        bitmap[index // 8] |= 1 << (index % 8)
    vector = bytes(
        regf_log.dirty_vector.build({"bitmap": bytes(bitmap)}, hive_bins_data_size=hive_bins)
    )
    head = base_block(
        seq=(seq, seq), hive_bins=hive_bins, file_type=regf.FILE_TYPE_LOG_OLD, timestamp=timestamp
    )
    start = bytes(head[:512]) + vector
    start = start.ljust(-(-len(start) // 512) * 512, b"\0")
    return start + b"".join(pages[index] for index in sorted(pages))


def marker_at(data: bytes | bytearray, bin_offset: int) -> bytes:
    return bytes(data[BIN + bin_offset + 36 : BIN + bin_offset + 44])


# -- Marvin32 --------------------------------------------------------------------------------

# dotnet/runtime, src/libraries/Common/tests/Tests/System/MarvinTests.cs (MIT).
MARVIN_SEED_1 = 0x004FB61A001BDBCC
MARVIN_SEED_2 = 0x804FB61A001BDBCC
MARVIN_SEED_3 = 0x804FB61A801BDBCC
MARVIN_VECTORS = [
    (MARVIN_SEED_1, "", 0x30ED35C100CD3C7D),
    (MARVIN_SEED_1, "af", 0x48E73FC77D75DDC1),
    (MARVIN_SEED_1, "e70f", 0xB5F6E1FC485DBFF8),
    (MARVIN_SEED_1, "37f495", 0xF0B07C789B8CF7E8),
    (MARVIN_SEED_1, "8642dc59", 0x7008F2E87E9CF556),
    (MARVIN_SEED_1, "153fb79826", 0xE6C08C6DA2AFA997),
    (MARVIN_SEED_1, "0932e6246c47", 0x6F04BF1A5EA24060),
    (MARVIN_SEED_1, "ab427ea8d10fc7", 0xE11847E4F0678C41),
    (MARVIN_SEED_2, "", 0x10A9D5D3996FD65D),
    (MARVIN_SEED_2, "af", 0x68201F91960EBF91),
    (MARVIN_SEED_2, "e70f", 0x64B581631F6AB378),
    (MARVIN_SEED_2, "37f495", 0xE1F2DFA6E5131408),
    (MARVIN_SEED_2, "8642dc59", 0x36289D9654FB49F6),
    (MARVIN_SEED_2, "153fb79826", 0x0A06114B13464DBD),
    (MARVIN_SEED_2, "0932e6246c47", 0xD6DD5E40AD1BC2ED),
    (MARVIN_SEED_2, "ab427ea8d10fc7", 0xE203987DBA252FB3),
    (MARVIN_SEED_3, "00", 0xA37FB0DA2ECAE06C),
    (MARVIN_SEED_3, "ff", 0xFECEF370701AE054),
    (MARVIN_SEED_3, "00ff", 0xA638E75700048880),
    (MARVIN_SEED_3, "ff00", 0xBDFB46D969730E2A),
    (MARVIN_SEED_3, "ff00ff", 0x9D8577C0FE0D30BF),
    (MARVIN_SEED_3, "00ff00", 0x4F9FBDDE15099497),
    (MARVIN_SEED_3, "00ff00ff", 0x24EAA279D9A529CA),
    (MARVIN_SEED_3, "ff00ff00", 0xD3BEC7726B057943),
    (MARVIN_SEED_3, "ff00ff00ff", 0x920B62BBCA3E0B72),
    (MARVIN_SEED_3, "00ff00ff00", 0x1D7DDF9DFDF3C1BF),
    (MARVIN_SEED_3, "00ff00ff00ff", 0xEC21276A17E821A5),
    (MARVIN_SEED_3, "ff00ff00ff00", 0x6911A53CA8C12254),
    (MARVIN_SEED_3, "ff00ff00ff00ff", 0xFDFD187B1D3CE784),
    (MARVIN_SEED_3, "00ff00ff00ff00", 0x71876F2EFB1B0EE8),
]


@pytest.mark.parametrize(("seed", "data", "expected"), MARVIN_VECTORS)
def test_marvin32_matches_the_dotnet_vectors(seed: int, data: str, expected: int) -> None:
    assert marvin32(bytes.fromhex(data), seed) == expected
    assert marvin32(bytearray.fromhex(data), seed) == expected
    assert marvin32(memoryview(bytes.fromhex(data)), seed) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    # The same file's 32-bit ComputeHash32 vectors: the two halves XORed.
    [("", 0x302009BC), ("af", 0x3592E206), ("e70f", 0xFDAB5E04)],
)
def test_marvin32_folds_to_the_dotnet_32_bit_vectors(data: str, expected: int) -> None:
    assert marvin32_32(bytes.fromhex(data), MARVIN_SEED_1) == expected


# -- schemas ---------------------------------------------------------------------------------


def test_log_entry_schema_round_trips() -> None:
    raw = log_entry(7, [(0, b"A" * 512), (BIN, b"B" * 1024)], hive_bins=2 * BIN, flags=1)
    parsed = regf_log.log_entry.parse(raw)
    assert (parsed.size, parsed.sequence_number, parsed.dirty_pages_count) == (2048, 7, 2)
    assert [(r.offset, r.size) for r in parsed.dirty_page_references] == [(0, 512), (BIN, 1024)]
    assert parsed.hash_1 == marvin32(raw[40:], SEED)
    assert regf_log.log_entry.build(parsed) == raw
    head = regf_log.log_entry_header.parse(raw)
    assert regf_log.log_entry_header.build(head) == raw[: regf_log.LOG_ENTRY_HEADER_SIZE]


def test_dirty_vector_schema_round_trips() -> None:
    raw = b"DIRT" + bytes([0xFF, 0x00, 0x0F])
    parsed = regf_log.dirty_vector.parse(raw, hive_bins_data_size=3 * BIN)
    assert parsed.bitmap == raw[4:]
    assert regf_log.dirty_vector.build(parsed, hive_bins_data_size=3 * BIN) == raw


# -- crafted: clean and dirty ----------------------------------------------------------------


def test_clean_hive_comes_back_unchanged_and_not_dirty() -> None:
    hive = primary((3, 3), b"original")
    log = new_log(3, log_entry(3, [(0, hive_bin(0, b"replaced"))], hive_bins=BIN))
    result = replay_logs(hive, [("H.LOG1", log)], source="H")
    assert result.was_dirty is False
    assert result.data == hive
    assert (result.applied, result.diagnostics, result.sequence_number) == ([], [], None)


def test_dirty_hive_is_replayed_and_its_base_block_updated() -> None:
    hive = primary((3, 2), b"original")
    log1 = new_log(
        2,
        log_entry(2, [(0, hive_bin(0, b"entry-2!"))], hive_bins=BIN),
        log_entry(3, [(0, hive_bin(0, b"entry-3!"))], hive_bins=BIN, flags=1),
    )
    grown = hive_bin(0, b"entry-4!") + hive_bin(BIN, b"new-bin!")
    log2 = new_log(4, log_entry(4, [(0, grown)], hive_bins=2 * BIN))
    result = replay_logs(hive, [("H.LOG1", log1), ("H.LOG2", log2)], source="H")

    assert result.was_dirty is True
    assert result.applied == ["H.LOG1", "H.LOG2"]
    assert (result.entries_applied, result.pages_applied, result.sequence_number) == (3, 3, 4)
    assert codes(result, Severity.WARNING) == codes(result, Severity.ERROR) == []
    # The image grew to the last entry's hive bins data size (spec, "New format", Notes 9).
    assert len(result.data) == BIN + 2 * BIN
    assert marker_at(result.data, 0) == b"entry-4!"
    assert marker_at(result.data, BIN) == b"new-bin!"
    head = header(result.data)
    assert (head["primary"], head["hive_bins"], head["flags"]) == (4, 2 * BIN, 0)
    assert_consistent_base_block(result.data)
    assert_hive_bins_chain(result.data)
    assert hive == primary((3, 2), b"original")  # the input is untouched


def test_logs_are_taken_in_sequence_order_not_name_order() -> None:
    hive = primary((3, 2), b"original")
    log1 = new_log(4, log_entry(4, [(0, hive_bin(0, b"second!!"))], hive_bins=BIN))
    log2 = new_log(
        2,
        log_entry(2, [(0, hive_bin(0, b"first-2!"))], hive_bins=BIN),
        log_entry(3, [(0, hive_bin(0, b"first-3!"))], hive_bins=BIN),
    )
    for logs in ([("H.LOG1", log1), ("H.LOG2", log2)], [("H.LOG2", log2), ("H.LOG1", log1)]):
        result = replay_logs(hive, logs, source="H")
        assert result.applied == ["H.LOG2", "H.LOG1"]
        assert marker_at(result.data, 0) == b"second!!"
        assert result.sequence_number == 4


def test_entries_already_in_the_primary_are_skipped() -> None:
    hive = primary((5, 4), b"original")
    stale = new_log(
        2,
        log_entry(2, [(0, hive_bin(0, b"stale-2!"))], hive_bins=BIN),
        log_entry(3, [(0, hive_bin(0, b"stale-3!"))], hive_bins=BIN),
    )
    fresh = new_log(4, log_entry(4, [(0, hive_bin(0, b"fresh-4!"))], hive_bins=BIN))
    result = replay_logs(hive, [("H.LOG1", fresh), ("H.LOG2", stale)], source="H")
    assert result.applied == ["H.LOG1"]
    assert marker_at(result.data, 0) == b"fresh-4!"
    assert "regf.log.not_eligible" in codes(result, Severity.INFO)


def test_a_second_log_that_does_not_continue_is_not_applied() -> None:
    hive = primary((3, 2), b"original")
    log1 = new_log(2, log_entry(2, [(0, hive_bin(0, b"entry-2!"))], hive_bins=BIN))
    log2 = new_log(7, log_entry(7, [(0, hive_bin(0, b"entry-7!"))], hive_bins=BIN))
    result = replay_logs(hive, [("H.LOG1", log1), ("H.LOG2", log2)], source="H")
    assert result.applied == ["H.LOG1"]
    assert marker_at(result.data, 0) == b"entry-2!"
    assert "regf.log.not_continued" in codes(result, Severity.INFO)


def test_sequence_numbers_wrap_around() -> None:
    hive = primary((0, 0xFFFFFFFF), b"original")
    before = new_log(
        0xFFFFFFFF, log_entry(0xFFFFFFFF, [(0, hive_bin(0, b"last-u32"))], hive_bins=BIN)
    )
    after = new_log(0, log_entry(0, [(0, hive_bin(0, b"wrapped!"))], hive_bins=BIN))
    result = replay_logs(hive, [("H.LOG1", after), ("H.LOG2", before)], source="H")
    assert result.applied == ["H.LOG2", "H.LOG1"]
    assert marker_at(result.data, 0) == b"wrapped!"
    assert header(result.data)["primary"] == 0


def test_a_partially_reconciled_primary_replays_from_the_log() -> None:
    # Suhanov, "Missing log entries for a dirty primary file": the log may start later.
    hive = primary((3, 2), b"original")
    log = new_log(10, log_entry(10, [(0, hive_bin(0, b"entry-10"))], hive_bins=BIN))
    result = replay_logs(hive, [("H.LOG1", log)], source="H")
    assert result.applied == ["H.LOG1"]
    assert "regf.log.sequence_gap" in codes(result, Severity.INFO)
    assert result.sequence_number == 10


# -- crafted: broken logs --------------------------------------------------------------------


def test_a_torn_entry_ends_the_replay_after_the_last_good_one() -> None:
    hive = primary((3, 2), b"original")
    good = log_entry(2, [(0, hive_bin(0, b"entry-2!"))], hive_bins=BIN)
    torn = bytearray(log_entry(3, [(0, hive_bin(0, b"entry-3!"))], hive_bins=BIN))
    torn[600] ^= 0xFF  # a byte of the dirty page: Hash-1 no longer matches
    log2 = new_log(4, log_entry(4, [(0, hive_bin(0, b"entry-4!"))], hive_bins=BIN))
    result = replay_logs(
        hive, [("H.LOG1", new_log(2, good, bytes(torn))), ("H.LOG2", log2)], source="H"
    )
    assert result.applied == ["H.LOG1"]
    assert marker_at(result.data, 0) == b"entry-2!"
    assert result.sequence_number == 2
    assert codes(result, Severity.WARNING) == ["regf.log.entry_hash_mismatch"]
    assert_consistent_base_block(result.data)


def test_a_truncated_log_ends_the_replay() -> None:
    hive = primary((3, 2), b"original")
    log = new_log(
        2,
        log_entry(2, [(0, hive_bin(0, b"entry-2!"))], hive_bins=BIN),
        log_entry(3, [(0, hive_bin(0, b"entry-3!"))], hive_bins=BIN),
    )
    result = replay_logs(hive, [("H.LOG1", log[:-1000])], source="H")
    assert marker_at(result.data, 0) == b"entry-2!"
    assert "regf.log.entry_truncated" in codes(result, Severity.WARNING)


def test_pages_beyond_the_hive_bins_data_end_the_replay() -> None:
    hive = primary((3, 2), b"original")
    log = new_log(2, log_entry(2, [(BIN, hive_bin(BIN, b"outside!"))], hive_bins=BIN))
    result = replay_logs(hive, [("H.LOG1", log)], source="H")
    assert result.applied == []
    assert result.data == hive
    assert "regf.log.entry_invalid" in codes(result, Severity.WARNING)
    assert "regf.log.unrecovered" in codes(result, Severity.ERROR)  # partial


def test_an_oversized_hive_bins_data_size_is_refused_not_allocated() -> None:
    hive = primary((3, 2), b"original")
    log = new_log(2, log_entry(2, [(0, hive_bin(0, b"entry-2!"))], hive_bins=1 << 30))
    result = replay_logs(hive, [("H.LOG1", log)], source="H", max_hive_bins_data_size=1 << 20)
    assert len(result.data) == len(hive)
    assert "regf.log.entry_invalid" in codes(result, Severity.WARNING)


@pytest.mark.parametrize(
    ("blob", "code", "severity"),
    [
        (b"", "regf.log.empty", Severity.INFO),
        (b"regf" + bytes(100), "regf.log.truncated", Severity.WARNING),
        (bytes(4096), "regf.log.bad_signature", Severity.WARNING),
        (
            bytes(base_block(seq=(2, 2), hive_bins=BIN, file_type=6)[:508]) + b"INVL",
            "regf.log.bad_checksum",
            Severity.WARNING,
        ),
        (
            bytes(base_block(seq=(3, 2), hive_bins=BIN, file_type=6)[:512]),
            "regf.log.dirty_log",
            Severity.WARNING,
        ),
        (primary((2, 2), b"a primary"), "regf.log.unsupported_type", Severity.WARNING),
        (
            old_log(2, {}, hive_bins=BIN).replace(b"DIRT", b"DIRX"),
            "regf.log.bad_dirty_vector",
            Severity.WARNING,
        ),
    ],
    ids=["empty", "short", "not-regf", "bad-checksum", "dirty-log", "primary", "no-dirt"],
)
def test_unusable_logs_are_diagnostics(blob: bytes, code: str, severity: Severity) -> None:
    hive = primary((3, 2), b"original")
    result = replay_logs(hive, [("H.LOG1", blob)], source="H")
    assert (code, severity) in [(d.code, d.severity) for d in result.diagnostics]
    assert result.applied == []
    assert result.data == hive
    assert codes(result)[-1] == "regf.log.unrecovered"


def test_a_dirty_hive_without_logs_says_so() -> None:
    result = replay_logs(primary((3, 2), b"original"), [], source="H")
    assert result.was_dirty is True
    assert codes(result) == ["regf.log.unrecovered"]
    assert result.diagnostics[0].severity == Severity.ERROR


def test_a_primary_shorter_than_a_base_block_raises() -> None:
    with pytest.raises(Truncated):
        replay_logs(b"regf" + bytes(100), [], source="H")


def test_an_invalid_base_block_is_recovered_from_the_newest_new_format_log() -> None:
    hive = bytearray(primary((3, 2), b"original"))
    hive[508:512] = b"INVL"
    log1 = new_log(2, log_entry(2, [(0, hive_bin(0, b"entry-2!"))], hive_bins=BIN))
    log2 = new_log(3, log_entry(3, [(0, hive_bin(0, b"entry-3!"))], hive_bins=BIN))
    result = replay_logs(bytes(hive), [("H.LOG1", log1), ("H.LOG2", log2)], source="H")
    assert result.base_block_recovered is True
    assert result.applied == ["H.LOG2"]
    assert marker_at(result.data, 0) == b"entry-3!"
    assert "regf.log.bad_base_block" in codes(result, Severity.WARNING)
    assert_consistent_base_block(result.data)
    assert header(result.data)["primary"] == 3


def test_an_invalid_base_block_without_logs_is_an_error() -> None:
    hive = bytearray(primary((3, 3), b"original"))
    hive[508:512] = b"INVL"
    result = replay_logs(bytes(hive), [], source="H")
    assert result.was_dirty is True
    assert "regf.log.unrecovered" in codes(result, Severity.ERROR)


# -- crafted: old format ---------------------------------------------------------------------


def test_old_format_dirty_pages_are_written_where_the_vector_says() -> None:
    hive = primary((5, 4), b"bin-zero", b"bin-one!")
    page = b"P" * 512
    log = old_log(5, {1: page, 9: b"Q" * 512}, hive_bins=2 * BIN)
    result = replay_logs(hive, [("H.LOG", log)], source="H")
    assert result.applied == ["H.LOG"]
    assert result.pages_applied == 2
    assert result.data[BIN + 512 : BIN + 1024] == page
    assert result.data[BIN + 9 * 512 : BIN + 10 * 512] == b"Q" * 512
    assert result.sequence_number == 5
    assert_consistent_base_block(result.data)


def test_old_format_log_older_than_the_primary_is_not_applied() -> None:
    hive = primary((5, 4), b"bin-zero")
    log = old_log(5, {1: b"P" * 512}, hive_bins=BIN, timestamp=TIMESTAMP - 1)
    result = replay_logs(hive, [("H.LOG", log)], source="H")
    assert result.applied == []
    assert result.data == hive
    assert "regf.log.not_eligible" in codes(result, Severity.INFO)


def test_old_format_invalid_dirty_hive_bin_ends_the_replay() -> None:
    hive = primary((5, 4), b"bin-zero", b"bin-one!")
    bad_bin = hive_bin(0x3000, b"wrongoff")[:512]  # opens the second bin, claims 0x3000
    log = old_log(5, {1: b"P" * 512, 8: bad_bin}, hive_bins=2 * BIN)
    result = replay_logs(hive, [("H.LOG", log)], source="H")
    assert result.data[BIN + 512 : BIN + 1024] == b"P" * 512
    assert marker_at(result.data, BIN) == b"bin-one!"
    assert "regf.log.bad_hive_bin" in codes(result, Severity.WARNING)


def test_old_format_log_refused_at_its_first_page_leaves_the_hive_as_found() -> None:
    hive = primary((5, 4), b"bin-zero")
    log = old_log(5, {0: b"not a hive bin".ljust(512, b"\0")}, hive_bins=2 * BIN)
    result = replay_logs(hive, [("H.LOG", log)], source="H")
    assert result.applied == []
    assert result.data == hive  # not even grown to the log's hive bins data size
    assert codes(result, Severity.WARNING) == ["regf.log.bad_hive_bin"]
    assert codes(result, Severity.ERROR) == ["regf.log.unrecovered"]


def test_old_format_truncated_pages_end_the_replay() -> None:
    hive = primary((5, 4), b"bin-zero")
    log = old_log(5, {1: b"P" * 512, 3: b"Q" * 512}, hive_bins=BIN)
    result = replay_logs(hive, [("H.LOG", log[:-100])], source="H")
    assert result.data[BIN + 512 : BIN + 1024] == b"P" * 512
    assert result.data[BIN + 3 * 512 : BIN + 4 * 512] == hive[BIN + 3 * 512 : BIN + 4 * 512]
    assert "regf.log.truncated" in codes(result, Severity.WARNING)


# -- crafted: anything goes in, only diagnostics come out -----------------------------------

_FUZZ_HIVE = primary((3, 2), b"original")
_FUZZ_NEW = new_log(
    2,
    log_entry(2, [(0, hive_bin(0, b"entry-2!"))], hive_bins=BIN),
    log_entry(3, [(0, hive_bin(0, b"e3")), (BIN, hive_bin(BIN, b"e3b"))], hive_bins=2 * BIN),
)
_FUZZ_OLD = old_log(3, {0: hive_bin(0, b"p0")[:512], 3: b"Q" * 512}, hive_bins=BIN)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(["new", "old"]),
    flips=st.lists(st.tuples(st.integers(0, 20000), st.integers(1, 255)), max_size=8),
    cut=st.integers(0, 20000),
)
def test_mutated_logs_never_raise(which: str, flips: list[tuple[int, int]], cut: int) -> None:
    blob = bytearray(_FUZZ_NEW if which == "new" else _FUZZ_OLD)
    for position, mask in flips:
        if position < len(blob):
            blob[position] ^= mask
    del blob[cut:]
    result = replay_logs(_FUZZ_HIVE, [("H.LOG1", bytes(blob))], source="H")
    assert result.was_dirty is True
    assert all(d.code.startswith("regf.log.") for d in result.diagnostics)
    if result.sequence_number is not None:
        assert_consistent_base_block(result.data)


# -- find_transaction_logs -------------------------------------------------------------------


def test_find_transaction_logs_matches_case_insensitively(tmp_path: Path) -> None:
    for name in ("SYSTEM", "system.log1", "SYSTEM.Log2", "SYSTEM.LOG3", "SYSTEMX.LOG1"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "SYSTEM.LOG").mkdir()  # a folder is not a log
    found = find_transaction_logs(tmp_path / "SYSTEM")
    assert [p.name for p in found] == ["system.log1", "SYSTEM.Log2"]
    assert all(p.parent == tmp_path for p in found)


def test_find_transaction_logs_keeps_dots_in_hive_names(tmp_path: Path) -> None:
    for name in (
        "ntuser.dat",
        "ntuser.dat.LOG1",
        "NTUSER.DAT.LOG2",
        "ntuser.LOG1",
        "ntuser.dat.LOG",
    ):
        (tmp_path / name).write_bytes(b"")
    found = find_transaction_logs(tmp_path / "ntuser.dat")
    assert [p.name for p in found] == ["ntuser.dat.LOG", "ntuser.dat.LOG1", "NTUSER.DAT.LOG2"]


def test_find_transaction_logs_prefers_the_exact_spelling(tmp_path: Path) -> None:
    (tmp_path / "SAM.log1").write_bytes(b"")
    (tmp_path / "SAM.LOG1").write_bytes(b"x")
    if len(list(tmp_path.iterdir())) < 2:
        pytest.skip("case-insensitive file system")
    assert [p.name for p in find_transaction_logs(tmp_path / "SAM")] == ["SAM.LOG1"]


def test_find_transaction_logs_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert find_transaction_logs(tmp_path / "nowhere" / "SYSTEM") == []
    assert find_transaction_logs(tmp_path / "SYSTEM") == []


# -- corpus ----------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("folder", "hive", "expected"),
    [
        ("1", "aa", ["aa.LOG", "aa.LOG1", "aa.LOG2"]),
        ("2", "AA", ["aa.LOG1", "aa.LOG2"]),
        ("3", "AA", ["aa.log", "aa.log1"]),
        ("4", "AA", ["aa.LOG", "aa.log1", "aa.log2"]),
        ("5", "aa", []),
    ],
)
def test_corpus_yarp_log_discovery(
    corpus: Path, folder: str, hive: str, expected: list[str]
) -> None:
    found = find_transaction_logs(corpus / "hives" / "yarp" / "Discovery" / folder / hive)
    assert [p.name for p in found] == expected


@pytest.mark.corpus
@pytest.mark.parametrize("case", ["NewDirtyHive1", "NewDirtyHive2"])
@pytest.mark.parametrize("reverse", [False, True], ids=["LOG1-first", "LOG2-first"])
def test_corpus_new_format_replay_equals_windows_10(corpus: Path, case: str, reverse: bool) -> None:
    yarp = corpus / "hives" / "yarp"
    result = replay_beside(yarp / case / "NewDirtyHive", reverse=reverse)
    windows = (yarp / "NewDirtyHive1" / "RecoveredHive_Windows10").read_bytes()

    # NewDirtyHive2 is NewDirtyHive1 with LOG1's entry already in it (seq 4/3).
    expected_logs = {"NewDirtyHive1": ["NewDirtyHive.LOG1", "NewDirtyHive.LOG2"]}
    assert result.applied == expected_logs.get(case, ["NewDirtyHive.LOG2"])
    assert result.sequence_number == 5  # as yarp's test_dirty_new1/2
    assert result.entries_applied == (4 if case == "NewDirtyHive1" else 3)
    assert not codes(result, Severity.WARNING) and not codes(result, Severity.ERROR)
    assert_consistent_base_block(result.data)
    # Logically the same hive, and byte for byte the same hive bins data...
    assert hive_listing(result.data) == hive_listing(windows)
    assert hive_listing(result.data) != hive_listing((yarp / case / "NewDirtyHive").read_bytes())
    assert result.data[BIN:] == windows[BIN:]
    # ...and base block, except the sequence numbers: Windows wrote once more (6/6).
    assert header(windows)["primary"] == 6
    assert result.data[12:BIN] == windows[12:BIN]


@pytest.mark.corpus
@pytest.mark.parametrize("case", ["OldDirtyHive", "BadBaseBlockHive"])
def test_corpus_old_format_replay_equals_windows_7(corpus: Path, case: str) -> None:
    yarp = corpus / "hives" / "yarp"
    result = replay_beside(yarp / case / case)
    windows = (yarp / "OldDirtyHive" / "RecoveredHive_Windows7").read_bytes()

    assert result.applied == [f"{case}.LOG1"]
    assert result.base_block_recovered is (case == "BadBaseBlockHive")
    assert result.sequence_number == 5
    assert not codes(result, Severity.ERROR)
    assert_consistent_base_block(result.data)
    assert hive_listing(result.data) == hive_listing(windows)
    # Windows 7 wrote the hive again afterwards (seq 7/7): it refreshed the first hive bin's
    # timestamp and lowered one key's cached "largest value name length" (24 -> 2). Those
    # are the only bytes of the hive bins data that differ.
    differ = [i for i in range(BIN, len(windows)) if result.data[i] != windows[i]]
    assert set(differ) <= set(range(BIN + 20, BIN + 28)) | {0x6BDC8}
    if case == "BadBaseBlockHive":
        assert struct.unpack_from("<I", result.data, 24)[0] == 3  # minor version, was 1
        assert "regf.log.bad_base_block" in codes(result, Severity.WARNING)
        assert "regf.log.base_block_recovered" in codes(result, Severity.INFO)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("BadLogHive1", ["regf.log.bad_checksum"]),
        ("BadLogHive2", ["regf.log.bad_dirty_vector"]),
        ("BadLogHive3", ["regf.log.bad_checksum", "regf.log.bad_checksum"]),
    ],
)
def test_corpus_bad_logs_give_diagnostics(corpus: Path, case: str, expected: list[str]) -> None:
    hive = corpus / "hives" / "yarp" / case / "BadLogHive"
    result = replay_beside(hive)
    assert result.was_dirty is True
    assert result.applied == []
    assert result.data == hive.read_bytes()
    assert codes(result, Severity.WARNING) == expected
    assert codes(result, Severity.ERROR) == ["regf.log.unrecovered"]  # partial


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("hive", "applied", "sequence"),
    [
        ("SYSTEM_B", ["SYSTEM_B.LOG1", "SYSTEM_B.LOG2"], 2130),
        ("transactions_NTUSER.DAT", ["transactions_ntuser.dat.log1"], 588),
        ("UsrClass.dat", ["UsrClass.dat.LOG1", "UsrClass.dat.LOG2"], 300),
    ],
)
def test_corpus_regipy_dirty_hives_replay_cleanly(
    corpus: Path, hive: str, applied: list[str], sequence: int
) -> None:
    path = corpus / "hives" / "regipy" / hive
    result = replay_beside(path)
    assert result.was_dirty is True
    assert result.applied == applied
    assert result.sequence_number == sequence  # regression value (yarp's order rule)
    assert codes(result, Severity.ERROR) == []
    assert codes(result, Severity.WARNING) == []
    assert_consistent_base_block(result.data)
    assert_hive_bins_chain(result.data)
    # The whole tree reads back (python-registry cannot walk regipy 6.5's own replay of
    # these three), and the replay changed it.
    assert hive_listing(result.data) != hive_listing(path.read_bytes())


@pytest.mark.corpus
@pytest.mark.parametrize("hive", ["dfwinreg/NTUSER.DAT", "plaso/NTUSER.DAT"])
def test_corpus_clean_hives_ignore_their_logs(corpus: Path, hive: str) -> None:
    path = corpus / "hives" / hive
    assert len(find_transaction_logs(path)) == 1  # a new-format and an old-format .LOG
    result = replay_beside(path)
    assert result.was_dirty is False
    assert result.applied == []
    assert result.data == path.read_bytes()


# -- logs that are symbolic links ----------------------------------------------------------


def _dirty_case(corpus: Path, folder: Path) -> Path:
    """yarp's NewDirtyHive (dirty; its LOG1 and LOG2 replay to sequence 5) copied into
    ``folder`` without its logs."""
    source = corpus / "hives" / "yarp" / "NewDirtyHive1"
    if not source.is_dir():
        pytest.skip("yarp's NewDirtyHive1 is not in this corpus")
    folder.mkdir(parents=True)
    hive = folder / "NewDirtyHive"
    hive.write_bytes((source / "NewDirtyHive").read_bytes())
    return hive


def test_log_links_inside_the_hives_folder_are_replayed(corpus: Path, tmp_path: Path) -> None:
    hive = _dirty_case(corpus, tmp_path / "case")
    source = corpus / "hives" / "yarp" / "NewDirtyHive1"
    kept = tmp_path / "case" / "kept"
    kept.mkdir()
    for name in ("NewDirtyHive.LOG1", "NewDirtyHive.LOG2"):
        (kept / name).write_bytes((source / name).read_bytes())
        (hive.parent / name).symlink_to(kept / name)
    search = scan_transaction_logs(hive)
    assert search.logs == [hive.parent / "NewDirtyHive.LOG1", hive.parent / "NewDirtyHive.LOG2"]
    assert search.refused == []
    opened = open_hive(hive)
    assert [Path(p).name for p in opened.logs_applied] == ["NewDirtyHive.LOG1", "NewDirtyHive.LOG2"]
    assert opened.header.primary_sequence == 5  # as yarp's test_dirty_new1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_log_links_out_of_the_hives_folder_are_never_opened(corpus: Path, tmp_path: Path) -> None:
    hive = _dirty_case(corpus, tmp_path / "case")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "pipe")  # opening it for reading would block for ever
    (outside / "NewDirtyHive.LOG2").write_bytes(
        (corpus / "hives" / "yarp" / "NewDirtyHive1" / "NewDirtyHive.LOG2").read_bytes()
    )
    (hive.parent / "NewDirtyHive.LOG1").symlink_to(outside / "pipe")
    (hive.parent / "NewDirtyHive.LOG2").symlink_to(outside / "NewDirtyHive.LOG2")
    (hive.parent / "NewDirtyHive.LOG").symlink_to(tmp_path / "nowhere")
    search = scan_transaction_logs(hive)
    assert search.logs == []
    reasons = {item.path.name: item.reason for item in search.refused}
    assert set(reasons) == {"NewDirtyHive.LOG", "NewDirtyHive.LOG1", "NewDirtyHive.LOG2"}
    assert "dangling" in reasons["NewDirtyHive.LOG"]
    assert (
        "leads out of" in reasons["NewDirtyHive.LOG1"]
        and str(outside) in reasons["NewDirtyHive.LOG1"]
    )
    opened = open_hive(hive)  # would hang on the FIFO
    assert opened.logs_applied == []
    found = {(d.code, Path(d.location.source or "").name) for d in opened.diagnostics}
    assert ("regf.log.refused", "NewDirtyHive.LOG1") in found
    assert ("regf.log.refused", "NewDirtyHive.LOG2") in found
    assert ("regf.log.none", "NewDirtyHive") in found  # dirty, and no usable log


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_log_is_not_read(corpus: Path, tmp_path: Path) -> None:
    hive = _dirty_case(corpus, tmp_path / "case")
    os.mkfifo(hive.parent / "NewDirtyHive.LOG1")
    assert scan_transaction_logs(hive).logs == []
    with pytest.raises(OSError, match="a FIFO, not a regular file"):
        open_regular_file(hive.parent / "NewDirtyHive.LOG1")  # opened without blocking
    assert open_hive(hive).logs_applied == []


# -- hostile logs: sizes the files cannot justify, another hive's log, junk ------------------


def _dirty_folder(folder: Path, log: bytes) -> Path:
    """A dirty primary (sequence 3/2, one bin) named H, with ``log`` as H.LOG1 beside it."""
    folder.mkdir(parents=True)
    (folder / "H").write_bytes(primary((3, 2), b"original"))
    (folder / "H.LOG1").write_bytes(log)
    return folder / "H"


def test_a_log_entry_cannot_grow_the_hive_past_what_the_files_hold(tmp_path: Path) -> None:
    """A valid 5 KiB entry declaring 2 GiB of hive bins: the replay could only fill them
    with zeros, so the entry is refused and nothing is allocated (before: a 2 GiB copy)."""
    declared = 0x7FFFF000
    log = new_log(2, log_entry(2, [(0, hive_bin(0, b"entry-2!"))], hive_bins=declared))
    hive = _dirty_folder(tmp_path / "case", log)
    opened = open_hive(hive)
    assert len(opened.image) < 64 * 1024  # the primary and nothing more
    assert opened.logs_applied == []
    found = {(d.code, d.severity) for d in opened.diagnostics}
    assert any(code == "regf.log.entry_invalid" for code, _ in found)
    assert ("regf.log.unrecovered", Severity.ERROR) in found  # partial, like no logs


def test_a_huge_sparse_log_is_not_read_whole(tmp_path: Path) -> None:
    """A 1 GiB log (sparse: zeros after its base block) costs the reader its first entry,
    not the file: the log is mapped and its pages read as entries are validated (peak
    resident memory of a child process that opens the hive)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("VmHWM: Linux")
    hive = _dirty_folder(tmp_path / "case", new_log(2, hive_bins=BIN))
    with (hive.parent / "H.LOG1").open("r+b") as handle:
        handle.truncate(1 << 30)
    peak_kib, applied, codes = _peak_of_open(hive)
    assert len(applied) == 0
    assert "regf.log.unrecovered" in codes.split()
    assert peak_kib < 256 * 1024  # reading the whole log would take over 1 GiB


def test_another_hives_log_is_not_applied(tmp_path: Path) -> None:
    """A valid log whose base block names another hive file (SOFTWARE's log beside SYSTEM):
    applying it would mix two hives; it is refused, and the run is partial."""
    log = bytearray(new_log(2, log_entry(2, [(0, hive_bin(0, b"foreign!"))], hive_bins=BIN)))
    name = "\\SystemRoot\\System32\\Config\\SOFTWARE"[-31:].encode("utf-16-le").ljust(64, b"\0")
    log[0x30 : 0x30 + 64] = name
    struct.pack_into("<I", log, 508, base_block_checksum(bytes(log[:512]).ljust(4096, b"\0")))
    hive = _dirty_folder(tmp_path / "case", bytes(log))
    opened = open_hive(hive)
    assert opened.logs_applied == []
    assert b"foreign!" not in bytes(opened.image)
    codes = {(d.code, d.severity) for d in opened.diagnostics}
    assert ("regf.log.foreign", Severity.ERROR) in codes


def test_a_junk_log_leaves_the_hive_partial_like_no_log(tmp_path: Path) -> None:
    junk = bytes(random.Random(7).getrandbits(8) for _ in range(8192))
    with_junk = open_hive(_dirty_folder(tmp_path / "junk", junk))
    without = tmp_path / "none"
    without.mkdir()
    (without / "H").write_bytes(primary((3, 2), b"original"))
    alone = open_hive(without / "H")
    assert any(d.severity == Severity.ERROR for d in with_junk.diagnostics)
    assert any(d.severity == Severity.ERROR for d in alone.diagnostics)


def test_a_log_of_another_resource_manager_is_not_applied(tmp_path: Path) -> None:
    """Same file name, but the log's RmId (base block offset 0x70, the KTM resource manager a
    hive and its logs share; real hives carry it) is not the primary's: another machine's
    SYSTEM.LOG1 copied beside this SYSTEM."""

    def with_rm_id(block: bytes, guid: bytes, size: int) -> bytes:
        patched = bytearray(block)
        patched[0x70 : 0x70 + 16] = guid
        struct.pack_into(
            "<I", patched, 508, base_block_checksum(bytes(patched[:512]).ljust(4096, b"\0"))
        )
        return bytes(patched[:size]) + bytes(block[size:])

    hive_image = primary((3, 2), b"original")
    log = new_log(2, log_entry(2, [(0, hive_bin(0, b"foreign!"))], hive_bins=BIN))
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "H").write_bytes(with_rm_id(hive_image, b"\x11" * 16, 4096))
    (folder / "H.LOG1").write_bytes(with_rm_id(log, b"\x22" * 16, 512))
    opened = open_hive(folder / "H")
    assert opened.logs_applied == []
    assert ("regf.log.foreign", Severity.ERROR) in {
        (d.code, d.severity) for d in opened.diagnostics
    }
    # The same GUID on both: the log is this hive's and is applied.
    (folder / "H.LOG1").write_bytes(with_rm_id(log, b"\x11" * 16, 512))
    assert open_hive(folder / "H").logs_applied == [str(folder / "H.LOG1")]


def _peak_of_open(hive: Path) -> tuple[int, list[str], str]:
    """Open ``hive`` in a child process: its peak memory (VmHWM, KiB: the peak of its own
    memory map; ru_maxrss would also count the copy of a large parent it was forked from),
    the logs applied and its diagnostic codes."""
    probe = (
        "import json, re, sys\n"
        "from hiveparse.sources.regf import open_hive\n"
        "opened = open_hive(sys.argv[1])\n"
        "peak = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1)\n"
        "print(json.dumps([int(peak), opened.logs_applied,"
        " ' '.join(sorted({d.code for d in opened.diagnostics}))]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(hive)], capture_output=True, text=True, check=True
    )
    peak, applied, codes = json.loads(result.stdout)
    return peak, applied, codes


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM: Linux")
def test_sparse_files_do_not_justify_growth(tmp_path: Path) -> None:
    """A sparse 900 MiB log holds a few KiB: its entry declaring 2 GiB of bins is refused
    (sizes are justified by the bytes the files store, not their apparent length); and a
    dirty hive followed by a 900 MiB sparse tail is replayed from the bins its base block
    counts, not copied whole."""
    declared = 0x7FFFF000
    log = new_log(2, log_entry(2, [(0, hive_bin(0, b"entry-2!"))], hive_bins=declared))
    hive = _dirty_folder(tmp_path / "log", log)
    with (hive.parent / "H.LOG1").open("r+b") as handle:
        handle.truncate(900 << 20)
    peak, applied, codes = _peak_of_open(hive)
    assert applied == [] and "regf.log.entry_invalid" in codes.split()
    assert peak < 256 * 1024
    good = new_log(2, log_entry(2, [(0, hive_bin(0, b"entry-2!"))], hive_bins=BIN))
    tail = _dirty_folder(tmp_path / "tail", good)
    with tail.open("r+b") as handle:
        handle.truncate(900 << 20)
    peak, applied, codes = _peak_of_open(tail)
    assert applied == [str(tail.parent / "H.LOG1")]
    assert peak < 256 * 1024  # a whole copy would be 900 MiB
