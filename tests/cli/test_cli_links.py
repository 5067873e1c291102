"""Symbolic links in evidence folders, end to end: links out of the evidence tree are noted
and never opened (a FIFO behind one would hang the command), links inside it are followed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.running import hiveparse

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "rds-session-host" / "SYSTEM"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return hiveparse(*args)


@pytest.fixture
def dirty_case(corpus: Path, tmp_path: Path) -> Path:
    """yarp's NewDirtyHive beside a LOG1 linked to a FIFO and a LOG2 linked to a copy of
    its real LOG2, both out of the case folder."""
    source = corpus / "hives" / "yarp" / "NewDirtyHive1"
    if not source.is_dir():
        pytest.skip("yarp's NewDirtyHive1 is not in this corpus")
    case, outside = tmp_path / "case", tmp_path / "outside"
    case.mkdir()
    outside.mkdir()
    (case / "NewDirtyHive").write_bytes((source / "NewDirtyHive").read_bytes())
    (outside / "LOG2").write_bytes((source / "NewDirtyHive.LOG2").read_bytes())
    os.mkfifo(outside / "pipe")
    (case / "NewDirtyHive.LOG1").symlink_to(outside / "pipe")
    (case / "NewDirtyHive.LOG2").symlink_to(outside / "LOG2")
    return case


def test_info_does_not_use_or_open_a_log_linked_out_of_the_folder(dirty_case: Path):
    result = run("info", dirty_case / "NewDirtyHive", "-f", "json")
    assert result.returncode == 3, result.stderr  # dirty, and no log it may use
    document = json.loads(result.stdout)
    assert document["logs_found"] == [] and document["logs_applied"] == []
    refused = {Path(item["path"]).name: item["reason"] for item in document["logs_refused"]}
    assert set(refused) == {"NewDirtyHive.LOG1", "NewDirtyHive.LOG2"}
    assert all("leads out of" in reason for reason in refused.values())
    codes = {(d["code"], Path(d["source"]).name) for d in document["diagnostics"]}
    assert ("regf.log.refused", "NewDirtyHive.LOG1") in codes
    assert ("regf.log.none", "NewDirtyHive") in codes


def test_analyze_notes_links_out_of_the_folder(dirty_case: Path, tmp_path: Path):
    (dirty_case / "sample.lnk").symlink_to(SAMPLE)  # a hive out of the tree
    (dirty_case / "inner").mkdir()
    (dirty_case / "inner" / "again").symlink_to(dirty_case / "NewDirtyHive")  # inside
    result = run("analyze", dirty_case, "-f", "json")
    assert result.returncode == 3, result.stderr  # a link out: evidence may be missed
    document = json.loads(result.stdout)
    sources = [item["path"] for item in document["evidence"]]
    assert sources == [str(dirty_case / "NewDirtyHive")]  # the sample is never read
    assert document["partial"] is True
    skipped = {
        Path(d["source"]).name
        for d in document["diagnostics"]
        if d["code"] == "discover.symlink_outside"
    }
    assert "sample.lnk" in skipped
    assert "Traceback" not in result.stderr


def test_a_saved_report_is_partial_where_the_run_is(tmp_path: Path):
    """A link out of the evidence in a folder where no host is found: the run exits 3, and
    the saved report says so in a document of its own (not only on stderr)."""
    case = tmp_path / "case"
    host = case / "host"
    host.mkdir(parents=True)
    for name in ("SYSTEM", "SOFTWARE"):
        (host / name).write_bytes((SAMPLE.parents[1] / "friday-afternoon-rdsh" / name).read_bytes())
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "SOFTWARE").write_bytes(SAMPLE.read_bytes())
    (case / "SOFTWARE.lnk").symlink_to(outside / "SOFTWARE")
    report = tmp_path / "report.json"
    result = run("analyze", case, "-f", "json", "-o", report)
    assert result.returncode == 3, result.stderr
    documents = json.loads(report.read_text())
    by_folder = {Path(d["host"]["folder"]).name: d for d in documents}
    assert set(by_folder) == {"host", "case"}
    assert by_folder["host"]["partial"] is False  # nothing of its folder was skipped
    skipped = by_folder["case"]
    assert skipped["partial"] is True and skipped["evidence"] == []
    assert skipped["host"]["label"] == f"skipped input ({case / 'SOFTWARE.lnk'})"
    assert [d["code"] for d in skipped["diagnostics"]] == ["discover.symlink_outside"]
    # Without the link the same evidence gives a whole report and exit 0.
    (case / "SOFTWARE.lnk").unlink()
    whole = run("analyze", case, "-f", "json")
    assert whole.returncode == 0, whole.stderr
    assert json.loads(whole.stdout)["partial"] is False
