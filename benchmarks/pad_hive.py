"""Write a copy of a hive grown to SIZE MiB by more hive bins of up to 1 GiB (each a single
free cell: a cell's size is an int32), as a sparse file. The base block's hive bins data
size is raised to cover them and its checksum recomputed (REGF: XOR of the first 127
dwords). Peak memory of a command on it shows whether anything in it holds the whole file.

    python benchmarks/pad_hive.py HIVE OUT SIZE_MIB
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

BASE_BLOCK = 4096
HBIN_HEADER = 32
BIN_LIMIT = 1 << 30


def pad_hive(source: Path, out: Path, size_mib: int) -> None:
    data = bytearray(source.read_bytes())
    (bins,) = struct.unpack_from("<I", data, 40)  # hive bins data size
    data = data[: BASE_BLOCK + bins]
    extra = (size_mib << 20) - len(data)
    if extra < 4096:
        raise SystemExit(f"{source} is already {len(data)} bytes")
    extra -= extra % 4096  # hive bins are multiples of 4 KiB
    struct.pack_into("<I", data, 40, bins + extra)
    checksum = 0
    for (word,) in struct.iter_unpack("<I", bytes(data[:508])):
        checksum ^= word
    struct.pack_into("<I", data, 508, {0: 1, 0xFFFFFFFF: 0xFFFFFFFE}.get(checksum, checksum))
    with out.open("xb") as sink:
        sink.write(data)
        offset = bins  # of the next bin, from the first one
        while offset < bins + extra:
            size = min(BIN_LIMIT, bins + extra - offset)
            # hbin: signature, offset from the first bin, size, 16 reserved bytes; then one
            # free cell (a positive size) filling the bin.
            sink.seek(BASE_BLOCK + offset)
            sink.write(b"hbin" + struct.pack("<III", offset, size, 0) + bytes(16))
            sink.write(struct.pack("<i", size - HBIN_HEADER))
            offset += size
        sink.truncate(BASE_BLOCK + bins + extra)


if __name__ == "__main__":
    pad_hive(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
