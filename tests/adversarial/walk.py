"""The isolated child's work: "open + walk every key and value" with the project's reader,
then carve the hive's unallocated space for deleted records.

Run through :func:`tests.support.isolation.safe_call` as ``tests.adversarial.walk:walk_hive``.
It returns a JSON summary: the open+walk time, counts, a digest of what was read (key paths
and times, value names, types and raw bytes, in walk order) and the diagnostics seen on the
hive, its keys and its values. Exceptions are not caught here: the isolation layer classifies them.
"""

from __future__ import annotations

import hashlib
import mmap
import struct
import sys
import time
from collections import Counter
from typing import Any

MAX_CODES = 64


def walk_hive(path: str) -> dict[str, Any]:
    from hiveparse.model import walk  # noqa: PLC0415 - imported in the child only
    from hiveparse.sources.regf import open_hive  # noqa: PLC0415

    started = time.perf_counter()
    hive = open_hive(path)
    digest = hashlib.sha256()
    codes: Counter[str] = Counter()
    samples: list[str] = []
    keys = values = 0

    def note(diagnostics: Any) -> None:
        for diagnostic in diagnostics:
            codes[diagnostic.code] += 1
            if len(samples) < 5:
                samples.append(str(diagnostic))

    for key in walk(hive.root()):
        keys += 1
        digest.update(b"K" + key.path.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(struct.pack("<Q", 0 if key.last_written is None else key.last_written + 1))
        note(key.diagnostics)
        for value in key.values():
            values += 1
            raw = value.raw
            digest.update(b"V" + value.name.encode("utf-8", "surrogatepass") + b"\0")
            digest.update(struct.pack("<IQ", value.type_id & 0xFFFFFFFF, len(raw)) + raw)
            note(value.diagnostics)
    note(hive.diagnostics)
    walked = time.perf_counter() - started
    # Carving reads every byte the walk does not: it must survive the same hostile input.
    from hiveparse.sources.regf.carve import recover  # noqa: PLC0415

    carved = recover(hive)
    return {
        "seconds": walked,
        "carve_seconds": time.perf_counter() - started - walked,
        "carved": [len(carved.keys), len(carved.values), carved.partial],
        "carve_codes": dict(Counter(d.code for d in carved.diagnostics)),
        "keys": keys,
        "values": values,
        "digest": digest.hexdigest(),
        "diagnostics": sum(codes.values()),
        "codes": dict(codes.most_common(MAX_CODES)),
        "samples": samples,
    }


def walk_work(path: str) -> dict[str, int]:
    """The work of open + walk, counted rather than timed: Python and C calls made (a
    profile hook) and bytes sliced out of the mapped hive. Both are the same on every
    machine, so cost ratios can be asserted exactly where wall time is noise."""
    from hiveparse.model import walk  # noqa: PLC0415 - imported in the child only
    from hiveparse.sources.regf import open_hive  # noqa: PLC0415

    counts = {"calls": 0, "sliced_bytes": 0, "keys": 0, "values": 0}

    class CountingMap(mmap.mmap):
        def __getitem__(self, index: Any) -> Any:
            got = super().__getitem__(index)
            if isinstance(got, bytes):
                counts["sliced_bytes"] += len(got)
            return got

    def count_call(_frame: Any, event: str, _arg: Any) -> None:
        if event in ("call", "c_call"):
            counts["calls"] += 1

    real_map = mmap.mmap
    mmap.mmap = CountingMap  # type: ignore[misc] - the reader maps through the module
    sys.setprofile(count_call)
    try:
        hive = open_hive(path)
        for key in walk(hive.root()):
            counts["keys"] += 1
            for value in key.values():
                counts["values"] += 1
                _ = value.raw
    finally:
        sys.setprofile(None)
        mmap.mmap = real_map  # type: ignore[misc]
    return counts


# --- probes: children that misbehave on purpose, to test the isolation runner itself -------


def probe_echo(value: Any) -> Any:
    return {"echo": value}


def probe_hang() -> None:
    while True:
        pass


def probe_segfault() -> None:
    import ctypes  # noqa: PLC0415

    ctypes.string_at(0)


def probe_memory() -> int:
    return len(bytearray(64 << 30))  # far beyond any address-space limit


def probe_foreign() -> None:
    struct.unpack("<I", b"")


def probe_typed(source: str) -> None:
    from hiveparse.errors import Truncated  # noqa: PLC0415

    raise Truncated("ends early", source=source, offset=0x1234, engine="probe")


def probe_write(path: str) -> None:
    with open(path, "wb") as handle:  # noqa: PTH123 - the call under test
        handle.write(b"evidence overwritten")
