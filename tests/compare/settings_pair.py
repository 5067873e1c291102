"""A hand-made pair of RD Session Hosts for ``compare``, each a SYSTEM and a SOFTWARE export,
with every setting's status known by hand (:data:`EXPECTED`).

A is an old Server 2016 host booting from ControlSet001; B a new Server 2022 host booting
from ControlSet002, whose ControlSet001 is an older set holding decoys (port 3391, NLA off,
mode 2) that must not be read. Policy and local layers are mixed on purpose: A sets the idle
limit by policy, B by its listener (same value, different layer); B's LicensingMode comes
from policy over a local 5.
"""

from __future__ import annotations

from pathlib import Path

SYSTEM = "HKEY_LOCAL_MACHINE\\SYSTEM"
SOFTWARE = "HKEY_LOCAL_MACHINE\\SOFTWARE"
POLICY = f"{SOFTWARE}\\Policies\\Microsoft\\Windows NT\\Terminal Services"
CURRENT_VERSION = f"{SOFTWARE}\\Microsoft\\Windows NT\\CurrentVersion"
ALLOW_LIST = f"{CURRENT_VERSION}\\Terminal Server\\TSAppAllowList"
COMPONENTS = f"{SOFTWARE}\\Microsoft\\ServerManager\\ServicingStorage\\ServerComponentCache"

Keys = dict[str, dict[str, str]]  # key path -> value name -> .reg data text


def dword(number: int) -> str:
    return f"dword:{number:08x}"


def text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def multi(values: list[str]) -> str:
    data = "".join(f"{v}\0" for v in values) + "\0"
    return "hex(7):" + ",".join(f"{b:02x}" for b in data.encode("utf-16-le"))


def binary(data: bytes) -> str:
    return "hex:" + ",".join(f"{b:02x}" for b in data)


def _control_set(
    *, name: str, mode: int, port: int, nla: int, ra: int, single: int | None,
    idle: int | None, disconnected: int | None, inherit_disconnected: int, thumbprint: bytes,
    broker: bool,
) -> Keys:  # fmt: skip
    rdp_tcp = {
        "PortNumber": dword(port),
        "UserAuthentication": dword(nla),
        "SecurityLayer": dword(1),
        "SSLCertificateSHA1Hash": binary(thumbprint),
        "fInheritMaxIdleTime": dword(0),
        "fInheritMaxDisconnectionTime": dword(inherit_disconnected),
    }
    if idle is not None:
        rdp_tcp["MaxIdleTime"] = dword(idle)
    if disconnected is not None:
        rdp_tcp["MaxDisconnectionTime"] = dword(disconnected)
    terminal_server = {"fDenyTSConnections": dword(0), "TSEnabled": dword(1)}
    if single is not None:
        terminal_server["fSingleSessionPerUser"] = dword(single)
    keys: Keys = {
        "Control": {},
        "Control\\ComputerName": {},
        "Control\\ComputerName\\ComputerName": {"ComputerName": text(name)},
        "Control\\ProductOptions": {"ProductType": text("ServerNT")},
        "Control\\Remote Assistance": {"fAllowToGetHelp": dword(ra)},
        "Control\\Terminal Server": terminal_server,
        "Control\\Terminal Server\\RCM": {},
        "Control\\Terminal Server\\RCM\\Licensing Core": {"LicensingMode": dword(mode)},
        "Control\\Terminal Server\\WinStations": {},
        "Control\\Terminal Server\\WinStations\\RDP-Tcp": rdp_tcp,
        "Services": {},
        "Services\\TermService": {"Start": dword(3)},
        "Services\\TermService\\Parameters": {},
    }
    if broker:
        keys["Control\\Terminal Server\\ClusterSettings"] = {
            "SessionDirectoryActive": dword(1),
            "SessionDirectoryLocation": text("broker.contoso.com"),
        }
    return keys


def _software(*, product: str, build: str, policy: dict[str, str], programs: list[str]) -> Keys:
    keys: Keys = {
        "Microsoft": {},
        "Microsoft\\ServerManager": {},
        "Microsoft\\ServerManager\\ServicingStorage": {},
        "Microsoft\\ServerManager\\ServicingStorage\\ServerComponentCache": {},
        "Microsoft\\ServerManager\\ServicingStorage\\ServerComponentCache\\RDS-RD-Server": {
            "InstallState": dword(1)
        },
        "Microsoft\\Windows NT": {},
        "Microsoft\\Windows NT\\CurrentVersion": {
            "ProductName": text(product),
            "EditionID": text("ServerStandard"),
            "InstallationType": text("Server"),
            "CurrentVersion": text("6.3"),
            "CurrentBuildNumber": text(build),
        },
        "Microsoft\\Windows NT\\CurrentVersion\\Terminal Server": {},
        "Microsoft\\Windows NT\\CurrentVersion\\Terminal Server\\TSAppAllowList": {
            "fDisabledAllowList": dword(0)
        },
        "Microsoft\\Windows NT\\CurrentVersion\\Terminal Server\\TSAppAllowList\\Applications": {},
        "Policies": {},
        "Policies\\Microsoft": {},
        "Policies\\Microsoft\\Windows NT": {},
        "Policies\\Microsoft\\Windows NT\\Terminal Services": policy,
    }
    for program in programs:
        base = "Microsoft\\Windows NT\\CurrentVersion\\Terminal Server\\TSAppAllowList"
        keys[f"{base}\\Applications\\{program}"] = {"Name": text(program)}
    return keys


