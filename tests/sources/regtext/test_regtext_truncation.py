"""A .reg file cut short: where it can be seen, the result is partial; where it cannot, said.

Every case cuts the regedit export ``samples/friday-afternoon-rdsh/SYSTEM.reg`` (UTF-16LE with
a byte-order mark, CR LF, a blank line at the end, as regedit writes) at one kind of boundary.
The line and column where the text ends are computed here from the text kept, by counting
CR LF pairs, independently of the parser's line splitting.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from hiveparse.errors import Diagnostic, Severity, Truncated
from hiveparse.evidence.open import open_evidence
from hiveparse.sources.regtext import RegFile, parse_reg_bytes
from hiveparse.sources.regtext.sniff import detect_reg

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "friday-afternoon-rdsh" / "SYSTEM.reg"
DATA = SAMPLE.read_bytes()
BOM = codecs.BOM_UTF16_LE
TEXT = DATA[len(BOM) :].decode("utf-16-le")
SYSTEM = "HKEY_LOCAL_MACHINE\\SYSTEM"
# The line the timebomb value (continued over several lines) starts on, counted here.
TIMEBOMB_LINE = TEXT[: TEXT.index('"L$RTMTIMEBOMB_')].count("\r\n") + 1


def _cut(needle: str, keep: int) -> tuple[bytes, int, int]:
    """The sample cut ``keep`` characters into the first ``needle``, with the line and column
    at which the kept text ends."""
    kept = TEXT[: TEXT.index(needle) + keep]
    line = kept.count("\r\n") + 1
    column = len(kept) - (kept.rfind("\r\n") + 2) + 1 if "\r\n" in kept else len(kept) + 1
    return BOM + kept.encode("utf-16-le"), line, column


def _truncated(regfile: RegFile) -> list[Diagnostic]:
    return [d for d in regfile.diagnostics if d.code == "reg.truncated"]


def _errors(regfile: RegFile) -> list[Diagnostic]:
    return [d for d in regfile.diagnostics if d.severity is Severity.ERROR]


def _assert_partial(data: bytes, line: int, column: int, reason: str) -> RegFile:
    """One ERROR ``reg.truncated`` at line:column (and no other error); strict mode raises
    Truncated there with the same message; the export's root no longer covers its hive."""
    regfile = parse_reg_bytes(data, source="cut.reg")
    (diagnostic,) = _errors(regfile)
    assert diagnostic.code == "reg.truncated"
    assert (diagnostic.location.line, diagnostic.location.column) == (line, column)
    assert reason in diagnostic.message
    with pytest.raises(Truncated) as caught:
        parse_reg_bytes(data, source="cut.reg", strict=True)
    assert (caught.value.location.line, caught.value.location.column) == (line, column)
    assert caught.value.message == diagnostic.message
    (root,) = regfile.coverage.roots(SYSTEM)
    assert (root.path, root.line, root.covers) == ("", 3, False)
    assert f"cut at line {line}" in root.reason
    return regfile


def test_the_whole_export_is_complete() -> None:
    regfile = parse_reg_bytes(DATA)
    assert [d for d in regfile.diagnostics if d.severity is not Severity.INFO] == []
    (root,) = regfile.coverage.roots(SYSTEM)
    assert root.covers


@pytest.mark.parametrize("keep", [1, 16, 23, 35])
def test_cut_inside_the_header_is_a_truncated_file(keep: int, tmp_path: Path) -> None:
    data, line, column = _cut("Windows Registry Editor Version 5.00", keep)
    assert (line, column) == (1, keep + 1)
    for strict in (True, False):
        with pytest.raises(Truncated) as caught:
            parse_reg_bytes(data, strict=strict, source="cut.reg")
        assert (caught.value.location.line, caught.value.location.column) == (1, keep + 1)
        shown = repr("Windows Registry Editor Version 5.00"[:keep])
        assert caught.value.message == (
            f"the file ends inside its header line: {shown} is the start of "
            "'Windows Registry Editor Version 5.00'; the file was cut"
        )
    # Sniffing knows the whole file is the start of a header, so the error names it.
    path = tmp_path / "SYSTEM.reg"
    path.write_bytes(data)
    assert detect_reg(data, whole_file=True)
    # Unless it names the editor, the first bytes of a longer file prove nothing.
    assert detect_reg(data) is (keep >= len("Windows Registry Editor"))
    with pytest.raises(Truncated, match="inside its header line"):
        open_evidence(path)


@pytest.mark.parametrize(
    ("needle", "keep", "reason"),
    [
        # inside a key line
        ("[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001]", 20, "key line has no closing ']'"),
        ("[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001]", 1, "key line has no closing ']'"),
        # inside a value name
        ('"ComputerName"="RDSH', 5, "unterminated value name"),
        ('"ComputerName"="RDSH', 14, "expected '=' after the value name"),
        # inside string data
        ('"ComputerName"="RDSH', 20, "unterminated string"),
        ('"ComputerName"="RDSH', 16, "unterminated string"),
        # between '=' and the data, inside the type tag
        ('"TSAppCompat"=dword', 14, "missing value data after '='"),
        ('"TSAppCompat"=dword', 17, "unknown value data 'dwo'"),
        ('"ImagePath"=hex(2):', 17, "hex(N): needs N"),
        ('"TSAppCompat"=dword', 20, "dword data must be 1 to 8 hex digits, found ''"),
        # inside dword digits: fewer than 8 on a last line without a line break
        ('"fDenyTSConnections"=dword:00000000', 31, "dword data (4 of 8 digits)"),
        ('"fDenyTSConnections"=dword:00000000', 34, "dword data (7 of 8 digits)"),
        # inside hex data on a value's first line, and on a continuation line
        ('"DependOnService"=hex(7):52,00', 30, "hex data"),
        ('"DependOnService"=hex(7):52,00', 29, "hex data"),
        ('"DependOnService"=hex(7):52,00', 25, "hex data"),
        ("  c5,9f,be,7c", 9, "hex data"),
        # inside a continued value: its last line promised more with '\'
        ('"L$RTMTIMEBOMB_', 79, f"continued from line {TIMEBOMB_LINE}"),
        ("  df,01,15,d1", 78, f"continued from line {TIMEBOMB_LINE}"),
        ("  df,01,15,d1", 80, f"continued from line {TIMEBOMB_LINE}"),  # after the break too
    ],
)
def test_cut_inside_a_line_is_partial(needle: str, keep: int, reason: str) -> None:
    data, line, column = _cut(needle, keep)
    _assert_partial(data, line, column, reason)


