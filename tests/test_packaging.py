"""Every package under hiveparse/ is listed for installation (an editable install hides gaps)."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_packaged():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "hiveparse").rglob("__init__.py")
    }
    assert found <= listed
    assert config["package-dir"] == {"hiveparse.cli": "cli"}
    assert (REPO / "cli" / "__init__.py").is_file()
