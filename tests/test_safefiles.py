"""Evidence read once into private memory (hiveparse.safefiles.read_snapshot): a file that
shrinks after it was opened cannot kill the run or change what was read, and a sparse
file costs what it stores."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hiveparse.safefiles import data_extents, read_snapshot
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf.writer import write_hive

LINUX = sys.platform.startswith("linux")

# Open the hive, cut the file to nothing, then walk every key and value: the walk must see
# what was there when it was opened.
_CUT_AFTER_OPEN = """
import os, sys
from hiveparse.model import walk
from hiveparse.sources.regf import open_hive
path = sys.argv[1]
hive = open_hive(path)
os.truncate(path, 0)
seen = [(k.path, v.name, v.raw.hex()) for k in walk(hive.root()) for v in k.values()]
print(len(seen), seen[-1][0], bytes.fromhex(seen[-1][2]).decode("utf-16-le"))
"""

# The control: the same cut under a shared mapping of the file dies of SIGBUS, so the
# test above would catch a reader that went back to mapping evidence.
_CUT_UNDER_A_MAPPING = """
import mmap, os, sys
path = sys.argv[1]
with open(path, "rb") as handle:
    image = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
os.truncate(path, 0)
print(image[len(image) - 1])
"""


def _wide_hive(keys: int) -> bytes:
    hive = MemoryHive(root_name="ROOT")
    for i in range(keys):
        hive.root().ensure(f"Group{i // 100:02d}\\Key{i:05d}").set_value(
            "Value", 1, f"value {i}\0".encode("utf-16-le")
        )
    return write_hive(hive, last_written=1)


@pytest.mark.skipif(not LINUX, reason="SIGBUS on a truncated shared mapping, as Linux has it")
def test_a_hive_cut_short_after_open_reads_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "SOFTWARE"
    path.write_bytes(_wide_hive(2000))
    assert path.stat().st_size > 64 * 1024  # pages beyond the first are lost by the cut
    control = subprocess.run(
        [sys.executable, "-c", _CUT_UNDER_A_MAPPING, str(path)], capture_output=True, check=False
    )
    assert control.returncode == -signal.SIGBUS
    path.write_bytes(_wide_hive(2000))
    result = subprocess.run(
        [sys.executable, "-c", _CUT_AFTER_OPEN, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2000", "Group19\\Key01999", "value", "1999\0"]
    assert path.stat().st_size == 0


def test_a_file_shorter_than_its_size_is_an_error_not_zeros(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"x" * 5000)
    fd = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(OSError) as raised:
            read_snapshot(fd, 8192)  # the size taken before the file shrank to 5000
        assert raised.value.errno == errno.EIO
        assert "shrank" in str(raised.value)
        snapshot = read_snapshot(fd, 5000)
        assert snapshot[:] == b"x" * 5000
    finally:
        os.close(fd)


@pytest.mark.skipif(not LINUX, reason="SEEK_DATA / SEEK_HOLE and VmHWM as Linux has them")
def test_a_sparse_file_costs_what_it_stores(tmp_path: Path) -> None:
    path = tmp_path / "sparse"
    with path.open("wb") as handle:
        handle.write(b"head" * 1024)
        handle.seek(512 << 20)
        handle.write(b"tail" * 1024)
    fd = os.open(path, os.O_RDONLY)
    try:
        extents = list(data_extents(fd, path.stat().st_size))
    finally:
        os.close(fd)
    if len(extents) < 2:
        pytest.skip("this file system does not report holes")
    assert sum(end - start for start, end in extents) < 1 << 20
    probe = (
        "import os, re, sys\n"
        "from hiveparse.safefiles import read_snapshot\n"
        "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
        "image = read_snapshot(fd, os.fstat(fd).st_size)\n"
        "assert image[:8] == b'headhead' and image[-8:] == b'tailtail'\n"
        "assert image[1 << 20 : (1 << 20) + 8] == bytes(8)\n"
        "print(re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True
    )
    assert int(result.stdout) < 128 * 1024  # reading the holes would take 512 MiB


def test_an_io_error_while_hashing_is_unreadable_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the file is hashed apart from what was read (a .reg file, a hive a peer engine
    reads), EIO there is the evidence's problem (exit 4, one line), not an internal error.
    A hive our reader reads is hashed from its snapshot: no second read to fail."""
    from hiveparse.errors import EvidenceError  # noqa: PLC0415
    from hiveparse.evidence import open as evidence  # noqa: PLC0415

    hive = tmp_path / "SOFTWARE"
    hive.write_bytes(_wide_hive(1))
    reg = tmp_path / "fix.reg"
    reg.write_text(
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\A]\r\n"
    )

    def failing_hash(_path: Path) -> str:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(evidence, "sha256_file", failing_hash)
    with pytest.raises(EvidenceError, match="cannot read: Input/output error"):
        evidence.open_evidence(reg)
    with pytest.raises(EvidenceError, match="cannot read: Input/output error"):
        evidence.open_evidence(hive, engine="python-registry")
    assert evidence.open_evidence(hive).sha256 == hashlib.sha256(hive.read_bytes()).hexdigest()
