"""Cross-checking two readings of a hive, key by key.

:func:`compare_hives` walks two :class:`~hiveparse.model.Hive` objects in lockstep, matching
subkeys and values by name as Windows compares them (case-insensitively), and yields one
:class:`Disagreement` per difference. Stored order is not compared. Memory stays bounded by
the widest key: only the subkeys and values of the keys being compared are held, plus the
cell offsets already visited (so that a cyclic hive cannot make the walk run for ever).

An engine that reports something less precisely than REGF stores it (hivexml prints whole
seconds and decoded strings, for instance) is compared through an :class:`Equivalence`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from hiveparse.engines import open_engine
from hiveparse.errors import Diagnostic, Location, NotRegf, Severity
from hiveparse.filetime import filetime_iso
from hiveparse.model import Hive, Key, Value, WalkBudget, fold_name, type_name

if TYPE_CHECKING:
    from hiveparse.report.models import DisagreementRecord, PeerResult


class DisagreementKind(StrEnum):
    KEY_MISSING = "key_missing"  # the key is on one side only
    VALUE_MISSING = "value_missing"  # the value is on one side only
    NAME_DIFFERS = "name_differs"  # same name case-insensitively, spelled differently
    TYPE_DIFFERS = "type_differs"
    DATA_DIFFERS = "data_differs"
    LAST_WRITTEN_DIFFERS = "last_written_differs"
    CLASS_NAME_DIFFERS = "class_name_differs"
    DEPTH_EXCEEDED = "depth_exceeded"  # the walk stopped descending here (budget)
    # The comparison stopped here: an engine listed more values, or read more value data,
    # than the file can hold (shared lists or cells followed again and again).
    READ_BUDGET_EXCEEDED = "read_budget_exceeded"


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One difference between side ``a`` and side ``b``.

    ``value_name`` is None for key-level differences ("" is the default value). ``a`` and
    ``b`` are short renderings of what each side says (None: the side has nothing there).
    """

    kind: DisagreementKind
    path: str
    value_name: str | None
    a: str | None
    b: str | None
    engine_a: str
    engine_b: str

    def __str__(self) -> str:
        where = self.path or "(root)"
        if self.value_name is not None:
            where = f"{where} : {self.value_name or '(default)'}"
        return f"{self.kind}: {where}: {self.engine_a}={self.a} {self.engine_b}={self.b}"

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": str(self.kind),
            "path": self.path,
            "value": self.value_name,
            "a": self.a,
            "b": self.b,
            "engine_a": self.engine_a,
            "engine_b": self.engine_b,
        }


def same_type(a: Value, b: Value) -> bool:
    return a.type_id == b.type_id


def same_raw(a: Value, b: Value) -> bool:
    return a.raw == b.raw


@dataclass(frozen=True, slots=True)
class Equivalence:
    """What counts as agreement. The default is exact: same type id, same bytes, same tick."""

    time_resolution: int = 1  # FILETIME ticks; 10_000_000 compares whole seconds
    same_type: Callable[[Value, Value], bool] = same_type
    same_data: Callable[[Value, Value], bool] = same_raw
    budget: WalkBudget = field(default_factory=WalkBudget)


EXACT = Equivalence()


@dataclass(slots=True)
class ReadBudget:
    """What each side may read before the comparison stops: a REGF file of ``size`` bytes
    holds at most one value record per 24 bytes (the smallest vk cell) and at most ``size``
    bytes of value data; an engine that reads more follows shared lists or cells again."""

    values: int
    data: int
    spent: list[list[int]] = field(default_factory=lambda: [[0, 0], [0, 0]])

    @classmethod
    def for_file(cls, size: int) -> ReadBudget:
        return cls(values=size // 24 + 1, data=2 * size + 4096)

    def spend(self, side: int, values: int = 0, data: int = 0) -> None:
        spent = self.spent[side]
        spent[0] += values
        spent[1] += data
        if spent[0] > self.values or spent[1] > self.data:
            raise _OverBudget(side)


class _OverBudget(Exception):
    def __init__(self, side: int) -> None:
        super().__init__(side)
        self.side = side


def compare_hives(
    a: Hive,
    b: Hive,
    *,
    limit: int | None = None,
    equivalence: Equivalence = EXACT,
    budget: ReadBudget | None = None,
) -> Iterator[Disagreement]:
    """Every difference between ``a`` and ``b``, depth first from the root (at most ``limit``).

    Last-written times and class names are compared only where both sides know them (an
    engine that cannot read them says None). With ``budget``, the walk stops (one
    ``read_budget_exceeded`` disagreement) once a side has listed more values or read more
    value data than the budget allows.
    """
    for emitted, found in enumerate(_compare(a, b, equivalence, budget), start=1):
        yield found
        if limit is not None and emitted >= limit:
            return


def _compare(
    a: Hive, b: Hive, eq: Equivalence, budget: ReadBudget | None
) -> Iterator[Disagreement]:
    names = (a.engine, b.engine)
    if names[0] == names[1]:
        names = (f"{names[0]}(a)", f"{names[1]}(b)")
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Key, Key, int]] = [(a.root(), b.root(), 0)]
    while stack:
        key_a, key_b, depth = stack.pop()
        visit = (key_a.provenance.offset, key_b.provenance.offset)
        if visit[0] is not None and visit[1] is not None:
            if (visit[0], visit[1]) in seen:
                continue
            seen.add((visit[0], visit[1]))
        try:
            yield from _compare_key(key_a, key_b, eq, names, budget)
        except _OverBudget as over:
            assert budget is not None
            values, data = budget.spent[over.side]
            said = f"{values} values, {data} bytes of value data read"
            yield Disagreement(
                DisagreementKind.READ_BUDGET_EXCEEDED,
                key_a.path,
                None,
                said if over.side == 0 else None,
                said if over.side == 1 else None,
                *names,
            )
            return
        pairs: list[tuple[Key, Key]] = []
        for sub_a, sub_b in _pair(list(key_a.subkeys()), list(key_b.subkeys()), _key_name):
            if sub_a is None or sub_b is None:
                yield _missing(DisagreementKind.KEY_MISSING, None, sub_a, sub_b, names)
            else:
                pairs.append((sub_a, sub_b))
        if pairs and depth + 1 > eq.budget.max_depth:
            yield Disagreement(
                DisagreementKind.DEPTH_EXCEEDED, key_a.path, None, None, None, *names
            )
            continue
        stack.extend((sub_a, sub_b, depth + 1) for sub_a, sub_b in reversed(pairs))


