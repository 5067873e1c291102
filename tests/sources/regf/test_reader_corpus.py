"""The REGF reader on real hives: counts, flags and anomalies against independent truth.

Truth used here: key/value counts on which the peer parsers (regipy, python-registry,
libregf, hivex) all agree (43,211 keys and 90,307 values for SYSTEM_WIN_10_1709),
base-block sequence numbers and checksums computed by hand in the test, and the defect
each yarp test hive is named after.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from hiveparse.errors import CorruptStructure, NotRegf, Truncated, Unsupported
from hiveparse.model import HiveType, walk
from hiveparse.sources.regf import open_hive


def _count(hive) -> tuple[int, int]:
    keys = values = 0
    for key in walk(hive.root()):
        keys += 1
        for value in key.values():
            values += 1
            _ = value.raw
    return keys, values


def _hand_checksum(data: bytes) -> int:
    value = 0
    for (dword,) in struct.iter_unpack("<I", data[:508]):
        value ^= dword
    return {0: 1, 0xFFFFFFFF: 0xFFFFFFFE}.get(value, value)


def _hand_sequences(data: bytes) -> tuple[int, int]:
    return struct.unpack_from("<II", data, 4)


@pytest.mark.parametrize(
    ("relative", "keys", "values"),
    [
        ("hives/regipy/SYSTEM_WIN_10_1709", 43211, 90307),
        ("hives/regipy/NTUSER.DAT", 1812, 4094),
        ("hives/regipy/SAM", 65, 70),
        ("hives/regipy/SECURITY", 100, 109),
        ("hives/regipy/BCD", 132, 103),
        ("hives/regipy/amcache.hve", 2105, 17539),
        ("hives/regipy/ntuser_software_partial", 6396, 19990),
        ("hives/yarp/BigDataHive", 2, 2),
        ("hives/yarp/StringValuesHive", 2, 4),
        ("hives/yarp/MultiSzHive", 2, 2),
    ],
)
def test_walk_counts_match_peer_parsers(corpus: Path, relative: str, keys: int, values: int):
    # Counts every peer parser gives for these hives (docs/reference/reliability.md §2.3).
    hive = open_hive(corpus / relative, apply_logs=False)
    assert _count(hive) == (keys, values)


@pytest.mark.parametrize(
    "relative",
    [
        "hives/regipy/SAM",
        "hives/regipy/SYSTEM",
        "hives/dfwinreg/SAM",
        "hives/bitcurator-dfa/SYSTEM",
        "hives/regipy/SECURITY",
        "hives/regipy/SYSTEM_B",
        "hives/yarp/NewDirtyHive1/NewDirtyHive",
        "hives/ericzimmerman-registry/SAN_OTHER_",
    ],
)
def test_header_flags_match_hand_computation(corpus: Path, relative: str):
    data = (corpus / relative).read_bytes()
    primary, secondary = _hand_sequences(data)
    checksum_ok = _hand_checksum(data) == struct.unpack_from("<I", data, 508)[0]
    hive = open_hive(corpus / relative, apply_logs=False)
    assert hive.header.sequences_match == (primary == secondary)
    assert hive.header.checksum_ok == checksum_ok
    assert hive.dirty == (primary != secondary or not checksum_ok)


def test_clean_hive_is_not_dirty_and_dirty_hive_is(corpus: Path):
    assert open_hive(corpus / "hives/regipy/SAM", apply_logs=False).dirty is False
    assert open_hive(corpus / "hives/regipy/SYSTEM_B", apply_logs=False).dirty is True


def test_bad_checksum_is_an_anomaly_not_a_failure(corpus: Path):
    hive = open_hive(corpus / "hives/ericzimmerman-registry/SAN_OTHER_", apply_logs=False)
    assert "regf.checksum_mismatch" in {d.code for d in hive.diagnostics}
    assert _count(hive)[0] == 68


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("hives/regipy/SYSTEM", HiveType.SYSTEM),
        ("hives/hackfortress-xp/software", HiveType.SOFTWARE),
        ("hives/regipy/SECURITY", HiveType.SECURITY),
        ("hives/regipy/SAM", HiveType.SAM),
        ("hives/regipy/NTUSER.DAT", HiveType.NTUSER),
        ("hives/regipy/UsrClass.dat", HiveType.USRCLASS),
        ("hives/regipy/BCD", HiveType.BCD),
        ("hives/regipy/amcache.hve", HiveType.AMCACHE),
        ("hives/gr0wnd-testingregistryfiles/DEFAULT", HiveType.DEFAULT),
    ],
)
def test_hive_type_from_content(corpus: Path, relative: str, expected: HiveType):
    assert open_hive(corpus / relative, apply_logs=False).hive_type == expected


def test_hive_type_ignores_the_file_name(corpus: Path, tmp_path: Path):
    renamed = tmp_path / "evidence_item_7.bin"
    renamed.write_bytes((corpus / "hives/regipy/SYSTEM").read_bytes()[:])
    assert open_hive(renamed, apply_logs=False).hive_type == HiveType.SYSTEM


@pytest.mark.parametrize(
    ("relative", "code"),
    [
        ("hives/yarp/BadListHive", "regf.parent_mismatch"),
        ("hives/yarp/BadSubkeyHive", "regf.parent_mismatch"),
        ("hives/yarp/InvalidParentHive", "regf.parent_mismatch"),
        ("hives/yarp/DuplicateSubkeysHive", "regf.duplicate_subkey"),
        ("hives/yarp/WrongOrderHive", "regf.subkey_order"),
        ("hives/yarp/TruncatedNameHive", "regf.key_name_truncated"),
        ("hives/yarp/TruncatedHive", "regf.cell_out_of_bounds"),
        ("hives/ericzimmerman-registry/SAMBadHBinHeader", "regf.hbin_bad_signature"),
        ("hives/regipy/corrupted_system_hive", "regf.hbin_bad_signature"),
        ("hives/yarp/GarbageHive", "regf.checksum_mismatch"),
    ],
)
def test_named_defects_become_named_anomalies(corpus: Path, relative: str, code: str):
    # yarp names each test hive after its defect; all four peer libraries walk the first
    # five as if healthy (reliability.md §2.3). We finish the walk and say what is wrong.
    hive = open_hive(corpus / relative, apply_logs=False)
    _count(hive)
    assert code in {d.code for d in hive.diagnostics}


def test_strict_mode_raises_where_lenient_mode_records(corpus: Path):
    path = corpus / "hives/yarp/TruncatedNameHive"
    lenient = open_hive(path, apply_logs=False)
    _count(lenient)
    assert any(d.code == "regf.key_name_truncated" for d in lenient.diagnostics)
    strict = open_hive(path, apply_logs=False, strict=True)
    with pytest.raises(CorruptStructure):
        _count(strict)


def test_strict_mode_is_silent_on_a_healthy_hive(corpus: Path):
    hive = open_hive(corpus / "hives/regipy/SAM", apply_logs=False, strict=True)
    assert _count(hive) == (65, 70)


def test_transaction_log_is_refused_as_a_primary_hive(corpus: Path):
    with pytest.raises(Unsupported, match="transaction log"):
        open_hive(corpus / "hives/regipy/SYSTEM_B.LOG1")


def test_non_hive_and_short_files(corpus: Path, tmp_path: Path):
    with pytest.raises(NotRegf):
        open_hive(corpus / "hives/ericzimmerman-registry/NotAHive")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    with pytest.raises(NotRegf):
        open_hive(empty)
    with pytest.raises(Truncated):
        open_hive(corpus / "hives/libregf/structures/file_header.1")


def test_regf_values_decode_like_their_types(corpus: Path):
    hive = open_hive(corpus / "hives/regipy/SYSTEM", apply_logs=False)
    mode = hive.find(r"ControlSet001\Control\Terminal Server\RCM\Licensing Core")
    assert mode is not None
    value = mode.value("LicensingMode")
    assert value is not None
    assert (value.type_name, value.raw, value.decoded) == ("REG_DWORD", b"\x01\0\0\0", 1)


def test_lookup_is_case_insensitive_and_matches_a_full_scan(corpus: Path):
    hive = open_hive(corpus / "hives/regipy/SYSTEM", apply_logs=False)
    services = hive.find(r"controlset001\SERVICES")
    assert services is not None
    names = [key.name for key in services.subkeys()]
    for name in names[::37]:
        found = services.subkey(name.lower())
        assert found is not None
        assert found.name == name


def test_open_and_read_twenty_values_is_lazy(corpus: Path):
    # Opening must not parse the whole file: only the root and the keys on the path.
    hive = open_hive(corpus / "hives/regipy/SYSTEM_WIN_10_1709", apply_logs=False)
    key = hive.find(r"ControlSet001\Control\Terminal Server")
    assert key is not None
    assert len(list(key.values())) > 0
    assert len(hive.diagnostics) <= 2  # the dirty note and trailing-data note at most


def test_evidence_is_not_modified(corpus: Path):
    path = corpus / "hives/regipy/SAM"
    before = path.read_bytes()
    hive = open_hive(path)
    _count(hive)
    assert path.read_bytes() == before


def _tree(hive) -> list[tuple]:
    rows = []
    for key in walk(hive.root()):
        rows.append((key.path, key.last_written))
        rows.extend((key.path, v.name, v.type_id, v.raw) for v in key.values())
    return rows


@pytest.mark.parametrize(
    ("dirty", "recovered"),
    [
        (
            "hives/yarp/NewDirtyHive1/NewDirtyHive",
            "hives/yarp/NewDirtyHive1/RecoveredHive_Windows10",
        ),
        (
            "hives/yarp/NewDirtyHive2/NewDirtyHive",
            "hives/yarp/NewDirtyHive1/RecoveredHive_Windows10",
        ),
        ("hives/yarp/OldDirtyHive/OldDirtyHive", "hives/yarp/OldDirtyHive/RecoveredHive_Windows7"),
    ],
)
def test_open_replays_logs_to_what_windows_recovered(corpus: Path, dirty: str, recovered: str):
    replayed = open_hive(corpus / dirty)
    assert replayed.dirty is True
    assert replayed.logs_applied
    assert replayed.header.sequences_match
    assert _tree(replayed) == _tree(open_hive(corpus / recovered))


def test_dirty_hive_without_logs_says_so(corpus: Path, tmp_path: Path):
    lonely = tmp_path / "SYSTEM"
    lonely.write_bytes((corpus / "hives/yarp/NewDirtyHive1/NewDirtyHive").read_bytes())
    hive = open_hive(lonely)
    assert hive.dirty is True
    assert hive.logs_applied == []
    assert "regf.log.none" in {d.code for d in hive.diagnostics}
