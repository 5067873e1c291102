"""The settings ``hiveparse compare`` sets side by side, each read as Windows applies it.

A setting is read from one host's facts (:mod:`hiveparse.rds.facts`) through its layers in
precedence order: Group Policy first, then the local layer (the RDP-Tcp listener, the
Terminal Server key, Server Manager's RCM keys), the first valid value deciding (the
reference's §3.3 and §4.4; a value of the wrong type is passed over, as Windows does). A
reading says where the value came from, or that no layer sets it (Windows' default then
applies), or that the evidence cannot tell: a layer that could decide is not in the evidence
(no SOFTWARE hive: a policy could override the listener's value). Nothing is filled in.

The settings that belong to one machine (its name, certificates, timebomb, client hardware
id) are marked machine-specific: a difference there is expected, and said to be.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hiveparse.compare.sides import SUBTREE_PROBE
from hiveparse.rds.facts import Fact, FactSet, dword_of, text_of
from hiveparse.rds.locations import BY_FACT, CCS, Layer, Location, Status
from hiveparse.rds.state import SECURITY_LAYERS, LicensingState, mode_of
from hiveparse.values import show_value

Meaning = Callable[[int], str]


class State(StrEnum):
    """What a side's evidence says of a setting."""

    SET = "set"  # a layer sets it
    NOT_SET = "not_set"  # no layer sets it, and the evidence covers every layer
    UNUSABLE = "unusable"  # only a value Windows passes over (the wrong type)
    UNKNOWN = "unknown"  # a layer the evidence does not cover could set it


@dataclass(frozen=True)
class Reading:
    """What one host's evidence says of one setting."""

    shown: Any  # the setting as a person reads it; None: no layer sets it
    raw: Any  # the data it rests on (a DWORD, a string, a list, binary as hex); None: not set
    layer: str | None  # policy | local | None (not set)
    facts: tuple[Fact, ...] = ()  # the facts it rests on
    # Places the evidence does not cover where a value could change the reading.
    unknown: tuple[Location, ...] = ()
    notes: tuple[str, ...] = ()  # sentences on how it was read
    comparable: Any = None  # what equality compares; the raw data unless a setting says
    # Values of lower layers that the deciding one overrides with another value (a local
    # value under a policy): they apply again where the policy no longer does.
    overridden: tuple[Fact, ...] = ()
    unusable: bool = False  # only values Windows passes over: shown, never taken as set

    @property
    def known(self) -> bool:
        return not self.unknown

    @property
    def note(self) -> str | None:
        return "; ".join(self.notes) or None

    @property
    def is_set(self) -> bool:
        return self.raw is not None

    @property
    def key(self) -> Any:
        return self.raw if self.comparable is None else self.comparable

    @property
    def state(self) -> State:
        if self.unknown:
            return State.UNKNOWN
        if self.unusable:
            return State.UNUSABLE
        return State.SET if self.is_set else State.NOT_SET


@dataclass(frozen=True)
class Setting:
    """One row of the comparison."""

    id: str
    label: str
    group: str
    reads: tuple[str, ...]  # the fact ids it reads (their conflicts are shown with it)
    read: Callable[[LicensingState], Reading]
    machine_specific: str | None = None  # why a difference is expected; None: a setting
    # Windows' value where no layer sets it, where the reference confirms it (the listener
    # port 3389, the security layer Negotiate): a side that does not set it has that value.
    default: Any = None
    default_shown: str | None = None

    @property
    def status(self) -> Status:
        """UNCERTAIN when the reference does not confirm one of the places it reads."""
        uncertain = any(BY_FACT[fact].status == Status.UNCERTAIN for fact in self.reads)
        return Status.UNCERTAIN if uncertain else Status.CONFIRMED


def _held(fact: Fact) -> str:
    """A value as stored: its type and data, for one Windows passes over."""
    data = "" if fact.value is None else show_value(fact.decoded, limit=40)
    return f"{fact.value_type or 'key'} {data}".rstrip()


def absent(facts: FactSet, fact_id: str) -> bool:
    """Whether the place is known to be empty, as a comparison may count it: the evidence
    covers it (:meth:`FactSet.absent`) and, for a value, the whole subtree of its key (a
    .reg snippet that sets one value of a key says nothing of the key's other values; the
    same rule as ``diff``)."""
    if facts.absent(fact_id) is not True:
        return False
    location = BY_FACT[fact_id]
    if location.value is None:
        return True
    token = CCS if location.per_control_set else None
    return facts.coverage.covers(location.hive, f"{location.key}\\{SUBTREE_PROBE}", token)


