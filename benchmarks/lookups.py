"""Open a hive and read twenty named values, timed in process.

    python benchmarks/lookups.py [--hive HIVE] [--rounds 3] [--reps 50] --out results/lookups.json

Driver: for each round, one fresh child process per engine (order rotated each round). A
child reads the file once (page cache warm), imports its library, does 5 warm-up
repetitions, then ``--reps`` repetitions of each of

* ``open_reads``: open the hive + look up the 20 keys and values + decode the data,
* ``open``: open alone,
* ``reads``: the 20 lookups + decodes on one already open handle,

timed with ``time.perf_counter`` (open_reads also with ``time.process_time``, CPU time);
it reports medians (ms), its peak RSS (ru_maxrss) and the
20 decoded values, which the driver checks against spec.LOOKUPS. The driver writes medians
over rounds (and min/max over rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import spec

ENGINES = ("hiveparse", "python-registry", "pyregf", "regipy")


def _engine(name: str):
    """(open(path) -> handle, read(handle) -> list of 20 decoded values)."""
    if name == "hiveparse":
        from hiveparse.sources.regf import open_hive  # noqa: PLC0415 - one engine per child

        def open_(path):
            return open_hive(path)  # the default a user gets (dirty hive: looks for logs)

        def read(hive):
            root = hive.root()
            return [root.find(k).value(v).decoded for k, v, _ in spec.LOOKUPS]

        return open_, read
    if name == "python-registry":
        from Registry import Registry  # noqa: PLC0415

        def read(reg):
            return [reg.open(k).value(v).value() for k, v, _ in spec.LOOKUPS]

        return Registry.Registry, read
    if name == "pyregf":
        import pyregf  # noqa: PLC0415

        def open_(path):
            regf = pyregf.file()
            regf.open(path)
            return regf

        def decode(value):
            kind = value.type
            if kind in (1, 2, 6):
                return value.get_data_as_string()
            if kind in (4, 5, 11):
                return value.get_data_as_integer()
            if kind == 7:
                return list(value.get_data_as_multi_string())
            return value.data

        def read(regf):
            return [
                decode(regf.get_key_by_path(k).get_value_by_name(v)) for k, v, _ in spec.LOOKUPS
            ]

        return open_, read
    if name == "regipy":
        import logging  # noqa: PLC0415

        from regipy.registry import RegistryHive  # noqa: PLC0415

        logging.disable(logging.WARNING)

        def read(hive):
            out = []
            for k, v, _ in spec.LOOKUPS:
                found = hive.get_key("\\" + k).get_value(v)
                out.append(found)
            return out

        return RegistryHive, read
    raise SystemExit(f"unknown engine {name}")


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def child(engine: str, hive: str, reps: int) -> dict:
    Path(hive).read_bytes()  # page cache warm
    open_, read = _engine(engine)
    warmup = 5 if engine != "regipy" else 1
    for _ in range(warmup):
        read(open_(hive))
    both, both_cpu, opens, reads = [], [], [], []
    for _ in range(reps):
        c0 = time.process_time()
        t0 = time.perf_counter()
        values = read(open_(hive))
        both.append(time.perf_counter() - t0)
        both_cpu.append(time.process_time() - c0)
    for _ in range(reps):
        t0 = time.perf_counter()
        open_(hive)
        opens.append(time.perf_counter() - t0)
    handle = open_(hive)
    for _ in range(reps):
        t0 = time.perf_counter()
        read(handle)
        reads.append(time.perf_counter() - t0)
    return {
        "engine": engine,
        "reps": reps,
        "open_reads_ms": _median_ms(both),
        "open_reads_min_ms": min(both) * 1000,
        "open_reads_cpu_ms": _median_ms(both_cpu),
        "open_ms": _median_ms(opens),
        "reads_ms": _median_ms(reads),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "values": [v.hex() if isinstance(v, bytes) else v for v in values],
    }


def _expected() -> list:
    return [v.hex() if isinstance(v, bytes) else v for _, _, v in spec.LOOKUPS]


def driver(args: argparse.Namespace) -> int:
    engines = args.engines.split(",")
    per_engine: dict[str, list[dict]] = {e: [] for e in engines}
    for round_no in range(args.rounds):
        order = engines[round_no % len(engines) :] + engines[: round_no % len(engines)]
        for engine in order:
            reps = args.reps if engine != "regipy" else max(3, args.reps // 10)
            cmd = [
                sys.executable,
                __file__,
                "--child",
                engine,
                "--hive",
                args.hive,
                "--reps",
                str(reps),
            ]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            per_engine[engine].append(json.loads(done.stdout))
    expected = _expected()
    rows = []
    for engine, runs in per_engine.items():
        row: dict[str, object] = {"engine": engine, "rounds": len(runs), "reps": runs[0]["reps"]}
        for field in ("open_reads_ms", "open_reads_cpu_ms", "open_ms", "reads_ms", "peak_rss_mib"):
            samples = [r[field] for r in runs]
            row[field] = round(statistics.median(samples), 3)
            row[field + "_range"] = [round(min(samples), 3), round(max(samples), 3)]
        got = runs[0]["values"]
        pairs = enumerate(zip(got, expected, strict=True))
        row["values_match"] = [i for i, (g, e) in pairs if g != e] or True
        if row["values_match"] is not True:
            row["values_got"] = got
        rows.append(row)
    result = {
        "benchmark": "open + 20 named value reads, in process",
        "hive": args.hive,
        "hive_size": Path(args.hive).stat().st_size,
        "lookups": [f"{k}\\{v}" for k, v, _ in spec.LOOKUPS],
        "loadavg": os.getloadavg(),
        "rows": rows,
    }
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    for row in rows:
        print(
            f"{row['engine']:16} open+20 reads {row['open_reads_ms']:9.3f} ms  "
            f"open {row['open_ms']:8.3f}  reads {row['reads_ms']:8.3f}  "
            f"rss {row['peak_rss_mib']:.1f} MiB  values ok: {row['values_match']}",
            file=sys.stderr,
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hive", default=spec.SYSTEM10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--out", default="benchmarks/results/lookups.json")
    parser.add_argument("--child", choices=ENGINES)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.hive, args.reps)))
        return 0
    return driver(args)


if __name__ == "__main__":
    raise SystemExit(main())
