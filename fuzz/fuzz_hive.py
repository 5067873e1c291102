"""atheris target for the REGF reader: any bytes in, only hiveparse errors out (R1, R6).

Run: ``python fuzz/fuzz_hive.py -max_total_time=60 <seed_dir>``. A seed folder that does not
exist yet, or is empty, is filled at start with small valid hives from the REGF writer
(inline values, data cells, big data, an ri list, class names, Unicode names). Each input is
opened with ``open_hive(path=..., data=...)``, walked, reading every value, and carved for
deleted records (``recover``); an exception
that is not a :class:`~hiveparse.errors.HiveparseError` escapes and is a finding, and so is
an input that runs longer than :data:`INPUT_SECONDS` (a per-input SIGALRM, because
libFuzzer's own ``-timeout`` is off while a SIGALRM handler is installed). Unless
``-artifact_prefix=`` is given, findings go to ``tests/regressions/regf/``, where
``tests/adversarial/test_regressions.py`` replays them.
"""

from __future__ import annotations

import contextlib
import struct
import sys
from pathlib import Path

import atheris
from _harness import run, time_limit

# The reader is imported (and so instrumented) before anything else of the package.
with atheris.instrument_imports():
    from hiveparse.errors import HiveparseError
    from hiveparse.model import walk
    from hiveparse.sources.regf import open_hive
    from hiveparse.sources.regf.carve import recover

from hiveparse.sources.memory import MemoryHive  # seeds only: not instrumented
from hiveparse.sources.regf.writer import write_hive

_REPO = Path(__file__).resolve().parent.parent
REGRESSIONS = _REPO / "tests" / "regressions" / "regf"
INPUT_SECONDS = 2.0


def test_one_input(data: bytes) -> None:
    with time_limit(INPUT_SECONDS), contextlib.suppress(HiveparseError):
        hive = open_hive(path="<fuzz>", data=data)
        with contextlib.suppress(HiveparseError):
            for key in walk(hive.root()):
                _ = (key.name, key.path, key.last_written, key.class_name, key.diagnostics)
                for value in key.values():
                    _ = (value.name, value.type_id, value.raw, value.diagnostics)
        _ = hive.diagnostics
        recover(hive)  # carving reads every byte the walk does not


# --- seeds ---------------------------------------------------------------------------------


def _sz(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


def seed_hives() -> dict[str, bytes]:
    """Small valid hives that reach most of the reader (each well under 64 KiB)."""
    tiny = MemoryHive(root_name="ROOT")
    key = tiny.root().ensure("Software\\Vendor")
    key.class_name_text = "Class"
    key.set_value("", 1, _sz("default"))
    for size in range(6):
        key.set_value(f"inline{size}", 3, bytes(range(1, size + 1)))
    key.set_value("dword", 4, struct.pack("<I", 7))
    key.set_value("qword", 11, struct.pack("<Q", 1 << 40))
    key.set_value("multi", 7, "a\0b\0\0".encode("utf-16-le"))
    tiny.root().ensure("日本語\\Ünïcödé").set_value("名前", 1, _sz("値"))

    big = MemoryHive(root_name="BIG")
    big.root().ensure("Data").set_value("blob", 3, bytes(i & 0xFF for i in range(20_000)))

    wide = MemoryHive(root_name="WIDE")
    for i in range(520):  # > 507: an ri over two lh leaves
        wide.root().ensure(f"Many\\k{i:03d}")

    deep = MemoryHive(root_name="DEEP")
    node = deep.root()
    for level in range(40):
        node = node.add_key(f"L{level:02d}")
    node.set_value("bottom", 4, struct.pack("<I", 40))

    hives = {"tiny": tiny, "bigdata": big, "ri": wide, "deep": deep}
    seeds = {name: write_hive(h, last_written=0x01D6_0000_0000_0000) for name, h in hives.items()}
    seeds["tiny_v13"] = write_hive(tiny, minor_version=3, last_written=1)
    return seeds


def _seeds() -> dict[str, bytes]:
    return {f"{name}.hive": image for name, image in seed_hives().items()}


def main() -> None:
    run(sys.argv, test_one_input, _seeds, REGRESSIONS)


if __name__ == "__main__":
    main()