@dataclass
class _Walk:
    """The layers of one setting, read in precedence order."""

    facts: FactSet
    unknown: list[Location] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    passed: list[tuple[Fact, Layer]] = field(default_factory=list)
    overridden: list[tuple[Fact, Any, Layer]] = field(default_factory=list)

    def first(
        self, layers: Sequence[tuple[str, Layer]], decode: Callable[[Fact], Any]
    ) -> tuple[Fact, Any, Layer] | None:
        """The first layer holding a usable value; layers above it that the evidence does
        not cover are kept in ``unknown`` (they could override it), usable values below it
        in ``overridden``."""
        found: tuple[Fact, Any, Layer] | None = None
        for fact_id, layer in layers:
            fact = self.facts.get(fact_id)
            decoded = None if fact is None else decode(fact)
            if fact is not None and decoded is not None:
                if found is None:
                    found = (fact, decoded, layer)
                else:
                    self.overridden.append((fact, decoded, layer))
            elif found is None and fact is not None:
                self.passed.append((fact, layer))
                self.notes.append(
                    f"{fact.full_key_path}\\{fact.location.value} holds {_held(fact)}, not a "
                    "value Windows reads there: it is passed over"
                )
            elif found is None and not absent(self.facts, fact_id):
                self.unknown.append(BY_FACT[fact_id])
        return found

    def reading(
        self, found: tuple[Fact, Any, Layer] | None, shown: Callable[[Any], Any], **extra: Any
    ) -> Reading:
        notes = list(self.notes)
        passed = tuple(fact for fact, _layer in self.passed)
        if found is None:
            if self.passed and not self.unknown:
                first, layer = self.passed[0]
                raw = None if first.value is None else first.value.raw.hex()
                return Reading(
                    f"unusable: {_held(first)}", raw, str(layer), passed, (), tuple(notes),
                    comparable=("unusable", raw), unusable=True,
                )  # fmt: skip
            return Reading(None, None, None, passed, tuple(self.unknown), tuple(notes))
        fact, decoded, layer = found
        notes += [
            f"{layer} overrides the {lower_layer} value {shown(value)}: it applies again "
            "where the policy no longer does"
            for _lower, value, lower_layer in self.overridden
            if value != decoded
        ]
        return Reading(
            shown(decoded),
            decoded,
            str(layer),
            (fact, *passed),
            tuple(self.unknown),
            tuple(notes),
            overridden=tuple(lower for lower, value, _layer in self.overridden if value != decoded),
            **extra,
        )


def layered_dword(
    policy: str | None, *local: str, meaning: Meaning
) -> Callable[[LicensingState], Reading]:
    """A DWORD Group Policy and the local layer can both set (``local`` in the order
    Windows falls back through them)."""
    layers = ([(policy, Layer.POLICY)] if policy else []) + [(f, Layer.LOCAL) for f in local]

    def read(state: LicensingState) -> Reading:
        walk = _Walk(state.facts)
        return walk.reading(walk.first(layers, dword_of), meaning)

    return read


def layered_text(policy: str | None, *local: str) -> Callable[[LicensingState], Reading]:
    layers = ([(policy, Layer.POLICY)] if policy else []) + [(f, Layer.LOCAL) for f in local]

    def read(state: LicensingState) -> Reading:
        walk = _Walk(state.facts)
        found = walk.first(layers, text_of)
        return walk.reading(found, lambda text: text, comparable=_folded(found))

    return read


def _folded(found: tuple[Fact, Any, Layer] | None) -> Any:
    return None if found is None else str(found[1]).upper()


