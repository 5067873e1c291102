"""Finding the machine's DPAPI master key files in a collection.

Windows keeps the SYSTEM account's master keys in ``Windows\\System32\\Microsoft\\Protect\\
S-1-5-18`` (opened with the DPAPI_SYSTEM machine key) and its ``User`` subfolder (the user
key), one file per key, named by the key's GUID (dpapi.md §2.5). A file counts only when its
content parses as a master key file and names the GUID its file name says; what does not is
skipped with a note. Files are read whole, so they are size-checked first, and opened
without blocking (only a regular file is read).

Files found in a folder (a volume's ``Protect\\S-1-5-18``, or a folder named with
``--masterkeys``) follow the evidence rule for symbolic links (:mod:`hiveparse.safefiles`):
a link, or a ``User`` subfolder that is a link, is followed only when it resolves inside
the folder the user named; one that leads out of it is noted (``masterkey.link_outside``)
and never opened. A file the user named is read even when it is a link.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hiveparse.errors import Diagnostic, HiveparseError, Location, Severity
from hiveparse.safefiles import link_refusal, read_regular_file

SYSTEM_SID = "S-1-5-18"
MAX_FILE = 64 * 1024  # real master key files are under 1 KiB
MAX_FILES_SEEN = 200_000  # a bound on the directory walk
MAX_NOTES = 50  # notes about unusable files, at most (a hostile folder could hold millions)


@dataclass(frozen=True)
class MasterKeyFileRef:
    guid: str  # lower-case, as uuid.UUID prints it
    path: str
    scope: str  # "machine" (S-1-5-18), "user" (S-1-5-18\User) or "given"
    data: bytes = field(repr=False)


@dataclass
class MasterKeys:
    files: dict[str, MasterKeyFileRef] = field(default_factory=dict)
    notes: list[Diagnostic] = field(default_factory=list)

    def add(self, found: MasterKeys) -> None:
        for guid, ref in found.files.items():
            self.files.setdefault(guid, ref)
        self.notes.extend(found.notes)

    def by_guid(self) -> dict[str, bytes]:
        return {guid: ref.data for guid, ref in self.files.items()}


def _scope(path: Path) -> str:
    parent = path.parent
    if parent.name.upper() == SYSTEM_SID:
        return "machine"
    if parent.name.upper() == "USER" and parent.parent.name.upper() == SYSTEM_SID:
        return "user"
    return "given"


def _guid_name(path: Path) -> str | None:
    try:
        return str(uuid.UUID(path.name))
    except ValueError:
        return None


def _read_key_file(path: Path, scope: str, keys: MasterKeys, *, by_content: bool) -> None:
    """Take ``path`` when it is a master key file. Windows names each file by its key's
    GUID; with ``by_content`` (files the user named) any name will do and the GUID comes
    from the content, and a file that is not a master key is passed over silently."""
    from hiveparse.crypto.masterkey import parse_master_key_file  # noqa: PLC0415

    guid = _guid_name(path)
    if guid is None and not by_content:
        return  # Preferred and other files of the folder
    try:
        data = read_regular_file(path, MAX_FILE)
    except OSError as error:
        # A key file that cannot be read may be the one the timebomb needs: partial.
        if (guid is not None or by_content) and len(keys.notes) < MAX_NOTES:
            keys.notes.append(
                Diagnostic(
                    "masterkey.unreadable",
                    f"cannot be read: {error.strerror or error}",
                    Location(str(path)),
                    Severity.ERROR,
                )
            )
        return
    try:
        named = parse_master_key_file(data).guid.lower()
    except (ValueError, HiveparseError) as error:
        if guid is not None and len(keys.notes) < MAX_NOTES:
            keys.notes.append(
                Diagnostic(
                    "masterkey.not_a_key",
                    f"not a master key file: {error}",
                    Location(str(path)),
                    Severity.WARNING,
                )
            )
        return
    if guid is not None and named != guid:
        keys.notes.append(
            Diagnostic(
                "masterkey.name_mismatch",
                f"file name says {guid} but the file holds master key {named}; skipped",
                Location(str(path)),
                Severity.WARNING,
            )
        )
        return
    keys.files.setdefault(named, MasterKeyFileRef(named, str(path), scope, data))


def _link_allowed(path: Path, tree: str, keys: MasterKeys) -> bool:
    """Whether ``path`` (a file or folder found below the named ``tree``) may be opened: not
    a link, or a link resolving inside the tree. Refusals are noted, within MAX_NOTES."""
    if not path.is_symlink():
        return True
    reason = link_refusal(path, tree)
    if reason is None:
        return True
    if len(keys.notes) < MAX_NOTES:
        keys.notes.append(
            Diagnostic("masterkey.link_outside", reason, Location(str(path)), Severity.WARNING)
        )
    return False


def _system_key_folders(root: Path, keys: MasterKeys) -> Iterator[Path]:
    """Every ``...\\Protect\\S-1-5-18`` folder below ``root`` (case-insensitive), bounded."""
    seen = 0
    for folder, subfolders, files in os.walk(root):
        seen += len(subfolders) + len(files)
        if seen > MAX_FILES_SEEN:
            keys.notes.append(
                Diagnostic(
                    "masterkey.search_limit",
                    f"stopped looking for master key folders after {MAX_FILES_SEEN} entries",
                    Location(str(root)),
                    Severity.WARNING,
                )
            )
            return
        here = Path(folder)
        if here.name.upper() == SYSTEM_SID and here.parent.name.upper() == "PROTECT":
            yield here
            for sub in subfolders:  # linked folders are listed here too (not entered)
                if sub.upper() == "USER":
                    yield here / sub
            subfolders.clear()


def find_master_keys(paths: Iterable[Path], *, given: bool = False) -> MasterKeys:
    """Master key files under the collection folders in ``paths`` (the layout of a Windows
    volume), or, with ``given``, every master key file named or inside a named folder."""
    keys = MasterKeys()
    for path in paths:
        if path.is_file():
            if given:  # named by the user: read even through a link
                _read_key_file(path, _scope(path), keys, by_content=True)
            continue
        if not path.is_dir():
            continue
        tree = os.path.realpath(path)
        folders = (
            [path, *(p for p in sorted(path.iterdir()) if p.is_dir())]
            if given
            else list(_system_key_folders(path, keys))
        )
        for folder in folders:
            if folder != path and not _link_allowed(folder, tree, keys):
                continue
            for entry in sorted(folder.iterdir()):
                if (
                    (given or _guid_name(entry) is not None)
                    and _link_allowed(entry, tree, keys)
                    and entry.is_file()
                ):
                    _read_key_file(entry, _scope(entry), keys, by_content=given)
    return keys


def gather_master_keys(*, volumes: Iterable[Path], named: Iterable[Path]) -> MasterKeys:
    """The master keys where Windows keeps them under the ``volumes`` folders, then every
    master key file ``named`` (or inside a named folder); the first file of a GUID wins."""
    keys = find_master_keys(volumes)
    keys.add(find_master_keys(named, given=True))
    return keys
