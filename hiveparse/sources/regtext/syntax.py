"""The pieces of a .reg line: key names, quoted strings, ``dword:`` and ``hex`` data.

Each rule takes the line and a position and returns what it read, or raises
:class:`LineError` with the 1-based column of the offending character. The rules follow
Windows' behaviour as Wine's conformance tests record it (``programs/reg/tests/import.c``)
and Wine's parser (``programs/reg/import.c``), cited per rule; where a rule is ours alone the
docstring says so. Numbers are validated by hand: ``int(x, 16)`` would accept ``0x12``,
``" 12 "``, ``1_2`` and nine digits, all of which regedit rejects (reliability.md §3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hiveparse.model import MAX_KEY_DEPTH
from hiveparse.paths import canonical_root

BLANKS = " \t"

REG_SZ = 1
REG_BINARY = 3
REG_DWORD = 4

_BLANK_RUN = re.compile(r"[ \t]*")
_HEX_DIGITS = re.compile(r"[0-9A-Fa-f]+")
# The common shape of a hex fragment: two-digit bytes, commas, maybe "\" after a comma.
_HEX_SIMPLE = re.compile(r"((?:[0-9A-Fa-f]{2},)*(?:[0-9A-Fa-f]{2})?)(\\?)")
# Every valid fragment: one-digit bytes, blanks before bytes, trailing comma, comments.
_HEX_RELAXED = re.compile(
    r"((?:[ \t]*[0-9A-Fa-f]{1,2},)*)"
    r"(?:([ \t]*[0-9A-Fa-f]{1,2})[ \t]*(?:;.*)?"  # a last byte without a comma
    r"|[ \t]*(\\)[ \t]*(?:;.*)?"  # a continuation, after a comma or alone
    r"|[ \t]*(?:;.*)?)"  # nothing more: empty data or a trailing comma
)
_HEX_BYTE = re.compile(r"[0-9A-Fa-f]{1,2}")
_DWORD = re.compile(r"[ \t]*([0-9A-Fa-f]{1,8})[ \t]*(?:;.*)?")
_HEX_TYPE = re.compile(r"hex(?:\(([0-9A-Fa-f]+)\))?:")
# The start of a type tag that the line ends inside: "d", "dwor", "hex", "hex(2", "hex(2)".
_TYPE_TAG_START = re.compile(r"d(?:w(?:o(?:r(?:d)?)?)?)?|h(?:e(?:x(?:\([0-9A-Fa-f]*\)?)?)?)?")


_MAX_NOTES = 10  # notes of one kind kept per string


class LineError(Exception):
    """A line regedit would reject: ``column`` is 1-based, ``code`` a diagnostic code.

    ``at_end`` says that the line ended before what it started was closed (an open quote,
    no ``]``, nothing after ``=``, ``dwo``...): on the last line of a file without a line
    break, that is where the file was cut.
    """

    def __init__(
        self, column: int, message: str, code: str = "reg.syntax", *, at_end: bool = False
    ) -> None:
        super().__init__(message)
        self.column = column
        self.message = message
        self.code = code
        self.at_end = at_end


@dataclass(frozen=True, slots=True)
class Note:
    """Something regedit accepts but worth a diagnostic (an unknown escape, ...)."""

    column: int
    code: str
    message: str


def skip_blanks(text: str, pos: int) -> int:
    if pos < len(text) and text[pos] in BLANKS:
        return _BLANK_RUN.match(text, pos).end()  # type: ignore[union-attr]  # always matches
    return pos


def brief_path(path: str, limit: int = 300) -> str:
    """A key path for messages, shortened in the middle when it is very long."""
    if len(path) <= limit:
        return path
    return f"{path[: limit // 2]}...{path[-limit // 2 :]}"


def brief(text: str, limit: int = 60) -> str:
    """``repr(text)``, shortened for messages: a name may be megabytes long."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} chars)"


def rest_is_comment(text: str, pos: int) -> bool:
    """True when only blanks, or blanks and a ``;`` comment, follow ``pos``."""
    pos = skip_blanks(text, pos)
    return pos >= len(text) or text[pos] == ";"


# -- quoted strings ---------------------------------------------------------------------


