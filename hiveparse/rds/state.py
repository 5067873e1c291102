"""The licensing state of one host, built from its facts (the report's `licensing` and `rdp`).

Precedence follows the reference: Group Policy over the local (RCM / TermService) layer
(§3.3, §4.4); the ControlSet Windows uses is read, the others are kept for comparison.
Nothing is invented: a value that is missing stays None, a value of the wrong type is
reported as such, and an estimate says it is one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hiveparse.filetime import filetime_iso, filetime_to_datetime, iso_z
from hiveparse.rds.client_license import ClientState, build_client_state
from hiveparse.rds.facts import Fact, FactSet, dword_of
from hiveparse.rds.identity import Era, HostIdentity, build_identity
from hiveparse.rds.judge import Judge
from hiveparse.rds.locations import Layer, Status
from hiveparse.rds.persistence import PersistenceState, build_persistence
from hiveparse.rds.rdp_client import UserHistory, build_history
from hiveparse.sources.regf.recovered import DeletedValue

if TYPE_CHECKING:
    from hiveparse.model import Value
    from hiveparse.rds.grace_decrypt import GraceDecryption
    from hiveparse.rds.grace_security import GraceKeySecurityInfo
    from hiveparse.rds.server_certificate import SessionHostCertificates

GRACE_PERIOD_DAYS = 120  # §5.3, CONFIRMED for 2008 and later


class Mode(StrEnum):
    PER_DEVICE = "per_device"
    PER_USER = "per_user"
    NOT_CONFIGURED = "not_configured"
    AAD_PER_USER = "aad_per_user"
    PERSONAL = "personal"
    REMOTE_ADMIN = "remote_admin"
    INVALID = "invalid"
    ABSENT = "absent"
    UNKNOWN = "unknown"  # not in the evidence, and the evidence does not cover its place


# §3.1: the codes Windows gives a meaning to. 3 is documented nowhere at runtime; 7 is
# accepted by SessEnv.dll with no known meaning and 8 is an internal sentinel: both invalid.
MODE_BY_CODE: dict[int, Mode] = {
    0: Mode.PERSONAL,
    1: Mode.REMOTE_ADMIN,
    2: Mode.PER_DEVICE,
    4: Mode.PER_USER,
    5: Mode.NOT_CONFIGURED,
    6: Mode.AAD_PER_USER,
}

SECURITY_LAYERS = {0: "rdp", 1: "negotiate", 2: "tls"}


def mode_of(code: int | None) -> Mode:
    if code is None:
        return Mode.ABSENT
    return MODE_BY_CODE.get(code, Mode.INVALID)


def _unknown_layers(facts: FactSet, *pairs: tuple[str, Layer]) -> list[Layer]:
    """The layers whose value is not in the evidence and whose place it does not cover."""
    return [layer for fact_id, layer in pairs if facts.absent(fact_id) is None]


@dataclass
class ModeState:
    effective: Mode
    code: int | None
    layer: Layer | None
    policy_code: int | None
    local_code: int | None
    policy: Fact | None
    local: Fact | None
    legacy_core: Fact | None
    # Layers the evidence cannot show (no SOFTWARE: a policy value could still override the
    # local one). The effective mode is as far as the evidence goes.
    layers_unknown: list[Layer] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "effective": str(self.effective),
            "code": self.code,
            "layer": str(self.layer) if self.layer else None,
            "policy_code": self.policy_code,
            "local_code": self.local_code,
            "layers_unknown": [str(layer) for layer in self.layers_unknown],
            "legacy_licensing_core": self.legacy_core is not None,
            "evidence": [f.evidence_record() for f in (self.policy, self.local) if f],
        }


def build_mode(facts: FactSet) -> ModeState:
    policy, local = facts.get("mode.policy"), facts.get("mode.local")
    policy_code, local_code = dword_of(policy), dword_of(local)
    legacy = facts.get("mode.legacy_core")
    unknown = _unknown_layers(facts, ("mode.policy", Layer.POLICY), ("mode.local", Layer.LOCAL))
    # A LicensingMode that is not a 4-byte REG_DWORD is present but unusable: invalid, not
    # absent (the layer that holds it still wins over the one below).
    for fact, code, layer in (
        (policy, policy_code, Layer.POLICY),
        (local, local_code, Layer.LOCAL),
    ):
        if fact is not None:
            effective = mode_of(code) if code is not None else Mode.INVALID
            return ModeState(
                effective, code, layer, policy_code, local_code, policy, local, legacy, unknown
            )
    effective = Mode.UNKNOWN if unknown else Mode.ABSENT
    return ModeState(effective, None, None, None, None, None, None, legacy, unknown)


@dataclass
class ServerAnomaly:
    kind: str  # whitespace | duplicate | empty | mixed_separators
    entry: str
    layer: Layer


@dataclass
class ServersState:
    effective: list[str]
    layer: str  # policy | local | discovery | unknown
    policy: list[str] | None
    local: list[str] | None
    policy_fact: Fact | None
    local_fact: Fact | None
    anomalies: list[ServerAnomaly] = field(default_factory=list)
    layers_unknown: list[Layer] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "effective": self.effective,
            "layer": self.layer,
            "policy": self.policy,
            "local": self.local,
            "layers_unknown": [str(layer) for layer in self.layers_unknown],
            "anomalies": [
                {"kind": a.kind, "entry": a.entry, "layer": str(a.layer)} for a in self.anomalies
            ],
            "evidence": [f.evidence_record() for f in (self.policy_fact, self.local_fact) if f],
        }


def _split_policy_servers(text: str) -> list[str]:
    # §4.1: the policy value is comma separated.
    return text.split(",")


def _check_entries(raw: list[str], layer: Layer, foreign_separators: str) -> list[ServerAnomaly]:
    anomalies: list[ServerAnomaly] = []
    seen: set[str] = set()
    for entry in raw:
        trimmed = entry.strip()
        if not trimmed:
            anomalies.append(ServerAnomaly("empty", entry, layer))
            continue
        if trimmed != entry:
            anomalies.append(ServerAnomaly("whitespace", entry, layer))
        if any(sep in trimmed for sep in foreign_separators):
            anomalies.append(ServerAnomaly("mixed_separators", entry, layer))
        if trimmed.upper() in seen:
            anomalies.append(ServerAnomaly("duplicate", trimmed, layer))
        seen.add(trimmed.upper())
    return anomalies


def build_servers(facts: FactSet) -> ServersState:
    policy_fact, local_fact = facts.get("servers.policy"), facts.get("servers.local")
    policy_raw: list[str] | None = None
    local_raw: list[str] | None = None
    anomalies: list[ServerAnomaly] = []
    if policy_fact is not None:
        if isinstance(policy_fact.decoded, str) and policy_fact.type_ok:
            policy_raw = _split_policy_servers(policy_fact.decoded)
            anomalies += _check_entries(policy_raw, Layer.POLICY, ";| \t")
        else:
            anomalies.append(ServerAnomaly("wrong_type", policy_fact.value_type, Layer.POLICY))
    if local_fact is not None:
        if isinstance(local_fact.decoded, list) and local_fact.type_ok:
            local_raw = list(local_fact.decoded)
            anomalies += _check_entries(local_raw, Layer.LOCAL, ",;")
        else:
            anomalies.append(ServerAnomaly("wrong_type", local_fact.value_type, Layer.LOCAL))
    policy = [e.strip() for e in policy_raw if e.strip()] if policy_raw is not None else None
    local = [e.strip() for e in local_raw if e.strip()] if local_raw is not None else None
    unknown = _unknown_layers(
        facts, ("servers.policy", Layer.POLICY), ("servers.local", Layer.LOCAL)
    )
    if policy:
        effective, layer = policy, "policy"
    elif local:
        effective, layer = local, "local"
    else:
        # Automatic discovery only when no layer names a server, as far as can be seen.
        effective, layer = [], "unknown" if unknown else "discovery"
    return ServersState(
        effective, layer, policy, local, policy_fact, local_fact, anomalies, unknown
    )


@dataclass
class GraceState:
    present: bool
    value_name: str | None
    key_last_write: int | None
    expires: datetime | None
    expires_source: str | None
    days_left: int | None
    ended: bool
    storage: str | None  # "registry" (2008+) | "lsa_secret" (XP/2003) | None
    key_fact: Fact | None
    timebomb: Fact | None
    ended_fact: Fact | None
    lsa_fact: Fact | None
    blob: dict[str, Any] | None = None
    decryption: dict[str, Any] | None = None  # what the offline DPAPI chain found
    as_of: datetime | None = None
    # The DPAPI headers of deleted timebomb values recovered with their data (§10), decoded
    # with the live one; looked up by the recovered value itself (see recovered_blob).
    recovered_blobs: list[tuple[DeletedValue, dict[str, Any]]] = field(default_factory=list)
    # The GracePeriod key's owner and explicit FullControl ACEs (§5.6), from its descriptor.
    security: GraceKeySecurityInfo | None = None

    def recovered_blob(self, value: Value) -> dict[str, Any] | None:
        """The decoded header of a recovered timebomb value's data, None when it was lost."""
        return next((blob for item, blob in self.recovered_blobs if item is value), None)

    def apply_decryption(self, decryption: GraceDecryption, as_of: datetime) -> None:
        """Take the decrypted end over the estimate; keep the estimate when it failed."""
        self.decryption = decryption.to_dict()
        if decryption.expires is not None:
            self.expires = decryption.expires
            self.expires_source = decryption.status  # "decrypted" | "lsa_secret"
            self.days_left = days_left(decryption.expires, as_of)

    @property
    def expired(self) -> bool | None:
        return None if self.days_left is None else self.days_left <= 0

    @property
    def days_past(self) -> int | None:
        """Whole days from the end of the grace period to the analysis date, once it is over
        (an XP timebomb that ran out years ago says so)."""
        if self.expires is None or self.as_of is None or self.expires > self.as_of:
            return None
        return (self.as_of - self.expires).days

    def to_dict(self) -> dict[str, Any]:
        return {
            "present": self.present,
            "value_name": self.value_name,
            "storage": self.storage,
            "key_last_write": filetime_iso(self.key_last_write),
            "key_last_write_raw": self.key_last_write,
            "blob": self.blob,
            "expires": iso_z(self.expires),
            "expires_source": self.expires_source,
            "days_left": self.days_left,
            "days_past": self.days_past,
            "decryption": self.decryption,
            "ended": self.ended,
            "evidence": [
                f.evidence_record()
                for f in (self.key_fact, self.timebomb, self.ended_fact, self.lsa_fact)
                if f
            ],
        }


