"""The rule declarations hold: every fact a finding shows is one its rule declares.

Run over every sample and every corpus folder of hives and .reg files: a rule that showed an
undeclared fact, or asked about an undeclared absence (RuleDeclarationError), fails here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hiveparse.rds import event_findings
from hiveparse.rds.analyze import analyze
from hiveparse.rds.rulebook import RULES

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
AS_OF = datetime(2026, 3, 6, 12, 0, 0, tzinfo=UTC)
BY_FINDING = {finding: spec for spec in RULES for finding in spec.emits}


def _check(folder: Path) -> int:
    checked = 0
    for host in analyze([folder], as_of=AS_OF).hosts:
        for finding in host.findings:
            spec = BY_FINDING[finding.id]
            shown = {r["fact"] for r in finding.evidence if "fact" in r and "indicator" not in r}
            assert shown <= spec.all_reads, (finding.id, shown - spec.all_reads)
            checked += 1
        for item in host.judgement.not_judged:
            if item.rule.split(".")[0] == event_findings.RULE_NAME:  # the event logs' rules
                assert item.fact in event_findings.ABSENCES
                continue
            if item.rule == event_findings.REGISTRY_RULE:  # a host of event logs alone
                assert item.fact in event_findings.REGISTRY_ABSENCES
                continue
            spec = next(s for s in RULES if s.name == item.rule)
            assert item.fact in spec.absences
    return checked


def test_declarations_hold_on_the_samples() -> None:
    assert _check(SAMPLES) > 20


@pytest.mark.corpus
@pytest.mark.parametrize("kind", ["hives", "reg"])
def test_declarations_hold_on_the_corpus(corpus: Path, kind: str) -> None:
    _check(corpus / kind)
