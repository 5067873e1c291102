"""`-o FILE` on every command that writes a report (cli/output.py: open_output): the file holds
the bytes stdout would have held; an existing file, a path inside the evidence and a folder
that does not exist are refused (exit 2) before any evidence is read; a run that fails leaves
nothing behind."""

from __future__ import annotations

import errno
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hiveparse.cli import output
from hiveparse.cli.main import app
from hiveparse.cli.options import Format, chosen_format
from typer.testing import CliRunner

from hiveparse.errors import OutputError
from tests.cli.running import hiveparse

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
AS_OF = "2026-03-06T12:00:00Z"
SELECT = r"HKLM\SYSTEM\Select"


def host(root: Path) -> Path:
    return root / "rds-session-host" / "SYSTEM"


def volume(root: Path) -> Path:
    return root / "rdsh-image"


def friday(root: Path) -> Path:
    return root / "friday-afternoon-rdsh"


def farm(root: Path) -> Path:
    return root / "per-user-farm-gpo"


def config(root: Path) -> Path:
    return volume(root) / "Windows" / "System32" / "config"


# command -> (the arguments, given where the samples are; the evidence that -o is refused
# inside: a file's folder, a volume's root, a directory argument; whether it has a table)
CASES = {
    "analyze": (
        lambda r: ["analyze", r / "grace-reset", "--as-of", AS_OF],
        lambda r: r / "grace-reset",
        True,
    ),
    "query": (lambda r: ["query", host(r), SELECT, "-s"], lambda r: host(r).parent, True),
    "info": (lambda r: ["info", host(r)], lambda r: host(r).parent, True),
    "verify": (
        lambda r: ["verify", host(r), "--peer", "regipy"],
        lambda r: host(r).parent,
        True,
    ),
    "recover": (lambda r: ["recover", host(r)], lambda r: host(r).parent, True),
    "export": (lambda r: ["export", host(r), SELECT], lambda r: host(r).parent, False),
    "timebomb": (
        lambda r: ["timebomb", "--from", config(r) / "SYSTEM"],
        volume,
        True,
    ),
    "secrets": (lambda r: ["secrets", config(r)], config, True),
    "diff": (lambda r: ["diff", friday(r), farm(r)], friday, True),
    "compare": (lambda r: ["compare", friday(r), farm(r)], friday, True),
}
COMMANDS = sorted(CASES)
# The evidence arguments above, to be replaced by evidence that cannot be read.
EVIDENCE = {
    str(path)
    for path in (
        host(SAMPLES),
        config(SAMPLES),
        config(SAMPLES) / "SYSTEM",
        SAMPLES / "grace-reset",
        friday(SAMPLES),
        farm(SAMPLES),
    )
}


def args(command: str, root: Path = SAMPLES) -> list[str | Path]:
    return list(CASES[command][0](root))


def copied(tmp_path: Path) -> Path:
    """The samples copied to a case folder, so that a refusal can be checked by listing it."""
    root = tmp_path / "case"
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def refused(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr.startswith("hiveparse: error: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert needle in result.stderr, result.stderr
    assert result.stdout == ""


def raw_stdout(*arguments: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "hiveparse", *map(str, arguments)],
        capture_output=True,
        timeout=120,
        check=False,
    )


# -- the same bytes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "table"),
    [(c, table) for c in COMMANDS for table in (False, True) if CASES[c][2] or not table],
    ids=lambda value: {True: "table", False: "default"}.get(value, str(value)),
)
def test_o_writes_the_bytes_stdout_would(command: str, table: bool, tmp_path: Path):
    given = [*args(command), *(["-f", "table"] if table else [])]
    piped = raw_stdout(*given)  # in a pipe: JSON unless a format is asked for
    target = tmp_path / "out" / "report"
    target.parent.mkdir()
    written = hiveparse(*given, "-o", target)
    assert written.returncode == piped.returncode, written.stderr
    assert written.stdout == ""
    assert written.stderr == piped.stderr.decode()
    assert piped.stdout and target.read_bytes() == piped.stdout
    assert listing(tmp_path / "out") == ["report"]  # no temporary file left beside it


