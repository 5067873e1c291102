"""The raw differences of two registries, key by key and value by value.

Both sides' trees are walked together, mount by mount, in the order of their folded names
(as Windows compares them). A key or value on one side only is ``added`` (B has it) or
``removed`` (A has it) only where the other side's input covers that place
(:mod:`hiveparse.evidence.coverage`: a hive covers its tree, an export the subtrees it
exported); elsewhere it is counted as not compared, never reported as a difference. A
value on both sides is ``changed`` when its type or its stored bytes differ; the decoded
form is for reading only.

Control sets: by default each side's current set (Select, or a live export's literal
CurrentControlSet) is compared as ``CurrentControlSet``, so machines that booted from
ControlSet001 and ControlSet002 compare setting by setting; other sets are set aside with a
note. ``ControlSetMode.ALL`` compares every set by its number instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from hiveparse.compare.ignore import IgnoreRules, PathRules
from hiveparse.compare.machine import machine_rules
from hiveparse.compare.sides import Side, SideMount
from hiveparse.controlset import is_control_set_name
from hiveparse.errors import Diagnostic, Severity, UsageError, coded, quoted
from hiveparse.model import (
    MAX_KEY_DEPTH,
    EvidenceFormat,
    HiveType,
    Key,
    Value,
    fold_name,
    split_path,
)
from hiveparse.paths import parse_registry_path

CURRENT_CONTROL_SET = "CurrentControlSet"


class ControlSetMode(StrEnum):
    CURRENT = "current"  # each side's current set, as CurrentControlSet
    ALL = "all"  # every ControlSet00N by its number


class Change(StrEnum):
    ADDED = "added"  # on B only
    REMOVED = "removed"  # on A only
    CHANGED = "changed"


@dataclass(frozen=True)
class DiffOptions:
    key: str | None = None  # a full path: both sides are compared below it only
    control_sets: ControlSetMode = ControlSetMode.CURRENT
    times: bool = False  # report keys whose last-written times differ
    ignores: tuple[str, ...] = ()
    default_ignores: bool = True


@dataclass(frozen=True)
class Seen:
    """A key or value as one side holds it."""

    source: str
    cell_offset: int | None
    line: int | None
    type_id: int | None = None  # values only
    raw: bytes | None = None  # a value's stored data
    last_written: int | None = None  # keys only (FILETIME; None where the input has none)


@dataclass(frozen=True)
class Difference:
    change: Change
    kind: str  # "key" or "value"
    path: str  # the key's full path (SYSTEM paths in CurrentControlSet form by default)
    name: str | None  # the value's name ("" for the default value); None for a key
    a: Seen | None
    b: Seen | None
    machine_specific: str | None = None  # why the place belongs to one machine (compare.machine)


@dataclass(frozen=True)
class NotCompared:
    """A place the diff could not judge, and why."""

    path: str
    reason: str
    keys: int = 0  # keys and values of the side that has them, left out there
    values: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "reason": self.reason, "keys": self.keys, "values": self.values}


@dataclass
class DiffResult:
    a: Side
    b: Side
    options: DiffOptions
    ignore: IgnoreRules
    differences: list[Difference] = field(default_factory=list)
    not_compared: list[NotCompared] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    machine: PathRules = field(default_factory=machine_rules)

    @property
    def partial(self) -> bool:
        return self.a.partial or self.b.partial

    def counts(self) -> dict[str, int]:
        counts = {f"{change}_{kind}s": 0 for change in Change for kind in ("key", "value")}
        for item in self.differences:
            counts[f"{item.change}_{item.kind}s"] += 1
        return counts


def diff_sides(a: Side, b: Side, options: DiffOptions) -> DiffResult:
    """The differences that turn A into B (see the module docstring)."""
    result = DiffResult(
        a, b, options, IgnoreRules(options.ignores, defaults=options.default_ignores)
    )
    scope = _scope(options.key, a, b)
    for mount_key in sorted(set(a.mounts) | set(b.mounts)):
        in_a, in_b = a.mounts.get(mount_key), b.mounts.get(mount_key)
        mount = (in_a or in_b).mount  # type: ignore[union-attr]
        if scope is not None and scope[0] != mount_key:
            continue
        if in_a is None or in_b is None:
            which = "B" if in_a is None else "A"
            if scope is not None:
                raise UsageError(
                    f"{quoted(options.key or '')} lies in {mount}, which only {which} holds: "
                    "there is nothing to compare it with"
                )
            result.not_compared.append(
                NotCompared(mount, f"only {which} holds this hive: nothing to compare it with")
            )
            continue
        _Walk(result, in_a, in_b).run(scope[1] if scope else "")
    return result


def _scope(key: str | None, a: Side, b: Side) -> tuple[str, str] | None:
    """KEY as (mount, upper-cased; the path inside it), checked to lie in a mount."""
    if key is None:
        return None
    full = str(parse_registry_path(key))
    mounts = {m.mount.upper(): m.mount for side in (a, b) for m in side.mounts.values()}
    holding = [m for m in mounts if full.upper() == m or full.upper().startswith(m + "\\")]
    if not holding:
        shown = ", ".join(sorted(mounts.values())) or "none"
        raise UsageError(f"{quoted(key)} lies in no hive either side holds (they hold {shown})")
    mount = max(holding, key=len)
    return mount, full[len(mount) + 1 :]


@dataclass(frozen=True, slots=True)
class _Next:
    """A place the walk visits: the key on each side (None: that side has none), the path
    shown, and each side's own path to it."""

    a: Key | None
    b: Key | None
    shown: str
    own_a: str
    own_b: str
    depth: int
    rules: tuple[int, ...]  # the ignore rules that could match here or below (narrowed)


