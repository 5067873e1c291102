"""Report records: the one place where model objects become JSON-ready dicts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, Final, cast

from hiveparse import __version__
from hiveparse.errors import Diagnostic, Severity
from hiveparse.evidence.open import Evidence
from hiveparse.filetime import filetime_iso
from hiveparse.model import (
    HiveHeader,
    Key,
    Provenance,
    Value,
    ValueType,
    WalkBudget,
    walk_listed,
)
from hiveparse.paths import full_key_path
from hiveparse.sources.regf.hive import REGF_DATA_START, RegfHive, RegfKey
from hiveparse.sources.regf.records import ValueRecord as VkRecord
from hiveparse.values import decode_value

if TYPE_CHECKING:
    from hiveparse.decode.security import Ace
    from hiveparse.report.models import (
        AceRecord,
        DiagnosticRecord,
        EvidenceRecord,
        Format,
        HeaderRecord,
        KeyRecord,
        Mount,
        SecurityRecord,
        Tool,
        ValueRecord,
    )
    from hiveparse.report.models import Provenance as ProvenanceRecord

SCHEMA_VERSION: Final = "1"
# model.type_name as a table: a value record is made 90,000 times in a query of one hive.
_TYPE_NAMES: Final = {member.value: member.name for member in ValueType}
LAZY_VALUES_FROM: Final = 256  # values of a key kept an iterator (written as made) from this many


def tool_record() -> Tool:
    return {"name": "hiveparse", "version": __version__}


def envelope(
    evidence: Iterable[Evidence],
    body: Mapping[str, Any],
    *,
    partial: bool,
    diagnostics: Iterable[Diagnostic],
    head: Mapping[str, Any] | None = None,
    evidence_fields: Callable[[Evidence], Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """One command's JSON document: the fields every command shares (``schema_version``,
    ``tool``, ``evidence[]``, ``partial``, ``diagnostics[]``; :class:`~hiveparse.report.
    models.Envelope`) around the command's own ``body``. ``head``: fields that come before
    the evidence (analyze's ``as_of`` and ``host``); ``evidence_fields``: what a command adds
    to each input's record (analyze: its control set and role)."""
    records: list[EvidenceRecord] = []
    for item in evidence:
        record = evidence_record(item)
        if evidence_fields is not None:
            cast(dict[str, Any], record).update(evidence_fields(item))
        records.append(record)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_record(),
        **(head or {}),
        "evidence": records,
        **body,
        "partial": partial,
        "diagnostics": diagnostics_record(list(diagnostics)),
    }


def evidence_record(evidence: Evidence) -> EvidenceRecord:
    hives = [mounted.hive for mounted in evidence.hives]
    first = hives[0] if len(hives) == 1 else None
    return {
        "path": evidence.path,
        "sha256": evidence.sha256,
        "size": evidence.size,
        "format": cast("Format", str(evidence.format)),
        "hive": str(first.hive_type) if first else None,
        "mounts": _mounts(evidence),
        "dirty": first.dirty if first else None,
        "logs_applied": first.logs_applied if first else [],
        "engine": first.engine if first else None,
        "reg_header": evidence.reg_header,
        "encoding": evidence.reg_encoding,
    }


def _mounts(evidence: Evidence) -> list[Mount]:
    """The hive mounts an input touches: those it holds keys for and, for a .reg change
    script, those it only deletes from (a script that deletes under SOFTWARE touches it)."""
    mounts: list[Mount] = [
        {"mount": m.mount, "hive": str(m.hive.hive_type), "deletes_only": False}
        for m in evidence.hives
    ]
    seen = {m.mount.upper() for m in evidence.hives}
    for deletion in evidence.reg_deletions:
        location = deletion.location
        if location is not None and location.mount.upper() not in seen:
            seen.add(location.mount.upper())
            mounts.append(
                {"mount": location.mount, "hive": str(location.hive_type), "deletes_only": True}
            )
    return mounts


def value_record(value: Value, key: Provenance | None = None) -> ValueRecord:
    """A value as reports show it. Under its key's record (``key``: the key's provenance)
    its provenance states only what the key's does not: where the value itself lies."""
    raw = value.raw
    return _value_fields(
        value.name,
        value.type_id,
        raw,
        [d.code for d in value.diagnostics],
        _provenance_under(value.provenance, key),
    )


