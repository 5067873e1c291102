"""A tiny .reg writer for the property tests: regedit's export layout, in both versions.

Version 5: UTF-16LE with BOM, CRLF, ``Windows Registry Editor Version 5.00``. REGEDIT4:
cp1252, CRLF, ``REGEDIT4``, with REG_EXPAND_SZ/REG_MULTI_SZ written as ANSI bytes as
regedit 4 wrote them. Hex data wraps as regedit wraps it: a line ends with ``,\\`` once it
reaches column 77 and the next starts with two spaces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HEX_WRAP = 77


@dataclass
class ValueSpec:
    name: str
    type_id: int
    text: str | None = None  # REG_SZ written as a quoted string, or the text of a hex(2|7) value
    raw: bytes = b""  # data of hex values (ignored when ``text`` is set)
    form: str = "hex"  # "sz", "dword" or "hex"


@dataclass
class KeySpec:
    path: str  # full path with a canonical root
    values: list[ValueSpec] = field(default_factory=list)


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _hex_lines(prefix: str, data: bytes) -> list[str]:
    lines: list[str] = []
    current = prefix
    for index, byte in enumerate(data):
        last = index == len(data) - 1
        current += f"{byte:02x}" + ("" if last else ",")
        if not last and len(current) >= HEX_WRAP:
            lines.append(current + "\\")
            current = "  "
    lines.append(current)
    return lines


def ansi_payload(value: ValueSpec) -> bytes:
    """The bytes REGEDIT4 writes for a REG_EXPAND_SZ/REG_MULTI_SZ text."""
    assert value.text is not None
    return value.text.encode("cp1252")


def value_lines(value: ValueSpec, *, regedit4: bool) -> list[str]:
    name = "@" if value.name == "" else f'"{escape(value.name)}"'
    if value.form == "sz":
        assert value.text is not None
        return [f'{name}="{escape(value.text)}"']
    if value.form == "dword":
        return [f"{name}=dword:{int.from_bytes(value.raw, 'little'):08x}"]
    data = value.raw
    if value.text is not None:
        data = ansi_payload(value) if regedit4 else value.text.encode("utf-16-le")
    tag = "hex" if value.type_id == 3 else f"hex({value.type_id:x})"
    return _hex_lines(f"{name}={tag}:", data)


def export(keys: list[KeySpec], *, regedit4: bool) -> bytes:
    lines = ["REGEDIT4" if regedit4 else "Windows Registry Editor Version 5.00"]
    for key in keys:
        lines.append("")
        lines.append(f"[{key.path}]")
        for value in key.values:
            lines.extend(value_lines(value, regedit4=regedit4))
    lines.extend(["", ""])
    text = "\r\n".join(lines)
    if regedit4:
        return text.encode("cp1252")
    return b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass")
