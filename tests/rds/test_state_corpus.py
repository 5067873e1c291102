"""Facts and licensing state on real hives Windows wrote (expected answers: MANIFEST.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hiveparse.evidence.open import open_evidence
from hiveparse.rds.facts import collect_facts
from hiveparse.rds.locations import Layer
from hiveparse.rds.state import Mode, build_state

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


def _state(*paths: Path):
    return build_state(collect_facts([open_evidence(p) for p in paths]), AS_OF)


@pytest.mark.parametrize(
    "relative",
    [
        "hives/regipy/SYSTEM",
        "hives/regipy/SYSTEM_2",
        "hives/regipy/SYSTEM_B",
        "hives/regipy/SYSTEM_WIN_10_1709",
        "hives/dissect-regf/SYSTEM",
    ],
)
def test_win7_to_10_system_hives_report_local_mode_1(corpus: Path, relative: str):
    state = _state(corpus / relative)
    assert state.mode.local_code == 1
    assert state.mode.effective == Mode.REMOTE_ADMIN
    assert state.mode.layer == "local"
    record = state.mode.to_dict()["evidence"][0]
    assert record["key_path"].endswith(r"\Control\Terminal Server\RCM\Licensing Core")
    assert record["value_name"] == "LicensingMode"
    assert record["raw"] == "01000000"
    assert record["current_control_set"] is True
    assert record["cell_offset"] is not None


@pytest.mark.parametrize(
    "relative", ["hives/bitcurator-dfa/SYSTEM", "hives/hackfortress-xp/system"]
)
def test_xp_system_hives_use_the_old_licensing_core_path(corpus: Path, relative: str):
    state = _state(corpus / relative)
    assert state.mode.legacy_core is not None
    assert state.mode.legacy_core.key.path.endswith(r"Control\Terminal Server\Licensing Core")
    assert "RCM" not in state.mode.legacy_core.key.path
    assert state.mode.local is None
    # No SOFTWARE hive: a Group Policy LicensingMode cannot be ruled out.
    assert state.mode.effective == Mode.UNKNOWN
    assert state.mode.layers_unknown == [Layer.POLICY]


def _peer(path: Path) -> Any:
    """python-registry's reading of the hive: the expected values come from outside."""
    from Registry import Registry  # noqa: PLC0415

    return Registry.Registry(str(path))


def test_control_set_is_taken_from_select(corpus: Path):
    path = corpus / "hives/regipy/SYSTEM"
    state = _state(path)
    (sets,) = state.facts.control_sets.values()
    current = _peer(path).open("Select").value("Current").value()
    assert sets["current"] == f"ControlSet{current:03d}"
    for fact in state.facts.all("mode.local"):
        assert fact.current == (fact.control_set == sets["current"])


def test_rdp_exposure_of_a_real_workstation(corpus: Path):
    path = corpus / "hives/regipy/SYSTEM"
    state = _state(path)
    peer = _peer(path)
    current = f"ControlSet{peer.open('Select').value('Current').value():03d}"
    ts = peer.open(rf"{current}\Control\Terminal Server")
    assert state.rdp.enabled == (ts.value("fDenyTSConnections").value() == 0)
    port = peer.open(rf"{current}\Control\Terminal Server\WinStations\RDP-Tcp")
    assert state.rdp.port == port.value("PortNumber").value()


def test_reg_and_hive_forms_of_the_sample_agree():
    repo = Path(__file__).resolve().parents[2]
    folder = repo / "samples" / "rds-session-host"
    from_hive = _state(folder / "SYSTEM")
    from_reg = _state(folder / "SYSTEM.reg")
    assert from_hive.mode.to_dict()["effective"] == from_reg.mode.to_dict()["effective"]
    assert from_hive.servers.effective == from_reg.servers.effective
    assert from_hive.rdp.port == from_reg.rdp.port
    assert from_hive.role.session_host == from_reg.role.session_host is True
