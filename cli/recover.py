"""`hiveparse recover`: deleted keys and values carved from a hive's unused space."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

import typer

from hiveparse.errors import printable

from .errors import EXIT_OK, EXIT_PARTIAL, say_problems
from .options import EvidenceArg, Format, FormatOpt, KeyArg, NoLogsOpt, OutputOpt, chosen_format
from .output import open_output

_NOT_FROM_REG = "recover reads hive files: a .reg export keeps no deleted data"


def recover(
    evidence: EvidenceArg,
    key: KeyArg = None,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
    no_logs: NoLogsOpt = False,
) -> None:
    """Deleted keys and values (with their data where it survives) from free cells, cell
    slack and the remnant after the hive bins. With KEY: deleted keys at or below it."""
    fmt = chosen_format(output_format, output)
    with open_output(output, [evidence]) as sink:
        document, diagnostics = _recovered(evidence, key, no_logs=no_logs)
        if fmt == Format.TABLE:
            _write_table(document, sink)
        elif fmt == Format.JSONL:
            from hiveparse.report.render import write_jsonl  # noqa: PLC0415

            listed = ("keys", "values_of_live_keys", "values_without_key")
            write_jsonl([record for name in listed for record in document[name]], sink)
        else:
            from hiveparse.report.render import write_json  # noqa: PLC0415

            write_json(document, sink)
    if fmt != Format.JSON:
        say_problems(diagnostics)
    raise typer.Exit(EXIT_PARTIAL if document["partial"] else EXIT_OK)


def _recovered(evidence: Path, key: str | None, *, no_logs: bool) -> tuple[dict[str, Any], Any]:
    """The recovery document of ``evidence`` (at or below ``key``), and its diagnostics."""
    from hiveparse.errors import KeyNotFound, Unsupported  # noqa: PLC0415 - fast --help
    from hiveparse.evidence.open import open_evidence  # noqa: PLC0415
    from hiveparse.evidence.registry import Registry  # noqa: PLC0415
    from hiveparse.model import EvidenceFormat  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415
    from hiveparse.report.recovered import (  # noqa: PLC0415
        recovered_key_record,
        recovered_value_record,
        under,
    )
    from hiveparse.sources.regf.carve import recover as carve  # noqa: PLC0415
    from hiveparse.sources.regf.hive import RegfHive  # noqa: PLC0415

    opened = open_evidence(evidence, apply_logs=not no_logs)
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
    return document, diagnostics


def _where(record: dict[str, Any]) -> str:
    return f"{record['location']} space, cell 0x{record['cell_offset']:x}"


def _value_line(value: dict[str, Any]) -> str:
    name = value["name"] or "(Default)"
    if value["raw"] is None:
        shown = f"<data {value['data_state']}>"
    elif isinstance(value["decoded"], list):
        shown = "\\0".join(value["decoded"])
    else:
        shown = str(value["decoded"])
    if len(shown) > 96:
        shown = shown[:93] + "..."
    return f"    {printable(name)}    {value['type']}    {printable(shown)}    [{_where(value)}]\n"


def _write_table(document: dict[str, Any], out: TextIO) -> None:
    keys, loose = document["keys"], document["values_without_key"]
    out.write(f"{len(keys)} deleted key(s), {document['values_without_key_count']} deleted ")
    out.write("value(s) whose key is unknown\n")
    for key in keys:
        state = "" if key["path_complete"] else "  (path incomplete)"
        twin = "  (a live key of this name exists: older copy)" if key["live_twin"] else ""
        out.write(f"\n{printable(key['path'])}{state}{twin}\n")
        out.write(f"    last written {key['last_written']}    [{_where(key)}]\n")
        for value in key["values"]:
            out.write(_value_line(value))
    by_key: dict[str, list[dict[str, Any]]] = {}
    for value in document["values_of_live_keys"]:
        by_key.setdefault(value["key_path"], []).append(value)
    for path, values in by_key.items():
        out.write(f"\n{printable(path)}  (live key; deleted values left in its value list)\n")
        for value in values:
            out.write(_value_line(value))
    if loose:
        out.write("\nvalues whose key is unknown:\n")
        for value in loose:
            out.write(_value_line(value))
    elif document["values_without_key_count"] and document["key"]:
        out.write("\n(values whose key is unknown are listed without KEY)\n")
