"""One host's ``events`` section: the logs read for it, the events of interest counted, the
licensing events and the RDP sessions listed (see :mod:`hiveparse.events.catalogue`).

Each list comes from the records the host's log parts take (a log of several computers gives
each host only its own records). Values are reported as the records hold them, beside what
hiveparse reads from them (``user``, ``source``, ``session``): nothing is filled in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from hiveparse.errors import Diagnostic, Location, Severity

from .catalogue import LSM, RCM, RDPCORE, SECURITY, EventKind, EventOfInterest, catalogued, interest
from .evtx_file import Event, Tally, instant
from .parts import LogPart, computer_key

RECORDS_SKIPPED = "events.records_skipped"  # a log's records that could not be parsed
CUT_SHORT = "events.cut_short"  # a log that ends before what it says it holds
NOT_LISTED = "events.not_listed"  # events past the per-log bound: counted, not listed
MULTIPLE_COMPUTERS = "events.several_computers"  # a log whose records name several machines
DUPLICATE_LOG = "events.duplicate_log"  # the same file given twice: counted once
OVERLAPPING_LOGS = "events.overlapping_logs"  # copies of one log: each record counted once
_SKIPPED_LISTED = 20  # skipped records described per log (all are counted)


def _channel(part: LogPart) -> str | None:
    common = part.channels.most_common(1)
    return common[0][0] if common else None


@dataclass
class HostEvents:
    """The logs of one host. The same file given twice is counted once (``duplicates``:
    each later part and the one it repeats); logs that are copies of one another (a shadow
    copy's, an export of one: the same channel with EventRecordIDs in common) are counted
    record by record, each record once (``overlap``)."""

    parts: list[LogPart] = field(default_factory=list)
    duplicates: dict[int, LogPart] = field(init=False, default_factory=dict)
    overlap: list[tuple[LogPart, LogPart]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        seen: dict[tuple[str, frozenset[str | None] | None], LogPart] = {}
        for part in self.parts:
            first = seen.setdefault((part.log.sha256, part.names), part)
            if first is not part:
                self.duplicates[id(part)] = first
        counted = self.counted
        for index, one in enumerate(counted):
            for other in counted[index + 1 :]:
                if _overlapping(one, other):
                    self.overlap.append((one, other))

    @property
    def counted(self) -> list[LogPart]:
        """The parts whose records count (a file given twice counts once)."""
        return [part for part in self.parts if id(part) not in self.duplicates]

    def events(self) -> Iterator[tuple[LogPart, Event, EventOfInterest]]:
        """Every kept event of interest this host's parts take, each record once, in time
        order."""
        found: list[tuple[LogPart, Event, EventOfInterest]] = []
        seen: set[tuple[object, ...]] = set()
        for part in self.counted:
            for event in part.log.kept:
                if not part.takes(event.computer) or (item := interest(event)) is None:
                    continue
                identity = (item.provider, event.event_id, event.channel,
                            computer_key(event.computer), event.record,
                            instant(event.time))  # fmt: skip
                if event.record is not None and identity in seen:
                    continue
                seen.add(identity)
                found.append((part, event, item))
        found.sort(key=lambda row: (row[1].time or "", row[0].log.path, row[1].record or 0))
        yield from found

    def tallies(self) -> dict[tuple[str, int], Tally]:
        """Counts and first/last time of each event of interest (kept or not); from the
        events themselves, each record once, where logs overlap."""
        totals: dict[tuple[str, int], Tally] = {}
        seen: dict[tuple[str, int], set[int]] = {}  # each record once, where logs overlap
        for part in self.counted:
            for (computer, provider, event_id), tally in part.log.tallies.items():
                if not part.takes(computer):
                    continue
                item = catalogued(provider, event_id)  # selected when read: 4624 is type 10
                if item is None:
                    continue
                total = totals.setdefault((item.provider, item.event_id), Tally())
                identities = part.log.identities.get((computer, provider, event_id), set())
                if self.overlap and len(identities) == tally.count:
                    known = seen.setdefault((item.provider, item.event_id), set())
                    total.count += len(identities - known)
                    known |= identities
                else:
                    total.count += tally.count
                for moment in (tally.first, tally.last):
                    if moment is not None:
                        total.first = moment if total.first is None else min(total.first, moment)
                        total.last = moment if total.last is None else max(total.last, moment)
        return totals

    def diagnostics(self) -> list[Diagnostic]:
        notes: list[Diagnostic] = []
        for part in self.parts:
            repeated = self.duplicates.get(id(part))
            if repeated is not None:
                notes.append(
                    Diagnostic(
                        DUPLICATE_LOG,
                        f"the same log as {repeated.log.path} (sha256 "
                        f"{part.log.sha256[:16]}...): "
                        "its records are counted once",
                        Location(part.log.path),
                        Severity.INFO,
                    )
                )
        for one, other in self.overlap:
            notes.append(
                Diagnostic(
                    OVERLAPPING_LOGS,
                    f"this log and {other.log.path} hold the same records (the same channel, "
                    "EventRecordID and time: copies of one log): each record is counted once",
                    Location(one.log.path),
                    Severity.INFO,
                )
            )
        for part in self.counted:
            log = part.log
            if log.cut is not None:
                cut = log.cut
                notes.append(
                    Diagnostic(
                        CUT_SHORT,
                        f"this event log is read only up to where it stops ({cut.what}): the "
                        "records before are read, the rest are not",
                        Location(log.path, cut.offset, cut.line, cut.column),
                        Severity.WARNING,
                    )
                )
            if log.skipped:
                first = log.skipped[0]
                notes.append(
                    Diagnostic(
                        RECORDS_SKIPPED,
                        f"{len(log.skipped)} record(s) or chunk(s) of this event log could not "
                        f"be parsed and were skipped (the first: {first.message}); events of "
                        "interest among them are not counted",
                        Location(log.path),
                        Severity.WARNING,
                    )
                )
            if log.not_kept:
                notes.append(
                    Diagnostic(
                        NOT_LISTED,
                        f"{log.not_kept} event(s) of interest past the first {len(log.kept)} "
                        "are counted (counts, first, last, findings) but not listed one by one",
                        Location(log.path),
                        Severity.INFO,
                    )
                )
            if part.names is not None:
                notes.append(
                    Diagnostic(
                        MULTIPLE_COMPUTERS,
                        f"the records of this log name {len(log.computers)} computer(s) "
                        f"({_some(sorted(log.computers))}): this host takes "
                        f"{part.records} of its {log.records_read} record(s), by computer name",
                        Location(log.path),
                        Severity.INFO,
                    )
                )
        return notes

    def last_logged(self) -> tuple[str, str] | None:
        """The time of the host's last event of interest, and the log holding it."""
        latest: tuple[datetime, str, str] | None = None
        for part in self.counted:
            for (computer, _provider, _number), tally in part.log.tallies.items():
                moment = instant(tally.last)
                if moment is None or tally.last is None or not part.takes(computer):
                    continue
                if latest is None or moment > latest[0]:
                    latest = (moment, tally.last, part.log.path)
        return None if latest is None else (latest[1], latest[2])

    @property
    def complete(self) -> bool:
        """Every record of the logs was read: none skipped, no log cut short."""
        return not any(part.log.skipped or part.log.cut for part in self.parts)

    @property
    def not_listed(self) -> int:
        """Events of interest counted but not kept whole (past a log's listing bound)."""
        return sum(part.log.not_kept for part in self.parts)

    def to_dict(self) -> dict[str, Any]:
        rows = list(self.events())
        return {
            "complete": self.complete,
            "not_listed": self.not_listed,
            "sources": [_source(part, self.duplicates.get(id(part))) for part in self.parts],
            "counts": [
                {
                    "provider": provider,
                    "event_id": event_id,
                    "kind": str(item.kind),
                    "meaning": item.meaning,
                    "status": str(item.status),
                    "count": tally.count,
                    "first": tally.first,
                    "last": tally.last,
                }
                for (provider, event_id), tally in sorted(self.tallies().items())
                if (item := catalogued(provider, event_id)) is not None
            ],
            "licensing": [
                _licensing(part, event, item)
                for part, event, item in rows
                if item.kind == EventKind.LICENSING
            ],
            "rdp_logons": self.session_rows(rows),
        }

    def session_rows(
        self, rows: list[tuple[LogPart, Event, EventOfInterest]] | None = None
    ) -> list[dict[str, Any]]:
        """The RDP session events as report rows (``user``, ``source``, ``session``,
        ``logon_type`` read from the fields the provider names; the fields beside them)."""
        every = list(self.events()) if rows is None else rows
        return [
            _session(part, event, item)
            for part, event, item in every
            if item.kind != EventKind.LICENSING
        ]


def _some(names: list[str], shown: int = 5) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def _overlapping(one: LogPart, other: LogPart) -> bool:
    """Two parts of one host holding a record in common (the same computer, channel,
    EventRecordID and time): copies of one log, not two logs of one channel."""
    for key, identities in one.log.identities.items():
        if (
            one.takes(key[0])
            and other.takes(key[0])
            and identities & other.log.identities.get(key, set())
        ):
            return True
    return False


def _source(part: LogPart, duplicate_of: LogPart | None) -> dict[str, Any]:
    log = part.log
    return {
        "path": log.path,
        "sha256": log.sha256,
        "size": log.size,
        "format": log.format,
        "channel": _channel(part),
        "records_read": log.records_read,
        "records_skipped": log.records_skipped,
        "records_for_host": part.records,
        "skipped": [
            {"message": item.message, "record": item.record, "offset": item.offset}
            for item in log.skipped[:_SKIPPED_LISTED]
        ],
        "dirty": log.dirty,
        "full": log.full,
        "cut_short": None if log.cut is None else asdict(log.cut),
        "header_chunks": log.header_chunks,
        "version": log.version,
        "first": log.first,
        "last": log.last,
        "computers": {
            name: count for name, count in sorted(log.computers.items()) if part.takes(name)
        },
        "other_computers": sum(1 for name in log.computers if not part.takes(name)),
        "placed_by": part.placed_by,
        "duplicate_of": None if duplicate_of is None else duplicate_of.log.path,
    }


def _base(part: LogPart, event: Event, item: EventOfInterest) -> dict[str, Any]:
    return {
        "time": event.time,
        "provider": item.provider,
        "event_id": event.event_id,
        "qualifiers": event.qualifiers,
        "record": event.record,
        "computer": event.computer,
        "channel": event.channel,
        "log": part.log.path,
        "meaning": item.meaning,
        "status": str(item.status),
    }


def _licensing(part: LogPart, event: Event, item: EventOfInterest) -> dict[str, Any]:
    return {**_base(part, event, item), "fields": _plain(event.data)}


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Field values as JSON holds them (numbers and text as read; anything else as text)."""
    return {
        name: value if value is None or isinstance(value, str | int | float | bool) else str(value)
        for name, value in data.items()
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text if text and text != "-" else None


def _account(domain: Any, user: Any) -> str | None:
    name, where = _text(user), _text(domain)
    if name is None:
        return None
    return f"{where}\\{name}" if where else name


def _session(part: LogPart, event: Event, item: EventOfInterest) -> dict[str, Any]:
    """An RDP event as {user, source, session, logon_type} beside its fields: each read from
    the field the provider's template names, never guessed from another."""
    data = event.data
    user = source = session = logon_type = None
    if item.provider == RCM:  # 1149: Param1 user, Param2 domain, Param3 client address
        user, source = _account(data.get("Param2"), data.get("Param1")), _text(data.get("Param3"))
    elif item.provider == LSM:
        if event.event_id == 39:
            session, source = _text(data.get("TargetSession")), _text(data.get("Source"))
            source = None if source is None else f"session {source}"
        elif event.event_id == 40:
            session = _text(data.get("Session"))
        else:
            user, session = _text(data.get("User")), _text(data.get("SessionID"))
            source = _text(data.get("Address"))
    elif item.provider == SECURITY:
        if event.event_id == 4624:
            user = _account(data.get("TargetDomainName"), data.get("TargetUserName"))
            source = _text(data.get("IpAddress"))
            logon_type = _text(data.get("LogonType"))
        else:  # 4778 / 4779
            user = _account(data.get("AccountDomain"), data.get("AccountName"))
            source, session = _text(data.get("ClientAddress")), _text(data.get("SessionName"))
    elif item.provider == RDPCORE:
        source = _text(data.get("ClientIP"))
    return {
        **_base(part, event, item),
        "kind": str(item.kind),
        "user": user,
        "source": source,
        "session": session,
        "logon_type": logon_type,
        "remote": _remote(item, source),
        "fields": _plain(data),
    }


def _remote(item: EventOfInterest, source: str | None) -> bool | None:
    """Whether the event is of a remote session: the session manager and the window-station
    events also record console sessions, whose address is ``LOCAL``; None when the event
    does not say."""
    says_console = item.provider == LSM or (item.provider == SECURITY and item.event_id != 4624)
    if not says_console:
        return True  # 1149, 4624 of type 10, RdpCoreTS: RDP only
    if source is None or source.startswith("session "):
        return None
    return source.upper() != "LOCAL"
