"""Hostile input through the peer engines: only hiveparse.errors types may escape.

Each input is opened and walked completely (names, times, class names, every value's type,
raw data and diagnostics). A run either finishes or raises an EvidenceError subclass that
names the engine and the source (reliability.md §4.1 R1). Inputs are written to tmp_path;
corpus hives are only read.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from hiveparse.engines import ENGINES, open_engine
from hiveparse.errors import EngineError, EvidenceError, NotRegf, UsageError
from hiveparse.model import walk

PEERS = ("regipy", "python-registry")
BASE_HIVE = "regipy/SAM"  # 256 KiB, 65 keys, inline and cell data, non-standard types


def read_everything(path: Path, engine: str) -> int:
    """Open and walk ``path``; the number of keys seen."""
    hive = open_engine(engine, path)
    keys = 0
    for key in walk(hive.root()):
        keys += 1
        _ = (key.name, key.path, key.last_written, key.class_name, key.diagnostics)
        for value in key.values():
            _ = (value.name, value.type_id, value.raw, value.diagnostics)
    _ = hive.diagnostics
    return keys


def assert_only_typed_errors(path: Path, engine: str) -> EvidenceError | None:
    try:
        read_everything(path, engine)
    except EvidenceError as error:
        assert error.engine == engine, error
        assert error.location.source == str(path), error
        assert error.__cause__ is None or not isinstance(error.__cause__, EvidenceError)
        return error
    return None


SYNTHETIC: dict[str, Callable[[random.Random], bytes]] = {
    "empty": lambda _: b"",
    "three_bytes": lambda _: b"reg",
    "zeros_8k": lambda _: bytes(8192),
    "random_8k": lambda rng: rng.randbytes(8192),
    "regf_then_random": lambda rng: b"regf" + rng.randbytes(8188),
    "regf_then_zeros": lambda _: b"regf" + bytes(8188),
    "reg_text": lambda _: (
        "\ufeffWindows Registry Editor Version 5.00\r\n\r\n"
        '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Test]\r\n"Value"=dword:00000001\r\n'
    ).encode("utf-16-le"),
}
NOT_REGF = {"empty", "three_bytes", "zeros_8k", "random_8k", "reg_text"}


@pytest.mark.parametrize("engine", PEERS)
@pytest.mark.parametrize("case", sorted(SYNTHETIC))
def test_synthetic_input_raises_typed_errors(tmp_path: Path, engine: str, case: str) -> None:
    path = tmp_path / case
    path.write_bytes(SYNTHETIC[case](random.Random(case)))
    error = assert_only_typed_errors(path, engine)
    assert error is not None, f"{case} read as a hive"
    if case in NOT_REGF:
        assert isinstance(error, NotRegf), error


@pytest.mark.parametrize("engine", PEERS)
def test_missing_file_is_an_engine_error(tmp_path: Path, engine: str) -> None:
    with pytest.raises(EngineError):
        open_engine(engine, tmp_path / "absent")


def test_unknown_engine_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown engine"):
        open_engine("dissect", tmp_path / "x")
    assert set(ENGINES) == {"hiveparse", "regipy", "python-registry"}


@pytest.fixture(scope="module")
def base_hive(corpus: Path) -> bytes:
    path = corpus / "hives" / BASE_HIVE
    if not path.is_file():
        pytest.skip(f"{BASE_HIVE} is not in this corpus")
    return path.read_bytes()


TRUNCATIONS = (1, 4, 511, 4095, 4096, 4100, 4128, 8192, "1/4", "1/2", "3/4", "-1")


def _cut(size: int, where: int | str) -> int:
    if isinstance(where, int):
        return where
    if where == "-1":
        return size - 1
    num, den = (int(part) for part in where.split("/"))
    return size * num // den


@pytest.mark.corpus
@pytest.mark.parametrize("engine", PEERS)
@pytest.mark.parametrize("where", TRUNCATIONS, ids=str)
def test_truncated_hive_raises_typed_errors(
    tmp_path: Path, base_hive: bytes, engine: str, where: int | str
) -> None:
    path = tmp_path / "truncated"
    path.write_bytes(base_hive[: _cut(len(base_hive), where)])
    assert_only_typed_errors(path, engine)


@pytest.mark.corpus
@pytest.mark.parametrize("engine", PEERS)
@pytest.mark.parametrize("seed", range(12))
def test_flipped_bytes_raise_typed_errors(
    tmp_path: Path, base_hive: bytes, engine: str, seed: int
) -> None:
    rng = random.Random(seed)
    data = bytearray(base_hive)
    flips = (1, 10, 200)[seed % 3]
    for _ in range(flips):
        data[rng.randrange(0x1000, len(data))] = rng.randrange(256)
    path = tmp_path / f"flipped_{seed}"
    path.write_bytes(bytes(data))
    assert_only_typed_errors(path, engine)
