"""The LSA policy key and LSA secrets of a SECURITY hive (dpapi.md §2.2, §2.3, §3.1).

Two eras:

* **NT6** (Vista and later): ``Policy\\PolEKList`` is decrypted with the boot key and holds
  the LSA keys by GUID; each secret names the key that encrypted it. Both layers use
  ``k = SHA256(key ‖ salt^1000)`` and AES-256-ECB.
* **NT5** (XP, 2003): ``Policy\\PolSecretEncryptionKey`` is RC4-decrypted under
  ``MD5(boot key ‖ salt^1000)``; secrets are DES-ECB with a sliding 7-byte window of the
  16-byte LSA key (SystemFunction005).

A wrong key is caught wherever the plaintext can tell: the length fields of the decrypted
structures, and for NT5 the fixed first part of the key list (see :data:`NT5_KEY_LIST_MARKER`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from hiveparse.crypto._primitives import (
    aes_ecb_decrypt,
    des_ecb_decrypt,
    des_key_from_56_bits,
    parse_struct,
    rc4,
    repeated_salt_hash,
)
from hiveparse.crypto.errors import (
    MalformedInput,
    MissingKeyMaterial,
    TruncatedInput,
    UnsupportedAlgorithm,
    WrongKey,
)
from hiveparse.model import Hive, Key
from hiveparse.schemas import lsa as schema

POL_EK_LIST = "Policy\\PolEKList"
POL_SECRET_ENCRYPTION_KEY = "Policy\\PolSecretEncryptionKey"
POL_REVISION = "Policy\\PolRevision"
SECRETS = "Policy\\Secrets"

SecretSlot = Literal["CurrVal", "OldVal"]
SECRET_SLOTS: tuple[SecretSlot, SecretSlot] = ("CurrVal", "OldVal")
_UPDATE_TIME = {"CurrVal": "CupdTime", "OldVal": "OupdTime"}

# The first 16 of the 48 decrypted PolSecretEncryptionKey bytes were the same GUID,
# {f0ce3a80-155f-11d3-b7e6-00805f48caeb}, on every NT5 sample we have (BitCurator XP, the
# dissect.target XP vector, DPAPIck's NT5 vector); a wrong boot key gives random bytes there.
# Its meaning is not publicly documented: it serves here only as the wrong-key check.
NT5_KEY_LIST_MARKER = uuid.UUID("f0ce3a80-155f-11d3-b7e6-00805f48caeb").bytes_le


class LsaEra(StrEnum):
    NT5 = "nt5"
    NT6 = "nt6"


@dataclass(frozen=True)
class LsaKey:
    """The LSA key(s). NT6 keeps every PolEKList entry by GUID; NT5 has a single key."""

    era: LsaEra
    key: bytes = field(repr=False)
    key_id: uuid.UUID | None = None
    keys: dict[uuid.UUID, bytes] = field(default_factory=dict, repr=False)
    source: str = ""

    def key_for(self, key_id: uuid.UUID) -> bytes:
        """The NT6 key a secret names; a single NT5 key serves every secret."""
        if self.era is LsaEra.NT5:
            return self.key
        found = self.keys.get(key_id)
        if found is None:
            raise WrongKey(f"LSA secret: encrypted under LSA key {key_id}, which PolEKList lacks")
        return found


# -- NT6 ---------------------------------------------------------------------------------------


def _nt6_unwrap(value: bytes, key: bytes, what: str) -> tuple[uuid.UUID, bytes]:
    """Decrypt an NT6 wrapper with ``key``: the key id it names and the secret inside."""
    wrapper = parse_struct(schema.lsa_secret_nt6, value, what)
    if wrapper.version != schema.NT6_SECRET_VERSION:
        raise UnsupportedAlgorithm(f"{what}: wrapper version 0x{wrapper.version:08x}")
    if not wrapper.ciphertext:
        raise MalformedInput(
            f"{what}: no ciphertext after the {schema.NT6_HEADER_SIZE}-byte header"
        )
    ciphertext = bytes(wrapper.ciphertext)
    aes_key = repeated_salt_hash("sha256", key, bytes(wrapper.salt))
    plaintext = aes_ecb_decrypt(aes_key, ciphertext)  # a partial last block is zero-padded
    length = int.from_bytes(plaintext[:4], "little")
    if length > len(plaintext) - 16:
        raise WrongKey(
            f"{what}: the key does not open it (decrypted length {length} is impossible)"
        )
    if 16 + length > len(ciphertext) - len(ciphertext) % 16:
        raise TruncatedInput(f"{what}: the ciphertext ends inside the secret")
    blob = parse_struct(schema.lsa_secret_blob, plaintext, what)
    return uuid.UUID(bytes_le=bytes(wrapper.enc_key_id)), bytes(blob.secret)


def decrypt_pol_ek_list(value: bytes, boot_key: bytes) -> LsaKey:
    """The Vista+ LSA keys from the ``PolEKList`` value and the boot key (dpapi.md §3.1)."""
    _, secret = _nt6_unwrap(value, boot_key, "PolEKList")
    listing = parse_struct(schema.lsa_key_list, secret, "PolEKList key list")
    keys = {uuid.UUID(bytes_le=bytes(entry.key_id)): bytes(entry.key) for entry in listing.entries}
    current = uuid.UUID(bytes_le=bytes(listing.current_key_id))
    if current not in keys:
        raise MalformedInput(f"PolEKList: the current key {current} is not in its key list")
    if any(len(key) != 32 for key in keys.values()):
        raise UnsupportedAlgorithm("PolEKList: an LSA key is not 32 bytes (AES-256)")
    return LsaKey(LsaEra.NT6, keys[current], current, keys, POL_EK_LIST)


def decrypt_secret_nt6(value: bytes, key: bytes | LsaKey) -> bytes:
    """An NT6 secret's plaintext: ``key`` is the 32-byte LSA key, or the keys to choose from."""
    if isinstance(key, LsaKey):
        wrapper = parse_struct(schema.lsa_secret_nt6, value, "LSA secret")
        key = key.key_for(uuid.UUID(bytes_le=bytes(wrapper.enc_key_id)))
    return _nt6_unwrap(value, key, "LSA secret")[1]


