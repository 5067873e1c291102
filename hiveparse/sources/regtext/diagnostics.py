"""Collecting diagnostics with a budget, so that a hostile file cannot grow the list for ever.

Each code keeps its first ``max_per_code`` diagnostics; the rest are counted and reported as
one ``reg.diagnostics_suppressed`` diagnostic per code when parsing finishes. A listener sees
every diagnostic as it is raised, those held back included (what a .reg file covers depends
on every line it could not read).
"""

from __future__ import annotations

from collections.abc import Callable

from hiveparse.errors import Diagnostic, Location, Severity

Listener = Callable[[str, Severity, int | None], None]  # (code, severity, line)

DEFAULT_MAX_PER_CODE = 1000


class DiagnosticSink:
    def __init__(self, source: str, max_per_code: int = DEFAULT_MAX_PER_CODE) -> None:
        self.source = source
        self.items: list[Diagnostic] = []
        self._max = max_per_code
        self._counts: dict[str, int] = {}
        self._finished = False
        self.listeners: list[Listener] = []

    def add(
        self,
        code: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
        severity: Severity = Severity.WARNING,
    ) -> None:
        for listener in self.listeners:
            listener(code, severity, line)
        count = self._counts.get(code, 0) + 1
        self._counts[code] = count
        if count <= self._max:
            location = Location(self.source, offset=offset, line=line, column=column)
            self.items.append(Diagnostic(code, message, location, severity))

    def finish(self) -> None:
        """Report what the budget held back (once)."""
        if self._finished:
            return
        self._finished = True
        for code, count in self._counts.items():
            if count > self._max:
                self.items.append(
                    Diagnostic(
                        "reg.diagnostics_suppressed",
                        f"{count - self._max} more {code!r} diagnostics not listed "
                        f"({count} in all)",
                        Location(self.source),
                        Severity.INFO,
                    )
                )
