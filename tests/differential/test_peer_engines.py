"""Differential check: every engine against hivex, and against python-registry, on real hives.

Each engine in ENGINES_UNDER_TEST reads every hive of VALID_HIVES; the reading is compared
with hivexml's (tests/peers/hivexml.py, whole seconds and decoded strings) and, exactly, with
python-registry's (the adapters' fidelity: FILETIME ticks, class names, raw bytes). Every
disagreement must be explained by a rule of allowlist.toml; a rule whose count no longer
matches fails too. Adding an engine is one line in ENGINES_UNDER_TEST.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from allowlist import Verdict, judge, load_rules
from peers.hivexml import HIVEX_EQUIVALENCE, hivexml_available, load_hivexml

from hiveparse.engines import ENGINES, open_engine
from hiveparse.engines.verify import compare_hives
from hiveparse.model import Hive
from hiveparse.sources.memory import MemoryHive

ENGINES_UNDER_TEST: tuple[str, ...] = ("python-registry", "regipy", "hiveparse")
REFERENCE_ENGINE = "python-registry"

# Primary hives meant to be valid that hivex opens (relative to the corpus; MANIFEST.md).
# Left out on purpose: yarp's deliberately broken hives (BadList, BadSubkey, InvalidParent,
# DuplicateSubkeys, WrongOrder, Truncated*, Garbage, EffectiveSize), transaction logs and
# fragments, Win9x CREG files, and the hives hivex refuses at open (gr0wnd DEFAULT,
# ericzimmerman SAN_OTHER_ and SAMBadHBinHeader, yarp System_Delta, BadBaseBlockHive).
VALID_HIVES: tuple[str, ...] = (
    "bitcurator-dfa/NTUSER.DAT",
    "bitcurator-dfa/SAM",
    "bitcurator-dfa/SECURITY",
    "bitcurator-dfa/SYSTEM",
    "dfwinreg/NTUSER.DAT",
    "dfwinreg/SAM",
    "dfwinreg/SECURITY",
    "dfwinreg/UsrClass.dat",
    "dissect-regf/SYSTEM",
    "ericzimmerman-registry/Acronis_0x52_Usrclass.dat",
    "ericzimmerman-registry/BCD",
    "ericzimmerman-registry/NTUSER1.DAT",
    "ericzimmerman-registry/SAM",
    "ericzimmerman-registry/SAM_DUPENAME",
    "ericzimmerman-registry/SAM_RootValue",
    "ericzimmerman-registry/SAM_hasBigEndianDWord",
    "ericzimmerman-registry/SECURITY",
    "ericzimmerman-registry/UsrClassDeletedBags.dat",
    "gr0wnd-testingregistryfiles/SAM",
    "gr0wnd-testingregistryfiles/SECURITY",
    "hackfortress-xp/SAM",
    "hackfortress-xp/SECURITY",
    "hackfortress-xp/admin_NTUSER.DAT.copy0",
    "hackfortress-xp/software",
    "hackfortress-xp/system",
    "mstxq17-zerologon-dc/sam.save",
    "mstxq17-zerologon-dc/security.save",
    "plaso/NTUSER-CCLEANER.DAT",
    "plaso/NTUSER-RunTests.DAT",
    "plaso/NTUSER-WIN7.DAT",
    "plaso/NTUSER.DAT",
    "plaso/regf/100_sub_keys.hiv",
    "plaso/winreg/win10-Amcache.hve",
    "przetom-itsec2022-xp/SAM",
    "przetom-itsec2022-xp/SYSTEM",
    "python-registry/REORGANIZED_VALUES_TESTS",
    "python-registry/UNICODE_TESTS",
    "python-registry/issue22.hive",
    "regipy/BCD",
    "regipy/NTUSER-WSL.DAT",
    "regipy/NTUSER.DAT",
    "regipy/NTUSER_modified.DAT",
    "regipy/SAM",
    "regipy/SECURITY",
    "regipy/SYSTEM",
    "regipy/SYSTEM_2",
    "regipy/SYSTEM_B",
    "regipy/SYSTEM_WIN_10_1709",
    "regipy/UsrClass.dat",
    "regipy/amcache.hve",
    "regipy/ntuser_software_partial",
    "regipy/transactions_NTUSER.DAT",
    "yarp/BigDataHive",
    "yarp/BogusKeyNamesHive",
    "yarp/CompHive",
    "yarp/DeletedDataHive",
    "yarp/DeletedTreeHive",
    "yarp/DeletedTreeNoRootFlagHive",
    "yarp/DeletedTreePartialPathHive",
    "yarp/DupNameHive",
    "yarp/EmptyHive",
    "yarp/ExtendedASCIIHive",
    "yarp/HealedHive",
    "yarp/ManySubkeysHive",
    "yarp/MultiSzHive",
    "yarp/NewDirtyHive1/RecoveredHive_Windows10",
    "yarp/NewFlagsHive",
    "yarp/OffHive",
    "yarp/OldDirtyHive/RecoveredHive_Windows7",
    "yarp/PairHive",
    "yarp/ReallocValueDataHive",
    "yarp/ReallocValueHive",
    "yarp/RemnantData",
    "yarp/RemnantsHive",
    "yarp/SlackHive",
    "yarp/SqliteHive",
    "yarp/StringValuesHive",
    "yarp/TwoOwnersHive",
    "yarp/UnicodeHive",
    "yarp/UpcaseHive",
    "yarp/ValuesOrderHive",
    "yarp/manual/FuseHive",
    "yarp/manual/FuseHive2",
    "yarp/manual/FuseHive3",
    "yarp/manual/FuseHive4",
)

# Hive-major order, so that consecutive cases share the cached hivexml reading.
CASES = [
    pytest.param(hive, engine, id=f"{engine}:{hive}")
    for hive in VALID_HIVES
    for engine in ENGINES_UNDER_TEST
]

RULES = load_rules()


@lru_cache(maxsize=1)
def hivexml_truth(path: Path) -> MemoryHive:
    return load_hivexml(path)


def open_case(corpus: Path, hive: str, engine: str) -> Hive:
    path = corpus / "hives" / hive
    if not path.is_file():
        pytest.skip(f"{hive} is not in this corpus")
    assert engine in ENGINES, f"unknown engine {engine!r}"
    return open_engine(engine, path)


def report(verdict: Verdict, limit: int = 25) -> str:
    lines = [*verdict.count_errors]
    lines += [f"unexplained: {item}" for item in verdict.unexplained[:limit]]
    if len(verdict.unexplained) > limit:
        lines.append(f"... and {len(verdict.unexplained) - limit} more")
    return "\n".join(lines)


@pytest.mark.corpus
@pytest.mark.peers
@pytest.mark.parametrize(("hive", "engine"), CASES)
def test_engine_agrees_with_hivexml(corpus: Path, hive: str, engine: str) -> None:
    if not hivexml_available():
        pytest.skip("hivexml (libhivex-bin) is not installed")
    reading = open_case(corpus, hive, engine)
    truth = hivexml_truth(corpus / "hives" / hive)
    found = compare_hives(reading, truth, equivalence=HIVEX_EQUIVALENCE)
    verdict = judge(RULES, engine, "hivexml", hive, found)
    assert verdict.ok, report(verdict)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("hive", "engine"),
    [case for case in CASES if case.values[1] != REFERENCE_ENGINE],
)
def test_engine_agrees_with_reference_engine(corpus: Path, hive: str, engine: str) -> None:
    reading = open_case(corpus, hive, engine)
    reference = open_engine(REFERENCE_ENGINE, corpus / "hives" / hive)
    found = compare_hives(reading, reference)
    verdict = judge(RULES, engine, REFERENCE_ENGINE, hive, found)
    assert verdict.ok, report(verdict)
