"""Write a registry model as a REGF primary file, laid out the way Windows saves a hive.

Every structure is built from the declarations in :mod:`hiveparse.schemas.regf` (Suhanov's
"Windows registry file format specification", github.com/msuhanov/regf, and libyal's REGF
document). The result is what a freshly saved (compacted) hive looks like:

* a base block with equal sequence numbers and a valid XOR-32 checksum ("Base block", note 2;
  the kernel's ``HvpHeaderCheckSum`` turns 0 into 1 and 0xFFFFFFFF into 0xFFFFFFFE);
* hive bins of 4096-byte multiples whose unused tails are free cells ("Hive bin", "Cell");
* 8-aligned allocated cells (negative sizes), the root key first and the security cells
  after it, then every key in pre-order with its class name, value list, values, value data
  and subkey list;
* ``lh`` subkey lists sorted by upper-cased name with the lh name hash ("Hash leaf"). A key
  with more than 507 subkeys gets an ``ri`` over ``lh`` leaves of 507 elements: 507 is
  ``CmpMaxFastIndexPerHblock`` (the elements that fit a 4 KiB block) and is how Windows fills
  the leaves of a saved hive (regipy's Windows 7 SYSTEM hive: 507, 507, ..., 13);
* inline data for values of at most 4 bytes (data size bit 31, "Key value: Data size"), and
  ``db`` records with 16344-byte segments for larger data from format 1.4 on ("Big data");
* ``sk`` cells deduplicated by descriptor, linked in a flink/blink ring, with reference counts
  ("Key security", notes 2-5);
* optionally, a ``marker`` in the reserved area after the base block's checksum (hiveparse
  convert's origin marker, :mod:`hiveparse.schemas.hiveparse_origin`), which changes no
  checksum and no reader's view of the hive.

:func:`write_hive_with_layout` also returns a :class:`HiveLayout`, the offset of every cell it
wrote, so that tests can damage a chosen structure without parsing the hive back.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from construct import Construct

from hiveparse.decode.security import Grant, build_security_descriptor
from hiveparse.errors import UsageError
from hiveparse.model import Hive, Key, Value
from hiveparse.schemas import regf, security
from hiveparse.schemas.fastpath import compile_fixed_head
from hiveparse.sources.regf.hashing import lh_name_hash, upcase_units, xor32_checksum

__all__ = [
    "DEFAULT_SECURITY_DESCRIPTOR",
    "LEAF_CAPACITY",
    "BigDataLayout",
    "HiveLayout",
    "lh_name_hash",
    "write_hive",
    "write_hive_with_layout",
    "xor32_checksum",
]

LEAF_CAPACITY = 507  # CmpMaxFastIndexPerHblock = (4096 - 32 - 4 - 4) // 8
INLINE_MAX = 4  # data of up to 4 bytes lives in the vk's data-offset field
_SUPPORTED_MINOR_VERSIONS = range(3, 7)  # 1.3 .. 1.6 (1.6: differencing hives)
_FILE_NAME_CHARS = 31  # the base block keeps the last 31 characters of the path
_MAX_SEGMENTS = 0xFFFF  # db number_of_segments is 16 bits


# --- security descriptor -------------------------------------------------------------------
# A SECURITY_DESCRIPTOR_RELATIVE ([MS-DTYP] 2.4.6), the payload of an sk cell, built from the
# declarations of hiveparse.schemas.security.
def _build_default_security_descriptor() -> bytes:
    """O:BAG:SYD:(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU), Windows' usual HKLM key ACL."""
    return build_security_descriptor(
        "S-1-5-32-544",
        "S-1-5-18",
        (
            Grant("S-1-5-18", security.KEY_ALL_ACCESS),
            Grant("S-1-5-32-544", security.KEY_ALL_ACCESS),
            Grant("S-1-5-32-545", security.KEY_READ),
        ),
    )


DEFAULT_SECURITY_DESCRIPTOR = _build_default_security_descriptor()


# --- names ---------------------------------------------------------------------------------


def _encode_name(name: str) -> tuple[bytes, bool]:
    """(stored bytes, compressed): Latin-1 when every character fits a byte, as Windows does
    (``CmpNameSize``), else UTF-16LE."""
    try:
        return name.encode("latin-1"), True
    except UnicodeEncodeError:
        return name.encode("utf-16-le", "surrogatepass"), False


