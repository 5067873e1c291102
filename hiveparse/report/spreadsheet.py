"""CSV cells a spreadsheet shows as text and never evaluates.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken for a
formula by Excel, LibreOffice and Google Sheets (CSV injection, OWASP); evidence can hold
any of them (a value named ``=HYPERLINK(...)``). Such a cell starts with ``'`` instead,
which a spreadsheet shows and does not run. None is an empty cell.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(cell: object) -> object:
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return "" if cell is None else cell
