"""What the event logs add to a host's report, on logs the project's EVTX writer made
(samples/evtx_factory.py, proven against pyevtx-rs and libevtx in test_evtx_writer.py): the
story each sample's logs tell, which host a log joins by its records' computer name or by
folder, LogonType filtering, findings the events raise, and a log of another channel passed
over. Expected values are the ones written into the logs here (times, counts, names)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from samples import make_samples
from samples.evtx_factory import CATALOGUE, LSM, RCM, SECURITY_AUDITING, EventSpec, write_evtx
from tests.cli.running import hiveparse

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLES_AS_OF = "2026-03-06T12:00:00Z"
LOG_TIME = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)


def _analyze(*evidence: Path, as_of: str = SAMPLES_AS_OF, code: int = 0) -> list[dict[str, Any]]:
    done = hiveparse("analyze", *evidence, "-f", "json", "--as-of", as_of)
    assert done.returncode == code, done.stderr
    documents = json.loads(done.stdout)
    return documents if isinstance(documents, list) else [documents]


def _finding(document: dict[str, Any], finding_id: str) -> dict[str, Any]:
    [finding] = [f for f in document["findings"] if f["id"] == finding_id]
    return finding


def _iso(moment: str) -> str:
    return f"{moment}.000000Z"  # pyevtx-rs writes microseconds


def test_the_friday_afternoon_host_logged_1068_then_1069() -> None:
    """The sample's story: 1068 from the first connection on, 1069 once the grace period
    ran out; the registry's findings carry them, and the logons are summed up."""
    [document] = _analyze(SAMPLES / "friday-afternoon-rdsh")
    events = document["events"]
    assert {s["placed_by"] for s in events["sources"]} == {"computer name"}
    mode = _finding(document, "rds.mode.not_configured")
    written = {1068: make_samples.FRIDAY_1068, 1069: make_samples.FRIDAY_1069}
    assert [
        (e["event_id"], e["relation"], e["count"], e["first"], e["last"]) for e in mode["events"]
    ] == [
        (number, "corroborates", len(times), _iso(times[0]), _iso(times[-1]))
        for number, times in written.items()
    ]
    assert "event 1069 (the grace period has expired" in mode["detail"]
    expired = _finding(document, "rds.grace.expired")
    assert [(e["event_id"], e["count"]) for e in expired["events"]] == [(1069, 3)]
    sessions = _finding(document, "rdp.events.sessions")
    assert "users: CONTOSO\\mbauer (6), CONTOSO\\kfischer (3)" in sessions["detail"]
    first = make_samples.FRIDAY_LOGONS[0]
    assert sorted(
        (r["event_id"], r["user"], r["source"])
        for r in events["rdp_logons"]
        if r["time"] == _iso(first[0])
    ) == [  # the first logon, as each log says it
        (21, "CONTOSO\\mbauer", "10.20.4.31"),
        (22, "CONTOSO\\mbauer", "10.20.4.31"),
        (1149, "CONTOSO\\mbauer", "10.20.4.31"),
    ]
    assert [e["event_id"] for e in events["licensing"]] == [1068] * 4 + [1068] + [1069] * 3
    # Nothing of the events is raised twice: 1068 and 1069 went to the registry's findings.
    assert not [f for f in document["findings"] if f["id"] == "rds.events.licensing"]


def _admin(path: Path, computer: str, *specs: EventSpec) -> Path:
    write_evtx(path, list(specs), computer=computer)
    return path


def test_a_log_joins_the_host_its_records_name(tmp_path: Path) -> None:
    """A collection: RDSH-FIN02's volume under C, its logs exported to another folder of the
    collection, and a log of OTHER-01 beside them: the first joins RDSH-FIN02 by name, the
    second is a host of its own (never taken by a host whose name differs)."""
    collection = tmp_path / "collection"
    shutil.copytree(SAMPLES / "rdsh-image", collection / "C")
    logs = collection / "EventLogs"
    logs.mkdir()
    no_server = CATALOGUE[(RCM, 1130)].spec(LOG_TIME, [])
    _admin(logs / "System.evtx", "rdsh-fin02.contoso.com", no_server)
    _admin(logs / "other.evtx", "OTHER-01", no_server)
    documents = {d["host"]["label"]: d for d in _analyze(collection)}
    assert set(documents) == {"RDSH-FIN02", "OTHER-01"}
    [joined] = documents["RDSH-FIN02"]["events"]["sources"]
    assert (joined["path"], joined["placed_by"]) == (str(logs / "System.evtx"), "computer name")
    [alone] = documents["OTHER-01"]["events"]["sources"]
    assert (alone["path"], alone["placed_by"]) == (str(logs / "other.evtx"), "own host")
    assert documents["OTHER-01"]["evidence"] == []


