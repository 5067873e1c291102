"""Large files: bounded memory, throughput, long continued values and the value size limit.

The 200 MB file is generated into ``tmp_path`` and parsed in a child process, whose peak
resident size (``ru_maxrss``) must stay far below the file size.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from hiveparse.errors import ResourceLimit
from hiveparse.sources.regtext import RegReader, SetValue

REPO = Path(__file__).resolve().parents[3]
BLOCK_OPS = 6  # operations per generated block


def _block(index: int) -> str:
    """One key as regedit exports it: strings, dwords, a wrapped hex(2) value, binary."""
    return (
        f"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\Product{index % 997}\\Settings{index}]\r\n"
        f'"DisplayName"="Some product name number {index}"\r\n'
        f'"Enabled"=dword:{index & 0xFFFFFFFF:08x}\r\n'
        '@="default"\r\n'
        '"Path"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,\\\r\n'
        "  00,25,00,5c,00,73,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,66,00,\\\r\n"
        "  6f,00,6f,00,2e,00,64,00,6c,00,6c,00,00,00\r\n"
        '"Blob"=hex:01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10\r\n'
        "\r\n"
    )


def _generate(path: Path, target: int) -> tuple[int, int]:
    """Write a UTF-16LE .reg file of about ``target`` bytes; (its size, its block count)."""
    blocks = size = 0
    with path.open("wb") as out:
        out.write(b"\xff\xfe" + "Windows Registry Editor Version 5.00\r\n\r\n".encode("utf-16-le"))
        while size < target:
            data = "".join(_block(i) for i in range(blocks, blocks + 2000)).encode("utf-16-le")
            out.write(data)
            size += len(data)
            blocks += 2000
    return path.stat().st_size, blocks


_CHILD = """
import sys, time
from hiveparse.sources.regtext import RegReader

def peak_kib():
    # VmHWM is the peak RSS of this process image; ru_maxrss would also count the parent's
    # peak before exec on Linux.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise SystemExit("no VmHWM")

before = peak_kib()
start, cpu = time.perf_counter(), time.process_time()
with RegReader(sys.argv[1], strict=True) as reader:
    count = sum(1 for _ in reader.operations())
    diagnostics = len(reader.diagnostics)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(count, diagnostics, seconds, cpu, before, peak_kib())
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_streams_a_200_mb_utf16_file_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.reg"
    size, blocks = _generate(path, 200 * 1024 * 1024)
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        timeout=600,
    )
    count, diagnostics, seconds, cpu, before_kib, after_kib = result.stdout.split()
    assert int(count) == blocks * BLOCK_OPS
    assert int(diagnostics) == 0
    growth_mib = (int(after_kib) - int(before_kib)) / 1024
    assert growth_mib < 64, f"peak RSS grew by {growth_mib:.0f} MiB for a {size >> 20} MiB file"
    assert int(after_kib) < 128 * 1024, f"peak RSS {int(after_kib) >> 10} MiB"
    # CPU time, not wall time: the machine may be shared with other work.
    throughput = size / float(cpu) / 1e6
    print(
        f"\nregtext: {size / 1e6:.0f} MB UTF-16LE in {float(cpu):.2f} s CPU = "
        f"{throughput:.1f} MB/s ({size / float(seconds) / 1e6:.1f} MB/s wall), "
        f"peak RSS {int(after_kib) >> 10} MiB (+{growth_mib:.1f} MiB while parsing)"
    )
    # Speed is measured in benchmarks/ (step regtext), not asserted here.


def test_long_continued_value_is_accepted() -> None:
    """reliability.md §3 long_continuation: 1.6 MB of hex over 64,000 continuation lines."""
    payload = bytes(range(256)) * 6250
    lines = [f'"big"=hex:{payload[0]:02x},\\']
    lines += [
        "  " + ",".join(f"{b:02x}" for b in payload[i : i + 25]) + ",\\"
        for i in range(1, len(payload), 25)
    ]
    lines[-1] = lines[-1][:-2]
    data = ("REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n" + "\r\n".join(lines) + "\r\n").encode()
    operations = list(RegReader(io.BytesIO(data), strict=True).operations())
    assert operations[1] == SetValue("HKEY_CURRENT_USER\\A", "big", 3, payload, 3, is_hex=True)


@pytest.mark.parametrize("strict", [True, False])
def test_continued_value_longer_than_the_limit_is_a_typed_error(strict: bool) -> None:
    lines = ['"big"=hex:00,\\'] + ["  " + ",".join(["ab"] * 25) + ",\\"] * 10 + ["  00"]
    data = ("REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n" + "\r\n".join(lines)).encode()
    reader = RegReader(io.BytesIO(data), strict=strict, max_line_length=200)
    with pytest.raises(ResourceLimit) as caught:
        list(reader.operations())
    assert str(caught.value) == "<stream>: 3: value data longer than the limit of 200 bytes"
