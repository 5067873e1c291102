"""The grace-period timebomb's plaintext read as a FILETIME (dpapi.md §3.4 step 5, §6).

The decrypted value is taken to be the grace period's **end**, in UTC: proven on the XP-era
LSA secret (BitCurator: written 2009-11-09, value exactly 120 days later), consistent with
TSTool for 2008+, where it is UNCERTAIN (dpapi.md §7). A plaintext that is not exactly 8 bytes,
or whose FILETIME falls outside 2000–2100, is reported as such with its raw bytes; no date is
guessed from it.

On XP and 2003 the timebomb is an LSA secret (``L$RTMTIMEBOMB_…``, dpapi.md §1, §3.5), read
here from both ``CurrVal`` and ``OldVal`` with the secret's update times;
:func:`open_lsa_timebombs` finds, for each SECURITY hive that holds one, the SYSTEM hive whose
boot key opens it, or says what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from hiveparse.crypto.chain import open_lsa
from hiveparse.crypto.lsa import (
    SECRET_SLOTS,
    LsaKey,
    SecretSlot,
    decrypt_secret,
    read_secret_update_time,
    read_secret_value,
    secret_names,
)
from hiveparse.errors import HiveparseError
from hiveparse.filetime import datetime_to_filetime, filetime_to_datetime
from hiveparse.model import Hive, Key

FILETIME_SIZE = 8
PLAUSIBLE_FROM = datetime(2000, 1, 1, tzinfo=UTC)
PLAUSIBLE_UNTIL = datetime(2100, 1, 1, tzinfo=UTC)
# dpapi.md §3.5 names both; only the RTM name has been observed (BitCurator XP, HTB Granny).
LSA_TIMEBOMB_PREFIXES = ("L$RTMTIMEBOMB_", "L$BETA3TIMEBOMB_")


class TimebombStatus(StrEnum):
    FILETIME = "filetime"  # 8 bytes, a FILETIME between 2000 and 2100
    WRONG_SIZE = "wrong_size"  # not 8 bytes: not read as a time
    IMPLAUSIBLE = "implausible"  # 8 bytes, but no FILETIME between 2000 and 2100


@dataclass(frozen=True)
class GracePeriodEnd:
    """What a decrypted timebomb says. ``end`` is set only for :attr:`TimebombStatus.FILETIME`."""

    status: TimebombStatus
    raw: bytes
    filetime: int | None
    end: datetime | None

    @property
    def message(self) -> str:
        if self.status is TimebombStatus.FILETIME:
            return "grace period ends at this time (UTC)"
        if self.status is TimebombStatus.WRONG_SIZE:
            return f"plaintext is {len(self.raw)} bytes, not an 8-byte FILETIME"
        return f"FILETIME {self.filetime} is not a time between 2000 and 2100"


def interpret_timebomb(plaintext: bytes) -> GracePeriodEnd:
    """Read a decrypted timebomb as the grace period's end, or say why it cannot be."""
    raw = bytes(plaintext)
    if len(raw) != FILETIME_SIZE:
        return GracePeriodEnd(TimebombStatus.WRONG_SIZE, raw, None, None)
    value = int.from_bytes(raw, "little")
    plausible = (
        datetime_to_filetime(PLAUSIBLE_FROM) <= value < datetime_to_filetime(PLAUSIBLE_UNTIL)
    )
    if not plausible:
        return GracePeriodEnd(TimebombStatus.IMPLAUSIBLE, raw, value, None)
    return GracePeriodEnd(TimebombStatus.FILETIME, raw, value, filetime_to_datetime(value))


@dataclass(frozen=True)
class LsaTimebomb:
    """An XP/2003 timebomb LSA secret: one slot's reading and when that slot was written."""

    name: str
    slot: SecretSlot
    reading: GracePeriodEnd
    written_filetime: int | None

    @property
    def written(self) -> datetime | None:
        return (
            None if self.written_filetime is None else filetime_to_datetime(self.written_filetime)
        )


@dataclass(frozen=True)
class LsaTimebombSlot:
    """A stored timebomb secret slot, as listed without any key."""

    name: str
    slot: SecretSlot
    written_filetime: int | None  # CupdTime / OupdTime


def lsa_timebomb_slots(security: Hive | Key) -> list[LsaTimebombSlot]:
    """Every stored ``L$RTMTIMEBOMB_…`` / ``L$BETA3TIMEBOMB_…`` slot (no key needed to list)."""
    return [
        LsaTimebombSlot(name, slot, read_secret_update_time(security, name, slot))
        for name in secret_names(security)
        if name.upper().startswith(LSA_TIMEBOMB_PREFIXES)
        for slot in SECRET_SLOTS
        if read_secret_value(security, name, slot) is not None
    ]


def read_lsa_timebombs(security: Hive | Key, lsa_key: LsaKey) -> list[LsaTimebomb]:
    """Every ``L$RTMTIMEBOMB_…`` / ``L$BETA3TIMEBOMB_…`` secret slot, decrypted and read."""
    found: list[LsaTimebomb] = []
    for stored in lsa_timebomb_slots(security):
        value = read_secret_value(security, stored.name, stored.slot)
        assert value is not None  # listed because it is there
        reading = interpret_timebomb(decrypt_secret(value, lsa_key))
        found.append(LsaTimebomb(stored.name, stored.slot, reading, stored.written_filetime))
    return found


@dataclass(frozen=True)
class LsaTimebombSecrets:
    """The timebomb secret slots of one SECURITY hive and the SYSTEM hive whose boot key
    opened them (``timebombs``, one per slot); when none did, ``timebombs`` is empty and
    ``missing`` or ``errors`` (one line per SYSTEM hive tried) say why."""

    security: str  # the SECURITY hive's path
    slots: tuple[LsaTimebombSlot, ...]  # what it stores
    system: str | None = None  # the SYSTEM hive that opened them
    boot_key_control_set: str | None = None
    lsa_era: str | None = None
    timebombs: tuple[LsaTimebomb, ...] = ()
    missing: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


MISSING_SYSTEM = "the SYSTEM hive (boot key: Control\\Lsa class names)"


def open_lsa_timebombs(
    securities: Sequence[tuple[str, Hive]], systems: Sequence[tuple[str, Hive]]
) -> list[LsaTimebombSecrets]:
    """For every SECURITY hive (path, hive) holding an ``L$RTMTIMEBOMB_…`` secret, its slots
    decrypted with the first SYSTEM hive (path, hive) whose boot key opens its LSA key (a
    wrong boot key is caught by the LSA key's own checks, so a folder of several machines
    pairs itself). No key or plaintext other than the FILETIME readings is kept."""
    found: list[LsaTimebombSecrets] = []
    for security_path, security in securities:
        slots = tuple(lsa_timebomb_slots(security))
        if not slots:
            continue
        if not systems:
            found.append(LsaTimebombSecrets(security_path, slots, missing=(MISSING_SYSTEM,)))
            continue
        errors: list[str] = []
        for system_path, system in systems:
            try:
                lsa = open_lsa(system, security)
                readings = read_lsa_timebombs(security, lsa.lsa_key)
            except HiveparseError as error:
                errors.append(f"{system_path}: {error}")
                continue
            found.append(
                LsaTimebombSecrets(
                    security_path,
                    slots,
                    system_path,
                    lsa.boot_key.control_set,
                    str(lsa.lsa_key.era),
                    tuple(readings),
                )
            )
            break
        else:
            found.append(LsaTimebombSecrets(security_path, slots, errors=tuple(errors)))
    return found
