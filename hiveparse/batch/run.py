"""Running the cases of a batch: in this process, in worker processes, or on a Dask cluster.

Whichever runs them, results come back in the order of the cases, each as soon as it and
every case before it are done, and no more than a few cases per worker are in flight: the
memory of a run does not grow with the number of cases. A case whose analysis fails (an
exception, a worker process that dies, a Dask task that kills its workers) becomes its own
document (:func:`~hiveparse.batch.case.failed_case`); the other cases are not touched.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

from hiveparse.errors import UsageError

from .case import CaseOptions, CaseResult, analyze_case, failed_case
from .cases import Case

AHEAD_PER_WORKER = 4  # tasks submitted beyond those running, per worker
MAX_CHUNK = 16  # cases in one task at most
TASKS_PER_WORKER = 8  # a worker's share of the cases is spread over at least this many
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
    cases: Sequence[Case],
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
            yield _guarded(case, options)
    else:
        yield from _in_processes(cases, options, jobs)


def _guarded(case: Case, options: CaseOptions) -> CaseResult:
    try:
        return analyze_case(case, options)
    except MemoryError:
        return failed_case(case, options, "it ran out of memory")
    except Exception as error:  # one case's failure is that case's alone
        return failed_case(case, options, _reason(error))


def analyze_cases(cases: list[Case], options: CaseOptions) -> list[CaseResult]:
    """Several cases in one task for a worker (fewer round trips); a case that fails is
    reported alone, as with :func:`analyze_case` one by one."""
    return [_guarded(case, options) for case in cases]


def chunk_size(cases: int, workers: int) -> int:
    """Cases per task: enough to spread every worker's share over several tasks (so that
    results stream and the slowest task is short), never more than MAX_CHUNK."""
    return max(1, min(MAX_CHUNK, cases // (workers * TASKS_PER_WORKER)))


def _in_order(
    cases: Sequence[Case],
    submit: Callable[[list[Case]], Any],
    collect: Callable[[list[Case], Any], list[CaseResult]],
    workers: int,
) -> Iterator[CaseResult]:
    """Submit chunks of cases ahead (a few per worker); collect each in turn (futures of
    either concurrent.futures or Dask)."""
    size = chunk_size(len(cases), workers)
    window = workers * (1 + AHEAD_PER_WORKER)
    pending: deque[tuple[list[Case], Any]] = deque()
    for start in range(0, len(cases), size):
        chunk = list(cases[start : start + size])
        pending.append((chunk, submit(chunk)))
        while len(pending) >= window:
            yield from collect(*pending.popleft())
    while pending:
        yield from collect(*pending.popleft())


# What a case's analysis imports: loaded once before the workers are forked, so that each
# worker starts with them (instead of importing them again at its first case).
_ANALYSIS_MODULES = (
    "hiveparse.rds.analyze",
    "hiveparse.rds.rulebook",
    "hiveparse.rds.grace_decrypt",
    "hiveparse.rds.conflicts",
    "hiveparse.evidence.hosts",
    "hiveparse.evidence.archive",
    "hiveparse.evidence.masterkey_files",
    "hiveparse.report.records",
)


def _preload() -> None:
    import gc  # noqa: PLC0415
    import importlib  # noqa: PLC0415

    for name in _ANALYSIS_MODULES:
        importlib.import_module(name)
    gc.freeze()  # what the workers inherit is not scanned (nor copied) by their collector


def _in_processes(cases: Sequence[Case], options: CaseOptions, jobs: int) -> Iterator[CaseResult]:
    import multiprocessing  # noqa: PLC0415

    _preload()

    # fork where there is one: a worker starts with the imports already done.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with _pipes_raise():
        yield from _through_pool(cases, options, jobs, context)


@contextlib.contextmanager
def _pipes_raise() -> Iterator[None]:
    """The pool talks to its workers through pipes, and its own threads expect a pipe whose
    reader is gone to raise (BrokenPipeError), as Python's default (SIGPIPE ignored) makes it
    do. The command line restores SIGPIPE's default so that `| head` ends it quietly; left
    so, a worker stopped at an interrupt killed the whole run, silently, before it could say
    what it had kept. SIGPIPE is ignored while the pool lives (a closed standard output then
    raises, which the command line ends quietly as well)."""
    try:
        previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    except (ValueError, AttributeError):  # not the main thread, or no SIGPIPE here
        yield
        return
    yield
    # Restored once the pool has closed whole; an interrupted run's pool threads may still
    # be closing their pipes, so it stays ignored on that way out.
    signal.signal(signal.SIGPIPE, previous)


def _through_pool(
    cases: Sequence[Case], options: CaseOptions, jobs: int, context: Any
) -> Iterator[CaseResult]:
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_signals)

    def submit(chunk: list[Case]) -> Future[list[CaseResult]]:
        nonlocal pool
        try:
            return pool.submit(analyze_cases, chunk, options)
        except BrokenProcessPool:
            pool.shutdown(wait=False, cancel_futures=True)
            pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_signals)
            return pool.submit(analyze_cases, chunk, options)

    def collect(chunk: list[Case], future: Future[list[CaseResult]]) -> list[CaseResult]:
        try:
            return future.result()
        except BrokenProcessPool:
            # A worker died (killed, out of memory, a crash in native code) and took every
            # case in flight with it: each of them runs again alone, so that only the case
            # that kills its worker is reported failed.
            return [_alone(case, options, context) for case in chunk]

    try:
        yield from _in_order(cases, submit, collect, jobs)
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM, the reader gone): the workers are told to stop now
        # (each removes its private copies and exits), not waited for case by case.
        _stop_workers(pool)
        raise
    # Done: the pool is closed here rather than left to the interpreter's exit (where its
    # threads race the closing of its pipes).
    pool.shutdown(wait=True)


STOP_SIGNAL = getattr(signal, "SIGUSR1", signal.SIGTERM)  # "stop now": the run, or its death
_STOP_WAIT = 10.0  # seconds a told worker has to go before it is killed


_ASK_AGAIN = 0.2  # seconds between two stop signals to a worker that is still there


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Every worker told to stop, and told again while it is there: one that was handing
    back a result when first told finishes that (see :func:`_stop_now`) and goes at the next
    telling. One still there after _STOP_WAIT seconds is killed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + _STOP_WAIT
    while time.monotonic() < deadline:
        alive = [process for process in processes if process.is_alive()]
        if not alive:
            return
        for process in alive:
            if process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, STOP_SIGNAL)
        for process in alive:
            process.join(_ASK_AGAIN / len(alive))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(1.0)


def _worker_signals() -> None:
    """A worker leaves interrupts to the run that started it. Ctrl-C and SIGTERM reach the
    whole process group; a worker killed while it writes a result would leave the run
    waiting for the rest of it forever. The run instead cancels what has not started, and
    the workers stop after the cases in hand."""
    global _RUN_PROCESS  # noqa: PLW0603 - this worker's own, set once as it starts
    _RUN_PROCESS = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(STOP_SIGNAL, _stop_now)
    _die_with_the_run()


_RUN_PROCESS: int | None = None  # in a worker: the process of the run that started it


def _stop_now(signum: int, frame: FrameType | None) -> None:
    """Told to stop (the run was interrupted, or it is gone): the private copies of evidence
    this worker holds are removed, and it exits at once; unless it is handing back a result
    to a run still there: a result cut in the middle would leave the run's reader waiting
    for the rest of it for ever (and the run with it, at its exit). It then finishes that,
    and the run's next telling finds it waiting for work."""
    if os.getppid() == _RUN_PROCESS and _handing_back(frame):
        return
    from hiveparse.rds.analyze import remove_workspaces  # noqa: PLC0415

    try:
        remove_workspaces()
    finally:
        os._exit(1)


