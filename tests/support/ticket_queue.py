"""A generated support queue: a folder of ticket folders, each with what a customer sends,
and what the report of each ticket must say (computed here from what was written, by hand
rules of the format, not by hiveparse).

Ticket kinds, in a fixed rotation so that every size holds each kind:

* ``system``: SYSTEM.reg alone (UTF-16LE with a byte order mark, as regedit writes);
* ``both``: SYSTEM.reg and SOFTWARE.reg (the policy layer: LicenseServers);
* ``ansi``: a REGEDIT4 export of SYSTEM (ANSI);
* ``broken``: a SYSTEM.reg cut in the middle of a value line (a syntax error);
* ``empty``: an empty folder;
* ``screenshot``: a folder with only a PNG;
* ``zip``: ``ticket-NNNNN.zip`` instead of a folder, holding SYSTEM.reg and SOFTWARE.reg.

ComputerNames come from a pool of five, so that customers' machines collide by name; each
ticket is still its own case and host.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

NAMES = ("RDSH-01", "TS01", "SERVER", "RDS", "WIN-4BQ2K7R")
KINDS = (
    "both", "system", "both", "ansi", "system", "broken", "both", "empty", "screenshot", "zip",
)  # fmt: skip
MODES = {2: "per_device", 4: "per_user"}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@dataclass(frozen=True)
class Ticket:
    case: str  # host.case: the folder's name (a zip's inside: NAME.zip!)
    kind: str
    computer_name: str | None
    mode: str  # licensing.mode.effective
    servers: tuple[str, ...]  # licensing.license_servers.effective
    servers_layer: str
    partial: bool
    has_evidence: bool
    broken_line: int | None = None  # the line:column the syntax error is reported at


def _system_lines(name: str, mode: int, deny: int) -> list[str]:
    control = "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control"
    return [
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]",
        '"Current"=dword:00000001',
        '"Default"=dword:00000001',
        "",
        f"[{control}\\ComputerName\\ComputerName]",
        f'"ComputerName"="{name}"',
        "",
        f"[{control}\\ProductOptions]",
        '"ProductType"="ServerNT"',
        "",
        f"[{control}\\Terminal Server]",
        f'"fDenyTSConnections"=dword:{deny:08x}',
        "",
        f"[{control}\\Terminal Server\\RCM\\Licensing Core]",
        f'"LicensingMode"=dword:{mode:08x}',
        "",
    ]


def _software_lines(server: str) -> list[str]:
    return [
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services]",
        f'"LicenseServers"="{server}"',
        "",
    ]


def _regedit5(lines: list[str]) -> bytes:
    text = "\r\n".join(["Windows Registry Editor Version 5.00", "", *lines])
    return "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")


def make_queue(root: Path, count: int) -> list[Ticket]:
    """``count`` tickets under ``root`` (created), named ``ticket-00001`` ..., and what
    each one's report must say."""
    root.mkdir(parents=True, exist_ok=True)
    tickets: list[Ticket] = []
    for number in range(1, count + 1):
        kind = KINDS[(number - 1) % len(KINDS)]
        case = f"ticket-{number:05d}" + (".zip" if kind == "zip" else "")
        folder = root / case
        if kind != "zip":
            folder.mkdir()
        name = NAMES[number % len(NAMES)]
        code = 2 if number % 2 else 4
        server = f"ls-{number:05d}.example.test"
        system = _system_lines(name, code, number % 3 == 0)
        if kind in ("both", "system"):
            (folder / "SYSTEM.reg").write_bytes(_regedit5(system))
            servers: tuple[str, ...] = ()
            layer = "unknown"  # the policy layer is in SOFTWARE, not sent
            if kind == "both":
                (folder / "SOFTWARE.reg").write_bytes(_regedit5(_software_lines(server)))
                servers, layer = (server,), "policy"
            tickets.append(Ticket(case, kind, name, MODES[code], servers, layer, False, True))
        elif kind == "ansi":
            text = "\r\n".join(["REGEDIT4", "", *system])
            (folder / "system.reg").write_bytes(text.encode("cp1252"))
            tickets.append(Ticket(case, kind, name, MODES[code], (), "unknown", False, True))
        elif kind == "broken":
            # Cut inside the LicensingMode line, line 17 of the file (the header and its
            # blank line come first): `"LicensingMode"=dwo` is no value.
            lines = [*system[:-2], '"LicensingMode"=dwo']
            (folder / "SYSTEM.reg").write_bytes(_regedit5(lines))
            # The lines before the cut are read: the host is named, its mode is unknown.
            tickets.append(Ticket(case, kind, name, "unknown", (), "unknown", True, True, 17))
        elif kind == "zip":
            with zipfile.ZipFile(folder, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("SYSTEM.reg", _regedit5(system))
                archive.writestr("SOFTWARE.reg", _regedit5(_software_lines(server)))
            # Its files lie at the archive's root: the case is the archive's inside.
            tickets.append(
                Ticket(f"{case}!", kind, name, MODES[code], (server,), "policy", False, True)
            )
        elif kind == "empty":
            tickets.append(Ticket(case, kind, None, "unknown", (), "unknown", False, False))
        else:
            (folder / "screenshot.png").write_bytes(PNG)
            tickets.append(Ticket(case, kind, None, "unknown", (), "unknown", False, False))
    return tickets
