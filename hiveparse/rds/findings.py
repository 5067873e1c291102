"""The finding model: what a rule says about a host, how sure it is, and what it rests on.

A :class:`Finding` carries its evidence as plain dicts: a fact's
:meth:`~hiveparse.rds.facts.Fact.evidence_record` (source, key path, value name, raw hex,
ControlSet, ...) or, where the finding rests on something derived, an indicator record
``{"indicator": name, "status": ..., "reference": ..., ...}``.

Confidence follows the project rule (DESIGN.md "Never invent a value"): it starts at
``high`` and drops one level for each UNCERTAIN fact or UNCERTAIN domain rule the finding
rests on (the status marks of docs/reference/rds-licensing.md), never below ``low``; the
detail names what was uncertain. :class:`Basis` collects the facts, indicators and
uncertainties while a rule works, so that the confidence and the evidence list cannot drift
apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hiveparse.rds.locations import Status

if TYPE_CHECKING:
    from hiveparse.rds.facts import Fact
    from hiveparse.rds.state import RoleState


class FindingSeverity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical up to 4 for info (the report sorts on it)."""
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER: tuple[FindingSeverity, ...] = tuple(FindingSeverity)


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    def lowered(self, steps: int) -> Confidence:
        """This level lowered ``steps`` times, never below low."""
        order = tuple(Confidence)
        return order[min(order.index(self) + max(steps, 0), len(order) - 1)]


def confidence_for(uncertain_count: int) -> Confidence:
    return Confidence.HIGH.lowered(uncertain_count)


@dataclass(frozen=True)
class Indicator:
    """A derived observation a finding rests on (not a single registry value)."""

    name: str
    description: str
    reference: str
    status: Status
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def uncertain(self) -> bool:
        return self.status == Status.UNCERTAIN

    def evidence_record(self) -> dict[str, Any]:
        return {
            "indicator": self.name,
            "description": self.description,
            "status": str(self.status),
            "reference": self.reference,
            **self.data,
        }


@dataclass
class Basis:
    """What one finding rests on: facts, indicators, and the uncertain parts among them."""

    facts: list[Fact] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)  # records built elsewhere

    def fact(self, fact: Fact | None) -> Basis:
        """Rest on ``fact``; an UNCERTAIN location lowers the confidence once."""
        if fact is None:
            return self
        self.context(fact)  # shown once, even if it was shown as context before
        location = fact.location
        if location.status == Status.UNCERTAIN:
            self._doubt(
                f"the location of {location.fact} ({location.meaning}) is UNCERTAIN "
                f"({location.reference})"
            )
        return self

    def facts_from(self, facts: Iterable[Fact | None]) -> Basis:
        for fact in facts:
            self.fact(fact)
        return self

    def record(self, record: dict[str, Any]) -> Basis:
        """Rest on a ready evidence record (same shape as Fact.evidence_record())."""
        self.records.append(record)
        if record.get("status") == str(Status.UNCERTAIN):
            self._doubt(
                f"the location of {record.get('fact')} ({record.get('key_path')}) is "
                f"UNCERTAIN ({record.get('reference')})"
            )
        return self

    def context(self, fact: Fact | None) -> Basis:
        """Show ``fact`` as evidence without resting on it (its status does not count)."""
        if fact is not None and not any(fact is known for known in self.facts):
            self.facts.append(fact)
        return self

    def indicator(self, indicator: Indicator, *, counts: bool = True) -> Basis:
        self.indicators.append(indicator)
        if counts and indicator.uncertain:
            self._doubt(f"indicator {indicator.name} is UNCERTAIN ({indicator.reference})")
        return self

    def rule(self, description: str, status: Status = Status.UNCERTAIN) -> Basis:
        """Rest on a domain rule; an UNCERTAIN one lowers the confidence once."""
        if status == Status.UNCERTAIN:
            self._doubt(description)
        return self

    def role(self, role: RoleState) -> Basis:
        """Rest on the session-host role decision and the facts behind it."""
        for fact in role.basis:
            self.context(fact)
        if role.status == Status.UNCERTAIN:
            basis = ", ".join(f.location.fact for f in role.basis) or "no role fact"
            self._doubt(
                f"the RD Session Host role is inferred (from {basis}), which is UNCERTAIN (§8)"
            )
        return self

    def _doubt(self, reason: str) -> None:
        """Count an uncertain premise once, however many facts share it."""
        if reason not in self.uncertain:
            self.uncertain.append(reason)

    @property
    def confidence(self) -> Confidence:
        return confidence_for(len(self.uncertain))

    def evidence(self) -> list[dict[str, Any]]:
        records = [fact.evidence_record() for fact in self.facts]
        records += [dict(record) for record in self.records]
        records += [indicator.evidence_record() for indicator in self.indicators]
        return records


@dataclass
class Finding:
    id: str
    severity: FindingSeverity
    title: str
    detail: str
    evidence: list[dict[str, Any]]
    remediation: str
    confidence: Confidence
    # Events of the host's logs that corroborate or contradict it (rds.event_findings).
    events: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        finding_id: str,
        severity: FindingSeverity,
        title: str,
        detail: str,
        basis: Basis,
        remediation: str,
    ) -> Finding:
        """A finding whose confidence and evidence come from ``basis``.

        The detail gets one closing sentence naming every uncertain fact or rule.
        """
        if basis.uncertain:
            detail = f"{detail} Confidence lowered because: {'; '.join(basis.uncertain)}."
        return cls(
            id=finding_id,
            severity=severity,
            title=title,
            detail=detail,
            evidence=basis.evidence(),
            remediation=remediation,
            confidence=basis.confidence,
        )

    @property
    def sort_key(self) -> tuple[int, str, str, str]:
        return (self.severity.rank, self.id, self.title, self.detail)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": str(self.severity),
            "title": self.title,
            "detail": self.detail,
            "evidence": self.evidence,
            "remediation": self.remediation,
            "confidence": str(self.confidence),
            **({"events": self.events} if self.events else {}),
        }
