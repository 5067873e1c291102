"""The one registry model every backend sits behind.

A :class:`Hive` has a root :class:`Key`; keys have subkeys and :class:`Value` objects. The
REGF reader, the peer engines (regipy, python-registry), the .reg parser's snapshot and the
in-memory builder all implement these base classes, and analyzers import nothing else.

Paths inside a hive are relative to its root and use backslashes; the root's path is "".
Names compare case-insensitively, as Windows compares them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, NamedTuple

from hiveparse.errors import Diagnostic, Location, Severity
from hiveparse.filetime import filetime_to_datetime
from hiveparse.values import DecodedValue, decode_pair

if TYPE_CHECKING:
    from hiveparse.decode.origin import HiveOrigin


class ValueType(IntEnum):
    REG_NONE = 0
    REG_SZ = 1
    REG_EXPAND_SZ = 2
    REG_BINARY = 3
    REG_DWORD = 4
    REG_DWORD_BIG_ENDIAN = 5
    REG_LINK = 6
    REG_MULTI_SZ = 7
    REG_RESOURCE_LIST = 8
    REG_FULL_RESOURCE_DESCRIPTOR = 9
    REG_RESOURCE_REQUIREMENTS_LIST = 10
    REG_QWORD = 11


_TYPE_NAMES = {member.value: member.name for member in ValueType}


def type_name(type_id: int) -> str:
    """``REG_SZ`` for known types, ``0x...`` for any other 32-bit type id."""
    known = _TYPE_NAMES.get(type_id)
    return f"0x{type_id:x}" if known is None else known


class HiveType(StrEnum):
    SYSTEM = "SYSTEM"
    SOFTWARE = "SOFTWARE"
    SECURITY = "SECURITY"
    SAM = "SAM"
    NTUSER = "NTUSER"
    USRCLASS = "USRCLASS"
    DEFAULT = "DEFAULT"
    COMPONENTS = "COMPONENTS"
    BCD = "BCD"
    AMCACHE = "AMCACHE"
    DRIVERS = "DRIVERS"
    ELAM = "ELAM"
    UNKNOWN = "UNKNOWN"


class EvidenceFormat(StrEnum):
    REGF = "regf"
    REG = "reg"
    MEMORY = "memory"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a key or value came from.

    ``offset`` is the cell offset relative to the first hbin (as REGF pointers count) for
    hive backends; ``line`` is the 1-based line of a .reg file.
    """

    source: str
    format: EvidenceFormat
    engine: str
    hive_type: HiveType | None = None
    offset: int | None = None
    line: int | None = None
    deleted: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "format": str(self.format),
            "engine": self.engine,
            "hive": str(self.hive_type) if self.hive_type else None,
            "cell_offset": self.offset,
            "line": self.line,
            "deleted": self.deleted,
        }


