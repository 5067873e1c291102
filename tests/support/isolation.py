"""Run work on untrusted evidence in a spawned, resource-limited child process.

reliability.md §4.2 ("Isolation runner"): no backend is trusted with hostile input, so the
work runs in a fresh interpreter (spawned, never forked from a process that holds evidence
handles) that sets its own limits before it imports anything of the work:

* ``RLIMIT_AS`` (address space), ``RLIMIT_CPU``, ``RLIMIT_NOFILE``, ``RLIMIT_CORE=0`` and
  ``RLIMIT_FSIZE=0`` with SIGXFSZ ignored, so that any attempt to write a file fails (R9);
* its own session, so that the wall-clock kill takes the whole process group;
* the result comes back as JSON over a private pipe, and the parent reads the child's
  peak RSS and CPU time from ``wait4``.

:func:`safe_call` never raises for what happens in the child. Its :class:`Outcome` carries
the result or a :mod:`hiveparse.errors` instance: a hiveparse error is rebuilt as itself,
``MemoryError`` becomes :class:`~hiveparse.errors.ResourceLimit`, a wall or CPU kill
:class:`~hiveparse.errors.Timeout`, a fatal signal and any foreign exception
:class:`~hiveparse.errors.CorruptStructure` (``Outcome.crashed`` / ``Outcome.foreign`` tell
which, and ``Outcome.error_type`` names what the child actually raised).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import json
import math
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hiveparse import errors
from hiveparse.errors import (
    CorruptStructure,
    HiveparseError,
    ResourceLimit,
    Timeout,
    UsageError,
)

__all__ = ["MIB", "Limits", "Outcome", "safe_call"]

MIB = 1024 * 1024
_STDERR_KEEP = 64 * 1024  # bytes of the child's stderr kept for the report
_RESULT_MAX = 256 * MIB  # a result larger than this is not read (the child is killed)
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True, slots=True)
class Limits:
    """Budgets for one child. ``None`` leaves a limit as inherited."""

    wall_seconds: float = 30.0
    cpu_seconds: int | None = None  # default: the wall budget rounded up, plus one second
    address_space: int | None = 1536 * MIB  # RLIMIT_AS
    file_size: int = 0  # RLIMIT_FSIZE; 0 also refuses every Python-level write (audit hook)
    open_files: int | None = 256  # RLIMIT_NOFILE

    def effective_cpu_seconds(self) -> int:
        if self.cpu_seconds is not None:
            return self.cpu_seconds
        return math.ceil(self.wall_seconds) + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "cpu_seconds": self.effective_cpu_seconds(),
            "address_space": self.address_space,
            "file_size": self.file_size,
            "open_files": self.open_files,
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one isolated call."""

    value: Any  # the function's JSON-decoded return value (None on error)
    error: HiveparseError | None
    error_type: str | None  # qualified name of what the child raised ("struct.error", ...)
    foreign: bool  # the child raised something that is not a hiveparse error
    crashed: bool  # the child died from a signal it did not ask for
    timed_out: bool  # the wall-clock or CPU budget ran out
    wall_seconds: float
    cpu_seconds: float
    peak_rss_bytes: int  # the child's VmHWM; without a result, wait4's (over-)estimate
    rusage_peak_rss_bytes: int  # wait4's ru_maxrss: includes the parent's RSS at spawn time
    exit_code: int | None  # the child's exit status, or None when a signal ended it
    signal_number: int | None
    stderr: str  # the tail of the child's stderr (tracebacks, faulthandler dumps)
    traceback: str | None = None  # the child's traceback for exceptions

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> Any:
        """The value, or the error raised here."""
        if self.error is not None:
            raise self.error
        return self.value


