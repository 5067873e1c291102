"""Who the host is: its name, the Windows it runs, its domain, and when it was installed.

Everything comes from the facts of the location table (SOFTWARE ``...\\CurrentVersion``,
SYSTEM ``Control\\ProductOptions``, ``ComputerName``, ``Tcpip\\Parameters``, SECURITY
``Policy\\PolPrDmN`` / ``PolPrDmS``) with their provenance; what the evidence does not hold
stays None. The *era* says which generation of Terminal Services licensing the host has:
NT 5 (Windows 2000, XP, Server 2003: the timebomb is an LSA secret, no RCM key) or NT 6 and
later (Vista / Server 2008 onwards: ``RCM``, the DPAPI timebomb).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from hiveparse.errors import CorruptStructure, Diagnostic, coded
from hiveparse.filetime import iso_z
from hiveparse.rds.facts import Fact, FactSet
from hiveparse.rds.locations import Status

FIRST_NT6_BUILD = 6000  # Windows Vista / Server 2008 RTM; XP is 2600, Server 2003 3790

PRODUCT_KINDS = {"WINNT": "workstation", "SERVERNT": "server", "LANMANNT": "domain controller"}

# Windows 10 / 11 Enterprise multi-session (Azure Virtual Desktop) reports ProductType WinNT
# but hosts several interactive sessions, like a session host.
MULTI_SESSION_EDITIONS = frozenset({"SERVERRDSH"})

# Product names of NT 5 Windows (ProductName in SOFTWARE ...\\CurrentVersion).
NT5_PRODUCT_NAMES = ("windows xp", "server 2003", "windows 2000", "windows .net server")

# Facts that only a 2008+ (NT 6) host has: the RCM key's values and keys.
NT6_LAYOUT_FACTS = (
    "mode.local",
    "grace.key",
    "grace.timebomb",
    "grace.timebomb_beta",
    "cert.certificate",
    "cert.x509",
    "cert.x509_id",
    "cert.x509_2",
)


class Era(StrEnum):
    NT5 = "nt5"  # Windows 2000 / XP / Server 2003
    NT6 = "nt6"  # Windows Vista / Server 2008 and later

    @property
    def meaning(self) -> str:
        if self is Era.NT5:
            return "Windows 2000 / XP / Server 2003 (NT 5.x): Terminal Services licensing"
        return "Windows Vista / Server 2008 or later (NT 6.0 and up): RD licensing under RCM"


@dataclass(frozen=True)
class EraReading:
    era: Era | None
    basis: str  # what decided it, in words
    status: Status  # CONFIRMED from the build number; UNCERTAIN from the layout
    facts: tuple[Fact, ...] = ()


def _text(fact: Fact | None) -> str | None:
    if fact is None or not fact.type_ok:
        return None
    decoded = fact.decoded
    if isinstance(decoded, str):
        return decoded.strip("\x00").strip() or None
    return None


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    digits = text.split(".", 1)[0].strip()
    return int(digits) if digits.isdecimal() else None


@dataclass
class HostIdentity:
    """The host's identity as far as its evidence states it."""

    computer_name: str | None = None
    product_name: str | None = None
    edition_id: str | None = None
    installation_type: str | None = None
    product_type: str | None = None  # WinNT / ServerNT / LanmanNT as stored
    version: str | None = None
    build: int | None = None
    display_version: str | None = None
    service_pack: str | None = None
    install_date: datetime | None = None
    install_date_raw: int | None = None
    dns_domain: str | None = None
    primary_domain: str | None = None
    domain_sid: str | None = None
    domain_joined: bool | None = None
    era: EraReading = field(default_factory=lambda: EraReading(None, "", Status.UNCERTAIN))
    facts: list[Fact] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)  # coded (identity.*)

    @property
    def kind(self) -> str | None:
        """workstation / server / domain controller: from ProductType (SYSTEM), else from
        InstallationType (SOFTWARE, Vista and later: Client, Server, Server Core)."""
        if self.product_type is not None:
            return PRODUCT_KINDS.get(self.product_type.upper())
        installation = (self.installation_type or "").upper()
        if installation == "CLIENT":
            return "workstation"
        if installation.startswith("SERVER"):
            return "server"
        return None

    @property
    def kind_basis(self) -> str | None:
        if self.product_type is not None:
            return f"ProductType {self.product_type}"
        if self.kind is not None:
            return f"InstallationType {self.installation_type}"
        return None

    @property
    def multi_session(self) -> bool:
        return (self.edition_id or "").upper() in MULTI_SESSION_EDITIONS

    def to_dict(self) -> dict[str, Any]:
        return {
            "computer_name": self.computer_name,
            "product_name": self.product_name,
            "edition_id": self.edition_id,
            "installation_type": self.installation_type,
            "product_type": self.product_type,
            "kind": self.kind,
            "kind_basis": self.kind_basis,
            "version": self.version,
            "build": self.build,
            "display_version": self.display_version,
            "service_pack": self.service_pack,
            "install_date": iso_z(self.install_date),
            "install_date_raw": self.install_date_raw,
            "dns_domain": self.dns_domain,
            "primary_domain": self.primary_domain,
            "domain_sid": self.domain_sid,
            "domain_joined": self.domain_joined,
            "era": None if self.era.era is None else str(self.era.era),
            "era_meaning": None if self.era.era is None else self.era.era.meaning,
            "era_basis": self.era.basis or None,
            "era_status": str(self.era.status),
            "problems": [problem.to_dict() for problem in self.problems],
            "evidence": [fact.evidence_record() for fact in self.facts],
        }


