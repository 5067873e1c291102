"""What a .reg file covers: export roots and whether each shows its whole subtree.

Every expectation is worked out by hand from the definitions in ``coverage.py`` (declared
keys, export roots, a root below a root, change scripts, unreadable lines) and written out
here as (path, line, covers) triples.
"""

from __future__ import annotations

import io
import time
import tracemalloc
from pathlib import Path

import pytest

from hiveparse.errors import UsageError
from hiveparse.evidence.open import open_evidence
from hiveparse.sources.regtext import RegFile, RegReader, iter_operations, loads, parse_reg_file
from hiveparse.sources.regtext.coverage import CoverageCollector, RegCoverage
from hiveparse.sources.regtext.snapshot import SnapshotBuilder

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
V5 = "Windows Registry Editor Version 5.00\r\n\r\n"
SYSTEM = "HKEY_LOCAL_MACHINE\\SYSTEM"
SOFTWARE = "HKEY_LOCAL_MACHINE\\SOFTWARE"
TS = "CurrentControlSet\\Control\\Terminal Server"
HKLM_TS = f"[{SYSTEM}\\{TS}"


def _roots(regfile: RegFile, mount: str) -> list[tuple[str, int, bool]]:
    return [(root.path, root.line, root.covers) for root in regfile.coverage.roots(mount)]


def _reg(*lines: str) -> str:
    """A version 5 file: the header, a blank line, ``lines``, and the closing blank line."""
    return V5 + "".join(line + "\r\n" for line in lines) + "\r\n"


