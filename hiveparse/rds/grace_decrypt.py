"""The grace period's exact end, decrypted from the evidence's own key material (§5.2).

Vista and later: the timebomb value in ``RCM\\GracePeriod`` is a DPAPI blob under the SYSTEM
account's master key. SYSTEM (boot key) + SECURITY (LSA key, ``DPAPI_SYSTEM``) + the master
key file the blob names give its plaintext, an 8-byte FILETIME (dpapi.md §1, §6). XP / 2003:
the timebomb is the LSA secret ``L$RTMTIMEBOMB_…`` itself, opened with SYSTEM + SECURITY.

What is missing is named (which hive, which master key file) and the caller keeps the
estimate; a key that does not open something is a typed error turned into one line here.
Nothing but the FILETIME leaves this module: no key, secret or other plaintext.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hiveparse.errors import HiveparseError
from hiveparse.evidence.masterkey_files import MasterKeys
from hiveparse.evidence.open import Evidence, regf_hives
from hiveparse.filetime import iso_z
from hiveparse.model import Hive, HiveType
from hiveparse.rds.facts import FactSet


@dataclass
class GraceDecryption:
    """How the decryption went. ``expires`` is set only when a FILETIME came out."""

    status: str  # "decrypted" | "lsa_secret" | "missing_keys" | "failed"
    expires: datetime | None = None
    filetime: int | None = None
    master_key_guid: str | None = None
    master_key_file: str | None = None
    security_hive: str | None = None
    steps: dict[str, str | None] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "expires": iso_z(self.expires),
            "filetime": self.filetime,
            "master_key_guid": self.master_key_guid,
            "master_key_file": self.master_key_file,
            "security_hive": self.security_hive,
            "steps": self.steps,
            "missing": self.missing,
            "error": self.error,
        }


def decrypt_grace(
    facts: FactSet, evidence: list[Evidence], master_keys: MasterKeys
) -> GraceDecryption | None:
    """The decrypted end of the current timebomb; None when there is no timebomb to open."""
    timebomb = facts.get("grace.timebomb") or facts.get("grace.timebomb_beta")
    lsa_timebomb = facts.get("grace.lsa_timebomb")
    if timebomb is None and lsa_timebomb is None:
        return None
    systems = [timebomb.mounted.hive] if timebomb is not None else []
    systems += [hive for _path, hive in regf_hives(evidence, HiveType.SYSTEM)]
    systems = list(dict.fromkeys(systems))  # the timebomb's own SYSTEM first, once
    securities = regf_hives(evidence, HiveType.SECURITY)
    if timebomb is None:
        if not (systems and securities):
            needed = "the SYSTEM hive (boot key)" if not systems else "the SECURITY hive"
            return GraceDecryption("missing_keys", missing=[needed])
        return _lsa_timebomb(systems, securities)
    if timebomb.value is None or timebomb.evidence.format != "regf":
        return None
    return decrypt_timebomb_blob(timebomb.value.raw, systems, securities, master_keys)


def decrypt_timebomb_blob(
    blob: bytes,
    systems: list[Hive],
    securities: list[tuple[str, Hive]],
    master_keys: MasterKeys,
) -> GraceDecryption:
    """A Vista+ timebomb blob opened with the first SYSTEM + SECURITY pair that fits."""
    from hiveparse.crypto.blob import blob_master_key_guid  # noqa: PLC0415
    from hiveparse.crypto.errors import DecryptionError  # noqa: PLC0415

    missing = []
    if not systems:
        missing.append("the SYSTEM hive (boot key: Control\\Lsa class names)")
    if not securities:
        missing.append("the SECURITY hive (LSA key and DPAPI_SYSTEM)")
    try:
        guid = str(blob_master_key_guid(blob))
    except DecryptionError as error:
        return GraceDecryption("failed", error=str(error))
    reference = master_keys.files.get(guid)
    if reference is None:
        missing.append(
            f"master key file {guid} (Windows\\System32\\Microsoft\\Protect\\S-1-5-18\\{guid} "
            "or its User subfolder)"
        )
    if missing:
        return GraceDecryption("missing_keys", master_key_guid=guid, missing=missing)
    assert reference is not None
    return _blob_timebomb(systems, securities, blob, guid, reference.path, reference.data)


def _blob_timebomb(
    systems: list[Hive],
    securities: list[tuple[str, Hive]],
    blob: bytes,
    guid: str,
    key_path: str,
    key_data: bytes,
) -> GraceDecryption:
    from hiveparse.crypto.chain import decrypt_system_blob  # noqa: PLC0415
    from hiveparse.crypto.timebomb import interpret_timebomb  # noqa: PLC0415

    errors: list[str] = []
    for system in systems:
        for security_path, security in securities:
            try:
                result = decrypt_system_blob(system, security, {guid: key_data}, blob)
            except HiveparseError as error:
                errors.append(str(error))
                continue
            reading = interpret_timebomb(result.plaintext)
            return GraceDecryption(
                "decrypted" if reading.end else "failed",
                expires=reading.end,
                filetime=reading.filetime,
                master_key_guid=guid,
                master_key_file=key_path,
                security_hive=security_path,
                steps=result.steps(),
                error=None if reading.end else f"decrypted, but {reading.message}",
            )
    return GraceDecryption(
        "failed", master_key_guid=guid, master_key_file=key_path, error="; ".join(errors)
    )


def _lsa_timebomb(systems: list[Hive], securities: list[tuple[str, Hive]]) -> GraceDecryption:
    from hiveparse.crypto.chain import open_lsa  # noqa: PLC0415
    from hiveparse.crypto.timebomb import read_lsa_timebombs  # noqa: PLC0415

    errors: list[str] = []
    for system in systems:
        for security_path, security in securities:
            try:
                lsa = open_lsa(system, security)
                readings = read_lsa_timebombs(security, lsa.lsa_key)
            except HiveparseError as error:
                errors.append(str(error))
                continue
            current = [r for r in readings if r.slot == "CurrVal" and r.reading.end]
            if not current:
                errors.append("no CurrVal of an L$RTMTIMEBOMB secret holds a FILETIME")
                continue
            reading = current[0]
            return GraceDecryption(
                "lsa_secret",
                expires=reading.reading.end,
                filetime=reading.reading.filetime,
                security_hive=security_path,
                steps={
                    "boot_key_control_set": lsa.boot_key.control_set,
                    "lsa_era": str(lsa.lsa_key.era),
                    "secret": f"{reading.name} {reading.slot}",
                },
            )
    return GraceDecryption("failed", error="; ".join(errors))