class Value(ABC):
    """A named, typed registry value. ``raw`` is exactly the stored data bytes."""

    __slots__ = ()

    @property
    @abstractmethod
    def name(self) -> str:
        """The value name; "" is the default value (``@`` in .reg files)."""

    @property
    @abstractmethod
    def type_id(self) -> int:
        """The 32-bit type as stored (may be outside :class:`ValueType`)."""

    @property
    @abstractmethod
    def raw(self) -> bytes: ...

    @property
    @abstractmethod
    def provenance(self) -> Provenance: ...

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Anomalies seen while reading this value (data clamped, cell overrun, ...)."""
        return ()

    def check_data(self) -> None:
        """Read the data for its anomalies only, as a walk that counts values does; a reader
        that can checks it without copying it (memory then stays independent of its size)."""
        _ = self.raw

    @property
    def type_name(self) -> str:
        return type_name(self.type_id)

    @property
    def decoded(self) -> DecodedValue:
        """The value as its type says (str, list of str, int, or bytes when it does not fit)."""
        return decode_pair(self.type_id, self.raw)[0]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.type_name} {len(self.raw)} bytes>"


class Key(ABC):
    """A registry key. Subclasses supply the iteration; lookups have generic defaults."""

    __slots__ = ()

    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def path(self) -> str:
        """Backslash-separated path from the hive root ("" for the root itself)."""

    @property
    @abstractmethod
    def provenance(self) -> Provenance: ...

    @property
    def identity(self) -> int | None:
        """What makes two key objects the same key (a cell offset), for cycle checks."""
        return self.provenance.offset

    @property
    def class_name(self) -> str | None:
        return None

    @property
    def last_written(self) -> int | None:
        """The key's last-written time as the raw FILETIME integer (None where unknown)."""
        return None

    @property
    def last_written_time(self) -> datetime | None:
        raw = self.last_written
        return None if raw is None else filetime_to_datetime(raw)

    @property
    def security_descriptor(self) -> bytes | None:
        """The raw SECURITY_DESCRIPTOR_RELATIVE from the key's sk cell, where the format has one."""
        return None

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return ()

    @abstractmethod
    def subkeys(self) -> Iterator[Key]: ...

    @abstractmethod
    def values(self) -> Iterator[Value]: ...

    def subkey(self, name: str) -> Key | None:
        """The direct subkey called ``name`` (case-insensitive), or None."""
        wanted = fold_name(name)
        for key in self.subkeys():
            if fold_name(key.name) == wanted:
                return key
        return None

    def value(self, name: str) -> Value | None:
        """The value called ``name`` (case-insensitive; "" is the default value), or None."""
        wanted = fold_name(name)
        for value in self.values():
            if fold_name(value.name) == wanted:
                return value
        return None

    def find(self, relative_path: str) -> Key | None:
        """Follow a backslash-separated path of subkey names from this key."""
        key: Key | None = self
        for part in split_path(relative_path):
            if key is None:
                return None
            key = key.subkey(part)
        return key

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path!r}>"


@dataclass
class HiveHeader:
    """What a REGF base block claims, kept apart from what the reader trusts."""

    signature_ok: bool
    primary_sequence: int
    secondary_sequence: int
    last_written: int
    major_version: int
    minor_version: int
    file_type: int
    file_format: int
    root_cell_offset: int
    hive_bins_data_size: int
    clustering_factor: int
    file_name: str
    checksum_stored: int
    checksum_computed: int
    flags: int = 0

    @property
    def checksum_ok(self) -> bool:
        return self.checksum_stored == self.checksum_computed

    @property
    def sequences_match(self) -> bool:
        return self.primary_sequence == self.secondary_sequence


class FileRead(NamedTuple):
    """A file as it was read: its SHA-256 (hex) and size, taken from the bytes read."""

    sha256: str
    size: int


class Hive(ABC):
    """One hive: a tree with a root key, plus what is known about where it came from."""

    @property
    @abstractmethod
    def source(self) -> str:
        """The evidence path as given by the user (or a label for in-memory hives)."""

    @property
    @abstractmethod
    def format(self) -> EvidenceFormat: ...

    @property
    @abstractmethod
    def engine(self) -> str: ...

    @property
    @abstractmethod
    def hive_type(self) -> HiveType: ...

    @abstractmethod
    def root(self) -> Key: ...

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Anomalies recorded so far (grows as a lazy reader visits more cells)."""
        return []

    @property
    def header(self) -> HiveHeader | None:
        return None

    @property
    def dirty(self) -> bool | None:
        """True when the base block says the hive was not cleanly written; None where unknown."""
        return None

    @property
    def logs_applied(self) -> list[str]:
        return []

    @property
    def files_read(self) -> dict[str, FileRead]:
        """The files this hive was read from (the hive file and each transaction log read
        for its replay), each hashed from the very bytes that were read, by path; empty
        where the reader does not read the files itself (a peer engine, bytes given)."""
        return {}

    @property
    def origin(self) -> HiveOrigin | None:
        """What ``hiveparse convert`` recorded in a hive it wrote (its origin marker): the
        .reg file, the synthetic time, what the file covered and deleted. None otherwise."""
        return None

    @property
    def written_by_converter(self) -> bool:
        """True for a hive ``hiveparse convert`` wrote from a .reg file: its key times and
        security descriptors are the converter's fixed choices, not evidence."""
        return self.origin is not None

    def find(self, relative_path: str) -> Key | None:
        return self.root().find(relative_path)


