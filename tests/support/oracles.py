"""Independent implementations used as truth in tests (impacket's DPAPI and secretsdump,
libregf's pyregf, RegRipper's plugins, hivex's regedit). Where one is not installed its
tests are skipped; with
``HIVEPARSE_REQUIRE_ORACLES=1`` (CI installs them) a missing oracle fails the test instead,
so a check against outside truth can never be skipped unnoticed."""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType

import pytest


def oracle(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as error:
        if os.environ.get("HIVEPARSE_REQUIRE_ORACLES") == "1":
            pytest.fail(f"the test oracle {module} is required here but does not import: {error}")
        pytest.skip(f"the test oracle {module} is not installed: {error}", allow_module_level=True)


def oracle_command(command: str, package: str) -> str:
    """The path of an outside program used as truth (``package`` names where it comes
    from); skipped where absent, failed with ``HIVEPARSE_REQUIRE_ORACLES=1``."""
    found = shutil.which(command)
    if found is None:
        reason = f"the test oracle {command} ({package}) is not installed"
        if os.environ.get("HIVEPARSE_REQUIRE_ORACLES") == "1":
            pytest.fail(f"{reason}, and it is required here")
        pytest.skip(reason)
    return found
