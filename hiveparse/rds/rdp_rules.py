"""Findings an examiner draws from the RDP host's other settings (the reference's §8.3 and
§8.4): programs started with every session, port relays, shadowing without consent,
unsolicited Remote Assistance, and the servers this machine's users connected to.

================================  ==========================================================
id                                severity
================================  ==========================================================
rdp.persistence.startup_programs  high: a program besides rdpclip runs in every RDP session
                                  of every user (RegRipper termserv's own tip).
rdp.persistence.initial_program   medium when the listener forces its program on every
                                  session (fInheritInitialProgram 0); low when one is set but
                                  the listener may take the client's instead.
rdp.persistence.appsetup          medium: a terminal-server logon script besides UsrLogon.cmd.
rdp.persistence.install_run       medium: a program in the terminal server's install-mode Run
                                  keys starts at every user's logon.
rdp.portproxy                     high when a relay leads to RDP (port 3389, or this host's
                                  own listener port on a loopback address): RDP reachable
                                  through a port a firewall allows; medium for any other.
rdp.shadow.without_consent        medium: sessions can be watched or controlled without the
                                  user being asked (Shadow 2 or 4).
rdp.assistance.unsolicited        medium when an unasked helper may also take control; low
                                  for an offer to view.
rdp.client.history                info: servers this machine's users connected to.
================================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Iterator

from hiveparse.rds import remediation
from hiveparse.rds.findings import Basis, Finding, FindingSeverity
from hiveparse.rds.locations import Status
from hiveparse.rds.persistence import PortProxyRule
from hiveparse.rds.state import LicensingState

DEFAULT_RDP_PORT = 3389
SHADOW_WITHOUT_CONSENT = {2: "full control", 4: "viewing"}


def rule_rdp_startup_programs(state: LicensingState) -> Iterator[Finding]:
    """§8.4: StartupPrograms holds more than rdpclip."""
    persistence = state.rdp.persistence
    if not persistence.unexpected_startup:
        return
    others = ", ".join(persistence.unexpected_startup)
    yield Finding.build(
        "rdp.persistence.startup_programs",
        FindingSeverity.HIGH,
        "A program starts in every RDP session",
        f'Wds\\rdpwd StartupPrograms is "{persistence.startup_text}": Windows writes rdpclip '
        f"(from System32) there; {others} also starts in every Remote Desktop session of every "
        "user (§8.4).",
        Basis().fact(persistence.startup_fact),
        remediation.STARTUP_PROGRAMS,
    )


def rule_rdp_initial_program(state: LicensingState) -> Iterator[Finding]:
    """§8.4: the RDP-Tcp listener names an initial program."""
    persistence = state.rdp.persistence
    program = persistence.initial_program
    if not program:
        return
    forced = persistence.initial_program_forced
    basis = Basis().fact(persistence.initial_fact)
    if persistence.initial_by_policy:
        severity = FindingSeverity.MEDIUM
        how = (
            "it is set by Group Policy ('Start a program on connection'): every RDP session "
            "starts it instead of the desktop"
        )
    elif forced:
        basis.fact(persistence.inherit_fact)
        severity = FindingSeverity.MEDIUM
        how = "fInheritInitialProgram is 0: every RDP session starts it instead of the desktop"
    else:
        basis.fact(persistence.inherit_fact)
        severity = FindingSeverity.LOW
        how = (
            "fInheritInitialProgram is 1, so the client's or the user's own initial program "
            "applies and this one is not used at present"
            if forced is False
            else "fInheritInitialProgram is not in the evidence, so whether the listener "
            "forces it is not known"
        )
    yield Finding.build(
        "rdp.persistence.initial_program",
        severity,
        "The RDP listener names an initial program",
        f"{'The policy' if persistence.initial_by_policy else 'RDP-Tcp'} InitialProgram is "
        f'"{program}" (empty by default); {how} (§8.4).',
        basis,
        remediation.INITIAL_PROGRAM,
    )


def rule_rdp_appsetup(state: LicensingState) -> Iterator[Finding]:
    """§8.4: Winlogon AppSetup runs more than the terminal server's UsrLogon.cmd."""
    persistence = state.rdp.persistence
    if not persistence.unexpected_appsetup:
        return
    yield Finding.build(
        "rdp.persistence.appsetup",
        FindingSeverity.MEDIUM,
        "A logon script runs for every terminal-server user",
        f'Winlogon AppSetup is "{", ".join(persistence.appsetup or [])}": '
        f"{', '.join(persistence.unexpected_appsetup)} runs at the logon of every user of the "
        "terminal server, besides UsrLogon.cmd (the application compatibility script Windows "
        "names there) (§8.4).",
        Basis().fact(persistence.appsetup_fact),
        remediation.APPSETUP,
    )


