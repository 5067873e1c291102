"""DPAPI blob decryption (dpapi.md §3.4): DPAPIck, impacket and Nemesis blobs, broken blobs."""

from __future__ import annotations

import base64
import hashlib
import io
import struct

import pytest

from hiveparse.crypto.blob import (
    MacVariant,
    blob_master_key_guid,
    crypt_derive_key,
    decrypt_blob,
    decrypt_blob_with_key_hash,
    dpapi_mac,
)
from hiveparse.crypto.errors import (
    DecryptionError,
    MalformedInput,
    TruncatedInput,
    UnsupportedAlgorithm,
    WrongKey,
)
from hiveparse.crypto.masterkey import MasterKey
from hiveparse.schemas import dpapi as blob_schema


def _entropy(text: str | None) -> bytes | None:
    # vectors.json writes a NUL as the four characters "\x00".
    return None if text is None else text.replace("\\x00", "\x00").encode("latin-1")


def _cut_blob(data: bytes, offset: int = 0) -> bytes:
    """The one blob starting at ``offset`` of a larger file, up to the end of its signature."""
    stream = io.BytesIO(data[offset:])
    blob_schema.dpapi_blob.parse_stream(stream)
    return data[offset : offset + stream.tell()]


# -- primitives (DPAPIck) ----------------------------------------------------------------------


def test_crypt_derive_key_expansion(vectors):
    vector = vectors("dpapick")["primitives"]["crypt_derive_key_sha1_to_3des"]
    derived = crypt_derive_key(bytes.fromhex(vector["session_key"]), 24, "sha1")
    assert derived.hex() == vector["expected_first_24_bytes"]


def test_crypt_derive_key_truncates_long_session_keys():
    session = bytes(range(64))
    assert crypt_derive_key(session, 32, "sha512") == session[:32]


@pytest.mark.parametrize(
    ("name", "hash_name"),
    [("session_key_sha1_no_entropy", "sha1"), ("session_key_sha512_no_entropy", "sha512")],
)
def test_session_keys_without_entropy(vectors, name, hash_name):
    vector = vectors("dpapick")["primitives"][name]
    key_hash = hashlib.sha1(bytes.fromhex(vector["masterkey"])).digest()
    salt = bytes.fromhex(vector["salt"])
    for variant in MacVariant:  # without entropy both forms agree (§3.4)
        assert dpapi_mac(variant, key_hash, salt, b"", hash_name).hex() == vector["expected"]


# -- DPAPIck blobs (3DES/SHA-1 and AES-256/SHA-512, with and without entropy) -----------------


@pytest.mark.parametrize("name", ["xp_simple", "xp_entropy", "win8_simple", "win8_entropy"])
def test_dpapick_blobs(dpapi, vectors, name):
    case = vectors("dpapick")["blobs"][name]
    blob = (dpapi / "dpapick" / case["file"]).read_bytes()
    entropy = _entropy(case["entropy_ascii"])
    opened = decrypt_blob(blob, bytes.fromhex(case["masterkey_plaintext"]), entropy=entropy)
    assert opened.plaintext == _entropy(case["expected_plaintext_ascii"])
    assert str(opened.mac_variant) == case["session_key_and_sign_variant"]
    algorithms = {"0x6603/0x8004": ("3DES", "sha1"), "0x6610/0x800e": ("AES-256", "sha512")}
    assert (opened.crypt_algorithm, opened.hash_algorithm) == algorithms[case["alg"]]
    assert opened.description == case["description"].rstrip("\x00")
    assert case["expected_plaintext_ascii"] not in repr(opened)
    if entropy is not None:
        with pytest.raises(WrongKey, match="signature mismatch"):
            decrypt_blob(blob, bytes.fromhex(case["masterkey_plaintext"]))
        with pytest.raises(WrongKey):
            decrypt_blob(blob, bytes.fromhex(case["masterkey_plaintext"]), entropy=entropy + b"x")


# -- impacket blobs ----------------------------------------------------------------------------


def test_impacket_credential_blob(dpapi, vectors):
    vector = vectors("impacket")["credential_file"]
    data = (dpapi / "impacket" / vector["file"]).read_bytes()
    _version, size, _unknown = struct.unpack_from("<III", data)
    blob = data[12 : 12 + size]
    opened = decrypt_blob(blob, bytes.fromhex(vector["masterkey_plaintext"]))
    assert "david.bowie".encode("utf-16-le") in opened.plaintext
    assert hashlib.sha256(opened.plaintext).hexdigest() == vector["observed"]["plaintext_sha256"]
    assert opened.mac_variant is MacVariant.XP  # README: only the XP-style MAC verifies
    assert opened.flags == 0x20000000
    assert (opened.crypt_algorithm, opened.hash_algorithm) == ("3DES", "sha1")


def test_impacket_aes_blobs(dpapi, vectors):
    vector = vectors("impacket")["unprotect"]
    master_key = bytes.fromhex(vector["masterkey_plaintext"])
    expected = vector["expected_plaintext_ascii"].encode()
    plain = (dpapi / "impacket" / "blob_no_entropy.bin").read_bytes()
    with_entropy = (dpapi / "impacket" / "blob_with_entropy.bin").read_bytes()
    assert decrypt_blob(plain, master_key).plaintext == expected
    entropy = vector["entropy_ascii_for_blob_with_entropy"].encode()
    assert decrypt_blob(with_entropy, master_key, entropy=entropy).plaintext == expected
    with pytest.raises(WrongKey):  # README: must fail without the entropy
        decrypt_blob(with_entropy, master_key)


# -- Nemesis blobs -----------------------------------------------------------------------------

