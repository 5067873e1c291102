"""Writing records as JSON, JSON Lines or plain text tables."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from itertools import islice
from typing import Any, TextIO

LAZY_BATCH = 256  # items of a lazy field encoded per call


class OutputFormat(StrEnum):
    JSON = "json"
    JSONL = "jsonl"
    TABLE = "table"


def dumps(record: Any, *, indent: int | None = 2) -> str:
    # ensure_ascii keeps unpaired surrogates (kept from hive names) printable as escapes.
    return json.dumps(record, indent=indent, ensure_ascii=True, sort_keys=False)


def write_json(record: Any, out: TextIO) -> None:
    out.write(dumps(record))
    out.write("\n")


def write_jsonl(records: Iterable[Any], out: TextIO) -> None:
    for record in records:
        out.write(dumps(record, indent=None))
        out.write("\n")


def write_record_lazily(record: dict[str, Any], out: TextIO) -> None:
    """``record`` on one line exactly as ``dumps(record, indent=None)`` writes it, where a
    field holding an iterator (the values of a key that has a million) is written a batch of
    :data:`LAZY_BATCH` items at a time and never held as a list. Runs of plain fields are
    encoded in one call (the encoder's cost is per call as much as per byte)."""
    out.write("{")
    plain: dict[str, Any] = {}
    written = False

    def separator() -> str:
        nonlocal written
        was, written = written, True
        return ", " if was else ""

    def flush() -> None:
        if plain:
            out.write(separator() + dumps(plain, indent=None)[1:-1])
            plain.clear()

    for name, value in record.items():
        if not isinstance(value, Iterator):
            plain[name] = value
            continue
        flush()
        out.write(f"{separator()}{dumps(name, indent=None)}: [")
        between = ""
        while batch := list(islice(value, LAZY_BATCH)):
            out.write(between + dumps(batch, indent=None)[1:-1])
            between = ", "
        out.write("]")
    flush()
    out.write("}")
