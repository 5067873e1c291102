"""``hiveparse compare``: the effective RDS settings of two machines, row by row.

Each side is one machine's evidence (see :mod:`hiveparse.compare.sides`); its facts are
collected as ``analyze`` collects them and each setting of :data:`SETTINGS` is read through
its layers. A row's status:

- ``same`` / ``differs``: both sides show the setting (a value, or no layer setting it);
- ``only_a`` / ``only_b``: one side sets it and the other's evidence shows it unset;
- ``expected_to_differ``: a machine-specific setting that differs (its name, certificates);
- ``unknown``: a side's evidence does not cover a place that could decide it (no SOFTWARE
  hive, so a policy could override the listener's value); the row names the input that would
  settle it. Never ``same`` or ``differs`` on a guess.

When the inputs of one side disagree about a place the row reads (a hive and an older
export), the row shows every reading; the one used is the analysis's (hives before .reg).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hiveparse.compare.settings import SETTINGS, Reading, Setting
from hiveparse.compare.sides import Machine
from hiveparse.errors import Diagnostic, Location, Severity
from hiveparse.rds.facts import Carve, collect_facts
from hiveparse.rds.judge import describe_place, settle_with, why_not_covered
from hiveparse.rds.locations import Location as Place
from hiveparse.rds.state import LicensingState, build_state

if TYPE_CHECKING:
    from hiveparse.rds.conflicts import Conflict


class RowStatus(StrEnum):
    SAME = "same"
    DIFFERS = "differs"
    ONLY_A = "only_a"
    ONLY_B = "only_b"
    EXPECTED_TO_DIFFER = "expected_to_differ"
    UNKNOWN = "unknown"


# The order a table shows rows in: what needs a decision first.
SHOWN_FIRST = (
    RowStatus.DIFFERS,
    RowStatus.ONLY_A,
    RowStatus.ONLY_B,
    RowStatus.UNKNOWN,
    RowStatus.EXPECTED_TO_DIFFER,
    RowStatus.SAME,
)
DIFFERENCES = frozenset({RowStatus.DIFFERS, RowStatus.ONLY_A, RowStatus.ONLY_B})


@dataclass
class HostSide:
    """One machine, read for comparison."""

    machine: Machine
    state: LicensingState
    conflicts: dict[str, Conflict]  # by fact id
    notes: list[Diagnostic] = field(default_factory=list)  # what reading the facts met

    @property
    def label(self) -> str:
        return self.machine.label


@dataclass(frozen=True)
class Row:
    setting: Setting
    status: RowStatus
    a: Reading
    b: Reading
    notes: tuple[str, ...]  # each a sentence of its own

    @property
    def note(self) -> str | None:
        return "; ".join(self.notes) or None


@dataclass
class Comparison:
    a: HostSide
    b: HostSide
    rows: list[Row] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return self.a.machine.partial or self.b.machine.partial

    @property
    def differs(self) -> bool:
        return any(row.status in DIFFERENCES for row in self.rows)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        found = [
            *self.a.machine.diagnostics, *self.a.notes,
            *self.b.machine.diagnostics, *self.b.notes,
        ]  # fmt: skip
        unknown = [row.setting.label for row in self.rows if row.status == RowStatus.UNKNOWN]
        if unknown:
            shown = ", ".join(unknown[:5]) + (
                f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            )
            found.append(
                Diagnostic(
                    "compare.settings_unknown",
                    f"{len(unknown)} setting(s) could not be compared, a side's evidence not "
                    f"covering them ({shown}): each row's note names the input that would "
                    "settle it",
                    Location(),
                    Severity.WARNING,
                )
            )
        return found

    def counts(self) -> dict[str, int]:
        return {str(status): sum(r.status == status for r in self.rows) for status in RowStatus}


def read_host(machine: Machine, as_of: datetime) -> HostSide:
    """The licensing state of one side's machine (no carving: a comparison is of what the
    machine holds, not of what it once held)."""
    facts = collect_facts(machine.evidence, carve=Carve.OFF, guess_control_set=False)
    conflicts: dict[str, Conflict] = {}
    kinds = [source.hive_type for source in facts.coverage.sources]
    if len(kinds) != len(set(kinds)):  # two sources of one hive: they may disagree
        from hiveparse.rds.conflicts import evidence_conflicts  # noqa: PLC0415

        conflicts = {conflict.fact_id: conflict for conflict in evidence_conflicts(facts)}
    return HostSide(machine, build_state(facts, as_of), conflicts, list(facts.notes))


def compare_hosts(a: HostSide, b: HostSide) -> Comparison:
    comparison = Comparison(a, b)
    for setting in SETTINGS:
        reading_a, reading_b = setting.read(a.state), setting.read(b.state)
        status = _status(setting, reading_a, reading_b)
        comparison.rows.append(
            Row(setting, status, reading_a, reading_b, _note(setting, status, a, b, reading_a,
                                                              reading_b))
        )  # fmt: skip
    return comparison


def _compared(setting: Setting, reading: Reading) -> tuple[Any, bool]:
    """What a side's reading compares as, and whether that is Windows' default (a side
    that does not set a setting with a confirmed default has that value)."""
    if reading.is_set or setting.default is None:
        return reading.key, False
    return setting.default, True


def _status(setting: Setting, a: Reading, b: Reading) -> RowStatus:
    if not a.known or not b.known:
        return RowStatus.UNKNOWN
    (key_a, default_a), (key_b, default_b) = _compared(setting, a), _compared(setting, b)
    if key_a == key_b:
        return RowStatus.SAME
    if setting.machine_specific is not None:
        return RowStatus.EXPECTED_TO_DIFFER
    if not b.is_set and not default_b:
        return RowStatus.ONLY_A
    if not a.is_set and not default_a:
        return RowStatus.ONLY_B
    return RowStatus.DIFFERS


def _note(
    setting: Setting, status: RowStatus, a: HostSide, b: HostSide, ra: Reading, rb: Reading
) -> tuple[str, ...]:
    sides = (("A", ra, a), ("B", rb, b))
    parts: list[str] = []
    if status == RowStatus.EXPECTED_TO_DIFFER:
        parts.append(f"machine-specific ({setting.machine_specific}): expected to differ")
    for side, reading, host in sides:
        parts += _not_covered(side, reading, host)
    if status == RowStatus.SAME and ra.is_set and rb.is_set and ra.layer != rb.layer:
        parts.append(f"the same value, set by {ra.layer} on A and by {rb.layer} on B")
    if setting.default is not None and status != RowStatus.UNKNOWN:
        unset = [side for side, reading, _host in sides if not reading.is_set]
        if unset:
            who = "neither sets it" if len(unset) == 2 else f"{unset[0]} does not set it"
            parts.append(f"{who}: Windows' default ({setting.default_shown}) applies")
    if (
        status == RowStatus.DIFFERS
        and isinstance(ra.key, tuple)
        and isinstance(rb.key, tuple)
        and sorted(map(str, ra.key)) == sorted(map(str, rb.key))
    ):
        parts.append("the same entries, in another order")
    parts += [f"{side}: {sentence}" for side, reading, _host in sides for sentence in reading.notes]
    for side, _reading, host in sides:
        for fact_id in setting.reads:
            conflict = host.conflicts.get(fact_id)
            if conflict is not None:
                held = "; ".join(f"{r.source.evidence.path} holds {r.shown}"
                                 for r in conflict.readings)  # fmt: skip
                parts.append(
                    f"{side}'s inputs disagree on the {describe_place(conflict.location)}: "
                    f"{held} (compared: {conflict.used.source.evidence.path})"
                )
    return tuple(dict.fromkeys(parts))


def _not_covered(side: str, reading: Reading, host: HostSide) -> list[str]:
    """Why a side cannot show a setting: once per missing hive, else once per reason (the
    provenance lists each place with the input that would settle it)."""
    sources = host.state.facts.coverage.sources
    held = {source.hive_type for source in sources}
    by_reason: dict[str, list[Place]] = {}
    said: list[str] = []
    for location in reading.unknown:
        if location.hive not in held:
            said.append(
                f"{side} holds no {location.hive} hive or export, where a value could decide "
                f"this (give {side}'s {location.hive} hive to compare it)"
            )
        else:
            by_reason.setdefault(why_not_covered(location, sources), []).append(location)
    for reason, places in by_reason.items():
        first = places[0]
        more = f" and {len(places) - 1} other place(s)" if len(places) > 1 else ""
        said.append(
            f"{side} cannot show the {describe_place(first)}{more}: {reason}; "
            f"{settle_with(first)} would settle it"
        )
    return list(dict.fromkeys(said))


def conflict_records(host: HostSide, setting: Setting) -> list[dict[str, Any]]:
    """The disagreements among one side's inputs on the places a setting reads."""
    return [
        {
            "fact": fact_id,
            "readings": [reading.to_dict() for reading in conflict.readings],
            "used": conflict.used.source.evidence.path,
        }
        for fact_id in setting.reads
        if (conflict := host.conflicts.get(fact_id)) is not None
    ]
