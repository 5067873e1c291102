"""The whole offline chain: SYSTEM + SECURITY hives and master key files to a blob's plaintext.

boot key (SYSTEM) → LSA key (SECURITY) → ``DPAPI_SYSTEM`` (CurrVal, OldVal) → the master key
the blob names → the blob (dpapi.md §1). The DPAPI_SYSTEM keys are tried in the order of
dpapi.md §3.5: CurrVal machine, CurrVal user, OldVal machine, OldVal user; the result says
which one opened the master key, and every failed attempt is kept as a one-line note. No key
bytes appear in any result.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from hiveparse.crypto.blob import DecryptedBlob, blob_master_key_guid, decrypt_blob
from hiveparse.crypto.bootkey import BootKey, read_boot_key
from hiveparse.crypto.dpapi_system import DPAPI_SYSTEM, DpapiSystem, split_dpapi_system
from hiveparse.crypto.errors import DecryptionError, MissingKeyMaterial, WrongKey
from hiveparse.crypto.lsa import (
    SECRET_SLOTS,
    LsaEra,
    LsaKey,
    SecretSlot,
    decrypt_secret,
    read_lsa_key,
    read_pol_revision,
    read_secret_update_time,
    read_secret_value,
    secret_names,
)
from hiveparse.crypto.masterkey import decrypt_master_key_file
from hiveparse.errors import UsageError
from hiveparse.model import Hive

SystemKeyKind = Literal["machine", "user"]
# Master key files by GUID (the file name): text as on disk, or uuid.UUID.
MasterKeyFiles = Mapping[str, bytes] | Mapping[uuid.UUID, bytes]


@dataclass(frozen=True)
class LsaContext:
    """The boot key and LSA key of one SYSTEM + SECURITY pair."""

    boot_key: BootKey
    lsa_key: LsaKey
    pol_revision: tuple[int, int] | None


@dataclass(frozen=True)
class SystemPreKey:
    """One DPAPI_SYSTEM pre-key to try, and where it came from."""

    slot: SecretSlot
    kind: SystemKeyKind
    key: bytes = field(repr=False)

    @property
    def label(self) -> str:
        return f"DPAPI_SYSTEM {self.slot} {self.kind} key"


@dataclass(frozen=True)
class DpapiSystemKeys:
    """The DPAPI_SYSTEM values found (by slot), the LSA context they came from, and notes."""

    values: dict[SecretSlot, DpapiSystem] = field(repr=False)
    lsa: LsaContext | None = None
    notes: tuple[str, ...] = ()

    def pre_keys(self) -> list[SystemPreKey]:
        """CurrVal machine, CurrVal user, OldVal machine, OldVal user; repeats left out."""
        seen: set[bytes] = set()
        keys: list[SystemPreKey] = []
        for slot in SECRET_SLOTS:
            value = self.values.get(slot)
            if value is None:
                continue
            pairs: tuple[tuple[SystemKeyKind, bytes], ...] = (
                ("machine", value.machine_key),
                ("user", value.user_key),
            )
            for kind, key in pairs:
                if key not in seen:
                    seen.add(key)
                    keys.append(SystemPreKey(slot, kind, key))
        return keys


@dataclass(frozen=True)
class ChainResult:
    """A decrypted blob and the step that produced each key on the way."""

    blob: DecryptedBlob
    master_key_guid: str
    pre_key: SystemPreKey
    lsa: LsaContext | None
    attempts: tuple[str, ...]

    @property
    def plaintext(self) -> bytes:
        return self.blob.plaintext

    def steps(self) -> dict[str, str | None]:
        """What each step used, for a report (never a key)."""
        lsa = self.lsa
        return {
            "boot_key_control_set": None if lsa is None else lsa.boot_key.control_set,
            "lsa_era": None if lsa is None else str(lsa.lsa_key.era),
            "lsa_key_source": None if lsa is None else lsa.lsa_key.source,
            "lsa_key_id": None
            if lsa is None or lsa.lsa_key.key_id is None
            else str(lsa.lsa_key.key_id),
            "dpapi_system": self.pre_key.label,
            "master_key_guid": self.master_key_guid,
            "blob_algorithms": f"{self.blob.crypt_algorithm}/{self.blob.hash_algorithm}",
            "mac_variant": str(self.blob.mac_variant),
        }


@dataclass(frozen=True)
class LsaSecretEntry:
    """One slot of one LSA secret; ``plaintext`` only when asked for."""

    name: str
    slot: SecretSlot
    stored_length: int
    length: int | None
    updated_filetime: int | None
    error: str | None = None
    plaintext: bytes | None = field(default=None, repr=False)


def open_lsa(system: Hive, security: Hive) -> LsaContext:
    """Boot key from SYSTEM, then the LSA key of SECURITY."""
    boot_key = read_boot_key(system)
    return LsaContext(boot_key, read_lsa_key(security, boot_key.key), read_pol_revision(security))


def read_dpapi_system(system: Hive, security: Hive) -> DpapiSystemKeys:
    """The DPAPI_SYSTEM secret's CurrVal and OldVal, decrypted and split."""
    lsa = open_lsa(system, security)
    values: dict[SecretSlot, DpapiSystem] = {}
    notes: list[str] = []
    for slot in SECRET_SLOTS:
        stored = read_secret_value(security, DPAPI_SYSTEM, slot)
        if stored is None:
            notes.append(f"{DPAPI_SYSTEM} {slot}: absent")
            continue
        try:
            values[slot] = split_dpapi_system(decrypt_secret(stored, lsa.lsa_key))
        except DecryptionError as error:
            notes.append(f"{DPAPI_SYSTEM} {slot}: {error}")
    if not values:
        raise MissingKeyMaterial(f"{DPAPI_SYSTEM}: no readable value ({'; '.join(notes)})")
    return DpapiSystemKeys(values, lsa, tuple(notes))