def test_a_host_without_a_known_name_takes_the_log_of_its_folder(tmp_path: Path) -> None:
    """A SOFTWARE hive says no ComputerName: nothing to compare, so the one host of the
    folder takes the log (as loose hives of one folder are one machine)."""
    folder = tmp_path / "ticket"
    folder.mkdir()
    shutil.copy(SAMPLES / "friday-afternoon-rdsh" / "SOFTWARE", folder)
    _admin(folder / "System.evtx", "RDSH-SALES01", CATALOGUE[(RCM, 1130)].spec(LOG_TIME, []))
    [document] = _analyze(folder)
    [source] = document["events"]["sources"]
    assert source["placed_by"] == "folder"


def test_a_host_of_unknown_name_takes_no_log_when_its_folder_names_two_machines(
    tmp_path: Path,
) -> None:
    """Review: a SOFTWARE hive (no name) beside logs of HOSTA and HOSTB took both. Two names
    are two machines, and the hive may be either's (or a third's): all three stay apart."""
    folder = tmp_path / "ticket"
    folder.mkdir()
    shutil.copy(SAMPLES / "per-user-farm-gpo" / "SOFTWARE", folder)
    _admin(folder / "a.evtx", "HOSTA", CATALOGUE[(RCM, 1069)].spec(LOG_TIME, {}))
    _admin(folder / "b.evtx", "HOSTB", CATALOGUE[(RCM, 1068)].spec(LOG_TIME, {}))
    documents = _analyze(folder)
    assert sorted(d["host"]["label"] for d in documents if d["events"]) == ["HOSTA", "HOSTB"]
    [software] = [d for d in documents if d["evidence"]]
    assert software["events"] is None
    assert not [f for f in software["findings"] if f["id"].startswith("rds.events.")]


def _logon(logon_type: int, user: str, address: str, minute: int) -> EventSpec:
    entry = CATALOGUE[(SECURITY_AUDITING, 4624)]
    values: dict[str, Any] = {field.name: _default(field.kind) for field in entry.fields}
    values.update(LogonType=logon_type, TargetUserName=user, TargetDomainName="CORP",
                  IpAddress=address, IpPort="51234")  # fmt: skip
    return entry.spec(LOG_TIME + timedelta(minutes=minute), values)


def _default(kind: str) -> Any:
    import uuid  # noqa: PLC0415

    return {
        "sid": "S-1-5-18",
        "guid": uuid.UUID(int=0),
        "uint32": 0,
        "hexint64": 0,
    }.get(kind, "-")


def test_only_logon_type_10_is_an_rdp_logon(tmp_path: Path) -> None:
    """Three logons in Security.evtx: RemoteInteractive (10), Network (3), Interactive (2).
    Only the first is counted and listed; the others are not RDP."""
    log = tmp_path / "Security.evtx"
    write_evtx(log, [_logon(10, "alice", "203.0.113.7", 0), _logon(3, "bob", "10.0.0.9", 1),
                     _logon(2, "carol", "-", 2)], computer="RDSH-01")  # fmt: skip
    [document] = _analyze(log)
    events = document["events"]
    assert [(c["event_id"], c["count"]) for c in events["counts"]] == [(4624, 1)]
    [row] = events["rdp_logons"]
    assert (row["user"], row["source"], row["logon_type"], row["remote"]) == (
        "CORP\\alice", "203.0.113.7", "10", True,
    )  # fmt: skip
    assert events["sources"][0]["records_read"] == 3