def safe_call(
    fn_qualified_name: str,
    *args: Any,
    limits: Limits | None = None,
    source: str | None = None,
) -> Outcome:
    """Call ``fn_qualified_name(*args)`` in a spawned, limited child and report the outcome.

    ``fn_qualified_name`` is ``"package.module:function"`` (or ``"package.module.function"``);
    arguments and the return value travel as JSON. ``source`` labels errors made up here
    (timeouts, crashes) with the evidence they concern.
    """
    limits = limits or Limits()
    request = json.dumps(
        {
            "fn": fn_qualified_name,
            "args": list(args),
            "limits": limits.to_json(),
            "sys_path": [p for p in sys.path if isinstance(p, str)],
        }
    ).encode()
    result_read, result_write = os.pipe()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [_PACKAGE_ROOT, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    )
    env.setdefault("PYTHONFAULTHANDLER", "1")
    started = time.monotonic()
    try:
        child = subprocess.Popen(
            [sys.executable, "-B", "-m", "tests.support.isolation", str(result_write)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(result_write,),
            start_new_session=True,
            env=env,
        )
    except OSError as error:
        os.close(result_read)
        os.close(result_write)
        raise UsageError(f"cannot start an isolated child: {error}") from error
    os.close(result_write)
    assert child.stdin is not None and child.stderr is not None
    try:
        result, stderr, timed_out = _exchange(
            child, request, result_read, started + limits.wall_seconds
        )
    finally:
        os.close(result_read)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stdin.close()
    child.stderr.close()
    wall = time.monotonic() - started
    return _outcome(
        result=result,
        stderr=stderr.decode("utf-8", "replace"),
        status=status,
        timed_out=timed_out,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_rss=usage.ru_maxrss * 1024,  # Linux reports KiB
        limits=limits,
        source=source,
    )


def _exchange(
    child: subprocess.Popen[bytes], request: bytes, result_fd: int, deadline: float
) -> tuple[bytes, bytes, bool]:
    """Feed the request, collect result and stderr until both close or the deadline."""
    assert child.stdin is not None and child.stderr is not None
    stdin_fd = child.stdin.fileno()
    stderr_fd = child.stderr.fileno()
    os.set_blocking(stdin_fd, False)
    pending = memoryview(request)
    result = bytearray()
    stderr = bytearray()
    readers = {result_fd, stderr_fd}
    writers = {stdin_fd}
    timed_out = False
    while readers:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready_r, ready_w, _ = select.select(list(readers), list(writers), [], remaining)
        if stdin_fd in ready_w:
            try:
                written = os.write(stdin_fd, pending)
            except BrokenPipeError:
                written = len(pending)
            pending = pending[written:]
            if not pending:
                writers.clear()
                child.stdin.close()
        for fd in ready_r:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                readers.discard(fd)
            elif fd == result_fd:
                result += chunk
                if len(result) > _RESULT_MAX:  # not a result we will parse: stop the child
                    readers.clear()
                    break
            else:
                stderr += chunk
                del stderr[:-_STDERR_KEEP]
    if readers or len(result) > _RESULT_MAX:
        _kill_group(child.pid)
    if writers:
        child.stdin.close()
    return bytes(result), bytes(stderr), timed_out


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(pid, signal.SIGKILL)


def _outcome(
    *,
    result: bytes,
    stderr: str,
    status: int,
    timed_out: bool,
    wall: float,
    cpu: float,
    peak_rss: int,
    limits: Limits,
    source: str | None,
) -> Outcome:
    signal_number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    common: dict[str, Any] = {
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "peak_rss_bytes": peak_rss,
        "rusage_peak_rss_bytes": peak_rss,
        "exit_code": exit_code,
        "signal_number": signal_number,
        "stderr": stderr,
    }

    def failed(
        error: HiveparseError,
        *,
        error_type: str | None = None,
        foreign: bool = False,
        crashed: bool = False,
        timeout: bool = False,
        trace: str | None = None,
    ) -> Outcome:
        return Outcome(
            value=None,
            error=error,
            error_type=error_type,
            foreign=foreign,
            crashed=crashed,
            timed_out=timeout,
            traceback=trace,
            **common,
        )

    if timed_out:
        return failed(
            Timeout(f"did not finish within {limits.wall_seconds:g} s (killed)", source=source),
            timeout=True,
        )
    cpu_limit = limits.effective_cpu_seconds()
    if signal_number in (signal.SIGXCPU, signal.SIGKILL) and cpu >= cpu_limit - 0.5:
        return failed(
            Timeout(f"used more than {cpu_limit} s of CPU time (killed)", source=source),
            timeout=True,
        )
    payload = _decode_payload(result)
    if payload is None:
        if signal_number is not None:
            name = signal.Signals(signal_number).name
            return failed(
                CorruptStructure(f"the reader crashed with {name}", source=source),
                error_type=name,
                crashed=True,
            )
        return failed(
            CorruptStructure(
                f"the isolated child exited with status {exit_code} and no result", source=source
            ),
            crashed=True,
        )
    reported = payload.get("peak_rss_bytes")
    if isinstance(reported, int) and reported > 0:
        common["peak_rss_bytes"] = reported  # the child's own figure, without the parent's
    return _from_payload(payload, failed, common, limits, source)


def _decode_payload(result: bytes) -> dict[str, Any] | None:
    if not result:
        return None
    try:
        payload = json.loads(result)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _from_payload(
    payload: dict[str, Any],
    failed: Callable[..., Outcome],
    common: dict[str, Any],
    limits: Limits,
    source: str | None,
) -> Outcome:
    status = payload.get("status")
    if status == "ok":
        return Outcome(
            value=payload.get("value"),
            error=None,
            error_type=None,
            foreign=False,
            crashed=False,
            timed_out=False,
            **common,
        )
    kind = payload.get("kind")
    type_name = str(payload.get("type", "?"))
    message = str(payload.get("message", ""))
    trace = payload.get("traceback")
    if kind == "hiveparse":
        return failed(_rebuild_hiveparse_error(payload), error_type=type_name, trace=trace)
    if kind == "memory":
        budget = f"{limits.address_space // MIB} MiB" if limits.address_space else "memory"
        return failed(
            ResourceLimit(
                f"ran out of memory within the {budget} address-space limit", source=source
            ),
            error_type=type_name,
            trace=trace,
        )
    if kind == "usage":
        return failed(UsageError(message), error_type=type_name, trace=trace)
    if kind == "write":
        text = "attempted to write a file, which the isolated reader must never do"
        return failed(
            CorruptStructure(f"{text} ({message})", source=source),
            error_type=type_name,
            foreign=True,
            trace=trace,
        )
    return failed(
        CorruptStructure(f"unexpected {type_name}: {message}", source=source),
        error_type=type_name,
        foreign=True,
        trace=trace,
    )


def _rebuild_hiveparse_error(payload: dict[str, Any]) -> HiveparseError:
    cls_name = str(payload.get("base", "HiveparseError"))
    cls = getattr(errors, cls_name, HiveparseError)
    if not (isinstance(cls, type) and issubclass(cls, HiveparseError)):
        cls = HiveparseError
    location = payload.get("location") or {}
    return cls(
        str(payload.get("message", "")),
        source=location.get("source"),
        offset=location.get("offset"),
        line=location.get("line"),
        column=location.get("column"),
        engine=payload.get("engine"),
    )


# --- the child ---------------------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_MUTATING_EVENTS = frozenset(
    {
        "os.remove",
        "os.rename",
        "os.rmdir",
        "os.truncate",
        "os.chmod",
        "os.chown",
        "os.utime",
        "os.link",
        "os.symlink",
        "os.mkdir",
        "shutil.rmtree",
        "shutil.move",
    }
)


