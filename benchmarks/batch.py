"""Benchmark 13: a support queue of generated tickets through ``hiveparse analyze``.

    python benchmarks/batch.py --out results/batch.json [--sizes 2000 20000] [--per-ticket 100]

For each queue size: ``--jobs 1``, ``--jobs 2`` and a Dask cluster of two single-threaded
worker processes (``dask scheduler`` and ``dask worker --no-nanny`` started here on
loopback; skipped when Dask is not installed), each a fresh ``hiveparse analyze QUEUE -f
jsonl`` whose output is discarded. The baseline is what a script that knows no batches
does: one ``hiveparse analyze TICKET -f jsonl`` process per ticket, timed on the first
``--per-ticket`` tickets and taken per ticket.

Peak memory is the largest sum of the resident sets of every process of the run (the
command, its worker processes, and for Dask the scheduler and workers too), sampled every
20 ms from /proc. Not a test: nothing here asserts; report.py compares with the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.ticket_queue import make_queue  # noqa: E402 - after the path is set

PAGE = os.sysconf("SC_PAGE_SIZE")
AS_OF = "2026-06-01T00:00:00Z"


def _session_rss(sessions: set[int]) -> int:
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[3]) not in sessions:  # field 6 (session), after pid and comm
                continue
            total += int((entry / "statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while it was read
    return total


def run(
    argv: list[str], extra_sessions: frozenset[int] = frozenset(), timeout: float = 3600
) -> dict:
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    sessions = {process.pid, *extra_sessions}
    peak = 0
    while process.poll() is None:
        peak = max(peak, _session_rss(sessions))
        if time.perf_counter() - start > timeout:
            os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    return {
        "argv": argv,
        "wall_s": round(wall, 3),
        "peak_rss_mib": round(peak / 2**20, 1),
        "exit": process.returncode,
        "stderr_tail": stderr.strip().splitlines()[-1:] if stderr.strip() else [],
    }


def _dask_cluster(python: str) -> tuple[list[subprocess.Popen[bytes]], str] | None:
    try:
        import distributed  # noqa: F401, PLC0415
    except ImportError:
        return None
    port = 18786
    scheduler = subprocess.Popen(
        [python, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--dashboard-address", ":0", "--no-show"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    address = f"tcp://127.0.0.1:{port}"
    # Two single-threaded workers without nannies (--nworkers needs them).
    argv = [python, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
            "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"]  # fmt: skip
    workers = [
        subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        for _ in range(2)
    ]
    from distributed import Client  # noqa: PLC0415

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
    return [scheduler, *workers], address


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--per-ticket", type=int, default=100)
    parser.add_argument("--hiveparse", default=shutil.which("hiveparse") or "hiveparse")
    args = parser.parse_args()
    hp = args.hiveparse
    results: dict[str, object] = {"sizes": {}, "per_ticket": None}
    work = Path(tempfile.mkdtemp(prefix="hiveparse-batch-", dir=os.environ.get("BENCH_TMP")))
    cluster = _dask_cluster(sys.executable)
    try:
        for size in args.sizes:
            queue = work / f"tickets-{size}"
            make_queue(queue, size)
            base = [hp, "analyze", str(queue), "-f", "jsonl", "--as-of", AS_OF, "--quiet"]
            runs = {
                "jobs 1": run([*base, "--jobs", "1"]),
                "jobs 2": run([*base, "--jobs", "2"]),
            }
            if cluster is not None:
                processes, address = cluster
                sessions = frozenset(p.pid for p in processes)
                runs["dask, 2 workers"] = run([*base, "--dask-scheduler", address], sessions)
            for row in runs.values():
                row["tickets_per_s"] = round(size / row["wall_s"], 1)  # type: ignore[operator]
            results["sizes"][str(size)] = runs  # type: ignore[index]
            print(f"{size} tickets: " + ", ".join(
                f"{name} {row['wall_s']} s ({row['peak_rss_mib']} MiB)"
                for name, row in runs.items()
            ), file=sys.stderr)  # fmt: skip
            if results["per_ticket"] is None:
                tickets = sorted(queue.iterdir())[: args.per_ticket]
                start = time.perf_counter()
                for ticket in tickets:
                    subprocess.run(
                        [hp, "analyze", str(ticket), "-f", "jsonl", "--as-of", AS_OF],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                    )  # fmt: skip
                wall = time.perf_counter() - start
                results["per_ticket"] = {
                    "tickets": len(tickets),
                    "wall_s": round(wall, 3),
                    "seconds_per_ticket": round(wall / len(tickets), 4),
                    "tickets_per_s": round(len(tickets) / wall, 2),
                }
            shutil.rmtree(queue)
    finally:
        if cluster is not None:
            for process in cluster[0]:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