def _normalise_guids(files: MasterKeyFiles) -> dict[uuid.UUID, bytes]:
    normalised: dict[uuid.UUID, bytes] = {}
    for name, data in files.items():
        try:
            guid = name if isinstance(name, uuid.UUID) else uuid.UUID(name.strip())
        except ValueError:
            raise UsageError(f"master key files: {name!r} is not a GUID") from None
        normalised[guid] = data
    return normalised


def decrypt_with_system_keys(
    keys: DpapiSystemKeys,
    master_key_files: MasterKeyFiles,
    blob: bytes,
    *,
    entropy: bytes | None = None,
) -> ChainResult:
    """Open the master key a blob names with the first DPAPI_SYSTEM key that fits, then the blob."""
    guid = blob_master_key_guid(blob)
    data = _normalise_guids(master_key_files).get(guid)
    if data is None:
        raise MissingKeyMaterial(f"master key file {guid} not supplied")
    attempts: list[str] = []
    for pre_key in keys.pre_keys():
        try:
            master_key = decrypt_master_key_file(data, pre_key.key)
        except WrongKey as error:
            attempts.append(f"{pre_key.label}: {error}")
            continue
        opened = decrypt_blob(blob, master_key, entropy=entropy)
        return ChainResult(opened, str(guid), pre_key, keys.lsa, tuple(attempts))
    tried = ", ".join(key.label for key in keys.pre_keys()) or "no key"
    raise WrongKey(f"master key {guid}: no DPAPI_SYSTEM key opens it (tried {tried})")


def decrypt_system_blob(
    system: Hive,
    security: Hive,
    master_key_files: MasterKeyFiles,
    blob: bytes,
    *,
    entropy: bytes | None = None,
) -> ChainResult:
    """Decrypt a blob protected by the SYSTEM machine or user key, from hives and key files."""
    return decrypt_with_system_keys(
        read_dpapi_system(system, security), master_key_files, blob, entropy=entropy
    )


def list_lsa_secrets(system: Hive, security: Hive, *, reveal: bool = False) -> list[LsaSecretEntry]:
    """Every LSA secret slot: name, CurrVal/OldVal, stored and decrypted lengths, update time.

    The decrypted bytes are included only with ``reveal=True``.
    """
    lsa = open_lsa(system, security)
    entries: list[LsaSecretEntry] = []
    for name in secret_names(security):
        for slot in SECRET_SLOTS:
            stored = read_secret_value(security, name, slot)
            if stored is None:
                continue
            updated = read_secret_update_time(security, name, slot)
            try:
                plaintext = decrypt_secret(stored, lsa.lsa_key)
            except DecryptionError as error:
                entries.append(LsaSecretEntry(name, slot, len(stored), None, updated, str(error)))
                continue
            entries.append(
                LsaSecretEntry(
                    name,
                    slot,
                    len(stored),
                    len(plaintext),
                    updated,
                    plaintext=plaintext if reveal else None,
                )
            )
    return entries


__all__ = [
    "ChainResult",
    "DpapiSystemKeys",
    "LsaContext",
    "LsaEra",
    "LsaSecretEntry",
    "SystemPreKey",
    "decrypt_system_blob",
    "decrypt_with_system_keys",
    "list_lsa_secrets",
    "open_lsa",
    "read_dpapi_system",
]
