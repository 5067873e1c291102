"""Writing keys as the .reg text that regedit.exe's "Export" writes.

Two formats, as regedit offers them:

* **Version 5** (default): UTF-16LE with a BOM (``FF FE``), CRLF line ends, header
  ``Windows Registry Editor Version 5.00``.
* **REGEDIT4** (``regedit4=True``): ANSI (cp1252, strict), CRLF, no BOM, header ``REGEDIT4``.

Layout, byte for byte as regedit writes it: the header line; then for every key a blank
line, ``[full\\path]`` and one line per value in stored order; then one closing blank line.
Keys come depth first in stored order (regedit walks subkeys as RegEnumKeyEx lists them;
we keep the hive's stored order). Key paths are written verbatim, ``]`` and all.

Values:

* name: ``@`` for the default value, else ``"name"`` with ``\\`` and ``"`` escaped;
* REG_SZ: ``"text"`` with ``\\`` and ``"`` escaped, **only** when the text form is lossless
  (see :func:`sz_text`); otherwise ``hex(1):`` with the stored bytes. Regedit itself would
  drop data after the first NUL and write line breaks raw (which breaks the file);
* REG_DWORD of exactly 4 bytes: ``dword:%08x``; any other size: ``hex(4):``;
* REG_BINARY: ``hex:``; every other type: ``hex(N):`` with N in lowercase hex without
  leading zeros (``hex(0)``, ``hex(2)``, ``hex(7)``, ``hex(b)``, ``hex(ffff0011)``).

Hex wrapping (regedit's rule; Wine's and ReactOS's regedit ``export_hex_data`` implement
the same with ``MAX_HEX_CHARS``/``REG_FILE_HEX_LINE_LEN`` = 77): the column starts at the
length of the ``"name"=hex(N):`` prefix; each byte but the last is written as ``xx,`` and
adds 3; as soon as the column is >= 77 the line ends with ``\\`` and the next one starts
with two spaces (column 2). The last byte has no comma and never wraps. So a continuation
line carries 25 bytes, and no line exceeds 80 characters while the prefix is shorter than 77
(a prefix of 74 or more characters still gets one byte before the first break). Column
counts are UTF-16 units, as regedit counts WCHARs. Quoted strings and dwords never wrap.

REGEDIT4 specifics (regedit converts with WideCharToMultiByte; we use strict cp1252 and
never substitute ``?``):

* REG_SZ is quoted when lossless and cp1252-encodable, else ``hex(1):`` with the stored
  UTF-16 bytes;
* REG_EXPAND_SZ and REG_MULTI_SZ data are written as their ANSI bytes, one byte per
  UTF-16 unit, NULs included (as regedit does) when the data is well-formed UTF-16 that
  cp1252 can encode; otherwise the stored UTF-16 bytes are kept as ``hex(2)``/``hex(7)``.
  A REGEDIT4 reader cannot tell the two apart: export version 5 for evidence;
* a key path or value name that cp1252 cannot encode raises :class:`UsageError` (the
  bytes written so far stay in ``out``).

Known limits, shared with regedit: key paths and value names are written verbatim, so a
name holding CR or LF (possible in a crafted hive) yields a file no reader takes back as it
was; an unpaired surrogate in a version-5 name is written as its raw UTF-16 unit.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import BinaryIO

from hiveparse.errors import Diagnostic, UsageError
from hiveparse.model import Key, ValueType, WalkBudget, walk
from hiveparse.sources.regtext.decoding import CP1252_HANDLER

REGEDIT5_HEADER = "Windows Registry Editor Version 5.00"
REGEDIT4_HEADER = "REGEDIT4"
UTF16_BOM = b"\xff\xfe"
ANSI_CODEC = "cp1252"
CRLF = "\r\n"

# After a "xx," the line breaks once the column reaches this (regedit; Wine MAX_HEX_CHARS).
HEX_WRAP_COLUMN = 77
_CONTINUATION_INDENT = 2

_MAX_TYPE_ID = 0xFFFFFFFF


def export_reg(
    key: Key,
    mount: str,
    out: BinaryIO,
    *,
    regedit4: bool = False,
    recursive: bool = True,
    budget: WalkBudget | None = None,
) -> None:
    """Write ``key`` (and, when ``recursive``, its subtree) to ``out`` as regedit exports it.

    Paths are written as ``mount + "\\" + key.path`` (just ``mount`` for a hive root), e.g.
    mount ``HKEY_LOCAL_MACHINE\\SYSTEM``. Output is streamed piece by piece while the tree
    is walked (iteratively, with :func:`hiveparse.model.walk` and ``budget``).
    """
    export_reg_many([(key, mount)], out, regedit4=regedit4, recursive=recursive, budget=budget)


def export_reg_many(
    items: Sequence[tuple[Key, str]],
    out: BinaryIO,
    *,
    regedit4: bool = False,
    recursive: bool = True,
    budget: WalkBudget | None = None,
    notes: list[Diagnostic] | None = None,
) -> None:
    """Several (key, mount) subtrees in one .reg file: one header, then each subtree.

    Where the walk budget cuts a subtree, a diagnostic goes to ``notes``."""
    if not regedit4:
        out.write(UTF16_BOM)
    pieces = _iter_many(items, regedit4=regedit4, recursive=recursive, budget=budget, notes=notes)
    for piece in pieces:
        out.write(_encode(piece, regedit4=regedit4))


def export_reg_bytes(
    key: Key,
    mount: str,
    *,
    regedit4: bool = False,
    recursive: bool = True,
    budget: WalkBudget | None = None,
) -> bytes:
    """:func:`export_reg` into memory, for small exports and tests."""
    buffer = io.BytesIO()
    export_reg(key, mount, buffer, regedit4=regedit4, recursive=recursive, budget=budget)
    return buffer.getvalue()


def iter_reg_text(
    key: Key,
    mount: str,
    *,
    regedit4: bool = False,
    recursive: bool = True,
    budget: WalkBudget | None = None,
) -> Iterator[str]:
    """The export as text pieces (before encoding and without the BOM), in file order."""
    return _iter_many(
        [(key, mount)], regedit4=regedit4, recursive=recursive, budget=budget, notes=None
    )


def _iter_many(
    items: Sequence[tuple[Key, str]],
    *,
    regedit4: bool,
    recursive: bool,
    budget: WalkBudget | None,
    notes: list[Diagnostic] | None,
) -> Iterator[str]:
    yield (REGEDIT4_HEADER if regedit4 else REGEDIT5_HEADER) + CRLF
    for key, mount in items:
        keys = walk(key, budget, notes) if recursive else iter((key,))
        for current in keys:
            yield f"{CRLF}[{full_key_path(mount, current.path)}]{CRLF}"
            for value in current.values():
                yield from iter_value_text(value.name, value.type_id, value.raw, regedit4=regedit4)
    # regedit closes the file with one more CRLF, so the last key is followed by a blank line.
    yield CRLF


def full_key_path(mount: str, path: str) -> str:
    """``mount\\path`` as it appears between the brackets (verbatim, nothing escaped)."""
    if mount and path:
        return f"{mount}\\{path}"
    return mount or path


def format_value(name: str, type_id: int, raw: bytes, *, regedit4: bool = False) -> str:
    """One value's complete text, continuation lines and final CRLF included."""
    return "".join(iter_value_text(name, type_id, raw, regedit4=regedit4))


