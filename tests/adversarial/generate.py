"""Deterministic hostile-hive generator: every mutation family of reliability.md §2.1.

Each variant is named after its defect (``cycle_deep_to_root``, ``db_segment_oob``, ...) and
derived from one base hive by a function that patches the bytes at targets found
independently of the reader under test (:mod:`tests.adversarial.locate`). Randomness is
seeded by ``"<base>/<variant>"``, so a variant is the same bytes on every run. Nothing is
kept in the repository: :func:`write_variants` generates into a scratch directory.

Bases: four synthetic hives from the REGF writer (always available) and, when the shared
corpus is present, regipy's SAM and NTUSER.DAT and yarp's BigDataHive.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf.writer import write_hive_with_layout
from tests.adversarial.locate import (
    BASE_BLOCK,
    DB_COUNT,
    DB_LIST,
    HDR_CHECKSUM,
    HDR_LENGTH,
    HDR_MINOR,
    HDR_PRIMARY_SEQ,
    HDR_ROOT,
    HDR_SECONDARY_SEQ,
    LIST_COUNT,
    LIST_ELEMENTS,
    NK_NAME_LENGTH,
    NK_PARENT,
    NK_SUBKEY_COUNT,
    NK_SUBKEY_LIST,
    NK_VALUE_COUNT,
    NK_VALUE_LIST,
    SEGMENT,
    VK_DATA_OFFSET,
    VK_DATA_SIZE,
    VK_DATA_TYPE,
    VK_NAME_LENGTH,
    KeyTarget,
    Targets,
    ValueTarget,
    cell_size_pos,
    file_pos,
    locate,
    targets_from_layout,
)

T0 = 0x01D6_1234_5678_9ABC  # last-written time of the synthetic bases

# Families whose damage a reader must report when it changes what is read (R3). Byte flips
# hit value data that REGF cannot check, and a bogus type or odd length is still data.
STRUCTURAL_FAMILIES = frozenset(
    {
        "truncation",
        "zeroed",
        "header",
        "hbin",
        "cycle",
        "parent",
        "counts",
        "lengths",
        "offsets",
        "bigdata",
        "shared",
    }
)
# Variants a reader must flag even when the walk reads the same keys and values: the base
# block and the tree are inconsistent, which a forensic report has to say (§4.2 adapter rules).
MUST_FLAG = frozenset(
    {"hdr_bad_checksum", "hdr_seq_mismatch", "parent_self", "parent_cycle", "ri_self"}
)
SPARSE_SIZE = 3 << 30  # "a valid header followed by a 3 GiB sparse tail"

SYNTHETIC_BASES = ("syn_small", "syn_bigdata", "syn_ri", "syn_deep")
CORPUS_BASES = {
    "corpus_sam": "hives/regipy/SAM",
    "corpus_ntuser": "hives/regipy/NTUSER.DAT",
    "corpus_bigdatahive": "hives/yarp/BigDataHive",
}
BASE_NAMES = (*SYNTHETIC_BASES, *CORPUS_BASES)
NOT_REGF_BASE = "not_regf"


@dataclass(frozen=True)
class Variant:
    base: str
    name: str
    family: str
    data: bytes
    sparse_size: int | None = None  # extend the file to this size with a hole

    @property
    def ident(self) -> str:
        return f"{self.base}/{self.name}"


@dataclass(frozen=True)
class VariantFile:
    base: str
    name: str
    family: str
    path: Path
    base_path: Path | None  # the unmodified base (None for non-REGF inputs)
    size: int

    @property
    def ident(self) -> str:
        return f"{self.base}/{self.name}"


# --- synthetic bases ---------------------------------------------------------------------------


def _sz(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


def _small() -> MemoryHive:
    hive = MemoryHive(root_name="CMI-CreateHive{SYNTHETIC-SMALL}")
    root = hive.root()
    for top in ("Software", "System", "Ünïcode", "日本"):
        key = root.add_key(top)
        key.class_name_text = f"{top} class"
        for sub in ("Alpha", "Beta", "Gamma"):
            child = key.add_key(sub)
            child.set_value("", 1, _sz(f"{top}\\{sub}"))
            child.set_value("Text", 1, _sz(f"a longer text value for {sub}"))
            child.set_value("Count", 4, struct.pack("<I", len(sub)))
            child.set_value("Blob", 3, bytes(range(48)))
            child.set_value("Tiny", 3, b"\x01\x02")
            child.set_value("Multi", 7, "x\0y\0\0".encode("utf-16-le"))
            child.add_key("Leaf").set_value("Q", 11, struct.pack("<Q", 1 << 33))
    return hive


def _bigdata() -> MemoryHive:
    hive = MemoryHive(root_name="BIGDATA")
    key = hive.root().ensure("Big\\Values")
    key.set_value("Huge", 3, bytes((i * 13) & 0xFF for i in range(100 * 1024)))
    key.set_value("Medium", 3, bytes((i * 5) & 0xFF for i in range(20_000)))
    key.set_value("Small", 1, _sz("small"))
    hive.root().ensure("Other").set_value("Dword", 4, struct.pack("<I", 1))
    return hive


def _ri() -> MemoryHive:
    hive = MemoryHive(root_name="MANY")
    many = hive.root().ensure("Many")
    for i in range(2000):
        child = many.add_key(f"Sub{i:04d}")
        child.set_value("Index", 4, struct.pack("<I", i))
    many.add_key("Sub0000").add_key("Nested").set_value("Deep", 1, _sz("below the ri"))
    return hive


def _deep() -> MemoryHive:
    hive = MemoryHive(root_name="DEEP")
    key = hive.root()
    for level in range(256):
        for sibling in ("A", "B"):
            leaf = key.add_key(f"{sibling}{level:03d}")
            leaf.set_value("Level", 4, struct.pack("<I", level))
        key = key.add_key(f"N{level:03d}")
        key.set_value("Name", 1, _sz(f"level {level}"))
    key.add_key("Bottom")
    return hive


_BUILDERS: dict[str, Callable[[], MemoryHive]] = {
    "syn_small": _small,
    "syn_bigdata": _bigdata,
    "syn_ri": _ri,
    "syn_deep": _deep,
}


def synthetic_base(name: str) -> tuple[bytes, Targets]:
    image, layout = write_hive_with_layout(
        _BUILDERS[name](), last_written=T0, hive_file_name=f"\\synthetic\\{name}"
    )
    return image, targets_from_layout(image, layout)


def synthetic_seeds() -> dict[str, bytes]:
    """Small valid hives (for fuzzing seeds): every synthetic base except the large ones."""
    return {name: synthetic_base(name)[0] for name in ("syn_small", "syn_bigdata")}


# --- byte patching -----------------------------------------------------------------------------


def _u32(buf: bytearray, pos: int) -> int:
    return int(struct.unpack_from("<I", buf, pos)[0])


def _put_u16(buf: bytearray, pos: int, value: int) -> None:
    struct.pack_into("<H", buf, pos, value & 0xFFFF)


def _put_u32(buf: bytearray, pos: int, value: int) -> None:
    struct.pack_into("<I", buf, pos, value & 0xFFFFFFFF)


def _put_i32(buf: bytearray, pos: int, value: int) -> None:
    struct.pack_into("<i", buf, pos, value)


def fix_checksum(buf: bytearray) -> None:
    """Recompute the base block's XOR-32, so that a header variant has only its own defect."""
    value = 0
    for (word,) in struct.iter_unpack("<I", bytes(buf[:HDR_CHECKSUM])):
        value ^= word
    value = {0: 1, 0xFFFFFFFF: 0xFFFFFFFE}.get(value, value)
    _put_u32(buf, HDR_CHECKSUM, value)


