"""REGEDIT4 string payloads: ANSI bytes in the file, UTF-16LE in the registry.

regedit 4 wrote REG_SZ, REG_EXPAND_SZ and REG_MULTI_SZ data that had to be given as hex
(``hex(1)``, ``hex(2)``, ``hex(7)``) as the *ANSI* bytes of the text, one byte per character.
On import regedit appends a NUL when the data does not end with one and converts the bytes
with the ANSI code page into the UTF-16LE the registry stores (Wine ``programs/reg/import.c``,
``prepare_hex_string_data``; Wine tests Wine44i, Wine66, Wine67). Version 5 files hold the
UTF-16LE bytes directly, so this conversion applies only to files with the REGEDIT4 header.
"""

from __future__ import annotations

from hiveparse.sources.regtext.decoding import DEFAULT_ANSI_CODEPAGE, decode_ansi

ANSI_STRING_TYPES = frozenset({1, 2, 7})  # REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ


def ansi_payload_to_utf16(type_id: int, raw: bytes, codepage: str = DEFAULT_ANSI_CODEPAGE) -> bytes:
    """The UTF-16LE bytes regedit stores for a REGEDIT4 ``hex(1|2|7)`` payload.

    Other types, and empty data (which regedit writes as it is), come back unchanged.
    """
    if type_id not in ANSI_STRING_TYPES or not raw:
        return raw
    if not raw.endswith(b"\x00"):
        raw += b"\x00"
    return decode_ansi(raw, codepage).encode("utf-16-le", "surrogatepass")
