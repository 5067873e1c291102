"""Deleted keys and values, carved from the space a hive no longer uses.

Windows frees the cells of a deleted key or value without wiping them, so the records stay
until the space is reused. Three places are scanned for ``nk`` and ``vk`` records:

* ``free``: unallocated cells (and bin tails after a broken cell chain);
* ``slack``: allocated cells past the end of the record they hold (a cell reused for a
  smaller record keeps the tail of the old one);
* ``remnant``: bytes after the hive bins the base block counts (bins of an earlier, larger
  hive).

A record only sits where a cell starts, so signatures are looked for at cell-payload
alignment (4 bytes past an 8-aligned offset). Each candidate must pass plausibility checks
(name, counts, timestamp, data offset) before it is reported. Value data is returned only
when every byte of it lies in unallocated space: a data cell that is allocated again has
been ``reused`` and its bytes belong to someone else. Keys get their path by following
parent offsets through recovered and live keys; a gap is written ``?``.

Recovered bytes are what the file holds now; whether a free cell was reused and freed again
in between cannot be told, which is why findings built on them say so.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from hiveparse.errors import Diagnostic, Location, Severity
from hiveparse.filetime import filetime_to_datetime
from hiveparse.model import fold_name
from hiveparse.schemas import regf
from hiveparse.sources.regf.cellmap import CellMap, Span
from hiveparse.sources.regf.cells import HiveBin, Image
from hiveparse.sources.regf.hive import RegfHive
from hiveparse.sources.regf.records import (
    DB,
    LIST_HEAD,
    NK,
    SK,
    VK,
    KeyNode,
    ValueRecord,
    offset_array,
    parse_key_node,
    parse_value_record,
)
from hiveparse.sources.regf.residency import SCAN_WINDOW

_DATA_START = regf.BASE_BLOCK_SIZE
_NK_VALUES_AT = NK.offsets["number_of_key_values"]  # u32, 4-aligned
_NK_VALUES_LIST_AT = NK.offsets["key_values_list_offset"]
_KEY_NAME_MAX = 255  # characters; Windows refuses longer key names
_VALUE_NAME_MAX = 16383
_NULS_MAX = 5  # a few NULs occur in real names (yarp accepts up to 5 as well)
_PATH_DEPTH_MAX = 512
_YEAR_MIN, _YEAR_MAX = 1970, 2100
_KEY_HIVE_ENTRY = 0x0004
_LIST_SLACK_ENTRIES = 8  # entries past a deleted key's count read as its list's slack


class Place(StrEnum):
    FREE = "free"
    SLACK = "slack"
    REMNANT = "remnant"


class DataState(StrEnum):
    INLINE = "inline"  # the data sits in the value record itself
    INTACT = "intact"  # every byte of the data lies in unallocated space
    REUSED = "reused"  # the data cell is allocated again: the old bytes are gone
    UNREADABLE = "unreadable"  # offsets or sizes point outside the hive or overlap


class Link(StrEnum):
    DELETED_KEY = "deleted_key_value_list"  # named by a recovered key's own value list
    DELETED_KEY_SLACK = "deleted_key_value_list_slack"  # past the count of that list
    LIVE_LIST_SLACK = "live_key_value_list_slack"  # left past the count of a live key's list


@dataclass(frozen=True, slots=True)
class RecoveredValue:
    offset: int  # the cell offset the record had (relative to the hive bins data)
    name: str
    type_id: int
    data_size: int
    raw: bytes | None
    data_state: str
    location: str
    flags: int
    key_offset: int | None = None  # the key whose value list names it
    key_path: str | None = None  # that key's path ('?' for unknown parts)
    link: str | None = None  # how: Link.DELETED_KEY or Link.LIVE_LIST_SLACK

    @property
    def file_offset(self) -> int:
        return self.offset + _DATA_START


@dataclass(frozen=True, slots=True)
class RecoveredKey:
    offset: int
    name: str
    path: str  # from the hive root, without the root's own name; '?' for unknown parts
    path_complete: bool
    parent_offset: int
    last_written: int
    class_name: str | None
    number_of_subkeys: int
    number_of_values: int
    location: str
    flags: int
    values: tuple[RecoveredValue, ...] = ()
    live_twin: bool = False  # a live key of the same name has the same parent

    @property
    def file_offset(self) -> int:
        return self.offset + _DATA_START

    @property
    def last_written_at(self) -> datetime | None:
        return filetime_to_datetime(self.last_written)


@dataclass(frozen=True, slots=True)
class Recovery:
    source: str
    keys: tuple[RecoveredKey, ...]
    values: tuple[RecoveredValue, ...]
    partial: bool
    diagnostics: tuple[Diagnostic, ...]
    scanned_bytes: dict[str, int] = field(default_factory=dict)
    whole_hive: bool = True  # False: only some bins were scanned (see recover's ``bins``)


def recover(
    hive: RegfHive, *, max_records: int = 1_000_000, bins: list[HiveBin] | None = None
) -> Recovery:
    """Every deleted key and value record that can be carved from ``hive``; with ``bins``,
    from those hive bins only (no remnant), which costs what they hold, not the hive."""
    return _Carver(hive, max_records, bins).run()


def bins_around(hive: RegfHive, offsets: list[int], spread: int) -> list[HiveBin]:
    """The bins holding ``offsets`` (cell offsets; invalid ones are passed over) and
    ``spread`` bins on each side, in file order."""
    bins = hive.cells.bins
    starts = [hive_bin.offset for hive_bin in bins]
    chosen: set[int] = set()
    for offset in offsets:
        index = bisect_right(starts, offset) - 1
        if index < 0 or offset >= bins[index].offset + bins[index].size:
            continue
        chosen.update(range(max(0, index - spread), min(len(bins), index + spread + 1)))
    return [bins[index] for index in sorted(chosen)]


class _Finder:
    """The next occurrence of one record signature, searched at C speed (bytes.find) and
    remembered, so that looking for ``nk`` and ``vk`` side by side reads each byte about
    once even where one of them is frequent and the other absent."""

    __slots__ = ("found", "image", "needle", "searched_from", "searched_to")

    def __init__(self, image: Image, needle: bytes) -> None:
        self.image = image
        self.needle = needle
        self.found = -1
        self.searched_from = 0
        self.searched_to = -1  # nothing searched yet

    def next(self, position: int, stop: int) -> int:
        """The first offset in ``[position, stop)`` where the signature lies whole, or -1."""
        if self.found >= position:
            return self.found if self.found + len(self.needle) <= stop else -1
        start = position
        if self.found < 0 and self.searched_from <= position < self.searched_to:
            # [searched_from, searched_to) holds no whole match: resume at its last byte.
            start = max(position, self.searched_to - len(self.needle) + 1)
        else:
            self.searched_from = position
        self.found = self.image.find(self.needle, start, stop)
        self.searched_to = stop
        return self.found


def _silent(*_args: object, **_kwargs: object) -> None:
    """Carving tests candidates; their flaws are not anomalies of the hive."""


class _Carver:
    def __init__(self, hive: RegfHive, max_records: int, bins: list[HiveBin] | None) -> None:
        self.hive = hive
        self.image = hive.image
        self.source = hive.source
        self.max_records = max_records
        self.whole_hive = bins is None
        self.map = CellMap(hive.cells, hive.source, bins)
        self.diagnostics: list[Diagnostic] = []
        self.big_data = hive.header.minor_version >= regf.BIG_DATA_MIN_MINOR_VERSION
        self.partial = False
        self.keys: dict[int, tuple[KeyNode, str]] = {}
        self.values: dict[int, RecoveredValue] = {}
        self.live_nodes: list[int] = []  # allocated cells holding a key node
        self._live_children: dict[int, set[str]] = {}  # live parent -> folded child names
        self._lists_read: set[int] = set()  # value lists already given to a key
        self._data_left = 2 * len(self.image) + (1 << 20)  # bytes of data returned, at most
        self.scanned: dict[str, int] = {str(place): 0 for place in Place}

    # -- scanning ---------------------------------------------------------------------------

    def run(self) -> Recovery:
        for span, place, aligned in self._regions():
            self.scanned[place] += span.end - span.start
            if not self._scan(span, place, aligned=aligned):
                self.partial = True
                self.diagnostics.append(
                    Diagnostic(
                        "recover.budget",
                        f"more than {self.max_records} deleted records; the scan stopped at "
                        f"0x{span.start + _DATA_START:x}",
                        Location(self.source, offset=span.start + _DATA_START),
                        Severity.ERROR,
                    )
                )
                break
        paths: dict[int, tuple[str, bool]] = {}
        keys = self._link_keys(paths)
        self._link_live_lists(paths)
        values = tuple(value for _offset, value in sorted(self.values.items()))
        diagnostics = (*self.map.diagnostics, *self.diagnostics)
        return Recovery(
            self.source, keys, values, self.partial, diagnostics, self.scanned, self.whole_hive
        )

    def _regions(self) -> Iterator[tuple[Span, str, bool]]:
        """Unallocated cells, the slack of allocated cells, unmapped bin tails, remnant;
        with whether records there can only sit at cell-payload alignment (inside cells they
        do; in bytes no cell chain describes, any even offset is tried, as yarp does)."""
        words, live_nodes = self.map.words, self.live_nodes
        unmapped = list(self.map.unmapped)  # the chosen bins' tails, not those of later lookups
        for mapped in self.map.chosen:
            starts, sizes = mapped.starts, mapped.sizes
            for index in range(len(starts)):
                start, size = starts[index], sizes[index]
                if size > 0:
                    yield Span(start + 4, start + size), Place.FREE, True
                elif size <= -48:  # room for a record's tail plus the smallest vk after it
                    payload = start + 4
                    if words[payload >> 2] & 0xFFFF == _SIG_NK:
                        live_nodes.append(start)  # for the value-list slack of live keys
                    used = _record_length(words, payload, -size - 4)
                    if used is not None and -size - 4 - used >= VK.size:
                        yield Span(start + 4 + used, start - size), Place.SLACK, True
        for span in unmapped:
            yield span, Place.FREE, False
        if self.whole_hive and self.map.remnant is not None:
            yield self.map.remnant, Place.REMNANT, False

    def _scan(self, span: Span, place: str, *, aligned: bool) -> bool:
        """Carve one region; False when the record budget is spent."""
        image = self.image
        end = span.end + _DATA_START
        position = span.start + _DATA_START
        keys, values = _Finder(image, b"nk"), _Finder(image, b"vk")
        while position < end:
            # A window at a time: a search never runs far past the next record.
            limit = min(end, position + SCAN_WINDOW)
            stop = min(end, limit + 1)
            key_at, value_at = keys.next(position, stop), values.next(position, stop)
            if key_at < 0 and value_at < 0:
                position = limit
                continue
            at = value_at if key_at < 0 or 0 <= value_at < key_at else key_at
            if (at - _DATA_START) % (8 if aligned else 2) != (4 if aligned else 0):
                position = at + 1
                continue
            if image[at] == 0x6E:  # 'n'
                length = self._try_key(at, end, place)
            else:
                length = self._try_value(at, end, place)
            if len(self.keys) + len(self.values) > self.max_records:
                return False
            position = at + (length if length else 2)
        return True

    def _try_key(self, at: int, end: int, place: str) -> int:
        if end - at < NK.size + 1:
            return 0
        node = parse_key_node(self.image, at, end - at, _silent)
        if node is None or not _plausible_key(node, self.map):
            return 0
        self.keys[at - 4 - _DATA_START] = (node, place)
        return NK.size + int(NK.packer.unpack_from(self.image, at)[-2])

    def _try_value(self, at: int, end: int, place: str) -> int:
        if end - at < VK.size:
            return 0
        record = parse_value_record(self.image, at, end - at, _silent)
        if record is None or not self._plausible_value(record):
            return 0
        offset = at - 4 - _DATA_START
        raw, state = self._value_data(record)
        self.values[offset] = RecoveredValue(
            offset=offset,
            name=record.name,
            type_id=record.type_id,
            data_size=record.data_size_field & 0x7FFFFFFF,
            raw=raw,
            data_state=state,
            location=place,
            flags=record.flags,
        )
        return VK.size + int(VK.packer.unpack_from(self.image, at)[1])

    def _plausible_value(self, record: ValueRecord) -> bool:
        if not _plausible_name(record.name, _VALUE_NAME_MAX, allow_empty=True):
            return False
        size = record.data_size_field & 0x7FFFFFFF
        if record.data_size_field & regf.INLINE_DATA_FLAG:
            return size <= 4
        if size == 0:
            return True
        offset = record.data_offset
        return offset % 8 == 0 and 32 <= offset < len(self.image) - _DATA_START

    # -- value data -------------------------------------------------------------------------

    def _value_data(self, record: ValueRecord) -> tuple[bytes | None, str]:
        size_field = record.data_size_field
        size = size_field & 0x7FFFFFFF
        if size_field & regf.INLINE_DATA_FLAG:
            return record.data_offset.to_bytes(4, "little")[:size], DataState.INLINE
        if size == 0:
            return b"", DataState.INTACT
        offset = record.data_offset
        if (
            self.big_data
            and size > regf.BIG_DATA_SEGMENT_SIZE
            and self._free(offset, 4 + DB.size)
            and self._read(offset + 4, 2) == b"db"
        ):
            return self._big_data(offset, size)
        if self._free(offset, 4 + size):
            if not self._spend(size):
                return None, DataState.UNREADABLE
            return self._read(offset + 4, size), DataState.INTACT
        return None, self._lost_state(offset)

    def _spend(self, size: int) -> bool:
        """Count returned data against a budget of twice the file (crafted records can all
        point at one large free cell, each asking for its own copy); False once it is spent,
        which makes the result partial."""
        self._data_left -= size
        if self._data_left >= 0:
            return True
        if not self.partial:
            self.partial = True
            self.diagnostics.append(
                Diagnostic(
                    "recover.data_budget",
                    "deleted values claim more data than twice the file holds; the rest of "
                    "their data is not read",
                    Location(self.source),
                    Severity.ERROR,
                )
            )
        return False

    def _big_data(self, offset: int, size: int) -> tuple[bytes | None, str]:
        _signature, count, list_offset = DB.packer.unpack_from(self.image, offset + 4 + _DATA_START)
        needed = -(-size // regf.BIG_DATA_SEGMENT_SIZE)
        if count < needed or not self._free(list_offset, 4 + 4 * needed):
            return None, self._lost_state(list_offset)
        parts: list[bytes] = []
        remaining = size
        segments = offset_array(self.image, needed, list_offset + 4 + _DATA_START)
        for segment in segments:
            chunk = min(remaining, regf.BIG_DATA_SEGMENT_SIZE)
            if not self._free(segment, 4 + chunk):
                return None, self._lost_state(segment)
            if not self._spend(chunk):
                return None, DataState.UNREADABLE
            parts.append(self._read(segment + 4, chunk))
            remaining -= chunk
        return b"".join(parts), DataState.INTACT

    def _lost_state(self, offset: int) -> str:
        found = self.map.containing(offset)
        if found is not None and found[1] < 0:
            return DataState.REUSED
        return DataState.UNREADABLE

    def _free(self, relative: int, length: int) -> bool:
        return relative % 8 == 0 and self.map.free_run(relative, length)

    def _read(self, relative: int, length: int) -> bytes:
        start = relative + _DATA_START
        return bytes(self.image[start : start + length])

    # -- keys: values, class names, paths ---------------------------------------------------

    def _link_keys(self, paths: dict[int, tuple[str, bool]]) -> tuple[RecoveredKey, ...]:
        keys: list[RecoveredKey] = []
        for offset, (node, place) in sorted(self.keys.items()):
            path, complete = self._path(offset, paths)
            keys.append(
                RecoveredKey(
                    offset=offset,
                    name=node.name,
                    path=path,
                    path_complete=complete,
                    parent_offset=node.parent,
                    last_written=node.last_written,
                    class_name=self._class_name(node),
                    number_of_subkeys=node.number_of_subkeys,
                    number_of_values=node.number_of_values,
                    location=place,
                    flags=node.flags,
                    values=self._key_values(offset, node, path),
                    live_twin=self._has_live_twin(node),
                )
            )
        return tuple(keys)

    def _key_values(self, key_offset: int, node: KeyNode, path: str) -> tuple[RecoveredValue, ...]:
        count, list_offset = node.number_of_values, node.values_list_offset
        if count == 0 or list_offset in self._lists_read:
            return ()  # a list belongs to one key: the first record that names it
        if not self._free(list_offset, 4 + 4 * count):
            return ()
        self._lists_read.add(list_offset)
        found = self.map.containing(list_offset)
        capacity = count
        if found is not None and found[0] == list_offset:
            # A free cell may have merged with its neighbours: only the few entries a list
            # of this count can have left behind are read as its slack.
            capacity = max(count, min((found[1] - 4) // 4, count + _LIST_SLACK_ENTRIES))
        entries = offset_array(self.image, capacity, list_offset + 4 + _DATA_START)
        return self._attach(entries[:count], key_offset, path, Link.DELETED_KEY) + self._attach(
            entries[count:], key_offset, path, Link.DELETED_KEY_SLACK
        )

    def _attach(
        self, entries: tuple[int, ...], key_offset: int, path: str, link: str
    ) -> tuple[RecoveredValue, ...]:
        """Tie the recovered value records that ``entries`` name to one key (first claim wins)."""
        found: list[RecoveredValue] = []
        for offset in entries:
            value = self.values.get(offset)
            if value is not None and value.key_offset is None:
                linked = replace(value, key_offset=key_offset, key_path=path, link=link)
                self.values[offset] = linked
                found.append(linked)
        return tuple(found)

    def _link_live_lists(self, paths: dict[int, tuple[str, bool]]) -> None:
        """Windows closes a live key's value list up over a deleted entry without clearing
        the end: entries past the count that name a recovered value record were that key's
        (yarp reports them the same way)."""
        unlinked = {offset for offset, value in self.values.items() if value.key_offset is None}
        if not unlinked:
            return
        image, words = self.image, self.map.words
        limit = len(words) * 4
        for start in self.live_nodes:
            count = words[(start + 4 + _NK_VALUES_AT) >> 2] & 0xFFFFFFFF
            list_offset = words[(start + 4 + _NK_VALUES_LIST_AT) >> 2] & 0xFFFFFFFF
            if list_offset % 8 or not 32 <= list_offset < limit - 4:
                continue  # also NO_CELL
            if list_offset in self._lists_read:
                continue
            self._lists_read.add(list_offset)
            size = words[list_offset >> 2]
            capacity = (-size - 4) // 4
            if size >= 0 or capacity <= count or list_offset - size > limit:
                continue
            stale = offset_array(image, capacity - count, list_offset + 4 + 4 * count + _DATA_START)
            if not unlinked.intersection(stale):
                continue
            path = self._path(start, paths)[0]
            for value in self._attach(stale, start, path, Link.LIVE_LIST_SLACK):
                unlinked.discard(value.offset)

    def _class_name(self, node: KeyNode) -> str | None:
        length = node.class_name_length
        if length == 0 or not self._free(node.class_name_offset, 4 + length):
            return None
        raw = self._read(node.class_name_offset + 4, length - length % 2)
        return raw.decode("utf-16-le", errors="surrogatepass")

    def _path(self, offset: int, memo: dict[int, tuple[str, bool]]) -> tuple[str, bool]:
        """Follow parent offsets up to the root through recovered and live key nodes."""
        chain: list[tuple[int, str]] = []
        seen: set[int] = set()
        current: int | None = offset
        prefix, complete = "?", False
        while current is not None and len(chain) < _PATH_DEPTH_MAX:
            if current in memo:
                prefix, complete = memo[current]
                break
            if current in seen:
                break
            seen.add(current)
            node = self._node_at(current)
            if node is None:
                break
            if current == self.hive.header.root_cell_offset or node.flags & _KEY_HIVE_ENTRY:
                prefix, complete = "", True
                break
            chain.append((current, node.name))
            current = node.parent
        path = prefix
        for index in range(len(chain) - 1, -1, -1):
            at, name = chain[index]
            path = f"{path}\\{name}" if path else name
            memo[at] = (path, complete)
        return memo.get(offset, (path, complete))

    def _node_at(self, offset: int) -> KeyNode | None:
        recovered = self.keys.get(offset)
        if recovered is not None:
            return recovered[0]
        if not self.map.allocated_at(offset):
            return None
        found = self.hive.cells.span(offset, "key node")
        if found is None:
            return None
        return parse_key_node(self.image, found[0], found[1], _silent)

    def _has_live_twin(self, node: KeyNode) -> bool:
        """Whether the parent is live and lists a key of the same name (then the record is
        an older copy of a live key, left behind when Windows moved it)."""
        names = self._live_children.get(node.parent)
        if names is None:
            names = set()
            parent = self._node_at(node.parent) if self.map.allocated_at(node.parent) else None
            if parent is not None:  # each live parent's subkeys are read once
                for offset in self.hive.subkey_offsets(node.parent, parent):
                    child = self._node_at(offset)
                    if child is not None:
                        names.add(fold_name(child.name))
            self._live_children[node.parent] = names
        return fold_name(node.name) in names


def _plausible_name(name: str, limit: int, *, allow_empty: bool) -> bool:
    if not name:
        return allow_empty
    return len(name) <= limit and name.count("\x00") <= _NULS_MAX and "\ufffd" not in name


def _plausible_key(node: KeyNode, cell_map: CellMap) -> bool:
    if "\\" in node.name or not _plausible_name(node.name, _KEY_NAME_MAX, allow_empty=False):
        return False
    moment = filetime_to_datetime(node.last_written)
    if moment is None or not _YEAR_MIN <= moment.year <= _YEAR_MAX:
        return False
    most = cell_map.cells.data_size // 8 + 1  # every subkey or value needs a cell of its own
    return node.number_of_subkeys <= most and node.number_of_values <= most


def _signature(text: bytes) -> int:
    """A two-byte signature as the low half of a little-endian int32 ("nk" -> 0x6B6E)."""
    return int.from_bytes(text, "little")


_SIG_NK, _SIG_VK, _SIG_SK, _SIG_DB = (_signature(t) for t in (b"nk", b"vk", b"sk", b"db"))
_SIG_HASHED = frozenset(_signature(t) for t in (b"lf", b"lh"))
_SIG_INDEX = frozenset(_signature(t) for t in (b"li", b"ri"))
_NK_NAME_LENGTH_AT = NK.offsets["key_name_length"]  # u16, 4-aligned
_SK_SIZE_AT = SK.offsets["security_descriptor_size"]


def _record_length(words: memoryview, payload: int, length: int) -> int | None:
    """How many bytes of an allocated cell's payload (at ``payload``, relative to the hive
    bins data) its record uses, rounded to the cell alignment; None when the payload does
    not say (value data, value lists and class names carry no signature)."""
    first = words[payload >> 2]
    signature, second = first & 0xFFFF, (first >> 16) & 0xFFFF
    used: int | None = None
    if signature == _SIG_NK and length >= NK.size:
        used = NK.size + (words[(payload + _NK_NAME_LENGTH_AT) >> 2] & 0xFFFF)
    elif signature == _SIG_VK and length >= VK.size:
        used = VK.size + second
    elif signature in _SIG_HASHED and length >= LIST_HEAD.size:
        used = LIST_HEAD.size + 8 * second
    elif signature in _SIG_INDEX and length >= LIST_HEAD.size:
        used = LIST_HEAD.size + 4 * second
    elif signature == _SIG_SK and length >= SK.size:
        used = SK.size + (words[(payload + _SK_SIZE_AT) >> 2] & 0xFFFFFFFF)
    elif signature == _SIG_DB and length >= DB.size:
        used = DB.size
    if used is None or used > length:
        return None
    return used + (-used % 8)
