"""Typed views of the REGF records the reader walks (nk, vk, sk, subkey lists, db).

Each parser takes a cell payload (bytes after the cell size) and unpacks it with the
``struct`` layout compiled from the construct declaration in :mod:`hiveparse.schemas.regf`.
Sizes and counts taken from the file are clamped to the payload here, and every clamp is
reported through the anomaly callback; nothing reads past the cell.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from hiveparse.errors import Severity
from hiveparse.schemas import regf
from hiveparse.schemas.fastpath import FixedLayout, compile_fixed_head

NK = compile_fixed_head(regf.key_node)
VK = compile_fixed_head(regf.key_value)
SK = compile_fixed_head(regf.key_security)
LIST_HEAD = compile_fixed_head(regf.subkey_list_header)
DB = compile_fixed_head(regf.big_data)

KEY_COMP_NAME = 0x0020
VALUE_COMP_NAME = 0x0001

Report = Callable[..., None]


def _index(layout: FixedLayout, name: str) -> int:
    return layout.names.index(name)


_NK_FIELDS = {name: _index(NK, name) for name in NK.names}
_VK_FIELDS = {name: _index(VK, name) for name in VK.names}


def decode_name(raw: bytes, compressed: bool) -> str:
    """Key and value names: Latin-1 when the COMP_NAME flag is set, else UTF-16LE.

    Unpaired surrogates are kept (surrogatepass) so that a name is never altered.
    """
    if compressed:
        return raw.decode("latin-1")
    if len(raw) % 2:
        raw = raw[:-1]
    return raw.decode("utf-16-le", errors="surrogatepass")


@dataclass(frozen=True, slots=True)
class KeyNode:
    flags: int
    last_written: int
    parent: int
    number_of_subkeys: int
    subkeys_list_offset: int
    number_of_values: int
    values_list_offset: int
    security_offset: int
    class_name_offset: int
    class_name_length: int
    name: str


def parse_key_node(payload: bytes, file_offset: int, report: Report) -> KeyNode | None:
    if len(payload) < NK.size or payload[:2] != b"nk":
        report(
            "regf.key_node_bad",
            f"expected a key node (nk) but found {payload[:2]!r} ({len(payload)} bytes)",
            file_offset,
            Severity.ERROR,
        )
        return None
    fields = NK.packer.unpack_from(payload)
    name_length = fields[_NK_FIELDS["key_name_length"]]
    available = len(payload) - NK.size
    if name_length > available:
        report(
            "regf.key_name_truncated",
            f"key name length {name_length} exceeds the {available} bytes left in its cell",
            file_offset,
            Severity.ERROR,
        )
        name_length = available
    flags = fields[_NK_FIELDS["flags"]]
    raw_name = payload[NK.size : NK.size + name_length]
    return KeyNode(
        flags=flags,
        last_written=fields[_NK_FIELDS["last_written_timestamp"]],
        parent=fields[_NK_FIELDS["parent"]],
        number_of_subkeys=fields[_NK_FIELDS["number_of_subkeys"]],
        subkeys_list_offset=fields[_NK_FIELDS["subkeys_list_offset"]],
        number_of_values=fields[_NK_FIELDS["number_of_key_values"]],
        values_list_offset=fields[_NK_FIELDS["key_values_list_offset"]],
        security_offset=fields[_NK_FIELDS["key_security_offset"]],
        class_name_offset=fields[_NK_FIELDS["class_name_offset"]],
        class_name_length=fields[_NK_FIELDS["class_name_length"]],
        name=decode_name(raw_name, bool(flags & KEY_COMP_NAME)),
    )


@dataclass(frozen=True, slots=True)
class ValueRecord:
    name: str
    data_size_field: int
    data_offset: int
    type_id: int
    flags: int


def parse_value_record(payload: bytes, file_offset: int, report: Report) -> ValueRecord | None:
    if len(payload) < VK.size or payload[:2] != b"vk":
        report(
            "regf.value_record_bad",
            f"expected a value record (vk) but found {payload[:2]!r}",
            file_offset,
            Severity.ERROR,
        )
        return None
    fields = VK.packer.unpack_from(payload)
    name_length = fields[_VK_FIELDS["name_length"]]
    available = len(payload) - VK.size
    if name_length > available:
        report(
            "regf.value_name_truncated",
            f"value name length {name_length} exceeds the {available} bytes left in its cell",
            file_offset,
            Severity.ERROR,
        )
        name_length = available
    flags = fields[_VK_FIELDS["flags"]]
    return ValueRecord(
        name=decode_name(payload[VK.size : VK.size + name_length], bool(flags & VALUE_COMP_NAME)),
        data_size_field=fields[_VK_FIELDS["data_size"]],
        data_offset=fields[_VK_FIELDS["data_offset"]],
        type_id=fields[_VK_FIELDS["data_type"]],
        flags=flags,
    )


def offset_array(payload: bytes, count: int, start: int = 0) -> tuple[int, ...]:
    """``count`` little-endian u32 offsets from ``payload[start:]`` (caller clamps count)."""
    return struct.unpack_from(f"<{count}I", payload, start)


def parse_security_descriptor(payload: bytes, file_offset: int, report: Report) -> bytes | None:
    if len(payload) < SK.size or payload[:2] != b"sk":
        report(
            "regf.security_record_bad",
            f"expected a security record (sk) but found {payload[:2]!r}",
            file_offset,
            Severity.WARNING,
        )
        return None
    size = SK.unpack_from(payload)["security_descriptor_size"]
    available = len(payload) - SK.size
    if size > available:
        report(
            "regf.security_descriptor_truncated",
            f"security descriptor size {size} exceeds the {available} bytes of its cell",
            file_offset,
        )
        size = available
    return payload[SK.size : SK.size + size]
