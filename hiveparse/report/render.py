"""Writing records as JSON, JSON Lines or plain text tables."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, BinaryIO, Final, TextIO

import orjson

LAZY_BATCH: Final = 256  # items of a lazy field encoded per call
WRITE_SIZE: Final = 1 << 16  # bytes of ASCII pieces joined per write

# Dataclasses and datetimes are no JSON values of ours: orjson would encode them, json.dumps
# refuses them, and the two must agree (see dumps).
_ORJSON_OPTIONS: Final = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
_ORJSON_INDENTED: Final = _ORJSON_OPTIONS | orjson.OPT_INDENT_2
_DEL: Final = b"\x7f"


def _by_orjson(record: Any, option: int) -> bytes | None:
    """orjson's encoding of ``record`` where it is what ``json.dumps(ensure_ascii=True)``
    writes (see :func:`dumps`); None where it is not (non-ASCII, DEL) or orjson cannot
    encode the record."""
    try:
        encoded = orjson.dumps(record, option=option)
    except orjson.JSONEncodeError:
        return None
    return encoded if encoded.isascii() and _DEL not in encoded else None


def dumps_line(record: Any) -> bytes:
    """``dumps(record, indent=None)`` and a newline, as the bytes a JSON Lines file holds
    (ASCII: the text and its UTF-8 are the same bytes)."""
    encoded = _by_orjson(record, _ORJSON_OPTIONS | orjson.OPT_APPEND_NEWLINE)
    if encoded is not None:
        return encoded
    return json.dumps(record, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def dumps(record: Any, *, indent: int | None = 2) -> str:
    """``record`` as JSON text in ASCII: indented by two spaces, or (``indent=None``) on one
    line without spaces.

    orjson writes the common record; its output is byte for byte what ``json.dumps`` writes
    with ``ensure_ascii`` for everything except floats (which reports do not hold). Where it
    would differ (any character outside ASCII, or DEL, which json escapes) or cannot encode
    (an unpaired surrogate kept from a hive name, an integer beyond 64 bits), ``json.dumps``
    writes the record instead: the output is always ASCII, whatever the terminal's encoding.
    """
    if indent not in (None, 2):
        raise ValueError(f"indent must be None or 2, not {indent!r}")
    encoded = _by_orjson(record, _ORJSON_OPTIONS if indent is None else _ORJSON_INDENTED)
    if encoded is not None:
        return encoded.decode("ascii")
    if indent is None:
        return json.dumps(record, ensure_ascii=True, separators=(",", ":"))
    return json.dumps(record, indent=indent, ensure_ascii=True)


def write_json(record: Any, out: TextIO) -> None:
    out.write(dumps(record))
    out.write("\n")


def write_jsonl(records: Iterable[Any], out: TextIO) -> None:
    for record in records:
        out.write(dumps(record, indent=None))
        out.write("\n")


def write_records_as_lines(records: Iterable[Mapping[str, Any]], out: TextIO) -> None:
    """Each record on a line of its own (JSON Lines), as :func:`write_record_lazily` writes
    it. Where ``out`` has a byte stream under it (stdout, a file), a record without lazy
    fields goes there in one call, with no round trip through text (a whole hive is tens of
    megabytes of it); the text layer is flushed before each switch."""
    raw: BinaryIO | None = getattr(out, "buffer", None)
    text_pending = True  # what was written to ``out`` before goes first
    for record in records:
        if raw is not None and not any(_is_lazy(value) for value in record.values()):
            if text_pending:
                out.flush()
                text_pending = False
            raw.write(dumps_line(record))
            continue
        write_record_lazily(record, out)
        out.write("\n")
        text_pending = True


def write_ascii_pieces(pieces: Iterable[str], out: TextIO) -> None:
    """Text that is all ASCII (JSON as :func:`dumps` writes it), piece by piece. Where
    ``out`` has a byte stream under it, pieces are joined into writes of about
    :data:`WRITE_SIZE` bytes and go there with no round trip through the text layer
    (flushed first, so what was written before stays before)."""
    raw: BinaryIO | None = getattr(out, "buffer", None)
    if raw is None:
        for piece in pieces:
            out.write(piece)
        return
    out.flush()
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= WRITE_SIZE:
            raw.write("".join(batch).encode("ascii"))
            batch.clear()
            size = 0
    if batch:
        raw.write("".join(batch).encode("ascii"))


def write_record_lazily(record: Mapping[str, Any], out: TextIO) -> None:
    """``record`` on one line exactly as ``dumps(record, indent=None)`` writes it, where a
    field holding an iterator (the values of a key that has a million) is written a batch of
    :data:`LAZY_BATCH` items at a time and never held as a list. Runs of plain fields are
    encoded in one call (the encoder's cost is per call as much as per byte)."""
    if not any(_is_lazy(value) for value in record.values()):
        out.write(dumps(record, indent=None))
        return
    out.write("{")
    plain: dict[str, Any] = {}
    written = False

    def separator() -> str:
        nonlocal written
        was, written = written, True
        return "," if was else ""

    def flush() -> None:
        if plain:
            out.write(separator() + dumps(plain, indent=None)[1:-1])
            plain.clear()

    for name, value in record.items():
        if not _is_lazy(value):
            plain[name] = value
            continue
        flush()
        out.write(f"{separator()}{dumps(name, indent=None)}:[")
        between = ""
        while batch := list(islice(value, LAZY_BATCH)):
            out.write(between + dumps(batch, indent=None)[1:-1])
            between = ","
        out.write("]")
    flush()
    out.write("}")


_PLAIN: Final = (str, int, list, dict, tuple, type(None))  # checked first: cheaper than the ABC


def _is_lazy(value: object) -> bool:
    return not isinstance(value, _PLAIN) and isinstance(value, Iterator)
