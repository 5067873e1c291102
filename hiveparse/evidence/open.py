"""Evidence files: sniff the format from content, hash, open read-only, mount the hives.

A hive file gives one hive, mounted where Windows mounts its type (a SYSTEM hive at
``HKEY_LOCAL_MACHINE\\SYSTEM``). A .reg file can hold several hives (every mount its key
paths name). Either way the result is a list of :class:`MountedHive` with the file's
provenance (path, size, sha256, format).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hiveparse.errors import (
    Diagnostic,
    EvidenceError,
    HiveparseError,
    Location,
    NotRegf,
    Severity,
    UsageError,
)
from hiveparse.model import EvidenceFormat, Hive, HiveType
from hiveparse.paths import HiveLocation, default_mount
from hiveparse.safefiles import open_regular_file, special_kind

if TYPE_CHECKING:
    from hiveparse.evidence.coverage import TreeCoverage

_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class MountedHive:
    mount: str  # e.g. "HKEY_LOCAL_MACHINE\\SYSTEM"
    hive: Hive


@dataclass(frozen=True)
class RegDeletion:
    """A deletion a .reg change script performs (``[-key]`` or ``"value"=-``)."""

    key_path: str  # the full path as written in the file
    value_name: str | None  # None for a key deletion
    line: int

    @property
    def location(self) -> HiveLocation | None:
        """The hive mount and path it deletes in (None for a path without a root key)."""
        from hiveparse.errors import UsageError  # noqa: PLC0415
        from hiveparse.paths import locate, parse_registry_path  # noqa: PLC0415

        try:
            return locate(parse_registry_path(self.key_path))
        except UsageError:
            return None


@dataclass
class Evidence:
    path: str
    size: int
    sha256: str
    format: EvidenceFormat
    hives: list[MountedHive]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    reg_header: str | None = None
    reg_encoding: str | None = None
    reg_deletions: list[RegDeletion] = field(default_factory=list)
    reg_deletions_total: int = 0
    # For a .reg file: the subtrees it shows entirely (an absence counts only there).
    reg_coverage: TreeCoverage | None = None

    @property
    def all_diagnostics(self) -> list[Diagnostic]:
        merged = dict.fromkeys(self.diagnostics)
        for mounted in self.hives:
            merged.update(dict.fromkeys(mounted.hive.diagnostics))
        return list(merged)


def regf_hives(evidence: list[Evidence], hive_type: HiveType) -> list[tuple[str, Hive]]:
    """(path, hive) of every REGF hive of ``hive_type`` among the evidence, in order (the key
    material of the DPAPI chain lives in hive files only, never in .reg exports)."""
    return [
        (item.path, mounted.hive)
        for item in evidence
        for mounted in item.hives
        if mounted.hive.hive_type == hive_type and item.format == EvidenceFormat.REGF
    ]


def sha256_file(path: Path) -> str:
    """The file's SHA-256 (hex), read from disk (regular files only; OSError as met)."""
    with open_regular_file(path) as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sniff_format(prefix: bytes, *, whole_file: bool = False) -> EvidenceFormat | None:
    """The format ``prefix`` (a file's first bytes; ``whole_file``: all of it) announces."""
    if prefix[:4] == b"regf":
        return EvidenceFormat.REGF
    from hiveparse.sources.regtext import detect_reg  # noqa: PLC0415 - keeps start-up light

    return EvidenceFormat.REG if detect_reg(prefix, whole_file=whole_file) else None


