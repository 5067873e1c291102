"""The struct formats compiled from construct declarations (hiveparse.schemas.fastpath)
agree with construct itself, field for field, both ways."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hiveparse.schemas import regf
from hiveparse.schemas.fastpath import compile_fixed_head

VK = compile_fixed_head(regf.key_value)
CELL_HEADER = compile_fixed_head(regf.cell_header)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)


@given(
    name=st.binary(max_size=40),
    data_size=u32,
    data_offset=u32,
    data_type=u32,
    flags=st.integers(0, 3),
    spare=u16,
)
def test_a_vk_head_packs_as_construct_builds_it(
    name: bytes, data_size: int, data_offset: int, data_type: int, flags: int, spare: int
) -> None:
    fields: dict[str, Any] = {
        "name_length": len(name),
        "data_size": data_size,
        "data_offset": data_offset,
        "data_type": data_type,
        "spare": spare,
    }
    built = regf.key_value.build(
        {
            **fields,
            "flags": {"VALUE_COMP_NAME": bool(flags & 1), "IS_TOMBSTONE": bool(flags & 2)},
            "value_name": name,
        }
    )
    assert VK.pack({**fields, "flags": flags}) + name == built
    assert VK.size == 20 and built[:2] == b"vk"  # the spec's fixed vk head is 20 bytes
    assert VK.unpack_from(built) == {"signature": b"vk", **fields, "flags": flags}


@given(size=st.integers(-(2**31), 2**31 - 1))
def test_a_cell_header_packs_as_construct_builds_it(size: int) -> None:
    assert CELL_HEADER.pack({"size": size}) == regf.cell_header.build({"size": size})
