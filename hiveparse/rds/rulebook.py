"""The finding catalogue as declarations, and the evaluation that holds rules to them.

Every rule is a :class:`RuleSpec`: the function, the finding ids it may raise, the facts it
reads, the absences it may rest on, and the premises it needs. :data:`RULES` lists them
explicitly (nothing registers itself by being imported). :func:`judge_host` runs them over
one host's :class:`~hiveparse.rds.state.LicensingState`:

* **premises** are checked first. ``SESSION_HOST``: the licensing of an RD Session Host
  applies only to one (a server with the role, or a 2000 / 2003 terminal server in
  application mode; never a workstation). ``NT6`` / ``NT5``: the rule is about one
  generation of Terminal Services licensing. A premise the host does not meet makes the rule
  *not applicable* (reported, no finding); a premise the evidence cannot settle lets the rule
  run, and each finding it raises is lowered one severity step and one confidence step, and
  says why;
* **absences** are answered by the host's coverage: a rule asks ``state.absent(fact)`` and
  gets True only where the evidence covers the place; otherwise the question is recorded as
  *not judged*, with the input that would settle it (:mod:`hiveparse.rds.judge`). Asking
  about an absence the declaration does not list is a bug (``RuleDeclarationError``);
* **reads** are the facts a rule's findings rest on or show; the tests hold every finding's
  evidence to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from hiveparse.model import HiveType
from hiveparse.rds.conflicts import evidence_conflicts, rule_evidence_conflict
from hiveparse.rds.findings import Confidence, Finding, FindingSeverity
from hiveparse.rds.identity import Era
from hiveparse.rds.judge import Asking, NotJudged
from hiveparse.rds.locations import BY_FACT
from hiveparse.rds.rdp_rules import (
    rule_rdp_appsetup,
    rule_rdp_client_history,
    rule_rdp_initial_program,
    rule_rdp_install_run,
    rule_rdp_portproxy,
    rule_rdp_shadow_without_consent,
    rule_rdp_startup_programs,
    rule_rdp_unsolicited_assistance,
)
from hiveparse.rds.recovered_rules import rule_recovered_settings
from hiveparse.rds.rules import (
    COMPARED_FACTS,
    rule_cert_never_licensed,
    rule_client_temporary_license,
    rule_controlset_differs,
    rule_grace_expiry,
    rule_grace_reset_suspected,
    rule_license_server_present,
    rule_mode_invalid,
    rule_mode_legacy,
    rule_mode_not_configured,
    rule_mode_policy_overrides_local,
    rule_policy_tooltip_hidden,
    rule_rdp_enabled,
    rule_rdp_nla_disabled,
    rule_rdp_port_nondefault,
    rule_reg_only_limits,
    rule_servers_anomaly,
    rule_servers_none,
)
from hiveparse.rds.script_rules import (
    rule_change_script,
    rule_client_store_reset,
    rule_grace_reset_script,
)
from hiveparse.rds.state import LicensingState

Rule = Callable[[LicensingState], Iterable[Finding]]


# The hives the licensing rules read: a host with none of them is not judged at all.
LICENSING_HIVES = (HiveType.SYSTEM, HiveType.SOFTWARE, HiveType.SECURITY)


class Premise(StrEnum):
    SESSION_HOST = "session_host"
    NT6 = "nt6"  # Windows Vista / Server 2008 and later (RCM)
    NT5 = "nt5"  # Windows 2000 / XP / Server 2003


# The facts the session-host premise is decided on (shown with the findings that need it).
ROLE_FACTS = (
    "host.product_type",
    "host.installation_type",
    "host.edition_id",
    "role.rdsh_install_state",
    "role.app_server",
    "mode.local",
)
GRACE_FACTS = ("grace.key", "grace.timebomb", "grace.timebomb_beta", "grace.ended")
X509_FACTS = ("cert.x509", "cert.legacy_x509")
MODE_FACTS = ("mode.policy", "mode.local")
SERVER_FACTS = ("servers.policy", "servers.local")
RESET_READS = (*GRACE_FACTS, "role.termservice", "mode.local", *X509_FACTS)
RESET_ABSENCES = GRACE_FACTS
RDP_DENY = ("rdp.deny.policy", "rdp.deny.local")
RDP_SETTINGS = ("rdp.nla", "rdp.nla.policy", "rdp.security_layer", "rdp.security_layer.policy")
RECOVERABLE_FACTS = (
    *MODE_FACTS,
    *SERVER_FACTS,
    "servers.legacy_key",
    *X509_FACTS,
    "cert.certificate",
    "cert.x509_id",
    "cert.x509_2",
    "policy.hide_tooltip",
    "policy.prevent_upgrade",
    "policy.secure_licensing",
)


@dataclass(frozen=True)
class RuleSpec:
    """One rule and what it rests on."""

    run: Rule
    emits: tuple[str, ...]
    reads: tuple[str, ...] = ()
    absences: tuple[str, ...] = ()
    premises: tuple[Premise, ...] = ()
    summary: str = ""
    # Whether "does not apply" is worth a line in the report (not for context findings
    # such as the era note, which by design applies to few hosts).
    report_not_applicable: bool = True

    @property
    def name(self) -> str:
        return self.run.__name__.removeprefix("rule_")

    @property
    def all_reads(self) -> frozenset[str]:
        """What the rule may show as evidence: its reads, and the role facts when the
        session-host premise is one of its premises."""
        role = ROLE_FACTS if Premise.SESSION_HOST in self.premises else ()
        return frozenset((*self.reads, *role))

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.name,
            "findings": list(self.emits),
            "reads": list(self.reads),
            "absences": list(self.absences),
            "premises": [str(premise) for premise in self.premises],
            "summary": self.summary,
        }


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        rule_mode_not_configured,
        ("rds.mode.not_configured",),
        reads=(*MODE_FACTS, *GRACE_FACTS),
        absences=MODE_FACTS,
        premises=(Premise.SESSION_HOST, Premise.NT6),
        summary="licensing mode 5 or absent in both layers on an RD Session Host",
    ),
    RuleSpec(
        rule_mode_invalid,
        ("rds.mode.invalid",),
        reads=MODE_FACTS,
        summary="a licensing mode outside 0, 1, 2, 4, 5, 6, or not a 4-byte REG_DWORD",
    ),
    RuleSpec(
        rule_mode_policy_overrides_local,
        ("rds.mode.policy_overrides_local",),
        reads=MODE_FACTS,
        summary="Group Policy and the local layer set different modes",
    ),
    RuleSpec(
        rule_mode_legacy,
        ("rds.mode.legacy",),
        reads=("mode.legacy_core", "mode.legacy_concurrent", "host.product_name"),
        premises=(Premise.NT5,),
        summary="Windows XP / Server 2003 era Terminal Services licensing",
        report_not_applicable=False,
    ),
    RuleSpec(
        rule_servers_none,
        ("rds.servers.none",),
        reads=(*SERVER_FACTS, "servers.legacy_key", "servers.win2000_default", *GRACE_FACTS),
        absences=(
            *SERVER_FACTS,
            "servers.legacy_key",
            "servers.win2000_default",
            "grace.timebomb",
            "grace.timebomb_beta",
            "grace.ended",
        ),
        premises=(Premise.SESSION_HOST, Premise.NT6),
        summary="no license server in any layer on an RD Session Host",
    ),
    RuleSpec(
        rule_servers_anomaly,
        ("rds.servers.anomaly",),
        reads=SERVER_FACTS,
        summary="blanks, duplicates, empty entries, mixed separators, wrong value type",
    ),
    RuleSpec(
        rule_grace_expiry,
        ("rds.grace.expired", "rds.grace.expiring"),
        reads=(*GRACE_FACTS, "grace.lsa_timebomb", *X509_FACTS, *MODE_FACTS, *SERVER_FACTS),
        absences=(
            "grace.ended",
            *X509_FACTS,
            "grace.timebomb",
            "grace.timebomb_beta",
            "grace.lsa_timebomb",
        ),
        premises=(Premise.SESSION_HOST,),
        summary="the grace period has ended, or ends within 15 days",
    ),
    RuleSpec(
        rule_grace_reset_suspected,
        ("rds.grace.reset_suspected",),
        reads=RESET_READS,
        absences=RESET_ABSENCES,
        premises=(Premise.SESSION_HOST, Premise.NT6),
        summary="indicators that the grace-period timebomb was reset",
    ),
    RuleSpec(
        rule_cert_never_licensed,
        ("rds.cert.never_licensed",),
        reads=(*X509_FACTS, "cert.certificate", *GRACE_FACTS),
        absences=(*X509_FACTS, "grace.ended", "grace.timebomb", "grace.timebomb_beta"),
        premises=(Premise.SESSION_HOST, Premise.NT6),
        summary="no X509 Certificate and the grace period over or never started",
    ),
    RuleSpec(
        rule_client_temporary_license,
        ("rds.client.temporary_license",),
        reads=("client.store", "client.store_wow64", "client.hwid", "client.hwid_wow64"),
        summary="a temporary CAL in the RDP client's license store",
    ),
    RuleSpec(
        rule_rdp_nla_disabled,
        ("rdp.nla.disabled",),
        reads=(*RDP_DENY, *RDP_SETTINGS),
        absences=("rdp.nla.policy", "rdp.deny.policy"),
        summary="RDP allowed without Network Level Authentication",
    ),
    RuleSpec(
        rule_rdp_port_nondefault,
        ("rdp.port.nondefault",),
        reads=("rdp.port", *RDP_DENY),
        summary="the RDP listener is not on port 3389",
    ),
    RuleSpec(
        rule_rdp_enabled,
        ("rdp.enabled",),
        reads=(*RDP_DENY, "rdp.port", *RDP_SETTINGS),
        absences=RDP_DENY,
        summary="remote connections are allowed",
    ),
    RuleSpec(
        rule_controlset_differs,
        ("rds.controlset.differs",),
        reads=COMPARED_FACTS,
        summary="a licensing fact differs between the current and another ControlSet",
    ),
    RuleSpec(
        rule_policy_tooltip_hidden,
        ("rds.policy.tooltip_hidden",),
        reads=("policy.hide_tooltip", *RESET_READS, *ROLE_FACTS),
        absences=RESET_ABSENCES,
        summary="licensing notifications hidden by policy (with reset indicators: medium)",
    ),
    RuleSpec(
        rule_reg_only_limits,
        ("rds.reg_only_limits",),
        summary="the inputs carry no owners, ACLs or key times",
    ),
    RuleSpec(
        rule_license_server_present,
        ("rds.license_server.present",),
        reads=(
            "role.license_server_service",
            "license_server.db_path",
            "role.licensing_install_state",
        ),
        summary="the RD Licensing service is installed",
    ),
    RuleSpec(
        rule_grace_reset_script,
        ("rds.grace.reset_script",),
        summary="a .reg file that deletes the timebomb",
    ),
    RuleSpec(
        rule_client_store_reset,
        ("rds.client.store_reset",),
        summary="a .reg file that deletes the client license store",
    ),
    RuleSpec(
        rule_change_script,
        ("rds.reg.change_script",),
        summary="the .reg input deletes keys or values",
    ),
    RuleSpec(
        rule_evidence_conflict,
        ("evidence.conflict",),
        reads=tuple(BY_FACT),
        summary="inputs of one host disagree on a fact (both values shown)",
    ),
    RuleSpec(
        rule_recovered_settings,
        ("rds.recovered.deleted_settings",),
        reads=RECOVERABLE_FACTS,
        summary="deleted licensing settings carved from free space",
    ),
    RuleSpec(
        rule_rdp_startup_programs,
        ("rdp.persistence.startup_programs",),
        reads=("persistence.startup_programs",),
        summary="Wds\\rdpwd StartupPrograms starts more than rdpclip in every session",
    ),
    RuleSpec(
        rule_rdp_initial_program,
        ("rdp.persistence.initial_program",),
        reads=("persistence.initial_program", "persistence.inherit_initial_program"),
        summary="the RDP-Tcp listener names an initial program",
    ),
    RuleSpec(
        rule_rdp_appsetup,
        ("rdp.persistence.appsetup",),
        reads=("persistence.appsetup",),
        summary="Winlogon AppSetup runs more than UsrLogon.cmd",
    ),
    RuleSpec(
        rule_rdp_install_run,
        ("rdp.persistence.install_run",),
        reads=(
            "persistence.install_run",
            "persistence.install_runonce",
            "persistence.install_runonceex",
        ),
        summary="values in the terminal server's install-mode Run keys",
    ),
    RuleSpec(
        rule_rdp_portproxy,
        ("rdp.portproxy",),
        reads=(
            "persistence.portproxy_v4tov4",
            "persistence.portproxy_v4tov6",
            "persistence.portproxy_v6tov4",
            "persistence.portproxy_v6tov6",
            "rdp.port",
        ),
        summary="netsh interface portproxy relays",
    ),
    RuleSpec(
        rule_rdp_shadow_without_consent,
        ("rdp.shadow.without_consent",),
        reads=("shadow.policy", "shadow"),
        summary="sessions can be shadowed without the user's consent (Shadow 2 or 4)",
    ),
    RuleSpec(
        rule_rdp_unsolicited_assistance,
        ("rdp.assistance.unsolicited",),
        reads=("assistance.unsolicited.policy", "assistance.unsolicited_control.policy"),
        summary="Remote Assistance may be offered unasked (policy)",
    ),
    RuleSpec(
        rule_rdp_client_history,
        ("rdp.client.history",),
        reads=("client.mru", "client.servers"),
        summary="outbound RDP recorded in the users' hives",
    ),
)

FINDING_IDS: tuple[str, ...] = tuple(finding for spec in RULES for finding in spec.emits)
"""Every id a rule can emit (stable: scripts key on them)."""


@dataclass(frozen=True)
class NotApplicable:
    """A rule whose premise the host does not meet."""

    rule: str
    findings: tuple[str, ...]
    premise: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "findings": list(self.findings),
            "premise": self.premise,
            "reason": self.reason,
        }


@dataclass
class Judgement:
    """What the rules concluded about one host, and what they could not."""

    findings: list[Finding] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)


@dataclass(frozen=True)
class _Gate:
    applies: bool
    premise: str = ""
    reason: str = ""  # why it does not apply, or why it is uncertain


def _session_host_gate(state: LicensingState) -> _Gate:
    role = state.role
    if role.session_host is True:
        return _Gate(True)
    if role.session_host is False:
        return _Gate(False, "session_host", f"not an RD Session Host: {role.reason}")
    return _Gate(
        True,
        "session_host",
        f"Whether this host is an RD Session Host could not be established ({role.reason}); "
        "if it is not, this finding does not apply.",
    )


def _era_gate(state: LicensingState, wanted: Era) -> _Gate:
    reading = state.identity.era
    if reading.era == wanted:
        return _Gate(True)
    if reading.era is not None:
        return _Gate(False, str(wanted), f"the host is {reading.era.meaning} ({reading.basis})")
    return _Gate(
        True,
        str(wanted),
        f"The Windows version could not be established ({reading.basis}); this finding "
        f"assumes {wanted.meaning}.",
    )


def _gates(spec: RuleSpec, state: LicensingState) -> list[_Gate]:
    gates = []
    for premise in spec.premises:
        if premise is Premise.SESSION_HOST:
            gates.append(_session_host_gate(state))
        else:
            gates.append(_era_gate(state, Era(str(premise))))
    return gates


_SEVERITIES: tuple[FindingSeverity, ...] = tuple(FindingSeverity)


def _lowered(finding: Finding, reasons: list[str]) -> Finding:
    """One severity and one confidence step lower per unsettled premise, and say why."""
    steps = len(reasons)
    severity = _SEVERITIES[min(finding.severity.rank + steps, len(_SEVERITIES) - 1)]
    return replace(
        finding,
        severity=severity,
        confidence=Confidence(finding.confidence).lowered(steps),
        detail=f"{finding.detail} {' '.join(reasons)}",
    )


def _disputed(findings: list[Finding], state: LicensingState) -> list[Finding]:
    """A finding that rests on a fact the inputs disagree on loses one confidence step."""
    conflicts = {conflict.fact_id: conflict for conflict in evidence_conflicts(state.facts)}
    if not conflicts:
        return findings
    adjusted = []
    for finding in findings:
        disputed = sorted({str(record.get("fact")) for record in finding.evidence} & set(conflicts))
        if not disputed or finding.id == "evidence.conflict":
            adjusted.append(finding)
            continue
        used = "; ".join(
            f"{fact_id} from {conflicts[fact_id].used.source.evidence.path}" for fact_id in disputed
        )
        adjusted.append(
            replace(
                finding,
                confidence=Confidence(finding.confidence).lowered(1),
                detail=f"{finding.detail} The inputs disagree on {', '.join(disputed)} (see "
                f"evidence.conflict); this finding uses {used}.",
            )
        )
    return adjusted


def _user_hive_rule(spec: RuleSpec) -> bool:
    """A rule that reads users' hives alone (it applies to a user hive given on its own)."""
    return bool(spec.reads) and all(BY_FACT[f].hive == HiveType.NTUSER for f in spec.reads)


