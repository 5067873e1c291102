"""RDP exposure (§8), ControlSet differences (§8.1), input limits (§8.2), era and roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hiveparse.model import EvidenceFormat
from hiveparse.rds.locations import TIMEBOMB_RTM
from tests.rds.conftest import (
    CERT_BLOB,
    DPAPI_BLOB,
    GRACE,
    RCM,
    RDP_TCP,
    REG_BINARY,
    REG_DWORD,
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


def licensed(host: HostBuilder | None = None) -> HostBuilder:
    host = host or HostBuilder()
    host.session_host(installed=AS_OF - 60 * DAY)
    host.policy_mode(4).policy_servers("ls1.contoso.com").local_mode(4).x509()
    return host.timebomb(AS_OF - 59 * DAY)


# -- rdp.* (§8) ---------------------------------------------------------------------------


def test_nla_off_with_rdp_on_is_medium():
    host = licensed()
    host.sys_value(RDP_TCP, "UserAuthentication", REG_DWORD, dword(0))
    findings = by_id(host.findings(AS_OF))
    # SOFTWARE shows no policy UserAuthentication, so the listener's 0 decides (§8).
    assert summary(list(findings.values())) == {("rdp.nla.disabled", "medium", "high"), RDP_ON}
    finding = findings["rdp.nla.disabled"]
    (nla,) = fact_records(finding, "rdp.nla")
    assert (nla["value_name"], nla["raw"]) == ("UserAuthentication", "00000000")
    assert nla["key_path"].endswith(r"ControlSet001\Control\Terminal Server\WinStations\RDP-Tcp")
    assert fact_records(finding, "rdp.deny.local")[0]["raw"] == "00000000"


def test_nla_off_and_rdp_security_layer_is_high():
    host = licensed()
    host.sys_value(RDP_TCP, "UserAuthentication", REG_DWORD, dword(0))
    host.sys_value(RDP_TCP, "SecurityLayer", REG_DWORD, dword(0))
    finding = by_id(host.findings(AS_OF))["rdp.nla.disabled"]
    assert (finding.severity, finding.confidence) == ("high", "high")
    assert "no TLS" in finding.detail


def test_nla_off_with_rdp_denied_is_not_reported():
    host = licensed()
    host.sys_value(RDP_TCP, "UserAuthentication", REG_DWORD, dword(0))
    host.sys_value(TS, "fDenyTSConnections", REG_DWORD, dword(1))
    assert summary(host.findings(AS_OF)) == set()


def test_nondefault_port_is_low():
    host = licensed()
    host.sys_value(RDP_TCP, "PortNumber", REG_DWORD, dword(3390))
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {("rdp.port.nondefault", "low", "high"), RDP_ON}
    finding = findings["rdp.port.nondefault"]
    assert "3390 (0x00000d3e)" in finding.detail
    assert fact_records(finding, "rdp.port")[0]["raw"] == "3e0d0000"


def test_rdp_enabled_by_policy_over_a_local_deny():
    host = licensed()
    host.sys_value(TS, "fDenyTSConnections", REG_DWORD, dword(1))
    host.sw_value(TS_POLICY, "fDenyTSConnections", REG_DWORD, dword(0))
    finding = by_id(host.findings(AS_OF))["rdp.enabled"]
    # The policy location of fDenyTSConnections is UNCERTAIN (§8): one step down.
    assert (finding.severity, finding.confidence) == ("info", "medium")
    assert "in the policy layer" in finding.detail
    assert fact_records(finding, "rdp.deny.policy")[0]["raw"] == "00000000"


def test_rdp_enabled_lists_the_exposure_facts():
    finding = by_id(licensed().findings(AS_OF))["rdp.enabled"]
    assert [r["fact"] for r in finding.evidence] == [
        "rdp.deny.local",
        "rdp.port",
        "rdp.nla",
        "rdp.security_layer",
    ]
    assert "port 3389, NLA required, security layer tls" in finding.detail


# -- rds.controlset.differs (§8.1) ----------------------------------------------------------


def mirror(host: HostBuilder, other: str = "ControlSet002") -> HostBuilder:
    """Copy the licensed host's RCM state into another ControlSet (same bytes)."""
    for name in ("Certificate", "X509 Certificate"):
        host.sys_value(RCM, name, REG_BINARY, CERT_BLOB, control_set=other)
    host.local_mode(4, control_set=other)
    host.sys_key(GRACE, control_set=other).set_value(TIMEBOMB_RTM, REG_BINARY, DPAPI_BLOB)
    return host


def test_older_control_set_with_another_mode_is_low():
    host = mirror(licensed()).local_mode(2, control_set="ControlSet002")
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {
        ("rds.controlset.differs", "low", "high"),
        RDP_ON,
    }
    finding = findings["rds.controlset.differs"]
    (mode_diff,) = indicators(finding)
    assert mode_diff["about_fact"] == "mode.local"
    assert mode_diff["source"] == "/evidence/SYSTEM"
    assert mode_diff["control_set"] == "ControlSet001"
    assert mode_diff["other_control_set"] == "ControlSet002"
    assert mode_diff["current"] == "REG_DWORD 04000000"
    assert mode_diff["other"] == "REG_DWORD 02000000"
    records = fact_records(finding, "mode.local")
    assert [(r["control_set"], r["current_control_set"], r["raw"]) for r in records] == [
        ("ControlSet001", True, "04000000"),
        ("ControlSet002", False, "02000000"),
    ]