def _handing_back(frame: FrameType | None) -> bool:
    """Whether ``frame`` is within the writing of a result to the pool's result queue."""
    from multiprocessing.queues import SimpleQueue  # noqa: PLC0415

    while frame is not None:
        if frame.f_code is SimpleQueue.put.__code__:
            return True
        frame = frame.f_back
    return False


def _die_with_the_run() -> None:
    """A worker whose run ended without closing the pool (killed, or ended by a closed pipe
    as a filter is) would wait for ever to hand back a result nobody reads: Linux's
    PR_SET_PDEATHSIG sends it the stop signal when the run's process goes (prctl(2)), and
    it removes its copies and exits. Elsewhere the pool's own closing is all there is."""
    import ctypes  # noqa: PLC0415
    import ctypes.util  # noqa: PLC0415

    name = ctypes.util.find_library("c")
    if name is None or os.uname().sysname != "Linux":
        return
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(STOP_SIGNAL), 0, 0, 0)
    except (OSError, AttributeError):
        return  # no prctl here: the pool's own closing is all there is


def _alone(case: Case, options: CaseOptions, context: Any) -> CaseResult:
    with ProcessPoolExecutor(1, mp_context=context, initializer=_worker_signals) as single:
        try:
            return single.submit(_guarded, case, options).result()
        except BrokenProcessPool:
            return failed_case(
                case, options, "the worker process analysing it died (killed or crashed)"
            )


