"""`analyze`: evidence paths in, one licensing report per host out.

Pipeline (one direction): discover evidence → open each file read-only → group inputs into
hosts → facts per host → licensing state → findings → report documents. An input that
cannot be read does not stop the others; the report then says it is partial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hiveparse.errors import Diagnostic, HiveparseError, Location, Severity
from hiveparse.evidence import Evidence, open_evidence
from hiveparse.filetime import iso_z
from hiveparse.rds.facts import Carve, collect_facts
from hiveparse.rds.state import LicensingState, build_state
from hiveparse.report.records import SCHEMA_VERSION, evidence_record, tool_record


@dataclass
class Unreadable:
    path: str
    error: str
    kind: str


@dataclass
class HostReport:
    label: str
    reasons: list[str]
    evidence: list[Evidence]
    state: LicensingState
    findings: list[Any]
    client: dict[str, Any]
    diagnostics: list[Diagnostic]

    @property
    def partial(self) -> bool:
        return any(d.severity == Severity.ERROR for d in self.diagnostics)


@dataclass
class Analysis:
    as_of: datetime
    hosts: list[HostReport] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    discovery_notes: list[Diagnostic] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.unreadable) or any(host.partial for host in self.hosts)


def _open_all(
    paths: Sequence[Path], *, encoding: str | None, engine: str
) -> tuple[list[Evidence], list[Unreadable], list[Diagnostic]]:
    from hiveparse.discover import discover_evidence  # noqa: PLC0415

    discovery = discover_evidence(list(paths))
    opened: list[Evidence] = []
    unreadable = [Unreadable(item.path, item.message, item.kind) for item in discovery.errors]
    for found in discovery.files:
        try:
            opened.append(open_evidence(found.path, engine=engine, encoding=encoding))
        except HiveparseError as error:
            unreadable.append(Unreadable(str(found.path), str(error), type(error).__name__))
    return opened, unreadable, list(discovery.diagnostics)


def analyze(
    paths: Sequence[Path],
    *,
    as_of: datetime,
    encoding: str | None = None,
    engine: str = "hiveparse",
    carve: Carve = Carve.NEAR,
    security: Sequence[Path] = (),
    masterkeys: Sequence[Path] = (),
) -> Analysis:
    """``carve``: how much of each hive's unallocated space is searched for deleted
    licensing records (the bins around the licensing keys by default).

    The grace period's end is decrypted when the key material is there: SECURITY hives and
    master key files found in the evidence folders (laid out as a Windows volume) or named
    by ``security`` / ``masterkeys``, which serve every host.
    """
    from hiveparse.hosts import group_hosts  # noqa: PLC0415
    from hiveparse.masterkeys import gather_master_keys  # noqa: PLC0415
    from hiveparse.rds.client_license import client_state  # noqa: PLC0415
    from hiveparse.rds.grace_decrypt import decrypt_grace  # noqa: PLC0415
    from hiveparse.rds.rules import evaluate  # noqa: PLC0415

    opened, unreadable, notes = _open_all(paths, encoding=encoding, engine=engine)
    named_security, more_unreadable, more_notes = _open_all(
        security, encoding=encoding, engine="hiveparse"
    )
    keys = gather_master_keys(volumes=paths, named=masterkeys)
    analysis = Analysis(
        as_of=as_of,
        unreadable=unreadable + more_unreadable,
        discovery_notes=notes + more_notes,
    )
    for group in group_hosts(opened):
        facts = collect_facts(group.evidence, carve=carve)
        state = build_state(facts, as_of)
        evidence = list(group.evidence)
        evidence += [item for item in named_security if item not in evidence]
        decryption = decrypt_grace(facts, evidence, keys)
        if decryption is not None:
            state.grace.apply_decryption(decryption, as_of)
        diagnostics: list[Diagnostic] = [*analysis.discovery_notes, *facts.notes, *keys.notes]
        for item in evidence:
            diagnostics.extend(item.all_diagnostics)
        analysis.hosts.append(
            HostReport(
                label=group.label,
                reasons=list(group.reasons),
                evidence=evidence,
                state=state,
                findings=evaluate(state),
                client=client_state(facts),
                diagnostics=diagnostics,
            )
        )
    return analysis


def _control_set_record(state: LicensingState) -> dict[str, Any] | None:
    sets = list(state.facts.control_sets.values())
    if not sets:
        return None
    first = sets[0]
    return {"current": first["current"], "available": first["available"], "sources": sets}


def host_document(host: HostReport, analysis: Analysis) -> dict[str, Any]:
    """One host's report, in the published schema (schema_version 1)."""
    state = host.state
    control_sets = state.facts.control_sets
    current = next(iter(control_sets.values()), {}).get("current") if control_sets else None
    evidence = []
    for item in host.evidence:
        record = evidence_record(item)
        record["control_set"] = (
            current if any(m.hive.hive_type == "SYSTEM" for m in item.hives) else None
        )
        evidence.append(record)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_record(),
        "as_of": iso_z(analysis.as_of),
        "host": {"label": host.label, "grouping": host.reasons},
        "evidence": evidence,
        "control_sets": _control_set_record(state),
        "licensing": {
            "mode": state.mode.to_dict(),
            "license_servers": state.servers.to_dict(),
            "grace_period": state.grace.to_dict(),
            "client": host.client,
            "role": state.role.to_dict(),
        },
        "rdp": state.rdp.to_dict(),
        "recovered": {
            "scans": state.facts.recoveries,
            "facts": [fact.evidence_record() for fact in state.facts.recovered],
        },
        "findings": [finding.to_dict() for finding in host.findings],
        "partial": host.partial,
        "unreadable": [u.__dict__ for u in analysis.unreadable],
        "diagnostics": [d.to_dict() for d in host.diagnostics],
    }


def unreadable_diagnostic(item: Unreadable) -> Diagnostic:
    return Diagnostic(f"input.{item.kind}", item.error, Location(item.path), Severity.ERROR)
