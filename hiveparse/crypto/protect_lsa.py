"""The protect side of the LSA layer: boot key class names, LSA keys, LSA secrets, DPAPI_SYSTEM.

Each function is the exact inverse of one in :mod:`~hiveparse.crypto.bootkey`,
:mod:`~hiveparse.crypto.lsa` or :mod:`~hiveparse.crypto.dpapi_system` (dpapi.md §2.1-§2.4,
§3.1), and builds every structure with the declarations of :mod:`hiveparse.schemas.lsa`.
Salts come from the caller's :data:`~hiveparse.crypto.protect_random.RandomBytes`; the
constants are the values every real sample carries (dpapi.md §2.2, §2.3; the BitCurator XP
hive and the modern SECURITY hives of the corpus).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping

from hiveparse.crypto._primitives import (
    aes_ecb_encrypt,
    des_ecb_encrypt,
    des_key_from_56_bits,
    rc4,
    repeated_salt_hash,
)
from hiveparse.crypto.bootkey import LSA_CLASS_KEYS, PERMUTATION
from hiveparse.crypto.lsa import NT5_KEY_LIST_MARKER, LsaEra, LsaKey
from hiveparse.crypto.protect_random import RandomBytes
from hiveparse.schemas import lsa as schema

BOOT_KEY_SIZE = 16
NT6_LSA_KEY_SIZE = 32
NT5_LSA_KEY_SIZE = 16
DPAPI_SYSTEM_KEY_SIZE = 20

# The key id of every PolEKList wrapper seen (dpapi.md §2.2): not the id of an LSA key.
POL_EK_LIST_KEY_ID = uuid.UUID("7be1ffec-992a-4074-aa93-9adbff26f1fc")
NT6_ENC_ALGORITHM = 3  # the wrapper's algorithm field in every sample
LSA_KEY_TYPE = 3  # key type of the current key and of each entry
LSA_KEY_LIST_REVISION = 3
# PolRevision 1.12: Windows 8.1 to Server 2019-era hives of the corpus (Eric Zimmerman's,
# a Server 2016/2019 domain controller, a 2025 Windows 10 export); 1.18 on regipy's, 1.7 on XP.
VISTA_PLUS_POL_REVISION = (1, 12)

NT5_POLICY_HEADER = bytes.fromhex("010000000100000000000000")  # dpapi.md §2.2
NT5_SALT_SIZE = 16
NT5_SECRET_VERSION = 1
# maximum_length is 0x20000000 | length on all 36 secret values of the BitCurator XP hive.
NT5_MAXIMUM_LENGTH_FLAG = 0x20000000
_DES_BLOCK = 8
_AES_BLOCK = 16
_NT6_BLOB_HEADER = 16  # LSA_SECRET_BLOB: u32 length, 12 reserved bytes
_NT5_PLAINTEXT_HEADER = 8  # u32 length, u32 version


def _zero_fill(size: int, block: int) -> bytes:
    """The zero bytes that bring ``size`` to whole blocks (LSA plaintexts are zero-padded)."""
    return bytes(-size % block)


def _check_size(what: str, data: bytes, size: int) -> None:
    if len(data) != size:
        raise ValueError(f"{what}: {len(data)} bytes, expected {size}")


# -- dpapi.md §2.1: the boot key as class names -------------------------------------------------


def class_names_from_boot_key(boot_key: bytes) -> dict[str, str]:
    """The JD, Skew1, GBG and Data class names that give ``boot_key``: 8 lowercase hex digits
    each, as Windows writes them (every SYSTEM hive of the corpus)."""
    _check_size("boot key", boot_key, BOOT_KEY_SIZE)
    scrambled = bytearray(BOOT_KEY_SIZE)
    for index, source in enumerate(PERMUTATION):  # bootkey[i] = scrambled[P[i]]
        scrambled[source] = boot_key[index]
    text = scrambled.hex()
    return {name: text[8 * slot : 8 * slot + 8] for slot, name in enumerate(LSA_CLASS_KEYS)}


def build_pol_revision(major: int, minor: int) -> bytes:
    """The 4 bytes of ``Policy\\PolRevision``."""
    return bytes(schema.pol_revision.build({"minor": minor, "major": major}))


# -- NT6: dpapi.md §2.2, §2.3, §3.1 ------------------------------------------------------------


def protect_secret_nt6(
    secret: bytes, key: bytes, key_id: uuid.UUID, random_bytes: RandomBytes
) -> bytes:
    """A Vista+ LSA secret value (CurrVal/OldVal), or the body of PolEKList.

    The LSA_SECRET_BLOB (length, 12 zero bytes, secret, zero padding to 16) is AES-256-ECB
    encrypted under ``SHA256(key ‖ salt^1000)``; the wrapper names ``key_id``. Draws the
    32-byte salt.
    """
    salt = random_bytes(schema.NT6_SALT_SIZE)
    plaintext = schema.lsa_secret_blob.build(
        {
            "length": len(secret),
            "reserved": bytes(12),
            "secret": secret,
            "padding": _zero_fill(_NT6_BLOB_HEADER + len(secret), _AES_BLOCK),
        }
    )
    ciphertext = aes_ecb_encrypt(repeated_salt_hash("sha256", key, salt), plaintext)
    return bytes(
        schema.lsa_secret_nt6.build(
            {
                "version": schema.NT6_SECRET_VERSION,
                "enc_key_id": key_id.bytes_le,
                "enc_algorithm": NT6_ENC_ALGORITHM,
                "flags": 0,
                "salt": salt,
                "ciphertext": ciphertext,
            }
        )
    )


def build_lsa_key_list(keys: Mapping[uuid.UUID, bytes], current: uuid.UUID) -> bytes:
    """The key list inside PolEKList: the current key's id, then every key by id."""
    if current not in keys:
        raise ValueError(f"LSA key list: the current key {current} is not among the keys")
    for key in keys.values():
        _check_size("LSA key", key, NT6_LSA_KEY_SIZE)
    entries = [
        {"key_id": key_id.bytes_le, "key_type": LSA_KEY_TYPE, "key_length": len(key), "key": key}
        for key_id, key in keys.items()
    ]
    return bytes(
        schema.lsa_key_list.build(
            {
                "revision": LSA_KEY_LIST_REVISION,
                "current_key_id": current.bytes_le,
                "current_key_type": LSA_KEY_TYPE,
                "key_count": len(entries),
                "entries": entries,
            }
        )
    )


