"""Report records for deleted keys and values carved from a hive (``hiveparse recover``)."""

from __future__ import annotations

from typing import Any

from hiveparse.filetime import filetime_iso
from hiveparse.model import fold_name, type_name
from hiveparse.paths import full_key_path
from hiveparse.report.models import RecoveredKey as RecoveredKeyRecord
from hiveparse.report.models import RecoveredValue as RecoveredValueRecord
from hiveparse.sources.regf.carve import RecoveredKey, RecoveredValue
from hiveparse.values import decode_value


def recovered_value_record(value: RecoveredValue, mount: str) -> RecoveredValueRecord:
    decoded: Any = None
    problems: list[str] = []
    if value.raw is not None:
        result = decode_value(value.type_id, value.raw)
        decoded = result.value.hex() if isinstance(result.value, bytes) else result.value
        if result.problem:
            problems.append(result.problem)
    return {
        "name": value.name,
        "type": type_name(value.type_id),
        "type_id": value.type_id,
        "size": value.data_size,
        "data_state": value.data_state,
        "raw": None if value.raw is None else value.raw.hex(),
        "decoded": decoded,
        "problems": problems,
        "deleted": True,
        "location": value.location,
        "cell_offset": value.offset,
        "file_offset": value.file_offset,
        "key_cell_offset": value.key_offset,
        "key_path": None if value.key_path is None else full_key_path(mount, value.key_path),
        "link": value.link,
    }


def recovered_key_record(key: RecoveredKey, mount: str) -> RecoveredKeyRecord:
    return {
        "path": full_key_path(mount, key.path),
        "name": key.name,
        "path_complete": key.path_complete,
        "deleted": True,
        "live_twin": key.live_twin,
        "class_name": key.class_name,
        "last_written": filetime_iso(key.last_written),
        "last_written_raw": key.last_written,
        "number_of_subkeys": key.number_of_subkeys,
        "number_of_values": key.number_of_values,
        "location": key.location,
        "cell_offset": key.offset,
        "file_offset": key.file_offset,
        "parent_cell_offset": key.parent_offset,
        "values": [recovered_value_record(value, mount) for value in key.values],
    }


def under(path: str, prefix: str) -> bool:
    """Whether hive path ``path`` is ``prefix`` or lies below it (case-insensitive)."""
    if not prefix:
        return True
    folded, wanted = fold_name(path), fold_name(prefix)
    return folded == wanted or folded.startswith(wanted + "\\")
