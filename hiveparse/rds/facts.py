"""Facts: what the evidence of one host says at each location of the table.

For every :class:`~hiveparse.rds.locations.Location` and every hive of the matching type,
the key (and value) is looked up; a location under ``{ccs}`` is read in every ControlSet,
and the one Windows would use (``Select\\Current``, or a literal ``CurrentControlSet`` in a
live export) is marked current. Each fact keeps the key and value objects, so provenance
(source file, cell offset or line, last-written time, raw bytes) travels with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hiveparse.controlset import effective_control_set
from hiveparse.errors import Diagnostic, Severity
from hiveparse.errors import Location as Place
from hiveparse.evidence.coverage import HostCoverage, source_coverage
from hiveparse.evidence.open import Evidence, MountedHive
from hiveparse.filetime import filetime_iso
from hiveparse.model import EvidenceFormat, Hive, HiveType, Key, Value, ValueType, fold_name
from hiveparse.paths import full_key_path
from hiveparse.rds.locations import BY_FACT, CCS, LOCATIONS, Location
from hiveparse.sources.regf.cells import HiveBin
from hiveparse.sources.regf.hive import RegfHive, RegfKey
from hiveparse.sources.regf.recovered import DeletedKey, DeletedValue, InferredKey
from hiveparse.values import decode_value

if TYPE_CHECKING:
    # Carving is imported where it runs: a run with --carve off (compare) never loads it.
    from hiveparse.sources.regf.carve import RecoveredValue, Recovery

_CONTROL_SET_RE = re.compile(r"^ControlSet\d{3}$", re.IGNORECASE)
_LITERAL_CCS = "CurrentControlSet"
UNKNOWN_CONTROL_SET = "<unknown ControlSet>"
# A deleted value no list ties to a key is placed by its name only for these facts: their
# value names are the licensing component's own (ComputerName, PortNumber and the like occur
# in many keys, so their name alone says nothing about where the value was).
NAME_PLACEABLE = ("grace.", "mode.", "servers.")


@dataclass(frozen=True)
class Fact:
    """One location found in one hive (in one ControlSet)."""

    location: Location
    evidence: Evidence
    mounted: MountedHive
    key: Key
    value: Value | None
    control_set: str | None
    current: bool

    @property
    def decoded(self) -> Any:
        if self.value is None:
            return None
        return decode_value(self.value.type_id, self.value.raw).value

    @property
    def value_type(self) -> str:
        return "" if self.value is None else self.value.type_name

    @property
    def type_ok(self) -> bool:
        """Whether the value has a type that makes sense at this location."""
        if self.value is None or not self.location.types:
            return True
        return self.value.type_id in self.location.types

    @property
    def full_key_path(self) -> str:
        return full_key_path(self.mounted.mount, self.key.path)

    @property
    def from_change_script(self) -> bool:
        """Read from a .reg change script (or a hive converted from one): what the script
        would write when imported, not what the machine holds."""
        return self.evidence.reg_deletions_total > 0

    @property
    def key_time(self) -> int | None:
        """The key's last-written FILETIME where it is evidence: None for a .reg file (it has
        none) and for a hive hiveparse convert wrote (every key carries its chosen time)."""
        if self.mounted.hive.written_by_converter:
            return None
        return self.key.last_written

    @property
    def security_descriptor(self) -> bytes | None:
        """The key's security descriptor where it is evidence (see :attr:`key_time`)."""
        if self.mounted.hive.written_by_converter:
            return None
        return self.key.security_descriptor

    def evidence_record(self) -> dict[str, Any]:
        """The provenance of this fact, as every finding and report section shows it."""
        value = self.value
        decoded: Any = None
        if value is not None:
            decoded = decode_value(value.type_id, value.raw).value
            if isinstance(decoded, bytes):
                decoded = decoded.hex()
        provenance = value.provenance if value is not None else self.key.provenance
        return {
            "fact": self.location.fact,
            "source": self.evidence.path,
            "sha256": self.evidence.sha256,
            "format": str(self.evidence.format),
            "hive": str(self.mounted.hive.hive_type),
            "control_set": self.control_set,
            "current_control_set": self.current,
            "key_path": self.full_key_path,
            "value_name": None if value is None else value.name,
            "type": None if value is None else value.type_name,
            "raw": None if value is None else value.raw.hex(),
            "decoded": decoded,
            "key_last_write": filetime_iso(self.key_time),
            "key_last_write_raw": self.key_time,
            "cell_offset": provenance.offset,
            "line": provenance.line,
            "deleted": provenance.deleted,
            "status": str(self.location.status),
            "reference": self.location.reference,
        } | self._recovered_record()

    def _recovered_record(self) -> dict[str, Any]:
        """For a deleted record: how much of it survived, and whether its key is known."""
        value = self.value
        if not isinstance(value, DeletedValue) and not isinstance(self.key, DeletedKey):
            return {}
        extra: dict[str, Any] = {"key_path_inferred": isinstance(self.key, InferredKey)}
        if isinstance(value, DeletedValue):
            extra["data_state"] = value.data_state
            if not value.data_available:
                extra |= {"raw": None, "decoded": None}
        return extra