def days_left(expires: datetime, as_of: datetime) -> int:
    """Whole days left, as WMI GetGracePeriodDays reports them (0 once it is over).

    The rounding Windows uses is UNCERTAIN (§3.4); we round up, so a grace period that
    ends later today still has 1 day left.
    """
    remaining = (expires - as_of) / timedelta(days=1)
    return max(0, math.ceil(remaining))


def build_grace(facts: FactSet, as_of: datetime) -> GraceState:
    key_fact = facts.get("grace.key")
    timebomb = facts.get("grace.timebomb") or facts.get("grace.timebomb_beta")
    ended_fact = facts.get("grace.ended")
    lsa_fact = facts.get("grace.lsa_timebomb")
    key_last_write = key_fact.key_time if key_fact else None
    expires = None
    source = None
    if timebomb is not None and key_last_write:
        # Without the machine's DPAPI keys the expiry is estimated as the GracePeriod key's
        # last write + 120 days: the key is written when the timebomb is created (§5.3, §5.5).
        written = filetime_to_datetime(key_last_write)
        if written is not None:
            expires, source = written + timedelta(days=GRACE_PERIOD_DAYS), "estimated"
    storage = "registry" if timebomb is not None else ("lsa_secret" if lsa_fact else None)
    from hiveparse.decode.dpapi_blob import decode_blob_header  # noqa: PLC0415
    from hiveparse.rds.grace_security import grace_key_security  # noqa: PLC0415

    blob = None
    if timebomb is not None and timebomb.value is not None:
        blob = decode_blob_header(timebomb.value.raw).to_dict()
    deleted = facts.recovered_all("grace.timebomb") + facts.recovered_all("grace.timebomb_beta")
    recovered_blobs = [
        (fact.value, decode_blob_header(fact.value.raw).to_dict())
        for fact in deleted
        if isinstance(fact.value, DeletedValue) and fact.value.data_available
    ]
    return GraceState(
        present=timebomb is not None or lsa_fact is not None,
        value_name=(
            timebomb.value.name if timebomb and timebomb.value else
            (lsa_fact.key.name if lsa_fact else None)
        ),
        key_last_write=key_last_write,
        expires=expires,
        expires_source=source,
        days_left=days_left(expires, as_of) if expires else None,
        ended=ended_fact is not None,
        storage=storage,
        key_fact=key_fact,
        timebomb=timebomb,
        ended_fact=ended_fact,
        lsa_fact=lsa_fact,
        blob=blob,
        as_of=as_of,
        recovered_blobs=recovered_blobs,
        security=grace_key_security(key_fact),
    )  # fmt: skip


