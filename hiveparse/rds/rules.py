"""The finding catalogue: plain rule functions over a :class:`LicensingState`.

Each rule is ``(state) -> Iterable[Finding]``, cites the reference section it implements
(``rds-licensing.md``), and is listed in :data:`RULES` (no registration by import side
effect). :func:`evaluate` runs them all and sorts by severity, then id.

FindingSeverity table (and why)
========================

================================  ==========================================================
id                                severity
================================  ==========================================================
rds.mode.not_configured           critical once the grace period is over (expired or
                                  LicensingGracePeriodEnded): users are refused now with "no
                                  Remote Desktop License Servers available to provide a
                                  license" (event 1069); high while grace still runs: the
                                  refusal is certain, only its date is not (event 1068).
rds.mode.invalid                  high when the bad value is in the layer Windows uses (policy,
                                  or local without a valid policy value): the host's
                                  licensing mode is undefined; medium when a valid policy value
                                  masks it (it comes back the day the GPO is removed).
rds.mode.policy_overrides_local   low: licensing works as the policy says; the risk is an
                                  administrator trusting Server Manager and fixing the wrong
                                  layer.
rds.servers.none                  high when grace is expired or no timebomb exists (and no
                                  LicensingGracePeriodEnded): only discovery is left, and it
                                  fails in a workgroup; medium otherwise (there is time, or the
                                  host was licensed through discovery before).
rds.servers.anomaly               medium when an entry cannot name a server (mixed separators:
                                  "ls1;ls2" is one bogus name) or the value has the wrong type
                                  (Windows may ignore it); low for whitespace, duplicates and
                                  empty entries (cosmetic, though [JAGILBER] warns about
                                  leading whitespace).
rds.grace.expired                 critical when mode or servers are missing (nothing replaces
                                  the grace period); high when configured but no X509
                                  Certificate shows the host was ever licensed; medium when
                                  configured and licensed (the host depends on its license
                                  server from now on, which is normal).
rds.grace.expiring                one step below rds.grace.expired (high / medium / low): the
                                  same situation, days ahead.
rds.grace.reset_suspected         high when a CONFIRMED indicator or two indicators agree;
                                  medium on one UNCERTAIN indicator.
rds.cert.never_licensed           high when the grace period is over (users are refused);
                                  medium when no timebomb exists yet (fresh host, or reset).
rds.client.temporary_license      medium when the temporary CAL has expired at as-of (the
                                  client will be refused or asked to renew); low otherwise.
rdp.nla.disabled                  medium: pre-authentication exposure of the logon screen;
                                  high when the security layer is also "RDP" (no TLS).
rdp.port.nondefault               low: hardening or persistence, the responder should know.
rdp.enabled                       info: remote connections are allowed.
rds.controlset.differs            medium when a grace-period fact differs (an older ControlSet
                                  can keep the state from before a reset, §8.1); low for other
                                  licensing facts and the RDP persistence places (§8.4).
rds.policy.tooltip_hidden         info on its own (CIS-style baselines set it); medium together
                                  with reset indicators (reset playbooks set it, §10).
rds.reg_only_limits               info: a limit of the input, not of the host.
rds.mode.legacy                   info: era of the host; findings for 2008+ do not apply.
rds.license_server.present        info: the host runs (or ran) the RD Licensing service.
rds.recovered.deleted_settings    medium when a deleted licensing mode or license server list
                                  is recovered (the configuration was removed or changed);
                                  low for other deleted licensing settings.
================================  ==========================================================

Confidence: high, lowered once per UNCERTAIN fact location, UNCERTAIN domain rule (the
session-host role inference, an estimated expiry, a single-source interpretation) and hive
that was not supplied but could hold the deciding value. A finding supported by several
independent indicators (reset, tooltip) takes the confidence of its best-supported one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from hiveparse.filetime import filetime_iso, filetime_to_datetime, iso_z
from hiveparse.rds import remediation
from hiveparse.rds.client_license import ClientLicense
from hiveparse.rds.facts import Fact, FactSet, dword_of
from hiveparse.rds.findings import Basis, Confidence, Finding, FindingSeverity, Indicator
from hiveparse.rds.identity import Era
from hiveparse.rds.locations import CCS, LOCATIONS, Layer, Status
from hiveparse.rds.state import GRACE_PERIOD_DAYS, MODE_BY_CODE, LicensingState, Mode, mode_of
from hiveparse.sources.regf.recovered import DeletedKey, DeletedValue, InferredKey
from hiveparse.values import show_value

Rule = Callable[[LicensingState], Iterable[Finding]]

EXPIRING_WINDOW_DAYS = 15  # §5.3: the service warns from 15 days before expiry
GRACE_TIMEBOMBS = ("grace.timebomb", "grace.timebomb_beta")
DEFAULT_RDP_PORT = 3389  # §8
LICENSED_MODES = frozenset({2, 4, 6})  # §3.1: per device, per user, AAD per user
NO_LICENSE_SERVER_MESSAGE = "no Remote Desktop License Servers available to provide a license"
ESTIMATED_EXPIRY = (
    "the expiry is estimated as the GracePeriod key's last write + 120 days, since the "
    "timebomb (a DPAPI blob) could not be decrypted without the machine's keys: "
    "grace_period.decryption names what was missing (§5.2, §5.5: UNCERTAIN)"
)

# ---------------------------------------------------------------------------------------
# shared helpers


def _mode_label(code: int | None) -> str:
    return "absent" if code is None else f"{code} ({mode_of(code)})"


def _licensing_configured(state: LicensingState) -> bool | None:
    """Mode and license servers both set (None when a layer the evidence cannot show could
    still set what is missing)."""
    configured = state.mode.code in LICENSED_MODES and bool(state.servers.effective)
    if configured:
        return True
    mode_unknown = state.mode.code not in MODE_BY_CODE and state.mode.layers_unknown
    servers_unknown = not state.servers.effective and state.servers.layers_unknown
    return None if mode_unknown or servers_unknown else False


def _x509(state: LicensingState) -> Fact | None:
    return state.facts.get("cert.x509") or state.facts.get("cert.legacy_x509")


def _no_x509(state: LicensingState, *, required: bool) -> bool | None:
    """True when neither X509 Certificate location holds a value and the evidence covers
    both; None when it cannot tell."""
    answers = [state.absent(f, required=required) for f in ("cert.x509", "cert.legacy_x509")]
    if False in answers:
        return False
    return None if None in answers else True


def _no_timebomb(state: LicensingState, *, required: bool) -> bool | None:
    """True when no timebomb value exists (either name) and the evidence covers the key."""
    answers = [
        state.absent(f, required=required) for f in ("grace.timebomb", "grace.timebomb_beta")
    ]
    if False in answers:
        return False
    return None if None in answers else True


def _grace_over(state: LicensingState) -> bool:
    return state.grace.ended or state.grace.expired is True


def _rest_on_expiry(basis: Basis, state: LicensingState) -> Basis:
    grace = state.grace
    basis.fact(grace.timebomb).context(grace.key_fact)
    if grace.expires_source == "estimated":
        basis.rule(ESTIMATED_EXPIRY)
    return basis


def _expiry_indicator(state: LicensingState) -> Indicator:
    grace = state.grace
    return Indicator(
        "grace_expiry",
        "expiry of the grace-period timebomb against the analysis date",
        "§5.3",
        Status.UNCERTAIN if grace.expires_source == "estimated" else Status.CONFIRMED,
        {
            "expires": iso_z(grace.expires),
            "expires_source": grace.expires_source,
            "days_left": grace.days_left,
            "as_of": iso_z(state.as_of),
            "key_last_write": filetime_iso(grace.key_last_write),
            "key_last_write_raw": grace.key_last_write,
        },
    )


# ---------------------------------------------------------------------------------------
# licensing mode (§3)


def rule_mode_not_configured(state: LicensingState) -> Iterator[Finding]:
    """§3.1, §9.1, §9.3: mode 5 or absent in both layers on an RD Session Host."""
    mode = state.mode
    if mode.effective not in (Mode.NOT_CONFIGURED, Mode.ABSENT, Mode.UNKNOWN):
        return
    # A policy value the evidence does not show could still set the mode; when the mode is
    # absent altogether, the local layer could too.
    if mode.layer != Layer.POLICY and not state.absent("mode.policy"):
        return
    if mode.layer is None and not state.absent("mode.local"):
        return
    basis = Basis().facts_from((mode.policy, mode.local)).role(state.role)
    over = _grace_over(state)
    if over:
        if state.grace.ended:
            basis.fact(state.grace.ended_fact)
        else:
            _rest_on_expiry(basis, state).indicator(_expiry_indicator(state), counts=False)
    what = (
        "set to 5 (not configured)"
        if mode.effective == Mode.NOT_CONFIGURED
        else "absent from both the Group Policy and the local (RCM) layer"
    )
    when = (
        "The grace period is over, so clients are refused now"
        if over
        else "Once the grace period ends, clients will be refused"
    )
    detail = (
        f"The effective licensing mode is {what} (policy {_mode_label(mode.policy_code)}, "
        f'local {_mode_label(mode.local_code)}) on an RD Session Host. {when} with "'
        f'{NO_LICENSE_SERVER_MESSAGE}" (licensing error 0x101, disconnect reason 257); '
        "the host logs event 1068 (licensing mode not configured) and, after the grace "
        "period, 1069 (grace period expired and licensing mode not configured) (§9.1, §9.3)."
    )
    yield Finding.build(
        "rds.mode.not_configured",
        FindingSeverity.CRITICAL if over else FindingSeverity.HIGH,
        "RD Licensing mode is not configured on an RD Session Host",
        detail,
        basis,
        remediation.MODE_NOT_CONFIGURED,
    )


_INVALID_CODE_NOTES: dict[int, tuple[str, Status]] = {
    3: (
        "3 has no runtime meaning: it appears only in two Microsoft documents that contradict "
        "the rest (the WMI LicensingType table's 'Per User (3)' and the Windows Embedded "
        "Standard 7 numbering with 3 = per device); SessEnv.dll does not accept it and, on a "
        "session host, rewrites the value to 5 at the next start",
        Status.CONFIRMED,
    ),
    7: (
        "7 is accepted by SessEnv.dll on Server SKUs with the RDSH role, but no source gives "
        "it a meaning",
        Status.UNCERTAIN,
    ),
    8: (
        "8 is SessEnv.dll's internal sentinel (MAXIMUM_POLICY_ID) for a missing value and is "
        "never stored by Windows",
        Status.UNCERTAIN,
    ),
}


def _invalid_code_note(code: int) -> tuple[str, Status]:
    return _INVALID_CODE_NOTES.get(
        code,
        (
            f"{code} is outside every documented set (0, 1, 2, 4, 5, 6); SessEnv.dll rewrites "
            "undocumented values to 5 on a session host",
            Status.CONFIRMED,
        ),
    )


def _mode_layer_would_apply(state: LicensingState, layer: Layer) -> bool:
    return layer == Layer.POLICY or state.mode.policy_code not in MODE_BY_CODE


def rule_mode_invalid(state: LicensingState) -> Iterator[Finding]:
    """§3.1, §3.2: a LicensingMode outside {0,1,2,4,5,6} or not a 4-byte REG_DWORD."""
    for layer, fact in ((Layer.POLICY, state.mode.policy), (Layer.LOCAL, state.mode.local)):
        if fact is None or fact.value is None:
            continue
        code = dword_of(fact)
        if code is not None and code in MODE_BY_CODE:
            continue
        basis = Basis().fact(fact)
        if code is None:
            problem = (
                f"has type {fact.value.type_name} and {len(fact.value.raw)} byte(s) of data; "
                "Windows and the tools write a 4-byte REG_DWORD (§3.2), so the value is not "
                "read as a licensing mode here"
            )
        else:
            note, status = _invalid_code_note(code)
            basis.rule(f"the meaning of mode {code} is UNCERTAIN (§3.1)", status)
            problem = f"is {code}, not a documented mode: {note} (§3.1)"
        applies = _mode_layer_would_apply(state, layer)
        masked = (
            ""
            if applies
            else (
                " A valid Group Policy value masks it for now; it takes effect again if the "
                "policy is removed."
            )
        )
        yield Finding.build(
            "rds.mode.invalid",
            FindingSeverity.HIGH if applies else FindingSeverity.MEDIUM,
            f"Invalid licensing mode in the {layer} layer",
            f"LicensingMode in the {layer} layer ({fact.full_key_path}) {problem}.{masked}",
            basis,
            remediation.MODE_INVALID,
        )


def rule_mode_policy_overrides_local(state: LicensingState) -> Iterator[Finding]:
    """§3.3: Group Policy wins over the local RCM value (WMI PolicySourceLicensingType)."""
    mode = state.mode
    if mode.policy_code is None or mode.local_code is None:
        return
    if mode.policy_code == mode.local_code:
        return
    detail = (
        f"Group Policy sets LicensingMode {_mode_label(mode.policy_code)} and the local RCM "
        f"value is {_mode_label(mode.local_code)}. Server Manager and the deployment "
        "properties show the local value, but Windows uses the policy value (Group Policy "
        "overrides the RDS console; WMI reports PolicySourceLicensingType = 1) (§3.3)."
    )
    yield Finding.build(
        "rds.mode.policy_overrides_local",
        FindingSeverity.LOW,
        "Group Policy licensing mode overrides a different local mode",
        detail,
        Basis().facts_from((mode.policy, mode.local)),
        remediation.MODE_POLICY_OVERRIDES_LOCAL,
    )


# ---------------------------------------------------------------------------------------
# license servers (§4)


def _legacy_server_hints(state: LicensingState) -> list[tuple[Fact, list[str]]]:
    """Server 2003 ``LicenseServers`` subkeys and the Windows 2000 ``DefaultLicenseServer``.

    state.servers ignores both layers (§4.1, UNCERTAIN locations); a host that has them
    is not "without any license server".
    """
    hints: list[tuple[Fact, list[str]]] = []
    legacy_key = state.facts.get("servers.legacy_key")
    if legacy_key is not None:
        names = [key.name for key in legacy_key.key.subkeys()]
        if names:
            hints.append((legacy_key, names))
    default = state.facts.get("servers.win2000_default")
    if default is not None and isinstance(default.decoded, str) and default.decoded.strip():
        hints.append((default, [default.decoded.strip()]))
    return hints


def rule_servers_none(state: LicensingState) -> Iterator[Finding]:
    """§4.4, §4.2: no license server in any layer on a session host."""
    servers, grace = state.servers, state.grace
    if servers.effective or _legacy_server_hints(state):
        return
    # Each layer either holds an empty list (a fact) or must be known to be empty.
    # Every layer is asked (not only up to the first unknown), so that not_judged names
    # each input that would settle the conclusion.
    answers = [state.absent(fact_id) for fact_id in ("servers.policy", "servers.local",
               "servers.legacy_key", "servers.win2000_default")]  # fmt: skip
    if None in answers:
        return
    basis = Basis().facts_from((servers.policy_fact, servers.local_fact)).role(state.role)
    never_started = (
        not grace.ended
        and _no_timebomb(state, required=False) is True
        and state.absent("grace.ended", required=False) is True
    )
    urgent = grace.expired is True or never_started
    if grace.expired is True:
        state_text = "the grace period has expired"
        _rest_on_expiry(basis, state).indicator(_expiry_indicator(state), counts=False)
    elif urgent:
        state_text = "no grace-period timebomb exists"
        basis.context(grace.key_fact)
    else:
        state_text = "the grace period still runs or the host was licensed before"
    detail = (
        "Neither the Group Policy value LicenseServers nor the local SpecifiedLicenseServers "
        "names a license server, so the session host relies on automatic discovery "
        "(AD-published license servers, then domain controllers) (§4.2, §4.4). In a "
        "workgroup discovery finds nothing, and workgroup hosts need Per Device CALs from an "
        f"explicitly named server. Here {state_text}; without a reachable license server "
        f'clients see "{NO_LICENSE_SERVER_MESSAGE}" (§9.1).'
    )
    yield Finding.build(
        "rds.servers.none",
        FindingSeverity.HIGH if urgent else FindingSeverity.MEDIUM,
        "No RD license server configured",
        detail,
        basis,
        remediation.SERVERS_NONE,
    )


_ANOMALY_TEXT = {
    "whitespace": "leading or trailing whitespace (trimmed here; [JAGILBER] warns it can break "
    "the lookup)",
    "duplicate": "listed more than once",
    "empty": "an empty entry",
    "mixed_separators": "a separator of the wrong kind inside one entry, so Windows sees one "
    "bogus server name",
    "wrong_type": "the value has the wrong registry type and may be ignored by Windows",
}
_SERIOUS_ANOMALIES = frozenset({"mixed_separators", "wrong_type"})


def _type_anomalies(state: LicensingState) -> list[tuple[Fact, Indicator]]:
    found = []
    for fact in (state.servers.policy_fact, state.servers.local_fact):
        if fact is None or fact.value is None or fact.type_ok:
            continue
        expected = "REG_SZ" if fact.location.layer == Layer.POLICY else "REG_MULTI_SZ"
        found.append((fact, Indicator(
            "server_list_anomaly",
            f"{fact.value.name} is {fact.value.type_name}, expected {expected}",
            fact.location.reference,
            Status.CONFIRMED,
            {"kind": "wrong_type", "layer": str(fact.location.layer), "entry": None},
        )))  # fmt: skip
    return found


def rule_servers_anomaly(state: LicensingState) -> Iterator[Finding]:
    """§4.1: whitespace, duplicates, empty entries, mixed separators, wrong value type."""
    servers = state.servers
    basis = Basis()
    kinds: list[str] = []
    for anomaly in servers.anomalies:
        if anomaly.kind == "wrong_type":
            continue  # described with the expected type by _type_anomalies below
        fact = servers.policy_fact if anomaly.layer == Layer.POLICY else servers.local_fact
        basis.fact(fact).indicator(Indicator(
            "server_list_anomaly",
            f"{anomaly.layer} entry {show_value(anomaly.entry)}: {_ANOMALY_TEXT[anomaly.kind]}",
            "§4.1",
            Status.CONFIRMED,
            {"kind": anomaly.kind, "layer": str(anomaly.layer), "entry": anomaly.entry},
        ))  # fmt: skip
        kinds.append(anomaly.kind)
    for fact, indicator in _type_anomalies(state):
        basis.fact(fact).indicator(indicator)
        kinds.append("wrong_type")
    if not kinds:
        return
    listing = "; ".join(indicator.description for indicator in basis.indicators)
    detail = (
        f"The license server list has {len(kinds)} anomal{'y' if len(kinds) == 1 else 'ies'}: "
        f"{listing}. The policy value is comma separated, the local value one name per string "
        f"(§4.1). Effective list as read here: {', '.join(servers.effective) or 'none'} "
        f"(layer {servers.layer})."
    )
    yield Finding.build(
        "rds.servers.anomaly",
        FindingSeverity.MEDIUM if _SERIOUS_ANOMALIES & set(kinds) else FindingSeverity.LOW,
        "License server list is malformed",
        detail,
        basis,
        remediation.SERVERS_ANOMALY,
    )


# ---------------------------------------------------------------------------------------
# grace period (§5, §10)


def _grace_severity(
    state: LicensingState, scale: tuple[FindingSeverity, FindingSeverity, FindingSeverity]
) -> FindingSeverity:
    configured = _licensing_configured(state)
    if configured is False:
        return scale[0]
    if configured is None:
        return scale[1]
    return scale[2] if _x509(state) is not None else scale[1]


def _configuration_text(state: LicensingState) -> str:
    configured = _licensing_configured(state)
    if configured is None:
        unknown = sorted({str(layer) for layer in state.mode.layers_unknown}
                         | {str(layer) for layer in state.servers.layers_unknown})  # fmt: skip
        return (
            f"Whether licensing is configured cannot be told: the evidence does not show the "
            f"{' or '.join(unknown)} layer (mode {_mode_label(state.mode.code)}, license "
            f"servers: {', '.join(state.servers.effective) or 'none seen'})"
        )
    if not configured:
        return (
            f"Licensing is not fully configured (mode {_mode_label(state.mode.code)}, license "
            f"servers: {', '.join(state.servers.effective) or 'none'}), so nothing replaces "
            "the grace period"
        )
    if _x509(state) is None:
        if _no_x509(state, required=False) is None:
            return (
                "Mode and license servers are configured; whether the host holds an X509 "
                "Certificate from a license server is not in the evidence (§6A)"
            )
        return (
            "Mode and license servers are configured, but no X509 Certificate shows that the "
            "host ever obtained a license-server certificate (§6A)"
        )
    return (
        "Mode and license servers are configured and an X509 Certificate is present, so the "
        "host depends on reaching its license server"
    )


def _grace_finding(state: LicensingState, expired: bool) -> Finding:
    grace = state.grace
    basis = _rest_on_expiry(Basis(), state).indicator(_expiry_indicator(state), counts=False)
    basis.context(_x509(state))
    expires = iso_z(grace.expires)
    if expired:
        when = f"The grace period ended on {expires} (as of {iso_z(state.as_of)})"
        scale = (FindingSeverity.CRITICAL, FindingSeverity.HIGH, FindingSeverity.MEDIUM)
        title = "RDS licensing grace period has expired"
    else:
        when = (
            f"The grace period ends on {expires}, {grace.days_left} day(s) after "
            f"{iso_z(state.as_of)} (warning window: {EXPIRING_WINDOW_DAYS} days, §5.3)"
        )
        scale = (FindingSeverity.HIGH, FindingSeverity.MEDIUM, FindingSeverity.LOW)
        title = "RDS licensing grace period is about to expire"
    detail = (
        f"{when}. {_configuration_text(state)}. Without a license server that issues CALs, "
        f'clients see "{NO_LICENSE_SERVER_MESSAGE}" (§9.1).'
    )
    return Finding.build(
        "rds.grace.expired" if expired else "rds.grace.expiring",
        _grace_severity(state, scale),
        title,
        detail,
        basis,
        remediation.GRACE_EXPIRED if expired else remediation.GRACE_EXPIRING,
    )


def rule_grace_expiry(state: LicensingState) -> Iterator[Finding]:
    """§5.3, §3.4: expired (0 days left) or within 15 days; LicensingGracePeriodEnded wins."""
    grace = state.grace
    if grace.ended:
        return
    if grace.expires is None or grace.days_left is None:
        _grace_end_unknown(state)
        return
    if grace.days_left > EXPIRING_WINDOW_DAYS:
        return
    # A permanent license (LicensingGracePeriodEnded) makes the timebomb irrelevant (§5.3).
    if not state.absent("grace.ended"):
        return
    if grace.days_left <= 0:
        yield _grace_finding(state, expired=True)
    elif grace.days_left <= EXPIRING_WINDOW_DAYS:
        yield _grace_finding(state, expired=False)


GRACE_END_SETTLE = (
    "the SYSTEM hive itself (its GracePeriod key's last-write time estimates the end), or "
    "the machine's SECURITY hive and master keys (Windows\\System32\\Microsoft\\Protect\\"
    "S-1-5-18) to decrypt the timebomb"
)


def _grace_end_unknown(state: LicensingState) -> None:
    """Say why the grace period's end cannot be judged: no timebomb where the evidence does
    not cover its place, or a timebomb whose end nothing in the evidence tells."""
    grace = state.grace
    if not grace.present:
        legacy = state.identity.era.era == Era.NT5
        for fact_id in ("grace.lsa_timebomb",) if legacy else GRACE_TIMEBOMBS:
            state.absent(fact_id)  # recorded as not judged where the place is not covered
        return
    evidence = grace.timebomb or grace.lsa_fact
    source = evidence.evidence.path if evidence is not None else "the evidence"
    state.judge.unknown(
        "grace.timebomb" if grace.timebomb is not None else "grace.lsa_timebomb",
        "the end of the grace period",
        f"the timebomb is in {source}, but neither a key last-write time (a .reg file has "
        "none) nor the machine's keys to decrypt it are",
        GRACE_END_SETTLE,
    )


class GraceKeySecurity(Protocol):
    """The owner and explicit ACEs of ``RCM\\GracePeriod`` (raw hives only, §5.6, §10).

    The hook for the security-descriptor facts of a later issue: whatever decodes the key's
    sk cell passes an object of this shape to :func:`acl_indicators`.
    """

    @property
    def owner_sid(self) -> str | None: ...

    @property
    def full_control_sids(self) -> Sequence[str]:
        """Trustees of explicit (not inherited) allow-FullControl ACEs."""

    @property
    def record(self) -> dict[str, Any]:
        """Provenance of the descriptor (source, key path, cell offset, raw hex)."""


ADMINISTRATORS_SID = "S-1-5-32-544"
_USER_SID_PREFIX = "S-1-5-21-"


def _reset_trustee(sid: str) -> bool:
    return sid == ADMINISTRATORS_SID or sid.startswith(_USER_SID_PREFIX)


def acl_indicators(security: GraceKeySecurity | None) -> list[Indicator]:
    """§10 row 1, §5.6: owner / FullControl ACE as the reset scripts leave them."""
    if security is None:
        return []
    from hiveparse.decode.security import sid_name  # noqa: PLC0415

    def who(sid: str) -> str:
        name = sid_name(sid)
        return f"{name} ({sid})" if name else sid

    found = []
    owner = security.owner_sid
    if owner is not None and _reset_trustee(owner):
        found.append(Indicator(
            "grace_key_owner_changed",
            f"GracePeriod is owned by {who(owner)}, as reset scripts leave it "
            "(the default owner is believed to be NETWORK SERVICE: single source, §5.6)",
            "§10, §5.6",
            Status.UNCERTAIN,
            {"owner_sid": owner, **security.record},
        ))  # fmt: skip
    granted = [sid for sid in security.full_control_sids if _reset_trustee(sid)]
    if granted:
        found.append(Indicator(
            "grace_key_full_control_ace",
            f"explicit FullControl ACE for {', '.join(map(who, granted))} on GracePeriod; "
            "the default DACL does not let Administrators write or delete there (§5.6)",
            "§10, §5.6",
            Status.CONFIRMED,
            {"sids": granted, **security.record},
        ))  # fmt: skip
    return found


@dataclass
class ScoredIndicator:
    """One reset indicator with the facts and the uncertain parts it rests on."""

    indicator: Indicator
    facts: list[Fact] = field(default_factory=list)
    premises: list[str] = field(default_factory=list)  # uncertain rules besides the indicator

    @property
    def reasons(self) -> list[str]:
        own = Basis().indicator(self.indicator).uncertain
        return [*self.premises, *own]


def _role_reasons(state: LicensingState) -> list[str]:
    return Basis().role(state.role).uncertain


def _absence_indicators(state: LicensingState, *, required: bool) -> list[ScoredIndicator]:
    """§10 rows 2-3: the key or the value is missing on a session host without a license."""
    grace = state.grace
    if state.role.session_host is False or grace.ended:
        return []
    if state.role.session_host is None:
        if required and (grace.key_fact is None or grace.timebomb is None):
            _absence_needs_role(state)
        return []
    if not state.absent("grace.ended", required=required):
        return []  # a permanent license may have ended the grace period
    role = state.role.basis
    if grace.key_fact is None:
        if not state.absent("grace.key", required=required):
            return []
        return [ScoredIndicator(Indicator(
            "grace_key_missing",
            "RCM\\GracePeriod is missing on an RD Session Host; reset scripts delete the whole "
            "key and Windows re-creates it at the next TermService start (a host that never "
            "accepted a client connection has no timebomb yet either, §5.3)",
            "§10, §5.5",
            Status.UNCERTAIN,  # CONFIRMED behaviour, but the interpretation is analysis
            {"expected_key": rf"{CCS}\Control\Terminal Server\RCM\GracePeriod"},
        ), list(role), _role_reasons(state))]  # fmt: skip
    if grace.timebomb is None and _no_timebomb(state, required=required):
        return [ScoredIndicator(Indicator(
            "timebomb_missing",
            "the GracePeriod key has no timebomb value on an RD Session Host without "
            "LicensingGracePeriodEnded (value-only deletion awaiting a service restart)",
            "§10, §5.5",
            Status.CONFIRMED,
            {"key_path": grace.key_fact.full_key_path},
        ), [grace.key_fact, *role], _role_reasons(state))]  # fmt: skip
    return []


ROLE_SETTLE = (
    "the SYSTEM and SOFTWARE hives (ProductOptions ProductType, the RCM LicensingMode and "
    "TSAppCompat in SYSTEM; InstallationType, EditionID and ServerComponentCache\\"
    "RDS-RD-Server in SOFTWARE)"
)


def _absence_needs_role(state: LicensingState) -> None:
    """A missing GracePeriod key or timebomb indicates a reset only on a session host: where
    the role cannot be told, the indicator is not judged (never raised on a guess)."""
    missing = "GracePeriod key" if state.grace.key_fact is None else "timebomb"
    state.judge.unknown(
        "grace.key" if state.grace.key_fact is None else "grace.timebomb",
        f"that this host is an RD Session Host (a missing {missing} indicates a reset only there)",
        f"whether it is one could not be established: {state.role.reason}",
        ROLE_SETTLE,
    )


def _rewrite_indicator(state: LicensingState) -> list[ScoredIndicator]:
    """§10 row 2, §5.5: GracePeriod written long after the RDS keys Windows set up earlier.

    The latest of the reference keys is used (TermService service key, RCM\\Licensing Core),
    so a reference refreshed by an update makes the test quieter, never louder.
    """
    grace = state.grace
    written = filetime_to_datetime(grace.key_last_write or 0)
    if grace.key_fact is None or written is None or grace.ended:
        return []
    references = [
        (fact, moment)
        for fact in (state.facts.get("role.termservice"), state.mode.local)
        if fact is not None and (moment := filetime_to_datetime(fact.key_time or 0))
    ]
    if not references:
        return []
    reference, moment = max(references, key=lambda pair: pair[1])
    gap = written - moment
    if gap <= timedelta(days=GRACE_PERIOD_DAYS):
        return []
    return [
        ScoredIndicator(
            Indicator(
                "grace_key_rewritten",
                f"GracePeriod was last written {gap.days} days after {reference.location.fact} "
                f"({reference.full_key_path}), longer than a whole {GRACE_PERIOD_DAYS}-day grace "
                "period: the timebomb was (re)created long after the host was set up",
                "§10, §5.5",
                Status.UNCERTAIN,
                {
                    "grace_key_last_write": iso_z(written),
                    "reference_fact": reference.location.fact,
                    "reference_last_write": iso_z(moment),
                    "gap_days": gap.days,
                    "x509_certificate_present": _x509(state) is not None,
                },
            ),
            [grace.key_fact, reference],
        )
    ]


def _expiry_beyond_grace(state: LicensingState) -> list[ScoredIndicator]:
    """§10 row 4: a decoded expiry more than 120 days after the key write or after as-of.

    Only a decoded expiry counts: the estimated one is the key write + 120 days by definition.
    """
    grace = state.grace
    if grace.expires is None or grace.expires_source in (None, "estimated"):
        return []
    limit = timedelta(days=GRACE_PERIOD_DAYS + 1)
    written = filetime_to_datetime(grace.key_last_write or 0)
    after_write = written is not None and grace.expires - written > limit
    after_as_of = grace.expires - state.as_of > limit
    if not (after_write or after_as_of):
        return []
    return [ScoredIndicator(Indicator(
        "expiry_beyond_grace",
        f"the decoded expiry {iso_z(grace.expires)} lies more than {GRACE_PERIOD_DAYS} days "
        "after the key's last write or the analysis date (clock-shift or TSTool-style reset)",
        "§10",
        Status.CONFIRMED,
        {"expires": iso_z(grace.expires), "expires_source": grace.expires_source,
         "key_last_write": iso_z(written), "as_of": iso_z(state.as_of)},
    ), [f for f in (grace.timebomb, grace.key_fact) if f])]  # fmt: skip


def _recovered_deleted(state: LicensingState) -> list[ScoredIndicator]:
    """DESIGN catalogue, §10: a deleted timebomb value carved from unallocated hive space.

    A deleted copy whose data equals the live timebomb is an old copy of the same value,
    not a deletion, and is left out; so is one whose data is lost while a live timebomb
    exists (a refreshed ControlSet copy leaves exactly that). Otherwise the record shows that
    a timebomb was deleted; with its data intact and a live timebomb present, that a
    different one existed before (the value was re-created).
    """
    facts = state.facts
    live = state.grace.timebomb.value if state.grace.timebomb else None
    found = []
    for fact in facts.recovered_all("grace.timebomb") + facts.recovered_all("grace.timebomb_beta"):
        value = fact.value
        if not isinstance(value, DeletedValue):
            continue
        if value.adds_nothing_to(live):
            continue  # a copy of the live timebomb, or lost data beside it: no evidence
        inferred = isinstance(fact.key, InferredKey)
        where = (
            "a value record whose name only GracePeriod uses"
            if inferred
            else (
                f"the deleted key record {fact.full_key_path}"
                if isinstance(fact.key, DeletedKey)
                else fact.full_key_path
            )
        )
        if not value.data_available:
            what = f"its data cell has been {value.data_state} (the blob is lost)"
        elif live is not None:
            what = "its blob differs from the current timebomb: the value was re-created"
        else:
            what = "its blob is intact and no live timebomb exists"
        # A name only GracePeriod uses places the value as surely as its key record would;
        # what stays open is whether lost data was a copy of the live timebomb.
        uncertain = fact.location.status == Status.UNCERTAIN
        data: dict[str, Any] = {
            "cell_offset": value.provenance.offset,
            "data_state": value.data_state,
            "key_path_inferred": inferred,
            "live_timebomb_present": live is not None,
        }
        if value.data_available:
            data["blob"] = state.grace.recovered_blob(value)
        found.append(ScoredIndicator(Indicator(
            "deleted_timebomb_recovered",
            f"a deleted timebomb value {show_value(value.name)} was recovered at cell offset "
            f"0x{value.record.offset:x} ({value.record.location} space), from {where}; {what}",
            "§10, §5.5",
            Status.UNCERTAIN if uncertain else Status.CONFIRMED,
            data,
        ), [fact]))  # fmt: skip
    return found


def reset_indicators(
    state: LicensingState, security: GraceKeySecurity | None = None, *, required: bool = True
) -> list[ScoredIndicator]:
    """Every grace-reset indicator available for this host (§10), each with its basis.

    ``required`` is False where the indicators only shade another finding (the tooltip
    policy): an absence the evidence cannot settle then goes unrecorded.
    """
    if state.role.session_host is False or state.identity.era.era == Era.NT5:
        return []
    if state.grace.lsa_fact is not None:
        return []  # XP / 2003 storage: the registry indicators do not apply
    scored = _absence_indicators(state, required=required) + _rewrite_indicator(state)
    scored += _expiry_beyond_grace(state) + _recovered_deleted(state)
    for indicator in acl_indicators(security):
        scored.append(ScoredIndicator(indicator, [f for f in (state.grace.key_fact,) if f]))
    return scored


def _best(scored: Sequence[ScoredIndicator]) -> ScoredIndicator:
    return min(scored, key=lambda item: len(item.reasons))


def _reset_basis(scored: Sequence[ScoredIndicator]) -> Basis:
    basis = Basis()
    for item in scored:
        for fact in item.facts:
            basis.context(fact)
        basis.indicator(item.indicator, counts=False)
    for reason in _best(scored).reasons:
        basis.rule(reason)
    return basis


def grace_reset_finding(
    state: LicensingState, security: GraceKeySecurity | None = None
) -> Iterator[Finding]:
    """§10: the reset finding, with the owner/ACL indicators when a descriptor is given."""
    scored = reset_indicators(state, security)
    if not scored:
        return
    confirmed = any(not item.indicator.uncertain for item in scored)
    names = ", ".join(item.indicator.name for item in scored)
    unchecked = security is None and _no_descriptor(state)
    detail = (
        f"Indicators of a grace-period reset: {names}. "
        + " ".join(f"{_sentence(item.indicator.description)}." for item in scored)
        + f" Confidence follows the best-supported indicator ({_best(scored).indicator.name})."
        + (" Owner and ACL checks need the raw hive (§8.2)." if unchecked else "")
    )
    yield Finding.build(
        "rds.grace.reset_suspected",
        FindingSeverity.HIGH if confirmed or len(scored) > 1 else FindingSeverity.MEDIUM,
        "RDS licensing grace period may have been reset",
        detail,
        _reset_basis(scored),
        remediation.GRACE_RESET_SUSPECTED,
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _no_descriptor(state: LicensingState) -> bool:
    """The GracePeriod key exists but its input carries no security descriptor that is
    evidence (a .reg file, or a hive hiveparse convert wrote)."""
    key = state.grace.key_fact
    return key is not None and key.security_descriptor is None


def rule_grace_reset_suspected(state: LicensingState) -> Iterator[Finding]:
    """§10, §5.5, §5.6: the registry indicators, with the GracePeriod owner and ACL."""
    return grace_reset_finding(state, security=state.grace.security)


# ---------------------------------------------------------------------------------------
# certificates (§6A)


def rule_cert_never_licensed(state: LicensingState) -> Iterator[Finding]:
    """§6A, §9.2: no X509 Certificate and grace expired or absent on a session host."""
    grace = state.grace
    if _x509(state) is not None or grace.ended:
        return
    expired = grace.expired is True
    if not expired and grace.present:
        if grace.expired is None and _no_x509(state, required=True):
            _grace_end_unknown(state)  # over or not, nothing in the evidence tells
        return
    if not _no_x509(state, required=True) or not state.absent("grace.ended"):
        return
    if not expired and not _no_timebomb(state, required=True):
        return
    basis = (
        Basis()
        .role(state.role)
        .rule(
            "'no X509 Certificate means never licensed' comes from a single source "
            "([JAGILBER], §6A: UNCERTAIN)"
        )
    )
    if expired:
        _rest_on_expiry(basis, state).indicator(_expiry_indicator(state), counts=False)
        grace_text = f"the grace period expired on {iso_z(grace.expires)}"
    else:
        basis.context(grace.key_fact)
        grace_text = "no grace-period timebomb exists"
    basis.context(state.facts.get("cert.certificate"))
    detail = (
        "RCM has no 'X509 Certificate' value (the chain a license server issues to the session "
        f"host) and {grace_text}: the state RD Licensing Diagnoser reports for a host that was "
        "never licensed (§6A, §9.2). Clients without a CAL see "
        f'"{NO_LICENSE_SERVER_MESSAGE}" (§9.1).'
    )
    yield Finding.build(
        "rds.cert.never_licensed",
        FindingSeverity.HIGH if expired else FindingSeverity.MEDIUM,
        "RD Session Host was never licensed by a license server",
        detail,
        basis,
        remediation.CERT_NEVER_LICENSED,
    )


# ---------------------------------------------------------------------------------------
# client license store (§7)


def _license_product(license: ClientLicense) -> str | None:
    """The product id the CAL was issued for (LICENSED_PRODUCT_INFO), else the index string."""
    decoded = license.license
    info = None if decoded is None else decoded.product_info
    if info is not None and info.licensed_product_id:
        return info.licensed_product_id
    return None if license.product_id is None else license.product_id.text


def _license_basis(license: ClientLicense) -> Basis:
    basis = Basis()
    for record in license.evidence:
        basis.record(record)
    problems = license.all_problems
    if problems:
        shown = "; ".join(map(str, problems[:3])) + ("; ..." if len(problems) > 3 else "")
        basis.rule(f"the license decoded with problems ({shown})")
    return basis


def client_license_findings(
    state: LicensingState, licenses: Iterable[ClientLicense]
) -> Iterator[Finding]:
    """§7.2, §7.3: one finding per temporary CAL (TEMPORARY_LICENSE flag 0x80000000)."""
    for license in licenses:
        if license.temporary is not True:
            continue
        basis = _license_basis(license)
        expired = license.not_after is not None and license.not_after <= state.as_of
        expiry = iso_z(license.not_after) or "unknown"
        product = _license_product(license)
        basis.indicator(Indicator(
            "temporary_cal",
            f"temporary CAL in {license.store_key}, valid until {expiry}",
            "§7.3",
            Status.CONFIRMED,
            {"store_key": license.store_key, "view": license.view,
             "not_before": iso_z(license.not_before), "not_after": iso_z(license.not_after),
             "issuer": license.issuer, "product_id": product, "expired": expired,
             "as_of": iso_z(state.as_of)},
        ))  # fmt: skip
        status = "has expired" if expired else "is still valid"
        detail = (
            f"The client license {license.store_key} (issuer {license.issuer or 'unknown'}, "
            f"product {product or 'unknown'}) is a temporary CAL (LICENSED_PRODUCT_INFO flag "
            f"TEMPORARY_LICENSE) valid until {expiry}, which {status} as of "
            f"{iso_z(state.as_of)}. A license server issues a temporary CAL when it has no "
            "permanent CAL of the requested type (§7.3, §9.1)."
        )
        yield Finding.build(
            "rds.client.temporary_license",
            FindingSeverity.MEDIUM if expired else FindingSeverity.LOW,
            "Temporary RDS client access license on this client",
            detail,
            basis,
            remediation.CLIENT_TEMPORARY_LICENSE,
        )


def rule_client_temporary_license(state: LicensingState) -> Iterator[Finding]:
    """§7: the client store, as the state holds it decoded."""
    return client_license_findings(state, state.client.licenses)


# ---------------------------------------------------------------------------------------
# RDP exposure (§8)


def _deny_fact(state: LicensingState) -> Fact | None:
    """The fDenyTSConnections that decided state.rdp.enabled (policy before local, §8)."""
    return state.rdp.settings["enabled"].decided_by


def _policy_known(state: LicensingState, setting: str, fact_id: str) -> bool:
    """A setting decided by the local layer holds only when no policy value overrides it:
    the evidence must show the policy layer (else the rule cannot judge)."""
    decided = state.rdp.settings[setting]
    return decided.layer == Layer.POLICY or state.absent(fact_id) is True


def _layer_words(state: LicensingState, setting: str) -> str:
    layer = state.rdp.settings[setting].layer
    return "Group Policy" if layer == Layer.POLICY else "the RDP-Tcp listener"


def rule_rdp_nla_disabled(state: LicensingState) -> Iterator[Finding]:
    """§8: Network Level Authentication not required (policy before RDP-Tcp) while remote
    connections are allowed."""
    rdp = state.rdp
    if rdp.enabled is not True or rdp.nla is not False:
        return
    if not _policy_known(state, "nla", "rdp.nla.policy"):
        return
    if not _policy_known(state, "enabled", "rdp.deny.policy"):
        return
    nla, layer = rdp.settings["nla"], rdp.settings["security_layer"]
    basis = Basis().fact(_deny_fact(state)).fact(nla.decided_by)
    basis.context(layer.decided_by)
    rdp_security = rdp.security_layer_code == 0
    layer_text = (
        " The security layer is also 0 (RDP security: no TLS), so the server is authenticated "
        "only by its proprietary certificate."
        if rdp_security
        else ""
    )
    yield Finding.build(
        "rdp.nla.disabled",
        FindingSeverity.HIGH if rdp_security else FindingSeverity.MEDIUM,
        "Network Level Authentication is not required for RDP",
        f"UserAuthentication is 0 in {_layer_words(state, 'nla')} while remote connections are "
        "allowed: the logon screen is reachable before any authentication (§8)." + layer_text,
        basis,
        remediation.NLA_DISABLED,
    )


def rule_rdp_port_nondefault(state: LicensingState) -> Iterator[Finding]:
    """§8 [PORT]: the RDP-Tcp listener is not on 3389."""
    port = state.rdp.port
    if port is None or port == DEFAULT_RDP_PORT:
        return
    enabled = {True: "allowed", False: "denied", None: "unknown"}[state.rdp.enabled]
    yield Finding.build(
        "rdp.port.nondefault",
        FindingSeverity.LOW,
        "RDP listens on a non-default port",
        f"RDP-Tcp PortNumber is {port} (0x{port:08x}), not {DEFAULT_RDP_PORT}; remote "
        f"connections are {enabled} (§8).",
        Basis().fact(state.facts.get("rdp.port")).context(_deny_fact(state)),
        remediation.PORT_NONDEFAULT,
    )


def rule_rdp_enabled(state: LicensingState) -> Iterator[Finding]:
    """§8: fDenyTSConnections = 0 (policy before local)."""
    rdp = state.rdp
    if rdp.enabled is None:
        # Not judged where the evidence shows neither layer: both settle it.
        for fact_id in ("rdp.deny.policy", "rdp.deny.local"):
            state.absent(fact_id)
        return
    if rdp.enabled is not True or not _policy_known(state, "enabled", "rdp.deny.policy"):
        return
    nla = {True: "required", False: "not required", None: "unknown"}[rdp.nla]
    basis = Basis().fact(_deny_fact(state))
    basis.context(state.facts.get("rdp.port"))
    for setting in ("nla", "security_layer"):
        basis.context(rdp.settings[setting].decided_by)
    deny = _deny_fact(state)
    layer = deny.location.layer if deny is not None else None
    yield Finding.build(
        "rdp.enabled",
        FindingSeverity.INFO,
        "Remote Desktop connections are allowed",
        f"fDenyTSConnections is 0 in the {layer} layer: remote connections are allowed "
        f"(port {rdp.port if rdp.port is not None else 'unknown'}, NLA {nla}, security layer "
        f"{rdp.security_layer or 'unknown'}) (§8).",
        basis,
        remediation.RDP_ENABLED,
    )


# ---------------------------------------------------------------------------------------
# ControlSets (§8.1)

_CONTROLSET_PREFIXES = (
    "mode.", "servers.", "grace.", "cert.", "license_server.", "persistence.",
)  # fmt: skip
_CONTROLSET_EXTRA = frozenset({"role.license_server_service"})
COMPARED_FACTS: tuple[str, ...] = tuple(
    location.fact
    for location in LOCATIONS
    if location.per_control_set
    and (location.fact.startswith(_CONTROLSET_PREFIXES) or location.fact in _CONTROLSET_EXTRA)
)


def _signature(fact: Fact | None) -> tuple[Any, ...]:
    if fact is None:
        return ("absent",)
    if fact.value is None:
        return ("key",)  # key-only facts compare by presence: their last writes differ anyway
    return ("value", fact.value.type_id, fact.value.raw)


def _summary(fact: Fact | None, *, brief: bool = False) -> str | None:
    """What a ControlSet holds at a location; ``brief`` cuts long data for a sentence (the
    indicator's data keeps it whole)."""
    if fact is None:
        return None
    if fact.value is None:
        return "key present"
    raw = fact.value.raw
    long = brief and len(raw) > 16
    shown = f"{raw[:16].hex()}... ({len(raw)} bytes)" if long else raw.hex()
    return f"{fact.value.type_name} {shown}"


@dataclass
class _Difference:
    fact_id: str
    current_set: str
    other_set: str
    current: Fact | None
    other: Fact | None
    source: str


def _by_control_set(facts: Iterable[Fact], hive_id: str) -> dict[tuple[str, str], Fact]:
    found: dict[tuple[str, str], Fact] = {}
    for fact in facts:
        if fact.control_set is None:
            continue
        if f"{fact.evidence.path}|{fact.mounted.mount}" != hive_id:
            continue
        found.setdefault((fact.location.fact, fact.control_set.upper()), fact)
    return found


def control_set_differences(facts: FactSet) -> list[_Difference]:
    differences = []
    for hive_id, info in facts.control_sets.items():
        current, available = info.get("current"), list(info.get("available") or [])
        if current is None or len(available) < 2:
            continue
        by_set = _by_control_set(facts.facts, hive_id)
        for fact_id in COMPARED_FACTS:
            mine = by_set.get((fact_id, current.upper()))
            for other_set in available:
                if other_set.upper() == current.upper():
                    continue
                theirs = by_set.get((fact_id, other_set.upper()))
                if _signature(mine) != _signature(theirs):
                    differences.append(_Difference(
                        fact_id, current, other_set, mine, theirs, str(info.get("source"))
                    ))  # fmt: skip
    return differences


def _difference_indicator(diff: _Difference) -> Indicator:
    location = next(loc for loc in LOCATIONS if loc.fact == diff.fact_id)
    current = _summary(diff.current, brief=True) or "nothing"
    other = _summary(diff.other, brief=True) or "nothing"
    return Indicator(
        "control_set_difference",
        f"{diff.fact_id}: {diff.current_set} has {current}, {diff.other_set} has {other}",
        "§8.1",
        Status.CONFIRMED,
        {
            "about_fact": diff.fact_id,
            "source": diff.source,
            "key_path": location.key,
            "value_name": location.value,
            "control_set": diff.current_set,
            "other_control_set": diff.other_set,
            "current": _summary(diff.current),
            "other": _summary(diff.other),
        },
    )


def rule_controlset_differs(state: LicensingState) -> Iterator[Finding]:
    """§8.1: a licensing fact differs between the current ControlSet and another one."""
    differences = control_set_differences(state.facts)
    if not differences:
        return
    basis = Basis()
    for diff in differences:
        basis.facts_from((diff.current, diff.other)).indicator(_difference_indicator(diff))
    grace = any(diff.fact_id.startswith("grace.") for diff in differences)
    if grace:
        basis.rule(
            "that an older ControlSet keeps the pre-reset copy of the grace period is "
            "UNCERTAIN (§8.1)"
        )
    # Each input of the host that holds both ControlSets shows the difference: say it once.
    listing = "; ".join(dict.fromkeys(indicator.description for indicator in basis.indicators))
    detail = (
        f"Licensing or RDP facts differ between the ControlSet Windows uses and another one: "
        f"{listing}. An older ControlSet (e.g. LastKnownGood) can keep the state from before "
        "a change (§8.1)."
    )
    yield Finding.build(
        "rds.controlset.differs",
        FindingSeverity.MEDIUM if grace else FindingSeverity.LOW,
        "Licensing or RDP state differs between ControlSets",
        detail,
        basis,
        remediation.CONTROLSET_DIFFERS,
    )


# ---------------------------------------------------------------------------------------
# policies, input limits, era, roles


def rule_policy_tooltip_hidden(state: LicensingState) -> Iterator[Finding]:
    """§4.3, §10: fDisableTerminalServerTooltip = 1 (with reset indicators: medium)."""
    fact = state.facts.get("policy.hide_tooltip")
    if dword_of(fact) != 1:
        return
    basis = Basis().fact(fact)
    scored = reset_indicators(state, required=False)
    text = (
        "Group Policy hides the licensing notifications (mode not configured, days of grace "
        "left) from administrators (§4.3). Hardening baselines set it too, so on its own it "
        "is benign."
    )
    if scored:
        for item in scored:
            for evidence_fact in item.facts:
                basis.context(evidence_fact)
            basis.indicator(item.indicator, counts=False)
        for reason in _best(scored).reasons:
            basis.rule(reason)
        names = ", ".join(item.indicator.name for item in scored)
        text += (
            f" Here it comes with grace-reset indicators ({names}); reset playbooks hide the "
            "notification the same way (§10, see rds.grace.reset_suspected)."
        )
    yield Finding.build(
        "rds.policy.tooltip_hidden",
        FindingSeverity.MEDIUM if scored else FindingSeverity.INFO,
        "Licensing notifications are hidden by policy",
        text,
        basis,
        remediation.TOOLTIP_HIDDEN,
    )


def rule_reg_only_limits(state: LicensingState) -> Iterator[Finding]:
    """§8.2: .reg files carry no owners, ACLs or key last-write times."""
    if not state.facts.reg_only:
        return
    basis = Basis()
    seen: set[str] = set()
    for fact in state.facts.facts:
        if fact.evidence.path in seen:
            continue
        seen.add(fact.evidence.path)
        what = "a .reg export" if fact.evidence.format == "reg" else "converted from a .reg"
        basis.indicator(Indicator(
            "reg_only_input",
            f"{fact.evidence.path} is {what}",
            "§8.2",
            Status.CONFIRMED,
            {"source": fact.evidence.path, "sha256": fact.evidence.sha256,
             "format": str(fact.evidence.format)},
        ))  # fmt: skip
    if not seen:
        basis.indicator(Indicator("reg_only_input", "every input is a .reg export", "§8.2",
                                  Status.CONFIRMED))  # fmt: skip
    yield Finding.build(
        "rds.reg_only_limits",
        FindingSeverity.INFO,
        "Input is .reg only: owners, ACLs and last-write times cannot be checked",
        "Every input is a .reg export (or a hive hiveparse convert wrote from one), which by "
        "format carries no security descriptors (owner / DACL) and no key last-write times "
        "(§8.2). The GracePeriod owner/ACL checks "
        "and the last-write based checks (grace-period expiry estimate, key re-creation) "
        "cannot run, so their absence from this report proves nothing.",
        basis,
        remediation.REG_ONLY_LIMITS,
    )


def rule_mode_legacy(state: LicensingState) -> Iterator[Finding]:
    """§3.2, §5.1, §4.1: XP / Server 2003 ``Terminal Server\\Licensing Core`` without RCM."""
    legacy = state.mode.legacy_core
    if legacy is None:
        return
    era = state.identity.era
    basis = Basis().fact(legacy).context(state.facts.get("host.product_name"))
    if era.status == Status.UNCERTAIN:
        basis.rule("'no RCM values means a pre-2008 host' is an inference (§3.2: UNCERTAIN)")
    concurrent = state.facts.get("mode.legacy_concurrent")
    basis.fact(concurrent)
    extra = (
        f" EnableConcurrentSessions = {concurrent.decoded} is set (the desktop "
        "concurrent-session hack)."
        if concurrent is not None
        else ""
    )
    product = state.identity.product_name
    yield Finding.build(
        "rds.mode.legacy",
        FindingSeverity.INFO,
        "Windows XP / Server 2003 era Terminal Services licensing",
        f"The host{f' ({product})' if product else ''} has the XP / Server 2003 'Terminal "
        f"Server\\Licensing Core' key and is of that era ({era.basis}). On these versions the "
        "grace-period timebomb is an LSA secret in the SECURITY hive and license servers are "
        "hinted by LicenseServers subkeys, so the 2008+ mode, grace and certificate findings "
        f"do not apply (§3.2, §4.1, §5.1).{extra}",
        basis,
        remediation.MODE_LEGACY,
    )


def rule_license_server_present(state: LicensingState) -> Iterator[Finding]:
    """§6.1, §8: the TermServLicensing service key exists."""
    service = state.facts.get("role.license_server_service")
    if service is None:
        return
    basis = (
        Basis()
        .context(service)
        .rule("'service key present means RD Licensing installed' is UNCERTAIN (§8)")
    )
    db_path = state.facts.get("license_server.db_path")
    basis.context(db_path).context(state.facts.get("role.licensing_install_state"))
    db_text = f" Database directory: {show_value(db_path.decoded)}." if db_path else ""
    yield Finding.build(
        "rds.license_server.present",
        FindingSeverity.INFO,
        "RD Licensing (license server) service is present",
        "The TermServLicensing service key exists: this host is (or was) an RD license "
        f"server (§6.1).{db_text}",
        basis,
        remediation.LICENSE_SERVER_PRESENT,
    )


__all__ = [
    "COMPARED_FACTS",
    "Confidence",
    "Finding",
    "FindingSeverity",
    "GraceKeySecurity",
    "acl_indicators",
    "grace_reset_finding",
    "reset_indicators",
]