def iter_value_text(
    name: str, type_id: int, raw: bytes, *, regedit4: bool = False
) -> Iterator[str]:
    """One value's text in pieces (one physical line each, the last ending with CRLF)."""
    if not 0 <= type_id <= _MAX_TYPE_ID:
        raise UsageError(f"value {name!r}: type id {type_id} is not a 32-bit unsigned number")
    prefix = "@=" if name == "" else f'"{escape_string(name)}"='
    if type_id == ValueType.REG_SZ:
        text = sz_text(raw, ansi=regedit4)
        if text is not None:
            yield f'{prefix}"{escape_string(text)}"{CRLF}'
            return
    elif type_id == ValueType.REG_DWORD and len(raw) == 4:
        yield f"{prefix}dword:{int.from_bytes(raw, 'little'):08x}{CRLF}"
        return
    elif regedit4 and type_id in (ValueType.REG_EXPAND_SZ, ValueType.REG_MULTI_SZ):
        # REGEDIT4 holds these strings as ANSI bytes (regedit converts the whole buffer).
        ansi = ansi_string_bytes(raw)
        if ansi is not None:
            raw = ansi
    hex_prefix = prefix + ("hex:" if type_id == ValueType.REG_BINARY else f"hex({type_id:x}):")
    yield from _hex_lines(hex_prefix, raw)


