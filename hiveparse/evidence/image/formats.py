"""What kind of disk image a file is, by its content (never by its name), and which files
make up the image (EWF segments, VMDK extents, split raw parts).

Signatures:

* EWF (EnCase ``.E01``): ``EVF 09 0D 0A FF 00``, then a byte and the segment number
  (uint16); ``.Ex01`` (EWF2): ``EVF2 0D 0A 81 00`` with the segment number (uint32) at
  offset 12 (libewf's "Expert Witness Compression Format" notes §2.1 and §3.1). Only the
  first segment is an image; the others are read with it. ``LVF``/``LEF2`` are logical
  evidence files (files, not a disk): not read.
* VHDX: ``vhdxfile`` at offset 0 ([MS-VHDX] §2.2.1).
* VHD: the footer cookie ``conectix`` in the last 512 bytes (a fixed disk; Microsoft's
  "Virtual Hard Disk Image Format Specification" §"Hard Disk Footer Format"), and a copy
  of the footer at offset 0 (dynamic and differencing disks).
* VMDK: a sparse extent's magic ``KDMV`` (VMware "Virtual Disk Format 5.0", "Hosted Sparse
  Extent Header"): an image when it embeds its descriptor (descriptorOffset at byte 28 is
  not 0, monolithicSparse and streamOptimized); an extent of a split image otherwise. A
  text descriptor (``# Disk DescriptorFile``) is an image whose extents it names.
* raw (``dd``, ``.raw``, ``.img``, ``.001``): a master boot record (0x55 0xAA at 510 and a
  partition record), a GPT, or the boot sector of a volume (NTFS, BitLocker, FAT, exFAT,
  ReFS) at offset 0. ``NAME.001`` followed by ``NAME.002``, ... is one image in parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

EWF1_SIGNATURE = b"EVF\x09\x0d\x0a\xff\x00"
EWF2_SIGNATURE = b"EVF2\x0d\x0a\x81\x00"
LOGICAL_EWF = (b"LVF\x09\x0d\x0a\xff\x00", b"LEF2\x0d\x0a\x81\x00")
VHDX_SIGNATURE = b"vhdxfile"
VHD_COOKIE = b"conectix"
VMDK_SPARSE = b"KDMV"
VMDK_DESCRIPTOR = b"# Disk DescriptorFile"
_VMDK_DESCRIPTOR_OFFSET = slice(28, 36)  # uint64, in sectors

# Boot-sector OEM identifiers (offset 3) of the volumes a raw image may start with.
VOLUME_OEM_IDS: dict[bytes, str] = {
    b"NTFS    ": "NTFS",
    b"-FVE-FS-": "BitLocker",
    b"EXFAT   ": "exFAT",
    b"ReFS\x00\x00\x00\x00": "ReFS",
}


class ImageFormat(StrEnum):
    EWF = "ewf"  # EnCase / Expert Witness .E01 and .Ex01 (EWF2)
    VHD = "vhd"
    VHDX = "vhdx"
    VMDK = "vmdk"
    RAW = "raw"


@dataclass(frozen=True, slots=True)
class ImageHead:
    """What a file's first bytes say about it as a disk image."""

    format: ImageFormat | None  # None: not an image to open (see note)
    what: str  # for messages: "an EWF (E01) image", "segment 2 of an EWF image", ...
    note: str = ""  # why a file with an image signature is not opened on its own


def _boot_sector(head: bytes) -> str | None:
    """The volume or partition table a raw image starts with, or None."""
    if len(head) < 512 or head[510:512] != b"\x55\xaa":
        return None
    oem = head[3:11]
    if oem in VOLUME_OEM_IDS:
        return f"a raw image of a {VOLUME_OEM_IDS[oem]} volume"
    if head[82:87] == b"FAT32" or head[54:59] in (b"FAT12", b"FAT16"):
        return "a raw image of a FAT volume"
    if head[512:520] == b"EFI PART":
        return "a raw disk image (GPT)"
    records = [head[446 + 16 * i : 462 + 16 * i] for i in range(4)]
    used = [r for r in records if r[4] != 0]
    plausible = all(r[0] in (0x00, 0x80) for r in records) and used
    if plausible and all(int.from_bytes(r[12:16], "little") > 0 for r in used):
        return "a raw disk image (MBR)"
    return None


