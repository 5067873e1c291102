"""Grace-period reset indicators (§10) and the tooltip policy that often comes with them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hiveparse.rds.locations import TIMEBOMB_RTM
from hiveparse.rds.rulebook import evaluate
from hiveparse.rds.rules import acl_indicators, grace_reset_finding, reset_indicators
from tests.rds.conftest import (
    DPAPI_BLOB,
    GRACE,
    LICENSING_CORE,
    REG_BINARY,
    HostBuilder,
    by_id,
    fact_records,
    indicators,
    summary,
)

AS_OF = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
RDP_ON = ("rdp.enabled", "info", "high")


def configured(installed: datetime) -> HostBuilder:
    """A session host with mode, servers and certificate: only the grace state varies."""
    host = HostBuilder().session_host(installed=installed)
    return host.policy_mode(4).policy_servers("ls1.contoso.com").local_mode(4).x509()


def test_timebomb_value_missing_on_a_session_host():
    host = configured(AS_OF - 60 * DAY).grace_key(AS_OF - 59 * DAY)
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {
        ("rds.grace.reset_suspected", "high", "medium"),  # CONFIRMED indicator, role inferred
        RDP_ON,
    }
    finding = findings["rds.grace.reset_suspected"]
    (indicator,) = indicators(finding)
    assert indicator["indicator"] == "timebomb_missing"
    assert indicator["status"] == "CONFIRMED"
    assert indicator["key_path"] == (
        r"HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Terminal Server\RCM\GracePeriod"
    )
    (key_record,) = fact_records(finding, "grace.key")
    assert key_record["value_name"] is None
    assert key_record["key_last_write"] == "2025-11-17T12:00:00Z"  # AS_OF - 59 days
    assert "Owner and ACL checks need the raw hive" in finding.detail


def test_grace_key_missing_on_a_session_host():
    host = configured(AS_OF - 60 * DAY)
    finding = by_id(host.findings(AS_OF))["rds.grace.reset_suspected"]
    assert (finding.severity, finding.confidence) == ("medium", "low")
    (indicator,) = indicators(finding)
    assert indicator["indicator"] == "grace_key_missing"
    assert indicator["status"] == "UNCERTAIN"
    assert indicator["expected_key"] == r"{ccs}\Control\Terminal Server\RCM\GracePeriod"


def test_grace_key_written_long_after_the_rds_keys():
    host = configured(AS_OF - 400 * DAY)
    host.sys_key(LICENSING_CORE, written=AS_OF - 300 * DAY)  # mode set later than install
    host.timebomb(AS_OF - 5 * DAY)
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {
        ("rds.grace.reset_suspected", "medium", "medium"),
        RDP_ON,
    }
    (indicator,) = indicators(findings["rds.grace.reset_suspected"])
    # The latest reference wins: Licensing Core (AS_OF - 300 d), 295 days before GracePeriod.
    assert indicator["indicator"] == "grace_key_rewritten"
    assert indicator["reference_fact"] == "mode.local"
    assert indicator["reference_last_write"] == "2025-03-21T12:00:00Z"
    assert indicator["grace_key_last_write"] == "2026-01-10T12:00:00Z"
    assert indicator["gap_days"] == 295
    assert indicator["x509_certificate_present"] is True


def test_a_gap_of_exactly_120_days_is_not_a_rewrite():
    host = configured(AS_OF - 125 * DAY).timebomb(AS_OF - 5 * DAY)
    assert summary(host.findings(AS_OF)) == {RDP_ON}
    host = configured(AS_OF - 126 * DAY).timebomb(AS_OF - 5 * DAY)
    assert ("rds.grace.reset_suspected", "medium", "medium") in summary(host.findings(AS_OF))


def test_two_indicators_make_it_high_and_take_the_best_confidence():
    host = configured(AS_OF - 400 * DAY).grace_key(AS_OF - 5 * DAY)
    finding = by_id(host.findings(AS_OF))["rds.grace.reset_suspected"]
    assert [i["indicator"] for i in indicators(finding)] == [
        "timebomb_missing",
        "grace_key_rewritten",
    ]
    assert (finding.severity, finding.confidence) == ("high", "medium")
    assert "best-supported indicator (timebomb_missing)" in finding.detail


def test_grace_period_ended_means_no_reset_indicator():
    host = configured(AS_OF - 400 * DAY).grace_key(AS_OF - 5 * DAY).grace_ended()
    assert summary(host.findings(AS_OF)) == {RDP_ON}


def test_no_session_host_role_means_no_absence_indicator():
    host = configured(AS_OF - 60 * DAY)
    host.sw_value(
        r"Microsoft\ServerManager\ServicingStorage\ServerComponentCache\RDS-RD-Server",
        "InstallState",
        4,
        (0).to_bytes(4, "little"),
    )
    assert host.state(AS_OF).role.session_host is False
    assert "rds.grace.reset_suspected" not in by_id(host.findings(AS_OF))


def test_software_hive_alone_has_no_reset_indicator():
    host = HostBuilder(system=False).session_host(installed=AS_OF - 60 * DAY)
    assert reset_indicators(host.state(AS_OF)) == []


def test_recovered_deleted_timebomb_is_an_indicator():
    # The timebomb was deleted and not re-created: its record stays in a free cell.
    host = configured(AS_OF - 60 * DAY).grace_key(AS_OF - 59 * DAY)
    host.deleted_value(GRACE, TIMEBOMB_RTM, REG_BINARY, DPAPI_BLOB)
    finding = by_id(host.findings(AS_OF))["rds.grace.reset_suspected"]
    recovered = [i for i in indicators(finding) if i["indicator"] == "deleted_timebomb_recovered"]
    (indicator,) = recovered
    assert indicator["status"] == "CONFIRMED"
    assert indicator["data_state"] == "intact"
    assert indicator["key_path_inferred"] is True  # the value left its key: placed by name
    assert indicator["blob"]["dpapi_shaped"] is False  # 60 zero bytes after the provider GUID
    assert finding.severity == "high"
    (record,) = [r for r in fact_records(finding, "grace.timebomb") if r["deleted"]]
    assert record["raw"] == DPAPI_BLOB.hex()
    assert record["cell_offset"] == indicator["cell_offset"]


def test_a_timebomb_left_in_the_value_list_of_the_live_key_is_placed_there():
    # GracePeriod keeps another value; Windows closes the list up over the deleted timebomb
    # (the last entry), so the list's slack still names the deleted record.
    host = configured(AS_OF - 60 * DAY).grace_key(AS_OF - 59 * DAY)
    host.sys_value(GRACE, "Other", REG_BINARY, b"\x01")
    host.deleted_value(GRACE, TIMEBOMB_RTM, REG_BINARY, DPAPI_BLOB)
    (indicator,) = [
        i for i in reset_indicators(host.state(AS_OF)) if i.indicator.name.startswith("deleted")
    ]
    assert indicator.indicator.data["key_path_inferred"] is False
    (fact,) = indicator.facts
    assert fact.full_key_path.endswith(r"ControlSet001\Control\Terminal Server\RCM\GracePeriod")
    assert fact.control_set == "ControlSet001"


def test_deleted_copy_equal_to_the_live_timebomb_is_no_indicator():
    # ControlSet002 lost a value holding the same bytes as the live one: nothing was reset.
    host = configured(AS_OF - 60 * DAY).timebomb(AS_OF - 59 * DAY)
    host.deleted_value(GRACE, TIMEBOMB_RTM, REG_BINARY, DPAPI_BLOB, control_set="ControlSet002")
    assert not [
        i for i in reset_indicators(host.state(AS_OF)) if i.indicator.name.startswith("deleted")
    ]


def test_deleted_timebomb_with_other_data_shows_a_recreated_value():
    host = configured(AS_OF - 60 * DAY).timebomb(AS_OF - 59 * DAY)
    older = DPAPI_BLOB[:-1] + b"\x01"
    host.deleted_value(GRACE, TIMEBOMB_RTM, REG_BINARY, older, control_set="ControlSet002")
    (indicator,) = [
        i for i in reset_indicators(host.state(AS_OF)) if i.indicator.name.startswith("deleted")
    ]
    assert "re-created" in indicator.indicator.description
    assert indicator.indicator.data["live_timebomb_present"] is True


def test_decoded_expiry_far_beyond_the_key_write():
    # A decrypted expiry (as the DPAPI chain will give) 3650 days after the key write.
    host = configured(AS_OF - 60 * DAY).timebomb(AS_OF - 59 * DAY)
    state = host.state(AS_OF)
    state.grace.expires = AS_OF + 3591 * DAY
    state.grace.expires_source = "decrypted"
    finding = by_id(evaluate(state))["rds.grace.reset_suspected"]
    (indicator,) = indicators(finding)
    assert indicator["indicator"] == "expiry_beyond_grace"
    assert indicator["expires"] == "2035-11-15T12:00:00Z"  # 2036-01-15 minus 61 days
    assert (finding.severity, finding.confidence) == ("high", "high")


def test_estimated_expiry_is_never_beyond_grace():
    host = configured(AS_OF - 60 * DAY).timebomb(AS_OF - 59 * DAY)
    assert reset_indicators(host.state(AS_OF)) == []


# -- owner / ACL hook (§5.6) ---------------------------------------------------------------


@dataclass
class FakeSecurity:
    owner_sid: str | None
    full_control_sids: Sequence[str] = ()
    record: dict[str, Any] = field(default_factory=lambda: {"cell_offset": 0x2000})


def test_acl_hook_without_a_descriptor_gives_nothing():
    assert acl_indicators(None) == []


def test_owner_and_full_control_ace_as_reset_scripts_leave_them():
    user = "S-1-5-21-1004336348-1177238915-682003330-1001"
    security = FakeSecurity("S-1-5-32-544", ["S-1-5-18", user])
    found = acl_indicators(security)
    assert [(i.name, str(i.status)) for i in found] == [
        ("grace_key_owner_changed", "UNCERTAIN"),
        ("grace_key_full_control_ace", "CONFIRMED"),
    ]
    assert found[1].data["sids"] == [user]
    state = configured(AS_OF - 60 * DAY).timebomb(AS_OF - 59 * DAY).state(AS_OF)
    (finding,) = grace_reset_finding(state, security)
    assert (finding.severity, finding.confidence) == ("high", "high")
    assert "Owner and ACL checks need the raw hive" not in finding.detail
    assert indicators(finding, "grace_key_full_control_ace")[0]["cell_offset"] == 0x2000


def test_default_looking_descriptor_gives_nothing():
    assert acl_indicators(FakeSecurity("S-1-5-20", ["S-1-5-18", "S-1-5-20"])) == []


# -- rds.policy.tooltip_hidden (§4.3, §10) ---------------------------------------------------


def test_tooltip_hidden_alone_is_info():
    host = configured(AS_OF - 60 * DAY).timebomb(AS_OF - 59 * DAY).tooltip_hidden()
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {
        ("rds.policy.tooltip_hidden", "info", "high"),
        RDP_ON,
    }
    (record,) = fact_records(findings["rds.policy.tooltip_hidden"], "policy.hide_tooltip")
    assert (record["value_name"], record["raw"]) == ("fDisableTerminalServerTooltip", "01000000")
    assert record["control_set"] is None  # SOFTWARE has no ControlSets


def test_tooltip_hidden_with_reset_indicators_is_medium():
    host = configured(AS_OF - 400 * DAY).timebomb(AS_OF - 5 * DAY).tooltip_hidden()
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {
        ("rds.policy.tooltip_hidden", "medium", "medium"),
        ("rds.grace.reset_suspected", "medium", "medium"),
        RDP_ON,
    }
    finding = findings["rds.policy.tooltip_hidden"]
    assert [i["indicator"] for i in indicators(finding)] == ["grace_key_rewritten"]
    assert "rds.grace.reset_suspected" in finding.detail


def test_tooltip_value_0_is_not_reported():
    host = configured(AS_OF - 60 * DAY).timebomb(AS_OF - 59 * DAY)
    host.sw_value(r"Policies\Microsoft\Windows NT\Terminal Services",
                  "fDisableTerminalServerTooltip", 4, (0).to_bytes(4, "little"))  # fmt: skip
    assert summary(host.findings(AS_OF)) == {RDP_ON}
