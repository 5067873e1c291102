"""The change script a .reg file is: one operation per key line or value line.

Paths are full registry paths with the root spelled canonically (``HKEY_LOCAL_MACHINE``,
never ``HKLM``) and the key names as written. ``line`` is the 1-based line of the key line
or of the first line of a (possibly continued) value line.

The classes are plain slotted dataclasses, not frozen ones, because a frozen dataclass costs
four times as much to create and a large file streams millions of them; treat them as
immutable.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class CreateKey:
    """``[path]``: open the key, creating it and any missing parents."""

    path: str
    line: int


@dataclass(slots=True)
class DeleteKey:
    """``[-path]``: delete the key and its whole subtree."""

    path: str
    line: int


@dataclass(slots=True)
class SetValue:
    """``"name"=data`` (``@=data`` has name ""): write one value.

    ``raw`` is the data exactly as the file gives it: the UTF-16LE encoding plus a NUL for
    a quoted string, 4 little-endian bytes for ``dword:``, the listed bytes for ``hex`` and
    ``hex(N)`` (``is_hex``; in a REGEDIT4 file ``hex(1|2|7)`` bytes are ANSI text, see
    :func:`~hiveparse.sources.regtext.regedit4.ansi_payload_to_utf16`).
    """

    key_path: str
    name: str
    type_id: int
    raw: bytes
    line: int
    is_hex: bool = False


@dataclass(slots=True)
class DeleteValue:
    """``"name"=-``: delete one value."""

    key_path: str
    name: str
    line: int


Operation = CreateKey | DeleteKey | SetValue | DeleteValue
