"""Regression tests for hostile-input defects found in review, each named after its defect.

Hives are built with the project's writer and then damaged at offsets the writer reports,
so every expectation is computed from the layout, not from the reader under test.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from hiveparse.model import HiveType, fold_name, walk
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf import open_hive
from hiveparse.sources.regf.writer import write_hive, write_hive_with_layout

DATA = 4096  # cell offsets are relative to the hive bins, which start here


def _walk_all(hive) -> tuple[int, int]:
    keys = values = 0
    for key in walk(hive.root()):
        keys += 1
        for value in key.values():
            values += 1
            _ = value.raw
    return keys, values


def test_big_data_cannot_outgrow_the_hive(tmp_path: Path):
    hive = MemoryHive(HiveType.UNKNOWN)
    hive.root().ensure("K").set_value("big", 3, bytes(range(256)) * 100)  # 25,600 bytes: db
    data, layout = write_hive_with_layout(hive)
    image = bytearray(data)
    vk = layout.values[("K", "big")]
    # vk data size at +8 in the cell (+4 size, +2 sig, +2 name length): claim 1 GiB.
    struct.pack_into("<I", image, DATA + vk + 8, 0x40000000)
    path = tmp_path / "amp.hiv"
    path.write_bytes(image)
    opened = open_hive(path)
    key = opened.find("K")
    assert key is not None
    (value,) = key.values()
    assert len(value.raw) <= len(image)
    assert "regf.value_size_impossible" in {d.code for d in value.diagnostics}


def test_a_key_name_holding_the_separator_is_flagged(tmp_path: Path):
    hive = MemoryHive(HiveType.UNKNOWN)
    hive.root().ensure("Control").set_value("x", 4, b"\x01\0\0\0")
    data, layout = write_hive_with_layout(hive)
    image = bytearray(data)
    nk = layout.keys["Control"]
    name_at = DATA + nk + 4 + 76
    assert image[name_at : name_at + 7] == b"Control"
    image[name_at + 3] = ord("\\")  # "Con\rol" becomes "Con\\rol"
    path = tmp_path / "slash.hiv"
    path.write_bytes(image)
    opened = open_hive(path)
    _walk_all(opened)
    assert "regf.key_name_invalid" in {d.code for d in opened.diagnostics}


def test_repeated_child_cells_are_read_once(tmp_path: Path):
    hive = MemoryHive(HiveType.UNKNOWN)
    for name in ("A", "B"):
        hive.root().ensure(name)
    data, layout = write_hive_with_layout(hive)
    image = bytearray(data)
    lh = layout.subkey_lists[""]
    # lh: size(4) sig(2) count(2) then (offset, hash) pairs: point B's slot at A.
    first = struct.unpack_from("<I", image, DATA + lh + 8)[0]
    struct.pack_into("<I", image, DATA + lh + 16, first)
    path = tmp_path / "dup.hiv"
    path.write_bytes(image)
    opened = open_hive(path)
    assert [k.name for k in opened.root().subkeys()] == ["A"]
    assert "regf.duplicate_subkey" in {d.code for d in opened.diagnostics}


@pytest.mark.parametrize(
    ("stored", "asked", "found"),
    [
        ("Strasse", "Straße", False),
        ("Straße", "STRAßE", True),
        ("ss1", "SS1", True),
    ],
)
def test_case_folding_is_per_utf16_unit(tmp_path: Path, stored: str, asked: str, found: bool):
    hive = MemoryHive(HiveType.UNKNOWN)
    hive.root().ensure(stored)
    path = tmp_path / "case.hiv"
    path.write_bytes(write_hive(hive))
    assert (open_hive(path).root().subkey(asked) is not None) is found
    assert fold_name("ß") == "ß"


def test_upcase_hive_from_windows_has_no_false_order_anomaly(corpus: Path):
    opened = open_hive(corpus / "hives/yarp/UpcaseHive")
    _walk_all(opened)
    assert "regf.subkey_order" not in {d.code for d in opened.diagnostics}
    assert opened.root().subkey("SS2") is None or opened.root().subkey("SS2").name.upper() == "SS2"


def test_bad_checksum_does_not_decide_where_bins_end(corpus: Path):
    # yarp's EffectiveSizeHive: the base block lies about the size and its checksum is bad;
    # yarp expects the bins to be read to their real end, not to the claimed size.
    opened = open_hive(corpus / "hives/yarp/EffectiveSizeHive")
    assert _walk_all(opened)[0] == 5003  # reliability.md §2.3: the three peers read 5,003


def test_bin_with_only_a_bad_signature_is_kept(corpus: Path):
    opened = open_hive(corpus / "hives/ericzimmerman-registry/SAMBadHBinHeader")
    keys, _values = _walk_all(opened)
    assert "regf.hbin_bad_signature" in {d.code for d in opened.diagnostics}
    assert keys > 47  # the 21 keys in the damaged bin are read too


def test_dirty_hive_without_logs_is_partial(corpus: Path, tmp_path: Path):
    lonely = tmp_path / "DEFAULT"
    lonely.write_bytes((corpus / "hives/gr0wnd-testingregistryfiles/DEFAULT").read_bytes())
    opened = open_hive(lonely)
    (note,) = [d for d in opened.diagnostics if d.code == "regf.log.none"]
    assert note.severity == "error"


def test_a_wrong_stored_hash_still_finds_the_key(tmp_path: Path):
    hive = MemoryHive(HiveType.UNKNOWN)
    for name in ("Alpha", "Beta", "Gamma"):
        hive.root().ensure(name).set_value("v", 4, name.encode()[:4])
    data, layout = write_hive_with_layout(hive)
    image = bytearray(data)
    lh = layout.subkey_lists[""]
    # lh: size(4) sig(2) count(2) then (offset, hash) pairs: zero every stored hash.
    assert image[DATA + lh + 4 : DATA + lh + 6] == b"lh"
    for slot in range(3):
        struct.pack_into("<I", image, DATA + lh + 12 + 8 * slot, 0)
    path = tmp_path / "hash.hiv"
    path.write_bytes(image)
    root = open_hive(path).root()
    for _ in range(2):  # the second round answers from the children's names read once
        for name in ("Alpha", "beta", "GAMMA"):
            key = root.subkey(name)
            assert key is not None and fold_name(key.name) == fold_name(name)
        assert root.subkey("Delta") is None


def test_bins_past_what_a_cell_offset_can_reach_are_not_read(tmp_path: Path):
    """Cell offsets are 32-bit: a file with 4 GiB of bins and more (a sparse file here, its
    base block's checksum broken so that its size claim is not trusted) is read to 4 GiB."""
    data = bytearray(write_hive(MemoryHive(HiveType.UNKNOWN)))
    data[508:512] = bytes(4) if data[508:512] != bytes(4) else b"\x01\0\0\0"
    path = tmp_path / "huge.hiv"
    with path.open("wb") as sink:
        sink.write(data)
        sink.truncate(DATA + (1 << 32) + 8192)
    if path.stat().st_blocks * 512 > 1 << 20:
        pytest.skip("the temporary folder does not keep files sparse")
    opened = open_hive(path)
    (note,) = [d for d in opened.diagnostics if "a cell offset can reach" in d.message]
    assert note.location.offset == DATA + (1 << 32)
    assert "8192 bytes past the 4 GiB" in note.message


def _shared_value_lists(keys: int) -> bytes:
    """``keys`` keys whose nk records all point at the first key's value list, whose 5,000
    entries all name its one 16 KiB value (issue: 200 keys of a 61 KB hive made `export`
    write ~96 GB)."""
    hive = MemoryHive(HiveType.SOFTWARE)
    shared = hive.root().ensure("Shared")
    first = shared.add_key("K0000")
    first.set_value("Big", 3, bytes(range(256)) * 64)
    for i in range(4999):
        first.set_value(f"V{i:04d}", 4, i.to_bytes(4, "little"))
    for i in range(1, keys):
        shared.add_key(f"K{i:04d}").set_value("x", 4, i.to_bytes(4, "little"))
    data, layout = write_hive_with_layout(hive)
    image = bytearray(data)
    value_list, big = layout.value_lists["Shared\\K0000"], layout.values[("Shared\\K0000", "Big")]
    for entry in range(5000):
        struct.pack_into("<I", image, DATA + value_list + 4 + 4 * entry, big)
    for path, nk in layout.keys.items():
        if path.startswith("Shared\\K"):
            # nk: +4 cell size, +0x24 value count then value list offset (MS-REGF "Key node").
            struct.pack_into("<II", image, DATA + nk + 4 + 0x24, 5000, value_list)
    return bytes(image)


def test_shared_value_lists_are_read_once(tmp_path: Path):
    image = _shared_value_lists(200)
    path = tmp_path / "shared.hiv"
    path.write_bytes(image)
    opened = open_hive(path)
    listed = [(key.path, value.name, len(value.raw)) for key in walk(opened.root())
              for value in key.values()]  # fmt: skip
    # One key reads the list, once: its one distinct value record, its 16 KiB once.
    assert listed == [("Shared\\K0000", "Big", 16384)]
    codes = [d.code for d in opened.diagnostics]
    assert codes.count("regf.value_list_shared") == 199  # every other key, named
    assert codes.count("regf.value_record_repeated") == 1
    assert all(d.severity == "error" for d in opened.diagnostics if "shared" in d.code)


def test_a_value_record_or_data_cell_used_twice_is_read_once(tmp_path: Path):
    hive = MemoryHive(HiveType.SOFTWARE)
    hive.root().ensure("A").set_value("a", 3, b"\x01" * 64)
    hive.root().ensure("B").set_value("b", 3, b"\x02" * 64)
    hive.root().ensure("C").set_value("c", 3, b"\x03" * 64)
    data, layout = write_hive_with_layout(hive)
    image = bytearray(data)
    # B's list names A's value record; C's value record points at A's data cell
    # (vk: +4 size, +2 signature, +2 name length, +4 data size, then the data offset).
    struct.pack_into("<I", image, DATA + layout.value_lists["B"] + 4, layout.values[("A", "a")])
    (a_data,) = struct.unpack_from("<I", image, DATA + layout.values[("A", "a")] + 12)
    struct.pack_into("<I", image, DATA + layout.values[("C", "c")] + 12, a_data)
    path = tmp_path / "twice.hiv"
    path.write_bytes(image)
    opened = open_hive(path)
    read = {key.path: [(v.name, v.raw) for v in key.values()] for key in walk(opened.root())}
    assert read["A"] == [("a", b"\x01" * 64)]
    assert read["B"] == []  # its one entry is A's record
    assert read["C"] == [("c", b"")]  # its data is A's
    codes = {d.code for d in opened.diagnostics}
    assert {"regf.value_record_shared", "regf.value_data_shared"} <= codes


def test_a_key_with_many_subkeys_is_indexed_once(tmp_path: Path):
    """999 ControlSets under a SYSTEM root: each lookup of a name used to rescan the root's
    list (near quadratic over a hive's ControlSets); the root is indexed by name on the
    first lookup and every later one is a dictionary hit, with the same answers."""
    hive = MemoryHive(HiveType.SYSTEM)
    for number in range(1, 1000):
        hive.root().ensure(f"ControlSet{number:03d}\\Control").set_value("n", 4, bytes(4))
    path = tmp_path / "SYSTEM"
    path.write_bytes(write_hive(hive))
    opened = open_hive(path)
    root = opened.root()
    assert opened.children_by_name == {}
    found = [root.subkey(f"controlset{number:03d}") for number in range(1, 1000)]
    assert [key.name for key in found if key is not None] == [
        f"ControlSet{number:03d}" for number in range(1, 1000)
    ]
    assert len(opened.children_by_name) == 1  # the root, indexed once
    assert root.subkey("ControlSet1000") is None
    small = found[0]
    assert small is not None and small.subkey("control") is not None
    assert len(opened.children_by_name) == 1  # one subkey: found by its hash, no index


@pytest.mark.parametrize(
    ("key_chars", "value_chars", "expected"),
    [
        (255, 16_383, set()),  # Windows' own limits: nothing to say
        (256, 16_383, {"regf.key_name_too_long"}),
        (255, 16_384, {"regf.value_name_too_long"}),
    ],
)
def test_names_beyond_windows_limits_are_read_and_flagged(
    key_chars: int, value_chars: int, expected: set[str], tmp_path: Path
) -> None:
    """Registry element size limits: a key name of 255 characters, a value name of 16,383.
    A crafted hive may store names up to 65,535 bytes; they are read whole and flagged
    (a 500-level chain of 32,000-character names turns 16 MB into 4 GB of full paths)."""
    hive = MemoryHive(root_name="ROOT")
    key_name, value_name = "k" * key_chars, "v" * value_chars
    hive.root().ensure(key_name).set_value(value_name, 4, b"\x01\x00\x00\x00")
    path = tmp_path / "names.hive"
    path.write_bytes(write_hive(hive, last_written=1))
    opened = open_hive(path)
    (key,) = opened.root().subkeys()
    (value,) = key.values()
    assert (key.name, value.name) == (key_name, value_name)
    codes = {d.code for d in opened.diagnostics} | {d.code for d in key.diagnostics}
    codes |= {d.code for d in value.diagnostics}
    assert codes == expected
