"""The .reg patch of a diff, applied: imported over A it must give B wherever the two were
compared, but for the machine-specific places it leaves alone.

Applied two ways: by this project's own .reg reader (A's export followed by the patch, read
as one file, exported again and compared with B), and by hivex's ``hivexregedit --merge``
(an independent .reg importer) into a copy of A's hive. ``CurrentControlSet`` is what a
running Windows resolves through its link; offline it is rewritten to A's current set here,
as the link would resolve it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hiveparse.compare.diff import Change, Difference, DiffOptions, DiffResult, Seen, diff_sides
from hiveparse.compare.patch import patch_bytes, patch_lines
from hiveparse.compare.sides import open_side
from hiveparse.evidence.open import open_evidence
from hiveparse.export.regfile import export_reg_bytes
from tests.cli.running import hiveparse
from tests.compare.pairs import CCS, SYSTEM, write_pair

A_CURRENT = f"{SYSTEM}\\ControlSet001"
# What the patch leaves different: Select (machine-specific), which it only names.
SELECT = {(f"{SYSTEM}\\Select", name) for name in ("Current", "Default", "LastKnownGood")}


def _diff(a: Path, b: Path) -> DiffResult:
    return diff_sides(open_side("a", [a]), open_side("b", [b]), DiffOptions())


def _left(result: DiffResult) -> set[tuple[str, str | None]]:
    return {(d.path, d.name) for d in result.differences}


def _patch_text(result: DiffResult) -> str:
    return patch_bytes(result)[2:].decode("utf-16-le").replace(CCS, A_CURRENT)


def _hex_lines(prefix: str, data: bytes) -> list[str]:
    """regedit's wrapping, by its rule: bytes go on a line until the column reaches 77, the
    next line starts at column 2."""
    lines, line = [], prefix
    for index, byte in enumerate(data):
        last = index == len(data) - 1
        line += f"{byte:02x}" + ("" if last else ",")
        if not last and len(line) >= 77:
            lines.append(line + "\\")
            line = "  "
    return [*lines, line]


def test_the_patch_of_the_hand_made_pair_reads_as_written_by_hand(tmp_path: Path):
    a, b = write_pair(tmp_path)
    text = "".join(patch_lines(_diff(a, b)))
    body = [line for line in text.split("\r\n") if line and not line.startswith(";")]
    servers = ("ls01.contoso.com\0ls02.contoso.com\0\0").encode("utf-16-le")
    assert body == [
        "Windows Registry Editor Version 5.00",
        f"[{CCS}\\Control\\Session Manager\\Environment]",
        '"TEMP"="D:\\\\Temp"',
        f"[{CCS}\\Control\\Terminal Server\\RCM\\Licensing Core]",
        '"LicensingMode"=dword:00000004',
        f"[{CCS}\\Control\\Terminal Server\\WinStations\\RDP-Tcp]",
        '"PortNumber"=dword:00000d3e',
        '"UserAuthentication"=dword:00000000',
        f"[-{CCS}\\Services\\OldAgent]",
        f"[{CCS}\\Services\\TermService\\Parameters\\LicenseServers]",
        *_hex_lines('"SpecifiedLicenseServers"=hex(7):', servers),
    ]
    # Select says which set the machine boots from: named in a comment, never imported.
    comments = [line for line in text.split("\r\n") if line.startswith("; not carried over")]
    assert len(comments) == 3 and all(f"[{SYSTEM}\\Select]" in line for line in comments)


def test_applied_by_our_reader_the_patch_leaves_only_machine_specific_places(tmp_path: Path):
    a, b = write_pair(tmp_path / "pair")
    result = _diff(a, b)
    combined = tmp_path / "applied" / "A+patch.reg"
    combined.parent.mkdir()
    a_text = a.read_bytes()[2:].decode("utf-16-le")
    patch = _patch_text(result).split("\r\n", 1)[1]  # without its header line
    combined.write_bytes(b"\xff\xfe" + (a_text + patch).encode("utf-16-le"))
    applied = open_evidence(combined)
    (mounted,) = applied.hives
    again = tmp_path / "again" / "SYSTEM.reg"
    again.parent.mkdir()
    again.write_bytes(export_reg_bytes(mounted.hive.root(), mounted.mount))
    after = _diff(again, b)
    assert _left(after) == {
        (f"{SYSTEM}\\Select", n) for n in ("Current", "Default", "LastKnownGood")
    }
    assert all(d.machine_specific for d in after.differences)


def test_merged_by_hivex_the_patch_leaves_only_machine_specific_places(tmp_path: Path):
    if shutil.which("hivexregedit") is None:
        pytest.skip("hivexregedit (libwin-hivex-perl) is not installed")
    a, b = write_pair(tmp_path / "pair")
    hive = tmp_path / "hive" / "SYSTEM"
    hive.parent.mkdir()
    done = hiveparse("convert", a, "-o", hive, "--timestamp", "2024-01-01T00:00:00Z", "-f", "json")
    assert done.returncode == 0, done.stderr
    merged = tmp_path / "merged" / "SYSTEM"
    merged.parent.mkdir()
    shutil.copy(hive, merged)
    # hivexregedit takes the local encoding with Unix line ends (its manual page).
    patch = tmp_path / "patch.reg"
    patch.write_text(_patch_text(_diff(a, b)).replace("\r\n", "\n").lstrip("\ufeff"))
    subprocess.run(
        ["hivexregedit", "--merge", "--prefix", SYSTEM, str(merged), str(patch)], check=True
    )
    after = _diff(merged, b)
    assert _left(after) == {
        (f"{SYSTEM}\\Select", n) for n in ("Current", "Default", "LastKnownGood")
    }


def test_a_name_with_a_line_break_is_never_written_as_a_line(tmp_path: Path):
    """A name from evidence may hold a line break (a hive stores any character): written
    as it is, what follows it would be read as a line of its own, here a key of its own."""
    a, b = write_pair(tmp_path)
    result = _diff(a, b)
    evil = 'x"=-\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Run]\r\n"y'
    seen = Seen("B", 0, None, type_id=4, raw=b"\x01\0\0\0")
    result.differences.append(
        Difference(Change.ADDED, "value", f"{CCS}\\Services", evil, None, seen)
    )
    lines = "".join(patch_lines(result)).split("\r\n")
    assert not any(line.startswith("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Run") for line in lines)
    assert [line for line in lines if "a line break" in line] == [
        f"; not carried over (a line break in a name): {CCS}\\Services "
        "'x\"=-\\r\\n\\r\\n[HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\Run]\\r\\n\"y'"
    ]


def test_what_a_side_is_called_never_breaks_out_of_its_comment(tmp_path: Path):
    a, b = write_pair(tmp_path)
    result = _diff(a, b)
    result.b.host = "EVIL\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]\r\n"
    lines = "".join(patch_lines(result)).split("\r\n")
    assert not any(line.startswith("[-HKEY_LOCAL_MACHINE\\SOFTWARE") for line in lines)
    assert "; B: EVIL\\r\\n\\r\\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]\\r\\n" in lines


def test_a_machine_specific_key_b_lacks_is_never_deleted(tmp_path: Path):
    a, b = write_pair(tmp_path)
    text = a.read_bytes()[2:].decode("utf-16-le")
    grace = f"{SYSTEM}\\ControlSet001\\Control\\Terminal Server\\RCM\\GracePeriod"
    text = text.replace("\r\n\r\n[", f'\r\n\r\n[{grace}]\r\n"x"=hex:01\r\n\r\n[', 1)
    a.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    result = _diff(a, b)
    removed = [
        d
        for d in result.differences
        if d.path == f"{CCS}\\Control\\Terminal Server\\RCM\\GracePeriod"
    ]
    assert removed and all(d.machine_specific for d in removed)
    lines = "".join(patch_lines(result)).split("\r\n")
    assert not any("GracePeriod]" in line and not line.startswith(";") for line in lines)
    assert any(
        line.startswith("; not carried over (machine-specific: the licensing grace")
        for line in lines
    )
