"""Replay every input the partition fuzzer saved (tests/regressions/partitions/,
fuzz/fuzz_partitions.py) as that target reads it: a partition table, each volume identified
and its shadow copies listed, or a hiveparse error, and nothing else."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from hiveparse.errors import HiveparseError
from hiveparse.evidence.image.disk import Disk
from hiveparse.evidence.image.formats import ImageFormat, sniff_image
from hiveparse.evidence.image.partitions import read_partitions
from hiveparse.evidence.image.shadow_copies import list_shadow_copies
from hiveparse.evidence.image.volumes import identify_volume

REGRESSIONS = Path(__file__).resolve().parents[1] / "regressions" / "partitions"
SAVED = sorted(p for p in REGRESSIONS.iterdir() if p.is_file()) if REGRESSIONS.is_dir() else []


@pytest.mark.parametrize("saved", SAVED, ids=[p.name for p in SAVED])
def test_a_saved_input_is_read_or_refused(saved: Path) -> None:
    data = saved.read_bytes()
    sniff_image(data[:4096])
    disk = Disk(Path(saved.name), ImageFormat.RAW, max(len(data), 1 << 24), [],
                lambda offset, size: data[offset : offset + size])  # fmt: skip
    with contextlib.suppress(HiveparseError):
        for partition in read_partitions(disk).partitions[:64]:
            identify_volume(disk, partition)
            list_shadow_copies(disk, partition)


def test_a_gpt_name_that_is_not_utf16_is_kept_replaced() -> None:
    """The first finding: a partition name of odd bytes stopped the GPT reader."""
    data = (REGRESSIONS / "gpt_name_not_utf16").read_bytes()
    disk = Disk(Path("x"), ImageFormat.RAW, max(len(data), 1 << 24), [],
                lambda offset, size: data[offset : offset + size])  # fmt: skip
    table = read_partitions(disk)
    assert table.scheme == "gpt"
