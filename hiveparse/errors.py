"""One exception tree and diagnostics as data.

Every failure the library reports is a :class:`HiveparseError`. Evidence problems carry the
file and the place (byte offset, or line and column for text) so that the command line can
print exactly one clear line. What is not fatal is a :class:`Diagnostic` on the result.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum


def printable(text: str) -> str:
    """``text`` for a terminal or a one-line message: control characters (ESC, newlines and
    the rest) shown escaped, so that names read from hostile evidence cannot move the
    cursor, retitle the window or start a line of their own."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def quoted(text: str) -> str:
    """``text`` in double quotes for a message, as it is (a key path keeps single
    backslashes, unlike ``repr``), control characters escaped so it stays one line."""
    return f'"{printable(text)}"'


def shown_bytes(data: bytes) -> str:
    """Bytes for a message: hex, with the ASCII letters beside them when there are any."""
    letters = "".join(chr(b) if 32 <= b < 127 else "." for b in data)
    return f"{data.hex()} ({letters!s})" if any(32 < b < 127 for b in data) else data.hex()


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a piece of evidence something was seen."""

    source: str | None = None
    offset: int | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.source is not None:
            # One line, always: control characters in a path are shown escaped.
            parts.append(
                self.source.encode("unicode_escape", "backslashreplace").decode("ascii")
                if not self.source.isprintable()
                else self.source
            )
        if self.line is not None:
            parts.append(
                f"{self.line}:{self.column}" if self.column is not None else str(self.line)
            )
        if self.offset is not None:
            parts.append(f"offset 0x{self.offset:x}")
        return ": ".join(parts)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A non-fatal observation about the evidence (an anomaly, a repaired value, ...).

    ``code`` is a stable dotted identifier (``regf.checksum_mismatch``) that tests and
    scripts can match; ``message`` is for people.
    """

    code: str
    message: str
    location: Location = Location()
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        where = str(self.location)
        return (
            f"{where}: {self.message} [{self.code}]" if where else f"{self.message} [{self.code}]"
        )

    def shown(self, show: Callable[[str], str]) -> Diagnostic:
        """This diagnostic with its message and source passed through ``show`` (a private
        copy of a ZIP member or image file named as the container's inside)."""
        where = self.location
        source = None if where.source is None else show(where.source)
        location = Location(source, where.offset, where.line, where.column)
        return Diagnostic(self.code, show(self.message), location, self.severity)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "source": self.location.source,
            "offset": self.location.offset,
            "line": self.location.line,
            "column": self.location.column,
        }


