"""The inverse of the decryption chain: build the key material and protected values a Windows
machine keeps, so the project can make realistic, decryptable evidence with its own code.

boot key → class names of ``Lsa\\{JD,Skew1,GBG,Data}``; LSA keys → ``PolEKList`` (or the NT5
``PolSecretEncryptionKey``); secrets → ``CurrVal``/``OldVal``; DPAPI_SYSTEM keys → master key
file; master key → blob (dpapi.md §1). The work is split by layer:

* :mod:`~hiveparse.crypto.protect_random` — where salts come from (always the caller);
* :mod:`~hiveparse.crypto.protect_lsa` — boot key, LSA keys and secrets, DPAPI_SYSTEM;
* :mod:`~hiveparse.crypto.protect_dpapi` — master key files, ``Preferred``, blobs.

Nothing is random: every function draws its salts from a ``random_bytes`` callable, so the
same seed gives the same bytes, and a structure whose salts are known is rebuilt exactly.
"""

from __future__ import annotations

from hiveparse.crypto.protect_dpapi import (
    BLOB_LOCAL_MACHINE,
    DEFAULT_ROUNDS,
    PREFERRED_LIFETIME,
    SYSTEM_MASTER_KEY_FLAGS,
    build_master_key_file,
    build_preferred,
    protect_blob,
    protect_master_key,
    protect_master_key_file,
)
from hiveparse.crypto.protect_lsa import (
    POL_EK_LIST_KEY_ID,
    VISTA_PLUS_POL_REVISION,
    build_dpapi_system,
    build_lsa_key_list,
    build_pol_revision,
    class_names_from_boot_key,
    protect_pol_ek_list,
    protect_pol_secret_encryption_key,
    protect_secret,
    protect_secret_nt5,
    protect_secret_nt6,
    system_function_004,
)
from hiveparse.crypto.protect_random import RandomBytes, replay_bytes, seeded_random_bytes

__all__ = [
    "BLOB_LOCAL_MACHINE",
    "DEFAULT_ROUNDS",
    "POL_EK_LIST_KEY_ID",
    "PREFERRED_LIFETIME",
    "SYSTEM_MASTER_KEY_FLAGS",
    "VISTA_PLUS_POL_REVISION",
    "RandomBytes",
    "build_dpapi_system",
    "build_lsa_key_list",
    "build_master_key_file",
    "build_pol_revision",
    "build_preferred",
    "class_names_from_boot_key",
    "protect_blob",
    "protect_master_key",
    "protect_master_key_file",
    "protect_pol_ek_list",
    "protect_pol_secret_encryption_key",
    "protect_secret",
    "protect_secret_nt5",
    "protect_secret_nt6",
    "replay_bytes",
    "seeded_random_bytes",
    "system_function_004",
]
