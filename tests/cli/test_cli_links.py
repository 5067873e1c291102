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
    assert result.returncode in (0, 1, 3), result.stderr
    document = json.loads(result.stdout)
    sources = [item["path"] for item in document["evidence"]]
    assert sources == [str(dirty_case / "NewDirtyHive")]  # the sample is never read
    assert "Traceback" not in result.stderr
