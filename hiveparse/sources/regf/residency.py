"""Scanning long runs of a hive image window by window.

A search for a signature (the next hive bin after a zeroed stretch, the next record in a
huge free cell) goes a window at a time, each window running into the next by the
needle's length less one so that a match across a boundary is seen. The image itself is a
private snapshot in memory (:func:`hiveparse.safefiles.read_snapshot`), so no page has to
be handed back: the windows bound how far one search runs, not what is resident.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator

SCAN_WINDOW = 16 << 20  # bytes searched at a time


def windows(start: int, end: int, overlap: int) -> Iterator[tuple[int, int]]:
    """``[start, end)`` as windows of about :data:`SCAN_WINDOW` bytes, each running
    ``overlap`` bytes into the next (so that a match of ``overlap + 1`` bytes across a
    boundary is seen)."""
    position = start
    while position < end:
        stop = min(end, position + SCAN_WINDOW)
        yield position, min(end, stop + overlap)
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
    for low, high in windows(start, end, overlap):
        found = image.find(needle, low, high)
        while found != -1 and (found - base) % alignment:
            found = image.find(needle, found + 1, high)
        if found != -1:
            return found
    return -1
