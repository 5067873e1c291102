"""python-registry (``Registry``) behind the registry model, as a second opinion.

The tree (nk records, lf/lh/li/ri lists, value lists, vk and db records) is read by
python-registry. Four of its answers are taken one level lower, from the same records:

* names: ``NKRecord.name()``/``VKRecord.name()`` decode compressed names as cp1252, which
  raises on bytes 0x81/0x8D/0x8F/0x90/0x9D; Windows stores one Latin-1 byte per character;
* last-written: ``timestamp()`` rounds to microseconds; the raw FILETIME is read instead;
* type id: ``data_type()`` masks the type with 0xFFF (DEVPROP types 0xFFFF00xx lose bits);
* raw data: ``VKRecord.raw_data()`` picks the bytes by *type*, and so returns 4 bytes for
  every inline REG_SZ, nothing for an inline REG_MULTI_SZ, the offset field for a
  non-inline REG_DWORD and garbage for an inline REG_QWORD. The bytes are taken by
  *layout* instead, with python-registry's own cell (``HBINCell``) and big-data
  (``DBRecord.large_data``) readers: inline (flag 0x80000000) → the leading bytes of the
  offset field; otherwise the data cell, reassembled from its segments when it is a db.

Reading is lazy: keys and values are wrapped as they are reached.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from Registry import Registry as RegistryModule
from Registry import RegistryParse

from hiveparse.engines._adapter import (
    BASE_BLOCK_SIZE,
    ErrorContext,
    decode_name,
    guess_hive_type,
    read_evidence,
)
from hiveparse.errors import Diagnostic, Location
from hiveparse.model import (
    EvidenceFormat,
    Hive,
    HiveType,
    Key,
    Provenance,
    Value,
    join_path,
)

ENGINE = "python-registry"

_INLINE = 0x80000000
_BIG_DATA_THRESHOLD = 0x3FD8  # 16,344 bytes: larger values may be split into db segments
_KEY_COMP_NAME = 0x0020
_VALUE_COMP_NAME = 0x0001


def open_with_python_registry(path: str | os.PathLike[str]) -> Hive:
    """Open ``path`` with python-registry. Raises only :mod:`hiveparse.errors` types."""
    source = os.fspath(path)
    data = read_evidence(source, ENGINE)
    ctx = ErrorContext(source, ENGINE, data)
    with ctx.guard("opening the hive"):
        registry = RegistryModule.Registry(_BytesReader(data))
        embedded = registry._regf.hive_name()
    return PythonRegistryHive(registry, ctx, guess_hive_type(embedded))


class _BytesReader:
    """Registry.Registry wants a file-like object or a path; hand it the bytes we read."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self) -> bytes:
        return self._data


class PythonRegistryHive(Hive):
    def __init__(self, registry: Any, ctx: ErrorContext, hive_type: HiveType) -> None:
        self._registry = registry
        self._ctx = ctx
        self._hive_type = hive_type

    @property
    def source(self) -> str:
        return self._ctx.source

    @property
    def format(self) -> EvidenceFormat:
        return EvidenceFormat.REGF

    @property
    def engine(self) -> str:
        return ENGINE

    @property
    def hive_type(self) -> HiveType:
        return self._hive_type

    def root(self) -> PythonRegistryKey:
        with self._ctx.guard("reading the root key"):
            nk = self._registry.root()._nkrecord
        return PythonRegistryKey(self, nk, None)

    def provenance(self, record: Any) -> Provenance:
        # Record offsets are absolute and point past the 4-byte cell size.
        return Provenance(
            source=self._ctx.source,
            format=EvidenceFormat.REGF,
            engine=ENGINE,
            hive_type=self._hive_type,
            offset=record.offset() - 4 - BASE_BLOCK_SIZE,
        )


