"""One EVTX file read record by record, with pyevtx-rs (``evtx``).

Never python-evtx: it trusts the file header's chunk count, which Windows does not keep up
to date while a log is open, and silently returns a fraction of a live-copied log. pyevtx-rs
reads every chunk the file holds. A record (or chunk) it cannot parse is skipped, counted and
reported with what pyevtx-rs says of it (its record number and offset where it names them),
and reading goes on.

Event identifiers are compared as ``EventID & 0xFFFF`` together with the provider's name:
classic event sources store the Qualifiers (0xC000 for errors) in the high word, and the same
number means different events for different providers.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from hiveparse.errors import EvidenceError, Unsupported
from hiveparse.safefiles import open_regular_file
from hiveparse.schemas.evtx import EVTX_SIGNATURE, FLAG_DIRTY, FLAG_FULL, file_header

_NUMBER = re.compile(r"record number (\d+)")
_OFFSET = re.compile(r"offset (\d+)")
HEADER_BLOCK = 4096  # the file header's block; chunks follow (libevtx's EVTX notes)
CHUNK_SIZE = 65536
FIRST_CHUNK_END = HEADER_BLOCK + CHUNK_SIZE  # the file header and the first chunk
MAX_KEPT = 20_000  # events kept whole per log; past it they are still counted (bounded memory)


@dataclass(frozen=True)
class Event:
    """One record, as much of it as the analysis uses."""

    provider: str
    event_id: int  # EventID & 0xFFFF
    qualifiers: int | None
    record: int | None  # EventRecordID
    time: str | None  # TimeCreated SystemTime, ISO-8601 UTC with Z
    computer: str | None
    channel: str | None
    data: dict[str, Any]  # EventData / UserData fields by name
    source_name: str | None = None  # Provider EventSourceName (a classic source's name)


Selector = Callable[[Event], bool]  # which events a reader keeps whole


@dataclass(frozen=True)
class Selection:
    """Which events a reader keeps whole. ``may`` answers from the provider's names and the
    event id alone (Name, EventSourceName, id) whether an event can be selected: only then
    are its fields read, most of a record's cost. ``select`` decides, fields read."""

    may: Callable[[str, str | None, int], bool]
    select: Selector


def selector(keep: Selection | Selector | frozenset[tuple[str, int]]) -> Selection:
    """``keep`` as a :class:`Selection`: a set of (provider, event id) pairs, a predicate
    (every event's fields read), or a Selection."""
    if isinstance(keep, Selection):
        return keep
    if callable(keep):
        return Selection(lambda provider, source, number: True, keep)
    pairs = keep
    return Selection(
        lambda provider, source, number: (provider, number) in pairs,
        lambda event: (event.provider, event.event_id) in pairs,
    )


@dataclass
class Tally:
    """How many kept events of one (computer, provider, event id) a log holds, and when."""

    count: int = 0
    first: str | None = None
    last: str | None = None

    def add(self, time: str | None) -> None:
        self.count += 1
        if time is not None:
            self.first = time if self.first is None else min(self.first, time)
            self.last = time if self.last is None else max(self.last, time)


@dataclass
class SkippedRecord:
    """A record or chunk pyevtx-rs could not parse."""

    message: str
    record: int | None = None
    offset: int | None = None  # as pyevtx-rs gives it (within its chunk)


@dataclass(frozen=True)
class Cut:
    """Where a log stops being readable, and why: a byte offset (EVTX) or a line and column
    (an XML export)."""

    what: str
    offset: int | None = None
    line: int | None = None
    column: int | None = None


@dataclass
class EventLog:
    path: str
    sha256: str
    size: int
    version: str | None  # "3.1", "3.2"
    dirty: bool | None
    full: bool | None
    header_chunks: int | None
    records_read: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)
    # Records by (Computer, Channel): a log of several machines, each machine's channels.
    computer_channels: Counter[tuple[str | None, str]] = field(default_factory=Counter)
    computers: Counter[str] = field(default_factory=Counter)
    counts: Counter[tuple[str, int]] = field(default_factory=Counter)  # (provider, id)
    first: str | None = None
    last: str | None = None
    kept: list[Event] = field(default_factory=list)  # the events asked for (up to max_kept)
    # Every event asked for, counted by (Computer, provider, event id), kept whole or not.
    tallies: dict[tuple[str | None, str, int], Tally] = field(default_factory=dict)
    not_kept: int = 0  # events asked for past max_kept: counted, not kept whole
    format: str = "evtx"  # or "xml" (an export)
    # Each tallied event's identity (a hash of its channel, EventRecordID and time), by the
    # tally's key: two copies of one log (a shadow copy's, an export) hold the same ones.
    identities: dict[tuple[str | None, str, int], set[int]] = field(default_factory=dict)
    # Where reading had to stop before the end of what the file holds (an EVTX copy cut
    # short, an export that stops being well-formed); None when it was read to its end.
    cut: Cut | None = None

    @property
    def records_skipped(self) -> int:
        return len(self.skipped)