def _utf16_length(name: str) -> int:
    """Bytes of ``name`` as UTF-16LE: the unit of the nk "largest ... name length" fields."""
    return len(name.encode("utf-16-le", "surrogatepass"))


# --- layout --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BigDataLayout:
    db: int
    segment_list: int
    segments: tuple[int, ...]


@dataclass
class HiveLayout:
    """Where the writer put every cell (offsets relative to the first hbin, as REGF counts).

    Keys are identified by their model path ("" for the root), values by (key path, name).
    """

    root: int = 0
    keys: dict[str, int] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    values: dict[tuple[str, str], int] = field(default_factory=dict)
    value_lists: dict[str, int] = field(default_factory=dict)
    subkey_lists: dict[str, int] = field(default_factory=dict)  # what the nk points at
    subkey_leaves: dict[str, tuple[int, ...]] = field(default_factory=dict)  # leaves of an ri
    data: dict[tuple[str, str], int] = field(default_factory=dict)  # data or db cell
    big_data: dict[tuple[str, str], BigDataLayout] = field(default_factory=dict)
    class_names: dict[str, int] = field(default_factory=dict)
    security: dict[str, int] = field(default_factory=dict)  # key path -> its sk cell
    sk_cells: tuple[int, ...] = ()
    hbins: list[tuple[int, int]] = field(default_factory=list)  # (offset, size)
    cells: dict[int, tuple[str, int]] = field(default_factory=dict)  # offset -> (kind, size)
    free_cells: list[tuple[int, int]] = field(default_factory=list)  # (offset, size)
    hive_bins_data_size: int = 0

    def cell_kind(self, offset: int) -> str | None:
        entry = self.cells.get(offset)
        return None if entry is None else entry[0]


# --- cells ---------------------------------------------------------------------------------


class _Cell:
    """One allocated cell: ``payload_size`` bytes, rendered once every offset is known;
    ``size`` is the whole cell (header and 8-byte alignment included).

    A cell whose bytes are known when it is planned keeps them as ``payload`` (value data, a
    class name, a vk record); ``link`` then names where in them the offset of another cell
    goes (a vk's data offset), so a million values cost no closure each. Other cells
    (offset lists, key nodes) are built by ``render``."""

    __slots__ = ("kind", "link", "offset", "payload", "payload_size", "render", "size")

    def __init__(
        self,
        kind: str,
        payload_size: int,
        render: Callable[[], bytes] | None = None,
        *,
        payload: bytes = b"",
        link: tuple[int, _Cell] | None = None,
    ) -> None:
        self.kind = kind
        self.payload_size = payload_size
        self.render = render
        self.payload = payload
        self.link = link
        self.offset = 0
        self.size = _align(_CELL_HEADER.size + payload_size, regf.CELL_ALIGNMENT)

    def rendered(self) -> bytes:
        if self.render is not None:
            return self.render()
        if self.link is None:
            return self.payload
        position, target = self.link
        payload = self.payload
        return payload[:position] + _CELL_OFFSET.pack(target.offset) + payload[position + 4 :]


_COMPILED: dict[int, Any] = {}


def _build(schema: Construct, obj: object) -> bytes:
    """``schema.build(obj)`` through construct's compiled form of the same declaration."""
    compiled = _COMPILED.get(id(schema))
    if compiled is None:
        compiled = _COMPILED[id(schema)] = schema.compile()
    return bytes(compiled.build(obj))


_OFFSET_SIZE = regf.offset_array_element.sizeof()
_OFFSET_CODE = regf.offset_array_element.fmtstr[1:]  # one element of the array, as struct has it
_CELL_OFFSET = struct.Struct("<" + _OFFSET_CODE)  # one cell offset, as a record stores it


def _offsets(values: list[int]) -> bytes:
    """A bare offset array (value lists, db segment lists): ``Array(n, offset_array_element)``
    packed in one call (a value list may hold a million offsets)."""
    return struct.pack(f"<{len(values)}{_OFFSET_CODE}", *values)


