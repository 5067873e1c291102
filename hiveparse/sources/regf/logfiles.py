"""Which files beside a hive are its transaction logs (names only; no parsing here).

Kept apart from the replay code so that finding evidence stays cheap to import.
"""

from __future__ import annotations

import os
from pathlib import Path

from hiveparse.errors import EvidenceError
from hiveparse.model import fold_name

LOG_SUFFIXES = (".LOG", ".LOG1", ".LOG2")


def find_transaction_logs(hive_path: Path) -> list[Path]:
    """The ``.LOG``, ``.LOG1`` and ``.LOG2`` files beside ``hive_path``, in that order.

    Names match case-insensitively (``SYSTEM.LOG1``, ``system.log1``, ``ntuser.dat.LOG1``);
    where a case-sensitive file system holds several spellings, the one spelled like the
    hive plus an upper-case suffix wins, else the first in sorted order.
    """
    hive_path = Path(hive_path)
    folder = hive_path.parent
    try:
        with os.scandir(folder) as listing:
            names = sorted(entry.name for entry in listing if _is_file(entry))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise EvidenceError(
            f"cannot list the folder of the hive: {exc.strerror or exc}", source=str(hive_path)
        ) from exc
    found: list[Path] = []
    for suffix in LOG_SUFFIXES:
        wanted = hive_path.name + suffix
        matches = [name for name in names if fold_name(name) == fold_name(wanted)]
        if matches:
            found.append(folder / (wanted if wanted in matches else matches[0]))
    return found


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False
