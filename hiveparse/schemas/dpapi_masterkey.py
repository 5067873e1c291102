"""DPAPI master key files and the ``Preferred`` file (declarations only).

Layouts from the project's DPAPI reference, dpapi.md §2.5, which follows impacket
(``MasterKeyFile``, ``MasterKey``), mimikatz (``KULL_M_DPAPI_MASTERKEYS``,
``KULL_M_DPAPI_MASTERKEY``) and DPAPIck3's ``DPAPI-Masterkey.bt``. A file is a 128-byte header
whose four lengths give the sizes of the sections that follow, in order: master key, backup
("local encryption") key, CREDHIST, domain key. The master key and backup key sections share
one layout.
"""

from __future__ import annotations

from construct import (
    Bytes,
    Enum,
    FixedSized,
    FlagsEnum,
    GreedyBytes,
    If,
    Int32ul,
    Int64ul,
    PaddedString,
    Struct,
    this,
)

from hiveparse.schemas.dpapi import algorithm_id
from hiveparse.schemas.filetime import filetime

MASTER_KEY_FILE_VERSION = 2
HEADER_SIZE = 128
PREFERRED_SIZE = 24

master_key_flags = FlagsEnum(
    Int32ul,
    LOCAL_BACKUP=0x1,
    NO_BACKUP=0x2,  # SYSTEM keys
    SHA1_PREKEY=0x4,  # user pre-key from SHA-1 of the password, not the NT hash
)

master_key_algorithm_id = Enum(Int32ul, CALG_HMAC=0x8009, **algorithm_id.encmapping)
"""wincrypt ALG_IDs plus CALG_HMAC, which master keys use to mean HMAC-SHA1."""

master_key_section = Struct(
    "version" / Int32ul * "2",
    "salt" / Bytes(16),
    "rounds" / Int32ul * "PBKDF2 iterations (Microsoft's variant, dpapi.md §3.3)",
    "hash_algorithm" / master_key_algorithm_id * "CALG_HMAC (HMAC-SHA1) or CALG_SHA_512",
    "crypt_algorithm" / master_key_algorithm_id * "CALG_3DES or CALG_AES_256",
    "ciphertext" / GreedyBytes * "144 bytes for AES-256/SHA-512, 104 for 3DES/SHA-1",
)
"""The master key section and the backup key section."""

credhist_section = Struct(
    "version" / Int32ul * "observed 3",
    "guid" / Bytes(16) * "the CREDHIST entry; zero for SYSTEM keys",
)

domain_key_section = Struct(
    "version" / Int32ul,
    "secret_length" / Int32ul,
    "access_check_length" / Int32ul,
    "backup_key_guid" / Bytes(16),
    "secret" / Bytes(this.secret_length) * "RSA-encrypted under the domain backup key",
    "access_check" / Bytes(this.access_check_length),
)

master_key_file = Struct(
    "version" / Int32ul * "2",
    "reserved_after_version" / Bytes(8) * "two u32, zero",
    "guid" / PaddedString(72, "utf_16_le") * "36 characters, no braces: the file name",
    "reserved_after_guid" / Bytes(8) * "two u32, zero",
    "flags" / master_key_flags * "observed 6 for SYSTEM keys, 5 for local users",
    "master_key_length" / Int64ul,
    "backup_key_length" / Int64ul,
    "credhist_length" / Int64ul,
    "domain_key_length" / Int64ul,
    "master_key"
    / If(this.master_key_length > 0, FixedSized(this.master_key_length, master_key_section)),
    "backup_key"
    / If(this.backup_key_length > 0, FixedSized(this.backup_key_length, master_key_section)),
    "credhist" / If(this.credhist_length > 0, FixedSized(this.credhist_length, credhist_section)),
    "domain_key"
    / If(this.domain_key_length > 0, FixedSized(this.domain_key_length, domain_key_section)),
)

preferred = Struct(
    "guid" / Bytes(16) * "the current master key",
    "expires" / filetime * "when the key is rolled over (90 days)",
)