def escape_string(text: str) -> str:
    """Escape a value name or REG_SZ text as regedit does: only ``\\`` and ``"``."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def sz_text(raw: bytes, *, ansi: bool = False) -> str | None:
    """The text of a REG_SZ when writing it quoted loses nothing, else None.

    Quoted only when the data is well-formed UTF-16LE (even length, no unpaired
    surrogate) ending in exactly one NUL, with no other NUL and no CR or LF (regedit writes
    line breaks raw, which no reader can take back), and, for REGEDIT4, encodable in
    cp1252. Everything else (empty data included) is written as ``hex(1):``.
    """
    if len(raw) < 2 or len(raw) % 2:
        return None
    try:
        text = raw.decode("utf-16-le")
    except UnicodeDecodeError:
        return None
    if not text.endswith("\x00"):
        return None
    text = text[:-1]
    if "\x00" in text or "\r" in text or "\n" in text:
        return None
    if ansi and not _encodes(text, ANSI_CODEC):
        return None
    return text


def ansi_string_bytes(raw: bytes) -> bytes | None:
    """REG_EXPAND_SZ/REG_MULTI_SZ data as REGEDIT4 writes it: one cp1252 byte per UTF-16 unit.

    None when the data is not well-formed UTF-16LE or cp1252 cannot encode it (the caller
    keeps the stored bytes then). Empty data stays empty.
    """
    if len(raw) % 2:
        return None
    try:
        return raw.decode("utf-16-le").encode(ANSI_CODEC, CP1252_HANDLER)
    except (UnicodeDecodeError, UnicodeEncodeError):
        return None


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units (regedit counts WCHARs; astral characters count 2)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _hex_lines(prefix: str, data: bytes) -> Iterator[str]:
    """``prefix`` and ``data`` as comma-separated hex, wrapped by regedit's rule.

    Equivalent to the per-byte rule in the module docstring: a line takes the fewest
    bytes k >= 1 for which ``column + 3k >= 77``, unless the remaining bytes fit (the last
    byte never wraps); continuation lines start at column 2, so they take 25 bytes.
    """
    count = len(data)
    if count == 0:
        yield prefix + CRLF
        return
    lead = prefix
    per_line = _bytes_before_break(utf16_length(prefix))
    pos = 0
    while count - pos > per_line:
        yield lead + data[pos : pos + per_line].hex(",") + ",\\" + CRLF
        pos += per_line
        lead = " " * _CONTINUATION_INDENT
        per_line = _bytes_before_break(_CONTINUATION_INDENT)  # 25
    yield lead + data[pos:].hex(",") + CRLF


def _bytes_before_break(column: int) -> int:
    """How many ``xx,`` fit from ``column`` until the column is >= 77 (at least one)."""
    return max(1, -(-(HEX_WRAP_COLUMN - column) // 3))


def _encodes(text: str, codec: str) -> bool:
    try:
        text.encode(codec, CP1252_HANDLER)
    except UnicodeEncodeError:
        return False
    return True


def _encode(piece: str, *, regedit4: bool) -> bytes:
    if not regedit4:
        # Names are WCHAR strings: an unpaired surrogate in a key or value name is written
        # as the code unit regedit would write (value data never gets here unpaired).
        return piece.encode("utf-16-le", "surrogatepass")
    try:
        return piece.encode(ANSI_CODEC, CP1252_HANDLER)
    except UnicodeEncodeError as e:
        raise UsageError(
            f"REGEDIT4 (cp1252) cannot represent {piece.strip()!r}: export as version 5"
        ) from e