class PythonRegistryKey(Key):
    __slots__ = ("_hive", "_name", "_nk", "_path")

    def __init__(self, hive: PythonRegistryHive, nk: Any, parent_path: str | None) -> None:
        self._hive = hive
        self._nk = nk
        with self._guard("reading a key name"):
            self._name = _record_name(nk, 0x48, 0x4C, nk.unpack_word(0x2) & _KEY_COMP_NAME)
        self._path = "" if parent_path is None else join_path(parent_path, self._name)

    def _guard(self, what: str) -> Any:
        return self._hive._ctx.guard(what, cell=self._nk.offset() - 4 - BASE_BLOCK_SIZE)

    @property
    def name(self) -> str:
        return self._name

    @property
    def path(self) -> str:
        return self._path

    @property
    def provenance(self) -> Provenance:
        return self._hive.provenance(self._nk)

    @property
    def last_written(self) -> int | None:
        with self._guard("reading a key's last-written time"):
            return int(self._nk.unpack_qword(0x4))

    @property
    def class_name(self) -> str | None:
        with self._guard("reading a key's class name"):
            if not self._nk.has_classname():
                return None
            text: str = self._nk.classname()
            return text

    def subkeys(self) -> Iterator[PythonRegistryKey]:
        with self._guard("reading the subkey list"):
            if self._nk.subkey_number() == 0:
                return
            records = iter(self._nk.subkey_list().keys())
        while True:
            with self._guard("reading a subkey"):
                nk = next(records, None)
            if nk is None:
                return
            yield PythonRegistryKey(self._hive, nk, self._path)

    def values(self) -> Iterator[PythonRegistryValue]:
        with self._guard("reading the value list"):
            if self._nk.values_number() == 0:
                return
            records = iter(self._nk.values_list().values())
        while True:
            with self._guard("reading a value"):
                vk = next(records, None)
            if vk is None:
                return
            yield PythonRegistryValue(self._hive, vk)


class PythonRegistryValue(Value):
    __slots__ = ("_diagnostics", "_hive", "_name", "_raw", "_type_id", "_vk")

    def __init__(self, hive: PythonRegistryHive, vk: Any) -> None:
        self._hive = hive
        self._vk = vk
        self._raw: bytes | None = None
        self._diagnostics: tuple[Diagnostic, ...] = ()
        with self._guard("reading a value name"):
            if vk.unpack_word(0x2) == 0:
                self._name = ""
            else:
                self._name = _record_name(vk, 0x2, 0x14, vk.unpack_word(0x10) & _VALUE_COMP_NAME)
            self._type_id = int(vk.unpack_dword(0xC))

    def _guard(self, what: str) -> Any:
        return self._hive._ctx.guard(what, cell=self._vk.offset() - 4 - BASE_BLOCK_SIZE)

    @property
    def name(self) -> str:
        return self._name

    @property
    def type_id(self) -> int:
        return self._type_id

    @property
    def raw(self) -> bytes:
        if self._raw is None:
            with self._guard(f"reading the data of value {self._name!r}"):
                self._raw, self._diagnostics = _raw_data(self._vk, self.provenance)
        return self._raw

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        _ = self.raw
        return self._diagnostics

    @property
    def provenance(self) -> Provenance:
        return self._hive.provenance(self._vk)


def _record_name(record: Any, length_at: int, name_at: int, compressed: int) -> str:
    """An nk/vk name, read from the record itself (see :func:`decode_name`)."""
    raw: bytes = record.unpack_binary(name_at, record.unpack_word(length_at))
    return decode_name(raw, bool(compressed))


def _raw_data(vk: Any, provenance: Provenance) -> tuple[bytes, tuple[Diagnostic, ...]]:
    """The stored data bytes, chosen by layout (see the module docstring)."""
    size = int(vk.raw_data_length())
    length = size & ~_INLINE
    where = Location(provenance.source, (provenance.offset or 0) + BASE_BLOCK_SIZE)
    if size & _INLINE:
        if length > 4:
            note = Diagnostic(
                "value.inline_size",
                f"inline data claims {length} bytes; the field holds 4",
                where,
            )
            return bytes(vk.unpack_binary(0x8, 4)), (note,)
        return bytes(vk.unpack_binary(0x8, length)), ()
    if length == 0:
        return b"", ()
    cell = RegistryParse.HBINCell(vk._buf, vk.abs_offset_from_hbin_offset(vk.unpack_dword(0x8)), vk)
    if length > _BIG_DATA_THRESHOLD and cell.data_id() == b"db":
        data = bytes(cell.child().large_data(length))
    else:
        data = bytes(cell.unpack_binary(0x4, length))
        if length > cell.size() - 4:
            note = Diagnostic(
                "value.data_overruns_cell",
                f"data size {length} exceeds its cell ({cell.size() - 4} bytes)",
                where,
            )
            return data, (note,)
    if len(data) < length:
        note = Diagnostic(
            "value.data_short", f"data size {length}, only {len(data)} bytes readable", where
        )
        return data, (note,)
    return data, ()
