"""Bounds-checked access to the cells of a REGF image.

:class:`CellSpace` knows where the hive bins are (it hops the hbin headers once, at open)
and hands out cell payloads only after checking that the cell starts inside a bin, is
8-aligned, has a sane size and does not cross its bin's end. What is wrong is recorded as a
diagnostic through the :class:`AnomalySink`; what cannot be read at all returns None.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from hiveparse.errors import CorruptStructure, Diagnostic, Location, Severity, shown_bytes
from hiveparse.schemas import regf
from hiveparse.schemas.fastpath import compile_fixed_head
from hiveparse.sources.regf.residency import find_aligned

HBIN_HEAD = compile_fixed_head(regf.hbin_header)
_HBIN_HEAD_SIZE: Final = HBIN_HEAD.size
CELL_SIZE: Final = compile_fixed_head(regf.cell_header).packer
_HBIN_SIGNATURE = regf.hbin_header.subcons[0].subcon.value  # b"hbin"
_PAGE: Final = regf.HBIN_ALIGNMENT
_DATA_START: Final = regf.BASE_BLOCK_SIZE
_CELL_OFFSET_LIMIT: Final = 1 << 32  # cell offsets are uint32 (relative to the first bin)


class AnomalySink:
    """Collects diagnostics once per (code, offset); raises instead in strict mode."""

    def __init__(self, source: str, *, strict: bool) -> None:
        self.source = source
        self.strict = strict
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[tuple[str, int | None]] = set()
        self._by_offset: dict[int, list[Diagnostic]] = {}

    def __call__(
        self,
        code: str,
        message: str,
        file_offset: int | None = None,
        severity: Severity = Severity.WARNING,
    ) -> None:
        if self.strict and severity != Severity.INFO:
            raise CorruptStructure(message, source=self.source, offset=file_offset)
        key = (code, file_offset)
        if key in self._seen:
            return
        self._seen.add(key)
        diagnostic = Diagnostic(code, message, Location(self.source, offset=file_offset), severity)
        self.diagnostics.append(diagnostic)
        if file_offset is not None:
            self._by_offset.setdefault(file_offset, []).append(diagnostic)

    def at(self, file_offset: int) -> tuple[Diagnostic, ...]:
        """The diagnostics recorded at one file offset (a record's own problems)."""
        return tuple(self._by_offset.get(file_offset, ()))


@dataclass(frozen=True, slots=True)
class HiveBin:
    offset: int  # relative to the start of the hive bins data
    size: int


Anomaly = Callable[..., None]
Image = bytes | bytearray | mmap.mmap


class CellSpace:
    """The hive bins data of one image, with per-page knowledge of where each bin ends."""

    def __init__(self, image: Image, anomaly: AnomalySink, claimed_size: int | None) -> None:
        """``claimed_size`` is the base block's hive bins data size, trusted as the end of
        the bins when it is 4 KiB-aligned and fits the file (None: scan to the end)."""
        self.image = image
        self.anomaly = anomaly
        self.bins: list[HiveBin] = []
        # For each 4 KiB page of the bins data, the relative offset where its bin ends
        # (0 where no valid bin covers the page).
        self.bin_end_by_page: list[int] = []
        self.bin_start_by_page: list[int] = []
        self._scan_bins(claimed_size)

    @property
    def data_size(self) -> int:
        """The extent of valid bins actually found (what the reader trusts)."""
        return self.bins[-1].offset + self.bins[-1].size if self.bins else 0

    def _scan_bins(self, claimed_size: int | None) -> None:
        image, anomaly = self.image, self.anomaly
        file_size = len(image)
        end = file_size
        if claimed_size is not None and _DATA_START + claimed_size < file_size:
            end = _DATA_START + claimed_size
            # Bins past the claimed end are remnants of an earlier, larger hive (slack).
            anomaly(
                "regf.trailing_data",
                f"{file_size - end} bytes after the last hive bin the base block counts",
                end,
                Severity.INFO,
            )
        if end > _DATA_START + _CELL_OFFSET_LIMIT:
            # Cell offsets are 32-bit: no bin past 4 GiB of hive bins data can be reached.
            anomaly(
                "regf.trailing_data",
                f"{end - _DATA_START - _CELL_OFFSET_LIMIT} bytes past the 4 GiB of hive bins "
                "a cell offset can reach; not read",
                _DATA_START + _CELL_OFFSET_LIMIT,
                Severity.INFO,
            )
            end = _DATA_START + _CELL_OFFSET_LIMIT
        position = _DATA_START
        while position + HBIN_HEAD.size <= end:
            head = HBIN_HEAD.packer.unpack_from(image, position)
            signature, claimed_offset, size = head[0], head[1], head[2]
            relative = position - _DATA_START
            if signature != _HBIN_SIGNATURE:
                if image[position : position + _PAGE].count(0) == min(_PAGE, file_size - position):
                    # Zero padding after the last bin is common (libregf issue #4).
                    next_bin = self._find_next_bin(position + _PAGE)
                    if next_bin is None:
                        break
                    anomaly(
                        "regf.hbin_zeroed",
                        f"zeroed page(s) where a hive bin was expected, skipped to 0x{next_bin:x}",
                        position,
                    )
                    position = next_bin
                    continue
                if claimed_offset == relative and size >= _PAGE and not size % _PAGE:
                    # Only the signature is damaged: offset and size agree with where the
                    # bin sits, so its cells are kept (python-registry and yarp do too).
                    anomaly(
                        "regf.hbin_bad_signature",
                        f"hive bin signature {shown_bytes(bytes(signature))} instead of 'hbin'; "
                        "its offset and size fields are consistent, so the bin is read",
                        position,
                        Severity.ERROR,
                    )
                else:
                    next_bin = self._find_next_bin(position + _PAGE)
                    anomaly(
                        "regf.hbin_bad_signature",
                        f"hive bin signature {shown_bytes(bytes(signature))} instead of 'hbin'"
                        + (f"; resynchronised at 0x{next_bin:x}" if next_bin else ""),
                        position,
                        Severity.ERROR,
                    )
                    if next_bin is None:
                        break
                    position = next_bin
                    continue
            if claimed_offset != relative:
                anomaly(
                    "regf.hbin_offset_mismatch",
                    f"hive bin claims offset 0x{claimed_offset:x} but sits at 0x{relative:x}",
                    position,
                )
            if size < _PAGE or size % _PAGE:
                next_bin = self._find_next_bin(position + _PAGE)
                inferred = (next_bin or file_size) - position
                inferred -= inferred % _PAGE
                anomaly(
                    "regf.hbin_bad_size",
                    f"hive bin size 0x{size:x} is not a positive multiple of 4096; "
                    f"using 0x{max(inferred, _PAGE):x}",
                    position,
                    Severity.ERROR,
                )
                size = max(inferred, _PAGE)
            if position + size > end:
                truncated = end == file_size
                anomaly(
                    "regf.truncated" if truncated else "regf.hbin_past_data_size",
                    f"hive bin of 0x{size:x} bytes runs past the end of the "
                    + ("file" if truncated else "hive bins data the base block counts")
                    + f" (0x{end:x}); clamped",
                    position,
                    Severity.ERROR,
                )
                size = end - position
            self._add_bin(relative, size)
            position += size

    def _find_next_bin(self, start: int) -> int | None:
        """The next page boundary at or after ``start`` that carries an hbin signature."""
        start += (-(start - _DATA_START)) % _PAGE
        found = find_aligned(
            self.image, _HBIN_SIGNATURE, start, len(self.image), alignment=_PAGE, base=_DATA_START
        )
        return None if found == -1 else found

    def _add_bin(self, relative: int, size: int) -> None:
        self.bins.append(HiveBin(relative, size))
        first_page = relative // _PAGE
        last_page = (relative + size + _PAGE - 1) // _PAGE
        table, starts = self.bin_end_by_page, self.bin_start_by_page
        if len(table) < last_page:
            table.extend([0] * (last_page - len(table)))
            starts.extend([0] * (last_page - len(starts)))
        # One int object repeated (a slot is a reference): a bin of a GiB costs 8 bytes per
        # page in each table, not a boxed int per page.
        pages = last_page - first_page
        table[first_page:last_page] = [relative + size] * pages
        starts[first_page:last_page] = [relative] * pages

    def bin_end(self, relative: int) -> int:
        """Where the bin holding ``relative`` ends, or 0 if no valid bin covers it."""
        page = relative >> 12
        table = self.bin_end_by_page
        return table[page] if 0 <= page < len(table) else 0

    def span(self, relative: int, what: str) -> tuple[int, int] | None:
        """Where the payload of the cell at ``relative`` lies in the image: (file offset
        after the size field, payload length); None when no cell can be read there.
        ``what`` names the expected record in messages ("key node", "value list", ...).
        Nothing is copied: record parsers unpack straight from the image."""
        file_offset = relative + _DATA_START
        page = relative >> 12
        table = self.bin_end_by_page
        end = table[page] if 0 <= page < len(table) else 0
        if relative & 7 or relative < 32:
            self.anomaly(
                "regf.cell_offset_invalid",
                f"{what} offset 0x{relative:x} is not an aligned cell offset",
                file_offset,
                Severity.ERROR,
            )
            return None
        if end == 0 or relative + 4 > end:
            self.anomaly(
                "regf.cell_out_of_bounds",
                f"{what} offset 0x{relative:x} lies outside every hive bin",
                file_offset,
                Severity.ERROR,
            )
            return None
        if relative < self.bin_start_by_page[page] + _HBIN_HEAD_SIZE:
            self.anomaly(
                "regf.cell_in_bin_header",
                f"{what} offset 0x{relative:x} points into a hive bin header",
                file_offset,
                Severity.ERROR,
            )
            return None
        raw_size = CELL_SIZE.unpack_from(self.image, file_offset)[0]
        size = -raw_size
        if size >= 8 and not size & 7 and relative + size <= end:
            return file_offset + 4, size - 4  # the common case: allocated and sane
        return self._unusual_span(relative, raw_size, end, what)

    def _unusual_span(
        self, relative: int, raw_size: int, end: int, what: str
    ) -> tuple[int, int] | None:
        file_offset = relative + _DATA_START
        allocated = raw_size < 0
        size = -raw_size if allocated else raw_size
        if size < 8 or size & 7:
            self.anomaly(
                "regf.cell_size_invalid",
                f"{what} cell at 0x{relative:x} has size {raw_size}",
                file_offset,
                Severity.ERROR,
            )
            if size < 8:
                return None
            size -= size & 7
        if relative + size > end:
            self.anomaly(
                "regf.cell_overruns_bin",
                f"{what} cell at 0x{relative:x} of {size} bytes crosses its hive bin's end "
                f"at 0x{end:x}; clamped",
                file_offset,
                Severity.ERROR,
            )
            size = end - relative
        if not allocated:
            self.anomaly(
                "regf.cell_unallocated",
                f"{what} at 0x{relative:x} is referenced but its cell is marked free",
                file_offset,
            )
        return file_offset + 4, size - 4

    def cell(self, relative: int, what: str, limit: int | None = None) -> bytes | None:
        """A copy of the payload of the cell at ``relative`` (see :meth:`span`), or of its
        first ``limit`` bytes: a record that needs a few bytes never copies a huge cell."""
        found = self.span(relative, what)
        if found is None:
            return None
        start, length = found
        if limit is not None:
            length = min(length, limit)
        return bytes(self.image[start : start + length])
