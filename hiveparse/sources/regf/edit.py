"""Deleting a value from a written hive image the way the Windows configuration manager does.

Windows does not wipe what it deletes (CmDeleteValueKey, HvFreeCell): the value record,
its data cells and, when the key is left without values, the value list are marked free (the
cell size turns positive) and keep their bytes; the key's value list is closed up over the
removed entry, which leaves a stale copy of the last entry past the new count. The key node
gets the new count and last-written time; with no values left its largest-name and
largest-data fields are reset to zero. Neighbouring free cells are not merged here (Windows
may merge them later; carving handles both).

This is what builds realistic deleted-data evidence for the samples and tests from the
project's own writer (:func:`hiveparse.sources.regf.writer.write_hive_with_layout`).
"""

from __future__ import annotations

import struct

from hiveparse.errors import KeyNotFound
from hiveparse.schemas import regf
from hiveparse.sources.regf.records import NK
from hiveparse.sources.regf.writer import HiveLayout

_DATA_START = regf.BASE_BLOCK_SIZE
_CELL_SIZE = struct.Struct("<i")


def free_cell(image: bytearray, offset: int) -> None:
    """Mark the cell at ``offset`` (relative to the hive bins data) unallocated."""
    where = offset + _DATA_START
    size = _CELL_SIZE.unpack_from(image, where)[0]
    _CELL_SIZE.pack_into(image, where, abs(size))


def delete_value(
    image: bytearray,
    layout: HiveLayout,
    key_path: str,
    name: str,
    *,
    last_written: int | None = None,
) -> None:
    """Delete value ``name`` of the key at ``key_path`` (model paths, as ``layout`` names
    them) in place; ``last_written`` becomes the key's last-written FILETIME when given."""
    ident = (key_path, name)
    if ident not in layout.values or key_path not in layout.keys:
        raise KeyNotFound(f"no value {name!r} under {key_path!r} in this image")
    vk = layout.values[ident]
    node_at = layout.keys[key_path] + 4 + _DATA_START
    fields = dict(zip(NK.names, NK.packer.unpack_from(image, node_at), strict=True))
    list_offset = layout.value_lists[key_path]
    count = fields["number_of_key_values"]
    entries = list(struct.unpack_from(f"<{count}I", image, list_offset + 4 + _DATA_START))
    entries.remove(vk)
    if entries:
        struct.pack_into(f"<{len(entries)}I", image, list_offset + 4 + _DATA_START, *entries)
    else:
        free_cell(image, list_offset)
        fields["key_values_list_offset"] = regf.NO_CELL
        fields["largest_value_name_length"] = 0
        fields["largest_value_data_size"] = 0
    fields["number_of_key_values"] = len(entries)
    if last_written is not None:
        fields["last_written_timestamp"] = last_written
    NK.packer.pack_into(image, node_at, *fields.values())
    free_cell(image, vk)
    big = layout.big_data.get(ident)
    if big is not None:
        for segment in (big.db, big.segment_list, *big.segments):
            free_cell(image, segment)
    elif ident in layout.data:
        free_cell(image, layout.data[ident])