_NEMESIS_DOMAIN_KEY = bytes.fromhex(
    "36BD60CB9E7E52433169DB00E93ED0A82D3C30C65D948BD8596FB32C267671020B02026B0AE03479"
    "DD18374ADBDD7658F45CCE6ED2A45319EFF7A96C411C85F5"
)  # KNOWN_ANSWERS.md: the decrypted ed93694f-... master key


def test_nemesis_blobs(dpapi):
    assert (
        hashlib.sha1(_NEMESIS_DOMAIN_KEY).hexdigest() == "17fd87f91d25a18abd9bcd66b6d9f3c6bfc16778"
    )
    key = MasterKey("ed93694f-5a6d-46e2-b821-219f2c0ecd4d", _NEMESIS_DOMAIN_KEY)
    plain = (dpapi / "nemesis" / "blob_without_entropy.bin").read_bytes()
    with_entropy = (dpapi / "nemesis" / "blob_with_entropy.bin").read_bytes()
    assert decrypt_blob(plain, key).plaintext == b"test"
    assert decrypt_blob(with_entropy, key, entropy=bytes([1, 2, 3, 4, 5])).plaintext == b"test"
    assert str(blob_master_key_guid(plain)) == key.guid
    with pytest.raises(WrongKey):
        decrypt_blob(with_entropy, key)


def test_nemesis_app_bound_key_with_only_the_key_hash(dpapi):
    raw = base64.b64decode((dpapi / "nemesis" / "blob_app_bound_enc_key.txt").read_text().strip())
    assert raw[:4] == b"APPB"
    blob = _cut_blob(raw, 4)
    assert str(blob_master_key_guid(blob)) == "f752e2e1-1726-454b-a632-0718d94ca677"
    key_hash = bytes.fromhex("9DED7C56C3FE577B84780908ADAC346F38F1D114")
    opened = decrypt_blob_with_key_hash(blob, key_hash)
    assert opened.description == "Google Chrome"
    assert opened.plaintext  # KNOWN_ANSWERS.md: "decrypts to a non-empty value"
    with pytest.raises(MalformedInput, match="after the signature"):
        decrypt_blob_with_key_hash(raw[4:], key_hash)


# -- dissect.target blobs: master keys unavailable, the header still names them ---------------


def test_dissect_blobs_name_their_master_keys(vectors):
    for system in ("vista", "xp"):
        for case in vectors("dissect_target")["systems"][system]["blobs"]:
            blob = bytes.fromhex(case["blob_hex"])
            assert len(blob) == case["sizes"]["total"]
            assert str(blob_master_key_guid(blob)) == case["masterkey_guid"]
            with pytest.raises(WrongKey):
                decrypt_blob(blob, bytes(64))


# -- broken blobs ------------------------------------------------------------------------------


def _synthetic(dpapi):
    blob = (dpapi / "synthetic_timebomb" / "timebomb_blob.bin").read_bytes()
    key = bytes.fromhex(
        "c663eb7d251ae987f1093e6f1b4a6fc3a3ca892ee758128883a6c1ec08a977f4"
        "2c6ec6fc450f029e287966ccf5060451cae80b960ad71648b3fd2a2c0dd66a12"
    )  # synthetic_timebomb/vectors.json chain.masterkey_plaintext
    return blob, key


def test_wrong_master_key(dpapi):
    blob, key = _synthetic(dpapi)
    assert decrypt_blob(blob, key).plaintext.hex() == "0060ba17bf9bda01"
    with pytest.raises(WrongKey, match="dd26f81a-4ed9-49fd-8b45-42723d8ae006"):
        decrypt_blob(blob, bytes(64))


def test_every_truncation_is_a_typed_error(dpapi):
    blob, key = _synthetic(dpapi)
    for cut in range(len(blob)):
        with pytest.raises(TruncatedInput):
            decrypt_blob(blob[:cut], key)


def test_every_flipped_byte_is_a_typed_error(dpapi):
    """One changed byte anywhere: never a plaintext (the signature covers all that matters)."""
    blob, key = _synthetic(dpapi)
    for index in range(len(blob)):
        garbled = bytearray(blob)
        garbled[index] ^= 0x5A
        with pytest.raises(DecryptionError):
            decrypt_blob(bytes(garbled), key)


def test_trailing_bytes_and_strong_password(dpapi):
    blob, key = _synthetic(dpapi)
    with pytest.raises(MalformedInput, match="after the signature"):
        decrypt_blob(blob + b"\x00", key)
    # Fill the strong-password slot (dwHmacKeyLen at offset 64 + salt) with 4 bytes.
    description_length = struct.unpack_from("<I", blob, 44)[0]
    salt_length = struct.unpack_from("<I", blob, 48 + description_length + 8)[0]
    slot = 48 + description_length + 12 + salt_length
    strong = blob[:slot] + struct.pack("<I", 4) + b"pass" + blob[slot + 4 :]
    with pytest.raises(UnsupportedAlgorithm, match="strong password"):
        decrypt_blob(strong, key)


def test_unsupported_algorithms(dpapi):
    blob, key = _synthetic(dpapi)
    crypt_at = 48 + struct.unpack_from("<I", blob, 44)[0]
    as_aes128 = blob[:crypt_at] + struct.pack("<I", 0x660E) + blob[crypt_at + 4 :]
    with pytest.raises(UnsupportedAlgorithm, match="0x660e"):
        decrypt_blob(as_aes128, key)


def test_not_a_blob():
    with pytest.raises(MalformedInput):
        decrypt_blob(bytes(300), bytes(64))
    with pytest.raises(MalformedInput):
        blob_master_key_guid(b"\x02" + bytes(299))
