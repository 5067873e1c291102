"""Parse one .reg file with hiveparse and print one JSON line with the timing.

    python benchmarks/parse_reg.py FILE --mode stream      # iterate the operations
    python benchmarks/parse_reg.py FILE --mode snapshot    # parse_reg_file(): the in-memory hive

``seconds`` is the in-process parse time (time.perf_counter around reading the whole file,
after imports), ``mb_s`` the file size in MB (10^6 bytes) divided by it; ``cpu_seconds`` and
``mb_s_cpu`` the same with the process's CPU time (time.process_time), which other jobs on a
shared machine disturb less. Peak RSS is taken
by the caller (measure.py, from os.wait4). Counting keys and values of the snapshot is done
after the clock stops.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hiveparse.model import walk
from hiveparse.sources.regtext import RegReader, SetValue, parse_reg_file


def stream(path: str) -> dict:
    ops = sets = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    reader = RegReader(path)
    for op in reader.operations():
        ops += 1
        if isinstance(op, SetValue):
            sets += 1
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "operations": ops,
        "set_values": sets,
        "diagnostics": len(reader.diagnostics),
        "encoding": reader.encoding,
    }


def snapshot(path: str) -> dict:
    c0 = time.process_time()
    t0 = time.perf_counter()
    regfile = parse_reg_file(path)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    keys = values = 0
    for hive in regfile.hives.values():
        for key in walk(hive.root()):
            keys += 1
            values += sum(1 for _ in key.values())
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "keys": keys,
        "values": values,
        "diagnostics": len(regfile.diagnostics),
        "encoding": regfile.encoding,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--mode", choices=("stream", "snapshot"), required=True)
    args = parser.parse_args()
    size = Path(args.file).stat().st_size
    result = (stream if args.mode == "stream" else snapshot)(args.file)
    result = {
        "mode": args.mode,
        "bytes": size,
        **result,
        "mb_s": round(size / result["seconds"] / 1e6, 2),
        "mb_s_cpu": round(size / result["cpu_seconds"] / 1e6, 2),
    }
    result["seconds"] = round(result["seconds"], 3)
    result["cpu_seconds"] = round(result["cpu_seconds"], 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
