"""The origin marker ``hiveparse convert`` writes into the base block of the hives it makes.

A hive converted from a .reg file is an ordinary REGF file: every tool reads it, and nothing
in the format says that its keys never lived in a registry, that every last-written time is
one synthetic stamp, or that the .reg file it came from deleted things a hive cannot show.
The marker says so, for whoever opens the hive later: which .reg file (base name, sha256,
size), which hive mount, the synthetic time, the subtrees the .reg file covered and the
deletions it made, as a zlib-compressed UTF-8 JSON object (``hiveparse.decode.origin`` reads and
writes it).

Where: at the start of the 3528 bytes of the base block that follow the checksum (file
offsets 0x200-0xFC7), "Reserved" in Suhanov's "Windows registry file format specification"
(section "Base block") and in libyal's REGF document. Windows writes zeros there; no reader
interprets it (regipy, python-registry, libregf, hivex, Parse::Win32Registry and yarp all
read the same hive with and without a marker), and it lies outside the 508 bytes the
checksum covers, so the marker changes no checksum. Any other content there, or a magic that
does not match, simply means "no marker".
"""

from __future__ import annotations

from construct import Bytes, Const, Int16ul, Struct, this

from hiveparse.schemas.regf import RESERVED_AREA_OFFSET, RESERVED_AREA_SIZE

MARKER_OFFSET = RESERVED_AREA_OFFSET  # file offset of the marker
MARKER_AREA_SIZE = RESERVED_AREA_SIZE  # the marker and its payload fit here, zeros after
MAGIC = b"hiveparse-origin"  # 16 ASCII bytes, readable in a hex dump
FORMAT_VERSION = 1  # 1: the payload is a zlib stream of one UTF-8 JSON object

origin_marker = Struct(
    "magic" / Const(MAGIC),
    "format_version" / Int16ul * "1: zlib-compressed UTF-8 JSON",
    "payload_length" / Int16ul * "bytes of payload; the rest of the area is zeros",
    "payload" / Bytes(this.payload_length),
)

MARKER_HEAD_SIZE = len(MAGIC) + 2 + 2
MAX_PAYLOAD_SIZE = MARKER_AREA_SIZE - MARKER_HEAD_SIZE
