"""The .reg text parser: regedit export/import files as a change script and as a snapshot.

Two views of one file:

* :func:`iter_operations` / :class:`RegReader` stream the ordered operations
  (:class:`CreateKey`, :class:`DeleteKey`, :class:`SetValue`, :class:`DeleteValue`) in
  bounded memory, with the header, the detected encoding and the diagnostics on the reader;
* :func:`parse_reg_file` / :func:`parse_reg_bytes` / :func:`loads` apply them to one
  in-memory hive per hive mount and return a :class:`RegFile`, with what the file covers
  (:class:`RegCoverage`: the subtrees in which an absence counts).

What is accepted and rejected follows Windows as Wine's conformance tests record it; see
``syntax.py`` and ``parser.py`` for each rule and docs/reference/reliability.md §3 for the
edge cases.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hiveparse.sources.regtext.coverage import CoverageCollector, ExportRoot, RegCoverage
    from hiveparse.sources.regtext.decoding import DEFAULT_ANSI_CODEPAGE, DEFAULT_CHUNK_SIZE
    from hiveparse.sources.regtext.diagnostics import DEFAULT_MAX_PER_CODE
    from hiveparse.sources.regtext.header import RegHeader
    from hiveparse.sources.regtext.lines import DEFAULT_MAX_LINE_LENGTH
    from hiveparse.sources.regtext.operations import (
        CreateKey,
        DeleteKey,
        DeleteValue,
        Operation,
        SetValue,
    )
    from hiveparse.sources.regtext.reader import RegReader, iter_operations
    from hiveparse.sources.regtext.regedit4 import ansi_payload_to_utf16
    from hiveparse.sources.regtext.regfile import RegFile, loads, parse_reg_bytes, parse_reg_file
    from hiveparse.sources.regtext.sniff import detect_reg

# Imported on first use: sniffing evidence needs only sniff.py, not the whole parser.
_LAZY: dict[str, str] = {
    "CoverageCollector": "hiveparse.sources.regtext.coverage",
    "CreateKey": "hiveparse.sources.regtext.operations",
    "DEFAULT_ANSI_CODEPAGE": "hiveparse.sources.regtext.decoding",
    "DEFAULT_CHUNK_SIZE": "hiveparse.sources.regtext.decoding",
    "DEFAULT_MAX_LINE_LENGTH": "hiveparse.sources.regtext.lines",
    "DEFAULT_MAX_PER_CODE": "hiveparse.sources.regtext.diagnostics",
    "DeleteKey": "hiveparse.sources.regtext.operations",
    "DeleteValue": "hiveparse.sources.regtext.operations",
    "ExportRoot": "hiveparse.sources.regtext.coverage",
    "Operation": "hiveparse.sources.regtext.operations",
    "RegCoverage": "hiveparse.sources.regtext.coverage",
    "RegFile": "hiveparse.sources.regtext.regfile",
    "RegHeader": "hiveparse.sources.regtext.header",
    "RegReader": "hiveparse.sources.regtext.reader",
    "SetValue": "hiveparse.sources.regtext.operations",
    "ansi_payload_to_utf16": "hiveparse.sources.regtext.regedit4",
    "detect_reg": "hiveparse.sources.regtext.sniff",
    "iter_operations": "hiveparse.sources.regtext.reader",
    "loads": "hiveparse.sources.regtext.regfile",
    "parse_reg_bytes": "hiveparse.sources.regtext.regfile",
    "parse_reg_file": "hiveparse.sources.regtext.regfile",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "DEFAULT_ANSI_CODEPAGE",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_MAX_LINE_LENGTH",
    "DEFAULT_MAX_PER_CODE",
    "CoverageCollector",
    "CreateKey",
    "DeleteKey",
    "DeleteValue",
    "ExportRoot",
    "Operation",
    "RegCoverage",
    "RegFile",
    "RegHeader",
    "RegReader",
    "SetValue",
    "ansi_payload_to_utf16",
    "detect_reg",
    "iter_operations",
    "loads",
    "parse_reg_bytes",
    "parse_reg_file",
]