# -- NT5 ---------------------------------------------------------------------------------------


def decrypt_pol_secret_encryption_key(value: bytes, boot_key: bytes) -> LsaKey:
    """The XP/2003 LSA key from ``PolSecretEncryptionKey`` and the boot key (dpapi.md §3.1)."""
    stored = parse_struct(schema.pol_secret_encryption_key, value, "PolSecretEncryptionKey")
    rc4_key = repeated_salt_hash("md5", boot_key, bytes(stored.salt))
    plaintext = parse_struct(
        schema.nt5_lsa_key_plaintext, rc4(rc4_key, bytes(stored.ciphertext)), "NT5 key list"
    )
    if bytes(plaintext.head) != NT5_KEY_LIST_MARKER:
        raise WrongKey("PolSecretEncryptionKey: the boot key does not open it")
    return LsaKey(LsaEra.NT5, bytes(plaintext.lsa_key), source=POL_SECRET_ENCRYPTION_KEY)


def system_function_005(ciphertext: bytes, key: bytes) -> bytes:
    """Decrypt NT5 secret data: DES-ECB per 8-byte block under a sliding 7-byte key window.

    The window moves by 7 and restarts at the number of bytes left when fewer than 7
    remain: offsets 0, 7, 2, 9, 0, ... (dpapi.md §3.1). Returns the secret, after the u32
    length and u32 version of the plaintext.
    """
    if len(key) != 16:
        raise MalformedInput(f"NT5 LSA key of {len(key)} bytes, expected 16")
    if not ciphertext or len(ciphertext) % 8:
        raise MalformedInput(f"NT5 secret: {len(ciphertext)} bytes are not whole DES blocks")
    plaintext = bytearray()
    offset = 0
    for start in range(0, len(ciphertext), 8):
        des_key = des_key_from_56_bits(key[offset : offset + 7])
        plaintext += des_ecb_decrypt(des_key, ciphertext[start : start + 8])
        offset += 7
        if len(key) - offset < 7:
            offset = len(key) - offset
    length = int.from_bytes(plaintext[:4], "little")
    version = int.from_bytes(plaintext[4:8], "little")
    # Every NT5 secret seen (all 36 CurrVal/OldVal values of the BitCurator XP hive) has
    # version 1; a wrong key gives a random length and version.
    if length > len(plaintext) - 8 or version != 1:
        raise WrongKey("NT5 secret: the key does not open it (impossible length or version)")
    parsed = parse_struct(schema.lsa_secret_nt5_plaintext, bytes(plaintext), "NT5 secret")
    return bytes(parsed.secret)


