"""Which host each event log belongs to: by layout, else by the records' Computer name.

1. **Layout.** A log in a Windows volume's ``Windows\\System32\\winevt\\Logs`` is that
   installation's own: its records of the host's ComputerName join the live host whose
   ``System32\\config`` hives lie on the same volume. When the hives state no name, the
   volume's logs are taken only if their records name one computer. Records naming another
   computer (a forwarded-events log; a name the machine had before it was renamed) are
   placed by name as any other log's: never taken on layout. A ComputerName of 15
   characters matches the longer DNS name it was cut from (the NetBIOS name).
2. **Computer name.** Elsewhere each record names the machine that wrote it (a forwarded-
   events log holds many): the records of one name (compared by its first DNS label,
   without case) join the live host whose SYSTEM hive states that ComputerName. When
   several hosts do, the one whose folder holds the log is taken; when that does not
   decide, the records stay apart.
3. **Folder.** Records whose name no host states join the one host of the log's folder when
   that host's name is not known from its hives (nothing to compare) and the folder's logs
   left over name one computer only (two names are two machines); a host whose name
   differs never takes them.
4. Records left form a host of their own per folder and name, labelled with the name.

Nothing else moves events between hosts: two machines' logs in one folder are two hosts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hiveparse.events.evtx_file import EventLog
from hiveparse.events.parts import LogPart, computer_key
from hiveparse.evidence.discover import describe_location, normalized_path
from hiveparse.evidence.hosts import HostGroup, case_of
from hiveparse.safefiles import inside


@dataclass
class Placement:
    parts: dict[int, list[LogPart]] = field(default_factory=dict)  # id(group) -> parts
    own: list[tuple[HostGroup, list[LogPart]]] = field(default_factory=list)  # new hosts


def _layout_host(log: EventLog, groups: list[HostGroup]) -> HostGroup | None:
    place = describe_location(log.path)
    if place.kind != "event_logs" or place.volume is None:
        return None
    for group in groups:
        if group.snapshot != "live":
            continue
        for item in group.evidence:
            config = describe_location(item.path)
            if config.kind == "config" and config.volume == place.volume:
                return group
    return None


def _folder_hosts(path: str, groups: list[HostGroup]) -> list[HostGroup]:
    """The live hosts of the deepest folder holding ``path``."""
    where = normalized_path(path)
    holding = [
        g for g in groups if g.snapshot == "live" and inside(where, normalized_path(g.folder))
    ]
    if not holding:
        return []
    deepest = max(len(normalized_path(g.folder)) for g in holding)
    return [g for g in holding if len(normalized_path(g.folder)) == deepest]


NETBIOS_LENGTH = 15  # a ComputerName longer than this is cut to it (the NetBIOS name)


def same_name(key: str | None, computer_name: str | None) -> bool:
    """Whether a record's computer (``key``, :func:`computer_key`) is the host whose SYSTEM
    hive states ``computer_name``: the same first label, or, the ComputerName being a NetBIOS
    name of its full 15 characters, a longer DNS name it was cut from."""
    host = computer_key(computer_name)
    if key is None or host is None:
        return False
    return key == host or (len(host) == NETBIOS_LENGTH and key[:NETBIOS_LENGTH] == host)


def _named_host(
    key: str | None, path: str, groups: list[HostGroup], layout: HostGroup | None
) -> tuple[HostGroup | None, str]:
    """The host the records named ``key`` join by layout or name, and how it was chosen;
    (None, "") when only the rule for a host of unknown name is left to decide."""
    if layout is not None and (key is None or same_name(key, layout.computer_name)):
        return layout, "layout"
    if key is not None:
        named = [g for g in groups if g.snapshot == "live" and same_name(key, g.computer_name)]
        if len(named) > 1:  # two SYSTEM hives of one name: the log's own folder decides
            near = _folder_hosts(path, groups)
            named = [g for g in named if g in near]
        if len(named) == 1:
            return named[0], "computer name"
    return None, ""


def place_logs(
    logs: list[EventLog], groups: list[HostGroup], arguments: dict[str, str]
) -> Placement:
    """Each log (or part of it) given to a host of ``groups``, or to a host of its own."""
    placement = Placement({id(group): [] for group in groups})
    pending: list[tuple[LogPart, str | None, Counter[str], HostGroup | None]] = []
    for log in sorted(logs, key=lambda item: item.path):
        layout = _layout_host(log, groups)
        by_key: dict[str | None, Counter[str]] = {}
        for name, count in log.computers.items():
            by_key.setdefault(computer_key(name), Counter())[name] += count
        if not by_key:
            by_key[None] = Counter()
        whole = len(by_key) == 1
        for key, names in sorted(by_key.items(), key=lambda item: item[0] or ""):
            part = LogPart(log, None if whole else frozenset({key}), "")
            group, how = _named_host(key, log.path, groups, layout)
            if group is None:
                pending.append((part, key, names, layout))
                continue
            part.placed_by = how
            placement.parts[id(group)].append(part)

    # Rule 3: records no host's name claims join the host of unknown name their layout (its
    # volume's winevt\\Logs) or else their folder gives, but only if they name one computer
    # among them: two names are two machines, and which is the host's cannot be told.
    def unnamed(part: LogPart, layout: HostGroup | None) -> tuple[HostGroup | None, str]:
        if layout is not None:
            return (layout, "layout") if layout.computer_name is None else (None, "")
        near = _folder_hosts(part.log.path, groups)
        lone = len(near) == 1 and near[0].computer_name is None
        return (near[0], "folder") if lone else (None, "")

    names_near: dict[int, set[str]] = {}
    for part, key, _, layout in pending:
        host, _how = unnamed(part, layout)
        if host is not None and key is not None:
            names_near.setdefault(id(host), set()).add(key)
    own: dict[tuple[str, str | None], tuple[HostGroup, list[LogPart]]] = {}
    for part, key, names, layout in pending:
        host, how = unnamed(part, layout)
        if host is not None and len(names_near.get(id(host), ())) <= 1:
            part.placed_by = how
            placement.parts[id(host)].append(part)
            continue
        part.placed_by = "own host"
        folder = str(Path(part.log.path).parent)
        slot = own.get((normalized_path(folder), key))
        if slot is None:
            label = names.most_common(1)[0][0] if names else Path(part.log.path).name
            argument = arguments.get(part.log.path)
            slot = (
                HostGroup(
                    label=label,
                    evidence=[],
                    reasons=[_own_reason(key, label)],
                    computer_name=label if key is not None else None,
                    folder=folder,
                    case=case_of(folder, argument),
                    argument=argument,
                ),
                [],
            )
            own[(normalized_path(folder), key)] = slot
        slot[1].append(part)
    taken = {group.label for group in groups}
    for group, parts in own.values():
        if group.label in taken:
            group.label = f"{group.label} (event logs)"
        taken.add(group.label)
        placement.own.append((group, parts))
    return placement


def _own_reason(key: str | None, label: str) -> str:
    if key is None:
        return "event logs whose records name no computer, with no host in their folder"
    return (
        f"event log records of the computer {label}: no host of this evidence states that "
        "ComputerName (or several do and the folder does not decide), and no host of an "
        "unknown name could take them alone (it is not in their folder, or the folder's "
        "logs name several computers)"
    )
