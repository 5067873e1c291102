"""The licensing findings (mode, servers, grace, certificate) on in-memory hosts.

Each test builds a host, runs collect_facts → build_state(as_of) → evaluate, and compares the
exact set of (id, severity, confidence), then the evidence fields that matter. Dates are
computed by hand from AS_OF = 2026-01-15T12:00:00Z.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hiveparse.model import EvidenceFormat
from hiveparse.rds.locations import TIMEBOMB_BETA
from hiveparse.rds.rulebook import judge_host
from tests.rds.conftest import (
    GRACE,
    LICENSING_CORE,
    PARAMETERS,
    REG_DWORD,
    REG_MULTI_SZ,
    REG_SZ,
    TS,
    TS_POLICY,
    HostBuilder,
    by_id,
    dword,
    fact_records,
    indicators,
    summary,
    sz,
)

AS_OF = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
RDP_ON = ("rdp.enabled", "info", "high")


def licensed_farm() -> HostBuilder:
    """A correctly licensed Per User farm member: policy mode and servers, a certificate."""
    host = HostBuilder().session_host(installed=AS_OF - 400 * DAY)
    host.policy_mode(4).policy_servers("ls1.contoso.com,ls2.contoso.com")
    host.local_mode(4).local_servers(["ls1.contoso.com", "ls2.contoso.com"])
    host.timebomb(AS_OF - 399 * DAY).grace_ended().x509()
    return host


def running_grace(host: HostBuilder, *, days_ago: int = 30) -> HostBuilder:
    """Session-host keys set up just before the timebomb was written ``days_ago``."""
    host.session_host(installed=AS_OF - (days_ago + 1) * DAY)
    return host.timebomb(AS_OF - days_ago * DAY)


# -- negative cases ------------------------------------------------------------------------


def test_licensed_per_user_farm_raises_no_rds_finding():
    findings = licensed_farm().findings(AS_OF)
    assert summary(findings) == {RDP_ON}
    assert not [f for f in findings if f.id.startswith("rds.")]


def test_windows_10_workstation_with_mode_1_raises_nothing():
    host = HostBuilder()
    host.local_mode(1)
    host.sys_value(TS, "fDenyTSConnections", REG_DWORD, dword(1))
    host.sw_value(r"Microsoft\Windows NT\CurrentVersion", "ProductName", REG_SZ,
                  sz("Windows 10 Pro"))  # fmt: skip
    state = host.state(AS_OF)
    assert state.role.session_host is False
    assert host.findings(AS_OF) == []


# -- rds.mode.not_configured (§3.1, §9) ----------------------------------------------------


def test_mode_5_on_session_host_during_grace_is_high():
    host = running_grace(HostBuilder()).local_mode(5).policy_servers("ls1.contoso.com").x509()
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {
        ("rds.mode.not_configured", "high", "medium"),  # role InstallState=1 is UNCERTAIN
        RDP_ON,
    }
    finding = findings["rds.mode.not_configured"]
    assert "no Remote Desktop License Servers available to provide a license" in finding.detail
    assert "1068" in finding.detail
    assert "1069" in finding.detail
    assert "RD Session Host role is inferred" in finding.detail
    (record,) = fact_records(finding, "mode.local")
    assert record["raw"] == "05000000"
    assert record["value_name"] == "LicensingMode"
    assert record["key_path"] == (
        r"HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Terminal Server\RCM\Licensing Core"
    )
    assert fact_records(finding, "role.rdsh_install_state")[0]["raw"] == "01000000"


def test_mode_5_after_grace_expired_is_critical_with_lowered_confidence():
    # Timebomb key written 2025-09-16T12:00Z (121 days before AS_OF): expired 2026-01-14.
    host = HostBuilder().session_host(installed=AS_OF - 122 * DAY)
    host.timebomb(AS_OF - 121 * DAY).local_mode(5).policy_servers("ls1.contoso.com").x509()
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {
        ("rds.mode.not_configured", "critical", "low"),  # role + estimated expiry
        ("rds.grace.expired", "critical", "medium"),  # not configured → critical
        RDP_ON,
    }
    finding = findings["rds.mode.not_configured"]
    assert "clients are refused now" in finding.detail
    (expiry,) = indicators(finding, "grace_expiry")
    assert expiry["expires"] == "2026-01-14T12:00:00Z"
    assert expiry["days_left"] == 0


def test_mode_absent_in_both_layers_is_not_configured():
    host = running_grace(HostBuilder()).policy_servers("ls1.contoso.com").x509()
    finding = by_id(host.findings(AS_OF))["rds.mode.not_configured"]
    assert (finding.severity, finding.confidence) == ("high", "medium")
    assert "absent from both the Group Policy and the local (RCM) layer" in finding.detail


def test_system_hive_alone_leaves_the_mode_not_judged():
    host = HostBuilder(software=False)
    host.sys_key(r"{ccs}\Services\TermService", written=AS_OF - 31 * DAY)
    host.local_mode(5).local_servers(["ls1.contoso.com"]).timebomb(AS_OF - 30 * DAY).x509()
    judgement = judge_host(host.state(AS_OF))
    # Mode 5 locally, but a Group Policy LicensingMode in SOFTWARE (not given) would win.
    assert judgement.findings == []
    (missing,) = [item for item in judgement.not_judged if item.rule == "mode_not_configured"]
    assert missing.fact == "mode.policy"
    assert missing.findings == ("rds.mode.not_configured",)
    assert "no SOFTWARE hive or export is in the evidence" in missing.reason
    assert r"HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services" in missing.settle_with


def test_workstation_mode_1_with_role_absent_is_not_not_configured():
    host = HostBuilder()
    host.local_mode(1)
    assert "rds.mode.not_configured" not in by_id(host.findings(AS_OF))


# -- rds.mode.invalid (§3.1) ------------------------------------------------------------


def _valid_rdsh() -> HostBuilder:
    return running_grace(HostBuilder()).policy_servers("ls1.contoso.com").x509()


def test_local_mode_3_is_invalid_with_high_confidence():
    host = _valid_rdsh().local_mode(3)
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {("rds.mode.invalid", "high", "high"), RDP_ON}
    finding = findings["rds.mode.invalid"]
    assert "is 3, not a documented mode" in finding.detail
    assert "Per User (3)" in finding.detail
    assert fact_records(finding, "mode.local")[0]["raw"] == "03000000"


def test_local_mode_7_is_invalid_with_medium_confidence():
    finding = by_id(_valid_rdsh().local_mode(7).findings(AS_OF))["rds.mode.invalid"]
    assert (finding.severity, finding.confidence) == ("high", "medium")
    assert "meaning of mode 7 is UNCERTAIN" in finding.detail


def test_sentinel_8_masked_by_a_valid_policy_is_medium_and_overridden():
    host = _valid_rdsh().policy_mode(4).local_mode(8)
    assert summary(host.findings(AS_OF)) == {
        ("rds.mode.invalid", "medium", "medium"),
        ("rds.mode.policy_overrides_local", "low", "high"),
        RDP_ON,
    }


def test_policy_mode_of_type_reg_sz_is_invalid():
    host = _valid_rdsh().local_mode(4)
    host.sw_value(TS_POLICY, "LicensingMode", REG_SZ, sz("4"))
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {("rds.mode.invalid", "high", "high"), RDP_ON}
    finding = findings["rds.mode.invalid"]
    assert "has type REG_SZ" in finding.detail
    (record,) = fact_records(finding, "mode.policy")
    assert record["type"] == "REG_SZ"
    assert record["raw"] == "34000000"  # "4" + NUL in UTF-16LE


def test_three_byte_dword_is_invalid():
    host = _valid_rdsh()
    host.sys_value(LICENSING_CORE, "LicensingMode", REG_DWORD, b"\x04\x00\x00")
    findings = by_id(host.findings(AS_OF))
    assert findings["rds.mode.invalid"].severity == "high"
    assert "3 byte(s)" in findings["rds.mode.invalid"].detail
    # The unreadable value makes the effective mode invalid (not absent): no second finding.
    assert "rds.mode.not_configured" not in findings


# -- rds.mode.policy_overrides_local (§3.3) ----------------------------------------------


def test_policy_overrides_a_different_local_mode():
    host = _valid_rdsh().policy_mode(2).local_mode(4)
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {
        ("rds.mode.policy_overrides_local", "low", "high"),
        RDP_ON,
    }
    finding = findings["rds.mode.policy_overrides_local"]
    assert "Server Manager" in finding.detail
    assert "Windows uses the policy value" in finding.detail
    assert {r["fact"] for r in finding.evidence} == {"mode.policy", "mode.local"}


def test_equal_policy_and_local_modes_are_not_reported():
    assert "rds.mode.policy_overrides_local" not in by_id(
        _valid_rdsh().policy_mode(4).local_mode(4).findings(AS_OF)
    )


# -- rds.servers.none (§4.4) --------------------------------------------------------------


def test_no_server_during_grace_is_medium():
    host = running_grace(HostBuilder()).policy_mode(4).x509()
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {("rds.servers.none", "medium", "medium"), RDP_ON}
    assert "workgroup" in findings["rds.servers.none"].detail


def test_no_server_after_expiry_is_high():
    host = HostBuilder().session_host(installed=AS_OF - 131 * DAY)
    host.timebomb(AS_OF - 130 * DAY).policy_mode(4).x509()
    assert summary(host.findings(AS_OF)) == {
        ("rds.servers.none", "high", "low"),  # role + the severity rests on an estimated expiry
        ("rds.grace.expired", "critical", "medium"),
        RDP_ON,
    }


def test_no_server_and_no_timebomb_is_high():
    host = HostBuilder().session_host(installed=AS_OF - 10 * DAY).policy_mode(4).x509()
    assert summary(host.findings(AS_OF)) == {
        ("rds.servers.none", "high", "medium"),
        ("rds.grace.reset_suspected", "medium", "low"),  # GracePeriod key missing
        RDP_ON,
    }


def test_server_2003_license_server_subkeys_count_as_configured():
    host = running_grace(HostBuilder()).policy_mode(4).x509()
    host.sys_key(rf"{PARAMETERS}\LicenseServers\LS2003")
    assert "rds.servers.none" not in by_id(host.findings(AS_OF))


# -- rds.servers.anomaly (§4.1) ------------------------------------------------------------


def test_policy_list_anomalies_are_listed_each():
    host = _valid_rdsh().policy_mode(4)
    host.policy_servers("ls1.contoso.com, ls1.contoso.com,,ls2;ls3")
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {("rds.servers.anomaly", "medium", "high"), RDP_ON}
    finding = findings["rds.servers.anomaly"]
    kinds = [(i["kind"], i["entry"]) for i in indicators(finding, "server_list_anomaly")]
    assert kinds == [
        ("whitespace", " ls1.contoso.com"),
        ("duplicate", "ls1.contoso.com"),
        ("empty", ""),
        ("mixed_separators", "ls2;ls3"),
    ]
    (record,) = fact_records(finding, "servers.policy")
    assert record["decoded"] == "ls1.contoso.com, ls1.contoso.com,,ls2;ls3"


def test_whitespace_in_local_list_is_low():
    host = running_grace(HostBuilder()).policy_mode(4).x509().local_servers([" ls1.contoso.com"])
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {("rds.servers.anomaly", "low", "high"), RDP_ON}
    assert fact_records(findings["rds.servers.anomaly"], "servers.local")[0]["value_name"] == (
        "SpecifiedLicenseServers"
    )


def test_local_list_of_the_wrong_type_is_an_anomaly_and_leaves_no_server():
    host = running_grace(HostBuilder()).policy_mode(4).x509()
    host.sys_value(rf"{PARAMETERS}\LicenseServers", "SpecifiedLicenseServers", REG_SZ,
                   sz("ls1.contoso.com"))  # fmt: skip
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {
        ("rds.servers.anomaly", "medium", "high"),
        ("rds.servers.none", "medium", "medium"),
        RDP_ON,
    }
    (wrong,) = indicators(findings["rds.servers.anomaly"], "server_list_anomaly")
    assert wrong["kind"] == "wrong_type"


def test_clean_multi_sz_list_has_no_anomaly():
    host = running_grace(HostBuilder()).policy_mode(4).x509()
    host.sys_value(rf"{PARAMETERS}\LicenseServers", "SpecifiedLicenseServers", REG_MULTI_SZ,
                   "ls1\0ls2\0\0".encode("utf-16-le"))  # fmt: skip
    assert summary(host.findings(AS_OF)) == {RDP_ON}


# -- rds.grace.expired / rds.grace.expiring (§5.3): boundaries ---------------------------


def _configured(written: datetime, *, x509: bool = True) -> HostBuilder:
    host = HostBuilder().session_host(installed=written - DAY)
    host.policy_mode(4).policy_servers("ls1.contoso.com").timebomb(written)
    return host.x509() if x509 else host


def test_exactly_15_days_left_is_expiring():
    # Written 2025-10-02T12:00Z (AS_OF - 105 d) → expires 2026-01-30T12:00Z, 15.0 days ahead.
    findings = by_id(_configured(AS_OF - 105 * DAY).findings(AS_OF))
    assert summary(list(findings.values())) == {("rds.grace.expiring", "low", "medium"), RDP_ON}
    (expiry,) = indicators(findings["rds.grace.expiring"], "grace_expiry")
    assert expiry["expires"] == "2026-01-30T12:00:00Z"
    assert expiry["days_left"] == 15
    assert expiry["expires_source"] == "estimated"
    assert expiry["key_last_write"] == "2025-10-02T12:00:00Z"
    assert "15 day(s) after 2026-01-15T12:00:00Z" in findings["rds.grace.expiring"].detail
    assert "estimated" in findings["rds.grace.expiring"].detail


def test_one_second_more_than_15_days_is_not_expiring():
    # 15 d + 1 s → ceil(15.00001) = 16 days left.
    host = _configured(AS_OF - 105 * DAY + timedelta(seconds=1))
    assert host.state(AS_OF).grace.days_left == 16
    assert summary(host.findings(AS_OF)) == {RDP_ON}


def test_zero_days_left_is_expired():
    # Written exactly 120 days before AS_OF → expires at AS_OF, 0 days left.
    findings = by_id(_configured(AS_OF - 120 * DAY).findings(AS_OF))
    assert summary(list(findings.values())) == {("rds.grace.expired", "medium", "medium"), RDP_ON}
    (expiry,) = indicators(findings["rds.grace.expired"], "grace_expiry")
    assert (expiry["expires"], expiry["days_left"]) == ("2026-01-15T12:00:00Z", 0)


def test_one_second_before_the_end_is_expiring_with_one_day():
    host = _configured(AS_OF - 120 * DAY + timedelta(seconds=1))
    finding = by_id(host.findings(AS_OF))["rds.grace.expiring"]
    assert indicators(finding, "grace_expiry")[0]["days_left"] == 1


def test_expired_yesterday():
    # Written 2025-09-16T12:00Z (AS_OF - 121 d) → expired 2026-01-14T12:00Z.
    finding = by_id(_configured(AS_OF - 121 * DAY).findings(AS_OF))["rds.grace.expired"]
    assert finding.severity == "medium"
    assert "ended on 2026-01-14T12:00:00Z" in finding.detail


def test_raw_filetime_of_the_key_drives_the_expiry():
    # 2025-10-02 is day 20363 after 1970-01-01 (55 years with 14 leap days = 20089 days to
    # 2025-01-01, + 274), and 1970-01-01 is day 134774 after 1601-01-01: 155137 days.
    # 155137 * 864_000_000_000 + 12 h (432_000_000_000) = 134_038_800_000_000_000.
    host = _configured(AS_OF - 105 * DAY)
    assert host.sys_key(GRACE).last_written_raw == 134_038_800_000_000_000
    record = fact_records(by_id(host.findings(AS_OF))["rds.grace.expiring"], "grace.timebomb")[0]
    assert record["key_last_write_raw"] == 134_038_800_000_000_000
    assert record["key_last_write"] == "2025-10-02T12:00:00Z"


def test_expiry_severity_follows_configuration():
    # Configured without X509 Certificate: expired high, expiring medium.
    assert summary(_configured(AS_OF - 121 * DAY, x509=False).findings(AS_OF)) == {
        ("rds.grace.expired", "high", "medium"),
        ("rds.cert.never_licensed", "high", "low"),
        RDP_ON,
    }
    assert summary(_configured(AS_OF - 110 * DAY, x509=False).findings(AS_OF)) == {
        ("rds.grace.expiring", "medium", "medium"),
        RDP_ON,
    }
    # Not configured (no servers): expiring high.
    host = HostBuilder().session_host(installed=AS_OF - 111 * DAY)
    host.policy_mode(4).timebomb(AS_OF - 110 * DAY).x509()
    assert ("rds.grace.expiring", "high", "medium") in summary(host.findings(AS_OF))


def test_beta_timebomb_name_lowers_confidence_once_more():
    host = HostBuilder().session_host(installed=AS_OF - 122 * DAY)
    host.policy_mode(4).policy_servers("ls1.contoso.com").x509()
    host.timebomb(AS_OF - 121 * DAY, name=TIMEBOMB_BETA)
    finding = by_id(host.findings(AS_OF))["rds.grace.expired"]
    assert finding.confidence == "low"
    assert "grace.timebomb_beta" in finding.detail


def test_grace_period_ended_suppresses_expiry_findings():
    host = _configured(AS_OF - 121 * DAY).grace_ended()
    assert summary(host.findings(AS_OF)) == {RDP_ON}
    host = _configured(AS_OF - 110 * DAY).grace_ended()
    assert summary(host.findings(AS_OF)) == {RDP_ON}


def test_reg_input_has_no_expiry_and_says_why():
    host = HostBuilder(fmt=EvidenceFormat.REG).session_host(installed=AS_OF - 400 * DAY)
    host.policy_mode(4).policy_servers("ls1.contoso.com").timebomb(AS_OF - 300 * DAY).x509()
    state = host.state(AS_OF)
    assert state.grace.present and state.grace.expires is None
    assert summary(host.findings(AS_OF)) == {("rds.reg_only_limits", "info", "high"), RDP_ON}


# -- rds.cert.never_licensed (§6A) ---------------------------------------------------------


def test_no_x509_and_no_timebomb_is_medium_never_licensed():
    host = HostBuilder().session_host(installed=AS_OF - 10 * DAY)
    host.policy_mode(4).policy_servers("ls1.contoso.com")
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {
        ("rds.cert.never_licensed", "medium", "low"),  # role + single-source rule
        ("rds.grace.reset_suspected", "medium", "low"),
        RDP_ON,
    }
    finding = findings["rds.cert.never_licensed"]
    assert "JAGILBER" in finding.detail
    assert "no grace-period timebomb exists" in finding.detail


def test_x509_present_is_not_never_licensed():
    host = HostBuilder().session_host(installed=AS_OF - 10 * DAY)
    host.policy_mode(4).policy_servers("ls1.contoso.com").x509()
    assert "rds.cert.never_licensed" not in by_id(host.findings(AS_OF))


def test_running_grace_without_x509_is_not_never_licensed():
    host = running_grace(HostBuilder()).policy_mode(4).policy_servers("ls1.contoso.com")
    assert summary(host.findings(AS_OF)) == {RDP_ON}


def test_grace_ended_value_location_is_termservice_parameters():
    finding_host = _configured(AS_OF - 121 * DAY).grace_ended()
    fact = finding_host.state(AS_OF).grace.ended_fact
    assert fact is not None
    assert fact.full_key_path.endswith(r"ControlSet001\Services\TermService\Parameters")


# -- .reg inputs: absences are weaker (§8.2) ------------------------------------------------


def test_full_reg_export_covers_absences_like_a_hive():
    host = HostBuilder(fmt=EvidenceFormat.REG).session_host(installed=AS_OF - 10 * DAY)
    host.local_mode(5)
    findings = by_id(host.findings(AS_OF))
    # Whole-hive exports (the builder's default) cover every absence; only the role
    # (InstallState 1, UNCERTAIN) lowers the confidence, as for hives.
    assert summary(list(findings.values())) == {
        ("rds.mode.not_configured", "high", "medium"),
        ("rds.servers.none", "high", "medium"),  # no timebomb, no LicensingGracePeriodEnded
        ("rds.cert.never_licensed", "medium", "low"),  # role + JAGILBER
        ("rds.grace.reset_suspected", "medium", "low"),  # role + UNCERTAIN indicator
        ("rds.reg_only_limits", "info", "high"),
        RDP_ON,
    }
    # Records from a .reg file have no last-write time and no cell offset.
    record = fact_records(findings["rds.mode.not_configured"], "mode.local")[0]
    assert (record["format"], record["key_last_write"], record["cell_offset"]) == (
        "reg",
        None,
        None,
    )
