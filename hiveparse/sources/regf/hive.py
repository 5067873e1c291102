"""The project's own REGF reader: lazy, bounds-checked, and loud about anomalies.

Opening reads the base block and hops the hive-bin headers; keys and values are parsed only
when visited. What the base block claims (:class:`~hiveparse.model.HiveHeader`) is kept
apart from what is trusted: the root cell must hold a key node, bins are checked one by one,
and every count, size and offset is clamped to its cell with a diagnostic.
"""

from __future__ import annotations

from _abc import _abc_init  # type: ignore[import-not-found]  # abc.py imports it too
from collections.abc import Iterator
from typing import Final, NamedTuple

from hiveparse.decode.origin import HiveOrigin, decode_origin
from hiveparse.errors import (
    CorruptStructure,
    Diagnostic,
    HiveparseError,
    Location,
    NotRegf,
    Severity,
    Truncated,
    quoted,
)
from hiveparse.filetime import filetime_iso
from hiveparse.model import (
    EvidenceFormat,
    FileRead,
    Hive,
    HiveHeader,
    HiveType,
    Key,
    Provenance,
    Value,
    WalkBudget,
    depth_limit_note,
    fold_name,
    key_limit_note,
)
from hiveparse.schemas import regf
from hiveparse.schemas.fastpath import compile_fixed_head
from hiveparse.sources.regf.cells import AnomalySink, CellSpace, Image
from hiveparse.sources.regf.hashing import lh_name_hash, xor32_checksum
from hiveparse.sources.regf.records import (
    DB,
    LIST_HEAD,
    KeyNode,
    ValueRecord,
    offset_array,
    parse_key_node,
    parse_security_descriptor,
    parse_value_record,
)

ENGINE = "hiveparse"
BASE_BLOCK = compile_fixed_head(regf.base_block)
_DATA_START: Final = regf.BASE_BLOCK_SIZE
REGF_DATA_START: Final = _DATA_START  # file offset of cell offset 0 (the first hive bin)
_LIST_HEAD_SIZE: Final = LIST_HEAD.size
_MIN_KEY_CELL: Final = 80  # 4-byte size field + the 76-byte fixed part of an nk record
_MAX_LIST_NESTING: Final = 2  # an ri lists leaves; deeper index roots are not written by Windows


def parse_header(image: Image, source: str) -> HiveHeader:
    size = len(image)
    if size < 4 or image[:4] != b"regf":
        raise NotRegf("not a registry hive (no 'regf' signature)", source=source, offset=0)
    if size < regf.BASE_BLOCK_SIZE:
        raise Truncated(
            f"file ends at {size} bytes, inside the 4096-byte base block",
            source=source,
            offset=size,
        )
    fields = BASE_BLOCK.unpack_from(image)
    file_name = fields["file_name"].decode("utf-16-le", errors="replace").split("\x00")[0]
    return HiveHeader(
        signature_ok=True,
        primary_sequence=fields["primary_sequence_number"],
        secondary_sequence=fields["secondary_sequence_number"],
        last_written=fields["last_written_timestamp"],
        major_version=fields["major_version"],
        minor_version=fields["minor_version"],
        file_type=fields["file_type"],
        file_format=fields["file_format"],
        root_cell_offset=fields["root_cell_offset"],
        hive_bins_data_size=fields["hive_bins_data_size"],
        clustering_factor=fields["clustering_factor"],
        file_name=file_name,
        checksum_stored=fields["checksum"],
        checksum_computed=xor32_checksum(image[: regf.CHECKSUM_SPAN]),
        flags=fields["flags"],
    )


class RegfValue(Value):
    __slots__ = ("_hive", "_offset", "_raw", "_record")

    def __init__(self, hive: RegfHive, offset: int, record: ValueRecord) -> None:
        self._hive = hive
        self._offset = offset
        self._record = record
        self._raw: bytes | None = None

    @property
    def name(self) -> str:
        return self._record.name

    @property
    def type_id(self) -> int:
        return self._record.type_id

    @property
    def raw(self) -> bytes:
        if self._raw is None:
            self._raw = self._hive.value_data(self._offset, self._record)
        return self._raw

    def check_data(self) -> None:
        if self._raw is None:
            self._hive.value_data(self._offset, self._record, keep=False)

    @property
    def data_size(self) -> int:
        """The data size the record claims (inline flag removed)."""
        return self._record.data_size_field & ~regf.INLINE_DATA_FLAG & 0xFFFFFFFF

    @property
    def provenance(self) -> Provenance:
        return self._hive.provenance_at(self._offset)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        _ = self.raw  # reading the data is what finds most problems
        return self._hive.anomaly.at(self._offset + _DATA_START)


