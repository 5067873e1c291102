"""Peer engines (regipy, python-registry) behind the registry model, as second opinions.

:data:`ENGINES` maps an engine name to its opener; ``"hiveparse"`` is the project's own REGF
reader. Openers are imported on first use, so importing this package costs nothing.
``verify`` walks two engines side by side and lists where they disagree.

Imports the foundations, ``schemas``, ``decode`` and ``sources``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from types import MappingProxyType

from hiveparse.errors import UsageError
from hiveparse.model import Hive

Opener = Callable[[str | os.PathLike[str]], Hive]


def _open_hiveparse(path: str | os.PathLike[str]) -> Hive:
    from hiveparse.sources.regf import open_hive  # noqa: PLC0415 - imported on first use

    return open_hive(path, apply_logs=False)


def _open_regipy(path: str | os.PathLike[str]) -> Hive:
    from hiveparse.engines.regipy_engine import open_with_regipy  # noqa: PLC0415 - import cost

    return open_with_regipy(path)


def _open_python_registry(path: str | os.PathLike[str]) -> Hive:
    from hiveparse.engines.python_registry_engine import (  # noqa: PLC0415 - import cost
        open_with_python_registry,
    )

    return open_with_python_registry(path)


ENGINES: Mapping[str, Opener] = MappingProxyType(
    {
        "hiveparse": _open_hiveparse,
        "regipy": _open_regipy,
        "python-registry": _open_python_registry,
    }
)


def open_engine(name: str, path: str | os.PathLike[str]) -> Hive:
    """Open ``path`` with the engine called ``name`` (one of :data:`ENGINES`)."""
    try:
        opener = ENGINES[name]
    except KeyError:
        known = ", ".join(sorted(ENGINES))
        raise UsageError(f"unknown engine {name!r} (known: {known})") from None
    return opener(path)
