"""The output of ``hiveparse diff``: the document (``DiffDocument``), its records as JSON
Lines or CSV, and a listing for a person.

The listing reads like ``diff``'s: a key's path, then its values, each marked ``+`` (on B
only), ``-`` (on A only) or ``~`` (changed, ``A -> B``); a key only one side has is marked
the same way. Strings from evidence are shown printable (ESC, line breaks escaped). The CSV
is safe for spreadsheets: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (which a spreadsheet would take for a formula) starts with ``'`` instead.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO, cast

from hiveparse.compare.diff import Change, Difference, DiffResult, Seen
from hiveparse.compare.sides import Side
from hiveparse.errors import printable
from hiveparse.filetime import filetime_iso
from hiveparse.model import ValueType
from hiveparse.report import records
from hiveparse.report.spreadsheet import safe_cell
from hiveparse.values import decode_value, show_value

if TYPE_CHECKING:
    from hiveparse.evidence.open import Evidence
    from hiveparse.report.models import (
        DiffDocument,
        DifferenceRecord,
        NotComparedRecord,
        SeenAt,
        SideRecord,
    )

CSV_COLUMNS = (
    "change", "kind", "path", "name", "type_a", "type_b", "a", "b", "raw_a", "raw_b",
    "source_a", "cell_offset_a", "line_a", "source_b", "cell_offset_b", "line_b",
    "machine_specific",
)  # fmt: skip
_MARKS = {Change.ADDED: "+", Change.REMOVED: "-", Change.CHANGED: "~"}


def diff_document(result: DiffResult) -> DiffDocument:
    """The diff as one document: the envelope (both sides' evidence, each marked with its
    side), the sides, the options, a summary, the differences and what was not compared."""
    side_of = {item.path: "a" for item in result.a.evidence}
    side_of.update({item.path: "b" for item in result.b.evidence})
    counts = result.counts()
    body = {
        "sides": [_side_record(result.a), _side_record(result.b)],
        "options": {
            "key": result.options.key,
            "control_sets": str(result.options.control_sets),
            "times": result.options.times,
            "default_ignores": result.options.default_ignores,
        },
        "summary": {"differences": len(result.differences), **counts},
        "differences": [difference_record(item) for item in result.differences],
        "not_compared": [cast("NotComparedRecord", n.to_dict()) for n in result.not_compared],
        "ignored": result.ignore.to_list(),
    }

    def evidence_fields(item: Evidence) -> dict[str, Any]:
        return {"side": side_of[item.path]}

    document = records.envelope(
        [*result.a.evidence, *result.b.evidence],
        body,
        partial=result.partial,
        diagnostics=[*result.a.diagnostics, *result.b.diagnostics, *result.notes],
        evidence_fields=evidence_fields,
    )
    return cast("DiffDocument", document)


def difference_record(item: Difference) -> DifferenceRecord:
    a, b = item.a, item.b
    if item.kind == "key":
        return {
            "change": cast(Any, str(item.change)),
            "kind": "key",
            "path": item.path,
            "name": None,
            "type_a": None,
            "type_b": None,
            "a": _time(a),
            "b": _time(b),
            "raw_a": _time_raw(a),
            "raw_b": _time_raw(b),
            "at_a": _at(a),
            "at_b": _at(b),
            "machine_specific": item.machine_specific,
        }
    return {
        "change": cast(Any, str(item.change)),
        "kind": "value",
        "path": item.path,
        "name": item.name,
        "type_a": _type(a),
        "type_b": _type(b),
        "a": _decoded(a),
        "b": _decoded(b),
        "raw_a": None if a is None or a.raw is None else a.raw.hex(),
        "raw_b": None if b is None or b.raw is None else b.raw.hex(),
        "at_a": _at(a),
        "at_b": _at(b),
        "machine_specific": item.machine_specific,
    }


def _side_record(side: Side) -> SideRecord:
    return {
        "label": cast(Any, side.label),
        "host": side.host,
        "arguments": side.arguments,
        "partial": side.partial,
        "mounts": [
            {
                "mount": mount.mount,
                "source": mount.evidence.path,
                "kind": str(mount.coverage.to_dict()["kind"]),
                "current_control_set": mount.current_control_set,
            }
            for mount in side.mounts.values()
        ],
    }


def _type(seen: Seen | None) -> str | None:
    if seen is None or seen.type_id is None:
        return None
    try:
        return ValueType(seen.type_id).name
    except ValueError:
        return f"0x{seen.type_id:x}"


def _decoded(seen: Seen | None) -> Any:
    if seen is None or seen.raw is None:
        return None
    value = decode_value(seen.type_id or 0, seen.raw).value
    return value.hex() if isinstance(value, bytes) else value


def _time(seen: Seen | None) -> str | None:
    return None if seen is None else filetime_iso(seen.last_written)


def _time_raw(seen: Seen | None) -> str | None:
    """The FILETIME as the key node stores it: 8 bytes, little-endian, as hex."""
    if seen is None or seen.last_written is None:
        return None
    return (seen.last_written & (2**64 - 1)).to_bytes(8, "little").hex()


def _at(seen: Seen | None) -> SeenAt | None:
    if seen is None:
        return None
    return {"source": seen.source, "cell_offset": seen.cell_offset, "line": seen.line}


# -- CSV -----------------------------------------------------------------------------------


def write_diff_csv(differences: Iterable[DifferenceRecord], sink: TextIO) -> None:
    """One row per difference under a header row (:data:`CSV_COLUMNS`), spreadsheet-safe."""
    writer = csv.writer(sink, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in differences:
        at_a: dict[str, Any] = dict(record["at_a"] or {})
        at_b: dict[str, Any] = dict(record["at_b"] or {})
        row: list[object] = [
            record["change"], record["kind"], record["path"], record["name"],
            record["type_a"], record["type_b"], _cell(record["a"]), _cell(record["b"]),
            record["raw_a"], record["raw_b"],
            at_a.get("source"), at_a.get("cell_offset"), at_a.get("line"),
            at_b.get("source"), at_b.get("cell_offset"), at_b.get("line"),
            record["machine_specific"],
        ]  # fmt: skip
        writer.writerow([safe_cell(cell) for cell in row])


def _cell(decoded: Any) -> Any:
    """A decoded value in one cell: a multi-string's strings one per line."""
    if isinstance(decoded, list):
        return "\n".join(str(item) for item in decoded)
    return decoded


