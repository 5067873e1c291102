"""R1-R5 on hostile input: every generated variant through the project's REGF reader.

Each variant (tests/adversarial/generate.py) is opened and walked in a spawned, rlimited
child (tests.support.isolation). It must end in

* OK: the same digest as its base,
* FLAG: a new diagnostic on the hive, a key or a value, or
* a typed :class:`~hiveparse.errors.EvidenceError`,

within 5 s wall (20 s above 4 MiB) and 512 MiB peak RSS, with no foreign exception, crash or
hang (R1, R2). A structural family whose output changed must carry a diagnostic (R3); a
cycle must be reported with a diagnostic code containing "cycle" (R4). The corpus is checked
unchanged by tests/adversarial/conftest.py (R9).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hiveparse.errors import (
    CorruptStructure,
    EvidenceError,
    NotRegf,
    ResourceLimit,
    Timeout,
    Truncated,
    Unsupported,
)
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf.writer import write_hive, write_hive_with_layout
from tests.adversarial.generate import (
    BASE_NAMES,
    FAMILY,
    MUST_FLAG,
    MUTATION_NAMES,
    NOT_REGF_BASE,
    NOT_REGF_NAMES,
    STRUCTURAL_FAMILIES,
    VariantFile,
    mutate_base,
    write_variants,
)
from tests.adversarial.locate import locate, targets_from_layout
from tests.support.isolation import MIB, Limits, Outcome, safe_call

WALK = "tests.adversarial.walk:walk_hive"
WORK = "tests.adversarial.walk:walk_work"
JOBS = 2
SMALL_BASE = 4 * MIB
WALL_SMALL, WALL_LARGE = 5.0, 20.0
PEAK_RSS = 512 * MIB
# R1: what a public entry point may raise on bad evidence (the base class alone is too vague).
TYPED_ERRORS = (NotRegf, Truncated, CorruptStructure, Unsupported, ResourceLimit, Timeout)


def wall_budget(size: int) -> float:
    return WALL_SMALL if size <= SMALL_BASE else WALL_LARGE


@dataclass
class Run:
    variant: VariantFile
    outcome: Outcome


@dataclass
class Suite:
    runs: dict[str, Run]
    bases: dict[str, Outcome]
    seconds: float


def _optional_corpus(request: pytest.FixtureRequest) -> Path | None:
    try:
        corpus: Path = request.getfixturevalue("corpus")
    except pytest.skip.Exception:
        return None
    return corpus


def _run(path: Path, size: int) -> Outcome:
    return safe_call(
        WALK, str(path), limits=Limits(wall_seconds=wall_budget(size)), source=str(path)
    )


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Suite:
    started = time.monotonic()
    out_dir = tmp_path_factory.mktemp("variants")
    files, base_paths = write_variants(out_dir, _optional_corpus(request))
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        base_futures = {
            name: pool.submit(_run, path, path.stat().st_size) for name, path in base_paths.items()
        }
        futures = {f.ident: (f, pool.submit(_run, f.path, f.size)) for f in files}
        bases = {name: future.result() for name, future in base_futures.items()}
        runs = {ident: Run(f, future.result()) for ident, (f, future) in futures.items()}
    return Suite(runs, bases, time.monotonic() - started)


def _new_diagnostics(result: dict[str, Any], base: dict[str, Any] | None) -> list[str]:
    codes: dict[str, int] = result["codes"]
    if base is None:
        return sorted(codes)
    base_codes: dict[str, int] = base["codes"]
    return sorted(c for c, n in codes.items() if n > base_codes.get(c, 0))


def _describe(outcome: Outcome) -> str:
    error = outcome.error
    text = f"{type(error).__name__}: {error}" if error else "ok"
    if outcome.error_type:
        text += f" [raised {outcome.error_type}]"
    if outcome.traceback and outcome.foreign:
        text += "\n" + outcome.traceback[-1500:]
    elif outcome.crashed and outcome.stderr:
        text += "\n" + outcome.stderr[-1500:]
    return text


def check_outcome(run: Run, base: Outcome | None) -> list[str]:
    """Every way the run breaks R1-R4, as messages (empty: it passed)."""
    v, o = run.variant, run.outcome
    problems = []
    budget = wall_budget(v.size)
    if o.crashed:
        problems.append(f"CRASH: {_describe(o)}")
    if o.timed_out:
        problems.append(f"HANG: no result within {budget:g} s")
    if o.foreign:
        problems.append(f"ODD: a foreign exception escaped: {_describe(o)}")
    elif o.error is not None and not isinstance(o.error, TYPED_ERRORS):
        problems.append(f"not one of R1's typed errors: {_describe(o)}")
    if o.wall_seconds > budget:
        problems.append(f"SLOW: {o.wall_seconds:.2f} s > {budget:g} s")
    if o.peak_rss_bytes > PEAK_RSS:
        problems.append(f"MEM: peak RSS {o.peak_rss_bytes / MIB:.0f} MiB > 512 MiB")
    base_result = base.value if base is not None and base.ok else None
    if o.ok:
        result = o.value
        changed = base_result is None or result["digest"] != base_result["digest"]
        flagged = bool(_new_diagnostics(result, base_result))
        summary = f"keys {result['keys']} values {result['values']} codes {result['codes']}"
        if base_result is not None:
            summary += f" (base: keys {base_result['keys']} values {base_result['values']})"
        if v.family in STRUCTURAL_FAMILIES and changed and not flagged:
            problems.append(f"SILENT: output changed without a new diagnostic; {summary}")
        if v.name in MUST_FLAG and not flagged:
            problems.append(f"SILENT: the defect is not reported; {summary}")
        if v.name.startswith("cycle_") and not any("cycle" in c for c in result["codes"]):
            problems.append(f"no diagnostic code containing 'cycle'; {summary}")
        if v.family == "not_regf" and not flagged and (v.name != "sparse_3g" or changed):
            problems.append(f"a non-hive read as a clean hive; {summary}")
    elif v.name.startswith("cycle_") and isinstance(o.error, EvidenceError):
        problems.append(f"a cycle must be walked and reported, not refused: {_describe(o)}")
    return problems


_CASES = [(base, name) for base in BASE_NAMES for name in MUTATION_NAMES] + [
    (NOT_REGF_BASE, name) for name in NOT_REGF_NAMES
]


@pytest.mark.parametrize(("base", "name"), _CASES, ids=[f"{b}/{n}" for b, n in _CASES])
def test_variant(suite: Suite, base: str, name: str) -> None:
    run = suite.runs.get(f"{base}/{name}")
    if run is None:
        if base not in suite.bases and base != NOT_REGF_BASE:
            pytest.skip(f"base {base} is not available (shared corpus absent)")
        pytest.skip(f"{name}: {base} has no structure this mutation targets")
    base_outcome = suite.bases.get(base)
    problems = check_outcome(run, base_outcome)
    assert not problems, f"{base}/{name} ({FAMILY.get(name, 'not_regf')}): " + "; ".join(problems)


@pytest.mark.parametrize("base", BASE_NAMES)
def test_base_reads_cleanly(suite: Suite, base: str) -> None:
    outcome = suite.bases.get(base)
    if outcome is None:
        pytest.skip(f"base {base} is not available (shared corpus absent)")
    assert outcome.ok, _describe(outcome)
    if base.startswith("syn_"):
        # The writer's hives are clean: a diagnostic on them is a false alarm (STYLE point 7).
        assert outcome.value["diagnostics"] == 0, outcome.value["samples"]


def test_suite_stays_within_its_budget(suite: Suite) -> None:
    assert len(suite.runs) >= 3 * 45, "at least three bases' worth of variants"
    assert suite.seconds < 240, f"the variant run took {suite.seconds:.0f} s"


# --- R4: cycles stay cheap on a real-size hive -------------------------------------------


@pytest.mark.slow
@pytest.mark.corpus
def test_cycle_deep_to_root_on_a_3_mib_hive(corpus: Path, tmp_path: Path) -> None:
    image = (corpus / "hives" / "regipy" / "UsrClass.dat").read_bytes()
    variants = {v.name: v for v in mutate_base("usrclass", image, locate(image))}
    (tmp_path / "base.hive").write_bytes(image)
    base = _walk_work(tmp_path / "base.hive")
    for name in ("cycle_deep_to_root", "cycle_to_root", "cycle_mutual_parents_consistent"):
        path = tmp_path / f"{name}.hive"
        path.write_bytes(variants[name].data)
        outcome = safe_call(WALK, str(path), limits=Limits(wall_seconds=60))
        assert outcome.ok, _describe(outcome)
        assert any("cycle" in code for code in outcome.value["codes"]), outcome.value
        # A cycle cut where it closes costs no more than the hive without it.
        work = _walk_work(path)
        for measure in ("calls", "sliced_bytes"):
            assert work[measure] <= 1.05 * base[measure], (name, measure, base, work)


# --- R5: linear cost -------------------------------------------------------------------------


PER_VALUE_CALLS = 50  # a value's record, list slot and decoding: 26 calls measured


def _walk_work(path: Path) -> dict[str, int]:
    """Calls made and cell bytes copied by open + walk (tests/adversarial/walk.py:walk_work):
    exact counts, so a cost ratio holds on any machine, however loaded."""
    outcome = safe_call(WORK, str(path), limits=Limits(wall_seconds=120))
    assert outcome.ok, _describe(outcome)
    work: dict[str, int] = outcome.value
    return work


@pytest.mark.slow
@pytest.mark.corpus
def test_system_hive_walk_is_lean(corpus: Path) -> None:
    """Memory, not speed (speed is benchmarks/' job): the walk holds at most twice the hive.
    The wall limit only stops a hang."""
    path = corpus / "hives" / "regipy" / "SYSTEM"
    outcome = safe_call(WALK, str(path), limits=Limits(wall_seconds=120))
    assert outcome.ok, _describe(outcome)
    assert outcome.value["keys"] > 30_000
    limit = 2 * path.stat().st_size + 64 * MIB
    assert outcome.peak_rss_bytes <= limit, f"peak RSS {outcome.peak_rss_bytes / MIB:.0f} MiB"


def _wide_hive(keys: int) -> bytes:
    hive = MemoryHive(root_name="WIDE")
    for i in range(keys):
        key = hive.root().ensure(f"G{i // 500:03d}\\K{i:06d}")
        key.set_value("V", 1, f"value {i}\0".encode("utf-16-le"))
    return write_hive(hive, last_written=1)


@pytest.mark.slow
def test_doubling_the_hive_at_most_doubles_the_walk(tmp_path: Path) -> None:
    single, double = tmp_path / "single.hive", tmp_path / "double.hive"
    single.write_bytes(_wide_hive(6_000))
    double.write_bytes(_wide_hive(12_000))
    base, doubled = _walk_work(single), _walk_work(double)
    assert doubled["keys"] == 2 * base["keys"] - 1  # twice the keys and groups, one root
    for measure in ("calls", "sliced_bytes"):
        assert doubled[measure] <= 2.1 * base[measure], (measure, base, doubled)


def _amplifier(inline_values: int) -> bytes:
    """16 MiB: one key with ``inline_values`` empty inline values, padded by big data."""
    hive = MemoryHive(root_name="AMPLIFY")
    key = hive.root().ensure("Key")
    for i in range(inline_values):
        key.set_value(f"v{i:04d}", 0x201, b"")  # SAM's zero-size non-standard type
    key.set_value("padding", 3, bytes(15 * MIB))
    image, layout = write_hive_with_layout(hive, last_written=1)
    assert targets_from_layout(image, layout).values
    return image


@pytest.mark.slow
def test_inline_values_do_not_amplify(tmp_path: Path) -> None:
    with_values, without = tmp_path / "amplify.hive", tmp_path / "plain.hive"
    with_values.write_bytes(_amplifier(2000))
    without.write_bytes(_amplifier(0))
    plain, amplified = _walk_work(without), _walk_work(with_values)
    assert amplified["values"] == 2001
    # 2000 more values cost their own records (a vk cell and a list slot each); what must not
    # happen is a copy to the end of the file per inline value (regipy's over-read,
    # reliability.md §2.4 item 2), which would add 2000 x 15 MiB.
    extra_bytes = amplified["sliced_bytes"] - plain["sliced_bytes"]
    assert extra_bytes <= 2000 * 64, (plain, amplified)
    extra_calls = amplified["calls"] - plain["calls"]
    assert extra_calls <= 2000 * PER_VALUE_CALLS, (plain, amplified)


# --- the isolation runner itself (tests.support.isolation) ---------------------------------------

PROBE = "tests.adversarial.walk:probe_"


def test_isolation_returns_json_results() -> None:
    outcome = safe_call(PROBE + "echo", [1, "two", None], limits=Limits(wall_seconds=10))
    assert outcome.ok and outcome.value == {"echo": [1, "two", None]}
    assert outcome.error is None and not (outcome.crashed or outcome.timed_out or outcome.foreign)
    # The child's own peak RSS, not the parent's high-water mark inherited at spawn.
    assert 0 < outcome.peak_rss_bytes < 200 * MIB


def test_isolation_rebuilds_hiveparse_errors() -> None:
    outcome = safe_call(PROBE + "typed", "evidence.hive", limits=Limits(wall_seconds=10))
    assert isinstance(outcome.error, Truncated) and not outcome.foreign
    assert outcome.error.location.offset == 0x1234 and outcome.error.engine == "probe"
    assert outcome.error_type == "hiveparse.errors.Truncated"
    with pytest.raises(Truncated):
        outcome.unwrap()


def test_isolation_maps_foreign_exceptions() -> None:
    outcome = safe_call(PROBE + "foreign", limits=Limits(wall_seconds=10), source="x.hive")
    assert isinstance(outcome.error, CorruptStructure) and outcome.foreign
    assert outcome.error_type == "struct.error" and "struct.error" in str(outcome.error)
    assert outcome.error.location.source == "x.hive"


def test_isolation_kills_hangs() -> None:
    outcome = safe_call(PROBE + "hang", limits=Limits(wall_seconds=1.0))
    assert isinstance(outcome.error, Timeout) and outcome.timed_out
    assert 1.0 <= outcome.wall_seconds < 5.0


def test_isolation_cpu_limit_is_a_timeout() -> None:
    outcome = safe_call(PROBE + "hang", limits=Limits(wall_seconds=10.0, cpu_seconds=1))
    assert isinstance(outcome.error, Timeout) and outcome.timed_out
    assert outcome.wall_seconds < 8.0


def test_isolation_reports_crashes() -> None:
    outcome = safe_call(PROBE + "segfault", limits=Limits(wall_seconds=10))
    assert isinstance(outcome.error, CorruptStructure) and outcome.crashed
    assert outcome.error_type == "SIGSEGV"


def test_isolation_caps_memory() -> None:
    outcome = safe_call(PROBE + "memory", limits=Limits(wall_seconds=10))
    assert isinstance(outcome.error, ResourceLimit) and outcome.error_type == "MemoryError"


def test_isolation_refuses_writes(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.hive"
    evidence.write_bytes(b"regf original")
    outcome = safe_call(PROBE + "write", str(evidence), limits=Limits(wall_seconds=10))
    assert isinstance(outcome.error, CorruptStructure) and outcome.foreign
    assert "write" in str(outcome.error)
    assert evidence.read_bytes() == b"regf original"  # not even truncated
    fresh = tmp_path / "new.bin"
    safe_call(PROBE + "write", str(fresh), limits=Limits(wall_seconds=10))
    assert not fresh.exists()