def test_schema_o_writes_what_it_prints(tmp_path: Path):
    target = tmp_path / "schema.json"
    assert hiveparse("schema", "-o", target).returncode == 0
    assert target.read_bytes() == raw_stdout("schema").stdout
    refused(hiveparse("schema", "-o", target), "refusing to overwrite")


@pytest.mark.corpus
@pytest.mark.parametrize("fmt", ["json", "jsonl", "table"])
def test_query_streams_a_whole_hive_into_the_file(corpus: Path, fmt: str, tmp_path: Path):
    given = ["query", corpus / "hives" / "regipy" / "SAM", "-s", "-f", fmt]
    piped = raw_stdout(*given)
    target = tmp_path / "sam.out"
    written = hiveparse(*given, "-o", target)
    assert written.returncode == piped.returncode == 0, written.stderr
    assert len(piped.stdout) > 10_000
    assert target.read_bytes() == piped.stdout


def test_a_file_gets_json_even_when_stdout_is_a_terminal(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert chosen_format(None) == Format.TABLE
    assert chosen_format(None, Path("report")) == Format.JSON
    assert chosen_format(Format.TABLE, Path("report")) == Format.TABLE


# -- refused before anything is read ------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_an_existing_file_is_refused_and_kept(command: str, tmp_path: Path):
    target = tmp_path / "report.json"
    target.write_bytes(b"kept")
    refused(hiveparse(*args(command), "-o", target), "refusing to overwrite")
    assert target.read_bytes() == b"kept"
    assert listing(tmp_path) == ["report.json"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_path_inside_the_evidence_is_refused(command: str, tmp_path: Path):
    root = copied(tmp_path)
    inside = CASES[command][1](root)
    before = listing(tmp_path)
    for target in (inside / "report.json", inside / "sub" / "report.json"):
        target.parent.mkdir(exist_ok=True)
        before = listing(tmp_path)
        refused(hiveparse(*args(command, root), "-o", target), "inside the evidence")
        assert listing(tmp_path) == before, target


@pytest.mark.parametrize("command", COMMANDS)
def test_o_is_checked_before_the_evidence_is_read(command: str, tmp_path: Path):
    """Evidence that cannot be read (no such file) exits 4; with a bad -o as well, it is the
    -o that is reported, at once (exit 2), so no evidence was opened."""
    missing = tmp_path / "evidence" / "SYSTEM"
    missing.parent.mkdir()
    given = [missing if str(a) in EVIDENCE else a for a in args(command)]
    assert missing in given
    out = tmp_path / "out"
    out.mkdir()
    assert hiveparse(*given, "-o", out / "report").returncode == 4
    assert command in {"analyze", "timebomb"} or listing(out) == []
    (out / "exists").write_bytes(b"")
    refused(hiveparse(*given, "-o", out / "exists"), "refusing to overwrite")
    refused(hiveparse(*given, "-o", out / "no" / "report"), "is not a directory")
    refused(hiveparse(*given, "-o", missing.parent / "report"), "inside the evidence")


# -- nothing left behind -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["query", "info", "verify", "recover", "export", "secrets"])
def test_evidence_that_cannot_be_read_leaves_no_file(command: str, tmp_path: Path):
    """The run fails after the -o file was begun (unreadable evidence: exit 4): neither the
    report nor its hidden temporary file is left. (analyze and timebomb report unreadable
    inputs in a report of their own, which is written.)"""
    junk = tmp_path / "evidence" / "SYSTEM"
    junk.parent.mkdir()
    junk.write_bytes(b"not a hive" * 500)
    given = [junk if str(a) in EVIDENCE else a for a in args(command)]
    out = tmp_path / "out"
    out.mkdir()
    result = hiveparse(*given, "-o", out / "report")
    assert result.returncode == 4, result.stderr
    assert listing(out) == []


@pytest.mark.parametrize("command", [*COMMANDS, "schema"])
def test_a_full_disk_leaves_no_file(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full)
    out = tmp_path / "out"
    out.mkdir()
    given = args(command) if command != "schema" else ["schema"]
    result = CliRunner().invoke(app, [*map(str, given), "-o", str(out / "report")])
    assert isinstance(result.exception, OutputError), result.exception
    assert "No space left on device" in str(result.exception)
    assert listing(out) == []