def open_evidence(
    path: str | os.PathLike[str],
    *,
    engine: str = "hiveparse",
    encoding: str | None = None,
    strict: bool = False,
    apply_logs: bool = True,
) -> Evidence:
    """Open one evidence file (a hive or a .reg file), read-only."""
    source = os.fspath(path)
    file_path = Path(source)
    try:
        if file_path.is_dir():
            raise EvidenceError("is a directory, not a hive or .reg file", source=source)
        status = file_path.stat()
        if not stat.S_ISREG(status.st_mode):
            # A FIFO or device would block or never end: only regular files are evidence.
            kind = special_kind(status.st_mode)
            raise EvidenceError(f"{kind}, not a regular file", source=source)
        size = status.st_size
        with open_regular_file(file_path) as handle:
            prefix = handle.read(_SNIFF_BYTES)
    except OSError as error:
        raise EvidenceError(f"cannot read: {error.strerror or error}", source=source) from error
    if size == 0:
        raise NotRegf("empty file: neither a registry hive nor a .reg file", source=source)
    detected = sniff_format(prefix, whole_file=size <= len(prefix))
    if detected is None:
        raise NotRegf(
            "neither a registry hive (no 'regf' signature) nor a .reg file "
            "(no 'Windows Registry Editor' / 'REGEDIT4' header)",
            source=source,
            offset=0,
        )
    if detected == EvidenceFormat.REGF:
        if engine != "hiveparse" and strict:
            raise UsageError(
                f"--strict is not available with the {engine} engine: it reads past defects "
                "without saying so; use the hiveparse engine"
            )
        hive = _open_regf(source, engine, strict=strict, apply_logs=apply_logs)
        # The reader hashed the bytes it read; a peer engine reads the file itself.
        read = hive.files_read.get(source)
        digest = read.sha256 if read is not None else _hashed(file_path, source)
        mount = default_mount(hive.hive_type, file_path.name.upper())
        notes = [] if engine == "hiveparse" else _unreplayed(prefix, source, engine, apply_logs)
        evidence = Evidence(
            source, size, digest, detected, [MountedHive(mount, hive)], diagnostics=notes
        )
        origin = hive.origin
        if origin is not None:
            # A hive hiveparse convert wrote cannot show what its .reg file deleted; its
            # marker carries the deletions, so the hive reports them as the file would.
            evidence.reg_deletions = [
                RegDeletion(item.key_path, item.value_name, item.line) for item in origin.deletions
            ]
            evidence.reg_deletions_total = len(origin.deletions)
        return evidence
    digest = _hashed(file_path, source)
    from hiveparse.sources.regtext import DeleteKey, parse_reg_file  # noqa: PLC0415

    parsed = parse_reg_file(source, encoding=encoding, strict=strict)
    hives = [MountedHive(mount, hive) for mount, hive in parsed.hives.items()]
    return Evidence(
        source,
        size,
        digest,
        detected,
        hives,
        diagnostics=list(parsed.diagnostics),
        reg_header=str(parsed.header),
        reg_encoding=parsed.encoding,
        reg_deletions=[
            RegDeletion(op.path, None, op.line)
            if isinstance(op, DeleteKey)
            else RegDeletion(op.key_path, op.name, op.line)
            for op in parsed.deletions
        ],
        reg_deletions_total=parsed.deletions_total,
        reg_coverage=parsed.coverage,
    )


def _hashed(path: Path, source: str) -> str:
    try:
        return sha256_file(path)
    except OSError as error:  # an I/O error or a file gone between the sniff and the hash
        raise EvidenceError(f"cannot read: {error.strerror or error}", source=source) from error


def _unreplayed(prefix: bytes, source: str, engine: str, apply_logs: bool) -> list[Diagnostic]:
    """A peer engine reads a dirty hive as it is on disk: say that its logs were not
    applied (partial), where the hiveparse engine would have replayed them."""
    from hiveparse.sources.regf.hive import parse_header  # noqa: PLC0415

    try:
        header = parse_header(prefix, source)
    except HiveparseError:
        return []  # the engine itself reports a base block it cannot read
    if header.sequences_match and header.checksum_ok:
        return []
    why = "does not replay transaction logs" if apply_logs else "was asked not to replay logs"
    return [
        Diagnostic(
            "engine.logs_not_applied",
            f"the hive is dirty (sequence numbers {header.primary_sequence}/"
            f"{header.secondary_sequence}) and the {engine} engine {why}: changes its "
            ".LOG1/.LOG2 hold are missing; the hiveparse engine replays them",
            Location(source, offset=4),
            Severity.ERROR,
        )
    ]


def _open_regf(source: str, engine: str, *, strict: bool, apply_logs: bool) -> Hive:
    if engine == "hiveparse":
        from hiveparse.sources.regf import open_hive  # noqa: PLC0415

        return open_hive(source, strict=strict, apply_logs=apply_logs, hash_files=True)
    from hiveparse.engines import open_engine  # noqa: PLC0415

    return open_engine(engine, source)
