"""A whole .reg file read into memory: header, encoding, diagnostics and the hive snapshot.

The operations are applied as they stream past and are not kept; iterate
:func:`~hiveparse.sources.regtext.reader.iter_operations` to see them.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

from hiveparse.errors import Diagnostic
from hiveparse.model import fold_name
from hiveparse.sources.memory import MemoryHive, MemoryKey
from hiveparse.sources.regtext.coverage import RegCoverage
from hiveparse.sources.regtext.header import RegHeader
from hiveparse.sources.regtext.lines import DEFAULT_MAX_LINE_LENGTH
from hiveparse.sources.regtext.operations import DeleteKey, DeleteValue
from hiveparse.sources.regtext.reader import RegReader
from hiveparse.sources.regtext.snapshot import SnapshotBuilder, location_of

MAX_KEPT_DELETIONS = 10_000


@dataclass
class RegFile:
    source: str
    header: RegHeader
    encoding: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    hives: dict[str, MemoryHive] = field(default_factory=dict)  # mount -> hive
    # What the file deletes (a .reg is a change script): kept because a snapshot cannot show
    # it. Bounded; ``deletions_total`` counts them all.
    deletions: list[DeleteKey | DeleteValue] = field(default_factory=list)
    deletions_total: int = 0
    # The subtrees in which the file could have shown a key or value (coverage.py): an
    # absence counts only there.
    coverage: RegCoverage = field(default_factory=RegCoverage)

    @property
    def is_regedit4(self) -> bool:
        """True for REGEDIT4 files, whose ``hex(1|2|7)`` data is ANSI text in the file."""
        return self.header is RegHeader.REGEDIT4

    def find(self, full_path: str) -> MemoryKey | None:
        """The snapshot key at a full path such as ``HKLM\\SOFTWARE\\X`` (any root alias)."""
        location = location_of(full_path)
        wanted = fold_name(location.mount)
        for mount, hive in self.hives.items():
            if fold_name(mount) == wanted:
                return hive.find(location.relative)
        return None


def _build(reader: RegReader) -> RegFile:
    with reader:
        builder = SnapshotBuilder(
            source=reader.source,
            header=reader.header,
            ansi_codepage=reader.ansi_codepage,
            sink=reader.sink,
        )
        deletions: list[DeleteKey | DeleteValue] = []
        total = 0
        for op in reader.operations():
            builder.apply(op)
            if isinstance(op, DeleteKey | DeleteValue):
                total += 1
                if len(deletions) < MAX_KEPT_DELETIONS:
                    deletions.append(op)
    reader.sink.finish()
    return RegFile(
        reader.source,
        reader.header,
        reader.encoding,
        reader.diagnostics,
        builder.hives,
        deletions,
        total,
        builder.coverage(),
    )


def parse_reg_file(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    strict: bool = False,
    max_line_length: int = DEFAULT_MAX_LINE_LENGTH,
) -> RegFile:
    """Read the .reg file at ``path`` into a :class:`RegFile`.

    ``encoding`` is the ANSI code page for files without a byte-order mark (default cp1252).
    ``strict`` raises :class:`~hiveparse.errors.RegSyntaxError` at the first line regedit
    would reject; otherwise such lines are skipped and reported as diagnostics.
    """
    return _build(
        RegReader(path, encoding=encoding, strict=strict, max_line_length=max_line_length)
    )


def parse_reg_bytes(
    data: bytes,
    *,
    encoding: str | None = None,
    strict: bool = False,
    source: str = "<bytes>",
    max_line_length: int = DEFAULT_MAX_LINE_LENGTH,
) -> RegFile:
    """Like :func:`parse_reg_file` for the bytes of a file."""
    return _build(
        RegReader(
            io.BytesIO(data),
            encoding=encoding,
            strict=strict,
            source=source,
            max_line_length=max_line_length,
        )
    )


def loads(text: str, *, strict: bool = False, source: str = "<string>") -> RegFile:
    """Like :func:`parse_reg_file` for already decoded text (encoding reported as ``str``).

    REGEDIT4 ``hex(1|2|7)`` payloads are converted with cp1252.
    """
    return _build(RegReader.from_text(text, strict=strict, source=source))