def _compare_key(
    key_a: Key,
    key_b: Key,
    eq: Equivalence,
    names: tuple[str, str],
    budget: ReadBudget | None = None,
) -> Iterator[Disagreement]:
    path = key_a.path
    if key_a.name != key_b.name and path:
        yield Disagreement(
            DisagreementKind.NAME_DIFFERS, path, None, repr(key_a.name), repr(key_b.name), *names
        )
    time_a, time_b = key_a.last_written, key_b.last_written
    res = eq.time_resolution
    if time_a is not None and time_b is not None and time_a // res != time_b // res:
        yield Disagreement(
            DisagreementKind.LAST_WRITTEN_DIFFERS, path, None, _time(time_a), _time(time_b), *names
        )
    class_a, class_b = key_a.class_name, key_b.class_name
    if class_a is not None and class_b is not None and class_a != class_b:
        yield Disagreement(
            DisagreementKind.CLASS_NAME_DIFFERS, path, None, repr(class_a), repr(class_b), *names
        )
    values_a, values_b = list(key_a.values()), list(key_b.values())
    if budget is not None:
        budget.spend(0, values=len(values_a))
        budget.spend(1, values=len(values_b))
    for val_a, val_b in _pair(values_a, values_b, _value_name):
        if val_a is None or val_b is None:
            yield _missing(DisagreementKind.VALUE_MISSING, path, val_a, val_b, names)
            continue
        yield from _compare_value(path, val_a, val_b, eq, names)
        if budget is not None:
            budget.spend(0, data=len(val_a.raw))
            budget.spend(1, data=len(val_b.raw))


def _compare_value(
    path: str, val_a: Value, val_b: Value, eq: Equivalence, names: tuple[str, str]
) -> Iterator[Disagreement]:
    name = val_a.name
    if val_a.name != val_b.name:
        yield Disagreement(
            DisagreementKind.NAME_DIFFERS, path, name, repr(val_a.name), repr(val_b.name), *names
        )
    if not eq.same_type(val_a, val_b):
        yield Disagreement(
            DisagreementKind.TYPE_DIFFERS,
            path,
            name,
            type_name(val_a.type_id),
            type_name(val_b.type_id),
            *names,
        )
    if not eq.same_data(val_a, val_b):
        yield Disagreement(
            DisagreementKind.DATA_DIFFERS, path, name, _data(val_a.raw), _data(val_b.raw), *names
        )


def _missing(
    kind: DisagreementKind,
    key_path: str | None,
    side_a: Key | Value | None,
    side_b: Key | Value | None,
    names: tuple[str, str],
) -> Disagreement:
    """A key (``key_path`` None) or a value of the key at ``key_path`` on one side only."""
    present = side_a if side_a is not None else side_b
    assert present is not None
    if isinstance(present, Key):
        path, value_name = present.path, None
    else:
        path, value_name = key_path or "", present.name
    return Disagreement(
        kind,
        path,
        value_name,
        "present" if side_a is not None else None,
        "present" if side_b is not None else None,
        *names,
    )


T = TypeVar("T")