def protect_pol_ek_list(
    keys: Mapping[uuid.UUID, bytes],
    current: uuid.UUID,
    boot_key: bytes,
    random_bytes: RandomBytes,
) -> bytes:
    """The ``Policy\\PolEKList`` value: the LSA keys, encrypted under the boot key. Draws the
    salt."""
    _check_size("boot key", boot_key, BOOT_KEY_SIZE)
    return protect_secret_nt6(
        build_lsa_key_list(keys, current), boot_key, POL_EK_LIST_KEY_ID, random_bytes
    )


# -- NT5: dpapi.md §2.2, §2.3, §3.1 ------------------------------------------------------------


def protect_pol_secret_encryption_key(
    lsa_key: bytes, boot_key: bytes, random_bytes: RandomBytes
) -> bytes:
    """The XP/2003 ``Policy\\PolSecretEncryptionKey`` value: the 16-byte LSA key, RC4-encrypted
    under ``MD5(boot key ‖ salt^1000)`` between the fixed first part and a last part that is
    random-looking in every sample. Draws the salt (16), then that last part (16)."""
    _check_size("NT5 LSA key", lsa_key, NT5_LSA_KEY_SIZE)
    _check_size("boot key", boot_key, BOOT_KEY_SIZE)
    salt = random_bytes(NT5_SALT_SIZE)
    plaintext = schema.nt5_lsa_key_plaintext.build(
        {"head": NT5_KEY_LIST_MARKER, "lsa_key": lsa_key, "tail": random_bytes(16)}
    )
    ciphertext = rc4(repeated_salt_hash("md5", boot_key, salt), plaintext)
    return bytes(
        schema.pol_secret_encryption_key.build(
            {"header": NT5_POLICY_HEADER, "ciphertext": ciphertext, "salt": salt}
        )
    )


