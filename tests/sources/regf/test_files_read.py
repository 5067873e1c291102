"""Files are hashed from the bytes the reader read (hive.files_read, Evidence.sha256).

Truth: `sha256sum` (coreutils) over the same files, and their sizes as the file system
gives them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hiveparse.evidence.open import open_evidence
from hiveparse.model import HiveType
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf import open_hive
from hiveparse.sources.regf.writer import write_hive

pytestmark = pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs sha256sum")


def _sha256sum(path: Path) -> str:
    return subprocess.run(
        ["sha256sum", "--binary", str(path)], capture_output=True, text=True, check=True
    ).stdout.split()[0]


def test_a_replayed_hive_names_the_hive_and_each_log_as_read(corpus: Path) -> None:
    hive_path = corpus / "hives" / "regipy" / "SYSTEM_B"
    hive = open_hive(hive_path, hash_files=True)
    assert sorted(Path(p).name for p in hive.logs_applied) == ["SYSTEM_B.LOG1", "SYSTEM_B.LOG2"]
    assert set(hive.files_read) == {str(hive_path), *hive.logs_applied}
    for path, read in hive.files_read.items():
        assert read.sha256 == _sha256sum(Path(path))
        assert read.size == Path(path).stat().st_size


@pytest.mark.parametrize("engine", ["hiveparse", "python-registry", "regipy"])
def test_evidence_states_the_digest_of_the_file(corpus: Path, engine: str) -> None:
    path = corpus / "hives" / "regipy" / "NTUSER.DAT"
    evidence = open_evidence(path, engine=engine)
    assert evidence.sha256 == _sha256sum(path)
    # Our reader hashes the snapshot it read; a peer engine reads the file itself, so the
    # file is hashed from disk instead.
    hive = evidence.hives[0].hive
    assert (str(path) in hive.files_read) == (engine == "hiveparse")


def test_a_sparse_tail_hashes_as_the_zeros_it_reads_as(tmp_path: Path) -> None:
    hive = MemoryHive(HiveType.SOFTWARE)
    hive.root().ensure("Vendor").set_value("v", 4, b"\x01\x00\x00\x00")
    path = tmp_path / "SOFTWARE"
    path.write_bytes(write_hive(hive))
    with path.open("r+b") as handle:
        handle.truncate(64 << 20)  # a 64 MiB hole after the hive
    evidence = open_evidence(path)
    assert evidence.sha256 == _sha256sum(path)
    assert evidence.hives[0].hive.files_read[str(path)].size == 64 << 20


def test_bytes_given_in_memory_are_no_file_read(corpus: Path) -> None:
    data = (corpus / "hives" / "regipy" / "SAM").read_bytes()
    assert open_hive("SAM (in memory)", data=data, hash_files=True).files_read == {}


def test_a_lookup_does_not_pay_for_hashing(corpus: Path) -> None:
    # open_hive alone (a few values read) hashes nothing; evidence opening asks for it.
    assert open_hive(corpus / "hives" / "regipy" / "SAM").files_read == {}
