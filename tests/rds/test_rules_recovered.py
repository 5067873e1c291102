"""rds.recovered.deleted_settings: deleted licensing settings carved from a written hive.

The hives are written with the project's writer and the values deleted the way Windows
deletes them (cells freed, not wiped), so what carving finds is known beforehand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hiveparse.rds.facts import Carve, collect_facts
from tests.rds.conftest import LICENSING_CORE, REG_DWORD, HostBuilder, by_id, dword, indicators

AS_OF = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _host() -> HostBuilder:
    return HostBuilder().session_host(installed=AS_OF - 60 * DAY).grace_key(AS_OF - 59 * DAY)


def test_a_deleted_licensing_mode_is_reported_with_what_it_held():
    host = _host()
    host.deleted_value(LICENSING_CORE, "LicensingMode", REG_DWORD, dword(4))
    finding = by_id(host.findings(AS_OF))["rds.recovered.deleted_settings"]
    assert finding.severity == "medium"  # the configuration itself was removed
    (indicator,) = indicators(finding)
    assert indicator["fact"] == "mode.local"
    assert indicator["data_state"] == "inline"  # a DWORD lives in the record itself
    assert indicator["live_present"] is False
    assert "LicensingMode = 4" in finding.detail
    assert "now absent" in finding.detail


def test_a_deleted_copy_of_the_live_value_is_not_a_finding():
    host = _host().local_mode(4)
    host.deleted_value(
        LICENSING_CORE, "LicensingMode", REG_DWORD, dword(4), control_set="ControlSet002"
    )
    assert "rds.recovered.deleted_settings" not in by_id(host.findings(AS_OF))


def test_a_changed_mode_shows_both_values():
    host = _host().local_mode(2)
    host.deleted_value(
        LICENSING_CORE, "LicensingMode", REG_DWORD, dword(4), control_set="ControlSet002"
    )
    finding = by_id(host.findings(AS_OF))["rds.recovered.deleted_settings"]
    assert "LicensingMode = 4" in finding.detail
    assert "now 2" in finding.detail


def test_the_near_carve_scans_only_bins_around_the_licensing_keys():
    host = _host()
    for number in range(400):  # bulk far from the licensing keys
        host.sys_value(rf"Filler\Key{number:03d}", "Data", REG_DWORD, dword(number))
    host.deleted_value(LICENSING_CORE, "LicensingMode", REG_DWORD, dword(4))
    near = collect_facts(host.evidence())
    whole = collect_facts(host.evidence(), carve=Carve.ALL)
    assert [f.location.fact for f in near.recovered] == ["mode.local"]
    assert [f.location.fact for f in whole.recovered] == ["mode.local"]
    (scan_near,) = near.recoveries
    (scan_all,) = whole.recoveries
    assert scan_near["scope"] == "bins around the licensing keys"
    assert scan_all["scope"] == "whole hive"
    scanned = sum(scan_near["scanned_bytes"].values())
    assert scanned < sum(scan_all["scanned_bytes"].values())
    assert collect_facts(host.evidence(), carve=Carve.OFF).recovered == []


def test_context_values_are_not_licensing_settings():
    # A deleted ComputerName (placed by name alone it could be any of many keys) and a
    # deleted RDP port are not reported as deleted licensing settings.
    host = _host()
    host.deleted_value(
        r"{ccs}\Control\ComputerName\ComputerName", "ComputerName", REG_DWORD, dword(1)
    )
    host.deleted_value(r"{ccs}\Control\Terminal Server\WinStations\RDP-Tcp", "PortNumber",
                       REG_DWORD, dword(3390))  # fmt: skip
    assert "rds.recovered.deleted_settings" not in by_id(host.findings(AS_OF))
