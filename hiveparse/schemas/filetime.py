"""FILETIME: a little-endian 64-bit count of 100 ns intervals since 1601-01-01 UTC.

[MS-DTYP] 2.3.3. The adapter keeps the raw integer beside the aware datetime; a value with no
datetime (0, or past year 9999) parses to ``None`` for ``moment`` and keeps ``raw``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from construct import Adapter, Int64ul

from hiveparse.filetime import datetime_to_filetime, filetime_to_datetime


class Filetime(NamedTuple):
    raw: int
    moment: datetime | None


class FiletimeAdapter(Adapter):  # type: ignore[misc]  # construct is untyped
    def _decode(self, obj: int, context: Any, path: Any) -> Filetime:
        return Filetime(obj, filetime_to_datetime(obj))

    def _encode(self, obj: Filetime | datetime | int, context: Any, path: Any) -> int:
        if isinstance(obj, Filetime):
            return obj.raw
        if isinstance(obj, datetime):
            return datetime_to_filetime(obj)
        return int(obj)


filetime = FiletimeAdapter(Int64ul)
