"""What `info` reports about one piece of evidence: header, bins, counts, logs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from hiveparse.decode.origin import HiveOrigin
from hiveparse.errors import Diagnostic
from hiveparse.evidence.open import Evidence
from hiveparse.filetime import filetime_iso
from hiveparse.model import walk
from hiveparse.report.models import HiveCount, InfoBody
from hiveparse.report.records import header_record

if TYPE_CHECKING:
    from hiveparse.report.models import InfoDocument


def count_tree(evidence: Evidence) -> list[HiveCount]:
    """Keys and values per mounted hive (a full walk, which also collects anomalies)."""
    counted: list[HiveCount] = []
    for mounted in evidence.hives:
        keys = values = 0
        for key in walk(mounted.hive.root(), notes=evidence.diagnostics):
            keys += 1
            for value in key.values():
                values += 1
                value.check_data()  # its anomalies, without holding its data
        counted.append(
            {
                "mount": mounted.mount,
                "hive": str(mounted.hive.hive_type),
                "root_name": mounted.hive.root().name,
                "keys": keys,
                "values": values,
            }
        )
    return counted


def origin_record(origin: HiveOrigin) -> dict[str, Any]:
    """hiveparse convert's origin marker of a hive, as ``info`` shows it."""
    return {**origin.payload(), "last_written_time": filetime_iso(origin.last_written)}


def summarise_evidence(evidence: Evidence, *, walk_all: bool, logs_beside: Path) -> InfoBody:
    # written_by is set for a hive hiveparse convert wrote
    summary: InfoBody = {
        "written_by": None,
        "hives": count_tree(evidence)
        if walk_all
        else [
            {"mount": m.mount, "hive": str(m.hive.hive_type), "keys": None, "values": None}
            for m in evidence.hives
        ],
    }
    if len(evidence.hives) == 1 and evidence.hives[0].hive.header is not None:
        hive = evidence.hives[0].hive
        header = hive.header
        assert header is not None
        from hiveparse.sources.regf.logfiles import scan_transaction_logs  # noqa: PLC0415

        on_disk = getattr(hive, "header_on_disk", header)
        summary["header"] = header_record(on_disk)
        if on_disk is not header:
            summary["header_after_replay"] = header_record(header)
        cells = getattr(hive, "cells", None)
        if cells is not None:
            summary["hive_bins"] = {"count": len(cells.bins), "trusted_data_size": cells.data_size}
        summary["dirty"] = hive.dirty
        search = scan_transaction_logs(logs_beside)
        summary["logs_found"] = [str(p) for p in search.logs]
        summary["logs_refused"] = [
            {"path": str(item.path), "reason": item.reason} for item in search.refused
        ]
        summary["logs_applied"] = hive.logs_applied
        # A hive hiveparse convert wrote says so: its keys never lived in a registry.
        summary["written_by"] = None if hive.origin is None else origin_record(hive.origin)
    return summary


def info_report(
    path: Path, *, encoding: str | None = None, apply_logs: bool = True, walk_all: bool = True
) -> tuple[InfoDocument, list[Diagnostic]]:
    """The ``info`` document of the evidence file ``path`` (``walk_all``: count every key
    and value, which collects the anomalies too), and the diagnostics of reading it."""
    from hiveparse.evidence.open import open_evidence  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415

    opened = open_evidence(path, encoding=encoding, apply_logs=apply_logs)
    summary = summarise_evidence(opened, walk_all=walk_all, logs_beside=path)
    diagnostics = opened.all_diagnostics
    document = records.envelope(
        [opened], summary, partial=records.is_partial(diagnostics), diagnostics=diagnostics
    )
    return cast("InfoDocument", document), diagnostics
