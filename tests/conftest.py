"""Shared fixtures. Real evidence comes from the shared corpus, never from copies in the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parent.parent


def _corpus_dir() -> Path | None:
    configured = os.environ.get("HIVEPARSE_CORPUS")
    candidates = [Path(configured)] if configured else []
    candidates.append(_REPO.parent / "shared" / "corpus")
    for candidate in candidates:
        if (candidate / "MANIFEST.md").is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared evidence corpus (``../shared/corpus`` or ``$HIVEPARSE_CORPUS``)."""
    found = _corpus_dir()
    if found is None:
        pytest.skip("shared corpus not found: set HIVEPARSE_CORPUS or check out ../shared/corpus")
    return found
