"""Absences a rule may count, and the record of what could not be judged.

A rule asks :meth:`Judge.absent` (through ``LicensingState.absent``) whether a location is
empty. The answer is True only where the evidence covers the place (see
:mod:`hiveparse.evidence.coverage`); where it does not, the answer is None and the judge records
what could not be judged and which input would settle it. A rule may only ask about the absences
its declaration names (:class:`~hiveparse.rds.rulebook.RuleSpec`): asking about another one
is a bug in the rule, raised as :class:`RuleDeclarationError`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from hiveparse.evidence.coverage import CHANGE_SCRIPT, SourceCoverage
from hiveparse.model import HiveType
from hiveparse.rds.facts import FactSet
from hiveparse.rds.locations import BY_FACT, CCS, Location

_USER_ROOTS = {
    HiveType.SYSTEM: r"HKLM\SYSTEM",
    HiveType.SOFTWARE: r"HKLM\SOFTWARE",
    HiveType.SECURITY: r"HKLM\SECURITY",
}


class RuleDeclarationError(RuntimeError):
    """A rule relied on an absence its declaration does not name (a hiveparse bug)."""


def user_key_path(location: Location) -> str:
    """The key as reg.exe takes it: ``HKLM\\SYSTEM\\CurrentControlSet\\...``."""
    key = location.key.replace(CCS, "CurrentControlSet", 1)
    root = _USER_ROOTS.get(location.hive, str(location.hive))
    return f"{root}\\{key}" if key else root


def describe_place(location: Location) -> str:
    """``value "X" of key K`` or ``key K``, as a person reads it."""
    key = user_key_path(location)
    if location.value is None:
        return f"key {key}"
    name = "(default)" if location.value == "" else location.value
    return f'value "{name}" of {key}'


def settle_with(location: Location) -> str:
    """Which input would settle an absence at ``location``."""
    key = user_key_path(location)
    export = key.rsplit("\\", 1)[0] if location.value is None else key
    return (
        f"the {location.hive} hive (with its transaction logs), or a full regedit export of "
        f'{export} (reg export "{export}" out.reg)'
    )


def why_not_covered(location: Location, sources: list[SourceCoverage]) -> str:
    mine = [source for source in sources if source.hive_type == location.hive]
    if not mine:
        return f"no {location.hive} hive or export is in the evidence"
    reasons = []
    for source in mine:
        damage = source.damage
        if damage is not None:
            reasons.append(
                f"{source.evidence.path} could not be read entirely ({damage.message} "
                f"[{damage.code}]), so what it lacks may have been lost rather than absent"
            )
        elif source.kind == CHANGE_SCRIPT:
            reasons.append(
                f"{source.evidence.path} is a change script, which need not list what the "
                "machine already holds"
            )
        elif location.per_control_set and source.control_set is None:
            reasons.append(f"{source.evidence.path} names no ControlSet that Windows would use")
        else:
            reasons.append(f"{source.evidence.path} does not export that part of the registry")
    return "; ".join(reasons)


@dataclass(frozen=True)
class NotJudged:
    """A conclusion a rule could not draw, because the evidence does not cover a premise."""

    rule: str
    findings: tuple[str, ...]  # the finding ids the rule could have raised
    fact: str
    premise: str
    reason: str
    settle_with: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "findings": list(self.findings),
            "fact": self.fact,
            "premise": self.premise,
            "reason": self.reason,
            "settle_with": self.settle_with,
        }


@dataclass(frozen=True)
class Asking:
    """The rule being evaluated: its name, what it may raise, the absences it declared."""

    rule: str
    findings: tuple[str, ...]
    absences: Collection[str]


@dataclass
class Judge:
    """Answers absence questions for one host and keeps what could not be judged."""

    facts: FactSet
    asking: Asking | None = None
    not_judged: list[NotJudged] = field(default_factory=list)

    def absent(self, fact_id: str, *, required: bool = True) -> bool | None:
        """Whether ``fact_id``'s location is known to be empty (see FactSet.absent).

        With ``required`` (the default) an answer of None is recorded as not judged: the
        rule cannot conclude without it. ``required=False`` is for absences that only shade
        a finding (its severity or wording) and must not be reported as missing premises.
        """
        asking = self.asking
        if asking is not None and fact_id not in asking.absences:
            raise RuleDeclarationError(
                f"{asking.rule} asked whether {fact_id} is absent, which its declaration "
                "does not list"
            )
        answer = self.facts.absent(fact_id)
        if answer is None and required and asking is not None:
            self._record_absence(fact_id, asking)
        return answer

    def unknown(self, fact_id: str, premise: str, reason: str, settle: str) -> None:
        """Record a premise the evidence holds but cannot settle (a timebomb whose end no
        key time or key material tells), for the rule being evaluated."""
        if self.asking is not None:
            self._record(NotJudged(self.asking.rule, self.asking.findings, fact_id, premise,
                                   reason, settle))  # fmt: skip

    def _record_absence(self, fact_id: str, asking: Asking) -> None:
        location = BY_FACT[fact_id]
        self._record(
            NotJudged(
                asking.rule,
                asking.findings,
                fact_id,
                f"the absence of the {describe_place(location)} ({location.meaning})",
                why_not_covered(location, self.facts.coverage.sources),
                settle_with(location),
            )
        )

    def _record(self, record: NotJudged) -> None:
        if record not in self.not_judged:
            self.not_judged.append(record)