# Payload sizes, from the fixed heads of the declarations, so that cells can be placed before
# the offsets they hold are known (and each cell is built once).
_NK_HEAD = compile_fixed_head(regf.key_node).size
_VK = compile_fixed_head(regf.key_value)
_VK_HEAD = _VK.size
_VALUE_COMP_NAME = int(regf.value_flags.flags["VALUE_COMP_NAME"])
_CELL_HEADER = compile_fixed_head(regf.cell_header)
_SK_HEAD = compile_fixed_head(regf.key_security).size
_LIST_HEAD = regf.subkey_list_header.sizeof()
_HASHED_ELEMENT = regf.hashed_list_element.sizeof()
_DB_SIZE = regf.big_data.sizeof()


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


@dataclass
class _KeyPlan:
    key: Key
    path: str
    parent: _KeyPlan | None
    nk: _Cell | None = None
    name_bytes: bytes = b""
    compressed: bool = True
    children: list[_KeyPlan] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    vk_cells: list[_Cell] = field(default_factory=list)
    value_list: _Cell | None = None
    subkey_list: _Cell | None = None
    leaves: list[_Cell] = field(default_factory=list)
    class_cell: _Cell | None = None
    class_bytes: bytes = b""
    sk: _SecurityPlan | None = None
    last_written: int = 0


@dataclass
class _SecurityPlan:
    descriptor: bytes
    cell: _Cell
    references: int = 0


@dataclass
class _ValueRecord:
    path: str
    name: str
    vk: _Cell
    data: _Cell | None  # data cell, or the db cell of big data
    segment_list: _Cell | None
    segments: list[_Cell]