def decrypt_secret_nt5(value: bytes, key: bytes | LsaKey) -> bytes:
    """An NT5 secret's plaintext from its stored value (12-byte header, then DES data)."""
    stored = parse_struct(schema.lsa_secret_nt5, value, "NT5 LSA secret")
    raw_key = key.key if isinstance(key, LsaKey) else key
    return system_function_005(bytes(stored.ciphertext), raw_key)


# -- either era, from a hive -------------------------------------------------------------------


def decrypt_secret(value: bytes, lsa_key: LsaKey) -> bytes:
    """A secret's plaintext (the bytes after the LSA header), in the era of ``lsa_key``."""
    if lsa_key.era is LsaEra.NT6:
        return decrypt_secret_nt6(value, lsa_key)
    return decrypt_secret_nt5(value, lsa_key)


def _root(hive: Hive | Key) -> Key:
    return hive.root() if isinstance(hive, Hive) else hive


def _default_value(root: Key, path: str) -> bytes | None:
    key = root.find(path)
    value = None if key is None else key.value("")
    return None if value is None or not value.raw else value.raw


def read_pol_revision(security: Hive | Key) -> tuple[int, int] | None:
    """``Policy\\PolRevision`` as (major, minor): XP is 1.7."""
    raw = _default_value(_root(security), POL_REVISION)
    if raw is None:
        return None
    revision = parse_struct(schema.pol_revision, raw[:4], "PolRevision")
    return revision.major, revision.minor


def read_lsa_key(security: Hive | Key, boot_key: bytes) -> LsaKey:
    """The LSA key of a SECURITY hive: PolEKList when present, else PolSecretEncryptionKey."""
    root = _root(security)
    nt6 = _default_value(root, POL_EK_LIST)
    if nt6 is not None:
        return decrypt_pol_ek_list(nt6, boot_key)
    nt5 = _default_value(root, POL_SECRET_ENCRYPTION_KEY)
    if nt5 is not None:
        return decrypt_pol_secret_encryption_key(nt5, boot_key)
    raise MissingKeyMaterial(
        "SECURITY hive has neither Policy\\PolEKList nor PolSecretEncryptionKey"
    )


def secret_names(security: Hive | Key) -> list[str]:
    """The names under ``Policy\\Secrets``, in stored order."""
    secrets = _root(security).find(SECRETS)
    return [] if secrets is None else [key.name for key in secrets.subkeys()]


def read_secret_value(
    security: Hive | Key, name: str, slot: SecretSlot = "CurrVal"
) -> bytes | None:
    """The stored (encrypted) ``CurrVal`` or ``OldVal`` of a secret; None when absent or empty."""
    return _default_value(_root(security), f"{SECRETS}\\{name}\\{slot}")


def read_secret_update_time(
    security: Hive | Key, name: str, slot: SecretSlot = "CurrVal"
) -> int | None:
    """The raw FILETIME of ``CupdTime`` (for CurrVal) or ``OupdTime`` (for OldVal)."""
    raw = _default_value(_root(security), f"{SECRETS}\\{name}\\{_UPDATE_TIME[slot]}")
    return None if raw is None or len(raw) != 8 else int.from_bytes(raw, "little")
