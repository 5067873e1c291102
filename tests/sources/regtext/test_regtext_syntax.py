"""The hand-written validators for the pieces of a line, and the fast path's equivalence.

Python's own parsers accept what regedit rejects (reliability.md §3, "Python pitfalls"):
``int(x, 16)`` takes ``0x12``, ``" 12 "``, ``1_2`` and nine digits; ``bytes.fromhex`` refuses
one-digit bytes that Windows accepts. These tests pin our rules against both.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiveparse.errors import RegSyntaxError, Truncated
from hiveparse.sources.regtext import RegHeader
from hiveparse.sources.regtext.diagnostics import DiagnosticSink
from hiveparse.sources.regtext.parser import BodyParser
from hiveparse.sources.regtext.syntax import (
    LineError,
    _parse_hex_general,
    parse_dword,
    parse_hex,
    unescape,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1),
        ("00000010", 16),
        ("ffffffff", 0xFFFFFFFF),
        ("  0000ABCD", 0xABCD),
        ("12345678 ;comment", 0x12345678),
        ("1234;5678", 0x1234),
        ("\t8\t", 8),
    ],
)
def test_dword_accepted(text: str, value: int) -> None:
    assert parse_dword(text, 0) == value.to_bytes(4, "little")


@pytest.mark.parametrize(
    "text", ["", "0x12", "12 34", "1_2", "123456789", "012345678", "-1", "+1", "1234 #c", "g", " "]
)
def test_dword_rejected_where_int_would_accept_some(text: str) -> None:
    with pytest.raises(LineError, match=r"^dword data must be 1 to 8 hex digits, found "):
        parse_dword(text, 0)


@pytest.mark.parametrize(
    ("text", "raw", "more"),
    [
        ("", b"", False),
        ("11,22,33", b"\x11\x22\x33", False),
        ("1,2,a", b"\x01\x02\x0a", False),  # bytes.fromhex("1") would raise
        ("11,22,", b"\x11\x22", False),
        ("11,22, ;c", b"\x11\x22", False),
        ("11,22 ;c", b"\x11\x22", False),
        ("11,\t22", b"\x11\x22", False),
        ("11,22,\\", b"\x11\x22", True),
        ("11,22,  \\  ;c", b"\x11\x22", True),
        ("\\", b"", True),
        (";c", b"", False),
    ],
)
def test_hex_accepted(text: str, raw: bytes, more: bool) -> None:
    assert parse_hex(text, 0) == (raw, more)


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("11,100", 4, "hex byte '100' has more than two digits"),
        ("0ff", 1, "hex byte '0ff' has more than two digits"),
        ("0x11", 2, "expected ',' after a hex byte, found 'x'"),
        ("11,,22", 4, "missing hex byte before ','"),
        (",11", 1, "missing hex byte before ','"),
        ("11 ,22", 3, "expected ',' after a hex byte, found ' '"),
        ("11,22\\", 6, "'\\' continues hex data only after a comma"),
        ("11,\\22", 5, "unexpected '2' after '\\'"),
        ("11,\\ #c", 6, "unexpected '#' after '\\'"),
        ("11,#c", 4, "invalid hex byte starting with '#'"),
        ("11,-1", 4, "invalid hex byte starting with '-'"),
        ("11 #c", 3, "expected ',' after a hex byte, found ' '"),
    ],
)
def test_hex_rejected(text: str, column: int, message: str) -> None:
    with pytest.raises(LineError) as caught:
        parse_hex(text, 0)
    assert (caught.value.column, caught.value.message) == (column, message)


@pytest.mark.parametrize(
    ("text", "value", "end"),
    [
        ('abc"', "abc", 4),
        ('a\\\\b\\"c" rest', 'a\\b"c', 8),
        ('\\n\\r"', "\n\r", 5),
        ('\\\\0"', "\\0", 4),
    ],
)
def test_unescape(text: str, value: str, end: int) -> None:
    assert unescape(text, 0, "string")[:2] == (value, end)


def test_unescape_unknown_escape_is_a_note() -> None:
    value, _, notes = unescape('C:\\Windows"', 0, "string")
    assert value == "C:Windows"
    assert notes is not None
    assert [(n.column, n.code) for n in notes] == [(3, "reg.unknown_escape")]


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("abc", 0, "unterminated string: no closing '\"'"),
        ('ab\\"', 0, "unterminated string: no closing '\"'"),
        ("ab\\", 0, "unterminated string: the line ends after '\\'"),
        ('a\\0"', 2, "'\\0' in a string: regedit rejects the line"),
    ],
)
def test_unescape_rejected(text: str, column: int, message: str) -> None:
    with pytest.raises(LineError) as caught:
        unescape(text, 0, "string")
    assert (caught.value.column, caught.value.message) == (column, message)


# -- the fast path gives what the general path gives ----------------------------------

_FRAGMENTS = [
    "",
    " ",
    "\t",
    "[HKEY_CURRENT_USER\\A]",
    "[HKLM\\SOFTWARE\\B c]",
    "[-HKCU\\A]",
    "[hkcu\\x\\]",
    "[HKCU\\a]b]",
    "[ HKCU\\x]",
    "[HKCU\\\\y]",
    '"a"="x"',
    '"a"=dword:1',
    '"b"=dword:123456789',
    "@=hex:01,02",
    '"c"=hex(7):41,00,\\',
    "  42,00,00,00",
    "  43,00,\\",
    "  ;c",
    "  zz",
    '"d"=hex(2):',
    '"e"=-',
    '"e"=- ;c',
    '"f"="a\\"b"',
    '"g"="a\\qb"',
    '"h"=hex:1,2',
    '"i"=hex(ffffffff):ff',
    '"j"=hex(100000000):00',
    ";c",
    "#c",
    '"k"=hex:11,22,',
    "x",
    '"l"="\x00"',
    '"m"=hex:\\',
    "  00",
    '"n"="x" ;c',
    "[HKCU]",
    '""=""',
    "\x1a",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=25))
def test_fast_path_matches_general_path(lines: list[str]) -> None:
    results = []
    for fast in (True, False):
        sink = DiagnosticSink("<t>")
        parser = BodyParser(
            RegHeader.VERSION_5,
            strict=False,
            source="<t>",
            sink=sink,
            max_value_size=1 << 20,
            fast_path=fast,
        )
        results.append((list(parser.operations(iter(lines))), sink.items))
    assert results[0] == results[1]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=25))
def test_strict_raises_at_the_first_lenient_error(lines: list[str]) -> None:
    sink = DiagnosticSink("<t>")
    lenient = BodyParser(
        RegHeader.VERSION_5, strict=False, source="<t>", sink=sink, max_value_size=1 << 20
    )
    lenient_ops = list(lenient.operations(iter(lines)))
    errors = [d for d in sink.items if str(d.severity) == "error"]
    strict = BodyParser(
        RegHeader.VERSION_5,
        strict=True,
        source="<t>",
        sink=DiagnosticSink("<t>"),
        max_value_size=1 << 20,
    )
    if not errors:
        assert list(strict.operations(iter(lines))) == lenient_ops
        return
    # A file that ends inside a continued value was cut: Truncated (code reg.truncated).
    expected_error = Truncated if errors[0].code == "reg.truncated" else RegSyntaxError
    with pytest.raises(expected_error) as caught:
        list(strict.operations(iter(lines)))
    assert type(caught.value) is expected_error
    where = caught.value.location
    assert (where.line, where.column, caught.value.message) == (
        errors[0].location.line,
        errors[0].location.column,
        errors[0].message,
    )


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["1", "a", "F", "0", ",", " ", "\t", "\\", ";", "#", "x", "11", "ff,", "g", "100"]
        ),
        max_size=12,
    )
)
def test_hex_shortcuts_match_the_token_by_token_rule(pieces: list[str]) -> None:
    """parse_hex tries two regexes first; the token loop is the reference for every input."""
    text = "".join(pieces)

    def run(parse: object) -> object:
        try:
            return parse(text, 0)  # type: ignore[operator]
        except LineError as error:
            return (error.column, error.message)

    assert run(parse_hex) == run(_parse_hex_general)
