"""The command line end to end: output, one-line errors and the exit codes of DESIGN.md."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.running import hiveparse


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return hiveparse(*args)


def test_query_json_names_the_resolved_control_set(corpus: Path):
    result = run(
        "query",
        corpus / "hives/regipy/SYSTEM",
        r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\RCM\Licensing Core",
        "--values",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema_version"] == "1"
    (key,) = document["keys"]
    assert key["path"].startswith(r"HKEY_LOCAL_MACHINE\SYSTEM\ControlSet00")
    assert key["control_set"].startswith("ControlSet00")
    (value,) = key["values"]
    assert (value["name"], value["type"], value["raw"], value["decoded"]) == (
        "LicensingMode",
        "REG_DWORD",
        "01000000",
        1,
    )
    evidence = document["evidence"][0]
    data = (corpus / "hives/regipy/SYSTEM").read_bytes()
    assert evidence["sha256"] == hashlib.sha256(data).hexdigest()
    assert evidence["size"] == len(data)
    assert (evidence["format"], evidence["hive"], evidence["dirty"]) == ("regf", "SYSTEM", False)


def test_query_table_looks_like_reg_query(corpus: Path):
    result = run("query", corpus / "hives/regipy/SAM", r"HKLM\SAM\SAM\Domains", "-f", "table")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == r"HKEY_LOCAL_MACHINE\SAM\SAM\Domains"
    assert r"HKEY_LOCAL_MACHINE\SAM\SAM\Domains\Account" in lines


def test_query_recursive_jsonl_counts_every_key(corpus: Path):
    result = run("query", corpus / "hives/regipy/SAM", "--recursive", "-f", "jsonl")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 65


def test_info_reports_header_and_dirty_state(corpus: Path):
    result = run("info", corpus / "hives/regipy/SAM", "-f", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["header"]["primary_sequence"] == 96
    assert document["header"]["checksum_ok"] is True
    assert document["dirty"] is False
    assert document["hives"][0]["keys"] == 65


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("query", "/nonexistent/hive"), 4, "cannot read"),
        (("query",), 2, "Missing argument"),
        (("frobnicate",), 2, "No such command"),
    ],
)
def test_errors_are_one_line_with_exit_codes(args: tuple[str, ...], code: int, needle: str):
    result = run(*args)
    assert result.returncode == code
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unrelated_file_is_refused_in_one_line(corpus: Path):
    result = run("info", corpus / "hives/ericzimmerman-registry/NotAHive")
    assert result.returncode == 4
    assert result.stderr.startswith("hiveparse: error: ")
    assert "NotAHive" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_key_is_a_usage_error(corpus: Path):
    result = run("query", corpus / "hives/regipy/SAM", r"HKLM\SAM\NoSuchKey")
    assert result.returncode == 2
    assert "not found" in result.stderr


def test_truncated_hive_gives_a_partial_result(corpus: Path):
    result = run("query", corpus / "hives/yarp/TruncatedHive", "-s", "-f", "json")
    assert result.returncode == 3
    document = json.loads(result.stdout)
    assert document["partial"] is True
    assert any(d["code"] == "regf.cell_out_of_bounds" for d in document["diagnostics"])


def test_query_security_shows_owner_and_dacl(corpus: Path):
    result = run(
        "query",
        corpus / "hives/regipy/SYSTEM",
        r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\RCM",
        "--security",
        "-f",
        "json",
    )
    assert result.returncode == 0, result.stderr
    (key,) = json.loads(result.stdout)["keys"]
    security = key["security"]
    # Owner and ACEs as regipy reads the same sk cell (tests/decode/test_security.py compares
    # all keys).
    assert (security["owner"], security["owner_name"]) == (
        "S-1-5-32-544",
        r"BUILTIN\Administrators",
    )
    assert security["sddl"].startswith("O:BAG:BA")
    assert any(ace["name"] == r"NT SERVICE\TermService" for ace in security["dacl"])


def test_query_security_on_a_reg_file_is_null():
    repo = Path(__file__).resolve().parents[2]
    result = run(
        "query",
        repo / "samples/rds-session-host/SYSTEM.reg",
        r"HKLM\SYSTEM\Select",
        "--security",
        "-f",
        "json",
    )
    assert result.returncode == 0, result.stderr
    (key,) = json.loads(result.stdout)["keys"]
    assert key["security"] is None