def dword_of(fact: Fact | None) -> int | None:
    """The number a fact holds where it is a value of a type its location takes (a
    REG_DWORD where the table says so), else None."""
    if fact is None or not fact.type_ok:
        return None
    decoded = fact.decoded
    return decoded if isinstance(decoded, int) else None


_STRING_TYPES = (int(ValueType.REG_SZ), int(ValueType.REG_EXPAND_SZ))


def text_of(fact: Fact | None) -> str | None:
    """The string a fact holds (REG_SZ or REG_EXPAND_SZ, of a type its location takes),
    without trailing NULs; None for anything else."""
    if fact is None or fact.value is None or fact.value.type_id not in _STRING_TYPES:
        return None
    decoded = fact.decoded
    return decoded.rstrip("\x00") if isinstance(decoded, str) and fact.type_ok else None


def script_name(evidence: Evidence) -> str:
    """The .reg file behind an input: the input itself, or the file a hive written by
    ``hiveparse convert`` was made from (its base name, as the origin marker keeps it)."""
    for mounted in evidence.hives:
        origin = mounted.hive.origin
        if origin is not None:
            return origin.source_name
    return evidence.path


@dataclass(frozen=True)
class Deletion:
    """A .reg change script's deletion of a location of the table (``[-key]``, ``"v"=-``)."""

    evidence: Evidence
    key_path: str
    value_name: str | None
    line: int
    facts: tuple[str, ...]  # the location ids it removes

    @property
    def script(self) -> str:
        """The .reg file ``line`` is a line of."""
        return script_name(self.evidence)

    def evidence_record(self) -> dict[str, Any]:
        return {
            "source": self.evidence.path,
            "script": self.script,
            "sha256": self.evidence.sha256,
            "format": str(self.evidence.format),
            "key_path": self.key_path,
            "value_name": self.value_name,
            "line": self.line,
            "operation": "delete_value" if self.value_name is not None else "delete_key",
            "removes": list(self.facts),
        }


@dataclass
class FactSet:
    """Every fact of one host, with what is known about the hives they came from."""

    facts: list[Fact] = field(default_factory=list)
    hive_types: set[HiveType] = field(default_factory=set)
    control_sets: dict[str, dict[str, Any]] = field(default_factory=dict)  # per evidence path
    reg_only: bool = False  # every input was a .reg file or converted from one: no times/owners
    notes: list[Diagnostic] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)  # of licensing locations
    deletions_total: int = 0  # every deletion in the .reg inputs
    recovered: list[Fact] = field(default_factory=list)  # deleted records, carved
    recoveries: list[dict[str, Any]] = field(default_factory=list)  # what each carve scanned
    coverage: HostCoverage = field(default_factory=lambda: HostCoverage([]))

    def all(self, fact_id: str) -> list[Fact]:
        return [fact for fact in self.facts if fact.location.fact == fact_id]

    def get(self, fact_id: str) -> Fact | None:
        """The fact as Windows would see it: the current ControlSet, hives before .reg."""
        candidates = [fact for fact in self.all(fact_id) if fact.current]
        return candidates[0] if candidates else None

    def others(self, fact_id: str) -> list[Fact]:
        """The same location in the ControlSets Windows is not using."""
        return [fact for fact in self.all(fact_id) if not fact.current]

    def has_hive(self, hive_type: HiveType) -> bool:
        return hive_type in self.hive_types

    def absent(self, fact_id: str) -> bool | None:
        """Whether the location is known to be empty: False when the current fact exists,
        True when it does not and the evidence covers its place (a hive, or a regedit export
        of a subtree holding it), None when the evidence cannot tell."""
        if self.get(fact_id) is not None:
            return False
        location = BY_FACT[fact_id]
        token = CCS if location.per_control_set else None
        return True if self.coverage.covers(location.hive, location.key, token) else None

    def recovered_all(self, fact_id: str) -> list[Fact]:
        """Deleted records of a location, carved from the hives' unallocated space."""
        return [fact for fact in self.recovered if fact.location.fact == fact_id]


