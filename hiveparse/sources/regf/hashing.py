"""The two sums REGF stores: the base-block checksum and the lh subkey-list name hash.

One implementation each, shared by the reader, the writer and log replay.
"""

from __future__ import annotations

import struct

from hiveparse.schemas import regf

_U32 = struct.Struct("<I")


def xor32_checksum(block: bytes | bytearray | memoryview) -> int:
    """XOR of the first 127 little-endian dwords of a base block (spec, "Base block", note 2).

    Windows never stores 0 or 0xFFFFFFFF: those become 1 and 0xFFFFFFFE.
    """
    value = 0
    for (dword,) in _U32.iter_unpack(memoryview(block)[: regf.CHECKSUM_SPAN]):
        value ^= dword
    if value == 0xFFFFFFFF:
        return 0xFFFFFFFE
    return 1 if value == 0 else value


def upcase_units(name: str) -> tuple[int, ...]:
    """The name as upper-cased UTF-16 code units, one to one as RtlUpcaseUnicodeChar maps them."""
    units = name.encode("utf-16-le", "surrogatepass")
    out: list[int] = []
    for i in range(0, len(units), 2):
        unit = units[i] | (units[i + 1] << 8)
        if not 0xD800 <= unit <= 0xDFFF:
            upper = chr(unit).upper()
            if len(upper) == 1 and ord(upper) <= 0xFFFF:
                unit = ord(upper)
        out.append(unit)
    return tuple(out)


def lh_name_hash(name: str) -> int:
    """The lh element hash: H = 37 * H + C over the upper-cased name ("Hash leaf")."""
    value = 0
    for unit in upcase_units(name):
        value = (value * 37 + unit) & 0xFFFFFFFF
    return value
