"""Thin wrappers over ``cryptography`` and ``hashlib`` shared by the chain's steps.

No cipher or hash is written here: AES, 3DES, DES and RC4 come from ``cryptography``, MD5 and
the SHA family from ``hashlib``. What is ours is the plumbing: the algorithm tables of
dpapi.md §2.5/§2.6, ECB/CBC calls, the repeated-salt hash of §3.1, the 56-to-64-bit DES key
spreading of §3.1 (SystemFunction005), PKCS#7 padding and unpadding, and construct parsing
that only ever raises our typed errors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from construct import Construct, ConstructError, Container, StreamError
from cryptography.hazmat.primitives.ciphers import BlockCipherAlgorithm, Cipher, modes
from cryptography.hazmat.primitives.ciphers.algorithms import AES

try:  # cryptography >= 43 keeps the legacy ciphers here
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, TripleDES
except ImportError:  # pragma: no cover - cryptography 42
    from cryptography.hazmat.primitives.ciphers.algorithms import (  # type: ignore[no-redef,attr-defined,unused-ignore]
        ARC4,
        TripleDES,
    )

from hiveparse.crypto.errors import MalformedInput, TruncatedInput, UnsupportedAlgorithm

CALG_3DES = 0x6603
CALG_AES_256 = 0x6610
CALG_SHA1 = 0x8004
CALG_HMAC = 0x8009  # master keys: HMAC-SHA1 (dpapi.md §2.5)
CALG_SHA_512 = 0x800E


@dataclass(frozen=True)
class CipherSpec:
    """A block cipher as DPAPI names it: ALG_ID, key and block sizes (dpapi.md §2.5, §2.6)."""

    alg_id: int
    name: str
    key_length: int
    block_size: int
    algorithm: Callable[[bytes], BlockCipherAlgorithm]


@dataclass(frozen=True)
class HashSpec:
    """A hash as DPAPI names it: ALG_ID, hashlib name, digest and block sizes."""

    alg_id: int
    name: str
    digest_size: int
    block_size: int


CIPHERS: dict[int, CipherSpec] = {
    CALG_3DES: CipherSpec(CALG_3DES, "3DES", 24, 8, TripleDES),
    CALG_AES_256: CipherSpec(CALG_AES_256, "AES-256", 32, 16, AES),
}
HASHES: dict[int, HashSpec] = {
    CALG_SHA1: HashSpec(CALG_SHA1, "sha1", 20, 64),
    CALG_HMAC: HashSpec(CALG_HMAC, "sha1", 20, 64),
    CALG_SHA_512: HashSpec(CALG_SHA_512, "sha512", 64, 128),
}


def cipher_spec(alg_id: int, what: str) -> CipherSpec:
    spec = CIPHERS.get(alg_id)
    if spec is None:
        raise UnsupportedAlgorithm(f"{what}: encryption algorithm 0x{alg_id:x} is not supported")
    return spec


def hash_spec(alg_id: int, what: str) -> HashSpec:
    spec = HASHES.get(alg_id)
    if spec is None:
        raise UnsupportedAlgorithm(f"{what}: hash algorithm 0x{alg_id:x} is not supported")
    return spec


def enum_int(value: object) -> int:
    """The integer behind a construct ``Enum`` field (named or not)."""
    number = getattr(value, "intvalue", value)
    if not isinstance(number, int):
        raise TypeError(f"not an enum value: {value!r}")
    return number


def parse_struct(schema: Construct, data: bytes, what: str) -> Container:
    """``schema.parse(data)``, with construct's errors turned into ours."""
    try:
        parsed: Container = schema.parse(data)
    except StreamError as error:
        raise TruncatedInput(f"{what}: truncated ({len(data)} bytes)") from error
    except ConstructError as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise MalformedInput(f"{what}: {reason}") from error
    return parsed


def repeated_salt_hash(name: str, head: bytes, salt: bytes, rounds: int = 1000) -> bytes:
    """``H(head ‖ salt^rounds)``: one context, the salt fed ``rounds`` times (dpapi.md §3.1)."""
    context = hashlib.new(name, head)
    for _ in range(rounds):
        context.update(salt)
    return context.digest()


def aes_ecb_decrypt(key: bytes, data: bytes) -> bytes:
    """AES-ECB; a last partial block is zero-padded first, as the LSA layer does (§3.1)."""
    if len(data) % 16:
        data = data + bytes(16 - len(data) % 16)
    decryptor = Cipher(AES(key), modes.ECB()).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def cbc_decrypt(spec: CipherSpec, key: bytes, iv: bytes, data: bytes, what: str) -> bytes:
    if not data or len(data) % spec.block_size:
        raise MalformedInput(
            f"{what}: ciphertext of {len(data)} bytes is not whole {spec.block_size}-byte blocks"
        )
    decryptor = Cipher(spec.algorithm(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def aes_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    """AES-ECB over whole blocks: the protect side of :func:`aes_ecb_decrypt` (callers pad)."""
    encryptor = Cipher(AES(key), modes.ECB()).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def cbc_encrypt(spec: CipherSpec, key: bytes, iv: bytes, data: bytes) -> bytes:
    """CBC over whole blocks: the protect side of :func:`cbc_decrypt` (callers pad)."""
    encryptor = Cipher(spec.algorithm(key), modes.CBC(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def rc4(key: bytes, data: bytes) -> bytes:
    decryptor = Cipher(ARC4(key), mode=None).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def des_key_from_56_bits(seven: bytes) -> bytes:
    """Spread 7 key bytes over 8 DES key bytes, 7 bits each, parity bit left 0 ([MS-LSAD] 5.1.3)."""
    bits = int.from_bytes(seven, "big")
    return bytes(((bits >> (49 - 7 * index)) & 0x7F) << 1 for index in range(8))


def des_ecb_decrypt(key8: bytes, data: bytes) -> bytes:
    """Single DES is 3DES with the same key three times (dpapi.md §5)."""
    decryptor = Cipher(TripleDES(key8 * 3), modes.ECB()).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def des_ecb_encrypt(key8: bytes, data: bytes) -> bytes:
    """The protect side of :func:`des_ecb_decrypt`."""
    encryptor = Cipher(TripleDES(key8 * 3), modes.ECB()).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def pad_pkcs7(data: bytes, block_size: int) -> bytes:
    """``data`` with PKCS#7 padding: 1 to ``block_size`` bytes, each the pad's length."""
    count = block_size - len(data) % block_size
    return data + bytes([count]) * count


def unpad_pkcs7(data: bytes, block_size: int) -> bytes | None:
    """The data without its PKCS#7 padding, or None when the padding is not valid."""
    if not data or len(data) % block_size:
        return None
    count = data[-1]
    if not 1 <= count <= block_size or data[-count:] != bytes([count]) * count:
        return None
    return data[:-count]