class _Writer:
    def __init__(
        self,
        minor_version: int,
        base_time: int,
        default_time: int | None,
        marker: bytes,
        security: tuple[bytes, bytes],
        *,
        keep_layout: bool = True,
    ) -> None:
        self.minor_version = minor_version
        self.keep_layout = keep_layout  # where every cell went (tests); off for plain writes
        self.base_time = base_time
        self.default_time = default_time
        self.marker = marker
        self.default_security = security  # (the root key's, every other key's)
        self.cells: list[_Cell] = []
        self.security: dict[bytes, _SecurityPlan] = {}
        self.value_records: list[_ValueRecord] = []
        self.layout = HiveLayout()

    def new_cell(
        self,
        kind: str,
        payload_size: int,
        render: Callable[[], bytes] | None = None,
        *,
        payload: bytes = b"",
        link: tuple[int, _Cell] | None = None,
    ) -> _Cell:
        cell = _Cell(kind, payload_size, render, payload=payload, link=link)
        self.cells.append(cell)
        return cell

    # -- planning (allocation order is the list order) -----------------------------------

    def plan_tree(self, root: Key, root_name: str) -> _KeyPlan:
        top = _KeyPlan(root, "", None)
        top.name_bytes, top.compressed = _encode_name(root_name)
        stack = [top]
        while stack:
            plan = stack.pop()
            self.plan_key(plan)
            stack.extend(reversed(plan.children))
        return top

    def plan_key(self, plan: _KeyPlan) -> None:
        key = plan.key
        if plan.parent is not None:
            plan.name_bytes, plan.compressed = _encode_name(key.name)
        if len(plan.name_bytes) > 0xFFFF:
            raise UsageError(f"key name too long for REGF: {plan.path!r}")
        fallback = self.base_time if self.default_time is None else self.default_time
        plan.last_written = fallback if key.last_written is None else key.last_written
        plan.nk = self.new_cell("nk", _NK_HEAD + len(plan.name_bytes), lambda: self.render_nk(plan))
        root_sd, other_sd = self.default_security
        descriptor = key.security_descriptor or (root_sd if plan.parent is None else other_sd)
        sec = self.security.get(descriptor)
        if sec is None:
            cell = self.new_cell("sk", _SK_HEAD + len(descriptor), lambda: b"")
            sec = _SecurityPlan(descriptor, cell)
            sec.cell.render = self.sk_renderer(sec)
            self.security[descriptor] = sec
        sec.references += 1
        plan.sk = sec
        class_name = key.class_name
        if class_name:
            plan.class_bytes = class_name.encode("utf-16-le", "surrogatepass")
            if len(plan.class_bytes) > 0xFFFF:
                raise UsageError(f"class name too long for REGF: {plan.path!r}")
            plan.class_cell = self.new_cell(
                "class", len(plan.class_bytes), payload=plan.class_bytes
            )
        plan.values = list(key.values())
        if plan.values:
            plan.value_list = self.new_cell(
                "value_list",
                _OFFSET_SIZE * len(plan.values),
                lambda: _offsets([c.offset for c in plan.vk_cells]),
            )
            for value in plan.values:
                plan.vk_cells.append(self.plan_value(plan, value))
        children = list(key.subkeys())
        children.sort(key=lambda child: upcase_units(child.name))
        plan.children = [
            _KeyPlan(child, _child_path(plan.path, child.name), plan) for child in children
        ]
        if children:
            self.plan_subkey_list(plan)

    def plan_value(self, plan: _KeyPlan, value: Value) -> _Cell:
        name_bytes, compressed = _encode_name(value.name)
        if len(name_bytes) > 0xFFFF:
            raise UsageError(f"value name too long for REGF: {plan.path!r} {value.name!r}")
        raw = value.raw
        if len(raw) > 0x7FFFFFFF:
            raise UsageError(f"value data too large for REGF: {plan.path!r} {value.name!r}")
        data_cell: _Cell | None = None
        segments: list[_Cell] = []
        segment_list: _Cell | None = None
        big = (
            len(raw) > regf.BIG_DATA_SEGMENT_SIZE
            and self.minor_version >= regf.BIG_DATA_MIN_MINOR_VERSION
        )

        inline = len(raw) <= INLINE_MAX
        # The vk's bytes are known now but for the offset of its data cell (linked below);
        # its head is packed by the struct format compiled from regf.key_value.
        head = _VK.pack(
            {
                "name_length": len(name_bytes),
                # Inline: stored as is at the start of the data-offset field ("Data size").
                "data_size": len(raw) | regf.INLINE_DATA_FLAG if inline else len(raw),
                "data_offset": (
                    int.from_bytes(raw.ljust(INLINE_MAX, b"\0"), "little") if inline else 0
                ),
                "data_type": value.type_id & 0xFFFFFFFF,
                # Windows leaves the flag clear on the nameless default value
                # (every clean corpus hive; impacket finds "(default)" by it).
                "flags": _VALUE_COMP_NAME if compressed and name_bytes else 0,
                "spare": 0,
            }
        )
        vk = self.new_cell("vk", _VK_HEAD + len(name_bytes), payload=head + name_bytes)
        if len(raw) > INLINE_MAX:
            if big:
                # Windows gives every segment, the last one too, a full-size cell (16344
                # bytes of data: yarp's BigDataHive, written by Windows 10); libregf and hivex
                # read a segment as cell size - 8 bytes and lose a short last segment.
                step = regf.BIG_DATA_SEGMENT_SIZE
                chunks = [raw[i : i + step].ljust(step, b"\0") for i in range(0, len(raw), step)]
                if len(chunks) > _MAX_SEGMENTS:
                    raise UsageError(f"value data too large for REGF: {plan.path!r}")

                def render_db() -> bytes:
                    assert segment_list is not None
                    return bytes(
                        _build(
                            regf.big_data,
                            {
                                "number_of_segments": len(segments),
                                "segments_list_offset": segment_list.offset,
                            },
                        )
                    )

                data_cell = self.new_cell("db", _DB_SIZE, render_db)
                segment_list = self.new_cell(
                    "segment_list",
                    _OFFSET_SIZE * len(chunks),
                    lambda: _offsets([s.offset for s in segments]),
                )
                segments.extend(
                    self.new_cell("segment", len(chunk), payload=chunk) for chunk in chunks
                )
            else:
                data_cell = self.new_cell("data", len(raw), payload=raw)
            vk.link = (_VK.offsets["data_offset"], data_cell)
        if self.keep_layout:
            self.value_records.append(
                _ValueRecord(plan.path, value.name, vk, data_cell, segment_list, segments)
            )
        return vk

    def plan_subkey_list(self, plan: _KeyPlan) -> None:
        children = plan.children
        groups = [children[i : i + LEAF_CAPACITY] for i in range(0, len(children), LEAF_CAPACITY)]

        def leaf_renderer(group: list[_KeyPlan]) -> Callable[[], bytes]:
            def render() -> bytes:
                return bytes(
                    _build(
                        regf.hash_leaf,
                        {
                            "number_of_elements": len(group),
                            "elements": [
                                {
                                    "key_node_offset": _nk(child).offset,
                                    "name_hint": lh_name_hash(child.key.name),
                                }
                                for child in group
                            ],
                        },
                    )
                )

            return render

        if len(groups) == 1:
            plan.subkey_list = self.new_cell(
                "lh", _LIST_HEAD + _HASHED_ELEMENT * len(groups[0]), leaf_renderer(groups[0])
            )
            return

        def render_ri() -> bytes:
            return bytes(
                _build(
                    regf.index_root,
                    {
                        "number_of_elements": len(plan.leaves),
                        "elements": [leaf.offset for leaf in plan.leaves],
                    },
                )
            )

        plan.subkey_list = self.new_cell("ri", _LIST_HEAD + _OFFSET_SIZE * len(groups), render_ri)
        plan.leaves = [
            self.new_cell("lh", _LIST_HEAD + _HASHED_ELEMENT * len(g), leaf_renderer(g))
            for g in groups
        ]

    # -- rendering -------------------------------------------------------------------------

    def render_nk(self, plan: _KeyPlan) -> bytes:
        children = plan.children
        is_root = plan.parent is None
        flags = {
            "KEY_HIVE_ENTRY": is_root,
            "KEY_NO_DELETE": is_root,
            "KEY_COMP_NAME": plan.compressed,
        }
        raws = [v.raw for v in plan.values]
        assert plan.sk is not None
        return bytes(
            _build(
                regf.key_node,
                {
                    "flags": flags,
                    "last_written_timestamp": plan.last_written,
                    "access_bits": 0,
                    # The root's parent "has no meaning on a disk" (Key node table).
                    "parent": regf.NO_CELL if plan.parent is None else _nk(plan.parent).offset,
                    "number_of_subkeys": len(children),
                    "number_of_volatile_subkeys": 0,
                    "subkeys_list_offset": plan.subkey_list.offset
                    if plan.subkey_list
                    else regf.NO_CELL,
                    "volatile_subkeys_list_offset": regf.NO_CELL,
                    "number_of_key_values": len(plan.values),
                    "key_values_list_offset": plan.value_list.offset
                    if plan.value_list
                    else regf.NO_CELL,
                    "key_security_offset": plan.sk.cell.offset,
                    "class_name_offset": plan.class_cell.offset
                    if plan.class_cell
                    else regf.NO_CELL,
                    # Name lengths count UTF-16LE bytes even for compressed names.
                    "largest_subkey_name_length": max(
                        (_utf16_length(c.key.name) for c in children), default=0
                    ),
                    "largest_subkey_class_name_length": max(
                        (len(c.class_bytes) for c in children), default=0
                    ),
                    "largest_value_name_length": max(
                        (_utf16_length(v.name) for v in plan.values), default=0
                    ),
                    "largest_value_data_size": max((len(r) for r in raws), default=0),
                    "work_var": 0,
                    "key_name_length": len(plan.name_bytes),
                    "class_name_length": len(plan.class_bytes),
                    "key_name": plan.name_bytes,
                },
            )
        )

    def sk_renderer(self, sec: _SecurityPlan) -> Callable[[], bytes]:
        def render() -> bytes:
            ring = [s.cell for s in self.security.values()]
            index = ring.index(sec.cell)
            return bytes(
                _build(
                    regf.key_security,
                    {
                        "reserved": 0,
                        "flink": ring[(index + 1) % len(ring)].offset,
                        "blink": ring[index - 1].offset,
                        "reference_count": sec.references,
                        "security_descriptor_size": len(sec.descriptor),
                        "security_descriptor": sec.descriptor,
                    },
                )
            )

        return render

    # -- allocation and output ---------------------------------------------------------------

    def allocate(self) -> None:
        """Bump-allocate cells in order; a cell that does not fit closes the bin."""
        hbins = self.layout.hbins
        bin_start = 0
        bin_end = 0
        cursor = 0
        for cell in self.cells:
            if cursor + cell.size > bin_end:
                if bin_end:
                    self.close_bin(cursor, bin_end)
                bin_start = bin_end
                bin_size = _align(regf.HBIN_HEADER_SIZE + cell.size, regf.HBIN_ALIGNMENT)
                hbins.append((bin_start, bin_size))
                bin_end = bin_start + bin_size
                cursor = bin_start + regf.HBIN_HEADER_SIZE
            cell.offset = cursor
            cursor += cell.size
        if not hbins:
            hbins.append((0, regf.HBIN_ALIGNMENT))
            bin_end = regf.HBIN_ALIGNMENT
            cursor = regf.HBIN_HEADER_SIZE
        self.close_bin(cursor, bin_end)
        self.layout.hive_bins_data_size = bin_end

    def close_bin(self, cursor: int, bin_end: int) -> None:
        if bin_end > cursor:
            self.layout.free_cells.append((cursor, bin_end - cursor))

    def emit(self, hive_file_name: str, root_offset: int) -> bytes:
        size = self.layout.hive_bins_data_size
        image = bytearray(regf.BASE_BLOCK_SIZE + size)
        for index, (offset, bin_size) in enumerate(self.layout.hbins):
            header = _build(
                regf.hbin_header,
                {
                    "offset": offset,
                    "size": bin_size,
                    "reserved": bytes(8),
                    # "defined for the first hive bin only" (Hive bin, note 3)
                    "timestamp": self.base_time if index == 0 else 0,
                    "spare": 0,
                },
            )
            self.put(image, offset, header)
        for cell in self.cells:
            payload = cell.rendered()
            assert len(payload) == cell.payload_size, f"{cell.kind} cell size changed"
            self.put(image, cell.offset, _CELL_HEADER.pack({"size": -cell.size}) + payload)
            if self.keep_layout:
                self.layout.cells[cell.offset] = (cell.kind, cell.size)
        for offset, free_size in self.layout.free_cells:
            self.put(image, offset, _CELL_HEADER.pack({"size": free_size}))
        image[: regf.BASE_BLOCK_SIZE] = build_base_block(
            minor_version=self.minor_version,
            root_cell_offset=root_offset,
            hive_bins_data_size=size,
            last_written=self.base_time,
            file_name=hive_file_name,
            marker=self.marker,
        )
        return bytes(image)

    @staticmethod
    def put(image: bytearray, offset: int, data: bytes) -> None:
        start = regf.BASE_BLOCK_SIZE + offset
        image[start : start + len(data)] = data


