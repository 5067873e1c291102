"""DPAPI_SYSTEM split into machine and user keys (dpapi.md §2.4)."""

from __future__ import annotations

import pytest

from hiveparse.crypto.dpapi_system import split_dpapi_system
from hiveparse.crypto.errors import MalformedInput, UnsupportedAlgorithm


def test_impacket_split(vectors):
    vector = vectors("impacket")["dpapi_system_secret"]
    keys = split_dpapi_system(bytes.fromhex(vector["plaintext_hex"]))
    assert keys.version == 1
    assert keys.machine_key.hex() == vector["expected_machine_key"]
    assert keys.user_key.hex() == vector["expected_user_key"]
    assert vector["expected_machine_key"] not in repr(keys)
    assert vector["expected_user_key"] not in repr(keys)


def test_nemesis_split(vectors):
    vector = vectors("nemesis", "dpapi_system_vectors.json")["dpapi_system_secret"]
    keys = split_dpapi_system(bytes.fromhex(vector["plaintext_hex"]))
    assert (keys.machine_key.hex(), keys.user_key.hex()) == (
        vector["machine_key"],
        vector["user_key"],
    )


def test_bitcurator_split(vectors):
    expected = vectors("bitcurator_xp")["expected"]["DPAPI_SYSTEM"]
    keys = split_dpapi_system(bytes.fromhex(expected["plaintext"]))
    assert keys.machine_key.hex() == expected["machine_key"]
    assert keys.user_key.hex() == expected["user_key"]


@pytest.mark.parametrize("size", [0, 4, 24, 43, 45, 48])
def test_wrong_sizes(size):
    with pytest.raises(MalformedInput, match="expected 44"):
        split_dpapi_system(b"\x01\x00\x00\x00" + bytes(max(0, size - 4)))


def test_unknown_version():
    with pytest.raises(UnsupportedAlgorithm, match="version 2"):
        split_dpapi_system(b"\x02\x00\x00\x00" + bytes(40))
