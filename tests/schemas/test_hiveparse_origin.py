"""Round trips of the origin marker declaration, and where it sits in the base block."""

from __future__ import annotations

import struct
import zlib

import pytest
from construct import ConstError

from hiveparse.schemas import hiveparse_origin as origin
from hiveparse.schemas import regf
from hiveparse.sources.regf import writer
from tests.schemas.roundtrip import assert_roundtrip


def test_marker_round_trip() -> None:
    payload = zlib.compress(b'{"tool":"hiveparse convert"}')
    data = b"hiveparse-origin" + struct.pack("<HH", 1, len(payload)) + payload
    assert_roundtrip(
        origin.origin_marker,
        data,
        {
            "magic": b"hiveparse-origin",
            "format_version": 1,
            "payload_length": len(payload),
            "payload": payload,
        },
    )


def test_empty_payload_round_trip() -> None:
    data = b"hiveparse-origin\x01\x00\x00\x00"
    obj = {"magic": b"hiveparse-origin", "format_version": 1, "payload_length": 0, "payload": b""}
    assert_roundtrip(origin.origin_marker, data, obj)


def test_another_magic_is_refused() -> None:
    with pytest.raises(ConstError):
        origin.origin_marker.parse(b"hiveparse-0rigin\x01\x00\x00\x00")


def test_the_area_is_the_reserved_bytes_after_the_checksum() -> None:
    # Suhanov, "Base block": checksum at 508 (4 bytes), reserved 3528 bytes at 512, then
    # ThawTmId at 4040; 512 + 3528 = 4040 = 0xFC8.
    assert (origin.MARKER_OFFSET, origin.MARKER_AREA_SIZE) == (512, 3528)
    assert origin.MARKER_OFFSET == regf.CHECKSUM_SPAN + 4
    assert origin.MAX_PAYLOAD_SIZE == 3528 - 20
    marker = b"hiveparse-origin\x01\x00\x03\x00abc"
    plain = writer.build_base_block(
        minor_version=5, root_cell_offset=0x20, hive_bins_data_size=0x1000, last_written=7
    )
    marked = writer.build_base_block(
        minor_version=5,
        root_cell_offset=0x20,
        hive_bins_data_size=0x1000,
        last_written=7,
        marker=marker,
    )
    # The marker changes exactly its own bytes; the checksum (first 508 bytes) is the same.
    assert marked[:512] == plain[:512]
    assert marked[512 : 512 + len(marker)] == marker
    assert marked[512 + len(marker) :] == plain[512 + len(marker) :]
    checksum = 0
    for (word,) in struct.iter_unpack("<I", marked[:508]):
        checksum ^= word
    assert struct.unpack_from("<I", marked, 508)[0] == checksum
    parsed = regf.base_block.parse(marked)
    assert parsed.reserved_after_checksum == marker + bytes(3528 - len(marker))
    assert parsed.thaw_tm_id == bytes(16)