def session_limit(
    policy: str, local: str, inherit: str, meaning: Meaning
) -> Callable[[LicensingState], Reading]:
    """A session limit: the policy value, else the listener's own unless the listener takes
    each user's setting (``fInherit...`` 1: the limit of the user's account applies, which
    the registry does not hold)."""

    def read(state: LicensingState) -> Reading:
        walk = _Walk(state.facts)
        found = walk.first([(policy, Layer.POLICY)], dword_of)
        if found is not None:
            return walk.reading(found, meaning)
        flag = state.facts.get(inherit)
        if flag is not None and dword_of(flag) == 1:
            return Reading(
                "each user's own",
                "inherit",
                str(Layer.LOCAL),
                (flag,),
                tuple(walk.unknown),
                (
                    f"{flag.location.value} 1: the listener takes the setting of each user's "
                    "account, which the registry does not hold",
                ),
                comparable=("inherit",),
            )
        return walk.reading(walk.first([(local, Layer.LOCAL)], dword_of), meaning)

    return read


def meanings(table: dict[int, str]) -> Meaning:
    def meaning(code: int) -> str:
        return table.get(code, f"undocumented ({code})")

    return meaning


def flag(on: str, off: str) -> Meaning:
    return meanings({1: on, 0: off})


def duration(milliseconds: int) -> str:
    """A session limit in words: 0 is none."""
    if milliseconds == 0:
        return "never"
    seconds, rest = divmod(milliseconds, 1000)
    if rest:
        return f"{milliseconds} ms"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}")
    return " ".join(parts)


# -- the settings with a shape of their own ------------------------------------------------


read_mode = layered_dword("mode.policy", "mode.local", meaning=lambda c: f"{mode_of(c)} ({c})")


def read_servers(state: LicensingState) -> Reading:
    """The license servers the host uses: the policy list, else the local one (§4.4), in
    their order; the same names in another case are the same servers."""
    servers = state.servers
    facts = tuple(f for f in (servers.policy_fact, servers.local_fact) if f is not None)
    uncovered = [
        BY_FACT[fact_id]
        for fact_id in ("servers.policy", "servers.local")
        if state.facts.get(fact_id) is None and not absent(state.facts, fact_id)
    ]
    if servers.layer in ("policy", "local"):
        # Policy wins; the local list stands only where no policy layer could be hiding.
        above = [loc for loc in uncovered if loc.layer == Layer.POLICY and servers.layer == "local"]
        names = list(servers.effective)
        overridden = (servers.local_fact,) if servers.layer == "policy" and servers.local else ()
        notes: tuple[str, ...] = ()
        if overridden and servers.local != servers.policy:
            notes = (
                f"policy overrides the local list {', '.join(servers.local or [])}: it applies "
                "again where the policy no longer does",
            )
        return Reading(
            names, names, servers.layer, facts, tuple(above), notes,
            comparable=tuple(name.upper() for name in names),
            overridden=tuple(f for f in overridden if f is not None),
        )  # fmt: skip
    discovers = () if uncovered else ("no layer names a server: the host discovers one",)
    return Reading(None, None, None, facts, tuple(uncovered), discovers)


def _not_there(state: LicensingState, fact_id: str, note: str | None = None) -> Reading:
    """No value at ``fact_id``: not set where the evidence covers its place, else unknown
    (``note`` says what not set means)."""
    if absent(state.facts, fact_id):
        return Reading(None, None, None, (), (), () if note is None else (note,))
    return Reading(None, None, None, (), (BY_FACT[fact_id],))


def _subkeys(
    fact_id: str, shown: Callable[[list[str]], Any]
) -> Callable[[LicensingState], Reading]:
    """The names of a key's subkeys (the licences of a store, the published programs), in
    any case and order."""

    def read(state: LicensingState) -> Reading:
        fact = state.facts.get(fact_id)
        if fact is None:
            return _not_there(state, fact_id)
        names = sorted(key.name for key in fact.key.subkeys())
        folded = tuple(sorted(name.upper() for name in names))
        return Reading(shown(names), names, "local", (fact,), comparable=folded)

    return read


def _blob(fact_id: str, what: str) -> Callable[[LicensingState], Reading]:
    """A binary value that identifies one machine (a certificate, a hardware id)."""

    def read(state: LicensingState) -> Reading:
        fact = state.facts.get(fact_id)
        if fact is None or fact.value is None:
            return _not_there(state, fact_id)
        raw = fact.value.raw
        digest = hashlib.sha1(raw, usedforsecurity=False).hexdigest()
        return Reading(f"{what}, {len(raw)} bytes, SHA-1 {digest}", raw.hex(), "local", (fact,))

    return read


