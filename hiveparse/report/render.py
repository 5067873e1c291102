"""Writing records as JSON, JSON Lines or plain text tables."""

from __future__ import annotations

import json
from collections.abc import Iterable
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
