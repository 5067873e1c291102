"""Carving deleted records from hives the project writes and then edits as Windows does.

The writer's layout says where every cell went, so the expected offsets and bytes are known
before carving runs; the peers' truths for real hives are in test_recover_truth.py.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiveparse.model import HiveType, ValueType
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf.carve import DataState, Place, RecoveredValue, recover
from hiveparse.sources.regf.edit import delete_value
from hiveparse.sources.regf.open import open_hive
from hiveparse.sources.regf.writer import HiveLayout, write_hive_with_layout

KEY = r"Control\Terminal Server\RCM\GracePeriod"
BIG = bytes(range(256)) * 80  # 20480 bytes: two big-data segments in format 1.5
TEXT = "license\0".encode("utf-16-le")


def _written() -> tuple[bytearray, HiveLayout]:
    hive = MemoryHive(HiveType.SYSTEM)
    key = hive.root().ensure(KEY)
    key.set_value("blob", ValueType.REG_BINARY, BIG)
    key.set_value("dword", ValueType.REG_DWORD, struct.pack("<I", 7))
    key.set_value("text", ValueType.REG_SZ, TEXT)
    image, layout = write_hive_with_layout(hive)
    return bytearray(image), layout


def _carve(image: bytearray) -> dict[str, RecoveredValue]:
    recovery = recover(open_hive("edited", data=bytes(image)))
    assert not recovery.partial
    assert recovery.keys == ()
    return {value.name: value for value in recovery.values}


def test_an_untouched_hive_has_nothing_to_recover() -> None:
    image, _layout = _written()
    assert _carve(image) == {}


def test_deleted_values_come_back_with_their_data_and_offsets() -> None:
    image, layout = _written()
    for name in ("text", "dword", "blob"):
        delete_value(image, layout, KEY, name)
    found = _carve(image)
    assert set(found) == {"text", "dword", "blob"}
    for name, raw in (("text", TEXT), ("blob", BIG), ("dword", struct.pack("<I", 7))):
        value = found[name]
        assert value.offset == layout.values[(KEY, name)]
        assert value.raw == raw
        assert value.location == Place.FREE
    assert found["dword"].data_state == DataState.INLINE
    assert found["blob"].data_state == DataState.INTACT


def test_a_reallocated_data_cell_is_reported_reused_without_data() -> None:
    image, layout = _written()
    delete_value(image, layout, KEY, "text")
    data = layout.data[(KEY, "text")] + 4096
    size = struct.unpack_from("<i", image, data)[0]
    struct.pack_into("<i", image, data, -size)  # allocated again for something else
    value = _carve(image)["text"]
    assert value.raw is None
    assert value.data_state == DataState.REUSED


def test_delete_value_edits_the_live_key_as_windows_does() -> None:
    image, layout = _written()
    delete_value(image, layout, KEY, "blob", last_written=123456789)
    key = open_hive("edited", data=bytes(image)).root().find(KEY)
    assert key is not None
    assert [value.name for value in key.values()] == ["dword", "text"]
    assert key.last_written == 123456789
    for name in ("dword", "text"):
        delete_value(image, layout, KEY, name)
    hive = open_hive("edited", data=bytes(image))
    key = hive.root().find(KEY)
    assert key is not None
    assert list(key.values()) == []
    assert hive.diagnostics == []  # nothing left pointing at the freed cells
    # the emptied value list is free too
    assert struct.unpack_from("<i", image, layout.value_lists[KEY] + 4096)[0] > 0


def test_the_record_budget_marks_the_result_partial() -> None:
    image, layout = _written()
    delete_value(image, layout, KEY, "text")
    delete_value(image, layout, KEY, "dword")
    recovery = recover(open_hive("edited", data=bytes(image)), max_records=1)
    assert recovery.partial
    assert [d.code for d in recovery.diagnostics] == ["recover.budget"]


@settings(max_examples=150, deadline=None)
@given(noise=st.binary(min_size=1, max_size=600), at=st.integers(min_value=0, max_value=4000))
def test_noise_in_free_space_never_breaks_carving(noise: bytes, at: int) -> None:
    image, layout = _written()
    delete_value(image, layout, KEY, "blob")
    # Overwrite part of the freed big-data cells (everything but their size fields).
    start = layout.big_data[(KEY, "blob")].segments[0] + 4096 + 8 + at
    image[start : start + len(noise)] = noise
    recovery = recover(open_hive("noisy", data=bytes(image)))
    for value in recovery.values:
        assert value.data_state in {"inline", "intact", "reused", "unreadable"}
        assert value.raw is None or len(value.raw) == value.data_size
    for key in recovery.keys:
        assert key.name and "\\" not in key.name


@pytest.mark.parametrize("hive_name", ["DeletedDataHive", "DeletedTreeHive"])
def test_carving_leaves_the_hive_diagnostics_alone(corpus: Path, hive_name: str) -> None:
    hive = open_hive(corpus / "hives" / "yarp" / hive_name)
    before = list(hive.diagnostics)
    recover(hive)
    assert hive.diagnostics == before


def test_records_sharing_one_free_data_cell_are_not_copied_without_bound() -> None:
    # Crafted: hundreds of deleted value records in one free cell, all naming the same large
    # free data cell. Each would get its own 16,000-byte copy; the data budget (twice the
    # file) stops that and says the result is partial.
    image, layout = _written()
    delete_value(image, layout, KEY, "blob")
    first, second = layout.big_data[(KEY, "blob")].segments
    record = struct.pack("<2sHIIIHH", b"vk", 1, 16000, second, 3, 1, 0) + b"x" + bytes(3)
    start = first + 4 + 4096
    for index in range(600):
        at = start + 24 * index
        image[at : at + 24] = record
    recovery = recover(open_hive("crafted", data=bytes(image)))
    assert recovery.partial
    assert "recover.data_budget" in [d.code for d in recovery.diagnostics]
    returned = sum(len(v.raw or b"") for v in recovery.values)
    assert returned <= 2 * len(image) + (1 << 20)