class _Walk:
    """Both trees of one mount, walked together."""

    def __init__(self, result: DiffResult, a: SideMount, b: SideMount) -> None:
        self.result, self.a, self.b, self.ignore = result, a, b, result.ignore
        self.mount = a.mount
        self.system = a.hive_type == HiveType.SYSTEM and b.hive_type == HiveType.SYSTEM
        self.times = result.options.times
        self.uncovered_at: dict[tuple[str, str], int] = {}  # (place, side) -> not_compared index
        self.mode: ControlSetMode | None = self._control_set_mode(result.options.control_sets)
        if self.times and EvidenceFormat.REG in (a.evidence.format, b.evidence.format):
            self._note_once(
                "compare.times_unknown",
                "a .reg file holds no key times: last-written times are compared only where "
                "both sides are hives",
                self.mount,
                Severity.WARNING,
            )

    def _control_set_mode(self, asked: ControlSetMode) -> ControlSetMode | None:
        """How this mount's control sets pair: as asked; but where neither side states its
        current set (no Select, no literal CurrentControlSet) by number, and where only one
        does not at all (None): its sets could be any of the other's (warned either way)."""
        if not self.system or asked == ControlSetMode.ALL:
            return asked
        unknown = [
            s for s, side in (("A", self.a), ("B", self.b)) if side.current_control_set is None
        ]
        if not unknown:
            return asked
        if len(unknown) == 2:
            self._note_once(
                "compare.control_set_unknown",
                "neither side states which control set is current (no Select key names one "
                "that exists): their control sets are compared by number",
                self.mount,
                Severity.WARNING,
            )
            return ControlSetMode.ALL
        self._note_once(
            "compare.control_set_unknown",
            f"{unknown[0]} does not state which control set is current (no Select key names "
            "one that exists), so its sets cannot be paired with the other's current one: "
            "the control sets are not compared (--controlsets all compares them by number)",
            self.mount,
            Severity.WARNING,
        )
        return None

    # --- the walk ------------------------------------------------------------------------

    def run(self, scope: str) -> None:
        root_a, root_b = self.a.mounted.hive.root(), self.b.mounted.hive.root()
        if not scope:
            self._pair(root_a, root_b, "", "", "", 0)
            return
        shown = self._shown_scope(scope)
        found_a, own_a = self._find(root_a, scope, self.a)
        found_b, own_b = self._find(root_b, scope, self.b)
        if found_a is None and found_b is None:
            raise UsageError(f"key {quoted(self._full(shown))} is on neither side")
        if found_a is not None and found_b is not None:
            self._pair(found_a, found_b, shown, own_a, own_b, 0)
        elif found_a is not None:
            self._one_side(found_a, shown, own_a, Change.REMOVED, covered=self.b.covers(own_b))
        elif found_b is not None:
            self._one_side(found_b, shown, own_b, Change.ADDED, covered=self.a.covers(own_a))

    def _pair(self, ka: Key, kb: Key, shown: str, own_a: str, own_b: str, depth: int) -> None:
        """Keys at one place on both sides: their values, then their subkeys in order of
        their folded names (a subkey on one side only with all that lies below it)."""
        rules = self.ignore.narrow(self._full(shown))
        stack: list[_Next] = [_Next(ka, kb, shown, own_a, own_b, depth, rules)]
        while stack:
            item = stack.pop()
            if item.a is None or item.b is None:
                removed = item.a is not None
                self._one_side(
                    item.a or item.b,  # type: ignore[arg-type]
                    item.shown,
                    item.own_a if removed else item.own_b,
                    Change.REMOVED if removed else Change.ADDED,
                    covered=self.b.covers(item.own_b) if removed else self.a.covers(item.own_a),
                    rules=item.rules,
                )
                continue
            ka, kb, shown, own_a, own_b, depth = (
                item.a, item.b, item.shown, item.own_a, item.own_b, item.depth,
            )  # fmt: skip
            full = self._full(shown)
            if self.times and _times_differ(ka, kb):
                self._emit(Change.CHANGED, "key", full, None, _key_seen(ka), _key_seen(kb))
            self._values(ka, kb, full, own_a, own_b, item.rules)
            if depth >= MAX_KEY_DEPTH:
                self._note_depth(full)
                continue
            children_a = self._children(ka, own_a, self.a, "A")
            children_b = self._children(kb, own_b, self.b, "B")
            below: list[_Next] = []
            for folded in sorted(children_a.keys() | children_b.keys()):
                child_a, child_b = children_a.get(folded), children_b.get(folded)
                name = (child_a or child_b)[0]  # type: ignore[index]
                child_shown = _join(shown, name)
                child_rules = self._rules_below(child_shown, item.rules)
                if child_rules is None:
                    continue
                below.append(
                    _Next(
                        None if child_a is None else child_a[1],
                        None if child_b is None else child_b[1],
                        child_shown,
                        _join(own_a, child_a[1].name if child_a else name),
                        _join(own_b, child_b[1].name if child_b else name),
                        depth + 1,
                        child_rules,
                    )
                )
            stack.extend(reversed(below))

    def _rules_below(self, shown: str, rules: tuple[int, ...]) -> tuple[int, ...] | None:
        """The ignore rules still in play at the subkey ``shown`` of a key whose rules are
        ``rules``; None when one of them leaves the subkey out."""
        if not rules:
            return rules
        full = self._full(shown)
        if self.ignore.ignores(full, rules):
            return None
        return self.ignore.narrow(full, rules)

    def _values(
        self, ka: Key, kb: Key, full: str, own_a: str, own_b: str, rules: tuple[int, ...]
    ) -> None:
        listed_a, listed_b = list(ka.values()), list(kb.values())
        names_a = [fold_name(value.name) for value in listed_a]
        names_b = [fold_name(value.name) for value in listed_b]
        if names_a == names_b:  # the common case: the same values in the same order
            triples = zip(names_a, listed_a, listed_b, strict=True)
            for _folded, left, right in sorted(triples, key=lambda triple: triple[0]):
                if rules and self.ignore.ignores(f"{full}\\{left.name}", rules):
                    continue
                self._compare(full, left.name, left, right)
            return
        values_a = _first_by_name(names_a, listed_a)
        values_b = _first_by_name(names_b, listed_b)
        for folded in sorted(values_a.keys() | values_b.keys()):
            va, vb = values_a.get(folded), values_b.get(folded)
            name = (va or vb).name  # type: ignore[union-attr]
            if rules and self.ignore.ignores(f"{full}\\{name}", rules):
                continue
            if va is not None and vb is not None:
                self._compare(full, name, va, vb)
            elif va is not None:
                if self.b.covers_values(own_b):
                    self._emit(Change.REMOVED, "value", full, name, _value_seen(va), None)
                else:
                    self._uncovered(full, "B", values=1)
            elif vb is not None:
                if self.a.covers_values(own_a):
                    self._emit(Change.ADDED, "value", full, name, None, _value_seen(vb))
                else:
                    self._uncovered(full, "A", values=1)

    def _compare(self, full: str, name: str, va: Value, vb: Value) -> None:
        """A value both sides hold: changed when its type or its stored bytes differ."""
        if va.type_id != vb.type_id or va.raw != vb.raw:
            self._emit(Change.CHANGED, "value", full, name, _value_seen(va), _value_seen(vb))

    def _one_side(
        self,
        key: Key,
        shown: str,
        own: str,
        change: Change,
        *,
        covered: bool,
        rules: tuple[int, ...] | None = None,
    ) -> None:
        """A key and everything below it, on one side only: added or removed where the
        other side covers the place, else counted as not compared (at the key's parent:
        one entry for the place the other side lacks)."""
        side = self.a if change == Change.REMOVED else self.b
        label = "A" if side is self.a else "B"
        place = self._full(_parent(shown))
        start = self.ignore.narrow(self._full(shown), rules)
        stack = [(key, shown, own, 0, start)]
        keys = values = 0
        while stack:
            key, shown, own, depth, here = stack.pop()
            full = self._full(shown)
            if covered:
                self._emit(change, "key", full, None, *_on(change, _key_seen(key)))
            keys += 1
            for value in sorted(key.values(), key=lambda v: fold_name(v.name)):
                if here and self.ignore.ignores(f"{full}\\{value.name}", here):
                    continue
                values += 1
                if covered:
                    self._emit(change, "value", full, value.name, *_on(change, _value_seen(value)))
            if depth >= MAX_KEY_DEPTH:
                self._note_depth(full)
                continue
            children = self._children(key, own, side, label)
            below = []
            for folded in sorted(children):
                name, child = children[folded]
                child_shown = _join(shown, name)
                child_rules = self._rules_below(child_shown, here)
                if child_rules is not None:
                    below.append(
                        (child, child_shown, _join(own, child.name), depth + 1, child_rules)
                    )
            stack.extend(reversed(below))
        if not covered:
            lacking = "A" if change == Change.ADDED else "B"
            self._uncovered(place, lacking, keys=keys, values=values)

    # --- control sets --------------------------------------------------------------------

    def _children(
        self, key: Key, own: str, side: SideMount, label: str
    ) -> dict[str, tuple[str, Key]]:
        """A key's subkeys by folded shown name: (shown name, key). At a SYSTEM root in the
        default mode, the current set is shown as CurrentControlSet and other sets are set
        aside."""
        children: dict[str, tuple[str, Key]] = {}
        at_system_root = self.system and own == ""
        if at_system_root and self.mode == ControlSetMode.ALL:
            self._check_numbered(side, label)
        for child in key.subkeys():
            name = child.name
            if at_system_root and self.mode is None and _is_set(name):
                continue  # not comparable (warned once, in _control_set_mode)
            if at_system_root and self.mode == ControlSetMode.CURRENT and _is_set(name):
                current = side.current_control_set or ""
                if fold_name(name) != fold_name(current):
                    self._note_set_aside(name, label)
                    continue
                name = CURRENT_CONTROL_SET
            # A name listed twice (a damaged or crafted hive; the reader reports it): the
            # first, as a lookup by name finds it.
            children.setdefault(fold_name(name), (name, child))
        return children

    def _check_numbered(self, side: SideMount, label: str) -> None:
        """In ALL mode sets pair by name: a live export's literal CurrentControlSet has no
        number to pair with the other side's numbered sets."""
        other = self.b if side is self.a else self.a
        literal = [s.current_control_set for s in (side, other)]
        if sum(1 for name in literal if name and not is_control_set_name(name)) == 1:
            self._note_once(
                "compare.control_set_unnumbered",
                "one side names CurrentControlSet itself (an export of a live system), the "
                "other numbers its sets: with --controlsets all they cannot pair; the default "
                "compares the current sets",
                self.mount,
                Severity.WARNING,
            )

    def _find(self, root: Key, scope: str, side: SideMount) -> tuple[Key | None, str]:
        """The key ``scope`` names on one side, and its path in that side's own naming."""
        parts = split_path(scope)
        if self.system and parts and fold_name(parts[0]) == fold_name(CURRENT_CONTROL_SET):
            parts[0] = side.current_control_set or parts[0]
        own = "\\".join(parts)
        return root.find(own), own

    def _shown_scope(self, scope: str) -> str:
        parts = split_path(scope)
        first = fold_name(parts[0]) if parts else ""
        if self.system and is_control_set_name(first) and self.mode == ControlSetMode.CURRENT:
            raise UsageError(
                f"{quoted(self._full(scope))} names a ControlSet by number: the default "
                "compares each side's current set as CurrentControlSet (use that name), or "
                "give --controlsets all to compare sets by number"
            )
        if self.system and first == fold_name(CURRENT_CONTROL_SET):
            if self.mode != ControlSetMode.CURRENT:
                raise UsageError(
                    f"{quoted(self._full(scope))} names CurrentControlSet, but which control "
                    "set is current is not stated on both sides (no Select): name the set by "
                    "number, with --controlsets all"
                )
            parts[0] = CURRENT_CONTROL_SET
        return "\\".join(parts)

    # --- output --------------------------------------------------------------------------

    def _full(self, shown: str) -> str:
        return f"{self.mount}\\{shown}" if shown else self.mount

    def _emit(
        self, change: Change, kind: str, path: str, name: str | None, a: Seen | None, b: Seen | None
    ) -> None:
        rule = self.result.machine.match(path if name is None else f"{path}\\{name}")
        why = None if rule is None else rule.why
        self.result.differences.append(Difference(change, kind, path, name, a, b, why))

    def _uncovered(self, path: str, lacking: str, *, keys: int = 0, values: int = 0) -> None:
        """Keys or values of one side where the other (``lacking``) shows nothing and does
        not cover the place: merged into one entry per place."""
        reason = (
            f"{lacking}'s input does not cover what lies here, so what only the other side "
            "holds is not a difference"
        )
        found = self.result.not_compared
        index = self.uncovered_at.get((path, lacking))
        if index is None:
            self.uncovered_at[(path, lacking)] = len(found)
            found.append(NotCompared(path, reason, keys, values))
            return
        item = found[index]
        found[index] = NotCompared(path, reason, item.keys + keys, item.values + values)

    def _note_set_aside(self, name: str, label: str) -> None:
        self._note_once(
            "compare.control_set_set_aside",
            f"{label}'s {name} is not its current control set: not compared (--controlsets "
            "all compares every set by number)",
            f"{self.mount}\\{name}",
        )

    def _note_depth(self, path: str) -> None:
        self._note_once(
            "compare.depth_limit",
            f"keys below {quoted(path)} lie deeper than the {MAX_KEY_DEPTH} levels Windows "
            "allows: not compared",
            path,
            Severity.WARNING,
        )

    def _note_once(
        self, code: str, message: str, path: str, severity: Severity = Severity.INFO
    ) -> None:
        notes = self.result.notes
        if any(note.code == code and note.message == message for note in notes):
            return
        notes.append(coded(code, message, source=path, severity=severity))
        self.result.not_compared.append(NotCompared(path, message))


