"""The REGF writer: hives it writes are Windows-shaped and read back identically by four
independent readers (python-registry, libregf through pyregf, hivex's hivexml, regipy).

Known reader deviations are compared through the deviation, each named where it is applied:

* python-registry decodes compressed (Latin-1) names as cp1252, and calls the default value
  "(default)";
* libregf returns the *trailing* bytes of 1-3-byte inline data (reliability.md §2.4 item 5),
  ``None`` for empty data and for the default value's name;
* hivexml prints whole seconds and decoded strings and integers (base64 only for the rest);
* regipy decodes compressed names as ASCII and values by type, so it gets a small ASCII hive.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiveparse.errors import UsageError
from hiveparse.filetime import filetime_to_datetime
from hiveparse.model import Hive, Key
from hiveparse.schemas import regf
from hiveparse.sources.memory import MemoryHive, MemoryKey
from hiveparse.sources.regf.writer import (
    DEFAULT_SECURITY_DESCRIPTOR,
    LEAF_CAPACITY,
    HiveLayout,
    lh_name_hash,
    write_hive,
    write_hive_with_layout,
)
from tests.support.oracles import oracle

T0 = 0x01D5_0000_0000_0000  # 2019-ish FILETIMEs with a non-zero 100 ns digit
SECOND = 10_000_000


# --- fixtures ---------------------------------------------------------------------------------


def _sz(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


def _fill_values(key: MemoryKey) -> None:
    key.set_value("", 1, _sz("default text"))
    key.set_value("none", 0, b"\x00\x01")
    key.set_value("sz", 1, _sz("hello, world"))
    key.set_value("expand", 2, _sz("%SystemRoot%\\system32"))
    key.set_value("binary", 3, bytes(range(40)))
    key.set_value("dword", 4, struct.pack("<I", 0xDEADBEEF))
    key.set_value("dword_be", 5, struct.pack(">I", 0x01020304))
    key.set_value("link", 6, "\\Registry\\Machine\\X".encode("utf-16-le"))
    key.set_value("multi", 7, "one\0two\0\0".encode("utf-16-le"))
    key.set_value("res_list", 8, bytes(range(24)))
    key.set_value("full_res", 9, bytes(range(30)))
    key.set_value("res_req", 10, bytes(range(36)))
    key.set_value("qword", 11, struct.pack("<Q", 0x0102030405060708))
    for size in range(6):  # 0-4 bytes inline, 5 in a data cell
        key.set_value(f"inline{size}", 3, bytes(range(1, size + 1)))
    key.set_value("empty_sz", 1, b"")
    key.set_value("empty_dword", 4, b"")


def rich_hive() -> MemoryHive:
    hive = MemoryHive(root_name="CMI-CreateHive{A1B2C3D4-0000-0000-0000-000000000000}")
    root = hive.root()
    root.last_written_raw = T0
    vendor = root.ensure("Software\\Vendor")
    vendor.last_written_raw = T0 + 12_345_678
    _fill_values(vendor)
    vendor.set_value("bogus_type", 0x0001_2345, b"bogus")
    vendor.set_value("odd_sz", 1, b"A\x00B")
    big = root.ensure("Software\\Big")
    big.set_value("blob", 3, bytes((i * 7) & 0xFF for i in range(100 * 1024)))
    big.set_value("edge", 3, b"\xab" * regf.BIG_DATA_SEGMENT_SIZE)  # the last single-cell size
    big.set_value("edge_plus_one", 3, b"\xcd" * (regf.BIG_DATA_SEGMENT_SIZE + 1))
    classy = root.ensure("Software\\Classy")
    classy.class_name_text = "MyClass"
    classy.last_written_raw = T0 + 1
    unicode = root.ensure("Unicode")
    for name in ("Ünïcödé", "日本語", "Ελληνικά", "emoji😀", "ÿ-lower"):
        child = unicode.add_key(name)
        child.set_value(name, 1, _sz(name))
        child.class_name_text = f"class {name}"
    many = root.ensure("Many")
    for i in range(2000):
        many.add_key(f"k{(i * 7919) % 2000:04d}").last_written_raw = T0 + i
    deep = root.ensure("Deep")
    for level in range(100):
        deep = deep.add_key(f"L{level:03d}")
        deep.last_written_raw = T0 + level * SECOND
    deep.set_value("bottom", 4, struct.pack("<I", 100))
    return hive


def small_ascii_hive() -> MemoryHive:
    """What regipy can be asked about: ASCII names, standard types, one big value."""
    hive = MemoryHive(root_name="ROOT")
    hive.root().last_written_raw = T0
    key = hive.root().ensure("Software\\Vendor")
    key.last_written_raw = T0 + 99
    key.set_value("", 1, _sz("default"))
    key.set_value("sz", 1, _sz("hello"))
    key.set_value("expand", 2, _sz("%TEMP%"))
    key.set_value("binary", 3, bytes(range(40)))
    key.set_value("dword", 4, struct.pack("<I", 7))
    key.set_value("qword", 11, struct.pack("<Q", 1 << 40))
    key.set_value("multi", 7, "a\0bc\0\0".encode("utf-16-le"))
    key.set_value("none", 0, b"\x01\x02\x03")
    key.set_value("empty", 3, b"")
    key.set_value("big", 3, bytes(i & 0xFF for i in range(40_000)))
    hive.root().ensure("Other\\Leaf").last_written_raw = T0 + 5
    return hive


@pytest.fixture(scope="module")
def rich() -> tuple[MemoryHive, bytes, HiveLayout]:
    hive = rich_hive()
    image, layout = write_hive_with_layout(hive, hive_file_name="\\SystemRoot\\System32\\TEST")
    return hive, image, layout


@pytest.fixture(scope="module")
def rich_file(
    rich: tuple[MemoryHive, bytes, HiveLayout], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    path = tmp_path_factory.mktemp("writer") / "rich.hive"
    path.write_bytes(rich[1])
    return path


# --- canonical snapshots -------------------------------------------------------------------------


@dataclass(frozen=True)
class KeySnap:
    last_written: int | None
    class_name: str | None
    values: tuple[tuple[str, int, bytes], ...]


Snapshot = dict[str, KeySnap]


def model_snapshot(hive: Hive, last_written: int | None = None) -> Snapshot:
    """What the written hive must hold; keys without a time get the writer's documented
    default (``last_written``, else the newest key time in the model, else 0)."""
    if last_written is None:
        last_written = max((k.last_written or 0 for k in _walk_model(hive)), default=0)
    out: Snapshot = {}
    stack: list[tuple[Key, str]] = [(hive.root(), "")]
    while stack:
        key, path = stack.pop()
        out[path] = KeySnap(
            last_written if key.last_written is None else key.last_written,
            key.class_name or None,
            tuple((v.name, v.type_id, v.raw) for v in key.values()),
        )
        stack.extend((c, f"{path}\\{c.name}" if path else c.name) for c in key.subkeys())
    return out


def _cp1252_view(name: str) -> str:
    """How python-registry shows a name Windows stored compressed (Latin-1 bytes read as cp1252)."""
    try:
        return name.encode("latin-1").decode("cp1252")
    except UnicodeEncodeError:
        return name  # stored as UTF-16LE


def python_registry_snapshot(source: Path | bytes) -> Snapshot:
    from Registry import Registry  # noqa: PLC0415

    reg = Registry.Registry(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    out: Snapshot = {}
    stack = [(reg.root(), "")]
    while stack:
        key, p = stack.pop()
        nk = key._nkrecord  # the raw FILETIME and the class name are only on the record
        values = []
        for value in key.values():
            vk = value._vkrecord  # RegistryValue.name() says "(default)" for ""
            values.append((vk.name(), vk.unpack_dword(0xC), _python_registry_raw(vk)))
        out[p] = KeySnap(
            nk.unpack_qword(0x4), nk.classname() if nk.has_classname() else None, tuple(values)
        )
        stack.extend((c, f"{p}\\{c.name()}" if p else c.name()) for c in key.subkeys())
    return out


def _python_registry_raw(vk: Any) -> bytes:
    """The stored bytes as python-registry locates them, read the way its REG_BINARY branch
    reads them: its ``raw_data()`` is shaped by the type (inline REG_SZ and every REG_DWORD
    come back as the whole 4-byte field, REG_QWORD as 8 bytes) and ``value_type()`` keeps only
    the low 12 bits, so neither is the stored value."""
    from Registry.RegistryParse import HBINCell  # noqa: PLC0415

    length, offset, buf = vk.raw_data_length(), vk.data_offset(), vk._buf
    if length >= regf.INLINE_DATA_FLAG:
        return bytes(buf[offset : offset + length - regf.INLINE_DATA_FLAG])
    if length > regf.BIG_DATA_SEGMENT_SIZE:
        cell = HBINCell(buf, offset, vk)
        if cell.data_id() == b"db":
            return bytes(cell.child().large_data(length))
        return bytes(cell.raw_data()[:length])
    return bytes(buf[offset + 4 : offset + 4 + length])


def _pyregf_inline_view(type_id: int, raw: bytes) -> bytes:
    """libregf copies the *trailing* bytes of 1-3-byte inline data (reliability.md §2.4 item
    5), and for REG_SZ / REG_EXPAND_SZ first rounds the size up to whole UTF-16 units."""
    size = len(raw)
    if type_id in (1, 2):
        size += size & 1
    if 0 < len(raw) < 4:
        return raw.ljust(4, b"\0")[4 - size :]
    return raw


def pyregf_snapshot(image: bytes) -> Snapshot:
    import pyregf  # noqa: PLC0415

    handle = pyregf.file()
    handle.open_file_object(io.BytesIO(image))
    out: Snapshot = {}
    stack = [(handle.root_key, "")]
    while stack:
        key, p = stack.pop()
        values = tuple((v.name or "", v.type, v.data or b"") for v in key.values)
        out[p] = KeySnap(key.get_last_written_time_as_integer(), key.class_name, values)
        stack.extend((c, f"{p}\\{c.name}" if p else c.name) for c in key.sub_keys)
    handle.close()
    return out


def _expected_via(snapshot: Snapshot, *, name: object = None, raw: object = None) -> Snapshot:
    def name_view(text: str) -> str:
        return name(text) if callable(name) else text

    def raw_view(type_id: int, data: bytes) -> bytes:
        return raw(type_id, data) if callable(raw) else data

    out: Snapshot = {}
    for path, snap in snapshot.items():
        view_path = "\\".join(name_view(part) for part in path.split("\\")) if path else ""
        out[view_path] = KeySnap(
            snap.last_written,
            snap.class_name,
            tuple((name_view(n), t, raw_view(t, r)) for n, t, r in snap.values),
        )
    return out


def _walk_model(hive: Hive) -> list[Key]:
    out: list[Key] = []
    stack = [hive.root()]
    while stack:
        key = stack.pop()
        out.append(key)
        stack.extend(key.subkeys())
    return out


# --- structure -------------------------------------------------------------------------------


def _cells(image: bytes) -> list[tuple[int, int]]:
    """(offset, signed size) of every cell, checking that cells tile each hbin exactly."""
    out = []
    offset = 0
    data = image[regf.BASE_BLOCK_SIZE :]
    while offset < len(data):
        header = regf.hbin_header.parse(data[offset : offset + regf.HBIN_HEADER_SIZE])
        assert header.offset == offset
        assert header.size % regf.HBIN_ALIGNMENT == 0 and header.size > 0
        cell = offset + regf.HBIN_HEADER_SIZE
        while cell < offset + header.size:
            size = regf.cell_header.parse(data[cell : cell + 4]).size
            assert size != 0 and abs(size) % regf.CELL_ALIGNMENT == 0
            out.append((cell, size))
            cell += abs(size)
        assert cell == offset + header.size, "cells must end exactly at the hbin end"
        offset += header.size
    return out


def _payload(image: bytes, offset: int) -> bytes:
    start = regf.BASE_BLOCK_SIZE + offset
    size = regf.cell_header.parse(image[start : start + 4]).size
    assert size < 0, f"cell 0x{offset:x} is not allocated"
    return image[start + 4 : start - size]


def test_base_block_is_clean(rich: tuple[MemoryHive, bytes, HiveLayout]) -> None:
    _, image, layout = rich
    header = regf.base_block.parse(image[: regf.BASE_BLOCK_SIZE])
    words = struct.unpack_from("<127I", image)
    expected = 0
    for word in words:
        expected ^= word
    assert header.checksum == expected
    assert header.primary_sequence_number == header.secondary_sequence_number
    assert (header.major_version, header.minor_version) == (1, 5)
    assert header.file_type == 0 and header.file_format == 1
    assert header.root_cell_offset == layout.root == 0x20  # the root is the first cell
    assert header.hive_bins_data_size == len(image) - regf.BASE_BLOCK_SIZE
    # No last_written argument: the newest key time in the model stamps the hive.
    newest = max(k.last_written or 0 for k in _walk_model(rich[0]))
    assert header.last_written_timestamp == newest
    assert header.file_name.decode("utf-16-le").rstrip("\0") == "\\SystemRoot\\System32\\TEST"
    first_bin = regf.hbin_header.parse(image[regf.BASE_BLOCK_SIZE :])
    assert first_bin.timestamp == header.last_written_timestamp


def test_file_name_keeps_last_31_characters() -> None:
    name = "\\Device\\HarddiskVolume1\\Windows\\System32\\config\\SOFTWARE"
    image = write_hive(MemoryHive(), hive_file_name=name)
    stored = regf.base_block.parse(image[:4096]).file_name.decode("utf-16-le").rstrip("\0")
    assert stored == name[-31:]


def test_cells_tile_the_bins_and_layout_points_at_them(
    rich: tuple[MemoryHive, bytes, HiveLayout],
) -> None:
    _, image, layout = rich
    cells = dict(_cells(image))
    for offset, (kind, size) in layout.cells.items():
        assert cells[offset] == -size, kind
    for offset, size in layout.free_cells:
        assert cells[offset] == size > 0
    assert len(cells) == len(layout.cells) + len(layout.free_cells)
    for path, offset in layout.keys.items():
        assert layout.cell_kind(offset) == "nk", path
        assert _payload(image, offset)[:2] == b"nk"
    for ident, offset in layout.values.items():
        assert _payload(image, offset)[:2] == b"vk", ident
    # Big cells get their own hbin, rounded to 4 KiB.
    assert any(size > regf.HBIN_ALIGNMENT for _, size in layout.hbins)


def test_key_nodes_are_filled_as_windows_fills_them(
    rich: tuple[MemoryHive, bytes, HiveLayout],
) -> None:
    hive, image, layout = rich
    root = regf.key_node.parse(_payload(image, layout.root))
    assert root.flags.KEY_HIVE_ENTRY and root.flags.KEY_NO_DELETE and root.flags.KEY_COMP_NAME
    for path, offset in layout.keys.items():
        key = hive.find(path)
        assert key is not None
        nk = regf.key_node.parse(_payload(image, offset))
        if path:
            assert nk.parent == layout.keys[layout.parents[path]]
            assert not nk.flags.KEY_HIVE_ENTRY
            name = key.name
        else:
            name = hive.root().name
        try:
            assert nk.key_name == name.encode("latin-1") and nk.flags.KEY_COMP_NAME
        except UnicodeEncodeError:
            assert nk.key_name == name.encode("utf-16-le") and not nk.flags.KEY_COMP_NAME
        children = list(key.subkeys())
        values = list(key.values())
        assert nk.number_of_subkeys == len(children)
        assert nk.number_of_key_values == len(values)
        # "Largest" name lengths count UTF-16LE bytes, also for compressed names.
        assert nk.largest_subkey_name_length == max(
            (len(c.name.encode("utf-16-le")) for c in children), default=0
        )
        assert nk.largest_subkey_class_name_length == max(
            (len((c.class_name or "").encode("utf-16-le")) for c in children), default=0
        )
        assert nk.largest_value_name_length == max(
            (len(v.name.encode("utf-16-le")) for v in values), default=0
        )
        assert nk.largest_value_data_size == max((len(v.raw) for v in values), default=0)
        assert nk.last_written_timestamp == (
            key.last_written or regf.base_block.parse(image[:4096]).last_written_timestamp
        )
        if key.class_name:
            cls = _payload(image, nk.class_name_offset)[: nk.class_name_length]
            assert cls.decode("utf-16-le") == key.class_name
        else:
            assert nk.class_name_offset == regf.NO_CELL and nk.class_name_length == 0


def _listed(image: bytes, offset: int) -> list[tuple[int, int]]:
    payload = _payload(image, offset)
    if payload[:2] == b"ri":
        out = []
        for leaf in regf.index_root.parse(payload).elements:
            leaf_payload = _payload(image, leaf)
            assert leaf_payload[:2] == b"lh"  # an ri never points at an ri
            out.extend(_listed(image, leaf))
        return out
    lh = regf.hash_leaf.parse(payload)
    assert lh.number_of_elements <= LEAF_CAPACITY
    return [(e.key_node_offset, e.name_hint) for e in lh.elements]


def test_subkey_lists_are_sorted_hashed_and_split(
    rich: tuple[MemoryHive, bytes, HiveLayout],
) -> None:
    hive, image, layout = rich
    for path, list_offset in layout.subkey_lists.items():
        key = hive.find(path)
        assert key is not None
        listed = _listed(image, list_offset)
        by_offset = {layout.keys[p]: p for p in layout.keys}
        names = [by_offset[o].rsplit("\\", 1)[-1] for o, _ in listed]
        assert sorted(names, key=lambda n: [ord(c) for c in n.upper()]) == names
        assert [h for _, h in listed] == [lh_name_hash(n) for n in names]
        assert {n.upper() for n in names} == {c.name.upper() for c in key.subkeys()}
    leaves = layout.subkey_leaves["Many"]
    counts = [regf.hash_leaf.parse(_payload(image, leaf)).number_of_elements for leaf in leaves]
    assert counts == [507, 507, 507, 479]  # Windows fills leaves to CmpMaxFastIndexPerHblock
    assert len(layout.subkey_leaves) == 1


def test_values_inline_data_and_big_data(rich: tuple[MemoryHive, bytes, HiveLayout]) -> None:
    hive, image, layout = rich
    for (path, name), offset in layout.values.items():
        key = hive.find(path)
        assert key is not None
        value = key.value(name)
        assert value is not None
        vk = regf.key_value.parse(_payload(image, offset))
        assert vk.data_type == value.type_id
        raw = value.raw
        if len(raw) <= 4:
            assert vk.data_size == regf.INLINE_DATA_FLAG | len(raw)
            # Inline data sits at the start of the field ("Key value: Data size").
            assert struct.pack("<I", vk.data_offset) == raw.ljust(4, b"\0")
            assert (path, name) not in layout.data
        elif len(raw) <= regf.BIG_DATA_SEGMENT_SIZE:
            assert vk.data_size == len(raw)
            assert _payload(image, vk.data_offset)[: len(raw)] == raw
        else:
            big = layout.big_data[(path, name)]
            assert vk.data_offset == big.db
            db = regf.big_data.parse(_payload(image, big.db))
            assert db.number_of_segments == len(big.segments)
            listed = struct.unpack_from(f"<{len(big.segments)}I", _payload(image, big.segment_list))
            assert list(listed) == list(big.segments)
            pieces = [_payload(image, s) for s in big.segments]
            # Every segment, the last one too, has a full-size cell, as Windows writes them.
            assert all(len(p) == regf.BIG_DATA_SEGMENT_SIZE + 4 for p in pieces)
            joined = b"".join(p[: regf.BIG_DATA_SEGMENT_SIZE] for p in pieces)
            assert joined[: len(raw)] == raw
    assert len(layout.big_data) == 2  # blob and edge_plus_one; edge fits one cell


def test_minor_version_3_has_no_big_data(tmp_path: Path) -> None:
    hive = MemoryHive()
    hive.root().ensure("K").set_value("blob", 3, b"\x11" * 50_000)
    image, layout = write_hive_with_layout(hive, minor_version=3)
    assert not layout.big_data
    assert regf.base_block.parse(image[:4096]).minor_version == 3
    path = tmp_path / "v13.hive"
    path.write_bytes(image)
    assert python_registry_snapshot(path) == model_snapshot(hive) | {
        "": KeySnap(0, None, ()),
        "K": KeySnap(0, None, (("blob", 3, b"\x11" * 50_000),)),
    }


def test_security_cells_are_shared_and_ringed() -> None:
    hive = MemoryHive()
    other = DEFAULT_SECURITY_DESCRIPTOR[:-1] + b"\x01"  # a different (group) SID
    for i in range(5):
        key = hive.root().ensure(f"K{i}")
        if i % 2:
            key.security_descriptor_raw = other
    image, layout = write_hive_with_layout(hive)
    assert len(layout.sk_cells) == 2
    sks = {o: regf.key_security.parse(_payload(image, o)) for o in layout.sk_cells}
    first, second = layout.sk_cells
    assert (sks[first].flink, sks[first].blink) == (second, second)
    assert (sks[second].flink, sks[second].blink) == (first, first)
    assert sks[first].security_descriptor == DEFAULT_SECURITY_DESCRIPTOR
    assert sks[first].reference_count == 4  # the root, K0, K2, K4
    assert sks[second].security_descriptor == other
    assert sks[second].reference_count == 2
    assert layout.security["K1"] == second and layout.security["K2"] == first
    single = write_hive_with_layout(MemoryHive())[1]
    (only,) = single.sk_cells
    sk = regf.key_security.parse(_payload(write_hive(MemoryHive()), only))
    assert sk.flink == sk.blink == only and sk.reference_count == 1


def test_output_is_deterministic() -> None:
    assert write_hive(rich_hive()) == write_hive(rich_hive())


def test_last_written_fills_keys_without_a_time() -> None:
    hive = MemoryHive()
    hive.root().ensure("A").last_written_raw = T0
    hive.root().ensure("B")
    image, layout = write_hive_with_layout(hive, last_written=T0 + 5)
    stamp = {
        p: regf.key_node.parse(_payload(image, o)).last_written_timestamp
        for p, o in layout.keys.items()
    }
    assert stamp == {"": T0 + 5, "A": T0, "B": T0 + 5}
    assert regf.base_block.parse(image[:4096]).last_written_timestamp == T0 + 5


def test_rejects_what_regf_cannot_hold() -> None:
    with pytest.raises(UsageError, match="minor version"):
        write_hive(MemoryHive(), minor_version=2)
    hive = MemoryHive()
    hive.root().set_value("x" * 0x10000, 3, b"")
    with pytest.raises(UsageError, match="value name too long"):
        write_hive(hive)


def test_a_marker_fills_the_reserved_area_and_nothing_else() -> None:
    plain = write_hive(rich_hive(), last_written=T0)
    marked = write_hive(rich_hive(), last_written=T0, marker=b"M" * 3528)
    assert marked[:512] == plain[:512]  # the checksummed bytes and the checksum itself
    assert marked[512:4040] == b"M" * 3528  # up to the thaw fields at 0xFC8
    assert marked[4040:] == plain[4040:]
    with pytest.raises(UsageError, match="at most 3528 bytes, not 3529"):
        write_hive(rich_hive(), marker=b"M" * 3529)


def test_c1_control_names_are_stored_as_latin1() -> None:
    hive = MemoryHive()
    hive.root().add_key("a\x85b")
    image, layout = write_hive_with_layout(hive)
    nk = regf.key_node.parse(_payload(image, layout.keys["a\x85b"]))
    assert nk.flags.KEY_COMP_NAME and nk.key_name == b"a\x85b"  # WCHAR truncated to a byte


# --- read back by independent readers ----------------------------------------------------------


def test_python_registry_reads_back(
    rich: tuple[MemoryHive, bytes, HiveLayout], rich_file: Path
) -> None:
    expected = _expected_via(model_snapshot(rich[0]), name=_cp1252_view)
    got = python_registry_snapshot(rich_file)
    assert got.keys() == expected.keys()
    assert got == expected


def test_pyregf_reads_back(rich: tuple[MemoryHive, bytes, HiveLayout]) -> None:
    oracle("pyregf")
    expected = _expected_via(model_snapshot(rich[0]), name=_cp1252_view, raw=_pyregf_inline_view)
    got = pyregf_snapshot(rich[1])
    assert got.keys() == expected.keys()
    assert got == expected


# hivexml: the type names it prints and how faithfully it prints each.
_HIVEX_TYPES = {
    0: "none",
    1: "string",
    2: "expand",
    3: "binary",
    4: "int32",
    5: "int32",
    6: "link",
    7: "string-list",
    8: "resource-list",
    9: "resource-description",
    10: "resource-requirements",
    11: "int64",
}
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _hivex_text(raw: bytes) -> str:
    text = raw[: len(raw) & ~1].decode("utf-16-le")
    return text.split("\0", 1)[0]


def _hivex_value_view(type_id: int, raw: bytes) -> tuple[str, object]:
    kind = _HIVEX_TYPES.get(type_id, "unknown")
    if kind in ("string", "expand", "link"):
        return kind, _hivex_text(raw)
    if kind == "string-list":
        items = raw[: len(raw) & ~1].decode("utf-16-le").split("\0")
        while items and items[-1] == "":
            items.pop()
        return kind, tuple(items)
    if kind == "int32":
        if len(raw) != 4:
            return kind, "-1"
        return kind, str(struct.unpack("<i" if type_id == 4 else ">i", raw)[0])  # signed
    if kind == "int64":
        return kind, str(struct.unpack("<q", raw)[0]) if len(raw) == 8 else "-1"
    return kind, raw


def hivex_snapshot(path: Path) -> dict[str, tuple[str | None, tuple[tuple[str, str, object], ...]]]:
    # Always a pipe: hivexml opens /dev/stdout itself, which truncates a redirected file.
    xml = subprocess.run(["hivexml", str(path)], check=True, capture_output=True).stdout
    xml = _CONTROL.sub(lambda m: f"&#xE0{m.group()[0]:02X};".encode(), xml)
    root_node = ET.fromstring(xml).find("node")
    assert root_node is not None
    out: dict[str, tuple[str | None, tuple[tuple[str, str, object], ...]]] = {}
    stack = [(root_node, "")]
    while stack:
        node, p = stack.pop()
        mtime = node.findtext("mtime")
        values = []
        for value in node.findall("value"):
            name = "" if value.get("default") == "1" else value.get("key", "")
            kind = value.get("type", "")
            data: object
            if value.get("encoding") == "base64":
                data = base64.b64decode(value.get("value", ""))
            elif kind == "string-list":
                items = [s.text or "" for s in value.findall("string")]
                while items and items[-1] == "":
                    items.pop()
                data = tuple(items)
            else:
                data = value.get("value", "")
            values.append((name, kind, data))
        out[p] = (mtime, tuple(values))
        for child in node.findall("node"):
            name = child.get("name", "")
            stack.append((child, f"{p}\\{name}" if p else name))
    return out


def _iso_seconds(filetime: int | None) -> str | None:
    moment = filetime_to_datetime(filetime or 0)
    if moment is None:
        return None
    return datetime.fromtimestamp(int(moment.timestamp()), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.peers
def test_hivex_reads_back(rich: tuple[MemoryHive, bytes, HiveLayout], rich_file: Path) -> None:
    if subprocess.run(["which", "hivexml"], check=False, capture_output=True).returncode:
        pytest.skip("hivexml (libhivex-bin) is not installed")
    expected = {
        path: (
            _iso_seconds(snap.last_written),
            tuple((n, *_hivex_value_view(t, r)) for n, t, r in snap.values),
        )
        for path, snap in model_snapshot(rich[0]).items()
    }
    got = hivex_snapshot(rich_file)
    assert got.keys() == expected.keys()
    assert got == expected


def _regipy_view(type_id: int, raw: bytes) -> object:
    if type_id in (1, 2):
        return raw.decode("utf-16-le").rstrip("\0")
    if type_id == 4:
        return struct.unpack("<I", raw)[0]
    if type_id == 11:
        return struct.unpack("<Q", raw)[0]
    if type_id == 7:
        return [s for s in raw.decode("utf-16-le").split("\0") if s]
    return raw


def test_regipy_reads_back(tmp_path: Path) -> None:
    from regipy.registry import RegistryHive  # noqa: PLC0415

    hive = small_ascii_hive()
    path = tmp_path / "small.hive"
    path.write_bytes(write_hive(hive))
    names = {
        0: "REG_NONE",
        1: "REG_SZ",
        2: "REG_EXPAND_SZ",
        3: "REG_BINARY",
        4: "REG_DWORD",
        7: "REG_MULTI_SZ",
        11: "REG_QWORD",
    }
    expected = {
        "\\" + p: (
            snap.last_written,
            [(n or "(default)", names[t], _regipy_view(t, r)) for n, t, r in snap.values],
        )
        for p, snap in model_snapshot(hive).items()
    }
    reg = RegistryHive(str(path))
    got = {}
    for p in expected:
        key = reg.get_key(p)
        values = [
            (v.name, v.value_type, v.value)
            for v in key.iter_values(as_json=False, trim_values=False)
        ]
        got[p] = (key.header.last_modified, values)
    assert got == expected
    walked = {s.path for s in reg.recurse_subkeys(as_json=False)}
    assert walked == set(expected)


# --- property: random trees survive the round trip --------------------------------------------

_NAME_CHARS = st.characters(
    blacklist_categories=("Cs",),  # lone surrogates are not text
    blacklist_characters="\\\x00",  # a key path separator, and hivex's C-string names
).filter(lambda c: not "\x80" <= c <= "\x9f")  # python-registry reads Latin-1 names as cp1252
_NAMES = st.text(_NAME_CHARS, min_size=1, max_size=12)
_VALUES = st.lists(
    st.tuples(
        st.text(_NAME_CHARS, max_size=10).filter(lambda n: n != "(default)"),
        st.sampled_from([0, 1, 2, 3, 4, 5, 7, 11, 0x20000, 0xFFFF0010]),
        st.one_of(
            st.binary(max_size=6),
            st.binary(min_size=7, max_size=300),
            st.integers(16_340, 16_350).map(lambda n: bytes(i * 31 & 0xFF for i in range(n))),
        ),
    ),
    max_size=5,
)


@st.composite
def _trees(draw: st.DrawFn) -> MemoryHive:
    hive = MemoryHive(root_name=draw(_NAMES))
    budget = [12]

    def fill(key: MemoryKey, depth: int) -> None:
        key.last_written_raw = draw(st.integers(0, 2**63 - 1))
        for name, type_id, raw in draw(_VALUES):
            key.set_value(name, type_id, raw)
        if draw(st.booleans()):
            key.class_name_text = draw(_NAMES)
        if depth >= 4:
            return
        for name in draw(st.lists(_NAMES, max_size=4)):
            if budget[0] <= 0:
                return
            budget[0] -= 1
            fill(key.add_key(name), depth + 1)

    fill(hive.root(), 0)
    return hive


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hive=_trees(), minor=st.sampled_from([3, 5]))
def test_random_trees_round_trip_through_python_registry(hive: MemoryHive, minor: int) -> None:
    image = write_hive(hive, minor_version=minor)
    expected = _expected_via(model_snapshot(hive), name=_cp1252_view)
    assert python_registry_snapshot(image) == expected
