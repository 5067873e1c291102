"""FILETIME: 100-nanosecond intervals since 1601-01-01 UTC, as Windows stores times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

EPOCH_1601: Final = datetime(1601, 1, 1, tzinfo=UTC)
_EPOCH_1601_NAIVE: Final = datetime(1601, 1, 1)  # UTC, for text made without a time zone step
_MAX_FILETIME: Final = (
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
    """The ISO-8601 text :func:`iso_z` gives for :func:`filetime_to_datetime` of ``raw``,
    made from integer arithmetic (once per key of a hive walk; the date part is cached)."""
    if raw is None or raw <= 0 or raw > _MAX_FILETIME:
        return None
    days, micro = divmod(raw // 10, _MICROSECONDS_A_DAY)
    seconds, fraction = divmod(micro, 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, second = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{second:02d}"
    # isoformat() writes the microseconds only when there are any.
    return (
        f"{_day_text(days)}T{clock}.{fraction:06d}Z" if fraction else f"{_day_text(days)}T{clock}Z"
    )


_MICROSECONDS_A_DAY: Final = 86_400_000_000
_DAY_TEXT: Final[dict[int, str]] = {}


def _day_text(days: int) -> str:
    """The date ``days`` after 1601-01-01, as isoformat() writes it."""
    text = _DAY_TEXT.get(days)
    if text is None:
        if len(_DAY_TEXT) > 65_536:  # a hostile hive's key times need not repeat
            _DAY_TEXT.clear()
        text = (_EPOCH_1601_NAIVE + timedelta(days=days)).date().isoformat()
        _DAY_TEXT[days] = text
    return text
