"""The output of ``hiveparse query``, streamed: the ``reg query`` listing, JSON Lines of key
records, or one JSON document written key by key (a whole hive never sits in memory).

The listing keeps reg.exe's layout (users grep it): the key path, its values indented as
``name    type    data``, then (without /s) the subkey paths; with /s every key gets a
block of its own. Names from evidence are shown printable (ESC, line breaks escaped).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Literal, TextIO

from hiveparse.errors import printable
from hiveparse.paths import full_key_path
from hiveparse.report import records
from hiveparse.report.lines import regf_walk_lines
from hiveparse.report.render import (
    dumps,
    write_ascii_pieces,
    write_record_lazily,
    write_records_as_lines,
)
from hiveparse.sources.regf.hive import RegfKey

if TYPE_CHECKING:
    from hiveparse.evidence.open import Evidence
    from hiveparse.evidence.registry import Located
    from hiveparse.report.models import KeyRecord, ValueRecord

QueryFormat = Literal["table", "json", "jsonl"]


class TableLines:
    """A text sink for a listing: each write is one line (its leading and trailing line
    breaks are the listing's own), and what lies between is shown printable, since names
    from evidence may hold ESC or line breaks of their own."""

    def __init__(self, sink: TextIO) -> None:
        self._sink = sink

    def write(self, text: str) -> int:
        lead = len(text) - len(text.lstrip("\n"))
        if lead == len(text):
            return self._sink.write(text)
        trail = len(text) - len(text.rstrip("\n"))
        body = printable(text[lead : len(text) - trail])
        return self._sink.write(text[:lead] + body + text[len(text) - trail :])


def write_query(
    out: TextIO,
    opened: Evidence,
    located: Iterable[Located],
    *,
    fmt: QueryFormat,
    recursive: bool,
    security: bool,
    strict: bool,
) -> None:
    """The records of the keys ``located`` (and with ``recursive`` every key below them) in
    ``fmt``. A key's values are made as they are written (a key may hold a million); with
    ``strict`` an anomaly aborts the walk, so everything is read before JSON is written:
    the output is a whole document or nothing."""
    located = list(located)

    def key_records(found_keys: list[Located], *, lazy_values: bool) -> Iterator[KeyRecord]:
        for found in found_keys:
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

    if fmt == "table":
        table = TableLines(out)
        for record in key_records(located, lazy_values=True):
            write_reg_query_block(record, table, list_subkeys=not recursive)
    elif fmt == "jsonl" and recursive:
        for found in located:
            if isinstance(found.key, RegfKey):  # a whole hive of our reader: straight to text
                write_ascii_pieces(
                    regf_walk_lines(
                        found.key,
                        found.mounted.mount,
                        notes=found.evidence.diagnostics,
                        control_set=found.control_set,
                        with_security=security,
                    ),
                    out,
                )
            else:
                write_records_as_lines(key_records([found], lazy_values=True), out)
    elif fmt == "jsonl":
        write_records_as_lines(key_records(located, lazy_values=True), out)
    else:
        keys = (
            iter(list(key_records(located, lazy_values=False)))
            if strict
            else key_records(located, lazy_values=True)
        )
        write_query_json(opened, keys, out)


def write_query_json(opened: Evidence, keys: Iterator[KeyRecord], out: TextIO) -> None:
    """The query document (``QueryDocument``) written key by key: the envelope of
    ``records.envelope`` around a key list that is streamed."""
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


def write_reg_query_block(record: KeyRecord, out: TableLines, *, list_subkeys: bool) -> None:
    """One key in the layout of `reg query`: the key, its values indented, then (without
    /s) the subkey paths; with /s every subkey gets a block of its own instead."""
    out.write(f"\n{record['path']}\n")
    listed = 0
    for value in record.get("values", ()):  # an iterator: written as they are made
        name = value["name"] or "(Default)"
        out.write(f"    {name}    {value['type']}    {shown_data(value)}\n")
        listed += 1
    if listed and list_subkeys and record["subkeys"]:
        out.write("\n")
    security = record.get("security")
    if security and "sddl" in security:
        out.write(
            f"    owner {security.get('owner_name') or security.get('owner')}, "
            f"group {security.get('group_name') or security.get('group')}\n"
        )
        for ace in security.get("dacl") or []:
            who = ace["name"] or ace["sid"]
            rights = "|".join(ace["rights"]) or ace["mask"]
            flags = f" [{','.join(ace['flags'])}]" if ace["flags"] else ""
            out.write(f"      {ace['type']} {who}: {rights}{flags}\n")
    for sub in record["subkeys"] if list_subkeys else ():
        out.write(f"{record['path']}\\{sub}\n")


def shown_data(value: ValueRecord) -> str:
    """A value's data as reg query prints it: REG_MULTI_SZ joined by \\0, numbers in hex,
    binary data upper-case hex."""
    decoded = value["decoded"]
    if isinstance(decoded, list):
        return "\\0".join(decoded)
    if isinstance(decoded, int):
        return f"0x{decoded:x}"
    return str(decoded).upper() if value["type"] == "REG_BINARY" else str(decoded)
