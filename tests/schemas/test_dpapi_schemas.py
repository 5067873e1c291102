"""The DPAPI blob and FILETIME declarations: round trips and the synthetic timebomb vector."""

from __future__ import annotations

import json
import struct
import uuid
from datetime import UTC, datetime
from pathlib import Path

from construct import Container

from hiveparse.schemas import dpapi
from hiveparse.schemas.filetime import Filetime, filetime
from tests.schemas.roundtrip import assert_roundtrip


def _blob(description: bytes = b"\x00\x00", data: bytes = bytes(16)) -> bytes:
    """A machine-scope AES-256 / SHA-512 blob packed by hand from the dpapi.md §2.6 table."""
    guid = uuid.UUID("01234567-89ab-cdef-0123-456789abcdef").bytes_le
    return b"".join(
        [
            struct.pack("<I", 1),
            dpapi.PROVIDER_GUID,
            struct.pack("<I", 1),
            guid,
            struct.pack("<I", 0x4),
            struct.pack("<I", len(description)),
            description,
            struct.pack("<II", 0x6610, 256),
            struct.pack("<I", 32),
            bytes(range(32)),
            struct.pack("<I", 0),
            struct.pack("<II", 0x800E, 512),
            struct.pack("<I", 32),
            bytes(range(32, 64)),
            struct.pack("<I", len(data)),
            data,
            struct.pack("<I", 64),
            bytes(64),
        ]
    )


def test_hand_packed_blob_round_trips():
    raw = _blob()
    parsed = dpapi.dpapi_blob.parse(raw)
    assert parsed.crypt_algorithm == "CALG_AES_256"
    assert parsed.hash_algorithm == "CALG_SHA_512"
    assert parsed.flags.LOCAL_MACHINE and not parsed.flags.SYSTEM
    assert dpapi.dpapi_blob.build(parsed) == raw
    assert raw[dpapi.FLAGS_OFFSET : dpapi.FLAGS_OFFSET + 4] == b"\x04\x00\x00\x00"


def test_synthetic_timebomb_vector(corpus: Path):
    folder = corpus / "dpapi" / "synthetic_timebomb"
    raw = (folder / "timebomb_blob.bin").read_bytes()
    parsed = dpapi.dpapi_blob.parse(raw)
    # The corpus README: master key dd26f81a-..., AES-256 / SHA-512, flags 0x4, 230 bytes.
    assert str(uuid.UUID(bytes_le=parsed.master_key_guid)) == "dd26f81a-4ed9-49fd-8b45-42723d8ae006"
    assert (parsed.crypt_algorithm, parsed.hash_algorithm) == ("CALG_AES_256", "CALG_SHA_512")
    assert int.from_bytes(raw[dpapi.FLAGS_OFFSET : dpapi.FLAGS_OFFSET + 4], "little") == 0x4
    assert len(raw) == 230
    assert dpapi.dpapi_blob.build(parsed) == raw
    vectors = json.loads((folder / "vectors.json").read_text())
    assert "dd26f81a-4ed9-49fd-8b45-42723d8ae006" in json.dumps(vectors)


def test_filetime_round_trip_and_range():
    raw = bytes.fromhex("0060ba17bf9bda01")  # the synthetic timebomb's plaintext
    value = filetime.parse(raw)
    assert value == Filetime(133590384000000000, datetime(2024, 5, 1, 12, tzinfo=UTC))
    assert filetime.build(value) == raw
    assert filetime.build(datetime(2024, 5, 1, 12, tzinfo=UTC)) == raw
    assert filetime.parse(bytes(8)) == Filetime(0, None)
    huge = filetime.parse(b"\xff" * 8)
    assert huge.moment is None
    assert filetime.build(huge) == b"\xff" * 8


def test_roundtrip_helper_on_the_blob():
    raw = _blob(description="label\x00".encode("utf-16-le"))
    obj = dpapi.dpapi_blob.parse(raw)
    assert isinstance(obj, Container)
    assert_roundtrip(dpapi.dpapi_blob, raw, obj)
