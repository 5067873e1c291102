"""REGF (Windows registry hive) on-disk structures.

Declarations only, following Maxim Suhanov's "Windows registry file format specification"
(github.com/msuhanov/regf, sections "Base block", "Hive bin", "Cells") and libyal's
"Windows NT Registry File (REGF) format" document. Every offset stored in a cell is relative
to the start of the hive bins data (file offset 4096). Behaviour lives in
``hiveparse.sources.regf``; these are the single description of the format (the reader
compiles the fixed-size parts into ``struct`` formats with :mod:`hiveparse.schemas.fastpath`).
"""

from __future__ import annotations

from typing import Final

from construct import (
    Array,
    Bytes,
    Const,
    Default,
    FlagsEnum,
    Int8ul,
    Int16ul,
    Int32sl,
    Int32ul,
    Int64ul,
    Padding,
    Struct,
    this,
)

BASE_BLOCK_SIZE: Final = 4096
HBIN_HEADER_SIZE: Final = 32
HBIN_ALIGNMENT: Final = 4096
CELL_ALIGNMENT: Final = 8
CHECKSUM_SPAN: Final = 508  # the checksum covers the first 508 bytes of the base block
# "Reserved" after the checksum, up to the thaw fields: outside the checksum, ignored by
# Windows and by every reader; hiveparse convert keeps its origin marker at its start
# (hiveparse.schemas.hiveparse_origin).
RESERVED_AREA_OFFSET: Final = 0x200
RESERVED_AREA_SIZE: Final = 3528
BIG_DATA_SEGMENT_SIZE: Final = 16344  # bytes of value data per db segment
BIG_DATA_MIN_MINOR_VERSION: Final = 4  # db records exist from format 1.4 on
INLINE_DATA_FLAG: Final = 0x80000000  # vk data size: the data sits in the data-offset field
NO_CELL: Final = 0xFFFFFFFF  # "no list / no cell" in any offset field

FILE_TYPE_PRIMARY: Final = 0
FILE_TYPE_LOG_OLD: Final = 1  # transaction log, old format (DIRT)
FILE_TYPE_LOG_OLD_ALT: Final = 2  # Windows XP/2003 .ALT file
FILE_TYPE_LOG_NEW: Final = 6  # transaction log, new format (HvLE entries)

base_block = Struct(
    "signature" / Const(b"regf"),
    "primary_sequence_number" / Int32ul,
    "secondary_sequence_number" / Int32ul,
    "last_written_timestamp" / Int64ul,
    "major_version" / Int32ul,
    "minor_version" / Int32ul,
    "file_type" / Int32ul,
    "file_format" / Int32ul * "1: direct memory load",
    "root_cell_offset" / Int32ul,
    "hive_bins_data_size" / Int32ul,
    "clustering_factor" / Int32ul,
    "file_name" / Bytes(64) * "UTF-16LE, the last 31 characters of the path, NUL padded",
    "rm_id" / Bytes(16),
    "log_id" / Bytes(16),
    "flags" / Int32ul * "bit 0: pending transactions; bit 1: differencing hive",
    "tm_id" / Bytes(16),
    "guid_signature" / Bytes(4) * "'rmtm'",
    "last_reorganized_timestamp" / Int64ul,
    Padding(332),
    "checksum" / Int32ul * "XOR-32 of the first 508 bytes",
    "reserved_after_checksum"
    / Default(Bytes(RESERVED_AREA_SIZE), bytes(RESERVED_AREA_SIZE))
    * "zeros from Windows; hiveparse convert's origin marker (schemas/hiveparse_origin.py)",
    "thaw_tm_id" / Bytes(16),
    "thaw_rm_id" / Bytes(16),
    "thaw_log_id" / Bytes(16),
    "boot_type" / Int32ul,
    "boot_recover" / Int32ul,
)

hbin_header = Struct(
    "signature" / Const(b"hbin"),
    "offset" / Int32ul * "relative to the first hbin",
    "size" / Int32ul * "a multiple of 4096",
    "reserved" / Bytes(8),
    "timestamp" / Int64ul * "meaningful in the first hbin only",
    "spare" / Int32ul * "'MemAlloc' in memory, garbage on disk",
)

cell_header = Struct(
    "size" / Int32sl * "negative: allocated; positive: free; includes these 4 bytes",
)

