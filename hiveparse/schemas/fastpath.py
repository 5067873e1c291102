"""Compile the fixed-size head of a construct ``Struct`` into a precompiled ``struct.Struct``.

The construct declarations stay the single description of a format; hot paths (walking
hundreds of thousands of cells) unpack with the ``struct`` format derived from them here,
which is an order of magnitude faster than ``Struct.parse``. Only the leading run of
fixed-size fields is compiled; the first field whose size depends on the data ends it.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from typing import Any

import construct

Buffer = bytes | bytearray | memoryview | mmap.mmap


@dataclass(frozen=True)
class FixedLayout:
    """A precompiled head: ``unpack_from`` gives a dict of the named fields."""

    packer: struct.Struct
    names: tuple[str, ...]
    constants: dict[str, bytes]
    offsets: dict[str, int]  # where each named field starts

    @property
    def size(self) -> int:
        return self.packer.size

    def unpack_from(self, buffer: Buffer, offset: int = 0) -> dict[str, Any]:
        return dict(zip(self.names, self.packer.unpack_from(buffer, offset), strict=True))

    def pack(self, fields: dict[str, Any]) -> bytes:
        """The head built from ``fields`` (by name; constants filled in), as construct's
        ``build`` of the same declaration gives it (flags as their integer)."""
        return self.packer.pack(
            *(
                self.constants[name] if name in self.constants else fields[name]
                for name in self.names
            )
        )


def _unwrap(con: Any) -> Any:
    while isinstance(con, construct.Renamed):
        con = con.subcon
    return con


def _field_format(con: Any) -> tuple[str, bytes | None] | None:
    """The struct code of one field (and its constant value), or None if not fixed-size."""
    con = _unwrap(con)
    if isinstance(con, construct.Const):
        inner = _field_format(con.subcon)
        return None if inner is None else (inner[0], con.value)
    if isinstance(con, construct.Enum | construct.FlagsEnum | construct.Default):
        return _field_format(con.subcon)
    if isinstance(con, construct.FormatField):
        return con.fmtstr[1:], None
    if isinstance(con, construct.Bytes) and isinstance(con.length, int):
        return f"{con.length}s", None
    return None


def compile_fixed_head(schema: construct.Struct) -> FixedLayout:
    codes: list[str] = ["<"]
    names: list[str] = []
    constants: dict[str, bytes] = {}
    offsets: dict[str, int] = {}
    for sub in schema.subcons:
        inner = _unwrap(sub)
        if isinstance(inner, construct.Padded) and isinstance(inner.length, int):
            codes.append(f"{inner.length}x")
            continue
        compiled = _field_format(sub)
        if compiled is None:
            break
        code, const = compiled
        offsets[sub.name] = struct.calcsize("".join(codes))
        codes.append(code)
        names.append(sub.name)
        if const is not None:
            constants[sub.name] = const
    return FixedLayout(struct.Struct("".join(codes)), tuple(names), constants, offsets)
