"""Keeping the resident set bounded while long runs of a mapped hive are scanned.

A hive is read through a read-only shared mapping of its file, and every page the reader
touches stays in the process's resident set until the mapping is closed: one scan across a
3 GiB file (looking for the next hive bin after a zeroed stretch, carving a huge free cell)
would leave 3 GiB resident. Such scans go window by window (:func:`windows`) and hand each
finished window back to the kernel with ``madvise(MADV_DONTNEED)``. For a shared file
mapping that only drops this process's page-table entries: the file is never written, and a
later access reads the page again from the page cache. Images held in memory (a hive replayed
from its logs, bytes given by a caller) are left as they are.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator

SCAN_WINDOW = 16 << 20  # bytes scanned before their pages are handed back
_DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)


def release(image: object, start: int, end: int) -> None:
    """Drop the pages of ``image[start:end]`` from the resident set when ``image`` is a file
    mapping (a no-op otherwise, and where the platform has no MADV_DONTNEED)."""
    if _DONTNEED is None or not isinstance(image, mmap.mmap):
        return
    first = max(0, start - start % mmap.PAGESIZE)
    last = min(len(image), end)
    if last <= first:
        return
    try:
        image.madvise(_DONTNEED, first, last - first)
    except (OSError, ValueError):  # advice only: reading stays correct without it
        return


def windows(image: object, start: int, end: int, overlap: int) -> Iterator[tuple[int, int]]:
    """``[start, end)`` as windows of about :data:`SCAN_WINDOW` bytes, each running
    ``overlap`` bytes into the next (so that a match of ``overlap + 1`` bytes across a
    boundary is seen); each window's pages are released once the caller moves on."""
    position = start
    while position < end:
        stop = min(end, position + SCAN_WINDOW)
        yield position, min(end, stop + overlap)
        release(image, position, stop)
        position = stop


def find_aligned(
    image: bytes | bytearray | mmap.mmap,
    needle: bytes,
    start: int,
    end: int,
    *,
    alignment: int,
    base: int,
) -> int:
    """The first offset in ``[start, end)`` where ``needle`` begins and ``(offset - base)``
    is a multiple of ``alignment``; -1 when there is none. Scanned window by window."""
    overlap = len(needle) - 1
    for low, high in windows(image, start, end, overlap):
        found = image.find(needle, low, high)
        while found != -1 and (found - base) % alignment:
            found = image.find(needle, found + 1, high)
        if found != -1:
            return found
    return -1


class ScanBudget:
    """For scans made of many runs (the free cells of a carve): once :data:`SCAN_WINDOW`
    bytes have been scanned, the pages between the lowest and the highest offset scanned
    since the last release are released (pages never touched cost nothing to release)."""

    def __init__(self, image: object) -> None:
        self.image = image
        self.low = -1
        self.high = 0
        self.pending = 0

    def scanned(self, start: int, end: int) -> None:
        self.low = start if self.low < 0 else min(self.low, start)
        self.high = max(self.high, end)
        self.pending += end - start
        if self.pending >= SCAN_WINDOW:
            release(self.image, self.low, self.high)
            self.low, self.high, self.pending = -1, 0, 0
