"""Bytes to text for .reg files: explicit encoding detection and incremental decoding.

regedit decides between exactly two encodings: a file that starts with the FF FE byte-order
mark is UTF-16LE ("Unicode"), anything else is read in the machine's ANSI code page (Wine
``programs/reg/import.c``, ``reg_import``: ``is_unicode = s[0] == 0xff && s[1] == 0xfe``).
We add what evidence needs (reliability.md §3): UTF-16BE and UTF-8 byte-order marks are
decoded and flagged, and UTF-16 *without* a byte-order mark is detected and refused with a
typed error instead of being decoded as ANSI garbage or guessed by Python's ``utf-16`` codec.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from hiveparse.errors import RegEncodingError, Severity, UsageError
from hiveparse.sources.regtext.diagnostics import DiagnosticSink
from hiveparse.sources.regtext.lines import TextEnd

DEFAULT_ANSI_CODEPAGE = "cp1252"
DEFAULT_CHUNK_SIZE = 1 << 20

UTF16LE = "utf-16-le"
UTF16BE = "utf-16-be"
UTF8 = "utf-8"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, UTF8),
    (codecs.BOM_UTF16_LE, UTF16LE),
    (codecs.BOM_UTF16_BE, UTF16BE),
)
# Codecs that guess the byte order or strip a BOM themselves: we never let them decide.
_GUESSING_CODECS = frozenset({"utf-16", "utf-32", "utf-8-sig"})
_SNIFF_BYTES = 512
_PRETTY = {UTF16LE: "UTF-16LE", UTF16BE: "UTF-16BE"}


CP1252_HOLES = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})


def _cp1252_holes(exc: UnicodeError) -> tuple[str | bytes, int]:
    """cp1252's five unassigned bytes (81 8D 8F 90 9D) as Windows converts them.

    MultiByteToWideChar(1252) maps them to the C1 control of the same value and
    WideCharToMultiByte maps those controls back; Python's codec rejects both directions.
    Registered once, used only for cp1252.
    """
    if isinstance(exc, UnicodeDecodeError):
        bad = exc.object[exc.start : exc.end]
        return "".join(map(chr, bad)), exc.end
    if isinstance(exc, UnicodeEncodeError):
        chars = exc.object[exc.start : exc.end]
        if all(ord(c) in CP1252_HOLES for c in chars):
            return bytes(map(ord, chars)), exc.end
    raise exc


CP1252_HANDLER = "hiveparse.regtext.cp1252"
codecs.register_error(CP1252_HANDLER, _cp1252_holes)


def decode_ansi(data: bytes, codepage: str) -> str:
    """Bytes in an ANSI code page as Windows converts them (cp1252's holes kept, others
    replaced by U+FFFD as MultiByteToWideChar does without MB_ERR_INVALID_CHARS)."""
    codec = normalise_codec(codepage)
    return data.decode(codec, CP1252_HANDLER if codec == "cp1252" else "replace")


class BinaryReadable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class DetectedEncoding:
    """The codec a file is decoded with and the byte-order mark it starts with (b"" if none)."""

    codec: str
    bom: bytes = b""

    @property
    def is_utf16(self) -> bool:
        return self.codec in (UTF16LE, UTF16BE)


def normalise_codec(name: str) -> str:
    """Python's canonical name for ``name``; refuses unknown and byte-order-guessing codecs."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError as e:
        raise UsageError(f"unknown encoding {name!r}") from e
    if canonical in _GUESSING_CODECS:
        raise UsageError(
            f"encoding {name!r} guesses the byte order or the BOM; name one explicitly "
            "('utf-16-le', 'utf-16-be', 'utf-8' or an ANSI code page such as 'cp1252')"
        )
    if not _is_character_encoding(canonical):
        raise UsageError(
            f"{name!r} is not a character encoding a .reg file can be written in; name one "
            "such as 'utf-16-le', 'utf-8' or an ANSI code page such as 'cp1252'"
        )
    return canonical


# Text codecs in Python's sense that no .reg file is written in: they transform text (IDNA,
# Punycode, escapes) or refuse everything ("undefined").
_NOT_FILE_ENCODINGS = frozenset(
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined"}
)


def _is_character_encoding(canonical: str) -> bool:
    """Bytes to text, as a file's character encoding is: not a bytes-to-bytes transform
    (hex, base64, zlib), a text-to-text one (rot13) or a text transform."""
    if canonical.replace("_", "-") in _NOT_FILE_ENCODINGS:
        return False
    try:
        "".encode(canonical)
        b"".decode(canonical)
    except LookupError:  # Python says: "... is not a text encoding"
        return False
    return True


