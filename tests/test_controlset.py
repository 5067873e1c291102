from __future__ import annotations

import struct
from pathlib import Path

from hiveparse.controlset import read_control_sets, resolve_current_control_set
from hiveparse.model import HiveType
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf import open_hive


def _system(current: int | None, default: int | None, sets: tuple[int, ...]) -> MemoryHive:
    hive = MemoryHive(HiveType.SYSTEM)
    select = hive.root().ensure("Select")
    if current is not None:
        select.set_value("Current", 4, struct.pack("<I", current))
    if default is not None:
        select.set_value("Default", 4, struct.pack("<I", default))
    for number in sets:
        hive.root().ensure(f"ControlSet{number:03d}\\Control")
    return hive


def test_current_wins_over_default():
    hive = _system(2, 1, (1, 2))
    sets = read_control_sets(hive.root())
    assert (sets.effective, sets.effective_source) == ("ControlSet002", "Select\\Current")
    assert resolve_current_control_set(hive.root(), r"CurrentControlSet\Control") == (
        r"ControlSet002\Control",
        "ControlSet002",
    )


def test_default_when_current_is_missing_or_dangling():
    assert read_control_sets(_system(None, 1, (1, 2)).root()).effective == "ControlSet001"
    dangling = read_control_sets(_system(3, 1, (1, 2)).root())
    assert (dangling.effective, dangling.effective_source) == ("ControlSet001", "Select\\Default")


def test_literal_currentcontrolset_key_is_kept():
    hive = _system(1, 1, (1,))
    hive.root().ensure(r"CurrentControlSet\Control")
    assert resolve_current_control_set(hive.root(), r"CurrentControlSet\Control") == (
        r"CurrentControlSet\Control",
        None,
    )


def test_real_system_hive(corpus: Path):
    hive = open_hive(corpus / "hives/regipy/SYSTEM", apply_logs=False)
    sets = read_control_sets(hive.root())
    select = hive.find("Select")
    assert select is not None
    current = select.value("Current")
    assert current is not None
    assert sets.current == struct.unpack("<I", current.raw)[0]
    assert sets.effective == f"ControlSet{sets.current:03d}"
