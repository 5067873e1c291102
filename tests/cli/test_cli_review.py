"""Command-line regressions from review: evidence safety, pipes, odd names and paths."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.running import hiveparse


def run(*args: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return hiveparse(*args, **kwargs)


def test_export_refuses_to_write_next_to_the_evidence(corpus: Path, tmp_path: Path):
    evidence = tmp_path / "case" / "SAM"
    evidence.parent.mkdir()
    shutil.copyfile(corpus / "hives/regipy/SAM", evidence)
    before = sorted(evidence.parent.iterdir())
    result = run("export", evidence, "-o", evidence.parent / "SAM.LOG1")
    assert result.returncode == 2
    assert "inside the evidence" in result.stderr
    assert sorted(evidence.parent.iterdir()) == before
    elsewhere = tmp_path / "out.reg"
    assert run("export", evidence, "-o", elsewhere).returncode == 0
    assert elsewhere.read_bytes()[:2] == b"\xff\xfe"


def test_output_into_a_missing_folder_is_a_usage_error(corpus: Path, tmp_path: Path):
    result = run("export", corpus / "hives/regipy/SAM", "-o", tmp_path / "no" / "x.reg")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run("query", fifo)
    assert result.returncode == 4
    assert "not a regular file" in result.stderr


def test_closed_pipe_is_not_reported_as_findings(corpus: Path):
    shell = (
        f'"{sys.executable}" -m hiveparse query "{corpus}/hives/regipy/SYSTEM" -s -f table '
        "| head -1 >/dev/null; echo ${PIPESTATUS[0]}"
    )
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, check=False)
    assert result.stdout.strip() in {"0", "141"}


def test_unpaired_surrogates_in_names_do_not_crash_the_table(corpus: Path):
    result = run("query", corpus / "hives/yarp/TruncatedPairHive", "-s", "-f", "table")
    assert result.returncode in (0, 3)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr


def test_hkcc_resolves_through_idconfigdb(corpus: Path):
    result = run("query", corpus / "hives/regipy/SYSTEM", "HKCC", "-f", "jsonl")
    assert result.returncode == 0, result.stderr
    (key,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert key["path"].startswith("HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet00")
    assert "\\Hardware Profiles\\0" in key["path"]


def test_usrclass_paths_resolve_under_their_mount(corpus: Path):
    result = run(
        "query",
        corpus / "hives/regipy/UsrClass.dat",
        r"HKCU\Software\Classes\Local Settings",
        "--no-logs",
        "-f",
        "jsonl",
    )
    assert result.returncode == 0, result.stderr


def test_multi_hive_reg_exports_one_header(tmp_path: Path):
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        '[HKEY_LOCAL_MACHINE\\SYSTEM\\A]\r\n"x"=dword:00000001\r\n\r\n'
        '[HKEY_LOCAL_MACHINE\\SOFTWARE\\B]\r\n"y"="z"\r\n\r\n'
    )
    source = tmp_path / "in" / "two.reg"
    source.parent.mkdir()
    source.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    out = tmp_path / "out.reg"
    result = run("export", source, "-o", out)
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.count(b"\xff\xfe") == 1
    assert data.decode("utf-16").count("Windows Registry Editor") == 1


def test_hkcr_in_a_reg_file_lands_in_software_classes(tmp_path: Path):
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        '[HKEY_CLASSES_ROOT\\.txt]\r\n@="txtfile"\r\n\r\n'
    )
    source = tmp_path / "in" / "hkcr.reg"
    source.parent.mkdir()
    source.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    out = tmp_path / "out.reg"
    assert run("export", source, "-o", out).returncode == 0
    assert "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\.txt]" in out.read_bytes().decode("utf-16")


def test_no_arguments_prints_usage_without_calling_it_an_error():
    result = run()
    assert result.returncode == 2
    assert "hiveparse: error" not in result.stderr
    assert "Usage" in result.stderr + result.stdout


def test_timebomb_command_decodes_the_header_from_hex_file_and_evidence(corpus: Path):
    blob = corpus / "dpapi" / "synthetic_timebomb" / "timebomb_blob.bin"
    from_file = run("timebomb", blob, "-f", "json")
    assert from_file.returncode == 0, from_file.stderr
    (found,) = json.loads(from_file.stdout)["timebombs"]
    assert found["header"]["master_key_guid"] == "dd26f81a-4ed9-49fd-8b45-42723d8ae006"
    assert found["expires"] is None
    from_hex = run("timebomb", blob.read_bytes().hex(), "-f", "json")
    assert json.loads(from_hex.stdout)["timebombs"][0]["header"] == found["header"]
    repo = Path(__file__).resolve().parents[2]
    sample = run("timebomb", "--from", repo / "samples" / "friday-afternoon-rdsh", "-f", "json")
    assert sample.returncode == 0, sample.stderr
    located = json.loads(sample.stdout)["timebombs"]
    assert {t["where"]["control_set"] for t in located} == {"ControlSet001", "ControlSet002"}
    assert all(t["header"]["dpapi_shaped"] for t in located)


def test_timebomb_command_needs_exactly_one_input():
    result = run("timebomb")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
