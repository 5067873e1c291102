"""Decoding value data by its type, keeping the raw bytes authoritative.

Decoding never invents: data that does not fit its type (a 3-byte REG_DWORD, an odd-length
string) is returned as bytes with a diagnostic code, and the caller keeps ``raw`` beside it.
"""

from __future__ import annotations

import struct
from typing import Final, NamedTuple

from hiveparse.errors import printable

DecodedValue = str | list[str] | int | bytes | None

_REG_SZ: Final = 1
_REG_EXPAND_SZ: Final = 2
_REG_DWORD: Final = 4
_REG_DWORD_BE: Final = 5
_REG_LINK: Final = 6
_REG_MULTI_SZ: Final = 7
_REG_QWORD: Final = 11


_STRING_TYPES: Final = frozenset((_REG_SZ, _REG_EXPAND_SZ, _REG_LINK))
_U32_LE: Final = struct.Struct("<I").unpack
_U32_BE: Final = struct.Struct(">I").unpack
_U64_LE: Final = struct.Struct("<Q").unpack
_new_tuple: Final = tuple.__new__


class Decoded(NamedTuple):
    value: DecodedValue
    problem: str | None = None  # a stable code such as "value.dword_size" when data did not fit


def decode_utf16_string(raw: bytes) -> tuple[str, str | None]:
    """A REG_SZ as Windows reads it: UTF-16LE up to the first NUL character.

    Returns the text and a problem code for odd lengths or unpaired surrogates (which are
    kept as U+FFFD, never dropped).
    """
    problem = None
    data = raw
    if len(data) % 2:
        problem = "value.string_odd_length"
        data = data[:-1]
    try:
        text = data.decode("utf-16-le")
    except UnicodeDecodeError:
        text = data.decode("utf-16-le", errors="replace")
        problem = problem or "value.string_bad_utf16"
    nul = text.find("\x00")
    if nul < 0:
        return text, problem
    if problem is None and text[nul:].strip("\x00"):
        # Data after the terminator is invisible in regedit: a known hiding place.
        problem = "value.string_trailing_data"
    return text[:nul], problem


def decode_multi_sz(raw: bytes) -> tuple[list[str], str | None]:
    """REG_MULTI_SZ: NUL-separated strings ended by an empty string."""
    problem = None
    data = raw
    if len(data) % 2:
        problem = "value.string_odd_length"
        data = data[:-1]
    text = data.decode("utf-16-le", errors="replace")
    if text.endswith("\x00\x00"):
        text = text[:-2]
    elif text.endswith("\x00"):
        text = text[:-1]
    elif text:
        problem = problem or "value.multi_sz_unterminated"
    items = text.split("\x00") if text else []
    return items, problem


def decode_value(type_id: int, raw: bytes) -> Decoded:
    """The value as its type says, with a problem code when the data does not fit."""
    return _new_tuple(Decoded, decode_pair(type_id, raw))


def decode_pair(type_id: int, raw: bytes) -> tuple[DecodedValue, str | None]:
    """:func:`decode_value` as a plain (value, problem) pair: the hot path of full walks."""
    if type_id in _STRING_TYPES:
        return decode_utf16_string(raw)
    if type_id == _REG_DWORD:
        return (_U32_LE(raw)[0], None) if len(raw) == 4 else (raw, "value.dword_size")
    if type_id == _REG_MULTI_SZ:
        return decode_multi_sz(raw)
    if type_id == _REG_DWORD_BE:
        return (_U32_BE(raw)[0], None) if len(raw) == 4 else (raw, "value.dword_size")
    if type_id == _REG_QWORD:
        return (_U64_LE(raw)[0], None) if len(raw) == 8 else (raw, "value.qword_size")
    return raw, None


def show_value(decoded: object, *, limit: int = 80) -> str:
    """A decoded value for a sentence: strings in double quotes as they are (no escaped
    backslashes), lists comma separated, bytes as hex, numbers in decimal; control
    characters escaped; long text cut with an ellipsis."""
    if decoded is None:
        text = "nothing"
    elif isinstance(decoded, bytes | bytearray):
        text = f"hex {bytes(decoded).hex()}"
    elif isinstance(decoded, str):
        text = f'"{decoded.rstrip(chr(0))}"'
    elif isinstance(decoded, list | tuple):
        text = "[" + ", ".join(show_value(item, limit=limit) for item in decoded) + "]"
    else:
        text = str(decoded)
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."