def _beyond_eof(t: Targets) -> int:
    """A cell offset past the end of the file (8-aligned, well inside 31 bits)."""
    return (t.size - BASE_BLOCK + 0x10_0000) & ~7


# --- target selection (first suitable, in walk order) -----------------------------------------


def _nonroot(t: Targets) -> list[KeyTarget]:
    return [k for k in t.keys if k.lister is not None]


def _with_list(t: Targets) -> KeyTarget | None:
    return next((k for k in _nonroot(t) if k.leaves and k.children), None)


def _with_values(t: Targets) -> KeyTarget | None:
    return next((k for k in t.keys if k.value_list is not None and k.value_count), None)


def _data_value(t: Targets, max_cell: int | None = None) -> ValueTarget | None:
    for value in t.values:
        if value.inline or value.big is not None or value.data_cell is None:
            continue
        if max_cell is None or t.cells.get(value.data_cell, 1 << 31) < max_cell:
            return value
    return None


def _element0(key: KeyTarget) -> int:
    """File position of the first key-node offset in the key's first leaf list."""
    return file_pos(key.leaves[0], LIST_ELEMENTS)


Mutator = Callable[[bytearray, Targets, random.Random], bool]


def _truncate(at: int | Callable[[int], int]) -> Mutator:
    def mutate(buf: bytearray, t: Targets, rng: random.Random) -> bool:
        cut = at(len(buf)) if callable(at) else at
        if not 0 < cut < len(buf):
            return False
        del buf[cut:]
        return True

    return mutate