def fold_name(name: str) -> str:
    """The form in which Windows compares key and value names (case-insensitive).

    Windows upcases one UTF-16 unit into one unit (RtlUpcaseUnicodeChar); Python's
    ``str.upper`` turns "ß" into "SS", which would make "Straße" match "STRASSE". Characters
    whose upper case is longer than one character therefore stay as they are.
    """
    if name.isascii():
        return name.upper()
    return "".join(upper if len(upper := char.upper()) == 1 else char for char in name)


def split_path(path: str) -> list[str]:
    """Split a backslash path into names, ignoring empty parts from doubled or edge slashes."""
    return [part for part in path.split("\\") if part]


def join_path(parent: str, name: str) -> str:
    return f"{parent}\\{name}" if parent else name


MAX_KEY_DEPTH = 512
"""How deep a key may lie below its hive's root: Windows allows 512 levels (Microsoft,
"Registry element size limits")."""


@dataclass
class WalkBudget:
    """Bounds on a tree walk so that a hostile hive cannot make it run for ever."""

    max_depth: int = MAX_KEY_DEPTH
    max_keys: int = 10_000_000


@dataclass
class WalkResult:
    keys: int = 0
    cycles: list[str] = field(default_factory=list)
    depth_exceeded: list[str] = field(default_factory=list)


def walk(
    root: Key, budget: WalkBudget | None = None, notes: list[Diagnostic] | None = None
) -> Iterator[Key]:
    """Every key below and including ``root``, depth first in stored order, without recursion.

    A key met a second time (the same cell offset, for backends that have offsets) is not
    descended into again. Where the budget stops the walk, a diagnostic goes to ``notes``
    (the caller shows them: a cut walk is a partial result, never a silent one). A key's
    subkeys are listed only after the caller has had the key: what it wrote of the key
    stands even if the listing fails.
    """
    for key, _subkeys in _walk(root, budget, notes, list_first=False):
        yield key


def walk_listed(
    root: Key, budget: WalkBudget | None = None, notes: list[Diagnostic] | None = None
) -> Iterator[tuple[Key, list[Key]]]:
    """:func:`walk`, each key with the subkeys it lists (read once, for both the walk and
    the caller, before the key is yielded); a key too deep to descend into still lists
    its subkeys."""
    for key, subkeys in _walk(root, budget, notes, list_first=True):
        yield key, subkeys if subkeys is not None else []


def _walk(
    root: Key, budget: WalkBudget | None, notes: list[Diagnostic] | None, *, list_first: bool
) -> Iterator[tuple[Key, list[Key] | None]]:
    budget = budget or WalkBudget()
    seen: set[int] = set()
    stack: list[tuple[Key, int]] = [(root, 0)]
    emitted = 0
    while stack:
        key, depth = stack.pop()
        offset = key.identity
        if offset is not None:
            if offset in seen:
                continue
            seen.add(offset)
        listed = list(key.subkeys()) if list_first else None
        yield key, listed
        emitted += 1
        if emitted >= budget.max_keys:
            if notes is not None:
                notes.append(key_limit_note(key.provenance.source, key.identity, emitted))
            return
        children = listed if listed is not None else list(key.subkeys())
        if depth >= budget.max_depth:
            if children and notes is not None:
                notes.append(
                    depth_limit_note(
                        key.provenance.source, key.identity, key.path, depth, len(children)
                    )
                )
            continue
        stack.extend((child, depth + 1) for child in reversed(children))


def key_limit_note(source: str, offset: int | None, emitted: int) -> Diagnostic:
    """Where a walk stopped at its budget's key limit (a partial result)."""
    return Diagnostic(
        "walk.key_limit",
        f"stopped after {emitted} keys",
        Location(source, offset=offset),
        Severity.ERROR,
    )


def depth_limit_note(
    source: str, offset: int | None, path: str, depth: int, subkeys: int
) -> Diagnostic:
    """Where a walk did not descend below a key at its budget's depth limit."""
    return Diagnostic(
        "walk.depth_limit",
        f"key {path!r} is {depth} levels deep; its {subkeys} subkey(s) were not walked",
        Location(source, offset=offset),
        Severity.ERROR,
    )
