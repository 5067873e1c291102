"""Boot key from the Lsa class names (dpapi.md §2.1): real XP hive, dissect vectors, any backend."""

from __future__ import annotations

import pytest

from hiveparse.crypto.bootkey import (
    LSA_CLASS_KEYS,
    PERMUTATION,
    boot_key_from_class_names,
    read_boot_key,
)
from hiveparse.crypto.errors import DecryptionError, MalformedInput, MissingKeyMaterial
from hiveparse.model import HiveType, ValueType
from hiveparse.sources.memory import MemoryHive


def _system(class_names: dict[str, str | None], current: int = 1) -> MemoryHive:
    hive = MemoryHive(HiveType.SYSTEM)
    root = hive.root()
    root.ensure("Select").set_value("Current", ValueType.REG_DWORD, current.to_bytes(4, "little"))
    lsa = root.ensure(f"ControlSet{current:03d}\\Control\\Lsa")
    for name, text in class_names.items():
        lsa.add_key(name).class_name_text = text
    return hive


def test_permutation_is_a_permutation():
    assert sorted(PERMUTATION) == list(range(16))


def test_spec_example():
    # dpapi.md §2.1 "Check": 51fe8c74/3e14f655/7bf5e093/3b03ce4f -> 7b143e8c...4f55.
    names = ["51fe8c74", "3e14f655", "7bf5e093", "3b03ce4f"]
    assert boot_key_from_class_names(names).hex() == "7b143e8c93f5037451f6fe3bcee04f55"


def test_bitcurator_xp_hive(xp_hives, vectors):
    expected = vectors("bitcurator_xp")["expected"]
    boot_key = read_boot_key(xp_hives[0])
    assert boot_key.control_set == expected["control_set"]
    assert boot_key.class_names == tuple(expected["lsa_class_names"][n] for n in LSA_CLASS_KEYS)
    assert boot_key.key.hex() == expected["bootkey"]
    assert expected["bootkey"] not in repr(boot_key)  # the key stays out of repr


def test_bitcurator_xp_from_a_key_and_explicit_control_set(xp_hives, vectors):
    boot_key = read_boot_key(xp_hives[0].root(), "ControlSet001")
    assert boot_key.key.hex() == vectors("bitcurator_xp")["expected"]["bootkey"]


@pytest.mark.parametrize("system", ["win10", "win7", "vista", "xp"])
def test_dissect_class_names(vectors, system):
    entry = vectors("dissect_target")["systems"][system]
    # win10 and xp are published by dissect.target; win7 and vista are the research
    # session's computed values (upstream asserts no boot key for them).
    expected = (entry["published_expected"] or entry["computed"])["bootkey"]
    names = [entry["class_names"][n] for n in LSA_CLASS_KEYS]
    assert boot_key_from_class_names(names).hex() == expected
    # The same through the model, on the in-memory backend.
    hive = _system(dict(zip(LSA_CLASS_KEYS, names, strict=True)), current=2)
    read = read_boot_key(hive)
    assert (read.key.hex(), read.control_set) == (expected, "ControlSet002")


def test_upper_case_hex_class_names():
    names = ["51FE8C74", "3E14F655", "7BF5E093", "3B03CE4F"]
    assert boot_key_from_class_names(names).hex() == "7b143e8c93f5037451f6fe3bcee04f55"


@pytest.mark.parametrize(
    "names",
    [
        ["51fe8c74", "3e14f655", "7bf5e093"],
        ["51fe8c74", "3e14f655", "7bf5e093", "3b03ce4"],
        ["51fe8c74", "3e14f655", "7bf5e093", "3b03ce4fa"],
        ["51fe8c74", "3e14f655", "7bf5e093", "3b03ce4g"],
        ["51fe8c74", "3e14f655", "7bf5e093", " b03ce4f"],
    ],
)
def test_bad_class_names_are_malformed(names):
    with pytest.raises(MalformedInput, match="boot key"):
        boot_key_from_class_names(names)


def test_missing_pieces_are_missing_key_material():
    names = dict(zip(LSA_CLASS_KEYS, ["51fe8c74", "3e14f655", "7bf5e093", "3b03ce4f"], strict=True))
    without_gbg = {k: v for k, v in names.items() if k != "GBG"}
    with pytest.raises(MissingKeyMaterial, match=r"Lsa\\GBG is missing"):
        read_boot_key(_system(without_gbg))
    with pytest.raises(MissingKeyMaterial, match=r"Lsa\\Data has no class name"):
        read_boot_key(_system({**names, "Data": None}))
    with pytest.raises(MissingKeyMaterial, match="names no usable ControlSet"):
        read_boot_key(MemoryHive(HiveType.SYSTEM))
    with pytest.raises(MissingKeyMaterial, match=r"ControlSet003\\Control\\Lsa is missing"):
        read_boot_key(_system(names), "ControlSet003")


def test_errors_are_one_line_decryption_errors():
    with pytest.raises(DecryptionError) as caught:
        boot_key_from_class_names(["zz"] * 4)
    assert "\n" not in str(caught.value)
