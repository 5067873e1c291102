"""Role and era gates: session-host findings only where the host is (or may be) one.

Expected outcomes are worked out by hand from the catalogue's severity table (rules.py):
rds.grace.expired is critical / high / medium when licensing is unconfigured / unknown or
configured without X509 Certificate / configured with one; an unsettled premise lowers the
severity and the confidence one step each.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hiveparse.rds.analyze import analyze
from hiveparse.rds.grace_decrypt import GraceDecryption
from hiveparse.rds.rulebook import judge_host
from tests.rds.conftest import REG_DWORD, REG_SZ, TS, HostBuilder, dword, sz

AS_OF = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SESSION_HOST_FINDINGS = {
    "rds.mode.not_configured",
    "rds.servers.none",
    "rds.grace.expired",
    "rds.grace.expiring",
    "rds.grace.reset_suspected",
    "rds.cert.never_licensed",
}


def _workstation() -> HostBuilder:
    host = HostBuilder()
    host.sys_value(r"{ccs}\Control\ProductOptions", "ProductType", REG_SZ, sz("WinNT"))
    host.sw_value(r"Microsoft\Windows NT\CurrentVersion", "ProductName", REG_SZ,
                  sz("Windows 10 Pro"))  # fmt: skip
    return host


def test_a_workstation_with_an_expired_timebomb_gets_no_session_host_finding() -> None:
    # A Windows 10 Pro machine that once accepted remote connections: mode 5 written by the
    # OS and a timebomb that ran out 80 days ago (written 200 days before as-of).
    host = _workstation().local_mode(5).timebomb(AS_OF - 200 * DAY)
    state = host.state(AS_OF)
    assert (state.role.session_host, str(state.role.status)) == (False, "CONFIRMED")
    assert state.role.reason == "a workstation (ProductType WinNT, Windows 10 Pro)"
    judgement = judge_host(state)
    assert not {f.id for f in judgement.findings} & SESSION_HOST_FINDINGS
    inapplicable = {f for item in judgement.not_applicable for f in item.findings}
    assert inapplicable >= SESSION_HOST_FINDINGS
    # The timebomb stays in the report as a fact: estimated 2025-08-18 + 120 days.
    assert state.grace.present
    assert state.grace.expires == AS_OF - 200 * DAY + 120 * DAY
    assert state.grace.days_past == 80


def test_a_2003_terminal_server_in_application_mode_gets_its_expired_grace_period() -> None:
    host = HostBuilder()
    host.sys_value(r"{ccs}\Control\ProductOptions", "ProductType", REG_SZ, sz("ServerNT"))
    host.sys_value(TS, "TSAppCompat", REG_DWORD, dword(1))
    host.sys_key(r"{ccs}\Control\Terminal Server\Licensing Core")
    host.sw_value(r"Microsoft\Windows NT\CurrentVersion", "CurrentBuildNumber", REG_SZ, sz("3790"))
    state = host.state(AS_OF)
    assert (state.role.session_host, str(state.role.status)) == (True, "CONFIRMED")
    expired = datetime(2012, 5, 1, tzinfo=UTC)
    state.grace.apply_decryption(GraceDecryption("lsa_secret", expires=expired), AS_OF)
    findings = {f.id: f for f in judge_host(state).findings}
    # Unconfigured (no mode can be read on 2003) and decrypted: critical, high confidence.
    assert (findings["rds.grace.expired"].severity, findings["rds.grace.expired"].confidence) == (
        "critical",
        "high",
    )
    assert "rds.mode.not_configured" not in findings  # a 2008+ finding (era NT5)


def test_an_unknown_role_lowers_severity_and_confidence_and_says_why() -> None:
    # A SYSTEM hive alone, without ProductType or any role trace: whether it is a session
    # host cannot be told. Its timebomb ran out 5 days ago (written 125 days before).
    host = HostBuilder(software=False).timebomb(AS_OF - 125 * DAY)
    state = host.state(AS_OF)
    assert state.role.session_host is None
    finding = {f.id: f for f in judge_host(state).findings}["rds.grace.expired"]
    # Mode and servers unknown (no SOFTWARE) -> high; role unknown -> medium. Confidence:
    # estimated expiry -> medium; role unknown -> low.
    assert (finding.severity, finding.confidence) == ("medium", "low")
    assert "Whether this host is an RD Session Host could not be established" in finding.detail


@pytest.mark.corpus
def test_xp_workstation_keeps_its_timebomb_as_a_fact(corpus: Path) -> None:
    analysis = analyze([corpus / "hives" / "bitcurator-dfa"], as_of=AS_OF)
    (host,) = analysis.hosts
    ids = {f.id for f in host.findings}
    assert not ids & SESSION_HOST_FINDINGS
    assert ids == {"rds.mode.legacy"}
    grace = host.state.grace
    # Known answer (corpus dpapi/bitcurator_xp): L$RTMTIMEBOMB = 2010-03-09T00:39:35Z.
    assert grace.expires == datetime(2010, 3, 9, 0, 39, 35, tzinfo=UTC)
    assert grace.expires_source == "lsa_secret"
    assert grace.days_past == (AS_OF - grace.expires).days == 5841
    reasons = {item.reason for item in host.judgement.not_applicable}
    assert reasons == {"not an RD Session Host: a workstation (ProductType WinNT)"}
