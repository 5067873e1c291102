"""`hiveparse query EVIDENCE KEY` lists KEY's values, then its subkeys, as `reg query KEY` does.

The expected values are listed by hand from samples/README.md and the sample generator's
table of what every machine holds (samples/make_samples.py), not read back by hiveparse.
"""

from __future__ import annotations

import gc
import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.running import hiveparse

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "rds-session-host"
TERMINAL_SERVER = r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server"
TERMINAL_SERVER_FULL = r"HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Terminal Server"
TERMSERVICE = r"HKLM\SYSTEM\CurrentControlSet\Services\TermService"

# (name, type, raw little-endian hex, decoded), in stored order.
TERMINAL_SERVER_VALUES = [
    ("fDenyTSConnections", "REG_DWORD", "00000000", 0),
    ("TSAppCompat", "REG_DWORD", "01000000", 1),
    ("ProductVersion", "REG_SZ", "35002e0031000000", "5.1"),  # "5.1\0" in UTF-16LE
]
TERMSERVICE_VALUES = [
    ("Start", "REG_DWORD", 3),
    ("ImagePath", "REG_EXPAND_SZ", "%SystemRoot%\\System32\\svchost.exe -k NetworkService"),
    ("DependOnService", "REG_MULTI_SZ", ["RPCSS"]),
]

# What `reg query` prints for the key: the key, its values, a blank line, its subkeys.
TERMINAL_SERVER_TABLE = (
    "\n"
    f"{TERMINAL_SERVER_FULL}\n"
    "    fDenyTSConnections    REG_DWORD    0x0\n"
    "    TSAppCompat    REG_DWORD    0x1\n"
    "    ProductVersion    REG_SZ    5.1\n"
    "\n"
    f"{TERMINAL_SERVER_FULL}\\RCM\n"
    f"{TERMINAL_SERVER_FULL}\\WinStations\n"
)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return hiveparse("query", *args)


@pytest.fixture(params=["SYSTEM", "SYSTEM.reg"])
def evidence(request: pytest.FixtureRequest) -> Path:
    return SAMPLE / request.param


@pytest.mark.parametrize("flag", [(), ("-v",), ("--values",)])
def test_table_lists_values_then_subkeys(evidence: Path, flag: tuple[str, ...]):
    result = run(evidence, TERMINAL_SERVER, *flag, "-f", "table")
    assert result.returncode == 0, result.stderr
    assert result.stdout == TERMINAL_SERVER_TABLE


@pytest.mark.parametrize("flag", [(), ("-v",)])
def test_json_lists_values(evidence: Path, flag: tuple[str, ...]):
    result = run(evidence, TERMINAL_SERVER, *flag, "-f", "json")
    assert result.returncode == 0, result.stderr
    (key,) = json.loads(result.stdout)["keys"]
    assert key["path"] == TERMINAL_SERVER_FULL
    assert key["subkeys"] == ["RCM", "WinStations"]
    listed = [(v["name"], v["type"], v["raw"], v["decoded"]) for v in key["values"]]
    assert listed == TERMINAL_SERVER_VALUES


@pytest.mark.parametrize("flag", [(), ("-v",)])
def test_jsonl_lists_values(evidence: Path, flag: tuple[str, ...]):
    result = run(evidence, TERMSERVICE, *flag, "-f", "jsonl")
    assert result.returncode == 0, result.stderr
    (key,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert key["subkeys"] == ["Parameters"]
    assert [(v["name"], v["type"], v["decoded"]) for v in key["values"]] == TERMSERVICE_VALUES


def test_table_shows_expand_and_multi_strings_as_reg_query(evidence: Path):
    result = run(evidence, TERMSERVICE, "-f", "table")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2:5] == [
        "    Start    REG_DWORD    0x3",
        "    ImagePath    REG_EXPAND_SZ    %SystemRoot%\\System32\\svchost.exe -k NetworkService",
        "    DependOnService    REG_MULTI_SZ    RPCSS",
    ]
    assert lines[-1].endswith("\\Services\\TermService\\Parameters")


def test_recursive_lists_every_keys_values(evidence: Path):
    result = run(evidence, TERMSERVICE, "-s", "-f", "jsonl")
    assert result.returncode == 0, result.stderr
    keys = [json.loads(line) for line in result.stdout.splitlines()]
    assert [k["name"] for k in keys] == ["TermService", "Parameters"]
    assert [(v["name"], v["type"], v["decoded"]) for v in keys[0]["values"]] == TERMSERVICE_VALUES
    assert keys[1]["values"] == []  # this sample's Parameters key holds no value


def _many_values_reg(path: Path, count: int) -> Path:
    lines = ["REGEDIT4", "", "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Many]"]
    lines += [f'"v{index}"=dword:{index:08x}' for index in range(count)]
    path.write_text("\r\n".join([*lines, ""]), encoding="ascii")
    return path


def _query_heap(path: Path, fmt: str) -> tuple[int, int]:
    """The Python heap's peak (tracemalloc: the same on every machine for one build) while
    ``query -s`` runs in process, and the bytes it wrote (the runner keeps them in memory)."""
    import tracemalloc  # noqa: PLC0415

    from hiveparse.cli.main import app  # noqa: PLC0415
    from typer.testing import CliRunner  # noqa: PLC0415

    # The collector's counters start from zero, whatever earlier tests left: when it runs
    # (and so what garbage the peak holds) depends on this run alone.
    gc.collect()
    tracemalloc.start()
    try:
        result = CliRunner().invoke(app, ["query", str(path), "-s", "-f", fmt])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    return peak, len(result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "jsonl", "table"])
def test_a_key_with_many_values_is_written_value_by_value(fmt: str, tmp_path: Path) -> None:
    """Issue 10: `query -s -v` of a 26 MB .reg held 1.86 GB, every value record of a key
    built before the key was written. Values are now made as they are written: beyond the
    .reg's own snapshot and the output kept by the test runner, a value costs under 900
    bytes at the peak (about 650 measured; 1,950 before)."""
    small = _query_heap(_many_values_reg(tmp_path / "small.reg", 20_000), fmt)
    large = _query_heap(_many_values_reg(tmp_path / "large.reg", 40_000), fmt)
    per_value = (large[0] - small[0] - (large[1] - small[1])) / 20_000
    assert per_value < 900, per_value