def test_licensing_events_the_registry_does_not_show_are_findings(tmp_path: Path) -> None:
    """1130 and 1131 (under its Windows 10 1803 id, 50283) say the host has no license
    server it can use; 1129 that its grace period ends; 4141 on a license server is raised
    among the other licensing events. UNCERTAIN meanings lower the confidence."""
    host = tmp_path / "System.evtx"
    grace = CATALOGUE[(RCM, 1129)].spec(LOG_TIME, ["2/20/2026"])
    unreachable = replace(CATALOGUE[(RCM, 1131)].spec(LOG_TIME, ["LS01"]), event_id=50283)
    write_evtx(host, [CATALOGUE[(RCM, 1130)].spec(LOG_TIME, []), unreachable, grace],
               computer="RDSH-09")  # fmt: skip
    server = tmp_path / "server" / "System.evtx"
    server.parent.mkdir()
    licensing = "Microsoft-Windows-TerminalServices-Licensing"
    write_evtx(server, [CATALOGUE[(licensing, 4141)].spec(LOG_TIME, ["RDSH-09"])],
               computer="LS01")  # fmt: skip
    by_label = {d["host"]["label"]: d for d in _analyze(host, server)}
    rdsh = by_label["RDSH-09"]
    none = _finding(rdsh, "rds.events.no_license_server")
    assert none["severity"] == "high" and none["confidence"] == "medium"  # 50283: UNCERTAIN
    assert [(e["event_id"], e["count"]) for e in none["evidence"]] == [(1130, 1), (50283, 1)]
    ending = _finding(rdsh, "rds.events.grace_ending")
    assert ending["confidence"] == "high"
    assert [row["fields"] for row in rdsh["events"]["licensing"] if row["event_id"] == 1129] == [
        {"Data": "2/20/2026", "Binary": None}
    ]
    refused = _finding(by_label["LS01"], "rds.events.licensing")
    assert refused["severity"] == "high" and "4141" in refused["detail"]


def test_the_registry_and_a_later_event_disagree(tmp_path: Path) -> None:
    """The per-user farm's mode is set by policy (last written 2024-06-11): a 1069 logged
    after that says the service did not run with it; one logged before does not."""
    folder = tmp_path / "farm"
    shutil.copytree(SAMPLES / "per-user-farm-gpo", folder)
    log = folder / "Admin.evtx"
    _admin(log, "RDSH-FARM01", CATALOGUE[(RCM, 1069)].spec(LOG_TIME, {}))
    [document] = _analyze(folder)
    disagrees = _finding(document, "rds.events.registry_disagrees")
    assert "last written 2024-06-11T08:47:19Z" in disagrees["detail"]
    _admin(log, "RDSH-FARM01", CATALOGUE[(RCM, 1069)].spec(datetime(2024, 1, 5, tzinfo=UTC), {}))
    [before] = _analyze(folder)
    assert not [f for f in before["findings"] if f["id"] == "rds.events.registry_disagrees"]
    assert _finding(before, "rds.events.licensing")["severity"] == "high"
    # Review: events of both sides of the write; only those after it contradict the registry.
    both = [CATALOGUE[(RCM, 1069)].spec(datetime(2020, 1, 1, tzinfo=UTC), {}),
            CATALOGUE[(RCM, 1069)].spec(LOG_TIME, {})]  # fmt: skip
    _admin(log, "RDSH-FARM01", *both)
    [mixed] = _analyze(folder)
    disagrees = _finding(mixed, "rds.events.registry_disagrees")
    assert [(e["count"], e["first"]) for e in disagrees["evidence"] if "event_id" in e] == [
        (1, LOG_TIME.strftime("%Y-%m-%dT%H:%M:%S.000000Z"))
    ]


def test_a_log_of_another_channel_found_in_a_folder_is_passed_over(tmp_path: Path) -> None:
    """Application.evtx beside the hives holds nothing reported: noted, not read; named on
    the command line, it is read (and holds no event of interest)."""
    folder = tmp_path / "ticket"
    shutil.copytree(SAMPLES / "rds-session-host", folder)
    session = CATALOGUE[(LSM, 21)]
    other = replace(
        session.spec(LOG_TIME, {"User": "CORP\\a", "SessionID": 2, "Address": "10.0.0.1"}),
        channel="Application",
    )
    write_evtx(folder / "app.evtx", [other], computer="RDSH-01")
    [document] = _analyze(folder)
    assert document["events"] is None
    [note] = [d for d in document["diagnostics"] if d["code"] == "events.other_channel"]
    assert "'Application'" in note["message"]
    [named] = _analyze(folder / "app.evtx")
    assert named["events"]["sources"][0]["channel"] == "Application"


