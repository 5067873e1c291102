"""In-memory hosts for the RDS rule tests.

:class:`HostBuilder` writes SYSTEM and SOFTWARE trees with the in-memory hive builder, wraps
them in :class:`~hiveparse.evidence.open.Evidence` objects as ``open_evidence`` would, and runs the
real pipeline: ``collect_facts`` → ``build_state(as_of)`` → ``evaluate``. Every time is given
by the test (nothing defaults to "now"), so expected dates are computed by hand in the tests.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from hiveparse.evidence.coverage import CoveredRoot, RootsCoverage
from hiveparse.evidence.open import Evidence, MountedHive
from hiveparse.filetime import datetime_to_filetime
from hiveparse.model import EvidenceFormat, HiveType, ValueType
from hiveparse.rds.facts import FactSet, collect_facts
from hiveparse.rds.findings import Finding
from hiveparse.rds.locations import TIMEBOMB_RTM
from hiveparse.rds.rulebook import evaluate
from hiveparse.rds.state import LicensingState, build_state
from hiveparse.sources.memory import MemoryHive, MemoryKey
from hiveparse.sources.regf.edit import delete_value
from hiveparse.sources.regf.open import open_hive
from hiveparse.sources.regf.writer import write_hive_with_layout

REG_SZ = int(ValueType.REG_SZ)
REG_BINARY = int(ValueType.REG_BINARY)
REG_DWORD = int(ValueType.REG_DWORD)
REG_MULTI_SZ = int(ValueType.REG_MULTI_SZ)

TS = r"{ccs}\Control\Terminal Server"
RCM = rf"{TS}\RCM"
LICENSING_CORE = rf"{RCM}\Licensing Core"
GRACE = rf"{RCM}\GracePeriod"
RDP_TCP = rf"{TS}\WinStations\RDP-Tcp"
TERMSERVICE = r"{ccs}\Services\TermService"
PARAMETERS = rf"{TERMSERVICE}\Parameters"
TS_POLICY = r"Policies\Microsoft\Windows NT\Terminal Services"
RDSH_COMPONENT = r"Microsoft\ServerManager\ServicingStorage\ServerComponentCache\RDS-RD-Server"

# What a DPAPI-wrapped timebomb looks like from outside: version 1 + the provider GUID (§5.2).
DPAPI_BLOB = bytes.fromhex("01000000d08c9ddf0115d1118c7a00c04fc297eb") + bytes(60)
CERT_BLOB = bytes.fromhex("308201") + bytes(16)


def dword(number: int) -> bytes:
    return struct.pack("<I", number)


def sz(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


def multi_sz(items: list[str]) -> bytes:
    return ("".join(f"{item}\0" for item in items) + "\0").encode("utf-16-le")


class HostBuilder:
    """One host: a SYSTEM and/or a SOFTWARE hive, as regf (default) or .reg evidence."""

    def __init__(
        self,
        *,
        system: bool = True,
        software: bool = True,
        fmt: EvidenceFormat = EvidenceFormat.REGF,
        current: int = 1,
        exported: tuple[str, ...] = ("",),
    ) -> None:
        """``exported``: for .reg input, the subtrees each file exported as regedit does
        (relative to the hive; "" = the whole hive). Keys outside them are not covered."""
        self.format = fmt
        self.exported = exported
        self.system = MemoryHive(HiveType.SYSTEM, source="/evidence/SYSTEM", format=fmt)
        self.software = MemoryHive(HiveType.SOFTWARE, source="/evidence/SOFTWARE", format=fmt)
        self.with_system, self.with_software = system, software
        select = self.system.root().ensure("Select")
        select.set_value("Current", REG_DWORD, dword(current))
        select.set_value("Default", REG_DWORD, dword(current))
        self.system.root().ensure(f"ControlSet{current:03d}")
        self.current = f"ControlSet{current:03d}"
        self.deleted_values: list[tuple[str, str]] = []
        self.users: dict[str, MemoryHive] = {}  # user name -> NTUSER.DAT

    # -- raw writers ------------------------------------------------------------------------

    def sys_key(
        self, path: str, *, written: datetime | None = None, control_set: str | None = None
    ) -> MemoryKey:
        key = self.system.root().ensure(path.replace("{ccs}", control_set or self.current))
        if written is not None and self.format != EvidenceFormat.REG:
            key.last_written_raw = datetime_to_filetime(written)
        return key

    def sys_value(
        self, path: str, name: str, type_id: int, raw: bytes, *, control_set: str | None = None
    ) -> MemoryKey:
        key = self.sys_key(path, control_set=control_set)
        key.set_value(name, type_id, raw)
        return key

    def sw_value(self, path: str, name: str, type_id: int, raw: bytes) -> MemoryKey:
        key = self.software.root().ensure(path)
        key.set_value(name, type_id, raw)
        return key

    def user_value(self, user: str, path: str, name: str, type_id: int, raw: bytes) -> MemoryKey:
        """A value in ``user``'s NTUSER.DAT (``Users\\<user>\\NTUSER.DAT``)."""
        hive = self.users.get(user)
        if hive is None:
            source = f"/evidence/Users/{user}/NTUSER.DAT"
            hive = self.users[user] = MemoryHive(HiveType.NTUSER, source=source, format=self.format)
        key = hive.root().ensure(path)
        key.set_value(name, type_id, raw)
        return key

    # -- domain writers ---------------------------------------------------------------------

    def session_host(self, *, installed: datetime, install_state: int = 1) -> HostBuilder:
        """A 2012+ RD Session Host as Server Manager leaves it, RDP open with NLA and TLS."""
        self.sw_value(RDSH_COMPONENT, "InstallState", REG_DWORD, dword(install_state))
        self.sw_value(r"Microsoft\Windows NT\CurrentVersion", "ProductName", REG_SZ,
                      sz("Windows Server 2019 Standard"))  # fmt: skip
        self.sys_key(TERMSERVICE, written=installed)
        self.sys_value(TS, "fDenyTSConnections", REG_DWORD, dword(0))
        self.sys_value(RDP_TCP, "PortNumber", REG_DWORD, dword(3389))
        self.sys_value(RDP_TCP, "UserAuthentication", REG_DWORD, dword(1))
        self.sys_value(RDP_TCP, "SecurityLayer", REG_DWORD, dword(2))
        self.sys_value(RCM, "Certificate", REG_BINARY, CERT_BLOB)
        self.sys_key(LICENSING_CORE, written=installed)
        return self

    def local_mode(self, code: int, *, control_set: str | None = None) -> HostBuilder:
        self.sys_value(LICENSING_CORE, "LicensingMode", REG_DWORD, dword(code),
                       control_set=control_set)  # fmt: skip
        return self

    def policy_mode(self, code: int) -> HostBuilder:
        self.sw_value(TS_POLICY, "LicensingMode", REG_DWORD, dword(code))
        return self

    def policy_servers(self, text: str) -> HostBuilder:
        self.sw_value(TS_POLICY, "LicenseServers", REG_SZ, sz(text))
        return self

    def local_servers(self, items: list[str]) -> HostBuilder:
        self.sys_value(rf"{PARAMETERS}\LicenseServers", "SpecifiedLicenseServers",
                       REG_MULTI_SZ, multi_sz(items))  # fmt: skip
        return self

    def timebomb(
        self, written: datetime, *, name: str = TIMEBOMB_RTM, control_set: str | None = None
    ) -> HostBuilder:
        key = self.sys_key(GRACE, written=written, control_set=control_set)
        key.set_value(name, REG_BINARY, DPAPI_BLOB)
        return self

    def grace_key(self, written: datetime) -> HostBuilder:
        self.sys_key(GRACE, written=written)
        return self

    def grace_ended(self) -> HostBuilder:
        self.sys_value(PARAMETERS, "LicensingGracePeriodEnded", REG_DWORD, dword(1))
        return self

    def x509(self) -> HostBuilder:
        self.sys_value(RCM, "X509 Certificate", REG_BINARY, CERT_BLOB)
        return self

    def tooltip_hidden(self) -> HostBuilder:
        self.sw_value(TS_POLICY, "fDisableTerminalServerTooltip", REG_DWORD, dword(1))
        return self

    def deleted_value(
        self, path: str, name: str, type_id: int, raw: bytes, *, control_set: str | None = None
    ) -> None:
        """A SYSTEM value that Windows deleted: the hive is written as REGF and the value
        removed the way Windows removes it, leaving its cells free for carving."""
        resolved = path.replace("{ccs}", control_set or self.current)
        self.sys_value(path, name, type_id, raw, control_set=control_set)
        self.deleted_values.append((resolved, name))

    # -- pipeline -----------------------------------------------------------------------------

    def evidence(self) -> list[Evidence]:
        items = []
        for wanted, hive, mount in (
            (self.with_system, self.system, r"HKEY_LOCAL_MACHINE\SYSTEM"),
            (self.with_software, self.software, r"HKEY_LOCAL_MACHINE\SOFTWARE"),
        ):
            if wanted and hive is self.system and self.deleted_values:
                items.append(self._system_with_deletions())
            elif wanted:
                suffix = ".reg" if self.format == EvidenceFormat.REG else ""
                coverage = None
                if self.format == EvidenceFormat.REG:
                    coverage = RootsCoverage([CoveredRoot(root, True) for root in self.exported])
                items.append(Evidence(
                    path=f"{hive.source}{suffix}", size=0, sha256="0" * 64, format=self.format,
                    hives=[MountedHive(mount, hive)], reg_coverage=coverage,
                ))  # fmt: skip
        items += [
            Evidence(path=hive.source, size=0, sha256="0" * 64, format=self.format,
                     hives=[MountedHive("HKEY_CURRENT_USER", hive)])
            for hive in self.users.values()
        ]  # fmt: skip
        return items

    def _system_with_deletions(self) -> Evidence:
        image, layout = write_hive_with_layout(self.system)
        edited = bytearray(image)
        for path, name in self.deleted_values:
            delete_value(edited, layout, path, name)
        hive = open_hive(self.system.source, data=bytes(edited))
        return Evidence(
            path=self.system.source, size=len(edited), sha256="0" * 64,
            format=EvidenceFormat.REGF, hives=[MountedHive(r"HKEY_LOCAL_MACHINE\SYSTEM", hive)],
        )  # fmt: skip

    def state_facts(self) -> FactSet:
        return collect_facts(self.evidence())

    def state(self, as_of: datetime) -> LicensingState:
        return build_state(self.state_facts(), as_of)

    def findings(self, as_of: datetime) -> list[Finding]:
        return evaluate(self.state(as_of))


def by_id(findings: list[Finding]) -> dict[str, Finding]:
    """The findings keyed by id (the test fails if an id shows up twice)."""
    result: dict[str, Finding] = {}
    for finding in findings:
        assert finding.id not in result, f"{finding.id} reported twice"
        result[finding.id] = finding
    return result


def summary(findings: list[Finding]) -> set[tuple[str, str, str]]:
    """{(id, severity, confidence)}: what most tests compare exactly."""
    return {(f.id, str(f.severity), str(f.confidence)) for f in findings}


def fact_records(finding: Finding, fact_id: str) -> list[dict[str, Any]]:
    return [
        record for record in finding.evidence
        if "indicator" not in record and record["fact"] == fact_id
    ]  # fmt: skip


def indicators(finding: Finding, name: str | None = None) -> list[dict[str, Any]]:
    return [
        record for record in finding.evidence
        if "indicator" in record and (name is None or record["indicator"] == name)
    ]  # fmt: skip


@pytest.fixture
def make_host() -> Callable[..., HostBuilder]:
    return HostBuilder
