"""Event logs exported as XML: ``wevtutil qe LOG /f:xml`` (one ``<Event>`` element after
another, no root) and Event Viewer's "Save as XML" (``<Events>`` around them). Read as a
stream, element by element, into the same :class:`~hiveparse.events.evtx_file.EventLog` an
EVTX file gives (no file header: version, dirty flag and chunk count are unknown).

The schema is Microsoft's event schema (``http://schemas.microsoft.com/win/2004/08/events/
event``): ``System`` (Provider, EventID with its Qualifiers, TimeCreated, EventRecordID,
Channel, Computer), then ``EventData`` (named ``Data`` items) or ``UserData`` (one element
whose children are the fields). An export that stops being well-formed stops there: what was
read is kept, and the place (line:column) is reported.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

from hiveparse.errors import EvidenceError
from hiveparse.safefiles import open_regular_file

from .evtx_file import (
    MAX_KEPT,
    Cut,
    Event,
    EventLog,
    Selection,
    Selector,
    SkippedRecord,
    count_event,
    record_number,
    selector,
    system_time,
)

NAMESPACE = "{http://schemas.microsoft.com/win/2004/08/events/event}"
_CHUNK = 1 << 16
_ROOT = b"<hiveparse-events>"
MAX_DEPTH = 64  # an event is a few levels deep; deeper nesting is not an export
MAX_EVENT_CHARS = 16 << 20  # an event's text; Windows writes events of at most 64 KiB
_EVENT_END = "</Event>"


_SCHEMA = "schemas.microsoft.com/win/2004/08/events"


def looks_like_event_xml(head: bytes) -> bool:
    """Whether the first bytes of a file are an event XML export (UTF-8, or UTF-16 with its
    byte order mark)."""
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = head.decode("utf-16" if utf16 else "utf-8", "replace").lstrip("\ufeff \t\r\n")
    return text.startswith(("<?xml", "<Event")) and _SCHEMA in text


class _Rooted:
    """The export as UTF-8 with a root element around it (wevtutil writes none): its XML
    declaration dropped (the text is re-encoded), a UTF-16 export decoded as it is read."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._parts = self._stream()
        self.end = (1, 0)  # the line and column where the file's text ends, once streamed
        self._since_event = 0  # characters since the last event's end tag
        self.oversized = False  # stopped: an event longer than MAX_EVENT_CHARS

    def _through(self, text: str) -> str:
        """``text`` passed on, the end of the file's text moved past it."""
        ended = text.rfind(_EVENT_END)
        self._since_event = (
            len(text) - ended - len(_EVENT_END) if ended >= 0 else self._since_event + len(text)
        )
        if self._since_event > MAX_EVENT_CHARS:
            self.oversized = True
        line, column = self.end
        newlines = text.count("\n")
        if newlines:
            self.end = (line + newlines, len(text) - text.rindex("\n") - 1)
        else:
            self.end = (line, column + len(text))
        return text

    def _stream(self) -> Iterator[bytes]:
        head = self._handle.read(_CHUNK)
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        decoder = codecs.getincrementaldecoder("utf-16" if utf16 else "utf-8")("replace")
        text = decoder.decode(head).removeprefix("\ufeff")
        # The declaration cannot follow the root put before it: it becomes blanks of its
        # length, so that the parser's lines and columns stay the file's.
        start = len(text) - len(text.lstrip(" \t\r\n"))
        if text.startswith("<?xml", start) and "?>" in text:
            end = text.index("?>") + 2
            text = text[:start] + " " * (end - start) + text[end:]
        yield _ROOT
        yield self._through(text).encode("utf-8")
        while not self.oversized and (chunk := self._handle.read(_CHUNK)):
            # The parser holds an event whole until it ends: one that never ends (or is
            # larger than any event Windows writes) is not read on, so memory stays bounded.
            yield self._through(decoder.decode(chunk)).encode("utf-8")
        if self.oversized:
            return
        rest = self._through(decoder.decode(b"", final=True))
        yield rest.encode("utf-8") + b"</hiveparse-events>"

    def read(self, size: int = -1) -> bytes:
        """The next piece (of any size: the XML parser feeds what it gets); b"" only at
        the end, which is where the parser stops."""
        for part in self._parts:
            if part:
                return part
        return b""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _event(element: ElementTree.Element) -> Event:
    system = element.find(f"{NAMESPACE}System")
    if system is None:
        raise ValueError("an Event without its System element")
    provider = system.find(f"{NAMESPACE}Provider")
    event_id = system.find(f"{NAMESPACE}EventID")
    if provider is None or event_id is None or not (event_id.text or "").strip():
        raise ValueError("an Event without its provider or event id")
    created = system.find(f"{NAMESPACE}TimeCreated")
    record = system.find(f"{NAMESPACE}EventRecordID")
    qualifiers = event_id.get("Qualifiers")
    data: dict[str, str | None] = {}
    event_data = element.find(f"{NAMESPACE}EventData")
    if event_data is not None:
        for index, item in enumerate(event_data):
            data[item.get("Name") or f"{_local(item.tag)}{index}"] = item.text
    user_data = element.find(f"{NAMESPACE}UserData")
    if user_data is not None:
        for child in user_data:
            data.update({_local(field.tag): field.text for field in child})
    moment = None if created is None else created.get("SystemTime")
    return Event(
        provider=provider.get("Name") or "",
        event_id=_integer(event_id.text, "EventID") & 0xFFFF,
        qualifiers=None if qualifiers is None else _integer(qualifiers, "Qualifiers"),
        record=None if record is None else record_number(record.text),
        time=system_time(moment),
        computer=_text(system, "Computer"),
        channel=_text(system, "Channel"),
        data=data,
        source_name=provider.get("EventSourceName"),
    )


