"""atheris target for what hiveparse parses of a disk image itself: any bytes as the start of
a disk, read as a partition table (MBR with its extended boot records, GPT with its backup),
each partition's volume identified and its shadow-copy catalog listed. Only hiveparse errors
may come out, within :data:`INPUT_SECONDS`.

Run: ``python fuzz/fuzz_partitions.py -max_total_time=60 <seed_dir>``. An empty seed folder is
filled with the first 64 KiB of the test images of tests/data/images (MBR, GPT, logical
partitions, a volume without a table). The Sleuth Kit and the libyal readers are not fuzzed
here: they are other projects' code, fuzzed by them. A finding is kept under
``tests/regressions/partitions/`` unless ``-artifact_prefix=`` is given.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris
from _harness import run, time_limit

_REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(_REPO))

with atheris.instrument_imports():
    from hiveparse.errors import HiveparseError
    from hiveparse.evidence.image.disk import Disk
    from hiveparse.evidence.image.formats import ImageFormat, sniff_image
    from hiveparse.evidence.image.partitions import read_partitions
    from hiveparse.evidence.image.shadow_copies import list_shadow_copies
    from hiveparse.evidence.image.volumes import identify_volume

REGRESSIONS = _REPO / "tests" / "regressions" / "partitions"
IMAGES = _REPO / "tests" / "data" / "images"
SEEDS = ("gpt.raw", "logical.raw", "rdsh-image.raw", "two-installs.raw", "volume.raw")
INPUT_SECONDS = 2.0


def test_one_input(data: bytes) -> None:
    with time_limit(INPUT_SECONDS):
        sniff_image(data[:4096])
        # The disk claims to be larger than the input (a truncated image): reads past the
        # data come back short, as a cut file's do.
        disk = Disk(Path("<fuzz>"), ImageFormat.RAW, max(len(data), 1 << 24), [],
                    lambda offset, size: data[offset : offset + size])  # fmt: skip
        try:
            table = read_partitions(disk)
            for partition in table.partitions[:64]:
                identify_volume(disk, partition)
                list_shadow_copies(disk, partition)
        except HiveparseError:
            pass


def _seeds() -> dict[str, bytes]:
    seeds = {}
    for name in SEEDS:
        with (IMAGES / name).open("rb") as image:
            seeds[name] = image.read(64 << 10)
    return seeds


def main() -> None:
    run(sys.argv, test_one_input, _seeds, REGRESSIONS)


if __name__ == "__main__":
    main()
