"""Every event log of the corpus (evtx/MANIFEST.md) read as its manifest says: the records
pyevtx-rs parsed and the ones it could not (skipped, counted, said), the file header's dirty
flag and chunk count, and the count of every event of interest for each provider and event
id (EventID & 0xFFFF). Among them: logs whose header chunk count is stale (python-evtx returns
a fraction of those), dirty logs, and logs with chunks that fail their CRC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hiveparse.events.evtx_file import read_event_log
from tests.support.evtx_manifest import corpus_logs as _manifest

pytestmark = pytest.mark.corpus


def _entries() -> list[dict[str, Any]]:
    from tests.conftest import _corpus_dir  # noqa: PLC0415

    corpus = _corpus_dir()
    return [] if corpus is None else _manifest(corpus)


ENTRIES = _entries()


def test_the_manifest_lists_the_logs() -> None:
    if not ENTRIES:
        pytest.skip("the shared corpus is not here")
    assert len(ENTRIES) == 10


@pytest.mark.parametrize("entry", ENTRIES, ids=[Path(e["path"]).name[:50] for e in ENTRIES])
def test_a_corpus_log_reads_as_its_manifest_says(corpus: Path, entry: dict[str, Any]) -> None:
    keep = frozenset(entry["events"])
    log = read_event_log(corpus / "evtx" / entry["path"], keep=keep)
    assert (log.size, log.sha256) == (entry["size"], entry["sha256"])
    assert (log.records_read, log.records_skipped) == (entry["parsed"], entry["errors"])
    assert (log.dirty, log.header_chunks) == (entry["dirty"], entry["chunks"])
    for key, count in entry["events"].items():
        assert log.counts[key] == count, key
    assert len(log.kept) == sum(entry["events"].values())
    assert all(skipped.message for skipped in log.skipped)
    assert all(event_id <= 0xFFFF for _, event_id in log.counts)


def test_an_event_with_qualifiers_is_counted_by_its_low_word(corpus: Path) -> None:
    """RemoteConnectionManager 1056 in a Windows 10 System log carries Qualifiers 0xC000
    (49152): it is event 1056 of that provider, not 50208 or 3221226528."""
    path = (
        corpus
        / "evtx/AndrewRathbun_DFIRArtifactMuseum/Win10_BelkasoftCTF_InsiderThreat/System.evtx"
    )
    rcm = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
    log = read_event_log(path, keep=frozenset({(rcm, 1056)}))
    assert log.counts[(rcm, 1056)] >= 1
    assert any(event.qualifiers == 0xC000 for event in log.kept)
    assert not any(event_id > 0xFFFF for _, event_id in log.counts)
