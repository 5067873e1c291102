"""Marvin32, the keyed 64-bit hash that guards new-format transaction log entries.

The algorithm is Microsoft's (published with the .NET runtime, ``System.Marvin``, MIT): two
32-bit lanes seeded from the 64-bit key absorb the input four bytes (little-endian) at a
time through an add-rotate-xor block; the 0 to 3 trailing bytes are closed with a 0x80
marker byte, and two last blocks finish the state. The result is ``high lane << 32 | low
lane``. The REGF spec ("New format", Notes 1-3) uses it for the HvLE Hash-1 and Hash-2.
"""

from __future__ import annotations

import struct

_MASK = 0xFFFFFFFF
_WORDS = struct.Struct("<I")


def marvin32(data: bytes | bytearray | memoryview, seed: int) -> int:
    """The 64-bit Marvin32 hash of ``data`` under the 64-bit ``seed``."""
    lo = seed & _MASK
    hi = (seed >> 32) & _MASK
    view = memoryview(data).cast("B")
    whole = len(view) - len(view) % 4
    for (word,) in _WORDS.iter_unpack(view[:whole]):
        # The block function, written out: the hot loop of log replay.
        lo = (lo + word) & _MASK
        hi ^= lo
        lo = ((lo << 20) | (lo >> 12)) & _MASK
        lo = (lo + hi) & _MASK
        hi = ((hi << 9) | (hi >> 23)) & _MASK
        hi ^= lo
        lo = ((lo << 27) | (lo >> 5)) & _MASK
        lo = (lo + hi) & _MASK
        hi = ((hi << 19) | (hi >> 13)) & _MASK
    tail = bytes(view[whole:])
    final = (0x80 << (8 * len(tail))) | int.from_bytes(tail, "little")
    for word in (final, 0):
        lo = (lo + word) & _MASK
        hi ^= lo
        lo = ((lo << 20) | (lo >> 12)) & _MASK
        lo = (lo + hi) & _MASK
        hi = ((hi << 9) | (hi >> 23)) & _MASK
        hi ^= lo
        lo = ((lo << 27) | (lo >> 5)) & _MASK
        lo = (lo + hi) & _MASK
        hi = ((hi << 19) | (hi >> 13)) & _MASK
    return (hi << 32) | lo


def marvin32_32(data: bytes | bytearray | memoryview, seed: int) -> int:
    """The 32-bit fold (``high ^ low``) that .NET uses for string hash codes."""
    value = marvin32(data, seed)
    return (value >> 32) ^ (value & _MASK)
