"""What every atheris target here shares: a per-input time limit (SIGALRM, because
libFuzzer's own ``-timeout`` is off while a SIGALRM handler is installed), seeding an empty
corpus folder, and sending findings to the target's regression folder unless the caller chose
where (``-artifact_prefix=``)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import atheris


class InputTimeout(Exception):
    """An input ran longer than its limit: a hang for libFuzzer to keep."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """One input's run, ended by InputTimeout after ``seconds``."""
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise InputTimeout("one input took longer than its time limit")


def _prepare(
    argv: list[str], seeds: Callable[[], dict[str, bytes]], regressions: Path
) -> list[str]:
    folders = [arg for arg in argv[1:] if not arg.startswith("-")]
    if folders:
        corpus = Path(folders[0])
        corpus.mkdir(parents=True, exist_ok=True)
        if not any(corpus.iterdir()):
            for name, data in seeds().items():
                (corpus / name).write_bytes(data)
    if not any(arg.startswith("-artifact_prefix=") for arg in argv):
        regressions.mkdir(parents=True, exist_ok=True)
        argv = [argv[0], f"-artifact_prefix={regressions}/", *argv[1:]]
    return argv


def run(
    argv: list[str],
    test_one_input: Callable[[bytes], None],
    seeds: Callable[[], dict[str, bytes]],
    regressions: Path,
) -> None:
    """Seed, set the time limit's handler, and fuzz ``test_one_input``."""
    argv = _prepare(argv, seeds, regressions)
    signal.signal(signal.SIGALRM, _alarm)
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
