"""The ``DPAPI_SYSTEM`` LSA secret split into its machine and user keys (dpapi.md §2.4, §3.2).

The machine key is the pre-key of master keys under ``Protect\\S-1-5-18\\``; the user key
that of ``Protect\\S-1-5-18\\User\\``. Both are used as they are, without a SID step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hiveparse.crypto._primitives import parse_struct
from hiveparse.crypto.errors import MalformedInput, UnsupportedAlgorithm
from hiveparse.schemas import lsa as schema

DPAPI_SYSTEM = "DPAPI_SYSTEM"


@dataclass(frozen=True)
class DpapiSystem:
    """The two 20-byte DPAPI_SYSTEM pre-keys (kept out of ``repr``)."""

    version: int
    machine_key: bytes = field(repr=False)
    user_key: bytes = field(repr=False)


def split_dpapi_system(secret: bytes) -> DpapiSystem:
    """Split the 44-byte decrypted DPAPI_SYSTEM secret: version, machine key, user key."""
    if len(secret) != schema.DPAPI_SYSTEM_SIZE:
        raise MalformedInput(
            f"DPAPI_SYSTEM: {len(secret)} bytes, expected {schema.DPAPI_SYSTEM_SIZE}"
        )
    parsed = parse_struct(schema.dpapi_system, secret, DPAPI_SYSTEM)
    if parsed.version != schema.DPAPI_SYSTEM_VERSION:
        raise UnsupportedAlgorithm(f"DPAPI_SYSTEM: version {parsed.version}, expected 1")
    return DpapiSystem(parsed.version, bytes(parsed.machine_key), bytes(parsed.user_key))
