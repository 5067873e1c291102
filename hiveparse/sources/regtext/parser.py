"""The line-by-line state machine that turns the body of a .reg file into operations.

State is the open key (or why there is none) and a hex value still being continued with
``\\``. A line regedit would reject raises :class:`RegSyntaxError` in strict mode; otherwise
it becomes an ERROR diagnostic and the next line is read, as regedit skips bad lines. What
regedit accepts but a reader should know about (a value before any key, a NUL, an unknown
escape) is a WARNING or INFO diagnostic in both modes.

A file that ends inside a line (a key line without ``]``, an open quote, ``dword:`` digits
or hex bytes running into the end of a last line without a line break, a continued value,
half a character) was cut: :class:`~hiveparse.errors.Truncated` in strict mode, else one
ERROR diagnostic ``reg.truncated`` at the line and column where the text ends, so that the
result is marked partial. A cut exactly at a line break cannot be seen; since regedit ends
every export with a blank line, a version 5 file whose last line is a key or value line gets
the note (INFO) ``reg.truncated_suspected``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from hiveparse.errors import RegSyntaxError, ResourceLimit, Severity, Truncated
from hiveparse.model import MAX_KEY_DEPTH
from hiveparse.paths import canonical_root
from hiveparse.sources.regtext.diagnostics import DiagnosticSink
from hiveparse.sources.regtext.header import RegHeader
from hiveparse.sources.regtext.lines import TextEnd
from hiveparse.sources.regtext.operations import (
    CreateKey,
    DeleteKey,
    DeleteValue,
    Operation,
    SetValue,
)
from hiveparse.sources.regtext.syntax import (
    BLANKS,
    REG_BINARY,
    REG_DWORD,
    REG_SZ,
    LineError,
    Note,
    brief,
    encode_sz,
    parse_data,
    parse_hex,
    parse_key_line,
    rest_is_comment,
    skip_blanks,
    unescape,
)

_HEX_CHARS = frozenset("0123456789abcdefABCDEF")
_DWORD_DIGITS = re.compile(r"[ \t]*([0-9A-Fa-f]+)")
_HEX_TAG = re.compile(r"hex(?:\([0-9A-Fa-f]+\))?:")
_DWORD_WIDTH = 8  # regedit writes every dword with 8 digits
_WIN31_ROOT = "HKEY_CLASSES_ROOT"
_CTRL_Z = "\x1a"

# The shapes regedit itself writes; anything else takes the general path, which gives the
# same result for these lines (tested) and precise errors for the others.
_FAST_VALUE = re.compile(
    r'(?:"([^"\\\x00]*)"|@)='
    r'(?:"([^"\\\x00]*)"'
    r"|dword:([0-9A-Fa-f]{1,8})"
    r"|hex(?:\(([0-9A-Fa-f]{1,8})\))?:(?:((?:[0-9A-Fa-f]{2},)*[0-9A-Fa-f]{2})(,\\)?)?"
    r"|(-))"
)
_NON_SPACE = re.compile(r"\S*")
_FAST_HEX = re.compile(r"[ \t]*((?:[0-9A-Fa-f]{2},)*[0-9A-Fa-f]{2})(,\\)?")
_FAST_KEY = re.compile(r"\[([^-\\\]\x00 \t][^\\\]\x00]*)((?:\\[^\\\]\x00]+)*)\]")

# Why no key is open.
_NO_KEY_YET, _OPEN, _REJECTED, _DELETED = range(4)


@dataclass(slots=True)
class _Continued:
    """A hex value whose data goes on over ``\\`` continuation lines."""

    key_path: str | None  # None: the value will be dropped (no open key)
    name: str
    type_id: int
    line: int
    parts: list[bytes] = field(default_factory=list)
    size: int = 0
    dropped: bool = False


class BodyParser:
    """Parses the lines after the header; ``operations()`` yields lazily."""

    def __init__(
        self,
        header: RegHeader,
        *,
        strict: bool,
        source: str,
        sink: DiagnosticSink,
        max_value_size: int,
        fast_path: bool = True,
        end: TextEnd | None = None,
    ) -> None:
        self.header = header
        self.fast_path = fast_path  # False only in tests that compare both paths
        self.strict = strict
        self.source = source
        self.sink = sink
        self.max_value_size = max_value_size
        self._state = _NO_KEY_YET
        self._state_line = 0
        # How the text ended (filled in by the decoder and the line splitter as it is read).
        self.end = TextEnd() if end is None else end
        self._rejected_line = 0  # the last line rejected
        self._cut_reason: str | None = None  # why the last line, rejected, ends too early

    # -- reporting ------------------------------------------------------------------------

    def _reject(self, error: LineError, line: int) -> None:
        self._rejected_line = line
        if error.at_end and self.end.unterminated:
            # The last line, without a line break, stops inside what it started: the file
            # was cut here. Reported once the end is known (_end_of_text), in both modes.
            self._cut_reason = error.message
            return
        if self.strict:
            raise RegSyntaxError(error.message, source=self.source, line=line, column=error.column)
        self.sink.add(
            error.code, error.message, line=line, column=error.column, severity=Severity.ERROR
        )

    def _notes(self, notes: list[Note], line: int) -> None:
        for note in notes:
            self.sink.add(note.code, note.message, line=line, column=note.column)

    def _without_nul(self, text: str, line: int) -> str:
        # Wine's line readers are C-string based: what follows a NUL is not seen.
        index = text.index("\x00")
        self.sink.add(
            "reg.embedded_nul",
            f"NUL character at column {index + 1}: the rest of the line is ignored",
            line=line,
            column=index + 1,
        )
        return text[:index]

    def _dos_eof(self, line: int) -> None:
        # Files from the DOS era may end with Ctrl-Z; regedit skips the line like any other
        # it does not understand, and it carries nothing.
        self.sink.add(
            "reg.dos_eof_mark",
            "Ctrl-Z (DOS end-of-file mark) ignored",
            line=line,
            severity=Severity.INFO,
        )

    def _no_key(self, name: str, line: int) -> None:
        if self._state == _NO_KEY_YET:
            self.sink.add(
                "reg.value_before_key",
                f"value {brief(name)} comes before any key line: ignored",
                line=line,
            )
        elif self._state == _DELETED:
            self.sink.add(
                "reg.value_under_deleted_key",
                f"value {brief(name)} follows the key deletion at line {self._state_line}: ignored",
                line=line,
            )
        else:
            self.sink.add(
                "reg.value_skipped",
                f"value {brief(name)} ignored: the key line {self._state_line} was rejected",
                line=line,
                severity=Severity.INFO,
            )

    # -- parsing ----------------------------------------------------------------------------

    def operations(self, lines: Iterator[str], first_line: int = 2) -> Iterator[Operation]:
        if self.header is RegHeader.WIN31:
            return self._win31(lines, first_line)
        return self._regedit(lines, first_line)

    def _regedit(self, lines: Iterator[str], first_line: int) -> Iterator[Operation]:
        key_path = ""
        is_open = False  # mirrors self._state == _OPEN, kept local for the fast path
        continued: _Continued | None = None
        line_no = first_line - 1
        fast_value = _FAST_VALUE.fullmatch
        fast_hex = _FAST_HEX.fullmatch
        fast_key = _FAST_KEY.fullmatch
        fast = self.fast_path
        line = ""
        for line in lines:
            line_no += 1
            # Fast path: the exact shapes regedit writes, decided by one regex per line.
            if not fast:
                pass
            elif continued is None:
                if not line:
                    continue
                first = line[0]
                if first == "[":
                    match = fast_key(line)
                    if match is not None:
                        root = canonical_root(match.group(1))
                        # A path deeper than Windows allows is refused by the full parser.
                        if root is not None and match.group(2).count("\\") <= MAX_KEY_DEPTH:
                            key_path = root + match.group(2)
                            self._state = _OPEN
                            is_open = True
                            yield CreateKey(key_path, line_no)
                            continue
                match = fast_value(line) if is_open and first in {'"', "@"} else None
                if match is not None:
                    name, string, dword, hex_type, hex_data, more, dash = match.groups()
                    if name is None:
                        name = ""
                    if string is not None:
                        yield SetValue(key_path, name, REG_SZ, encode_sz(string), line_no)
                    elif dword is not None:
                        raw = int(dword, 16).to_bytes(4, "little")
                        yield SetValue(key_path, name, REG_DWORD, raw, line_no)
                    elif dash is not None:
                        yield DeleteValue(key_path, name, line_no)
                    else:
                        type_id = REG_BINARY if hex_type is None else int(hex_type, 16)
                        raw = bytes.fromhex(hex_data.replace(",", "")) if hex_data else b""
                        if more is None:
                            yield SetValue(key_path, name, type_id, raw, line_no, True)
                        else:
                            continued = _Continued(
                                key_path, name, type_id, line_no, [raw], len(raw)
                            )
                    continue
            elif not continued.dropped:
                match = fast_hex(line)
                if match is not None:
                    raw = bytes.fromhex(match.group(1).replace(",", ""))
                    continued.parts.append(raw)
                    continued.size += len(raw)
                    if continued.size > self.max_value_size:
                        raise self._too_big(continued)
                    if match.group(2) is None:
                        if continued.key_path is not None:
                            yield self._finish(continued)
                        continued = None
                    continue
            # General path: every other line, with precise errors.
            text = line if "\x00" not in line else self._without_nul(line, line_no)
            if continued is not None:
                if self._continue(continued, text, line_no):
                    if not continued.dropped and continued.key_path is not None:
                        yield self._finish(continued)
                    continued = None
                continue
            if not text:
                continue
            first = text[0]
            pos = 0
            if first in BLANKS:
                pos = skip_blanks(text, 0)
                if pos == len(text):
                    continue
                first = text[pos]
            if first in {'"', "@"}:
                try:
                    if first == '"':
                        name, end, notes = unescape(text, pos + 1, "value name")
                    else:
                        name, end, notes = "", pos + 1, None
                    equals = skip_blanks(text, end)
                    if equals >= len(text) or text[equals] != "=":
                        what = "'@'" if first == "@" else "the value name"
                        raise LineError(
                            equals + 1, f"expected '=' after {what}", at_end=equals >= len(text)
                        )
                    data = parse_data(text, skip_blanks(text, equals + 1))
                except LineError as error:
                    self._reject(error, line_no)
                    continue
                if notes is not None:
                    self._notes(notes, line_no)
                if data.notes is not None:
                    self._notes(data.notes, line_no)
                if not is_open:
                    self._no_key(name, line_no)
                if data.continues:
                    continued = _Continued(
                        key_path if is_open else None,
                        name,
                        data.type_id,
                        line_no,
                        [data.raw],
                        len(data.raw),
                    )
                elif not is_open:
                    continue
                elif data.delete:
                    yield DeleteValue(key_path, name, line_no)
                else:
                    yield SetValue(key_path, name, data.type_id, data.raw, line_no, data.is_hex)
            elif first == "[":
                try:
                    key = parse_key_line(text, pos)
                except LineError as error:
                    self._state, self._state_line = _REJECTED, line_no
                    is_open = False
                    self._reject(error, line_no)
                    continue
                if key.notes is not None:
                    self._notes(key.notes, line_no)
                if not key.delete:
                    key_path = key.path
                    self._state = _OPEN
                    is_open = True
                    yield CreateKey(key.path, line_no)
                    continue
                self._state, self._state_line = _DELETED, line_no
                is_open = False
                if key.has_subkey:
                    yield DeleteKey(key.path, line_no)
                else:
                    self._reject(
                        LineError(
                            pos + 3,
                            f"[-{key.path}] names a root key: nothing is deleted",
                            "reg.delete_root",
                        ),
                        line_no,
                    )
            elif first == _CTRL_Z and not text.strip(_CTRL_Z + BLANKS):
                self._dos_eof(line_no)
            elif first not in {";", "#"}:
                self._reject(
                    LineError(
                        pos + 1,
                        f"unexpected {first!r} at the start of a line "
                        "(expected '[', '\"', '@', ';' or '#')",
                    ),
                    line_no,
                )
        self._end_of_text(line_no, line, continued)
        if continued is not None and continued.key_path is not None:
            yield self._finish(continued)

    # -- the end of the text ------------------------------------------------------------------

    def _end_of_text(self, line_no: int, last: str, continued: _Continued | None) -> None:
        """Report a file that was cut (``reg.truncated``) or may have been (a version 5 file
        without the closing blank line: ``reg.truncated_suspected``).

        ``line_no`` and ``last`` are the number and text of the last line (``line_no`` is the
        header's when the body is empty).
        """
        end = self.end
        if end.unterminated:
            where_line, where_column = line_no, len(last) + 1
        else:
            where_line, where_column = line_no + 1, 1
        reasons: list[str] = []
        if continued is not None:
            reasons.append(
                f"inside the value {brief(continued.name)} continued from line {continued.line} "
                "(its last line ends with '\\'; the value keeps the bytes read so far, as newer "
                "Windows writes it)"
            )
        elif self._cut_reason is not None:
            reasons.append(f"inside line {line_no} ({self._cut_reason})")
        elif (
            end.unterminated
            and self._rejected_line != line_no
            and self.header is not RegHeader.WIN31
        ):
            cut = _cut_in_data(last)
            if cut is not None:
                reasons.append(f"inside {cut} on line {line_no}, which has no line break")
        if end.cut_offset is not None:
            reasons.append(
                f"with {end.cut_detail} at offset 0x{end.cut_offset:x}, which is ignored"
            )
        if reasons:
            message = (
                f"the file ends {'; and '.join(reasons)}: it was cut and what followed is missing"
            )
            if self.strict:
                raise Truncated(message, source=self.source, line=where_line, column=where_column)
            self.sink.add(
                "reg.truncated",
                message,
                line=where_line,
                column=where_column,
                severity=Severity.ERROR,
            )
            return
        if self.header is RegHeader.VERSION_5 and _is_key_or_value_line(last):
            how = "without a line break" if end.unterminated else "right after its line break"
            self.sink.add(
                "reg.truncated_suspected",
                f"the file ends with line {line_no}, a key or value line, {how}; regedit ends "
                "every export with a blank line, so the file may have been cut there (what "
                "it exported last is not taken as complete)",
                line=line_no,
                column=len(last) + 1,
                # A note, not a warning: hand-written files often end this way, and the
                # coverage of the last export root already says what it changes.
                severity=Severity.INFO,
            )

    def _continue(self, continued: _Continued, text: str, line_no: int) -> bool:
        """Feed one continuation line; True when the value is complete or dropped.

        Wine's ``hex_multiline_state``: blank lines and ``;`` comment lines are skipped; a
        line that does not start with a hex digit drops the value *and is consumed*, so a
        key line right after a dangling ``\\`` is lost too (Wine tests Wine54a, Wine55).
        """
        pos = skip_blanks(text, 0)
        if pos == len(text) or text[pos] == ";":
            return False
        try:
            if text[pos] not in _HEX_CHARS:
                raise LineError(pos + 1, f"expected hex data to continue, found {text[pos]!r}")
            raw, more = parse_hex(text, pos)
        except LineError as error:
            message = (
                f"{error.message}: the value {brief(continued.name)} started at line "
                f"{continued.line} is dropped, and so is this line"
            )
            continued.dropped = True
            self._reject(LineError(error.column, message, "reg.bad_continuation"), line_no)
            return True
        continued.parts.append(raw)
        continued.size += len(raw)
        if continued.size > self.max_value_size:
            raise self._too_big(continued)
        return not more

    def _too_big(self, continued: _Continued) -> ResourceLimit:
        return ResourceLimit(
            f"value data longer than the limit of {self.max_value_size} bytes",
            source=self.source,
            line=continued.line,
        )

    @staticmethod
    def _finish(continued: _Continued) -> SetValue:
        assert continued.key_path is not None
        return SetValue(
            continued.key_path,
            continued.name,
            continued.type_id,
            b"".join(continued.parts),
            continued.line,
            True,
        )

    def _win31(self, lines: Iterator[str], first_line: int) -> Iterator[Operation]:
        """``HKEY_CLASSES_ROOT\\path = value`` lines (Wine's ``parse_win31_line_state``).

        The line must start with ``HKEY_CLASSES_ROOT`` exactly (case and column, Wine tests
        in ``test_import_win31``); the key runs to the first white space; then blanks, an
        optional ``=`` and at most one space are skipped and the rest is the default value.
        ``;`` and ``#`` lines are comments (ours: Windows ignores every other line).
        """
        line_no = first_line - 1
        line = ""
        for line in lines:
            line_no += 1
            text = line if "\x00" not in line else self._without_nul(line, line_no)
            stripped = text.lstrip(BLANKS)
            if not stripped or stripped[0] in ";#":
                continue
            if not stripped.strip(_CTRL_Z + BLANKS):
                self._dos_eof(line_no)
                continue
            if not text.startswith(_WIN31_ROOT):
                self._reject(
                    LineError(
                        1, "a Windows 3.1 line must start with 'HKEY_CLASSES_ROOT' in column 1"
                    ),
                    line_no,
                )
                continue
            key_end = _NON_SPACE.match(text).end()  # type: ignore[union-attr]  # always matches
            key_text = text[:key_end]
            root, _, below = key_text.partition("\\")
            if root != _WIN31_ROOT:
                self._reject(
                    LineError(1, f"unknown root key {brief(root)}", "reg.bad_root"), line_no
                )
                continue
            value_pos = skip_blanks(text, key_end)
            if text.startswith("=", value_pos):
                value_pos += 1
            if text.startswith(" ", value_pos):
                value_pos += 1
            parts = [part for part in below.split("\\") if part]
            if len(parts) > MAX_KEY_DEPTH:
                self._reject(
                    LineError(
                        1,
                        f"the key path is {len(parts)} levels deep; Windows allows at most "
                        f"{MAX_KEY_DEPTH} levels: not read",
                        "reg.key_too_deep",
                    ),
                    line_no,
                )
                continue
            path = "\\".join((root, *parts))
            yield CreateKey(path, line_no)
            yield SetValue(path, "", REG_SZ, encode_sz(text[value_pos:]), line_no)
        self._end_of_text(line_no, line, None)


def _is_key_or_value_line(text: str) -> bool:
    """A key line, a value line or a hex continuation line (a comment, a blank or Ctrl-Z line
    is none of them)."""
    pos = skip_blanks(text, 0)
    return pos < len(text) and (text[pos] in '["@' or text[pos] in _HEX_CHARS)


def _cut_in_data(text: str) -> str | None:
    """What the last line of a file, accepted as complete but without a line break, may have
    been cut inside: ``dword:`` digits fewer than 8 or hex bytes running to the end of the
    line, or a key name that goes on past a ``]``. None when the line ends with something
    closed (a quote, 8 digits, ``]``, a comment)."""
    text = text.split("\x00", 1)[0]  # what the parser read of the line
    pos = skip_blanks(text, 0)
    if pos >= len(text):
        return None
    first = text[pos]
    if first in _HEX_CHARS:  # the last line of a continued value
        return "hex data" if ";" not in text else None
    if first == "[":
        close = text.rfind("]")
        if close > pos and not rest_is_comment(text, close + 1):
            return "a key line (the text after its last ']' may be the rest of the key name)"
        return None
    if first not in {'"', "@"}:
        return None
    try:
        end = unescape(text, pos + 1, "value name")[1] if first == '"' else pos + 1
    except LineError:
        return None
    equals = skip_blanks(text, end)
    if equals >= len(text) or text[equals] != "=":
        return None
    data = skip_blanks(text, equals + 1)
    if text.startswith("dword:", data):
        digits = _DWORD_DIGITS.match(text, data + 6)
        if digits is not None and digits.end() == len(text):
            count = len(digits.group(1))
            if count < _DWORD_WIDTH:
                return f"dword data ({count} of {_DWORD_WIDTH} digits)"
        return None
    tag = _HEX_TAG.match(text, data)
    if tag is not None and ";" not in text[tag.end() :] and not text.endswith("\\"):
        return "hex data"
    return None
