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
    Event,
    EventLog,
    Selection,
    Selector,
    SkippedRecord,
    count_event,
    selector,
)

NAMESPACE = "{http://schemas.microsoft.com/win/2004/08/events/event}"
_CHUNK = 1 << 16
_ROOT = b"<hiveparse-events>"


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

    def _stream(self) -> Iterator[bytes]:
        head = self._handle.read(_CHUNK)
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        decoder = codecs.getincrementaldecoder("utf-16" if utf16 else "utf-8")("replace")
        text = decoder.decode(head).lstrip("\ufeff \t\r\n")
        if text.startswith("<?xml"):
            text = text[text.index("?>") + 2 :]
        yield _ROOT
        yield text.encode("utf-8")
        while chunk := self._handle.read(_CHUNK):
            yield decoder.decode(chunk).encode("utf-8")
        yield decoder.decode(b"", final=True).encode("utf-8") + b"</hiveparse-events>"

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
        event_id=int(event_id.text or "0") & 0xFFFF,
        qualifiers=None if qualifiers is None else int(qualifiers),
        record=None if record is None or not record.text else int(record.text),
        time=None if not moment else (moment if moment.endswith("Z") else f"{moment}Z"),
        computer=_text(system, "Computer"),
        channel=_text(system, "Channel"),
        data=data,
        source_name=provider.get("EventSourceName"),
    )


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
        events = ElementTree.iterparse(_Rooted(handle), events=("end",))
        try:
            for _, element in events:
                if element.tag != f"{NAMESPACE}Event":
                    continue
                try:
                    count_event(log, _event(element), wanted, max_kept)
                except ValueError as error:
                    number = element.findtext(f"{NAMESPACE}System/{NAMESPACE}EventRecordID")
                    log.skipped.append(SkippedRecord(str(error), int(number) if number else None))
                element.clear()
        except ElementTree.ParseError as error:
            line, column = error.position
            log.skipped.append(
                SkippedRecord(
                    f"the export is not well-formed at line {line}, column {column}: "
                    f"{error}; the rest is not read"
                )
            )
    return log
