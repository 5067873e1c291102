"""Run commands in fresh processes and record wall time and peak RSS (os.wait4 rusage).

    python benchmarks/measure.py --out results/x.json --runs 3 [--timeout 120] \
        NAME='command line' NAME2='command line' ...

Each round runs every command once, the order rotated round by round, so slow drift of the
machine's load spreads over all commands. Per command the JSON has every run's wall time
(s), ru_maxrss (MiB; the peak resident set of the process, interpreter included), exit
status, whether it timed out (killed after --timeout s) and the first line of its stdout
(the walk scripts print their key and value counts there). A command line is split with
shlex; no shell is involved.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(argv: list[str], timeout: float | None, discard_stdout: bool = False) -> dict:
    out_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, after wait4
    err_file = tempfile.TemporaryFile()  # noqa: SIM115
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL if discard_stdout else out_file,
        stderr=err_file,
        start_new_session=True,
    )
    timed_out = False
    deadline = None if timeout is None else start + timeout
    # wait4 blocks; poll with WNOHANG so a timeout can kill the process group
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            timed_out = True
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.002)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out_file.seek(0)
    err_file.seek(0)
    out = out_file.read(4096).decode(errors="replace")
    err = err_file.read().decode(errors="replace")
    out_file.close()
    err_file.close()
    return {
        "wall_s": round(wall, 4),
        "user_s": round(usage.ru_utime, 4),
        "sys_s": round(usage.ru_stime, 4),
        "maxrss_mib": round(usage.ru_maxrss / 1024, 2),
        "exit": proc.returncode,
        "timed_out": timed_out,
        "stdout": out.strip().splitlines()[0][:1000] if out.strip() else "",
        "stderr_tail": err.strip()[-300:]
        if proc.returncode not in (0, None) and not timed_out
        else "",
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--discard-stdout",
        action="append",
        default=[],
        metavar="NAME",
        help="send NAME's stdout to /dev/null (e.g. hivexml's XML)",
    )
    parser.add_argument("commands", nargs="+", help="NAME=command line")
    args = parser.parse_args()
    named = []
    for item in args.commands:
        name, _, line = item.partition("=")
        named.append((name, shlex.split(line)))
    runs: dict[str, list[dict]] = {name: [] for name, _ in named}
    for round_no in range(args.runs):
        k = round_no % len(named)
        for name, argv in named[k:] + named[:k]:
            if any(r["timed_out"] for r in runs[name]):
                continue  # one timeout is enough to report "> timeout"
            result = run_once(argv, args.timeout, name in args.discard_stdout)
            runs[name].append(result)
            state = "TIMEOUT" if result["timed_out"] else f"exit {result['exit']}"
            print(
                f"  {name:22} {result['wall_s']:8.3f} s  {result['maxrss_mib']:8.1f} MiB  "
                f"{state}  {result['stdout']}",
                file=sys.stderr,
                flush=True,
            )
    summary = []
    for name, argv in named:
        rs = runs[name]
        ok = [r for r in rs if not r["timed_out"] and r["exit"] == 0]
        summary.append(
            {
                "name": name,
                "command": shlex.join(argv),
                "runs": rs,
                "timed_out": any(r["timed_out"] for r in rs),
                "failed": any(r["exit"] != 0 and not r["timed_out"] for r in rs),
                "median_wall_s": round(statistics.median(r["wall_s"] for r in ok), 4)
                if ok
                else None,
                "min_wall_s": round(min(r["wall_s"] for r in ok), 4) if ok else None,
                "max_rss_mib": round(max(r["maxrss_mib"] for r in rs), 2) if rs else None,
                "stdout": ok[0]["stdout"] if ok else (rs[0]["stdout"] if rs else ""),
            }
        )
    Path(args.out).write_text(
        json.dumps(
            {
                "label": args.label,
                "timeout_s": args.timeout,
                "loadavg_end": os.getloadavg(),
                "commands": summary,
            },
            indent=1,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
