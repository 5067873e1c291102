"""A log given to a host: the whole of it, or the records of it that name some computers
(a forwarded-events log holds many machines' records). Which host takes which part is
:mod:`hiveparse.evidence.event_placement`'s to decide."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .evtx_file import EventLog


def computer_key(name: str | None) -> str | None:
    """A Computer name as names are compared: its first DNS label, without case."""
    if not name:
        return None
    return name.strip().split(".", 1)[0].casefold() or None


@dataclass
class LogPart:
    """A log, or the records of it that name some computers, given to one host."""

    log: EventLog
    names: frozenset[str | None] | None  # computer keys of the records taken; None: all
    placed_by: str  # "layout", "computer name", "folder" or "own host"

    def takes(self, computer: str | None) -> bool:
        return self.names is None or computer_key(computer) in self.names

    @property
    def channels(self) -> Counter[str]:
        """The channels of the records this part takes, with their counts."""
        taken: Counter[str] = Counter()
        for (computer, channel), count in self.log.computer_channels.items():
            if self.takes(computer):
                taken[channel] += count
        return taken

    @property
    def records(self) -> int:
        """How many of the log's records this part takes."""
        if self.names is None:
            return self.log.records_read
        return sum(n for name, n in self.log.computers.items() if computer_key(name) in self.names)