# -- the listing ---------------------------------------------------------------------------


def write_diff_listing(document: DiffDocument, sink: TextIO) -> None:
    """The differences for a person (see the module docstring), then what was not compared
    and the summary."""
    for side in document["sides"]:
        sources = ", ".join(m["source"] for m in side["mounts"])
        named = side["host"] if sources in side["host"] else f"{side['host']} ({sources})"
        sink.write(printable(f"{side['label'].upper()}: {named}") + "\n")
    path: str | None = None
    for record in document["differences"]:
        mark = _MARKS[Change(record["change"])]
        if record["kind"] == "key":
            if record["change"] == "changed":
                line = f"~ {record['path']}  (written {record['a']} -> {record['b']})"
            else:
                line = f"{mark} {record['path']}  (key)"
            sink.write("\n" + printable(line + _machine(record)) + "\n")
            path = record["path"]
            continue
        if record["path"] != path:
            path = record["path"]
            sink.write("\n" + printable(path) + "\n")
        sink.write(printable(f"  {mark} {_value_line(record)}{_machine(record)}") + "\n")
    _not_compared(document["not_compared"], sink)
    summary = document["summary"]
    sink.write(
        f"\n{summary['differences']} difference(s): values {summary['added_values']} added, "
        f"{summary['removed_values']} removed, {summary['changed_values']} changed; keys "
        f"{summary['added_keys']} added, {summary['removed_keys']} removed"
        + (f", {summary['changed_keys']} rewritten" if document["options"]["times"] else "")
        + "\n"
    )


def _machine(record: DifferenceRecord) -> str:
    why = record["machine_specific"]
    return "" if why is None else f"  [machine-specific: {why}]"


def _value_line(record: DifferenceRecord) -> str:
    name = "(Default)" if record["name"] == "" else str(record["name"])
    if record["change"] == "changed":
        kinds = (
            record["type_a"]
            if record["type_a"] == record["type_b"]
            else (f"{record['type_a']} -> {record['type_b']}")
        )
        before, after = _shown(record["a"], record["raw_a"]), _shown(record["b"], record["raw_b"])
        return f"{name}  {kinds}  {before} -> {after}"
    if record["change"] == "added":
        return f"{name}  {record['type_b']}  {_shown(record['b'], record['raw_b'])}"
    return f"{name}  {record['type_a']}  {_shown(record['a'], record['raw_a'])}"


def _shown(decoded: Any, raw: str | None) -> str:
    """Data for a person: binary (decoded to its own hex) as ``hex ...``, else as decoded."""
    if isinstance(decoded, str) and decoded == raw:
        return show_value(bytes.fromhex(raw))
    return show_value(decoded)


def _not_compared(items: list[NotComparedRecord], sink: TextIO) -> None:
    if not items:
        return
    sink.write("\nnot compared:\n")
    for item in items:
        keys, values = item["keys"], item["values"]
        left = (
            f" ({keys} key{'' if keys == 1 else 's'}, {values} value{'' if values == 1 else 's'})"
            if keys or values
            else ""
        )
        sink.write(printable(f"  {item['path']}: {item['reason']}{left}") + "\n")
