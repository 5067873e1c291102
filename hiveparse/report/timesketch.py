"""``analyze -f timesketch``: each host's timestamped facts as Timesketch events.

Timesketch imports JSON Lines whose every line holds ``message``, ``datetime`` (ISO 8601)
and ``timestamp_desc``; every other field becomes a searchable attribute. The events are
read from the host's document (the JSON contract) and nothing else:

* each licensing or RDP key the report rests on, at its last write (one event per key and
  time, naming the facts it holds); keys carved from unallocated space are marked deleted;
* the grace period's end, when the timebomb's date is known (decrypted, or estimated);
* the validity of each client licence (CAL) and each certificate the host holds (from and
  until);
* each finding, at the newest last-write among the facts it rests on, or, resting on events
  alone, at the last of them (a finding whose facts carry no time, such as one read from a
  .reg file alone, has no place on a timeline and is left out: the JSON report has it);
* each licensing event and RDP session event of the host's event logs (``events``), at the
  time it was logged, with its provider, event id, record number and the log's SHA-256.

Every event names its host, case, computer name and the fact or finding id; a key's last
write and a finding also name the file (with its SHA-256) the time was read from.
``timestamp`` is the same moment in microseconds since 1970, as Timesketch stores it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

DATA_TYPE = "hiveparse:rds"
KEY_WRITTEN = "Registry Key Last Written"
DELETED_KEY_WRITTEN = "Deleted Registry Key Last Written"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _moment(iso: str) -> tuple[str, int]:
    """ISO 8601 text and microseconds since 1970 (exact, before 1970 too)."""
    when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return when.isoformat(), (when - EPOCH) // timedelta(microseconds=1)


def _facts(node: Any, inside_findings: bool = False) -> Iterator[Mapping[str, Any]]:
    """Every fact record of the document (a dict with ``fact`` and ``key_path``)."""
    if isinstance(node, dict):
        if "fact" in node and "key_path" in node and not inside_findings:
            yield node
        for name, child in node.items():
            yield from _facts(child, inside_findings or name == "findings")
    elif isinstance(node, list):
        for child in node:
            yield from _facts(child, inside_findings)


class _Timeline:
    def __init__(self, document: Mapping[str, Any]) -> None:
        host = document["host"]
        self.common = {
            "host": host["label"],
            "case": host.get("case"),
            "computer_name": host["identity"].get("computer_name"),
            "data_type": DATA_TYPE,
        }
        self.events: list[dict[str, Any]] = []

    def add(self, iso: str | None, desc: str, message: str, **fields: Any) -> None:
        if not iso:
            return
        when, micros = _moment(iso)
        event = {"message": message, "datetime": when, "timestamp": micros}
        event["timestamp_desc"] = desc
        event.update(self.common)
        event.update({name: value for name, value in fields.items() if value is not None})
        self.events.append(event)


def _key_writes(timeline: _Timeline, document: Mapping[str, Any]) -> None:
    writes: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for record in _facts(document):
        written = record.get("key_last_write")
        if written:
            writes.setdefault((record["source"], record["key_path"], written), []).append(record)
    for (source, key_path, written), records in writes.items():
        facts = sorted({str(r["fact"]) for r in records})
        deleted = any(r.get("deleted") for r in records)
        values = sorted(
            {
                str(r["value_name"]) or "(Default)"
                for r in records
                if r.get("value_name") is not None
            }
        )
        held = f" (values {', '.join(values)})" if values else ""
        timeline.add(
            written,
            DELETED_KEY_WRITTEN if deleted else KEY_WRITTEN,
            f"{'Deleted key (carved) ' if deleted else ''}{key_path} last written{held}: "
            f"{', '.join(facts)}",
            fact=", ".join(facts),
            key_path=key_path,
            deleted=deleted,
            source_file=source,
            sha256=records[0].get("sha256"),
        )


def _grace(timeline: _Timeline, document: Mapping[str, Any]) -> None:
    grace = document["licensing"]["grace_period"]
    if not grace.get("expires"):
        return
    how = grace.get("expires_source")
    timeline.add(
        grace["expires"],
        "RDS Grace Period End",
        f"RDS licensing grace period ends ({how}"
        + ("; key last write + 120 days" if how == "estimated" else "")
        + ")",
        fact="grace.timebomb",
        expires_source=how,
    )


def _validity(timeline: _Timeline, document: Mapping[str, Any]) -> None:
    licensing = document["licensing"]
    for cal in licensing["client"].get("licenses", []):
        kind = "temporary" if cal.get("temporary") else "permanent"
        what = f"{kind} client licence {cal['store_key']} issued by {cal.get('issuer') or '?'}"
        fields = {"fact": "client.license", "key_path": cal["store_key"]}
        timeline.add(cal.get("not_before"), "CAL Valid From", f"{what}: valid from", **fields)
        timeline.add(cal.get("not_after"), "CAL Valid Until", f"{what}: valid until", **fields)
    certificates = (licensing.get("role") or {}).get("session_host_certificates") or {}
    for value in certificates.get("values", []):
        for certificate in value.get("certificates", []):
            what = f"certificate {certificate.get('subject') or '?'} in {value['value_name']}"
            fields = {
                "fact": value["fact"],
                "key_path": value["key_path"],
                "thumbprint_sha1": certificate.get("thumbprint_sha1"),
            }
            timeline.add(
                certificate.get("not_before"), "Certificate Valid From", f"{what}: valid from",
                **fields,
            )  # fmt: skip
            timeline.add(
                certificate.get("not_after"), "Certificate Valid Until", f"{what}: valid until",
                **fields,
            )  # fmt: skip


def _findings(timeline: _Timeline, document: Mapping[str, Any]) -> None:
    for finding in document["findings"]:
        timed = [(r["key_last_write"], r) for r in finding["evidence"] if r.get("key_last_write")]
        logged = [(r["last"], r) for r in finding["evidence"] if "event_id" in r and r.get("last")]
        if timed:  # at the newest write among its facts
            written, newest = max(timed, key=lambda pair: _moment(pair[0])[1])
            where = {"key_path": newest.get("key_path"), "source_file": newest.get("source"),
                     "sha256": newest.get("sha256")}  # fmt: skip
            desc = "Finding (its evidence last written)"
        elif logged:  # resting on events alone: at the last of them
            written, newest = max(logged, key=lambda pair: _moment(pair[0])[1])
            where = {"source_file": (newest.get("logs") or [None])[0]}
            desc = "Finding (its events last logged)"
        else:
            continue
        timeline.add(
            written,
            desc,
            f"[{finding['severity']}] {finding['title']}",
            finding=finding["id"],
            severity=finding["severity"],
            confidence=finding["confidence"],
            **where,
        )


def _logged(timeline: _Timeline, document: Mapping[str, Any]) -> None:
    events = document.get("events")
    if not events:
        return
    hashes = {source["path"]: source["sha256"] for source in events["sources"]}
    for row in [*events["licensing"], *events["rdp_logons"]]:
        short = row["provider"].removeprefix("Microsoft-Windows-")
        said = [f"{name} {row[name]}" for name in ("user", "source", "session") if row.get(name)]
        timeline.add(
            row["time"],
            "Event Logged",
            f"{short} {row['event_id']}: {row['meaning']}"
            + (f" ({', '.join(said)})" if said else ""),
            provider=row["provider"],
            event_id=row["event_id"],
            record=row["record"],
            event_computer=row["computer"],
            channel=row["channel"],
            user=row.get("user"),
            source_address=row.get("source"),
            session=row.get("session"),
            remote=row.get("remote"),
            source_file=row["log"],
            sha256=hashes.get(row["log"]),
        )


def timeline_events(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Timesketch events of one host's analyze document, oldest first."""
    timeline = _Timeline(document)
    if document["evidence"]:
        _key_writes(timeline, document)
        _grace(timeline, document)
        _validity(timeline, document)
    _findings(timeline, document)
    _logged(timeline, document)
    return sorted(timeline.events, key=lambda event: (event["timestamp"], event["message"]))
