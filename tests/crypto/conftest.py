"""Fixtures for the decryption chain: the DPAPI corpus folders and their answer files.

Every expected value in these tests comes from the corpus READMEs and ``vectors.json`` files
(published answers of dissect.target, DPAPIck, impacket, Nemesis, BitCurator), never from a
run of our own code. Where a corpus file marks a value as computed by the research session
rather than published upstream, the test says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hiveparse.sources.regf.hive import RegfHive
from hiveparse.sources.regf.open import open_hive


@pytest.fixture(scope="session")
def dpapi(corpus: Path) -> Path:
    folder = corpus / "dpapi"
    if not folder.is_dir():
        pytest.skip("the corpus has no dpapi/ folder")
    return folder


@pytest.fixture(scope="session")
def vectors(dpapi: Path) -> Callable[[str, str], Any]:
    """``vectors("impacket")`` loads ``impacket/vectors.json``; a second argument names a file."""

    def load(folder: str, name: str = "vectors.json") -> Any:
        return json.loads((dpapi / folder / name).read_text())

    return load


@pytest.fixture(scope="session")
def xp_hives(dpapi: Path) -> tuple[RegfHive, RegfHive]:
    """The BitCurator XP SYSTEM and SECURITY hives (read in place, read-only)."""
    folder = dpapi / "bitcurator_xp"
    return open_hive(folder / "SYSTEM"), open_hive(folder / "SECURITY")