@dataclass
class LayeredSetting:
    """A DWORD that Group Policy and the local (RDP-Tcp / Terminal Server) layer can both set;
    the policy value wins where it is a valid DWORD (§3.3, §8)."""

    value: int | None
    layer: Layer | None
    policy: Fact | None
    local: Fact | None
    policy_unknown: bool  # no policy value seen, and the evidence does not cover its place

    @property
    def decided_by(self) -> Fact | None:
        return self.policy if self.layer == Layer.POLICY else self.local

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "layer": None if self.layer is None else str(self.layer),
            "policy": dword_of(self.policy),
            "local": dword_of(self.local),
            "policy_unknown": self.policy_unknown,
        }


def layered(facts: FactSet, policy_id: str, local_id: str) -> LayeredSetting:
    policy, local = facts.get(policy_id), facts.get(local_id)
    policy_value, local_value = dword_of(policy), dword_of(local)
    unknown = policy_value is None and facts.absent(policy_id) is None
    if policy_value is not None:
        return LayeredSetting(policy_value, Layer.POLICY, policy, local, False)
    if local_value is not None:
        return LayeredSetting(local_value, Layer.LOCAL, policy, local, unknown)
    return LayeredSetting(None, None, policy, local, unknown)


@dataclass
class RdpState:
    enabled: bool | None
    port: int | None
    nla: bool | None
    security_layer: str | None
    security_layer_code: int | None
    min_encryption_level: int | None
    facts: list[Fact]
    settings: dict[str, LayeredSetting] = field(default_factory=dict)
    # Where a program can be made to start with RDP, PortProxy relays (§8.4).
    persistence: PersistenceState = field(default_factory=PersistenceState)
    # Outbound RDP from this machine's users, one entry per user hive (§8.4).
    outbound: list[UserHistory] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "port": self.port,
            "nla": self.nla,
            "security_layer": self.security_layer,
            "security_layer_code": self.security_layer_code,
            "min_encryption_level": self.min_encryption_level,
            "layers": {name: setting.to_dict() for name, setting in self.settings.items()},
            "evidence": [f.evidence_record() for f in self.facts],
            "persistence": self.persistence.to_dict(),
            "outbound": [history.to_dict() for history in self.outbound],
        }


