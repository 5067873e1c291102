"""Where a hive came from when hiveparse wrote it: the origin marker of converted hives.

``hiveparse convert`` stores a :class:`HiveOrigin` in the base block of every hive it writes
(the layout is :mod:`hiveparse.schemas.hiveparse_origin`); the REGF reader gives it back as
``RegfHive.origin``. It lets whoever opens the hive later tell it from a hive Windows wrote:
the .reg file it came from, the one synthetic last-written time on every key, what that .reg
file covered (an absence counts only there) and what it deleted (a hive cannot show it).

The payload must fit the 3508 bytes left after the marker's head. When it does not, the
deletions are dropped first, then the coverage, and ``complete`` is False: a marker without
its coverage covers nothing.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, replace
from typing import Any

from construct import ConstructError

from hiveparse import __version__
from hiveparse.errors import CorruptStructure, Unsupported, UsageError
from hiveparse.model import fold_name
from hiveparse.schemas import hiveparse_origin as schema

TOOL = "hiveparse convert"
_MAX_JSON = 1 << 20  # a payload of 3508 compressed bytes never inflates this far honestly
_MAX_TEXT = 1000  # characters of a mount or file name kept when even the minimum is too big


@dataclass(frozen=True, slots=True)
class OriginRoot:
    """An export root of the .reg file under the hive's mount (see regtext/coverage.py)."""

    path: str  # relative to the mount ("" for the mount's own key)
    line: int
    covers: bool
    subtree: bool = True  # False: it covers the key itself, not what lies below


@dataclass(frozen=True, slots=True)
class OriginDeletion:
    """A deletion of the .reg file under the hive's mount, as ``Evidence.reg_deletions``."""

    key_path: str  # the full path as written in the .reg file
    value_name: str | None  # None for a key deletion
    line: int


@dataclass(frozen=True)
class HiveOrigin:
    """What the marker of a hive written by ``hiveparse convert`` says."""

    source_name: str  # the .reg file's base name, never a directory
    source_sha256: str
    source_size: int
    mount: str  # e.g. HKEY_LOCAL_MACHINE\\SYSTEM
    last_written: int  # the FILETIME stamped on every key, the base block and the first bin
    coverage: tuple[OriginRoot, ...] = ()
    deletions: tuple[OriginDeletion, ...] = ()
    complete: bool = True  # False: deletions (and maybe coverage) did not fit, or were capped
    tool: str = TOOL
    version: str = __version__
    format_version: int = schema.FORMAT_VERSION

    def covers(self, relative: str) -> bool:
        """Is ``relative`` (a path inside the mount) at or below a root the .reg file covered?

        Case-insensitive; False for everything when the coverage did not fit the marker.
        """
        wanted = [fold_name(part) for part in relative.split("\\") if part]
        for root in self.coverage:
            if not root.covers:
                continue
            parts = [fold_name(part) for part in root.path.split("\\") if part]
            if wanted[: len(parts)] == parts and (root.subtree or len(wanted) == len(parts)):
                return True
        return False

    def payload(self) -> dict[str, Any]:
        """The JSON object stored in the marker (and shown by ``hiveparse info``)."""
        return {
            "tool": self.tool,
            "version": self.version,
            "source_name": self.source_name,
            "source_sha256": self.source_sha256,
            "source_size": self.source_size,
            "mount": self.mount,
            "last_written": self.last_written,
            "coverage": [
                {
                    "path": root.path,
                    "line": root.line,
                    "covers": root.covers,
                    "subtree": root.subtree,
                }
                for root in self.coverage
            ],
            "deletions": [
                {"key_path": item.key_path, "value_name": item.value_name, "line": item.line}
                for item in self.deletions
            ],
            "complete": self.complete,
        }


