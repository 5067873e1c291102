"""Generate the bundled sample evidence, reproducibly, with the project's own writers.

Each case is written as REGF hives (our REGF writer) and as the .reg files regedit would
export from them (UTF-16LE, BOM, CRLF, wrapped hex; keys in the order the hive stores them,
which is the order RegEnumKeyEx gives regedit). Nothing here is copied from a real machine;
the values follow the documented layout of RD Session Hosts and RDP clients (reference:
rds-licensing.md, section numbers in the comments). samples/README.md tells each story.

Everything is a pure function of the code: every key gets a fixed last-write FILETIME, the
"random" bytes (DPAPI blob payloads, GUIDs, the client hardware id) come from a SHA-256
counter stream over a fixed label, RSA keys are derived from a seed (samples.cal_factory)
and PKCS#1 v1.5 signatures have no randomness. The same code writes the same bytes.

    python samples/make_samples.py          # rewrites samples/<case>/
    python samples/make_samples.py OUT_DIR  # writes OUT_DIR/<case>/ instead

The stories are told as of 2026-03-06T12:00:00Z (:data:`AS_OF`), a Friday.
"""

from __future__ import annotations

import hashlib
import struct
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from hiveparse.decode.security import Grant, build_security_descriptor
from hiveparse.export.regfile import export_reg_bytes
from hiveparse.filetime import datetime_to_filetime
from hiveparse.model import HiveType, ValueType
from hiveparse.schemas import security
from hiveparse.sources.memory import MemoryHive, MemoryKey
from hiveparse.sources.regf import open_hive
from hiveparse.sources.regf.edit import delete_value
from hiveparse.sources.regf.writer import write_hive_with_layout

if not __package__:  # run as a script: put the repository, not samples/, on the path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from samples.cal_factory import CalSpec, build_license, derive_rsa_key, install_store
from samples.evtx_factory import CATALOGUE as EVENTS
from samples.evtx_factory import LSM as LSM_PROVIDER
from samples.evtx_factory import RCM as RCM_PROVIDER
from samples.evtx_factory import EventSpec, build_evtx
from samples.volume_factory import build_key_material, write_volume

HERE = Path(__file__).resolve().parent
WRITTEN = datetime_to_filetime(datetime(2026, 3, 4, 16, 45, 12, tzinfo=UTC))
AS_OF = datetime(2026, 3, 6, 12, 0, 0, tzinfo=UTC)
SEED = "hiveparse-samples"

REG_SZ = ValueType.REG_SZ
REG_EXPAND_SZ = ValueType.REG_EXPAND_SZ
REG_BINARY = ValueType.REG_BINARY
REG_DWORD = ValueType.REG_DWORD
REG_MULTI_SZ = ValueType.REG_MULTI_SZ

Values = Mapping[str, tuple[ValueType, bytes]]


@dataclass(frozen=True)
class Edited:
    """A hive written, then changed the way Windows changes a hive in place: each deleted
    value leaves its cells free but not wiped (what carving recovers)."""

    hive: MemoryHive
    deleted_values: tuple[tuple[str, str, str], ...]  # (key path, value name, when)


Payload = MemoryHive | Edited | bytes
CaseBuilder = Callable[[], dict[str, Payload]]

# Hive-relative paths inside one ControlSet / the SOFTWARE hive (§3.2, §4.1, §5.1, §6A, §8).
TERMINAL_SERVER = r"Control\Terminal Server"
RDP_TCP = rf"{TERMINAL_SERVER}\WinStations\RDP-Tcp"
RCM = rf"{TERMINAL_SERVER}\RCM"
LICENSING_CORE = rf"{RCM}\Licensing Core"
GRACE_PERIOD = rf"{RCM}\GracePeriod"
TERMSERVICE = r"Services\TermService"
TERMSERVICE_PARAMETERS = rf"{TERMSERVICE}\Parameters"
LICENSE_SERVERS = rf"{TERMSERVICE_PARAMETERS}\LicenseServers"
TERMSERVLICENSING = r"Services\TermServLicensing"
CURRENT_VERSION = r"Microsoft\Windows NT\CurrentVersion"
TS_POLICY = r"Policies\Microsoft\Windows NT\Terminal Services"
COMPONENT_CACHE = r"Microsoft\ServerManager\ServicingStorage\ServerComponentCache"
MSLICENSING = r"Microsoft\MSLicensing"

# §5.1: the GA value name, spelled as Windows spells it (mixed case in the GUID).
TIMEBOMB = "L$RTMTIMEBOMB_1320153D-8DA3-4e8e-B27B-0D888223A588"


# --- encodings -------------------------------------------------------------------------------


