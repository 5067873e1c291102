"""DPAPI blob, as ``CryptProtectData`` writes it (declarations only).

Layout from the project's DPAPI reference (dpapi.md §2.6), which follows mimikatz
(``KULL_M_DPAPI_BLOB``) and impacket (``DPAPI_BLOB``); algorithm ids from wincrypt.h. The
signed region runs from ``master_key_version`` to the end of ``data``.
"""

from __future__ import annotations

from construct import Bytes, Const, Enum, FlagsEnum, Int32ul, Struct, this

BLOB_VERSION = 1
# df9d8cd0-1501-11d1-8c7a-00c04fc297eb, the DPAPI provider, in its on-disk (mixed-endian) form
PROVIDER_GUID = bytes.fromhex("d08c9ddf0115d1118c7a00c04fc297eb")
SIGNED_REGION_START = 20
FLAGS_OFFSET = 40  # version, provider, master key version and GUID come before the flags

algorithm_id = Enum(
    Int32ul,
    CALG_DES=0x6601,
    CALG_3DES=0x6603,
    CALG_AES_128=0x660E,
    CALG_AES_192=0x660F,
    CALG_AES_256=0x6610,
    CALG_RC4=0x6801,
    CALG_MD5=0x8003,
    CALG_SHA1=0x8004,
    CALG_SHA_256=0x800C,
    CALG_SHA_384=0x800D,
    CALG_SHA_512=0x800E,
)

blob_flags = FlagsEnum(
    Int32ul,
    PROMPT_ON_UNPROTECT=0x1,
    PROMPT_ON_PROTECT=0x2,
    LOCAL_MACHINE=0x4,
    PROMPT_STRONG=0x8,
    AUDIT=0x10,
    SYSTEM=0x20000000,
)

dpapi_blob = Struct(
    "version" / Const(BLOB_VERSION, Int32ul),
    "provider" / Const(PROVIDER_GUID),
    "master_key_version" / Int32ul * "1; the signed region starts here",
    "master_key_guid" / Bytes(16) * "the master key file's name, mixed-endian GUID",
    "flags" / blob_flags * "0x4 LOCAL_MACHINE for machine-scope blobs",
    "description_length" / Int32ul * "bytes, NUL included",
    "description" / Bytes(this.description_length) * "UTF-16LE",
    "crypt_algorithm" / algorithm_id,
    "crypt_key_bits" / Int32ul * "bits, not bytes",
    "salt_length" / Int32ul,
    "salt" / Bytes(this.salt_length),
    "hmac_key_length" / Int32ul * "the strong-password slot: 0",
    "hmac_key" / Bytes(this.hmac_key_length),
    "hash_algorithm" / algorithm_id,
    "hash_bits" / Int32ul * "bits, not bytes",
    "hmac2_key_length" / Int32ul,
    "hmac2_key" / Bytes(this.hmac2_key_length) * "salt of the signature",
    "data_length" / Int32ul,
    "data" / Bytes(this.data_length) * "ciphertext; the signed region ends here",
    "sign_length" / Int32ul,
    "sign" / Bytes(this.sign_length),
)
