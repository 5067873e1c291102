"""An in-memory hive: the builder behind tests, .reg snapshots and the REGF writer's input.

Keys keep insertion order; lookups are case-insensitive and keep the first spelling seen.
"""

from __future__ import annotations

from collections.abc import Iterator

from hiveparse.errors import Diagnostic
from hiveparse.model import (
    EvidenceFormat,
    Hive,
    HiveType,
    Key,
    Provenance,
    Value,
    fold_name,
    split_path,
)


class MemoryValue(Value):
    __slots__ = ("_name", "_provenance", "_raw", "_type_id")

    def __init__(self, name: str, type_id: int, raw: bytes, provenance: Provenance) -> None:
        self._name = name
        self._type_id = type_id
        self._raw = bytes(raw)
        self._provenance = provenance

    @property
    def name(self) -> str:
        return self._name

    @property
    def type_id(self) -> int:
        return self._type_id

    @property
    def raw(self) -> bytes:
        return self._raw

    @property
    def provenance(self) -> Provenance:
        return self._provenance


class MemoryKey(Key):
    def __init__(
        self,
        hive: MemoryHive,
        name: str,
        parent: MemoryKey | None = None,
        *,
        last_written: int | None = None,
        class_name: str | None = None,
        line: int | None = None,
    ) -> None:
        self._hive = hive
        self._name = name
        # The path is made from the parents when asked: a key stores its own name only, so
        # memory stays linear in the names however deep a tree is.
        self._parent = parent
        self._subkeys: dict[str, MemoryKey] = {}
        self._values: dict[str, MemoryValue] = {}
        self.last_written_raw = last_written
        self.class_name_text = class_name
        self.security_descriptor_raw: bytes | None = None
        self._provenance = hive.provenance(line)

    @property
    def name(self) -> str:
        return self._name

    @property
    def path(self) -> str:
        names: list[str] = []
        key: MemoryKey | None = self
        while key is not None and key._parent is not None:
            names.append(key._name)
            key = key._parent
        return "\\".join(reversed(names))

    @property
    def provenance(self) -> Provenance:
        return self._provenance

    @property
    def last_written(self) -> int | None:
        return self.last_written_raw

    @property
    def class_name(self) -> str | None:
        return self.class_name_text

    @property
    def security_descriptor(self) -> bytes | None:
        return self.security_descriptor_raw

    def subkeys(self) -> Iterator[MemoryKey]:
        return iter(list(self._subkeys.values()))

    def values(self) -> Iterator[MemoryValue]:
        return iter(list(self._values.values()))

    def subkey(self, name: str) -> MemoryKey | None:
        return self._subkeys.get(fold_name(name))

    def value(self, name: str) -> MemoryValue | None:
        return self._values.get(fold_name(name))

    # -- building -------------------------------------------------------------------------

    def add_key(self, name: str, *, line: int | None = None) -> MemoryKey:
        """The direct subkey ``name``, created when missing."""
        folded = fold_name(name)
        child = self._subkeys.get(folded)
        if child is None:
            child = MemoryKey(self._hive, name, self, line=line)
            self._subkeys[folded] = child
        return child

    def ensure(self, relative_path: str, *, line: int | None = None) -> MemoryKey:
        """The key at ``relative_path`` below this one, creating every missing level."""
        key = self
        for part in split_path(relative_path):
            key = key.add_key(part, line=line)
        return key

    def set_value(
        self, name: str, type_id: int, raw: bytes, *, line: int | None = None
    ) -> MemoryValue:
        value = MemoryValue(name, type_id, raw, self._hive.provenance(line))
        folded = fold_name(name)
        # Replacing keeps the original position, as a registry update does.
        self._values[folded] = value
        return value

    def delete_value(self, name: str) -> bool:
        return self._values.pop(fold_name(name), None) is not None

    def delete_key(self, name: str) -> bool:
        return self._subkeys.pop(fold_name(name), None) is not None


class MemoryHive(Hive):
    def __init__(
        self,
        hive_type: HiveType = HiveType.UNKNOWN,
        *,
        source: str = "<memory>",
        root_name: str = "ROOT",
        format: EvidenceFormat = EvidenceFormat.MEMORY,
        engine: str = "memory",
    ) -> None:
        self._hive_type = hive_type
        self._source = source
        self._format = format
        self._engine = engine
        self._diagnostics: list[Diagnostic] = []
        self._root = MemoryKey(self, root_name)

    def provenance(self, line: int | None = None) -> Provenance:
        return Provenance(
            source=self._source,
            format=self._format,
            engine=self._engine,
            hive_type=self._hive_type,
            line=line,
        )

    @property
    def source(self) -> str:
        return self._source

    @property
    def format(self) -> EvidenceFormat:
        return self._format

    @property
    def engine(self) -> str:
        return self._engine

    @property
    def hive_type(self) -> HiveType:
        return self._hive_type

    def root(self) -> MemoryKey:
        return self._root

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self._diagnostics

    def find(self, relative_path: str) -> MemoryKey | None:
        key: MemoryKey | None = self._root
        for part in split_path(relative_path):
            if key is None:
                return None
            key = key.subkey(part)
        return key
