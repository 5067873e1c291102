"""What the evidence of one host covers: where an absence is evidence of absence.

A conclusion such as "no GracePeriod key" or "no license server" rests on something not
being there. It may be drawn only where the input could have shown it:

* a hive file covers its whole tree, unless reading it met an error (then nothing);
* a hive written by ``hiveparse convert`` covers only what its source .reg file covered
  (the marker in its base block carries that, see :mod:`hiveparse.schemas.converted`);
* a regedit export covers the subtrees it exported (the rule is in
  :mod:`hiveparse.sources.regtext.coverage`); a hand-written snippet covers only the keys
  and values it names, and a change script nothing by absence;
* a hive type no input supplies covers nothing.

Paths here are relative to the hive (``ControlSet001\\Control\\Terminal Server``); the
caller resolves ``CurrentControlSet`` to the ControlSet each source uses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from hiveparse.errors import Diagnostic, Severity
from hiveparse.evidence.open import Evidence, MountedHive
from hiveparse.model import EvidenceFormat, Hive, HiveType, fold_name

WHOLE_HIVE = "hive"
CONVERTED_HIVE = "converted_hive"
DAMAGED_HIVE = "damaged_hive"  # a hive file that could not be read entirely
REG_EXPORT = "reg_export"
CHANGE_SCRIPT = "change_script"
MISSING = "missing"


class TreeCoverage(Protocol):
    """Which subtrees of a source's hive mounts it covers."""

    def covers(self, mount: str, relative: str) -> bool: ...

    def root_records(self, mount: str) -> list[dict[str, Any]] | None:
        """The exported roots under ``mount`` as report records (None: the whole hive)."""


class HiveTree:
    """A hive file covers its whole tree, unless reading it met an error (a hive cut short,
    a damaged key or list, a dirty hive without its logs): then something it lacks may have
    been lost rather than absent, and it covers nothing by absence. The reader records
    errors as it visits cells, so the question is asked again each time."""

    def __init__(self, hive: Hive) -> None:
        self.hive = hive

    def damage(self) -> Diagnostic | None:
        """The first error met while reading the hive, if any."""
        return next((d for d in self.hive.diagnostics if d.severity == Severity.ERROR), None)

    def covers(self, mount: str, relative: str) -> bool:
        return self.damage() is None

    def root_records(self, mount: str) -> list[dict[str, Any]] | None:
        return None if self.damage() is None else []


@dataclass(frozen=True)
class CoveredRoot:
    """A subtree a source exported: absences at or below ``path`` count when ``covers``."""

    path: str  # relative to the hive ("" for the root)
    covers: bool
    line: int | None = None
    reason: str = ""
    subtree: bool = True  # False: the key itself and its values, not what lies below

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RootsCoverage:
    """Coverage given as exported roots (a converted hive's marker)."""

    def __init__(self, roots: list[CoveredRoot]) -> None:
        self.roots = roots
        self._covering = [(fold_name(root.path), root.subtree) for root in roots if root.covers]

    def covers(self, mount: str, relative: str) -> bool:
        wanted = fold_name(relative)
        return any(
            wanted == root or (subtree and (not root or wanted.startswith(root + "\\")))
            for root, subtree in self._covering
        )

    def root_records(self, mount: str) -> list[dict[str, Any]] | None:
        return [root.to_dict() for root in self.roots]


@dataclass(frozen=True)
class SourceCoverage:
    """One hive mount of one input, and what it covers."""

    evidence: Evidence
    mounted: MountedHive
    kind: str  # WHOLE_HIVE | CONVERTED_HIVE | REG_EXPORT | CHANGE_SCRIPT
    tree: TreeCoverage
    control_set: str | None  # the ControlSet this source's CurrentControlSet means

    @property
    def hive_type(self) -> HiveType:
        return self.mounted.hive.hive_type

    @property
    def damage(self) -> Diagnostic | None:
        """For a hive file: the first error met while reading it (it then covers nothing)."""
        return self.tree.damage() if isinstance(self.tree, HiveTree) else None

    def covers(self, relative: str) -> bool:
        return self.tree.covers(self.mounted.mount, relative)

    def to_dict(self) -> dict[str, Any]:
        damage = self.damage
        return {
            "hive": str(self.hive_type),
            "source": self.evidence.path,
            "mount": self.mounted.mount,
            "kind": DAMAGED_HIVE if damage is not None else self.kind,
            "control_set": self.control_set,
            "roots": self.tree.root_records(self.mounted.mount),
            "reason": None if damage is None else f"reading it met an error: {damage}",
        }


def source_coverage(
    evidence: Evidence, mounted: MountedHive, control_set: str | None
) -> SourceCoverage:
    """What one hive mount of an input covers (see the module docstring)."""
    if evidence.format == EvidenceFormat.REG:
        coverage = evidence.reg_coverage
        kind = CHANGE_SCRIPT if evidence.reg_deletions_total else REG_EXPORT
        tree: TreeCoverage = coverage if coverage is not None else RootsCoverage([])
        return SourceCoverage(evidence, mounted, kind, tree, control_set)
    origin = mounted.hive.origin
    if origin is not None:
        # What the .reg file it came from covered; nothing when that did not fit the marker.
        roots = [
            CoveredRoot(root.path, root.covers, root.line, subtree=root.subtree)
            for root in origin.coverage
        ]
        return SourceCoverage(evidence, mounted, CONVERTED_HIVE, RootsCoverage(roots), control_set)
    return SourceCoverage(evidence, mounted, WHOLE_HIVE, HiveTree(mounted.hive), control_set)


@dataclass
class HostCoverage:
    """Every source of one host, and the hive types none supplies."""

    sources: list[SourceCoverage]

    def covers(self, hive_type: HiveType, key: str, control_set_token: str | None) -> bool:
        """Whether some source of ``hive_type`` covers ``key``. When ``control_set_token``
        is given, it stands in ``key`` for the ControlSet each source uses, and a source
        that uses none covers nothing there."""
        for source in self.sources:
            if source.hive_type != hive_type:
                continue
            path = key
            if control_set_token is not None:
                if source.control_set is None:
                    continue
                path = key.replace(control_set_token, source.control_set, 1)
            if source.covers(path):
                return True
        return False

    def missing(self, wanted: tuple[HiveType, ...]) -> list[HiveType]:
        present = {source.hive_type for source in self.sources}
        return [hive_type for hive_type in wanted if hive_type not in present]

    def to_list(self, wanted: tuple[HiveType, ...]) -> list[dict[str, Any]]:
        records = [source.to_dict() for source in self.sources if source.hive_type in wanted]
        records += [
            {"hive": str(hive_type), "source": None, "mount": None, "kind": MISSING,
             "control_set": None, "roots": [], "reason": "no input holds this hive"}
            for hive_type in self.missing(wanted)
        ]  # fmt: skip
        return records