key_node_flags = FlagsEnum(
    Int16ul,
    KEY_VOLATILE=0x0001,
    KEY_HIVE_EXIT=0x0002,
    KEY_HIVE_ENTRY=0x0004,
    KEY_NO_DELETE=0x0008,
    KEY_SYM_LINK=0x0010,
    KEY_COMP_NAME=0x0020,
    KEY_PREDEF_HANDLE=0x0040,
    KEY_VIRTUAL_SOURCE=0x0080,
    KEY_VIRTUAL_TARGET=0x0100,
    KEY_VIRTUAL_STORE=0x0200,
)

key_node = Struct(
    "signature" / Const(b"nk"),
    "flags" / key_node_flags,
    "last_written_timestamp" / Int64ul,
    "access_bits" / Int32ul * "spare before Windows 8",
    "parent" / Int32ul,
    "number_of_subkeys" / Int32ul,
    "number_of_volatile_subkeys" / Int32ul,
    "subkeys_list_offset" / Int32ul,
    "volatile_subkeys_list_offset" / Int32ul,
    "number_of_key_values" / Int32ul,
    "key_values_list_offset" / Int32ul,
    "key_security_offset" / Int32ul,
    "class_name_offset" / Int32ul,
    "largest_subkey_name_length" / Int32ul * "upper bits: virtualization and user flags",
    "largest_subkey_class_name_length" / Int32ul,
    "largest_value_name_length" / Int32ul,
    "largest_value_data_size" / Int32ul,
    "work_var" / Int32ul,
    "key_name_length" / Int16ul,
    "class_name_length" / Int16ul,
    "key_name" / Bytes(this.key_name_length) * "ASCII (Latin-1) if KEY_COMP_NAME, else UTF-16LE",
)

value_flags = FlagsEnum(Int16ul, VALUE_COMP_NAME=0x0001, IS_TOMBSTONE=0x0002)

key_value = Struct(
    "signature" / Const(b"vk"),
    "name_length" / Int16ul,
    "data_size" / Int32ul * "bit 31 set: data stored in data_offset itself",
    "data_offset" / Int32ul,
    "data_type" / Int32ul,
    "flags" / value_flags,
    "spare" / Int16ul,
    "value_name" / Bytes(this.name_length) * "ASCII (Latin-1) if VALUE_COMP_NAME, else UTF-16LE",
)

key_security = Struct(
    "signature" / Const(b"sk"),
    "reserved" / Int16ul,
    "flink" / Int32ul,
    "blink" / Int32ul,
    "reference_count" / Int32ul,
    "security_descriptor_size" / Int32ul,
    "security_descriptor" / Bytes(this.security_descriptor_size),
)

# Subkey lists. lf (Windows NT 4) carries the first four name characters as a hint, lh
# (Windows XP on) a name hash; li lists plain offsets; ri lists offsets of other lists.
subkey_list_header = Struct(
    "signature" / Bytes(2) * "'lf', 'lh', 'li' or 'ri'",
    "number_of_elements" / Int16ul,
)

hashed_list_element = Struct(
    "key_node_offset" / Int32ul,
    "name_hint" / Int32ul * "lf: first 4 name chars; lh: hash of the upper-cased name",
)

fast_leaf = Struct(
    "signature" / Const(b"lf"),
    "number_of_elements" / Int16ul,
    "elements" / Array(this.number_of_elements, hashed_list_element),
)

hash_leaf = Struct(
    "signature" / Const(b"lh"),
    "number_of_elements" / Int16ul,
    "elements" / Array(this.number_of_elements, hashed_list_element),
)

index_leaf = Struct(
    "signature" / Const(b"li"),
    "number_of_elements" / Int16ul,
    "elements" / Array(this.number_of_elements, Int32ul),
)

index_root = Struct(
    "signature" / Const(b"ri"),
    "number_of_elements" / Int16ul,
    "elements" / Array(this.number_of_elements, Int32ul) * "offsets of lf/lh/li lists",
)

big_data = Struct(
    "signature" / Const(b"db"),
    "number_of_segments" / Int16ul,
    "segments_list_offset" / Int32ul,
)

offset_array_element = Int32ul  # value lists and db segment lists are bare offset arrays
class_name_unit = Int8ul  # class names are raw UTF-16LE bytes of class_name_length