def build_rdp(facts: FactSet) -> RdpState:
    deny = layered(facts, "rdp.deny.policy", "rdp.deny.local")
    nla = layered(facts, "rdp.nla.policy", "rdp.nla")
    shadow = layered(facts, "shadow.policy", "shadow")
    layer = layered(facts, "rdp.security_layer.policy", "rdp.security_layer")
    encryption = layered(facts, "rdp.min_encryption.policy", "rdp.min_encryption")
    port = facts.get("rdp.port")
    settings = {
        "enabled": deny,
        "nla": nla,
        "security_layer": layer,
        "min_encryption_level": encryption,
        "shadow": shadow,
    }
    used = [
        fact
        for setting in settings.values()
        for fact in (setting.policy, setting.local)
        if fact is not None
    ]
    if port is not None:
        used.insert(2, port)
    return RdpState(
        enabled=None if deny.value is None else deny.value == 0,
        port=dword_of(port),
        nla=None if nla.value is None else nla.value == 1,
        security_layer=None if layer.value is None else SECURITY_LAYERS.get(layer.value, "invalid"),
        security_layer_code=layer.value,
        min_encryption_level=encryption.value,
        facts=used,
        settings=settings,
        persistence=build_persistence(facts),
        outbound=build_history(facts),
    )


# LicensingMode codes SessEnv writes only on a session host (§3.1, [SESSENV]).
SERVER_MODE_CODES = frozenset({2, 4, 5, 6, 7})
ADMIN_MODE_CODES = frozenset({0, 1})  # personal / remote administration (§3.1, WMI)


