"""Inputs of one host that disagree: evidence.conflict shows both values, never one silently.

The fixture is a sample host (hive + the regedit export made from it) whose export is then
edited the way a later export of the same machine would differ: LicensingMode 5 -> 4 and
fDenyTSConnections 0 -> 1 (RDP switched off). Expected readings are written out by hand.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from hiveparse.rds.analyze import analyze, host_document
from hiveparse.rds.conflicts import evidence_conflicts

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "friday-afternoon-rdsh"
AS_OF = datetime(2026, 3, 6, 12, 0, 0, tzinfo=UTC)
LICENSING_CORE = (
    r"[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Terminal Server\RCM\Licensing Core]"
)


def _later_export(folder: Path) -> Path:
    """The sample's SYSTEM.reg with ControlSet001 changed as a later export would show it."""
    text = (SAMPLE / "SYSTEM.reg").read_bytes().decode("utf-16")
    lines = text.split("\r\n")
    section = None
    for index, line in enumerate(lines):
        if line.startswith("["):
            section = line
        if section == LICENSING_CORE and line == '"LicensingMode"=dword:00000005':
            lines[index] = '"LicensingMode"=dword:00000004'
        terminal = r"[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Terminal Server]"
        if section == terminal and line == '"fDenyTSConnections"=dword:00000000':
            lines[index] = '"fDenyTSConnections"=dword:00000001'
    edited = "\r\n".join(lines)
    assert edited != text
    target = folder / "SYSTEM.reg"
    target.write_bytes(edited.encode("utf-16"))
    return target


def test_a_hive_and_a_disagreeing_export_are_one_host_with_a_conflict(tmp_path: Path) -> None:
    case = tmp_path / "ticket-4711"
    case.mkdir()
    shutil.copy(SAMPLE / "SYSTEM", case / "SYSTEM")
    shutil.copy(SAMPLE / "SOFTWARE", case / "SOFTWARE")
    export = _later_export(case)
    analysis = analyze([case], as_of=AS_OF)
    (host,) = analysis.hosts
    assert sorted(Path(item.path).name for item in host.evidence) == [
        "SOFTWARE",
        "SYSTEM",
        "SYSTEM.reg",
    ]
    conflicts = {c.fact_id: c for c in evidence_conflicts(host.state.facts)}
    assert set(conflicts) == {"mode.local", "rdp.deny.local"}
    mode = conflicts["mode.local"]
    assert [(Path(r.source.evidence.path).name, r.shown) for r in mode.readings] == [
        ("SYSTEM", "REG_DWORD 5"),
        ("SYSTEM.reg", "REG_DWORD 4"),
    ]
    # Hives come first: the analysis uses the hive's value, and says so.
    assert Path(mode.used.source.evidence.path).name == "SYSTEM"
    findings = {f.id: f for f in host.findings}
    conflict = findings["evidence.conflict"]
    assert (conflict.severity, conflict.confidence) == ("medium", "high")
    assert "holds REG_DWORD 5" in conflict.detail and "holds REG_DWORD 4" in conflict.detail
    assert str(export) in conflict.detail
    # Findings that rest on a disputed value keep the hive's reading, lose one confidence
    # step and say why: rdp.enabled is high on the hive alone, medium here.
    enabled = findings["rdp.enabled"]
    assert enabled.confidence == "medium"
    assert "The inputs disagree on rdp.deny.local (see evidence.conflict)" in enabled.detail
    not_configured = findings["rds.mode.not_configured"]
    assert "The inputs disagree on mode.local (see evidence.conflict)" in not_configured.detail
    document = host_document(host, analysis)
    roles = {Path(e["path"]).name: e["role"] for e in document["evidence"]}
    assert roles["SYSTEM.reg"].startswith(".reg export: a second source for SYSTEM")
    assert roles["SYSTEM.reg"].endswith("it disagrees on 2 fact(s) (see evidence.conflict)")
    assert roles["SYSTEM"] == "SYSTEM hive"


def test_an_export_that_agrees_raises_nothing(tmp_path: Path) -> None:
    case = tmp_path / "ticket"
    case.mkdir()
    for name in ("SYSTEM", "SOFTWARE", "SYSTEM.reg", "SOFTWARE.reg"):
        shutil.copy(SAMPLE / name, case / name)
    analysis = analyze([case], as_of=AS_OF)
    (host,) = analysis.hosts
    assert evidence_conflicts(host.state.facts) == []
    assert "evidence.conflict" not in {f.id for f in host.findings}
    roles = {Path(e["path"]).name: e["role"] for e in host_document(host, analysis)["evidence"]}
    for export in ("SYSTEM.reg", "SOFTWARE.reg"):
        assert roles[export].endswith("a corroborating copy: it agrees wherever both show a "
                                      "licensing fact")  # fmt: skip
