"""Peak memory does not grow with the evidence's size.

Each case is a sparse file of about 1 GiB: the sample SYSTEM hive with its base block's hive
bins data size raised to cover the file (checksum recomputed by hand below), and either one
more hive bin holding a single free cell as large as the bin, the same bin holding one
allocated cell that a value's data offset now points to (the value still claims 8 bytes), or
no bin at all (zeros where the base block announces bins). ``info``, ``query`` and
``analyze`` run in a child process whose peak resident set (getrusage's ru_maxrss, tracked
by the kernel, so no timing is involved) must stay under a quarter of the file size: pages
of the file mapping count there, so a scan that keeps what it read, a copy of a whole cell
or a read of the whole file fails the test.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "rds-session-host" / "SYSTEM"
BIG = 1 << 30  # bytes of hive bins added
LIMIT_KIB = BIG // 4 // 1024  # 256 MiB: the interpreter and the analysis take about 60 MiB

# The sample's first ProductVersion value record (ControlSet001\Control\Terminal Server),
# found by its name: a vk record's name starts 20 bytes in (after 'vk', the name length,
# data size, data offset, type, flags and spare); its data offset field is 8 bytes in.
_NAME = b"ProductVersion"
PRODUCT_VERSION_VK = SAMPLE.read_bytes().find(_NAME) - 20

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="ru_maxrss in KiB and sparse files: Linux"
)


def _checksum(base_block: bytes) -> int:
    """XOR of the first 127 dwords, 0 -> 1 and 0xFFFFFFFF -> 0xFFFFFFFE (REGF spec)."""
    value = 0
    for (word,) in struct.iter_unpack("<I", base_block[:508]):
        value ^= word
    return {0: 1, 0xFFFFFFFF: 0xFFFFFFFE}.get(value, value)


def _big_hive(path: Path, kind: str) -> Path:
    data = bytearray(SAMPLE.read_bytes())
    (old,) = struct.unpack_from("<I", data, 40)  # hive bins data size
    assert len(data) == 4096 + old
    struct.pack_into("<I", data, 40, old + BIG)
    tail = b""
    if kind in ("free_cell", "huge_data_cell"):
        # hbin header (32 bytes): signature, offset from the bins start, size, 8 reserved,
        # 8 of timestamp, 4 spare; then the one cell: its size (negative: allocated).
        tail = b"hbin" + struct.pack("<III", old, BIG, 0) + bytes(16)
        free = kind == "free_cell"
        tail += struct.pack("<i", BIG - 32 if free else -(BIG - 32))
        if not free:
            assert data[PRODUCT_VERSION_VK : PRODUCT_VERSION_VK + 2] == b"vk"
            struct.pack_into("<I", data, PRODUCT_VERSION_VK + 8, old + 32)
    struct.pack_into("<I", data, 508, _checksum(bytes(data)))
    with path.open("wb") as sink:
        sink.write(data)
        sink.write(tail)
        sink.truncate(4096 + old + BIG)
    if path.stat().st_blocks * 512 > BIG // 8:
        pytest.skip("the temporary folder does not keep files sparse")
    return path


_MEASURE = """
import json, resource, subprocess, sys
result = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=600)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(json.dumps([result.returncode, peak, result.stdout, result.stderr]))
"""


def measured(*args: str | Path) -> tuple[int, int, str, str]:
    """(exit code, peak RSS in KiB, stdout, stderr) of hiveparse in its own process."""
    command = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "hiveparse", *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=True)
    code, peak, out, err = json.loads(done.stdout)
    return code, peak, out, err


@pytest.fixture(scope="module", params=["free_cell", "huge_data_cell", "zeroed_bins"])
def big(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp(request.param)
    path = _big_hive(folder / "SYSTEM", request.param)
    yield path
    path.unlink()  # a gigabyte of (sparse) file, not kept for the session


def test_info_memory_is_bounded(big: Path):
    code, peak, out, err = measured("info", big, "-f", "json")
    assert code in (0, 3), err
    document = json.loads(out)
    assert document["evidence"][0]["size"] == big.stat().st_size > BIG
    assert document["hives"][0]["keys"] > 20  # the sample's tree was walked
    assert peak < LIMIT_KIB, f"peak RSS {peak} KiB for a {BIG >> 20} MiB hive"


def test_query_memory_is_bounded(big: Path):
    key = r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server"
    code, peak, out, err = measured("query", big, key, "-f", "json")
    assert code in (0, 3), err
    (record,) = json.loads(out)["keys"]
    (value,) = [v for v in record["values"] if v["name"] == "ProductVersion"]
    # The value claims 8 bytes: "5.1\0" in UTF-16LE, or the huge cell's first 8 (zeros).
    huge = big.parent.name.startswith("huge_data_cell")
    assert value["raw"] == ("0000000000000000" if huge else "35002e0031000000")
    assert peak < LIMIT_KIB, f"peak RSS {peak} KiB for a {BIG >> 20} MiB hive"


def test_analyze_memory_is_bounded(big: Path):
    code, peak, out, err = measured("analyze", big, "-f", "json")
    assert code in (0, 1, 3), err
    assert json.loads(out)["evidence"][0]["size"] == big.stat().st_size
    assert peak < LIMIT_KIB, f"peak RSS {peak} KiB for a {BIG >> 20} MiB hive"


def test_the_cases_are_what_they_claim(big: Path):
    """Hand-made files, checked against hand-computed facts before they prove anything."""
    with big.open("rb") as source:
        head = source.read(4096)
        source.seek(4096 + 0x2000)
        next_bin = source.read(36)
    assert _checksum(head) == struct.unpack_from("<I", head, 508)[0]
    assert struct.unpack_from("<I", head, 40)[0] == big.stat().st_size - 4096
    if next_bin[:4] == b"hbin":
        assert struct.unpack_from("<III", next_bin, 4) == (0x2000, BIG, 0)
        assert abs(struct.unpack_from("<i", next_bin, 32)[0]) == BIG - 32
    else:
        assert next_bin == bytes(36)
