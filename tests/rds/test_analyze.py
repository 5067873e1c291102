"""analyze as a whole: cases, per-host diagnostics, unreadable inputs, provenance, hygiene."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hiveparse.rds.analyze import analyze, host_document
from hiveparse.report.schema import SCHEMA
from hiveparse.report.summary_table import write_summary

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
AS_OF = datetime(2026, 3, 6, 12, 0, 0, tzinfo=UTC)


def _ticket(root: Path, name: str, case: str) -> Path:
    folder = root / name
    shutil.copytree(SAMPLES / case, folder)
    return folder


def _documents(paths: list[Path]) -> list[dict[str, Any]]:
    analysis = analyze(paths, as_of=AS_OF)
    documents = [host_document(host, analysis) for host in analysis.hosts]
    for document in documents:
        jsonschema.validate(document, SCHEMA)
    return documents


def test_each_ticket_folder_is_a_case_with_its_own_diagnostics(tmp_path: Path) -> None:
    tickets = tmp_path / "tickets"
    _ticket(tickets, "4711", "friday-afternoon-rdsh")
    broken = _ticket(tickets, "4712", "per-user-farm-gpo")
    (broken / "SOFTWARE").write_bytes(b"regf" + bytes(100))  # a cut-off hive
    (broken / "README.txt").write_text("customer notes")
    documents = _documents([tickets])
    by_case = {document["host"]["case"]: document for document in documents}
    assert set(by_case) == {"4711", "4712"}
    good, bad = by_case["4711"], by_case["4712"]
    assert good["partial"] is False
    assert good["unreadable"] == []
    # Nothing about ticket 4712 leaks into ticket 4711's report.
    assert not [d for d in good["diagnostics"] if "4712" in (d["source"] or "")]
    assert bad["partial"] is True
    assert [Path(item["path"]).name for item in bad["unreadable"]] == ["SOFTWARE"]
    notes = {Path(d["source"]).name for d in bad["diagnostics"] if d["source"]}
    assert "README.txt" in notes


def test_an_input_no_host_shares_a_folder_with_gets_its_own_document(tmp_path: Path) -> None:
    tickets = tmp_path / "tickets"
    _ticket(tickets, "4711", "rds-session-host")
    lonely = tickets / "4799"
    lonely.mkdir()
    (lonely / "SYSTEM").write_bytes(b"regf" + bytes(100))  # a hive cut after 104 bytes
    documents = _documents([tickets])
    cases = {document["host"]["case"]: document for document in documents}
    assert set(cases) == {"4711", "4799"}
    orphan = cases["4799"]
    assert orphan["evidence"] == [] and orphan["findings"] == []
    assert orphan["partial"] is True
    assert orphan["host"]["label"].startswith("unreadable input (")
    assert cases["4711"]["partial"] is False


def test_transaction_logs_and_master_keys_that_changed_the_result_are_hashed(
    corpus: Path, tmp_path: Path
) -> None:
    (document,) = _documents([corpus / "hives" / "regipy" / "SYSTEM_B"])
    logs = [f for f in document["supporting_files"] if f["role"] == "transaction log applied"]
    assert sorted(Path(f["path"]).name for f in logs) == ["SYSTEM_B.LOG1", "SYSTEM_B.LOG2"]
    for record in logs:
        assert record["sha256"] == hashlib.sha256(Path(record["path"]).read_bytes()).hexdigest()
    (image,) = _documents([SAMPLES / "rdsh-image"])
    keys = [f for f in image["supporting_files"] if f["role"].startswith("DPAPI master key")]
    (key,) = keys
    assert key["sha256"] == hashlib.sha256(Path(key["path"]).read_bytes()).hexdigest()
    roles = {Path(e["path"]).name: e["role"] for e in image["evidence"]}
    assert roles["SECURITY"] == "SECURITY hive; opened the LSA secrets for decryption"


def test_master_keys_of_one_volume_never_serve_another(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "rdsh-image", tmp_path / "a")
    shutil.copytree(SAMPLES / "rdsh-image", tmp_path / "b")
    protect = tmp_path / "b" / "Windows" / "System32" / "Microsoft" / "Protect"
    shutil.rmtree(protect)
    analysis = analyze([tmp_path], as_of=AS_OF)
    by_folder = {Path(host.folder).name: host for host in analysis.hosts}
    assert by_folder["a"].state.grace.expires_source == "decrypted"
    # b lacks its Protect folder: a's master key (same GUID) must not open b's timebomb.
    assert by_folder["b"].state.grace.expires_source == "estimated"
    assert by_folder["b"].state.grace.decryption is not None
    assert by_folder["b"].state.grace.decryption["status"] == "missing_keys"


def test_each_volume_decrypts_with_its_own_master_keys(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "rdsh-image", tmp_path / "a")
    shutil.copytree(SAMPLES / "rdsh-image", tmp_path / "b")
    analysis = analyze([tmp_path], as_of=AS_OF)
    for host in analysis.hosts:
        grace = host.state.grace
        assert grace.expires_source == "decrypted"
        assert grace.decryption is not None
        # The key that opened it lies on the host's own volume, never the other one.
        assert Path(grace.decryption["master_key_file"]).is_relative_to(Path(host.folder))


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _strings(value)]
    return []


@pytest.mark.corpus
def test_no_python_values_or_doubled_backslashes_leak_into_reports(corpus: Path) -> None:
    documents = _documents([SAMPLES, corpus / "hives" / "bitcurator-dfa"])
    leaks = re.compile(r"\bNone\b|\\\\|\['|'\]")
    for document in documents:
        for text in _strings(document):
            assert not leaks.search(text), text
        table = io.StringIO()
        write_summary([document], table)
        assert not leaks.search(table.getvalue()), table.getvalue()


def test_table_shows_diagnostics_and_the_decryption_outcome() -> None:
    (document,) = _documents([SAMPLES / "friday-afternoon-rdsh"])
    table = io.StringIO()
    write_summary([document], table)
    text = table.getvalue()
    assert "decryption" in text and "not decrypted, missing: the SECURITY hive" in text
    # The argument is the case folder itself: the case is named after it.
    assert "(case friday-afternoon-rdsh," in text
    json.dumps(document)  # plain JSON all the way down
