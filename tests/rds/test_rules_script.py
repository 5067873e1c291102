"""Findings about .reg change scripts, from scripts written by hand in the test."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hiveparse.evidence.open import open_evidence
from hiveparse.rds.facts import collect_facts
from hiveparse.rds.rulebook import evaluate
from hiveparse.rds.state import build_state

AS_OF = datetime(2026, 3, 6, 12, tzinfo=UTC)
TIMEBOMB = "L$RTMTIMEBOMB_1320153D-8DA3-4e8e-B27B-0D888223A588"


def _reg(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "fix.reg"
    text = "\r\n".join(["Windows Registry Editor Version 5.00", "", *lines, ""])
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return path


def _findings(path: Path) -> dict[str, object]:
    state = build_state(collect_facts([open_evidence(path)]), AS_OF)
    return {f.id: f for f in evaluate(state)}


def test_timebomb_value_deletion_is_a_reset_script(tmp_path: Path):
    path = _reg(
        tmp_path,
        r"[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Terminal Server\RCM\GracePeriod]",
        f'"{TIMEBOMB}"=-',
    )
    found = _findings(path)
    reset = found["rds.grace.reset_script"]
    assert (reset.severity, reset.confidence) == ("high", "high")
    (record,) = [r for r in reset.evidence if r.get("indicator") == "script_deletes_timebomb"]
    assert (record["line"], record["value_name"], record["operation"]) == (
        4,
        TIMEBOMB,
        "delete_value",
    )
    assert record["removes"] == ["grace.timebomb"]
    assert "rds.reg.change_script" in found
    # Absence-based checks are not made on a change script alone.
    assert "rds.servers.none" not in found
    assert "rds.grace.reset_suspected" not in found


def test_deleting_rcm_removes_the_grace_key_below_it(tmp_path: Path):
    path = _reg(tmp_path, r"[-HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Terminal Server\RCM]")
    reset = _findings(path)["rds.grace.reset_script"]
    (record,) = [r for r in reset.evidence if r.get("indicator")]
    assert set(record["removes"]) >= {"grace.key", "grace.timebomb", "mode.local"}


def test_client_store_deletion_is_a_legitimate_client_fix(tmp_path: Path):
    path = _reg(
        tmp_path,
        r"[-HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\MSLicensing\Store\LICENSE000]",
        r"[-HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\MSLicensing\HardwareID]",
    )
    found = _findings(path)
    reset = found["rds.client.store_reset"]
    assert reset.severity == "info"
    removed = sorted(tuple(r["removes"]) for r in reset.evidence if r.get("indicator"))
    assert removed == [("client.hwid",), ("client.store",)]
    assert "rds.grace.reset_script" not in found


def test_a_plain_export_is_not_a_change_script(tmp_path: Path):
    path = _reg(
        tmp_path,
        r"[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Terminal Server\RCM\Licensing Core]",
        '"LicensingMode"=dword:00000005',
    )
    found = _findings(path)
    assert not {"rds.reg.change_script", "rds.grace.reset_script", "rds.client.store_reset"} & set(
        found
    )
