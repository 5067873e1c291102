"""Volume Shadow Snapshot (volsnap) metadata on an NTFS volume: the volume header and the
catalog that lists the shadow copies (declarations only;
:mod:`hiveparse.evidence.image.shadow_copies` reads them).

Layouts from libvshadow's "Volume Shadow Snapshot (VSS) format" notes (Joachim Metz): the
volume header lies at byte 0x1E00 of the volume; its catalog offset (0 when there is no
shadow copy) points to a chain of 16 KiB catalog blocks, each a 128-byte header and 127
entries of 128 bytes. An entry of type 2 describes one shadow copy (type 3, the location of
its store, follows it). Every record starts with the volsnap identifier
3808876b-c176-4e48-b7ae-04046e6cc752.
"""

from __future__ import annotations

import uuid

from construct import Bytes, Const, Int32ul, Int64ul, Struct

from hiveparse.schemas.filetime import filetime

VOLUME_HEADER_OFFSET = 0x1E00
CATALOG_BLOCK_SIZE = 0x4000
CATALOG_ENTRY_SIZE = 128
VSS_IDENTIFIER = uuid.UUID("3808876b-c176-4e48-b7ae-04046e6cc752").bytes_le
RECORD_VOLUME_HEADER = 1
RECORD_CATALOG_BLOCK = 2
ENTRY_SHADOW_COPY = 2  # catalog entry type 0x02

volume_header = Struct(
    "identifier" / Const(VSS_IDENTIFIER),
    "version" / Int32ul * "1 or 2",
    "record_type" / Int32ul * "1: volume header",
    "offset" / Int64ul * "0x1E00",
    "unknown1" / Int64ul,
    "unknown2" / Int64ul,
    "catalog_offset" / Int64ul * "from the start of the volume; 0: no catalog",
    "maximum_size" / Int64ul,
    "volume_identifier" / Bytes(16),
    "store_volume_identifier" / Bytes(16),
)

catalog_block_header = Struct(
    "identifier" / Const(VSS_IDENTIFIER),
    "version" / Int32ul,
    "record_type" / Int32ul * "2: catalog block",
    "relative_offset" / Int64ul * "from the first catalog block",
    "offset" / Int64ul * "from the start of the volume",
    "next_offset" / Int64ul * "the next catalog block; 0 for the last",
    "unknown" / Bytes(80),
)

shadow_copy_entry = Struct(
    "entry_type" / Int64ul * "2",
    "volume_size" / Int64ul,
    "store_identifier" / Bytes(16) * "names the store file in System Volume Information",
    "sequence_number" / Int64ul,
    "flags" / Int64ul,
    "creation_time" / filetime,
)