def test_control_set_without_the_rcm_state_lists_each_absent_fact():
    host = licensed()
    host.local_mode(4, control_set="ControlSet002")
    finding = by_id(host.findings(AS_OF))["rds.controlset.differs"]
    # The grace key and timebomb are among the differences: medium, §8.1 UNCERTAIN.
    assert (finding.severity, finding.confidence) == ("medium", "medium")
    assert {(i["about_fact"], i["other"]) for i in indicators(finding)} == {
        ("cert.certificate", None),
        ("cert.x509", None),
        ("grace.key", None),
        ("grace.timebomb", None),
    }


def test_older_control_set_keeping_another_timebomb_is_medium():
    host = mirror(licensed())
    host.sys_key(GRACE, control_set="ControlSet002").set_value(
        TIMEBOMB_RTM, REG_BINARY, b"\x01" * 80
    )
    finding = by_id(host.findings(AS_OF))["rds.controlset.differs"]
    assert (finding.severity, finding.confidence) == ("medium", "medium")
    (diff,) = indicators(finding)
    assert diff["about_fact"] == "grace.timebomb"
    assert diff["value_name"] == TIMEBOMB_RTM
    assert diff["other"] == "REG_BINARY " + "01" * 80
    assert "UNCERTAIN (§8.1)" in finding.detail


def test_identical_control_sets_are_not_reported():
    host = HostBuilder()
    host.local_mode(1)
    host.local_mode(1, control_set="ControlSet002")
    assert host.findings(AS_OF) == []


# -- rds.reg_only_limits (§8.2) -------------------------------------------------------------


def test_reg_only_input_is_info_and_names_each_file():
    host = licensed(HostBuilder(fmt=EvidenceFormat.REG))
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {("rds.reg_only_limits", "info", "high"), RDP_ON}
    finding = findings["rds.reg_only_limits"]
    assert [(i["source"], i["format"]) for i in indicators(finding)] == [
        ("/evidence/SYSTEM.reg", "reg"),
        ("/evidence/SOFTWARE.reg", "reg"),
    ]
    assert "owner / DACL" in finding.detail


def test_hive_input_has_no_reg_only_finding():
    assert "rds.reg_only_limits" not in by_id(licensed().findings(AS_OF))


# -- rds.mode.legacy (§3.2) -------------------------------------------------------------------


def server_2003(product: str | None) -> HostBuilder:
    host = HostBuilder()
    host.sys_key(r"{ccs}\Control\Terminal Server\Licensing Core")
    host.sys_value(TS, "TSAppCompat", REG_DWORD, dword(1))
    host.sys_value(TS, "fDenyTSConnections", REG_DWORD, dword(1))
    if product is not None:
        host.sw_value(r"Microsoft\Windows NT\CurrentVersion", "ProductName", REG_SZ, sz(product))
    return host


def test_server_2003_shape_is_legacy_and_skips_2008_findings():
    findings = by_id(server_2003("Microsoft Windows Server 2003").findings(AS_OF))
    # Session host by TSAppCompat, no mode, no servers, no timebomb, no certificate: none of
    # the 2008+ findings apply.
    assert summary(list(findings.values())) == {("rds.mode.legacy", "info", "medium")}
    finding = findings["rds.mode.legacy"]
    assert "is of that era (ProductName 'Microsoft Windows Server 2003')" in finding.detail
    assert {r["fact"] for r in finding.evidence} == {"mode.legacy_core", "host.product_name"}


def test_legacy_shape_without_product_name_is_low():
    finding = by_id(server_2003(None).findings(AS_OF))["rds.mode.legacy"]
    assert finding.confidence == "low"


def test_concurrent_sessions_hack_is_named():
    host = server_2003("Microsoft Windows XP")
    host.sys_value(r"{ccs}\Control\Terminal Server\Licensing Core", "EnableConcurrentSessions",
                   REG_DWORD, dword(1))  # fmt: skip
    finding = by_id(host.findings(AS_OF))["rds.mode.legacy"]
    assert "EnableConcurrentSessions = 1" in finding.detail
    assert fact_records(finding, "mode.legacy_concurrent")[0]["raw"] == "01000000"


def test_modern_host_with_a_licensing_core_key_is_not_legacy():
    host = licensed()
    host.sys_key(r"{ccs}\Control\Terminal Server\Licensing Core")
    assert "rds.mode.legacy" not in by_id(host.findings(AS_OF))


# -- rds.license_server.present (§6.1) --------------------------------------------------------


def test_license_server_service_is_info_medium():
    host = licensed()
    host.sys_value(r"{ccs}\Services\TermServLicensing\Parameters", "DBPath", REG_SZ,
                   sz(r"%SystemRoot%\System32\LServer"))  # fmt: skip
    findings = by_id(host.findings(AS_OF))
    assert summary(list(findings.values())) == {
        ("rds.license_server.present", "info", "medium"),
        RDP_ON,
    }
    finding = findings["rds.license_server.present"]
    assert {r["fact"] for r in finding.evidence} == {
        "role.license_server_service",
        "license_server.db_path",
    }
    assert r"%SystemRoot%\System32\LServer" in finding.detail
