"""DPAPI master key files: parsing, and decryption with a pre-key (dpapi.md §2.5, §3.2, §3.3).

Decryption derives key and IV with Microsoft's PBKDF2 variant (the next HMAC input is the
running XOR, not the previous block: :func:`dpapi_pbkdf2`), CBC-decrypts the section, and
accepts the 64-byte master key only when its HMAC matches; a wrong pre-key is
:class:`~hiveparse.crypto.errors.WrongKey`, never garbage.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime

from construct import Container

from hiveparse.crypto._primitives import (
    cbc_decrypt,
    cipher_spec,
    enum_int,
    hash_spec,
    parse_struct,
)
from hiveparse.crypto.errors import MalformedInput, TooCostly, WrongKey
from hiveparse.schemas import dpapi_masterkey as schema

MASTER_KEY_SIZE = 64
HMAC_SALT_SIZE = 16
MAX_ROUNDS = 200_000  # real files use 4,000 to 17,400 (dpapi.md §2.5); ~4 s at this cap
_FLAGS_OFFSET = 0x5C


@dataclass(frozen=True)
class MasterKeySection:
    """A master key or backup key section: KDF parameters and ciphertext."""

    version: int
    salt: bytes
    rounds: int
    hash_algorithm: int
    crypt_algorithm: int
    ciphertext: bytes = field(repr=False)


@dataclass(frozen=True)
class MasterKeyFile:
    """What a master key file says, without any key."""

    version: int
    guid: str
    flags: int
    master_key: MasterKeySection | None
    backup_key: MasterKeySection | None
    credhist_guid: bytes | None
    domain_backup_key_guid: bytes | None


@dataclass(frozen=True)
class MasterKey:
    """A decrypted 64-byte master key (kept out of ``repr``) and the file's GUID."""

    guid: str
    key: bytes = field(repr=False)

    @property
    def sha1(self) -> bytes:
        """SHA-1 of the key: what blobs are decrypted with (tools print it as ``GUID:SHA1``)."""
        return hashlib.sha1(self.key).digest()


@dataclass(frozen=True)
class Preferred:
    """The ``Preferred`` file: the current master key and its expiry (dpapi.md §2.5)."""

    guid: bytes
    expires_filetime: int
    expires: datetime | None


@functools.lru_cache(maxsize=64)
def dpapi_pbkdf2(hash_name: str, password: bytes, salt: bytes, rounds: int, length: int) -> bytes:
    """Microsoft's PBKDF2 (dpapi.md §3.3): each round HMACs the running XOR accumulator.

    Kept per inputs: the same master key opens the timebomb of every ControlSet, and its
    up to 200,000 rounds are paid once."""
    if rounds < 1:
        raise MalformedInput(f"PBKDF2: {rounds} rounds")
    if rounds > MAX_ROUNDS:
        raise TooCostly(f"PBKDF2: {rounds} rounds is more than the {MAX_ROUNDS} accepted")
    output = bytearray()
    block = 1
    while len(output) < length:
        accumulator = hmac.digest(password, salt + block.to_bytes(4, "big"), hash_name)
        size = len(accumulator)
        total = int.from_bytes(accumulator, "big")
        for _ in range(rounds - 1):
            total ^= int.from_bytes(hmac.digest(password, accumulator, hash_name), "big")
            accumulator = total.to_bytes(size, "big")
        output += accumulator
        block += 1
    return bytes(output[:length])


def _section(parsed: Container | None) -> MasterKeySection | None:
    if parsed is None:
        return None
    return MasterKeySection(
        version=parsed.version,
        salt=bytes(parsed.salt),
        rounds=parsed.rounds,
        hash_algorithm=enum_int(parsed.hash_algorithm),
        crypt_algorithm=enum_int(parsed.crypt_algorithm),
        ciphertext=bytes(parsed.ciphertext),
    )


