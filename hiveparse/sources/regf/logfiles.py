"""Which files beside a hive are its transaction logs (names only; no parsing here).

Kept apart from the replay code so that finding evidence stays cheap to import.

A log found by name is evidence the user did not name, so symbolic links are held to the
rule of evidence discovery (:mod:`hiveparse.safefiles`): a ``SYSTEM.LOG1`` that is a
link is used only when its target lies inside the hive's folder tree; a link that leads out of it
(``SYSTEM.LOG1 -> /proc/kmsg``, ``SYSTEM.LOG -> /etc/shadow``), dangles or loops is
*refused*: listed with the reason, never opened. What is used is opened without blocking,
as a regular file only (:func:`hiveparse.safefiles.open_regular_file`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hiveparse.errors import EvidenceError
from hiveparse.model import fold_name
from hiveparse.safefiles import link_refusal

LOG_SUFFIXES = (".LOG", ".LOG1", ".LOG2")


@dataclass(frozen=True, slots=True)
class RefusedLog:
    """A file named like a transaction log of the hive that is not used, and why."""

    path: Path
    reason: str


@dataclass(frozen=True, slots=True)
class LogSearch:
    logs: list[Path]  # .LOG, .LOG1, .LOG2, in that order: what the reader may open
    refused: list[RefusedLog]  # links out of the hive's folder tree, dangling or looping


def scan_transaction_logs(hive_path: Path) -> LogSearch:
    """The ``.LOG``, ``.LOG1`` and ``.LOG2`` files beside ``hive_path``, in that order, and
    the links of those names that are refused (see the module docstring).

    Names match case-insensitively (``SYSTEM.LOG1``, ``system.log1``, ``ntuser.dat.LOG1``);
    where a case-sensitive file system holds several spellings, the one spelled like the
    hive plus an upper-case suffix wins, else the first in sorted order.
    """
    hive_path = Path(hive_path)
    folder = hive_path.parent
    wanted = {fold_name(hive_path.name + suffix): suffix for suffix in LOG_SUFFIXES}
    usable: list[str] = []
    refused: list[RefusedLog] = []
    tree: str | None = None
    try:
        with os.scandir(folder) as listing:
            entries = sorted(
                (entry for entry in listing if fold_name(entry.name) in wanted),
                key=lambda entry: entry.name,
            )
    except (FileNotFoundError, NotADirectoryError):
        return LogSearch([], [])
    except OSError as exc:
        raise EvidenceError(
            f"cannot list the folder of the hive: {exc.strerror or exc}", source=str(hive_path)
        ) from exc
    for entry in entries:
        if _is_link(entry):
            if tree is None:
                tree = os.path.realpath(folder)
            reason = link_refusal(folder / entry.name, tree)
            if reason is not None:
                refused.append(RefusedLog(folder / entry.name, reason))
                continue
        if _is_file(entry):
            usable.append(entry.name)
    found: list[Path] = []
    for suffix in LOG_SUFFIXES:
        name = hive_path.name + suffix
        matches = [entry for entry in usable if fold_name(entry) == fold_name(name)]
        if matches:
            found.append(folder / (name if name in matches else matches[0]))
    return LogSearch(found, refused)


def find_transaction_logs(hive_path: Path) -> list[Path]:
    """The logs :func:`scan_transaction_logs` would use (refused links left out)."""
    return scan_transaction_logs(hive_path).logs


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False