def unescape(text: str, pos: int, what: str) -> tuple[str, int, list[Note] | None]:
    """Read a quoted string whose opening quote is just before ``pos``.

    Returns the text, the position after the closing quote and any notes. Escapes (Wine's
    ``unescape_string``): ``\\\\`` and ``\\"``; ``\\n`` and ``\\r`` give LF and CR; ``\\0``
    makes Windows reject the line (Wine test Wine70); any other ``\\c`` gives ``c`` with a
    note, as Wine does. ``what`` names the string in messages ("value name", "string").
    """
    quote = text.find('"', pos)
    backslash = text.find("\\", pos)
    if backslash < 0 or 0 <= quote < backslash:
        if quote < 0:
            raise LineError(pos, f"unterminated {what}: no closing '\"'", at_end=True)
        return text[pos:quote], quote + 1, None
    start = pos
    parts: list[str] = []
    notes: list[Note] | None = None
    n = len(text)
    while True:
        if 0 <= quote < pos:  # find each quote once, or a line of backslashes is quadratic
            quote = text.find('"', pos)
        backslash = text.find("\\", pos)
        if backslash < 0 or 0 <= quote < backslash:
            if quote < 0:
                raise LineError(start, f"unterminated {what}: no closing '\"'", at_end=True)
            parts.append(text[pos:quote])
            return "".join(parts), quote + 1, notes
        parts.append(text[pos:backslash])
        if backslash + 1 >= n:
            raise LineError(start, f"unterminated {what}: the line ends after '\\'", at_end=True)
        escaped = text[backslash + 1]
        if escaped in '\\"':
            parts.append(escaped)
        elif escaped == "n":
            parts.append("\n")
        elif escaped == "r":
            parts.append("\r")
        elif escaped == "0":
            raise LineError(
                backslash + 1, f"'\\0' in a {what}: regedit rejects the line", "reg.nul_escape"
            )
        else:
            parts.append(escaped)
            notes = notes or []
            if len(notes) < _MAX_NOTES:
                notes.append(
                    Note(
                        backslash + 1,
                        "reg.unknown_escape",
                        f"unknown escape '\\{escaped}' in a {what}: read as {escaped!r} "
                        "(the backslash is dropped)",
                    )
                )
        pos = backslash + 2


# -- key lines ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyLine:
    delete: bool
    path: str  # canonical root and the names below it, joined by backslashes
    has_subkey: bool
    notes: list[Note] | None


def parse_key_line(text: str, pos: int) -> KeyLine:
    """``[path]`` or ``[-path]`` with ``text[pos] == '['``.

    Wine's ``key_name_state``: the name runs to the *last* ``]`` on the line; a blank right
    after ``[`` (or after ``[-``) makes Windows ignore the line (Wine tests Subkey1a/1b,
    Subkey2a/2b). Text after the ``]`` is ignored by Windows; we note it unless it is a
    comment. Empty names from doubled or trailing backslashes are dropped (``Subkey1e\\``
    opens ``Subkey1e``, Wine test); a doubled backslash inside a path gets a note (ours).
    """
    start = pos + 1
    end = text.rfind("]")
    if end < start:
        raise LineError(len(text) + 1, "key line has no closing ']'", at_end=True)
    name_start = start
    delete = text.startswith("-", start)
    if delete:
        name_start += 1
    if name_start < len(text) and text[name_start] in BLANKS:
        what = "'[-'" if delete else "'['"
        raise LineError(name_start + 1, f"blank after {what}: regedit ignores this key line")
    name = text[name_start:end]
    if not name:
        raise LineError(name_start + 1, "empty key name")
    notes: list[Note] | None = None
    if not rest_is_comment(text, end + 1):
        notes = [
            Note(
                skip_blanks(text, end + 1) + 1,
                "reg.key_trailing_text",
                "text after the closing ']' is ignored",
            )
        ]
    root_name, sep, below = name.partition("\\")
    root = canonical_root(root_name)
    if root is None:
        raise LineError(name_start + 1, f"unknown root key {brief(root_name)}", "reg.bad_root")
    parts = [part for part in below.split("\\") if part] if sep else []
    if len(parts) > MAX_KEY_DEPTH:
        raise LineError(
            name_start + 1,
            f"the key path is {len(parts)} levels deep below {root}; Windows allows at most "
            f"{MAX_KEY_DEPTH} levels, so no registry holds it: not read",
            "reg.key_too_deep",
        )
    if "\\\\" in below.rstrip("\\"):
        notes = notes or []
        notes.append(
            Note(
                name_start + 1,
                "reg.empty_key_name_part",
                "doubled backslash in the key path: the empty name is dropped",
            )
        )
    path = "\\".join((root, *parts))
    return KeyLine(delete, path, bool(parts), notes)


# -- value data ---------------------------------------------------------------------------


@dataclass(slots=True)
class Data:
    """What follows ``=``: a deletion, or a type and bytes (``continues`` for ``\\``)."""

    type_id: int
    raw: bytes
    continues: bool = False
    delete: bool = False
    is_hex: bool = False
    notes: list[Note] | None = None


DELETE = Data(0, b"", delete=True)


def encode_sz(text: str) -> bytes:
    """A REG_SZ as regedit stores it: UTF-16LE with a terminating NUL (lone surrogates kept)."""
    return (text + "\x00").encode("utf-16-le", "surrogatepass")


