"""Writing analyze reports as cases finish: one writer per output format.

A batch hands each case's documents to :meth:`write_case` as soon as the case is done and
keeps nothing else of them, so memory does not grow with the run: JSON Lines and CSV go
out case by case (each case in one write, flushed: a stopped run leaves whole cases, see
``--resume``), a JSON array is written element by element, and a table keeps one line per
host and spools the detail of each host to a temporary file.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from hiveparse.report.findings_csv import BYTE_ORDER_MARK, CSV_COLUMNS, finding_rows
from hiveparse.report.render import dumps
from hiveparse.report.spreadsheet import safe_cell

SPOOL_IN_MEMORY = 8 << 20  # bytes of table detail kept in memory before spooling to disk


class CaseWriter(Protocol):
    def write_case(self, documents: list[dict[str, Any]]) -> None: ...

    def finish(self) -> None: ...


class JsonLinesWriter:
    """Each document on a line (or, with ``lines``, the lines it gives for a document)."""

    def __init__(
        self, sink: TextIO, lines: Callable[[dict[str, Any]], list[str]] | None = None
    ) -> None:
        self.sink = sink
        self.lines = lines or (lambda document: [dumps(document, indent=None)])

    def write_case(self, documents: list[dict[str, Any]]) -> None:
        text = "".join(line + "\n" for document in documents for line in self.lines(document))
        if text:
            self.sink.write(text)
            self.sink.flush()

    def finish(self) -> None:
        self.sink.flush()


class JsonWriter:
    """One host: its document; several: an array of them (as ``dumps`` writes one)."""

    def __init__(self, sink: TextIO) -> None:
        self.sink = sink
        self.first: dict[str, Any] | None = None
        self.count = 0

    @staticmethod
    def _element(document: dict[str, Any]) -> str:
        # JSON text holds no raw newline inside a string: indenting every line is safe.
        return "  " + dumps(document).replace("\n", "\n  ")

    def write_case(self, documents: list[dict[str, Any]]) -> None:
        for document in documents:
            self.count += 1
            if self.count == 1:
                self.first = document
                continue
            if self.first is not None:
                self.sink.write("[\n" + self._element(self.first))
                self.first = None
            self.sink.write(",\n" + self._element(document))

    def finish(self) -> None:
        if self.count == 0:
            self.sink.write("[]\n")
        elif self.first is not None:
            self.sink.write(dumps(self.first) + "\n")
        else:
            self.sink.write("\n]\n")


class CsvWriter:
    def __init__(self, sink: TextIO) -> None:
        self.sink = sink
        self.writer = csv.writer(sink, lineterminator="\r\n")
        sink.write(BYTE_ORDER_MARK)
        self.writer.writerow(CSV_COLUMNS)

    def write_case(self, documents: list[dict[str, Any]]) -> None:
        self.writer.writerows([safe_cell(c) for c in row] for row in finding_rows(documents))
        self.sink.flush()

    def finish(self) -> None:
        self.sink.flush()


class TableWriter:
    """One host: the host in full. Several: one line per host first, then (``details``)
    each host in full."""

    def __init__(self, sink: TextIO, *, details: bool) -> None:
        self.sink = sink
        self.details = details
        self.rows: list[tuple[str, ...]] = []
        self.width = shutil.get_terminal_size().columns if sink.isatty() else None
        self.spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by finish()
            SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", errors="backslashreplace"
        )

    def write_case(self, documents: list[dict[str, Any]]) -> None:
        from hiveparse.report.summary_table import host_row, write_summary  # noqa: PLC0415

        for document in documents:
            self.rows.append(host_row(document))
            if self.details or len(self.rows) == 1:  # the first may be the only one
                write_summary([document], self.spool, width=self.width)  # type: ignore[arg-type]

    def finish(self) -> None:
        from hiveparse.report.summary_table import write_hosts_table  # noqa: PLC0415

        with self.spool:
            if len(self.rows) > 1:
                write_hosts_table(self.rows, self.sink, width=self.width)
                if not self.details:
                    self.sink.write("(--details shows each host in full)\n")
                    return
                self.sink.write("\n")
            self.spool.seek(0)
            shutil.copyfileobj(self.spool, self.sink)
