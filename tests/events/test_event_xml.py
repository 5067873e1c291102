"""Event logs exported as XML read into what the EVTX files give. The exports are made here
from corpus logs the way Windows writes them: wevtutil's `/f:xml` (Event elements one after
another, no root, UTF-8) and Event Viewer's "Save as XML" (an Events root; also as UTF-16
with its byte order mark). pyevtx-rs renders each record's XML; the counts to match are the
corpus manifest's, and a cut export keeps what it read and says where it broke."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiveparse.events.evtx_file import read_event_log
from hiveparse.events.xml_export import looks_like_event_xml, read_event_xml

pytestmark = pytest.mark.corpus

LOGS = {
    "lsm": "AndrewRathbun_DFIRArtifactMuseum/Win2012R2_StolenSzechuan/"
    "Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx",
    "hijack": "mdecrevoisier_EVTX-to-MITRE-Attack/ID4688,4778,4779 RDP hijack direct.evtx",
    "system": "AndrewRathbun_DFIRArtifactMuseum/Win10_BelkasoftCTF_InsiderThreat/System.evtx",
}


def _events_xml(path: Path) -> list[str]:
    import evtx  # noqa: PLC0415

    return [
        record["data"].split("?>", 1)[1].strip()
        for record in evtx.PyEvtxParser(str(path)).records()
    ]


def _export(events: list[str], style: str, target: Path) -> Path:
    if style == "wevtutil":
        target.write_bytes("".join(events).encode("utf-8"))
    else:
        text = '<?xml version="1.0" encoding="UTF-8"?><Events>' + "".join(events) + "</Events>"
        if style == "viewer-utf16":
            text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
            target.write_bytes(text.encode("utf-16"))
        else:
            target.write_bytes(text.encode("utf-8"))
    return target


@pytest.mark.parametrize("style", ["wevtutil", "viewer", "viewer-utf16"])
@pytest.mark.parametrize("log", sorted(LOGS))
def test_an_export_reads_as_its_log(corpus: Path, tmp_path: Path, log: str, style: str) -> None:
    source = corpus / "evtx" / LOGS[log]
    every = frozenset(read_event_log(source).counts)
    original = read_event_log(source, keep=every)
    export = _export(_events_xml(source), style, tmp_path / f"{log}.xml")
    assert looks_like_event_xml(export.read_bytes()[:4096])
    read = read_event_xml(export, keep=frozenset(original.counts))
    assert read.counts == original.counts
    assert read.computers == original.computers
    assert (read.first, read.last) == (original.first, original.last)
    assert read.records_read == original.records_read and not read.skipped
    # A logon's fields (UserData's children) as the EVTX reader gives them; XML carries text.
    by_record = {event.record: event.data for event in original.kept}
    logons = [
        e for e in read.kept if e.provider.endswith("LocalSessionManager") and e.event_id == 21
    ]
    for event in logons:
        for name in ("User", "SessionID", "Address"):
            assert event.data[name] == str(by_record[event.record][name])


def test_a_cut_export_keeps_what_it_read_and_says_where(corpus: Path, tmp_path: Path) -> None:
    events = _events_xml(corpus / "evtx" / LOGS["hijack"])
    export = tmp_path / "cut.xml"
    text = "".join(events)
    kept = text[: text.index(events[5]) + 200]
    export.write_bytes(kept.encode("utf-8"))
    read = read_event_xml(export)
    assert read.records_read == 5 and not read.skipped
    # The parser stops at the end of what is there: the export's last line, just past its
    # last character (columns count from 1; a root is put around the file, the place is the
    # file's own).
    assert read.cut is not None
    last_line = kept.split("\n")[-1]
    assert (read.cut.line, read.cut.column) == (kept.count("\n") + 1, len(last_line) + 1)


def test_a_qualified_event_id_is_masked(tmp_path: Path) -> None:
    export = tmp_path / "q.xml"
    export.write_text(
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
        '<Provider Name="Microsoft-Windows-TerminalServices-RemoteConnectionManager"/>'
        '<EventID Qualifiers="49152">1056</EventID><EventRecordID>7</EventRecordID>'
        '<TimeCreated SystemTime="2026-03-06T11:00:00.000Z"/><Computer>RDSH01</Computer>'
        "</System><EventData><Data>DESKTOP</Data></EventData></Event>",
        encoding="utf-8",
    )
    rcm = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
    read = read_event_xml(export, keep=frozenset({(rcm, 1056)}))
    [event] = read.kept
    assert (event.event_id, event.qualifiers, event.record) == (1056, 0xC000, 7)