def _export(root: str, body: Keys) -> bytes:
    """A regedit 5 export of ``root``: UTF-16LE with a BOM, CRLF, a blank line before each
    key, parents before children."""
    lines = ["Windows Registry Editor Version 5.00", "", f"[{root}]"]
    for path in sorted(body, key=lambda p: p.upper().split("\\")):
        lines += ["", f"[{root}\\{path}]"]
        lines += [f'"{name}"={data}' for name, data in body[path].items()]
    return b"\xff\xfe" + ("\r\n".join(lines) + "\r\n\r\n").encode("utf-16-le")


def _system(current: int, sets: dict[int, Keys]) -> bytes:
    body: Keys = {
        "Select": {
            "Current": dword(current), "Default": dword(current),
            "LastKnownGood": dword(current),
        }
    }  # fmt: skip
    for number, keys in sets.items():
        body[f"ControlSet{number:03d}"] = {}
        body |= {f"ControlSet{number:03d}\\{path}": values for path, values in keys.items()}
    return _export(SYSTEM, body)


A_SYSTEM = _system(1, {
    1: _control_set(name="RDSH-OLD", mode=5, port=3389, nla=1, ra=1, single=1, idle=None,
                    disconnected=None, inherit_disconnected=1, thumbprint=b"\xaa" * 20,
                    broker=False),
})  # fmt: skip
B_SYSTEM = _system(2, {
    1: _control_set(name="RDSH-NEW", mode=2, port=3391, nla=0, ra=0, single=1, idle=None,
                    disconnected=None, inherit_disconnected=1, thumbprint=b"\xbb" * 20,
                    broker=False),
    2: _control_set(name="RDSH-NEW", mode=5, port=3390, nla=0, ra=0, single=None,
                    idle=900_000, disconnected=3_600_000, inherit_disconnected=0,
                    thumbprint=b"\xcc" * 20, broker=True),
})  # fmt: skip
A_SOFTWARE = _export(SOFTWARE, _software(
    product="Windows Server 2016 Standard", build="14393",
    policy={"MaxIdleTime": dword(900_000), "SecurityLayer": dword(2), "fDisableCdm": dword(1),
            "Shadow": dword(2)},
    programs=["calc", "notepad"],
))  # fmt: skip
B_SOFTWARE = _export(SOFTWARE, _software(
    product="Windows Server 2022 Standard", build="20348",
    policy={"LicensingMode": dword(4), "LicenseServers": text("ls01.contoso.com,ls02"),
            "SecurityLayer": dword(2), "Shadow": dword(1)},
    programs=["NOTEPAD", "Calc"],
))  # fmt: skip

# Every setting's status, by hand; a setting not listed is set on neither side ("same").
EXPECTED: dict[str, str] = {
    "licensing.mode": "differs",  # A local 5 (not configured), B policy 4 (per user)
    "licensing.servers": "only_b",
    "rdp.port": "differs",  # 3389 / 3390 (B's ControlSet001 holds a decoy 3391)
    "rdp.nla": "differs",
    "rdp.security_layer": "same",  # policy 2 on both
    "rdp.enabled": "same",  # fDenyTSConnections 0 on both: a value of 0 is a value
    "rdp.ts_enabled": "same",
    "rdp.listener_certificate": "expected_to_differ",
    "session.idle_limit": "same",  # 15 min: A by policy, B by its listener
    "session.disconnected_limit": "differs",  # A each user's own, B 1 h
    "session.single_per_user": "only_a",
    "redirection.drives": "only_a",
    "shadow": "differs",
    "assistance.solicited": "differs",
    "remoteapp.unlisted": "same",
    "remoteapp.programs": "same",  # the same names in another case and order
    "broker.joined": "only_b",
    "broker.server": "only_b",
    "roles": "same",
    "host.product": "differs",
    "host.build": "differs",
    "host.computer_name": "expected_to_differ",
}


def write_pair(folder: Path, *, software: bool = True) -> tuple[Path, Path]:
    """A's and B's exports, each in a folder of its own under ``folder``."""
    sides = []
    for name, system, soft in (("a", A_SYSTEM, A_SOFTWARE), ("b", B_SYSTEM, B_SOFTWARE)):
        side = folder / name
        side.mkdir(parents=True)
        (side / "SYSTEM.reg").write_bytes(system)
        if software:
            (side / "SOFTWARE.reg").write_bytes(soft)
        sides.append(side)
    return sides[0], sides[1]