def _control_set_names(root: Key, *, guess: bool = True) -> tuple[list[str], str | None]:
    """The ControlSet-like keys of a SYSTEM hive and the one that is current (with
    ``guess``, the only set present when nothing names one)."""
    names = [key.name for key in root.subkeys() if _CONTROL_SET_RE.match(key.name)]
    current = effective_control_set(root, guess=guess)
    if current is not None and not _CONTROL_SET_RE.match(current):
        # A live export names CurrentControlSet itself: that is what Windows used.
        return [current, *names], current
    return names, current


def _expand(
    location: Location, names: list[str], current: str | None
) -> Iterable[tuple[str, str | None, bool]]:
    if not location.per_control_set:
        yield location.key, None, True
        return
    for name in names:
        yield (
            location.key.replace(CCS, name, 1),
            name,
            (current is not None and name.upper() == current.upper()),
        )


def _hive_facts(
    evidence: Evidence, mounted: MountedHive, facts: FactSet, *, guess: bool = True
) -> None:
    hive: Hive = mounted.hive
    hive_type = hive.hive_type
    facts.hive_types.add(hive_type)
    root = hive.root()
    names: list[str] = []
    current: str | None = None
    if hive_type == HiveType.SYSTEM:
        names, current = _control_set_names(root, guess=guess)
        if current is None and names:
            named = "Select names no ControlSet that exists" if root.subkey("Select") else (
                "no Select key names the current ControlSet"
            )  # fmt: skip
            facts.notes.append(
                Diagnostic(
                    "rds.control_set_unknown",
                    f"{named} ({', '.join(names)} present): no ControlSet is taken as "
                    "current, so ControlSet facts are reported only as 'other ControlSet' "
                    "facts",
                    Place(evidence.path),
                    Severity.WARNING,
                )
            )
        facts.control_sets[f"{evidence.path}|{mounted.mount}"] = {
            "source": evidence.path,
            "available": names,
            "current": current,
        }
    # Each key is looked up once and its values listed once, for every location it holds.
    by_key: dict[str, list[Location]] = {}
    for location in LOCATIONS:
        if location.hive == hive_type:
            by_key.setdefault(location.key, []).append(location)
    for locations in by_key.values():
        for path, control_set, is_current in _expand(locations[0], names, current):
            key = root.find(path)
            if key is None:
                continue
            values: dict[str, Value] | None = None
            for location in locations:
                value = None
                if location.value is not None:
                    if values is None:
                        values = {}
                        for item in key.values():
                            values.setdefault(fold_name(item.name), item)
                    value = values.get(fold_name(location.value))
                    if value is None:
                        continue
                facts.facts.append(
                    Fact(location, evidence, mounted, key, value, control_set, is_current)
                )
    facts.coverage.sources.append(source_coverage(evidence, mounted, current))


def _component_matches(pattern: str, name: str) -> bool:
    if pattern == CCS:
        return bool(_CONTROL_SET_RE.match(name)) or name.upper() == _LITERAL_CCS.upper()
    return pattern.upper() == name.upper()


