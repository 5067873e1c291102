"""`hiveparse query`: an offline `reg query` over a hive or a .reg file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from .errors import EXIT_OK, EXIT_PARTIAL, say_problems
from .options import (
    EncodingOpt,
    Engine,
    EngineOpt,
    EvidenceArg,
    Format,
    FormatOpt,
    KeyArg,
    NoLogsOpt,
    OutputOpt,
    StrictOpt,
    chosen_format,
)
from .output import TableLines, open_output

if TYPE_CHECKING:
    from hiveparse.report.models import KeyRecord, ValueRecord


def query(
    evidence: EvidenceArg,
    key: KeyArg = None,
    recursive: Annotated[
        bool, typer.Option("--recursive", "-s", help="Every key below KEY too (reg query /s).")
    ] = False,
    values: Annotated[
        bool,
        typer.Option(
            "--values",
            "-v",
            help="Accepted for compatibility and ignored: values are always listed, as "
            "reg query does.",
        ),
    ] = False,
    security: Annotated[
        bool,
        typer.Option("--security", help="Show each key's owner, group and DACL (hives only)."),
    ] = False,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
    engine: EngineOpt = Engine.HIVEPARSE,
    encoding: EncodingOpt = None,
    strict: StrictOpt = False,
    no_logs: NoLogsOpt = False,
) -> None:
    """List a key as reg query does: its values (name, type, data), then its subkeys; with -s
    every key below it as well. Every format carries the values and last-written times."""
    del values  # values are always listed (reg query does); -v stays accepted
    from hiveparse.evidence.open import open_evidence  # noqa: PLC0415 - fast --help
    from hiveparse.evidence.registry import Registry  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415

    fmt = chosen_format(output_format, output)
    with open_output(output, [evidence]) as out:
        opened = open_evidence(
            evidence, engine=str(engine), encoding=encoding, strict=strict, apply_logs=not no_logs
        )
        located = Registry([opened]).locate(key)
        _write(fmt, out, opened, located, recursive=recursive, security=security, strict=strict)
    diagnostics = opened.all_diagnostics
    if fmt != Format.JSON:
        say_problems(diagnostics)
    if records.is_partial(diagnostics):
        raise typer.Exit(EXIT_PARTIAL)
    raise typer.Exit(EXIT_OK)


def _write(
    fmt: Format,
    out: TextIO,
    opened: Any,
    located: list[Any],
    *,
    recursive: bool,
    security: bool,
    strict: bool,
) -> None:
    """The listing, streamed: a key's values are made as they are written (a key may hold a
    million); with --strict an anomaly aborts the walk, so everything is read before JSON is
    written: the output is a whole document or nothing."""
    from hiveparse.paths import full_key_path  # noqa: PLC0415
    from hiveparse.report import records  # noqa: PLC0415

    def key_records(*, lazy_values: bool) -> Iterator[KeyRecord]:
        for found in located:
            mount = found.mounted.mount
            if recursive:
                yield from records.walk_records(
                    found.key,
                    mount,
                    notes=found.evidence.diagnostics,
                    control_set=found.control_set,
                    with_security=security,
                    lazy_values=lazy_values,
                )
                continue
            yield records.key_record(
                found.key,
                full_key_path(mount, found.key.path),
                with_values=True,
                control_set=found.control_set,
                with_security=security,
                lazy_values=lazy_values,
            )

    if fmt == Format.TABLE:
        table = TableLines(out)
        for record in key_records(lazy_values=True):
            _write_table_block(record, table, list_subkeys=not recursive)
    elif fmt == Format.JSONL:
        from hiveparse.report.render import write_record_lazily  # noqa: PLC0415

        for record in key_records(lazy_values=True):
            write_record_lazily(record, out)
            out.write("\n")
    else:
        records_in = (
            iter(list(key_records(lazy_values=False))) if strict else key_records(lazy_values=True)
        )
        _write_json_stream(opened, records_in, out)


def _write_json_stream(opened: Any, keys: Iterator[KeyRecord], out: TextIO) -> None:
    """A JSON document written key by key, so a whole-hive query never sits in memory."""
    from hiveparse.report import records  # noqa: PLC0415
    from hiveparse.report.render import dumps, write_record_lazily  # noqa: PLC0415

    # The envelope of records.envelope, written around a key list that is streamed.
    out.write(f'{{\n"schema_version": {dumps(records.SCHEMA_VERSION)},\n')
    out.write(f'"tool": {dumps(records.tool_record(), indent=None)},\n')
    out.write(f'"evidence": [{dumps(records.evidence_record(opened), indent=None)}],\n')
    out.write('"keys": [')
    for index, record in enumerate(keys):
        out.write(",\n" if index else "\n")
        write_record_lazily(record, out)
    diagnostics = opened.all_diagnostics
    out.write("\n],\n")
    out.write(f'"partial": {dumps(records.is_partial(diagnostics))},\n')
    out.write(f'"diagnostics": {dumps(records.diagnostics_record(diagnostics))}\n}}\n')


def _write_table_block(record: KeyRecord, out: TableLines, *, list_subkeys: bool) -> None:
    """The layout of `reg query`: the key, its values indented, then (without /s) the
    subkey paths; with /s every subkey gets a block of its own instead."""
    out.write(f"\n{record['path']}\n")
    listed = 0
    for value in record.get("values", ()):  # an iterator: written as they are made
        name = value["name"] or "(Default)"
        out.write(f"    {name}    {value['type']}    {_show(value)}\n")
        listed += 1
    if listed and list_subkeys and record["subkeys"]:
        out.write("\n")
    security = record.get("security")
    if security and "sddl" in security:
        out.write(
            f"    owner {security['owner_name'] or security['owner']}, "
            f"group {security['group_name'] or security['group']}\n"
        )
        for ace in security["dacl"] or []:
            who = ace["name"] or ace["sid"]
            rights = "|".join(ace["rights"]) or ace["mask"]
            flags = f" [{','.join(ace['flags'])}]" if ace["flags"] else ""
            out.write(f"      {ace['type']} {who}: {rights}{flags}\n")
    for sub in record["subkeys"] if list_subkeys else ():
        out.write(f"{record['path']}\\{sub}\n")


def _show(value: ValueRecord) -> str:
    decoded = value["decoded"]
    if isinstance(decoded, list):
        return "\\0".join(decoded)
    if isinstance(decoded, int):
        return f"0x{decoded:x}"
    return str(decoded).upper() if value["type"] == "REG_BINARY" else str(decoded)
