"""The output of ``hiveparse compare``: the document (``CompareDocument``), its rows as
JSON Lines or CSV (the table is in :mod:`hiveparse.report.tables`).

Each row: the setting, its status, each side's value as a person reads it (``a``, ``b``),
the data it rests on (``raw_a``, ``raw_b``), each side's provenance (its state: set, not set,
unusable or unknown; the layer that decided and the lower-layer values it overrides;
the facts with their source, hash, key, value, cell offset or line; the places the evidence
does not cover, with the input that would settle them; the disagreements among the side's
own inputs) and a note. The CSV is safe for spreadsheets (:mod:`~hiveparse.report.spreadsheet`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO, cast

from hiveparse.compare.compare import Comparison, HostSide, Row, conflict_records
from hiveparse.compare.settings import Reading, Setting
from hiveparse.rds.judge import describe_place, settle_with, why_not_covered
from hiveparse.report import records
from hiveparse.report.spreadsheet import safe_cell

if TYPE_CHECKING:
    from hiveparse.evidence.open import Evidence
    from hiveparse.report.models import (
        CompareDocument,
        CompareRow,
        CompareSide,
        SettingProvenance,
    )

CSV_COLUMNS = (
    "setting", "id", "group", "status", "a", "b", "state_a", "state_b", "raw_a", "raw_b",
    "layer_a", "layer_b", "source_a", "source_b", "note",
)  # fmt: skip


def compare_document(comparison: Comparison) -> CompareDocument:
    """The comparison as one document: the envelope (both sides' evidence, each marked with
    its side), the sides, a summary and every row, in the catalogue's order."""
    a, b = comparison.a, comparison.b
    side_of = {item.path: "a" for item in a.machine.evidence}
    side_of.update({item.path: "b" for item in b.machine.evidence})
    body = {
        "sides": [_side(a), _side(b)],
        "summary": {"rows": len(comparison.rows), **comparison.counts()},
        "rows": [compare_row(row, a, b) for row in comparison.rows],
    }

    def evidence_fields(item: Evidence) -> dict[str, Any]:
        return {"side": side_of[item.path]}

    document = records.envelope(
        [*a.machine.evidence, *b.machine.evidence],
        body,
        partial=comparison.partial,
        diagnostics=comparison.diagnostics,
        evidence_fields=evidence_fields,
    )
    return cast("CompareDocument", document)


def _side(host: HostSide) -> CompareSide:
    machine = host.machine
    return {
        "label": cast(Any, machine.label),
        "host": machine.host,
        "arguments": machine.arguments,
        "partial": machine.partial,
        "identity": cast(Any, host.state.identity.to_dict()),
    }


def compare_row(row: Row, a: HostSide, b: HostSide) -> CompareRow:
    setting = row.setting
    return {
        "setting": setting.label,
        "id": setting.id,
        "group": setting.group,
        "status": cast(Any, str(row.status)),
        "a": row.a.shown,
        "b": row.b.shown,
        "raw_a": row.a.raw,
        "raw_b": row.b.raw,
        "a_provenance": _provenance(row.a, a, setting),
        "b_provenance": _provenance(row.b, b, setting),
        "machine_specific": setting.machine_specific,
        "reference_status": cast(Any, str(setting.status)),
        "note": row.note,
        "notes": list(row.notes),
    }


def _provenance(reading: Reading, host: HostSide, setting: Setting) -> SettingProvenance:
    sources = host.state.facts.coverage.sources
    return {
        "state": cast(Any, str(reading.state)),
        "layer": cast(Any, reading.layer),
        "facts": [cast(Any, fact.evidence_record()) for fact in reading.facts],
        "overridden": [cast(Any, fact.evidence_record()) for fact in reading.overridden],
        "not_covered": [
            {
                "place": describe_place(location),
                "fact": location.fact,
                "reason": why_not_covered(location, sources),
                "settle_with": settle_with(location),
            }
            for location in reading.unknown
        ],
        "conflicts": cast(Any, conflict_records(host, setting)),
    }


# -- JSON Lines and CSV ----------------------------------------------------------------------


def write_compare_csv(rows: Iterable[CompareRow], sink: TextIO) -> None:
    """One line per setting under a header line (:data:`CSV_COLUMNS`), spreadsheet-safe."""
    writer = csv.writer(sink, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        cells: list[object] = [
            row["setting"], row["id"], row["group"], row["status"],
            shown_cell(row["a"]), shown_cell(row["b"]),
            row["a_provenance"]["state"], row["b_provenance"]["state"],
            shown_cell(row["raw_a"]), shown_cell(row["raw_b"]),
            row["a_provenance"]["layer"], row["b_provenance"]["layer"],
            _sources(row["a_provenance"]), _sources(row["b_provenance"]), row["note"],
        ]  # fmt: skip
        writer.writerow([safe_cell(cell) for cell in cells])


def shown_cell(value: Any) -> Any:
    """A value in one cell or one table column: a list one item per line, a mapping as
    ``name=value`` lines, None (not set) empty."""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if isinstance(value, dict):
        return "\n".join(f"{name}={item}" for name, item in value.items())
    return value


def _sources(provenance: SettingProvenance) -> str:
    return "\n".join(dict.fromkeys(str(fact["source"]) for fact in provenance["facts"]))