def test_what_was_read_before_the_cut_is_kept() -> None:
    data, line, column = _cut('"ComputerName"="RDSH', 20)
    regfile = _assert_partial(data, line, column, "unterminated string")
    key = regfile.find(SYSTEM + "\\ControlSet001\\Control\\ComputerName\\ComputerName")
    assert key is not None and key.value("ComputerName") is None
    # A dword cut inside its digits is read as an import reads it, and marked partial.
    data, line, column = _cut('"fDenyTSConnections"=dword:00000000', 31)
    regfile = _assert_partial(data, line, column, "4 of 8 digits")
    key = regfile.find(SYSTEM + "\\ControlSet001\\Control\\Terminal Server")
    assert key is not None
    value = key.value("fDenyTSConnections")
    assert value is not None and value.raw == b"\x00\x00\x00\x00"


def test_odd_number_of_bytes_is_partial() -> None:
    # The last byte of the closing CR LF is gone: the text ends after a CR, at the start of
    # the line after the blank line regedit ends with.
    lines = TEXT.count("\r\n")
    _assert_partial(DATA[:-1], lines + 1, 1, "half a UTF-16 code unit (an odd number of bytes)")
    # Cut in the middle of a string: both the line and the half unit are named, once.
    data, line, column = _cut('"ComputerName"="RDSH', 18)
    regfile = _assert_partial(data[:-1], line, column - 1, "unterminated string")
    (diagnostic,) = _truncated(regfile)
    assert "half a UTF-16 code unit" in diagnostic.message
    assert f"at offset 0x{len(data) - 2:x}" in diagnostic.message


def test_incomplete_utf8_character_at_the_end_is_partial() -> None:
    text = 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\A]\r\n"s"="\u20ac'
    data = codecs.BOM_UTF8 + text.encode("utf-8")[:-1]  # two of the euro sign's three bytes
    regfile = parse_reg_bytes(data, source="cut.reg")
    (diagnostic,) = _errors(regfile)
    assert (diagnostic.code, diagnostic.location.line, diagnostic.location.column) == (
        "reg.truncated",
        4,
        6,
    )
    assert "an incomplete utf-8 character at offset 0x" in diagnostic.message


@pytest.mark.parametrize(
    "needle",
    [
        '"ProductVersion"="5.1"',  # a closed string
        '"fDenyTSConnections"=dword:00000000',  # 8 dword digits
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\Terminal Server]",  # a key
    ],
)
def test_a_last_line_complete_in_itself_is_not_partial(needle: str) -> None:
    data, line, column = _cut(needle, len(needle))
    assert TEXT[TEXT.index(needle) + len(needle)] == "\r"  # cut right before the line break
    regfile = parse_reg_bytes(data)
    assert _errors(regfile) == []
    (warning,) = [d for d in regfile.diagnostics if d.code == "reg.truncated_suspected"]
    assert (warning.severity, warning.location.line, warning.location.column) == (
        Severity.INFO,
        line,
        column,
    )
    assert "without a line break" in warning.message
    (root,) = regfile.coverage.roots(SYSTEM)
    assert not root.covers
    assert f"may have been cut after line {line}" in root.reason


def test_a_cut_at_a_line_boundary_is_only_suspected() -> None:
    kept = TEXT[: TEXT.index('"ProductVersion"="5.1"\r\n') + len('"ProductVersion"="5.1"\r\n')]
    last = kept.count("\r\n")  # the ProductVersion line, with its line break
    assert kept.split("\r\n")[last - 1] == '"ProductVersion"="5.1"'
    regfile = parse_reg_bytes(BOM + kept.encode("utf-16-le"))
    assert _errors(regfile) == []
    assert [d for d in regfile.diagnostics if str(d.severity) != "info"] == []
    (warning,) = [d for d in regfile.diagnostics if d.code == "reg.truncated_suspected"]
    assert (warning.code, warning.location.line, warning.location.column) == (
        "reg.truncated_suspected",
        last,
        len('"ProductVersion"="5.1"') + 1,
    )
    assert "right after its line break" in warning.message
    (root,) = regfile.coverage.roots(SYSTEM)
    assert not root.covers
    # The blank line regedit writes last makes it an ordinary end.
    blank = parse_reg_bytes(BOM + (kept + "\r\n").encode("utf-16-le"))
    assert [d for d in blank.diagnostics if str(d.severity) != "info"] == []
    (root,) = blank.coverage.roots(SYSTEM)
    assert root.covers


def test_regedit4_files_are_not_suspected() -> None:
    """The closing blank line is a version 5 export's habit; REGEDIT4 files keep the old
    behaviour (none of the Wine test files ends with one)."""
    regfile = parse_reg_bytes(b'REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n"a"="b"\r\n')
    assert regfile.diagnostics == []
