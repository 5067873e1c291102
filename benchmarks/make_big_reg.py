"""Write a large, realistic regedit-style .reg file (UTF-16LE with BOM, CRLF) for benchmarks.

    python benchmarks/make_big_reg.py OUT.reg --size-mb 200 [--seed 1]

The file looks like a `regedit /e` export of a Services tree: per service key a display
name, description and object name (REG_SZ with escaped backslashes and quotes),
Start/Type/ErrorControl (dword), ImagePath (hex(2), wrapped), DependOnService (hex(7),
wrapped), FailureActions (hex, wrapped), sometimes a qword, a default value, a deletion
and a Parameters/Security subkey. Hex data is wrapped the way regedit wraps it: lines of
at most 80 characters ending in ",\\", continuation lines indented by two spaces.

Output is deterministic for a given seed and size. Write it to a temporary directory,
never into the repository (benchmarks/run.sh uses $BENCH_TMP, default /tmp).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

WIDTH = 80  # regedit's export line width (a wrapped line is at most 80 chars incl. "\")

WORDS = " ".join(
    (
        "Remote Desktop Services Licensing Manager Network Location Awareness Windows Update",
        "Background Intelligent Transfer Service Diagnostic Policy Host Event Log Task Scheduler",
        "Cryptographic Services Print Spooler Workstation Server DHCP Client DNS Cache Firewall",
        "Audio Endpoint Builder Plug and Play Power Security Accounts Manager User Profile",
    )
).split(" ")

DEPENDS = ("RPCSS", "Tcpip", "Afd", "NSI", "LanmanWorkstation", "Netbt", "SamSS", "TermService")


def hex_lines(prefix: str, data: bytes) -> list[str]:
    """``prefix`` (e.g. '"ImagePath"=hex(2):') followed by data as regedit wraps it."""
    if not data:
        return [prefix]
    lines: list[str] = []
    line = prefix
    last = len(data) - 1
    for i, byte in enumerate(data):
        token = f"{byte:02x}" + ("," if i < last else "")
        # a full line is the text, then "\" : keep it within WIDTH - 1 + "\"
        if len(line) + len(token) > WIDTH - 2 and line.strip():
            lines.append(line + "\\")
            line = "  "
        line += token
    lines.append(line)
    return lines


def reg_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def sz_utf16(text: str) -> bytes:
    return (text + "\x00").encode("utf-16-le")


def multi_sz(items: list[str]) -> bytes:
    return ("\x00".join(items) + "\x00\x00").encode("utf-16-le")


def service_block(rng: random.Random, index: int) -> list[str]:
    name = f"Svc{index:07d}{rng.choice(WORDS)}"
    base = f"HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\{name}"
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
    image = f"%SystemRoot%\\System32\\svchost.exe -k {rng.choice(WORDS)}Group -p"
    account = rng.choice(("LocalSystem", "NT AUTHORITY\\NetworkService"))
    out = [f"[{base}]"]
    if rng.random() < 0.2:
        out.append(f'@="{reg_escape(words)}"')
    out += [
        f'"DisplayName"="{reg_escape(words)} ({index})"',
        f'"Description"="@%SystemRoot%\\\\system32\\\\{name.lower()}.dll,-{rng.randint(100, 999)}"',
        f'"ObjectName"="{reg_escape(account)}"',
        f'"Start"=dword:{rng.choice((2, 3, 4)):08x}',
        f'"Type"=dword:{rng.choice((0x10, 0x20, 0x110)):08x}',
        f'"ErrorControl"=dword:{rng.randint(0, 1):08x}',
    ]
    out += hex_lines('"ImagePath"=hex(2):', sz_utf16(image))
    deps = rng.sample(DEPENDS, rng.randint(1, 3))
    out += hex_lines('"DependOnService"=hex(7):', multi_sz(deps))
    out += hex_lines(
        '"FailureActions"=hex:', bytes(rng.getrandbits(8) for _ in range(rng.choice((20, 44, 68))))
    )
    if rng.random() < 0.3:
        out.append(f'"Tag with \\"quotes\\""="{reg_escape(words)}"')
    if rng.random() < 0.25:
        qword = rng.getrandbits(64).to_bytes(8, "little")
        out += hex_lines('"DelayedAutostartTime"=hex(b):', qword)
    if rng.random() < 0.05:
        out.append('"Obsolete"=-')
    out.append("")
    if rng.random() < 0.6:
        out += [
            f"[{base}\\Parameters]",
            *hex_lines('"ServiceDll"=hex(2):', sz_utf16(f"%SystemRoot%\\System32\\{name}.dll")),
            f'"ServiceMain"="{rng.choice(WORDS)}Main"',
            f'"ServiceDllUnloadOnStop"=dword:{rng.randint(0, 1):08x}',
            "",
        ]
    if rng.random() < 0.3:
        out += [f"[{base}\\Security]"]
        blob = bytes(rng.getrandbits(8) for _ in range(rng.randint(100, 200)))
        out += hex_lines('"Security"=hex:', blob)
        out.append("")
    if rng.random() < 0.02:
        out += [f"[-{base}\\Enum]", ""]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument(
        "--size-mb", type=float, required=True, help="target size in MB (10^6 bytes)"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    target = int(args.size_mb * 1_000_000)
    rng = random.Random(args.seed)
    written = 0
    keys = 0
    index = 0
    with Path(args.out).open("wb") as handle:
        head = "\ufeffWindows Registry Editor Version 5.00\r\n\r\n".encode("utf-16-le")
        handle.write(head)
        written += len(head)
        while written < target:
            batch: list[str] = []
            for _ in range(500):
                block = service_block(rng, index)
                index += 1
                keys += sum(1 for line in block if line.startswith("["))
                batch.extend(block)
            data = ("\r\n".join(batch) + "\r\n").encode("utf-16-le")
            handle.write(data)
            written += len(data)
    print(f"{args.out}: {written} bytes, {keys} key lines, {index} services", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
