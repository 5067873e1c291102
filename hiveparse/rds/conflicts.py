"""When inputs of one host disagree: both values shown, never one winning in silence.

A host can have more than one source for a hive type: a hive and a later .reg export of the
same machine, two exports taken at different times. For every location of the table, each
source says what it holds in the ControlSet it uses: a value (type and data), a key, or
nothing, where it covers the place (a source that does not cover it says nothing at all).
When two sources say different things, that is a conflict: the report lists every reading
with its source, says which one the analysis used (hives before .reg files, then by path:
the order :func:`~hiveparse.rds.facts.collect_facts` reads them in), and the findings that
rest on a disputed fact lose one step of confidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hiveparse.evidence.coverage import SourceCoverage
from hiveparse.model import HiveType
from hiveparse.rds import remediation
from hiveparse.rds.facts import Fact, FactSet
from hiveparse.rds.findings import Basis, Finding, FindingSeverity, Indicator
from hiveparse.rds.judge import describe_place
from hiveparse.rds.locations import CCS, LOCATIONS, Location, Status
from hiveparse.rds.state import LicensingState
from hiveparse.values import decode_value, show_value


@dataclass(frozen=True)
class Reading:
    """What one source holds at one location."""

    source: SourceCoverage
    fact: Fact | None  # None: the source covers the place and holds nothing there
    shown: str  # in words, for the report
    signature: tuple[Any, ...]

    def to_dict(self) -> dict[str, Any]:
        fact = self.fact
        return {
            "source": self.source.evidence.path,
            "sha256": self.source.evidence.sha256,
            "format": str(self.source.evidence.format),
            "holds": self.shown,
            "line": None if fact is None else _line(fact),
            "cell_offset": None if fact is None else _offset(fact),
        }


@dataclass(frozen=True)
class Conflict:
    location: Location
    readings: tuple[Reading, ...]
    used: Reading  # the reading the analysis used

    @property
    def fact_id(self) -> str:
        return self.location.fact


def _provenance(fact: Fact) -> Any:
    return fact.value.provenance if fact.value is not None else fact.key.provenance


def _line(fact: Fact) -> int | None:
    line = _provenance(fact).line
    return line if isinstance(line, int) else None


def _offset(fact: Fact) -> int | None:
    offset = _provenance(fact).offset
    return offset if isinstance(offset, int) else None


def _reading(source: SourceCoverage, fact: Fact | None) -> Reading:
    if fact is None:
        return Reading(source, None, "nothing", ("absent",))
    value = fact.value
    if value is None:
        return Reading(source, fact, "the key (no value read)", ("key",))
    decoded = decode_value(value.type_id, value.raw).value
    if isinstance(decoded, str):
        decoded = decoded.rstrip("\x00")
    shown = show_value(decoded)
    # Strings compare by their text (a hive may keep bytes after the NUL that an export
    # drops), lists as tuples, everything else by the raw data.
    comparable: Any = value.raw
    if isinstance(decoded, str):
        comparable = decoded
    elif isinstance(decoded, list):
        comparable = tuple(str(item) for item in decoded)
    elif isinstance(decoded, int):
        comparable = decoded
    signature = ("value", value.type_id, comparable)
    return Reading(source, fact, f"{value.type_name} {shown}", signature)


def _place(location: Location, source: SourceCoverage) -> str | None:
    if not location.per_control_set:
        return location.key
    if source.control_set is None:
        return None
    return location.key.replace(CCS, source.control_set, 1)


def evidence_conflicts(facts: FactSet) -> list[Conflict]:
    """Every location where two sources of one hive type hold different things."""
    current: dict[tuple[str, str, str], Fact] = {}
    for fact in facts.facts:
        if fact.current:
            key = (fact.location.fact, fact.evidence.path, fact.mounted.mount)
            current.setdefault(key, fact)
    conflicts = []
    for location in LOCATIONS:
        if location.hive == HiveType.NTUSER:
            continue  # each user's hive is that user's: two users' hives are not rival copies
        sources = [s for s in facts.coverage.sources if s.hive_type == location.hive]
        if len(sources) < 2:
            continue
        readings = []
        for source in sources:
            held = current.get((location.fact, source.evidence.path, source.mounted.mount))
            place = _place(location, source)
            if held is not None:
                readings.append(_reading(source, held))
            elif place is not None and source.covers(place):
                readings.append(_reading(source, None))
        if len({reading.signature for reading in readings}) < 2:
            continue
        used_fact = facts.get(location.fact)
        used = next((r for r in readings if r.fact is used_fact), readings[0])
        conflicts.append(Conflict(location, tuple(readings), used))
    return conflicts


def _listing(conflict: Conflict) -> str:
    parts = [f"{r.source.evidence.path} holds {r.shown}" for r in conflict.readings]
    return (
        f"{describe_place(conflict.location)}: {'; '.join(parts)} (the analysis uses "
        f"{conflict.used.source.evidence.path})"
    )


def rule_evidence_conflict(state: LicensingState) -> Iterator[Finding]:
    """Inputs of one host that disagree on a fact of the location table."""
    conflicts = evidence_conflicts(state.facts)
    if not conflicts:
        return
    basis = Basis()
    for conflict in conflicts:
        for reading in conflict.readings:
            basis.context(reading.fact)
        basis.indicator(
            Indicator(
                "inputs_disagree",
                _listing(conflict),
                conflict.location.reference,
                Status.CONFIRMED,
                {
                    "about_fact": conflict.fact_id,
                    "readings": [reading.to_dict() for reading in conflict.readings],
                    "used": conflict.used.source.evidence.path,
                },
            )
        )
    detail = (
        f"The inputs of this host disagree on {len(conflicts)} fact(s): "
        + "; ".join(_listing(conflict) for conflict in conflicts)
        + ". They may come from different times (a hive and a later export) or from "
        "different machines given the same name; findings that rest on a disputed fact say "
        "so and lose confidence."
    )
    yield Finding.build(
        "evidence.conflict",
        FindingSeverity.MEDIUM,
        "Inputs of one host disagree",
        detail,
        basis,
        remediation.EVIDENCE_CONFLICT,
    )
