"""Telling .reg text from other evidence by its first bytes."""

from __future__ import annotations

import codecs

from hiveparse.sources.regtext.decoding import UTF8, UTF16BE, UTF16LE, bomless_utf16

# "Windows Registry Editor" covers headers of other versions too: the parser then names the
# header it does not read instead of the file being taken for something else.
_HEADERS = ("Windows Registry Editor", "REGEDIT")
_FULL_HEADERS = ("Windows Registry Editor Version 5.00", "REGEDIT4")
_PREFIX_BYTES = 4096
_MIN_CUT_HEADER = 8  # characters of a header cut short, in a file without a byte-order mark


def detect_reg(data_prefix: bytes, *, whole_file: bool = False) -> bool:
    """True when ``data_prefix`` (the first bytes of a file) starts like a .reg file.

    The first line, after a byte-order mark and blanks, must start with ``Windows Registry
    Editor`` or ``REGEDIT`` (case-sensitive, as regedit compares). UTF-16 text without a
    byte-order mark counts too, so that the parser can report it precisely. With
    ``whole_file`` (``data_prefix`` is all the file holds), so does a file that is only the
    start of a header: one cut inside its first line (at least 8 characters of it when there
    is no byte-order mark), which the parser then reports as cut.
    """
    data = data_prefix[:_PREFIX_BYTES]
    bom = True
    if data.startswith(codecs.BOM_UTF16_LE):
        codec, data = UTF16LE, data[2:]
    elif data.startswith(codecs.BOM_UTF16_BE):
        codec, data = UTF16BE, data[2:]
    elif data.startswith(codecs.BOM_UTF8):
        codec, data = UTF8, data[3:]
    else:
        codec, bom = bomless_utf16(data) or "latin-1", False
    text = data.decode(codec, "replace").lstrip(" \t")
    if text.startswith(_HEADERS):
        return True
    # A file cut inside its header line: the start of a header and nothing else (a half
    # character at the cut decodes as U+FFFD).
    cut = text.rstrip("\ufffd")
    return (
        whole_file
        and bool(cut)
        and (bom or len(cut) >= _MIN_CUT_HEADER)
        and any(header.startswith(cut) for header in _FULL_HEADERS)
    )
