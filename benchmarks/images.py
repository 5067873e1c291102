"""Benchmark 14: disk images through ``hiveparse analyze``, side by side with the folder.

    python benchmarks/images.py --out results/images.json [--runs 7] [--gib 1]

1. Each format of tests/data/images that holds samples/rdsh-image (raw, split raw, E01 in one
   and in four segments, dynamic and fixed VHD, VHDX, VMDK sparse, split, flat and
   stream-optimised) and the folder samples/rdsh-image itself: ``hiveparse analyze X -f json``
   as a user runs it, a fresh process each time, ``--runs`` times, interleaved. The ratio is
   the image's median wall time over the folder's; peak memory is each process's own
   maximum resident set (wait4).
2. Hashing a 1 GiB image: a raw disk of ``--gib`` GiB (rdsh-image.raw followed by random
   bytes, so nothing is sparse) analysed with and without ``--no-image-hash``, beside
   ``sha256sum`` of the same file. The image is written to a temporary folder (BENCH_TMP or
   the system's) and removed.

Not a test: nothing here asserts; the results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IMAGES = REPO / "tests" / "data" / "images"
FOLDER = REPO / "samples" / "rdsh-image"
AS_OF = "2026-06-01T00:00:00Z"
FORMATS = [
    "rdsh-image.raw",
    "rdsh-image-split.001",
    "rdsh-image.E01",
    "rdsh-image-split.E01",
    "rdsh-image.vhd",
    "rdsh-image-fixed.vhd",
    "rdsh-image.vhdx",
    "rdsh-image.vmdk",
    "rdsh-image-split.vmdk",
    "rdsh-image-flat.vmdk",
    "rdsh-image-stream.vmdk",
]


def run(argv: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak resident bytes and exit code of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss * 1024, process.returncode


def formats(hiveparse: str, runs: int) -> dict[str, dict[str, float | int]]:
    inputs = {"folder": FOLDER, **{name: IMAGES / name for name in FORMATS}}
    samples: dict[str, list[tuple[float, int, int]]] = {name: [] for name in inputs}
    for _ in range(runs):  # interleaved: a slow moment of the machine hits every input
        for name, path in inputs.items():
            argv = [hiveparse, "analyze", str(path), "-f", "json", "--as-of", AS_OF]
            samples[name].append(run(argv))
    folder = statistics.median(wall for wall, _, _ in samples["folder"])
    return {
        name: {
            "median_s": statistics.median(wall for wall, _, _ in got),
            "ratio_to_folder": statistics.median(wall for wall, _, _ in got) / folder,
            "peak_rss_mib": max(rss for _, rss, _ in got) / 2**20,
            "exit_codes": sorted({code for _, _, code in got}),
        }
        for name, got in samples.items()
    }


def hashing(hiveparse: str, gib: int, runs: int) -> dict[str, float | int]:
    folder = Path(tempfile.mkdtemp(prefix="hiveparse-bench-", dir=os.environ.get("BENCH_TMP")))
    try:
        big = folder / "big.raw"
        with big.open("wb") as sink:
            sink.write((IMAGES / "rdsh-image.raw").read_bytes())
            while sink.tell() < gib << 30:
                sink.write(os.urandom(1 << 20))
        size = big.stat().st_size
        base = [hiveparse, "analyze", str(big), "-f", "json", "--as-of", AS_OF]
        hashed, unhashed, peer = [], [], []
        for _ in range(runs):
            hashed.append(run(base))
            unhashed.append(run([*base, "--no-image-hash"]))
            peer.append(run(["sha256sum", str(big)]))
        with_hash = statistics.median(w for w, _, _ in hashed)
        without = statistics.median(w for w, _, _ in unhashed)
        sha256sum = statistics.median(w for w, _, _ in peer)
        return {
            "bytes": size,
            "analyze_s": with_hash,
            "analyze_no_image_hash_s": without,
            "hashing_s": with_hash - without,
            "sha256sum_s": sha256sum,
            "hashing_over_sha256sum": (with_hash - without) / sha256sum,
            "hash_mib_per_s": size / 2**20 / max(with_hash - without, 1e-9),
            "peak_rss_mib": max(rss for _, rss, _ in hashed) / 2**20,
        }
    finally:
        shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--hiveparse", default=shutil.which("hiveparse") or "hiveparse")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--gib", type=int, default=1)
    options = parser.parse_args()
    results = {
        "formats": formats(options.hiveparse, options.runs),
        "hashing": hashing(options.hiveparse, options.gib, max(3, options.runs // 2)),
        "runs": options.runs,
    }
    options.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    json.dump(results, sys.stdout, indent=2)


if __name__ == "__main__":
    main()
