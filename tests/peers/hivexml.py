"""A hive's contents as hivex sees them, from ``hivexml`` (Debian's libhivex-bin).

hivexml 1.3.23 writes one ``<node name=.. [root="1"]>`` per key, with an ``<mtime>`` child
(ISO-8601, whole seconds: the FILETIME divided by 10^7 and truncated), and one ``<value>``
per value::

    <value type="string" key="Name" value="text"> ... <byte_runs/> </value>
    <value type="binary" encoding="base64" default="1" value="AAE="> ...
    <value type="string-list" key="M"><string>a</string><string></string> ...

``type`` is a hivex type name, not the stored number: ``int32`` covers REG_DWORD and
REG_DWORD_BIG_ENDIAN, ``unknown`` every type above 11. Only base64 values carry the stored
bytes; strings, string lists and integers are decoded. Each :class:`HivexValue` therefore
says how faithful it is, and :data:`HIVEX_EQUIVALENCE` compares the other side through what
hivex printed rather than against re-encoded bytes.

Quirks handled here:

* hivexml opens ``/dev/stdout`` itself, which truncates a regular file it is redirected to;
  it is always read through a pipe;
* libxml2 writes C0 control characters raw, which no XML parser accepts; they are mapped to
  U+E000+n before parsing and back afterwards (U+E000..U+E01F never occur in the corpus);
* names are C strings: hivex cuts a key or value name at its first NUL character.
"""

from __future__ import annotations

import base64
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal

from hiveparse.engines.verify import Equivalence
from hiveparse.filetime import datetime_to_filetime
from hiveparse.model import EvidenceFormat, HiveType, Value, fold_name
from hiveparse.sources.memory import MemoryHive, MemoryKey, MemoryValue
from hiveparse.values import decode_utf16_string

ENGINE = "hivexml"
SECOND = 10_000_000  # FILETIME ticks

Fidelity = Literal["raw", "text", "text-list", "int32", "int64"]

# hivex type name → (type ids it can stand for (None: any id above 11), fidelity)
_TYPES: dict[str, tuple[frozenset[int] | None, Fidelity]] = {
    "none": (frozenset({0}), "raw"),
    "string": (frozenset({1}), "text"),
    "expand": (frozenset({2}), "text"),
    "binary": (frozenset({3}), "raw"),
    "int32": (frozenset({4, 5}), "int32"),
    "link": (frozenset({6}), "text"),
    "string-list": (frozenset({7}), "text-list"),
    "resource-list": (frozenset({8}), "raw"),
    "resource-description": (frozenset({9}), "raw"),
    "resource-requirements": (frozenset({10}), "raw"),
    "int64": (frozenset({11}), "int64"),
    "bad-string": (frozenset({1}), "raw"),
    "bad-expand": (frozenset({2}), "raw"),
    "bad-link": (frozenset({6}), "raw"),
    "bad-string-list": (frozenset({7}), "raw"),
    "unknown": (None, "raw"),
}
_BEST_GUESS = {"int32": 4, "unknown": 0xFFFFFFFF}

_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PRIVATE = re.compile("[\ue000-\ue01f]")


class HivexmlError(RuntimeError):
    """hivexml could not read the hive (hivex refuses many damaged hives at open)."""


def hivexml_available() -> bool:
    return shutil.which("hivexml") is not None


class HivexValue(MemoryValue):
    """A value as hivexml printed it. ``raw`` is exact only when ``fidelity == "raw"``."""

    __slots__ = ("decoded_text", "fidelity", "type_ids")

    def __init__(
        self,
        name: str,
        hivex_type: str,
        raw: bytes,
        decoded: str | list[str] | int | None,
        hive: MemoryHive,
    ) -> None:
        type_ids, fidelity = _TYPES.get(hivex_type, (None, "raw"))
        type_id = _BEST_GUESS.get(hivex_type) or min(type_ids or {0xFFFFFFFF})
        super().__init__(name, type_id, raw, hive.provenance())
        self.type_ids = type_ids
        self.fidelity: Fidelity = fidelity
        self.decoded_text = decoded

    def accepts_type(self, type_id: int) -> bool:
        return type_id > 11 if self.type_ids is None else type_id in self.type_ids

    def accepts_data(self, other: Value) -> bool:
        """Would hivex have printed what it printed for ``other``'s stored bytes?"""
        raw = other.raw
        if self.fidelity == "raw":
            return raw == self.raw
        if self.fidelity == "text":
            return decode_utf16_string(raw)[0] == self.decoded_text
        if self.fidelity == "text-list":
            return hivex_string_list(raw) == self.decoded_text
        width, fmt = (4, "i") if self.fidelity == "int32" else (8, "q")
        if len(raw) < width:
            return self.decoded_text == -1  # hivex_value_dword/qword fail and print -1
        order = ">" if other.type_id == 5 else "<"
        return struct.unpack(f"{order}{fmt}", raw[:width])[0] == self.decoded_text


