"""Replay every crasher the fuzzer saved (tests/regressions/regf/, fuzz/fuzz_hive.py).

Each input goes through the same isolated "open + walk" as the adversarial variants and must
end in a result or one of R1's typed errors, within 5 s and 512 MiB, with nothing foreign.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.isolation import MIB, Limits, safe_call

REGRESSIONS = Path(__file__).resolve().parent.parent / "regressions" / "regf"
_INPUTS = sorted(
    p
    for p in (REGRESSIONS.iterdir() if REGRESSIONS.is_dir() else ())
    if p.is_file() and not p.name.startswith(".") and p.suffix not in (".md", ".txt")
)

if not _INPUTS:
    pytest.skip("no fuzzer regressions saved in tests/regressions/regf", allow_module_level=True)

from tests.adversarial.test_hive_variants import (  # noqa: E402 - after the skip on purpose
    PEAK_RSS,
    TYPED_ERRORS,
    WALK,
    _describe,
)


@pytest.mark.parametrize("path", _INPUTS, ids=[p.name for p in _INPUTS])
def test_regression_input(path: Path) -> None:
    outcome = safe_call(WALK, str(path), limits=Limits(wall_seconds=5), source=str(path))
    assert not outcome.crashed and not outcome.timed_out and not outcome.foreign, _describe(outcome)
    assert outcome.ok or isinstance(outcome.error, TYPED_ERRORS), _describe(outcome)
    assert outcome.peak_rss_bytes <= PEAK_RSS, f"{outcome.peak_rss_bytes / MIB:.0f} MiB"
