"""The boot key (syskey) from the class names of ``Control\\Lsa\\{JD,Skew1,GBG,Data}``.

dpapi.md §2.1: the four class names, each 8 hex digits, are concatenated in the order JD,
Skew1, GBG, Data into 16 scrambled bytes ``s``; ``bootkey[i] = s[P[i]]``. Works on any
:class:`~hiveparse.model.Hive` backend that exposes class names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from hiveparse.controlset import read_control_sets
from hiveparse.crypto.errors import MalformedInput, MissingKeyMaterial
from hiveparse.model import Hive, Key

LSA_CLASS_KEYS = ("JD", "Skew1", "GBG", "Data")
PERMUTATION = (8, 5, 4, 2, 11, 9, 13, 3, 0, 6, 1, 12, 14, 10, 15, 7)
_HEX8 = re.compile(r"[0-9A-Fa-f]{8}")


@dataclass(frozen=True)
class BootKey:
    """The boot key and where it came from (the key itself stays out of ``repr``)."""

    key: bytes = field(repr=False)
    control_set: str
    class_names: tuple[str, ...]


def boot_key_from_class_names(class_names: Sequence[str]) -> bytes:
    """The 16-byte boot key from the JD, Skew1, GBG and Data class names, in that order."""
    if len(class_names) != len(LSA_CLASS_KEYS):
        raise MalformedInput(f"boot key: {len(class_names)} class names, expected 4")
    for name, text in zip(LSA_CLASS_KEYS, class_names, strict=True):
        if not _HEX8.fullmatch(text):
            raise MalformedInput(f"boot key: class name of Lsa\\{name} is not 8 hex digits")
    scrambled = bytes.fromhex("".join(class_names))
    return bytes(scrambled[index] for index in PERMUTATION)


def read_boot_key(system: Hive | Key, control_set: str | None = None) -> BootKey:
    """The boot key of a SYSTEM hive, from ``control_set`` or the one ``Select`` names."""
    root = system.root() if isinstance(system, Hive) else system
    if control_set is None:
        control_set = read_control_sets(root).effective
        if control_set is None:
            raise MissingKeyMaterial("boot key: the SYSTEM hive names no usable ControlSet")
    lsa = root.find(f"{control_set}\\Control\\Lsa")
    if lsa is None:
        raise MissingKeyMaterial(f"boot key: {control_set}\\Control\\Lsa is missing")
    names: list[str] = []
    for name in LSA_CLASS_KEYS:
        key = lsa.subkey(name)
        if key is None:
            raise MissingKeyMaterial(f"boot key: {control_set}\\Control\\Lsa\\{name} is missing")
        if not key.class_name:
            raise MissingKeyMaterial(
                f"boot key: {control_set}\\Control\\Lsa\\{name} has no class name"
            )
        names.append(key.class_name)
    return BootKey(boot_key_from_class_names(names), control_set, tuple(names))
