"""Event logs damaged the ways copies of them arrive: cut short (anywhere), a chunk whose
header or records are overwritten, a header counting 65,535 chunks, nothing but a header, an
empty file. The reader keeps every record it can parse, skips and counts the rest, or refuses
the file with a hiveparse error; analyze says so in one line (file and what is wrong), with
the documented exit code, never a traceback."""

from __future__ import annotations

import contextlib
import json
import struct
from pathlib import Path
from typing import Any

import pytest

from hiveparse.errors import HiveparseError
from hiveparse.events.catalogue import OF_INTEREST
from hiveparse.events.evtx_file import read_event_log
from tests.cli.running import hiveparse

SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "samples"
    / "friday-afternoon-rdsh"
    / "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Admin.evtx"
)
CHUNK = 4096  # the first chunk starts after the 4 KiB file header
RECORDS = 8  # the sample log's records (5 x 1068, 3 x 1069)


def _variants() -> dict[str, bytes]:
    data = SAMPLE.read_bytes()
    records_end = CHUNK + struct.unpack_from("<I", data, CHUNK + 48)[0]  # free space offset
    overwritten_header = bytearray(data)
    overwritten_header[CHUNK + 8 : CHUNK + 64] = b"\xff" * 56
    overwritten_record = bytearray(data)
    overwritten_record[CHUNK + 512 + 24 : CHUNK + 512 + 200] = b"\x41" * 176
    many_chunks = bytearray(data)
    struct.pack_into("<H", many_chunks, 42, 0xFFFF)
    return {
        "empty": b"",
        "header_only": data[:CHUNK],
        "cut_in_header": data[:100],
        "cut_in_chunk_header": data[: CHUNK + 300],
        "cut_in_records": data[: (CHUNK + 512 + records_end) // 2],
        "chunk_header_overwritten": bytes(overwritten_header),
        "record_overwritten": bytes(overwritten_record),
        "chunk_count_65535": bytes(many_chunks),
    }


VARIANTS = _variants()


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_a_damaged_log_is_read_as_far_as_it_goes(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.evtx"
    path.write_bytes(VARIANTS[name])
    with contextlib.suppress(HiveparseError):
        log = read_event_log(path, keep=OF_INTEREST)
        assert log.records_read + log.records_skipped <= RECORDS + 1
        assert log.records_read <= RECORDS


def test_a_log_whose_header_counts_65535_chunks_gives_every_record(tmp_path: Path) -> None:
    path = tmp_path / "many.evtx"
    path.write_bytes(VARIANTS["chunk_count_65535"])
    log = read_event_log(path, keep=OF_INTEREST)
    assert (log.records_read, log.records_skipped, log.header_chunks) == (RECORDS, 0, 0xFFFF)
    # A live log's header counts fewer chunks than it holds, never more: this one was cut.
    assert log.cut is not None
    assert (log.cut.offset, log.cut.what) == (
        len(VARIANTS["chunk_count_65535"]), "its header counts 65535 chunk(s), the file holds 1"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "cut"),
    [("header_only", "its header counts 1 chunk(s), the file holds 0"),
     ("cut_in_chunk_header", "the file ends 300 bytes into chunk 1 (of 65536)")],
)  # fmt: skip
def test_a_log_cut_short_is_said_with_where_it_ends(tmp_path: Path, name: str, cut: str) -> None:
    path = tmp_path / f"{name}.evtx"
    path.write_bytes(VARIANTS[name])
    done = hiveparse("analyze", path, "-f", "json", "--as-of", "2026-03-06T12:00:00Z")
    assert done.returncode == 3, done.stderr
    document = json.loads(done.stdout)
    [source] = document["events"]["sources"]
    assert source["cut_short"] == {
        "offset": len(VARIANTS[name]), "line": None, "column": None, "what": cut
    }  # fmt: skip
    [note] = [d for d in document["diagnostics"] if d["code"] == "events.cut_short"]
    assert note["offset"] == len(VARIANTS[name]) and document["partial"]


@pytest.mark.parametrize("name", ["empty", "cut_in_header", "record_overwritten"])
def test_analyze_says_what_is_wrong_in_one_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.evtx"
    path.write_bytes(VARIANTS[name])
    done = hiveparse("analyze", path, "-f", "json", "--as-of", "2026-03-06T12:00:00Z")
    assert "Traceback" not in done.stderr
    if name == "record_overwritten":  # the other records are read; the host is partial
        assert done.returncode == 3, done.stderr
        document = json.loads(done.stdout)  # one document: the object itself
        [source] = document["events"]["sources"]
        assert source["records_skipped"] >= 1 and document["partial"]
    else:  # nothing to read: not evidence (empty), or an EVTX header cut short
        assert done.returncode == 4, done.stderr
        assert str(path) in done.stderr


_EVENT = (
    '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
    '<Provider Name="Microsoft-Windows-TerminalServices-RemoteConnectionManager"/>'
    "<EventID>1069</EventID><EventRecordID>{record}</EventRecordID>"
    '<TimeCreated SystemTime="{time}"/><Channel>Microsoft-Windows-TerminalServices-'
    "RemoteConnectionManager/Admin</Channel><Computer>RDSH-01</Computer></System></Event>"
)


def _export(tmp_path: Path, *events: str, lead: str = "") -> Path:
    path = tmp_path / "export.xml"
    path.write_text(lead + "".join(events), encoding="utf-8")
    return path


def test_an_export_record_that_is_not_a_record_is_skipped_alone(tmp_path: Path) -> None:
    """Review: EventRecordID '12x' failed the whole case, and SystemTime 'garbage' stopped
    the timeline. The record number is left unknown, the time too: never invented."""
    good = _EVENT.format(record=7, time="2026-03-06T08:00:00.000Z")
    odd = _EVENT.format(record="12x", time="garbage")
    path = _export(tmp_path, good, odd)
    done = hiveparse("analyze", path, "-f", "timesketch", "--as-of", "2026-03-06T12:00:00Z")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    logged = [e for e in lines if e["timestamp_desc"] == "Event Logged"]
    assert [(e["event_id"], e["record"]) for e in logged] == [(1069, 7)]  # the other: no time
    log = read_event_log_xml(path)
    assert [(e.record, e.time) for e in log.kept] == [
        (7, "2026-03-06T08:00:00.000Z"), (None, None),
    ]  # fmt: skip


def read_event_log_xml(path: Path) -> Any:
    from hiveparse.events.xml_export import read_event_xml  # noqa: PLC0415

    return read_event_xml(path, keep=OF_INTEREST)


def test_an_export_cut_short_says_its_line_as_the_file_numbers_it(tmp_path: Path) -> None:
    """Review: three blank lines before the export, a break on line 5, reported at line 2.
    The place is the file's own, whatever is put around it to parse it."""
    good = _EVENT.format(record=7, time="2026-03-06T08:00:00.000Z")
    path = _export(tmp_path, good + "\n", "<Event>\n<System><broken>", lead="\n\n\n")
    log = read_event_log_xml(path)
    assert log.records_read == 1 and log.cut is not None
    assert log.cut.line == 6  # 3 blank lines, the event, then <Event>, then the break


def test_nesting_deeper_than_an_event_stops_the_reading(tmp_path: Path) -> None:
    deep = '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">' + (
        "<a>" * 10_000 + "</a>" * 10_000 + "</Event>"
    )
    path = _export(tmp_path, _EVENT.format(record=1, time="2026-03-06T08:00:00Z"), deep)
    log = read_event_log_xml(path)
    assert log.records_read == 1
    assert log.cut is not None and "nested more than 64 deep" in log.cut.what


def test_xml_that_is_no_event_export_is_refused(tmp_path: Path) -> None:
    """Review: a QueryList naming the event schema became a host of 0 records."""
    path = tmp_path / "query.xml"
    path.write_text(
        '<?xml version="1.0"?><QueryList xmlns="http://schemas.microsoft.com/win/2004/08/'
        'events/query"><Query Id="0"><Select Path="System">*</Select></Query></QueryList>',
        encoding="utf-8",
    )
    done = hiveparse("analyze", path, "-f", "json", "--as-of", "2026-03-06T12:00:00Z")
    assert done.returncode == 4, done.stderr
    assert f"{path}: not an event export: it holds no Event element" in done.stderr


def test_an_event_larger_than_any_windows_writes_is_not_read_on(tmp_path: Path) -> None:
    """Review: one <Data> of 300 MB was held whole (913 MB RSS). An event's text past 16 Mi
    characters stops the reading there: what came before is kept, and the place is said."""
    from hiveparse.events import xml_export  # noqa: PLC0415

    good = _EVENT.format(record=7, time="2026-03-06T08:00:00.000Z")
    huge = good.replace("</System>", "</System><EventData><Data>" + "A" * (17 << 20))
    path = _export(tmp_path, good, huge + "</Data></EventData></Event>")
    log = read_event_log_xml(path)
    assert log.records_read == 1
    assert log.cut is not None and "an event longer than" in log.cut.what
    assert log.cut.line == 1 and log.cut.column > xml_export.MAX_EVENT_CHARS
