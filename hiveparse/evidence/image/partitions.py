"""The partitions of a disk image: MBR (with logical partitions), GPT, or none (an image of
one volume). Schemas in :mod:`hiveparse.schemas.partition_table`.

Partitions are numbered as Windows and Linux number them: MBR records 1 to 4 in table order,
logical partitions from 5 in chain order; GPT entries from 1 in array order (unused entries
keep their number, so partition 3 is the third entry); 0 for a volume image without a table.
What does not add up (a CRC that fails, a partition past the end of the image, an EBR chain
that loops) is a note, and whatever can still be read is listed.
"""

from __future__ import annotations

import itertools
import uuid
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from construct import ConstructError

from hiveparse.schemas.partition_table import (
    GPT_ENTRY_SIZE,
    GPT_HEADER_CRC_OFFSET,
    GPT_SIGNATURE,
    MBR_SIGNATURE,
    SECTOR,
    gpt_header,
    gpt_partition_entry,
    master_boot_record,
)

from .formats import VOLUME_OEM_IDS

if TYPE_CHECKING:
    from .disk import Disk

_EXTENDED = frozenset({0x05, 0x0F, 0x85})
_PROTECTIVE = 0xEE
_MAX_LOGICAL = 128  # EBRs followed before a chain is taken to loop
_MAX_GPT_ENTRIES = 4096

MBR_TYPES = {
    0x01: "FAT12",
    0x04: "FAT16 (< 32 MiB)",
    0x05: "extended",
    0x06: "FAT16",
    0x07: "NTFS / exFAT / HPFS",
    0x0B: "FAT32 (CHS)",
    0x0C: "FAT32 (LBA)",
    0x0E: "FAT16 (LBA)",
    0x0F: "extended (LBA)",
    0x12: "OEM recovery / hibernation",
    0x17: "hidden NTFS",
    0x27: "Windows RE (hidden NTFS)",
    0x42: "Windows dynamic disk (LDM)",
    0x82: "Linux swap",
    0x83: "Linux",
    0x85: "Linux extended",
    0x8E: "Linux LVM",
    0xEE: "GPT protective",
    0xEF: "EFI system",
}

GPT_TYPES = {
    "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7": "Microsoft basic data",
    "c12a7328-f81f-11d2-ba4b-00a0c93ec93b": "EFI system",
    "e3c9e316-0b5c-4db8-817d-f92df00215ae": "Microsoft reserved",
    "de94bba4-06d1-4d40-a16a-bfd50179d6ac": "Windows recovery environment",
    "5808c8aa-7e8f-42e0-85d2-e1e90434cfb3": "Windows LDM metadata",
    "af9b60a0-1431-4f62-bc68-3311714a69ad": "Windows LDM data",
    "e75caf8f-f680-4cee-afa3-b001e56efc2d": "Windows Storage Spaces",
    "0fc63daf-8483-4772-8e79-3d69d8477de4": "Linux file system",
    "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f": "Linux swap",
    "e6d6d379-f507-44c2-a23c-238f2a3df928": "Linux LVM",
}


@dataclass(frozen=True, slots=True)
class Partition:
    index: int
    scheme: str  # "mbr", "gpt" or "none"
    offset: int  # bytes from the start of the disk
    size: int  # bytes
    type: str  # "0x07" (MBR) or the type GUID (GPT); "" for a volume image
    type_name: str
    name: str = ""  # the GPT partition name

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "scheme": self.scheme,
            "offset": self.offset,
            "size": self.size,
            "type": self.type,
            "type_name": self.type_name,
            "name": self.name,
        }


@dataclass
class PartitionTable:
    scheme: str  # "mbr", "gpt", "none" (a volume image) or "unknown"
    partitions: list[Partition] = field(default_factory=list)
    # (offset, what is wrong, whether evidence may be lost or wrong because of it)
    notes: list[tuple[int, str, bool]] = field(default_factory=list)
    sector_size: int = SECTOR


