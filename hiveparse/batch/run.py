"""Running the cases of a batch: in this process, in worker processes, or on a Dask cluster.

Whichever runs them, results come back in the order of the cases, each as soon as it and
every case before it are done, and no more than a few cases per worker are in flight: the
memory of a run does not grow with the number of cases. A case whose analysis fails (an
exception, a worker process that dies, a Dask task that kills its workers) becomes its own
document (:func:`~hiveparse.batch.case.failed_case`); the other cases are not touched.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from hiveparse.errors import UsageError

from .case import CaseOptions, CaseResult, analyze_case, failed_case
from .cases import Case

AHEAD_PER_WORKER = 4  # cases submitted beyond those running, per worker
DASK_CONNECT_SECONDS = 20  # how long a scheduler that does not answer is waited for


def job_count(text: str) -> int:
    """``--jobs``: a positive number, or ``auto`` for the CPUs this process may use."""
    if text == "auto":
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise UsageError(f"--jobs {text!r}: give a number of processes (1 or more) or 'auto'")
    return count


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def run_cases(
    cases: Iterable[Case],
    options: CaseOptions,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
) -> Iterator[CaseResult]:
    """The results of ``cases``, in order. ``jobs`` > 1 runs them in that many worker
    processes; ``scheduler`` (a Dask scheduler address) runs them on that cluster."""
    if scheduler is not None:
        yield from _on_dask(cases, options, scheduler)
    elif jobs <= 1:
        for case in cases:
            try:
                result = analyze_case(case, options)
            except MemoryError:
                result = failed_case(case, options, "it ran out of memory")
            except Exception as error:  # one case's failure is that case's alone
                result = failed_case(case, options, _reason(error))
            yield result
    else:
        yield from _in_processes(cases, options, jobs)


def _in_order(
    cases: Iterable[Case],
    submit: Callable[[Case], Any],
    collect: Callable[[Case, Any], CaseResult],
    window: int,
) -> Iterator[CaseResult]:
    """Submit ahead up to ``window`` cases; collect each in turn (futures of either
    concurrent.futures or Dask)."""
    pending: deque[tuple[Case, Any]] = deque()
    for case in cases:
        pending.append((case, submit(case)))
        while len(pending) >= window:
            yield collect(*pending.popleft())
    while pending:
        yield collect(*pending.popleft())


def _in_processes(cases: Iterable[Case], options: CaseOptions, jobs: int) -> Iterator[CaseResult]:
    import multiprocessing  # noqa: PLC0415

    # fork where there is one: a worker starts with the imports already done.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(jobs, mp_context=context)

    def submit(case: Case) -> Future[CaseResult]:
        nonlocal pool
        try:
            return pool.submit(analyze_case, case, options)
        except BrokenProcessPool:
            pool.shutdown(wait=False, cancel_futures=True)
            pool = ProcessPoolExecutor(jobs, mp_context=context)
            return pool.submit(analyze_case, case, options)

    def collect(case: Case, future: Future[CaseResult]) -> CaseResult:
        try:
            return future.result()
        except BrokenProcessPool:
            # A worker died (killed, out of memory, a crash in native code) and took every
            # case in flight with it: each of them runs again alone, so that only the case
            # that kills its worker is reported failed.
            return _alone(case, options, context)
        except Exception as error:  # one case's failure is that case's alone
            return failed_case(case, options, _reason(error))

    try:
        yield from _in_order(cases, submit, collect, jobs * (1 + AHEAD_PER_WORKER))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _alone(case: Case, options: CaseOptions, context: Any) -> CaseResult:
    with ProcessPoolExecutor(1, mp_context=context) as single:
        try:
            return single.submit(analyze_case, case, options).result()
        except BrokenProcessPool:
            return failed_case(
                case, options, "the worker process analysing it died (killed or crashed)"
            )
        except Exception as error:  # one case's failure is that case's alone
            return failed_case(case, options, _reason(error))


def _on_dask(cases: Iterable[Case], options: CaseOptions, scheduler: str) -> Iterator[CaseResult]:
    try:
        from distributed import Client  # noqa: PLC0415
    except ImportError as error:
        raise UsageError(
            "--dask-scheduler needs Dask's distributed scheduler: install hiveparse[dask]"
        ) from error
    try:
        client = Client(scheduler, timeout=DASK_CONNECT_SECONDS, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as error:
        raise UsageError(f"--dask-scheduler {scheduler!r}: {_reason(error)}") from error
    with client:
        threads = max(1, sum(client.nthreads().values()))  # type: ignore[no-untyped-call]

        def submit(case: Case) -> Any:
            return client.submit(analyze_case, case, options, pure=False)

        def collect(case: Case, future: Any) -> CaseResult:
            try:
                result: CaseResult = future.result()
            except Exception as error:  # one case's failure is that case's alone
                return failed_case(case, options, _reason(error))
            return result

        yield from _in_order(cases, submit, collect, threads * (1 + AHEAD_PER_WORKER))
