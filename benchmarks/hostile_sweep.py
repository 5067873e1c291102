"""Every command over every generated hostile variant, as a user would run them.

    python benchmarks/hostile_sweep.py [--out results/hostile_sweep.json] [--jobs 2]

The variants are those of the adversarial suite (tests/adversarial/generate.py: every
mutation family over the synthetic bases and, when the corpus is present, its bases; plus
inputs that are not hives), written to a scratch folder and deleted afterwards. Each command
(`info`, `query -s -v`, `analyze`, `recover`, `verify`, `export`, `timebomb --from`,
`secrets`) runs once per variant in a fresh process under `timeout` and a 1 GiB
address-space limit (`prlimit --as`), its stdout discarded. Recorded per command: runs,
exit codes seen, the worst wall time and peak RSS (and on which variant), and every run that
broke a rule: a timeout, an exit code outside the documented table, a traceback, a stderr
line that is not one `hiveparse: error:` / `hiveparse: warning:` problem, or a failed run
(exit 2, 4 or 74) without exactly one error line (a partial run, exit 3, lists each of its
problems where its output does not carry them). Not a test: it prints a summary and writes
the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.adversarial.generate import write_variants  # noqa: E402

COMMANDS = {
    "info": ["info", "{f}", "-f", "json"],
    "query -s -v": ["query", "{f}", "-s", "-v", "-f", "json"],
    "analyze": ["analyze", "{f}", "-f", "json"],
    "recover": ["recover", "{f}", "-f", "json"],
    "verify": ["verify", "{f}", "-f", "json"],
    "export": ["export", "{f}"],
    "timebomb --from": ["timebomb", "--from", "{f}", "-f", "json"],
    "secrets": ["secrets", "{f}", "-f", "json"],
}
DOCUMENTED = {0, 1, 2, 3, 4, 74}
FAILED = {2, 4, 74}  # no result: exactly one error line says why
_SAID = ("hiveparse: error: ", "hiveparse: warning: ")  # a partial run lists each problem
LIMIT = 1 << 30
TIMEOUT = 30


def run(command: str, path: Path) -> dict[str, object]:
    argv = [
        "prlimit",
        f"--as={LIMIT}",
        sys.executable,
        "-m",
        "hiveparse",
        *(part.replace("{f}", str(path)) for part in COMMANDS[command]),
    ]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
        timed_out = False
        try:
            _, status, usage = _wait(process, TIMEOUT)
        except TimeoutError:
            process.kill()
            _, status, usage = os.wait4(process.pid, 0)
            timed_out = True
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    lines = stderr.splitlines()
    errors = [line for line in lines if line.startswith("hiveparse: error:")]
    stray = [line for line in lines if not line.startswith(_SAID)]
    broken = []
    if timed_out:
        broken.append("timeout")
    if code not in DOCUMENTED and not timed_out:
        broken.append(f"exit {code}")
    if "Traceback" in stderr:
        broken.append("traceback")
    if stray:
        broken.append(f"{len(stray)} stderr lines that are not one problem each")
    if code in FAILED and len(errors) != 1:
        broken.append(f"{len(errors)} error lines for a failed run")
    return {
        "variant": f"{path.parent.name}/{path.stem}",
        "exit": code,
        "wall_s": round(wall, 3),
        "maxrss_mib": round(usage.ru_maxrss / 1024, 1),
        "broken": broken,
        "stderr": stderr[-400:] if broken else "",
    }


def _wait(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, int, object]:
    deadline = time.perf_counter() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, usage
        if time.perf_counter() > deadline:
            raise TimeoutError
        time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/hostile_sweep.json")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = parser.parse_args()
    corpus = args.corpus if args.corpus.is_dir() else None
    with tempfile.TemporaryDirectory(prefix="hiveparse-sweep.") as scratch:
        variants, _ = write_variants(Path(scratch), corpus)
        jobs = [(command, v.path) for v in variants for command in COMMANDS]
        started = time.perf_counter()
        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(lambda job: (job[0], run(*job)), jobs))
        elapsed = time.perf_counter() - started
    summary: dict[str, dict[str, object]] = {}
    for command in COMMANDS:
        mine = [r for c, r in results if c == command]
        slowest = max(mine, key=lambda r: r["wall_s"])  # type: ignore[arg-type, return-value]
        biggest = max(mine, key=lambda r: r["maxrss_mib"])  # type: ignore[arg-type, return-value]
        summary[command] = {
            "runs": len(mine),
            "exits": sorted({r["exit"] for r in mine}),  # type: ignore[type-var]
            "worst_wall_s": slowest["wall_s"],
            "worst_wall_variant": slowest["variant"],
            "worst_rss_mib": biggest["maxrss_mib"],
            "worst_rss_variant": biggest["variant"],
            "broken": [r for r in mine if r["broken"]],
        }
    document = {
        "variants": len(variants),
        "runs": len(results),
        "seconds": round(elapsed, 1),
        "address_space_limit": LIMIT,
        "timeout_s": TIMEOUT,
        "commands": summary,
    }
    args.out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"{len(variants)} variants, {len(results)} runs in {elapsed:.0f} s")
    for command, item in summary.items():
        print(
            f"  {command:16} runs {item['runs']:4}  exits {item['exits']}  worst "
            f"{item['worst_wall_s']:.2f} s ({item['worst_wall_variant']})  "
            f"{item['worst_rss_mib']:.0f} MiB ({item['worst_rss_variant']})  "
            f"broken {len(item['broken'])}"  # type: ignore[arg-type]
        )
    return 1 if any(item["broken"] for item in summary.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