def _evtx() -> Any:
    try:
        import evtx  # noqa: PLC0415 - pyevtx-rs
    except ImportError as error:
        raise Unsupported("an EVTX event log, which needs pyevtx-rs: pip install evtx") from error
    return evtx


def _header(handle: io.BufferedReader, path: Path) -> tuple[str, int, Any]:
    """sha256, size and parsed file header of the log open in ``handle``, which is left at
    its start for the records to be read from the same bytes."""
    try:
        head = handle.read(HEADER_BLOCK)
        handle.seek(0)
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
        size = handle.tell()
        handle.seek(0)
    except OSError as error:
        raise EvidenceError(f"cannot read: {error.strerror or error}", source=str(path)) from error
    if not head.startswith(EVTX_SIGNATURE):
        raise EvidenceError("not an EVTX event log (no ElfFile signature)", source=str(path))
    if len(head) < HEADER_BLOCK:  # the schema's fields, and the block Windows pads them to
        raise EvidenceError(
            f"an EVTX file header cut short: the file holds {len(head)} bytes of its "
            f"{HEADER_BLOCK}-byte header",
            source=str(path),
            offset=len(head),
        )
    return digest, size, file_header.parse(head)


def _text(node: Any) -> Any:
    """A field's value from pyevtx-rs's JSON: ``{"#text": v, "#attributes": ...}`` -> v."""
    if isinstance(node, dict) and "#text" in node:
        return node["#text"]
    return node


def _fields(event: dict[str, Any]) -> dict[str, Any]:
    """EventData's named Data items, or UserData's one element's children, by name."""
    data: dict[str, Any] = {}
    event_data = event.get("EventData")
    if isinstance(event_data, dict):
        for name, value in event_data.items():
            if name != "#attributes":
                data[name] = _text(value)
    user_data = event.get("UserData")
    if isinstance(user_data, dict):
        for element in user_data.values():
            if isinstance(element, dict):
                data.update(
                    {name: _text(value) for name, value in element.items() if name != "#attributes"}
                )
    return data


def system_time(text: Any) -> str | None:
    """A SystemTime as ISO-8601 UTC with Z; None when it is not a time (never invented)."""
    if not isinstance(text, str) or not text:
        return None
    moment = text if text.endswith("Z") else f"{text}Z"
    try:
        instant(moment)
    except ValueError:
        return None
    return moment


def instant(time: str | None) -> datetime | None:
    """A SystemTime (:func:`system_time`'s ISO text) as an instant, to the microsecond:
    exports write 7 or 9 fractional digits, pyevtx-rs 6, and the same moment compares
    equal."""
    return None if time is None else datetime.fromisoformat(time.replace("Z", "+00:00"))


