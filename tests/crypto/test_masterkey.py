"""Master key files: Microsoft's PBKDF2, pre-keys, HMAC-checked decryption (dpapi.md §3.2-3.3)."""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime

import pytest

from hiveparse.crypto.dpapi_system import split_dpapi_system
from hiveparse.crypto.errors import (
    DecryptionError,
    MalformedInput,
    TooCostly,
    TruncatedInput,
    UnsupportedAlgorithm,
    WrongKey,
)
from hiveparse.crypto.masterkey import (
    MASTER_KEY_SIZE,
    decrypt_master_key_file,
    decrypt_master_key_section,
    dpapi_pbkdf2,
    parse_master_key_file,
    parse_preferred,
    user_pre_key,
)

# -- primitives (DPAPIck's published vectors) -------------------------------------------------


def test_pbkdf2_variant(vectors):
    for case in vectors("dpapick")["primitives"]["pbkdf2_dpapi_variant"]:
        args = (
            case["hash"],
            bytes.fromhex(case["password"]),
            bytes.fromhex(case["salt"]),
            case["iterations"],
        )
        length = len(case["expected"]) // 2
        assert dpapi_pbkdf2(*args, length).hex() == case["expected"]
        standard = hashlib.pbkdf2_hmac(*args, length)
        # One round: both agree. More rounds: only the variant gives the answer (§3.3).
        assert (standard.hex() == case["expected"]) == (case["iterations"] == 1)


def test_pbkdf2_guards():
    with pytest.raises(MalformedInput):
        dpapi_pbkdf2("sha1", b"k", b"s", 0, 20)
    with pytest.raises(TooCostly):
        dpapi_pbkdf2("sha1", b"k", b"s", 0xFFFFFFFF, 20)


def test_user_pre_key(vectors):
    vector = vectors("dpapick")["primitives"]["user_prekey"]
    from_hash = user_pre_key(
        vector["sid"], password_hash=bytes.fromhex(vector["sha1_utf16le_password"])
    )
    assert from_hash.hex() == vector["expected"]
    xp = vectors("dpapick")["masterkeys"]["xp"]
    assert (
        hashlib.sha1(xp["password"].encode("utf-16-le")).hexdigest() == xp["sha1_utf16le_password"]
    )
    assert user_pre_key(xp["sid"], password=xp["password"]).hex() == vector["expected"]
    with pytest.raises(ValueError, match="exactly one"):
        user_pre_key(xp["sid"])
    with pytest.raises(ValueError, match="exactly one"):
        user_pre_key(xp["sid"], password="a", password_hash=b"b")


# -- user master keys with passwords (DPAPIck) --------------------------------------------------


@pytest.mark.parametrize("name", ["xp", "win7", "win81"])
def test_dpapick_user_master_keys(dpapi, vectors, name):
    case = vectors("dpapick")["masterkeys"][name]
    data = (dpapi / "dpapick" / case["file"]).read_bytes()
    pre_key = user_pre_key(case["sid"], password=case["password"])
    assert pre_key.hex() == case["prekey_hmac_sha1_pwdhash_sid"]
    master_key = decrypt_master_key_file(data, pre_key)  # published: the HMAC check passes
    assert len(master_key.key) == MASTER_KEY_SIZE
    assert master_key.guid == case["computed_intermediates"]["header"]["guid"]
    # Published: "badpassword" fails.
    with pytest.raises(WrongKey, match="HMAC mismatch"):
        decrypt_master_key_file(data, user_pre_key(case["sid"], password="badpassword"))
    # Independent check of the plaintext: DPAPIck's blob tests use these master keys.
    blobs = vectors("dpapick")["blobs"]
    uses = {"xp": "xp_simple", "win81": "win8_simple"}
    if name in uses:
        assert master_key.key.hex() == blobs[uses[name]]["masterkey_plaintext"]
    else:  # win7: the research session's computed plaintext (no DPAPIck blob uses it)
        assert master_key.key.hex() == case["computed_intermediates"]["plaintext_masterkey"]


def test_dpapick_xp_key_is_3des_hmac_sha1(dpapi):
    parsed = parse_master_key_file((dpapi / "dpapick" / "masterkey_xp.bin").read_bytes())
    assert parsed.master_key is not None
    assert (parsed.master_key.crypt_algorithm, parsed.master_key.hash_algorithm) == (0x6603, 0x8009)
    assert (parsed.master_key.rounds, len(parsed.master_key.ciphertext)) == (4000, 104)
    assert parsed.flags == 5


# -- SYSTEM master keys ------------------------------------------------------------------------


def test_impacket_system_key_opens_only_with_the_user_key(dpapi, vectors):
    vector = vectors("impacket")
    keys = split_dpapi_system(bytes.fromhex(vector["dpapi_system_secret"]["plaintext_hex"]))
    data = (dpapi / "impacket" / vector["system_masterkey_file"]["file"]).read_bytes()
    master_key = decrypt_master_key_file(data, keys.user_key)
    assert master_key.key.hex() == vector["system_masterkey_file"]["expected_plaintext_masterkey"]
    assert master_key.key.hex() not in repr(master_key)
    with pytest.raises(WrongKey):
        decrypt_master_key_file(data, keys.machine_key)


