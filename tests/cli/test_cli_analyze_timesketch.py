"""``analyze -f timesketch``: every line an event Timesketch imports (message, datetime,
timestamp_desc), naming its host, case and fact or finding; the times are the ones the
evidence holds (FILETIMEs converted by hand here, the dates the sample writer encrypted or
signed), and Timesketch's own import client takes every line as it is."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hiveparse.report.timesketch import timeline_events
from tests.cli.running import hiveparse
from tests.support.oracles import oracle

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
AS_OF = "2026-06-01T00:00:00Z"
FILETIME_1970 = 116_444_736_000_000_000  # 100 ns intervals from 1601 to 1970 (MS-DTYP 2.3.3)


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    done = hiveparse("analyze", SAMPLES, "-f", "timesketch", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    done = hiveparse("analyze", SAMPLES, "-f", "jsonl", "--as-of", AS_OF)
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_every_event_has_what_timesketch_needs(events: list[dict[str, Any]]) -> None:
    assert events
    for event in events:
        assert event["message"] and event["timestamp_desc"]
        when = datetime.fromisoformat(event["datetime"])
        assert when.utcoffset() is not None
        assert event["timestamp"] == int(when.timestamp()) * 1_000_000 + when.microsecond
        assert event["host"] and event["case"]
        # A registry fact, a finding, or an event of the host's logs: one of them.
        assert sum(name in event for name in ("fact", "finding", "event_id")) == 1, event


def test_key_writes_are_the_filetimes_the_hives_hold(
    events: list[dict[str, Any]], documents: list[dict[str, Any]]
) -> None:
    """Each key a fact rests on appears at its FILETIME, converted here by hand."""
    writes = {
        (e["host"], e["key_path"], e["timestamp"])
        for e in events
        if e["timestamp_desc"] == "Registry Key Last Written"
    }
    checked = 0
    for document in documents:
        for record in document["licensing"]["mode"]["evidence"]:
            raw = record.get("key_last_write_raw")
            if raw is None:
                continue
            micros = (raw - FILETIME_1970) // 10
            assert (document["host"]["label"], record["key_path"], micros) in writes
            checked += 1
    assert checked >= 5


def test_grace_end_and_cal_validity_are_the_dates_the_samples_were_made_with(
    events: list[dict[str, Any]],
) -> None:
    # samples/make_samples.py encrypts 2026-09-30T03:12:44Z as the rdsh-image timebomb, and
    # issues the temporary CAL for 2025-11-27T08:03:11Z .. 2026-02-25T08:03:11Z.
    grace = [e for e in events if e["case"] == "rdsh-image" and e.get("fact") == "grace.timebomb"]
    assert any(
        e["timestamp_desc"] == "RDS Grace Period End"
        and e["datetime"] == "2026-09-30T03:12:44+00:00"
        and e["expires_source"] == "decrypted"
        for e in grace
    )
    cal = {
        e["timestamp_desc"]: e["datetime"]
        for e in events
        if e["case"] == "rdp-client-temporary-cal" and e.get("fact") == "client.license"
    }
    assert cal == {
        "CAL Valid From": "2025-11-27T08:03:11+00:00",
        "CAL Valid Until": "2026-02-25T08:03:11+00:00",
    }


def test_findings_sit_at_their_newest_evidence(
    events: list[dict[str, Any]], documents: list[dict[str, Any]]
) -> None:
    for document in documents:
        for finding in document["findings"]:
            raws = [
                r["key_last_write_raw"] for r in finding["evidence"] if r.get("key_last_write_raw")
            ]
            placed = [
                e
                for e in events
                if e.get("finding") == finding["id"] and e["host"] == document["host"]["label"]
            ]
            if not raws:
                # Resting on events alone: at the last of them (hand-converted here).
                logged = [r["last"] for r in finding["evidence"] if "event_id" in r and r["last"]]
                if not logged:
                    assert not placed
                    continue
                last = max(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in logged)
                assert [e["datetime"] for e in placed] == [last.isoformat()]
                continue
            assert [e["timestamp"] for e in placed] == [(max(raws) - FILETIME_1970) // 10]
            assert placed[0]["severity"] == finding["severity"]


def test_timesketch_import_client_takes_every_line(tmp_path: Path) -> None:
    importer = oracle("timesketch_import_client.importer")
    report = tmp_path / "rds.jsonl"
    done = hiveparse("analyze", SAMPLES, "-f", "timesketch", "--as-of", AS_OF, "-o", report)
    assert done.returncode == 0, done.stderr
    streamer = importer.ImportStreamer()
    # A sketch whose API root is never reached: the lines are only prepared, not uploaded.
    streamer.set_sketch(SimpleNamespace(api=SimpleNamespace(api_root="http://127.0.0.1:9")))
    streamer.set_entry_threshold(10**9)
    streamer.add_file(str(report))
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    prepared = streamer._data_lines
    assert len(prepared) == len(lines)
    for ours, theirs in zip(lines, prepared, strict=True):
        assert theirs["message"] == ours["message"]
        assert theirs["timestamp_desc"] == ours["timestamp_desc"]  # not the importer's default
        moment = datetime.fromisoformat(theirs["datetime"]).astimezone(UTC)
        assert moment == datetime.fromisoformat(ours["datetime"])


def test_carved_records_are_marked_deleted_on_the_timeline() -> None:
    """samples/grace-reset keeps its deleted timebomb in a free cell; the carved value has no
    key of its own left (no time). A carved key record carries its last write: given one,
    the event says deleted."""
    done = hiveparse("analyze", SAMPLES / "grace-reset", "-f", "json", "--as-of", AS_OF)
    document = json.loads(done.stdout)
    carved = document["recovered"]["facts"]
    assert carved and all(fact["deleted"] for fact in carved)
    assert not [e for e in timeline_events(document) if e["timestamp_desc"].startswith("Deleted")]
    carved[0]["key_last_write"] = "2025-01-02T03:04:05Z"
    (deleted,) = [e for e in timeline_events(document) if e["timestamp_desc"].startswith("Deleted")]
    assert deleted["deleted"] is True and deleted["fact"] == "grace.timebomb"
    assert deleted["datetime"] == "2025-01-02T03:04:05+00:00"
    assert deleted["message"].startswith("Deleted key (carved)")
