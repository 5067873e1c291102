"""The batch runner: order, failures kept to their case, and analyze_case as a pure,
picklable unit of work."""

from __future__ import annotations

import os
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest

import hiveparse.batch.run as run_module
from hiveparse.batch import Case, CaseOptions, analyze_case, run_cases, split_cases
from hiveparse.batch.run import job_count
from hiveparse.errors import UsageError
from tests.support.ticket_queue import make_queue

OPTIONS = CaseOptions(as_of=datetime(2026, 6, 1, tzinfo=UTC), report_empty=True)


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    root = tmp_path_factory.mktemp("run") / "tickets"
    make_queue(root, 9)
    return split_cases([root])


def _raising(case: Case, options: CaseOptions) -> Any:
    if case.name == "ticket-00003":
        raise RuntimeError("a bug met in this case")
    return analyze_case(case, options)


def _dying(case: Case, options: CaseOptions) -> Any:
    if case.name == "ticket-00005":
        os._exit(9)  # a worker that dies (killed, out of memory, a native crash)
    return _raising(case, options)


def test_analyze_case_and_its_result_cross_process_boundaries(cases: list[Case]) -> None:
    result = analyze_case(cases[0], OPTIONS)
    again = pickle.loads(pickle.dumps(result))
    assert again.documents == result.documents
    assert pickle.loads(pickle.dumps(analyze_case)) is analyze_case
    assert pickle.loads(pickle.dumps(OPTIONS)) == OPTIONS
    # The same call twice gives the same documents: nothing is kept between calls.
    assert analyze_case(cases[0], OPTIONS).documents == result.documents


def test_a_path_alone_is_a_case(cases: list[Case]) -> None:
    by_path = analyze_case(cases[0].paths[0], OPTIONS)
    assert by_path.documents[0]["host"]["case"] == "ticket-00001"
    assert (
        by_path.documents[0]["licensing"]
        == analyze_case(cases[0], OPTIONS).documents[0]["licensing"]
    )


@pytest.mark.parametrize(("jobs", "chunk"), [(1, 1), (2, 1), (2, 4)])
def test_a_failing_case_is_reported_alone_and_the_others_are_untouched(
    cases: list[Case], monkeypatch: pytest.MonkeyPatch, jobs: int, chunk: int
) -> None:
    """Also when the dying case shares a worker's task with others (chunk 4)."""
    monkeypatch.setattr(run_module, "chunk_size", lambda cases, workers: chunk)
    expected = [analyze_case(case, OPTIONS).documents for case in cases]
    # In this process a dying case would end the test: only worker processes may die.
    monkeypatch.setattr(run_module, "analyze_case", _raising if jobs == 1 else _dying)
    results = list(run_cases(cases, OPTIONS, jobs=jobs))
    assert [r.case for r in results] == cases
    failed = {"ticket-00003"} | ({"ticket-00005"} if jobs == 2 else set())
    for result, documents in zip(results, expected, strict=True):
        if result.case.name in failed:
            (document,) = result.documents
            (diagnostic,) = document["diagnostics"]
            assert diagnostic["code"] == "case.failed"
            assert document["partial"] is True
            assert document["host"]["case"] == result.case.name
            assert document["host"]["label"] == f"failed case ({result.case.name})"
            reason = "RuntimeError: a bug met" if result.case.name == "ticket-00003" else "died"
            assert reason in diagnostic["message"]
        else:
            assert result.documents == documents


def test_jobs_is_a_number_or_auto() -> None:
    assert job_count("3") == 3
    assert job_count("auto") == len(os.sched_getaffinity(0))
    for bad in ("0", "-1", "many"):
        with pytest.raises(UsageError):
            job_count(bad)


def test_chunks_spread_every_workers_share_and_stay_small() -> None:
    assert run_module.chunk_size(9, 2) == 1
    assert run_module.chunk_size(2000, 2) == 16
    assert run_module.chunk_size(160, 2) == 10