@pytest.mark.parametrize(
    "path",
    sorted(SAMPLES.glob("*/SYSTEM.reg")) + sorted(SAMPLES.glob("*/SOFTWARE.reg")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_a_whole_hive_export_covers_the_hive(path: Path) -> None:
    regfile = parse_reg_file(path)
    mount = f"HKEY_LOCAL_MACHINE\\{path.stem}"
    # regedit writes the mount's own key line first, on line 3, then every key below it.
    assert list(regfile.coverage.mounts) == [mount]
    assert _roots(regfile, mount) == [("", 3, True)]
    assert not regfile.coverage.change_script
    assert regfile.coverage.covers(mount, "")
    assert regfile.coverage.covers(mount, "No\\Such\\Key")  # absent, and shown to be
    other = SOFTWARE if path.stem == "SYSTEM" else SYSTEM
    assert not regfile.coverage.covers(other, "")


def test_the_sample_covers_the_grace_period_key_even_where_it_is_missing() -> None:
    regfile = parse_reg_file(SAMPLES / "friday-afternoon-rdsh" / "SYSTEM.reg")
    assert regfile.coverage.covers(
        "HKLM\\SYSTEM", "ControlSet001\\Control\\Terminal Server\\RCM\\GracePeriod"
    )
    evidence = open_evidence(SAMPLES / "friday-afternoon-rdsh" / "SYSTEM.reg")
    assert evidence.reg_coverage == regfile.coverage
    # The reason counts the key lines: those of the file, counted here from its text.
    text = (SAMPLES / "friday-afternoon-rdsh" / "SYSTEM.reg").read_bytes()[2:].decode("utf-16-le")
    headers = [n for n, line in enumerate(text.split("\r\n"), 1) if line.startswith("[")]
    (root,) = regfile.coverage.roots("HKLM\\SYSTEM")
    assert root.reason == (
        f"exported whole, as regedit exports a subtree: {len(headers)} key lines (from line 3 "
        f"to {headers[-1]}), each with the key lines of all its parents"
    )


def test_an_export_of_one_subtree_covers_that_subtree_only() -> None:
    regfile = loads(
        _reg(
            f"{HKLM_TS}]",
            '"fDenyTSConnections"=dword:00000000',
            "",
            f"{HKLM_TS}\\RCM]",
            "",
            f"{HKLM_TS}\\RCM\\GracePeriod]",
            "",
            f"{HKLM_TS}\\RCM\\Licensing Core]",
            '"LicensingMode"=dword:00000004',
            "",
            f"{HKLM_TS}\\WinStations]",
            "",
            f"{HKLM_TS}\\WinStations\\RDP-Tcp]",
            '"PortNumber"=dword:00000d3d',
        )
    )
    assert _roots(regfile, SYSTEM) == [(TS, 3, True)]
    coverage = regfile.coverage
    assert coverage.covers(SYSTEM, TS)
    assert coverage.covers(SYSTEM, TS + "\\RCM\\GracePeriod")
    assert coverage.covers(SYSTEM, TS + "\\Licensing\\Anything")  # absent below the root
    assert coverage.covers("hklm\\system", TS.upper() + "\\RCM")  # any case, any root alias
    assert not coverage.covers(SYSTEM, "CurrentControlSet\\Control")
    assert not coverage.covers(SYSTEM, "CurrentControlSet\\Control\\Terminal")
    assert not coverage.covers(SYSTEM, "")


def test_a_snippet_with_a_gap_has_two_roots() -> None:
    regfile = loads(
        _reg(
            f"{HKLM_TS}]",
            '"fDenyTSConnections"=dword:00000000',
            f"{HKLM_TS}\\RCM\\Licensing Core]",
            '"LicensingMode"=dword:00000004',
        )
    )
    roots = regfile.coverage.roots(SYSTEM)
    assert [(r.path, r.line, r.covers) for r in roots] == [
        (TS, 3, False),
        (TS + "\\RCM\\Licensing Core", 5, True),
    ]
    assert "root at line 5" in roots[0].reason
    assert "only part of this subtree" in roots[0].reason
    coverage = regfile.coverage
    # Licensing Core is named alone: its values are shown, not whether it had subkeys.
    assert roots[1].subtree is False
    assert coverage.covers(SYSTEM, TS + "\\RCM\\Licensing Core")
    assert not coverage.covers(SYSTEM, TS + "\\RCM\\Licensing Core\\Sub")
    assert not coverage.covers(SYSTEM, TS + "\\RCM\\GracePeriod")
    assert not coverage.covers(SYSTEM, TS + "\\RCM")
    assert not coverage.covers(SYSTEM, TS)


def test_a_four_line_file_covers_the_key_it_sets() -> None:
    text = (
        "Windows Registry Editor Version 5.00\r\n"
        f"{HKLM_TS}\\RCM\\Licensing Core]\r\n"
        '"LicensingMode"=dword:00000004\r\n'
        "\r\n"
    )
    assert text.count("\r\n") == 4
    regfile = loads(text)
    assert regfile.diagnostics == []
    assert _roots(regfile, SYSTEM) == [(TS + "\\RCM\\Licensing Core", 2, True)]
    assert regfile.coverage.covers(SYSTEM, TS + "\\RCM\\Licensing Core")
    assert not regfile.coverage.covers(SYSTEM, TS + "\\RCM\\GracePeriod")
    # Without the closing blank line the file may have been cut after its last line.
    cut = loads(text[:-2])
    assert _roots(cut, SYSTEM) == [(TS + "\\RCM\\Licensing Core", 2, False)]


def test_a_change_script_covers_nothing() -> None:
    regfile = parse_reg_file(SAMPLES / "customer-fix-script" / "fix-rds-licensing.reg")
    coverage = regfile.coverage
    assert coverage.change_script
    # Lines 3 and 5 delete keys under SOFTWARE (so no key is declared there), line 8 a value.
    assert list(coverage.mounts) == [SYSTEM]
    roots = coverage.roots(SYSTEM)
    assert [(r.path, r.line, r.covers) for r in roots] == [
        (TS + "\\RCM\\GracePeriod", 7, False),
        (TS + "\\RCM\\Licensing Core", 10, False),
    ]
    assert all("change script (it deletes at line 3)" in r.reason for r in roots)
    assert not coverage.covers(SYSTEM, TS + "\\RCM\\GracePeriod")
    # One value deletion is enough.
    script = loads(_reg("[HKEY_CURRENT_USER\\A]", '"v"=-'))
    assert _roots(script, "HKEY_CURRENT_USER") == [("A", 3, False)]


def test_a_rejected_line_spoils_the_root_it_lies_in() -> None:
    regfile = loads(
        _reg(
            f"[{SOFTWARE}\\Vendor]",  # 3
            '"a"="1"',
            "",
            f"[{SOFTWARE}\\Vendor\\A]",  # 6
            "",
            f"[{SOFTWARE}\\Vendor\\A\\B",  # 8: no ']', regedit skips the key and its values
            '"b"="2"',
            "",
            f"[{SOFTWARE}\\Vendor\\C]",  # 11
            "",
            f"[{SOFTWARE}\\Other]",  # 13
            '"c"="3"',
        )
    )
    assert [(d.code, d.location.line) for d in regfile.diagnostics if d.severity == "error"] == [
        ("reg.syntax", 8)
    ]
    roots = regfile.coverage.roots(SOFTWARE)
    assert [(r.path, r.line, r.covers) for r in roots] == [
        ("Vendor", 3, False),
        ("Other", 13, True),
    ]
    assert roots[0].reason == (
        "line 8 could not be read (reg.syntax), after the key line 6: a key or value of this "
        "subtree may be missing"
    )
    assert not regfile.coverage.covers(SOFTWARE, "Vendor\\A\\B")
    # Other is named alone (no key line below it): its values count, its subkeys do not.
    assert regfile.coverage.covers(SOFTWARE, "Other")
    assert not regfile.coverage.covers(SOFTWARE, "Other\\Anything")


def test_errors_before_the_first_key_line_change_nothing() -> None:
    regfile = loads(_reg("garbage", f"[{SOFTWARE}\\Vendor]", '"a"="1"'))
    assert [d.location.line for d in regfile.diagnostics] == [3]
    assert _roots(regfile, SOFTWARE) == [("Vendor", 4, True)]


def test_an_error_counts_even_when_the_diagnostic_budget_drops_it() -> None:
    text = _reg(f"[{SOFTWARE}\\A]", *["x"] * 5, f"[{SOFTWARE}\\B]", "x")
    reader = RegReader(io.BytesIO(text.encode()), max_diagnostics_per_code=5)
    builder = SnapshotBuilder(
        source="t", header=reader.header, ansi_codepage=reader.ansi_codepage, sink=reader.sink
    )
    for op in reader.operations():
        builder.apply(op)
    # The sixth reg.syntax (line 10, below B) is not listed, but B does not cover either.
    assert [d.location.line for d in reader.diagnostics if d.code == "reg.syntax"] == [
        4,
        5,
        6,
        7,
        8,
    ]
    coverage = builder.coverage()
    assert [(r.path, r.line, r.covers) for r in coverage.roots(SOFTWARE)] == [
        ("A", 3, False),
        ("B", 9, False),
    ]
    assert loads(text).coverage == coverage


def test_out_of_order_files_find_their_roots_anywhere_in_the_file() -> None:
    regfile = loads(_reg(f"[{SOFTWARE}\\V\\A\\B]", f"[{SOFTWARE}\\V]", f"[{SOFTWARE}\\V\\A]"))
    # V\A\B's parent V\A is declared later, and V\A's parent V before it: one root, V.
    assert _roots(regfile, SOFTWARE) == [("V", 4, True)]
    gap = loads(_reg(f"[{SOFTWARE}\\V\\A\\B]", f"[{SOFTWARE}\\V]", f"[{SOFTWARE}\\W]"))
    assert _roots(gap, SOFTWARE) == [("V\\A\\B", 3, True), ("V", 4, False), ("W", 5, True)]


def test_names_compare_case_insensitively_and_keep_their_first_spelling() -> None:
    regfile = loads(
        _reg(
            f"[{SOFTWARE}\\Vendor]",
            "[hklm\\software\\VENDOR\\Sub]",
            "[HKEY_LOCAL_MACHINE\\Software\\vendor\\sub\\Deep]",
        )
    )
    assert list(regfile.coverage.mounts) == [SOFTWARE]
    assert _roots(regfile, SOFTWARE) == [("Vendor", 3, True)]


def test_classes_root_and_current_config_land_in_their_hives() -> None:
    regfile = loads(
        _reg(
            "[HKEY_CLASSES_ROOT\\.rdp]",
            '@="RDP.File"',
            "[HKEY_CLASSES_ROOT\\.rdp\\ShellNew]",
            "[HKEY_CURRENT_CONFIG\\System\\CurrentControlSet]",
        )
    )
    assert _roots(regfile, SOFTWARE) == [("Classes\\.rdp", 3, True)]
    assert _roots(regfile, SYSTEM) == [
        ("CurrentControlSet\\Hardware Profiles\\Current\\System\\CurrentControlSet", 6, True)
    ]
    coverage = regfile.coverage
    assert coverage.covers("HKCR", ".rdp\\ShellNew")
    assert coverage.covers("HKEY_CLASSES_ROOT\\.rdp", "")
    assert coverage.covers(SOFTWARE, "Classes\\.RDP\\Other")
    assert not coverage.covers(SOFTWARE, "Classes")
    assert not coverage.covers("HKCR", ".txt")
    # The HKCC key is named alone: it covers itself, not what lies below it.
    assert coverage.covers("HKCC", "System\\CurrentControlSet")
    assert not coverage.covers("HKCC", "System\\CurrentControlSet\\Control")
    whole = loads(_reg("[HKEY_CLASSES_ROOT]", "[HKEY_CLASSES_ROOT\\.rdp]"))
    assert _roots(whole, SOFTWARE) == [("Classes", 3, True)]
    assert whole.coverage.covers("HKCR", ".txt")


def test_several_mounts_in_one_file() -> None:
    regfile = loads(
        _reg(
            f"[{SYSTEM}\\A]",
            f"[{SOFTWARE}\\B]",
            "[HKEY_CURRENT_USER\\Software\\C]",
            "[hkey_local_machine\\system\\A\\D]",
            "[HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software]",
            "[HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\X\\Y]",
        )
    )
    assert list(regfile.coverage.mounts) == [
        SYSTEM,
        SOFTWARE,
        "HKEY_CURRENT_USER",
        "HKEY_USERS\\S-1-5-21-1-2-3-1001",
    ]
    assert list(regfile.coverage.mounts) == list(regfile.hives)  # as the snapshot names them
    assert _roots(regfile, SYSTEM) == [("A", 3, True)]
    assert _roots(regfile, SOFTWARE) == [("B", 4, True)]
    assert _roots(regfile, "HKEY_CURRENT_USER") == [("Software\\C", 5, True)]
    assert _roots(regfile, "HKEY_USERS\\S-1-5-21-1-2-3-1001") == [
        ("Software", 7, False),
        ("Software\\X\\Y", 8, True),
    ]
    coverage = regfile.coverage
    assert coverage.covers("HKLM\\SYSTEM", "A\\D")
    assert coverage.covers("HKLM\\SYSTEM", "A\\E\\F")  # A has a key line below it
    assert coverage.covers("HKCU", "Software\\C")  # named alone: the key itself
    assert not coverage.covers("HKCU", "Software\\C\\D")
    assert not coverage.covers("HKCU", "Software")
    assert not coverage.covers("HKEY_USERS\\S-1-5-18", "Software")


def test_report_form() -> None:
    regfile = loads(_reg(f"{HKLM_TS}]", f"{HKLM_TS}\\RCM\\Licensing Core]"))
    document = regfile.coverage.to_dict()
    assert document["change_script"] is False
    (mount,) = document["mounts"]
    assert mount["mount"] == SYSTEM
    assert [(r["path"], r["line"], r["covers"]) for r in mount["roots"]] == [
        (TS, 3, False),
        (TS + "\\RCM\\Licensing Core", 4, True),
    ]
    assert all(isinstance(r["reason"], str) and r["reason"] for r in mount["roots"])
    assert RegCoverage().to_dict() == {"change_script": False, "mounts": []}


def test_a_mount_without_a_root_key_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        RegCoverage().covers("SYSTEM", "x")
    assert not RegCoverage().covers(SYSTEM, "x")


def test_the_deepest_key_path_stays_linear() -> None:
    """Declared keys are kept once, as folded paths; parents are looked up once per key and
    the roots' nesting found by sorting: no work or memory per level of one deep path (at
    the 512 levels Windows allows, with 200-character names)."""
    depth = 511  # below SOFTWARE: 512 levels below HKEY_LOCAL_MACHINE
    level = "Level" + "x" * 195
    deep = "\\".join([level] * depth)
    text = _reg(f"[{SOFTWARE}\\{deep}]", f"[{SOFTWARE}\\{level}]", '"v"=dword:00000001')
    tracemalloc.start()
    started = time.perf_counter()
    collector = CoverageCollector()
    for op in iter_operations(io.BytesIO(text.encode())):
        collector.apply(op)
    coverage = collector.finish()
    assert coverage.covers(SOFTWARE, deep)  # the deep key named alone: itself only
    assert not coverage.covers(SOFTWARE, deep + "\\Below")
    assert not coverage.covers(SOFTWARE, f"{level}\\{level}")
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    roots = coverage.roots(SOFTWARE)
    assert [(r.path, r.line, r.covers) for r in roots] == [(deep, 3, True), (level, 4, False)]
    # The path is 102,000 characters; its 511 prefixes hold 2.6e7.
    assert peak < 50 * len(text)
    assert elapsed < 60  # a hang guard: quadratic work on this path would take hours