def _nk(plan: _KeyPlan) -> _Cell:
    assert plan.nk is not None
    return plan.nk


def _child_path(parent: str, name: str) -> str:
    return f"{parent}\\{name}" if parent else name


def _check_marker(marker: bytes) -> None:
    if len(marker) > regf.RESERVED_AREA_SIZE:
        raise UsageError(
            f"a base block marker holds at most {regf.RESERVED_AREA_SIZE} bytes, not {len(marker)}"
        )


def build_base_block(
    *,
    minor_version: int,
    root_cell_offset: int,
    hive_bins_data_size: int,
    last_written: int,
    file_name: str = "",
    sequence: int = 1,
    marker: bytes = b"",
) -> bytes:
    """A base block as a clean save leaves it: equal sequence numbers, checksum set.

    ``marker`` goes at the start of the reserved area after the checksum (zeros after it);
    the area is not checksummed, so the checksum is the one of the same block without it.
    """
    _check_marker(marker)
    fields: dict[str, object] = {
        "primary_sequence_number": sequence,
        "secondary_sequence_number": sequence,
        "last_written_timestamp": last_written,
        "major_version": 1,
        "minor_version": minor_version,
        "file_type": regf.FILE_TYPE_PRIMARY,
        "file_format": 1,
        "root_cell_offset": root_cell_offset,
        "hive_bins_data_size": hive_bins_data_size,
        "clustering_factor": 1,
        "file_name": file_name[-_FILE_NAME_CHARS:]
        .encode("utf-16-le", "surrogatepass")
        .ljust(64, b"\0"),
        "rm_id": bytes(16),
        "log_id": bytes(16),
        "flags": 0,
        "tm_id": bytes(16),
        "guid_signature": b"rmtm",  # "always set to the rmtm ASCII string" (Base block)
        "last_reorganized_timestamp": 0,
        "checksum": 0,
        "reserved_after_checksum": marker.ljust(regf.RESERVED_AREA_SIZE, b"\0"),
        "thaw_tm_id": bytes(16),
        "thaw_rm_id": bytes(16),
        "thaw_log_id": bytes(16),
        "boot_type": 0,
        "boot_recover": 0,
    }
    fields["checksum"] = xor32_checksum(regf.base_block.build(fields))
    return bytes(regf.base_block.build(fields))


