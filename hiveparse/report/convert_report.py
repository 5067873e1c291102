"""`hiveparse convert`'s report: the hives written from a .reg file, as a JSON document
(:class:`~hiveparse.report.models.ConvertDocument`) and as lines for a terminal."""

from __future__ import annotations

from typing import Any

from hiveparse.evidence.open import Evidence, MountedHive
from hiveparse.export.convert import RegConversion, WrittenHive
from hiveparse.filetime import filetime_iso
from hiveparse.model import EvidenceFormat
from hiveparse.report import records
from hiveparse.sources.regf.hive import parse_header


def convert_document(conversion: RegConversion, written: list[WrittenHive]) -> dict[str, Any]:
    """The command's JSON document: the .reg file as evidence, the synthetic time, each
    hive written (hashed as written) and each mount not written."""
    evidence = Evidence(
        conversion.source,
        conversion.size,
        conversion.sha256,
        EvidenceFormat.REG,
        [MountedHive(h.mount, h.snapshot) for h in conversion.hives],
        diagnostics=list(conversion.diagnostics),
        reg_header=str(conversion.header),
        reg_encoding=conversion.encoding,
    )
    chosen = {item.hive.mount for item in written}
    body = {
        "last_written": {
            "time": filetime_iso(conversion.last_written),
            "raw": conversion.last_written,
            "origin": conversion.last_written_origin,
            "synthetic": True,
        },
        "outputs": [
            {
                "path": str(item.path),
                "sha256": item.sha256,
                "size": item.size,
                "format": "regf",
                "mount": item.hive.mount,
                "hive": str(item.hive.hive_type),
                "root_name": item.hive.root_name,
                # What the base block holds (Windows keeps the path's last 31 characters).
                "embedded_file_name": parse_header(item.hive.data, str(item.path)).file_name,
                "last_written": filetime_iso(item.hive.last_written),
                "last_written_raw": item.hive.last_written,
                "keys": item.hive.keys,
                "values": item.hive.values,
                "diagnostics": records.diagnostics_record(list(item.hive.diagnostics)),
            }
            for item in written
        ],
        "not_written": [h.mount for h in conversion.hives if h.mount not in chosen],
    }
    return records.envelope(
        [evidence],
        body,
        partial=records.is_partial(list(conversion.diagnostics)),
        diagnostics=conversion.diagnostics,
    )


def convert_summary_lines(conversion: RegConversion, written: list[WrittenHive]) -> list[str]:
    """One line per hive written, for a terminal."""
    origin = (
        "the .reg file's modification time"
        if conversion.last_written_origin == "file_mtime"
        else "--timestamp"
    )
    lines = []
    for item in written:
        hive = item.hive
        lines.append(
            f"wrote {item.path}: {hive.hive_type} hive of {hive.mount}, {hive.keys} keys, "
            f"{hive.values} values, {item.size} bytes, sha256 {item.sha256}; every key "
            f"stamped {filetime_iso(hive.last_written)} ({origin}, not evidence)"
        )
    return lines
