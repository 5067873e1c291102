"""The first line of a .reg file, which decides how (and whether) regedit reads the rest.

Rules from Wine's ``parse_file_header`` and its conformance tests against Windows
(``programs/reg/tests/import.c``, ``test_import``): blanks before the header are skipped; the
comparison is exact and case-sensitive (``regedit4`` and ``WINDOWS REGISTRY EDITOR VERSION
5.00`` are rejected); a blank first line is rejected; any other line that starts with
``REGEDIT`` (``REGEDIT5``, ``REGEDIT 4``, ``REGEDIT4 FOO``) is accepted by Windows but nothing
in the file is imported.

Our own rule (undocumented in Windows): blanks *after* a header are tolerated with an INFO
diagnostic. The Microsoft sample ``sserver.reg`` starts with ``REGEDIT `` (trailing space).
"""

from __future__ import annotations

from enum import StrEnum

from hiveparse.errors import RegSyntaxError, Severity
from hiveparse.sources.regtext.diagnostics import DiagnosticSink

_BLANKS = " \t"


class RegHeader(StrEnum):
    VERSION_5 = "Windows Registry Editor Version 5.00"
    REGEDIT4 = "REGEDIT4"
    WIN31 = "REGEDIT"  # Windows 3.1: ``HKEY_CLASSES_ROOT\\path = value`` lines
    NOT_IMPORTED = "REGEDIT*"  # another REGEDIT... header: Windows imports nothing


_EXACT = {header.value: header for header in RegHeader if header is not RegHeader.NOT_IMPORTED}


def _show(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def parse_header(line: str | None, *, strict: bool, source: str, sink: DiagnosticSink) -> RegHeader:
    """The header that ``line`` (the first line, None for an empty file) announces.

    Raises :class:`RegSyntaxError` when regedit would reject the file, and also, in strict
    mode, for a header that Windows accepts without importing anything.
    """
    if line is None:
        raise RegSyntaxError("empty file: no header line", source=source, line=1, column=1)
    text = line.lstrip(_BLANKS)
    column = len(line) - len(text) + 1
    found = _EXACT.get(text)
    if found is not None:
        return found
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
        return found
    if text.startswith("REGEDIT"):
        message = (
            f"header {_show(trimmed)} is not a header regedit imports from "
            "(Windows accepts the file but writes nothing)"
        )
        if strict:
            raise RegSyntaxError(message, source=source, line=1, column=column)
        sink.add("reg.header_not_imported", message, line=1, column=column, severity=Severity.ERROR)
        return RegHeader.NOT_IMPORTED
    if not text:
        message = "missing header: the first line is blank (regedit rejects the file)"
    else:
        message = (
            f"missing header: expected 'Windows Registry Editor Version 5.00', 'REGEDIT4' or "
            f"'REGEDIT' (case-sensitive), found {_show(trimmed)}"
        )
    raise RegSyntaxError(message, source=source, line=1, column=column)
