"""Hostile input: whatever the bytes, each step returns a result or raises a DecryptionError.

No IndexError, struct.error, construct or cryptography exception may escape, and a cost field
(PBKDF2 rounds) cannot make a step run for ever.
"""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from hiveparse.crypto.blob import blob_master_key_guid, decrypt_blob
from hiveparse.crypto.dpapi_system import split_dpapi_system
from hiveparse.crypto.errors import DecryptionError
from hiveparse.crypto.lsa import (
    decrypt_pol_ek_list,
    decrypt_pol_secret_encryption_key,
    decrypt_secret_nt5,
    decrypt_secret_nt6,
    system_function_005,
)
from hiveparse.crypto.masterkey import (
    MAX_ROUNDS,
    decrypt_master_key_file,
    parse_master_key_file,
    parse_preferred,
)
from hiveparse.crypto.timebomb import interpret_timebomb
from hiveparse.schemas import dpapi as blob_schema

_STEPS = (
    lambda raw: decrypt_pol_ek_list(raw, bytes(16)),
    lambda raw: decrypt_pol_secret_encryption_key(raw, bytes(16)),
    lambda raw: decrypt_secret_nt6(raw, bytes(32)),
    lambda raw: decrypt_secret_nt5(raw, bytes(16)),
    lambda raw: system_function_005(raw, bytes(16)),
    split_dpapi_system,
    parse_master_key_file,
    parse_preferred,
    blob_master_key_guid,
    lambda raw: decrypt_blob(raw, bytes(64)),
)


def _survives(raw: bytes) -> None:
    for step in _STEPS:
        try:
            step(raw)
        except DecryptionError as error:
            assert "\n" not in str(error)
    interpret_timebomb(raw)  # never raises


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes(raw):
    _survives(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_nt6_shaped(tail):
    _survives(b"\x00\x00\x00\x01" + bytes(16) + struct.pack("<II", 3, 0) + tail)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 0xFFFFFFFF), st.binary(max_size=120))
def test_nt5_shaped(length, tail):
    _survives(struct.pack("<III", length, length | 0x20000000, 0) + tail)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 0xFFFFFFFF), min_size=12, max_size=12), st.binary(max_size=200))
def test_blob_shaped(numbers, tail):
    head = struct.pack("<I", 1) + blob_schema.PROVIDER_GUID + struct.pack("<I", 1) + bytes(16)
    _survives(head + struct.pack("<12I", *numbers) + tail)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 0xFFFFFFFF),
    st.sampled_from([0x8009, 0x8004, 0x800E, 0x8003, 0]),
    st.sampled_from([0x6603, 0x6610, 0x6801, 0]),
    st.binary(max_size=160),
)
def test_master_key_shaped(rounds, hash_id, crypt_id, ciphertext):
    rounds = rounds if rounds > MAX_ROUNDS else rounds % 50  # real costs are tested elsewhere
    section = (
        struct.pack("<I", 2)
        + bytes(16)
        + struct.pack("<III", rounds, hash_id, crypt_id)
        + ciphertext
    )
    header = (
        struct.pack("<I", 2)
        + bytes(8)
        + "dd26f81a-4ed9-49fd-8b45-42723d8ae006".encode("utf-16-le")
        + bytes(8)
        + struct.pack("<I", 6)
        + struct.pack("<4Q", len(section), 0, 0, 0)
    )
    try:
        decrypt_master_key_file(header + section, bytes(20))
    except DecryptionError as error:
        assert "\n" not in str(error)
