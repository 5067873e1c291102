"""LSA declarations (dpapi.md §2.2-§2.4): hand-packed round trips and the corpus values."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from construct import StreamError

from hiveparse.schemas import lsa
from tests.schemas.roundtrip import assert_roundtrip

GUID = bytes(range(16))


def test_pol_revision_xp():
    assert_roundtrip(lsa.pol_revision, bytes.fromhex("07000100"), {"minor": 7, "major": 1})


def test_nt6_wrapper():
    salt, ciphertext = bytes(range(32, 64)), bytes(range(64, 96))
    raw = b"\x00\x00\x00\x01" + GUID + struct.pack("<II", 3, 0) + salt + ciphertext
    obj = {
        "version": 0x01000000,
        "enc_key_id": GUID,
        "enc_algorithm": 3,
        "flags": 0,
        "salt": salt,
        "ciphertext": ciphertext,
    }
    assert_roundtrip(lsa.lsa_secret_nt6, raw, obj)
    assert lsa.lsa_secret_nt6.parse(raw).version == lsa.NT6_SECRET_VERSION
    assert len(raw) - len(ciphertext) == lsa.NT6_HEADER_SIZE + lsa.NT6_SALT_SIZE


def test_nt6_secret_blob():
    secret = bytes(range(44))
    raw = struct.pack("<I", 44) + bytes(12) + secret + bytes(4)
    obj = {"length": 44, "reserved": bytes(12), "secret": secret, "padding": bytes(4)}
    assert_roundtrip(lsa.lsa_secret_blob, raw, obj)


def test_key_list_with_two_entries():
    other = bytes(range(16, 32))
    entry = lambda key_id, fill: key_id + struct.pack("<II", 3, 32) + bytes([fill]) * 32  # noqa: E731
    raw = struct.pack("<I", 3) + GUID + struct.pack("<II", 3, 2) + entry(GUID, 1) + entry(other, 2)
    obj = {
        "revision": 3,
        "current_key_id": GUID,
        "current_key_type": 3,
        "key_count": 2,
        "entries": [
            {"key_id": GUID, "key_type": 3, "key_length": 32, "key": bytes([1]) * 32},
            {"key_id": other, "key_type": 3, "key_length": 32, "key": bytes([2]) * 32},
        ],
    }
    assert_roundtrip(lsa.lsa_key_list, raw, obj)
    # impacket's shortcut (dpapi.md §2.2): the first key sits at bytes 52..84 of the list.
    assert raw[52:84] == bytes([1]) * 32


def test_nt5_pol_secret_encryption_key():
    header = bytes.fromhex("010000000100000000000000")
    raw = header + bytes(range(48)) + bytes(range(100, 116))
    obj = {"header": header, "ciphertext": bytes(range(48)), "salt": bytes(range(100, 116))}
    assert_roundtrip(lsa.pol_secret_encryption_key, raw, obj)
    parts = {"head": bytes(16), "lsa_key": bytes(range(16)), "tail": bytes([9]) * 16}
    assert_roundtrip(lsa.nt5_lsa_key_plaintext, b"".join(parts.values()), parts)


def test_nt5_secret_and_plaintext():
    raw = struct.pack("<III", 16, 0x20000010, 0x000CC95C) + bytes(range(16))
    obj = {
        "length": 16,
        "maximum_length": 0x20000010,
        "buffer_offset": 0xCC95C,
        "ciphertext": bytes(range(16)),
    }
    assert_roundtrip(lsa.lsa_secret_nt5, raw, obj)
    plain = struct.pack("<II", 8, 1) + bytes(range(8))
    obj = {"length": 8, "version": 1, "secret": bytes(range(8)), "padding": b""}
    assert_roundtrip(lsa.lsa_secret_nt5_plaintext, plain, obj)


def test_dpapi_system():
    raw = struct.pack("<I", 1) + bytes([0xAA]) * 20 + bytes([0xBB]) * 20
    obj = {"version": 1, "machine_key": bytes([0xAA]) * 20, "user_key": bytes([0xBB]) * 20}
    assert_roundtrip(lsa.dpapi_system, raw, obj)
    assert len(raw) == lsa.DPAPI_SYSTEM_SIZE


def test_truncated_nt5_secret_raises_a_stream_error():
    with pytest.raises(StreamError):
        lsa.lsa_secret_nt5.parse(struct.pack("<III", 56, 0x20000038, 0) + bytes(40))


def test_corpus_values_round_trip(corpus: Path):
    folder = corpus / "dpapi"
    dissect = json.loads((folder / "dissect_target" / "vectors.json").read_text())["systems"]
    bitcurator = json.loads((folder / "bitcurator_xp" / "vectors.json").read_text())["expected"]
    for system in ("win10", "win7", "vista"):
        for name in ("policy_value_hex", "DPAPI_SYSTEM_CurrVal_hex"):
            raw = bytes.fromhex(dissect[system][name])
            parsed = lsa.lsa_secret_nt6.parse(raw)
            assert parsed.version == lsa.NT6_SECRET_VERSION
            assert (parsed.enc_algorithm, parsed.flags) == (3, 0)  # dpapi.md §2.2 observed
            assert lsa.lsa_secret_nt6.build(parsed) == raw
    nt5 = [
        bytes.fromhex(dissect["xp"]["DPAPI_SYSTEM_CurrVal_hex"]),
        bytes.fromhex(bitcurator["DPAPI_SYSTEM"]["CurrVal_hex"]),
        bytes.fromhex(bitcurator["timebomb_lsa_secret"]["CurrVal_hex"]),
    ]
    for raw in nt5:
        parsed = lsa.lsa_secret_nt5.parse(raw)
        assert len(raw) == 12 + parsed.length
        assert parsed.maximum_length & 0x20000000
        assert lsa.lsa_secret_nt5.build(parsed) == raw
    pol = bytes.fromhex(dissect["xp"]["policy_value_hex"])
    assert lsa.pol_secret_encryption_key.build(lsa.pol_secret_encryption_key.parse(pol)) == pol