def encode_origin(origin: HiveOrigin) -> tuple[bytes, HiveOrigin]:
    """The marker bytes for ``origin`` (at most :data:`MARKER_AREA_SIZE`) and the origin they
    hold: ``origin`` itself, or a copy without its deletions (then without its coverage too)
    and with ``complete`` False when it does not fit."""
    lean = replace(origin, deletions=(), complete=False)
    for candidate in (
        origin,
        lean,
        replace(lean, coverage=()),
        replace(
            lean,
            coverage=(),
            mount=_shorten(origin.mount),
            source_name=_shorten(origin.source_name),
        ),
    ):
        payload = _compress(candidate)
        if len(payload) <= schema.MAX_PAYLOAD_SIZE:
            marker = schema.origin_marker.build(
                {
                    "format_version": candidate.format_version,
                    "payload_length": len(payload),
                    "payload": payload,
                }
            )
            return bytes(marker), candidate
    raise UsageError("the origin marker does not fit the base block even without its lists")


def decode_origin(area: bytes) -> HiveOrigin | None:
    """The origin in a base block's reserved area (from file offset 0x200), or None when it
    holds no marker. A marker whose payload cannot be read raises CorruptStructure (one of a
    version this hiveparse does not know: Unsupported), with the file offset."""
    if not area.startswith(schema.MAGIC):
        return None
    try:
        marker = schema.origin_marker.parse(area[: schema.MARKER_AREA_SIZE])
    except ConstructError as error:
        raise _corrupt("the payload runs past the reserved area", 0) from error
    if marker.format_version != schema.FORMAT_VERSION:
        raise Unsupported(
            f"origin marker of format version {marker.format_version} (this hiveparse reads "
            f"version {schema.FORMAT_VERSION})",
            offset=schema.MARKER_OFFSET + len(schema.MAGIC),
        )
    payload = bytes(marker.payload)
    try:
        inflater = zlib.decompressobj()
        text = inflater.decompress(payload, _MAX_JSON)
        if inflater.unconsumed_tail or not inflater.eof:
            raise _corrupt("the compressed payload is cut short or too large", 0)
        document = json.loads(text.decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _corrupt(f"the payload is not compressed JSON ({error})", 0) from error
    except RecursionError as error:  # JSON nested beyond Python's stack: never an origin
        raise _corrupt("the payload's JSON is nested too deeply", 0) from error
    try:
        return _from_payload(document)
    except (KeyError, TypeError, ValueError) as error:
        raise _corrupt(f"the payload lacks a field or has a wrong one ({error!r})", 0) from error


def _compress(origin: HiveOrigin) -> bytes:
    text = json.dumps(origin.payload(), ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 9)


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _corrupt(why: str, at: int) -> CorruptStructure:
    return CorruptStructure(
        f"origin marker unreadable: {why}",
        offset=schema.MARKER_OFFSET + schema.MARKER_HEAD_SIZE + at,
    )


def _typed(document: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = document[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{name}: {type(value).__name__}")
    return value


def _from_payload(document: Any) -> HiveOrigin:
    if not isinstance(document, dict):
        raise TypeError(f"payload: {type(document).__name__}")
    coverage = tuple(
        OriginRoot(
            _typed(item, "path", str),
            _typed(item, "line", int),
            _typed(item, "covers", bool),
            _typed(item, "subtree", bool) if "subtree" in item else True,
        )
        for item in _typed(document, "coverage", list)
    )
    deletions = tuple(
        OriginDeletion(
            _typed(item, "key_path", str),
            _typed(item, "value_name", (str, type(None))),
            _typed(item, "line", int),
        )
        for item in _typed(document, "deletions", list)
    )
    return HiveOrigin(
        source_name=_typed(document, "source_name", str),
        source_sha256=_typed(document, "source_sha256", str),
        source_size=_typed(document, "source_size", int),
        mount=_typed(document, "mount", str),
        last_written=_typed(document, "last_written", int),
        coverage=coverage,
        deletions=deletions,
        complete=_typed(document, "complete", bool),
        tool=_typed(document, "tool", str),
        version=_typed(document, "version", str),
    )
