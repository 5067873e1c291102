"""compare on real hives: every value a row rests on is what an independent parser
(python-registry) reads at that key, and the XP host's Terminal Server settings are what
RegRipper's termserv plugin prints for it (fDenyTSConnections 1, TSEnabled 1,
fAllowToGetHelp 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from Registry import Registry

from hiveparse.compare.compare import Comparison, RowStatus, compare_hosts, read_host
from hiveparse.compare.sides import open_machine
from tests.peers.readers import python_registry_raw

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def xp_pair(corpus: Path) -> Comparison:
    a = read_host(open_machine("a", [corpus / "hives/hackfortress-xp"]), AS_OF)
    b = read_host(open_machine("b", [corpus / "hives/przetom-itsec2022-xp/SYSTEM"]), AS_OF)
    return compare_hosts(a, b)


def test_every_value_a_row_rests_on_is_what_python_registry_reads(xp_pair: Comparison) -> None:

    checked = 0
    opened: dict[str, Registry.Registry] = {}
    for row in xp_pair.rows:
        for reading in (row.a, row.b):
            for fact in reading.facts:
                if fact.value is None:
                    continue
                path = fact.evidence.path
                registry = opened.setdefault(path, Registry.Registry(path))
                key = registry.open(fact.key.path)
                name = fact.value.name.lower()
                (value,) = [v for v in key.values() if v.name().lower() == name]
                raw = python_registry_raw(value._vkrecord)
                assert raw == fact.value.raw, (row.setting.id, path)
                checked += 1
    assert checked >= 20


def test_the_xp_host_shows_what_regripper_termserv_prints(xp_pair: Comparison) -> None:
    rows = {row.setting.id: row for row in xp_pair.rows}
    assert rows["rdp.enabled"].a.raw == 1  # fDenyTSConnections = 1
    assert rows["rdp.ts_enabled"].a.raw == 1
    solicited = rows["assistance.solicited"].a
    assert solicited.raw == 1 and solicited.facts[0].key.name == "Terminal Server"
    # B is a SYSTEM hive alone: a policy in its SOFTWARE could override every listener value.
    assert rows["rdp.enabled"].status == RowStatus.UNKNOWN
    # The names are each machine's own, from their SYSTEM hives.
    name = rows["host.computer_name"]
    assert (name.a.shown, name.b.shown, name.status) == ("RAWR", "OFIARA", "expected_to_differ")
