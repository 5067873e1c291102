"""Grouping opened evidence into hosts: which files describe the same machine (and state).

Rules, applied in this order; every group says in ``reasons`` which of them put its files
together (or kept a file alone):

1. **Location, for hive files** (never for the hive *type*, which always comes from the
   content). Folder names are compared case-insensitively and URL-decoded (see
   :func:`hiveparse.evidence.discover.describe_location`):

   * hives in the same ``Windows\\System32\\config`` folder form one host; in a collection,
     the config folders of one drive do, whichever accessor copied them (Velociraptor's
     ``uploads/ntfs/%5C%5C.%5CC%3A`` and ``uploads/auto/C%3A``), and the machine's master
     keys are looked for in every copy of the drive;
   * hives in ``config\\RegBack`` (and XP's ``Windows\\repair`` and restore-point
     ``snapshot`` folders) are an older state of that host: each such folder is a group of
     its own, labelled as such (``RDSH-01 (RegBack copy)``), never merged with the live
     config;
   * user hives under ``Users\\<name>`` (``Documents and Settings`` on XP: NTUSER.DAT at the
     top of the profile, UsrClass.dat under ``AppData\\Local\\Microsoft\\Windows``), service
     and system profiles and AppCompat hives belong to the host whose config folder is on
     the same volume. Drive-letter folders of collections compare by letter, so
     Velociraptor's ``uploads/auto/C%3A`` and ``uploads/ntfs/%5C%5C.%5CC%3A`` and KAPE's
     ``C`` are one volume per collection folder. Without a config folder on that volume,
     the volume's user hives form a host together;
   * other ("loose") hive files in the same folder form one host, as a folder of one
     machine's hives usually is, when the folder holds at least one machine hive and no
     two hives of one machine type (two SYSTEM, two SOFTWARE, ...); its user hives join
     that host. A folder with a conflict is a mix of machines, and a folder without a
     machine hive says nothing about which machine its user hives came from: then each
     file is a host alone. A hive of unknown type is never grouped by folder.

2. **Conflicts.** A host has at most one hive of each machine type (SYSTEM, SOFTWARE,
   SECURITY, SAM, DEFAULT, COMPONENTS, DRIVERS, ELAM, BCD, AMCACHE); in particular two
   SYSTEM hives never share a host. In a config, RegBack, repair or snapshot folder the hive
   named as Windows names it (``SYSTEM``, ``_REGISTRY_MACHINE_SYSTEM``) keeps its place and
   any other hive of that type (``system.sav``, ``SYSTEM.bak``) becomes a host of its own;
   user hives (NTUSER, UsrClass) never conflict.

3. **ComputerName.** A SYSTEM hive names its host: ``Select\\Current`` (else
   ``Select\\Default``, else the only ControlSet) chooses the ControlSet, and
   ``ControlSet00N\\Control\\ComputerName\\ComputerName`` value ``ComputerName`` is the
   label. A RegBack (or other older) group without its own SYSTEM hive borrows the name of
   the config folder it belongs to. Two hosts with the same ComputerName built from two
   SYSTEM hives stay apart (rule 2) and say so.

4. **.reg files** take no part in location grouping. A .reg file whose SYSTEM keys state
   one ComputerName (``HKLM\\SYSTEM\\CurrentControlSet\\...`` resolved as above, or a
   literal ``CurrentControlSet`` key of a live export) joins the one live host of that name;
   when no host has it, .reg files stating the same name form a host together; when several
   live hosts have it, the .reg file stays alone. A .reg file that states no ComputerName
   (or several) is a host of its own.

5. **Hints.** A SOFTWARE hive's ``Microsoft\\Windows NT\\CurrentVersion`` values
   (ProductName, CurrentBuildNumber, CSDVersion, InstallDate as UTC) are reported in
   ``hints``; they never merge or split hosts.

The same file given twice counts once. Output is deterministic: evidence in a group sorted
by path, groups sorted by their first evidence path; labels are unique (a repeated one gets
`` [2]``, `` [3]``, ...).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path, PurePath

from hiveparse.controlset import read_control_sets
from hiveparse.errors import HiveparseError
from hiveparse.evidence.discover import Placement, describe_location
from hiveparse.evidence.open import Evidence
from hiveparse.model import EvidenceFormat, Hive, HiveType, Key

__all__ = [
    "MACHINE_HIVE_TYPES",
    "ComputerName",
    "Grouping",
    "HostGroup",
    "group_hosts",
    "read_computer_name",
    "read_software_hints",
]

MACHINE_HIVE_TYPES: frozenset[HiveType] = frozenset(
    {
        HiveType.SYSTEM,
        HiveType.SOFTWARE,
        HiveType.SECURITY,
        HiveType.SAM,
        HiveType.DEFAULT,
        HiveType.COMPONENTS,
        HiveType.DRIVERS,
        HiveType.ELAM,
        HiveType.BCD,
        HiveType.AMCACHE,
    }
)

# File names Windows gives each machine hive (config folder, XP restore-point snapshot).
_CANONICAL_NAMES: dict[HiveType, frozenset[str]] = {
    hive_type: frozenset({hive_type.value, f"_REGISTRY_MACHINE_{hive_type.value}"})
    for hive_type in MACHINE_HIVE_TYPES
}
_CANONICAL_NAMES[HiveType.BCD] = frozenset({"BCD", "BCD-TEMPLATE"})
_CANONICAL_NAMES[HiveType.AMCACHE] = frozenset({"AMCACHE.HVE"})

_COMPUTER_NAME_KEY = "Control\\ComputerName\\ComputerName"
_CURRENT_VERSION = "Microsoft\\Windows NT\\CurrentVersion"
_SNAPSHOT_NAMES = {
    "regback": "RegBack copy",
    "repair": "repair copy",
    "restore_point": "restore point snapshot",
}


@dataclass(frozen=True, slots=True)
class ComputerName:
    name: str
    key_path: str  # inside the SYSTEM hive: ControlSet001\Control\ComputerName\ComputerName
    control_set_source: str | None  # "Select\\Current", "Select\\Default", ...

    def where(self) -> str:
        return f"SYSTEM\\{self.key_path}"


@dataclass
class HostGroup:
    """Evidence files that describe one host (or one older snapshot of it)."""

    label: str  # the ComputerName when known
    evidence: list[Evidence]
    reasons: list[str]
    computer_name: str | None = None
    snapshot: str = "live"  # or "RegBack copy", "repair copy", "restore point snapshot"
    hints: dict[str, str] = field(default_factory=dict)
    folder: str = ""  # the folder the host stands for (a volume root, a ticket folder)
    volume: bool = False  # the folder is a Windows volume's (or collection drive's) root
    case: str = ""  # that folder relative to the EVIDENCE argument ("." for the argument)
    argument: str | None = None  # the EVIDENCE argument it was found under

    @property
    def paths(self) -> list[str]:
        return [item.path for item in self.evidence]


PROFILE_FOLDERS = ("USERS", "DOCUMENTS AND SETTINGS")


def profile_user(path: str) -> str | None:
    """The user whose profile folder holds a file (``...\\Users\\alice\\NTUSER.DAT``,
    ``...\\alice\\AppData\\...\\UsrClass.dat``), or None for a file found elsewhere."""
    parts = Path(path).parts
    folders = [index for index, part in enumerate(parts[:-2]) if part.upper() in PROFILE_FOLDERS]
    return parts[folders[-1] + 1] if folders else None


# --- reading names and hints -----------------------------------------------------------------


def _string(key: Key | None, name: str) -> str | None:
    if key is None:
        return None
    value = key.value(name)
    if value is None:
        return None
    decoded = value.decoded
    if isinstance(decoded, str):
        return decoded.strip("\x00").strip() or None
    if isinstance(decoded, list) and decoded and isinstance(decoded[0], str):
        return decoded[0].strip() or None
    return None


def read_computer_name(hive: Hive) -> ComputerName | None:
    """The ComputerName a SYSTEM hive (or a .reg file's SYSTEM mount) states, or None."""
    root = hive.root()
    literal = root.subkey("CurrentControlSet")
    if literal is not None:  # a .reg export of a live system names CurrentControlSet itself
        name = _string(literal.find(_COMPUTER_NAME_KEY), "ComputerName")
        if name is not None:
            return ComputerName(name, f"CurrentControlSet\\{_COMPUTER_NAME_KEY}", None)
    sets = read_control_sets(root)
    candidates: list[tuple[str, str | None]] = []
    if sets.effective is not None:
        candidates.append((sets.effective, sets.effective_source))
    candidates.extend(
        (name, "first ControlSet holding a ComputerName (Select names none that exists)")
        for name in sorted(sets.available, key=str.upper)
        if sets.effective is None
    )
    for control_set, source in candidates:
        key = root.find(f"{control_set}\\{_COMPUTER_NAME_KEY}")
        name = _string(key, "ComputerName")
        if name is not None:
            return ComputerName(name, f"{control_set}\\{_COMPUTER_NAME_KEY}", source)
    return None


def read_software_hints(hive: Hive) -> dict[str, str]:
    """ProductName, CurrentBuildNumber, CSDVersion and InstallDate from a SOFTWARE hive."""
    key = hive.find(_CURRENT_VERSION)
    hints: dict[str, str] = {}
    if key is None:
        return hints
    for name in ("ProductName", "CurrentBuildNumber", "CSDVersion"):
        text = _string(key, name)
        if text is not None:
            hints[name] = text
    value = key.value("InstallDate")
    if value is not None and isinstance(value.decoded, int) and value.decoded > 0:
        moment = datetime.fromtimestamp(value.decoded, tz=UTC)
        hints["InstallDate"] = moment.isoformat().replace("+00:00", "Z")
    return hints


# --- facts per evidence file -----------------------------------------------------------------


@dataclass
class _Item:
    evidence: Evidence
    place: Placement
    hive_type: HiveType | None  # the hive file's type (None for .reg files)
    names: list[ComputerName]  # stated by its SYSTEM hive or SYSTEM mounts
    hints: dict[str, str]
    notes: list[str]

    @property
    def path(self) -> str:
        return self.evidence.path

    @property
    def file_name(self) -> str:
        return PurePath(self.evidence.path).name

    @property
    def is_reg(self) -> bool:
        return self.evidence.format == EvidenceFormat.REG


def _facts(evidence: Evidence) -> _Item:
    is_reg = evidence.format == EvidenceFormat.REG
    hive_type = None if is_reg or not evidence.hives else evidence.hives[0].hive.hive_type
    names: list[ComputerName] = []
    hints: dict[str, str] = {}
    notes: list[str] = []
    for mounted in evidence.hives:
        kind = mounted.hive.hive_type
        try:
            if kind == HiveType.SYSTEM:
                found = read_computer_name(mounted.hive)
                if found is not None and found not in names:
                    names.append(found)
            elif kind == HiveType.SOFTWARE:
                for name, text in read_software_hints(mounted.hive).items():
                    hints.setdefault(name, text)
        except HiveparseError as error:
            notes.append(f"{evidence.path}: {kind} hints could not be read: {error.message}")
    return _Item(evidence, describe_location(evidence.path), hive_type, names, hints, notes)


# --- groups ----------------------------------------------------------------------------------


@dataclass
class _Group:
    items: list[_Item]
    reasons: list[str]
    where: str  # what the group is anchored on, for an unnamed label
    snapshot: str = "live"
    anchor_key: str | None = None  # config / snapshot folder (normalised)
    volume: tuple[str, str] | None = None
    computer_name: str | None = None
    inherited_name: bool = False

    def add(self, item: _Item, reason: str | None = None) -> None:
        self.items.append(item)
        if reason is not None and reason not in self.reasons:
            self.reasons.append(reason)

    @property
    def first_path(self) -> str:
        return min(item.path for item in self.items)


def _canonical(item: _Item, hive_type: HiveType) -> bool:
    return item.file_name.upper() in _CANONICAL_NAMES.get(hive_type, frozenset())


def _conflicts(items: Iterable[_Item]) -> dict[HiveType, list[_Item]]:
    by_type: dict[HiveType, list[_Item]] = defaultdict(list)
    for item in items:
        if item.hive_type in MACHINE_HIVE_TYPES:
            by_type[item.hive_type].append(item)
    return {kind: found for kind, found in by_type.items() if len(found) > 1}


def _names(items: Iterable[_Item]) -> str:
    return ", ".join(item.file_name for item in items)


_SINGLE = "single input: "


def _alone(item: _Item, reason: str, snapshot: str = "live") -> _Group:
    return _Group([item], [reason], item.path, snapshot=snapshot, volume=item.place.volume)


def _folder_group(
    members: list[_Item], folder: str, kind: str, snapshot: str = "live"
) -> list[_Group]:
    """One group for a config / snapshot folder, plus a group per file split out of it."""
    split: list[_Group] = []
    kept = list(members)
    for hive_type, found in sorted(_conflicts(members).items()):
        canonical = [item for item in found if _canonical(item, hive_type)]
        keeper = canonical[0] if len(canonical) == 1 else None
        for item in found:
            if item is keeper:
                continue
            kept = [other for other in kept if other is not item]
            if keeper is not None:
                why = (
                    f"not grouped with {kind} {folder}: {keeper.file_name!r} is that "
                    f"folder's {hive_type} hive, and two {hive_type} hives never share a host"
                )
            else:
                why = (
                    f"not grouped with {kind} {folder}: it holds {len(found)} {hive_type} "
                    f"hives ({_names(found)}) and none is named {hive_type}; two {hive_type} "
                    "hives never share a host"
                )
            split.append(_alone(item, why, snapshot))
    groups = split
    if kept:
        if len(kept) == 1:
            reason = f"{_SINGLE}the only hive used from {kind} {folder}"
        else:
            reason = f"same {kind} {folder}"
        group = _Group(
            kept,
            [reason],
            f"{kind} {folder}",
            snapshot=snapshot,
            anchor_key=members[0].place.anchor_key,
            volume=members[0].place.volume,
        )
        groups.insert(0, group)
    return groups


def _loose_groups(members: list[_Item], folder: str) -> list[_Group]:
    if len(members) == 1:
        return [_alone(members[0], f"{_SINGLE}a hive file outside any Windows layout")]
    conflicts = _conflicts(members)
    if conflicts:
        clash = "; ".join(
            f"{len(found)} {kind} hives ({_names(found)})"
            for kind, found in sorted(conflicts.items())
        )
        why = (
            f"not grouped by folder: {folder} holds {clash}, and a host has one hive of "
            "each machine type (two SYSTEM hives never share a host)"
        )
        return [_alone(item, why) for item in members]
    machine = [item for item in members if item.hive_type in MACHINE_HIVE_TYPES]
    if not machine:
        why = (
            f"not grouped by folder: {folder} holds no machine hive (SYSTEM, SOFTWARE, ...) "
            "that would tie its user hives to one machine"
        )
        return [_alone(item, why) for item in members]
    unknown = [item for item in members if item.hive_type in (None, HiveType.UNKNOWN)]
    groups = [_alone(item, "not grouped by folder: the hive's type is unknown") for item in unknown]
    kept = [item for item in members if all(item is not other for other in unknown)]
    if len(kept) == 1:
        groups.insert(0, _alone(kept[0], f"{_SINGLE}a hive file outside any Windows layout"))
        return groups
    reason = (
        f"same folder {folder}: loose hive files with at most one of each machine type "
        f"({_names(machine)}), taken as one machine"
    )
    groups.insert(0, _Group(kept, [reason], f"folder {folder}", volume=None))
    return groups


def _volume_text(item: _Item) -> str:
    return item.place.volume_display or item.place.anchor


def _config_key(place: Placement) -> tuple[str, ...]:
    """Which config folders are one machine's: the same folder, or, in a collection, the
    same drive however it was read (Velociraptor copies locked hives through ``ntfs`` and
    the rest through ``auto``: ``uploads/ntfs/%5C%5C.%5CC%3A`` and ``uploads/auto/C%3A`` are
    one C: drive)."""
    if place.volume is not None and place.volume[1]:
        return ("drive", *place.volume)
    return ("folder", place.anchor_key)


def _location_groups(items: list[_Item]) -> list[_Group]:
    configs: dict[tuple[str, ...], list[_Item]] = defaultdict(list)
    snapshots: dict[str, list[_Item]] = defaultdict(list)
    profiles: dict[tuple[str, str], list[_Item]] = defaultdict(list)
    loose: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        place = item.place
        if place.kind == "config":
            configs[_config_key(place)].append(item)
        elif place.kind in _SNAPSHOT_NAMES:
            snapshots[place.anchor_key].append(item)
        elif place.kind == "profile" and place.volume is not None:
            profiles[place.volume].append(item)
        else:
            loose[place.anchor_key].append(item)

    groups: list[_Group] = []
    live_by_volume: dict[tuple[str, str], list[_Group]] = defaultdict(list)
    for members in configs.values():
        folder_groups = _folder_group(members, members[0].place.anchor, "config directory")
        groups.extend(folder_groups)
        main = folder_groups[0]
        if main.anchor_key is not None and main.volume is not None:
            live_by_volume[main.volume].append(main)
    for members in snapshots.values():
        place = members[0].place
        label = _SNAPSHOT_NAMES[place.kind]
        folder_groups = _folder_group(members, place.anchor, f"{label} directory", label)
        main = folder_groups[0]
        if main.anchor_key is not None:
            main.reasons.append(
                f"{label}: an older state of the host, kept apart from its live config"
            )
        groups.extend(folder_groups)
    for volume, members in profiles.items():
        hosts = live_by_volume.get(volume, [])
        if len(hosts) == 1:
            host = hosts[0]
            for item in members:
                host.add(
                    item,
                    f"{item.place.role} on the same volume ({_volume_text(item)}) as {host.where}",
                )
            continue
        why = (
            f"{len(hosts)} config directories on the volume: not joined to either"
            if hosts
            else "no config directory found on the volume"
        )
        text = _volume_text(members[0])
        group = _Group([], [], f"volume {text}", volume=volume)
        for item in members:
            group.add(item, f"{item.place.role} under the same volume's Users folder ({text})")
        if len(members) == 1:
            group.reasons.insert(0, f"{_SINGLE}{why}")
        else:
            group.reasons.append(why)
        groups.append(group)
    for members in loose.values():
        groups.extend(_loose_groups(members, members[0].place.anchor))
    return groups


def _name_groups(groups: list[_Group]) -> None:
    """Label each group with its SYSTEM hive's ComputerName; snapshots borrow their host's."""
    for group in groups:
        for item in sorted(group.items, key=lambda i: i.path):
            if item.hive_type == HiveType.SYSTEM and item.names:
                found = item.names[0]
                group.computer_name = found.name
                source = found.control_set_source
                source = f"; ControlSet from {source}" if source else ""
                group.reasons.append(
                    f"ComputerName {found.name!r} in {found.where()}{source} ({item.file_name})"
                )
                break
            if item.hive_type == HiveType.SYSTEM:
                group.reasons.append(f"the SYSTEM hive {item.file_name} states no ComputerName")
    live = {g.anchor_key: g for g in groups if g.snapshot == "live" and g.anchor_key}
    for group in groups:
        if group.snapshot == "live" or group.computer_name or not group.items:
            continue
        place = group.items[0].place
        parent = None
        if place.kind == "regback":
            parent = live.get(str(PurePath(place.anchor_key).parent))
        else:
            same_volume = [g for g in live.values() if g.volume == group.volume and g.computer_name]
            parent = same_volume[0] if len(same_volume) == 1 else None
        if parent is not None and parent.computer_name:
            group.computer_name = parent.computer_name
            group.inherited_name = True
            group.reasons.append(
                f"belongs to {parent.where}, whose SYSTEM hive names the host "
                f"{parent.computer_name!r}"
            )
    by_name: dict[str, list[_Group]] = defaultdict(list)
    for group in groups:
        if group.computer_name and group.snapshot == "live":
            by_name[group.computer_name.casefold()].append(group)
    for same in by_name.values():
        if len(same) < 2:
            continue
        for group in same:
            others = ", ".join(o.where for o in same if o is not group)
            group.reasons.append(
                f"ComputerName {group.computer_name!r} also names {others}: kept apart, "
                "since two SYSTEM hives never share a host"
            )


def _folder_of(path: str) -> str:
    return os.path.normcase(os.path.normpath(Path(path).absolute().parent))


def _hosts_in_folder(groups: list[_Group], folder: str) -> list[_Group]:
    """The live groups holding a file of ``folder`` (hives, or .reg files placed before)."""
    return [
        g
        for g in groups
        if g.snapshot == "live" and any(_folder_of(item.path) == folder for item in g.items)
    ]


def _stated_name(item: _Item) -> ComputerName | str | None:
    """The one ComputerName a .reg file states; None when it states none; "several" when it
    states more than one."""
    distinct = {n.name.casefold(): n for n in item.names}
    if not distinct:
        return None
    if len(distinct) > 1:
        return "several"
    return next(iter(distinct.values()))


def _place_named(
    groups: list[_Group], folder: str, stated: ComputerName, items: list[_Item]
) -> None:
    folded = stated.name.casefold()
    here = _hosts_in_folder(groups, folder)
    matches = [g for g in here if g.computer_name and g.computer_name.casefold() == folded]
    unnamed = [g for g in here if not g.computer_name]
    where = f"{stated.where()}"
    if len(matches) == 1 or (not matches and len(here) == 1 and unnamed):
        host = matches[0] if matches else unnamed[0]
        if host.computer_name is None:
            host.computer_name = stated.name
        for item in items:
            host.add(
                item,
                f"{item.file_name} lies in the same folder and states ComputerName "
                f"{stated.name!r} ({where})",
            )
        return
    if len(matches) > 1:
        for item in items:
            alone = _alone(
                item,
                f"ComputerName {stated.name!r} in {where} names several hosts in its folder: "
                "not merged into any",
            )
            alone.computer_name = stated.name
            groups.append(alone)
        return
    group = _Group(
        [items[0]],
        [f"ComputerName {stated.name!r} in {where} of {items[0].file_name}"],
        f"folder {items[0].place.anchor}",
        computer_name=stated.name,
    )
    for item in items[1:]:
        group.add(
            item, f"{item.file_name}: the same folder and the same ComputerName {stated.name!r}"
        )
    groups.append(group)


def _place_reg_files(groups: list[_Group], reg_items: list[_Item]) -> None:
    """.reg files join a host only in their own folder: the one whose SYSTEM states the same
    ComputerName; a file that states none joins the folder's only host. Files of several
    machines in one folder (different names) are kept apart; different folders never meet."""
    by_folder: dict[str, list[_Item]] = defaultdict(list)
    for item in reg_items:
        by_folder[_folder_of(item.path)].append(item)
    for folder, items in sorted(by_folder.items()):
        named: dict[str, tuple[ComputerName, list[_Item]]] = {}
        unnamed: list[_Item] = []
        for item in items:
            stated = _stated_name(item)
            if stated is None:
                unnamed.append(item)
            elif isinstance(stated, str):
                listed = ", ".join(repr(n.name) for n in item.names)
                why = f"{_SINGLE}a .reg file that states several ComputerNames ({listed})"
                groups.append(_alone(item, why))
            else:
                named.setdefault(stated.name.casefold(), (stated, []))[1].append(item)
        for _folded, (stated, members) in sorted(named.items()):
            _place_named(groups, folder, stated, members)
        if not unnamed:
            continue
        here = _hosts_in_folder(groups, folder)
        if len(here) == 1:
            for item in unnamed:
                here[0].add(
                    item,
                    f"{item.file_name} states no ComputerName; it lies in the same folder as "
                    "the host's other evidence, taken as the same machine",
                )
        elif not here:
            anchor = unnamed[0].place.anchor
            reason = (
                "single input: a .reg file that states no ComputerName"
                if len(unnamed) == 1
                else f"same folder {anchor}: .reg files that state no ComputerName"
            )
            where = f"folder {anchor}" if len(unnamed) > 1 else unnamed[0].path
            group = _Group([unnamed[0]], [reason], where)
            for item in unnamed[1:]:
                group.add(item)
            groups.append(group)
        else:
            why = (
                "single input: a .reg file that states no ComputerName (its folder holds the "
                f"evidence of {len(here)} hosts: not merged)"
            )
            groups.extend(_alone(item, why) for item in unnamed)


def _has_system_hive(group: _Group) -> bool:
    return any(item.hive_type == HiveType.SYSTEM for item in group.items)


def _merge_by_name(groups: list[_Group]) -> list[_Group]:
    """--group name: live hosts that state the same ComputerName become one, across folders
    (never two groups that each hold a SYSTEM hive file: those stay two machines)."""
    kept: list[_Group] = []
    by_name: dict[str, _Group] = {}
    for group in sorted(groups, key=lambda g: g.first_path):
        name = group.computer_name.casefold() if group.computer_name else None
        target = by_name.get(name) if name and group.snapshot == "live" else None
        if target is not None and not (_has_system_hive(target) and _has_system_hive(group)):
            for item in group.items:
                target.add(
                    item,
                    f"{item.path}: the same ComputerName {group.computer_name!r} "
                    "(merged by name on request: --group name)",
                )
            continue
        if target is not None:
            group.reasons.append(
                f"ComputerName {group.computer_name!r} also names {target.where}: kept apart, "
                "since two SYSTEM hives never share a host"
            )
        if name and group.snapshot == "live" and name not in by_name:
            by_name[name] = group
        kept.append(group)
    return kept


def _folder_groups(items: list[_Item]) -> list[_Group]:
    """--group folder: the files of one folder are one host, whatever the layout (two hives
    of one machine type still never share a host)."""
    by_folder: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        if not item.is_reg:
            by_folder[_folder_of(item.path)].append(item)
    groups: list[_Group] = []
    for members in by_folder.values():
        groups.extend(_loose_groups(members, str(Path(members[0].path).parent)))
    return groups


def _label(group: _Group) -> str:
    if group.computer_name:
        if group.snapshot == "live":
            return group.computer_name
        return f"{group.computer_name} ({group.snapshot})"
    if group.snapshot != "live":
        return f"{group.snapshot}: {group.where}"
    return f"unnamed host ({group.where})"


class Grouping(StrEnum):
    """How inputs are grouped into hosts (``analyze --group``)."""

    AUTO = "auto"  # a machine's layout (volume, collection) or one folder; never across folders
    FOLDER = "folder"  # the files of one folder, whatever the layout
    NAME = "name"  # auto, then hosts with the same ComputerName merged across folders
    NONE = "none"  # every file a host of its own


def _anchor_folder(group: _Group) -> tuple[str, bool]:
    """The folder a host stands for, and whether it is a Windows volume's (or a collection
    drive's) root rather than the folder of its files."""
    first = min(group.items, key=lambda item: item.path)
    place = first.place
    return _item_anchor(first), place.kind != "loose" and bool(place.volume_display)


def case_of(anchor: str, argument: str | None) -> str:
    """The anchor relative to the EVIDENCE argument it was found under; the folder's own
    name when the anchor is the argument itself (``analyze tickets/4711`` is case 4711)."""
    if argument is None:
        return anchor
    base = Path(argument)
    if not Path(os.path.normpath(base.absolute())).is_dir():
        base = base.parent
    absolute_anchor = os.path.normpath(Path(anchor).absolute())
    absolute_base = os.path.normpath(base.absolute())
    if absolute_anchor == absolute_base:
        return Path(absolute_base).name or "."
    if absolute_anchor.startswith(absolute_base.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute_anchor, absolute_base)
    return anchor


def _item_anchor(item: _Item) -> str:
    place = item.place
    if place.kind != "loose" and place.volume_display:
        return place.volume_display
    return str(Path(item.path).parent)


def _groups(items: list[_Item], grouping: Grouping) -> list[_Group]:
    hives = [item for item in items if not item.is_reg]
    regs = [item for item in items if item.is_reg]
    if grouping == Grouping.NONE:
        groups = [_alone(item, "single input: every file is a host of its own (--group none)")
                  for item in items]  # fmt: skip
        _name_groups(groups)
        for group in groups:
            if not group.computer_name and group.items[0].is_reg:
                stated = _stated_name(group.items[0])
                if isinstance(stated, ComputerName):
                    group.computer_name = stated.name
        return groups
    groups = _folder_groups(hives) if grouping == Grouping.FOLDER else _location_groups(hives)
    _name_groups(groups)
    _place_reg_files(groups, regs)
    groups = [group for group in groups if group.items]
    if grouping == Grouping.NAME:
        groups = _merge_by_name(groups)
    return groups


def group_hosts(
    evidence: list[Evidence],
    *,
    grouping: Grouping = Grouping.AUTO,
    arguments: Mapping[str, str] | None = None,
) -> list[HostGroup]:
    """Group opened evidence into hosts by the rules in the module docstring.

    ``arguments`` maps an evidence path to the EVIDENCE argument it was found under, so that
    each host can name its *case*: its folder relative to that argument.
    """
    unique: dict[str, Evidence] = {}
    for given in evidence:  # the same file opened twice is one piece of evidence
        unique.setdefault(os.path.normcase(os.path.normpath(Path(given.path).absolute())), given)
    items = sorted((_facts(e) for e in unique.values()), key=lambda i: i.path)
    groups = _groups(items, grouping)
    groups.sort(key=lambda g: g.first_path)
    result: list[HostGroup] = []
    seen_labels: dict[str, int] = defaultdict(int)
    for group in groups:
        members = sorted(group.items, key=lambda i: i.path)
        label = _label(group)
        seen_labels[label] += 1
        if seen_labels[label] > 1:
            label = f"{label} [{seen_labels[label]}]"
        hints: dict[str, str] = {}
        notes: list[str] = []
        for item in sorted(members, key=lambda i: (i.is_reg, i.path)):
            for name, text in item.hints.items():
                hints.setdefault(name, text)
            notes.extend(item.notes)
        reasons = list(group.reasons) + notes
        if len(members) > 1:  # a .reg file joined a group that began with one hive
            reasons = [reason.removeprefix(_SINGLE) for reason in reasons]
        if len(unique) == 1 and not any(r.startswith("single input") for r in reasons):
            reasons.insert(0, "single input")
        anchor, volume = _anchor_folder(group)
        argument = None if arguments is None else arguments.get(members[0].path)
        # A host merged by name (--group name) spans folders: it names every case.
        cases = sorted(
            {
                case_of(_item_anchor(item), None if arguments is None else arguments.get(item.path))
                for item in members
            }
        )
        result.append(
            HostGroup(
                label=label,
                evidence=[item.evidence for item in members],
                reasons=list(dict.fromkeys(reasons)),
                computer_name=group.computer_name,
                snapshot=group.snapshot,
                hints=hints,
                folder=anchor,
                volume=volume,
                case=", ".join(cases) if len(cases) > 1 else case_of(anchor, argument),
                argument=argument,
            )
        )
    return result