@dataclass
class RoleState:
    """Whether the host is an RD Session Host, why, and how sure we are."""

    session_host: bool | None
    basis: list[Fact]
    status: Status
    reason: str  # in plain words: what decided it (or why it could not be told)
    # The host's certificate values under RCM (§6A), decoded: see server_certificate.
    session_host_certificates: SessionHostCertificates | None = None

    def to_dict(self) -> dict[str, Any]:
        certificates = self.session_host_certificates
        return {
            "session_host": self.session_host,
            "status": str(self.status),
            "reason": self.reason,
            "evidence": [f.evidence_record() for f in self.basis],
            "session_host_certificates": None if certificates is None else certificates.to_dict(),
        }


def _product(identity: HostIdentity) -> str:
    return f", {identity.product_name}" if identity.product_name else ""


def build_role(facts: FactSet, mode: ModeState, identity: HostIdentity) -> RoleState:
    """An RD Session Host is a server SKU with the RD Session Host role, or a 2000 / 2003
    terminal server in application mode (§8). A workstation never is one, except Windows
    Enterprise multi-session, which hosts sessions the same way."""

    def held(fact_id: str) -> Fact | None:
        # A change script's values say what importing it would write, not what the host is.
        fact = facts.get(fact_id)
        return None if fact is None or fact.from_change_script else fact

    product_type = held("host.product_type")
    edition = held("host.edition_id")
    kind_fact = product_type or held("host.installation_type")
    if identity.kind == "workstation" and kind_fact is not None:
        if identity.multi_session:
            return RoleState(
                True,
                [f for f in (kind_fact, edition) if f],
                Status.UNCERTAIN,
                f"Windows Enterprise multi-session (EditionID {identity.edition_id}) hosts "
                "several remote sessions like an RD Session Host",
            )
        return RoleState(
            False,
            [kind_fact],
            Status.CONFIRMED,
            f"a workstation ({identity.kind_basis}{_product(identity)})",
        )
    install = held("role.rdsh_install_state")
    install_state = dword_of(install)
    if install is not None and install_state is not None:
        # §8: InstallState 0 is CONFIRMED "not enabled"; other values are UNCERTAIN.
        if install_state == 0:
            return RoleState(
                False, [install], Status.CONFIRMED, "the RD Session Host role is not enabled "
                "(ServerComponentCache RDS-RD-Server InstallState 0)"
            )  # fmt: skip
        return RoleState(
            True,
            [install],
            Status.UNCERTAIN,
            f"ServerComponentCache RDS-RD-Server InstallState {install_state} (only 0, "
            "'not enabled', is documented)",
        )
    app_server = held("role.app_server")
    app_mode = dword_of(app_server)
    if identity.era.era == Era.NT5 and app_server is not None and app_mode is not None:
        # §8: TSAppCompat is CONFIRMED for 2000 / 2003: 1 application server, 0 remote admin.
        if app_mode == 1:
            return RoleState(
                True, [app_server], Status.CONFIRMED,
                "a Windows 2000 / Server 2003 terminal server in application mode "
                "(TSAppCompat 1)",
            )  # fmt: skip
        return RoleState(
            False, [app_server], Status.CONFIRMED,
            f"Terminal Services in remote administration mode (TSAppCompat {app_mode})",
        )  # fmt: skip
    local_mode = held("mode.local")
    if local_mode is not None and mode.local_code in SERVER_MODE_CODES:
        return RoleState(
            True,
            [local_mode],
            Status.UNCERTAIN,
            f"the local LicensingMode is {mode.local_code}, which SessEnv writes only where the "
            "RD Session Host role is installed",
        )
    if app_server is not None and app_mode == 1:
        return RoleState(
            True,
            [app_server],
            Status.UNCERTAIN,
            "TSAppCompat 1 (application server mode; its meaning after Server 2003 is UNCERTAIN)",
        )
    if local_mode is not None and mode.local_code in ADMIN_MODE_CODES:
        return RoleState(
            False,
            [local_mode],
            Status.UNCERTAIN,
            f"the local LicensingMode is {mode.local_code} ({mode_of(mode.local_code)}): "
            "Remote Desktop for administration, not an RD Session Host",
        )
    no_component = facts.absent("role.rdsh_install_state") is True
    if no_component and facts.absent("mode.local") is True:
        kind = identity.kind or "host"
        return RoleState(
            False,
            [f for f in (product_type, app_server) if f],
            Status.UNCERTAIN,
            f"a {kind} with no trace of the RD Session Host role (no RDS-RD-Server "
            "component, no local LicensingMode)",
        )
    traces = (
        "the RD Session Host role's traces (SOFTWARE ServerComponentCache\\RDS-RD-Server, "
        "the RCM LicensingMode in SYSTEM)"
    )
    reason = (
        f"a {identity.kind}, but {traces} are not in the evidence"
        if identity.kind is not None
        else f"neither the product type (SYSTEM Control\\ProductOptions) nor {traces} "
        "are in the evidence"
    )
    scripted = [f for f in ("mode.local", "role.app_server", "role.rdsh_install_state")
                if (fact := facts.get(f)) is not None and fact.from_change_script]  # fmt: skip
    if scripted:
        reason += (
            "; the values a change script would write are not taken as what the host is "
            f"({', '.join(scripted)})"
        )
    return RoleState(None, [f for f in (product_type, app_server) if f], Status.UNCERTAIN, reason)