def _flip(count: int) -> Mutator:
    def mutate(buf: bytearray, t: Targets, rng: random.Random) -> bool:
        if len(buf) <= BASE_BLOCK:
            return False
        for pos in rng.sample(range(BASE_BLOCK, len(buf)), min(count, len(buf) - BASE_BLOCK)):
            buf[pos] ^= rng.randrange(1, 256)
        return True

    return mutate


def _zero_hbin(which: str) -> Mutator:
    def mutate(buf: bytearray, t: Targets, rng: random.Random) -> bool:
        index = {"first": 0, "mid": len(t.hbins) // 2, "last": len(t.hbins) - 1}[which]
        start, size = t.hbins[index]
        buf[BASE_BLOCK + start : BASE_BLOCK + start + size] = bytes(size)
        return True

    return mutate


def _header(field_pos: int, value: int | Callable[[Targets], int | None]) -> Mutator:
    def mutate(buf: bytearray, t: Targets, rng: random.Random) -> bool:
        new = value(t) if callable(value) else value
        if new is None:
            return False
        _put_u32(buf, field_pos, new)
        fix_checksum(buf)
        return True

    return mutate


def _bad_checksum(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    _put_u32(buf, HDR_CHECKSUM, _u32(buf, HDR_CHECKSUM) ^ 0x5A5A5A5A)
    return True


def _seq_mismatch(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    _put_u32(buf, HDR_SECONDARY_SEQ, _u32(buf, HDR_PRIMARY_SEQ) + 1)
    fix_checksum(buf)
    return True


def _hbin_field(which: str, field_pos: int, data: bytes) -> Mutator:
    def mutate(buf: bytearray, t: Targets, rng: random.Random) -> bool:
        if which == "mid" and len(t.hbins) < 2:
            return False
        index = 0 if which == "first" else max(1, len(t.hbins) // 2)
        pos = BASE_BLOCK + t.hbins[index][0] + field_pos
        buf[pos : pos + len(data)] = data
        return True

    return mutate


def _cycle_self(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    key = _with_list(t)
    if key is None:
        return False
    _put_u32(buf, _element0(key), key.offset)
    return True


def _cycle_to_root(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    listed = [k for k in _nonroot(t) if k.leaves and k.children]
    if not listed:
        return False
    key = min(listed, key=lambda k: k.depth)  # the shallowest listing key
    _put_u32(buf, _element0(key), t.root)
    return True


def _cycle_deep_to_root(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    listed = [k for k in _nonroot(t) if k.leaves and k.children]
    if not listed:
        return False
    deepest = max(k.depth for k in listed)
    key = next(k for k in listed if k.depth == deepest)
    _put_u32(buf, _element0(key), t.root)
    return True


def _parent_and_child_lister(t: Targets) -> tuple[KeyTarget, KeyTarget] | None:
    by_offset = {k.offset: k for k in t.keys}
    for key in _nonroot(t):
        for child in key.children:
            target = by_offset.get(child)
            if target is not None and target.leaves and target.children:
                return key, target
    return None


def _cycle_mutual(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    """A lists B and B lists A, and each parent pointer names the key that lists it."""
    pair = _parent_and_child_lister(t)
    if pair is None:
        return False
    a, b = pair
    _put_u32(buf, _element0(b), a.offset)
    _put_u32(buf, file_pos(a.offset, NK_PARENT), b.offset)
    return True


def _ri_self(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    if not t.ri_keys:
        return False
    ri = t.ri_keys[0].subkey_list
    assert ri is not None
    _put_u32(buf, file_pos(ri, LIST_ELEMENTS), ri)
    return True


def _parent_self(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    key = _nonroot(t)[0]
    _put_u32(buf, file_pos(key.offset, NK_PARENT), key.offset)
    return True


def _parent_cycle(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    key = next((k for k in _nonroot(t) if k.children), None)
    if key is None:
        return False
    _put_u32(buf, file_pos(key.offset, NK_PARENT), key.children[0])
    return True


def _key_field(
    select: Callable[[Targets], KeyTarget | None], field_off: int, value: int | str
) -> Mutator:
    def mutate(buf: bytearray, t: Targets, rng: random.Random) -> bool:
        key = select(t)
        if key is None:
            return False
        new = value
        if value == "eof":
            new = _beyond_eof(t)
        elif value == "self":
            new = key.offset
        _put_u32(buf, file_pos(key.offset, field_off), int(new))
        return True

    return mutate


def _list_count_huge(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    key = _with_list(t)
    if key is None:
        return False
    _put_u16(buf, file_pos(key.leaves[0], LIST_COUNT), 0xFFFF)
    return True


def _nk_name_len_huge(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    _put_u16(buf, file_pos(_nonroot(t)[0].offset, NK_NAME_LENGTH), 0xFFFF)
    return True


def _vk_name_len_huge(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    value = next((v for v in t.values if v.name_length), None)
    if value is None:
        return False
    _put_u16(buf, file_pos(value.offset, VK_NAME_LENGTH), 0xFFFF)
    return True


def _cell_size(kind: str, size: int) -> Mutator:
    def mutate(buf: bytearray, t: Targets, rng: random.Random) -> bool:
        if kind == "nk":
            offset = _nonroot(t)[0].offset
        else:
            value = _data_value(t)
            if value is None or value.data_cell is None:
                return False
            offset = value.data_cell
        _put_i32(buf, cell_size_pos(offset), size)
        return True

    return mutate


def _vk_data(field_off: int, value: int | str, max_cell: int | None = None) -> Mutator:
    def mutate(buf: bytearray, t: Targets, rng: random.Random) -> bool:
        target = _data_value(t, max_cell)
        if target is None or target.data_cell is None:
            return False
        if value == "eof":
            new = _beyond_eof(t)
        elif value == "overrun":  # more data than the cell holds, still below big-data size
            new = min(t.cells[target.data_cell] - 4 + 64, SEGMENT)
        else:
            new = int(value)
        _put_u32(buf, file_pos(target.offset, field_off), new)
        return True

    return mutate


def _vk_type_bogus(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    if not t.values:
        return False
    _put_u32(buf, file_pos(t.values[0].offset, VK_DATA_TYPE), 0x0BAD_F00D)
    return True


def _vk_sz_odd_length(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    strings = [v for v in t.values if v.data_type == 1 and (v.data_size & 0x7FFFFFFF) >= 2]
    stored = [v for v in strings if not v.inline and v.big is None] or strings
    if not stored:
        return False
    value = stored[0]
    _put_u32(buf, file_pos(value.offset, VK_DATA_SIZE), value.data_size - 1)
    return True


def _db(kind: str) -> Mutator:
    def mutate(buf: bytearray, t: Targets, rng: random.Random) -> bool:
        if not t.big:
            return False
        big = t.big[0]
        if kind == "count_huge":
            _put_u16(buf, file_pos(big.db, DB_COUNT), 0xFFFF)
        elif kind == "list_self":
            _put_u32(buf, file_pos(big.db, DB_LIST), big.db)
        elif kind == "segments_repeated":
            for i in range(len(big.segments)):
                _put_u32(buf, file_pos(big.segment_list, 4 * i), big.segments[0])
        elif kind == "segment_oob":
            _put_u32(buf, file_pos(big.segment_list, 4 * (len(big.segments) - 1)), _beyond_eof(t))
        elif kind == "vk_size_huge":
            _put_u32(buf, file_pos(big.vk, VK_DATA_SIZE), 0x7FFFFFF0)
        return True

    return mutate


def _value_list_shared(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    """Every key points at the first value list (issue 10: 200 keys at one 5,000-entry list
    made `export` write ~96 GB): each list must be read once."""
    lists = [k for k in t.keys if k.value_list is not None and k.value_count]
    others = [k for k in t.keys if lists and k.offset != lists[0].offset]
    if not lists or not others:
        return False
    for key in others:
        _put_u32(buf, file_pos(key.offset, NK_VALUE_COUNT), lists[0].value_count)
        _put_u32(buf, file_pos(key.offset, NK_VALUE_LIST), lists[0].value_list)
    return True


def _value_record_repeated(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    """A value list whose every entry names its first value record."""
    key = next((k for k in t.keys if k.value_list is not None and k.value_count > 1), None)
    if key is None or key.value_list is None:
        return False
    first = _u32(buf, file_pos(key.value_list, 0))
    for index in range(1, key.value_count):
        _put_u32(buf, file_pos(key.value_list, 4 * index), first)
    return True


def _value_data_shared(buf: bytearray, t: Targets, rng: random.Random) -> bool:
    """Every value with data in a cell points at the first such value's data cell."""
    stored = [v for v in t.values if not v.inline and v.big is None and v.data_cell is not None]
    if len(stored) < 2:
        return False
    for value in stored[1:]:
        _put_u32(buf, file_pos(value.offset, VK_DATA_OFFSET), stored[0].data_offset)
    return True


def _first_vk(t: Targets) -> int | None:
    return t.values[0].offset if t.values else None


MUTATIONS: tuple[tuple[str, str, Mutator], ...] = (
    *((f"trunc_{n}", "truncation", _truncate(n)) for n in (1, 3, 511, 4095, 4096, 4128, 8192)),
    ("trunc_q1", "truncation", _truncate(lambda n: n // 4)),
    ("trunc_half", "truncation", _truncate(lambda n: n // 2)),
    ("trunc_q3", "truncation", _truncate(lambda n: 3 * n // 4)),
    ("trunc_nminus1", "truncation", _truncate(lambda n: n - 1)),
    *(
        (f"flip{count}_s{seed}", "byteflip", _flip(count))
        for count in (1, 10, 1000)
        for seed in (1, 2, 3)
    ),
    ("zero_hbin_first", "zeroed", _zero_hbin("first")),
    ("zero_hbin_mid", "zeroed", _zero_hbin("mid")),
    ("zero_hbin_last", "zeroed", _zero_hbin("last")),
    ("hdr_bad_checksum", "header", _bad_checksum),
    ("hdr_seq_mismatch", "header", _seq_mismatch),
    ("hdr_length_huge", "header", _header(HDR_LENGTH, 0x7FFF_F000)),
    ("hdr_minor_bogus", "header", _header(HDR_MINOR, 0x7FFF)),
    ("root_off_huge", "header", _header(HDR_ROOT, 0x7FFF_FFF8)),
    ("root_off_neg", "header", _header(HDR_ROOT, 0xFFFF_FFF0)),
    ("root_off_unaligned", "header", _header(HDR_ROOT, lambda t: t.root + 3)),
    ("root_off_to_vk", "header", _header(HDR_ROOT, _first_vk)),
    ("hbin0_size_zero", "hbin", _hbin_field("first", 8, bytes(4))),
    ("hbin0_size_huge", "hbin", _hbin_field("first", 8, struct.pack("<I", 0x7FFF_F000))),
    ("hbin_mid_size_zero", "hbin", _hbin_field("mid", 8, bytes(4))),
    ("hbin_mid_bad_sig", "hbin", _hbin_field("mid", 0, b"hbiX")),
    ("cycle_self", "cycle", _cycle_self),
    ("cycle_to_root", "cycle", _cycle_to_root),
    ("cycle_deep_to_root", "cycle", _cycle_deep_to_root),
    ("cycle_mutual_parents_consistent", "cycle", _cycle_mutual),
    ("ri_self", "cycle", _ri_self),
    ("parent_self", "parent", _parent_self),
    ("parent_cycle", "parent", _parent_cycle),
    ("nk_subkey_count_huge", "counts", _key_field(_with_list, NK_SUBKEY_COUNT, 0xFFFF_FFFF)),
    ("list_count_huge", "counts", _list_count_huge),
    ("nk_values_count_huge", "counts", _key_field(_with_values, NK_VALUE_COUNT, 0x7FFF_FFFF)),
    ("nk_name_len_huge", "lengths", _nk_name_len_huge),
    ("vk_name_len_huge", "lengths", _vk_name_len_huge),
    ("nk_cell_size_zero", "lengths", _cell_size("nk", 0)),
    ("nk_cell_size_huge", "lengths", _cell_size("nk", -0x7FFF_FFF8)),
    ("data_cell_size_zero", "lengths", _cell_size("data", 0)),
    ("data_cell_size_huge", "lengths", _cell_size("data", -0x7FFF_FFF8)),
    ("vk_data_size_huge", "lengths", _vk_data(VK_DATA_SIZE, 0x7FFF_FFF0)),
    ("vk_data_overrun", "lengths", _vk_data(VK_DATA_SIZE, "overrun", max_cell=16000)),
    ("nk_list_off_oob", "offsets", _key_field(_with_list, NK_SUBKEY_LIST, "eof")),
    ("nk_values_off_oob", "offsets", _key_field(_with_values, NK_VALUE_LIST, "eof")),
    ("vk_data_off_oob", "offsets", _vk_data(VK_DATA_OFFSET, "eof")),
    ("nk_values_list_to_nk", "offsets", _key_field(_with_values, NK_VALUE_LIST, "self")),
    ("vk_type_bogus", "types", _vk_type_bogus),
    ("vk_sz_odd_length", "types", _vk_sz_odd_length),
    ("db_count_huge", "bigdata", _db("count_huge")),
    ("db_list_self", "bigdata", _db("list_self")),
    ("db_segments_repeated", "bigdata", _db("segments_repeated")),
    ("db_segment_oob", "bigdata", _db("segment_oob")),
    ("db_vk_size_huge", "bigdata", _db("vk_size_huge")),
    ("value_list_shared", "shared", _value_list_shared),
    ("value_record_repeated", "shared", _value_record_repeated),
    ("value_data_shared", "shared", _value_data_shared),
)
MUTATION_NAMES = tuple(name for name, _, _ in MUTATIONS)
FAMILY = {name: family for name, family, _ in MUTATIONS}


def mutate_base(base: str, image: bytes, targets: Targets) -> list[Variant]:
    """Every applicable mutation of one base (a mutation without a target is left out)."""
    variants = []
    for name, family, mutator in MUTATIONS:
        buf = bytearray(image)
        rng = random.Random(f"{base}/{name}")
        if mutator(buf, targets, rng):
            assert bytes(buf) != image, f"{base}/{name} changed nothing"
            variants.append(Variant(base, name, family, bytes(buf)))
    return variants


# --- inputs that are not hives --------------------------------------------------------------


def _pe_header() -> bytes:
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x80)  # e_lfanew
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x8664, 0, 0, 0, 0, 0xF0, 0x22)
    return bytes(dos) + coff + bytes(4096 - len(dos) - len(coff))


def _reg_text() -> bytes:
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Test]\r\n"
        '"Name"="value"\r\n"Number"=dword:00000001\r\n'
    )
    return "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")


def not_regf_variants(valid: bytes) -> list[Variant]:
    """Inputs that are not REGF hives, or only a header, or a hive with a huge sparse tail."""
    rng = random.Random("not_regf")
    return [
        Variant(NOT_REGF_BASE, "empty", "not_regf", b""),
        Variant(NOT_REGF_BASE, "random_64k", "not_regf", rng.randbytes(65536)),
        Variant(NOT_REGF_BASE, "zeros_64k", "not_regf", bytes(65536)),
        Variant(NOT_REGF_BASE, "pe_header", "not_regf", _pe_header()),
        Variant(NOT_REGF_BASE, "reg_text_utf16", "not_regf", _reg_text()),
        Variant(
            NOT_REGF_BASE, "regf_magic_then_random", "not_regf", b"regf" + rng.randbytes(65532)
        ),
        Variant(NOT_REGF_BASE, "header_only", "not_regf", valid[:BASE_BLOCK]),
        Variant(NOT_REGF_BASE, "sparse_3g", "not_regf", valid, sparse_size=SPARSE_SIZE),
    ]


NOT_REGF_NAMES = (
    "empty",
    "random_64k",
    "zeros_64k",
    "pe_header",
    "reg_text_utf16",
    "regf_magic_then_random",
    "header_only",
    "sparse_3g",
)


# --- files ----------------------------------------------------------------------------------


def load_bases(corpus: Path | None) -> dict[str, tuple[bytes, Targets]]:
    bases = {name: synthetic_base(name) for name in SYNTHETIC_BASES}
    if corpus is not None:
        for name, relative in CORPUS_BASES.items():
            path = corpus / relative
            if path.is_file():
                image = path.read_bytes()
                bases[name] = (image, locate(image))
    return bases


def _write(path: Path, data: bytes, sparse_size: int | None = None) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        if sparse_size is not None:
            handle.truncate(sparse_size)


def write_variants(out_dir: Path, corpus: Path | None) -> tuple[list[VariantFile], dict[str, Path]]:
    """Write every base and variant below ``out_dir``; returns the variants and the bases."""
    bases = load_bases(corpus)
    base_paths: dict[str, Path] = {}
    files: list[VariantFile] = []
    for base, (image, targets) in bases.items():
        folder = out_dir / base
        folder.mkdir(parents=True, exist_ok=True)
        base_path = folder / "_base.hive"
        _write(base_path, image)
        base_paths[base] = base_path
        for variant in mutate_base(base, image, targets):
            path = folder / f"{variant.name}.hive"
            _write(path, variant.data)
            files.append(
                VariantFile(base, variant.name, variant.family, path, base_path, len(variant.data))
            )
    folder = out_dir / NOT_REGF_BASE
    folder.mkdir(parents=True, exist_ok=True)
    for variant in not_regf_variants(bases["syn_small"][0]):
        path = folder / f"{variant.name}.bin"
        _write(path, variant.data, variant.sparse_size)
        size = variant.sparse_size or len(variant.data)
        files.append(VariantFile(variant.base, variant.name, variant.family, path, None, size))
    return files, base_paths