def _integer(text: str | None, what: str) -> int:
    """A number of the System element; ValueError (the record is skipped) when it is not
    one a record can hold."""
    value = (text or "").strip()
    if not value.isdigit() or len(value) > 10:
        raise ValueError(f"{what} {value[:40]!r} is not a number a record holds")
    return int(value)


def _text(system: ElementTree.Element, name: str) -> str | None:
    found = system.find(f"{NAMESPACE}{name}")
    return None if found is None else found.text


def read_event_xml(
    path: Path,
    *,
    keep: Selection | Selector | frozenset[tuple[str, int]] = frozenset(),
    max_kept: int = MAX_KEPT,
) -> EventLog:
    """Read an XML export of an event log (see the module), selecting and keeping events as
    :func:`~hiveparse.events.evtx_file.read_event_log` does. EvidenceError when it cannot
    be read at all."""
    wanted = selector(keep)
    try:
        handle = open_regular_file(path)
    except OSError as error:
        raise EvidenceError(f"cannot read: {error.strerror or error}", source=str(path)) from error
    with handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
        size = handle.tell()
        handle.seek(0)
        log = EventLog(str(path), digest, size, None, None, None, None, format="xml")
        events = _read_events(log, handle, wanted, max_kept)
    if events == 0 and log.cut is not None and not log.skipped:
        where = log.cut
        raise EvidenceError(
            f"no event could be read: {where.what}", source=str(path), line=where.line,
            column=where.column,
        )  # fmt: skip
    if events == 0 and not log.skipped:
        raise EvidenceError("not an event export: it holds no Event element", source=str(path))
    return log


def _read_events(log: EventLog, handle: BinaryIO, wanted: Selection, max_kept: int) -> int:
    """The export's Event elements read into ``log``, each removed once read (memory holds
    one event, never the document); the number of Event elements met."""
    met = 0
    parents: list[ElementTree.Element] = []
    stream = _Rooted(handle)
    try:
        for action, element in ElementTree.iterparse(stream, events=("start", "end")):
            if action == "start":
                if len(parents) > MAX_DEPTH:
                    log.cut = Cut(f"elements nested more than {MAX_DEPTH} deep")
                    return met
                parents.append(element)
                continue
            parents.pop()
            if element.tag != f"{NAMESPACE}Event":
                continue
            met += 1
            try:
                count_event(log, _event(element), wanted, max_kept)
            except ValueError as error:
                number = element.findtext(f"{NAMESPACE}System/{NAMESPACE}EventRecordID")
                log.skipped.append(SkippedRecord(str(error), record_number(number)))
            element.clear()
            if parents:
                parents[-1].remove(element)
    except ElementTree.ParseError as error:
        line, column = error.position  # expat's column counts from 0
        if line == 1:
            column -= len(_ROOT)  # the root put before the file's first line
        reason = str(error).split(":", 1)[0]
        if stream.oversized:
            (line, column) = stream.end
            reason = f"an event longer than {MAX_EVENT_CHARS} characters: not read on"
        elif (line, column) > stream.end:  # in the root's end tag: the file ended inside
            (line, column), reason = stream.end, "the file ends inside an element"
        column += 1  # columns count from 1, as everywhere in hiveparse's messages
        log.cut = Cut(reason, line=line, column=column)
    return met