@dataclass
class LicensingState:
    mode: ModeState
    servers: ServersState
    grace: GraceState
    rdp: RdpState
    role: RoleState
    identity: HostIdentity
    client: ClientState  # the client's hardware id and license store (§7), decoded once
    facts: FactSet
    as_of: datetime
    judge: Judge

    @property
    def certificates(self) -> SessionHostCertificates | None:
        """The session host's decoded certificate values (``Certificate``, ``X509 ...``)."""
        return self.role.session_host_certificates

    def absent(self, fact_id: str, *, required: bool = True) -> bool | None:
        """Whether a location is known to be empty; None where the evidence cannot tell
        (recorded as not judged unless ``required`` is False). See :class:`Judge`."""
        return self.judge.absent(fact_id, required=required)


def build_state(
    facts: FactSet, as_of: datetime, decryption: GraceDecryption | None = None
) -> LicensingState:
    """Everything the rules read, derived once from the facts: the artifacts that need
    decoding (the session host's certificate values, the client license store, the
    timebomb's header) are decoded here, and ``decryption`` (the grace period's decrypted
    end, when the key material allowed it) takes the estimate's place."""
    from hiveparse.rds.server_certificate import session_host_certificates  # noqa: PLC0415

    identity = build_identity(facts)
    mode = build_mode(facts)
    role = build_role(facts, mode, identity)
    role.session_host_certificates = session_host_certificates(facts, as_of)
    grace = build_grace(facts, as_of)
    if decryption is not None:
        grace.apply_decryption(decryption, as_of)
    return LicensingState(
        mode=mode,
        servers=build_servers(facts),
        grace=grace,
        rdp=build_rdp(facts),
        role=role,
        identity=identity,
        client=build_client_state(facts),
        facts=facts,
        as_of=as_of,
        judge=Judge(facts),
    )