def read_thumbprint(state: LicensingState) -> Reading:
    fact = state.facts.get("rdp.ssl_cert_hash")
    if fact is None or fact.value is None:
        chosen = "no certificate chosen: Windows uses its self-signed one"
        return _not_there(state, "rdp.ssl_cert_hash", chosen)
    raw = fact.value.raw.hex()
    return Reading(f"thumbprint {raw}", raw, "local", (fact,))


ROLE_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("role.rdsh_install_state", "RDS-RD-Server"),
    ("role.licensing_install_state", "RDS-Licensing"),
    ("role.broker_install_state", "RDS-Connection-Broker"),
    ("role.gateway_install_state", "RDS-Gateway"),
    ("role.web_access_install_state", "RDS-Web-Access"),
    ("role.virtualization_install_state", "RDS-Virtualization"),
)


def read_roles(state: LicensingState) -> Reading:
    """The RDS components Server Manager records, with their InstallState (§8: 0 is 'not
    enabled'; what other values mean is UNCERTAIN, so they are shown, not interpreted)."""
    facts: list[Fact] = []
    states: dict[str, int] = {}
    unknown: list[Location] = []
    for fact_id, component in ROLE_COMPONENTS:
        fact = state.facts.get(fact_id)
        code = None if fact is None else dword_of(fact)
        if fact is not None and code is not None:
            facts.append(fact)
            states[component] = code
        elif fact is None and not absent(state.facts, fact_id):
            unknown.append(BY_FACT[fact_id])
    service = state.facts.get("role.license_server_service")
    if service is not None:
        facts.append(service)
    installed = [f"{name} (InstallState {code})" for name, code in states.items() if code != 0]
    if service is not None:
        installed.append("TermServLicensing service")
    if not states and service is None:
        return Reading(None, None, None, (), tuple(unknown))
    raw = dict(states) | ({"TermServLicensing": "service key"} if service is not None else {})
    return Reading(installed or ["none enabled"], raw, "local", tuple(facts), tuple(unknown))


def _identity_text(
    fact_ids: Sequence[str], shape: Callable[[list[str]], str]
) -> Callable[[LicensingState], Reading]:
    """Identity strings read together (a product and its edition; a build and its release),
    the first one required; ``shape`` puts the ones present in words."""

    def read(state: LicensingState) -> Reading:
        facts = [fact for f in fact_ids if (fact := state.facts.get(f)) is not None]
        texts = [text for fact in facts if (text := text_of(fact))]
        if not texts:
            unknown = tuple(BY_FACT[f] for f in fact_ids[:1] if not absent(state.facts, f))
            return Reading(None, None, None, tuple(facts), unknown)
        shown = shape(list(dict.fromkeys(texts)))
        return Reading(shown, texts, "local", tuple(facts), comparable=shown.upper())

    return read


def _first_then_rest(texts: list[str]) -> str:
    """``Windows Server 2016 Standard (ServerStandard)``, ``17763 (1809)``."""
    first, rest = texts[0], texts[1:]
    return f"{first} ({', '.join(rest)})" if rest else first


_SHADOW = meanings(
    {
        0: "no remote control",
        1: "full control with the user's permission",
        2: "full control without the user's permission",
        3: "view with the user's permission",
        4: "view without the user's permission",
    }
)
_ENCRYPTION = meanings({1: "low", 2: "client compatible", 3: "high", 4: "FIPS compliant"})
_ALLOWED = flag("allowed", "not allowed")
_DISABLED = flag("disabled", "allowed")
_MS = duration


def _redirection(value: str, label: str, *, local: bool = True) -> Setting:
    fact = f"redirection.{value}"
    reads = (f"{fact}.policy", fact) if local else (f"{fact}.policy",)
    return Setting(
        f"redirection.{value}", f"{label} redirection", "redirection", reads,
        layered_dword(*reads, meaning=_DISABLED),
    )  # fmt: skip


