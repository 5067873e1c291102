"""The output policy (cli/output.py), for every command with -o: never over, beside or
inside the evidence. The evidence tree of a file in a Windows volume layout is the volume's
root, or the collection's root when the volume is a drive-letter folder (KAPE, Velociraptor);
a directory argument is its own tree; a loose file's tree is its folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.running import hiveparse

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SYSTEM = SAMPLES / "rds-session-host" / "SYSTEM"
SOFTWARE_REG = SAMPLES / "friday-afternoon-rdsh" / "SOFTWARE.reg"
CONFIG = Path("Windows", "System32", "config")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return hiveparse(*args)


def refused(result: subprocess.CompletedProcess[str], needle: str = "inside the evidence") -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr.startswith("hiveparse: error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


def put(path: Path, source: Path = SYSTEM) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)
    return path


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def multi_mount_reg(path: Path) -> Path:
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        '[HKEY_LOCAL_MACHINE\\SYSTEM\\A]\r\n"x"=dword:00000001\r\n\r\n'
        '[HKEY_LOCAL_MACHINE\\SOFTWARE\\B]\r\n"y"="z"\r\n\r\n'
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return path


# (layout, evidence file below the case folder, outputs below it that are refused)
LAYOUTS = [
    (
        "config",
        Path("vol", *CONFIG.parts, "SYSTEM"),
        ["vol/report.json", "vol/C/report.json", "vol/Windows/System32/config/SYSTEM.LOG1"],
    ),
    ("regback", Path("vol", *CONFIG.parts, "RegBack", "SYSTEM"), ["vol/Users/x.json"]),
    ("profile", Path("vol", "Users", "alice", "NTUSER.DAT"), ["vol/alice.json"]),
    ("kape", Path("kape", "C", *CONFIG.parts, "SYSTEM"), ["kape/report.json", "kape/D/x"]),
    (
        "velociraptor",
        Path("velo", "uploads", "auto", "C%3A", *CONFIG.parts, "SYSTEM"),
        ["velo/results/out.json", "velo/uploads/out.json"],
    ),
    ("loose", Path("loose", "evidence_001.bin"), ["loose/out.json"]),
]


@pytest.mark.parametrize(("layout", "relative", "inside"), LAYOUTS, ids=[x[0] for x in LAYOUTS])
@pytest.mark.parametrize("command", ["analyze", "export"])
def test_output_inside_the_evidence_tree_is_refused(
    tmp_path: Path, layout: str, relative: Path, inside: list[str], command: str
):
    evidence = put(tmp_path / relative)
    before = listing(tmp_path)
    for target in inside:
        (tmp_path / target).parent.mkdir(parents=True, exist_ok=True)
        before = listing(tmp_path)
        refused(run(command, evidence, "-o", tmp_path / target))
        assert listing(tmp_path) == before, target  # nothing written
    outside = tmp_path / "reports" / f"{layout}.out"
    outside.parent.mkdir()
    result = run(command, evidence, "-o", outside)
    assert result.returncode in (0, 1, 3), result.stderr
    assert outside.is_file()


def test_a_directory_argument_is_its_own_tree(tmp_path: Path):
    case = tmp_path / "case"
    put(case / "host" / "SYSTEM")
    (case / "notes").mkdir()
    refused(run("analyze", case, "-o", case / "notes" / "report.json"))
    refused(run("analyze", case, "-o", case / "report.json"))
    result = run("analyze", case, "-o", tmp_path / "report.json")
    assert result.returncode in (0, 1, 3), result.stderr


def test_links_do_not_get_output_into_the_evidence(tmp_path: Path):
    evidence = put(tmp_path / "vol" / CONFIG / "SYSTEM")
    # The output through a link to a folder of the volume...
    (tmp_path / "drop").symlink_to(tmp_path / "vol", target_is_directory=True)
    refused(run("export", evidence, "-o", tmp_path / "drop" / "x.reg"))
    # ... and evidence named through a link: its real tree counts too.
    named = tmp_path / "links" / "SYSTEM"
    named.parent.mkdir()
    named.symlink_to(evidence)
    refused(run("export", named, "-o", tmp_path / "vol" / "x.reg"))
    refused(run("export", named, "-o", named.parent / "x.reg"))
    refused(run("export", named, "-o", named), "refusing to write over the input")


def test_analyze_refuses_output_inside_a_security_or_masterkeys_tree(tmp_path: Path):
    evidence = put(tmp_path / "case" / "SYSTEM")
    keys = tmp_path / "keys" / "Windows" / "System32" / "Microsoft" / "Protect" / "S-1-5-18"
    key_file = keys / "dd26f81a-4ed9-49fd-8b45-42723d8ae006"
    key_file.parent.mkdir(parents=True)
    key_file.write_bytes(b"")
    # A folder named is its own tree; a key file belongs to its Windows volume.
    refused(run("analyze", evidence, "--masterkeys", keys, "-o", keys / "r.json"))
    refused(run("analyze", evidence, "--masterkeys", key_file, "-o", tmp_path / "keys" / "r"))
    security = put(tmp_path / "sec" / "SECURITY")
    refused(run("analyze", evidence, "--security", security, "-o", tmp_path / "sec" / "r"))


# --- convert: the same policy, with the .reg file as the evidence ----------------------------


def test_convert_refuses_a_log_name_beside_real_evidence(tmp_path: Path):
    ev = tmp_path / "ev"
    source = put(ev / "SOFTWARE.reg", SOFTWARE_REG)
    put(ev / "SOFTWARE", SAMPLES / "friday-afternoon-rdsh" / "SOFTWARE")
    before = listing(tmp_path)
    refused(run("convert", source, "-o", ev / "SOFTWARE.LOG1"))
    refused(run("convert", source, "-o", ev / "hives/"))
    refused(run("convert", source, "-o", ev))
    refused(run("convert", source, "-o", source), "refusing to write over the input")
    assert listing(tmp_path) == before


def test_convert_inside_a_volume_layout_is_refused_up_to_the_volume(tmp_path: Path):
    source = put(tmp_path / "vol" / "Users" / "alice" / "Desktop" / "fix.reg", SOFTWARE_REG)
    # A .reg file below a profile is no hive layout: its own folder is its tree ...
    refused(run("convert", source, "-o", source.parent / "SOFTWARE"))
    # ... whereas one in config belongs to the volume.
    in_config = put(tmp_path / "vol2" / CONFIG / "fix.reg", SOFTWARE_REG)
    refused(run("convert", in_config, "-o", tmp_path / "vol2" / "SOFTWARE"))


def test_convert_trailing_slash_creates_the_folder(tmp_path: Path):
    source = multi_mount_reg(tmp_path / "in" / "two.reg")
    target = tmp_path / "out" / "hives"
    (tmp_path / "out").mkdir()
    result = run("convert", source, "-o", f"{target}{os.sep}", "-f", "table")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["SOFTWARE", "SYSTEM"]
    assert len([line for line in result.stdout.splitlines() if line.startswith("wrote ")]) == 2
    # Given again, the folder exists and its files would be overwritten: refused.
    refused(run("convert", source, "-o", f"{target}{os.sep}"), "refusing to overwrite")


def test_convert_without_the_slash_keeps_its_meaning(tmp_path: Path):
    source = multi_mount_reg(tmp_path / "in" / "two.reg")
    out = tmp_path / "out"
    out.mkdir()
    # A path that does not exist is a file: several mounts need --mount or a directory.
    refused(run("convert", source, "-o", out / "hives"), "trailing /")
    assert list(out.iterdir()) == []
    result = run("convert", source, "-o", out / "hive", "--mount", r"HKLM\SOFTWARE")
    assert result.returncode == 0, result.stderr
    assert (out / "hive").is_file()
    # An existing directory gets one file per mount, as before.
    (out / "existing").mkdir()
    assert run("convert", source, "-o", out / "existing").returncode == 0
    assert sorted(p.name for p in (out / "existing").iterdir()) == ["SOFTWARE", "SYSTEM"]


def test_convert_new_folder_needs_its_parent_and_is_not_left_behind(tmp_path: Path):
    source = multi_mount_reg(tmp_path / "in" / "two.reg")
    refused(run("convert", source, "-o", f"{tmp_path / 'no' / 'such'}/"), "is not a directory")
    assert not (tmp_path / "no").exists()
    (tmp_path / "file").write_bytes(b"")
    refused(run("convert", source, "-o", f"{tmp_path / 'file'}/"), "not a directory")
    # A conversion that fails leaves no empty folder behind.
    deletions = tmp_path / "in" / "deletions.reg"
    text = "Windows Registry Editor Version 5.00\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n"
    deletions.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    refused(run("convert", deletions, "-o", f"{tmp_path / 'new'}/"), "only deletes")
    assert not (tmp_path / "new").exists()
