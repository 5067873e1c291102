"""FILETIME: 100-nanosecond intervals since 1601-01-01 UTC, as Windows stores times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH_1601 = datetime(1601, 1, 1, tzinfo=UTC)
_EPOCH_1601_NAIVE = datetime(1601, 1, 1)  # UTC, for text made without a time zone step
_MAX_FILETIME = (
    (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC) - EPOCH_1601) // timedelta(microseconds=1) * 10
)


def filetime_to_datetime(raw: int) -> datetime | None:
    """An aware UTC datetime, or None for 0 and for values past year 9999."""
    if raw <= 0 or raw > _MAX_FILETIME:
        return None
    return EPOCH_1601 + timedelta(microseconds=raw // 10)


def datetime_to_filetime(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    delta = moment - EPOCH_1601
    return (delta // timedelta(microseconds=1)) * 10


def iso_z(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with a ``Z`` suffix (microseconds kept only when present)."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    return f"{text}Z"


def filetime_iso(raw: int | None) -> str | None:
    """The ISO-8601 text :func:`iso_z` gives for :func:`filetime_to_datetime` of ``raw``
    (once per key of a hive walk: made without the time zone conversion)."""
    if raw is None or raw <= 0 or raw > _MAX_FILETIME:
        return None
    return f"{(_EPOCH_1601_NAIVE + timedelta(microseconds=raw // 10)).isoformat()}Z"
