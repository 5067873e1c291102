"""Applying a .reg file's operations to in-memory hives: the state the file describes.

One :class:`MemoryHive` per hive mount, as :func:`hiveparse.paths.locate` assigns full paths
to mounts (``HKLM\\SYSTEM\\...`` goes to the SYSTEM hive mounted at
``HKEY_LOCAL_MACHINE\\SYSTEM``). Keys merge when a key line repeats; a value written twice
keeps the last write (as an import would) and leaves a diagnostic, since a regedit export
never repeats a value. REGEDIT4 ``hex(1|2|7)`` payloads are converted from ANSI to the
UTF-16LE the registry would hold after the import.
"""

from __future__ import annotations

from hiveparse.errors import Severity, UsageError
from hiveparse.model import EvidenceFormat, HiveType, fold_name
from hiveparse.paths import (
    HKLM,
    HiveLocation,
    RegistryPath,
    canonical_root,
    locate,
    mount_type,
)
from hiveparse.sources.memory import MemoryHive, MemoryKey
from hiveparse.sources.regtext.coverage import CoverageCollector, RegCoverage
from hiveparse.sources.regtext.diagnostics import DiagnosticSink
from hiveparse.sources.regtext.header import RegHeader
from hiveparse.sources.regtext.operations import (
    CreateKey,
    DeleteKey,
    DeleteValue,
    Operation,
    SetValue,
)
from hiveparse.sources.regtext.regedit4 import ANSI_STRING_TYPES, ansi_payload_to_utf16
from hiveparse.sources.regtext.syntax import brief, brief_path

ENGINE = "regtext"


def location_of(path: str) -> HiveLocation:
    """The hive mount and relative path of a full path, names kept exactly as written.

    Unlike :func:`hiveparse.paths.parse_registry_path` this does not strip blanks: a .reg
    key name may end with a space (Wine test Subkey1c) and must keep it.
    """
    root_name, _, below = path.partition("\\")
    root = canonical_root(root_name)
    if root is None:
        raise UsageError(f"registry path {brief(path)} does not start with a root key")
    return locate(RegistryPath(root, tuple(part for part in below.split("\\") if part)))


def canonical_mount(mount: str) -> str:
    """``HKEY_LOCAL_MACHINE\\System`` -> ``HKEY_LOCAL_MACHINE\\SYSTEM`` for the hives Windows
    mounts under HKLM; any other mount is returned as it is."""
    root, _, name = mount.partition("\\")
    if root == HKLM and name and not mount_type(name)[1]:
        return f"{HKLM}\\{name.upper()}"
    return mount


class RegSnapshotHive(MemoryHive):
    """A :class:`MemoryHive` for one mount of a .reg snapshot.

    Its root key carries the line of the first key line that reached the mount, so that every
    key of the snapshot has a line in its provenance.
    """

    def __init__(self, mount: str, hive_type: HiveType, *, source: str, line: int) -> None:
        root_name = mount.rpartition("\\")[2]
        super().__init__(
            hive_type,
            source=source,
            root_name=root_name,
            format=EvidenceFormat.REG,
            engine=ENGINE,
        )
        self._root = MemoryKey(self, root_name, line=line)


