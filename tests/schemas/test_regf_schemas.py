"""Round trips of every REGF declaration: hand-made bytes, libyal's sample structures and
every cell of a real hive parse and rebuild byte for byte."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from construct import Array

from hiveparse.schemas import regf
from hiveparse.sources.regf import writer
from tests.schemas.roundtrip import all_flags, assert_roundtrip, plain

NK_FLAGS = regf.key_node_flags
VK_FLAGS = regf.value_flags


def _nk_fields(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "signature": b"nk",
        "flags": all_flags(NK_FLAGS, "KEY_HIVE_ENTRY", "KEY_NO_DELETE", "KEY_COMP_NAME"),
        "last_written_timestamp": 0x01D2226846_8A3F0D,
        "access_bits": 2,
        "parent": 0x968,
        "number_of_subkeys": 10,
        "number_of_volatile_subkeys": 0,
        "subkeys_list_offset": 0x14D8,
        "volatile_subkeys_list_offset": regf.NO_CELL,
        "number_of_key_values": 0,
        "key_values_list_offset": regf.NO_CELL,
        "key_security_offset": 0x2CA8,
        "class_name_offset": regf.NO_CELL,
        "largest_subkey_name_length": 0x28,
        "largest_subkey_class_name_length": 0,
        "largest_value_name_length": 0,
        "largest_value_data_size": 0,
        "work_var": 0,
        "key_name_length": 4,
        "class_name_length": 0,
        "key_name": b"ROOT",
    }
    fields.update(overrides)
    return fields


def test_base_block() -> None:
    name = "\\SystemRoot\\SAM".encode("utf-16-le").ljust(64, b"\0")
    head = struct.pack(
        "<4sIIQIIIIIII", b"regf", 7, 7, 0x1D0_0000_0000_0000, 1, 5, 0, 1, 0x20, 0x3000, 1
    )
    tail = name + bytes(16) + bytes(16) + struct.pack("<I", 0) + bytes(16) + b"rmtm"
    tail += struct.pack("<Q", 0)
    first = head + tail
    first += bytes(508 - len(first))
    checksum = 0
    for (word,) in struct.iter_unpack("<I", first):
        checksum ^= word
    data = first + struct.pack("<I", checksum) + bytes(4096 - 512)
    obj = {
        "signature": b"regf",
        "primary_sequence_number": 7,
        "secondary_sequence_number": 7,
        "last_written_timestamp": 0x1D0_0000_0000_0000,
        "major_version": 1,
        "minor_version": 5,
        "file_type": 0,
        "file_format": 1,
        "root_cell_offset": 0x20,
        "hive_bins_data_size": 0x3000,
        "clustering_factor": 1,
        "file_name": name,
        "rm_id": bytes(16),
        "log_id": bytes(16),
        "flags": 0,
        "tm_id": bytes(16),
        "guid_signature": b"rmtm",
        "last_reorganized_timestamp": 0,
        "checksum": checksum,
        "reserved_after_checksum": bytes(3528),
        "thaw_tm_id": bytes(16),
        "thaw_rm_id": bytes(16),
        "thaw_log_id": bytes(16),
        "boot_type": 0,
        "boot_recover": 0,
    }
    assert_roundtrip(regf.base_block, data, obj)
    # The writer's base block is the same structure with the checksum it computes.
    built = writer.build_base_block(
        minor_version=5,
        root_cell_offset=0x20,
        hive_bins_data_size=0x3000,
        last_written=0x1D0_0000_0000_0000,
        file_name="\\SystemRoot\\SAM",
        sequence=7,
    )
    assert built == data
    assert writer.xor32_checksum(built) == checksum


def test_checksum_substitutions() -> None:
    # HvpHeaderCheckSum never yields 0 or 0xFFFFFFFF: they become 1 and 0xFFFFFFFE.
    assert writer.xor32_checksum(bytes(508)) == 1
    assert writer.xor32_checksum(b"\xff\xff\xff\xff" + bytes(504)) == 0xFFFFFFFE
    assert writer.xor32_checksum(b"\x01\x00\x00\x00\x03\x00\x00\x00" + bytes(500)) == 2


def test_hbin_header() -> None:
    data = b"hbin" + struct.pack("<II", 0x1000, 0x2000) + bytes(8) + struct.pack("<QI", 5, 0)
    obj = {
        "signature": b"hbin",
        "offset": 0x1000,
        "size": 0x2000,
        "reserved": bytes(8),
        "timestamp": 5,
        "spare": 0,
    }
    assert_roundtrip(regf.hbin_header, data, obj)


@pytest.mark.parametrize("size", [-0x58, 0x1000, -0x7FFFFFF8, 0])
def test_cell_header(size: int) -> None:
    assert_roundtrip(regf.cell_header, struct.pack("<i", size), {"size": size})


def test_key_node_compressed_name() -> None:
    fields = _nk_fields()
    data = (
        b"nk"
        + struct.pack(
            "<HQIIIIIIIIIIIIIIIHH",
            0x2C,
            fields["last_written_timestamp"],
            2,
            0x968,
            10,
            0,
            0x14D8,
            regf.NO_CELL,
            0,
            regf.NO_CELL,
            0x2CA8,
            regf.NO_CELL,
            0x28,
            0,
            0,
            0,
            0,
            4,
            0,
        )
        + b"ROOT"
    )
    assert_roundtrip(regf.key_node, data, fields)


def test_key_node_utf16_name_and_user_flags() -> None:
    name = "日本".encode("utf-16-le")
    flags = all_flags(NK_FLAGS, "KEY_SYM_LINK", "KEY_VIRTUAL_STORE")
    fields = _nk_fields(
        flags=flags,
        key_name_length=len(name),
        key_name=name,
        class_name_length=14,
        class_name_offset=0x80,
    )
    data = (
        b"nk"
        + struct.pack(
            "<HQIIIIIIIIIIIIIIIHH",
            0x0210,
            fields["last_written_timestamp"],
            2,
            0x968,
            10,
            0,
            0x14D8,
            regf.NO_CELL,
            0,
            regf.NO_CELL,
            0x2CA8,
            0x80,
            0x28,
            0,
            0,
            0,
            0,
            len(name),
            14,
        )
        + name
    )
    assert_roundtrip(regf.key_node, data, fields)


@pytest.mark.parametrize(
    ("name", "comp", "size", "offset", "type_id"),
    [
        (b"dw", True, 0x80000004, 0x04030201, 4),  # inline REG_DWORD
        (b"", True, 0x80000000, 0, 3),  # empty default value
        ("Ω".encode("utf-16-le"), False, 0x190000, 0x1020, 3),  # UTF-16 name, big data size
    ],
)
def test_key_value(name: bytes, comp: bool, size: int, offset: int, type_id: int) -> None:
    flags = 1 if comp else 0
    data = b"vk" + struct.pack("<HIIIHH", len(name), size, offset, type_id, flags, 0) + name
    obj = {
        "signature": b"vk",
        "name_length": len(name),
        "data_size": size,
        "data_offset": offset,
        "data_type": type_id,
        "flags": all_flags(VK_FLAGS, *(["VALUE_COMP_NAME"] if comp else [])),
        "spare": 0,
        "value_name": name,
    }
    assert_roundtrip(regf.key_value, data, obj)


def test_key_security_with_default_descriptor() -> None:
    sd = writer.DEFAULT_SECURITY_DESCRIPTOR
    data = b"sk" + struct.pack("<HIIII", 0, 0x78, 0x78, 3, len(sd)) + sd
    obj = {
        "signature": b"sk",
        "reserved": 0,
        "flink": 0x78,
        "blink": 0x78,
        "reference_count": 3,
        "security_descriptor_size": len(sd),
        "security_descriptor": sd,
    }
    assert_roundtrip(regf.key_security, data, obj)


def test_hashed_lists() -> None:
    elements = [
        {"key_node_offset": 0x120, "name_hint": writer.lh_name_hash("Software")},
        {"key_node_offset": 0x1A8, "name_hint": 0x12345678},
    ]
    body = struct.pack("<H", 2) + b"".join(
        struct.pack("<II", e["key_node_offset"], e["name_hint"]) for e in elements
    )
    assert_roundtrip(
        regf.hash_leaf,
        b"lh" + body,
        {"signature": b"lh", "number_of_elements": 2, "elements": elements},
    )
    assert_roundtrip(
        regf.fast_leaf,
        b"lf" + body,
        {"signature": b"lf", "number_of_elements": 2, "elements": elements},
    )
    assert_roundtrip(regf.hashed_list_element, body[2:10], elements[0])
    assert_roundtrip(
        regf.subkey_list_header, b"lh" + body[:2], {"signature": b"lh", "number_of_elements": 2}
    )


def test_lh_name_hash_by_hand() -> None:
    value = 0
    for ch in "SOFTWARE":
        value = (value * 37 + ord(ch)) % 2**32
    assert writer.lh_name_hash("Software") == value
    assert writer.lh_name_hash("software") == value
    assert writer.lh_name_hash("é") == ord("É")
    assert writer.lh_name_hash("") == 0


def test_offset_lists() -> None:
    offsets = [0x20, 0x1000, 0xFFFFFFF8]
    packed = struct.pack("<3I", *offsets)
    assert_roundtrip(
        regf.index_leaf,
        b"li" + struct.pack("<H", 3) + packed,
        {"signature": b"li", "number_of_elements": 3, "elements": offsets},
    )
    assert_roundtrip(
        regf.index_root,
        b"ri" + struct.pack("<H", 3) + packed,
        {"signature": b"ri", "number_of_elements": 3, "elements": offsets},
    )
    assert_roundtrip(Array(3, regf.offset_array_element), packed, offsets)
    assert_roundtrip(Array(4, regf.class_name_unit), "Ab".encode("utf-16-le"), [65, 0, 98, 0])


def test_big_data() -> None:
    data = b"db" + struct.pack("<HI", 7, 0x3F20)
    assert_roundtrip(
        regf.big_data,
        data,
        {"signature": b"db", "number_of_segments": 7, "segments_list_offset": 0x3F20},
    )


# --- libyal's sample structures ---------------------------------------------------------------

_LIBYAL = {
    "named_key.1": regf.key_node,
    "value_key.1": regf.key_value,
    "value_key.2": regf.key_value,
    "security_key.1": regf.key_security,
    "sub_key_list.1": None,  # by signature
    "data_block_key.1": regf.big_data,
    "hive_bin_header.1": regf.hbin_header,
}
_LISTS = {
    b"lf": regf.fast_leaf,
    b"lh": regf.hash_leaf,
    b"li": regf.index_leaf,
    b"ri": regf.index_root,
}


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(_LIBYAL))
def test_libyal_structures_rebuild(corpus: Path, name: str) -> None:
    data = (corpus / "hives" / "libregf" / "structures" / name).read_bytes()
    schema = _LIBYAL[name] or _LISTS[data[:2]]
    parsed = schema.parse(data)
    built = schema.build(parsed)
    assert data.startswith(built)  # what follows is cell padding
    assert plain(schema.parse(built)) == plain(parsed)


@pytest.mark.corpus
def test_libyal_file_header_rebuilds(corpus: Path) -> None:
    data = (corpus / "hives" / "libregf" / "structures" / "file_header.1").read_bytes()
    assert len(data) == 512  # the first sector only: the rest of the block is reserved zeros
    block = data + bytes(regf.BASE_BLOCK_SIZE - len(data))
    assert regf.base_block.build(regf.base_block.parse(block)) == block


# --- every cell of a real hive ----------------------------------------------------------------

_CELL_SCHEMAS = {
    b"nk": regf.key_node,
    b"vk": regf.key_value,
    b"sk": regf.key_security,
    b"db": regf.big_data,
    **_LISTS,
}


def _cells(image: bytes) -> list[tuple[int, bytes]]:
    cells = []
    offset = regf.BASE_BLOCK_SIZE
    while offset + regf.HBIN_HEADER_SIZE <= len(image) and image[offset : offset + 4] == b"hbin":
        size = struct.unpack_from("<I", image, offset + 8)[0]
        cell = offset + regf.HBIN_HEADER_SIZE
        while cell < offset + size:
            (cell_size,) = struct.unpack_from("<i", image, cell)
            if cell_size < 0:
                cells.append((cell, image[cell + 4 : cell - cell_size]))
            cell += abs(cell_size)
        offset += size
    return cells


@pytest.mark.corpus
@pytest.mark.parametrize("hive", ["regipy/SAM", "yarp/BigDataHive"])
def test_corpus_cells_rebuild_byte_identical(corpus: Path, hive: str) -> None:
    image = (corpus / "hives" / hive).read_bytes()
    header = image[: regf.BASE_BLOCK_SIZE]
    assert regf.base_block.build(regf.base_block.parse(header)) == header
    seen: dict[bytes, int] = {}
    for _, payload in _cells(image):
        schema = _CELL_SCHEMAS.get(payload[:2])
        if schema is None:
            continue  # value data, value lists, class names: no signature to trust
        parsed = schema.parse(payload)  # every signed cell of these clean hives parses
        built = schema.build(parsed)
        assert payload.startswith(built), f"{payload[:2]!r} cell does not rebuild"
        seen[payload[:2]] = seen.get(payload[:2], 0) + 1
    offset = regf.BASE_BLOCK_SIZE
    while offset < len(image) and image[offset : offset + 4] == b"hbin":
        raw = image[offset : offset + regf.HBIN_HEADER_SIZE]
        assert regf.hbin_header.build(regf.hbin_header.parse(raw)) == raw
        offset += regf.hbin_header.parse(raw).size
    assert seen.get(b"nk", 0) > 0 and seen.get(b"vk", 0) > 0 and seen.get(b"sk", 0) > 0