def _value_fields(
    name: str, type_id: int, raw: bytes, problems: list[str], provenance: ProvenanceRecord
) -> ValueRecord:
    decoded = decode_value(type_id, raw)
    if decoded.problem:
        problems.append(decoded.problem)
    shown: Any = decoded.value
    if isinstance(shown, bytes):
        shown = shown.hex()
    return {
        "name": name,
        "type": _TYPE_NAMES.get(type_id) or f"0x{type_id:x}",
        "type_id": type_id,
        "size": len(raw),
        "raw": raw.hex(),
        "decoded": shown,
        "problems": problems,
        "provenance": provenance,
    }


def _provenance_under(own: Provenance, key: Provenance | None) -> ProvenanceRecord:
    """``own`` without the file, format, engine and hive its key's record already states
    (all of them kept when any differs): the cell offset or line, and whether deleted."""
    if key is None or (own.source, own.format, own.engine, own.hive_type) != (
        key.source,
        key.format,
        key.engine,
        key.hive_type,
    ):
        return cast("ProvenanceRecord", own.to_dict())
    return {"cell_offset": own.offset, "line": own.line, "deleted": own.deleted}


def ace_record(ace: Ace) -> AceRecord:
    return {
        "type": ace.type_name,
        "flags": list(ace.flag_names),
        "mask": f"0x{ace.mask:08x}",
        "rights": list(ace.mask_names),
        "sid": ace.sid,
        "name": ace.sid_name,
    }


def security_record(raw: bytes | None) -> SecurityRecord | None:
    """Owner, group and DACL of a key's security descriptor (None where the format has none)."""
    if raw is None:
        return None
    # Keys share a few descriptors (one sk cell serves many keys): each is decoded once.
    copied = dict(_descriptor_record(bytes(raw)))  # a copy: the cached one stays as it is
    return cast("SecurityRecord", copied)


@functools.lru_cache(maxsize=1024)
def _descriptor_record(raw: bytes) -> SecurityRecord:
    from hiveparse.decode.security import parse_security_descriptor  # noqa: PLC0415
    from hiveparse.errors import CorruptStructure  # noqa: PLC0415

    try:
        descriptor = parse_security_descriptor(raw)
    except CorruptStructure as error:
        return {"raw": raw.hex(), "error": error.message}
    return {
        "owner": descriptor.owner,
        "owner_name": descriptor.owner_name,
        "group": descriptor.group,
        "group_name": descriptor.group_name,
        "dacl": None if descriptor.dacl is None else [ace_record(a) for a in descriptor.dacl],
        "sddl": descriptor.to_sddl(),
        "raw": raw.hex(),
    }


def key_record(
    key: Key,
    full_path: str,
    *,
    with_values: bool,
    control_set: str | None = None,
    with_security: bool = False,
    lazy_values: bool = False,
    subkeys: list[Key] | None = None,
) -> KeyRecord:
    """A key as reports show it. With ``lazy_values`` its values are an iterator of value
    records, made as they are written (render.write_record_lazily), not a list. ``subkeys``:
    the key's subkeys where the caller has listed them already (a walk has)."""
    record = _key_fields(
        full_path,
        key.name,
        key.class_name,
        key.last_written,
        [sub.name for sub in (key.subkeys() if subkeys is None else subkeys)],
        cast("ProvenanceRecord", key.provenance.to_dict()),
        control_set,
    )
    if with_values:
        _set_values(record, _value_records(key), lazy=lazy_values)
    if with_security:
        record["security"] = security_record(key.security_descriptor)
    return record


def _value_records(key: Key) -> Iterator[ValueRecord]:
    """:func:`value_record` of each value of ``key``, made one at a time (a generator
    function: the compiled module may build a generator expression's items at once)."""
    below = key.provenance
    for value in key.values():
        yield value_record(value, below)


def walk_records(
    start: Key,
    mount: str,
    *,
    notes: list[Diagnostic],
    control_set: str | None = None,
    with_security: bool = False,
    lazy_values: bool = False,
) -> Iterator[KeyRecord]:
    """The records of ``start`` and every key below it (:func:`key_record` of each key of
    :func:`~hiveparse.model.walk_listed`, paths under ``mount``). A key of this project's
    REGF reader is walked as cell rows, without a key and value object each: the same
    records, about twice as fast, for the query of a whole hive."""
    if isinstance(start, RegfKey):
        yield from _regf_walk_records(
            start,
            mount,
            notes=notes,
            control_set=control_set,
            with_security=with_security,
            lazy_values=lazy_values,
        )
        return
    for key, subkeys in walk_listed(start, notes=notes):
        yield key_record(
            key,
            full_key_path(mount, key.path),
            with_values=True,
            control_set=control_set,
            with_security=with_security,
            lazy_values=lazy_values,
            subkeys=subkeys,
        )