SETTINGS: tuple[Setting, ...] = (
    # -- licensing ----------------------------------------------------------------------
    Setting("licensing.mode", "licensing mode", "licensing", ("mode.policy", "mode.local"),
            read_mode),
    Setting("licensing.servers", "license servers", "licensing",
            ("servers.policy", "servers.local"), read_servers),
    Setting("licensing.timebomb", "grace-period timebomb", "licensing", ("grace.timebomb",),
            _blob("grace.timebomb", "DPAPI blob"),
            machine_specific="written by each host when its grace period starts"),
    Setting("licensing.certificate", "RD Session Host X.509 certificate", "licensing",
            ("cert.x509",), _blob("cert.x509", "issued by a license server"),
            machine_specific="issued to this host by its license server"),
    Setting("licensing.proprietary_certificate", "RD Session Host proprietary certificate",
            "licensing", ("cert.certificate",), _blob("cert.certificate", "self-generated"),
            machine_specific="generated by each host"),
    Setting("licensing.client_hwid", "client hardware id", "licensing", ("client.hwid",),
            _blob("client.hwid", "hardware id"),
            machine_specific="generated by each machine's RDP client"),
    Setting("licensing.client_store", "client licence store", "licensing", ("client.store",),
            _subkeys("client.store", lambda names: f"{len(names)} licence(s)"),
            machine_specific="the licences this machine's RDP client was issued"),
    # -- RDP listener ---------------------------------------------------------------------
    Setting("rdp.enabled", "remote connections", "rdp", ("rdp.deny.policy", "rdp.deny.local"),
            layered_dword("rdp.deny.policy", "rdp.deny.local",
                          meaning=flag("denied", "allowed"))),
    Setting("rdp.ts_enabled", "Terminal Services (TSEnabled)", "rdp", ("rdp.ts_enabled",),
            layered_dword(None, "rdp.ts_enabled", meaning=flag("enabled", "disabled"))),
    Setting("rdp.port", "listener port", "rdp", ("rdp.port",),
            layered_dword(None, "rdp.port", meaning=str), default=3389, default_shown="3389"),
    Setting("rdp.nla", "Network Level Authentication", "rdp", ("rdp.nla.policy", "rdp.nla"),
            layered_dword("rdp.nla.policy", "rdp.nla",
                          meaning=flag("required", "not required"))),
    Setting("rdp.security_layer", "security layer", "rdp",
            ("rdp.security_layer.policy", "rdp.security_layer"),
            layered_dword("rdp.security_layer.policy", "rdp.security_layer",
                          meaning=meanings(SECURITY_LAYERS)),
            default=1, default_shown="negotiate"),
    Setting("rdp.min_encryption", "minimum encryption level", "rdp",
            ("rdp.min_encryption.policy", "rdp.min_encryption"),
            layered_dword("rdp.min_encryption.policy", "rdp.min_encryption",
                          meaning=_ENCRYPTION)),
    Setting("rdp.certificate_template", "listener certificate template", "rdp",
            ("rdp.certificate_template.policy",),
            layered_text("rdp.certificate_template.policy")),
    Setting("rdp.listener_certificate", "listener certificate", "rdp", ("rdp.ssl_cert_hash",),
            read_thumbprint, machine_specific="each host's own TLS certificate"),
    # -- sessions -----------------------------------------------------------------------------
    Setting("session.idle_limit", "idle session limit", "sessions",
            ("session.idle_limit.policy", "session.idle_limit", "session.idle_limit.inherit"),
            session_limit("session.idle_limit.policy", "session.idle_limit",
                          "session.idle_limit.inherit", _MS)),
    Setting("session.disconnected_limit", "disconnected session limit", "sessions",
            ("session.disconnected_limit.policy", "session.disconnected_limit",
             "session.disconnected_limit.inherit"),
            session_limit("session.disconnected_limit.policy", "session.disconnected_limit",
                          "session.disconnected_limit.inherit", _MS)),
    Setting("session.active_limit", "active session limit", "sessions",
            ("session.active_limit.policy", "session.active_limit",
             "session.active_limit.inherit"),
            session_limit("session.active_limit.policy", "session.active_limit",
                          "session.active_limit.inherit", _MS)),
    Setting("session.end_on_limit", "at a time limit", "sessions",
            ("session.end_on_limit.policy", "session.end_on_limit",
             "session.end_on_limit.inherit"),
            session_limit("session.end_on_limit.policy", "session.end_on_limit",
                          "session.end_on_limit.inherit",
                          flag("end the session", "disconnect the session"))),
    Setting("session.single_per_user", "single session per user", "sessions",
            ("session.single_per_user.policy", "session.single_per_user"),
            layered_dword("session.single_per_user.policy", "session.single_per_user",
                          meaning=flag("yes", "no"))),
    # -- redirection ----------------------------------------------------------------------
    _redirection("drives", "drive"),
    _redirection("clipboard", "clipboard"),
    _redirection("printers", "printer"),
    _redirection("com_ports", "COM port"),
    _redirection("lpt_ports", "LPT port"),
    _redirection("audio", "audio playback"),
    _redirection("pnp", "Plug and Play device", local=False),
    # -- RemoteApp ---------------------------------------------------------------------------
    Setting("remoteapp.unlisted", "programs not on the RemoteApp list", "remoteapp",
            ("remoteapp.unlisted.policy", "remoteapp.allow_list_disabled"),
            layered_dword("remoteapp.unlisted.policy", "remoteapp.allow_list_disabled",
                          meaning=flag("may start remotely", "may not start remotely"))),
    Setting("remoteapp.programs", "RemoteApp programs", "remoteapp", ("remoteapp.programs",),
            _subkeys("remoteapp.programs", list)),
    # -- shadowing and Remote Assistance ---------------------------------------------------
    Setting("shadow", "shadowing (remote control of sessions)", "assistance",
            ("shadow.policy", "shadow"), layered_dword("shadow.policy", "shadow",
                                                       meaning=_SHADOW)),
    Setting("assistance.solicited", "Remote Assistance (solicited)", "assistance",
            ("assistance.solicited.policy", "assistance.solicited",
             "assistance.solicited.legacy"),
            layered_dword("assistance.solicited.policy", "assistance.solicited",
                          "assistance.solicited.legacy", meaning=_ALLOWED)),
    Setting("assistance.full_control", "Remote Assistance control", "assistance",
            ("assistance.full_control.policy", "assistance.full_control"),
            layered_dword("assistance.full_control.policy", "assistance.full_control",
                          meaning=flag("helpers may control", "helpers may only view"))),
    Setting("assistance.unsolicited", "Remote Assistance (offered, unsolicited)",
            "assistance", ("assistance.unsolicited.policy",),
            layered_dword("assistance.unsolicited.policy", meaning=_ALLOWED)),
    Setting("assistance.unsolicited_control", "unsolicited Remote Assistance control",
            "assistance", ("assistance.unsolicited_control.policy",),
            layered_dword("assistance.unsolicited_control.policy",
                          meaning=flag("helpers may control", "helpers may only view"))),
    # -- RD Connection Broker ----------------------------------------------------------------
    Setting("broker.joined", "joined to an RD Connection Broker", "broker",
            ("broker.joined.policy", "broker.joined"),
            layered_dword("broker.joined.policy", "broker.joined", meaning=flag("yes", "no"))),
    Setting("broker.server", "RD Connection Broker server", "broker",
            ("broker.server.policy", "broker.server"),
            layered_text("broker.server.policy", "broker.server")),
    Setting("broker.farm", "RD Session Host farm name", "broker",
            ("broker.farm.policy", "broker.farm"),
            layered_text("broker.farm.policy", "broker.farm")),
    Setting("broker.ip_redirection", "broker redirection", "broker",
            ("broker.ip_redirection.policy", "broker.ip_redirection"),
            layered_dword("broker.ip_redirection.policy", "broker.ip_redirection",
                          meaning=flag("by IP address", "by routing token"))),
    # -- roles and the operating system -----------------------------------------------------
    Setting("roles", "RDS roles installed", "host",
            (*(f for f, _name in ROLE_COMPONENTS), "role.license_server_service"),
            read_roles),
    Setting("host.product", "OS product", "host", ("host.product_name", "host.edition_id"),
            _identity_text(("host.product_name", "host.edition_id"), _first_then_rest)),
    Setting("host.build", "OS build", "host", ("host.build", "host.display_version",
                                               "host.release_id", "host.service_pack"),
            _identity_text(("host.build", "host.display_version", "host.release_id",
                            "host.service_pack"), _first_then_rest)),
    Setting("host.dns_domain", "DNS domain", "host", ("host.dns_domain",),
            layered_text(None, "host.dns_domain")),
    Setting("host.computer_name", "computer name", "host", ("host.computer_name",),
            layered_text(None, "host.computer_name"),
            machine_specific="each machine's own name"),
)  # fmt: skip
