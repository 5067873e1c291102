"""REGF transaction log files (``*.LOG``, ``*.LOG1``, ``*.LOG2``): on-disk structures.

Declarations only, following Maxim Suhanov's "Windows registry file format specification"
(github.com/msuhanov/regf), section "Format of transaction log files":

* every log opens with a partial copy of the primary file's base block: only its first
  512 bytes ("Clustering factor * 512", and the factor is 1 in practice), with *File type*
  set to 1 or 2 (old format) or 6 (new format) and the checksum recomputed. Parse it with
  :data:`hiveparse.schemas.regf.base_block` over those 512 bytes padded with zeros;
* "Old format" (Windows XP to 8): a "Dirty vector" at offset 512 (``DIRT`` and a bitmap
  with one bit per 512-byte page of the hive bins data), then the "Dirty pages", one
  512-byte page per set bit, from the next 512-byte boundary on;
* "New format" (Windows 8.1 on): "Log entries" (``HvLE``) from offset 512 on, each at an
  offset divisible by 512, each with its dirty page references and the pages themselves.

How the entries are chosen, checked and applied lives in ``hiveparse.sources.regf.logs``.
"""

from __future__ import annotations

from construct import Array, Bytes, Const, Int32ul, Int64ul, Struct, this

LOG_BASE_BLOCK_SIZE = 512  # "only the first Clustering factor * 512 bytes of a base block"
LOG_SECTOR_SIZE = 512  # dirty vector, dirty pages and log entries start on 512-byte bounds
OLD_DIRTY_PAGE_SIZE = 512  # one dirty-vector bit per 512-byte page of the hive bins data
DIRTY_VECTOR_OFFSET = 512  # "stored starting from the beginning of the second sector"
LOG_ENTRIES_OFFSET = 512
LOG_ENTRY_HEADER_SIZE = 40
LOG_ENTRY_HASH_2_SPAN = 32  # Hash-2 covers the first 32 bytes of the entry (with Hash-1)

# "New format", Notes 3: the Marvin32 seed of Hash-1 and Hash-2, "82 EF 4D 88 7A 4E 55 C5",
# is that 64-bit number written most significant byte first (low half 0x7A4E55C5).
MARVIN32_LOG_SEED = 0x82EF4D887A4E55C5

dirty_vector = Struct(
    "signature" / Const(b"DIRT"),
    "bitmap"
    / Bytes(this._params.hive_bins_data_size // 4096)
    * "bit i (LSB first) set: 512-byte page i of the hive bins data is dirty; "
    "pass hive_bins_data_size= (from the log's base block) to parse or build",
)

dirty_page_reference = Struct(
    "offset" / Int32ul * "of the page in the primary file, relative to the hive bins data",
    "size" / Int32ul * "in bytes",
)

log_entry_header = Struct(
    "signature" / Const(b"HvLE"),
    "size" / Int32ul * "of this entry in bytes (a multiple of 512)",
    "flags" / Int32ul * "copy of the base block flags; bit 0 goes back into the base block",
    "sequence_number" / Int32ul * "becomes both base block sequence numbers when applied",
    "hive_bins_data_size" / Int32ul * "copy of the base block field; the hive grows to it",
    "dirty_pages_count" / Int32ul,
    "hash_1" / Int64ul * "Marvin32 of bytes 40..size of this entry",
    "hash_2" / Int64ul * "Marvin32 of bytes 0..32 of this entry (Hash-1 included)",
)

log_entry = Struct(
    *log_entry_header.subcons,
    "dirty_page_references" / Array(this.dirty_pages_count, dirty_page_reference),
    "dirty_pages"
    / Bytes(this.size - LOG_ENTRY_HEADER_SIZE - this.dirty_pages_count * 8)
    * "the pages, in reference order, no gaps; then padding to the entry size",
)
