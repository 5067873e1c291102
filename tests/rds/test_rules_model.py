"""The finding model and the catalogue as a whole: provenance, remediation, order, ids."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from hiveparse.model import EvidenceFormat
from hiveparse.rds import remediation, rules
from hiveparse.rds.findings import Basis, Confidence, Finding, FindingSeverity, confidence_for
from hiveparse.rds.locations import BY_FACT
from hiveparse.rds.rulebook import FINDING_IDS, RULES, RuleSpec, evaluate
from tests.rds.conftest import (
    LICENSING_CORE,
    RDP_TCP,
    REG_DWORD,
    REG_SZ,
    TS,
    HostBuilder,
    dword,
    sz,
)
from tests.rds.test_rules_client import FROM, TEMPORARY, add_license, cal
from tests.rds.test_rules_rdp import persistent_host

AS_OF = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
FACT_FIELDS = (
    "source", "sha256", "format", "hive", "key_path", "value_name", "type", "raw",
    "control_set", "current_control_set", "key_last_write", "status", "reference",
)  # fmt: skip
SAFE_ROUTES = (
    "Group Policy", "RD Licensing", "Set-RDLicenseConfiguration", "WMI", "System Properties",
    "Microsoft's 'Change the listening port",
    "Preserve the evidence first",  # persistence: before anything changes, keep what it is
)  # fmt: skip
HEX = re.compile(r"^(?:[0-9a-f]{2})*$")


def troubled_host() -> HostBuilder:
    """One host with most problems at once (see the expected ids below)."""
    host = HostBuilder().session_host(installed=AS_OF - 400 * DAY)
    host.sys_key(LICENSING_CORE, written=AS_OF - 300 * DAY)
    host.policy_mode(2).local_mode(4).policy_servers(" ls1.contoso.com,ls1.contoso.com")
    host.timebomb(AS_OF - 121 * DAY).tooltip_hidden()
    host.sys_value(RDP_TCP, "PortNumber", REG_DWORD, dword(3390))
    host.sys_value(RDP_TCP, "UserAuthentication", REG_DWORD, dword(0))
    host.local_mode(5, control_set="ControlSet002")
    host.sys_key(r"{ccs}\Services\TermServLicensing")
    add_license(host, "LICENSE000", cal(TEMPORARY, FROM, datetime(2026, 3, 1, tzinfo=UTC)))
    return host


def unconfigured_host() -> HostBuilder:
    return HostBuilder().session_host(installed=AS_OF - 10 * DAY).local_mode(5).x509()


def invalid_expiring_host() -> HostBuilder:
    host = HostBuilder().session_host(installed=AS_OF - 111 * DAY)
    host.local_mode(7).policy_servers("ls1.contoso.com").x509()
    return host.timebomb(AS_OF - 110 * DAY)


def legacy_host() -> HostBuilder:
    host = HostBuilder()
    host.sys_key(r"{ccs}\Control\Terminal Server\Licensing Core")
    host.sys_value(TS, "TSAppCompat", REG_DWORD, dword(1))
    host.sw_value(r"Microsoft\Windows NT\CurrentVersion", "ProductName", REG_SZ,
                  sz("Microsoft Windows Server 2003"))  # fmt: skip
    return host


def reg_host() -> HostBuilder:
    host = HostBuilder(fmt=EvidenceFormat.REG).session_host(installed=AS_OF - 10 * DAY)
    return host.policy_mode(4).policy_servers("ls1").x509().timebomb(AS_OF - 9 * DAY)


HOSTS = (
    troubled_host, unconfigured_host, invalid_expiring_host, legacy_host, reg_host,
    persistent_host,
)  # fmt: skip


@pytest.fixture(scope="module")
def all_findings() -> list[Finding]:
    return [finding for make in HOSTS for finding in make().findings(AS_OF)]


def test_troubled_host_raises_the_expected_set():
    assert {
        (f.id, str(f.severity), str(f.confidence)) for f in troubled_host().findings(AS_OF)
    } == {
        ("rds.grace.expired", "high", "medium"),  # configured, no X509 Certificate
        ("rds.cert.never_licensed", "high", "low"),
        ("rds.grace.reset_suspected", "medium", "medium"),  # written 179 d after Licensing Core
        ("rds.policy.tooltip_hidden", "medium", "medium"),
        ("rds.controlset.differs", "medium", "medium"),  # ControlSet002 lacks the timebomb
        ("rds.mode.policy_overrides_local", "low", "high"),
        ("rds.servers.anomaly", "low", "high"),
        ("rds.client.temporary_license", "low", "high"),
        ("rdp.nla.disabled", "medium", "high"),  # SOFTWARE shows no NLA policy
        ("rdp.port.nondefault", "low", "high"),
        ("rdp.enabled", "info", "high"),
        ("rds.license_server.present", "info", "medium"),
    }


SCRIPT_IDS = {"rds.grace.reset_script", "rds.client.store_reset", "rds.reg.change_script"}


def test_every_catalogue_id_is_exercised(all_findings: list[Finding]):
    # The .reg change-script ids need a parsed script: test_rules_script.py exercises them;
    # the carved-settings id needs a hive with deleted cells: test_rules_recovered.py; a
    # conflict needs two sources of one hive: tests/rds/test_conflicts.py.
    assert {finding.id for finding in all_findings} == set(FINDING_IDS) - SCRIPT_IDS - {
        "rds.recovered.deleted_settings",
        "evidence.conflict",
    }


def test_every_evidence_record_carries_provenance(all_findings: list[Finding]):
    for finding in all_findings:
        assert finding.evidence, finding.id
        assert any("source" in record for record in finding.evidence), finding.id
        for record in finding.evidence:
            if "indicator" in record:
                assert {"indicator", "description", "status", "reference"} <= set(record)
                assert record["status"] in ("CONFIRMED", "UNCERTAIN")
                assert record["reference"].startswith("§")
                continue
            missing = [name for name in FACT_FIELDS if name not in record]
            assert not missing, (finding.id, record.get("fact"), missing)
            assert record["source"].startswith("/evidence/")
            assert record["sha256"] == "0" * 64
            # a machine's hives, or a user's (outbound RDP history)
            user_hive = record["hive"] == "NTUSER"
            root = "HKEY_CURRENT_USER\\" if user_hive else "HKEY_LOCAL_MACHINE\\"
            assert record["key_path"].startswith(root)
            if record["value_name"] is not None:
                assert HEX.match(record["raw"]), (finding.id, record["raw"])
            else:
                assert record["raw"] is None
            if record["hive"] == "SYSTEM":
                assert re.match(r"^ControlSet\d{3}$", record["control_set"])
            else:
                assert record["control_set"] is None


def test_findings_serialise_to_json(all_findings: list[Finding]):
    for finding in all_findings:
        document = json.loads(json.dumps(finding.to_dict()))
        assert set(document) == {
            "id", "severity", "title", "detail", "evidence", "remediation", "confidence",
        }  # fmt: skip
        assert document["severity"] in [str(s) for s in FindingSeverity]
        assert document["confidence"] in [str(c) for c in Confidence]


def test_findings_come_sorted_by_severity_then_id():
    findings = troubled_host().findings(AS_OF)
    keys = [(finding.severity.rank, finding.id) for finding in findings]
    assert keys == sorted(keys)
    assert findings[0].severity == FindingSeverity.HIGH
    assert findings[-1].severity == FindingSeverity.INFO


def test_lowered_confidence_names_every_uncertain_premise(all_findings: list[Finding]):
    for finding in all_findings:
        if finding.confidence == Confidence.HIGH:
            assert "Confidence lowered because" not in finding.detail
        else:
            assert "Confidence lowered because" in finding.detail, finding.id


# -- remediation (DESIGN.md: safe route first, registry last with a backup) ---------------


REGISTRY_EDIT = re.compile(r"\breg (add|delete)\b")


def _remediation_texts() -> dict[str, str]:
    return {
        name: value
        for name, value in vars(remediation).items()
        if name.isupper() and isinstance(value, str)
    }


def test_registry_edits_always_follow_a_backup_export():
    texts = _remediation_texts()
    assert len(texts) >= 18
    for name, text in texts.items():
        edit = REGISTRY_EDIT.search(text)
        if edit is None:
            continue
        backup = text.find("export a backup first: reg export")
        assert 0 <= backup < edit.start(), name
        assert text.find("Last resort") < backup, name


def test_safe_tools_come_before_the_registry(all_findings: list[Finding]):
    for finding in all_findings:
        edit = REGISTRY_EDIT.search(finding.remediation)
        if edit is None:
            continue
        head = finding.remediation[: edit.start()]
        assert any(route in head for route in SAFE_ROUTES), finding.id


def test_licensing_remediations_name_the_tools():
    text = remediation.MODE_NOT_CONFIGURED
    for expected in (
        r"Remote Desktop Session Host\Licensing",
        "Set-RDLicenseConfiguration -LicenseServer",
        "-Mode PerUser -ConnectionBroker",
        "Win32_TerminalServiceSetting",
        "ChangeMode",
        "RD Licensing Diagnoser",
    ):
        assert expected in text
    assert "SetSpecifiedLicenseServerList" in remediation.SERVERS_NONE


# -- model helpers ---------------------------------------------------------------------------


def test_confidence_drops_one_level_per_uncertainty_and_stops_at_low():
    assert [confidence_for(n) for n in range(4)] == [
        Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW, Confidence.LOW,
    ]  # fmt: skip


def test_the_same_uncertain_premise_counts_once():
    basis = Basis().rule("x").rule("x").rule("y")
    assert basis.uncertain == ["x", "y"]
    assert basis.confidence == Confidence.LOW


def test_severity_rank_orders_critical_first():
    assert [s.rank for s in FindingSeverity] == [0, 1, 2, 3, 4]
    assert FindingSeverity.CRITICAL.rank < FindingSeverity.INFO.rank


def test_rules_are_an_explicit_tuple_of_declarations():
    assert isinstance(RULES, tuple)
    modules = {
        rules.__name__,
        "hiveparse.rds.script_rules",
        "hiveparse.rds.recovered_rules",
        "hiveparse.rds.rdp_rules",
        "hiveparse.rds.conflicts",
    }
    assert all(isinstance(spec, RuleSpec) for spec in RULES)
    assert all(callable(spec.run) and spec.run.__module__ in modules for spec in RULES)
    assert len({spec.run for spec in RULES}) == len(RULES)
    assert len(set(FINDING_IDS)) == len(FINDING_IDS)  # each id has one rule
    for spec in RULES:
        assert set(spec.absences) <= set(spec.reads), spec.name
        assert set(spec.reads) <= set(BY_FACT), spec.name


def test_evaluate_runs_only_the_given_rules():
    state = troubled_host().state(AS_OF)
    (rdp_enabled,) = [spec for spec in RULES if spec.run is rules.rule_rdp_enabled]
    only = evaluate(state, rules=(rdp_enabled,))
    assert [finding.id for finding in only] == ["rdp.enabled"]


def test_empty_evidence_gives_no_finding():
    host = HostBuilder(system=False, software=False)
    assert host.findings(AS_OF) == []


def test_a_fact_shown_as_context_first_still_counts_when_rested_on():
    host = HostBuilder()
    host.sw_value(r"Policies\Microsoft\Windows NT\Terminal Services", "fDenyTSConnections",
                  REG_DWORD, dword(0))  # fmt: skip
    fact = host.state(AS_OF).facts.get("rdp.deny.policy")
    assert fact is not None and str(fact.location.status) == "UNCERTAIN"
    basis = Basis().context(fact)
    assert basis.confidence == Confidence.HIGH
    basis.fact(fact)
    assert basis.confidence == Confidence.MEDIUM
    assert len(basis.evidence()) == 1