def test_the_reset_host_said_its_grace_period_was_over_before_the_timebomb_went() -> None:
    """grace-reset: 1128 at the end of the grace period and 1069 at each refused connection,
    all before the reset playbook rewrote the GracePeriod key (2026-03-02T18:44:05Z): they
    corroborate the reset; the mode finding carries 1068 and 1069."""
    [document] = _analyze(SAMPLES / "grace-reset")
    reset = _finding(document, "rds.grace.reset_suspected")
    assert [(e["event_id"], e["relation"], e["count"], e["first"], e["last"])
            for e in reset["events"]] == [
        (1069, "corroborates", len(make_samples.RESET_1069), _iso(make_samples.RESET_1069[0]),
         _iso(make_samples.RESET_1069[-1])),
        (1128, "corroborates", 1, _iso(make_samples.RESET_1128[0]),
         _iso(make_samples.RESET_1128[0])),
    ]  # fmt: skip
    assert "before the GracePeriod key was last written (2026-03-02T18:44:05Z)" in reset["detail"]
    [system] = [s for s in document["events"]["sources"] if s["path"].endswith("System.evtx")]
    assert system["channel"] == "System"
    [classic] = [e for e in document["events"]["licensing"] if e["event_id"] == 1128]
    assert classic["qualifiers"] == 0xC000  # a classic TermService event, id & 0xFFFF


def test_an_expiry_event_older_than_the_timebomb_speaks_of_an_earlier_one(tmp_path: Path) -> None:
    """Friday afternoon's timebomb was made 2025-11-06T07:58:41Z: a 1069 logged before that
    is of an earlier grace period ("predates"), never corroboration of this expiry."""
    folder = tmp_path / "friday"
    folder.mkdir()
    for name in ("SYSTEM", "SOFTWARE"):
        shutil.copy(SAMPLES / "friday-afternoon-rdsh" / name, folder)
    old = CATALOGUE[(RCM, 1069)].spec(datetime(2025, 10, 1, 8, 0, tzinfo=UTC), {})
    _admin(folder / "Admin.evtx", "RDSH-SALES01", old)
    [document] = _analyze(folder)
    expired = _finding(document, "rds.grace.expired")
    assert [(e["event_id"], e["relation"]) for e in expired["events"]] == [(1069, "predates")]
    assert "Of an earlier grace period: event 1069" in expired["detail"]


def test_the_same_records_from_two_sources_are_counted_once(tmp_path: Path) -> None:
    """Review: a byte-identical copy of the Admin log and an XML export of it doubled every
    count. The copy is named a duplicate; the export overlaps the log (one channel, the same
    EventRecordIDs): each record counts once, as the sample's story has them."""
    import evtx  # noqa: PLC0415

    folder = tmp_path / "friday"
    shutil.copytree(SAMPLES / "friday-afternoon-rdsh", folder)
    admin = folder / "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Admin.evtx"
    (folder / "copy").mkdir()
    shutil.copy(admin, folder / "copy" / admin.name)
    rendered = [r["data"].split("?>", 1)[1] for r in evtx.PyEvtxParser(str(admin)).records()]
    (folder / "admin.xml").write_text("".join(rendered), encoding="utf-8")
    [document] = _analyze(folder)
    counts = {(c["event_id"], c["count"]) for c in document["events"]["counts"]}
    assert {(1068, 5), (1069, 3)} <= counts
    mode = _finding(document, "rds.mode.not_configured")
    assert [(e["event_id"], e["count"]) for e in mode["events"]] == [(1068, 5), (1069, 3)]
    [copy] = [s for s in document["events"]["sources"] if s["duplicate_of"]]
    assert copy["duplicate_of"] == str(admin)
    codes = {d["code"] for d in document["diagnostics"]}
    assert {"events.duplicate_log", "events.overlapping_logs"} <= codes
    assert len(document["events"]["licensing"]) == 8


def test_a_workstation_gets_no_session_host_finding_from_its_logs(tmp_path: Path) -> None:
    """Review: WKS-0042 (ProductType WinNT) with 1069, 1128 and 1130 in its logs got high
    session-host findings. They are listed, and the session-host rules do not apply."""
    folder = tmp_path / "wks"
    shutil.copytree(SAMPLES / "rdp-client-temporary-cal", folder)
    _admin(folder / "Admin.evtx", "WKS-0042", CATALOGUE[(RCM, 1069)].spec(LOG_TIME, {}))
    _admin(folder / "System.evtx", "WKS-0042", CATALOGUE[(RCM, 1128)].spec(LOG_TIME, []),
           CATALOGUE[(RCM, 1130)].spec(LOG_TIME, []))  # fmt: skip
    [document] = _analyze(folder)
    assert not [f for f in document["findings"] if f["id"].startswith("rds.events.")]
    assert [e["event_id"] for e in document["events"]["licensing"]] == [1069, 1128, 1130]
    [rule] = [n for n in document["not_applicable"] if n["rule"] == "events"]
    assert rule["premise"] == "session_host"
    assert "rds.events.no_license_server" in rule["findings"]


