"""DPAPI blob decryption with a decrypted master key (dpapi.md §2.6, §3.4).

With ``kh = SHA1(master key)``, the blob's salt and optional entropy give the session key,
Microsoft's CryptDeriveKey turns it into the cipher key, and the data is CBC-decrypted with a
zero IV. Two MAC forms exist: the RFC HMAC, and the XP form whose outer hash also takes the
entropy (and, for the signature, the signed region). The signature is checked first and
decides the form; a blob whose signature matches neither is
:class:`~hiveparse.crypto.errors.WrongKey` (wrong master key or wrong entropy).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from hiveparse.crypto._primitives import (
    cbc_decrypt,
    cipher_spec,
    enum_int,
    hash_spec,
    parse_struct,
    unpad_pkcs7,
)
from hiveparse.crypto.errors import MalformedInput, UnsupportedAlgorithm, WrongKey
from hiveparse.crypto.masterkey import MasterKey
from hiveparse.decode.dpapi_blob import decode_blob_header
from hiveparse.schemas import dpapi as schema


class MacVariant(StrEnum):
    """Which MAC construction opened the blob (dpapi.md §3.4)."""

    RFC = "rfc"
    XP = "xp"


@dataclass(frozen=True)
class DecryptedBlob:
    """A blob's plaintext (kept out of ``repr``) and how it was opened."""

    master_key_guid: str
    flags: int
    description: str
    crypt_algorithm: str
    hash_algorithm: str
    mac_variant: MacVariant
    plaintext: bytes = field(repr=False)


def _padded_keys(key: bytes, hash_name: str) -> tuple[bytes, bytes]:
    """``K⊕ipad`` and ``K⊕opad``: the key zero-padded to the hash's block size, XORed."""
    padded = key.ljust(hashlib.new(hash_name).block_size, b"\x00")
    return bytes(byte ^ 0x36 for byte in padded), bytes(byte ^ 0x5C for byte in padded)


def dpapi_mac(variant: MacVariant, key: bytes, first: bytes, rest: bytes, hash_name: str) -> bytes:
    """The RFC HMAC of ``first ‖ rest``, or the XP form ``H(K⊕opad ‖ H(K⊕ipad ‖ first) ‖ rest)``.

    The session key is ``dpapi_mac(kh, salt, entropy)``; the signature is
    ``dpapi_mac(kh, hmac2_key, entropy ‖ signed region)`` (dpapi.md §3.4).
    """
    if variant is MacVariant.RFC:
        return hmac.digest(key, first + rest, hash_name)
    inner_key, outer_key = _padded_keys(key, hash_name)
    inner = hashlib.new(hash_name, inner_key + first).digest()
    return hashlib.new(hash_name, outer_key + inner + rest).digest()


def crypt_derive_key(session_key: bytes, key_length: int, hash_name: str) -> bytes:
    """Microsoft's CryptDeriveKey: truncate, or expand ``H(sk⊕ipad) ‖ H(sk⊕opad)`` (§3.4)."""
    if len(session_key) >= key_length:
        return session_key[:key_length]
    inner_key, outer_key = _padded_keys(session_key, hash_name)
    expanded = (
        hashlib.new(hash_name, inner_key).digest() + hashlib.new(hash_name, outer_key).digest()
    )
    return expanded[:key_length]


def blob_master_key_guid(blob: bytes) -> uuid.UUID:
    """The GUID of the master key that opens a blob (its file name under ``Protect``)."""
    parsed = parse_struct(schema.dpapi_blob, blob, "DPAPI blob")
    return uuid.UUID(bytes_le=bytes(parsed.master_key_guid))


def decrypt_blob(
    blob: bytes, master_key: bytes | MasterKey, *, entropy: bytes | None = None
) -> DecryptedBlob:
    """Decrypt a DPAPI blob with its decrypted master key (64 bytes) and optional entropy."""
    raw = master_key.key if isinstance(master_key, MasterKey) else master_key
    return decrypt_blob_with_key_hash(blob, hashlib.sha1(raw).digest(), entropy=entropy)


def decrypt_blob_with_key_hash(
    blob: bytes, key_hash: bytes, *, entropy: bytes | None = None
) -> DecryptedBlob:
    """Decrypt a DPAPI blob given only ``SHA1(master key)`` (the ``GUID:SHA1`` tools print)."""
    parsed = parse_struct(schema.dpapi_blob, blob, "DPAPI blob")
    header = decode_blob_header(blob)
    if parsed.hmac_key_length:
        raise UnsupportedAlgorithm("DPAPI blob: protected with a strong password (not supported)")
    if not header.dpapi_shaped:
        raise MalformedInput(f"DPAPI blob: {header.problems[0].message}")
    what = f"DPAPI blob (master key {header.master_key_guid})"
    cipher = cipher_spec(enum_int(parsed.crypt_algorithm), what)
    hashing = hash_spec(enum_int(parsed.hash_algorithm), what)
    extra = entropy or b""
    region = blob[schema.SIGNED_REGION_START : len(blob) - 4 - parsed.sign_length]
    sign = bytes(parsed.sign)
    for variant in (MacVariant.RFC, MacVariant.XP):
        computed = dpapi_mac(
            variant, key_hash, bytes(parsed.hmac2_key), extra + region, hashing.name
        )
        if hmac.compare_digest(computed, sign):
            break
    else:
        raise WrongKey(f"{what}: signature mismatch (wrong master key or entropy)")
    session = dpapi_mac(variant, key_hash, bytes(parsed.salt), extra, hashing.name)
    key = crypt_derive_key(session, cipher.key_length, hashing.name)
    padded = cbc_decrypt(cipher, key, bytes(cipher.block_size), bytes(parsed.data), what)
    plaintext = unpad_pkcs7(padded, cipher.block_size)
    if plaintext is None:
        raise MalformedInput(f"{what}: the signature matches but the padding is not PKCS#7")
    return DecryptedBlob(
        master_key_guid=str(uuid.UUID(bytes_le=bytes(parsed.master_key_guid))),
        flags=int.from_bytes(blob[schema.FLAGS_OFFSET : schema.FLAGS_OFFSET + 4], "little"),
        description=header.description or "",
        crypt_algorithm=cipher.name,
        hash_algorithm=hashing.name,
        mac_variant=variant,
        plaintext=plaintext,
    )