class SnapshotBuilder:
    def __init__(
        self, *, source: str, header: RegHeader, ansi_codepage: str, sink: DiagnosticSink
    ) -> None:
        self.source = source
        self.hives: dict[str, MemoryHive] = {}
        self._regedit4 = header is RegHeader.REGEDIT4
        self._codepage = ansi_codepage
        self._sink = sink
        self._mounts: dict[str, str] = {}  # folded mount -> key in self.hives
        self._declared: dict[MemoryKey, int] = {}  # key -> line of its first key line
        self._last_path: str | None = None
        self._last_key: MemoryKey | None = None
        # What the file covers is gathered on the way (coverage.py); it must see every
        # diagnostic, since a line that could not be read spoils the subtree it was in.
        self._coverage = CoverageCollector()
        sink.listeners.append(self._coverage.observe)

    def coverage(self) -> RegCoverage:
        """What the operations applied so far cover (call once they are all applied)."""
        return self._coverage.finish()

    def apply(self, op: Operation) -> None:
        if isinstance(op, SetValue):
            self._set_value(op)
        elif isinstance(op, CreateKey):
            self._create_key(op)
        elif isinstance(op, DeleteValue):
            self._coverage.delete(op.line)
            key = self._find(op.key_path)
            if key is not None:
                key.delete_value(op.name)
        else:
            self._coverage.delete(op.line)
            self._delete_key(op)

    # -- keys ----------------------------------------------------------------------------

    def _mount(self, location: HiveLocation) -> str:
        """The key of ``location``'s hive in :attr:`hives`: mounts compare case-insensitively,
        well-known HKLM mounts are spelled as Windows spells them, others as first seen."""
        folded = fold_name(location.mount)
        mount = self._mounts.get(folded)
        if mount is None:
            mount = canonical_mount(location.mount)
            self._mounts[folded] = mount
        return mount

    def _hive(self, location: HiveLocation, line: int) -> MemoryHive:
        mount = self._mount(location)
        hive = self.hives.get(mount)
        if hive is None:
            hive = RegSnapshotHive(mount, location.hive_type, source=self.source, line=line)
            self.hives[mount] = hive
        return hive

    def _create_key(self, op: CreateKey) -> None:
        location = location_of(op.path)
        self._coverage.declare(self._mount(location), location.relative, op.line)
        key = self._hive(location, op.line).root().ensure(location.relative, line=op.line)
        first = self._declared.setdefault(key, op.line)
        if first != op.line:
            self._sink.add(
                "reg.duplicate_key",
                f"key [{brief_path(op.path)}] appears again (first at line {first}): merged",
                line=op.line,
                severity=Severity.INFO,
            )
        self._last_path, self._last_key = op.path, key

    def _find(self, path: str) -> MemoryKey | None:
        if path == self._last_path:
            return self._last_key
        location = location_of(path)
        hive = self.hives.get(self._mount(location))
        return None if hive is None else hive.find(location.relative)

    def _delete_key(self, op: DeleteKey) -> None:
        self._last_path = self._last_key = None
        location = location_of(op.path)
        if not location.relative:
            if self.hives.pop(self._mount(location), None) is not None:
                self._sink.add(
                    "reg.hive_deleted",
                    f"[-{brief_path(op.path)}] deletes everything in the hive mounted there",
                    line=op.line,
                    severity=Severity.INFO,
                )
            return
        parent_path, _, name = location.relative.rpartition("\\")
        hive = self.hives.get(self._mount(location))
        parent = None if hive is None else hive.find(parent_path)
        if parent is not None:
            parent.delete_key(name)

    # -- values --------------------------------------------------------------------------

    def _set_value(self, op: SetValue) -> None:
        key = self._find(op.key_path)
        if key is None:  # only for operations not made by our parser (no CreateKey first)
            location = location_of(op.key_path)
            key = self._hive(location, op.line).root().ensure(location.relative, line=op.line)
        raw = op.raw
        if self._regedit4 and op.is_hex and op.type_id in ANSI_STRING_TYPES and raw:
            raw = ansi_payload_to_utf16(op.type_id, raw, self._codepage)
            self._sink.add(
                "reg.regedit4_ansi_string",
                f"value {brief(op.name)}: REGEDIT4 hex({op.type_id:x}) data read as "
                f"{self._codepage} text and stored as UTF-16LE, as regedit does on import",
                line=op.line,
                severity=Severity.INFO,
            )
        previous = key.value(op.name)
        if previous is not None:
            self._sink.add(
                "reg.duplicate_value",
                f"value {brief(op.name)} of [{brief_path(op.key_path)}] is written again "
                f"(before at line {previous.provenance.line}): the last write wins",
                line=op.line,
            )
        key.set_value(op.name, op.type_id, raw, line=op.line)
