"""The volume shadow copies of an NTFS volume, listed (never examined): what the volsnap
catalog says of each (schemas in :mod:`hiveparse.schemas.vss`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from construct import ConstructError

from hiveparse.filetime import iso_z
from hiveparse.schemas.vss import (
    CATALOG_BLOCK_SIZE,
    CATALOG_ENTRY_SIZE,
    ENTRY_SHADOW_COPY,
    RECORD_CATALOG_BLOCK,
    VOLUME_HEADER_OFFSET,
    catalog_block_header,
    shadow_copy_entry,
    volume_header,
)

if TYPE_CHECKING:
    from .disk import Disk
    from .partitions import Partition

_MAX_BLOCKS = 64  # catalog blocks followed (each lists up to 127 entries)


def list_shadow_copies(disk: Disk, partition: Partition) -> list[dict[str, Any]]:
    """Each shadow copy the catalog lists: store identifier, creation time (ISO and the raw
    FILETIME), sequence number and volume size; empty when the volume has none. A catalog
    that cannot be followed to its end is the list so far and a last entry
    ``{"unreadable": offset, "problem": ...}`` saying where and why."""
    base = partition.offset
    try:
        header = volume_header.parse(disk.read(base + VOLUME_HEADER_OFFSET, 128))
    except ConstructError:
        return []  # no volsnap header: no shadow copy
    stores: list[dict[str, Any]] = []
    offset: int = header.catalog_offset
    seen: set[int] = set()
    while offset and offset not in seen and len(seen) < _MAX_BLOCKS:
        seen.add(offset)
        block = disk.read(base + offset, CATALOG_BLOCK_SIZE)
        try:
            block_header = catalog_block_header.parse(block)
        except ConstructError:
            block_header = None
        if block_header is None or block_header.record_type != RECORD_CATALOG_BLOCK:
            stores.sort(key=lambda store: store["sequence"])
            problem = "no catalog block where the volume header or the chain points"
            return [*stores, {"unreadable": base + offset, "problem": problem}]
        for start in range(CATALOG_ENTRY_SIZE, len(block) - CATALOG_ENTRY_SIZE + 1,
                           CATALOG_ENTRY_SIZE):  # fmt: skip
            raw = block[start : start + CATALOG_ENTRY_SIZE]
            if int.from_bytes(raw[:8], "little") != ENTRY_SHADOW_COPY:
                continue
            entry = shadow_copy_entry.parse(raw)
            created = entry.creation_time
            stores.append(
                {
                    "store": str(uuid.UUID(bytes_le=entry.store_identifier)),
                    "created": None if created.moment is None else iso_z(created.moment),
                    "created_filetime": created.raw,
                    "sequence": entry.sequence_number,
                    "volume_size": entry.volume_size,
                }
            )
        offset = block_header.next_offset
    return sorted(stores, key=lambda store: store["sequence"])
