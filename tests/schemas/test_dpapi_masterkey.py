"""Master key file and Preferred declarations (dpapi.md §2.5): round trips and every corpus file."""

from __future__ import annotations

import struct
import uuid
from datetime import UTC, datetime
from pathlib import Path

from hiveparse.schemas import dpapi_masterkey as mk
from hiveparse.schemas.filetime import Filetime
from tests.schemas.roundtrip import all_flags, assert_roundtrip, plain

GUID_TEXT = "dd26f81a-4ed9-49fd-8b45-42723d8ae006"


def _section(hash_id: int, crypt_id: int, ciphertext: bytes) -> bytes:
    return (
        struct.pack("<I", 2)
        + bytes(range(16))
        + struct.pack("<III", 8000, hash_id, crypt_id)
        + ciphertext
    )


def _file(flags: int, sections: list[bytes]) -> bytes:
    header = (
        struct.pack("<I", 2)
        + bytes(8)
        + GUID_TEXT.encode("utf-16-le")
        + bytes(8)
        + struct.pack("<I", flags)
        + struct.pack("<4Q", *(len(s) for s in sections))
    )
    assert len(header) == mk.HEADER_SIZE
    return header + b"".join(sections)


def test_master_key_section():
    raw = _section(0x800E, 0x6610, bytes(144))
    obj = {
        "version": 2,
        "salt": bytes(range(16)),
        "rounds": 8000,
        "hash_algorithm": "CALG_SHA_512",
        "crypt_algorithm": "CALG_AES_256",
        "ciphertext": bytes(144),
    }
    assert_roundtrip(mk.master_key_section, raw, obj)
    hmac_sha1 = mk.master_key_section.parse(_section(0x8009, 0x6603, bytes(104)))
    assert (hmac_sha1.hash_algorithm, hmac_sha1.crypt_algorithm) == ("CALG_HMAC", "CALG_3DES")


def test_system_style_file():
    master = _section(0x800E, 0x6610, bytes(144))
    backup = _section(0x800E, 0x6610, bytes(112))
    credhist = struct.pack("<I", 3) + bytes(16)
    raw = _file(6, [master, backup, credhist, b""])
    parsed = mk.master_key_file.parse(raw)
    assert parsed.guid == GUID_TEXT
    assert plain(parsed.flags) == all_flags(mk.master_key_flags, "NO_BACKUP", "SHA1_PREKEY")
    assert (parsed.master_key_length, parsed.backup_key_length) == (176, 144)
    assert plain(parsed.credhist) == {"version": 3, "guid": bytes(16)}
    assert parsed.domain_key is None
    assert_roundtrip(mk.master_key_file, raw, parsed)


def test_domain_key_section():
    raw = struct.pack("<III", 2, 4, 3) + bytes(range(16)) + b"SECR" + b"ACK"
    obj = {
        "version": 2,
        "secret_length": 4,
        "access_check_length": 3,
        "backup_key_guid": bytes(range(16)),
        "secret": b"SECR",
        "access_check": b"ACK",
    }
    assert_roundtrip(mk.domain_key_section, raw, obj)


def test_preferred():
    raw = bytes(range(16)) + struct.pack("<Q", 133590384000000000)
    obj = {
        "guid": bytes(range(16)),
        "expires": Filetime(133590384000000000, datetime(2024, 5, 1, 12, tzinfo=UTC)),
    }
    assert_roundtrip(mk.preferred, raw, obj)
    assert len(raw) == mk.PREFERRED_SIZE


def test_every_corpus_master_key_file_round_trips(corpus: Path):
    files = [
        path
        for path in sorted((corpus / "dpapi").rglob("*"))
        if path.is_file()
        and path.suffix not in {".json", ".md", ".txt"}
        and "blob" not in path.name
    ]
    seen = set()
    for path in files:
        raw = path.read_bytes()
        if raw[:4] != b"\x02\x00\x00\x00" or len(raw) < mk.HEADER_SIZE:
            continue
        parsed = mk.master_key_file.parse(raw)
        assert parsed.version == mk.MASTER_KEY_FILE_VERSION
        lengths = (
            parsed.master_key_length,
            parsed.backup_key_length,
            parsed.credhist_length,
            parsed.domain_key_length,
        )
        assert mk.HEADER_SIZE + sum(lengths) == len(raw), path.name
        assert mk.master_key_file.build(parsed) == raw, path.name
        seen.add(parsed.guid)
    # SYSTEM keys of Nemesis and impacket, DPAPIck's user keys, Nemesis' domain keys.
    assert {
        "dd26f81a-4ed9-49fd-8b45-42723d8ae006",
        "fb1190c1-123d-45f8-95f4-32aee28fe2eb",
        "ea95eba8-ba00-4e1a-b43f-51ea30171d11",
        "9fb6442f-626a-4980-9c85-d238be955b3c",
        "ed93694f-5a6d-46e2-b821-219f2c0ecd4d",
    } <= seen


def test_nemesis_domain_key_section(corpus: Path):
    """KNOWN_ANSWERS.md: sizes 176/144, domain backup key blob 428 bytes, version 3,
    cbEncryptedMasterKey 256, cbEncryptedPayload 144,
    backup key 7efa51b1-2523-45bf-acba-2e15ecf4f1e7."""
    parsed = mk.master_key_file.parse(
        (corpus / "dpapi" / "nemesis" / "masterkey_domain.bin").read_bytes()
    )
    assert (parsed.master_key_length, parsed.backup_key_length, parsed.domain_key_length) == (
        176,
        144,
        428,
    )
    domain = parsed.domain_key
    assert (domain.version, domain.secret_length, domain.access_check_length) == (3, 256, 144)
    assert str(uuid.UUID(bytes_le=domain.backup_key_guid)) == "7efa51b1-2523-45bf-acba-2e15ecf4f1e7"
