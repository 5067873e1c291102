"""The protect side of DPAPI: master key files, ``Preferred`` and blobs (dpapi.md §2.5, §2.6,
§3.3, §3.4).

Each function is the exact inverse of one in :mod:`~hiveparse.crypto.masterkey` or
:mod:`~hiveparse.crypto.blob` and reuses their key derivations (Microsoft's PBKDF2, the
session key MAC, CryptDeriveKey); every structure is built with the declarations of
:mod:`hiveparse.schemas.dpapi_masterkey` and :mod:`hiveparse.schemas.dpapi`. Salts come from
the caller's :data:`~hiveparse.crypto.protect_random.RandomBytes`, in the order each
docstring gives, so a structure with known salts is rebuilt byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from typing import Any

from hiveparse.crypto._primitives import (
    CALG_3DES,
    CALG_AES_256,
    CALG_SHA_512,
    cbc_encrypt,
    cipher_spec,
    hash_spec,
    pad_pkcs7,
)
from hiveparse.crypto.blob import MacVariant, crypt_derive_key, dpapi_mac
from hiveparse.crypto.masterkey import (
    HMAC_SALT_SIZE,
    MASTER_KEY_SIZE,
    MasterKey,
    dpapi_pbkdf2,
)
from hiveparse.crypto.protect_random import RandomBytes
from hiveparse.schemas import dpapi as blob_schema
from hiveparse.schemas import dpapi_masterkey as schema

MASTER_KEY_SECTION_VERSION = 2
MASTER_KEY_SALT_SIZE = 16
CREDHIST_VERSION = 3  # observed in every file
SYSTEM_MASTER_KEY_FLAGS = 0x6  # what Windows writes for Protect\S-1-5-18 keys (dpapi.md §2.5)
SYSTEM_CREDHIST_GUID = bytes(16)  # SYSTEM keys have no CREDHIST entry
DEFAULT_ROUNDS = 8000  # the Nemesis SYSTEM keys (Windows 10); impacket's has 17400
PRE_KEY_SIZE = 20
# The backup key section holds 32 bytes, not 64: its ciphertext is 112 bytes with AES-256 and
# SHA-512 (16 + 64 + 32) and 72 with 3DES and SHA-1 (16 + 20 + 4 + 32) in every file we have.
BACKUP_KEY_SIZE = 32
PREFERRED_LIFETIME = timedelta(days=90)  # keys are rolled over every 90 days (dpapi.md §2.5)

BLOB_LOCAL_MACHINE = 0x4  # the stored flag of a LocalMachine-scope blob (dpapi.md §2.6)
# dwAlgCryptLen in bits: 168 for 3DES in the XP and Vista blobs of dissect.target and DPAPIck
# (impacket's credential file says 192: pass ``crypt_key_bits`` to write that).
_KEY_BITS = {CALG_3DES: 168, CALG_AES_256: 256}


# -- master key files: dpapi.md §2.5, §3.3 ----------------------------------------------------


def protect_master_key(
    master_key: bytes,
    pre_key: bytes,
    random_bytes: RandomBytes,
    *,
    rounds: int = DEFAULT_ROUNDS,
    hash_algorithm: int = CALG_SHA_512,
    crypt_algorithm: int = CALG_AES_256,
) -> bytes:
    """A master key section: ``master_key`` (64 bytes; 32 for a backup key section) protected
    under ``pre_key``.

    The plaintext is the HMAC salt, ``HMAC(HMAC(pre_key, hmac_salt), master_key)``, filler up
    to whole cipher blocks (4 bytes for a 3DES/SHA-1 master key), then the key;
    key and IV come from Microsoft's PBKDF2. Draws the salt (16), the HMAC salt (16), then the
    filler.
    """
    if len(master_key) not in (MASTER_KEY_SIZE, BACKUP_KEY_SIZE):
        raise ValueError(f"master key: {len(master_key)} bytes, expected 64 (32: backup key)")
    hashing = hash_spec(hash_algorithm, "master key")
    cipher = cipher_spec(crypt_algorithm, "master key")
    salt = random_bytes(MASTER_KEY_SALT_SIZE)
    hmac_salt = random_bytes(HMAC_SALT_SIZE)
    check_key = hmac.digest(pre_key, hmac_salt, hashing.name)
    head = hmac_salt + hmac.digest(check_key, master_key, hashing.name)
    filler_size = -(len(head) + len(master_key)) % cipher.block_size
    filler = random_bytes(filler_size) if filler_size else b""
    derived = dpapi_pbkdf2(
        hashing.name, pre_key, salt, rounds, cipher.key_length + cipher.block_size
    )
    ciphertext = cbc_encrypt(
        cipher,
        derived[: cipher.key_length],
        derived[cipher.key_length :],
        head + filler + master_key,
    )
    return bytes(
        schema.master_key_section.build(
            {
                "version": MASTER_KEY_SECTION_VERSION,
                "salt": salt,
                "rounds": rounds,
                "hash_algorithm": hash_algorithm,
                "crypt_algorithm": crypt_algorithm,
                "ciphertext": ciphertext,
            }
        )
    )


def build_master_key_file(
    guid: uuid.UUID,
    master_key_section: bytes,
    *,
    backup_key_section: bytes | None = None,
    credhist_guid: bytes | None = SYSTEM_CREDHIST_GUID,
    flags: int = SYSTEM_MASTER_KEY_FLAGS,
) -> bytes:
    """A master key file: the 128-byte header (GUID text, flags, section lengths), then the
    master key, backup key and CREDHIST sections. No domain key section (SYSTEM and local keys
    have none)."""
    sections: dict[str, Any] = {
        "master_key": schema.master_key_section.parse(master_key_section),
        "backup_key": None,
        "credhist": None,
    }
    lengths = {"master_key": len(master_key_section), "backup_key": 0, "credhist": 0}
    if backup_key_section is not None:
        sections["backup_key"] = schema.master_key_section.parse(backup_key_section)
        lengths["backup_key"] = len(backup_key_section)
    if credhist_guid is not None:
        sections["credhist"] = {"version": CREDHIST_VERSION, "guid": credhist_guid}
        lengths["credhist"] = schema.credhist_section.sizeof()
    return bytes(
        schema.master_key_file.build(
            {
                "version": schema.MASTER_KEY_FILE_VERSION,
                "reserved_after_version": bytes(8),
                "guid": str(guid),
                "reserved_after_guid": bytes(8),
                "flags": flags,
                "master_key_length": lengths["master_key"],
                "backup_key_length": lengths["backup_key"],
                "credhist_length": lengths["credhist"],
                "domain_key_length": 0,
                "domain_key": None,
                **sections,
            }
        )
    )


def protect_master_key_file(
    guid: uuid.UUID,
    master_key: bytes,
    pre_key: bytes,
    random_bytes: RandomBytes,
    *,
    rounds: int = DEFAULT_ROUNDS,
    flags: int = SYSTEM_MASTER_KEY_FLAGS,
    backup_key: bool = True,
) -> bytes:
    """A ``Protect\\S-1-5-18`` master key file as modern Windows writes one: AES-256/SHA-512,
    flags 6, master key, backup key and an empty CREDHIST section (468 bytes).

    ``pre_key`` is the DPAPI_SYSTEM machine key (or the user key, for ``S-1-5-18\\User``).
    Which key protects Windows' backup key section is not public: neither DPAPI_SYSTEM key
    opens it in the Nemesis or impacket files. Here that section has Windows' shape and size
    but protects 32 random bytes under a random pre-key. Draws the master key section's
    salts, then (with ``backup_key``) a pre-key (20), a key (32) and that section's salts.
    """
    section = protect_master_key(master_key, pre_key, random_bytes, rounds=rounds)
    backup = None
    if backup_key:
        backup_pre_key = random_bytes(PRE_KEY_SIZE)
        backup_secret = random_bytes(BACKUP_KEY_SIZE)
        backup = protect_master_key(backup_secret, backup_pre_key, random_bytes, rounds=rounds)
    return build_master_key_file(guid, section, backup_key_section=backup, flags=flags)


def build_preferred(guid: uuid.UUID, expires: datetime) -> bytes:
    """The 24-byte ``Preferred`` file: the current master key's GUID and its expiry."""
    return bytes(schema.preferred.build({"guid": guid.bytes_le, "expires": expires}))