def sniff_image(head: bytes) -> ImageHead | None:
    """The image a file's first bytes (4 KiB suffice) announce; None for anything else.
    A fixed VHD starts like a raw disk: :func:`refine_format` looks at its tail."""
    if head.startswith(EWF1_SIGNATURE):
        segment = int.from_bytes(head[9:11], "little")
        return _segment(ImageFormat.EWF, "an EWF (E01) image", segment)
    if head.startswith(EWF2_SIGNATURE):
        segment = int.from_bytes(head[12:16], "little")
        return _segment(ImageFormat.EWF, "an EWF2 (Ex01) image", segment)
    if head.startswith(LOGICAL_EWF):
        return ImageHead(
            None,
            "an EWF logical evidence file (L01/Lx01)",
            "it holds files, not a disk: export its files and give them instead",
        )
    if head.startswith(VHDX_SIGNATURE):
        return ImageHead(ImageFormat.VHDX, "a VHDX disk image")
    if head.startswith(VHD_COOKIE):
        return ImageHead(ImageFormat.VHD, "a VHD disk image")
    if head.startswith(VMDK_SPARSE):
        if int.from_bytes(head[_VMDK_DESCRIPTOR_OFFSET], "little") == 0:
            return ImageHead(
                None,
                "an extent of a split VMDK image",
                "it is read through the VMDK descriptor that names it",
            )
        return ImageHead(ImageFormat.VMDK, "a VMDK disk image")
    if head.startswith(VMDK_DESCRIPTOR):
        return ImageHead(ImageFormat.VMDK, "a VMDK disk image (descriptor)")
    what = _boot_sector(head)
    if what is not None:
        return ImageHead(ImageFormat.RAW, what)
    return None


def _segment(image_format: ImageFormat, what: str, segment: int) -> ImageHead:
    if segment <= 1:
        return ImageHead(image_format, what)
    return ImageHead(
        None,
        f"segment {segment} of {what[3:] if what.startswith('an ') else what}",
        "it is read with the image's first segment",
    )


def refine_format(path: Path, image_format: ImageFormat, size: int) -> ImageFormat:
    """A raw-looking image whose last 512 bytes are a VHD footer is a fixed VHD."""
    if image_format != ImageFormat.RAW or size < 1024:
        return image_format
    from hiveparse.safefiles import open_regular_file  # noqa: PLC0415

    with open_regular_file(path) as handle:
        handle.seek(size - 512)
        tail = handle.read(512)
    return ImageFormat.VHD if tail.startswith(VHD_COOKIE) else image_format


_SPLIT_RAW = re.compile(r"^(?P<stem>.+)\.(?P<number>0*1)$")


def raw_parts(path: Path) -> list[Path]:
    """``NAME.001`` (or ``.01``, ``.0001``) and the parts numbered after it, in order;
    ``[path]`` for any other name."""
    match = _SPLIT_RAW.match(path.name)
    if match is None:
        return [path]
    width = len(match.group("number"))
    parts = [path]
    for number in range(2, 10**width):
        following = path.with_name(f"{match.group('stem')}.{number:0{width}d}")
        if not following.is_file():
            break
        parts.append(following)
    return parts


_LATER_PART = re.compile(r"^(?P<stem>.+)\.(?P<number>\d+)$")


def first_raw_part(path: Path) -> Path | None:
    """``NAME.001`` when ``path`` is a later part of it (``NAME.002``, ...) and it lies
    beside; None otherwise."""
    match = _LATER_PART.match(path.name)
    if match is None or int(match.group("number")) <= 1:
        return None
    width = len(match.group("number"))
    first = path.with_name(f"{match.group('stem')}.{1:0{width}d}")
    return first if first.is_file() else None


_EXTENT_LINE = re.compile(
    r'^\s*(?:RW|RDONLY|NOACCESS)\s+\d+\s+(?P<type>\w+)\s+"(?P<name>[^"]+)"', re.MULTILINE
)


def vmdk_extents(path: Path, descriptor: str) -> list[Path]:
    """The extent files a VMDK descriptor names (its ``RW 8192 SPARSE "name.vmdk"``
    lines), beside the descriptor; the descriptor itself for an embedded one."""
    extents = []
    for match in _EXTENT_LINE.finditer(descriptor):
        if match.group("type").upper() == "ZERO":
            continue
        name = match.group("name")
        extents.append(path.parent / Path(name.replace("\\", "/")).name)
    return extents


def image_components(path: Path) -> list[Path]:
    """The files other than ``path`` that the image ``path`` is read with and that may look
    like images of their own: the parts after a raw ``NAME.001`` (the part that starts at a
    partition looks like a volume image), the extents a VMDK text descriptor names (a
    ``-flat.vmdk`` starts like a raw disk). Empty for anything else."""
    from hiveparse.safefiles import open_regular_file  # noqa: PLC0415

    parts = raw_parts(path)
    if len(parts) > 1:
        return parts[1:]
    try:
        with open_regular_file(path) as handle:
            head = handle.read(64 << 10)
    except OSError:
        return []
    if not head.startswith(VMDK_DESCRIPTOR):
        return []
    return [
        extent for extent in vmdk_extents(path, head.decode("utf-8", "replace")) if extent != path
    ]
