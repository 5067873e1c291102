"""Hand-made pairs of machines whose every difference is known, written as regedit exports.

A boots from ControlSet001 and B from ControlSet002 (B's ControlSet001 is an older set
that must not be compared). Between A's current set and B's, exactly the differences in
:data:`EXPECTED` were made by hand; everything else is the same, fDenyTSConnections=0
(RDP enabled) included, which a comparison that skips values decoding to 0 would miss.
"""

from __future__ import annotations

from pathlib import Path

SYSTEM = "HKEY_LOCAL_MACHINE\\SYSTEM"
CCS = f"{SYSTEM}\\CurrentControlSet"


def _current_set(*, mode: int, port: int, nla: int, temp: str, old_agent: bool,
                 servers: list[str] | None) -> list[str]:  # fmt: skip
    lines = [
        "[{set}]",
        "[{set}\\Control]",
        "[{set}\\Control\\Session Manager]",
        "[{set}\\Control\\Session Manager\\Environment]",
        f'"TEMP"="{temp}"',
        '"OS"="Windows_NT"',
        "[{set}\\Control\\Terminal Server]",
        '"fDenyTSConnections"=dword:00000000',
        "[{set}\\Control\\Terminal Server\\RCM]",
        "[{set}\\Control\\Terminal Server\\RCM\\Licensing Core]",
        f'"LicensingMode"=dword:{mode:08x}',
        "[{set}\\Control\\Terminal Server\\WinStations]",
        "[{set}\\Control\\Terminal Server\\WinStations\\RDP-Tcp]",
        f'"PortNumber"=dword:{port:08x}',
        f'"UserAuthentication"=dword:{nla:08x}',
        "[{set}\\Services]",
    ]
    if old_agent:
        lines += [
            "[{set}\\Services\\OldAgent]",
            '"Start"=dword:00000002',
            '"ImagePath"=hex(2):43,00,3a,00,5c,00,61,00,2e,00,65,00,78,00,65,00,00,00',
            "[{set}\\Services\\OldAgent\\Parameters]",
            '"Server"="agent.contoso.com"',
        ]
    lines += [
        "[{set}\\Services\\TermService]",
        "[{set}\\Services\\TermService\\Parameters]",
    ]
    if servers is not None:
        data = "".join(f"{s}\0" for s in servers) + "\0"
        hexed = ",".join(f"{b:02x}" for b in data.encode("utf-16-le"))
        lines += [
            "[{set}\\Services\\TermService\\Parameters\\LicenseServers]",
            f'"SpecifiedLicenseServers"=hex(7):{hexed}',
        ]
    return lines


def _export(current: int, sets: dict[int, list[str]]) -> str:
    lines = [
        "Windows Registry Editor Version 5.00",
        f"[{SYSTEM}]",
        f"[{SYSTEM}\\Select]",
        f'"Current"=dword:{current:08x}',
        f'"Default"=dword:{current:08x}',
        f'"LastKnownGood"=dword:{current:08x}',
    ]
    for number, body in sorted(sets.items()):
        where = f"{SYSTEM}\\ControlSet{number:03d}"
        lines += [line.replace("{set}", where) for line in body]
    # regedit's layout: a blank line before each key line, CRLF, UTF-16LE with a BOM
    text = "\r\n".join(("\r\n" + line) if line.startswith("[") else line for line in lines)
    return text + "\r\n\r\n"


A_SETS = {
    1: _current_set(mode=5, port=3389, nla=1, temp="%SystemRoot%\\\\TEMP", old_agent=True,
                    servers=None),
}  # fmt: skip
B_SETS = {
    1: _current_set(mode=2, port=3389, nla=1, temp="C:\\\\old", old_agent=True, servers=None),
    2: _current_set(mode=4, port=3390, nla=0, temp="D:\\\\Temp", old_agent=False,
                    servers=["ls01.contoso.com", "ls02.contoso.com"]),
}  # fmt: skip

# (change, kind, path, name): every difference between A's current set and B's, by hand.
EXPECTED = {
    ("changed", "value", f"{SYSTEM}\\Select", "Current"),
    ("changed", "value", f"{SYSTEM}\\Select", "Default"),
    ("changed", "value", f"{SYSTEM}\\Select", "LastKnownGood"),
    ("changed", "value", f"{CCS}\\Control\\Session Manager\\Environment", "TEMP"),
    ("changed", "value", f"{CCS}\\Control\\Terminal Server\\RCM\\Licensing Core",
     "LicensingMode"),
    ("changed", "value", f"{CCS}\\Control\\Terminal Server\\WinStations\\RDP-Tcp",
     "PortNumber"),
    ("changed", "value", f"{CCS}\\Control\\Terminal Server\\WinStations\\RDP-Tcp",
     "UserAuthentication"),
    ("removed", "key", f"{CCS}\\Services\\OldAgent", None),
    ("removed", "value", f"{CCS}\\Services\\OldAgent", "Start"),
    ("removed", "value", f"{CCS}\\Services\\OldAgent", "ImagePath"),
    ("removed", "key", f"{CCS}\\Services\\OldAgent\\Parameters", None),
    ("removed", "value", f"{CCS}\\Services\\OldAgent\\Parameters", "Server"),
    ("added", "key", f"{CCS}\\Services\\TermService\\Parameters\\LicenseServers", None),
    ("added", "value", f"{CCS}\\Services\\TermService\\Parameters\\LicenseServers",
     "SpecifiedLicenseServers"),
}  # fmt: skip


def write_pair(folder: Path) -> tuple[Path, Path]:
    """A's and B's SYSTEM exports, each in a folder of its own under ``folder``."""
    paths = []
    for name, current, sets in (("a", 1, A_SETS), ("b", 2, B_SETS)):
        side = folder / name
        side.mkdir(parents=True)
        path = side / "SYSTEM.reg"
        path.write_bytes(b"\xff\xfe" + _export(current, sets).encode("utf-16-le"))
        paths.append(path)
    return paths[0], paths[1]
