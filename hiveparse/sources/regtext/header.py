"""The first line of a .reg file, which decides how (and whether) regedit reads the rest.

Rules from Wine's ``parse_file_header`` and its conformance tests against Windows
(``programs/reg/tests/import.c``, ``test_import``): blanks before the header are skipped; the
comparison is exact and case-sensitive (``regedit4`` and ``WINDOWS REGISTRY EDITOR VERSION
5.00`` are rejected); a blank first line is rejected; any other line that starts with
``REGEDIT`` (``REGEDIT5``, ``REGEDIT 4``, ``REGEDIT4 FOO``) is accepted by Windows but nothing
in the file is imported.

Our own rules (undocumented in Windows): blanks *after* a header are tolerated with an INFO
diagnostic (the Microsoft sample ``sserver.reg`` starts with ``REGEDIT `` with a trailing
space); a header Windows accepts without importing anything is refused with
:class:`~hiveparse.errors.Unsupported`, since a file whose content Windows ignores shows
nothing about a machine; a first line that is the start of a header and ends the file is a
cut file (:class:`~hiveparse.errors.Truncated`).
"""

from __future__ import annotations

from enum import StrEnum

from hiveparse.errors import RegSyntaxError, Severity, Truncated, Unsupported
from hiveparse.sources.regtext.diagnostics import DiagnosticSink
from hiveparse.sources.regtext.lines import TextEnd

_BLANKS = " \t"


class RegHeader(StrEnum):
    VERSION_5 = "Windows Registry Editor Version 5.00"
    REGEDIT4 = "REGEDIT4"
    WIN31 = "REGEDIT"  # Windows 3.1: ``HKEY_CLASSES_ROOT\\path = value`` lines


_EXACT = {header.value: header for header in RegHeader}


def _show(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def is_header_start(text: str) -> bool:
    """True when ``text`` is a header cut short (``REGEDIT`` counts: it starts ``REGEDIT4``)."""
    return any(header.value.startswith(text) and header.value != text for header in RegHeader)


def parse_header(
    line: str | None,
    *,
    strict: bool,
    source: str,
    sink: DiagnosticSink,
    end: TextEnd | None = None,
) -> RegHeader:
    """The header that ``line`` (the first line, None for an empty file) announces.

    Raises :class:`RegSyntaxError` when regedit would reject the file, :class:`Unsupported`
    for a header Windows accepts without importing anything (``REGEDIT5``), and
    :class:`Truncated` when the file ends inside its header line, in both modes (``strict``
    is kept for callers: no header problem is left to a diagnostic). ``end`` tells whether the
    line is the file's last one, without a line break.
    """
    cut_detail = "" if end is None or end.cut_offset is None else end.cut_detail
    if line is None:
        if cut_detail:
            raise Truncated(
                f"the file ends inside its first character ({cut_detail}): it was cut before "
                "the header line",
                source=source,
                line=1,
                column=1,
            )
        raise RegSyntaxError("empty file: no header line", source=source, line=1, column=1)
    text = line.lstrip(_BLANKS)
    column = len(line) - len(text) + 1
    last_line = end is not None and end.unterminated
    if last_line and text and text != RegHeader.WIN31.value and is_header_start(text):
        raise Truncated(
            f"the file ends inside its header line: {_show(text)} is the start of "
            f"{_show(_completion(text))}; the file was cut",
            source=source,
            line=1,
            column=len(line) + 1,
        )
    found = _EXACT.get(text)
    if found is None:
        trimmed = text.rstrip(_BLANKS)
        found = _EXACT.get(trimmed)
        if found is not None:
            sink.add(
                "reg.header_trailing_blanks",
                f"blanks after the header {found.value!r}; accepted",
                line=1,
                column=column + len(trimmed),
                severity=Severity.INFO,
            )
    if found is not None:
        if found is RegHeader.WIN31 and last_line:
            sink.add(
                "reg.truncated_suspected",
                "the file is the line 'REGEDIT' and nothing more: an empty Windows 3.1 file, "
                "or 'REGEDIT4' cut short",
                line=1,
                column=len(line) + 1,
                severity=Severity.INFO,
            )
        return found
    trimmed = text.rstrip(_BLANKS)
    if text.startswith("REGEDIT"):
        raise Unsupported(
            f"unsupported .reg header {_show(trimmed)}: hiveparse reads "
            "'Windows Registry Editor Version 5.00', 'REGEDIT4' and Windows 3.1 'REGEDIT' "
            "files; Windows accepts this header but imports nothing from the file",
            source=source,
            line=1,
            column=column,
        )
    if not text:
        message = "missing header: the first line is blank (regedit rejects the file)"
    else:
        message = (
            f"missing header: expected 'Windows Registry Editor Version 5.00', 'REGEDIT4' or "
            f"'REGEDIT' (case-sensitive), found {_show(trimmed)}"
        )
    raise RegSyntaxError(message, source=source, line=1, column=column)


def _completion(text: str) -> str:
    for header in RegHeader:
        if header.value.startswith(text) and header.value != text:
            return header.value
    return text
