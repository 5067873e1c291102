"""regipy behind the registry model, as a second opinion.

Keys come from regipy's ``NKRecord`` and its ``iter_subkeys()`` (lf/lh/li/ri lists); values
are parsed with regipy's own ``VALUE_KEY`` structure. Three regipy behaviours are corrected
here rather than passed on (docs/reference/reliability.md §2.4 items 2 and 3):

* the root key: ``RegistryHive`` takes the first cell of the first hbin as the root and
  never reads the base block's root-cell offset, so it reports one nameless key for a hive
  whose first cell is not the root. The adapter opens the nk cell the base block names;
  a hive whose first cell is another one gets the ``regipy.root_not_first_cell`` note.
* raw data: regipy has no raw-data accessor. ``NKRecord.read_value()`` reads
  ``data_size`` bytes without masking the 0x80000000 "inline" flag, so every inline value
  copies from a bogus offset to the end of the file (258,044 bytes for a 0-byte value in
  SAM; 144 s for an 11.7 MB SYSTEM). The adapter takes inline data from the offset field
  (leading bytes, as Windows stores them) and calls ``read_value()`` only for data that
  lives in a cell, reassembling big data with regipy's ``_parse_indirect_block()``.
  ``iter_values()`` is bypassed: it drops type 0x200000, renames the default value
  "(default)" and returns decoded data without the type id.
* names: compressed names are decoded as Latin-1, not as ASCII with U+FFFD (which made
  distinct names equal); UTF-16 names keep unpaired surrogates instead of replacing them.

Reading is lazy: keys and values are wrapped as they are reached.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from regipy import registry as _registry
from regipy import structs as _structs

from hiveparse.engines._adapter import (
    BASE_BLOCK_SIZE,
    ErrorContext,
    decode_name,
    guess_hive_type,
    read_evidence,
)
from hiveparse.errors import CorruptStructure, Diagnostic, Location, Severity
from hiveparse.model import (
    EvidenceFormat,
    Hive,
    HiveType,
    Key,
    Provenance,
    Value,
    join_path,
)

ENGINE = "regipy"

_INLINE = 0x80000000
_BIG_DATA_THRESHOLD = 0x3FD8
_LIST_SIGNATURES = (b"lf", b"lh", b"li", b"ri")
_NK_FIXED = 4 + 2 + 74  # cell size, "nk", then the fixed part regipy's CM_KEY_NODE reads

# regipy's functions carry no annotations; its modules are used as untyped objects.
_rg: Any = _registry
_rs: Any = _structs

# regipy logs at INFO/ERROR from library code; the adapter reports through diagnostics.
logging.getLogger("regipy").setLevel(logging.CRITICAL)


def open_with_regipy(path: str | os.PathLike[str]) -> Hive:
    """Open ``path`` with regipy. Raises only :mod:`hiveparse.errors` types."""
    source = os.fspath(path)
    data = read_evidence(source, ENGINE)
    ctx = ErrorContext(source, ENGINE, data)
    with ctx.guard("opening the hive"), _readable_copy(data, source) as readable:
        # RegistryHive reads the path it is given, whole; it gets the bytes already read
        # (the counted hive bins, never a huge tail; the evidence is not opened again,
        # so its access time stays). What it parses first is its own idea of the root (the
        # first cell), which is checked against the base block below.
        hive = _rg.RegistryHive(readable)
        root_cell = int(hive.header.root_key_offset)
        embedded = str(hive.header.file_name)
    return RegipyHive(hive, ctx, root_cell, guess_hive_type(embedded))


@contextmanager
def _readable_copy(data: bytes, source: str) -> Iterator[str]:
    """A path that reads as ``data``: an anonymous in-memory file where the system has one
    (Linux ``memfd_create``; nothing is written to any disk), else the evidence itself."""
    create = getattr(os, "memfd_create", None)
    if create is None or not Path("/proc/self/fd").is_dir():
        yield source
        return
    fd = create("hiveparse-regipy", getattr(os, "MFD_CLOEXEC", 0))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        yield f"/proc/self/fd/{fd}"
    finally:
        os.close(fd)


class RegipyHive(Hive):
    def __init__(self, hive: Any, ctx: ErrorContext, root_cell: int, hive_type: HiveType) -> None:
        self._hive = hive
        self._stream = hive._stream
        self._view = memoryview(hive._stream.getbuffer())
        self._ctx = ctx
        self._root_cell = root_cell
        self._hive_type = hive_type
        self._diagnostics: list[Diagnostic] = []
        first = self._first_cell()
        if first is not None and first != root_cell:
            self._diagnostics.append(
                Diagnostic(
                    "regipy.root_not_first_cell",
                    f"regipy's own root is the first cell (0x{first:x}); the base block names "
                    f"0x{root_cell:x}, which is used",
                    Location(ctx.source, BASE_BLOCK_SIZE + root_cell),
                    Severity.INFO,
                )
            )

    def _first_cell(self) -> int | None:
        # The first allocated cell after the first hbin header (what RegistryHive took).
        offset = 0x20
        while BASE_BLOCK_SIZE + offset + 4 <= len(self._view):
            (size,) = struct.unpack_from("<i", self._view, BASE_BLOCK_SIZE + offset)
            if size < 0:
                return offset
            if size == 0:
                return None
            offset += size
        return None

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

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self._diagnostics

    def root(self) -> RegipyKey:
        return self.key_at(self._root_cell, None)

    def key_at(self, cell: int, parent_path: str | None) -> RegipyKey:
        """The nk record in ``cell`` (an offset relative to the first hbin)."""
        with self._ctx.guard("reading a key", cell=cell):
            self.check_signature(cell, b"nk")
            nk = _rg.NKRecord(
                _rg.Cell(offset=BASE_BLOCK_SIZE + cell + 6, cell_type="nk", size=0), self._stream
            )
        return RegipyKey(self, nk, cell, parent_path)

    def check_signature(self, cell: int, signature: bytes) -> None:
        # regipy does not look at record signatures before parsing a cell.
        at = BASE_BLOCK_SIZE + cell + 4
        found = bytes(self._view[at : at + 2])
        if found != signature:
            raise CorruptStructure(
                f"expected a {signature.decode()!r} cell, found {found!r}",
                source=self._ctx.source,
                offset=at,
                engine=ENGINE,
            )

    def provenance(self, cell: int) -> Provenance:
        return Provenance(
            source=self._ctx.source,
            format=EvidenceFormat.REGF,
            engine=ENGINE,
            hive_type=self._hive_type,
            offset=cell,
        )


class RegipyKey(Key):
    __slots__ = ("_cell", "_hive", "_name", "_nk", "_path")

    def __init__(self, hive: RegipyHive, nk: Any, cell: int, parent_path: str | None) -> None:
        self._hive = hive
        self._nk = nk
        self._cell = cell
        header = nk.header
        with hive._ctx.guard("decoding a key name", cell=cell):
            self._name = decode_name(bytes(header.key_name_string), header.flags.KEY_COMP_NAME)
        self._path = "" if parent_path is None else join_path(parent_path, self._name)

    def _guard(self, what: str) -> Any:
        return self._hive._ctx.guard(what, cell=self._cell)

    @property
    def name(self) -> str:
        return self._name

    @property
    def path(self) -> str:
        return self._path

    @property
    def provenance(self) -> Provenance:
        return self._hive.provenance(self._cell)

    @property
    def last_written(self) -> int | None:
        return int(self._nk.header.last_modified)

    @property
    def class_name(self) -> str | None:
        if not self._nk.header.class_name_size:
            return None
        with self._guard("reading a key's class name"):
            text: str = self._nk.get_class_name()
            return text

    def subkeys(self) -> Iterator[RegipyKey]:
        header = self._nk.header
        if not header.subkey_count:
            return
        stream = self._hive._stream
        with self._guard("reading the subkey list"):
            # iter_subkeys() silently yields nothing for a list of unknown kind.
            list_cell = int(header.subkeys_list_offset)
            at = BASE_BLOCK_SIZE + list_cell + 4
            if bytes(self._hive._view[at : at + 2]) not in _LIST_SIGNATURES:
                self._hive.check_signature(list_cell, b"lf")
            records = iter(self._nk.iter_subkeys())
        while True:
            with self._guard("reading a subkey"):
                nk = next(records, None)
                if nk is None:
                    return
                # iter_subkeys() does not say where the record was; the generator stops
                # right after parsing it, so the stream is at the end of its name.
                cell = stream.tell() - BASE_BLOCK_SIZE - _NK_FIXED - nk.header.key_name_size
                self._hive.check_signature(cell, b"nk")
            yield RegipyKey(self._hive, nk, cell, self._path)

    def values(self) -> Iterator[RegipyValue]:
        count = int(self._nk.header.values_count)
        if count == 0:
            return
        stream = self._hive._stream
        with self._guard("reading the value list"):
            stream.seek(BASE_BLOCK_SIZE + 4 + self._nk.header.values_list_offset)
            table = stream.read(4 * count)
            if len(table) < 4 * count:
                raise struct.error(f"value list of {count} entries runs past the end of the file")
            cells = struct.unpack(f"<{count}I", table)
        for cell in cells:
            with self._hive._ctx.guard("reading a value", cell=cell):
                self._hive.check_signature(cell, b"vk")
                stream.seek(BASE_BLOCK_SIZE + cell + 4)
                vk = _rs.VALUE_KEY.parse_stream(stream)
            yield RegipyValue(self._hive, vk, cell)


class RegipyValue(Value):
    __slots__ = ("_cell", "_diagnostics", "_hive", "_name", "_raw", "_vk")

    def __init__(self, hive: RegipyHive, vk: Any, cell: int) -> None:
        self._hive = hive
        self._vk = vk
        self._cell = cell
        self._raw: bytes | None = None
        self._diagnostics: tuple[Diagnostic, ...] = ()
        with hive._ctx.guard("decoding a value name", cell=cell):
            self._name = decode_name(bytes(vk.name), vk.flags.VALUE_COMP_NAME)

    @property
    def name(self) -> str:
        return self._name

    @property
    def type_id(self) -> int:
        return int(self._vk.data_type)

    @property
    def raw(self) -> bytes:
        if self._raw is None:
            what = f"reading the data of value {self._name!r}"
            with self._hive._ctx.guard(what, cell=self._cell):
                self._raw = self._read()
        return self._raw

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        _ = self.raw
        return self._diagnostics

    @property
    def provenance(self) -> Provenance:
        return self._hive.provenance(self._cell)

    def _note(self, code: str, message: str) -> None:
        where = Location(self._hive.source, BASE_BLOCK_SIZE + self._cell)
        self._diagnostics = (*self._diagnostics, Diagnostic(code, message, where))

    def _read(self) -> bytes:
        vk = self._vk
        size = int(vk.data_size)
        length = size & ~_INLINE
        if size & _INLINE:
            # The data is the offset field itself; regipy's read_value() would seek to it.
            if length > 4:
                self._note("value.inline_size", f"inline data claims {length} bytes, not <= 4")
                length = 4
            return struct.pack("<I", vk.data_offset)[:length]
        if length == 0:
            return b""
        stream = self._hive._stream
        record = _rg.NKRecord.read_value(vk, stream)
        data = bytes(record.value)
        if length > _BIG_DATA_THRESHOLD and data[:2] == b"db":
            data = bytes(_rg.NKRecord._parse_indirect_block(stream, record))
        if len(data) < length:
            self._note("value.data_short", f"data size {length}, only {len(data)} bytes readable")
        return data