def read_partitions(disk: Disk) -> PartitionTable:
    """The partition table of ``disk``; ImageReadError when its first sectors cannot be
    read at all. Partitions that overlap are listed as the table gives them, with a note
    (one volume may then be read twice)."""
    table = _read_table(disk)
    ordered = sorted(table.partitions, key=lambda p: p.offset)
    for first, second in itertools.pairwise(ordered):
        if second.offset < first.offset + first.size and not (
            first.type in _EXTENDED_TYPES or second.type in _EXTENDED_TYPES
        ):
            table.notes.append(
                (
                    second.offset,
                    f"partitions {first.index} and {second.index} overlap (at byte "
                    f"{second.offset}): the table is wrong or was altered, and what they hold "
                    "may be one volume read twice",
                    False,
                )
            )
    return table


_EXTENDED_TYPES = frozenset({"0x05", "0x0f", "0x85"})  # hold the logical partitions


def _read_table(disk: Disk) -> PartitionTable:
    first = disk.read(0, SECTOR)
    if len(first) < SECTOR:
        table = PartitionTable("unknown")
        table.notes.append(
            (0, f"the disk has {disk.size} bytes: too short for a boot sector", True)
        )
        return table
    if first[3:11] in VOLUME_OEM_IDS or first[82:87] == b"FAT32" or first[54:57] == b"FAT":
        table = PartitionTable("none")
        table.partitions.append(Partition(0, "none", 0, disk.size, "", "whole volume"))
        return table
    if first[510:512] != MBR_SIGNATURE:
        table = PartitionTable("unknown")
        table.notes.append((510, "no MBR signature (0x55 0xAA) and no volume boot sector", False))
        return table
    mbr = master_boot_record.parse(first)
    if any(record.os_type == _PROTECTIVE for record in mbr.partition_record):
        for sector_size in (SECTOR, 4096):
            if disk.read(sector_size, 8) == GPT_SIGNATURE:
                return _gpt(disk, sector_size)
        table = PartitionTable("gpt")
        table.notes.append((SECTOR, "a protective MBR, but no GPT header at LBA 1", True))
        return table
    return _mbr(disk, mbr)


def _check_bounds(disk: Disk, table: PartitionTable, partition: Partition) -> None:
    if partition.offset + partition.size > disk.size:
        table.notes.append(
            (
                partition.offset,
                f"partition {partition.index} ends at byte {partition.offset + partition.size}, "
                f"past the end of the image ({disk.size} bytes): the image is truncated or "
                "the table is wrong",
                True,
            )
        )


def _mbr(disk: Disk, mbr: Any) -> PartitionTable:
    """The MBR's partitions; its LBAs count the disk's logical sectors (4096 bytes on a 4Kn
    disk, as a VHDX or an EWF image may say)."""
    table = PartitionTable("mbr", sector_size=disk.sector_size)
    for number, record in enumerate(mbr.partition_record, start=1):
        if record.os_type == 0 or record.size_in_lba == 0:
            continue
        partition = _mbr_partition(number, record, record.starting_lba, disk.sector_size)
        table.partitions.append(partition)
        _check_bounds(disk, table, partition)
        if record.os_type in _EXTENDED:
            _logical(disk, table, record.starting_lba)
    return table


def _mbr_partition(number: int, record: Any, start_lba: int, sector: int) -> Partition:
    return Partition(
        number,
        "mbr",
        start_lba * sector,
        record.size_in_lba * sector,
        f"0x{record.os_type:02x}",
        MBR_TYPES.get(record.os_type, "unknown"),
    )


def _logical(disk: Disk, table: PartitionTable, extended_lba: int) -> None:
    """The logical partitions in the EBR chain of the extended partition at
    ``extended_lba`` (UEFI 2.10 §5.2.1 and the module docstring)."""
    sector_size = table.sector_size
    ebr_lba, number = extended_lba, 5
    seen: set[int] = set()
    while len(seen) < _MAX_LOGICAL:
        if ebr_lba in seen:
            table.notes.append(
                (ebr_lba * sector_size, "the extended boot records loop: stopped", True)
            )
            return
        seen.add(ebr_lba)
        sector = disk.read(ebr_lba * sector_size, sector_size)
        if len(sector) < sector_size or sector[510:512] != MBR_SIGNATURE:
            table.notes.append(
                (
                    ebr_lba * sector_size,
                    "an extended boot record without its signature: the chain ends",
                    True,
                )
            )
            return
        ebr = master_boot_record.parse(sector[:SECTOR])
        logical, following = ebr.partition_record[0], ebr.partition_record[1]
        if logical.os_type != 0 and logical.size_in_lba != 0:
            partition = _mbr_partition(number, logical, ebr_lba + logical.starting_lba, sector_size)
            table.partitions.append(partition)
            _check_bounds(disk, table, partition)
            number += 1
        if following.os_type not in _EXTENDED or following.starting_lba == 0:
            return
        ebr_lba = extended_lba + following.starting_lba
    table.notes.append(
        (ebr_lba * sector_size, f"more than {_MAX_LOGICAL} logical partitions: stopped", True)
    )


