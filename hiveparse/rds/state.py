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
from hiveparse.model import HiveType
from hiveparse.rds.facts import Fact, FactSet
from hiveparse.rds.locations import Layer, Status

if TYPE_CHECKING:
    from hiveparse.rds.grace_decrypt import GraceDecryption
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


def _dword(fact: Fact | None) -> int | None:
    if fact is None:
        return None
    decoded = fact.decoded
    return decoded if isinstance(decoded, int) and fact.type_ok else None


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "effective": str(self.effective),
            "code": self.code,
            "layer": str(self.layer) if self.layer else None,
            "policy_code": self.policy_code,
            "local_code": self.local_code,
            "legacy_licensing_core": self.legacy_core is not None,
            "evidence": [f.evidence_record() for f in (self.policy, self.local) if f],
        }


def build_mode(facts: FactSet) -> ModeState:
    policy, local = facts.get("mode.policy"), facts.get("mode.local")
    policy_code, local_code = _dword(policy), _dword(local)
    legacy = facts.get("mode.legacy_core")
    # A LicensingMode that is not a 4-byte REG_DWORD is present but unusable: invalid, not
    # absent (the layer that holds it still wins over the one below).
    for fact, code, layer in (
        (policy, policy_code, Layer.POLICY),
        (local, local_code, Layer.LOCAL),
    ):
        if fact is not None:
            effective = mode_of(code) if code is not None else Mode.INVALID
            return ModeState(effective, code, layer, policy_code, local_code, policy, local, legacy)
    return ModeState(Mode.ABSENT, None, None, None, None, None, None, legacy)


@dataclass
class ServerAnomaly:
    kind: str  # whitespace | duplicate | empty | mixed_separators
    entry: str
    layer: Layer


@dataclass
class ServersState:
    effective: list[str]
    layer: str  # policy | local | discovery
    policy: list[str] | None
    local: list[str] | None
    policy_fact: Fact | None
    local_fact: Fact | None
    anomalies: list[ServerAnomaly] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "effective": self.effective,
            "layer": self.layer,
            "policy": self.policy,
            "local": self.local,
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
    if policy:
        effective, layer = policy, "policy"
    elif local:
        effective, layer = local, "local"
    else:
        effective, layer = [], "discovery"
    return ServersState(effective, layer, policy, local, policy_fact, local_fact, anomalies)


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
    key_last_write = key_fact.key.last_written if key_fact else None
    expires = None
    source = None
    if timebomb is not None and key_last_write:
        # Without the machine's DPAPI keys the expiry is estimated as the GracePeriod key's
        # last write + 120 days: the key is written when the timebomb is created (§5.3, §5.5).
        written = filetime_to_datetime(key_last_write)
        if written is not None:
            expires, source = written + timedelta(days=GRACE_PERIOD_DAYS), "estimated"
    storage = "registry" if timebomb is not None else ("lsa_secret" if lsa_fact else None)
    blob = None
    if timebomb is not None and timebomb.value is not None:
        from hiveparse.dpapi_blob import decode_blob_header  # noqa: PLC0415

        blob = decode_blob_header(timebomb.value.raw).to_dict()
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
    )  # fmt: skip


@dataclass
class RdpState:
    enabled: bool | None
    port: int | None
    nla: bool | None
    security_layer: str | None
    security_layer_code: int | None
    min_encryption_level: int | None
    facts: list[Fact]

    def to_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "port": self.port,
            "nla": self.nla,
            "security_layer": self.security_layer,
            "security_layer_code": self.security_layer_code,
            "min_encryption_level": self.min_encryption_level,
            "evidence": [f.evidence_record() for f in self.facts],
        }


def build_rdp(facts: FactSet) -> RdpState:
    deny_policy, deny_local = facts.get("rdp.deny.policy"), facts.get("rdp.deny.local")
    deny = _dword(deny_policy)
    if deny is None:
        deny = _dword(deny_local)
    port = facts.get("rdp.port")
    nla = facts.get("rdp.nla")
    layer = facts.get("rdp.security_layer")
    encryption = facts.get("rdp.min_encryption")
    layer_code = _dword(layer)
    nla_code = _dword(nla)
    used = [f for f in (deny_policy, deny_local, port, nla, layer, encryption) if f]
    return RdpState(
        enabled=None if deny is None else deny == 0,
        port=_dword(port),
        nla=None if nla_code is None else nla_code == 1,
        security_layer=None if layer_code is None else SECURITY_LAYERS.get(layer_code, "invalid"),
        security_layer_code=layer_code,
        min_encryption_level=_dword(encryption),
        facts=used,
    )


@dataclass
class RoleState:
    """Whether the host is an RD Session Host, and how sure we are."""

    session_host: bool | None
    basis: list[Fact]
    status: Status
    # The host's certificate values under RCM (§6A), decoded: see server_certificate.
    session_host_certificates: SessionHostCertificates | None = None

    def to_dict(self) -> dict[str, Any]:
        certificates = self.session_host_certificates
        return {
            "session_host": self.session_host,
            "status": str(self.status),
            "evidence": [f.evidence_record() for f in self.basis],
            "session_host_certificates": None if certificates is None else certificates.to_dict(),
        }


def build_role(facts: FactSet, mode: ModeState) -> RoleState:
    install = facts.get("role.rdsh_install_state")
    install_state = _dword(install)
    if install is not None and install_state is not None:
        # §8: InstallState 0 is CONFIRMED "not enabled"; other values are UNCERTAIN.
        status = Status.CONFIRMED if install_state == 0 else Status.UNCERTAIN
        return RoleState(install_state != 0, [install], status)
    app_server = facts.get("role.app_server")
    if mode.local_code in (2, 4, 5, 6, 7) and mode.local is not None:
        # SessEnv writes a server-mode LicensingMode only where the RDSH role is installed.
        return RoleState(True, [mode.local], Status.UNCERTAIN)
    if _dword(app_server) == 1 and app_server is not None and facts.has_hive(HiveType.SYSTEM):
        return RoleState(True, [app_server], Status.UNCERTAIN)
    if facts.has_hive(HiveType.SYSTEM):
        basis = [f for f in (mode.local, app_server) if f]
        return RoleState(False, basis, Status.UNCERTAIN)
    return RoleState(None, [], Status.UNCERTAIN)


@dataclass
class LicensingState:
    mode: ModeState
    servers: ServersState
    grace: GraceState
    rdp: RdpState
    role: RoleState
    facts: FactSet
    as_of: datetime

    @property
    def certificates(self) -> SessionHostCertificates | None:
        """The session host's decoded certificate values (``Certificate``, ``X509 ...``)."""
        return self.role.session_host_certificates


def build_state(facts: FactSet, as_of: datetime) -> LicensingState:
    from hiveparse.rds.server_certificate import session_host_certificates  # noqa: PLC0415

    mode = build_mode(facts)
    role = build_role(facts, mode)
    role.session_host_certificates = session_host_certificates(facts, as_of)
    return LicensingState(
        mode=mode,
        servers=build_servers(facts),
        grace=build_grace(facts, as_of),
        rdp=build_rdp(facts),
        role=role,
        facts=facts,
        as_of=as_of,
    )