class RegfKey(Key):
    __slots__ = ("_ancestors", "_hive", "_node", "_offset", "_path")

    def __init__(
        self,
        hive: RegfHive,
        offset: int,
        node: KeyNode,
        path: str,
        ancestors: frozenset[int],
    ) -> None:
        self._hive = hive
        self._offset = offset
        self._node = node
        self._path = path
        self._ancestors = ancestors

    @property
    def name(self) -> str:
        return self._node.name

    @property
    def path(self) -> str:
        return self._path

    @property
    def node(self) -> KeyNode:
        return self._node

    @property
    def offset(self) -> int:
        return self._offset

    @property
    def provenance(self) -> Provenance:
        return self._hive.provenance_at(self._offset)

    @property
    def identity(self) -> int:
        return self._offset

    @property
    def last_written(self) -> int | None:
        return self._node.last_written

    @property
    def class_name(self) -> str | None:
        return self._hive.class_name(self._offset, self._node)

    @property
    def security_descriptor(self) -> bytes | None:
        return self._hive.security_descriptor(self._offset, self._node)

    @property
    def hive(self) -> RegfHive:
        return self._hive

    @property
    def ancestors(self) -> frozenset[int]:
        """The key cells above this key on the path it was reached by (for cycle checks)."""
        return self._ancestors

    def subkeys(self) -> Iterator[RegfKey]:
        hive, path = self._hive, self._path
        lineage = self._ancestors | {self._offset}
        for offset, node in hive.listed_subkeys(self._offset, self._node, path, lineage):
            yield RegfKey(
                hive, offset, node, f"{path}\\{node.name}" if path else node.name, lineage
            )

    def subkey(self, name: str) -> RegfKey | None:
        wanted = fold_name(name)
        lineage = self._ancestors | {self._offset}
        # A small key is searched by its lh hash candidates. A miss, or a key with many
        # subkeys (999 ControlSets under a SYSTEM root), builds an index of every child by
        # name, once per key: a wrong stored hash (or Windows' upcase table differing from
        # Python's) loses nothing, and analyze's many lookups under one parent (Services,
        # Policies) do not rescan its list.
        index = self._hive.children_by_name.get(self._offset)
        if index is None and self._node.number_of_subkeys <= _INDEX_FROM:
            for offset in self._hive.subkey_offsets(self._offset, self._node, name_hint=name):
                child = self._child(offset, lineage)
                if child is not None and fold_name(child.name) == wanted:
                    return child
        if index is None:
            index = {}
            for offset in self._hive.subkey_offsets(self._offset, self._node, name_hint=None):
                child = self._child(offset, lineage)
                if child is not None:
                    index.setdefault(fold_name(child.name), offset)
            self._hive.children_by_name[self._offset] = index
        found = index.get(wanted)
        return None if found is None else self._child(found, lineage)

    def _child(self, offset: int, lineage: frozenset[int]) -> RegfKey | None:
        path = self._path
        node = self._hive.child_node(self._offset, path, offset, lineage)
        if node is None:
            return None
        return RegfKey(
            self._hive, offset, node, f"{path}\\{node.name}" if path else node.name, lineage
        )

    def values(self) -> Iterator[RegfValue]:
        hive = self._hive
        for offset, record in hive.listed_values(self._offset, self._node, self._path):
            yield RegfValue(hive, offset, record)


class KeyRow(NamedTuple):
    """One key of :meth:`RegfHive.walk_rows`: what a report needs, without key objects."""

    path: str  # below the hive root, "" for the root
    offset: int
    node: KeyNode
    subkeys: list[tuple[int, KeyNode]]  # (cell offset, key node) as listed, checked