def hivex_string_list(raw: bytes) -> list[str]:
    """REG_MULTI_SZ as hivex 1.3.23 splits it: every UTF-16 NUL ends an item, the last
    terminator ends the list (so ``a\\0b\\0\\0`` is ``[a, b, ""]``)."""
    if not raw:
        return []
    text = raw[: len(raw) - len(raw) % 2].decode("utf-16-le", errors="replace")
    items = text.split("\x00")
    if text.endswith("\x00"):
        items.pop()
    return items


def _same_type(a: Value, b: Value) -> bool:
    if isinstance(b, HivexValue):
        return b.accepts_type(a.type_id)
    if isinstance(a, HivexValue):
        return a.accepts_type(b.type_id)
    return a.type_id == b.type_id


def _same_data(a: Value, b: Value) -> bool:
    if isinstance(b, HivexValue):
        return b.accepts_data(a)
    if isinstance(a, HivexValue):
        return a.accepts_data(b)
    return a.raw == b.raw


# Compare an engine with hivexml's truth: whole seconds, hivex's type names and decodings.
HIVEX_EQUIVALENCE = Equivalence(time_resolution=SECOND, same_type=_same_type, same_data=_same_data)


def load_hivexml(path: str | Path) -> MemoryHive:
    """Run hivexml on ``path`` and build the tree it prints (streamed, for big hives)."""
    source = str(path)
    failure: ET.ParseError | None = None
    with subprocess.Popen(
        ["hivexml", source], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        try:
            hive = _build(source, ET.iterparse(_Sanitised(proc.stdout), events=("start", "end")))
        except ET.ParseError as e:
            failure, hive = e, None
        finally:
            proc.stdout.close()  # before waiting: a writer blocked on a full pipe gets EPIPE
        stderr = proc.stderr.read().decode(errors="replace").strip()
        if proc.wait() != 0:  # hivex refuses many damaged hives ("no element found" then)
            raise HivexmlError(f"{source}: hivexml failed: {stderr}") from failure
    if failure is not None:
        raise HivexmlError(f"{source}: hivexml printed malformed XML: {failure}") from failure
    if hive is None:
        raise HivexmlError(f"{source}: hivexml printed no root node")
    return hive


class _Sanitised:
    """A read()-able view of hivexml's output with raw control characters made parseable."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        return _CONTROL.sub(lambda m: chr(0xE000 + m.group()[0]).encode(), chunk)


def _text(value: str | None) -> str:
    if value is None:
        return ""
    return _PRIVATE.sub(lambda m: chr(ord(m.group()) - 0xE000), value)


def _build(source: str, events: Iterator[tuple[str, ET.Element]]) -> MemoryHive | None:
    hive: MemoryHive | None = None
    keys: list[MemoryKey] = []
    for event, element in events:
        tag = element.tag
        if event == "start":
            if tag == "node":
                name = _text(element.get("name"))
                if hive is None:
                    hive = MemoryHive(
                        HiveType.UNKNOWN,
                        source=source,
                        format=EvidenceFormat.REGF,
                        engine=ENGINE,
                        root_name=name,
                    )
                    key = hive.root()
                else:
                    key = _add_key(keys[-1], name)
                keys.append(key)
            continue
        if hive is None:
            continue
        if tag == "mtime" and keys and element.text:
            moment = datetime.strptime(element.text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            keys[-1].last_written_raw = datetime_to_filetime(moment)
        elif tag == "value" and keys:
            _add_value(hive, keys[-1], element)
            element.clear()
        elif tag == "node":
            keys.pop()
            element.clear()
    return hive


def _add_key(parent: MemoryKey, name: str) -> MemoryKey:
    if parent.subkey(name) is not None:
        # MemoryKey keeps one key per folded name; duplicate siblings cannot be represented.
        raise HivexmlError(f"duplicate subkey {name!r} under {parent.path!r}")
    return parent.add_key(name)


def _add_value(hive: MemoryHive, key: MemoryKey, element: ET.Element) -> None:
    name = "" if element.get("default") == "1" else _text(element.get("key"))
    hivex_type = element.get("type", "unknown")
    encoded = _text(element.get("value"))
    decoded: str | list[str] | int | None = None
    if element.get("encoding") == "base64":
        raw = base64.b64decode(encoded)  # libxml2 wraps base64 lines; whitespace is skipped
    elif hivex_type == "string-list":
        decoded = [_text(item.text) for item in element.findall("string")]
        raw = "".join(f"{item}\x00" for item in decoded).encode("utf-16-le", "surrogatepass")
    elif hivex_type in ("int32", "int64"):
        decoded = int(encoded)
        raw = struct.pack("<i" if hivex_type == "int32" else "<q", decoded)
    else:
        decoded = encoded
        raw = (encoded + "\x00").encode("utf-16-le", "surrogatepass")
    if key.value(name) is not None:
        raise HivexmlError(f"duplicate value {name!r} under {key.path!r}")
    # MemoryKey.set_value builds a plain MemoryValue; this one must keep its fidelity.
    key._values[fold_name(name)] = HivexValue(name, hivex_type, raw, decoded, hive)