def _iter_keys(root: Key) -> Iterator[Key]:
    stack = [root]
    while stack:
        key = stack.pop()
        yield key
        stack.extend(key.subkeys())


def write_hive_with_layout(
    hive: Hive,
    *,
    minor_version: int = 5,
    root_name: str | None = None,
    hive_file_name: str = "",
    last_written: int | None = None,
    marker: bytes | None = None,
    security: tuple[bytes, bytes] | None = None,
    keep_layout: bool = True,
) -> tuple[bytes, HiveLayout]:
    """Serialise ``hive`` as a REGF primary file and say where every cell went (without
    ``keep_layout``, the layout comes back empty and costs nothing per value).

    Keys without a last-written time get ``last_written``; the base block's timestamp is
    ``last_written`` too, or else the newest key time in the model (0 when it has none), so
    the output depends on nothing but the arguments. ``marker`` (at most 3528 bytes) is
    stored in the base block's reserved area after the checksum (see
    :func:`hiveparse.decode.origin.encode_origin`). ``security`` is the (root key, other keys)
    descriptor pair for keys that bring none (default: :data:`DEFAULT_SECURITY_DESCRIPTOR`
    on every key).
    """
    if minor_version not in _SUPPORTED_MINOR_VERSIONS:
        raise UsageError(f"REGF minor version {minor_version} is not one Windows writes (3-6)")
    root = hive.root()
    if last_written is not None:
        base_time = last_written
    else:
        base_time = max(
            (k.last_written for k in _iter_keys(root) if k.last_written is not None), default=0
        )
    _check_marker(marker or b"")  # before the work, not after it
    pair = security or (DEFAULT_SECURITY_DESCRIPTOR, DEFAULT_SECURITY_DESCRIPTOR)
    writer = _Writer(
        minor_version, base_time, last_written, marker or b"", pair, keep_layout=keep_layout
    )
    top = writer.plan_tree(root, root.name if root_name is None else root_name)
    writer.allocate()
    image = writer.emit(hive_file_name, _nk(top).offset)
    if not keep_layout:
        return image, writer.layout

    layout = writer.layout
    layout.root = _nk(top).offset
    layout.sk_cells = tuple(sec.cell.offset for sec in writer.security.values())
    stack = [top]
    while stack:
        plan = stack.pop()
        layout.keys[plan.path] = _nk(plan).offset
        if plan.parent is not None:
            layout.parents[plan.path] = plan.parent.path
        if plan.value_list is not None:
            layout.value_lists[plan.path] = plan.value_list.offset
        if plan.subkey_list is not None:
            layout.subkey_lists[plan.path] = plan.subkey_list.offset
        if plan.leaves:
            layout.subkey_leaves[plan.path] = tuple(leaf.offset for leaf in plan.leaves)
        if plan.class_cell is not None:
            layout.class_names[plan.path] = plan.class_cell.offset
        assert plan.sk is not None
        layout.security[plan.path] = plan.sk.cell.offset
        stack.extend(plan.children)
    for record in writer.value_records:
        ident = (record.path, record.name)
        layout.values[ident] = record.vk.offset
        if record.data is not None:
            layout.data[ident] = record.data.offset
            if record.segment_list is not None:
                layout.big_data[ident] = BigDataLayout(
                    record.data.offset,
                    record.segment_list.offset,
                    tuple(s.offset for s in record.segments),
                )
    return image, layout


def write_hive(
    hive: Hive,
    *,
    minor_version: int = 5,
    root_name: str | None = None,
    hive_file_name: str = "",
    last_written: int | None = None,
    marker: bytes | None = None,
    security: tuple[bytes, bytes] | None = None,
) -> bytes:
    """Serialise ``hive`` as a REGF primary file (see :func:`write_hive_with_layout`)."""
    image, _ = write_hive_with_layout(
        hive,
        minor_version=minor_version,
        root_name=root_name,
        hive_file_name=hive_file_name,
        last_written=last_written,
        marker=marker,
        security=security,
        keep_layout=False,
    )
    return image
