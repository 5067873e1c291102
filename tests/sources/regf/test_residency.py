"""Scanning long runs of a hive image window by window (hiveparse.sources.regf.residency)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiveparse.sources.regf import residency
from hiveparse.sources.regf.open import open_hive


def test_windows_cover_the_range_once_with_the_overlap(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(residency, "SCAN_WINDOW", 30)
    assert list(residency.windows(0, 100, 1)) == [(0, 31), (30, 61), (60, 91), (90, 100)]
    assert list(residency.windows(10, 40, 3)) == [(10, 40)]  # never past the end
    assert list(residency.windows(5, 5, 3)) == []


def test_find_aligned_sees_a_needle_across_a_window_boundary(monkeypatch: pytest.MonkeyPatch):
    data = bytearray(200)
    data[58:62] = b"hbin"  # 58 % 4 == 2: not aligned
    data[124:128] = b"hbin"  # 124 % 4 == 0, and it straddles the boundary at 126
    monkeypatch.setattr(residency, "SCAN_WINDOW", 126)
    assert residency.find_aligned(bytes(data), b"hbin", 0, 200, alignment=4, base=0) == 124
    assert residency.find_aligned(bytes(data), b"hbin", 0, 200, alignment=8, base=4) == 124
    assert residency.find_aligned(bytes(data), b"hbin", 0, 200, alignment=8, base=0) == -1
    assert residency.find_aligned(bytes(data), b"hbin", 0, 127, alignment=4, base=0) == -1
    assert residency.find_aligned(bytes(data), b"hbin", 125, 200, alignment=1, base=0) == -1


@pytest.mark.parametrize(
    "relative",
    [
        "hives/ericzimmerman-registry/SAMBadHBinHeader",  # resynchronises on the next 'hbin'
        "hives/yarp/RemnantsHive",
        "hives/regipy/SYSTEM",
    ],
)
def test_bins_and_anomalies_do_not_depend_on_the_window(
    corpus: Path, relative: str, monkeypatch: pytest.MonkeyPatch
):
    path = corpus / relative
    if not path.is_file():
        pytest.skip(f"{relative} is not in this corpus")

    def read() -> tuple[object, object]:
        hive = open_hive(path, apply_logs=False)
        return hive.cells.bins, [(d.code, d.location.offset) for d in hive.diagnostics]

    expected = read()
    monkeypatch.setattr(residency, "SCAN_WINDOW", 4099)  # not a multiple of the page
    assert read() == expected