def record_number(value: Any) -> int | None:
    """A record number as an integer (a log re-encoded as text holds it as text)."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 20:
        return int(value)
    return None


def parse_event(
    record: dict[str, Any], fields: Callable[[str, str | None, int], bool] | None = None
) -> Event:
    """The :class:`Event` of one pyevtx-rs JSON record; its fields (EventData, UserData)
    only when ``fields`` is None or says yes for the provider's names and the id. ValueError
    when it has no provider or event identifier."""
    system = orjson.loads(record["data"])["Event"]
    head = system["System"]
    names = head["Provider"]["#attributes"]
    provider, source = str(names["Name"]), names.get("EventSourceName")
    raw_id = head["EventID"]
    qualifiers = None
    if isinstance(raw_id, dict):
        qualifiers = (raw_id.get("#attributes") or {}).get("Qualifiers")
        raw_id = raw_id.get("#text")
    event_id = int(raw_id) & 0xFFFF
    created = (head.get("TimeCreated") or {}).get("#attributes", {}).get("SystemTime")
    read = fields is None or fields(provider, source, event_id)
    return Event(
        provider=provider,
        event_id=event_id,
        qualifiers=None if qualifiers is None else int(qualifiers),
        record=record_number(head.get("EventRecordID")),
        time=system_time(created),
        computer=head.get("Computer"),
        channel=head.get("Channel"),
        data=_fields(system) if read else {},
        source_name=source,
    )


def read_event_log(
    path: Path,
    *,
    keep: Selection | Selector | frozenset[tuple[str, int]] = frozenset(),
    max_kept: int = MAX_KEPT,
) -> EventLog:
    """Read the EVTX file ``path``: every record counted by provider and event id, the
    events ``keep`` selects (see :func:`selector`) tallied by computer and kept whole, up to
    ``max_kept`` of them. EvidenceError when it is not an EVTX file or cannot be read; a
    record that cannot be parsed is :attr:`EventLog.skipped`."""
    evtx = _evtx()
    wanted = selector(keep)
    try:
        handle = open_regular_file(path)  # read-only, its access time kept where allowed
    except OSError as error:
        raise EvidenceError(f"cannot read: {error.strerror or error}", source=str(path)) from error
    with handle:  # hashed and parsed through this one handle: the bytes hashed are those read
        return _read(handle, path, evtx, wanted, max_kept)


def _read(
    handle: io.BufferedReader, path: Path, evtx: Any, wanted: Selection, max_kept: int
) -> EventLog:
    digest, size, header = _header(handle, path)
    log = EventLog(
        path=str(path),
        sha256=digest,
        size=size,
        version=f"{header.major_format_version}.{header.minor_format_version}",
        dirty=bool(header.file_flags & FLAG_DIRTY),
        full=bool(header.file_flags & FLAG_FULL),
        header_chunks=header.number_of_chunks,
    )
    log.cut = _cut(size, header.number_of_chunks)
    try:
        records = evtx.PyEvtxParser(handle).records_json()
    except (OSError, RuntimeError) as error:
        raise EvidenceError(f"not a readable EVTX event log: {error}", source=str(path)) from error
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except RuntimeError as error:  # one record or chunk: skipped, counted, said
            log.skipped.append(_skipped(str(error)))
            continue
        try:
            event = parse_event(record, wanted.may)
        except (KeyError, TypeError, ValueError) as error:  # orjson.JSONDecodeError is one
            log.skipped.append(
                SkippedRecord(f"a record without a provider or event id: {error!r}",
                              record.get("event_record_id"))
            )  # fmt: skip
            continue
        count_event(log, event, wanted, max_kept)
    return log


def _cut(size: int, header_chunks: int) -> Cut | None:
    """Whether a file of ``size`` bytes was cut short: it ends inside a chunk, or before the
    chunks its header counts (a header counts fewer chunks than a live log holds, never
    more)."""
    chunks, rest = divmod(max(size - HEADER_BLOCK, 0), CHUNK_SIZE)
    if rest:
        return Cut(f"the file ends {rest} bytes into chunk {chunks + 1} (of {CHUNK_SIZE})", size)
    if chunks < header_chunks:
        return Cut(f"its header counts {header_chunks} chunk(s), the file holds {chunks}", size)
    return None


def count_event(log: EventLog, event: Event, keep: Selection, max_kept: int = MAX_KEPT) -> None:
    """One record read into ``log``: counted, its host, channel and time noted; tallied and
    kept whole (up to ``max_kept`` events) when ``keep`` selects it."""
    log.records_read += 1
    log.counts[(event.provider, event.event_id)] += 1
    if event.computer:
        log.computers[event.computer] += 1
    if event.channel:
        log.computer_channels[(event.computer, event.channel)] += 1
    if event.time is not None:
        log.first = event.time if log.first is None else min(log.first, event.time)
        log.last = event.time if log.last is None else max(log.last, event.time)
    if keep.may(event.provider, event.source_name, event.event_id) and keep.select(event):
        key = (event.computer, event.provider, event.event_id)
        log.tallies.setdefault(key, Tally()).add(event.time)
        if event.record is not None:
            moment = instant(event.time)
            log.identities.setdefault(key, set()).add(hash((event.channel, event.record, moment)))
        if len(log.kept) < max_kept:
            log.kept.append(event)
        else:
            log.not_kept += 1


def _skipped(message: str) -> SkippedRecord:
    number = _NUMBER.search(message)
    offset = _OFFSET.search(message)
    return SkippedRecord(
        " ".join(message.split()),
        None if number is None else int(number.group(1)),
        None if offset is None else int(offset.group(1)),
    )


def first_channel(path: Path) -> str | None:
    """The Channel of the first record of the EVTX file ``path`` (one chunk read), or None
    when it has no record that can be read: which log it is, whatever its file name."""
    try:
        with open_regular_file(path) as handle:
            head = handle.read(FIRST_CHUNK_END)
    except OSError:
        return None  # read whole: what cannot be read is reported from there
    return channel_of(head)


def channel_of(head: bytes) -> str | None:
    """The Channel of the first record in ``head``, the first :data:`FIRST_CHUNK_END` bytes
    of an EVTX file; None when no record there can be read."""
    evtx = _evtx()
    try:
        record = next(evtx.PyEvtxParser(io.BytesIO(head)).records_json())
        channel = orjson.loads(record["data"])["Event"]["System"].get("Channel")
    except (OSError, RuntimeError, StopIteration, KeyError, TypeError, ValueError):
        return None
    return channel if isinstance(channel, str) else None
