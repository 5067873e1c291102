"""Splitting decoded text into lines the way regedit does: at CR LF, LF or CR, nothing else.

``str.splitlines`` also breaks at U+2028, U+2029, U+0085, FF, VT, FS, GS and RS, which would
cut a value in two where regedit sees one line (reliability.md §3, "Python pitfalls"); Wine's
``get_lineW``/``get_lineA`` search for ``\\r`` and ``\\n`` only. Work is done per decoded
chunk with ``str.replace``/``str.split``, so the cost per line stays in C.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hiveparse.errors import ResourceLimit

DEFAULT_MAX_LINE_LENGTH = 64 * 1024 * 1024  # characters


@dataclass(slots=True)
class TextEnd:
    """How the text of a file ended, filled in by the decoder and the line splitter.

    Whether a file was cut can only be told at its end: ``unterminated`` is set just before
    the last line is yielded when that line has no line break (so a reader that sees it set
    knows it holds the last line); ``cut_offset`` is the file offset of an incomplete
    character the decoder dropped at the very end (half a UTF-16 code unit, part of a UTF-8
    sequence), with ``cut_detail`` saying which.
    """

    unterminated: bool = False
    cut_offset: int | None = None
    cut_detail: str = ""


def _too_long(limit: int, source: str, line: int) -> ResourceLimit:
    return ResourceLimit(
        f"line longer than the limit of {limit} characters", source=source, line=line
    )


def iter_lines(
    chunks: Iterable[str], *, max_line_length: int, source: str, end: TextEnd | None = None
) -> Iterator[str]:
    """Yield each line of the text given as ``chunks``, without its line break.

    A final line without a line break is yielded too (``end.unterminated`` is set before it
    is); an empty string after the last line break is not a line. A line longer than
    ``max_line_length`` characters raises :class:`ResourceLimit` as soon as that much of it
    has been seen, so memory stays bounded.
    """
    pending: list[str] = []  # pieces of a line that continues into the next chunk
    pending_len = 0
    held_cr = False  # a CR that ends a chunk may be the first half of CR LF
    emitted = 0
    for piece in chunks:
        chunk = piece
        if held_cr:
            chunk = "\r" + chunk
            held_cr = False
        if chunk.endswith("\r"):
            chunk = chunk[:-1]
            held_cr = True
        if "\r" in chunk:
            chunk = chunk.replace("\r\n", "\n").replace("\r", "\n")
        parts = chunk.split("\n")
        last = parts.pop()
        if parts:
            if pending:
                pending.append(parts[0])
                parts[0] = "".join(pending)
                pending = []
            if pending_len + len(chunk) > max_line_length:
                for index, part in enumerate(parts):
                    if len(part) > max_line_length:
                        raise _too_long(max_line_length, source, emitted + index + 1)
            pending_len = 0
            yield from parts
            emitted += len(parts)
        if last:
            pending.append(last)
            pending_len += len(last)
            if pending_len > max_line_length:
                raise _too_long(max_line_length, source, emitted + 1)
    if held_cr or pending:
        if not held_cr and end is not None:
            end.unterminated = True
        yield "".join(pending)