def judge_host(state: LicensingState, rules: Iterable[RuleSpec] = RULES) -> Judgement:
    """Run every applicable rule; findings sorted by severity (critical first), then id."""
    judgement = Judgement()
    judge = state.judge
    present = {source.hive_type for source in state.facts.coverage.sources}
    rules = list(rules)
    if not present & set(LICENSING_HIVES) and not state.facts.deletions:
        # A BCD, an Amcache or a lone user hive: nothing of RDS licensing to judge; a user
        # hive's own rules (its outbound RDP history) still run.
        users = (
            [spec for spec in rules if _user_hive_rule(spec)] if HiveType.NTUSER in present else []
        )
        judgement.not_applicable.append(
            NotApplicable(
                "all",
                tuple(i for i in FINDING_IDS if not any(i in spec.emits for spec in users)),
                "licensing_hives",
                "the inputs hold no SYSTEM, SOFTWARE or SECURITY hive and delete nothing at a "
                "licensing location: there is nothing of RDS licensing to judge",
            )
        )
        if not users:
            return judgement
        rules = users
    for spec in rules:
        gates = _gates(spec, state)
        closed = [gate for gate in gates if not gate.applies]
        if closed:
            if spec.report_not_applicable:
                judgement.not_applicable.append(
                    NotApplicable(spec.name, spec.emits, closed[0].premise, closed[0].reason)
                )
            continue
        doubts = [gate.reason for gate in gates if gate.reason]
        judge.asking = Asking(spec.name, spec.emits, frozenset(spec.absences))
        try:
            raised = list(spec.run(state))
        finally:
            judge.asking = None
        for finding in raised:
            if finding.id not in spec.emits:
                raise RuntimeError(f"{spec.name} raised {finding.id}, not in its declaration")
            judgement.findings.append(_lowered(finding, doubts) if doubts else finding)
    judgement.findings = _disputed(judgement.findings, state)
    judgement.not_judged = list(judge.not_judged)
    judgement.findings.sort(key=lambda finding: finding.sort_key)
    return judgement


def evaluate(state: LicensingState, rules: Iterable[RuleSpec] = RULES) -> list[Finding]:
    """The findings of :func:`judge_host` alone."""
    return judge_host(state, rules).findings
