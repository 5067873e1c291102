"""Event logs among analyze's evidence: which host each log (or each part of one) joins, and
the host's ``events`` section, against the corpus logs' manifest (evtx/MANIFEST.md: counts of
each event of interest, records parsed and skipped, dirty flags) and hand-counted values.

Logs are never mixed across machines: two machines' logs in one folder are two hosts, a log
whose records name several computers gives each its own records, and a host whose SYSTEM
hive names another machine never takes a log of its folder."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from hiveparse.events.catalogue import OF_INTEREST, of_interest
from hiveparse.events.evtx_file import Event, read_event_log
from tests.cli.running import hiveparse
from tests.support.evtx_manifest import corpus_logs

pytestmark = pytest.mark.corpus

AS_OF = "2026-06-01T00:00:00Z"
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
OPERATIONAL = "Microsoft-Windows-TerminalServices-{}%4Operational.evtx"
CITADEL_LSM = "Win2012R2_StolenSzechuan/" + OPERATIONAL.format("LocalSessionManager")
CITADEL_RCM = "Win2012R2_StolenSzechuan/" + OPERATIONAL.format("RemoteConnectionManager")
DESKTOP_LSM = "Win10_BelkasoftCTF_InsiderThreat/" + OPERATIONAL.format("LocalSessionManager")
MUSEUM = "AndrewRathbun_DFIRArtifactMuseum"
LSM = "Microsoft-Windows-TerminalServices-LocalSessionManager"
RCM = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"


def _log(corpus: Path, name: str) -> Path:
    return corpus / "evtx" / MUSEUM / name


def _manifest_entry(corpus: Path, name: str) -> dict[str, Any]:
    [entry] = [e for e in corpus_logs(corpus) if e["path"] == f"{MUSEUM}/{name}"]
    return entry


def _analyze(*evidence: Path, code: int = 0) -> list[dict[str, Any]]:
    done = hiveparse("analyze", *evidence, "-f", "json", "--as-of", AS_OF)
    assert done.returncode == code, done.stderr
    documents = json.loads(done.stdout)
    return documents if isinstance(documents, list) else [documents]


def _counts(document: dict[str, Any]) -> dict[tuple[str, int], int]:
    return {(c["provider"], c["event_id"]): c["count"] for c in document["events"]["counts"]}


def test_a_log_of_another_machine_beside_a_hive_is_a_host_of_its_own(
    corpus: Path, tmp_path: Path
) -> None:
    """RDSH-01's SYSTEM hive and CITADEL-DC01's log in one ticket folder: two hosts."""
    ticket = tmp_path / "ticket"
    shutil.copytree(SAMPLES / "rds-session-host", ticket)
    shutil.copy(_log(corpus, CITADEL_RCM), ticket)
    documents = _analyze(ticket)
    by_label = {d["host"]["label"]: d for d in documents}
    assert set(by_label) == {"RDSH-01", "CITADEL-DC01.C137.local"}
    assert by_label["RDSH-01"]["events"] is None
    assert "events" in {n["rule"] for n in by_label["RDSH-01"]["not_judged"]}
    citadel = by_label["CITADEL-DC01.C137.local"]
    entry = _manifest_entry(corpus, CITADEL_RCM)
    [source] = citadel["events"]["sources"]
    assert (source["sha256"], source["size"]) == (entry["sha256"], entry["size"])
    assert source["records_read"] == entry["parsed"] == source["records_for_host"]
    assert source["dirty"] is entry["dirty"] and source["header_chunks"] == entry["chunks"]
    assert _counts(citadel) == {(RCM, 1149): entry["events"][(RCM, 1149)]}
    # The manifest's sample record: 1149, record 29322, Administrator from 194.61.24.102.
    [logon] = [r for r in citadel["events"]["rdp_logons"] if r["record"] == 29322]
    assert (logon["time"], logon["user"], logon["source"], logon["remote"]) == (
        "2020-09-19T03:21:47.282370Z",
        "Administrator",
        "194.61.24.102",
        True,
    )
    assert citadel["evidence"] == [] and not citadel["partial"]
    # Known from its logs alone: the registry's rules are not judged, for want of its hives.
    [registry] = [n for n in citadel["not_judged"] if n["rule"] == "registry"]
    assert "SYSTEM and SOFTWARE hives" in registry["settle_with"]
    assert "rds.mode.not_configured" in registry["findings"]
    assert not [n for n in citadel["not_applicable"] if n["premise"] == "licensing_hives"]


def test_two_machines_logs_in_one_folder_are_two_hosts(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copy(_log(corpus, CITADEL_RCM), folder / "a.evtx")
    shutil.copy(_log(corpus, DESKTOP_LSM), folder / "b.evtx")
    documents = _analyze(folder)
    hosts = {d["host"]["label"]: d for d in documents}
    # The Windows 10 log names the machine three ways: before a rename (WIN-AN5B2T7E4GI), and
    # DESKTOP-23PS6ES with and without its domain, which compare as one name.
    assert set(hosts) == {
        "CITADEL-DC01.C137.local",
        "DESKTOP-23PS6ES.praivacymatrix.com",
        "WIN-AN5B2T7E4GI",
    }
    desktop = _manifest_entry(corpus, DESKTOP_LSM)
    split = [hosts["DESKTOP-23PS6ES.praivacymatrix.com"], hosts["WIN-AN5B2T7E4GI"]]
    assert [d["events"]["sources"][0]["records_for_host"] for d in split] == [130 + 56, 18]
    for key, count in desktop["events"].items():  # every event counted once, by one host
        assert sum(_counts(d).get(key, 0) for d in split) == count
    assert all(d["events"]["sources"][0]["placed_by"] == "own host" for d in split)
    assert any(n["code"] == "events.several_computers" for d in split for n in d["diagnostics"])


def _own_log(path: Path, computer: str) -> Path:
    """A log of the RCM 1149 events, written for ``computer`` by samples/evtx_factory.py."""
    from datetime import UTC, datetime  # noqa: PLC0415

    from samples.evtx_factory import CATALOGUE, write_evtx  # noqa: PLC0415

    logon = CATALOGUE[(RCM, 1149)].spec(
        datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
        {"Param1": "admin", "Param2": "CONTOSO", "Param3": "10.1.1.5"},
    )
    write_evtx(path, [logon], computer=computer)
    return path


def test_a_volume_log_joins_its_installation_and_no_other_machine_does(
    corpus: Path, tmp_path: Path
) -> None:
    """winevt\\Logs of the volume whose config holds the hives: its records of the host's
    ComputerName join the installation by layout; a log there whose records name another
    computer (CITADEL-DC01's, as a forwarded-events log would hold) is a host of its own."""
    volume = tmp_path / "C"
    shutil.copytree(SAMPLES / "rdsh-image", volume)
    logs = volume / "Windows" / "System32" / "winevt" / "Logs"
    logs.mkdir(parents=True)
    shutil.copy(_log(corpus, CITADEL_LSM), logs)
    own = _own_log(logs / OPERATIONAL.format("RemoteConnectionManager"), "RDSH-FIN02.contoso.com")
    [without_logs] = _analyze(SAMPLES / "rdsh-image")
    documents = {d["host"]["label"]: d for d in _analyze(volume)}
    host = documents[without_logs["host"]["label"]]
    [source] = host["events"]["sources"]
    assert (source["path"], source["placed_by"]) == (str(own), "layout")
    assert _counts(host) == {(RCM, 1149): 1}
    entry = _manifest_entry(corpus, CITADEL_LSM)
    others = [d for label, d in documents.items() if d is not host]
    assert {d["host"]["label"] for d in others} == {
        "CITADEL-DC01.C137.local", "WIN-E0PO207ERMD", "WIN-HRJHA99CCDO",
    }  # fmt: skip
    assert all(d["evidence"] == [] for d in others)
    assert sum(s["records_for_host"] for d in others for s in d["events"]["sources"]) == 123
    for key, count in entry["events"].items():
        assert sum(_counts(d).get(key, 0) for d in others) == count


def test_a_log_with_unreadable_records_makes_its_host_partial(corpus: Path, tmp_path: Path) -> None:
    """Two records of this log cannot be parsed (evtx/MANIFEST.md): they are skipped, counted
    and said, the rest is read, and the host is partial (exit 3)."""
    name = "2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"
    [entry] = [e for e in corpus_logs(corpus) if e["path"].endswith(name)]
    [document] = _analyze(corpus / "evtx" / entry["path"], code=3)
    [source] = document["events"]["sources"]
    assert (source["records_read"], source["records_skipped"]) == (
        entry["parsed"],
        entry["errors"],
    )
    assert document["partial"] and not document["events"]["complete"]
    assert any(n["code"] == "events.records_skipped" for n in document["diagnostics"])
    assert _counts(document) == entry["events"]


def test_only_remote_interactive_logons_are_rdp() -> None:
    """Security 4624 is an RDP logon with LogonType 10 only (3 is a network logon, 2 the
    console); LogonType as text (EVTX) or number (an export) alike."""
    security = "Microsoft-Windows-Security-Auditing"

    def logon(logon_type: object) -> Event:
        return Event(security, 4624, None, 1, None, "H", "Security", {"LogonType": logon_type})

    assert [of_interest(logon(t)) for t in ("10", 10, "3", "2", "7", None)] == [
        True, True, False, False, False, False,
    ]  # fmt: skip


def test_a_zip_collection_carries_its_logs(corpus: Path, tmp_path: Path) -> None:
    """A KAPE-style ZIP: the TerminalServices logs of winevt\\Logs are copied by name and
    join the installation, named as the archive's inside, with their container."""
    collection = tmp_path / "collection.zip"
    with zipfile.ZipFile(collection, "w") as archive:
        for hive in (SAMPLES / "rdsh-image" / "Windows/System32/config").iterdir():
            archive.write(hive, f"C/Windows/System32/config/{hive.name}")
        own = _own_log(tmp_path / "own.evtx", "RDSH-FIN02")
        archive.write(own, f"C/Windows/System32/winevt/Logs/{Path(CITADEL_RCM).name}")
    [document] = _analyze(collection)
    [source] = document["events"]["sources"]
    assert (
        source["path"] == f"{collection}!/C/Windows/System32/winevt/Logs/" + Path(CITADEL_RCM).name
    )
    assert source["placed_by"] == "layout"
    assert source["container"]["member"].endswith(Path(CITADEL_RCM).name)
    assert _counts(document) == {(RCM, 1149): 1}


def test_the_timeline_carries_the_events(corpus: Path) -> None:
    done = hiveparse("analyze", _log(corpus, CITADEL_RCM), "-f", "timesketch", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    logged = [e for e in events if e["timestamp_desc"] == "Event Logged"]
    assert [(e["event_id"], e["datetime"]) for e in logged if e["record"] == 29322] == [
        (1149, "2020-09-19T03:21:47.282370+00:00")
    ]
    assert len(logged) == 4
    assert {e["sha256"] for e in logged} == {_manifest_entry(corpus, CITADEL_RCM)["sha256"]}


def test_a_reader_keeps_every_event_of_interest_it_counts(corpus: Path) -> None:
    """The per-computer tallies add up to the manifest's counts, kept or not."""
    entry = _manifest_entry(corpus, DESKTOP_LSM)
    log = read_event_log(_log(corpus, DESKTOP_LSM), keep=OF_INTEREST, max_kept=10)
    assert len(log.kept) == 10
    totals: dict[tuple[str, int], int] = {}
    for (_computer, provider, number), tally in log.tallies.items():
        totals[(provider, number)] = totals.get((provider, number), 0) + tally.count
    assert totals == entry["events"]
    assert log.not_kept == sum(entry["events"].values()) - 10


def test_an_xml_export_is_found_and_read_as_its_log(corpus: Path, tmp_path: Path) -> None:
    """The CITADEL RCM log rendered as `wevtutil qe /f:xml` writes it (Event elements, no
    root) and saved with a .txt name: found by content, read into the same counts."""
    import evtx  # noqa: PLC0415

    source = _log(corpus, CITADEL_RCM)
    rendered = [
        record["data"].split("?>", 1)[1].strip()
        for record in evtx.PyEvtxParser(str(source)).records()
    ]
    export = tmp_path / "export" / "rcm-export.txt"
    export.parent.mkdir()
    export.write_text("".join(rendered), encoding="utf-8")
    [document] = _analyze(export.parent)
    [read] = document["events"]["sources"]
    assert (read["format"], read["dirty"], read["records_read"]) == ("xml", None, 1942)
    assert _counts(document) == _manifest_entry(corpus, CITADEL_RCM)["events"]


def test_a_client_address_is_one_source_whatever_its_port(corpus: Path) -> None:
    """Review: RdpCoreTS 131 gives ClientIP with the client's port, and one attacker showed
    as 343 sources. Sources are addresses; the rows keep ClientIP as logged."""
    name = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx"
    [document] = _analyze(_log(corpus, f"Win2012R2_StolenSzechuan/{name}"))
    sessions = next(f for f in document["findings"] if f["id"] == "rdp.events.sessions")
    attacker = [r for r in document["events"]["rdp_logons"] if r["source"] and
                r["source"].startswith("194.61.24.102")]  # fmt: skip
    assert any(":" in r["source"] for r in attacker)  # as logged, with the port
    assert f"194.61.24.102 ({len(attacker)})" in sessions["detail"]
    assert "194.61.24.102:" not in sessions["detail"]