def bomless_utf16(prefix: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when ``prefix`` looks like UTF-16 text without a BOM.

    Text in a .reg file is mostly ASCII, so UTF-16 puts a zero in every other byte; ANSI
    and UTF-8 text never does (a run of NUL padding, 00 00, counts for neither side).
    """
    data = prefix[: _SNIFF_BYTES & ~1]
    low, high = data[0::2], data[1::2]
    nonzero = le = be = 0
    for a, b in zip(low, high, strict=False):
        if a or b:
            nonzero += 1
            if a and not b:
                le += 1
            elif b and not a:
                be += 1
    if nonzero < 2:
        return None
    if le * 4 >= nonzero * 3:
        return UTF16LE
    if be * 4 >= nonzero * 3:
        return UTF16BE
    return None


def detect_encoding(
    prefix: bytes, encoding: str | None, *, source: str, sink: DiagnosticSink
) -> DetectedEncoding:
    """Pick the codec for a file from its first bytes and the caller's ANSI ``encoding``.

    A byte-order mark always wins. Without one, ``encoding`` (default cp1252) is used, except
    that text which looks like BOM-less UTF-16 raises :class:`RegEncodingError` unless the
    caller asked for that UTF-16 codec explicitly.
    """
    wanted = normalise_codec(encoding) if encoding is not None else None
    for bom, codec in _BOMS:
        if prefix.startswith(bom):
            if wanted is not None and wanted != codec:
                sink.add(
                    "reg.encoding_overridden",
                    f"the file starts with a {codec} byte-order mark; "
                    f"encoding={encoding!r} applies only to files without one",
                    offset=0,
                    severity=Severity.INFO,
                )
            if codec == UTF8:
                sink.add(
                    "reg.utf8_bom",
                    "UTF-8 byte-order mark: decoded as UTF-8; regedit reads such a file as "
                    "ANSI and does not find the header",
                    offset=0,
                    severity=Severity.INFO,
                )
            elif codec == UTF16BE:
                sink.add(
                    "reg.utf16be_bom",
                    "UTF-16BE byte-order mark: decoded as UTF-16BE; regedit recognises only "
                    "FF FE and would reject this file",
                    offset=0,
                )
            return DetectedEncoding(codec, bom)
    guessed = bomless_utf16(prefix)
    if guessed is not None and wanted not in (UTF16LE, UTF16BE):
        raise RegEncodingError(
            f"the file looks like {_PRETTY[guessed]} text without a byte-order mark; regedit "
            f"would read it as ANSI and reject it (pass encoding={guessed!r} to read it anyway)",
            source=source,
            offset=0,
        )
    codec = wanted or DEFAULT_ANSI_CODEPAGE
    if codec in (UTF16LE, UTF16BE):
        sink.add(
            "reg.utf16_without_bom",
            f"decoded as {codec} as asked; the file has no byte-order mark and regedit "
            "would read it as ANSI",
            offset=0,
        )
    return DetectedEncoding(codec)


class ChunkDecoder:
    """Incremental decoding of byte chunks, with offsets for errors.

    UTF-16 keeps unpaired surrogates (``surrogatepass``): registry names and strings may
    hold them and they must survive a round trip to the raw UTF-16LE bytes. In strict mode
    an undecodable byte raises :class:`RegEncodingError`; otherwise it becomes U+FFFD and a
    diagnostic that gives its file offset.

    An incomplete character at the very end of the file (an odd byte count in UTF-16, the
    start of a UTF-8 sequence) is not a decoding problem but a cut file: it is dropped and
    recorded in ``end`` (:class:`~hiveparse.sources.regtext.lines.TextEnd`), and the parser
    reports the truncation with the line and column where the text ends.
    """

    def __init__(
        self,
        detected: DetectedEncoding,
        *,
        strict: bool,
        source: str,
        sink: DiagnosticSink,
        end: TextEnd | None = None,
    ) -> None:
        codec = detected.codec
        if detected.is_utf16:
            errors = "surrogatepass"
        elif codec == "cp1252":
            errors = CP1252_HANDLER
        else:
            errors = "strict"
        self._codec = codec
        self._factory = codecs.getincrementaldecoder(codec)
        self._decoder = self._factory(errors)
        self._strict = strict
        self._source = source
        self._sink = sink
        self._fed = len(detected.bom)  # file offset of the next byte fed
        self._end = end

    def decode(self, data: bytes, final: bool = False) -> str:
        state = self._decoder.getstate()
        fed_before = self._fed
        self._fed += len(data)
        try:
            return self._decoder.decode(data, final)
        except UnicodeDecodeError as e:
            offset = fed_before - len(state[0]) + e.start
            # Only the final call can meet the end of the data inside a character.
            cut = final and e.reason in ("truncated data", "unexpected end of data")
            if cut and self._end is not None:
                # Part of a character carries nothing: drop it rather than invent one.
                self._end.cut_offset = offset
                self._end.cut_detail = (
                    "half a UTF-16 code unit (an odd number of bytes)"
                    if self._codec in (UTF16LE, UTF16BE)
                    else f"an incomplete {self._codec} character"
                )
                fallback = self._factory("ignore")
                fallback.setstate(state)
                text = fallback.decode(data, final)
                self._decoder.setstate(fallback.getstate())
                return text
            message = f"bytes that are not valid {self._codec} at offset 0x{offset:x} ({e.reason})"
            if self._strict:
                raise RegEncodingError(message, source=self._source, offset=offset) from e
            self._sink.add("reg.decode_error", message + "; replaced by U+FFFD", offset=offset)
            fallback = self._factory("replace")
            fallback.setstate(state)
            text = fallback.decode(data, final)
            self._decoder.setstate(fallback.getstate())
            return text


def iter_text(
    stream: BinaryReadable, first: bytes, decoder: ChunkDecoder, chunk_size: int
) -> Iterator[str]:
    """Decoded text of ``first`` (already read, BOM removed) and then the rest of ``stream``."""
    data = first
    while True:
        more = stream.read(chunk_size)
        if not more:
            text = decoder.decode(data, final=True)
            if text:
                yield text
            return
        text = decoder.decode(data)
        if text:
            yield text
        data = more