class RegfHive(Hive):
    """A REGF image opened read-only (a private snapshot of the file, or replayed bytes)."""

    def __init__(
        self,
        image: Image,
        source: str,
        *,
        strict: bool = False,
        dirty: bool | None = None,
        logs_applied: list[str] | None = None,
        extra_diagnostics: list[Diagnostic] | None = None,
        header_on_disk: HiveHeader | None = None,
        reserved_on_disk: bytes | None = None,
        files_read: dict[str, FileRead] | None = None,
    ) -> None:
        self._source = source
        self._files_read = files_read or {}
        self.anomaly = AnomalySink(source, strict=strict)
        self.anomaly.diagnostics.extend(extra_diagnostics or [])
        self._header = parse_header(image, source)
        self.header_on_disk = header_on_disk or self._header  # before any log replay
        self._check_header(self._header, len(image))
        claimed = self._header.hive_bins_data_size
        sane = (
            self._header.checksum_ok
            and claimed % regf.HBIN_ALIGNMENT == 0
            and 0 < claimed <= len(image) - _DATA_START
        )  # a base block with a bad checksum does not get to decide where the bins end
        self.image = image
        self.cells = CellSpace(image, self.anomaly, claimed if sane else None)
        if not self.cells.bins:
            raise Truncated("no hive bin could be read", source=source, offset=_DATA_START)
        self._dirty = (not self._header.sequences_match) if dirty is None else dirty
        self._logs_applied = logs_applied or []
        self._root_node: KeyNode | None = None  # keys point at the hive, never the reverse
        # Key cell -> its children's folded names -> their cells, for the keys a lookup
        # missed in (RegfKey.subkey).
        self.children_by_name: dict[int, dict[str, int]] = {}
        # Windows gives every key its own value list, every list its own value records and
        # every value its own data cell. A hostile hive points many at one (200 keys at one
        # 5,000-entry list): each is read under the first that reaches it, and every other
        # reference is reported and skipped, so work stays linear in the hive.
        self._value_list_owner: dict[int, int] = {}  # list cell -> key cell
        self._value_record_owner: dict[int, int] = {}  # vk cell -> list cell
        self._value_data_owner: dict[int, int] = {}  # data cell -> vk cell
        self._hive_type: HiveType | None = None
        # hiveparse convert's marker, read from the base block as it is on disk (a log
        # replay may have replaced the base block in ``image``).
        if reserved_on_disk is None:
            start = regf.RESERVED_AREA_OFFSET
            reserved_on_disk = bytes(image[start : start + regf.RESERVED_AREA_SIZE])
        self._origin = self._read_origin(reserved_on_disk)

    # -- Hive interface -------------------------------------------------------------------

    @property
    def source(self) -> str:
        return self._source

    @property
    def format(self) -> EvidenceFormat:
        return EvidenceFormat.REGF

    @property
    def engine(self) -> str:
        return ENGINE

    @property
    def header(self) -> HiveHeader:
        return self._header

    @property
    def dirty(self) -> bool | None:
        return self._dirty

    @property
    def logs_applied(self) -> list[str]:
        return self._logs_applied

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.anomaly.diagnostics

    @property
    def files_read(self) -> dict[str, FileRead]:
        return self._files_read

    @property
    def origin(self) -> HiveOrigin | None:
        """What ``hiveparse convert`` recorded when it wrote this hive; None for other hives."""
        return self._origin

    @property
    def hive_type(self) -> HiveType:
        if self._hive_type is None:
            from hiveparse.sources.detect import detect_hive_type  # noqa: PLC0415 - avoids a cycle

            self._hive_type = detect_hive_type(self.root(), self._header.file_name)
        return self._hive_type

    def root(self) -> RegfKey:
        offset = self._header.root_cell_offset
        if self._root_node is None:
            node = self.key_node(offset)
            if node is None:
                raise CorruptStructure(
                    f"the base block's root cell offset 0x{offset:x} does not lead to a key node",
                    source=self._source,
                    offset=36,  # the base block's root cell offset field
                )
            if not node.flags & 0x0004:  # KEY_HIVE_ENTRY
                self.anomaly(
                    "regf.root_not_entry",
                    "the root key node lacks the KEY_HIVE_ENTRY flag",
                    offset + _DATA_START,
                )
            self._root_node = node
        return RegfKey(self, offset, self._root_node, "", frozenset())

    def provenance_at(self, offset: int) -> Provenance:
        return Provenance(
            source=self._source,
            format=EvidenceFormat.REGF,
            engine=ENGINE,
            hive_type=self._hive_type,
            offset=offset,
        )

    # -- hiveparse convert's origin marker --------------------------------------------------

    def _note(self, code: str, message: str, offset: int, severity: Severity) -> None:
        """A diagnostic that never raises, even in strict mode: the marker is no structure
        of the hive, only a statement about it."""
        location = Location(self._source, offset=offset)
        self.anomaly.diagnostics.append(Diagnostic(code, message, location, severity))

    def _read_origin(self, reserved: bytes) -> HiveOrigin | None:
        try:
            origin = decode_origin(reserved)
        except HiveparseError as error:
            self._note(
                "regf.origin_marker_unreadable",
                f"the base block holds hiveparse convert's origin marker, but {error.message}; "
                "the hive is read as any other",
                error.location.offset or regf.RESERVED_AREA_OFFSET,
                Severity.WARNING,
            )
            return None
        if origin is None:
            return None
        stamp = filetime_iso(origin.last_written) or f"FILETIME {origin.last_written}"
        self._note(
            "regf.written_by_hiveparse",
            f"written by {origin.tool} {origin.version} from the .reg file "
            f"{origin.source_name!r} (sha256 {origin.source_sha256}) for {origin.mount}: its "
            f"keys never lived in a registry, and every last-written time is the stamp {stamp}",
            regf.RESERVED_AREA_OFFSET,
            Severity.INFO,
        )
        changed = self._times_after_conversion(origin.last_written)
        if changed:
            self._note(
                "regf.converted_then_modified",
                f"{' and '.join(changed)} differ from the stamp {stamp} that hiveparse convert "
                "gave every key: the hive was changed after it was converted, so it no longer "
                "holds only what the .reg file said",
                regf.RESERVED_AREA_OFFSET,
                Severity.WARNING,
            )
        return origin

    def _times_after_conversion(self, stamp: int) -> list[str]:
        """The times that no longer carry the conversion's stamp."""
        changed: list[str] = []
        on_disk = self.header_on_disk.last_written
        if on_disk != stamp:
            changed.append(f"the base block's last-written time ({_when(on_disk)})")
        elif self._header.last_written != stamp:
            changed.append(
                f"the last-written time after the log replay ({_when(self._header.last_written)})"
            )
        try:
            root = self.key_node(self._header.root_cell_offset)
        except CorruptStructure:
            root = None  # strict mode: the root's own damage is raised when it is read
        if root is not None and root.last_written != stamp:
            changed.append(f"the root key's last-written time ({_when(root.last_written)})")
        return changed

    # -- structure access (used by keys and values) -----------------------------------------

    def _check_header(self, header: HiveHeader, file_size: int) -> None:
        anomaly = self.anomaly
        if not header.checksum_ok:
            anomaly(
                "regf.checksum_mismatch",
                f"base block checksum 0x{header.checksum_stored:08x} does not match the "
                f"computed 0x{header.checksum_computed:08x}",
                508,
            )
        if not header.sequences_match:
            anomaly(
                "regf.dirty",
                f"sequence numbers differ ({header.primary_sequence} / "
                f"{header.secondary_sequence}): the hive was not cleanly written",
                4,
                Severity.INFO,
            )
        if header.major_version != 1 or header.minor_version not in range(1, 7):
            anomaly(
                "regf.version_unusual",
                f"format version {header.major_version}.{header.minor_version}",
                20,
            )
        if header.file_type != regf.FILE_TYPE_PRIMARY:
            anomaly(
                "regf.not_primary",
                f"file type {header.file_type}: this is a transaction log or alternate file, "
                "not a primary hive",
                28,
                Severity.ERROR,
            )
        claimed_end = _DATA_START + header.hive_bins_data_size
        if header.hive_bins_data_size % regf.HBIN_ALIGNMENT or claimed_end > file_size:
            anomaly(
                "regf.hive_bins_size_mismatch",
                f"base block claims 0x{header.hive_bins_data_size:x} bytes of hive bins; "
                f"the file holds 0x{max(file_size - _DATA_START, 0):x}",
                40,
            )

    def key_node(self, offset: int) -> KeyNode | None:
        found = self.cells.span(offset, "key node")
        if found is None:
            return None
        return parse_key_node(self.image, found[0], found[1], self.anomaly)

    def listed_subkeys(
        self, key_offset: int, node: KeyNode, path: str, lineage: frozenset[int]
    ) -> list[tuple[int, KeyNode]]:
        """The subkeys a key lists, as (cell offset, key node), in stored order: a cell listed
        twice is read once, cycles and unreadable cells are reported and skipped, and the
        order Windows keeps (sorted by upper-cased name, no duplicates) is checked."""
        previous = ""
        listed: set[int] = set()
        children: list[tuple[int, KeyNode]] = []
        for offset in self.subkey_offsets(key_offset, node):
            if offset in listed:
                self.anomaly(
                    "regf.duplicate_subkey",
                    f"key {_shown(path)} lists the key cell 0x{offset:x} more than once; read once",
                    offset + _DATA_START,
                )
                continue
            listed.add(offset)
            child = self.child_node(key_offset, path, offset, lineage)
            if child is None:
                continue
            # Windows keeps subkey lists sorted by upper-cased name, without duplicates.
            folded = _folded(child.name)
            if folded == previous:
                self.anomaly(
                    "regf.duplicate_subkey",
                    f"key {_shown(path)} lists subkey {child.name!r} twice",
                    offset + _DATA_START,
                )
            elif folded < previous:
                self.anomaly(
                    "regf.subkey_order",
                    f"subkeys of {_shown(path)} are not in sorted order "
                    f"({child.name!r} after {previous!r})",
                    key_offset + _DATA_START,
                    Severity.INFO,
                )
            previous = folded
            children.append((offset, child))
        return children

    def child_node(
        self, parent_offset: int, parent_path: str, offset: int, lineage: frozenset[int]
    ) -> KeyNode | None:
        """The key node a key lists at ``offset``, checked against its parent; None (and
        reported) for a cycle or an unreadable cell."""
        if offset in lineage:
            self.anomaly(
                "regf.cycle",
                f"subkey list of {_shown(parent_path)} points back at an ancestor key "
                f"(cell 0x{offset:x}); not followed",
                offset + _DATA_START,
                Severity.ERROR,
            )
            return None
        node = self.key_node(offset)
        if node is None:
            return None
        if node.parent != parent_offset:
            self.anomaly(
                "regf.parent_mismatch",
                f"key {node.name!r} at 0x{offset:x} names parent 0x{node.parent:x}, "
                f"but is listed by 0x{parent_offset:x}",
                offset + _DATA_START,
            )
        if "\\" in node.name or not node.name:
            self.anomaly(
                "regf.key_name_invalid",
                f"key at 0x{offset:x} has the name {node.name!r}, which Windows never writes "
                "(empty, or holding the path separator): paths through it are ambiguous",
                offset + _DATA_START,
                Severity.ERROR,
            )
        return node

    def listed_values(
        self, key_offset: int, node: KeyNode, path: str
    ) -> list[tuple[int, ValueRecord]]:
        """The value records a key lists, as :meth:`value_records` reads them, with names
        that repeat (case-insensitively, as Windows compares them) reported."""
        names: set[str] = set()
        listed = self.value_records(key_offset, node)
        for offset, record in listed:
            folded = _folded(record.name)
            if folded in names:
                self.anomaly(
                    "regf.duplicate_value",
                    f"key {_shown(path)} holds value {record.name!r} twice",
                    offset + _DATA_START,
                )
            names.add(folded)
        return listed

    def walk_rows(
        self, start: RegfKey, budget: WalkBudget, notes: list[Diagnostic] | None = None
    ) -> Iterator[KeyRow]:
        """:func:`hiveparse.model.walk_listed` from ``start``, as rows instead of key objects
        (the same keys in the same order, the same anomalies and budget notes), for output
        that streams a whole hive."""
        seen: set[int] = set()
        stack: list[tuple[int, KeyNode, str, frozenset[int], int]] = [
            (start.offset, start.node, start.path, start.ancestors, 0)
        ]
        emitted = 0
        while stack:
            offset, node, path, ancestors, depth = stack.pop()
            if offset in seen:
                continue
            seen.add(offset)
            lineage = ancestors | {offset}
            children = self.listed_subkeys(offset, node, path, lineage)
            yield KeyRow(path, offset, node, children)
            emitted += 1
            if emitted >= budget.max_keys:
                if notes is not None:
                    notes.append(key_limit_note(self._source, offset, emitted))
                return
            if depth >= budget.max_depth:
                if children and notes is not None:
                    notes.append(depth_limit_note(self._source, offset, path, depth, len(children)))
                continue
            prefix = f"{path}\\" if path else ""
            stack.extend(
                (child, child_node, prefix + child_node.name, lineage, depth + 1)
                for child, child_node in reversed(children)
            )

    def value_records(self, key_offset: int, node: KeyNode) -> list[tuple[int, ValueRecord]]:
        """The value records a key lists, in stored order (bad ones reported and skipped)."""
        image, span, anomaly = self.image, self.cells.span, self.anomaly
        records: list[tuple[int, ValueRecord]] = []
        list_offset = node.values_list_offset
        for offset in self.value_offsets(key_offset, node):
            owner = self._value_record_owner.setdefault(offset, list_offset)
            if owner != list_offset:
                anomaly(
                    "regf.value_record_shared",
                    f"the value list at 0x{list_offset:x} (key at 0x{key_offset:x}) lists the "
                    f"value record at 0x{offset:x}, which the list at 0x{owner:x} lists too; "
                    "Windows never shares a value record: read once, under that list",
                    offset + _DATA_START,
                    Severity.ERROR,
                )
                continue
            found = span(offset, "value record")
            if found is None:
                continue
            record = parse_value_record(image, found[0], found[1], anomaly)
            if record is not None:
                records.append((offset, record))
        return records

    def subkey_offsets(
        self, key_offset: int, node: KeyNode, name_hint: str | None = None
    ) -> list[int]:
        """Offsets of the key nodes a key lists, in stored order.

        With ``name_hint``, lh elements whose hash cannot match are skipped (the lookup then
        parses only candidate key nodes).
        """
        count, list_offset = node.number_of_subkeys, node.subkeys_list_offset
        if count == 0:
            return []
        if list_offset == regf.NO_CELL:
            self.anomaly(
                "regf.subkey_list_missing",
                f"key at 0x{key_offset:x} claims {count} subkeys but has no subkey list",
                key_offset + _DATA_START,
            )
            return []
        wanted_hash = None
        if name_hint is not None and name_hint.isascii():
            wanted_hash = lh_name_hash(name_hint)
        found: list[int] = []
        # Every listed key needs an nk cell of at least 80 bytes, so no key can list more
        # subkeys than that: overlapping or repeated hostile lists stop here.
        budget = self.cells.data_size // _MIN_KEY_CELL + 1
        seen_lists: set[int] = set()
        stack: list[tuple[int, int]] = [(list_offset, 0)]
        while stack:
            offset, depth = stack.pop()
            if offset in seen_lists:
                self.anomaly(
                    "regf.list_cycle",
                    f"subkey list 0x{offset:x} is reached twice from key 0x{key_offset:x}",
                    offset + _DATA_START,
                    Severity.ERROR,
                )
                continue
            seen_lists.add(offset)
            span = self.cells.span(offset, "subkey list")
            if span is None:
                continue
            start, length = span
            if length < _LIST_HEAD_SIZE:
                self.anomaly(
                    "regf.subkey_list_bad", "subkey list cell too small", offset + _DATA_START
                )
                continue
            signature, elements = LIST_HEAD.packer.unpack_from(self.image, start)
            width = 8 if signature in (b"lf", b"lh") else 4
            fits = (length - _LIST_HEAD_SIZE) // width
            if elements > fits:
                self.anomaly(
                    "regf.list_count_clamped",
                    f"subkey list claims {elements} elements but its cell holds {fits}",
                    offset + _DATA_START,
                    Severity.ERROR,
                )
                elements = fits
            if len(found) + elements > budget:
                self.anomaly(
                    "regf.subkey_budget",
                    f"subkey lists of key 0x{key_offset:x} list more keys than the hive can "
                    f"hold ({budget}); the rest is ignored",
                    offset + _DATA_START,
                    Severity.ERROR,
                )
                elements = max(0, budget - len(found))
                stack.clear()
            if signature in {b"lh", b"lf"}:
                pairs = offset_array(self.image, 2 * elements, start + _LIST_HEAD_SIZE)
                if wanted_hash is not None and signature == b"lh":
                    found.extend(
                        pairs[i] for i in range(0, 2 * elements, 2) if pairs[i + 1] == wanted_hash
                    )
                else:
                    found.extend(pairs[0::2])
            elif signature == b"li":
                found.extend(offset_array(self.image, elements, start + _LIST_HEAD_SIZE))
            elif signature == b"ri":
                if depth >= _MAX_LIST_NESTING - 1:
                    self.anomaly(
                        "regf.list_nesting",
                        "index root nested inside an index root; not followed",
                        offset + _DATA_START,
                        Severity.ERROR,
                    )
                    continue
                children = offset_array(self.image, elements, start + _LIST_HEAD_SIZE)
                stack.extend((child, depth + 1) for child in reversed(children))
            else:
                self.anomaly(
                    "regf.subkey_list_bad",
                    f"unknown subkey list signature {signature!r}",
                    offset + _DATA_START,
                    Severity.ERROR,
                )
        if wanted_hash is None and len(found) != count:
            self.anomaly(
                "regf.subkey_count_mismatch",
                f"key at 0x{key_offset:x} claims {count} subkeys; its lists hold {len(found)}",
                key_offset + _DATA_START,
            )
        return found

    def value_offsets(self, key_offset: int, node: KeyNode) -> tuple[int, ...]:
        count, list_offset = node.number_of_values, node.values_list_offset
        if count == 0:
            return ()
        if list_offset == regf.NO_CELL:
            self.anomaly(
                "regf.value_list_missing",
                f"key at 0x{key_offset:x} claims {count} values but has no value list",
                key_offset + _DATA_START,
            )
            return ()
        owner = self._value_list_owner.setdefault(list_offset, key_offset)
        if owner != key_offset:
            self.anomaly(
                "regf.value_list_shared",
                f"key at 0x{key_offset:x} points at the value list at 0x{list_offset:x}, "
                f"which the key at 0x{owner:x} uses; Windows never shares a value list: its "
                "values are read once, under that key",
                key_offset + _DATA_START,
                Severity.ERROR,
            )
            return ()
        span = self.cells.span(list_offset, "value list")
        if span is None:
            return ()
        start, length = span
        fits = length // 4
        if count > fits:
            self.anomaly(
                "regf.value_count_clamped",
                f"key at 0x{key_offset:x} claims {count} values; its value list holds {fits}",
                list_offset + _DATA_START,
                Severity.ERROR,
            )
            count = fits
        offsets = offset_array(self.image, count, start)
        unique = tuple(dict.fromkeys(offsets))
        if len(unique) < len(offsets):
            self.anomaly(
                "regf.value_record_repeated",
                f"the value list at 0x{list_offset:x} (key at 0x{key_offset:x}) names "
                f"{len(offsets) - len(unique)} value record(s) more than once; each is read once",
                list_offset + _DATA_START,
                Severity.ERROR,
            )
        return unique

    def value_data(self, vk_offset: int, record: ValueRecord, *, keep: bool = True) -> bytes:
        """The value's data, copied from its cell(s): no more than the record claims is ever
        copied, whatever the size of the cell. With ``keep=False`` nothing is copied and b""
        is returned: the same checks run (and record the same anomalies) at no memory cost."""
        size_field = record.data_size_field
        size = size_field & 0x7FFFFFFF
        where = vk_offset + _DATA_START
        if size_field & regf.INLINE_DATA_FLAG:
            if size > 4:
                self.anomaly(
                    "regf.inline_size_invalid",
                    f"inline value {record.name!r} claims {size} bytes (at most 4 fit)",
                    where,
                    Severity.ERROR,
                )
                size = 4
            # Inline data occupies the leading bytes of the data-offset field (spec).
            return record.data_offset.to_bytes(4, "little")[:size]
        if size == 0:
            return b""
        if record.data_offset == regf.NO_CELL:
            self.anomaly(
                "regf.value_data_missing",
                f"value {record.name!r} claims {size} bytes but has no data cell",
                where,
                Severity.ERROR,
            )
            return b""
        owner = self._value_data_owner.setdefault(record.data_offset, vk_offset)
        if owner != vk_offset:
            self.anomaly(
                "regf.value_data_shared",
                f"value {record.name!r} points at the data cell at 0x{record.data_offset:x}, "
                f"which the value record at 0x{owner:x} uses; Windows never shares value data: "
                "read once, under that value",
                where,
                Severity.ERROR,
            )
            return b""
        span = self.cells.span(record.data_offset, "value data")
        if span is None:
            return b""
        start, length = span
        image = self.image
        if (
            size > regf.BIG_DATA_SEGMENT_SIZE
            and self._header.minor_version >= regf.BIG_DATA_MIN_MINOR_VERSION
            and image[start : start + min(length, 2)] == b"db"
        ):
            head = bytes(image[start : start + min(length, DB.size)])
            return self._big_data(record, size, head, vk_offset, keep=keep)
        if size > length:
            self.anomaly(
                "regf.value_data_overrun",
                f"value {record.name!r} claims {size} bytes; its data cell holds {length}",
                where,
                Severity.ERROR,
            )
            size = length
        return bytes(image[start : start + size]) if keep else b""

    def _big_data(
        self, record: ValueRecord, size: int, payload: bytes, vk_offset: int, *, keep: bool
    ) -> bytes:
        where = vk_offset + _DATA_START
        if size > self.cells.data_size:
            # Segments are cells of this hive, so real data cannot outgrow the hive bins:
            # a larger claim is an amplification attempt, not data.
            self.anomaly(
                "regf.value_size_impossible",
                f"value {record.name!r} claims {size} bytes, more than the hive bins hold "
                f"({self.cells.data_size}); clamped",
                where,
                Severity.ERROR,
            )
            size = self.cells.data_size
        if len(payload) < DB.size:
            self.anomaly("regf.big_data_bad", "big-data record cell too small", where)
            return b""
        _signature, segments, list_offset = DB.packer.unpack_from(payload)
        listed = self.cells.span(list_offset, "big-data segment list")
        if listed is None:
            return b""
        fits = listed[1] // 4
        needed = -(-size // regf.BIG_DATA_SEGMENT_SIZE)
        if segments > fits or segments < needed:
            self.anomaly(
                "regf.big_data_segments",
                f"value {record.name!r}: big-data record lists {segments} segments; "
                f"{needed} are needed for {size} bytes and the list holds {fits}",
                where,
                Severity.ERROR,
            )
            segments = min(segments, fits)
        parts: list[bytes] = []
        remaining = size
        seen: set[int] = set()
        for segment in offset_array(self.image, segments, listed[0]):
            if remaining <= 0:
                break
            if segment in seen:
                self.anomaly(
                    "regf.big_data_segment_repeated",
                    f"value {record.name!r}: big-data segment 0x{segment:x} listed twice",
                    where,
                    Severity.ERROR,
                )
                break
            seen.add(segment)
            found = self.cells.span(segment, "big-data segment")
            if found is None:
                break
            start, length = found
            taken = min(length, remaining, regf.BIG_DATA_SEGMENT_SIZE)
            if keep:
                parts.append(bytes(self.image[start : start + taken]))
            remaining -= taken
        if remaining > 0:
            self.anomaly(
                "regf.value_data_overrun",
                f"value {record.name!r}: big data ends {remaining} bytes short of {size}",
                where,
                Severity.ERROR,
            )
        return b"".join(parts)

    def class_name(self, key_offset: int, node: KeyNode) -> str | None:
        if node.class_name_offset == regf.NO_CELL or node.class_name_length == 0:
            return None
        cell = self.cells.cell(node.class_name_offset, "class name", node.class_name_length)
        if cell is None:
            return None
        raw = cell
        if len(raw) < node.class_name_length:
            self.anomaly(
                "regf.class_name_truncated",
                f"class name of key 0x{key_offset:x} is cut short by its cell",
                node.class_name_offset + _DATA_START,
            )
        return raw[: len(raw) // 2 * 2].decode("utf-16-le", errors="surrogatepass")

    def security_descriptor(self, key_offset: int, node: KeyNode) -> bytes | None:
        if node.security_offset == regf.NO_CELL:
            return None
        cell = self.cells.cell(node.security_offset, "security record")
        if cell is None:
            return None
        return parse_security_descriptor(cell, node.security_offset + _DATA_START, self.anomaly)


_INDEX_FROM: Final = 64  # subkeys above which a key's children are indexed by name on first lookup


def _folded(name: str) -> str:
    """:func:`~hiveparse.model.fold_name`, with its ASCII case (nearly every name) done here
    in the compiled module rather than by a call into the interpreted one."""
    return name.upper() if name.isascii() else fold_name(name)


def _shown(path: str) -> str:
    """A key's path for a message: quoted, or "(root)"."""
    return quoted(path) if path else "(root)"


def _when(filetime: int) -> str:
    return filetime_iso(filetime) or f"FILETIME {filetime}"


# mypyc builds the compiled classes without running ABCMeta.__new__, so each would share its
# abstract base's isinstance cache (``_abc_impl``) with it: once ``isinstance(memory_key,
# RegfKey)`` had been answered, ``isinstance(memory_key, Key)`` gave the same answer, and the
# other way round. Each gets a cache of its own, as ABCMeta gives every class (in the pure
# build this only renews what ABCMeta made).
for _reader_class in (RegfKey, RegfValue, RegfHive):
    _abc_init(_reader_class)
