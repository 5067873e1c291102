"""Carve a hive's unallocated space for deleted keys and values (hiveparse recover's work).

    python benchmarks/carve_hiveparse.py HIVE   -> prints one JSON line

The process is what hyperfine times; the line also gives the in-process split between
opening the hive and carving it, and how many bytes of each kind were scanned.
"""

import json
import sys
import time

from hiveparse.sources.regf import open_hive
from hiveparse.sources.regf.carve import recover


def main(path: str) -> None:
    started = time.perf_counter()
    hive = open_hive(path, apply_logs=False)
    opened = time.perf_counter()
    recovery = recover(hive)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "open_s": opened - started,
                "carve_s": done - opened,
                "keys": len(recovery.keys),
                "values": len(recovery.values),
                "scanned_bytes": recovery.scanned_bytes,
                "partial": recovery.partial,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
