"""A batch on a Dask cluster (a scheduler and two worker processes on loopback) gives the
same documents, in the same order, as one process; a case that fails on a worker is
reported alone."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import hiveparse.batch.run as run_module
from hiveparse.batch import CaseOptions, run_cases, split_cases
from hiveparse.errors import UsageError
from tests.cli.running import hiveparse
from tests.support.ticket_queue import make_queue

distributed = pytest.importorskip("distributed", reason="the [dask] extra is not installed")

AS_OF = "2026-06-01T00:00:00Z"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",  # any free port: never one a running cluster holds
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def tickets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dask") / "tickets"
    make_queue(root, 18)
    return root


def test_dask_gives_the_documents_of_one_process(scheduler: str, tickets: Path) -> None:
    args = ("analyze", tickets, "-f", "jsonl", "--as-of", AS_OF)
    alone = hiveparse(*args)
    on_dask = hiveparse(*args, "--dask-scheduler", scheduler)
    assert on_dask.returncode == alone.returncode == 3, on_dask.stderr
    assert on_dask.stdout == alone.stdout
    assert on_dask.stdout.count("\n") == 18


def test_a_case_failing_on_a_worker_is_reported_alone(scheduler: str, tickets: Path) -> None:
    options = CaseOptions(as_of=datetime(2026, 6, 1, tzinfo=UTC), report_empty=True)
    cases = split_cases([tickets])[:3]
    # A NUL in a path makes every file system call on the worker raise (ValueError).
    broken = dataclasses.replace(cases[1], paths=(str(tickets / "ticket-00002\x00"),))
    results = list(run_cases([cases[0], broken, cases[2]], options, scheduler=scheduler))
    assert [len(r.documents) for r in results] == [1, 1, 1]
    assert results[1].documents[0]["diagnostics"][0]["code"] == "case.failed"
    assert results[1].partial
    assert results[0].documents[0]["host"]["case"] == "ticket-00001"
    assert results[2].documents[0]["host"]["case"] == "ticket-00003"


def test_an_unreachable_scheduler_is_a_usage_error(
    tickets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_module, "DASK_CONNECT_SECONDS", 1)
    options = CaseOptions(as_of=datetime(2026, 6, 1, tzinfo=UTC))
    with pytest.raises(UsageError, match=re.escape("--dask-scheduler 'tcp://127.0.0.1:9'")):
        list(run_cases(split_cases([tickets]), options, scheduler="tcp://127.0.0.1:9"))


def test_a_bad_address_is_one_line_at_once(tickets: Path) -> None:
    done = hiveparse("analyze", tickets, "--dask-scheduler", "foo", timeout=30)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "hiveparse: error: --dask-scheduler 'foo': ValueError: missing port number in address 'foo'"
    )


def test_a_scheduler_without_workers_is_a_usage_error(
    tickets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_module, "DASK_CONNECT_SECONDS", 1)
    cluster = distributed.LocalCluster(
        n_workers=0, processes=True, host="127.0.0.1", dashboard_address=":0"
    )
    try:
        options = CaseOptions(as_of=datetime(2026, 6, 1, tzinfo=UTC))
        with pytest.raises(UsageError, match="no worker joined"):
            list(run_cases(split_cases([tickets]), options, scheduler=cluster.scheduler_address))
    finally:
        cluster.close()
