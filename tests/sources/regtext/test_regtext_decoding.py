"""Encodings: BOMs, the ANSI code page parameter, BOM-less UTF-16, bad bytes, chunking."""

from __future__ import annotations

import io

import pytest

from hiveparse.errors import RegEncodingError, UsageError
from hiveparse.sources.regtext import RegReader, detect_reg, parse_reg_bytes

V5 = "Windows Registry Editor Version 5.00"
BODY = '\r\n\r\n[HKEY_CURRENT_USER\\Software\\Wine]\r\n"na\u00efve"="\u20ac \u0436 \U0001f600"\r\n'


def _ops(data: bytes, **options: object) -> tuple[RegReader, list[object]]:
    reader = RegReader(io.BytesIO(data), **options)  # type: ignore[arg-type]
    return reader, list(reader.operations())


@pytest.mark.parametrize(
    ("data", "encoding", "bom"),
    [
        (b"\xff\xfe" + (V5 + BODY).encode("utf-16-le"), "utf-16-le", b"\xff\xfe"),
        (b"\xfe\xff" + (V5 + BODY).encode("utf-16-be"), "utf-16-be", b"\xfe\xff"),
        (b"\xef\xbb\xbf" + (V5 + BODY).encode("utf-8"), "utf-8", b"\xef\xbb\xbf"),
    ],
)
def test_bom_decides_and_is_reported(data: bytes, encoding: str, bom: bytes) -> None:
    reader, ops = _ops(data)
    assert (reader.encoding, reader.bom) == (encoding, bom)
    assert ops == _ops(b"\xff\xfe" + (V5 + BODY).encode("utf-16-le"))[1]


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 7, 64, 1 << 20])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-8"])
def test_any_chunk_size_gives_the_same_result(chunk_size: int, codec: str) -> None:
    """Multi-byte characters and surrogate pairs split across reads decode correctly."""
    boms = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-8": b"\xef\xbb\xbf"}
    data = boms[codec] + (V5 + BODY * 3 + "\r\n").encode(codec)  # regedit's closing blank line
    reader, ops = _ops(data, chunk_size=chunk_size)
    _, expected = _ops(data)
    assert ops == expected
    assert reader.diagnostics[1:] == []  # only the BOM note for UTF-16BE / UTF-8


def test_ansi_code_page_is_a_parameter() -> None:
    data = 'REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n"\u0436"="\u0444"\r\n'.encode("cp1251")
    russian = parse_reg_bytes(data, encoding="cp1251")
    assert russian.encoding == "cp1251"
    key = russian.find("HKCU\\A")
    assert key is not None and key.value("\u0436") is not None
    western = parse_reg_bytes(data)
    assert western.encoding == "cp1252"
    key = western.find("HKCU\\A")
    assert key is not None and key.value("\u00e6") is not None  # the same byte in cp1252


def test_multibyte_code_page_across_chunks() -> None:
    data = 'REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n"\u65e5\u672c"="\u8a9e"\r\n'.encode("cp932")
    reader, ops = _ops(data, encoding="shift_jis", chunk_size=3)
    assert reader.encoding == "shift_jis"
    assert ops == _ops(data, encoding="cp932")[1]
    assert "\u65e5\u672c" in repr(ops[1])


@pytest.mark.parametrize(("codec", "name"), [("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE")])
def test_utf16_without_bom_is_refused_in_both_modes(codec: str, name: str) -> None:
    data = (V5 + BODY).encode(codec)
    for strict in (True, False):
        with pytest.raises(RegEncodingError) as caught:
            RegReader(io.BytesIO(data), strict=strict)
        assert caught.value.message == (
            f"the file looks like {name} text without a byte-order mark; regedit would read "
            f"it as ANSI and reject it (pass encoding='{codec}' to read it anyway)"
        )
        assert caught.value.location.offset == 0


def test_utf16_without_bom_read_when_asked() -> None:
    data = (V5 + BODY + "\r\n").encode("utf-16-le")
    reader, ops = _ops(data, encoding="utf-16-le")
    assert reader.encoding == "utf-16-le"
    assert len(ops) == 2
    assert [d.code for d in reader.diagnostics] == ["reg.utf16_without_bom"]


def test_python_utf16_auto_codec_is_refused() -> None:
    """Python's ``utf-16`` decodes BOM-less UTF-16BE as silent garbage ('愀戀')."""
    assert "ab".encode("utf-16-be").decode("utf-16") == "\u6100\u6200"
    with pytest.raises(UsageError, match="guesses the byte order"):
        RegReader(io.BytesIO(b"REGEDIT4\r\n"), encoding="utf-16")
    with pytest.raises(UsageError, match="unknown encoding 'klingon'"):
        RegReader(io.BytesIO(b"REGEDIT4\r\n"), encoding="klingon")


def test_encoding_parameter_does_not_override_a_bom() -> None:
    data = b"\xff\xfe" + (V5 + BODY + "\r\n").encode("utf-16-le")
    reader, _ = _ops(data, encoding="cp1251")
    assert reader.encoding == "utf-16-le"
    assert [d.code for d in reader.diagnostics] == ["reg.encoding_overridden"]


def test_ansi_text_is_not_mistaken_for_utf16() -> None:
    padded = b"REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n" + b"\x00" * 600
    reader = RegReader(io.BytesIO(padded), max_line_length=1000)
    assert reader.encoding == "cp1252"


@pytest.mark.parametrize(
    "prefix",
    [
        b"\xff\xfe" + V5.encode("utf-16-le"),
        b"\xfe\xff" + V5.encode("utf-16-be"),
        b"\xef\xbb\xbf" + V5.encode(),
        V5.encode() + b"\r\n",
        b"REGEDIT4\r\n[HKEY",
        b" \tREGEDIT4",
        b"REGEDIT\r\nHKEY_CLASSES_ROOT",
        b"REGEDIT5",  # Windows accepts it (and imports nothing): still a .reg file
        V5.encode("utf-16-le"),  # BOM-less UTF-16: sniffed so that the parser can refuse it
    ],
)
def test_detect_reg_yes(prefix: bytes) -> None:
    assert detect_reg(prefix)


@pytest.mark.parametrize(
    "prefix",
    [
        b"",
        b"regf\x01\x00\x00\x00",
        b"regedit4\r\n",
        b"\r\nREGEDIT4",
        b"Windows Registry",
        b"\xff\xfe",
        b"MZ\x90\x00",
        b"# REGEDIT4",
    ],
)
def test_detect_reg_no(prefix: bytes) -> None:
    assert not detect_reg(prefix)