@pytest.mark.parametrize(
    ("section", "good", "bad"),
    [
        ("machine_masterkey", "machine_key", "user_key"),
        ("user_masterkey", "user_key", "machine_key"),
    ],
)
def test_nemesis_system_keys(dpapi, vectors, section, good, bad):
    vector = vectors("nemesis", "dpapi_system_vectors.json")
    keys = vector["dpapi_system_secret"]
    data = (dpapi / "nemesis" / vector[section]["file"]).read_bytes()
    master_key = decrypt_master_key_file(data, bytes.fromhex(keys[good]))
    assert master_key.sha1.hex() == vector[section]["published_expected_plaintext_sha1"]
    with pytest.raises(WrongKey):
        decrypt_master_key_file(data, bytes.fromhex(keys[bad]))


def test_nemesis_known_answers_md(dpapi):
    """KNOWN_ANSWERS.md: the SYSTEM SHA-1 values, and the chrome copy is the same User key."""
    text = (dpapi / "nemesis" / "KNOWN_ANSWERS.md").read_text()
    assert "b848ddc68f5250e5977bc52fd9671811ba3bc3b1" in text
    copy = next((dpapi / "nemesis" / "chrome").rglob("fb1190c1-123d-45f8-95f4-32aee28fe2eb"))
    assert copy.read_bytes() == (dpapi / "nemesis" / "masterkey_systemuser.bin").read_bytes()
    user = bytes.fromhex("4e25d96d26879ded571f5d48a6887455d28f66f5")
    assert decrypt_master_key_file(copy.read_bytes(), user).sha1.hex() == (
        "8a6f191d551750fa51324a6b8f3afc7086658888"
    )


def test_synthetic_master_key(dpapi, vectors):
    chain = vectors("synthetic_timebomb")["chain"]
    keys = split_dpapi_system(bytes.fromhex(chain["dpapi_system_plaintext"]))
    data = (
        dpapi / "synthetic_timebomb" / "masterkey_dd26f81a-4ed9-49fd-8b45-42723d8ae006.bin"
    ).read_bytes()
    master_key = decrypt_master_key_file(data, keys.machine_key)
    assert master_key.key.hex() == chain["masterkey_plaintext"]
    assert master_key.sha1.hex() == chain["masterkey_plaintext_sha1"]


# -- broken files ------------------------------------------------------------------------------


def _nemesis_system(dpapi):
    return (dpapi / "nemesis" / "masterkey_system.bin").read_bytes()


_MACHINE = bytes.fromhex("dcfd03644f501805c189e15e9367b01415dea75a")


def test_every_truncation_is_a_typed_error(dpapi):
    data = _nemesis_system(dpapi)
    for cut in range(len(data)):
        with pytest.raises(TruncatedInput):
            decrypt_master_key_file(data[:cut], _MACHINE)


def test_garbled_ciphertext_is_a_wrong_key_never_garbage(dpapi):
    data = bytearray(_nemesis_system(dpapi))
    data[0x80 + 32 + 100] ^= 0x01  # one bit inside the master key section's ciphertext
    with pytest.raises(WrongKey):
        decrypt_master_key_file(bytes(data), _MACHINE)


def _with_section_field(data: bytes, offset: int, value: int) -> bytes:
    return data[: 0x80 + offset] + struct.pack("<I", value) + data[0x80 + offset + 4 :]


def test_unsupported_and_costly_sections(dpapi):
    data = _nemesis_system(dpapi)
    with pytest.raises(UnsupportedAlgorithm, match="hash algorithm 0x8003"):
        decrypt_master_key_file(_with_section_field(data, 24, 0x8003), _MACHINE)
    with pytest.raises(UnsupportedAlgorithm, match="encryption algorithm 0x6801"):
        decrypt_master_key_file(_with_section_field(data, 28, 0x6801), _MACHINE)
    with pytest.raises(TooCostly):
        decrypt_master_key_file(_with_section_field(data, 20, 0xFFFFFFFF), _MACHINE)


def test_short_and_unaligned_ciphertext(dpapi):
    parsed = parse_master_key_file(_nemesis_system(dpapi))
    assert parsed.master_key is not None
    section = parsed.master_key
    short = type(section)(
        section.version,
        section.salt,
        1,
        section.hash_algorithm,
        section.crypt_algorithm,
        section.ciphertext[:48],
    )
    with pytest.raises(MalformedInput, match="too short"):
        decrypt_master_key_section(short, _MACHINE)
    unaligned = type(section)(
        section.version,
        section.salt,
        1,
        section.hash_algorithm,
        section.crypt_algorithm,
        section.ciphertext[:-1],
    )
    with pytest.raises(MalformedInput, match="whole 16-byte blocks"):
        decrypt_master_key_section(unaligned, _MACHINE)


def test_file_without_master_key_section(dpapi):
    data = bytearray(_nemesis_system(dpapi)[:0x80])
    data[0x60:0x80] = bytes(32)  # all four section lengths 0
    with pytest.raises(MalformedInput, match="no master key section"):
        decrypt_master_key_file(bytes(data), _MACHINE)


def test_errors_are_decryption_errors_with_one_line(dpapi):
    with pytest.raises(DecryptionError) as caught:
        decrypt_master_key_file(b"\x02", _MACHINE)
    assert "\n" not in str(caught.value)


# -- Preferred ---------------------------------------------------------------------------------


def test_preferred_hand_packed():
    guid = bytes.fromhex("1af826dd d94e fd49 8b45 42723d8ae006".replace(" ", ""))
    raw = guid + struct.pack("<Q", 133590384000000000)  # 2024-05-01T12:00:00Z
    preferred = parse_preferred(raw)
    assert preferred.guid == guid
    assert preferred.expires == datetime(2024, 5, 1, 12, tzinfo=UTC)
    with pytest.raises(MalformedInput, match="expected 24"):
        parse_preferred(raw[:-1])