def _removed_locations(
    relative: str, value_name: str | None, hive_type: HiveType
) -> tuple[str, ...]:
    """The location ids a deletion at ``relative`` (inside a hive of ``hive_type``) removes:
    a key deletion removes every location at or below it, a value deletion that value."""
    parts = [p for p in relative.split("\\") if p]
    removed: list[str] = []
    for location in LOCATIONS:
        if location.hive != hive_type:
            continue
        pattern = [p for p in location.key.split("\\") if p]
        if value_name is None:
            shared = min(len(parts), len(pattern))
            above = len(parts) <= len(pattern)  # the deleted key holds the location
            inside = location.value is None  # or lies inside a key-level location (a store)
            if (above or inside) and all(
                _component_matches(p, n)
                for p, n in zip(pattern[:shared], parts[:shared], strict=True)
            ):
                removed.append(location.fact)
        elif (
            location.value is not None
            and len(parts) == len(pattern)
            and all(_component_matches(p, n) for p, n in zip(pattern, parts, strict=True))
            and location.value.upper() == value_name.upper()
        ):
            removed.append(location.fact)
    return tuple(removed)


def _deletions(item: Evidence, facts: FactSet) -> None:
    from hiveparse.errors import UsageError  # noqa: PLC0415
    from hiveparse.paths import locate, parse_registry_path  # noqa: PLC0415

    facts.deletions_total += item.reg_deletions_total
    for deletion in item.reg_deletions:
        try:
            location = locate(parse_registry_path(deletion.key_path))
        except UsageError:
            continue  # the parser has already reported the bad root
        removed = _removed_locations(location.relative, deletion.value_name, location.hive_type)
        if removed:
            facts.deletions.append(
                Deletion(item, deletion.key_path, deletion.value_name, deletion.line, removed)
            )


def _pattern_matches(pattern: str, path: str) -> str | None:
    """Whether a hive path is a location's key; returns the ControlSet it passes through
    ("" when the location has none), None when it does not match."""
    wanted = [p for p in pattern.split("\\") if p]
    parts = [p for p in path.split("\\") if p]
    if len(wanted) != len(parts):
        return None
    control_set = ""
    for expected, name in zip(wanted, parts, strict=True):
        if not _component_matches(expected, name):
            return None
        if expected == CCS:
            control_set = name
    return control_set


def _place_recovered(
    recovery: Recovery, evidence: Evidence, mounted: MountedHive, facts: FactSet
) -> None:
    """Deleted records at licensing locations: a recovered key whose path is a location's
    key, its linked values, and unlinked values whose name only one location uses."""
    hive_type = mounted.hive.hive_type
    locations = [location for location in LOCATIONS if location.hive == hive_type]
    placed: set[int] = set()
    for record in recovery.keys:
        if not record.path_complete:
            continue
        key = DeletedKey(record, evidence.path, hive_type)
        for location in locations:
            control_set = _pattern_matches(location.key, record.path)
            if control_set is None:
                continue
            found: list[DeletedValue | None] = [None]
            if location.value is not None:
                wanted = fold_name(location.value)
                found = [v for v in key.values() if fold_name(v.name) == wanted]
            for value in found:
                facts.recovered.append(
                    Fact(location, evidence, mounted, key, value, control_set or None, False)
                )
                if value is not None:
                    placed.add(value.record.offset)
    deleted_keys = {record.offset for record in recovery.keys}
    for record_value in recovery.values:
        if record_value.offset in placed:
            continue
        owner = record_value.key_offset
        at_live_key = owner is not None and owner not in deleted_keys
        if at_live_key and _place_at_live_key(record_value, locations, evidence, mounted, facts):
            continue
        wanted = fold_name(record_value.name)
        matches = [
            location
            for location in locations
            if location.value is not None
            and fold_name(location.value) == wanted
            and location.fact.startswith(NAME_PLACEABLE)
        ]
        if len({location.key for location in matches}) != 1:
            continue  # the name alone does not say where the value was
        value = DeletedValue(record_value, evidence.path, hive_type)
        path = matches[0].key.replace(CCS, UNKNOWN_CONTROL_SET, 1)
        inferred = InferredKey(path, value)
        facts.recovered.extend(
            Fact(location, evidence, mounted, inferred, value, None, False) for location in matches
        )