def parse_master_key_file(data: bytes) -> MasterKeyFile:
    """The header and sections of a master key file."""
    parsed = parse_struct(schema.master_key_file, data, "master key file")
    return MasterKeyFile(
        version=parsed.version,
        guid=str(parsed.guid),
        # The stored dword itself: a FlagsEnum drops bits it has no name for.
        flags=int.from_bytes(data[_FLAGS_OFFSET : _FLAGS_OFFSET + 4], "little"),
        master_key=_section(parsed.master_key),
        backup_key=_section(parsed.backup_key),
        credhist_guid=None if parsed.credhist is None else bytes(parsed.credhist.guid),
        domain_backup_key_guid=(
            None if parsed.domain_key is None else bytes(parsed.domain_key.backup_key_guid)
        ),
    )


def decrypt_master_key_section(
    section: MasterKeySection, pre_key: bytes, what: str = "master key"
) -> bytes:
    """The 64-byte master key of a section, checked by its HMAC (dpapi.md §3.3)."""
    hashing = hash_spec(section.hash_algorithm, what)
    cipher = cipher_spec(section.crypt_algorithm, what)
    derived = dpapi_pbkdf2(
        hashing.name, pre_key, section.salt, section.rounds, cipher.key_length + cipher.block_size
    )
    plaintext = cbc_decrypt(
        cipher,
        derived[: cipher.key_length],
        derived[cipher.key_length :],
        section.ciphertext,
        what,
    )
    if len(plaintext) < HMAC_SALT_SIZE + hashing.digest_size + MASTER_KEY_SIZE:
        raise MalformedInput(f"{what}: {len(plaintext)} bytes of ciphertext is too short")
    hmac_salt = plaintext[:HMAC_SALT_SIZE]
    stored = plaintext[HMAC_SALT_SIZE : HMAC_SALT_SIZE + hashing.digest_size]
    master_key = plaintext[-MASTER_KEY_SIZE:]
    check_key = hmac.digest(pre_key, hmac_salt, hashing.name)
    computed = hmac.digest(check_key, master_key, hashing.name)[: hashing.digest_size]
    if not hmac.compare_digest(computed, stored):
        raise WrongKey(f"{what}: the pre-key does not open it (HMAC mismatch)")
    return master_key


def decrypt_master_key_file(data: bytes | MasterKeyFile, pre_key: bytes) -> MasterKey:
    """Decrypt the master key section of a master key file with a 20-byte pre-key."""
    parsed = data if isinstance(data, MasterKeyFile) else parse_master_key_file(data)
    what = f"master key {parsed.guid}"
    if parsed.master_key is None:
        raise MalformedInput(f"{what}: the file has no master key section")
    return MasterKey(parsed.guid, decrypt_master_key_section(parsed.master_key, pre_key, what))


def user_pre_key(
    sid: str, *, password: str | None = None, password_hash: bytes | None = None
) -> bytes:
    """A user's pre-key: ``HMAC-SHA1(SHA1(UTF-16LE password) or NT hash, UTF-16LE(SID + NUL))``.

    Give the password (for files with flag 0x4) or the 20-byte SHA-1 / 16-byte NT hash of it
    (dpapi.md §3.2).
    """
    if password is not None and password_hash is None:
        secret = hashlib.sha1(password.encode("utf-16-le")).digest()
    elif password_hash is not None and password is None:
        secret = password_hash
    else:
        raise ValueError("give exactly one of password and password_hash")
    return hmac.digest(secret, (sid + "\x00").encode("utf-16-le"), "sha1")


def parse_preferred(data: bytes) -> Preferred:
    """The 24-byte ``Preferred`` file: current master key GUID and expiry FILETIME."""
    if len(data) != schema.PREFERRED_SIZE:
        raise MalformedInput(f"Preferred: {len(data)} bytes, expected {schema.PREFERRED_SIZE}")
    parsed = parse_struct(schema.preferred, data, "Preferred")
    return Preferred(bytes(parsed.guid), parsed.expires.raw, parsed.expires.moment)