def _pair(
    left: Sequence[T], right: Sequence[T], name_of: Callable[[T], str]
) -> Iterator[tuple[T | None, T | None]]:
    """Match items by folded name; duplicates are matched in stored order.

    Pairs come out in folded-name order, so the report does not depend on stored order.
    Where both sides hold the same names in the same order (a hive read back after
    writing it, two engines on one file), items pair by position: the same pairs, without
    a map of every name (a key may hold a million values).
    """
    if len(left) == len(right) and all(
        name_of(a) == name_of(b) for a, b in zip(left, right, strict=True)
    ):
        order = [fold_name(name_of(item)) for item in left]
        for index in sorted(range(len(left)), key=order.__getitem__):  # stable: duplicates
            yield left[index], right[index]
        return
    by_name: dict[str, tuple[list[T], list[T]]] = {}
    for item in left:
        by_name.setdefault(fold_name(name_of(item)), ([], []))[0].append(item)
    for item in right:
        by_name.setdefault(fold_name(name_of(item)), ([], []))[1].append(item)
    for folded in sorted(by_name):
        items_l, items_r = by_name[folded]
        for index in range(max(len(items_l), len(items_r))):
            yield (
                items_l[index] if index < len(items_l) else None,
                items_r[index] if index < len(items_r) else None,
            )


def _key_name(key: Key) -> str:
    return key.name


def _value_name(value: Value) -> str:
    return value.name


def _time(raw: int) -> str:
    return f"{raw} ({filetime_iso(raw)})"


def _data(raw: bytes, prefix: int = 16) -> str:
    head = raw[:prefix].hex(" ")
    return f"{len(raw)} bytes: {head}{' …' if len(raw) > prefix else ''}"


def canonical_tree(hive: Hive, *, with_data: bool = True) -> Iterator[tuple[object, ...]]:
    """A stored-order-independent listing of ``hive``: one tuple per key, then per value.

    Keys: ``("key", path_folded, name, last_written, class_name)``; values: ``("value",
    path_folded, name, type_id, raw)`` (``raw`` is None unless ``with_data``). Subkeys and
    values are listed in folded-name order, so two readings of one hive give equal lists.
    """
    stack: list[Key] = [hive.root()]
    while stack:
        key = stack.pop()
        path = fold_name(key.path)
        yield ("key", path, key.name, key.last_written, key.class_name)
        for value in _sorted(key.values(), _value_name):
            yield ("value", path, value.name, value.type_id, value.raw if with_data else None)
        stack.extend(reversed(_sorted(key.subkeys(), _key_name)))


def _sorted(items: Iterable[T], name_of: Callable[[T], str]) -> list[T]:
    return sorted(items, key=lambda item: fold_name(name_of(item)))


@dataclass(frozen=True, slots=True)
class Verification:
    """What ``hiveparse verify`` found: each peer's disagreements with our reader (or the
    error that stopped it), the diagnostics, whether a comparison was stopped by its read
    budget, and whether the result is partial (stopped, or the hive not read whole)."""

    peers: list[PeerResult]
    diagnostics: list[Diagnostic]
    stopped: bool
    partial: bool

    @property
    def disagree(self) -> bool:
        """Whether any peer disagrees with our reader or failed to read what it read."""
        return any(peer["error"] or peer["disagreements"] for peer in self.peers)


def disagreement_record(found: Disagreement) -> DisagreementRecord:
    return {
        "kind": str(found.kind),
        "path": found.path,
        "value_name": found.value_name,
        "a": found.a,
        "b": found.b,
        "engine_a": found.engine_a,
        "engine_b": found.engine_b,
    }


def verify_peers(
    reference: Hive,
    path: str,
    peers: Sequence[str],
    *,
    limit: int | None = None,
    diagnostics: Iterable[Diagnostic] = (),
) -> Verification:
    """Compare ``reference`` (our reader's hive of the file ``path``, read as stored) with
    each engine of ``peers`` opening the same file. ``diagnostics`` are the reading's own;
    a dirty hive adds ``verify.logs_not_applied`` (every side reads it without its logs).

    Each side may read at most one value per 24 bytes of file and twice the file in value
    data (:class:`ReadBudget`): a peer that follows a shared value list again and again is
    stopped, and the result is partial. An engine that fails is that peer's ``error``."""
    from hiveparse.sources.regf.hive import RegfHive  # noqa: PLC0415

    if not isinstance(reference, RegfHive):
        raise NotRegf("verify compares REGF hive readers; this is a .reg file", source=path)
    noted = list(diagnostics)
    if reference.dirty:
        noted.append(
            Diagnostic(
                "verify.logs_not_applied",
                "the hive is dirty: every engine read it as stored, without its transaction "
                "logs (what they hold is not compared; other commands apply them)",
                Location(path, offset=4),
                Severity.WARNING,
            )
        )
    results: list[PeerResult] = []
    for peer in peers:
        entry: PeerResult = {"engine": peer, "error": None, "disagreements": []}
        budget = ReadBudget.for_file(len(reference.image))
        try:
            other = open_engine(peer, path)
            entry["disagreements"] = [
                disagreement_record(found)
                for found in compare_hives(reference, other, limit=limit, budget=budget)
            ]
        except Exception as error:  # a peer's failure is its result
            entry["error"] = f"{type(error).__name__}: {error}"
        results.append(entry)
    stopped = any(
        found["kind"] == DisagreementKind.READ_BUDGET_EXCEEDED
        for result in results
        for found in result["disagreements"]
    )
    # Partial when a comparison was stopped or the hive could not be read whole: what was
    # not read was not compared (as for analyze, partial comes before disagreement).
    partial = stopped or any(d.severity == Severity.ERROR for d in noted)
    return Verification(results, noted, stopped, partial)