def sz(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


def multi_sz(items: list[str]) -> bytes:
    return ("".join(f"{item}\0" for item in items) + "\0").encode("utf-16-le")


def dword(number: int) -> bytes:
    return struct.pack("<I", number)


def at(moment: str) -> int:
    """The FILETIME of an ISO-8601 UTC time such as ``2025-11-06T07:58:41``."""
    return datetime_to_filetime(datetime.fromisoformat(moment).replace(tzinfo=UTC))


def seeded_bytes(label: str, size: int) -> bytes:
    """``size`` bytes that depend only on ``label``: SHA-256 in counter mode."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{SEED}\0{label}\0{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def seeded_guid(label: str) -> uuid.UUID:
    """A version-4-shaped GUID drawn from the seeded stream."""
    return uuid.UUID(bytes=seeded_bytes(label, 16), version=4)


def _set(key: MemoryKey, values: Values) -> None:
    for name, (type_id, raw) in values.items():
        key.set_value(name, int(type_id), raw)


def _all_keys(root: MemoryKey) -> list[MemoryKey]:
    found, stack = [], [root]
    while stack:
        key = stack.pop()
        found.append(key)
        stack.extend(key.subkeys())
    return found


def _stamp(key: MemoryKey, filetime: int) -> MemoryKey:
    key.last_written_raw = filetime
    return key


def _stamp_rest(root: MemoryKey, filetime: int) -> None:
    """Give every key that has no last-write time yet ``filetime``."""
    for key in _all_keys(root):
        if key.last_written_raw is None:
            key.last_written_raw = filetime


# --- the grace-period timebomb: a DPAPI-shaped blob (§5.2) --------------------------------------

DPAPI_PROVIDER = uuid.UUID("df9d8cd0-1501-11d1-8c7a-00c04fc297eb")
CRYPTPROTECT_LOCAL_MACHINE = 0x00000004
CALG_AES_256 = 0x00006610
CALG_SHA_512 = 0x0000800E


def dpapi_timebomb(label: str) -> bytes:
    """A blob laid out as DPAPI writes one (mimikatz ``dpapi::blob`` field order) that cannot
    be decrypted: the header is real (version 1, provider GUID df9d8cd0-..., machine-scope
    flag, AES-256 + SHA-512, empty description) but the master-key GUID, salt, HMAC key,
    ciphertext and signature are bytes from the seeded stream, encrypted under no key at all.
    The ciphertext is one AES block (16 bytes): an 8-byte FILETIME padded (§5.2, UNCERTAIN).
    """
    description = sz("")  # ProtectedData.Protect with no description: a lone NUL

    def field_(name: str, size: int) -> bytes:
        return struct.pack("<I", size) + seeded_bytes(f"dpapi:{label}:{name}", size)

    return b"".join(
        (
            struct.pack("<I", 1),  # dwVersion
            DPAPI_PROVIDER.bytes_le,  # guidProvider
            struct.pack("<I", 1),  # dwMasterKeyVersion
            seeded_guid(f"dpapi:{label}:masterkey").bytes_le,  # guidMasterKey
            struct.pack("<I", CRYPTPROTECT_LOCAL_MACHINE),  # dwFlags (§5.2: machine scope)
            struct.pack("<I", len(description)) + description,
            struct.pack("<II", CALG_AES_256, 256),  # algCrypt, dwAlgCryptLen
            field_("salt", 32),
            struct.pack("<I", 0),  # dwHmacKeyLen: no HMAC key
            struct.pack("<II", CALG_SHA_512, 512),  # algHash, dwAlgHashLen
            field_("hmac2", 32),
            field_("data", 16),
            field_("sign", 64),
        )
    )


# --- security descriptors of RCM\GracePeriod (§5.6, §10) -------------------------------------
# Built from the declarations of hiveparse.schemas.security. The default descriptor is
# UNCERTAIN (§5.6: NETWORK SERVICE as owner is a single community report; CONFIRMED only
# that Administrators cannot write or delete there). The reset descriptor is what the
# Prakash82x-family scripts leave: owner BUILTIN\Administrators and an added explicit
# FullControl ACE (RegistryRights.FullControl = KEY_ALL_ACCESS, no inheritance flags).

SID_SYSTEM = "S-1-5-18"
SID_NETWORK_SERVICE = "S-1-5-20"
SID_ADMINISTRATORS = "S-1-5-32-544"


_GRACE_DEFAULT_GRANTS = [
    Grant(SID_SYSTEM, security.KEY_ALL_ACCESS),
    Grant(SID_NETWORK_SERVICE, security.KEY_ALL_ACCESS),
    Grant(SID_ADMINISTRATORS, security.KEY_READ),
]
# O:NSG:SYD:P(A;CI;KA;;;SY)(A;CI;KA;;;NS)(A;CI;KR;;;BA)
GRACE_DEFAULT_SD = build_security_descriptor(
    SID_NETWORK_SERVICE, SID_SYSTEM, _GRACE_DEFAULT_GRANTS, protected=True
)
# O:BAG:SYD:P(A;CI;KA;;;SY)(A;CI;KA;;;NS)(A;CI;KR;;;BA)(A;;KA;;;BA)
GRACE_RESET_SD = build_security_descriptor(
    SID_ADMINISTRATORS,
    SID_SYSTEM,
    [
        *_GRACE_DEFAULT_GRANTS,
        Grant(SID_ADMINISTRATORS, security.KEY_ALL_ACCESS, container_inherit=False),
    ],
    protected=True,
)


# --- the RD Session Host's "X509 Certificate" (§6A) --------------------------------------------

_LS_NOT_BEFORE = datetime(1970, 6, 1, 12, 0, 0, tzinfo=UTC)  # [NT5]: year fixed, 1970-2038
_LS_NOT_AFTER = datetime(2038, 1, 1, 0, 0, 0, tzinfo=UTC)


def license_server_certificate(server: str, scope: str) -> bytes:
    """DER of a self-signed certificate naming a license server (CN) and its scope (L).

    A stand-in: §6A believes ``X509 Certificate`` holds the chain a license server issued to
    the host, root first, whose root is this self-signed license-server certificate; the exact
    layout of the value is UNCERTAIN (§12 q13). The analyzer only checks that it is present.
    """
    key = derive_rsa_key(SEED, f"license-server:{server}", 1024)
    name = x509.Name(
        [
            x509.RelativeDistinguishedName(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, server),
                    x509.NameAttribute(NameOID.LOCALITY_NAME, scope),
                ]
            )
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(datetime_to_filetime(_LS_NOT_BEFORE))  # [NT5]: notBefore as FILETIME
        .not_valid_before(_LS_NOT_BEFORE)
        .not_valid_after(_LS_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


# --- hosts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Machine:
    """What every SYSTEM / SOFTWARE hive of one machine has, whatever its role."""

    name: str
    domain: str  # "" in a workgroup
    installed: str  # OS installation: the last write of every key nobody touched since
    booted: str  # last boot: Select is rewritten then
    product: str = "Windows Server 2019 Standard"
    installation_type: str = "Server"
    product_type: str = "ServerNT"  # Control\ProductOptions: WinNT on a workstation
    edition: str = "ServerStandard"
    build: str = "17763"
    release: str = "1809"
    rdp_allowed: bool = True
    app_server: bool = True


@dataclass(frozen=True)
class ControlSetState:
    """The licensing state of one ControlSet of a session host (§3-§6A)."""

    local_mode: int = 5
    mode_written: str | None = None  # Licensing Core last write, if after the role install
    specified_servers: tuple[str, ...] = ()
    servers_written: str | None = None
    grace_written: str | None = None  # None: no GracePeriod key
    timebomb: bool = True
    timebomb_deleted: str | None = None  # when the timebomb value was deleted (left in free cells)
    grace_descriptor: bytes = GRACE_DEFAULT_SD
    grace_ended: str | None = None  # when LicensingGracePeriodEnded was written
    x509: tuple[str, str, str] | None = None  # (license server, scope, when written)


@dataclass(frozen=True)
class SessionHost:
    machine: Machine
    role_installed: str  # RDS-RD-Server installed: TermService and Licensing Core written
    current: ControlSetState
    previous: ControlSetState | None = None  # ControlSet002, when it differs from 001
    policy: Values = field(default_factory=dict)
    policy_written: str | None = None
    license_server: bool = False  # the host also runs RD Licensing (TermServLicensing)


def _root_name(machine: Machine, hive: str) -> str:
    """The root name of an offline-saved hive (§8.1): CMI-CreateHive{GUID}."""
    return f"CMI-CreateHive{{{str(seeded_guid(f'hive:{machine.name}:{hive}')).upper()}}}"


def machine_system(machine: Machine, fill: Callable[[MemoryKey, int], None]) -> MemoryHive:
    """A SYSTEM hive with Select and two ControlSets; ``fill`` adds the role to each set."""
    hive = MemoryHive(HiveType.SYSTEM, root_name=_root_name(machine, "SYSTEM"))
    root = hive.root()
    _set(
        _stamp(root.ensure("Select"), at(machine.booted)),
        {
            "Current": (REG_DWORD, dword(1)),
            "Default": (REG_DWORD, dword(1)),
            "Failed": (REG_DWORD, dword(0)),
            "LastKnownGood": (REG_DWORD, dword(2)),
        },
    )
    for number in (1, 2):
        control_set = root.ensure(f"ControlSet{number:03d}")
        _set(
            control_set.ensure(r"Control\ComputerName\ComputerName"),
            {"ComputerName": (REG_SZ, sz(machine.name))},
        )
        _set(
            control_set.ensure(r"Control\ProductOptions"),
            {"ProductType": (REG_SZ, sz(machine.product_type))},
        )
        _set(
            control_set.ensure(TERMINAL_SERVER),
            {
                "fDenyTSConnections": (REG_DWORD, dword(0 if machine.rdp_allowed else 1)),
                "TSAppCompat": (REG_DWORD, dword(1 if machine.app_server else 0)),
                "ProductVersion": (REG_SZ, sz("5.1")),
            },
        )
        _set(
            control_set.ensure(RDP_TCP),
            {
                "PortNumber": (REG_DWORD, dword(3389)),
                "UserAuthentication": (REG_DWORD, dword(1)),
                "SecurityLayer": (REG_DWORD, dword(2)),
                "MinEncryptionLevel": (REG_DWORD, dword(2)),
            },
        )
        _set(
            control_set.ensure(TERMSERVICE),
            {
                "DependOnService": (REG_MULTI_SZ, multi_sz(["RPCSS"])),
                "DisplayName": (REG_SZ, sz("@%SystemRoot%\\System32\\termsrv.dll,-268")),
                "ErrorControl": (REG_DWORD, dword(1)),
                "ImagePath": (
                    REG_EXPAND_SZ,
                    sz("%SystemRoot%\\System32\\svchost.exe -k NetworkService"),
                ),
                "ObjectName": (REG_SZ, sz("NT Authority\\NetworkService")),
                "Start": (REG_DWORD, dword(3)),
                "Type": (REG_DWORD, dword(0x20)),
            },
        )
        _set(
            control_set.ensure(TERMSERVICE_PARAMETERS),
            {"ServiceDll": (REG_EXPAND_SZ, sz("%SystemRoot%\\System32\\termsrv.dll"))},
        )
        _set(
            control_set.ensure(r"Services\Tcpip\Parameters"),
            {
                "Domain": (REG_SZ, sz(machine.domain)),
                "Hostname": (REG_SZ, sz(machine.name)),
                "NV Domain": (REG_SZ, sz(machine.domain)),
                "NV Hostname": (REG_SZ, sz(machine.name)),
            },
        )
        fill(control_set, number)
    _stamp_rest(root, at(machine.installed))
    return hive


def machine_software(machine: Machine) -> MemoryHive:
    """A SOFTWARE hive with the CurrentVersion values Windows keeps (§8: ProductName...)."""
    hive = MemoryHive(HiveType.SOFTWARE, root_name=_root_name(machine, "SOFTWARE"))
    root = hive.root()
    installed = datetime.fromisoformat(machine.installed).replace(tzinfo=UTC)
    _set(
        root.ensure(CURRENT_VERSION),
        {
            "CurrentBuild": (REG_SZ, sz(machine.build)),
            "CurrentBuildNumber": (REG_SZ, sz(machine.build)),
            "CurrentMajorVersionNumber": (REG_DWORD, dword(10)),
            "CurrentMinorVersionNumber": (REG_DWORD, dword(0)),
            "CurrentType": (REG_SZ, sz("Multiprocessor Free")),
            "CurrentVersion": (REG_SZ, sz("6.3")),
            "EditionID": (REG_SZ, sz(machine.edition)),
            "InstallationType": (REG_SZ, sz(machine.installation_type)),
            "InstallDate": (REG_DWORD, dword(int(installed.timestamp()))),
            "ProductName": (REG_SZ, sz(machine.product)),
            "ReleaseId": (REG_SZ, sz(machine.release)),
            "SystemRoot": (REG_SZ, sz("C:\\Windows")),
        },
    )
    root.ensure(r"Policies\Microsoft\Windows")
    return hive


def _session_host_set(host: SessionHost, control_set: MemoryKey, number: int) -> None:
    """One ControlSet of a session host: RCM, Licensing Core, GracePeriod, server lists."""
    state = host.previous if number == 2 and host.previous is not None else host.current
    role = at(host.role_installed)
    _stamp(control_set.ensure(TERMSERVICE), role)
    core = _stamp(control_set.ensure(LICENSING_CORE), at(state.mode_written or host.role_installed))
    _set(core, {"LicensingMode": (REG_DWORD, dword(state.local_mode))})
    rcm = control_set.ensure(RCM)
    if state.x509 is not None:
        server, scope, written = state.x509
        _set(rcm, {"X509 Certificate": (REG_BINARY, license_server_certificate(server, scope))})
        _stamp(rcm, at(written))
    if state.grace_written is not None:
        grace = _stamp(control_set.ensure(GRACE_PERIOD), at(state.grace_written))
        grace.security_descriptor_raw = state.grace_descriptor
        if state.timebomb:
            # The same label in both ControlSets: a copy holds the same bytes.
            _set(grace, {TIMEBOMB: (REG_BINARY, dpapi_timebomb(host.machine.name))})
    parameters = control_set.ensure(TERMSERVICE_PARAMETERS)
    if state.grace_ended is not None:
        _set(parameters, {"LicensingGracePeriodEnded": (REG_DWORD, dword(1))})
        _stamp(parameters, at(state.grace_ended))
    if state.specified_servers:
        servers = control_set.ensure(LICENSE_SERVERS)
        _set(
            servers,
            {"SpecifiedLicenseServers": (REG_MULTI_SZ, multi_sz(list(state.specified_servers)))},
        )
        _stamp(servers, at(state.servers_written or host.role_installed))
    if host.license_server:
        service = _stamp(control_set.ensure(TERMSERVLICENSING), role)
        _set(
            service,
            {
                "DisplayName": (REG_SZ, sz("@%SystemRoot%\\System32\\lserver.dll,-100")),
                "ImagePath": (
                    REG_EXPAND_SZ,
                    sz("%SystemRoot%\\System32\\svchost.exe -k NetworkService"),
                ),
                "ObjectName": (REG_SZ, sz("NT Authority\\NetworkService")),
                "Start": (REG_DWORD, dword(2)),
                "Type": (REG_DWORD, dword(0x20)),
            },
        )
        _set(
            _stamp(service.ensure("Parameters"), role),
            {
                # §6.1: DBPath is CONFIRMED for 2003 only; the default directory is kept.
                "DBPath": (REG_EXPAND_SZ, sz("%SystemRoot%\\System32\\lserver")),
                "ServiceDll": (REG_EXPAND_SZ, sz("%SystemRoot%\\System32\\lserver.dll")),
            },
        )


def session_host_hives(host: SessionHost) -> dict[str, Payload]:
    def fill(control_set: MemoryKey, number: int) -> None:
        _session_host_set(host, control_set, number)

    system = machine_system(host.machine, fill)
    software = machine_software(host.machine)
    root = software.root()
    role = at(host.role_installed)
    cache = root.ensure(COMPONENT_CACHE)
    # §8: InstallState 0 is CONFIRMED "not enabled"; 1 for an installed role is UNCERTAIN.
    components = ["RDS-RD-Server", *(["RDS-Licensing"] if host.license_server else [])]
    for component in components:
        _set(_stamp(cache.ensure(component), role), {"InstallState": (REG_DWORD, dword(1))})
    if host.policy:
        policy = root.ensure(TS_POLICY)
        _set(policy, host.policy)
        _stamp(policy, at(host.policy_written or host.role_installed))
    _stamp_rest(root, at(host.machine.installed))
    deleted = tuple(
        (f"ControlSet{number:03d}\\{GRACE_PERIOD}", TIMEBOMB, state.timebomb_deleted)
        for number, state in ((1, host.current), (2, host.previous or host.current))
        if state.timebomb and state.timebomb_deleted is not None
    )
    return {"SYSTEM": Edited(system, deleted) if deleted else system, "SOFTWARE": software}


# --- the cases -------------------------------------------------------------------------------


def rds_session_host_system() -> MemoryHive:
    """A 2019-era session host: RDSH role, licensing mode 5 (not configured), no server."""
    hive = MemoryHive(
        HiveType.SYSTEM, root_name="CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}"
    )
    root = hive.root()
    _set(
        root.ensure("Select"),
        {
            "Current": (ValueType.REG_DWORD, dword(1)),
            "Default": (ValueType.REG_DWORD, dword(1)),
            "Failed": (ValueType.REG_DWORD, dword(0)),
            "LastKnownGood": (ValueType.REG_DWORD, dword(2)),
        },
    )
    for number in (1, 2):
        control = root.ensure(f"ControlSet{number:03d}\\Control")
        _set(
            control.ensure("ComputerName\\ComputerName"),
            {"ComputerName": (ValueType.REG_SZ, sz("RDSH-01"))},
        )
        _set(control.ensure("ProductOptions"), {"ProductType": (ValueType.REG_SZ, sz("ServerNT"))})
        terminal = control.ensure("Terminal Server")
        _set(
            terminal,
            {
                "fDenyTSConnections": (ValueType.REG_DWORD, dword(0)),
                "TSAppCompat": (ValueType.REG_DWORD, dword(1)),
                "ProductVersion": (ValueType.REG_SZ, sz("5.1")),
            },
        )
        _set(
            terminal.ensure("WinStations\\RDP-Tcp"),
            {
                "PortNumber": (ValueType.REG_DWORD, dword(3389)),
                "UserAuthentication": (ValueType.REG_DWORD, dword(1)),
                "SecurityLayer": (ValueType.REG_DWORD, dword(2)),
                "MinEncryptionLevel": (ValueType.REG_DWORD, dword(2)),
            },
        )
        _set(
            terminal.ensure("RCM\\Licensing Core"),
            {"LicensingMode": (ValueType.REG_DWORD, dword(5))},
        )
        _set(
            root.ensure(f"ControlSet{number:03d}\\Services\\TermService"),
            {
                "Start": (ValueType.REG_DWORD, dword(3)),
                "ImagePath": (
                    ValueType.REG_EXPAND_SZ,
                    sz("%SystemRoot%\\System32\\svchost.exe -k NetworkService"),
                ),
                "DependOnService": (ValueType.REG_MULTI_SZ, multi_sz(["RPCSS"])),
            },
        )
        root.ensure(f"ControlSet{number:03d}\\Services\\TermService\\Parameters")
    for key in _all_keys(root):
        key.last_written_raw = WRITTEN
    return hive


def friday_afternoon_rdsh() -> dict[str, Payload]:
    """Case 1: never configured; the 120-day grace period ran out this morning."""
    hives = session_host_hives(
        SessionHost(
            machine=Machine(
                "RDSH-SALES01", "contoso.com", "2025-11-03T09:14:27", "2026-02-28T03:12:09"
            ),
            role_installed="2025-11-05T14:20:33",
            # First client connection: the timebomb is created, expiring 120 days later,
            # 2026-03-06T07:58:41Z (§5.3).
            current=ControlSetState(local_mode=5, grace_written="2025-11-06T07:58:41"),
        )
    )
    return {**hives, **friday_afternoon_logs()}


# What RDSH-SALES01 logged (times UTC): the session host said the licensing mode was not
# configured (1068) from its first client connection on, then, once the grace period was
# over, that it had expired with the mode still not configured (1069); its users' RDP logons.
FRIDAY_1068 = ("2025-11-06T07:58:43", "2025-12-01T08:02:10", "2026-01-05T08:01:33",
               "2026-02-02T07:59:58", "2026-03-02T08:00:12")  # fmt: skip
FRIDAY_1069 = ("2026-03-06T08:03:17", "2026-03-06T09:15:40", "2026-03-06T11:42:05")
FRIDAY_LOGONS = (
    ("2025-11-06T07:58:40", "mbauer", "CONTOSO", "10.20.4.31", 2),
    ("2026-03-05T08:12:19", "mbauer", "CONTOSO", "10.20.4.31", 3),
    ("2026-03-05T13:40:02", "kfischer", "CONTOSO", "10.20.4.57", 4),
)  # fmt: skip
FRIDAY_COMPUTER = "RDSH-SALES01.contoso.com"


def _when(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


def friday_afternoon_logs() -> dict[str, Payload]:
    """The Remote Connection Manager's Admin log (1068, then 1069) and the session logs
    (RCM 1149, LSM 21 and 22 for each logon) of RDSH-SALES01, as winevt\\Logs names them."""
    admin = sorted(
        [EVENTS[(RCM_PROVIDER, 1068)].spec(_when(t), {}) for t in FRIDAY_1068]
        + [EVENTS[(RCM_PROVIDER, 1069)].spec(_when(t), {}) for t in FRIDAY_1069],
        key=lambda spec: spec.time,
    )
    authenticated: list[EventSpec] = []
    sessions: list[EventSpec] = []
    for moment, user, domain, address, session in FRIDAY_LOGONS:
        when = _when(moment)
        authenticated.append(
            EVENTS[(RCM_PROVIDER, 1149)].spec(
                when, {"Param1": user, "Param2": domain, "Param3": address}
            )
        )
        for number in (21, 22):
            fields = {"User": f"{domain}\\{user}", "SessionID": session, "Address": address}
            sessions.append(EVENTS[(LSM_PROVIDER, number)].spec(when, fields))
    name = "Microsoft-Windows-TerminalServices-{}%4{}.evtx"
    return {
        name.format("RemoteConnectionManager", "Admin"): build_evtx(
            admin, computer=FRIDAY_COMPUTER
        ),
        name.format("RemoteConnectionManager", "Operational"): build_evtx(
            authenticated, computer=FRIDAY_COMPUTER
        ),
        name.format("LocalSessionManager", "Operational"): build_evtx(
            sessions, computer=FRIDAY_COMPUTER
        ),
    }


def per_user_farm_gpo() -> dict[str, Payload]:
    """Case 2: per-user licensing set by Group Policy and locally, licensed since 2024."""
    servers = ("ls01.contoso.com", "ls02.contoso.com")
    return session_host_hives(
        SessionHost(
            machine=Machine(
                "RDSH-FARM01", "contoso.com", "2024-06-03T10:02:51", "2026-02-15T02:30:44"
            ),
            role_installed="2024-06-10T13:41:05",
            current=ControlSetState(
                local_mode=4,
                mode_written="2024-06-11T09:05:12",
                specified_servers=servers,
                servers_written="2024-06-11T09:05:12",
                grace_written="2024-06-11T09:31:58",
                grace_ended="2024-06-11T10:12:40",
                x509=("LS01", "CONTOSO", "2024-06-11T09:32:07"),
            ),
            policy={
                "LicensingMode": (REG_DWORD, dword(4)),
                "LicenseServers": (REG_SZ, sz(",".join(servers))),
            },
            policy_written="2024-06-11T08:47:19",
        )
    )


def gpo_overrides_local() -> dict[str, Payload]:
    """Case 3: the domain GPO says per device; Server Manager was switched to per user."""
    return session_host_hives(
        SessionHost(
            machine=Machine(
                "RDSH-APP02", "contoso.com", "2024-09-09T11:20:16", "2026-02-15T02:41:03"
            ),
            role_installed="2024-09-10T08:55:47",
            current=ControlSetState(
                local_mode=4,
                mode_written="2026-02-20T15:37:22",  # the admin's Server Manager change
                grace_written="2024-09-10T14:03:29",
                grace_ended="2024-09-10T14:20:51",
                x509=("LS01", "CONTOSO", "2024-09-10T14:03:35"),
            ),
            policy={
                "LicensingMode": (REG_DWORD, dword(2)),
                "LicenseServers": (REG_SZ, sz("ls01.contoso.com")),
            },
            policy_written="2024-09-10T07:12:44",
        )
    )


def per_device_workgroup() -> dict[str, Payload]:
    """Case 4: a workgroup server that is its own per-device license server."""
    return session_host_hives(
        SessionHost(
            machine=Machine("WG-RDS01", "", "2025-02-17T16:44:02", "2026-03-01T04:05:55"),
            role_installed="2025-02-18T10:12:30",
            current=ControlSetState(
                local_mode=2,
                mode_written="2025-02-18T11:02:16",
                specified_servers=("WG-RDS01",),
                servers_written="2025-02-18T11:02:16",
                grace_written="2025-02-18T11:30:04",
                grace_ended="2025-02-18T11:47:39",
                x509=("WG-RDS01", "WORKGROUP", "2025-02-18T11:30:09"),
            ),
            license_server=True,
        )
    )


def grace_reset() -> dict[str, Payload]:
    """Case 5: the timebomb value was deleted after taking ownership of GracePeriod."""
    created = "2025-07-15T08:21:37"
    before = ControlSetState(local_mode=5, grace_written=created)
    hives = session_host_hives(
        SessionHost(
            machine=Machine(
                "RDSH-OPS01", "contoso.com", "2025-07-10T12:06:48", "2026-02-22T03:00:31"
            ),
            role_installed="2025-07-14T16:52:10",
            current=ControlSetState(
                local_mode=5,
                grace_written=created,
                timebomb_deleted="2026-03-02T18:44:05",  # the key's last write since
                grace_descriptor=GRACE_RESET_SD,
            ),
            previous=before,  # ControlSet002 still holds the original timebomb (§8.1)
            policy={"fDisableTerminalServerTooltip": (REG_DWORD, dword(1))},
            policy_written="2026-03-02T18:43:51",
        )
    )
    return {**hives, **grace_reset_logs()}


# What RDSH-OPS01 logged: the mode not configured from its first connection; at the end of
# its grace period (2025-11-12T08:21:37Z, 120 days after the timebomb was made) 1128, then
# 1069 at each refused connection, until the reset playbook ran on 2026-03-02 at 18:44Z.
RESET_1068 = ("2025-07-15T08:21:40", "2025-08-11T07:55:02", "2025-09-15T08:03:44")
RESET_1128 = ("2025-11-12T08:22:10",)
RESET_1069 = ("2025-11-12T08:40:31", "2025-12-01T09:12:05", "2026-01-19T08:47:56",
              "2026-03-02T16:05:13")  # fmt: skip
RESET_COMPUTER = "RDSH-OPS01.contoso.com"


def grace_reset_logs() -> dict[str, Payload]:
    """The Remote Connection Manager's Admin log (1068, 1069) and the System log's classic
    TermService 1128 of RDSH-OPS01, as winevt\\Logs names them."""
    admin = sorted(
        [EVENTS[(RCM_PROVIDER, 1068)].spec(_when(t), {}) for t in RESET_1068]
        + [EVENTS[(RCM_PROVIDER, 1069)].spec(_when(t), {}) for t in RESET_1069],
        key=lambda spec: spec.time,
    )
    system = [EVENTS[(RCM_PROVIDER, 1128)].spec(_when(t), []) for t in RESET_1128]
    return {
        "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Admin.evtx": build_evtx(
            admin, computer=RESET_COMPUTER
        ),
        "System.evtx": build_evtx(system, computer=RESET_COMPUTER),
    }


CLIENT_HWID = struct.pack("<I", 2) + seeded_bytes("client-hwid:WKS-0042", 16)


def rdp_client_temporary_cal() -> dict[str, Payload]:
    """Case 6: a Windows 10 workstation holding an expired 90-day temporary CAL."""
    machine = Machine(
        "WKS-0042",
        "contoso.com",
        "2023-05-09T07:45:10",
        "2026-03-05T07:58:02",
        product="Windows 10 Enterprise",
        installation_type="Client",
        product_type="WinNT",
        edition="Enterprise",
        build="19045",
        release="2009",
        rdp_allowed=False,
        app_server=False,
    )
    system = machine_system(machine, lambda _control_set, _number: None)
    software = machine_software(machine)
    root = software.root()
    license = build_license(
        CalSpec(
            not_before=datetime(2025, 11, 27, 8, 3, 11, tzinfo=UTC),
            not_after=datetime(2026, 2, 25, 8, 3, 11, tzinfo=UTC),  # 90 days (§7.3)
            temporary=True,
            license_server="LS01",
            ls_scope="CONTOSO",
            client_machine="WKS-0042",
            client_user="alice",
            client_hwid=CLIENT_HWID,
            adjusted_product_id="A02-6.00-S",
            seed=SEED,
        )
    )
    (store_key,) = install_store(root, [license], hwid=CLIENT_HWID)
    base = root.ensure(MSLICENSING)
    hardware, store = base.ensure("HardwareID"), base.ensure("Store")
    hardware.class_name_text = "Client HWID"  # §7.1, §7.2: the key classes mstsc sets
    store.class_name_text = "License Store"
    first_use = at("2023-05-15T09:12:44")  # first mstsc connection: HWID generated
    _stamp(base, first_use)
    _stamp(hardware, first_use)
    _stamp(store, first_use)
    _stamp(store_key, at("2025-11-27T08:03:12"))
    _stamp_rest(root, at(machine.installed))
    return {"SYSTEM": system, "SOFTWARE": software}


CUSTOMER_FIX_LINES = (
    "Windows Registry Editor Version 5.00",
    "",
    r"[-HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\MSLicensing\Store\LICENSE000]",
    "",
    r"[-HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\MSLicensing\HardwareID]",
    "",
    r"[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Terminal Server\RCM\GracePeriod]",
    f'"{TIMEBOMB}"=-',
    "",
    r"[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Terminal Server\RCM\Licensing Core]",
    '"LicensingMode"=dword:00000004',
    "",
    "",
)


def customer_fix_script() -> dict[str, Payload]:
    """Case 7: a hand-written change script (deletions cannot live in a hive)."""
    text = "\r\n".join(CUSTOMER_FIX_LINES)
    return {"fix-rds-licensing.reg": b"\xff\xfe" + text.encode("utf-16-le")}


def rdsh_image(folder: Path) -> list[Path]:
    """Case 9: a session host's disk image, keys included: the timebomb decrypts, and its
    expiry lies 222 days after the key was written (a forged timebomb, §10)."""
    written = "2026-02-20T03:12:44"  # a scheduled task's run: the GracePeriod key's last write
    forged_expiry = datetime(2026, 9, 30, 3, 12, 44, tzinfo=UTC)
    machine = Machine("RDSH-FIN02", "contoso.com", "2025-06-02T09:14:51", "2026-03-01T05:40:12")
    hives = session_host_hives(
        SessionHost(
            machine=machine,
            role_installed="2025-06-03T11:20:05",
            current=ControlSetState(
                local_mode=4,
                mode_written="2025-06-03T11:31:40",
                specified_servers=("LS01.contoso.com",),
                servers_written="2025-06-03T11:31:40",
                grace_written=written,
            ),
        )
    )
    system, software = hives["SYSTEM"], hives["SOFTWARE"]
    assert isinstance(system, MemoryHive) and isinstance(software, MemoryHive)
    material = build_key_material(
        f"{SEED}:rdsh-image", forged_expiry, installed=datetime(2025, 6, 2, 9, 14, 51, tzinfo=UTC)
    )
    for number in (1, 2):
        grace = system.root().find(f"ControlSet{number:03d}\\{GRACE_PERIOD}")
        assert isinstance(grace, MemoryKey)
        grace.set_value(TIMEBOMB, REG_BINARY, material.timebomb)
    paths = write_volume(folder, system, material)
    config = paths[0].parent
    config.joinpath("SOFTWARE").write_bytes(_hive_image(software, "SOFTWARE"))
    return [*paths, config / "SOFTWARE"]


# Cases laid out as a Windows volume (Windows/System32/config, Microsoft/Protect), written by
# their own function because the files do not sit side by side.
VOLUME_CASES: dict[str, Callable[[Path], list[Path]]] = {"rdsh-image": rdsh_image}

CASES: dict[str, CaseBuilder] = {
    "rds-session-host": lambda: {"SYSTEM": rds_session_host_system()},
    "friday-afternoon-rdsh": friday_afternoon_rdsh,
    "per-user-farm-gpo": per_user_farm_gpo,
    "gpo-overrides-local": gpo_overrides_local,
    "per-device-workgroup": per_device_workgroup,
    "grace-reset": grace_reset,
    "rdp-client-temporary-cal": rdp_client_temporary_cal,
    "customer-fix-script": customer_fix_script,
}


def _hive_image(payload: MemoryHive | Edited, name: str) -> bytes:
    hive = payload.hive if isinstance(payload, Edited) else payload
    image, layout = write_hive_with_layout(
        hive, hive_file_name=f"\\SystemRoot\\System32\\Config\\{name}"
    )
    if not isinstance(payload, Edited):
        return image
    edited = bytearray(image)
    for key_path, value_name, when in payload.deleted_values:
        delete_value(
            edited,
            layout,
            key_path,
            value_name,
            last_written=at(when),
        )
    return bytes(edited)


def write_case(folder: Path, files: dict[str, Payload]) -> list[Path]:
    """Write one case: each hive as REGF and as regedit's export of it; scripts as given."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, payload in files.items():
        if isinstance(payload, bytes):
            (folder / name).write_bytes(payload)
            written.append(folder / name)
            continue
        image = _hive_image(payload, name)
        (folder / name).write_bytes(image)
        # Export what the file holds, in its stored order, as regedit walks a loaded hive.
        stored = open_hive(folder / name, data=image)
        mount = f"HKEY_LOCAL_MACHINE\\{name}"
        (folder / f"{name}.reg").write_bytes(export_reg_bytes(stored.root(), mount))
        written += [folder / name, folder / f"{name}.reg"]
    return written


def main(out_dir: Path | None = None) -> list[Path]:
    """Write every case under ``out_dir`` (default: this folder); return the files."""
    target = HERE if out_dir is None else Path(out_dir)
    written: list[Path] = []
    for case, build in CASES.items():
        written += write_case(target / case, build())
    for case, write in VOLUME_CASES.items():
        written += write(target / case)
    return written


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
