"""R9: the evidence corpus is byte-identical after the session.

Every file and directory under the corpus is recorded (SHA-256, size, mtime, mode) before the
first adversarial test and compared after the last one; any difference fails the session.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

Fingerprint = dict[str, tuple[str, int, int, int]]


def fingerprint(root: Path) -> Fingerprint:
    out: Fingerprint = {}
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in [*dirs, *sorted(files)]:
            path = Path(folder) / name
            info = path.lstat()
            digest = "dir"
            if path.is_file() and not path.is_symlink():
                sha = hashlib.sha256()
                with path.open("rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        sha.update(block)
                digest = sha.hexdigest()
            out[str(path.relative_to(root))] = (
                digest,
                info.st_size,
                info.st_mtime_ns,
                info.st_mode,
            )
    return out


@pytest.fixture(scope="session", autouse=True)
def corpus_unchanged(request: pytest.FixtureRequest) -> Iterator[None]:
    try:
        corpus: Path = request.getfixturevalue("corpus")
    except pytest.skip.Exception:
        yield  # no corpus, nothing to protect
        return
    before = fingerprint(corpus)
    yield
    after = fingerprint(corpus)
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert not changed, f"the evidence corpus changed during the session: {changed[:20]}"
