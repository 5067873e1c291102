"""Writing records as JSON, JSON Lines or plain text tables."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any, TextIO


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
    field holding an iterator (the values of a key that has a million) is written item by
    item and never held as a list."""
    out.write("{")
    for index, (name, value) in enumerate(record.items()):
        out.write(f"{', ' if index else ''}{dumps(name, indent=None)}: ")
        if isinstance(value, Iterator):
            out.write("[")
            for position, item in enumerate(value):
                out.write(f"{', ' if position else ''}{dumps(item, indent=None)}")
            out.write("]")
        else:
            out.write(dumps(value, indent=None))
    out.write("}")
