"""Telling .reg text from other evidence by its first bytes."""

from __future__ import annotations

import codecs

from hiveparse.sources.regtext.decoding import UTF8, UTF16BE, UTF16LE, bomless_utf16

_HEADERS = ("Windows Registry Editor Version 5.00", "REGEDIT")
_PREFIX_BYTES = 4096


def detect_reg(data_prefix: bytes) -> bool:
    """True when ``data_prefix`` (the first bytes of a file) starts like a .reg file.

    The first line, after a byte-order mark and blanks, must start with ``Windows Registry
    Editor Version 5.00`` or ``REGEDIT`` (case-sensitive, as regedit compares). UTF-16 text
    without a byte-order mark counts too, so that the parser can report it precisely.
    """
    data = data_prefix[:_PREFIX_BYTES]
    if data.startswith(codecs.BOM_UTF16_LE):
        codec, data = UTF16LE, data[2:]
    elif data.startswith(codecs.BOM_UTF16_BE):
        codec, data = UTF16BE, data[2:]
    elif data.startswith(codecs.BOM_UTF8):
        codec, data = UTF8, data[3:]
    else:
        codec = bomless_utf16(data) or "latin-1"
    text = data.decode(codec, "replace").lstrip(" \t")
    return text.startswith(_HEADERS)
