"""The grace-period timebomb's plaintext read as a FILETIME (dpapi.md §3.4 step 5, §6).

The decrypted value is taken to be the grace period's **end**, in UTC: proven on the XP-era
LSA secret (BitCurator: written 2009-11-09, value exactly 120 days later), consistent with
TSTool for 2008+, where it is UNCERTAIN (dpapi.md §7). A plaintext that is not exactly 8 bytes,
or whose FILETIME falls outside 2000–2100, is reported as such with its raw bytes; no date is
guessed from it.

On XP and 2003 the timebomb is an LSA secret (``L$RTMTIMEBOMB_…``, dpapi.md §1, §3.5), read
here from both ``CurrVal`` and ``OldVal`` with the secret's update times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from hiveparse.crypto.lsa import (
    SECRET_SLOTS,
    LsaKey,
    SecretSlot,
    decrypt_secret,
    read_secret_update_time,
    read_secret_value,
    secret_names,
)
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


def read_lsa_timebombs(security: Hive | Key, lsa_key: LsaKey) -> list[LsaTimebomb]:
    """Every ``L$RTMTIMEBOMB_…`` / ``L$BETA3TIMEBOMB_…`` secret slot, decrypted and read."""
    found: list[LsaTimebomb] = []
    for name in secret_names(security):
        if not name.upper().startswith(LSA_TIMEBOMB_PREFIXES):
            continue
        for slot in SECRET_SLOTS:
            stored = read_secret_value(security, name, slot)
            if stored is None:
                continue
            reading = interpret_timebomb(decrypt_secret(stored, lsa_key))
            found.append(
                LsaTimebomb(name, slot, reading, read_secret_update_time(security, name, slot))
            )
    return found
