"""One side of a comparison: the evidence of one machine, opened once, by hive mount.

A side is what the user names for A or B: hives, .reg files, a folder, a collection. It
must describe one machine (the grouping analyze uses decides; a volume's RegBack copies are
set aside with a note) and give each hive mount once: two sources of one mount (a hive and
an export of it) would make every difference ambiguous, so they are refused, not merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hiveparse.controlset import effective_control_set
from hiveparse.errors import (
    Diagnostic,
    EvidenceError,
    HiveparseError,
    Location,
    Severity,
    UsageError,
)
from hiveparse.evidence.coverage import SourceCoverage, source_coverage
from hiveparse.evidence.discover import MAY_MISS_EVIDENCE, discover_evidence
from hiveparse.evidence.hosts import Grouping, group_hosts, profile_user
from hiveparse.evidence.open import Evidence, MountedHive, open_evidence
from hiveparse.model import EvidenceFormat, HiveType

# A child name no key has: whether a source covers it says whether the source covers the
# subtree below a key, not just the key and its values.
SUBTREE_PROBE = "\uffff"


@dataclass(frozen=True)
class SideMount:
    """One hive mount of a side, with what its source covers."""

    evidence: Evidence
    mounted: MountedHive
    coverage: SourceCoverage
    # SYSTEM only: the key CurrentControlSet stands for (ControlSet00N, or a literal
    # CurrentControlSet key of a live export); None where no set is known to be current.
    current_control_set: str | None

    @property
    def mount(self) -> str:
        return self.mounted.mount

    @property
    def hive_type(self) -> HiveType:
        return self.mounted.hive.hive_type

    def covers(self, relative: str) -> bool:
        """Whether an absence at ``relative`` (a path inside this hive, in the side's own
        ControlSet naming) is evidence of absence."""
        return self.coverage.covers(relative)

    def covers_values(self, relative: str) -> bool:
        """Whether a value missing from the key at ``relative`` is evidence of absence: the
        key lies in a subtree the source shows whole. An export's root named alone (no key
        line below it) is not enough here: a regedit export of a key without subkeys and a
        hand-written snippet that sets one of its values look alike, and a diff (and its
        patch) must not take the snippet's silence for deleted values."""
        return self.coverage.covers(f"{relative}\\{SUBTREE_PROBE}" if relative else SUBTREE_PROBE)


@dataclass
class Machine:
    """The evidence of one machine, as one side of a comparison."""

    label: str  # "a" or "b"
    arguments: list[str]
    host: str  # the host's label (its ComputerName where known)
    evidence: list[Evidence] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        """Something of this side could not be read, or evidence of it may have been missed."""
        return any(
            d.severity == Severity.ERROR or d.code in MAY_MISS_EVIDENCE for d in self.diagnostics
        )


@dataclass
class Side(Machine):
    """One machine's evidence by hive mount, one source each (what ``diff`` walks)."""

    mounts: dict[str, SideMount] = field(default_factory=dict)  # by mount, upper-cased


def open_machine(
    label: str, paths: list[Path], *, encoding: str | None = None, engine: str = "hiveparse"
) -> Machine:
    """Open the evidence ``paths`` name as side ``label`` ("a" or "b"): one machine's (the
    grouping analyze uses decides), never a change script."""
    shown = label.upper()
    discovery = discover_evidence(paths)
    diagnostics = [*discovery.diagnostics, *(e.to_diagnostic() for e in discovery.errors)]
    opened: list[Evidence] = []
    arguments: dict[str, str] = {}
    for found in discovery.files:
        arguments[str(found.path)] = str(found.argument)
        try:
            opened.append(open_evidence(found.path, engine=engine, encoding=encoding))
        except HiveparseError as error:
            diagnostics.append(
                Diagnostic("input.unreadable", error.message, error.location, Severity.ERROR)
            )
    if not opened:
        named = ", ".join(map(str, paths))
        why = f" ({discovery.errors[0].message})" if discovery.errors else ""
        raise EvidenceError(f"{shown}: no readable registry evidence in {named}{why}")
    groups = group_hosts(opened, grouping=Grouping.AUTO, arguments=arguments)
    live = [group for group in groups if group.snapshot == "live"]
    chosen = live if len(live) == 1 else groups
    if len(chosen) > 1:
        hosts = "; ".join(f"{g.label} ({g.folder})" for g in chosen)
        raise UsageError(
            f"{shown} holds the evidence of {len(chosen)} hosts ({hosts}): each side of a "
            "comparison is one machine; name one host's folder or files"
        )
    (group,) = chosen
    diagnostics += [
        Diagnostic(
            "compare.snapshot_set_aside",
            f"{shown}: the {other.snapshot} in {other.folder} is not compared (the live "
            "hives are); name its folder as a side of its own to compare it",
            Location(other.folder),
            Severity.INFO,
        )
        for other in groups
        if other is not group
    ]
    for item in group.evidence:
        diagnostics.extend(item.all_diagnostics)
        if item.reg_deletions_total:
            raise UsageError(
                f"{shown}: {item.path} is a change script (it deletes keys or values): it says "
                "what to change, not what a machine holds; analyze it, or compare the exports "
                "of a machine before and after it"
            )
    return Machine(label, [str(p) for p in paths], group.label, list(group.evidence), diagnostics)


