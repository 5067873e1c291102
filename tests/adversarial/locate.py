"""Where to aim a mutation: an independent REGF cell locator for the variant generator.

reliability.md §4.2 keeps the targets of a mutation away from the reader under test: a
reader that finds its own targets can never be shown to miss one. For the writer's synthetic
hives the targets come from its :class:`~hiveparse.sources.regf.writer.HiveLayout`; for real
hives from :func:`locate`, a few dozen lines of ``struct`` that hop the hbins, map the
allocated cells and walk nk/vk cells from the base block's root. Field offsets are those of
Suhanov's tables ("Key node", "Key value", "Big data"), counted from the start of the cell
data (after the 4-byte size), and are used by the generator too.
"""

from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass, field

from hiveparse.sources.regf.writer import HiveLayout

BASE_BLOCK = 4096
HBIN_HEADER = 32
SEGMENT = 16344

# Base block fields (file offsets).
HDR_PRIMARY_SEQ = 4
HDR_SECONDARY_SEQ = 8
HDR_MINOR = 24
HDR_ROOT = 36
HDR_LENGTH = 40
HDR_CHECKSUM = 508

# Key node fields (offsets in the cell data).
NK_PARENT = 16
NK_SUBKEY_COUNT = 20
NK_SUBKEY_LIST = 28
NK_VALUE_COUNT = 36
NK_VALUE_LIST = 40
NK_NAME_LENGTH = 72

# Key value fields.
VK_NAME_LENGTH = 2
VK_DATA_SIZE = 4
VK_DATA_OFFSET = 8
VK_DATA_TYPE = 12

# Subkey lists (lf/lh/li/ri) and db records.
LIST_COUNT = 2
LIST_ELEMENTS = 4
DB_COUNT = 2
DB_LIST = 4

INLINE = 0x80000000


def file_pos(cell_offset: int, field_offset: int = 0) -> int:
    """File position of a field of the cell at ``cell_offset`` (after its size)."""
    return BASE_BLOCK + cell_offset + 4 + field_offset


def cell_size_pos(cell_offset: int) -> int:
    return BASE_BLOCK + cell_offset


@dataclass
class BigTarget:
    vk: int
    db: int
    segment_list: int
    segments: list[int]


@dataclass
class ValueTarget:
    offset: int
    key: int
    name_length: int
    data_size: int  # as stored, bit 31 included
    data_offset: int
    data_type: int
    data_cell: int | None = None  # the data cell, or the db cell of big data
    big: BigTarget | None = None

    @property
    def inline(self) -> bool:
        return bool(self.data_size & INLINE)


@dataclass
class KeyTarget:
    offset: int
    depth: int
    lister: int | None  # the key whose subkey list holds this one (None for the root)
    subkey_count: int
    subkey_list: int | None
    list_kind: bytes | None  # b"lf", b"lh", b"li" or b"ri"
    leaves: list[int]  # the leaf lists (the list itself unless it is an ri)
    value_count: int
    value_list: int | None
    children: list[int] = field(default_factory=list)


@dataclass
class Targets:
    size: int
    root: int
    hbins: list[tuple[int, int]]  # (offset, size) relative to the first hbin
    cells: dict[int, int]  # allocated cell offset -> size (positive)
    keys: list[KeyTarget]  # in walk (pre-)order, root first
    values: list[ValueTarget]

    def key(self, offset: int) -> KeyTarget:
        return next(k for k in self.keys if k.offset == offset)

    @property
    def ri_keys(self) -> list[KeyTarget]:
        return [k for k in self.keys if k.list_kind == b"ri"]

    @property
    def big(self) -> list[BigTarget]:
        return [v.big for v in self.values if v.big is not None]


def _u16(image: bytes, pos: int) -> int:
    return int(struct.unpack_from("<H", image, pos)[0])


def _u32(image: bytes, pos: int) -> int:
    return int(struct.unpack_from("<I", image, pos)[0])


def _i32(image: bytes, pos: int) -> int:
    return int(struct.unpack_from("<i", image, pos)[0])


def _hbins(image: bytes) -> list[tuple[int, int]]:
    bins = []
    pos = BASE_BLOCK
    while pos + HBIN_HEADER <= len(image) and image[pos : pos + 4] == b"hbin":
        size = _u32(image, pos + 8)
        if size == 0 or size % 4096 or pos + size > len(image):
            break
        bins.append((pos - BASE_BLOCK, size))
        pos += size
    return bins


def _cells(image: bytes, bins: list[tuple[int, int]]) -> dict[int, int]:
    cells: dict[int, int] = {}
    for start, size in bins:
        offset = start + HBIN_HEADER
        while offset < start + size:
            cell = _i32(image, cell_size_pos(offset))
            if cell == 0 or abs(cell) % 8:
                break
            if cell < 0:
                cells[offset] = -cell
            offset += abs(cell)
    return cells


def _sig(image: bytes, offset: int) -> bytes:
    return image[file_pos(offset) : file_pos(offset) + 2]


