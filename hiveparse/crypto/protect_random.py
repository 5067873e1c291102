"""Where the protect side's "random" bytes come from: always the caller.

Every builder in :mod:`hiveparse.crypto.protect` takes a :data:`RandomBytes` callable and
draws its salts from it in a documented order, so that one seed gives the same evidence byte
for byte. :func:`seeded_random_bytes` is a SHA-256 counter stream for building samples;
:func:`replay_bytes` hands back known values, to rebuild a structure from the salts a real
one carries (the tests rebuild Windows-made master keys and blobs that way).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

RandomBytes = Callable[[int], bytes]
"""``random_bytes(n)`` returns the next ``n`` bytes."""


class _SeededStream:
    """SHA-256(seed ‖ NUL ‖ counter) blocks, handed out in order."""

    def __init__(self, seed: str) -> None:
        self._label = seed.encode() + b"\0"
        self._counter = 0
        self._buffer = b""

    def __call__(self, size: int) -> bytes:
        while len(self._buffer) < size:
            block = self._label + self._counter.to_bytes(8, "big")
            self._buffer += hashlib.sha256(block).digest()
            self._counter += 1
        chunk, self._buffer = self._buffer[:size], self._buffer[size:]
        return chunk


def seeded_random_bytes(seed: str) -> RandomBytes:
    """A stream of bytes that depends only on ``seed`` (SHA-256 in counter mode)."""
    return _SeededStream(seed)


def replay_bytes(*chunks: bytes) -> RandomBytes:
    """Hand back ``chunks`` in order; each draw must ask for exactly the next chunk's size."""
    pending = list(chunks)

    def draw(size: int) -> bytes:
        if not pending:
            raise ValueError(f"replay_bytes: a draw of {size} bytes after the last chunk")
        chunk = pending.pop(0)
        if len(chunk) != size:
            raise ValueError(f"replay_bytes: a draw of {size} bytes met a {len(chunk)}-byte chunk")
        return bytes(chunk)

    return draw