def test_logs_that_cannot_hold_licensing_events_judge_none_of_them(tmp_path: Path) -> None:
    """Review: with only the LocalSessionManager log, "no licensing event" read as judged.
    The licensing event rules are not judged, naming System.evtx and the RCM Admin log."""
    folder = tmp_path / "friday"
    folder.mkdir()
    for name in (
        "SYSTEM",
        "SOFTWARE",
        "Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx",
    ):
        shutil.copy(SAMPLES / "friday-afternoon-rdsh" / name, folder)  # fmt: skip
    [document] = _analyze(folder)
    [unjudged] = [n for n in document["not_judged"] if n["rule"] == "events.licensing"]
    assert "System.evtx" in unjudged["settle_with"]
    assert f"{RCM}%4Admin.evtx" in unjudged["settle_with"]
    assert "rds.events.no_license_server" in unjudged["findings"]
    assert not [n for n in document["not_judged"] if n["rule"] == "events.sessions"]


def test_a_netbios_name_matches_the_dns_name_it_was_cut_from(tmp_path: Path) -> None:
    """Review: a ComputerName of 15 characters (RDSH-SALES01-EA) is the NetBIOS name of the
    host whose records say RDSH-SALES01-EAST.contoso.com: its own logs, not another host."""
    from hiveparse.evidence.event_placement import same_name  # noqa: PLC0415

    assert same_name("rdsh-sales01-east", "RDSH-SALES01-EA")
    assert not same_name("rdsh-sales01-east", "RDSH-SALES01")  # 12 characters: a name of its own
    assert not same_name("rdsh-sales01-ea2", "RDSH-SALES01-EB")


def test_an_unnamed_installation_takes_no_log_of_two_computers(tmp_path: Path) -> None:
    """Review: a volume without a SYSTEM hive (no name) took every record of its winevt\\Logs,
    a forwarded log's other machine's included. Two names: all stay apart."""
    volume = tmp_path / "C"
    (volume / "Windows" / "System32" / "config").mkdir(parents=True)
    shutil.copy(SAMPLES / "per-user-farm-gpo" / "SOFTWARE", volume / "Windows/System32/config")
    logs = volume / "Windows" / "System32" / "winevt" / "Logs"
    logs.mkdir(parents=True)
    _admin(logs / "System.evtx", "HOSTA", CATALOGUE[(RCM, 1130)].spec(LOG_TIME, []))
    _admin(logs / "ForwardedEvents.evtx", "FARAWAY", CATALOGUE[(RCM, 1130)].spec(LOG_TIME, []))
    documents = _analyze(tmp_path)
    assert sorted(d["host"]["label"] for d in documents if d["events"]) == ["FARAWAY", "HOSTA"]
    assert all(d["events"] is None for d in documents if d["evidence"])


def test_two_logs_of_one_channel_are_not_copies_for_their_record_numbers(tmp_path: Path) -> None:
    """A log cleared and begun again numbers its records from 1 anew: the same numbers at
    other times are other records, all counted (the benchmark's busy log beside the sample's
    own was taken for a copy when numbers alone were compared)."""
    folder = tmp_path / "ticket"
    folder.mkdir()
    shutil.copy(SAMPLES / "friday-afternoon-rdsh" / "SYSTEM", folder)
    first = [CATALOGUE[(RCM, 1069)].spec(LOG_TIME + timedelta(hours=h), {}) for h in range(3)]
    again = [CATALOGUE[(RCM, 1069)].spec(LOG_TIME + timedelta(days=9, hours=h), {})
             for h in range(2)]  # fmt: skip
    _admin(folder / "before-clear.evtx", "RDSH-SALES01", *first)
    _admin(folder / "after-clear.evtx", "RDSH-SALES01", *again)
    [document] = _analyze(folder)
    assert [(c["event_id"], c["count"]) for c in document["events"]["counts"]] == [(1069, 5)]
    assert not [d for d in document["diagnostics"] if d["code"] == "events.overlapping_logs"]