def _place_at_live_key(
    record: RecoveredValue,
    locations: list[Location],
    evidence: Evidence,
    mounted: MountedHive,
    facts: FactSet,
) -> bool:
    """A deleted value left in a live key's value list: placed at that key, when the key is
    a location's and the value has the location's name."""
    path = record.key_path
    if path is None or "?" in path.split("\\"):
        return False
    key = mounted.hive.root().find(path)
    if key is None:
        return False
    value = DeletedValue(record, evidence.path, mounted.hive.hive_type)
    placed = False
    for location in locations:
        control_set = _pattern_matches(location.key, path)
        if control_set is None or location.value is None:
            continue
        if fold_name(location.value) == fold_name(record.name):
            facts.recovered.append(
                Fact(location, evidence, mounted, key, value, control_set or None, False)
            )
            placed = True
    return placed


class Carve(StrEnum):
    """How much of each hive's unallocated space is searched for deleted records."""

    NEAR = "near"  # the hive bins around the licensing keys: costs what they hold
    ALL = "all"  # every bin and the remnant: costs the hive's size
    OFF = "off"


NEIGHBOUR_BINS = 2  # bins on each side of a licensing key's bin searched in Carve.NEAR


def _licensing_bins(hive: RegfHive, names: list[str]) -> list[HiveBin]:
    """The bins holding the licensing keys (or, where a key is gone, its deepest existing
    ancestor), their value and subkey lists, and their neighbours: where a deleted value or
    subkey of those keys most likely lies (UNCERTAIN: Windows allocates from free cells of
    the right size, often but not always near the key)."""
    offsets: set[int] = set()
    root = hive.root()
    for location in LOCATIONS:
        if location.hive != hive.hive_type:
            continue
        for path, _control_set, _current in _expand(location, names, None):
            key: Key = root
            for part in [p for p in path.split("\\") if p]:
                child = key.subkey(part)
                if child is None:
                    break
                key = child
            if isinstance(key, RegfKey):
                node = key.node
                offsets.update((key.offset, node.values_list_offset, node.subkeys_list_offset))
    from hiveparse.sources.regf.carve import bins_around  # noqa: PLC0415

    return bins_around(hive, sorted(offsets), NEIGHBOUR_BINS)


def _recovered_facts(
    evidence: Evidence, mounted: MountedHive, facts: FactSet, carve: Carve
) -> None:
    hive = mounted.hive
    if not isinstance(hive, RegfHive) or carve == Carve.OFF:
        return  # a .reg export holds no unallocated space
    if not any(location.hive == hive.hive_type for location in LOCATIONS):
        return
    names = _control_set_names(hive.root())[0] if hive.hive_type == HiveType.SYSTEM else []
    bins = _licensing_bins(hive, names) if carve == Carve.NEAR else None
    from hiveparse.sources.regf.carve import recover  # noqa: PLC0415

    recovery = recover(hive, bins=bins)
    facts.notes.extend(recovery.diagnostics)
    facts.recoveries.append(
        {
            "source": evidence.path,
            "hive": str(hive.hive_type),
            "scope": "whole hive" if recovery.whole_hive else "bins around the licensing keys",
            "deleted_keys": len(recovery.keys),
            "deleted_values": len(recovery.values),
            "scanned_bytes": dict(recovery.scanned_bytes),
            "partial": recovery.partial,
        }
    )
    _place_recovered(recovery, evidence, mounted, facts)


def _timeless(evidence: Evidence) -> bool:
    """An input without key times or owners: a .reg file, or a hive converted from one."""
    if evidence.format == EvidenceFormat.REG:
        return True
    return bool(evidence.hives) and all(m.hive.written_by_converter for m in evidence.hives)


def collect_facts(
    evidence: list[Evidence], *, carve: Carve = Carve.NEAR, guess_control_set: bool = True
) -> FactSet:
    """Read every location of the table from one host's evidence (hives before .reg files).

    ``carve`` says how much of each hive's unallocated space is searched for deleted records
    at licensing locations (:attr:`FactSet.recovered`; never mixed into the live facts).
    ``guess_control_set``: where nothing names the current ControlSet, take the only one
    present (analyze), or none (compare: an export of one numbered set need not be current).
    """
    facts = FactSet()
    ordered = sorted(evidence, key=lambda item: item.format != EvidenceFormat.REGF)
    facts.reg_only = bool(ordered) and all(_timeless(item) for item in ordered)
    for item in ordered:
        for mounted in item.hives:
            _hive_facts(item, mounted, facts, guess=guess_control_set)
            _recovered_facts(item, mounted, facts, carve)
        _deletions(item, facts)
    return facts
