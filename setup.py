"""Build hook: compile the REGF reader's hot path with mypyc when it is available.

The modules listed below are plain, strictly typed Python; mypyc turns them into C
extensions for regular installs (``pip install .``), which makes a full hive walk about
1.4 times faster (docs/benchmarks.md). Editable installs (``pip install -e .``) stay pure
Python so that edits to the sources take effect, and ``HIVEPARSE_PURE=1`` forces a pure
build anywhere. Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig

from setuptools import setup

COMPILED = [
    "hiveparse/values.py",
    "hiveparse/filetime.py",
    "hiveparse/sources/regf/cells.py",
    "hiveparse/sources/regf/hashing.py",
    "hiveparse/sources/regf/records.py",
    "hiveparse/sources/regf/hive.py",
    "hiveparse/report/records.py",
    "hiveparse/report/render.py",
    "hiveparse/report/lines.py",
]


def _extensions() -> list[object]:
    if os.environ.get("HIVEPARSE_PURE") == "1":
        return []
    if any(command in sys.argv for command in ("editable_wheel", "develop")):
        return []
    # Asking for requirements or metadata (egg_info, dist_info) builds nothing: mypyc would
    # type-check and generate C only for it to be thrown away.
    if any(command in sys.argv for command in ("egg_info", "dist_info")):
        return []
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return []  # no C compiler here: the pure-Python reader is installed instead
    try:
        from mypyc.build import mypycify  # noqa: PLC0415 - optional at build time
    except ImportError:
        return []
    return list(mypycify(COMPILED, opt_level="3"))


setup(ext_modules=_extensions())