def parse_data(text: str, pos: int) -> Data:
    """The data after ``=`` (``pos`` is past the blanks that follow ``=``).

    Wine's ``data_start_state``/``parse_data_type``: the type tags are case-sensitive and
    must follow ``=`` directly (after blanks): ``"``, ``hex:``, ``dword:``, ``hex(N):``.
    """
    if pos >= len(text):
        raise LineError(pos + 1, "missing value data after '='", at_end=True)
    first = text[pos]
    if first == '"':
        value, end, notes = unescape(text, pos + 1, "string")
        if not rest_is_comment(text, end):
            bad = skip_blanks(text, end)
            raise LineError(bad + 1, f"unexpected {text[bad]!r} after the closing quote")
        return Data(REG_SZ, encode_sz(value), notes=notes)
    if first == "-":
        if not rest_is_comment(text, pos + 1):
            bad = skip_blanks(text, pos + 1)
            raise LineError(bad + 1, f"unexpected {text[bad]!r} after '-'")
        return DELETE
    if text.startswith("dword:", pos):
        return Data(REG_DWORD, parse_dword(text, pos + 6))
    match = _HEX_TYPE.match(text, pos)
    if match:
        digits = match.group(1)
        type_id = REG_BINARY
        if digits is not None:
            type_id = int(digits, 16)
            if type_id > 0xFFFFFFFF:
                raise LineError(pos + 5, f"type hex({digits}) does not fit in 32 bits")
        raw, continues = parse_hex(text, match.end())
        return Data(type_id, raw, continues, is_hex=True)
    at_end = _TYPE_TAG_START.fullmatch(text, pos) is not None
    if text.startswith("hex(", pos):
        raise LineError(
            pos + 5,
            "hex(N): needs N as hexadecimal digits without '0x', then '):'",
            at_end=at_end,
        )
    raise LineError(
        pos + 1,
        f"unknown value data {_excerpt(text, pos)}: expected a quoted string, 'dword:', "
        "'hex:', 'hex(N):' or '-'",
        at_end=at_end,
    )


def _excerpt(text: str, pos: int, limit: int = 20) -> str:
    piece = text[pos : pos + limit]
    return repr(piece + "..." if len(text) - pos > limit else piece)


def parse_dword(text: str, pos: int) -> bytes:
    """``dword:`` data: 1 to 8 hex digits, blanks around them, an optional ``;`` comment.

    Wine's ``convert_hex_to_dword`` and tests Wine32-36: no ``0x``, no sign, no inner blank,
    no ``#`` comment, at most 8 digits (leading zeros count).
    """
    match = _DWORD.fullmatch(text, pos)
    if match is None:
        found = text[pos:].strip(BLANKS)
        raise LineError(
            pos + 1,
            f"dword data must be 1 to 8 hex digits, found {_excerpt(found, 0)}",
            at_end=not found,
        )
    return int(match.group(1), 16).to_bytes(4, "little")


def parse_hex(text: str, pos: int) -> tuple[bytes, bool]:
    """A comma-separated run of hex bytes; True when it ends with a ``\\`` continuation.

    Wine's ``convert_hex_csv_to_hex`` and tests Wine43-53: a byte is one or two hex digits
    (one digit is accepted; more than two, or a value over ff, is rejected); blanks may
    precede a byte; a trailing comma is ignored; ``\\`` continues the data on the next line
    only right after a comma (or alone) and may be followed by blanks and a ``;`` comment;
    after the data only blanks and a ``;`` comment may follow.
    """
    match = _HEX_SIMPLE.fullmatch(text, pos)
    if match is not None:
        digits, backslash = match.groups()
        if not backslash or not digits or digits[-1] == ",":
            return bytes.fromhex(digits.replace(",", "")), bool(backslash)
    match = _HEX_RELAXED.fullmatch(text, pos)
    if match is not None:
        items, last, backslash = match.groups()
        tokens = _HEX_BYTE.findall(items)
        if last is not None:
            tokens.append(last.strip(BLANKS))
        return bytes(int(token, 16) for token in tokens), backslash is not None
    return _parse_hex_general(text, pos)  # invalid: find the place and say why


def _parse_hex_general(text: str, pos: int) -> tuple[bytes, bool]:
    out = bytearray()
    n = len(text)
    while True:
        pos = skip_blanks(text, pos)
        if pos >= n:
            return bytes(out), False
        match = _HEX_DIGITS.match(text, pos)
        if match:
            digits = match.group()
            if len(digits) > 2:
                raise LineError(pos + 1, f"hex byte {brief(digits, 20)} has more than two digits")
            out.append(int(digits, 16))
            pos = match.end()
            if pos >= n:
                return bytes(out), False
            if text[pos] == ",":
                pos += 1
                continue
            after = skip_blanks(text, pos)
            if after >= n or text[after] == ";":
                return bytes(out), False
            if text[after] == "\\":
                raise LineError(after + 1, "'\\' continues hex data only after a comma")
            raise LineError(pos + 1, f"expected ',' after a hex byte, found {text[pos]!r}")
        char = text[pos]
        if char == "\\":
            after = skip_blanks(text, pos + 1)
            if after < n and text[after] != ";":
                raise LineError(after + 1, f"unexpected {text[after]!r} after '\\'")
            return bytes(out), True
        if char == ";":
            return bytes(out), False
        if char == ",":
            raise LineError(pos + 1, "missing hex byte before ','")
        raise LineError(pos + 1, f"invalid hex byte starting with {char!r}")