class _WriteForbidden(PermissionError):
    """Raised by the child's audit hook: the isolated work tried to change a file."""


def _forbid_writes(event: str, args: tuple[Any, ...]) -> None:
    """Audit hook (PEP 578). RLIMIT_FSIZE=0 stops data from being written but not O_TRUNC,
    unlink or rename, and as root file modes protect nothing, so Python-level attempts to
    open for writing or to change a file are refused before they happen."""
    if event == "open":
        path, mode, flags = (*args, None, None, None)[:3]
        if path is None:
            return
        if isinstance(mode, str) and any(c in mode for c in "wax+"):
            raise _WriteForbidden(errno.EPERM, "isolated work may not open files for writing", path)
        if isinstance(flags, int) and flags & _WRITE_FLAGS:
            raise _WriteForbidden(errno.EPERM, "isolated work may not open files for writing", path)
    elif event in _MUTATING_EVENTS:
        raise _WriteForbidden(errno.EPERM, f"isolated work may not change files ({event})")
    elif event == "mmap.__new__":
        fileno, _length, access = (*args, None, None, None)[:3]
        if isinstance(fileno, int) and fileno >= 0 and access not in (1, None):  # ACCESS_READ
            raise _WriteForbidden(errno.EPERM, "isolated work may map files read-only only")


