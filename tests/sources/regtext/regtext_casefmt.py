"""Turning parse results into plain JSON data, for the data-driven case files.

Shared by the tests in this folder (imported as a sibling module). Diagnostics become one
string each, ``"line:column severity code: message"``, so that expected files stay readable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hiveparse.errors import Diagnostic, HiveparseError
from hiveparse.model import walk
from hiveparse.sources.regtext import (
    CreateKey,
    DeleteKey,
    DeleteValue,
    Operation,
    RegFile,
    RegReader,
    SetValue,
    parse_reg_file,
)

SNAPSHOT_CODES = frozenset(
    {"reg.duplicate_key", "reg.duplicate_value", "reg.regedit4_ansi_string", "reg.hive_deleted"}
)
DATA = Path(__file__).resolve().parents[2] / "data" / "regtext"


def _quote(text: str) -> str:
    return json.dumps(text)  # ASCII with escapes, so odd characters stay visible


def _text_of(raw: bytes) -> str | None:
    """The text of UTF-16LE bytes ending in one NUL, when that is all they are."""
    if len(raw) % 2 or not raw.endswith(b"\x00\x00"):
        return None
    text = raw[:-2].decode("utf-16-le", "surrogatepass")
    return None if "\x00" in text else text


def op_str(op: Operation) -> str:
    """One operation in .reg-like notation, led by its line number."""
    if isinstance(op, CreateKey):
        return f"{op.line} [{op.path}]"
    if isinstance(op, DeleteKey):
        return f"{op.line} [-{op.path}]"
    if isinstance(op, DeleteValue):
        return f"{op.line} {op.key_path} {_quote(op.name)}=-"
    assert isinstance(op, SetValue)
    text = _text_of(op.raw)
    if op.is_hex:
        data = f"hex({op.type_id:x}):{op.raw.hex()}"
    elif op.type_id == 1 and text is not None:
        data = f"sz:{_quote(text)}"
    elif op.type_id == 4 and len(op.raw) == 4:
        data = f"dword:{int.from_bytes(op.raw, 'little'):08x}"
    else:
        data = f"type{op.type_id}:{op.raw.hex()}"
    return f"{op.line} {op.key_path} {_quote(op.name)}={data}"


def value_str(type_id: int, raw: bytes) -> str:
    text = _text_of(raw) if type_id in (1, 2) else None
    return f"{type_id}:sz:{_quote(text)}" if text is not None else f"{type_id}:{raw.hex()}"


def diag_str(diagnostic: Diagnostic) -> str:
    where = diagnostic.location
    line = "-" if where.line is None else str(where.line)
    column = "-" if where.column is None else str(where.column)
    offset = "" if where.offset is None else f" @0x{where.offset:x}"
    return f"{line}:{column}{offset} {diagnostic.severity} {diagnostic.code}: {diagnostic.message}"


def error_json(error: HiveparseError) -> dict[str, Any]:
    where = error.location
    return {
        "error": type(error).__name__,
        "line": where.line,
        "column": where.column,
        "offset": where.offset,
        "message": error.message,
    }


def snapshot_json(regfile: RegFile) -> dict[str, Any]:
    """Per mount: the hive type, then each key and each value with its provenance line."""
    hives: dict[str, Any] = {}
    for mount, hive in regfile.hives.items():
        items: list[str] = []
        for key in walk(hive.root()):
            items.append(f"[{key.path}] @{key.provenance.line}")
            items.extend(
                f"  {_quote(value.name)}={value_str(value.type_id, value.raw)} "
                f"@{value.provenance.line}"
                for value in key.values()
            )
        hives[mount] = {"hive_type": str(hive.hive_type), "keys": items}
    return hives


def run_case(path: Path, *, strict: bool, options: dict[str, Any]) -> dict[str, Any]:
    """Everything both views say about one case file, or the error it raises."""
    try:
        with RegReader(path, strict=strict, source=path.name, **options) as reader:
            operations = [op_str(op) for op in reader.operations()]
            header, encoding = str(reader.header), reader.encoding
            stream_diagnostics = list(reader.diagnostics)
        regfile = parse_reg_file(path, strict=strict, **options)
    except HiveparseError as error:
        return error_json(error)
    # Both views report the same reading problems; the snapshot adds its own (duplicates...).
    assert [diag_str(d) for d in regfile.diagnostics if d.code not in SNAPSHOT_CODES] == [
        diag_str(d) for d in stream_diagnostics
    ]
    return {
        "header": header,
        "encoding": encoding,
        "operations": operations,
        "diagnostics": [diag_str(d) for d in regfile.diagnostics],
        "snapshot": snapshot_json(regfile),
    }
