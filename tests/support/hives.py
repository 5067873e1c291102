"""Hives the stream tests walk: every REGF file of the corpus, and the hostile variants of
the adversarial suite's synthetic bases written to files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tests.adversarial.generate import mutate_base, synthetic_base


def is_hive(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(4) == b"regf"


def corpus_hives(corpus: Path) -> list[Path]:
    """Every file under the corpus's ``hives/`` that starts with the REGF signature."""
    return [path for path in sorted((corpus / "hives").rglob("*")) if is_hive(path)]


def hostile_variant_files(base: str, folder: Path) -> Iterator[tuple[str, Path]]:
    """Each hostile variant of the synthetic base ``base``, as (name, file in ``folder``)."""
    image, targets = synthetic_base(base)
    variants = mutate_base(base, image, targets)
    if not variants:
        raise AssertionError(f"the synthetic base {base} gave no hostile variant")
    for variant in variants:
        path = folder / f"{variant.name}.hive"
        path.write_bytes(variant.data)
        yield variant.name, path
