"""Volume shadow copies in a disk image are listed, not examined: a copy of
tests/data/images/rdsh-image.raw is given volsnap metadata laid out as Windows writes it
(the volume header at 0x1E00, a catalog of two chained 16 KiB blocks, and for each of three
shadow copies a store header with its store information, an empty block list, block range
list and bitmap), built here with struct from libvshadow's "Volume Shadow Snapshot (VSS)
format" notes (libyal/libvshadow, documentation/ and libvshadow/vshadow_*.h), not from
hiveparse's schemas. libvshadow's pyvshadow opens the volume and is the truth hiveparse's
list of stores is held to."""

from __future__ import annotations

import json
import shutil
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from tests.cli.running import hiveparse
from tests.support.oracles import oracle

for _module in ("pyewf", "pytsk3", "pyvhdi", "pyvmdk"):
    oracle(_module)  # hiveparse[images] (open_disk needs it): CI installs it
pyvshadow = oracle("pyvshadow")  # libvshadow-python: CI installs it

from hiveparse.evidence.image.disk import open_disk  # noqa: E402
from hiveparse.evidence.image.formats import ImageFormat  # noqa: E402
from hiveparse.evidence.image.partitions import Partition, read_partitions  # noqa: E402
from hiveparse.evidence.image.shadow_copies import list_shadow_copies  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "tests" / "data" / "images"
PLAIN = IMAGES / "rdsh-image.raw"
MANIFEST = json.loads((IMAGES / "MANIFEST.json").read_text(encoding="utf-8"))
VOLUME = MANIFEST["disks"]["rdsh-image.raw"]["volumes"][0]
EXPIRES = "2026-09-30T03:12:44Z"  # what samples/make_samples.py encrypted as the timebomb
AS_OF = "2026-06-01T00:00:00Z"

# -- the volsnap layout (libvshadow's notes; offsets relative to the start of the volume) --
VSS_IDENTIFIER = uuid.UUID("3808876b-c176-4e48-b7ae-04046e6cc752").bytes_le
VOLUME_HEADER_OFFSET = 0x1E00  # in $Boot: sector 15 of the volume
BLOCK = 0x4000  # catalog and store blocks
ENTRY = 128  # catalog entries
RECORD_VOLUME_HEADER, RECORD_CATALOG = 1, 2
RECORD_BLOCK_LIST, RECORD_STORE_HEADER, RECORD_BLOCK_RANGES, RECORD_BITMAP = 3, 4, 5, 6
FLAGS_VISTA_7 = 0x40  # catalog entry type 0x02 flags as Vista and 7 write them
# _VSS_VOLUME_SNAPSHOT_ATTRIBUTES of a ClientAccessibleWriters copy (System Restore):
# persistent, client-accessible, no auto release, differential, auto-recover
ATTRIBUTES = 0x0042000D
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Copy:
    store: uuid.UUID  # the store identifier (names {store}{3808876b-...} in SVI)
    sequence: int
    created: int  # FILETIME, with 100 ns digits a datetime cannot hold
    copy_id: uuid.UUID  # the shadow copy identifier (store information)
    copy_set: uuid.UUID


def _filetime(moment: datetime, hundred_ns: int) -> int:
    return (moment - FILETIME_EPOCH) // timedelta(microseconds=1) * 10 + hundred_ns


COPIES = (  # ordered by sequence number, which is also the order of creation
    Copy(
        uuid.UUID("a3f1c2d4-5b6e-11f0-9c1a-000c29b4e801"),
        11,
        _filetime(datetime(2026, 3, 2, 4, 0, 12, 345678, tzinfo=UTC), 9),
        uuid.UUID("7d1e0c55-2f43-4c7a-8e0b-5a1d2c3b4e01"),
        uuid.UUID("0b9c8a77-6d5e-4f30-a1b2-c3d4e5f60701"),
    ),
    Copy(
        uuid.UUID("a3f1c2d5-5b6e-11f0-9c1a-000c29b4e801"),
        12,
        _filetime(datetime(2026, 4, 15, 23, 59, 58, 500000, tzinfo=UTC), 1),
        uuid.UUID("7d1e0c55-2f43-4c7a-8e0b-5a1d2c3b4e02"),
        uuid.UUID("0b9c8a77-6d5e-4f30-a1b2-c3d4e5f60702"),
    ),
    Copy(
        uuid.UUID("a3f1c2d6-5b6e-11f0-9c1a-000c29b4e801"),
        13,
        _filetime(datetime(2026, 5, 20, 9, 30, tzinfo=UTC), 0),
        uuid.UUID("7d1e0c55-2f43-4c7a-8e0b-5a1d2c3b4e03"),
        uuid.UUID("0b9c8a77-6d5e-4f30-a1b2-c3d4e5f60703"),
    ),
)
MACHINE = "RDSH01.corp.example.com"