def open_side(
    label: str, paths: list[Path], *, encoding: str | None = None, engine: str = "hiveparse"
) -> Side:
    """Open the evidence ``paths`` name as side ``label`` ("a" or "b"), one source per
    hive mount."""
    machine = open_machine(label, paths, encoding=encoding, engine=engine)
    side = Side(
        machine.label, machine.arguments, machine.host, machine.evidence, machine.diagnostics
    )
    sources: dict[str, list[tuple[Evidence, MountedHive]]] = {}
    for item in side.evidence:
        for mounted in map(_user_mount, [item] * len(item.hives), item.hives):
            sources.setdefault(mounted.mount.upper(), []).append((item, mounted))
    for given in sources.values():
        _add_mount(side, *_one_source(label.upper(), given, side.diagnostics))
    return side


def _user_mount(item: Evidence, mounted: MountedHive) -> MountedHive:
    """A user's hive found in a profile folder (``Users\\alice\\NTUSER.DAT``, ``...\\alice\\
    AppData\\Local\\Microsoft\\Windows\\UsrClass.dat``) is that user's, under
    ``HKEY_USERS\\alice`` (and ``alice_Classes``): a machine holds several, and each is
    compared with the same user's on the other side, never with another user's. A user's hive
    given alone keeps its own mount (HKEY_CURRENT_USER)."""
    if mounted.hive.hive_type not in (HiveType.NTUSER, HiveType.USRCLASS):
        return mounted
    user = profile_user(item.path)
    if user is None:
        return mounted
    suffix = "_Classes" if mounted.hive.hive_type == HiveType.USRCLASS else ""
    return MountedHive(f"HKEY_USERS\\{user}{suffix}", mounted.hive)


def _one_source(
    shown: str, given: list[tuple[Evidence, MountedHive]], diagnostics: list[Diagnostic]
) -> tuple[Evidence, MountedHive]:
    """The one source of a mount: the hive file where a side also holds exports of it (it
    covers the whole tree; the exports are noted, set aside); two hives, or several exports
    and no hive, are refused (which is the machine's is not clear)."""
    if len(given) == 1:
        return given[0]
    hives = [pair for pair in given if pair[0].format == EvidenceFormat.REGF]
    mount = given[0][1].mount
    if len(hives) != 1:
        paths = ", ".join(item.path for item, _mounted in (hives or given))
        raise UsageError(
            f"{shown} gives {mount} {len(hives or given)} times ({paths}): which one is the "
            "machine's is not clear; name one of them"
        )
    chosen = hives[0]
    diagnostics += [
        Diagnostic(
            "compare.export_set_aside",
            f"{shown}: {item.path} also holds {mount}; the hive {chosen[0].path} is compared "
            "(diff the two to see where they disagree)",
            Location(item.path),
            Severity.INFO,
        )
        for item, _mounted in given
        if item is not chosen[0]
    ]
    return chosen


def _add_mount(side: Side, item: Evidence, mounted: MountedHive) -> None:
    key = mounted.mount.upper()
    current = None
    if mounted.hive.hive_type == HiveType.SYSTEM:
        # Only what the source states: an export of one numbered set is no current set.
        current = effective_control_set(mounted.hive.root(), guess=False)
    coverage = source_coverage(item, mounted, current)
    side.mounts[key] = SideMount(item, mounted, coverage, current)
