"""Hostile evidence, through the command line: each input is built here and its outcome is
bounded (exit code, partial, what is read), never a hang, a traceback or memory that follows
a file's size rather than the hive in it.

* a valid hive followed by a 3 GiB sparse tail, under a 1 GiB address-space limit: every
  command reads the hive and says the tail was not read (before: "cannot be mapped", 4);
* ``verify`` of a hive whose 200 keys share one 5,000-entry value list: the peers, which
  follow the list under every key, are stopped at what the file can hold (exit 3);
* ``verify`` of a FIFO: refused at once, like every other command;
* evidence files are opened with O_NOATIME (their access time stays as found).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import hiveparse.cli.output as output
import pytest
from hiveparse.cli.main import app
from typer.testing import CliRunner

from hiveparse.model import HiveType
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf.writer import write_hive
from tests.cli.running import hiveparse
from tests.sources.regf.test_reader_hostile import _shared_value_lists

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
LINUX = sys.platform.startswith("linux")


def _limited(limit: int) -> None:
    """In the child: an address-space limit, as `prlimit --as` sets it."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(not LINUX, reason="sparse files and RLIMIT_AS as Linux has them")
@pytest.mark.parametrize("command", ["info", "analyze", "recover", "verify", "query"])
def test_a_sparse_tail_beyond_the_memory_limit_is_not_read(command: str, tmp_path: Path):
    hive = MemoryHive(HiveType.SOFTWARE)
    hive.root().ensure("Microsoft\\Windows NT\\CurrentVersion").set_value(
        "ProductName", 1, "Windows Server 2019\0".encode("utf-16-le")
    )
    path = tmp_path / "SOFTWARE"
    path.write_bytes(write_hive(hive))
    with path.open("r+b") as handle:
        handle.truncate(3 << 30)  # sparse: no disk used
    result = hiveparse(command, path, "-f", "json", preexec_fn=lambda: _limited(1 << 30))
    assert result.returncode in (0, 3), result.stderr
    assert "Traceback" not in result.stderr
    if command == "verify":
        peers = json.loads(result.stdout)["peers"]
        assert all(peer["error"] is None and peer["disagreements"] == [] for peer in peers)
    assert "regf.tail_not_read" in result.stdout


def test_verify_stops_peers_that_follow_a_shared_list_again(tmp_path: Path):
    path = tmp_path / "SOFTWARE"
    path.write_bytes(_shared_value_lists(200))
    result = hiveparse("verify", path, "-f", "json", timeout=120)
    assert result.returncode == 3, result.stderr
    assert "read_budget_exceeded" in result.stderr
    for peer in json.loads(result.stdout)["peers"]:
        stopped = [d for d in peer["disagreements"] if d["kind"] == "read_budget_exceeded"]
        assert len(stopped) == 1, peer["engine"]
        assert peer["disagreements"][-1] == stopped[0]  # nothing compared after it


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_verify_refuses_a_fifo_without_blocking(tmp_path: Path):
    fifo = tmp_path / "SYSTEM"
    os.mkfifo(fifo)
    result = hiveparse("verify", fifo, timeout=20)
    assert result.returncode == 4
    assert "a FIFO, not a regular file" in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.skipif(not hasattr(os, "O_NOATIME"), reason="O_NOATIME is Linux's")
