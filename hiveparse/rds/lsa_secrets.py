"""The hosts of the evidence that hold both a SYSTEM and a SECURITY hive, for
`hiveparse secrets` (the records are built by ``hiveparse.report.secrets``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hiveparse.errors import HiveparseError
from hiveparse.evidence.open import Evidence, open_evidence, regf_hives
from hiveparse.model import Hive, HiveType


@dataclass(frozen=True, slots=True)
class LsaPair:
    """A host's SYSTEM and SECURITY hives (the first of each), with their paths."""

    host: str
    system_path: str
    system: Hive
    security_path: str
    security: Hive


def lsa_pairs(paths: list[Path]) -> tuple[list[LsaPair], list[Evidence], list[dict[str, str]]]:
    """One pair per host that has both a SYSTEM and a SECURITY hive, the evidence opened,
    and the inputs that could not be read (path, error, the error's kind)."""
    from hiveparse.evidence.discover import discover_evidence  # noqa: PLC0415
    from hiveparse.evidence.hosts import group_hosts  # noqa: PLC0415

    discovery = discover_evidence(paths)
    unreadable = [
        {"path": item.path, "error": item.message, "kind": item.kind} for item in discovery.errors
    ]
    opened = []
    for found in discovery.files:
        try:
            opened.append(open_evidence(found.path))
        except HiveparseError as error:
            unreadable.append(
                {"path": str(found.path), "error": str(error), "kind": type(error).__name__}
            )
    pairs: list[LsaPair] = []
    for group in group_hosts(opened):
        systems = regf_hives(group.evidence, HiveType.SYSTEM)
        securities = regf_hives(group.evidence, HiveType.SECURITY)
        if not (systems and securities):
            continue
        (system_path, system), (security_path, security) = systems[0], securities[0]
        pairs.append(LsaPair(group.label, system_path, system, security_path, security))
    return pairs, opened, unreadable