def _regf_walk_records(
    start: RegfKey,
    mount: str,
    *,
    notes: list[Diagnostic],
    control_set: str | None,
    with_security: bool,
    lazy_values: bool,
) -> Iterator[KeyRecord]:
    hive = start.hive
    # Every key of one hive has the same source, format, engine and hive type: only the
    # cell offset differs (what RegfKey.provenance would state, key by key).
    template = cast("ProvenanceRecord", start.provenance.to_dict())
    for row in hive.walk_rows(start, WalkBudget(), notes):
        offset, node = row.offset, row.node
        record = _key_fields(
            full_key_path(mount, row.path),
            node.name,
            hive.class_name(offset, node),
            node.last_written,
            [child.name for _offset, child in row.subkeys],
            {**template, "cell_offset": offset},
            control_set,
        )
        values = _regf_value_records(hive, hive.listed_values(offset, node, row.path))
        _set_values(record, values, lazy=lazy_values)
        if with_security:
            record["security"] = security_record(hive.security_descriptor(offset, node))
        yield record


def _regf_value_records(
    hive: RegfHive, listed: list[tuple[int, VkRecord]]
) -> Iterator[ValueRecord]:
    """:func:`value_record` of each listed value, read straight from its cells."""
    anomalies_at = hive.anomaly.at
    for offset, value in listed:
        raw = hive.value_data(offset, value)  # read first: reading finds the anomalies
        yield _value_fields(
            value.name,
            value.type_id,
            raw,
            [d.code for d in anomalies_at(offset + REGF_DATA_START)],
            {"cell_offset": offset, "line": None, "deleted": False},
        )


def _key_fields(
    full_path: str,
    name: str,
    class_name: str | None,
    last_written: int | None,
    subkeys: list[str],
    provenance: ProvenanceRecord,
    control_set: str | None,
) -> KeyRecord:
    record: KeyRecord = {
        "path": full_path,
        "name": name,
        "class_name": class_name,
        "last_written": filetime_iso(last_written),
        "last_written_raw": last_written,
        "subkeys": subkeys,
        "provenance": provenance,
    }
    if control_set is not None:
        record["control_set"] = control_set
    return record


def _set_values(record: KeyRecord, values: Iterator[ValueRecord], *, lazy: bool) -> None:
    """``record["values"]``: a list; with ``lazy``, a key with more than a batch of values
    keeps them an iterator, written as it is made (render.write_record_lazily writes it as
    the list the model declares). Most keys hold a few values: those are listed (one encoder
    call for the key)."""
    if not lazy:
        record["values"] = list(values)
        return
    head = list(islice(values, LAZY_VALUES_FROM))
    if len(head) < LAZY_VALUES_FROM:
        record["values"] = head
    else:  # a record is a dict: the iterator is set as such (the compiled module checks)
        cast(dict[str, Any], record)["values"] = chain(head, values)


def header_record(header: HiveHeader) -> HeaderRecord:
    return {
        "primary_sequence": header.primary_sequence,
        "secondary_sequence": header.secondary_sequence,
        "sequences_match": header.sequences_match,
        "last_written": filetime_iso(header.last_written),
        "last_written_raw": header.last_written,
        "version": f"{header.major_version}.{header.minor_version}",
        "file_type": header.file_type,
        "file_format": header.file_format,
        "root_cell_offset": header.root_cell_offset,
        "hive_bins_data_size": header.hive_bins_data_size,
        "clustering_factor": header.clustering_factor,
        "embedded_file_name": header.file_name,
        "checksum_stored": f"0x{header.checksum_stored:08x}",
        "checksum_computed": f"0x{header.checksum_computed:08x}",
        "checksum_ok": header.checksum_ok,
        "flags": header.flags,
    }


def diagnostics_record(diagnostics: list[Diagnostic]) -> list[DiagnosticRecord]:
    return [cast("DiagnosticRecord", d.to_dict()) for d in diagnostics]


def is_partial(diagnostics: list[Diagnostic]) -> bool:
    """True when something could not be read (an error-level diagnostic was recorded)."""
    return any(d.severity == Severity.ERROR for d in diagnostics)
