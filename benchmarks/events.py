"""Benchmark 15: event logs, the reader against pyevtx-rs's own iteration, and what a host's
logs add to ``hiveparse analyze``.

    python benchmarks/events.py --out results/events.json [--runs 7] [--records 50000]

1. Records per second: the largest corpus log (System.evtx of the Windows 10 CTF, 1,766
   records), and a log of ``--records`` LocalSessionManager and RemoteConnectionManager
   events written by samples/evtx_factory.py (a busy session host's Operational log).
   hiveparse's reader (``read_event_log`` with the analysis's selection: every record
   parsed, counted and tallied, the events of interest kept) against iterating
   ``evtx.PyEvtxParser(path).records_json()`` alone, interleaved, in one process; the ratio
   is hiveparse's time over pyevtx-rs's. Peak memory of each in a fresh process (GNU time).
2. analyze's added time: ``hiveparse analyze FOLDER -f json`` as a user runs it, a fresh
   process each time, on samples/friday-afternoon-rdsh without its logs, with them (three
   small logs), and with the big log beside them; the ratio is each over the folder
   without logs. Peak memory of each (GNU time's maximum resident set).

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
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from samples.evtx_factory import CATALOGUE, LSM, RCM, EventSpec, write_evtx  # noqa: E402

SAMPLE = REPO / "samples" / "friday-afternoon-rdsh"
AS_OF = "2026-03-06T12:00:00Z"
LARGEST = "evtx/AndrewRathbun_DFIRArtifactMuseum/Win10_BelkasoftCTF_InsiderThreat/System.evtx"

_READERS = {
    "hiveparse": (
        "from hiveparse.events.catalogue import OF_INTEREST\n"
        "from hiveparse.events.evtx_file import read_event_log\n"
        "read_event_log(path, keep=OF_INTEREST)"
    ),
    "pyevtx-rs": "import evtx\nfor _ in evtx.PyEvtxParser(str(path)).records_json(): pass",
}


def busy_log(path: Path, records: int) -> None:
    """A session host's day after day of logons: RCM 1149, then LSM 21, 22, 24 and 23."""
    start = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
    specs: list[EventSpec] = []
    while len(specs) < records:
        n = len(specs)
        when = start + timedelta(minutes=n)
        user, address, session = f"user{n % 97:02d}", f"10.20.{n % 7}.{n % 250 + 1}", n % 40 + 2
        specs.append(
            CATALOGUE[(RCM, 1149)].spec(
                when, {"Param1": user, "Param2": "CONTOSO", "Param3": address}
            )
        )
        for number in (21, 22, 24):
            fields = {"User": f"CONTOSO\\{user}", "SessionID": session, "Address": address}
            specs.append(CATALOGUE[(LSM, number)].spec(when, fields))
        specs.append(
            CATALOGUE[(LSM, 23)].spec(when, {"User": f"CONTOSO\\{user}", "SessionID": session})
        )
    write_evtx(path, specs[:records], computer="RDSH-SALES01.contoso.com")


TIME = "/usr/bin/time"  # GNU time: the peak of a process it starts, itself a small one


def run(argv: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak resident bytes and exit code of one process. Linux carries a
    process's peak across fork and exec, so a process started from this one (which holds
    the generated log) would report at least this one's peak: GNU time starts it instead."""
    with tempfile.NamedTemporaryFile("r") as peak:
        start = time.perf_counter()
        done = subprocess.run(
            [TIME, "-q", "-f", "%M", "-o", peak.name, *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        wall = time.perf_counter() - start
        kib = int(peak.read().split()[-1])
    return wall, kib * 1024, done.returncode


def reader_speed(path: Path, runs: int) -> dict[str, object]:
    import evtx  # noqa: PLC0415

    from hiveparse.events.catalogue import OF_INTEREST  # noqa: PLC0415
    from hiveparse.events.evtx_file import read_event_log  # noqa: PLC0415

    records = read_event_log(path, keep=OF_INTEREST).records_read
    times: dict[str, list[float]] = {name: [] for name in _READERS}
    for _ in range(runs):
        for name in _READERS:
            start = time.perf_counter()
            if name == "hiveparse":
                read_event_log(path, keep=OF_INTEREST)
            else:
                for _record in evtx.PyEvtxParser(str(path)).records_json():
                    pass
            times[name].append(time.perf_counter() - start)
    memory = {}
    for name, code in _READERS.items():
        script = f"from pathlib import Path\npath = Path({str(path)!r})\n{code}\n"
        _, peak, _ = run([sys.executable, "-c", script])
        memory[name] = peak
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "log": str(path.name),
        "size": path.stat().st_size,
        "records": records,
        "median_s": medians,
        "records_per_s": {name: records / value for name, value in medians.items()},
        "ratio": medians["hiveparse"] / medians["pyevtx-rs"],
        "peak_rss": memory,
    }


def analyze_cost(hiveparse: str, work: Path, big: Path, runs: int) -> dict[str, object]:
    bare, logged, busy = work / "bare", work / "logged", work / "busy"
    for folder in (bare, logged, busy):
        folder.mkdir()
    for item in SAMPLE.iterdir():
        targets = [logged, busy] + ([bare] if item.suffix != ".evtx" else [])
        for target in targets:
            shutil.copy(item, target / item.name)
    shutil.copy(big, busy / big.name)
    cases = {"without logs": bare, "with its 3 logs": logged, "with a busy log too": busy}
    walls: dict[str, list[float]] = {name: [] for name in cases}
    peaks: dict[str, int] = {}
    for _ in range(runs):
        for name, folder in cases.items():
            wall, peak, code = run([hiveparse, "analyze", str(folder), "-f", "json",
                                    "--as-of", AS_OF])  # fmt: skip
            if code != 0:
                raise SystemExit(f"analyze {folder} exited {code}")
            walls[name].append(wall)
            peaks[name] = max(peaks.get(name, 0), peak)
    medians = {name: statistics.median(values) for name, values in walls.items()}
    base = medians["without logs"]
    return {
        "median_s": medians,
        "ratio_to_without_logs": {name: value / base for name, value in medians.items()},
        "added_s": {name: value - base for name, value in medians.items()},
        "peak_rss": peaks,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--hiveparse", default=shutil.which("hiveparse") or "hiveparse")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--records", type=int, default=50_000)
    options = parser.parse_args()
    corpus = Path(os.environ.get("HIVEPARSE_CORPUS", REPO.parent / "shared" / "corpus"))
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as scratch:
        work = Path(scratch)
        big = work / "Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx"
        busy_log(big, options.records)
        results = {
            "reader": [
                reader_speed(corpus / LARGEST, options.runs * 5),
                reader_speed(big, options.runs),
            ],
            "analyze": analyze_cost(options.hiveparse, work, big, options.runs),
        }
    options.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
