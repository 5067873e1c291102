"""Splitting the EVIDENCE arguments into cases: the units a batch analyses one at a time.

A support queue is a folder of tickets (``tickets/4711/SYSTEM.reg``,
``tickets/4712/...``); each ticket is a case, analysed on its own, so that nothing of one
customer is ever read beside another's and the run's memory does not grow with the queue.

A directory argument is a *folder of cases* when nothing in it can belong to a host found
in another of its entries:

* it holds no registry evidence or event log of its own (its files are sniffed by content,
  as discovery does);
* it is not laid out as a Windows volume or a collection (no entry named ``Windows``,
  ``Users``, ``Documents and Settings``, ``System Volume Information``, ``uploads`` or a
  drive letter such as KAPE's ``C`` or Velociraptor's ``C%3A``), and it does not lie inside
  one: there, hives of one volume meet across folders (user hives join the config host);
* ``--group name`` is not asked for (it merges hosts across folders on purpose).

Each sub-folder of a folder of cases is then a case, split again by the same rule (a folder
of customers, each a folder of tickets); a folder without sub-folders is a case as it stands
(an empty ticket is reported as one), and so is every other argument. A ZIP file (a KAPE or
Velociraptor collection) is a case of its own, given as an argument or found among the
cases. The
file arguments together form one case (loose hives given one by one still meet as they
would in one folder), and arguments that overlap (one inside another) are analysed as one
case, as before batches existed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from hiveparse.evidence.discover import (
    ACCESSOR_DIRS,
    HeadKind,
    describe_location,
    drive_letter,
    head_kind,
)

# Folder names that make a folder a Windows volume or a collection (compared case-blind,
# URL-decoded); drive-letter folders too (discover.drive_letter).
_LAYOUT_NAMES = (
    frozenset(
        {
            "windows",
            "winnt",
            "users",
            "documents and settings",
            "system volume information",
            "uploads",
        }
    )
    | ACCESSOR_DIRS
)  # Velociraptor's uploads/auto, uploads/ntfs, ...
MAX_SPLIT_DEPTH = 8  # folders of folders of cases; deeper trees are analysed as one case
# Files of one folder sniffed before it is taken as a case as it stands (a bound on the time
# spent deciding, far above any queue: a drop of 10,000 collections is still a batch).
MAX_SNIFFED = 1_000_000


@dataclass(frozen=True)
class Case:
    """One unit of a batch: the paths analysed together, and how reports name it.

    ``argument`` is the EVIDENCE argument the case was found under, as the user wrote it;
    ``name`` is the case folder relative to that argument (None when the case is the
    argument itself, or several file arguments)."""

    paths: tuple[str, ...]
    argument: str | None
    name: str | None = None

    @property
    def title(self) -> str:
        """How the case is shown to a person (progress, failures)."""
        if self.name is not None:
            return self.name
        return ", ".join(self.paths)


def inside_archive(case: str) -> str:
    """A host's case with the archive's inside taken as a folder (``4711.zip!/C`` is in
    case ``4711.zip``)."""
    return case.replace("!" + os.sep, os.sep).removesuffix("!")


def _inside_layout(folder: Path) -> bool:
    """Whether ``folder`` lies inside a Windows volume's config, profile or restore-point
    folders, as host grouping places files (from folder names alone; a queue kept under a
    folder that happens to be called ``Users`` is not inside a volume)."""
    return describe_location(folder / "probe").kind != "loose"


def _entries(folder: Path) -> list[os.DirEntry[str]] | None:
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return None  # discovery reports the unreadable folder within its case


_CONTAINERS = (HeadKind.ARCHIVE, HeadKind.IMAGE)


def _is_container(path: Path) -> bool:
    """A ZIP collection or a disk image: a case of its own."""
    return head_kind(path, follow=True) in _CONTAINERS


def _components(folder: Path, images: list[str]) -> set[str]:
    """The files of ``folder`` that images in it are read with (a VMDK's extents)."""
    if not images:
        return set()
    from hiveparse.evidence.image.formats import image_components  # noqa: PLC0415

    return {part.name for name in images for part in image_components(folder / name)}


def _survey(entries: list[os.DirEntry[str]]) -> dict[str, HeadKind] | None:
    """What each regular file of a folder is (sniffed once), when the folder may be a
    folder of cases: None when an entry keeps it one case (a volume or collection name, a
    link, registry evidence, a file that cannot be sniffed, more than MAX_SNIFFED files)."""
    kinds: dict[str, HeadKind] = {}
    for entry in entries:
        if unquote(entry.name, errors="replace").casefold() in _LAYOUT_NAMES:
            return None
        if drive_letter(entry.name) is not None:
            return None
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            return None  # where a link leads is discovery's question, within one case
        if stat.S_ISREG(mode):
            kind = head_kind(Path(entry.path), follow=False)
            # A file that cannot be sniffed (unreadable, a FIFO) keeps its folder one case,
            # where discovery reports it.
            if len(kinds) >= MAX_SNIFFED or kind is None or kind in _EVIDENCE:
                return None
            kinds[entry.name] = kind
    return kinds


_EVIDENCE = (HeadKind.HIVE, HeadKind.REG, HeadKind.LOG, HeadKind.EVENT_LOG)


def _split_folder(folder: Path, argument: str, depth: int) -> Iterator[Case]:
    entries = _entries(folder) if depth < MAX_SPLIT_DEPTH else None
    kinds = None if entries is None else _survey(entries)
    folders = [] if entries is None else [e for e in entries if e.is_dir(follow_symlinks=False)]
    zips = [] if kinds is None else [n for n, k in kinds.items() if k in _CONTAINERS]
    parts = _components(folder, [n for n in zips if kinds and kinds[n] == HeadKind.IMAGE])
    zips = [name for name in zips if name not in parts]
    # An empty ticket, or one holding its files, is a case as it stands (and reported).
    if entries is None or kinds is None or not (folders or zips) or _inside_layout(folder):
        name = None if depth == 0 else os.path.relpath(folder, argument)
        yield Case((str(folder),), argument, name)
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _split_folder(Path(entry.path), argument, depth + 1)
        elif entry.name in zips:  # a collection sent as a ZIP file, an image: a case
            yield Case((entry.path,), argument, os.path.relpath(entry.path, argument))
    # Files that are not evidence (a README beside the tickets) belong to no case.


def _overlap(paths: Sequence[Path]) -> bool:
    absolute = [os.path.normcase(os.path.normpath(p.absolute())) for p in paths]
    for i, one in enumerate(absolute):
        for other in absolute[i + 1 :]:
            if one == other or one.startswith(other + os.sep) or other.startswith(one + os.sep):
                return True
    return False


def split_cases(arguments: Sequence[Path], *, merge_by_name: bool = False) -> list[Case]:
    """The cases of a run, in the order the arguments were given (sub-folders by name).
    ``merge_by_name`` (``--group name``) keeps the whole run one case."""
    if merge_by_name or len(arguments) == 0 or _overlap(arguments):
        only = arguments[0] if len(arguments) == 1 else None
        return [Case(tuple(map(str, arguments)), None if only is None else str(only))]
    cases: list[Case] = []
    files: list[str] = []
    for argument in arguments:
        if argument.is_dir():
            cases.extend(_split_folder(argument, str(argument), 0))
        elif _is_container(argument):  # a collection or a disk image: a case of its own
            cases.append(Case((str(argument),), str(argument)))
        else:
            if not files:
                cases.append(Case((), None))  # the file arguments' place in the order
            files.append(str(argument))
    if files:
        at = next(i for i, case in enumerate(cases) if not case.paths)
        cases[at] = Case(tuple(files), files[0] if len(files) == 1 else None)
    return cases
