"""Record the machine and the versions measured: writes results/env.json."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path


def _run(*argv: str) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/env.json")
    versions = {}
    for dist in (
        "hiveparse",
        "python-registry",
        "regipy",
        "libregf-python",
        "typer",
        "rich",
        "construct",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    debs = _run("dpkg-query", "-W", "-f", "${Package} ${Version}\\n", "libhivex-bin", "hyperfine")
    repo = Path(__file__).resolve().parent.parent
    info = {
        "date_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": _run("nproc"),
        "cpu": _cpu_model(),
        "free_h": _run("free", "-h"),
        "kernel": platform.release(),
        "os": _run("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "versions": versions,
        "debian": dict(line.split(" ", 1) for line in debs.splitlines() if " " in line),
        "git_commit": _run("git", "-C", str(repo), "rev-parse", "--short", "HEAD"),
        # Changed files other than this run's own results (run.sh clears them first).
        "git_dirty_files": sum(
            1
            for line in _run("git", "-C", str(repo), "status", "--porcelain").splitlines()
            if "benchmarks/results/" not in line
        ),
        "loadavg_start": os.getloadavg(),
    }
    out.write_text(json.dumps(info, indent=1) + "\n")
    print(
        f"{info['date_utc']}  {info['nproc']} x {info['cpu']}  Python {info['python']}  "
        f"load {info['loadavg_start']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
