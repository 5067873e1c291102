"""A batch written to -o that is interrupted keeps the cases it finished (whole lines), and
--resume finishes it to the bytes of a run that never stopped."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import pytest

from hiveparse.batch.run import _handing_back
from tests.cli.running import hiveparse
from tests.support.processes import in_session
from tests.support.ticket_queue import make_queue

AS_OF = "2026-06-01T00:00:00Z"


@pytest.mark.parametrize(
    ("jobs", "stop"), [("1", signal.SIGINT), ("2", signal.SIGINT), ("2", signal.SIGTERM)]
)
def test_an_interrupted_batch_keeps_whole_cases_and_resumes(
    tmp_path: Path, jobs: str, stop: signal.Signals
) -> None:
    """Ctrl-C or SIGTERM (a scheduler stopping the job): whole cases kept, workers gone."""
    tickets = tmp_path / "tickets"
    make_queue(tickets, 400)
    whole = hiveparse("analyze", tickets, "-f", "jsonl", "--as-of", AS_OF, timeout=300)
    report = tmp_path / "report.jsonl"
    command = [sys.executable, "-m", "hiveparse", "analyze", str(tickets), "-f", "jsonl",
               "--as-of", AS_OF, "--jobs", jobs, "-o", str(report)]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60

    def written() -> int:  # bytes of whole cases in the report being written
        return sum(f.stat().st_size for f in tmp_path.glob(".report.jsonl.*.partial"))

    while written() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # stopped once some cases are written, whatever the machine's speed
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "Traceback" not in stderr
    assert "interrupted after" in stderr
    kept = report.read_text()
    assert kept.endswith("\n") and whole.stdout.startswith(kept)
    assert 0 < kept.count("\n") < 400
    assert not list(tmp_path.glob(".report.jsonl.*"))  # no temporary file left behind
    workers = subprocess.run(
        ["pgrep", "-f", str(tickets)], capture_output=True, text=True, check=False
    )
    assert workers.stdout == ""  # no worker process outlives the run
    done = hiveparse(
        "analyze", tickets, "-f", "jsonl", "--as-of", AS_OF, "--resume", report, timeout=300
    )
    assert done.returncode == 3, done.stderr
    assert report.read_text() == whole.stdout


def test_workers_do_not_outlive_a_run_its_reader_left(tmp_path: Path) -> None:
    """Review: `analyze -j 2 | head` ended the run by SIGPIPE and left its two workers
    waiting for ever to hand back a result (they ignore SIGINT and SIGTERM)."""
    queue = tmp_path / "queue"
    make_queue(queue, 60)
    process = subprocess.Popen(
        [sys.executable, "-m", "hiveparse", "analyze", str(queue), "-f", "jsonl", "-j", "2",
         "--as-of", AS_OF],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    process.stdout.read(300)
    process.stdout.close()
    process.wait(timeout=120)
    deadline = time.monotonic() + 20
    while in_session(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert in_session(process.pid) == []


def test_a_worker_handing_back_a_result_finishes_it_before_it_stops() -> None:
    """CI: a worker stopped in the middle of writing its result left the run's reader of
    results waiting for the rest for ever (the run hung at its exit, 1 try in 10). The stop
    is put off while the frame is within the result queue's put, and only then."""
    frames: list[FrameType] = []

    class Writer:
        def send_bytes(self, data: bytes) -> None:
            frames.append(sys._getframe())

    queue = multiprocessing.get_context().SimpleQueue()
    queue._writer = Writer()  # type: ignore[attr-defined]
    queue.put(("a result",))
    assert _handing_back(frames[0])
    assert not _handing_back(sys._getframe())
    assert not _handing_back(None)
