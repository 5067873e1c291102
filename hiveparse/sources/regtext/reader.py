"""Streaming a .reg file: open, detect the encoding, read the header, then yield operations.

Memory stays bounded whatever the file size: bytes are read in chunks, decoded with an
incremental decoder, split into lines per chunk, and each operation is yielded as soon as its
line (or its last continuation line) has been read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import BinaryIO

from hiveparse.errors import Diagnostic, EvidenceError, Severity, UsageError
from hiveparse.safefiles import open_regular_file
from hiveparse.sources.regtext.decoding import (
    DEFAULT_ANSI_CODEPAGE,
    DEFAULT_CHUNK_SIZE,
    BinaryReadable,
    ChunkDecoder,
    DetectedEncoding,
    detect_encoding,
    iter_text,
    normalise_codec,
)
from hiveparse.sources.regtext.diagnostics import DEFAULT_MAX_PER_CODE, DiagnosticSink
from hiveparse.sources.regtext.header import RegHeader, parse_header
from hiveparse.sources.regtext.lines import DEFAULT_MAX_LINE_LENGTH, TextEnd, iter_lines
from hiveparse.sources.regtext.operations import Operation
from hiveparse.sources.regtext.parser import BodyParser

PathOrStream = str | os.PathLike[str] | BinaryReadable
_UNICODE = frozenset({"utf-16-le", "utf-16-be", "utf-8"})


def _source_name(target: PathOrStream, source: str | None) -> str:
    if source is not None:
        return source
    if isinstance(target, str | os.PathLike):
        return os.fspath(target)
    name = getattr(target, "name", None)
    return name if isinstance(name, str) else "<stream>"


class RegReader:
    """One pass over a .reg file.

    Constructing the reader opens the file (a path is opened and later closed by the reader;
    a binary stream is read from its current position and left open), detects the encoding
    and parses the header, so :attr:`header` and :attr:`encoding` are known at once and a
    file that is not a .reg file fails here. :meth:`operations` then streams the body once;
    :attr:`diagnostics` is complete when it is exhausted.
    """

    source: str
    strict: bool
    header: RegHeader
    ansi_codepage: str  # the code page for REGEDIT4 hex(1|2|7) payloads
    _file: BinaryIO | None
    _detected: DetectedEncoding
    _lines: Iterator[str]

    def __init__(
        self,
        target: PathOrStream,
        *,
        encoding: str | None = None,
        strict: bool = False,
        source: str | None = None,
        max_line_length: int = DEFAULT_MAX_LINE_LENGTH,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        max_diagnostics_per_code: int = DEFAULT_MAX_PER_CODE,
    ) -> None:
        if chunk_size < 1:
            raise UsageError("chunk_size must be positive")
        self._setup(_source_name(target, source), strict, max_line_length, max_diagnostics_per_code)
        stream: BinaryReadable
        if isinstance(target, str | os.PathLike):
            try:
                self._file = stream = open_regular_file(target)
            except OSError as e:
                raise EvidenceError(
                    f"cannot open the file: {e.strerror or e}", source=self.source
                ) from e
        else:
            stream = target
        try:
            first = stream.read(max(chunk_size, 4))
            detected = detect_encoding(first, encoding, source=self.source, sink=self._sink)
            # The code page REGEDIT4 hex(1|2|7) payloads were written in: the caller's ANSI
            # encoding when one is given (even for a file that has a BOM), else cp1252.
            wanted = None if encoding is None else normalise_codec(encoding)
            codepage = wanted if wanted is not None and wanted not in _UNICODE else None
            decoder = ChunkDecoder(
                detected, strict=strict, source=self.source, sink=self._sink, end=self._end
            )
            text = iter_text(stream, first[len(detected.bom) :], decoder, chunk_size)
            self._begin(text, detected, codepage or DEFAULT_ANSI_CODEPAGE)
        except BaseException:
            self.close()
            raise

    def _setup(self, source: str, strict: bool, max_line_length: int, max_per_code: int) -> None:
        if max_line_length < 1:
            raise UsageError("max_line_length must be positive")
        self.source = source
        self.strict = strict
        self._sink = DiagnosticSink(source, max_per_code)
        self._max_line_length = max_line_length
        self._file = None
        self._used = False
        self._end = TextEnd()

    def _begin(self, text: Iterable[str], detected: DetectedEncoding, codepage: str) -> None:
        """Split ``text`` into lines and read the header line."""
        self._detected = detected
        self.ansi_codepage = codepage
        self._lines = iter_lines(
            text, max_line_length=self._max_line_length, source=self.source, end=self._end
        )
        self.header = parse_header(
            next(self._lines, None),
            strict=self.strict,
            source=self.source,
            sink=self._sink,
            end=self._end,
        )

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        strict: bool = False,
        source: str = "<string>",
        max_line_length: int = DEFAULT_MAX_LINE_LENGTH,
    ) -> RegReader:
        """A reader over already decoded text (encoding reported as ``"str"``).

        A leading U+FEFF (a byte-order mark decoded as text) is dropped with an INFO note.
        """
        reader = cls.__new__(cls)
        reader._setup(source, strict, max_line_length, DEFAULT_MAX_PER_CODE)
        if text.startswith("\ufeff"):
            text = text[1:]
            reader._sink.add(
                "reg.bom_character",
                "a leading U+FEFF (byte-order mark) is ignored",
                line=1,
                column=1,
                severity=Severity.INFO,
            )
        reader._begin((text,), DetectedEncoding("str"), DEFAULT_ANSI_CODEPAGE)
        return reader

    @property
    def encoding(self) -> str:
        """The codec the file was decoded with: ``utf-16-le``, ``utf-16-be``, ``utf-8`` (each
        only with its byte-order mark), or the ANSI code page such as ``cp1252``."""
        return self._detected.codec

    @property
    def bom(self) -> bytes:
        return self._detected.bom

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self._sink.items

    @property
    def sink(self) -> DiagnosticSink:
        return self._sink

    def operations(self) -> Iterator[Operation]:
        """The file's operations in order, read lazily; can be iterated once."""
        if self._used:
            raise UsageError("RegReader.operations() can be iterated only once")
        self._used = True
        return self._operations()

    def _operations(self) -> Iterator[Operation]:
        parser = BodyParser(
            self.header,
            strict=self.strict,
            source=self.source,
            sink=self._sink,
            max_value_size=self._max_line_length,
            end=self._end,
        )
        try:
            yield from parser.operations(self._lines)
            self._sink.finish()
        finally:
            self.close()

    def close(self) -> None:
        """Close the file if the reader opened it (a stream given by the caller stays open)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> RegReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def iter_operations(
    target: PathOrStream,
    *,
    encoding: str | None = None,
    strict: bool = False,
    source: str | None = None,
    max_line_length: int = DEFAULT_MAX_LINE_LENGTH,
) -> Iterator[Operation]:
    """The operations of a .reg file (path or binary stream), streamed.

    The file is opened and its header read at once, so a file that is not a .reg file fails
    here; the body is read as the iterator is consumed. Use :class:`RegReader` to see the
    header, the encoding and the diagnostics as well.
    """
    reader = RegReader(
        target, encoding=encoding, strict=strict, source=source, max_line_length=max_line_length
    )
    return reader.operations()
