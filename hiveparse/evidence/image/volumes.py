"""What a partition holds, from its first sectors: the file system, or an encryption that
keeps it closed.

* NTFS: OEM identifier ``NTFS    `` at offset 3 of the boot sector.
* BitLocker: ``-FVE-FS-`` at offset 3 (Windows Vista and later); a BitLocker To Go volume
  keeps a FAT-looking boot sector (``MSWIN4.1``) and is told by the BitLocker identifier
  GUID ``4967d63b-2e29-4ad8-8399-f6a339e3d001`` at offset 160 (libbde's "BitLocker Drive
  Encryption (BDE) format", "Volume header").
* FAT12/16/32, exFAT, ReFS by their boot-sector names; LUKS by its magic; ext2/3/4 by the
  superblock magic 0xEF53 at byte 1080.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .formats import VOLUME_OEM_IDS

if TYPE_CHECKING:
    from .disk import Disk
    from .partitions import Partition

_BITLOCKER_TO_GO = uuid.UUID("4967d63b-2e29-4ad8-8399-f6a339e3d001").bytes_le
_LUKS = b"LUKS\xba\xbe"
ENCRYPTED = frozenset({"BitLocker", "LUKS"})


@dataclass(frozen=True, slots=True)
class VolumeKind:
    file_system: str  # "NTFS", "BitLocker", "FAT", "exFAT", "ReFS", "LUKS", "ext", "unknown"

    @property
    def encrypted(self) -> bool:
        return self.file_system in ENCRYPTED


def identify_volume(disk: Disk, partition: Partition) -> VolumeKind:
    """The file system (or encryption) at the start of ``partition``."""
    head = disk.read(partition.offset, 2048)
    if len(head) < 512:
        return VolumeKind("unknown")
    if head[:6] == _LUKS:
        return VolumeKind("LUKS")
    if head[160:176] == _BITLOCKER_TO_GO:
        return VolumeKind("BitLocker")
    oem = head[3:11]
    if oem in VOLUME_OEM_IDS:
        return VolumeKind(VOLUME_OEM_IDS[oem])
    if head[82:87] == b"FAT32" or head[54:57] == b"FAT":
        return VolumeKind("FAT")
    if len(head) >= 1082 and head[1080:1082] == b"\x53\xef":
        return VolumeKind("ext")
    return VolumeKind("unknown")
