"""A hive's contents as Parse::Win32Registry sees them (Debian libparse-win32registry-perl).

Parse::Win32Registry 1.1 is a pure-Perl REGF reader written independently of hivex and of
the Python readers, so it is a third truth for the differential tests. The driver,
``win32registry_dump.pl`` beside this file, walks the hive with the library's public API and
prints one line per key and per value (format in the driver's header); :func:`load_win32registry`
streams that dump into a :class:`~hiveparse.sources.memory.MemoryHive`.

What the library reports, and so what the loaded hive holds:

* key and value names as the library decodes them: Encode's "UCS-2LE" for wide names, which
  turns each half of a surrogate pair into U+FFFD, and its code page (cp1252 by default,
  ``codepage=`` to change it) for compressed names, where Windows (and hiveparse) widen
  each byte (Latin-1); names are not cut at NUL;
* the last-written time as whole seconds since 1970 (``get_timestamp``: the FILETIME is
  converted through a double, whose 53-bit mantissa makes a time up to 8 ticks before a
  whole second that second, and then truncated; undef, loaded as None and listed in
  :attr:`Win32RegistryHive.undefined_times`, before 1970 and after 2038): compare through
  :data:`WIN32REGISTRY_EQUIVALENCE`;
* class names where the key has one (None otherwise), decoded as "UCS-2LE" too;
* the raw value bytes (``get_raw_data``): exact, except that the library returns undef,
  loaded here as empty data, when a value has no data cell (offset 0 or 0xFFFFFFFF) or a data
  cell it cannot read; :attr:`Win32RegistryHive.undefined_data` lists those values.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from hiveparse.engines.verify import Equivalence
from hiveparse.model import EvidenceFormat, HiveType
from hiveparse.sources.memory import MemoryHive, MemoryKey

ENGINE = "win32registry"
SECOND = 10_000_000  # FILETIME ticks
EPOCH_AS_FILETIME_SECONDS = 11_644_473_600  # 1601-01-01 to 1970-01-01
DRIVER = Path(__file__).with_name("win32registry_dump.pl")

# The library reports whole seconds: compare last-written times at that resolution.
WIN32REGISTRY_EQUIVALENCE = Equivalence(time_resolution=SECOND)


class Win32RegistryError(RuntimeError):
    """Parse::Win32Registry could not read the hive, or the dump was cut short."""


def win32registry_available() -> bool:
    """True when perl and Parse::Win32Registry are installed."""
    if shutil.which("perl") is None:
        return False
    probe = subprocess.run(
        ["perl", "-MParse::Win32Registry", "-e1"], capture_output=True, check=False
    )
    return probe.returncode == 0


class Win32RegistryHive(MemoryHive):
    """The loaded tree plus the warnings the library printed while reading it."""

    def __init__(self, source: str, root_name: str) -> None:
        super().__init__(
            HiveType.UNKNOWN,
            source=source,
            root_name=root_name,
            format=EvidenceFormat.REGF,
            engine=ENGINE,
        )
        self.warnings: list[str] = []
        # (key path, value name) of the values whose data the library returned as undef
        self.undefined_data: list[tuple[str, str]] = []
        # paths of the keys whose timestamp the library returned as undef
        self.undefined_times: list[str] = []


def _text(field: str) -> str:
    # The driver writes Perl's lax UTF-8, which can hold lone surrogates; should the library
    # ever return the two halves of a pair, they become the one character they stand for.
    text = bytes.fromhex(field).decode("utf-8", "surrogatepass")
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _filetime(field: str) -> int | None:
    if field == "-":
        return None
    return (int(field) + EPOCH_AS_FILETIME_SECONDS) * SECOND


def load_win32registry(path: str | Path, *, codepage: str | None = None) -> Win32RegistryHive:
    """Run the driver on ``path`` and build the tree it prints (streamed, for big hives).

    ``codepage`` (an Encode name such as ``iso-8859-1``) replaces the library's default
    cp1252 for compressed names.
    """
    source = str(path)
    command = ["perl", str(DRIVER), source, *([codepage] if codepage else [])]
    # PERL_UNICODE=A would decode the hive's path as UTF-8 before open(): leave it unset.
    env = {name: value for name, value in os.environ.items() if name != "PERL_UNICODE"}
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env) as proc,
    ):
        assert proc.stdout is not None
        try:
            hive, complete = _build(source, proc.stdout)
        finally:
            proc.stdout.close()
        status = proc.wait()
        errors.seek(0)
        warnings = errors.read().decode(errors="replace").splitlines()
    if status != 0 or hive is None or not complete:
        detail = "; ".join(warnings[-3:]) or f"exit status {status}"
        raise Win32RegistryError(f"{source}: Parse::Win32Registry failed: {detail}")
    hive.warnings = warnings
    return hive


def _build(source: str, lines: Iterable[bytes]) -> tuple[Win32RegistryHive | None, bool]:
    hive: Win32RegistryHive | None = None
    stack: list[MemoryKey] = []  # stack[d] is the open key at depth d
    for raw_line in lines:
        fields = raw_line.rstrip(b"\n").decode("ascii").split("\t")
        tag = fields[0]
        if tag == "K":
            depth, name = int(fields[1]), _text(fields[2])
            if hive is None:
                if depth != 0:
                    raise Win32RegistryError(f"{source}: the dump does not start at the root")
                hive = Win32RegistryHive(source, name)
                key = hive.root()
            else:
                if not 0 < depth <= len(stack):
                    raise Win32RegistryError(f"{source}: key at depth {depth} has no parent")
                del stack[depth:]
                parent = stack[-1]
                if parent.subkey(name) is not None:
                    # MemoryKey keeps one key per folded name: duplicates cannot be represented.
                    raise Win32RegistryError(f"duplicate subkey {name!r} under {parent.path!r}")
                key = parent.add_key(name)
            key.last_written_raw = _filetime(fields[3])
            if key.last_written_raw is None:
                hive.undefined_times.append(key.path)
            key.class_name_text = None if fields[4] == "-" else _text(fields[4])
            stack.append(key)
        elif tag == "V":
            if hive is None or not stack:
                raise Win32RegistryError(f"{source}: a value comes before any key")
            key, name = stack[-1], _text(fields[1])
            if key.value(name) is not None:
                raise Win32RegistryError(f"duplicate value {name!r} under {key.path!r}")
            data = fields[3]
            if data == "-":
                hive.undefined_data.append((key.path, name))
            key.set_value(name, int(fields[2]), b"" if data == "-" else bytes.fromhex(data[1:]))
        elif tag == "END":
            return hive, True
        else:
            raise Win32RegistryError(f"{source}: unexpected dump line {raw_line[:40]!r}")
    return hive, False