class HiveparseError(Exception):
    """Root of every error hiveparse raises."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        offset: int | None = None,
        line: int | None = None,
        column: int | None = None,
        engine: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = Location(source, offset, line, column)
        self.engine = engine

    def __str__(self) -> str:
        where = str(self.location)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} (engine {self.engine})" if self.engine else text


class UsageError(HiveparseError):
    """The caller asked for something that cannot be done (bad path syntax, bad option)."""


class KeyNotFound(UsageError):
    """A key path that the evidence does not hold."""


class EvidenceError(HiveparseError):
    """The evidence could not be read as asked."""


class OutputError(HiveparseError):
    """The output could not be written: a full or read-only file system, a closed standard
    output. Nothing partial is left at an output path."""


# Writing failed because of where the caller asked to write (no such folder, no permission):
# the caller's to fix. Anything else (a full or read-only file system, an I/O error) is the
# output's failure.
_CALLERS_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.ENOENT, errno.ENOTDIR, errno.EISDIR})


def write_failure(output: str, error: OSError) -> HiveparseError:
    """The typed error for an OSError met creating or writing ``output``."""
    message = f"cannot write {output!r}: {error.strerror or error}"
    if error.errno in _CALLERS_ERRNOS:
        return UsageError(message)
    return OutputError(message)


class NotRegf(EvidenceError):
    """The input is not a REGF hive (nor any format we read)."""


class Truncated(EvidenceError):
    """The input ends before a structure it announces."""


class CorruptStructure(EvidenceError):
    """A structure is present but inconsistent beyond what can be read safely."""


class Unsupported(EvidenceError):
    """A well-formed structure of a kind or version this version does not read."""


class ResourceLimit(EvidenceError):
    """A budget (cells, depth, bytes, line length) was exceeded."""


class Timeout(EvidenceError):
    """Reading did not finish within the wall-clock budget."""


class RegSyntaxError(EvidenceError):
    """A .reg file line that is not valid .reg syntax (carries line and column)."""


class RegEncodingError(EvidenceError):
    """A .reg file whose bytes cannot be decoded with the chosen or detected encoding."""


class EncryptedVolume(EvidenceError):
    """A volume of a disk image that is encrypted (BitLocker, LUKS): not decrypted."""


class EngineError(EvidenceError):
    """A peer engine (regipy, python-registry) failed; its exception is chained."""


# -- the catalogue of diagnostic codes ------------------------------------------------------------
#
# Every code hiveparse emits, with what it means: what was seen, and what the reader did about
# it (docs/reference/diagnostics.md prints this table; tests/test_errors.py checks that each
# code used in the sources is here and each entry here is used). A code's area is its first
# dotted part. In the cert, license, dpapi and identity areas the location's offset, when set,
# is a byte offset in the decoded value's data, not in a file.
CATALOGUED_AREAS = (
    "regf",
    "recover",
    "reg",
    "value",
    "regipy",
    "walk",
    "discover",
    "masterkey",
    "engine",
    "verify",
    "convert",
    "analyze",
    "rds",
    "input",
    "image",
    "events",
    "identity",
    "compare",
    "cert",
    "license",
    "dpapi",
)
DIAGNOSTIC_CODES: dict[str, str] = {
    # REGF hives: base block, bins, cells, records (sources/regf/hive.py, cells.py, records.py)
    "regf.checksum_mismatch": (
        "the base block checksum does not match its bytes; the hive is read anyway"
    ),
    "regf.dirty": (
        "the base block's sequence numbers differ: not cleanly written; any logs are replayed"
    ),
    "regf.version_unusual": "a format version other than 1.1 to 1.6; read as those are",
    "regf.not_primary": "the base block's file type is a log or alternate file, not a primary hive",
    "regf.hive_bins_size_mismatch": "the base block counts other hive bins than the file holds",
    "regf.trailing_data": (
        "bytes after the hive bins the base block counts (or past 4 GiB): not read"
    ),
    "regf.tail_not_read": (
        "the bytes after the counted hive bins do not fit the memory limit: not read"
    ),
    "regf.truncated": "a hive bin runs past the end of the file; clamped to it",
    "regf.hbin_past_data_size": (
        "a hive bin runs past the hive bins size the base block counts; clamped"
    ),
    "regf.hbin_zeroed": "zeroed pages where a hive bin was expected; skipped to the next bin",
    "regf.hbin_bad_signature": "a hive bin without the 'hbin' signature; read or resynchronised",
    "regf.hbin_offset_mismatch": (
        "a hive bin whose offset field is not where it sits; read where it is"
    ),
    "regf.hbin_bad_size": "a hive bin size that is not a positive multiple of 4096; inferred",
    "regf.cell_offset_invalid": "a cell offset that is not aligned: what it points at is not read",
    "regf.cell_out_of_bounds": "a cell offset outside every hive bin: not read",
    "regf.cell_in_bin_header": "a cell offset into a hive bin header: not read",
    "regf.cell_size_invalid": "a referenced cell whose size field is impossible: not read",
    "regf.cell_overruns_bin": "a cell that crosses the end of its hive bin; clamped",
    "regf.cell_unallocated": "a referenced cell marked free; read anyway",
    "regf.root_not_entry": "the root key node lacks the KEY_HIVE_ENTRY flag; used as the root",
    "regf.key_node_bad": "a cell that should hold a key node (nk) does not: the key is not read",
    "regf.key_name_truncated": "a key name longer than its cell: the key is not read",
    "regf.key_name_too_long": (
        "a key name longer than Windows writes (a crafted or damaged hive); kept"
    ),
    "regf.key_name_invalid": "a key name Windows never writes (empty, or with a backslash); kept",
    "regf.value_record_bad": "a cell that should hold a value record (vk) does not: not read",
    "regf.value_name_truncated": "a value name longer than its cell: the value is not read",
    "regf.value_name_too_long": (
        "a value name longer than Windows writes (crafted or damaged); kept"
    ),
    "regf.security_record_bad": "a cell that should hold a security record (sk) does not: not read",
    "regf.security_descriptor_truncated": "a security descriptor larger than its cell: not read",
    "regf.class_name_truncated": (
        "a key's class name cut short by its cell: what the cell holds is read"
    ),
    # keys and subkey lists (sources/regf/hive.py)
    "regf.cycle": "a subkey list points back at an ancestor key: not followed",
    "regf.parent_mismatch": (
        "a key names another parent than the key that lists it; read where listed"
    ),
    "regf.duplicate_subkey": "a subkey list names one key cell, or one name, twice; read once",
    "regf.subkey_order": "subkeys not in the sorted order Windows keeps; all are read",
    "regf.subkey_list_missing": "a key counts subkeys but has no subkey list: none are read",
    "regf.subkey_list_bad": "a subkey list cell too small or of an unknown signature: not read",
    "regf.list_cycle": "a subkey list reached twice from one key: read once",
    "regf.list_count_clamped": "a subkey list counts more elements than its cell holds; clamped",
    "regf.list_nesting": "an index root nested inside an index root: not followed",
    "regf.subkey_budget": "subkey lists name more keys than the hive can hold: the rest is ignored",
    "regf.subkey_count_mismatch": (
        "a key's subkey count differs from what its lists hold; the lists are read"
    ),
    # values and their data (sources/regf/hive.py)
    "regf.duplicate_value": (
        "a key holds two values of one name (case-insensitively); both are kept"
    ),
    "regf.value_list_missing": "a key counts values but has no value list: none are read",
    "regf.value_list_shared": (
        "two keys point at one value list; its values are read under the first"
    ),
    "regf.value_count_clamped": "a key counts more values than its value list holds; clamped",
    "regf.value_record_repeated": "a value list names one value record more than once; read once",
    "regf.value_record_shared": "two value lists name one value record; read under the first",
    "regf.inline_size_invalid": (
        "inline value data claiming more than the 4 bytes that fit: 4 are read"
    ),
    "regf.value_data_missing": "a value that claims data but has no data cell: no data read",
    "regf.value_data_shared": "two values point at one data cell; read under the first",
    "regf.value_data_overrun": "a value claims more data than its cell or big-data segments hold",
    "regf.value_size_impossible": "a value claims more data than the hive bins hold; clamped",
    "regf.big_data_bad": "a big-data (db) record cell too small: no data read",
    "regf.big_data_segments": "a big-data record with too few or too many segments for its size",
    "regf.big_data_segment_repeated": "a big-data segment listed twice: the data stops there",
    # hiveparse convert's origin marker (sources/regf/hive.py, decode/origin.py)
    "regf.written_by_hiveparse": (
        "hiveparse convert wrote the hive from a .reg file: its times are a stamp"
    ),
    "regf.converted_then_modified": (
        "a converted hive whose times differ from convert's stamp: changed since"
    ),
    "regf.origin_marker_unreadable": (
        "an origin marker that cannot be decoded; the hive is read as any other"
    ),
    # transaction logs: finding and replaying them (sources/regf/open.py, logs.py)
    "regf.log.none": (
        "a dirty hive with no usable transaction log beside it: changes may be missing"
    ),
    "regf.log.refused": "a file named like the hive's log that is not a usable log: not read",
    "regf.log.unreadable": "a transaction log that cannot be read: what it held is missing",
    "regf.log.bad_base_block": (
        "a hive or log base block that is invalid; recovered from a log if possible"
    ),
    "regf.log.base_block_recovered": "the hive's base block was recovered from a transaction log",
    "regf.log.unrecovered": "a dirty hive whose logs could not be applied: data may be stale",
    "regf.log.empty": "an empty transaction log: not used",
    "regf.log.truncated": "a log too short for its base block or dirty pages: replay stops there",
    "regf.log.bad_signature": "a log that does not start with a 'regf' base block: not used",
    "regf.log.bad_checksum": "a log whose base block checksum does not match: not used",
    "regf.log.dirty_log": "a log whose own base block is dirty: not used",
    "regf.log.unsupported_type": "a log whose file type is not a transaction log's: not used",
    "regf.log.bad_dirty_vector": (
        "an old-format log with a missing or damaged dirty vector: not used"
    ),
    "regf.log.bad_hive_bin": (
        "dirty pages that would write a bad hive bin header: replay stops there"
    ),
    "regf.log.entry_invalid": (
        "a log entry with impossible sizes or page references: replay stops there"
    ),
    "regf.log.entry_truncated": "a log entry that runs past the end of the log: replay stops there",
    "regf.log.entry_hash_mismatch": (
        "a log entry whose Marvin32 hash does not match: replay stops there"
    ),
    "regf.log.foreign": (
        "a log whose base block names another hive or KTM resource manager: not used"
    ),
    "regf.log.not_continued": (
        "a log that does not continue the previous log's sequence: not applied"
    ),
    "regf.log.not_eligible": (
        "a log with no entry at or after the primary's sequence, or older: not used"
    ),
    "regf.log.sequence_gap": (
        "the first log entry is not the one the primary expects (partly reconciled)"
    ),
    "regf.log.applied": "log entries or dirty pages applied to the hive",
    # deleted records carved from a hive (sources/regf/carve.py, cellmap.py)
    "recover.cell_chain_broken": (
        "an impossible cell size: the rest of its hive bin is carved as free space"
    ),
    "recover.budget": "more deleted records than the scan's limit: the scan stopped",
    "recover.data_budget": (
        "deleted values claim more data than twice the file: the rest is not read"
    ),
    # .reg files: encoding, header, lines (sources/regtext/)
    "reg.encoding_overridden": "a byte-order mark overrides the encoding asked for",
    "reg.utf8_bom": "a UTF-8 byte-order mark: decoded as UTF-8 (regedit would read ANSI)",
    "reg.utf16be_bom": "a UTF-16BE byte-order mark: decoded so (regedit would reject the file)",
    "reg.utf16_without_bom": (
        "decoded as UTF-16 as asked, without a byte-order mark (regedit reads ANSI)"
    ),
    "reg.decode_error": "bytes the encoding cannot decode: replaced by U+FFFD",
    "reg.bom_character": "a leading U+FEFF character: ignored",
    "reg.header_trailing_blanks": "blanks after the header line: accepted",
    "reg.syntax": "a line regedit would reject: not read",
    "reg.bad_root": "a key line whose root key is unknown: not read",
    "reg.key_too_deep": "a key path deeper than Windows allows: not read",
    "reg.delete_root": "a deletion naming a root key: nothing is deleted",
    "reg.bad_continuation": "a hex continuation line that does not parse: the value is dropped",
    "reg.nul_escape": "a '\\0' escape in a string: the line is rejected, as regedit does",
    "reg.unknown_escape": "an unknown escape in a string: read without its backslash",
    "reg.key_trailing_text": "text after a key line's closing ']': ignored",
    "reg.empty_key_name_part": "a doubled backslash in a key path: the empty name is dropped",
    "reg.embedded_nul": "a NUL character in a line: the rest of the line is ignored",
    "reg.dos_eof_mark": "a Ctrl-Z (DOS end-of-file mark) line: ignored",
    "reg.value_before_key": "a value line before any key line: ignored",
    "reg.value_under_deleted_key": "a value line after a key deletion: ignored",
    "reg.value_skipped": "a value line under a rejected key line: ignored",
    "reg.truncated": "the file ends inside a line or value: it was cut, what followed is missing",
    "reg.truncated_suspected": (
        "the file ends without regedit's final blank line: it may have been cut"
    ),
    "reg.diagnostics_suppressed": (
        "more diagnostics of one code than the budget lists: counted only"
    ),
    # .reg files: applying the operations (sources/regtext/snapshot.py)
    "reg.duplicate_key": "a key that appears again: merged",
    "reg.duplicate_value": "a value written again: the last write wins",
    "reg.hive_deleted": "a deletion of a whole mounted hive: everything in it is deleted",
    "reg.regedit4_ansi_string": "REGEDIT4 hex string data read as ANSI and stored as UTF-16LE",
    # value data that does not fit its type (values.py; listed in a value record's problems)
    "value.string_odd_length": "string data of an odd number of bytes: the last byte is dropped",
    "value.string_bad_utf16": "string data with unpaired surrogates: replaced by U+FFFD",
    "value.string_trailing_data": (
        "data after a string's NUL terminator (hidden in regedit): decoded up to the NUL"
    ),
    "value.multi_sz_unterminated": "REG_MULTI_SZ data without its terminating NUL",
    "value.dword_size": "REG_DWORD data that is not 4 bytes: shown as bytes",
    "value.qword_size": "REG_QWORD data that is not 8 bytes: shown as bytes",
    # value data as a peer engine reads it (engines/regipy_engine.py, python_registry_engine.py)
    "value.inline_size": "inline data claiming more than 4 bytes: 4 are read",
    "value.data_overruns_cell": "value data larger than its cell: read as the engine returns it",
    "value.data_short": "fewer data bytes readable than the value claims",
    "regipy.root_not_first_cell": (
        "regipy takes the first cell as root; the base block's root is used"
    ),
    # walks with a budget (model.py)
    "walk.key_limit": "a walk stopped at its key limit: the result is partial",
    "walk.depth_limit": "a walk did not descend below its depth limit: the result is partial",
    # finding evidence in folders (evidence/discover.py)
    "discover.not_found": "an argument that does not exist",
    "discover.not_evidence": "neither a REGF hive nor a .reg file: skipped",
    "discover.unreadable": "a file or folder that cannot be read: evidence may be missing",
    "discover.too_deep": "a folder below the depth limit: not entered",
    "discover.limit_reached": "the file limit was reached: the search stopped",
    "discover.no_evidence": "a folder argument with no evidence below it",
    "discover.symlink_skipped": "a dangling link or a loop of links: skipped",
    "discover.symlink_followed": "a link inside the argument's tree: followed",
    "discover.symlink_outside": "a link out of the argument's tree: not opened",
    "discover.orphan_log": "a transaction log with no primary hive beside it: not used",
    "discover.log_argument": "a transaction log given as an argument without its hive: not used",
    "discover.unknown_file_type": "a 'regf' file of a type that is no hive: skipped unless named",
    "discover.duplicate": "a file or folder reached a second time: listed once",
    # DPAPI master key files (evidence/masterkey_files.py)
    "masterkey.unreadable": "a master key file that cannot be read",
    "masterkey.not_a_key": "a file in a master key folder that is not a master key: skipped",
    "masterkey.name_mismatch": "a master key file whose name is not the GUID it holds: skipped",
    "masterkey.link_outside": "a link out of the master key folder: not followed",
    "masterkey.search_limit": "the search for master key folders stopped at its entry limit",
    # opening evidence with a peer engine (evidence/open.py; verify: cli/verify.py)
    "engine.logs_not_applied": (
        "a dirty hive read by a peer engine without its logs: changes missing"
    ),
    "verify.logs_not_applied": (
        "verify compared a dirty hive as stored, without its transaction logs"
    ),
    # .reg files written as hives (export/convert.py)
    "convert.synthetic_last_written": "a .reg file has no times: every key gets one chosen stamp",
    "convert.deletions_not_represented": (
        "deletions of a .reg change script cannot be stored in a hive"
    ),
    "convert.classes_root_in_software": "keys under HKCR are written below Classes in SOFTWARE",
    "convert.current_config_in_system": (
        "keys under HKCC are written to the current hardware profile"
    ),
    "convert.current_control_set_key": (
        "CurrentControlSet written as an ordinary key (Windows never stores it)"
    ),
    "convert.unknown_hive_type": "a mount of no known hive type: root named ROOT, no file name",
    "convert.origin_incomplete": (
        "the origin marker has no room for all deletions or roots: incomplete"
    ),
    # the analysis (rds/analyze.py, rds/facts.py; input.unreadable: cli/timebomb.py)
    "analyze.as_of_before_evidence": "the analysis date is before the evidence was last written",
    "analyze.as_of_before_events": "the analysis date is before events of the host's logs",
    "rds.control_set_unknown": "Select names no ControlSet that exists: none is taken as current",
    "input.unreadable": "an input that could not be opened: not analysed",
    "input.evidence_error": (
        "an input that could not be read (an I/O error, not a regular file, ...)"
    ),
    "input.not_regf": "an input that is neither a hive nor a .reg file",
    "input.truncated": "an input that ends before a structure it announces",
    "input.corrupt_structure": (
        "an input too damaged to read safely (a strict read, a bad base block)"
    ),
    "input.unsupported": "an input of a kind or version not read (a transaction log alone, ...)",
    "input.resource_limit": "an input past a limit (memory, cells, line length)",
    "input.timeout": "an input not read within the time budget",
    "input.reg_syntax_error": (
        "a .reg input rejected in strict mode for a line regedit would reject"
    ),
    "input.reg_encoding_error": "a .reg input whose bytes the encoding cannot decode",
    "input.engine_error": "a peer engine failed on the input",
    "input.usage_error": "an input that cannot be read as asked (an unknown encoding, ...)",
    "input.encrypted_volume": "a disk image's volume that is encrypted (BitLocker, LUKS): not read",
    # disk images (evidence/image/extract.py)
    "image.not_hashed": "--no-image-hash: the image's files were not hashed",
    "image.verified": "--verify-image: the hashes the image stores match its media",
    "image.verify_failed": "--verify-image: a hash the image stores does not match its media",
    "image.no_stored_hash": "--verify-image on an image that stores no hash of its media",
    "image.damaged": (
        "a read of the image failed or a partition passes its end: what could be read is reported"
    ),
    "image.partition_table": "a partition table that does not add up (a CRC, a loop); read anyway",
    "image.shadow_copies": "volume shadow copies of a Windows volume: listed, not examined",
    "image.not_searched": "a volume without a Windows installation (FAT, NTFS without Windows)",
    "image.unsupported_volume": "a dynamic disk or storage pool, whose volumes are not read",
    "image.no_windows": "no Windows installation anywhere in the image",
    # Event logs (events/, evidence/event_placement.py, rds/analyze.py)
    "events.other_channel": "an event log of a channel that holds no reported event: not read",
    "events.records_skipped": "records or chunks of an event log that cannot be parsed: skipped",
    "events.cut_short": "an event log read up to where it is cut short or stops being well-formed",
    "events.not_listed": "events past a log's listing bound of 20,000: counted, not listed",
    "events.several_computers": "a log whose records name several computers: each takes its own",
    "events.duplicate_log": "the same event log given twice: its records are counted once",
    "events.overlapping_logs": "copies of one event log (an export, a shadow copy's): records once",
    # the host's identity (rds/identity.py)
    "identity.domain_name_unreadable": "Policy\\PolPrDmN is not a UNICODE_STRING: no domain name",
    "identity.domain_sid_invalid": "Policy\\PolPrDmS is not a SID: no domain SID",
    # two machines compared (compare/sides.py, compare/diff.py)
    "compare.snapshot_set_aside": (
        "a side's older snapshot (RegBack, a restore point) is not compared: the live hives are"
    ),
    "compare.export_set_aside": (
        "a side holds a hive and an export of it: the hive is compared, the export set aside"
    ),
    "compare.control_set_set_aside": (
        "a control set that is not the side's current one: not compared"
    ),
    "compare.control_set_unknown": (
        "which control set is current is not known on a side: sets not compared"
    ),
    "compare.control_set_unnumbered": (
        "a live export's CurrentControlSet cannot pair with numbered sets"
    ),
    "compare.times_unknown": "a .reg side has no key times: times compared only between hives",
    "compare.depth_limit": "keys deeper than the 512 levels Windows allows: not compared",
    "compare.settings_unknown": "settings a side's evidence cannot show: their rows are unknown",
    # X.509 certificates and their containers (decode/certificates.py)
    "cert.library_error": "cryptography or asn1crypto could not read a field of a certificate",
    "cert.ber_encoding": "not strict DER: read with cryptography's BER fallback",
    "cert.library_warning": "a library warned while reading a certificate",
    "cert.pkcs7_empty": "a PKCS#7 blob that holds no certificate",
    "cert.der_undelimited": "bytes that are not a whole definite-length DER element: not read",
    "cert.der_not_certificate": "a DER element that is neither an X.509 certificate nor PKCS#7",
    "cert.extension_repeated": "a Microsoft extension that appears twice: the first is kept",
    "cert.version_extension_size": "the certificate-version extension (.18.4) is not 4 bytes",
    # index strings (scope, company, product ids, manufacturer; MS-RDPELE 2.2.2.6.1)
    "cert.string_empty": "an index string value with no bytes",
    "cert.string_ambiguous": "an index string that reads cleanly both as ANSI and as UTF-16LE",
    "cert.string_not_clean": "an index string that is neither clean ANSI nor clean UTF-16LE",
    "cert.string_invalid_utf16": "UTF-16LE text with undecodable units (replaced)",
    "cert.string_unterminated": "a UTF-16 string with no NUL before the end of its value",
    # LICENSED_PRODUCT_INFO, extension .18.5 (MS-RDPELE 2.2.2.9.1)
    "cert.product_info_malformed": "LICENSED_PRODUCT_INFO does not parse whole; salvaged by field",
    "cert.product_info_unreadable": "LICENSED_PRODUCT_INFO is too short even for its header",
    "cert.product_info_overrun": "a LICENSED_PRODUCT_INFO field ends past the extension value",
    "cert.product_info_version": "a LICENSED_PRODUCT_INFO version 2003-era Windows does not take",
    "cert.product_info_count": "LicensedVersionInfoCount is not 1, as the spec requires",
    "cert.product_info_offset": "a LICENSED_PRODUCT_INFO offset points into its own header",
    # MS_LICENSE_SERVER_INFO, extension .18.6 (MS-RDPELE 2.2.2.9.2)
    "cert.server_info_short": "MS_LICENSE_SERVER_INFO is shorter than its version or header",
    "cert.server_info_version": "MS_LICENSE_SERVER_INFO version is neither V1 nor V2",
    "cert.server_info_malformed": "MS_LICENSE_SERVER_INFO does not parse whole; read by offsets",
    "cert.server_info_issuer_offset": "IssuerNameOffset is not 0, as the spec requires",
    "cert.server_info_overrun": "an MS_LICENSE_SERVER_INFO string offset lies past the value",
    # the session host's certificate values (rds/server_certificate.py, MS-RDPBCGR 2.2.1.4.3)
    "cert.value_type": "a certificate value that is not REG_BINARY (its raw bytes are read)",
    "cert.empty": "an empty certificate value",
    "cert.unrecognised": "a value that is no certificate format hiveparse reads",
    "cert.schema_disagreement": "the construct declaration reads a value otherwise (a bug)",
    "cert.proprietary_field": "a PROPRIETARYSERVERCERTIFICATE field off the spec's MUST",
    "cert.proprietary_truncated": "a PROPRIETARYSERVERCERTIFICATE that ends inside a field",
    "cert.proprietary_trailing": "bytes after a PROPRIETARYSERVERCERTIFICATE",
    "cert.rsa_key_short": "an RSA public-key blob shorter than its 20-byte header",
    "cert.rsa_key_magic": "an RSA public-key blob whose magic is not RSA1",
    "cert.rsa_key_length": "keylen or datalen does not match bitlen",
    "cert.rsa_key_truncated": "an RSA modulus with fewer bytes than its header says",
    "cert.rsa_key_trailing": "bytes after the modulus in an RSA public-key blob",
    "cert.rsa_key_padding": "the padding after an RSA modulus is not zero",
    "cert.rsa_key_bitlen": "the modulus has another bit length than bitlen says",
    "cert.chain_count": "an X509_CERTIFICATE_CHAIN with fewer than 2 CertBlobs",
    "cert.chain_truncated": "an X509_CERTIFICATE_CHAIN that ends inside a CertBlob",
    "cert.chain_padding": "the padding after an X509_CERTIFICATE_CHAIN is not zero",
    "cert.chain_trailing": "bytes after an X509_CERTIFICATE_CHAIN that are not its padding",
    "cert.chain_blob_unreadable": "a CertBlob that is not an X.509 certificate",
    "cert.chain_order": "a chain not in root-first order, or incomplete",
    "cert.chain_signature_invalid": "a certificate its issuer's key does not verify",
    "cert.chain_ambiguous": "a chain whose server or issuer certificate is not unique",
    "cert.chain_no_issuer": "no certificate of the value issued the server's",
    "cert.chain_single": "one certificate only: the server's, with no license server's",
    "cert.self_signature_invalid": "a certificate naming itself as issuer its key does not verify",
    "cert.signature_unchecked": "a signature that could not be checked (algorithm or key)",
    # client licenses (decode/client_license.py, rds/client_license.py; MS-RDPELE 2.2.2)
    "license.empty": "an empty ClientLicense value",
    "license.no_certificate": "no X.509 certificate could be read from a ClientLicense",
    "license.several_cals": "several certificates carry LICENSED_PRODUCT_INFO: the last is the CAL",
    "license.no_cal_marker": "no certificate carries LICENSED_PRODUCT_INFO: the last is the CAL",
    "license.hwid_size": "a ClientHWID that is not 20 bytes (kept raw)",
    "license.hwid_views_differ": "the native and WOW64 ClientHWID differ",
    "license.value_type": "a license store value that is not REG_BINARY (raw bytes used)",
    "license.value_missing": "a LICENSEnnn key without one of its values",
    "license.parts_gap": "ClientLicense parts not numbered 0, 1, 2, ... without gaps",
    "license.store_foreign_key": "a key under Store that is not LICENSEnnn (not read)",
    # DPAPI blob headers (decode/dpapi_blob.py, reference dpapi.md)
    "dpapi.not_a_blob": "bytes that do not hold a DPAPI blob's header",
    "dpapi.master_key_version": "a master key version other than 1",
    "dpapi.trailing_bytes": "bytes after the blob's signature",
    "dpapi.unexpected_algorithm": "an encryption algorithm DPAPI blobs are not known to use",
    "dpapi.partial_block": "ciphertext that is not whole cipher blocks",
    "dpapi.signature_size": "a signature whose size does not match the hash",
    "dpapi.strong_password": "a filled strong-password (HMAC key) slot: not a machine blob",
}


def coded(
    code: str,
    message: str,
    *,
    offset: int | None = None,
    source: str | None = None,
    severity: Severity = Severity.WARNING,
) -> Diagnostic:
    """A diagnostic whose code must be in :data:`DIAGNOSTIC_CODES` (a typo raises)."""
    if code not in DIAGNOSTIC_CODES:
        raise KeyError(f"diagnostic code {code!r} is not in the catalogue (hiveparse.errors)")
    return Diagnostic(code, message, Location(source, offset=offset), severity)


def within(context: str, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """``diagnostics`` of a part, their messages prefixed with the part they are about
    ("certificate 1: LICENSED_PRODUCT_INFO: ...")."""
    return [replace(item, message=f"{context}: {item.message}") for item in diagnostics]
