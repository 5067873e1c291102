"""diff against differences known by hand and against outside truth.

* A hand-made pair (tests/compare/pairs.py) whose every difference was made by hand: as
  .reg exports, as hives, and one of each, the diff must be exactly that set.
* A hive against hivex's own export of it (``hivexregedit --export``, an independent
  writer): no difference at all, every control set compared.
* An export of a subtree against the whole hive: what lies outside the subtree is not
  compared (never reported removed), what lies inside is.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hiveparse.compare.diff import ControlSetMode, DiffOptions, DiffResult, diff_sides
from hiveparse.compare.sides import open_side
from hiveparse.errors import UsageError
from tests.cli.running import hiveparse
from tests.compare.pairs import CCS, EXPECTED, SYSTEM, write_pair

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _diff(a: Path, b: Path, **options: object) -> DiffResult:
    return diff_sides(open_side("a", [a]), open_side("b", [b]), DiffOptions(**options))  # type: ignore[arg-type]


def _found(result: DiffResult) -> set[tuple[str, str, str, str | None]]:
    return {(str(d.change), d.kind, d.path, d.name) for d in result.differences}


def _as_hive(reg: Path, folder: Path, timestamp: str = "2024-01-01T00:00:00Z") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "SYSTEM"
    done = hiveparse("convert", reg, "-o", target, "--timestamp", timestamp, "-f", "json")
    assert done.returncode == 0, done.stderr
    return target


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    return write_pair(tmp_path / "reg")


def test_the_hand_made_pair_gives_exactly_its_known_differences(pair: tuple[Path, Path]):
    result = _diff(*pair)
    assert _found(result) == EXPECTED
    by_name = {(d.path, d.name): d for d in result.differences}
    mode = by_name[(f"{CCS}\\Control\\Terminal Server\\RCM\\Licensing Core", "LicensingMode")]
    assert (mode.a.raw, mode.b.raw) == (b"\x05\0\0\0", b"\x04\0\0\0")  # type: ignore[union-attr]
    port = by_name[(f"{CCS}\\Control\\Terminal Server\\WinStations\\RDP-Tcp", "PortNumber")]
    assert port.b.raw == (3390).to_bytes(4, "little")  # type: ignore[union-attr]
    # B's ControlSet001 is an older set: set aside, said so, never compared.
    assert [n.path for n in result.not_compared] == [f"{SYSTEM}\\ControlSet001"]
    assert not result.partial


def test_the_pair_as_hives_and_mixed_gives_the_same(pair: tuple[Path, Path], tmp_path: Path):
    hive_a = _as_hive(pair[0], tmp_path / "hive-a")
    hive_b = _as_hive(pair[1], tmp_path / "hive-b")
    assert _found(_diff(hive_a, hive_b)) == EXPECTED
    assert _found(_diff(hive_a, pair[1])) == EXPECTED
    assert _found(_diff(pair[0], hive_b)) == EXPECTED


def test_every_control_set_by_number(pair: tuple[Path, Path]):
    found = _found(_diff(*pair, control_sets=ControlSetMode.ALL))
    licensing = f"{SYSTEM}\\ControlSet001\\Control\\Terminal Server\\RCM\\Licensing Core"
    # A's 001 (mode 5) against B's older 001 (mode 2); B's 002 is on B only.
    assert ("changed", "value", licensing, "LicensingMode") in found
    assert ("added", "key", f"{SYSTEM}\\ControlSet002", None) in found
    assert not any("CurrentControlSet" in path for _c, _k, path, _n in found)


def test_a_key_limits_both_sides(pair: tuple[Path, Path]):
    key = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server"
    found = _found(_diff(*pair, key=key))
    assert found == {item for item in EXPECTED if "\\Terminal Server" in item[2]}
    with pytest.raises(UsageError, match="by number"):
        _diff(*pair, key="HKLM\\SYSTEM\\ControlSet001\\Control")
    with pytest.raises(UsageError, match="no hive"):
        _diff(*pair, key="HKLM\\SOFTWARE\\Microsoft")


def test_times_are_compared_only_when_asked(pair: tuple[Path, Path], tmp_path: Path):
    hive_a = _as_hive(pair[0], tmp_path / "a", "2024-01-01T00:00:00Z")
    hive_b = _as_hive(pair[1], tmp_path / "b", "2024-02-01T00:00:00Z")
    assert _found(_diff(hive_a, hive_b)) == EXPECTED
    timed = _diff(hive_a, hive_b, times=True)
    rewritten = [d for d in timed.differences if d.change == "changed" and d.kind == "key"]
    # every key both sides hold in the compared trees: the root, Select, and the current
    # set's CurrentControlSet, Control, Session Manager, Environment, Terminal Server, RCM,
    # Licensing Core, WinStations, RDP-Tcp, Services, TermService, Parameters
    assert len(rewritten) == 14
    assert {d.a.last_written for d in rewritten} == {133485408000000000}  # type: ignore[union-attr]
    assert {d.b.last_written for d in rewritten} == {133512192000000000}  # type: ignore[union-attr]


def test_a_hive_and_hivex_export_of_it_do_not_differ(corpus: Path, tmp_path: Path):
    if shutil.which("hivexregedit") is None:
        pytest.skip("hivexregedit (libwin-hivex-perl) is not installed")
    for hive, mount in (
        (corpus / "hives/bitcurator-dfa/SYSTEM", "HKEY_LOCAL_MACHINE\\SYSTEM"),
        (corpus / "hives/regipy/NTUSER.DAT", "HKEY_CURRENT_USER"),
    ):
        exported = tmp_path / f"{hive.name}.reg"
        with exported.open("wb") as sink:
            subprocess.run(
                ["hivexregedit", "--export", "--prefix", mount, str(hive), "\\"],
                stdout=sink,
                check=True,
            )
        result = _diff(hive, exported, control_sets=ControlSetMode.ALL, default_ignores=False)
        assert result.differences == [], (hive, result.differences[:3])
        assert result.not_compared == []


def test_an_export_of_a_subtree_is_compared_only_there(tmp_path: Path):
    """The sample's SYSTEM hive against an export of its Terminal Server key alone, one value
    changed: that change is the only difference; the rest of the hive is not compared
    (not removed), and what was left out is counted where it lies."""
    hive = SAMPLES / "friday-afternoon-rdsh" / "SYSTEM"
    reg = tmp_path / "ts.reg"
    key = "HKLM\\SYSTEM\\ControlSet001\\Control\\Terminal Server"
    exported = hiveparse("export", hive, key, "-o", reg)
    assert exported.returncode == 0, exported.stderr
    body = reg.read_bytes().decode("utf-16")
    enabled = '"fDenyTSConnections"=dword:00000000'
    assert enabled in body
    changed = body.replace(enabled, '"fDenyTSConnections"=dword:00000001')
    reg.write_bytes(b"\xff\xfe" + changed.encode("utf-16-le"))
    # The export states no current control set (no Select): by default nothing in the sets
    # can be paired, which is said, not taken for a difference.
    unpaired = _diff(hive, reg)
    assert unpaired.differences == []
    assert [n.code for n in unpaired.notes] == ["compare.control_set_unknown"]
    assert unpaired.notes[0].severity == "warning"
    result = _diff(hive, reg, control_sets=ControlSetMode.ALL)
    here = f"{SYSTEM}\\ControlSet001\\Control"
    assert _found(result) == {
        ("changed", "value", f"{here}\\Terminal Server", "fDenyTSConnections")
    }
    uncovered = {n.path: n for n in result.not_compared if "does not cover" in n.reason}
    assert here in uncovered  # Control's other subkeys: B shows none of them
    assert uncovered[here].keys > 0
    assert all("B's input" in n.reason for n in uncovered.values())


def test_a_side_is_one_machine(tmp_path: Path):
    both = tmp_path / "two"
    shutil.copytree(SAMPLES / "friday-afternoon-rdsh", both / "one")
    shutil.copytree(SAMPLES / "per-user-farm-gpo", both / "two")
    with pytest.raises(UsageError, match="2 hosts"):
        open_side("a", [both])
    # Two copies of one hive are two hosts to the grouping (each file a hive of its own).
    copies = tmp_path / "copies"
    copies.mkdir()
    shutil.copy(SAMPLES / "friday-afternoon-rdsh" / "SYSTEM", copies / "SYSTEM")
    shutil.copy(SAMPLES / "friday-afternoon-rdsh" / "SYSTEM", copies / "SYSTEM.copy")
    with pytest.raises(UsageError, match="2 hosts"):
        open_side("a", [copies])
    # Two exports of one mount and no hive: which is the machine's is not clear.
    exports = tmp_path / "exports"
    exports.mkdir()
    shutil.copy(SAMPLES / "friday-afternoon-rdsh" / "SYSTEM.reg", exports / "SYSTEM.reg")
    shutil.copy(SAMPLES / "friday-afternoon-rdsh" / "SYSTEM.reg", exports / "again.reg")
    with pytest.raises(UsageError, match="2 times"):
        open_side("a", [exports])


def test_a_hive_is_compared_before_an_export_of_it():
    side = open_side("a", [SAMPLES / "friday-afternoon-rdsh"])
    sources = {mount.mount: Path(mount.evidence.path).name for mount in side.mounts.values()}
    assert sources == {
        "HKEY_LOCAL_MACHINE\\SYSTEM": "SYSTEM",
        "HKEY_LOCAL_MACHINE\\SOFTWARE": "SOFTWARE",
    }
    aside = sorted(Path(d.location.source or "").name for d in side.diagnostics
                   if d.code == "compare.export_set_aside")  # fmt: skip
    assert aside == ["SOFTWARE.reg", "SYSTEM.reg"]


def _reg(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\r\n".join(["Windows Registry Editor Version 5.00", "", *lines, "", ""])
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return path


def test_a_side_without_select_is_not_paired_with_the_others_current_set(tmp_path: Path):
    a, _b = write_pair(tmp_path / "pair")
    # An export of one numbered set, without Select: it states no current set.
    lone = _reg(tmp_path / "lone" / "SYSTEM.reg", [
        f"[{SYSTEM}]", f"[{SYSTEM}\\ControlSet002]", f"[{SYSTEM}\\ControlSet002\\Control]",
        f"[{SYSTEM}\\ControlSet002\\Control\\Terminal Server]",
        '"fDenyTSConnections"=dword:00000001',
    ])  # fmt: skip
    result = _diff(a, lone)
    # ControlSet002 is not taken for B's current set: nothing in the sets is compared; what
    # differs is that B has no Select (machine-specific).
    assert {d.path for d in result.differences} == {f"{SYSTEM}\\Select"}
    assert all(d.machine_specific for d in result.differences)
    (note,) = [n for n in result.notes if n.code == "compare.control_set_unknown"]
    assert note.severity == "warning" and note.message.startswith("B does not state")
    with pytest.raises(UsageError, match="not stated on both sides"):
        _diff(a, lone, key="HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server")
    # Neither side states one: the sets are compared by number.
    both = _diff(lone, lone)
    assert both.differences == [] and [n.code for n in both.notes] == [
        "compare.control_set_unknown"
    ]


def test_a_snippet_of_one_value_deletes_nothing(tmp_path: Path):
    a, _b = write_pair(tmp_path / "pair")
    rdp = f"{SYSTEM}\\ControlSet002\\Control\\Terminal Server\\WinStations\\RDP-Tcp"
    snippet = _reg(tmp_path / "snippet" / "SYSTEM.reg", [
        f"[{SYSTEM}\\Select]", '"Current"=dword:00000002',
        f"[{rdp}]", '"PortNumber"=dword:00000d3e',
    ])  # fmt: skip
    result = _diff(a, snippet, key="HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server")
    # UserAuthentication, which the snippet does not name, is not "removed".
    assert _found(result) == {
        ("changed", "value", f"{CCS}\\Control\\Terminal Server\\WinStations\\RDP-Tcp", "PortNumber")
    }


def test_a_key_in_a_hive_only_one_side_holds_is_refused(pair: tuple[Path, Path]):
    with pytest.raises(UsageError, match="which only B holds"):
        _diff(pair[0], SAMPLES / "per-user-farm-gpo", key="HKLM\\SOFTWARE\\Policies")


def test_users_are_compared_user_by_user(corpus: Path, tmp_path: Path):
    ntuser = (corpus / "hives/regipy/NTUSER.DAT").read_bytes()
    for side, users in (("a", ("alice", "bob")), ("b", ("alice", "carol"))):
        for user in users:
            profile = tmp_path / side / "Users" / user
            profile.mkdir(parents=True)
            (profile / "NTUSER.DAT").write_bytes(ntuser)
    side_a = open_side("a", [tmp_path / "a"])
    assert sorted(side_a.mounts) == ["HKEY_USERS\\ALICE", "HKEY_USERS\\BOB"]
    result = diff_sides(side_a, open_side("b", [tmp_path / "b"]), DiffOptions())
    assert result.differences == []  # alice against alice
    assert sorted(n.path for n in result.not_compared) == ["HKEY_USERS\\bob", "HKEY_USERS\\carol"]


def test_a_change_script_is_no_side(tmp_path: Path):
    script = _reg(tmp_path / "fix" / "fix.reg", [f"[-{SYSTEM}\\Select]"])
    with pytest.raises(UsageError, match="change script"):
        open_side("b", [script])
