"""The public API: RegReader, iter_operations, parse_reg_file/bytes, loads; strictness."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from hiveparse.errors import (
    EvidenceError,
    HiveparseError,
    RegSyntaxError,
    Unsupported,
    UsageError,
)
from hiveparse.sources.regtext import (
    CreateKey,
    DeleteKey,
    DeleteValue,
    RegHeader,
    RegReader,
    SetValue,
    iter_operations,
    loads,
    parse_reg_bytes,
    parse_reg_file,
)

TEXT = (
    "Windows Registry Editor Version 5.00\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\MSLicensing\\HardwareID]\r\n"
    '"ClientHWID"=-\r\n'
    '"bad"=dword:0x1\r\n'
    "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\MSLicensing\\Store\\LICENSE000]\r\n"
    "\r\n"  # regedit ends a file with a blank line (else: reg.truncated_suspected)
)
DATA = b"\xff\xfe" + TEXT.encode("utf-16-le")
HWID = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\MSLicensing\\HardwareID"
EXPECTED = [
    CreateKey(HWID, 3),
    DeleteValue(HWID, "ClientHWID", 4),
    DeleteKey("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\MSLicensing\\Store\\LICENSE000", 6),
]


@pytest.fixture
def reg_path(tmp_path: Path) -> Path:
    path = tmp_path / "license.reg"
    path.write_bytes(DATA)
    return path


def test_iter_operations_on_a_path_and_a_stream(reg_path: Path) -> None:
    assert list(iter_operations(reg_path)) == EXPECTED
    assert list(iter_operations(str(reg_path))) == EXPECTED
    stream = io.BytesIO(DATA)
    assert list(iter_operations(stream, source="evidence.reg")) == EXPECTED
    assert not stream.closed  # the caller's stream stays open


def test_strict_raises_with_source_line_and_column(reg_path: Path) -> None:
    with pytest.raises(RegSyntaxError) as caught:
        list(iter_operations(reg_path, strict=True))
    error = caught.value
    assert isinstance(error, EvidenceError)
    assert (error.location.source, error.location.line, error.location.column) == (
        str(reg_path),
        5,
        13,
    )
    assert error.message == "dword data must be 1 to 8 hex digits, found '0x1'"
    assert str(error) == f"{reg_path}: 5:13: dword data must be 1 to 8 hex digits, found '0x1'"


def test_reader_reports_header_encoding_and_diagnostics(reg_path: Path) -> None:
    with RegReader(reg_path) as reader:
        assert reader.header is RegHeader.VERSION_5
        assert (reader.encoding, reader.bom, reader.source) == (
            "utf-16-le",
            b"\xff\xfe",
            str(reg_path),
        )
        assert list(reader.operations()) == EXPECTED
        assert [str(d) for d in reader.diagnostics] == [
            f"{reg_path}: 5:13: dword data must be 1 to 8 hex digits, found '0x1' [reg.syntax]"
        ]
        with pytest.raises(UsageError, match="only once"):
            reader.operations()


def test_operations_are_streamed_lazily() -> None:
    lines = ["REGEDIT4", "[HKEY_CURRENT_USER\\A]"] + [f'"v{i}"=dword:{i:x}' for i in range(5000)]
    data = "\r\n".join(lines).encode()

    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size: int | None = -1, /) -> bytes:
            chunk = super().read(size)
            self.read_bytes += len(chunk)
            return chunk

    stream = Counting(data)
    operations = RegReader(stream, chunk_size=256).operations()
    assert next(operations) == CreateKey("HKEY_CURRENT_USER\\A", 2)
    assert stream.read_bytes < 1024 < len(data)
    assert sum(1 for _ in operations) == 5000


def test_reader_closes_the_file_it_opened(reg_path: Path) -> None:
    reader = RegReader(reg_path)
    file = reader._file
    assert file is not None and not file.closed
    list(reader.operations())
    assert file.closed
    with RegReader(reg_path) as early:
        kept = early._file
    assert kept is not None and kept.closed


def test_missing_file_is_an_evidence_error(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="cannot open the file"):
        parse_reg_file(tmp_path / "nope.reg")


def test_parse_reg_file_bytes_and_loads_agree(reg_path: Path) -> None:
    from_file = parse_reg_file(reg_path)
    from_bytes = parse_reg_bytes(DATA, source=str(reg_path))
    from_text = loads(TEXT, source=str(reg_path))
    assert from_file.encoding == from_bytes.encoding == "utf-16-le"
    assert from_text.encoding == "str"
    for result in (from_file, from_bytes, from_text):
        assert result.header is RegHeader.VERSION_5
        assert list(result.hives) == ["HKEY_LOCAL_MACHINE\\SOFTWARE"]
        assert result.find(HWID) is not None
        assert [d.code for d in result.diagnostics] == ["reg.syntax"]
        assert result.source == str(reg_path)


def test_strict_parse_reg_file(reg_path: Path) -> None:
    with pytest.raises(RegSyntaxError):
        parse_reg_file(reg_path, strict=True)
    good = TEXT.replace('"bad"=dword:0x1\r\n', "")
    assert parse_reg_bytes(good.encode(), strict=True).diagnostics == []


def test_set_value_raw_bytes_exactly_as_regedit_stores_them() -> None:
    ops = list(
        RegReader.from_text(
            'REGEDIT4\n[HKEY_CURRENT_USER\\A]\n"s"="abc"\n"d"=dword:00000102\n"b"=hex(5):00,01\n'
        ).operations()
    )
    assert ops[1:] == [
        SetValue("HKEY_CURRENT_USER\\A", "s", 1, b"a\x00b\x00c\x00\x00\x00", 3),
        SetValue("HKEY_CURRENT_USER\\A", "d", 4, b"\x02\x01\x00\x00", 4),
        SetValue("HKEY_CURRENT_USER\\A", "b", 5, b"\x00\x01", 5, is_hex=True),
    ]


def test_diagnostics_are_capped_per_code() -> None:
    lines = ["REGEDIT4", "[HKEY_CURRENT_USER\\A]"] + ['"v"=dword:1'] * 1502
    regfile = loads("\n".join(lines))
    codes = [d.code for d in regfile.diagnostics]
    assert codes.count("reg.duplicate_value") == 1000
    assert str(regfile.diagnostics[-1]) == (
        "<string>: 501 more 'reg.duplicate_value' diagnostics not listed (1501 in all)"
        " [reg.diagnostics_suppressed]"
    )
    reader = RegReader(
        io.BytesIO("\n".join(lines[:2] + ["x"] * 20).encode()), max_diagnostics_per_code=5
    )
    list(reader.operations())
    assert [d.code for d in reader.diagnostics] == ["reg.syntax"] * 5 + [
        "reg.diagnostics_suppressed"
    ]


@pytest.mark.parametrize("strict", [True, False])
def test_header_windows_imports_nothing_from_is_unsupported(strict: bool) -> None:
    """Windows accepts 'REGEDIT4 FOO' and imports nothing: no result, in either mode."""
    data = b'REGEDIT4 FOO\r\n[HKEY_CURRENT_USER\\A]\r\n"a"="b"\r\n\r\n'
    with pytest.raises(Unsupported) as caught:
        RegReader(io.BytesIO(data), strict=strict, source="x.reg")
    assert str(caught.value) == (
        "x.reg: 1:1: unsupported .reg header 'REGEDIT4 FOO': hiveparse reads "
        "'Windows Registry Editor Version 5.00', 'REGEDIT4' and Windows 3.1 'REGEDIT' files; "
        "Windows accepts this header but imports nothing from the file"
    )


def test_only_hiveparse_errors_escape_for_odd_inputs() -> None:
    for data in (b"", b"\xff", b"\xff\xfe\x00", b"\xfe\xff\xd8\x00", b'REGEDIT4\r\n[\r\n"'):
        for strict in (True, False):
            with contextlib.suppress(HiveparseError):
                parse_reg_bytes(data, strict=strict)


def test_loads_drops_a_decoded_byte_order_mark() -> None:
    regfile = loads("\ufeffREGEDIT4\n[HKEY_CURRENT_USER\\A]\n")
    assert regfile.header is RegHeader.REGEDIT4
    assert [(d.code, d.location.line) for d in regfile.diagnostics] == [("reg.bom_character", 1)]
