"""Partition tables of a disk: the MBR (with its extended boot records) and the GUID
partition table (declarations only; :mod:`hiveparse.evidence.image.partitions` reads them).

MBR: the UEFI specification 2.10 §5.2.1 (legacy MBR, table 5-1 and 5-2), as every PC disk
since DOS 2 has it: 446 bytes of boot code, four 16-byte partition records, the signature
0x55 0xAA. An extended partition (type 0x05, 0x0F or 0x85) holds a chain of extended boot
records laid out like the MBR: the first record is a logical partition (its start relative
to this EBR), the second points to the next EBR (its start relative to the extended
partition). A GPT disk has a protective MBR with one record of type 0xEE.

GPT: UEFI 2.10 §5.3.2 (header, table 5-5) at LBA 1, and §5.3.3 (partition entry, table
5-6); the header's CRC32 is taken over its HeaderSize bytes with the CRC field zeroed, the
entries' CRC32 over NumberOfPartitionEntries × SizeOfPartitionEntry bytes. A copy of the
header sits in the disk's last LBA.
"""

from __future__ import annotations

from construct import (
    Array,
    Bytes,
    Const,
    Int8ul,
    Int32ul,
    Int64ul,
    Struct,
)

SECTOR = 512  # the LBA size of every image format hiveparse reads (4Kn disks also tried)
MBR_SIGNATURE = b"\x55\xaa"
GPT_SIGNATURE = b"EFI PART"

mbr_partition_record = Struct(
    "boot_indicator" / Int8ul * "0x80 for the active (bootable) partition",
    "starting_chs" / Bytes(3),
    "os_type" / Int8ul * "the partition type: 0x07 NTFS/exFAT, 0x0C FAT32, 0xEE GPT, ...",
    "ending_chs" / Bytes(3),
    "starting_lba" / Int32ul * "relative to the MBR, or for an EBR as the module says",
    "size_in_lba" / Int32ul,
)

master_boot_record = Struct(
    "boot_code" / Bytes(440),
    "unique_mbr_disk_signature" / Int32ul,
    "unknown" / Bytes(2),
    "partition_record" / Array(4, mbr_partition_record),
    "signature" / Bytes(2) * "0x55 0xAA",
)

gpt_header = Struct(
    "signature" / Const(GPT_SIGNATURE),
    "revision" / Int32ul * "0x00010000",
    "header_size" / Int32ul * "92 in every revision so far",
    "header_crc32" / Int32ul,
    "reserved" / Int32ul,
    "my_lba" / Int64ul,
    "alternate_lba" / Int64ul,
    "first_usable_lba" / Int64ul,
    "last_usable_lba" / Int64ul,
    "disk_guid" / Bytes(16),
    "partition_entry_lba" / Int64ul,
    "number_of_partition_entries" / Int32ul,
    "size_of_partition_entry" / Int32ul * "128 × 2^n",
    "partition_entry_array_crc32" / Int32ul,
)
GPT_HEADER_CRC_OFFSET = 16  # header_crc32, zeroed while the CRC is computed

gpt_partition_entry = Struct(
    "partition_type_guid" / Bytes(16) * "all zero: an unused entry",
    "unique_partition_guid" / Bytes(16),
    "starting_lba" / Int64ul,
    "ending_lba" / Int64ul * "inclusive",
    "attributes" / Int64ul,
    "partition_name"
    / Bytes(72)
    * "UTF-16LE, NUL-padded (may hold anything: decoded by the reader)",
)
GPT_ENTRY_SIZE = 128  # the fields above; a larger SizeOfPartitionEntry pads each entry
