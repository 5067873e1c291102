"""Report records for deleted keys and values carved from a hive (``hiveparse recover``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from hiveparse.errors import Diagnostic, KeyNotFound, Unsupported
from hiveparse.filetime import filetime_iso
from hiveparse.model import fold_name, type_name
from hiveparse.paths import full_key_path
from hiveparse.report.models import RecoveredKey as RecoveredKeyRecord
from hiveparse.report.models import RecoveredValue as RecoveredValueRecord
from hiveparse.sources.regf.carve import RecoveredKey, RecoveredValue
from hiveparse.values import decode_value

if TYPE_CHECKING:
    from hiveparse.report.models import RecoverDocument

_NOT_FROM_REG = "recover reads hive files: a .reg export keeps no deleted data"


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


def recover_report(
    evidence: Path, key: str | None, *, apply_logs: bool = True
) -> tuple[RecoverDocument, list[Diagnostic]]:
    """The recovery document of the hive file ``evidence`` (deleted keys at or below
    ``key``, and the values whose key is unknown when no key is given), and its diagnostics.
    Unsupported for a .reg file; KeyNotFound when ``key`` cannot lie in the hive."""
    from hiveparse.evidence.open import open_evidence  # noqa: PLC0415
    from hiveparse.evidence.registry import Registry  # noqa: PLC0415
    from hiveparse.model import EvidenceFormat  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415
    from hiveparse.sources.regf.carve import recover as carve  # noqa: PLC0415
    from hiveparse.sources.regf.hive import RegfHive  # noqa: PLC0415

    opened = open_evidence(evidence, apply_logs=apply_logs)
    if opened.format == EvidenceFormat.REG:
        raise Unsupported(_NOT_FROM_REG, source=opened.path)
    resolved = Registry([opened]).resolve(key)
    if not resolved:
        raise KeyNotFound(f"key {key!r} cannot lie in {opened.path}")
    _evidence, mounted, relative = resolved[0]
    hive = mounted.hive
    if not isinstance(hive, RegfHive):
        raise Unsupported(_NOT_FROM_REG, source=opened.path)
    recovery = carve(hive)
    # The hive's own anomalies (truncation, a dirty hive without its logs, ...) bound what
    # carving could see: they are reported, and an error among them makes the result partial.
    diagnostics = [*opened.all_diagnostics, *recovery.diagnostics]
    partial = recovery.partial or records.is_partial(diagnostics)
    keys = [
        recovered_key_record(item, mounted.mount)
        for item in sorted(recovery.keys, key=lambda found: (found.path, found.offset))
        if under(item.path, relative) and (item.path_complete or not relative)
    ]
    deleted_keys = {item.offset for item in recovery.keys}
    unplaced = [value for value in recovery.values if value.key_offset is None]
    of_live_keys = [
        recovered_value_record(value, mounted.mount)
        for value in recovery.values
        if value.key_offset is not None
        and value.key_offset not in deleted_keys
        and under(value.key_path or "", relative)
    ]
    body: dict[str, Any] = {
        "key": key,
        "keys": keys,
        "values_of_live_keys": of_live_keys,
        "values_without_key": (
            [recovered_value_record(value, mounted.mount) for value in unplaced]
            if not relative
            else []
        ),
        "values_without_key_count": len(unplaced),
        "scanned_bytes": recovery.scanned_bytes,
    }
    document = records.envelope([opened], body, partial=partial, diagnostics=diagnostics)
    return cast("RecoverDocument", document), diagnostics
