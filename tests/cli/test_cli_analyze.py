"""`hiveparse analyze` end to end: real hives, the published schema, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from hiveparse.report.schema import SCHEMA
from tests.cli.running import hiveparse

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2026-03-06T12:00:00Z"
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return hiveparse("analyze", *args, timeout=300)


def documents(result: subprocess.CompletedProcess[str]) -> list[dict]:
    try:
        whole = json.loads(result.stdout)  # --format json: one document, or a list of them
        docs = whole if isinstance(whole, list) else [whole]
    except json.JSONDecodeError:  # --format jsonl: one document per line
        docs = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    for doc in docs:
        VALIDATOR.validate(doc)
    return docs


# Every SYSTEM, SOFTWARE and SECURITY hive of the corpus (MANIFEST.md), as one run each.
MACHINE_HIVES = [
    "hives/bitcurator-dfa/SYSTEM", "hives/bitcurator-dfa/SECURITY",
    "hives/dfwinreg/SECURITY", "hives/dissect-regf/SYSTEM",
    "hives/ericzimmerman-registry/SECURITY", "hives/gr0wnd-testingregistryfiles/SECURITY",
    "hives/hackfortress-xp/SECURITY", "hives/hackfortress-xp/software",
    "hives/hackfortress-xp/system", "hives/mstxq17-zerologon-dc/security.save",
    "hives/przetom-itsec2022-xp/SYSTEM", "hives/regipy/SECURITY", "hives/regipy/SYSTEM",
    "hives/regipy/SYSTEM_2", "hives/regipy/SYSTEM_B", "hives/regipy/SYSTEM_WIN_10_1709",
    "hives/regipy/corrupted_system_hive", "hives/regipy/ntuser_software_partial",
]  # fmt: skip


def _expected_exit(corpus: Path, relative: str) -> int:
    """3 (partial) where the corpus MANIFEST describes the hive as corrupted, or as dirty
    (sequence numbers differ) with no transaction log beside it; else 0."""
    rows = (corpus / "MANIFEST.md").read_text(encoding="utf-8").splitlines()
    row = next(r for r in rows if r.startswith(f"| `{relative}`"))
    path = corpus / relative
    logs = [path.with_name(path.name + suffix) for suffix in (".LOG", ".LOG1", ".LOG2")]
    dirty = " DIRTY" in row and not any(log.is_file() for log in logs)
    return 3 if dirty or "orrupted" in row else 0


@pytest.mark.parametrize("relative", MACHINE_HIVES)
def test_every_machine_hive_of_the_corpus_is_analyzed(corpus: Path, relative: str):
    result = run(corpus / relative, "--as-of", AS_OF, "-f", "jsonl")
    assert result.returncode == _expected_exit(corpus, relative), result.stderr
    assert "Traceback" not in result.stderr
    (doc,) = documents(result)
    assert doc["as_of"] == AS_OF
    assert doc["evidence"][0]["sha256"]


@pytest.mark.parametrize(
    "relative",
    [
        "hives/regipy/SYSTEM",
        "hives/regipy/SYSTEM_2",
        "hives/regipy/SYSTEM_WIN_10_1709",
        "hives/dissect-regf/SYSTEM",
    ],
)
def test_win7_to_10_report_local_mode_1(corpus: Path, relative: str):
    (doc,) = documents(run(corpus / relative, "--as-of", AS_OF, "-f", "jsonl"))
    mode = doc["licensing"]["mode"]
    assert (mode["effective"], mode["code"], mode["layer"], mode["local_code"]) == (
        "remote_admin",
        1,
        "local",
        1,
    )
    assert not any(f["id"] == "rds.mode.not_configured" for f in doc["findings"])


def test_xp_hosts_are_recognised_by_the_old_licensing_core_path(corpus: Path):
    (doc,) = documents(run(corpus / "hives/bitcurator-dfa/SYSTEM", "--as-of", AS_OF, "-f", "jsonl"))
    assert doc["licensing"]["mode"]["legacy_licensing_core"] is True
    assert any(f["id"] == "rds.mode.legacy" for f in doc["findings"])


def test_hackfortress_client_hwid(corpus: Path):
    result = run(corpus / "hives/hackfortress-xp", "--as-of", AS_OF, "-f", "jsonl")
    assert result.returncode in (0, 3), result.stderr
    (doc,) = documents(result)
    assert doc["licensing"]["client"]["hwid"] == "020000007c6ff1f1ffb1bcccb04bda0f618e0a42"
    assert {e["hive"] for e in doc["evidence"]} >= {"SYSTEM", "SOFTWARE", "SECURITY"}
    assert doc["host"]["grouping"]


def test_samples_folder_analyzes_into_schema_valid_reports():
    """One host per sample folder (grouping never crosses a folder), each with every hive
    and .reg file of its folder as evidence (master key files are supporting files), and
    nothing partial: every sample reads whole."""
    samples = REPO / "samples"
    result = run(samples, "--as-of", AS_OF, "-f", "jsonl")
    assert result.returncode == 0, result.stderr
    docs = documents(result)
    folders = sorted(p for p in samples.iterdir() if p.is_dir() and p.name != "__pycache__")
    expected = {
        folder.name: sorted(
            str(f)
            for f in folder.rglob("*")
            if f.is_file() and (f.suffix == ".reg" or f.read_bytes()[:4] == b"regf")
        )
        for folder in folders
    }
    assert {
        d["host"]["case"]: sorted(str(Path(e["path"]).resolve()) for e in d["evidence"])
        for d in docs
    } == expected
    assert [d["partial"] for d in docs] == [False] * len(folders)


def test_fail_on_turns_findings_into_exit_1():
    # RDSH-01's SYSTEM hive alone: its worst finding is medium (rds.cert.never_licensed);
    # mode and servers are not judged without SOFTWARE.
    sample = REPO / "samples" / "rds-session-host" / "SYSTEM"
    assert run(sample, "--as-of", AS_OF, "-f", "json").returncode == 0
    assert run(sample, "--as-of", AS_OF, "-f", "json", "--fail-on", "high").returncode == 0
    assert run(sample, "--as-of", AS_OF, "-f", "json", "--fail-on", "medium").returncode == 1


def test_a_partial_run_exits_3_even_with_a_finding_at_fail_on(tmp_path: Path):
    # The pair with SYSTEM cut to its first half: findings from part of the evidence are
    # not a clean verdict, so "partial" (3) wins over --fail-on (1).
    case = REPO / "samples" / "friday-afternoon-rdsh"
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "SOFTWARE").write_bytes((case / "SOFTWARE").read_bytes())
    system = (case / "SYSTEM").read_bytes()
    (folder / "SYSTEM").write_bytes(system[: len(system) // 2])
    result = run(folder, "--as-of", AS_OF, "-f", "json", "--fail-on", "info")
    assert result.returncode == 3, result.stderr
    (doc,) = documents(result)
    assert doc["partial"] is True and doc["findings"]


def test_an_as_of_before_the_evidence_is_warned_about():
    sample = REPO / "samples" / "rds-session-host" / "SYSTEM"
    result = run(sample, "--as-of", "2020-01-01T00:00:00Z", "-f", "json")
    assert result.returncode == 0, result.stderr
    (doc,) = documents(result)
    (note,) = [d for d in doc["diagnostics"] if d["code"] == "analyze.as_of_before_evidence"]
    assert note["severity"] == "warning" and "2020-01-01T00:00:00Z" in note["message"]
    table = run(sample, "--as-of", "2020-01-01T00:00:00Z", "-f", "table")
    (line,) = [line for line in table.stderr.splitlines() if "as_of_before_evidence" in line]
    assert line.startswith("hiveparse: warning: ")
    later = run(sample, "--as-of", AS_OF, "-f", "json")
    assert "as_of_before_evidence" not in later.stdout + later.stderr


def test_truncated_hive_gives_a_partial_report(corpus: Path, tmp_path: Path):
    data = (corpus / "hives/regipy/SYSTEM").read_bytes()
    truncated = tmp_path / "SYSTEM"
    truncated.write_bytes(data[: len(data) // 3])
    result = run(truncated, "--as-of", AS_OF, "-f", "json")
    assert result.returncode == 3
    (doc,) = documents(result)
    assert doc["partial"] is True


def test_reg_with_syntax_error_still_reports(tmp_path: Path):
    bad = tmp_path / "bad.reg"
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\RCM\\"
        'Licensing Core]\r\n"LicensingMode"=dword:5\r\n"Broken"=dword:0x12\r\n'
    )
    bad.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    result = run(bad, "--as-of", AS_OF, "-f", "json")
    assert result.returncode == 3
    (doc,) = documents(result)
    assert doc["licensing"]["mode"]["local_code"] == 5
    assert any(d.get("line") == 5 for d in doc["diagnostics"])


def test_unrelated_file_and_empty_directory(tmp_path: Path):
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("hello")
    result = run(unrelated)
    assert result.returncode == 4
    assert "Traceback" not in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(empty)
    assert result.returncode == 4
    assert len(result.stderr.strip().splitlines()) >= 1


def test_schema_command_prints_the_schema():
    result = subprocess.run(
        [sys.executable, "-m", "hiveparse", "schema"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert json.loads(result.stdout) == json.loads(json.dumps(SCHEMA))