# -- blobs: dpapi.md §2.6, §3.4 ----------------------------------------------------------------


def protect_blob(
    plaintext: bytes,
    master_key: bytes | MasterKey,
    master_key_guid: uuid.UUID,
    random_bytes: RandomBytes,
    *,
    entropy: bytes | None = None,
    description: str = "",
    flags: int = BLOB_LOCAL_MACHINE,
    crypt_algorithm: int = CALG_AES_256,
    hash_algorithm: int = CALG_SHA_512,
    mac_variant: MacVariant = MacVariant.RFC,
    crypt_key_bits: int | None = None,
) -> bytes:
    """A DPAPI blob over ``plaintext`` under a decrypted master key, as ``CryptProtectData``
    writes it; the inverse of :func:`~hiveparse.crypto.blob.decrypt_blob`.

    With ``kh = SHA1(master key)``: session key ``MAC(kh, salt ‖ entropy)``, CryptDeriveKey,
    CBC with a zero IV over the PKCS#7-padded plaintext, then the signature
    ``MAC(kh, hmac2_key ‖ entropy ‖ signed region)``. ``mac_variant`` XP gives the form of
    XP-era SHA-1 blobs. Draws the salt, then the HMAC key: 32 bytes each with SHA-512, 16
    with SHA-1.
    """
    raw = master_key.key if isinstance(master_key, MasterKey) else master_key
    key_hash = hashlib.sha1(raw).digest()
    cipher = cipher_spec(crypt_algorithm, "DPAPI blob")
    hashing = hash_spec(hash_algorithm, "DPAPI blob")
    salt_size = 32 if hashing.digest_size > 20 else 16  # dpapi.md §2.6: 32 / 16
    salt = random_bytes(salt_size)
    hmac2_key = random_bytes(salt_size)
    extra = entropy or b""
    session = dpapi_mac(mac_variant, key_hash, salt, extra, hashing.name)
    key = crypt_derive_key(session, cipher.key_length, hashing.name)
    data = cbc_encrypt(
        cipher, key, bytes(cipher.block_size), pad_pkcs7(plaintext, cipher.block_size)
    )
    encoded_description = (description + "\0").encode("utf-16-le")
    fields: dict[str, Any] = {
        "version": blob_schema.BLOB_VERSION,
        "provider": blob_schema.PROVIDER_GUID,
        "master_key_version": 1,
        "master_key_guid": master_key_guid.bytes_le,
        "flags": flags,
        "description_length": len(encoded_description),
        "description": encoded_description,
        "crypt_algorithm": crypt_algorithm,
        "crypt_key_bits": _KEY_BITS[crypt_algorithm] if crypt_key_bits is None else crypt_key_bits,
        "salt_length": len(salt),
        "salt": salt,
        "hmac_key_length": 0,
        "hmac_key": b"",
        "hash_algorithm": hash_algorithm,
        "hash_bits": hashing.digest_size * 8,
        "hmac2_key_length": len(hmac2_key),
        "hmac2_key": hmac2_key,
        "data_length": len(data),
        "data": data,
        "sign_length": 0,
        "sign": b"",
    }
    unsigned = bytes(blob_schema.dpapi_blob.build(fields))
    region = unsigned[blob_schema.SIGNED_REGION_START : len(unsigned) - 4]
    sign = dpapi_mac(mac_variant, key_hash, hmac2_key, extra + region, hashing.name)
    return bytes(blob_schema.dpapi_blob.build({**fields, "sign_length": len(sign), "sign": sign}))