def _apply_limits(limits: dict[str, Any]) -> None:
    import resource  # noqa: PLC0415 - POSIX only, and only in the child

    def cap(which: int, soft: int, hard: int | None = None) -> None:
        resource.setrlimit(which, (soft, soft if hard is None else hard))

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with EFBIG
    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_FSIZE, int(limits["file_size"]))
    if int(limits["file_size"]) == 0:
        sys.addaudithook(_forbid_writes)
    cpu = int(limits["cpu_seconds"])
    cap(resource.RLIMIT_CPU, cpu, cpu + 1)
    if limits.get("open_files") is not None:
        cap(resource.RLIMIT_NOFILE, int(limits["open_files"]))
    if limits.get("address_space") is not None:
        cap(resource.RLIMIT_AS, int(limits["address_space"]))


def _resolve(name: str) -> Callable[..., Any]:
    module_name, sep, attribute = name.partition(":")
    if not sep:
        module_name, _, attribute = name.rpartition(".")
    if not module_name or not attribute:
        raise UsageError(f"not a qualified function name: {name!r}")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise UsageError(f"{name!r} is not callable")
    return target  # type: ignore[no-any-return]


def _qualified(exc: BaseException) -> str:
    cls = type(exc)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def _error_payload(exc: BaseException) -> dict[str, Any]:
    trace = "".join(traceback.format_exception(exc))[-_STDERR_KEEP:]
    payload: dict[str, Any] = {
        "status": "error",
        "type": _qualified(exc),
        "message": str(exc)[:4096],
        "traceback": trace,
    }
    if isinstance(exc, HiveparseError):
        base = next(cls.__name__ for cls in type(exc).__mro__ if cls.__module__ == errors.__name__)
        loc = exc.location
        payload.update(
            kind="hiveparse",
            base=base,
            message=exc.message,
            engine=exc.engine,
            location={
                "source": loc.source,
                "offset": loc.offset,
                "line": loc.line,
                "column": loc.column,
            },
        )
    elif isinstance(exc, MemoryError):
        payload["kind"] = "memory"
    elif isinstance(exc, _WriteForbidden) or (
        isinstance(exc, OSError) and exc.errno == errno.EFBIG
    ):
        payload["kind"] = "write"
    else:
        payload["kind"] = "foreign"
    return payload


def _own_peak_rss() -> int | None:
    """This process's peak RSS since exec (Linux VmHWM). ``ru_maxrss`` cannot say it: the
    kernel carries the parent's high-water mark over into a spawned child at exec."""
    try:
        with open("/proc/self/status", "rb") as status:  # noqa: PTH123 - before any hook matters
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _child_main(argv: list[str]) -> int:
    result_fd = int(argv[1])
    request = json.loads(sys.stdin.buffer.read())
    _apply_limits(request["limits"])
    for entry in reversed(request.get("sys_path", [])):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    payload: dict[str, Any]
    try:
        function = _resolve(request["fn"])
    except Exception as exc:  # reported to the parent as a usage error
        payload = _error_payload(exc)
        payload["kind"] = "usage"
        payload["message"] = f"cannot import {request['fn']!r}: {payload['message']}"
    else:
        try:
            payload = {"status": "ok", "value": function(*request["args"])}
        except BaseException as exc:  # every failure is reported, none escapes
            payload = _error_payload(exc)
    payload["peak_rss_bytes"] = _own_peak_rss()
    try:
        data = json.dumps(payload).encode()
    except (TypeError, ValueError) as exc:
        data = json.dumps(
            {
                "status": "error",
                "kind": "usage",
                "type": _qualified(exc),
                "message": f"the result is not JSON serialisable: {exc}",
            }
        ).encode()
    view = memoryview(data)
    while view:
        view = view[os.write(result_fd, view) :]
    os.close(result_fd)
    return 0


if __name__ == "__main__":
    code = _child_main(sys.argv)
    sys.stderr.flush()
    os._exit(code)  # no interpreter teardown: nothing of the work runs after the result
