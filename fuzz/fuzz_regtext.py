"""atheris target for the .reg parser: any bytes in, only HiveparseError subclasses out.

Run: ``python fuzz/fuzz_regtext.py -max_total_time=60 fuzz/corpus_regtext``. A corpus folder
that does not exist yet, or is empty, is seeded with the hand-written cases of
``tests/data/regtext``. A crasher found here goes to ``tests/regressions/regtext/``, where
``tests/sources/regtext/test_regtext_regressions.py`` replays it.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from hiveparse.errors import HiveparseError
    from hiveparse.sources.regtext import parse_reg_bytes

_REPO = Path(__file__).resolve().parent.parent
_SEEDS = _REPO / "tests" / "data" / "regtext"


def test_one_input(data: bytes) -> None:
    # Small limits so that the fuzzer reaches the ResourceLimit paths too.
    for strict in (False, True):
        with contextlib.suppress(HiveparseError):
            parse_reg_bytes(data, strict=strict, max_line_length=4096)


def _seed(argv: list[str]) -> None:
    """Create the corpus folder (the first argument that is not an option) and, when it is
    empty, seed it with the hand-written cases."""
    folders = [arg for arg in argv[1:] if not arg.startswith("-")]
    if not folders:
        return
    corpus = Path(folders[0])
    corpus.mkdir(parents=True, exist_ok=True)
    if any(corpus.iterdir()):
        return
    for seed in sorted(_SEEDS.rglob("*.reg")):
        shutil.copyfile(seed, corpus / f"{seed.parent.name}_{seed.name}")


def main() -> None:
    _seed(sys.argv)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