def _primary_domain(identity: HostIdentity, facts: FactSet) -> None:
    """Policy\\PolPrDmN (name) and Policy\\PolPrDmS (SID, empty outside a domain)."""
    from construct import ConstructError  # noqa: PLC0415

    from hiveparse.schemas.lsa import lsa_unicode_string  # noqa: PLC0415

    name_fact, sid_fact = facts.get("host.primary_domain"), facts.get("host.primary_domain_sid")
    if name_fact is not None and name_fact.value is not None:
        raw = name_fact.value.raw
        try:
            parsed = lsa_unicode_string.parse(raw)
        except ConstructError:
            parsed = None
        start = None if parsed is None else parsed.buffer_offset
        end = None if parsed is None or start is None else start + parsed.length
        if parsed is None or start is None or end is None or start < 8 or end > len(raw):
            identity.problems.append(
                coded(
                    "identity.domain_name_unreadable",
                    f"Policy\\PolPrDmN holds {len(raw)} byte(s) that are not a UNICODE_STRING",
                    source=name_fact.evidence.path,
                )
            )
        else:
            identity.primary_domain = raw[start:end].decode("utf-16-le", "replace") or None
            identity.facts.append(name_fact)
    if sid_fact is not None and sid_fact.value is not None:
        from hiveparse.decode.security import parse_sid  # noqa: PLC0415

        raw = sid_fact.value.raw
        if not raw:
            identity.domain_joined = False
        else:
            try:
                identity.domain_sid = parse_sid(raw)
                identity.domain_joined = True
            except CorruptStructure as error:
                identity.problems.append(
                    coded(
                        "identity.domain_sid_invalid",
                        f"Policy\\PolPrDmS is not a SID: {error.message}",
                        source=sid_fact.evidence.path,
                    )
                )
        identity.facts.append(sid_fact)


def _era(identity: HostIdentity, facts: FactSet) -> EraReading:
    if identity.build is not None:
        era = Era.NT5 if identity.build < FIRST_NT6_BUILD else Era.NT6
        return EraReading(era, f"build {identity.build}", Status.CONFIRMED)
    major = _int(identity.version)
    if major is not None:
        era = Era.NT5 if major < 6 else Era.NT6
        return EraReading(era, f"version {identity.version}", Status.CONFIRMED)
    name = (identity.product_name or "").casefold()
    if any(tag in name for tag in NT5_PRODUCT_NAMES):
        return EraReading(Era.NT5, f"ProductName '{identity.product_name}'", Status.CONFIRMED)
    modern = [fact for fact_id in NT6_LAYOUT_FACTS if (fact := facts.get(fact_id))]
    if modern:
        return EraReading(
            Era.NT6,
            f"{modern[0].full_key_path} exists (the RCM layout of 2008 and later)",
            Status.UNCERTAIN,
            (modern[0],),
        )
    legacy = facts.get("mode.legacy_core")
    if legacy is not None and all(facts.absent(f) is True for f in NT6_LAYOUT_FACTS):
        return EraReading(
            Era.NT5,
            f"{legacy.full_key_path} exists and the evidence shows no RCM values",
            Status.UNCERTAIN,
            (legacy,),
        )
    return EraReading(None, "no build number, version or licensing layout", Status.UNCERTAIN)


def build_identity(facts: FactSet) -> HostIdentity:
    """The identity of one host from its facts (current ControlSet)."""
    identity = HostIdentity()

    def take(fact_id: str) -> str | None:
        fact = facts.get(fact_id)
        text = _text(fact)
        if text is not None and fact is not None:
            identity.facts.append(fact)
        return text

    identity.computer_name = take("host.computer_name")
    identity.product_name = take("host.product_name")
    identity.edition_id = take("host.edition_id")
    identity.installation_type = take("host.installation_type")
    identity.product_type = take("host.product_type")
    identity.version = take("host.current_version")
    identity.build = _int(take("host.build")) or _int(take("host.build_alt"))
    identity.display_version = take("host.display_version") or take("host.release_id")
    identity.service_pack = take("host.service_pack")
    identity.dns_domain = take("host.dns_domain") or take("host.nv_domain")
    installed = facts.get("host.install_date")
    if installed is not None and installed.type_ok and isinstance(installed.decoded, int):
        seconds = installed.decoded
        identity.install_date_raw = seconds
        if seconds > 0:
            identity.install_date = datetime.fromtimestamp(seconds, tz=UTC)
        identity.facts.append(installed)
    _primary_domain(identity, facts)
    identity.era = _era(identity, facts)
    return identity
