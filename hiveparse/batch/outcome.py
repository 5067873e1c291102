"""What a batch's documents say for its exit code: whether any is partial, holds evidence or
names an input that could not be read, its worst finding, and the moments it was measured
against. Kept as the documents go by (nothing of them is held), for the documents a run
writes and for those an earlier run left (``--resume``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hiveparse.evidence.image.codes import ENCRYPTED_KIND
from hiveparse.rds.findings import FindingSeverity


@dataclass
class Outcome:
    partial: bool = False
    evidence: bool = False
    unreadable: bool = False
    locked: bool = False  # evidence seen but closed to reading (an encrypted volume)
    worst: FindingSeverity | None = None
    as_of: set[str] = field(default_factory=set)

    def add(self, document: dict[str, Any]) -> None:
        """One host's document (the published analyze schema)."""
        self.partial |= bool(document.get("partial"))
        events = document.get("events") or {}
        self.evidence |= bool(document.get("evidence")) or bool(events.get("sources"))
        self.unreadable |= bool(document.get("unreadable"))
        self.locked |= any(
            item.get("kind") == ENCRYPTED_KIND for item in document.get("unreadable") or []
        )
        for finding in document.get("findings") or []:
            self._worst(FindingSeverity(finding["severity"]))
        if isinstance(document.get("as_of"), str):
            self.as_of.add(document["as_of"])

    def merge(self, other: Outcome) -> None:
        self.partial |= other.partial
        self.evidence |= other.evidence
        self.unreadable |= other.unreadable
        self.locked |= other.locked
        if other.worst is not None:
            self._worst(other.worst)
        self.as_of |= other.as_of

    def at_least(self, severity: str) -> bool:
        """Whether a finding is at least ``severity`` (``--fail-on``)."""
        return self.worst is not None and self.worst.rank <= FindingSeverity(severity).rank

    def _worst(self, severity: FindingSeverity) -> None:
        if self.worst is None or severity.rank < self.worst.rank:
            self.worst = severity
