"""The one round-trip helper for construct declarations (STYLE.md point 10).

``assert_roundtrip(schema, data, obj)`` proves three things about a declaration: parsing
``data`` gives ``obj``, building ``obj`` gives ``data`` back byte for byte, and building what
was parsed gives ``data`` too (so nothing the parse dropped was needed to rebuild it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import construct


def plain(value: Any) -> Any:
    """Containers and lists as plain dicts and lists, without construct's ``_io`` entries."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def assert_roundtrip(schema: construct.Construct, data_bytes: bytes, obj: Any) -> None:
    parsed = schema.parse(data_bytes)
    assert plain(parsed) == plain(obj), f"parse gave {plain(parsed)!r}"
    built = schema.build(obj)
    assert built == data_bytes, f"build gave {built.hex()} instead of {data_bytes.hex()}"
    assert schema.build(parsed) == data_bytes, "rebuilding the parsed object changed the bytes"


def all_flags(flags_enum: construct.FlagsEnum, *set_names: str) -> dict[str, bool]:
    """The parsed form of a FlagsEnum: every flag name, True for ``set_names``."""
    unknown = set(set_names) - set(flags_enum.flags)
    assert not unknown, f"not flags of this declaration: {unknown}"
    return {name: name in set_names for name in flags_enum.flags}
