"""Generate the bundled sample evidence, reproducibly, with the project's own writers.

Each case is written twice: as a REGF hive (our REGF writer) and as the .reg file regedit
would export (UTF-16LE, BOM, CRLF, wrapped hex). Nothing here is copied from a real machine;
the values follow the documented layout of an RD Session Host (reference: rds-licensing.md).

    python samples/make_samples.py          # rewrites samples/<case>/
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path

from hiveparse.filetime import datetime_to_filetime
from hiveparse.model import HiveType, ValueType
from hiveparse.regexport import export_reg_bytes
from hiveparse.sources.memory import MemoryHive, MemoryKey
from hiveparse.sources.regf.writer import write_hive

HERE = Path(__file__).resolve().parent
WRITTEN = datetime_to_filetime(datetime(2026, 3, 6, 16, 45, 12, tzinfo=UTC))


def sz(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


def multi_sz(items: list[str]) -> bytes:
    return ("".join(f"{item}\0" for item in items) + "\0").encode("utf-16-le")


def dword(number: int) -> bytes:
    return struct.pack("<I", number)


def _set(key: MemoryKey, values: dict[str, tuple[ValueType, bytes]]) -> None:
    for name, (type_id, raw) in values.items():
        key.set_value(name, int(type_id), raw)


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


def _all_keys(root: MemoryKey) -> list[MemoryKey]:
    found, stack = [], [root]
    while stack:
        key = stack.pop()
        found.append(key)
        stack.extend(key.subkeys())
    return found


CASES = {"rds-session-host": {"SYSTEM": rds_session_host_system}}


def main() -> None:
    for case, hives in CASES.items():
        folder = HERE / case
        folder.mkdir(exist_ok=True)
        for name, build in hives.items():
            hive = build()
            (folder / name).write_bytes(
                write_hive(hive, hive_file_name=f"\\SystemRoot\\System32\\Config\\{name}")
            )
            mount = f"HKEY_LOCAL_MACHINE\\{name}"
            (folder / f"{name}.reg").write_bytes(export_reg_bytes(hive.root(), mount))


if __name__ == "__main__":
    main()
