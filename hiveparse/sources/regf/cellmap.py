"""Every cell of every hive bin, allocated or free, in file order.

The reader follows offsets from the root and never needs this; carving does. Each bin is
walked by its cell-size fields from the first cell after the bin header. A size that is
zero, unaligned or runs past the bin's end stops the walk of that bin; the rest of the bin
becomes one *unmapped* span, which carving scans like free space (it is not referenced by
any cell the walk could find) and which is named in a diagnostic.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from hiveparse.errors import Diagnostic, Location, Severity
from hiveparse.schemas import regf
from hiveparse.sources.regf.cells import CellSpace

_DATA_START = regf.BASE_BLOCK_SIZE
_ALIGN = regf.CELL_ALIGNMENT


@dataclass(frozen=True, slots=True)
class Span:
    """A run of bytes of the hive bins data (offsets relative to file offset 4096)."""

    start: int
    end: int


class CellMap:
    """Cell starts and signed sizes (negative: allocated), sorted by offset.

    ``unmapped`` holds the bin tails after a broken cell chain; ``remnant`` the bytes after
    the last bin the base block counts (an earlier, larger hive's bins), if any.
    """

    def __init__(self, cells: CellSpace, source: str) -> None:
        self.starts: list[int] = []
        self.sizes: list[int] = []
        self.unmapped: list[Span] = []
        self.diagnostics: list[Diagnostic] = []
        image = cells.image
        # The hive bins data as little-endian int32s: cell sizes (and the record fields that
        # carving reads) sit at 4-aligned offsets, so no struct call per cell.
        usable = (len(image) - _DATA_START) // 4 * 4
        self.words = memoryview(image)[_DATA_START : _DATA_START + max(usable, 0)].cast("i")
        words, starts, sizes = self.words, self.starts, self.sizes
        for hive_bin in cells.bins:
            position = hive_bin.offset + regf.HBIN_HEADER_SIZE
            end = hive_bin.offset + hive_bin.size
            while position + 4 <= end:
                raw = words[position >> 2]
                size = -raw if raw < 0 else raw
                if size < _ALIGN or size % _ALIGN or position + size > end:
                    self.unmapped.append(Span(position, end))
                    self.diagnostics.append(
                        Diagnostic(
                            "recover.cell_chain_broken",
                            f"cell at 0x{position:x} has size {raw}; the remaining "
                            f"0x{end - position:x} bytes of its hive bin are scanned as "
                            "unallocated space",
                            Location(source, offset=position + _DATA_START),
                            Severity.WARNING,
                        )
                    )
                    break
                starts.append(position)
                sizes.append(raw)
                position += size
        data_end = cells.data_size
        file_end = len(image) - _DATA_START
        self.remnant = Span(data_end, file_end) if file_end - data_end >= _ALIGN else None

    def __len__(self) -> int:
        return len(self.starts)

    def containing(self, relative: int) -> int | None:
        """Index of the cell whose bytes include ``relative`` (None outside every cell)."""
        index = bisect_right(self.starts, relative) - 1
        if index < 0:
            return None
        size = self.sizes[index]
        if relative < self.starts[index] + (-size if size < 0 else size):
            return index
        return None

    def free_run(self, relative: int, length: int) -> bool:
        """Whether ``length`` bytes from ``relative`` lie inside one unallocated cell (or in
        an unmapped bin tail, or in the remnant after the counted bins)."""
        end = relative + length
        index = self.containing(relative)
        if index is not None:
            size = self.sizes[index]
            return size > 0 and end <= self.starts[index] + size
        spans = [*self.unmapped, *([self.remnant] if self.remnant else [])]
        return any(span.start <= relative and end <= span.end for span in spans)

    def allocated_at(self, relative: int) -> bool:
        """Whether an allocated cell starts exactly at ``relative``."""
        index = bisect_right(self.starts, relative) - 1
        return index >= 0 and self.starts[index] == relative and self.sizes[index] < 0
