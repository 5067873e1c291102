"""Line splitting: CR, LF and CR LF only, whatever the chunking; bounded line length."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiveparse.errors import ResourceLimit
from hiveparse.sources.regtext import RegReader
from hiveparse.sources.regtext.lines import iter_lines


def _reference(text: str) -> list[str]:
    """regedit's rule written the slow, obvious way."""
    lines: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in "\r\n":
            lines.append("".join(current))
            current = []
            if char == "\r" and text[index + 1 : index + 2] == "\n":
                index += 1
        else:
            current.append(char)
        index += 1
    if current:
        lines.append("".join(current))
    return lines


@st.composite
def chunked(draw: st.DrawFn) -> tuple[str, list[str]]:
    text = draw(st.text(alphabet="ab\r\n\u2028\u2029\x85\x0b\x0c\x1c", max_size=40))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=6)))
    pieces, previous = [], 0
    for cut in cuts:
        pieces.append(text[previous:cut])
        previous = cut
    pieces.append(text[previous:])
    return text, pieces


@given(chunked())
def test_split_matches_regedit_rule_for_any_chunking(case: tuple[str, list[str]]) -> None:
    text, pieces = case
    assert list(iter_lines(pieces, max_line_length=100, source="t")) == _reference(text)


def test_str_splitlines_pitfall() -> None:
    text = "a\u2028b\x85c\x0cd\x0be"
    assert len(text.splitlines()) == 5
    assert list(iter_lines([text], max_line_length=100, source="t")) == [text]


@pytest.mark.parametrize(
    ("pieces", "line"),
    [
        (["ok\n", "x" * 11], 2),  # a pending line grows past the limit
        (["ok\nxxxxxx", "xxxxx\nok"], 2),  # the limit is crossed when two pieces join
        (["ok\n" + "x" * 11 + "\nok"], 2),  # a whole line inside one chunk
        (["ok\r", "x" * 11 + "\r"], 2),  # a line ended by a CR held over a chunk end
    ],
)
def test_line_longer_than_limit(pieces: list[str], line: int) -> None:
    with pytest.raises(ResourceLimit) as caught:
        list(iter_lines(pieces, max_line_length=10, source="t"))
    assert caught.value.location.line == line
    assert caught.value.message == "line longer than the limit of 10 characters"


def test_line_at_limit_is_fine() -> None:
    assert list(iter_lines(["x" * 5, "x" * 5 + "\n"], max_line_length=10, source="t")) == ["x" * 10]


@pytest.mark.parametrize("strict", [True, False])
def test_reader_line_limit_is_a_typed_error_in_both_modes(strict: bool) -> None:
    data = b'REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n"a"="' + b"x" * 100 + b'"\r\n'
    reader = RegReader(io.BytesIO(data), strict=strict, max_line_length=50, chunk_size=16)
    with pytest.raises(ResourceLimit) as caught:
        list(reader.operations())
    assert str(caught.value) == "<stream>: 3: line longer than the limit of 50 characters"


def test_nul_tail_without_line_break_is_a_typed_error() -> None:
    """reliability.md §3 huge_1g_sparse, scaled down: a NUL tail is one endless line."""
    data = b"\xff\xfe" + "REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n".encode("utf-16-le")
    data += b"\x00" * (4 << 20)
    reader = RegReader(io.BytesIO(data), max_line_length=1 << 20, chunk_size=1 << 16)
    with pytest.raises(ResourceLimit) as caught:
        list(reader.operations())
    assert caught.value.location.line == 3