# -- where the metadata goes: clusters the manifest shows hold nothing --------------------
def _occupied() -> list[tuple[int, int]]:
    """(start, end) byte ranges of the volume the manifest says are in use: the boot
    sectors, the MFT and its mirror, every file's data and the backup boot sector."""
    cluster = VOLUME["ntfs"]["cluster_size"]
    ranges = [(0, 16 * VOLUME["ntfs"]["sector_size"]), (VOLUME["size"] - 512, VOLUME["size"])]
    ranges += [
        (run["lcn"] * cluster, (run["lcn"] + run["clusters"]) * cluster)
        for run in VOLUME["ntfs"]["mft_data_runs"]
    ]
    mirror = VOLUME["ntfs"]["mftmirr_lcn"] * cluster
    ranges.append((mirror, mirror + cluster))
    for item in VOLUME["files"]:
        for extent in item.get("data_disk_extents", []):
            start = extent["offset"] - VOLUME["offset"]
            ranges.append((start, start + extent["length"]))
    return ranges


# The first 16 KiB boundary past everything in use but the backup boot sector (the last
# hive's data ends at cluster 328): the volume's $Bitmap marks clusters 328-510 free.
AREA = -(-max(end for _, end in _occupied() if end < VOLUME["size"] - 512) // BLOCK) * BLOCK
CATALOG = (AREA, AREA + BLOCK)  # two catalog blocks, chained


def _store_blocks(index: int) -> tuple[int, int, int, int]:
    """Store header, block list, block range list and bitmap of the index-th copy."""
    first = AREA + (2 + 4 * index) * BLOCK
    return first, first + BLOCK, first + 2 * BLOCK, first + 3 * BLOCK


AREA_END = _store_blocks(len(COPIES) - 1)[3] + BLOCK


def _block_header(record: int, relative: int, offset: int, next_offset: int = 0,
                  size: int = 0) -> bytes:  # fmt: skip
    """The 128-byte header every catalog and store block starts with."""
    header = VSS_IDENTIFIER + struct.pack("<IIQQQQ", 1, record, relative, offset, next_offset, size)
    return header.ljust(ENTRY, b"\0")


def _volume_header() -> bytes:
    header = VSS_IDENTIFIER + struct.pack(
        "<IIQQQQQ16s16s",
        1,  # version (1: Vista and 7)
        RECORD_VOLUME_HEADER,
        VOLUME_HEADER_OFFSET,  # current offset
        VOLUME_HEADER_OFFSET,  # unknown (next offset?)
        0,
        CATALOG[0],
        0,  # maximum size: unbounded
        uuid.UUID("5f0e4c1a-9b2d-4e6f-8a7c-1d2e3f4a5b6c").bytes_le,  # volume identifier
        uuid.UUID("5f0e4c1a-9b2d-4e6f-8a7c-1d2e3f4a5b6c").bytes_le,  # stored on itself
    )
    return header.ljust(512, b"\0")


def _shadow_copy_entry(copy: Copy) -> bytes:  # catalog entry type 0x02
    entry = struct.pack(
        "<QQ16sQQQ",
        2,
        VOLUME["size"],
        copy.store.bytes_le,
        copy.sequence,
        FLAGS_VISTA_7,
        copy.created,
    )
    return entry.ljust(ENTRY, b"\0")


def _store_location_entry(copy: Copy, index: int) -> bytes:  # catalog entry type 0x03
    header, block_list, block_ranges, bitmap = _store_blocks(index)
    entry = struct.pack(
        "<QQ16sQQQQQQQ",
        3,
        block_list,
        copy.store.bytes_le,
        header,
        block_ranges,
        bitmap,
        0,  # NTFS file reference of the store file (none: it is not in this MFT)
        4 * BLOCK,  # allocated size
        0,  # previous bitmap: none
        index,  # unknown (store index?)
    )
    return entry.ljust(ENTRY, b"\0")


def _catalog() -> list[bytes]:
    """Two blocks; the entries are out of age order and a deleted copy left an unused
    (type 0x01) entry, as libvshadow's notes say catalogs have."""
    older, middle, newest = COPIES
    entries = (
        [_shadow_copy_entry(middle), _store_location_entry(middle, 1),
         _shadow_copy_entry(older), _store_location_entry(older, 0)],
        [struct.pack("<Q", 1).ljust(ENTRY, b"\0"),
         _shadow_copy_entry(newest), _store_location_entry(newest, 2)],
    )  # fmt: skip
    blocks = []
    for number, offset in enumerate(CATALOG):
        following = CATALOG[number + 1] if number + 1 < len(CATALOG) else 0
        block = _block_header(RECORD_CATALOG, number * BLOCK, offset, following)
        blocks.append((block + b"".join(entries[number])).ljust(BLOCK, b"\0"))
    return blocks


def _store(copy: Copy, index: int) -> list[tuple[int, bytes]]:
    header, block_list, block_ranges, bitmap = _store_blocks(index)
    machine = MACHINE.encode("utf-16-le")
    information = (
        uuid.UUID(int=0).bytes_le  # unknown
        + copy.copy_id.bytes_le
        + copy.copy_set.bytes_le
        + struct.pack("<IIII", 0x0D, 0, ATTRIBUTES, 0)  # type: ClientAccessibleWriters
        + struct.pack("<H", len(machine)) + machine  # operating machine
        + struct.pack("<H", len(machine)) + machine  # service machine
    )  # fmt: skip
    blocks = [
        (header, _block_header(RECORD_STORE_HEADER, 0, header, 0, len(information))
         + information),
        (block_list, _block_header(RECORD_BLOCK_LIST, BLOCK, block_list)),  # no block copied
        (block_ranges, _block_header(RECORD_BLOCK_RANGES, 2 * BLOCK, block_ranges)),
        (bitmap, _block_header(RECORD_BITMAP, 3 * BLOCK, bitmap)),
    ]  # fmt: skip
    return [(offset, data.ljust(BLOCK, b"\0")) for offset, data in blocks]


def _with_shadow_copies(tmp_path: Path) -> Path:
    image = tmp_path / "rdsh-vss.raw"
    shutil.copyfile(PLAIN, image)
    writes = [(VOLUME_HEADER_OFFSET, _volume_header())]
    writes += list(zip(CATALOG, _catalog(), strict=True))
    for index, copy in enumerate(COPIES):
        writes += _store(copy, index)
    with image.open("r+b") as handle:
        for offset, data in writes:
            handle.seek(VOLUME["offset"] + offset)
            assert handle.read(len(data)) == bytes(len(data)), f"volume offset {offset:#x}"
            handle.seek(VOLUME["offset"] + offset)
            handle.write(data)
    return image


def test_the_metadata_lies_where_nothing_else_does() -> None:
    assert AREA % BLOCK == 0
    assert VOLUME["size"] - 512 >= AREA_END
    for start, end in _occupied():
        assert end <= AREA or start >= AREA_END
    assert VOLUME_HEADER_OFFSET + 512 <= 16 * 512  # inside $Boot, which the copy leaves zero
    assert len(_catalog()) == 2 and all(len(block) == BLOCK for block in _catalog())


# -- the oracle -------------------------------------------------------------------------
class _Window:
    """The partition of an image file as a file object of its own, for libbfio."""

    def __init__(self, handle: BinaryIO, offset: int, size: int) -> None:
        self.handle, self.offset, self.size, self.position = handle, offset, size, 0

    def read(self, size: int = -1) -> bytes:
        size = self.size - self.position if size < 0 else min(size, self.size - self.position)
        if size <= 0:
            return b""
        self.handle.seek(self.offset + self.position)
        data = self.handle.read(size)
        self.position += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = (0, self.position, self.size)[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def get_size(self) -> int:
        return self.size


def _pyvshadow_stores(image: Path, partition: Partition) -> list[dict[str, Any]]:
    with image.open("rb") as handle:
        volume = pyvshadow.volume()
        volume.open_file_object(_Window(handle, partition.offset, partition.size))
        try:
            stores = []
            for index in range(volume.get_number_of_stores()):
                store = volume.get_store(index)
                created = store.get_creation_time()  # naive, UTC
                stores.append(
                    {
                        "store": store.get_identifier(),
                        "created": f"{created.isoformat()}Z",
                        "created_filetime": store.get_creation_time_as_integer(),
                        "volume_size": store.get_volume_size(),
                        "copy": store.get_copy_identifier(),
                        "copy_set": store.get_copy_set_identifier(),
                        "blocks": store.get_number_of_blocks(),
                    }
                )
            return stores
        finally:
            volume.close()


def _hiveparse_stores(image: Path) -> tuple[Partition, list[dict[str, Any]]]:
    with open_disk(image, ImageFormat.RAW, hash_files=False) as disk:
        [partition] = read_partitions(disk).partitions
        return partition, list_shadow_copies(disk, partition)


@pytest.fixture
def image(tmp_path: Path) -> Path:
    return _with_shadow_copies(tmp_path)


def test_pyvshadow_reads_the_stores_as_they_were_written(image: Path) -> None:
    partition, _ = _hiveparse_stores(image)
    assert (partition.offset, partition.size) == (VOLUME["offset"], VOLUME["size"])
    stores = _pyvshadow_stores(image, partition)
    assert [
        (s["store"], s["created_filetime"], s["copy"], s["copy_set"], s["volume_size"])
        for s in stores
    ] == [
        (str(c.store), c.created, str(c.copy_id), str(c.copy_set), VOLUME["size"])
        for c in COPIES
    ]  # fmt: skip
    assert all(store["blocks"] == 0 for store in stores)


def test_hiveparse_lists_the_stores_pyvshadow_lists(image: Path) -> None:
    partition, listed = _hiveparse_stores(image)
    truth = _pyvshadow_stores(image, partition)
    keys = ("store", "created", "created_filetime", "volume_size")
    assert [{key: store[key] for key in keys} for store in listed] == [
        {key: store[key] for key in keys} for store in truth
    ]
    # pyvshadow orders by creation time and does not give the sequence number: that is
    # what was written (hiveparse orders by it; here both orders agree).
    assert [store["sequence"] for store in listed] == [copy.sequence for copy in COPIES]


def test_analyze_warns_of_the_shadow_copies_and_still_reads_the_host(image: Path) -> None:
    partition, _ = _hiveparse_stores(image)
    truth = _pyvshadow_stores(image, partition)
    done = hiveparse("analyze", image, "-f", "jsonl", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    [document] = [json.loads(line) for line in done.stdout.splitlines()]
    assert document["licensing"]["grace_period"]["expires"] == EXPIRES
    [note] = [d for d in document["diagnostics"] if d["code"] == "image.shadow_copies"]
    assert note["severity"] == "warning"
    times = ", ".join(store["created"] for store in truth)
    assert f"{len(truth)} volume shadow copies (created {times}), not examined" in note["message"]
    assert not document["partial"]


def test_info_gives_the_list_in_the_volume(image: Path) -> None:
    partition, listed = _hiveparse_stores(image)
    truth = _pyvshadow_stores(image, partition)
    done = hiveparse("info", image, "-f", "json")
    assert done.returncode == 0, done.stderr
    [volume] = json.loads(done.stdout)["volumes"]
    assert volume["shadow_copies"] == listed
    assert [store["store"] for store in volume["shadow_copies"]] == [s["store"] for s in truth]


def test_a_volume_without_shadow_copies_lists_none() -> None:
    _, listed = _hiveparse_stores(PLAIN)
    assert listed == []
    done = hiveparse("analyze", PLAIN, "-f", "jsonl", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    [document] = [json.loads(line) for line in done.stdout.splitlines()]
    assert not [d for d in document["diagnostics"] if d["code"] == "image.shadow_copies"]
    done = hiveparse("info", PLAIN, "-f", "json")
    assert done.returncode == 0, done.stderr
    assert [v["shadow_copies"] for v in json.loads(done.stdout)["volumes"]] == [[]]


def test_a_catalog_chain_that_breaks_is_said(tmp_path: Path) -> None:
    """The second catalog block wiped: the first block's shadow copies are listed, and a
    warning says where the chain broke (never a silently short list)."""
    image = _with_shadow_copies(tmp_path)
    with image.open("r+b") as handle:
        handle.seek(VOLUME["offset"] + CATALOG[1])
        handle.write(bytes(BLOCK))
    with open_disk(image, ImageFormat.RAW) as disk:
        [partition] = read_partitions(disk).partitions
        listed = list_shadow_copies(disk, partition)
    [broken] = [entry for entry in listed if "unreadable" in entry]
    assert broken["unreadable"] == VOLUME["offset"] + CATALOG[1]
    done = hiveparse("analyze", image, "-f", "jsonl", "--as-of", AS_OF)
    [document] = [json.loads(line) for line in done.stdout.splitlines()]
    notes = [d for d in document["diagnostics"] if d["code"] == "image.shadow_copies"]
    assert any("could not be followed" in d["message"] for d in notes)