def _crc_ok(header_bytes: bytes, header: Any) -> bool:
    size = header.header_size
    zeroed = bytearray(header_bytes[:size])
    zeroed[GPT_HEADER_CRC_OFFSET : GPT_HEADER_CRC_OFFSET + 4] = b"\0\0\0\0"
    return zlib.crc32(zeroed) == int(header.header_crc32)


def _gpt_header(disk: Disk, lba: int, sector_size: int) -> tuple[Any, bool] | None:
    raw = disk.read(lba * sector_size, sector_size)
    try:
        header = gpt_header.parse(raw)
    except ConstructError:
        return None
    if not 92 <= header.header_size <= sector_size:
        return None
    return header, _crc_ok(raw, header)


@dataclass(frozen=True)
class _GptCopy:
    """One copy of the GPT (the primary at LBA 1, the backup in the last LBA)."""

    lba: int
    header: Any
    entries: bytes
    sound: bool  # both CRC32s match


def _gpt_copy(disk: Disk, lba: int, sector_size: int) -> _GptCopy | None:
    found = _gpt_header(disk, lba, sector_size)
    if found is None:
        return None
    header, header_ok = found
    count = min(header.number_of_partition_entries, _MAX_GPT_ENTRIES)
    entry_size = header.size_of_partition_entry
    if entry_size < GPT_ENTRY_SIZE or entry_size % 8:
        return None
    entries = disk.read(header.partition_entry_lba * sector_size, count * entry_size)
    entries_ok = zlib.crc32(entries) == int(header.partition_entry_array_crc32)
    return _GptCopy(lba, header, entries, header_ok and entries_ok)


def _gpt(disk: Disk, sector_size: int) -> PartitionTable:
    """The GPT: the primary copy when both its CRC32s match, else the backup when its do
    (UEFI 2.10 §5.3.2: "If the primary GPT is corrupt, software must check the last LBA of
    the device to see if it has a valid GPT Header"), else what the primary says, partial."""
    table = PartitionTable("gpt", sector_size=sector_size)
    last = disk.size // sector_size - 1
    primary = _gpt_copy(disk, 1, sector_size)
    chosen = primary
    if primary is None or not primary.sound:
        backup = _gpt_copy(disk, last, sector_size)
        if backup is not None and backup.sound:
            chosen = backup
            table.notes.append(
                (sector_size, "the primary GPT (its header or its entries) fails its CRC32: "
                 f"the backup at LBA {last} was used, whose CRC32s match", False)
            )  # fmt: skip
        else:
            chosen = primary or backup
            table.notes.append(
                (sector_size, "neither the primary GPT nor the backup passes its CRC32 "
                 "checks: the partitions are read as the "
                 f"{'primary' if chosen is primary else 'backup'} lists them, and may be wrong",
                 True)
            )  # fmt: skip
    if chosen is None:
        return table
    array, entry_size = chosen.entries, chosen.header.size_of_partition_entry
    for number in range(1, len(array) // entry_size + 1):
        start = (number - 1) * entry_size
        entry = gpt_partition_entry.parse(array[start : start + GPT_ENTRY_SIZE])
        if entry.partition_type_guid == bytes(16) or entry.ending_lba < entry.starting_lba:
            continue
        type_guid = str(uuid.UUID(bytes_le=entry.partition_type_guid))
        partition = Partition(
            number,
            "gpt",
            entry.starting_lba * sector_size,
            (entry.ending_lba - entry.starting_lba + 1) * sector_size,
            type_guid,
            GPT_TYPES.get(type_guid, "unknown"),
            entry.partition_name.decode("utf-16-le", "replace").split("\x00")[0],
        )
        table.partitions.append(partition)
        _check_bounds(disk, table, partition)
    return table
