"""The cells of a hive's bins, allocated or free, mapped bin by bin as they are needed.

The reader follows offsets from the root and never needs this; carving does. A bin is walked
by its cell-size fields from the first cell after the bin header. A size that is zero,
unaligned or runs past the bin's end stops the walk of that bin; the rest of the bin becomes
one *unmapped* span, which carving scans like free space (it is not referenced by any cell
the walk could find) and which is named in a diagnostic.

Bins are mapped when asked for: all of them for a whole-hive carve, or only some (the
analyzer's look around the licensing keys), plus any bin a lookup lands in later.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from hiveparse.errors import Diagnostic, Location, Severity
from hiveparse.schemas import regf
from hiveparse.sources.regf.cells import CellSpace, HiveBin

_DATA_START = regf.BASE_BLOCK_SIZE
_ALIGN = regf.CELL_ALIGNMENT


@dataclass(frozen=True, slots=True)
class Span:
    """A run of bytes of the hive bins data (offsets relative to file offset 4096)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class BinCells:
    """One bin's cells: starts and signed sizes (negative: allocated), in order."""

    hive_bin: HiveBin
    starts: list[int]
    sizes: list[int]


class CellMap:
    """Cell lookups over the hive bins; ``remnant`` is the span after the last bin the base
    block counts (an earlier, larger hive's bins), if any."""

    def __init__(self, cells: CellSpace, source: str, bins: list[HiveBin] | None = None) -> None:
        self.cells = cells
        self.source = source
        self.unmapped: list[Span] = []
        self.diagnostics: list[Diagnostic] = []
        self._mapped: dict[int, BinCells] = {}
        self._tails: dict[int, Span] = {}  # bin offset -> its unmapped tail
        # The hive bins data as little-endian int32s: cell sizes (and the record fields that
        # carving reads) sit at 4-aligned offsets, so no struct call per cell.
        image = cells.image
        usable = (len(image) - _DATA_START) // 4 * 4
        self.words = memoryview(image)[_DATA_START : _DATA_START + max(usable, 0)].cast("i")
        chosen = cells.bins if bins is None else bins
        self.chosen = [self.bin_cells(hive_bin) for hive_bin in chosen]
        data_end = cells.data_size
        file_end = len(image) - _DATA_START
        self.remnant = Span(data_end, file_end) if file_end - data_end >= _ALIGN else None

    def bin_cells(self, hive_bin: HiveBin) -> BinCells:
        """The cells of one bin (walked the first time it is asked for)."""
        known = self._mapped.get(hive_bin.offset)
        if known is not None:
            return known
        words = self.words
        starts: list[int] = []
        sizes: list[int] = []
        position = hive_bin.offset + regf.HBIN_HEADER_SIZE
        end = hive_bin.offset + hive_bin.size
        while position + 4 <= end:
            raw = words[position >> 2]
            size = -raw if raw < 0 else raw
            if size < _ALIGN or size % _ALIGN or position + size > end:
                self.unmapped.append(Span(position, end))
                self._tails[hive_bin.offset] = Span(position, end)
                self.diagnostics.append(
                    Diagnostic(
                        "recover.cell_chain_broken",
                        f"cell at 0x{position:x} has size {raw}; the remaining "
                        f"0x{end - position:x} bytes of its hive bin are scanned as "
                        "unallocated space",
                        Location(self.source, offset=position + _DATA_START),
                        Severity.WARNING,
                    )
                )
                break
            starts.append(position)
            sizes.append(raw)
            position += size
        mapped = BinCells(hive_bin, starts, sizes)
        self._mapped[hive_bin.offset] = mapped
        return mapped

    def bin_at(self, relative: int) -> HiveBin | None:
        """The valid bin that holds ``relative``, if any."""
        page = relative >> 12
        cells = self.cells
        if not 0 <= page < len(cells.bin_end_by_page) or cells.bin_end_by_page[page] == 0:
            return None
        start = cells.bin_start_by_page[page]
        return HiveBin(start, cells.bin_end_by_page[page] - start)

    def containing(self, relative: int) -> tuple[int, int] | None:
        """(start, signed size) of the cell whose bytes include ``relative``, if any."""
        hive_bin = self.bin_at(relative)
        if hive_bin is None:
            return None
        mapped = self.bin_cells(hive_bin)
        index = bisect_right(mapped.starts, relative) - 1
        if index < 0:
            return None
        start, size = mapped.starts[index], mapped.sizes[index]
        return (start, size) if relative < start + abs(size) else None

    def free_run(self, relative: int, length: int) -> bool:
        """Whether ``length`` bytes from ``relative`` lie inside one unallocated cell (or in
        an unmapped bin tail, or in the remnant after the counted bins)."""
        end = relative + length
        hive_bin = self.bin_at(relative)
        if hive_bin is None:
            span = self.remnant
        else:
            found = self.containing(relative)
            if found is not None:
                start, size = found
                return size > 0 and end <= start + size
            span = self._tails.get(hive_bin.offset)
        return span is not None and span.start <= relative and end <= span.end

    def allocated_at(self, relative: int) -> bool:
        """Whether an allocated cell starts exactly at ``relative``."""
        found = self.containing(relative)
        return found is not None and found[0] == relative and found[1] < 0