def _list_members(
    image: bytes, cells: dict[int, int], offset: int
) -> tuple[bytes | None, list[int], list[int]]:
    """(kind, leaves, key node offsets) of a subkey list."""
    if offset not in cells:
        return None, [], []
    kind = _sig(image, offset)
    count = _u16(image, file_pos(offset, LIST_COUNT))
    if kind == b"ri":
        leaves = [_u32(image, file_pos(offset, LIST_ELEMENTS + 4 * i)) for i in range(count)]
        members: list[int] = []
        for leaf in leaves:
            sub_kind, _, sub = _list_members(image, cells, leaf)
            if sub_kind in (b"lf", b"lh", b"li"):
                members.extend(sub)
        return kind, leaves, members
    width = 4 if kind == b"li" else 8
    if kind not in (b"lf", b"lh", b"li"):
        return None, [], []
    members = [_u32(image, file_pos(offset, LIST_ELEMENTS + width * i)) for i in range(count)]
    return kind, [offset], members


def _value(image: bytes, cells: dict[int, int], offset: int, key: int) -> ValueTarget:
    value = ValueTarget(
        offset=offset,
        key=key,
        name_length=_u16(image, file_pos(offset, VK_NAME_LENGTH)),
        data_size=_u32(image, file_pos(offset, VK_DATA_SIZE)),
        data_offset=_u32(image, file_pos(offset, VK_DATA_OFFSET)),
        data_type=_u32(image, file_pos(offset, VK_DATA_TYPE)),
    )
    if not value.inline and value.data_size and value.data_offset in cells:
        value.data_cell = value.data_offset
        if value.data_size > SEGMENT and _sig(image, value.data_offset) == b"db":
            count = _u16(image, file_pos(value.data_offset, DB_COUNT))
            seg_list = _u32(image, file_pos(value.data_offset, DB_LIST))
            segments = [_u32(image, file_pos(seg_list, 4 * i)) for i in range(count)]
            value.big = BigTarget(offset, value.data_offset, seg_list, segments)
    return value


def locate(image: bytes) -> Targets:
    """Map a (valid) hive: hbins, allocated cells, and every key and value reachable."""
    bins = _hbins(image)
    cells = _cells(image, bins)
    root = _u32(image, HDR_ROOT)
    targets = Targets(len(image), root, bins, cells, [], [])
    seen: set[int] = set()
    stack: list[tuple[int, int, int | None]] = [(root, 0, None)]
    while stack:
        offset, depth, lister = stack.pop()
        if offset in seen or offset not in cells or _sig(image, offset) != b"nk":
            continue
        seen.add(offset)
        subkey_list = _u32(image, file_pos(offset, NK_SUBKEY_LIST))
        value_list = _u32(image, file_pos(offset, NK_VALUE_LIST))
        subkey_count = _u32(image, file_pos(offset, NK_SUBKEY_COUNT))
        value_count = _u32(image, file_pos(offset, NK_VALUE_COUNT))
        kind, leaves, members = (None, [], [])
        if subkey_count and subkey_list in cells:
            kind, leaves, members = _list_members(image, cells, subkey_list)
        key = KeyTarget(
            offset=offset,
            depth=depth,
            lister=lister,
            subkey_count=subkey_count,
            subkey_list=subkey_list if kind else None,
            list_kind=kind,
            leaves=leaves,
            value_count=value_count,
            value_list=value_list if value_count and value_list in cells else None,
            children=members,
        )
        targets.keys.append(key)
        if key.value_list is not None:
            for i in range(value_count):
                vk = _u32(image, file_pos(value_list, 4 * i))
                if vk in cells and _sig(image, vk) == b"vk":
                    targets.values.append(_value(image, cells, vk, offset))
        stack.extend((child, depth + 1, offset) for child in reversed(members))
    return targets


def targets_from_layout(image: bytes, layout: HiveLayout) -> Targets:
    """The same map for a hive the writer produced, from the offsets it recorded."""
    cells = {offset: size for offset, (_, size) in layout.cells.items()}
    by_path = layout.keys
    children: dict[str, list[str]] = {}
    for path, parent in layout.parents.items():
        children.setdefault(parent, []).append(path)
    targets = Targets(len(image), layout.root, list(layout.hbins), cells, [], [])
    value_counts = Counter(path for path, _ in layout.values)
    for path, offset in sorted(by_path.items(), key=lambda item: item[1]):
        subkey_list = layout.subkey_lists.get(path)
        leaves = list(layout.subkey_leaves.get(path, ()))
        kind = None if subkey_list is None else (b"ri" if leaves else b"lh")
        if subkey_list is not None and not leaves:
            leaves = [subkey_list]
        kids = sorted(children.get(path, []), key=lambda p: by_path[p])
        targets.keys.append(
            KeyTarget(
                offset=offset,
                depth=0 if not path else path.count("\\") + 1,
                lister=by_path[layout.parents[path]] if path else None,
                subkey_count=len(kids),
                subkey_list=subkey_list,
                list_kind=kind,
                leaves=leaves,
                value_count=value_counts[path],
                value_list=layout.value_lists.get(path),
                children=[by_path[p] for p in kids],
            )
        )
    for (path, name), offset in sorted(layout.values.items(), key=lambda item: item[1]):
        value = ValueTarget(
            offset=offset,
            key=by_path[path],
            name_length=_u16(image, file_pos(offset, VK_NAME_LENGTH)),
            data_size=_u32(image, file_pos(offset, VK_DATA_SIZE)),
            data_offset=_u32(image, file_pos(offset, VK_DATA_OFFSET)),
            data_type=_u32(image, file_pos(offset, VK_DATA_TYPE)),
            data_cell=layout.data.get((path, name)),
        )
        big = layout.big_data.get((path, name))
        if big is not None:
            value.big = BigTarget(offset, big.db, big.segment_list, list(big.segments))
        targets.values.append(value)
    return targets
