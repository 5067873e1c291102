"""The flow is facts -> decoded artifacts -> state -> rules: each artifact is decoded once,
while the state is built, and the rules only read it (they neither decode nor change it).

Counted on the bundled samples: the temporary-CAL client (one license in its store) and the
per-device session host (an X.509 chain and a timebomb). The rules are then run with every
decoder replaced by one that fails, so a rule that decoded anything would raise.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import hiveparse.decode.dpapi_blob
import hiveparse.rds.client_license
import hiveparse.rds.server_certificate
from hiveparse.evidence.open import open_evidence
from hiveparse.rds.analyze import analyze, host_document
from hiveparse.rds.facts import collect_facts
from hiveparse.rds.rulebook import judge_host
from hiveparse.rds.state import LicensingState, build_state

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
AS_OF = datetime(2026, 3, 6, tzinfo=UTC)
DECODERS = (
    (hiveparse.rds.client_license, "decode_client_license"),
    (hiveparse.rds.client_license, "decode_hwid"),
    (hiveparse.rds.server_certificate, "decode_server_certificate"),
    (hiveparse.decode.dpapi_blob, "decode_blob_header"),
)


def _hives(folder: str) -> list[Path]:
    return sorted(p for p in (SAMPLES / folder).iterdir() if p.suffix == "")


def _counting(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    calls: Counter[str] = Counter()
    for module, name in DECODERS:
        original: Callable[..., Any] = getattr(module, name)

        def counted(*args: Any, _name: str = name, _original: Any = original) -> Any:
            calls[_name] += 1
            return _original(*args)

        monkeypatch.setattr(module, name, counted)
    return calls


def test_the_client_store_is_decoded_once_per_license(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    analysis = analyze(_hives("rdp-client-temporary-cal"), as_of=AS_OF)
    (host,) = analysis.hosts
    licenses = host_document(host, analysis)["licensing"]["client"]["licenses"]
    assert len(licenses) == 1
    assert licenses[0]["temporary"] is True
    assert calls["decode_client_license"] == 1
    assert calls["decode_hwid"] == 1
    finding_ids = [finding.id for finding in host.judgement.findings]
    assert "rds.client.temporary_license" in finding_ids


def test_certificates_and_timebomb_are_decoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    analysis = analyze(_hives("per-device-workgroup"), as_of=AS_OF)
    (host,) = analysis.hosts
    document = host_document(host, analysis)
    values = document["licensing"]["role"]["session_host_certificates"]["values"]
    assert [value["format"] for value in values] == ["der"]
    assert document["licensing"]["grace_period"]["blob"]["dpapi_shaped"] is True
    assert calls["decode_server_certificate"] == len(values) == 1
    assert calls["decode_blob_header"] == 1


def _snapshot(state: LicensingState) -> str:
    """What the report takes from the state, as JSON text (a copy that cannot change)."""
    parts = {
        "client": state.client.to_dict(),
        "grace": state.grace.to_dict(),
        "role": state.role.to_dict(),
        "grace_security": None if state.grace.security is None else state.grace.security.record,
    }
    return json.dumps(parts, sort_keys=True, default=repr)


@pytest.mark.parametrize("folder", ["rdp-client-temporary-cal", "per-device-workgroup"])
def test_rules_read_the_state_and_leave_it_as_it_was(
    folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = collect_facts([open_evidence(path) for path in _hives(folder)])
    state = build_state(facts, AS_OF)
    before = _snapshot(state)

    def refuse(*_args: Any) -> Any:
        raise AssertionError("a rule decoded bytes the state already holds decoded")

    for module, name in DECODERS:
        monkeypatch.setattr(module, name, refuse)
    judgement = judge_host(state)
    assert judgement.findings  # the rules did run
    assert _snapshot(state) == before
