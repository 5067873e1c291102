"""The Windows XML Event Log (EVTX) file header (declarations only;
:mod:`hiveparse.events.evtx_file` reads it).

Layout from libevtx's "Windows XML Event Log (EVTX) format" notes (Joachim Metz), the
format Windows Vista and later write: a 4096-byte file header whose first 128 bytes are
these fields, then 64 KiB chunks. The header's chunk count is not kept up to date while a log
is open: a log copied from a live system ("dirty", flag 0x1) may hold more chunks than it
says, so the records are read chunk by chunk, never counted from here.
"""

from __future__ import annotations

from construct import Bytes, Const, Int16ul, Int32ul, Int64ul, Struct

EVTX_SIGNATURE = b"ElfFile\x00"
FLAG_DIRTY = 0x1
FLAG_FULL = 0x2

file_header = Struct(
    "signature" / Const(EVTX_SIGNATURE),
    "first_chunk_number" / Int64ul,
    "last_chunk_number" / Int64ul,
    "next_record_identifier" / Int64ul,
    "header_size" / Int32ul * "128",
    "minor_format_version" / Int16ul * "1 (Vista, 7) or 2 (8 and later)",
    "major_format_version" / Int16ul * "3",
    "header_block_size" / Int16ul * "4096",
    "number_of_chunks" / Int16ul * "stale while the log is open",
    "unknown" / Bytes(76),
    "file_flags" / Int32ul * "0x1 dirty, 0x2 full",
    "checksum" / Int32ul * "CRC32 of the first 120 bytes",
)
