"""Differential check: our reader against Parse::Win32Registry, a third independent truth.

Parse::Win32Registry (Perl, Debian libparse-win32registry-perl) shares no code with hivex or
with the Python readers. Each hive of the hivexml test's VALID_HIVES is read by the engines of
ENGINES_UNDER_TEST and by the library (tests/peers/win32registry.py); the two readings are
compared with whole-second last-written times (the library's resolution) and exact names,
types, raw bytes and class names. Every disagreement must be explained by a rule of
allowlist.toml with ``peer = "win32registry"``, and each rule's counts must match, as in
test_peer_engines.py.

The whole set (85 hives, the largest 15 MB) takes about 25 s, so no hive is skipped for size.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from allowlist import judge, load_rules
from peers.win32registry import (
    ENGINE,
    WIN32REGISTRY_EQUIVALENCE,
    Win32RegistryError,
    load_win32registry,
    win32registry_available,
)
from test_peer_engines import VALID_HIVES, open_case, report

from hiveparse.engines.verify import DisagreementKind, compare_hives
from hiveparse.filetime import datetime_to_filetime
from hiveparse.model import EvidenceFormat, HiveType
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf.writer import write_hive

ENGINES_UNDER_TEST: tuple[str, ...] = ("hiveparse",)

# Hives read with a code page other than the library's default (cp1252) for compressed names.
# yarp's CompHive has two root subkeys: one whose compressed (one byte per character) name is
# the byte 0x9F, and one stored as UTF-16 'Ÿ' (U+0178). Windows widens compressed names byte
# for byte (Latin-1), so the first is U+009F; cp1252 decodes 0x9F as 'Ÿ' too, and the two
# siblings collide (test_default_codepage_merges_comphive_siblings pins this). Read with
# Latin-1, the library agrees with Windows.
CODEPAGES: dict[str, str] = {"yarp/CompHive": "iso-8859-1"}

CASES = [
    pytest.param(hive, engine, id=f"{engine}:{hive}")
    for hive in VALID_HIVES
    for engine in ENGINES_UNDER_TEST
]

RULES = load_rules()

# get_timestamp() is undef outside 1970-01-01 .. 2038-01-19T03:14:07 (a 31-bit time_t).
_EPOCH = datetime_to_filetime(datetime(1970, 1, 1, tzinfo=UTC))
_TIME_T_END = datetime_to_filetime(datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC))


def require_win32registry() -> None:
    if not win32registry_available():
        pytest.skip("Parse::Win32Registry (libparse-win32registry-perl) is not installed")


@pytest.mark.corpus
@pytest.mark.peers
@pytest.mark.parametrize(("hive", "engine"), CASES)
def test_engine_agrees_with_win32registry(corpus: Path, hive: str, engine: str) -> None:
    require_win32registry()
    reading = open_case(corpus, hive, engine)
    truth = load_win32registry(corpus / "hives" / hive, codepage=CODEPAGES.get(hive))
    assert truth.warnings == [], f"Parse::Win32Registry warned on a valid hive: {truth.warnings}"
    found = compare_hives(reading, truth, equivalence=WIN32REGISTRY_EQUIVALENCE)
    verdict = judge(RULES, engine, ENGINE, hive, found)
    assert verdict.ok, report(verdict)
    # Where the library has no time (so compare_hives compared none), ours must be outside
    # the range it can express; where it has no data, ours must be empty (compared already).
    for path in truth.undefined_times:
        key = reading.find(path)
        assert (
            key is None
            or key.last_written is None
            or not (_EPOCH <= key.last_written < _TIME_T_END)
        ), f"Parse::Win32Registry has no time for {path!r}, ours is {key.last_written}"


@pytest.mark.corpus
@pytest.mark.peers
def test_default_codepage_merges_comphive_siblings(corpus: Path) -> None:
    require_win32registry()
    path = corpus / "hives" / "yarp" / "CompHive"
    if not path.is_file():
        pytest.skip("yarp/CompHive is not in this corpus")
    with pytest.raises(Win32RegistryError, match="duplicate subkey 'Ÿ'"):
        load_win32registry(path)
    names = [key.name for key in load_win32registry(path, codepage="iso-8859-1").root().subkeys()]
    assert names == ["\x9f", "Ÿ"]


# -- the driver and loader themselves, on a hive written by our REGF writer (no corpus) ---


TRICKY_VALUE_NAMES = ("", "tab\there", "line\nbreak", 'q"uote', "back\\slash", "nul\x00in", "é")


def _sample_hive() -> MemoryHive:
    hive = MemoryHive(HiveType.UNKNOWN, source="<sample>", root_name="ROOT")
    root = hive.root()
    root.last_written_raw = datetime_to_filetime(datetime(2021, 6, 1, 12, 0, 0, tzinfo=UTC)) + 1234
    key = root.ensure("Sub key [1]\\Ünïcode 中")
    key.last_written_raw = (
        datetime_to_filetime(datetime(2000, 2, 29, 23, 59, 59, tzinfo=UTC)) + 5_000_000
    )
    key.class_name_text = "Class\tname"
    rounded = root.ensure("rounded up")  # one tick before a whole second
    rounded.last_written_raw = (
        datetime_to_filetime(datetime(2000, 2, 29, 23, 59, 59, tzinfo=UTC)) + 9_999_999
    )
    old = root.ensure("before 1970")
    old.last_written_raw = datetime_to_filetime(datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC))
    root.ensure("compressed \x9f")
    for index, name in enumerate(TRICKY_VALUE_NAMES):
        key.set_value(name, index, bytes(range(index * 7)))
    key.set_value("big", 3, bytes(range(256)) * 200)  # 51200 bytes: big-data segments
    key.set_value("odd type", 0xFFFFFFFF, b"\x01\x02\x03\x04\x05")
    key.set_value("astral 𐐀", 1, "𐐀\x00".encode("utf-16-le"))
    return hive


def test_loader_reads_what_the_writer_wrote(tmp_path: Path) -> None:
    require_win32registry()
    model = _sample_hive()
    path = tmp_path / "sample.hiv"
    path.write_bytes(write_hive(model, minor_version=5))
    truth = load_win32registry(path)
    assert truth.warnings == []
    assert truth.format is EvidenceFormat.REGF
    found = {
        (d.kind, d.path, d.value_name)
        for d in compare_hives(model, truth, equivalence=WIN32REGISTRY_EQUIVALENCE)
    }
    key_path = "Sub key [1]\\Ünïcode 中"
    assert found == {
        # cp1252 decodes the compressed byte 0x9F as 'Ÿ' (see CODEPAGES).
        (DisagreementKind.KEY_MISSING, "compressed \x9f", None),
        (DisagreementKind.KEY_MISSING, "compressed Ÿ", None),
        # A surrogate pair becomes two U+FFFD (win32registry_astral_name_decoded_as_ucs2).
        (DisagreementKind.VALUE_MISSING, key_path, "astral 𐐀"),
        (DisagreementKind.VALUE_MISSING, key_path, "astral \ufffd\ufffd"),
        # get_timestamp() converts the FILETIME through a double (53-bit mantissa: 16 ticks
        # apart at these dates), so a time a few ticks before a whole second is rounded up
        # to it before the truncation to seconds. No corpus hive has such a time.
        (DisagreementKind.LAST_WRITTEN_DIFFERS, "rounded up", None),
    }
    assert truth.undefined_times == ["before 1970"]
    assert truth.undefined_data == []
    key = truth.find("Sub key [1]\\Ünïcode 中")
    assert key is not None
    assert key.class_name == "Class\tname"
    assert [value.name for value in key.values()][: len(TRICKY_VALUE_NAMES)] == list(
        TRICKY_VALUE_NAMES
    )
    big = key.value("big")
    assert big is not None and big.raw == bytes(range(256)) * 200
    # Whole seconds: the sub-second part of the FILETIME is gone.
    assert key.last_written == datetime_to_filetime(datetime(2000, 2, 29, 23, 59, 59, tzinfo=UTC))
    # Read with Latin-1, compressed names come out as Windows widens them.
    latin1 = load_win32registry(path, codepage="iso-8859-1")
    found_latin1 = {
        (d.kind, d.path, d.value_name)
        for d in compare_hives(model, latin1, equivalence=WIN32REGISTRY_EQUIVALENCE)
    }
    assert found_latin1 == {item for item in found if not item[1].startswith("compressed")}