def rule_rdp_install_run(state: LicensingState) -> Iterator[Finding]:
    """§8.4: values in the terminal server's install-mode Run keys."""
    entries = state.rdp.persistence.install_run
    if not entries:
        return
    shown = "; ".join(
        f'{entry.key}\\{entry.name} = "{entry.command}"' if entry.command is not None
        else f"{entry.key}\\{entry.name} (not a string)"
        for entry in entries
    )  # fmt: skip
    yield Finding.build(
        "rdp.persistence.install_run",
        FindingSeverity.MEDIUM,
        "Programs in the terminal server's install-mode Run keys",
        f"{len(entries)} value(s) under Terminal Server\\Install\\...\\CurrentVersion start at "
        f"every user's logon on a terminal server: {shown} (§8.4).",
        Basis().facts_from(entry.fact for entry in entries),
        remediation.INSTALL_RUN,
    )


def rule_rdp_portproxy(state: LicensingState) -> Iterator[Finding]:
    """§8.4: netsh interface portproxy rules relay a listening port to another address."""
    rules = state.rdp.persistence.port_proxies
    if not rules:
        return
    # 3389 wherever a relay leads; this host's own listener port where it leads back here.
    own = state.rdp.port

    def to_rdp(rule: PortProxyRule) -> bool:
        port = rule.connect_port
        return port == DEFAULT_RDP_PORT or (rule.to_this_host and port is not None and port == own)

    def shown(rule: PortProxyRule) -> str:
        return f"{rule.kind} {rule.listen} -> {rule.connect or '(not a string)'}"

    leading = [rule for rule in rules if to_rdp(rule)]
    severity = FindingSeverity.HIGH if leading else FindingSeverity.MEDIUM
    why = (
        f"these lead to RDP ({'; '.join(map(shown, leading))}): Remote Desktop is reachable "
        "through a port the firewall may allow"
        if leading
        else "connections to the listening port are relayed to another address"
    )
    yield Finding.build(
        "rdp.portproxy",
        severity,
        "Port relays (netsh interface portproxy) are configured",
        f"{len(rules)} portproxy rule(s): {'; '.join(map(shown, rules))}; {why} (§8.4).",
        Basis().facts_from(rule.fact for rule in rules).context(state.facts.get("rdp.port")),
        remediation.PORTPROXY,
    )


def rule_rdp_shadow_without_consent(state: LicensingState) -> Iterator[Finding]:
    """§8.3: Shadow 2 or 4, by policy or on the listener."""
    shadow = state.rdp.settings["shadow"]
    what = None if shadow.value is None else SHADOW_WITHOUT_CONSENT.get(shadow.value)
    if what is None:
        return
    basis = Basis().fact(shadow.decided_by)
    if shadow.policy_unknown:
        basis.rule(
            "the policy layer (SOFTWARE Policies\\...\\Terminal Services) is not in the evidence: "
            "a Shadow policy there would override the listener's",
            Status.UNCERTAIN,
        )
    yield Finding.build(
        "rdp.shadow.without_consent",
        FindingSeverity.MEDIUM,
        "Sessions can be shadowed without the user's consent",
        f"Shadow is {shadow.value} in the {shadow.layer} layer: an administrator can start "
        f"{what} of another user's session without that user being asked (§8.3).",
        basis,
        remediation.SHADOW,
    )


def rule_rdp_unsolicited_assistance(state: LicensingState) -> Iterator[Finding]:
    """§8.3: the policy lets helpers offer Remote Assistance unasked."""
    offer = state.facts.get("assistance.unsolicited.policy")
    if offer is None or offer.decoded != 1 or not offer.type_ok:
        return
    control = state.facts.get("assistance.unsolicited_control.policy")
    full = control is not None and control.type_ok and control.decoded == 1
    yield Finding.build(
        "rdp.assistance.unsolicited",
        FindingSeverity.MEDIUM if full else FindingSeverity.LOW,
        "Remote Assistance can be offered without being asked",
        "fAllowUnsolicited is 1 by policy: helpers the policy names may connect to a user's "
        "session unasked"
        + (" and take control of it (fAllowUnsolicitedFullControl 1)" if full else " and view it")
        + " (the user still accepts the offer) (§8.3).",
        Basis().fact(offer).fact(control if full else None),
        remediation.UNSOLICITED_ASSISTANCE,
    )


def rule_rdp_client_history(state: LicensingState) -> Iterator[Finding]:
    """§8.4: outbound RDP recorded in the users' hives."""
    histories = state.rdp.outbound
    if not histories:
        return
    basis = Basis()
    parts = []
    for history in histories:
        hints = {entry.server.upper(): entry.username_hint for entry in history.servers}
        recent = [entry.server for entry in history.recent if entry.server]
        names = list(dict.fromkeys([*recent, *(entry.server for entry in history.servers)]))
        shown = [
            f"{name} (as {hints[name.upper()]})" if hints.get(name.upper()) else name
            for name in names
        ]
        who = f"user {history.user}, " if history.user else ""
        parts.append(f"{who}{history.source}: {', '.join(shown)}")
        basis.facts_from(entry.fact for entry in history.recent)
        basis.facts_from(entry.fact for entry in history.servers)
    yield Finding.build(
        "rdp.client.history",
        FindingSeverity.INFO,
        "Users of this machine connected to other hosts over RDP",
        f"The Remote Desktop client's history in {len(histories)} user hive(s): "
        f"{'; '.join(parts)} (§8.4).",
        basis,
        remediation.CLIENT_HISTORY,
    )