def _key_windows(key: bytes, blocks: int) -> Iterator[bytes]:
    """SystemFunction005's sliding 7-byte window over the key: offsets 0, 7, 2, 9, 0, ..."""
    offset = 0
    for _ in range(blocks):
        yield key[offset : offset + 7]
        offset += 7
        if len(key) - offset < 7:
            offset = len(key) - offset


def system_function_004(plaintext: bytes, key: bytes) -> bytes:
    """Encrypt NT5 secret data: DES-ECB per 8-byte block under the sliding key window, the
    inverse of :func:`~hiveparse.crypto.lsa.system_function_005`."""
    _check_size("NT5 LSA key", key, NT5_LSA_KEY_SIZE)
    if len(plaintext) % _DES_BLOCK:
        raise ValueError(f"NT5 secret: {len(plaintext)} bytes are not whole DES blocks")
    windows = _key_windows(key, len(plaintext) // _DES_BLOCK)
    return b"".join(
        des_ecb_encrypt(des_key_from_56_bits(window), plaintext[start : start + _DES_BLOCK])
        for start, window in zip(range(0, len(plaintext), _DES_BLOCK), windows, strict=True)
    )


def protect_secret_nt5(secret: bytes, lsa_key: bytes, *, buffer_offset: int = 0) -> bytes:
    """An XP/2003 LSA secret value: the 12-byte header, then SystemFunction004 of (length,
    version 1, secret, zero padding to 8). ``buffer_offset`` is the former pointer Windows
    leaves in the header (ignored when reading). Draws nothing."""
    plaintext = schema.lsa_secret_nt5_plaintext.build(
        {
            "length": len(secret),
            "version": NT5_SECRET_VERSION,
            "secret": secret,
            "padding": _zero_fill(_NT5_PLAINTEXT_HEADER + len(secret), _DES_BLOCK),
        }
    )
    ciphertext = system_function_004(bytes(plaintext), lsa_key)
    return bytes(
        schema.lsa_secret_nt5.build(
            {
                "length": len(ciphertext),
                "maximum_length": NT5_MAXIMUM_LENGTH_FLAG | len(ciphertext),
                "buffer_offset": buffer_offset,
                "ciphertext": ciphertext,
            }
        )
    )


def protect_secret(secret: bytes, lsa_key: LsaKey, random_bytes: RandomBytes) -> bytes:
    """A secret value in the era of ``lsa_key`` (the inverse of ``lsa.decrypt_secret``); NT6
    secrets are encrypted under the current key and name it."""
    if lsa_key.era is LsaEra.NT5:
        return protect_secret_nt5(secret, lsa_key.key)
    if lsa_key.key_id is None:
        raise ValueError("NT6 LSA key without a key id")
    return protect_secret_nt6(secret, lsa_key.key, lsa_key.key_id, random_bytes)


# -- dpapi.md §2.4 ----------------------------------------------------------------------------


def build_dpapi_system(machine_key: bytes, user_key: bytes) -> bytes:
    """The 44-byte DPAPI_SYSTEM secret: version 1, machine key, user key."""
    _check_size("DPAPI_SYSTEM machine key", machine_key, DPAPI_SYSTEM_KEY_SIZE)
    _check_size("DPAPI_SYSTEM user key", user_key, DPAPI_SYSTEM_KEY_SIZE)
    return bytes(
        schema.dpapi_system.build(
            {
                "version": schema.DPAPI_SYSTEM_VERSION,
                "machine_key": machine_key,
                "user_key": user_key,
            }
        )
    )
