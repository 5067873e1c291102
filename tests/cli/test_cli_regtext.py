""".reg files that hold no hive, cut files and unknown headers on the command line.

A .reg file can be readable and hold no key (its key lines all rejected, or it only
deletes): that is an empty result with the file's diagnostics, never "no hive was opened".
Commands run in-process through typer's CliRunner; the one-line error of an unsupported
header goes through the console entry point, which is what prints it.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
from hiveparse.cli.main import app
from typer.testing import CliRunner

from hiveparse.report.schema import SCHEMA
from tests.cli.running import hiveparse

V5 = "Windows Registry Editor Version 5.00\r\n\r\n"
REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

# name -> (text after the header, exit code, ERROR codes in the diagnostics)
NO_HIVE = {
    "bad-root": ('[HKEY_NOWHERE\\Software\\X]\r\n"a"="b"\r\n\r\n', 3, ["reg.bad_root"]),
    "missing-bracket": (
        '[HKEY_LOCAL_MACHINE\\SOFTWARE\\X\r\n"a"="b"\r\n\r\n',
        3,
        ["reg.syntax"],
    ),
    "only-deletes": (
        "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\MSLicensing\\Store]\r\n\r\n"
        "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\MSLicensing\\HardwareID]\r\n\r\n",
        0,
        [],
    ),
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.reg"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return path


def _errors(document: dict) -> list[str]:  # type: ignore[type-arg]
    return [d["code"] for d in document["diagnostics"] if d["severity"] == "error"]


@pytest.mark.parametrize("name", sorted(NO_HIVE))
def test_query_without_a_key_lists_nothing(name: str, tmp_path: Path) -> None:
    body, code, errors = NO_HIVE[name]
    path = _write(tmp_path, name, V5 + body)
    result = runner.invoke(app, ["query", str(path), "-f", "json"])
    assert result.exit_code == code, result.output
    document = json.loads(result.stdout)
    assert document["keys"] == []
    # No mount holds a key; a script that only deletes still names the mount it deletes in.
    mounts = document["evidence"][0]["mounts"]
    assert [m for m in mounts if not m["deletes_only"]] == []
    expected = [{"mount": "HKEY_LOCAL_MACHINE\\SOFTWARE", "hive": "SOFTWARE", "deletes_only": True}]
    assert mounts == (expected if name == "only-deletes" else [])
    assert document["partial"] is (code == 3)
    assert _errors(document) == errors
    # jsonl and table print nothing for no key, and exit the same way.
    for fmt in ("jsonl", "table"):
        result = runner.invoke(app, ["query", str(path), "-f", fmt])
        assert (result.exit_code, result.stdout.strip()) == (code, "")


@pytest.mark.parametrize("name", sorted(NO_HIVE))
def test_info_describes_a_file_without_hives(name: str, tmp_path: Path) -> None:
    body, code, errors = NO_HIVE[name]
    path = _write(tmp_path, name, V5 + body)
    result = runner.invoke(app, ["info", str(path), "-f", "json"])
    assert result.exit_code == code, result.output
    document = json.loads(result.stdout)
    assert document["hives"] == []
    assert document["partial"] is (code == 3)
    assert _errors(document) == errors
    result = runner.invoke(app, ["info", str(path), "-f", "table"])
    assert result.exit_code == code
    assert re.search(rf"^  anomalies +{len(document['diagnostics'])}$", result.stdout, re.M)


def test_a_key_in_a_file_without_hives_is_not_found(tmp_path: Path) -> None:
    path = _write(tmp_path, "only-deletes", V5 + NO_HIVE["only-deletes"][0])
    result = runner.invoke(app, ["query", str(path), "HKLM\\SOFTWARE\\Microsoft"])
    assert result.exit_code == 1  # CliRunner: the KeyNotFound raised, which run() maps to 2
    assert type(result.exception).__name__ == "KeyNotFound"
    assert str(result.exception) == f'key "HKLM\\SOFTWARE\\Microsoft" not found in {path}'


def test_recover_refuses_any_reg_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "only-deletes", V5 + NO_HIVE["only-deletes"][0])
    result = runner.invoke(app, ["recover", str(path)])
    assert type(result.exception).__name__ == "Unsupported"
    assert "recover reads hive files" in str(result.exception)


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return hiveparse(*args)


@pytest.mark.parametrize(
    ("header", "error"),
    [
        (
            "REGEDIT5",
            "1:1: unsupported .reg header 'REGEDIT5': hiveparse reads 'Windows Registry Editor "
            "Version 5.00', 'REGEDIT4' and Windows 3.1 'REGEDIT' files; Windows accepts this "
            "header but imports nothing from the file",
        ),
        (
            "Windows Registry Editor Version 6.00",
            "1:1: missing header: expected 'Windows Registry Editor Version 5.00', 'REGEDIT4' "
            "or 'REGEDIT' (case-sensitive), found 'Windows Registry Editor Version 6.00'",
        ),
    ],
)
def test_an_unknown_header_is_one_line_naming_it(header: str, error: str, tmp_path: Path) -> None:
    path = _write(tmp_path, "odd", f'{header}\r\n\r\n[HKEY_CURRENT_USER\\A]\r\n"a"="b"\r\n\r\n')
    for command in ("info", "query"):
        result = _run(command, path)
        assert result.returncode == 4, result.stderr
        assert result.stderr == f"hiveparse: error: {path}: {error}\n"
    result = _run("analyze", path)  # nothing readable among the inputs
    assert result.returncode == 4
    (line,) = [line for line in result.stderr.splitlines() if str(path) in line]
    assert line.startswith(f"hiveparse: error: {path}: {error} [input.")


def test_a_cut_export_gives_a_partial_report(tmp_path: Path) -> None:
    data = (REPO / "samples" / "friday-afternoon-rdsh" / "SYSTEM.reg").read_bytes()
    text = data[2:].decode("utf-16-le")
    cut = text[: text.index('"fDenyTSConnections"=dword:00000000') + len('"fDen')]
    path = _write(tmp_path, "SYSTEM", cut)
    result = runner.invoke(
        app, ["analyze", str(path), "--as-of", "2026-03-06T12:00:00Z", "-f", "json"]
    )
    assert result.exit_code == 3, result.output
    document = json.loads(result.stdout)
    assert document["partial"] is True
    (truncated,) = [d for d in document["diagnostics"] if d["code"] == "reg.truncated"]
    line = cut.count("\r\n") + 1  # the line the text ends on, counted here
    assert (truncated["severity"], truncated["line"], truncated["column"]) == ("error", line, 6)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