def _reachable(scheduler: str) -> None:
    """UsageError, at once, for an address that is not one or where nothing listens (a
    Dask client made for it would wait, then fail again when it is collected)."""
    import socket  # noqa: PLC0415

    from distributed.comm.addressing import parse_address, parse_host_port  # noqa: PLC0415

    try:
        protocol, location = parse_address(scheduler)
        if protocol not in ("tcp", "tls"):
            return  # other transports are Dask's to check
        host, port = parse_host_port(location)
        with socket.create_connection((host, port), timeout=DASK_CONNECT_SECONDS):
            pass
    except (ValueError, OSError) as error:
        raise UsageError(f"--dask-scheduler {scheduler!r}: {_reason(error)}") from error


def _absolute(case: Case) -> Case:
    """A case as a worker of another machine (or another working folder) must name it."""
    argument = None if case.argument is None else _absolute_path(case.argument)
    return Case(tuple(map(_absolute_path, case.paths)), argument, case.name)


def _absolute_path(path: str) -> str:
    return str(Path(path).absolute())  # links are kept as named


def _on_dask(cases: Sequence[Case], options: CaseOptions, scheduler: str) -> Iterator[CaseResult]:
    try:
        from distributed import Client  # noqa: PLC0415
    except ImportError as error:
        raise UsageError(
            "--dask-scheduler needs Dask's distributed scheduler: install hiveparse[dask]"
        ) from error
    _reachable(scheduler)
    try:
        client = Client(scheduler, timeout=DASK_CONNECT_SECONDS, set_as_default=False)  # type: ignore[no-untyped-call]
    except Exception as error:  # a scheduler that does not answer as one
        raise UsageError(f"--dask-scheduler {scheduler!r}: {_reason(error)}") from error
    # Workers run in their own working folder, perhaps on another machine: every path they
    # are given is absolute (reports then name the evidence by absolute paths).
    cases = [_absolute(case) for case in cases]
    options = replace(
        options,
        security=tuple(map(_absolute_path, options.security)),
        masterkeys=tuple(map(_absolute_path, options.masterkeys)),
    )
    with client:
        try:
            client.wait_for_workers(1, timeout=DASK_CONNECT_SECONDS)
        except TimeoutError as error:
            raise UsageError(
                f"--dask-scheduler {scheduler!r}: no worker joined the scheduler within "
                f"{DASK_CONNECT_SECONDS} s"
            ) from error
        threads = max(1, sum(client.nthreads().values()))  # type: ignore[no-untyped-call]

        def submit(chunk: list[Case]) -> Any:
            return client.submit(analyze_cases, chunk, options, pure=False)

        def collect(chunk: list[Case], future: Any) -> list[CaseResult]:
            try:
                results: list[CaseResult] = future.result()
            except Exception:  # the task failed (a worker lost): its cases run alone
                return [_alone_on_dask(client, case, options) for case in chunk]
            return results

        yield from _in_order(cases, submit, collect, threads)


def _alone_on_dask(client: Any, case: Case, options: CaseOptions) -> CaseResult:
    """A case of a task that failed (a worker lost, say), run again as a task of its own:
    only the case that fails again is reported failed."""
    try:
        result: CaseResult = client.submit(_guarded, case, options, pure=False).result()
    except Exception as error:  # one case's failure is that case's alone
        return failed_case(case, options, _reason(error))
    return result
