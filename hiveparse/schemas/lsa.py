"""LSA policy key, primary domain and LSA secrets in a SECURITY hive (declarations only).

Layouts from the project's DPAPI reference, which follows impacket's ``secretsdump``
(``LSA_SECRET``, ``LSA_SECRET_BLOB``, ``LSA_SECRET_XP``) and DPAPIck:

* dpapi.md §2.2 — ``Policy\\PolRevision``, the Vista+ ``Policy\\PolEKList`` value and the key
  list inside it, the NT5 ``Policy\\PolSecretEncryptionKey`` value;
* dpapi.md §2.3 — ``Policy\\Secrets\\<name>\\{CurrVal,OldVal}``: the NT6 wrapper and its
  decrypted blob, the NT5 stored value and its SystemFunction005 plaintext;
* dpapi.md §2.4 — the 44-byte ``DPAPI_SYSTEM`` secret.

GUIDs are the 16-byte mixed-endian Windows struct (``uuid.UUID(bytes_le=...)``).
"""

from __future__ import annotations

from construct import Array, Bytes, GreedyBytes, Int16ul, Int32ul, Struct, this

# -- dpapi.md §2.2: which era --------------------------------------------------------------

pol_revision = Struct(
    "minor" / Int16ul,
    "major" / Int16ul * "XP 1.7; above 1.9 is NT6 for DPAPIck",
)

# -- dpapi.md §2.2 / §2.3: the Vista+ (NT6) wrapper, shared by PolEKList and every secret ----

NT6_SECRET_VERSION = 0x01000000  # stored as the bytes 00 00 00 01
NT6_HEADER_SIZE = 28
NT6_SALT_SIZE = 32

lsa_secret_nt6 = Struct(
    "version" / Int32ul * "the bytes 00 00 00 01, i.e. 0x01000000",
    "enc_key_id" / Bytes(16) * "GUID of the key that encrypted the data",
    "enc_algorithm" / Int32ul * "observed 3",
    "flags" / Int32ul * "observed 0",
    "salt" / Bytes(NT6_SALT_SIZE) * "the first 32 bytes of the encrypted data: the KDF salt",
    "ciphertext" / GreedyBytes * "AES-256-ECB",
)

lsa_secret_blob = Struct(
    "length" / Int32ul,
    "reserved" / Bytes(12) * "zero in every sample",
    "secret" / Bytes(this.length),
    "padding" / GreedyBytes,
)
"""The decrypted NT6 wrapper (impacket's ``LSA_SECRET_BLOB``)."""

lsa_key_entry = Struct(
    "key_id" / Bytes(16),
    "key_type" / Int32ul * "observed 3",
    "key_length" / Int32ul * "observed 32",
    "key" / Bytes(this.key_length),
)

lsa_key_list = Struct(
    "revision" / Int32ul * "observed 3; the meaning is inferred",
    "current_key_id" / Bytes(16),
    "current_key_type" / Int32ul * "observed 3",
    "key_count" / Int32ul,
    "entries" / Array(this.key_count, lsa_key_entry),
)
"""The secret inside a decrypted PolEKList: the LSA keys by GUID."""

# -- dpapi.md §2.2 / §2.3: NT5 (XP, 2003) ---------------------------------------------------

pol_secret_encryption_key = Struct(
    "header" / Bytes(12) * "observed 01000000 01000000 00000000",
    "ciphertext" / Bytes(48) * "RC4 under MD5(boot key ‖ salt^1000)",
    "salt" / Bytes(16),
)

nt5_lsa_key_plaintext = Struct(
    "head" / Bytes(16) * "not used",
    "lsa_key" / Bytes(16),
    "tail" / Bytes(16) * "not used",
)
"""The 48 RC4-decrypted bytes of PolSecretEncryptionKey: three parts, the key is the second."""

lsa_secret_nt5 = Struct(
    "length" / Int32ul * "of the ciphertext",
    "maximum_length" / Int32ul * "high bits set, e.g. 0x20000038",
    "buffer_offset" / Int32ul * "a former pointer; ignored",
    "ciphertext" / Bytes(this.length) * "DES-ECB, SystemFunction005",
)

lsa_secret_nt5_plaintext = Struct(
    "length" / Int32ul,
    "version" / Int32ul * "1",
    "secret" / Bytes(this.length),
    "padding" / GreedyBytes,
)

# -- dpapi.md §2.4 ----------------------------------------------------------------------------

DPAPI_SYSTEM_VERSION = 1
DPAPI_SYSTEM_SIZE = 44

dpapi_system = Struct(
    "version" / Int32ul * "1",
    "machine_key" / Bytes(20) * "pre-key of Protect\\S-1-5-18\\<guid>",
    "user_key" / Bytes(20) * "pre-key of Protect\\S-1-5-18\\User\\<guid>",
)

# -- the LSA policy's primary domain (Policy\PolPrDmN, Policy\PolPrDmS) -----------------------

lsa_unicode_string = Struct(
    "length" / Int16ul * "bytes of the name, without a terminating NUL",
    "maximum_length" / Int16ul * "bytes of the buffer, the NUL included",
    "buffer_offset" / Int32ul * "a former pointer, stored as the offset of the name: 8",
    "rest" / GreedyBytes * "the UTF-16LE name (and its NUL) from buffer_offset on",
)
"""The default value of ``Policy\\PolPrDmN``: the primary domain's name as a self-relative
UNICODE_STRING (the domain of a member, the workgroup of a machine outside a domain; seen
in the corpus SECURITY hives). ``Policy\\PolPrDmS`` holds the domain's SID, and is empty
outside a domain."""
