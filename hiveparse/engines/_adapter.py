"""Plumbing shared by the peer-engine adapters: one error contract and hive-type guessing.

A peer library is untrusted (reliability.md §0): whatever it raises while opening or walking
is turned into a :class:`~hiveparse.errors.EvidenceError` subclass that carries the source,
the engine name and, where known, the file offset of the structure being read. The library's
exception is chained (``raise ... from e``) so that nothing foreign escapes.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager

from hiveparse.errors import (
    CorruptStructure,
    EngineError,
    HiveparseError,
    NotRegf,
    ResourceLimit,
    Truncated,
)
from hiveparse.model import HiveType
from hiveparse.safefiles import open_regular_file

REGF_SIGNATURE = b"regf"
BASE_BLOCK_SIZE = 0x1000  # cell offsets count from the first hbin, which follows it

# Basename of the base block's embedded file name → hive type. The embedded name keeps only
# the last 31 UTF-16 characters of the path, so only the basename is trusted.
_NAME_TYPES: dict[str, HiveType] = {
    "SYSTEM": HiveType.SYSTEM,
    "SOFTWARE": HiveType.SOFTWARE,
    "SECURITY": HiveType.SECURITY,
    "SAM": HiveType.SAM,
    "NTUSER.DAT": HiveType.NTUSER,
    "USRCLASS.DAT": HiveType.USRCLASS,
    "DEFAULT": HiveType.DEFAULT,
    "COMPONENTS": HiveType.COMPONENTS,
    "BCD": HiveType.BCD,
    "AMCACHE.HVE": HiveType.AMCACHE,
    "DRIVERS": HiveType.DRIVERS,
    "ELAM": HiveType.ELAM,
}


def guess_hive_type(embedded_name: str) -> HiveType:
    base = embedded_name.replace("/", "\\").rstrip("\x00").rsplit("\\", 1)[-1].upper()
    return _NAME_TYPES.get(base, HiveType.UNKNOWN)


def decode_name(raw: bytes, compressed: bool) -> str:
    """A key or value name as stored: one Latin-1 byte per character when the record's
    "compressed name" flag is set, else UTF-16LE. Unpaired surrogates are kept
    (``surrogatepass``) so that two names never collapse into one; an odd byte count is a
    ``UnicodeDecodeError``, which the adapters' guards turn into CorruptStructure."""
    if compressed:
        return raw.decode("latin-1")
    return raw.decode("utf-16-le", errors="surrogatepass")


def read_evidence(path: str, engine: str) -> bytes:
    """The file's base block and the hive bins it declares (both libraries read what they
    are given into memory), signature-checked. A tail the base block does not count (a
    valid 12 KB hive with a 3 GiB sparse tail) is not read; where the declared end is not
    plausible the whole file is."""
    try:
        with open_regular_file(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(BASE_BLOCK_SIZE)
            end = declared_end(head)
            wanted = end if BASE_BLOCK_SIZE < end <= size else size
            data = head + handle.read(max(wanted - len(head), 0))
    except OSError as e:
        message = f"cannot read evidence: {e.strerror or e}"
        raise EngineError(message, source=path, engine=engine) from e
    if data[:4] != REGF_SIGNATURE:
        raise NotRegf("no 'regf' signature at offset 0", source=path, offset=0, engine=engine)
    return data


def declared_end(data: bytes) -> int:
    """Where the hive bins end according to the base block (0 when it cannot be read)."""
    if len(data) < 0x2C:
        return 0
    (hbins_size,) = struct.unpack_from("<I", data, 0x28)
    return BASE_BLOCK_SIZE + int(hbins_size)


class ErrorContext:
    """What an adapter knows when a library call fails: where, and which engine."""

    __slots__ = ("declared_end", "engine", "file_size", "source")

    def __init__(self, source: str, engine: str, data: bytes) -> None:
        self.source = source
        self.engine = engine
        self.file_size = len(data)
        self.declared_end = declared_end(data)

    @property
    def truncated(self) -> bool:
        return self.file_size < self.declared_end

    @contextmanager
    def guard(self, what: str, *, cell: int | None = None) -> Iterator[None]:
        """Translate any exception raised inside the block (``what`` names the operation)."""
        try:
            yield
        except HiveparseError:
            raise
        except Exception as e:  # every foreign exception is translated, by design
            raise self.translate(e, what, cell) from e

    def translate(self, exc: BaseException, what: str, cell: int | None) -> HiveparseError:
        offset = None if cell is None else cell + BASE_BLOCK_SIZE
        where = "" if cell is None else f" (cell 0x{cell:x})"
        detail = f"{what}{where}: {type(exc).__name__}: {exc}"
        kind: type[HiveparseError] = CorruptStructure
        if isinstance(exc, RecursionError | MemoryError):
            kind = ResourceLimit
        elif _is_short_read(exc) and self.truncated:
            kind = Truncated
            detail = (
                f"{detail} (file is {self.file_size} bytes, base block announces "
                f"{self.declared_end})"
            )
        elif isinstance(exc, _LIBRARY_BUGS):
            kind = EngineError
        return kind(detail, source=self.source, offset=offset, engine=self.engine)


# Exceptions that say "the library itself broke" rather than "the structure is bad"
# (reliability.md §2.2 counts them among the foreign, ODD escapes).
_LIBRARY_BUGS = (
    AttributeError,
    TypeError,
    NameError,
    NotImplementedError,
    AssertionError,
    RuntimeError,
)


def _is_short_read(exc: BaseException) -> bool:
    """Errors the libraries raise when a read runs past the end of their buffer."""
    name = type(exc).__name__
    return isinstance(exc, struct.error | EOFError | IndexError) or name in {
        "StreamError",
        "ParseException",
        "RegistryParsingException",
    }