def _is_set(name: str) -> bool:
    return is_control_set_name(name) or fold_name(name) == fold_name(CURRENT_CONTROL_SET)


def _first_by_name(folded: list[str], values: list[Value]) -> dict[str, Value]:
    """Values by folded name; of a name listed twice (a damaged or crafted hive, which the
    reader reports) the first, as a lookup by name finds it."""
    found: dict[str, Value] = {}
    for name, value in zip(folded, values, strict=True):
        found.setdefault(name, value)
    return found


def _times_differ(ka: Key, kb: Key) -> bool:
    """Both keys carry a last-written time (a .reg file has none) and they differ."""
    return None not in (ka.last_written, kb.last_written) and ka.last_written != kb.last_written


def _join(parent: str, name: str) -> str:
    return f"{parent}\\{name}" if parent else name


def _parent(path: str) -> str:
    return path.rpartition("\\")[0]


def _on(change: Change, seen: Seen) -> tuple[Seen | None, Seen | None]:
    """(a, b) of a key or value one side holds: A's when removed, B's when added."""
    return (seen, None) if change == Change.REMOVED else (None, seen)


def _key_seen(key: Key) -> Seen:
    where = key.provenance
    return Seen(where.source, where.offset, where.line, last_written=key.last_written)


def _value_seen(value: Value) -> Seen:
    where = value.provenance
    return Seen(where.source, where.offset, where.line, value.type_id, value.raw)
