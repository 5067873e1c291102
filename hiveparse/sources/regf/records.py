"""Typed views of the REGF records the reader walks (nk, vk, sk, subkey lists, db).

Each parser takes a cell payload (bytes after the cell size) and unpacks it with the
``struct`` layout compiled from the construct declaration in :mod:`hiveparse.schemas.regf`.
Sizes and counts taken from the file are clamped to the payload here, and every clamp is
reported through the anomaly callback; nothing reads past the cell.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable
from typing import Final, NamedTuple

from hiveparse.errors import Severity, shown_bytes
from hiveparse.schemas import regf
from hiveparse.schemas.fastpath import compile_fixed_head

NK = compile_fixed_head(regf.key_node)
VK = compile_fixed_head(regf.key_value)
SK = compile_fixed_head(regf.key_security)
LIST_HEAD = compile_fixed_head(regf.subkey_list_header)
DB = compile_fixed_head(regf.big_data)

KEY_COMP_NAME: Final = 0x0020
VALUE_COMP_NAME: Final = 0x0001
# Registry element size limits (Microsoft's "Registry Element Size Limits"): a key name of
# 255 characters, a value name of 16,383. Longer names are read, and flagged.
MAX_KEY_NAME_CHARS: Final = 255
MAX_VALUE_NAME_CHARS: Final = 16_383

Report = Callable[..., None]
Image = bytes | bytearray | mmap.mmap


_NK_FLAGS: Final = NK.names.index("flags")
_NK_LAST_WRITTEN: Final = NK.names.index("last_written_timestamp")
_NK_PARENT: Final = NK.names.index("parent")
_NK_SUBKEYS: Final = NK.names.index("number_of_subkeys")
_NK_SUBKEYS_LIST: Final = NK.names.index("subkeys_list_offset")
_NK_VALUES: Final = NK.names.index("number_of_key_values")
_NK_VALUES_LIST: Final = NK.names.index("key_values_list_offset")
_NK_SECURITY: Final = NK.names.index("key_security_offset")
_NK_CLASS: Final = NK.names.index("class_name_offset")
_NK_NAME_LENGTH: Final = NK.names.index("key_name_length")
_NK_CLASS_LENGTH: Final = NK.names.index("class_name_length")
_NK_SIZE: Final = NK.size
_VK_NAME_LENGTH: Final = VK.names.index("name_length")
_VK_DATA_SIZE: Final = VK.names.index("data_size")
_VK_DATA_OFFSET: Final = VK.names.index("data_offset")
_VK_TYPE: Final = VK.names.index("data_type")
_VK_FLAGS: Final = VK.names.index("flags")
_VK_SIZE: Final = VK.size
_NK_UNPACK: Final = NK.packer.unpack_from
_new_tuple: Final = tuple.__new__
_VK_UNPACK: Final = VK.packer.unpack_from


def decode_name(raw: bytes | bytearray, compressed: bool) -> str:
    """Key and value names: Latin-1 when the COMP_NAME flag is set, else UTF-16LE.

    Unpaired surrogates are kept (surrogatepass) so that a name is never altered.
    """
    if compressed:
        return raw.decode("latin-1")
    if len(raw) % 2:
        raw = raw[:-1]
    return raw.decode("utf-16-le", errors="surrogatepass")


class KeyNode(NamedTuple):
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


def _too_long(what: str, length: int, limit: int) -> str:
    return (
        f"a {what} name of {length} characters: Windows writes at most {limit} (a crafted or "
        "damaged hive)"
    )


def parse_key_node(image: Image, start: int, length: int, report: Report) -> KeyNode | None:
    """The nk record whose cell payload is ``image[start : start + length]``."""
    if length < _NK_SIZE or image[start : start + 2] != b"nk":
        report(
            "regf.key_node_bad",
            f"expected a key node (nk) but found {shown_bytes(bytes(image[start : start + 2]))} "
            f"({length} bytes)",
            start - 4,
            Severity.ERROR,
        )
        return None
    fields = _NK_UNPACK(image, start)
    name_length = fields[_NK_NAME_LENGTH]
    available = length - _NK_SIZE
    if name_length > available:
        report(
            "regf.key_name_truncated",
            f"key name length {name_length} exceeds the {available} bytes left in its cell",
            start - 4,
            Severity.ERROR,
        )
        name_length = available
    flags = fields[_NK_FLAGS]
    name_start = start + _NK_SIZE
    name = decode_name(image[name_start : name_start + name_length], bool(flags & KEY_COMP_NAME))
    if len(name) > MAX_KEY_NAME_CHARS:
        report(
            "regf.key_name_too_long",
            _too_long("key", len(name), MAX_KEY_NAME_CHARS),
            start - 4,
            Severity.WARNING,
        )
    # tuple.__new__ skips NamedTuple's Python-level constructor (a hot path: once per key).
    return _new_tuple(
        KeyNode,
        (
            flags,
            fields[_NK_LAST_WRITTEN],
            fields[_NK_PARENT],
            fields[_NK_SUBKEYS],
            fields[_NK_SUBKEYS_LIST],
            fields[_NK_VALUES],
            fields[_NK_VALUES_LIST],
            fields[_NK_SECURITY],
            fields[_NK_CLASS],
            fields[_NK_CLASS_LENGTH],
            name,
        ),
    )


class ValueRecord(NamedTuple):
    name: str
    data_size_field: int
    data_offset: int
    type_id: int
    flags: int


def parse_value_record(image: Image, start: int, length: int, report: Report) -> ValueRecord | None:
    """The vk record whose cell payload is ``image[start : start + length]``."""
    if length < _VK_SIZE or image[start : start + 2] != b"vk":
        report(
            "regf.value_record_bad",
            "expected a value record (vk) but found "
            f"{shown_bytes(bytes(image[start : start + 2]))}",
            start - 4,
            Severity.ERROR,
        )
        return None
    fields = _VK_UNPACK(image, start)
    name_length = fields[_VK_NAME_LENGTH]
    available = length - _VK_SIZE
    if name_length > available:
        report(
            "regf.value_name_truncated",
            f"value name length {name_length} exceeds the {available} bytes left in its cell",
            start - 4,
            Severity.ERROR,
        )
        name_length = available
    flags = fields[_VK_FLAGS]
    name_start = start + _VK_SIZE
    name = decode_name(image[name_start : name_start + name_length], bool(flags & VALUE_COMP_NAME))
    if len(name) > MAX_VALUE_NAME_CHARS:
        report(
            "regf.value_name_too_long",
            _too_long("value", len(name), MAX_VALUE_NAME_CHARS),
            start - 4,
            Severity.WARNING,
        )
    return _new_tuple(
        ValueRecord,
        (
            name,
            fields[_VK_DATA_SIZE],
            fields[_VK_DATA_OFFSET],
            fields[_VK_TYPE],
            flags,
        ),
    )


def offset_array(image: Image | bytes, count: int, start: int = 0) -> tuple[int, ...]:
    """``count`` little-endian u32 offsets from ``image[start:]`` (caller clamps count)."""
    return struct.unpack_from(f"<{count}I", image, start)


def parse_security_descriptor(payload: bytes, file_offset: int, report: Report) -> bytes | None:
    if len(payload) < SK.size or payload[:2] != b"sk":
        report(
            "regf.security_record_bad",
            f"expected a security record (sk) but found {shown_bytes(bytes(payload[:2]))}",
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