@pytest.mark.parametrize(
    "args",
    [("info",), ("query",), ("analyze",), ("verify", "--peer", "regipy"), ("recover",)],
)
def test_evidence_is_opened_without_touching_its_access_time(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    """Every open of an evidence file carries O_NOATIME (the file is ours, so the kernel
    honours it): checked on the open calls themselves, since tmp file systems may not keep
    access times strictly."""
    hive = tmp_path / "SYSTEM"
    shutil.copy(SAMPLES / "rds-session-host" / "SYSTEM", hive)
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os, sys\n"
        "opened = []\n"
        "real = os.open\n"
        "def spy(path, flags, *rest, **kw):\n"
        "    opened.append((os.fspath(path), flags))\n"
        "    return real(path, flags, *rest, **kw)\n"
        "os.open = spy\n"
        "import builtins, io\n"
        "real_open = io.open\n"
        "def spy_open(file, mode='r', *a, **kw):\n"
        "    if isinstance(file, (str, os.PathLike)) and 'r' in mode:\n"
        "        opened.append((os.fspath(file), -1))\n"
        "    return real_open(file, mode, *a, **kw)\n"
        "builtins.open = io.open = spy_open\n"
        "from hiveparse.cli.main import run\n"
        "import atexit, json\n"
        f"atexit.register(lambda: print(json.dumps([f for p, f in opened if p == {str(hive)!r}]),"
        " file=sys.stderr))\n"
        "run()\n"
    )
    result = subprocess.run(
        [sys.executable, str(probe), *args, str(hive), "-f", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    flags = json.loads(result.stderr.strip().splitlines()[-1])
    assert flags, result.stderr
    assert all(flag != -1 and flag & os.O_NOATIME for flag in flags), flags


# -- exit codes for ordinary conditions -------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full")
@pytest.mark.parametrize("fmt", ["json", "table"])
def test_a_full_disk_on_stdout_is_an_output_error(fmt: str):
    with Path("/dev/full").open("w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "hiveparse", "analyze", str(SAMPLES / "grace-reset"), "-f", fmt],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 74
    assert result.stderr.splitlines() == [
        "hiveparse: error: cannot write the output: No space left on device"
    ]


def test_a_closed_stdout_is_an_output_error():
    result = subprocess.run(
        [sys.executable, "-m", "hiveparse", "analyze", str(SAMPLES / "grace-reset")],
        stdout=None,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        close_fds=True,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 74
    assert "standard output is closed" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_failed_write_leaves_no_output_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """-o on a file system that fills up: exit 74, and neither the report nor its hidden
    temporary file is left (the report appears whole or not at all)."""

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full)
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    result = CliRunner().invoke(app, ["analyze", str(SAMPLES / "grace-reset"), "-o", str(target)])
    assert isinstance(result.exception, SystemExit) or result.exit_code != 0
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize("codec", ["hex", "base64", "rot13", "zlib_codec", "idna", "undefined"])
def test_a_codec_that_is_no_file_encoding_is_a_usage_error(codec: str, tmp_path: Path):
    reg = tmp_path / "x.reg"
    reg.write_bytes(b'REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n"a"="b"\r\n')
    for command in ("query", "analyze"):
        result = hiveparse(command, reg, "--encoding", codec)
        assert result.returncode == 2, (command, result.stderr)
        assert "is not a character encoding" in result.stderr
        assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("engine", ["regipy", "python-registry"])
def test_a_peer_engine_refuses_strict_and_says_it_skipped_the_logs(
    engine: str, corpus: Path, tmp_path: Path
):
    hive = SAMPLES / "rds-session-host" / "SYSTEM"
    refused = hiveparse("query", hive, "--engine", engine, "--strict")
    assert refused.returncode == 2
    assert f"--strict is not available with the {engine} engine" in refused.stderr
    # A dirty hive with its logs beside it: the peer reads it as on disk, and says so.
    case = tmp_path / "dirty"
    case.mkdir()
    for item in (corpus / "hives" / "regipy").glob("SYSTEM_B*"):
        shutil.copy(item, case / item.name)
    (dirty,) = [p for p in case.iterdir() if p.name.upper() in ("SYSTEM_B", "SYSTEM_B.HIVE")]
    result = hiveparse("query", dirty, "--engine", engine, "-f", "json")
    assert result.returncode == 3, result.stderr
    codes = [d["code"] for d in json.loads(result.stdout)["diagnostics"]]
    assert "engine.logs_not_applied" in codes


def test_timebomb_from_a_folder_with_a_broken_hive_reports_the_others(tmp_path: Path):
    shutil.copy(SAMPLES / "grace-reset" / "SYSTEM", tmp_path / "SYSTEM")
    (tmp_path / "SOFTWARE").write_bytes((SAMPLES / "grace-reset" / "SOFTWARE").read_bytes()[:3000])
    result = hiveparse("timebomb", "--from", tmp_path, "-f", "json")
    assert result.returncode == 3
    assert len(json.loads(result.stdout)["timebombs"]) == 1
    assert "SOFTWARE" in result.stderr


def test_secrets_on_a_corrupt_security_hive_is_unreadable_evidence(tmp_path: Path):
    shutil.copy(SAMPLES / "rdsh-image" / "Windows/System32/config/SYSTEM", tmp_path / "SYSTEM")
    data = bytearray((SAMPLES / "rdsh-image" / "Windows/System32/config/SECURITY").read_bytes())
    data[4096:] = bytes(random.Random(3).getrandbits(8) for _ in range(len(data) - 4096))
    (tmp_path / "SECURITY").write_bytes(data)
    result = hiveparse("secrets", tmp_path)
    assert result.returncode in (3, 4), result.stderr
    assert len(result.stderr.splitlines()) >= 1 and "Traceback" not in result.stderr


def test_control_characters_in_file_names_stay_escaped_in_tables(tmp_path: Path):
    name = "SYS\x1b]0;owned\x07\nFAKE: line"
    folder = tmp_path / "case"
    folder.mkdir()
    shutil.copy(SAMPLES / "rds-session-host" / "SYSTEM", folder / name)
    result = hiveparse("analyze", folder, "-f", "table")
    assert "\x1b" not in result.stdout + result.stderr
    assert not any(line.startswith("FAKE") for line in result.stdout.splitlines())
    assert "\\x1b]0;owned\\x07\\nFAKE: line" in result.stdout.replace("\n", "")


def test_export_to_a_closed_stdout_is_an_output_error():
    result = subprocess.run(
        [sys.executable, "-m", "hiveparse", "export", str(SAMPLES / "grace-reset" / "SYSTEM")],
        stdout=None,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 74
    assert result.stderr.splitlines() == [
        "hiveparse: error: cannot write the output: standard output is closed"
    ]


@pytest.mark.skipif(not LINUX, reason="RLIMIT_AS as Linux has it")
def test_running_out_of_memory_is_one_line_and_exit_4(tmp_path: Path):
    """convert of 600,000 values under a 256 MiB address-space limit: the MemoryError is
    reported once, after its traceback's frames are let go (before: a chain of tracebacks
    and exit 1), and no hive is left behind."""
    reg = tmp_path / "in" / "many.reg"
    reg.parent.mkdir()
    lines = ["REGEDIT4", "", "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Many]"]
    lines += [f'"v{i}"=dword:{i:08x}' for i in range(600_000)]
    reg.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    out = tmp_path / "out"
    result = hiveparse(
        "convert", reg, "-o", f"{out}{os.sep}", preexec_fn=lambda: _limited(256 << 20)
    )
    assert result.returncode == 4, result.stderr
    assert result.stderr.splitlines() == [
        "hiveparse: error: resource limit reached while reading the evidence (MemoryError)"
    ]
    assert not out.exists() or not any(out.iterdir())


def test_timebomb_says_when_key_material_cannot_be_read(tmp_path: Path):
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "SYSTEM").write_bytes((SAMPLES / "rds-session-host" / "SYSTEM").read_bytes()[:100])
    result = hiveparse(
        "timebomb", "--from", SAMPLES / "grace-reset" / "SYSTEM", "--keys", keys, "-f", "json"
    )
    assert result.returncode == 3
    assert any(
        line.startswith("hiveparse: warning: --keys: ") for line in result.stderr.splitlines()
    )
    assert json.loads(result.stdout)["timebombs"]  # the blob is still decoded


def _dirty_without_logs(path: Path) -> Path:
    """A SOFTWARE hive whose base block says a write was under way (primary sequence 7,
    secondary 1, checksum recomputed) and no log beside it: partial by its own header."""
    hive = MemoryHive(HiveType.SOFTWARE)
    hive.root().ensure("Microsoft\\Windows NT\\CurrentVersion").set_value(
        "ProductName", 1, "Windows Server 2019\0".encode("utf-16-le")
    )
    image = bytearray(write_hive(hive))
    image[4:8] = (7).to_bytes(4, "little")
    checksum = 0
    for offset in range(0, 508, 4):
        checksum ^= int.from_bytes(image[offset : offset + 4], "little")
    image[508:512] = checksum.to_bytes(4, "little")
    path.write_bytes(bytes(image))
    return path


@pytest.mark.parametrize(
    ("command", "fmt"),
    [
        ("query", "table"),
        ("query", "jsonl"),
        ("export", None),
        ("recover", "table"),
        ("recover", "jsonl"),
        ("info", "table"),
    ],
)
def test_a_partial_result_says_why_on_stderr(command: str, fmt: str | None, tmp_path: Path):
    """Outputs that carry no diagnostics (tables, JSON Lines of records, .reg) never exit 3
    in silence: every warning and error is one line on stderr."""
    (tmp_path / "evidence").mkdir()
    path = _dirty_without_logs(tmp_path / "evidence" / "SOFTWARE")
    args: list[str | Path] = [command, path]
    if command in ("query", "export"):
        args.append("Microsoft")
    if command == "export":
        args += ["-o", tmp_path / "out.reg"]  # regedit's UTF-16, not text for this runner
    result = hiveparse(*args, *(["-f", fmt] if fmt else []))
    assert result.returncode == 3, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("hiveparse: error: ") and lines[0].endswith("[regf.log.none]")
    # JSON carries the diagnostics in the document and keeps stderr for failures.
    if fmt is not None:
        as_json = hiveparse(*args, "-f", "json")
        assert as_json.returncode == 3 and as_json.stderr == ""
        assert json.loads(as_json.stdout)["diagnostics"][0]["code"] == "regf.log.none"


def test_verify_says_a_dirty_hive_was_compared_without_its_logs(tmp_path: Path):
    (tmp_path / "evidence").mkdir()
    path = _dirty_without_logs(tmp_path / "evidence" / "SOFTWARE")
    result = hiveparse("verify", path, "-f", "table")
    assert result.returncode == 0, result.stderr  # both sides agree on what is stored
    assert "[verify.logs_not_applied]" in result.stderr
    codes = [
        d["code"] for d in json.loads(hiveparse("verify", path, "-f", "json").stdout)["diagnostics"]
    ]
    assert "verify.logs_not_applied" in codes
    clean = tmp_path / "clean" / "SOFTWARE"
    clean.parent.mkdir()
    clean.write_bytes(write_hive(MemoryHive(HiveType.SOFTWARE)))
    assert "logs_not_applied" not in hiveparse("verify", clean, "-f", "table").stderr
