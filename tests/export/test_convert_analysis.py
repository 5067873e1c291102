"""analyze(convert(x.reg)) says what analyze(x.reg) says, for every sample .reg file.

A hive written by ``hiveparse convert`` carries the converter's times and security
descriptors, which are not evidence, and covers only what its .reg file covered (its origin
marker). Analyzed, it must neither gain a finding (no "reset" from the converter's ACL, no
expiry from its timestamp) nor lose one (a change script's deletions travel in the marker).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hiveparse.export.convert import convert_reg_file, plan_outputs, write_outputs
from hiveparse.rds.analyze import analyze
from hiveparse.rds.changes import script_changes

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
AS_OF = datetime(2026, 3, 6, 12, 0, 0, tzinfo=UTC)
CASES = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir() and any(p.glob("*.reg")))


def _judged(folder: Path) -> tuple[set[tuple[str, str, str]], set[tuple[str, str]]]:
    hosts = analyze([folder], as_of=AS_OF).hosts
    findings = {(f.id, str(f.severity), str(f.confidence)) for h in hosts for f in h.findings}
    unjudged = {(item.rule, item.fact) for h in hosts for item in h.judgement.not_judged}
    return findings, unjudged


@pytest.mark.parametrize("case", CASES)
def test_converted_hives_are_judged_as_their_reg_files(case: str, tmp_path: Path) -> None:
    regs, hives = tmp_path / "reg", tmp_path / "hive"
    regs.mkdir()
    hives.mkdir()
    for source in sorted((SAMPLES / case).glob("*.reg")):
        shutil.copy(source, regs / source.name)
        write_outputs(plan_outputs(convert_reg_file(regs / source.name), hives))
    from_reg, from_hive = _judged(regs), _judged(hives)
    assert from_hive == from_reg
    assert ("rds.reg_only_limits", "info", "high") in from_reg[0]
    (host,) = analyze([hives], as_of=AS_OF).hosts
    assert all(mounted.hive.written_by_converter for e in host.evidence for mounted in e.hives)
    # The converter's owner and ACL on GracePeriod are not read as a reset.
    reset = [f for f in host.findings if f.id == "rds.grace.reset_suspected"]
    for finding in reset:
        names = {r.get("indicator") for r in finding.evidence}
        assert not names & {"grace_key_owner_changed", "grace_key_full_control_ace"}
    assert host.state.grace.key_last_write is None  # the converter's time is not evidence
    # What the file does is listed the same, named by the .reg file: deletions with their
    # lines (kept in the marker), values without (a hive keeps values, not lines).
    assert _changes(hives, lines=False) == _changes(regs, lines=False)
    reg_lines = {c for c in _changes(regs, lines=True) if c[2] != "set"}
    assert {c for c in _changes(hives, lines=True) if c[2] != "set"} == reg_lines
    assert all(c[1] is None for c in _changes(hives, lines=True) if c[2] == "set")


def _changes(folder: Path, *, lines: bool) -> set[tuple[object, ...]]:
    (host,) = analyze([folder], as_of=AS_OF).hosts
    return {
        (Path(c.script).name, c.line if lines else None, c.action, c.key_path, c.value_name,
         c.data, c.meaning)
        for c in script_changes(host.state.facts).changes
    }  # fmt: skip
