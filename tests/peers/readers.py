"""A written hive as each independent reader sees it, compared with what it should hold.

Used to check hives that hiveparse *writes* (``hiveparse convert``): each reader opens the
file itself, and its reading is compared, key by key and value by value (names, type ids,
raw bytes, last-written times), with the model the hive was written from, through
:func:`hiveparse.engines.verify.compare_hives`. Readers:

* ``hiveparse`` — our own reader (:func:`hiveparse.sources.regf.open_hive`), exact;
* ``python-registry`` — ``Registry.Registry`` walked through its public key API; names
  from ``NKRecord.name()``/``VKRecord.name()``, the type id and the raw FILETIME from the
  records, the stored bytes by layout with its own ``HBINCell``/``DBRecord`` readers (its
  ``raw_data()`` is shaped by the type, see hiveparse/engines/python_registry_engine.py).
  It decodes compressed (Latin-1) names as cp1252, so the model's names are compared
  through that view;
* ``pyregf`` — libregf's Python binding: names, ``type``, ``data``, the integer FILETIME.
  It returns the *trailing* bytes of 1-3-byte inline data (rounded up to whole UTF-16
  units for REG_SZ/REG_EXPAND_SZ) and ``None`` for empty data, and decodes compressed
  names as cp1252; the model is compared through those views;
* ``hivex`` — ``hivexml`` (tests/peers/hivexml.py): whole seconds, decoded strings and
  integers, compared through :data:`peers.hivexml.HIVEX_EQUIVALENCE`;
* ``regipy`` — regipy's record parsers (``NKRecord``, ``iter_subkeys``, ``VALUE_KEY``,
  ``read_value``, ``_parse_indirect_block``) through hiveparse's regipy engine, exact;
* ``parse-win32registry`` — Parse::Win32Registry, the Perl library RegRipper reads hives
  with (tests/peers/win32registry.py): whole seconds, raw bytes; compressed names decoded
  as cp1252 and each half of a UTF-16 surrogate pair as U+FFFD, so the model's names are
  compared through that view; it must print no warning and leave no data undefined;
* ``regipy-api`` — what a regipy user gets: ``RegistryHive.recurse_subkeys()`` with
  ``iter_values(trim_values=False)``. It decodes compressed names as ASCII (U+FFFD for
  other bytes), calls the default value "(default)", names types and decodes data by type;
  the model is put through the same rules (:func:`regipy_api_expected`) and the two
  listings must be equal. Where regipy's public API reads no stored bytes at all (inline or
  big data of a type it decodes as text from ``read_value()``, which reads from a bogus
  offset to the end of the file), only the name and type are compared, marked ``SKIPPED``.

The expected side is the model with every key's last-written time set to ``last_written``
(a converted .reg file stamps every key with one time).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from peers.hivexml import HIVEX_EQUIVALENCE, hivexml_available, load_hivexml
from peers.win32registry import (
    WIN32REGISTRY_EQUIVALENCE,
    load_win32registry,
    win32registry_available,
)

from hiveparse.engines.verify import EXACT, Equivalence, compare_hives
from hiveparse.model import Hive, Key
from hiveparse.sources.memory import MemoryHive, MemoryKey

READERS = (
    "hiveparse",
    "python-registry",
    "pyregf",
    "hivex",
    "regipy",
    "regipy-api",
    "parse-win32registry",
)

INLINE_FLAG = 0x80000000
BIG_DATA_SEGMENT = 0x3FD8  # 16,344 bytes
SKIPPED = "<regipy reads no stored bytes here>"

NameView = Callable[[str], str]
RawView = Callable[[int, bytes], bytes]


# --- the expected side -------------------------------------------------------------------------


def cp1252_view(name: str) -> str:
    """A name stored compressed (every character fits Latin-1) as a cp1252 reader shows it."""
    try:
        return name.encode("latin-1").decode("cp1252")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def win32registry_name_view(name: str) -> str:
    """Compressed names as cp1252; in wide names each surrogate half becomes U+FFFD."""
    shown = cp1252_view(name)
    return "".join("\ufffd\ufffd" if ord(c) > 0xFFFF else c for c in shown)


def pyregf_raw_view(type_id: int, raw: bytes) -> bytes:
    """libregf copies the trailing bytes of 1-3-byte inline data, and first rounds the size
    of REG_SZ / REG_EXPAND_SZ data up to whole UTF-16 units."""
    size = len(raw)
    if type_id in (1, 2):
        size += size & 1
    if 0 < len(raw) < 4:
        return raw.ljust(4, b"\0")[4 - size :]
    return raw


def expected_view(
    hive: Hive,
    *,
    last_written: int | None,
    name: NameView | None = None,
    raw: RawView | None = None,
) -> MemoryHive:
    """A copy of ``hive`` with names and data as a reader with known deviations shows them."""

    def show(text: str) -> str:
        return name(text) if name is not None else text

    out = MemoryHive(hive.hive_type, root_name=hive.root().name, engine="expected")
    stack: list[tuple[Key, MemoryKey]] = [(hive.root(), out.root())]
    while stack:
        key, copy = stack.pop()
        copy.last_written_raw = last_written
        for value in key.values():
            data = raw(value.type_id, value.raw) if raw is not None else value.raw
            copy.set_value(show(value.name), value.type_id, data)
        stack.extend((sub, copy.add_key(show(sub.name))) for sub in key.subkeys())
    return out


# --- the readers ----------------------------------------------------------------------------------


def hiveparse_reading(path: Path) -> Hive:
    from hiveparse.sources.regf import open_hive  # noqa: PLC0415

    return open_hive(path, apply_logs=False)


def _new_child(parent: MemoryKey, name: str) -> MemoryKey:
    """A reader's subkey; a name listed twice would be merged by MemoryKey, so it fails."""
    assert parent.subkey(name) is None, f"subkey {name!r} listed twice under {parent.path!r}"
    return parent.add_key(name)


def python_registry_reading(path: Path) -> MemoryHive:
    from Registry import Registry  # noqa: PLC0415

    reg = Registry.Registry(str(path))
    root = reg.root()
    out = MemoryHive(root_name=root.name(), engine="python-registry")
    stack: list[tuple[Any, MemoryKey]] = [(root, out.root())]
    while stack:
        key, copy = stack.pop()
        nk = key._nkrecord  # the raw FILETIME is only on the record (timestamp() rounds)
        copy.last_written_raw = nk.unpack_qword(0x4)
        for value in key.values():
            vk = value._vkrecord  # RegistryValue.name() says "(default)" for ""
            assert copy.value(vk.name()) is None, f"value {vk.name()!r} listed twice"
            copy.set_value(vk.name(), vk.unpack_dword(0xC), python_registry_raw(vk))
        stack.extend((sub, _new_child(copy, sub.name())) for sub in key.subkeys())
    return out


def python_registry_raw(vk: Any) -> bytes:
    """The stored bytes as python-registry locates them, read the way its REG_BINARY branch
    reads them (inline: the leading bytes of the offset field; else the data cell, or the
    segments of a db record)."""
    from Registry.RegistryParse import HBINCell  # noqa: PLC0415

    length, offset, buf = vk.raw_data_length(), vk.data_offset(), vk._buf
    if length >= INLINE_FLAG:
        return bytes(buf[offset : offset + length - INLINE_FLAG])
    if length > BIG_DATA_SEGMENT:
        cell = HBINCell(buf, offset, vk)
        if cell.data_id() == b"db":
            return bytes(cell.child().large_data(length))
        return bytes(cell.raw_data()[:length])
    return bytes(buf[offset + 4 : offset + 4 + length])


def pyregf_reading(path: Path) -> MemoryHive:
    import pyregf  # noqa: PLC0415

    handle = pyregf.file()
    handle.open_file_object(io.BytesIO(path.read_bytes()))
    try:
        root = handle.root_key
        out = MemoryHive(root_name=root.name, engine="pyregf")
        stack: list[tuple[Any, MemoryKey]] = [(root, out.root())]
        while stack:
            key, copy = stack.pop()
            copy.last_written_raw = key.get_last_written_time_as_integer()
            for value in key.values:
                assert copy.value(value.name or "") is None, f"value {value.name!r} listed twice"
                copy.set_value(value.name or "", value.type, value.data or b"")
            stack.extend((sub, _new_child(copy, sub.name)) for sub in key.sub_keys)
    finally:
        handle.close()
    return out


def regipy_reading(path: Path) -> Hive:
    from hiveparse.engines import open_engine  # noqa: PLC0415

    return open_engine("regipy", path)


# --- regipy's public API ------------------------------------------------------------------------

RegipyListing = dict[str, list[tuple[str, str, object]]]

_REGIPY_TYPES = {
    0: "REG_NONE",
    1: "REG_SZ",
    2: "REG_EXPAND_SZ",
    3: "REG_BINARY",
    4: "REG_DWORD",
    5: "REG_DWORD_BIG_ENDIAN",
    6: "REG_LINK",
    7: "REG_MULTI_SZ",
    8: "REG_RESOURCE_LIST",
    9: "REG_FULL_RESOURCE_DESCRIPTOR",
    10: "REG_RESOURCE_REQUIREMENTS_LIST",
    11: "REG_QWORD",
}


def _regipy_name(name: str) -> str:
    try:
        return name.encode("latin-1").decode("ascii", errors="replace")  # compressed names
    except UnicodeEncodeError:
        return name


def _regipy_text(data: bytes) -> object:
    """regipy.utils.try_decode_binary with trim_values=False."""
    try:
        return data.decode("utf-16-le").rstrip("\x00")
    except UnicodeDecodeError:
        try:
            return data.decode().rstrip("\x00")
        except UnicodeDecodeError:
            return data


def _regipy_multi(data: bytes) -> list[str]:
    """GreedyRange(CString("utf-16-le")): NUL-terminated items until one does not parse."""
    items: list[str] = []
    start = 0
    for end in range(0, len(data) - 1, 2):
        if data[end : end + 2] == b"\0\0":
            if end < start:
                continue
            try:
                items.append(data[start:end].decode("utf-16-le"))
            except UnicodeDecodeError:
                break
            start = end + 2
    return [item for item in items if item]


def _regipy_type(type_id: int) -> str | None:
    """The type string regipy gives, or None for a value it skips."""
    if type_id == 0x200000:
        return None
    if type_id > 0xFFFF0000:
        type_id &= 0xFFFF
    return _REGIPY_TYPES.get(type_id, str(type_id))


def _regipy_data(type_name: str, raw: bytes) -> object:
    inline = len(raw) <= 4
    big = len(raw) > BIG_DATA_SEGMENT
    if type_name in ("REG_SZ", "REG_EXPAND_SZ"):
        return _regipy_text(raw)
    if type_name in ("REG_BINARY", "REG_NONE"):
        return raw
    if type_name == "REG_MULTI_SZ":
        return _regipy_multi(raw)
    if type_name == "REG_DWORD":
        if big:
            return SKIPPED
        return int.from_bytes(raw.ljust(4, b"\0")[:4], "little")
    if type_name == "REG_QWORD":
        if big:
            return SKIPPED
        if inline:
            return int.from_bytes(raw.ljust(4, b"\0"), "little")
        return int.from_bytes(raw[:8], "little")
    if inline or big:  # read_value() from the offset field, or the db header as data
        return SKIPPED
    if type_name in ("REG_RESOURCE_LIST", "REG_RESOURCE_REQUIREMENTS_LIST"):
        return raw
    return _regipy_text(raw)


def regipy_api_expected(hive: Hive) -> RegipyListing:
    out: RegipyListing = {}
    stack: list[tuple[Key, str]] = [(hive.root(), "")]
    while stack:
        key, path = stack.pop()
        values = []
        for value in key.values():
            type_name = _regipy_type(value.type_id)
            if type_name is None:
                continue
            name = _regipy_name(value.name) if value.name else "(default)"
            values.append((name, type_name, _regipy_data(type_name, value.raw)))
        out[path or "\\"] = sorted(values, key=repr)
        stack.extend((sub, f"{path}\\{_regipy_name(sub.name)}") for sub in key.subkeys())
    return out


def regipy_api_listing(path: Path, expected: RegipyListing) -> RegipyListing:
    """regipy's own walk; data the expected side marks SKIPPED is not compared."""
    from regipy.registry import RegistryHive  # noqa: PLC0415

    skipped = {(p, n, t) for p, values in expected.items() for n, t, d in values if d is SKIPPED}
    reg = RegistryHive(str(path))
    out: RegipyListing = {}
    stack: list[tuple[Any, str]] = [(reg.root, "\\")]
    while stack:
        nk, key_path = stack.pop()
        values = []
        # recurse_subkeys() trims values to 256 characters; iter_values can be told not to.
        for value in nk.iter_values(as_json=False, trim_values=False):
            data = value.value
            type_name = str(value.value_type)  # DEVPROP types come as construct enum values
            if (key_path, value.name, type_name) in skipped:
                data = SKIPPED
            elif isinstance(data, bytes | bytearray):
                data = bytes(data)
            values.append((value.name, type_name, data))
        assert key_path not in out, f"regipy lists {key_path!r} twice"
        out[key_path] = sorted(values, key=repr)
        prefix = "" if key_path == "\\" else key_path
        stack.extend((sub, f"{prefix}\\{sub.name}") for sub in nk.iter_subkeys() or ())
    # regipy's own walker must reach the same keys.
    walked = [s.path for s in reg.recurse_subkeys(as_json=False, fetch_values=False)]
    assert sorted(walked) == sorted(out), "recurse_subkeys() and iter_subkeys() disagree"
    return out


# --- the checks ---------------------------------------------------------------------------------


def reader_disagreements(
    reader: str, path: Path, model: Hive, *, last_written: int | None, limit: int = 20
) -> list[str]:
    """How ``reader``'s reading of the hive file at ``path`` differs from ``model`` (with
    every key stamped ``last_written``); empty when they agree."""
    equivalence: Equivalence = EXACT
    if reader == "hiveparse":
        expected: Hive = expected_view(model, last_written=last_written)
        reading = hiveparse_reading(path)
    elif reader == "python-registry":
        expected = expected_view(model, last_written=last_written, name=cp1252_view)
        reading = python_registry_reading(path)
    elif reader == "pyregf":
        expected = expected_view(
            model, last_written=last_written, name=cp1252_view, raw=pyregf_raw_view
        )
        reading = pyregf_reading(path)
    elif reader == "hivex":
        expected = expected_view(model, last_written=last_written)
        reading = load_hivexml(path)
        equivalence = HIVEX_EQUIVALENCE
    elif reader == "regipy":
        expected = expected_view(model, last_written=last_written)
        reading = regipy_reading(path)
    elif reader == "parse-win32registry":
        expected = expected_view(model, last_written=last_written, name=win32registry_name_view)
        loaded = load_win32registry(path)
        assert not (loaded.warnings or loaded.undefined_data or loaded.undefined_times), (
            loaded.warnings,
            loaded.undefined_data,
            loaded.undefined_times,
        )
        reading = loaded
        equivalence = WIN32REGISTRY_EQUIVALENCE
    elif reader == "regipy-api":
        want = regipy_api_expected(model)
        got = regipy_api_listing(path, want)
        problems = [f"key only in the model: {p!r}" for p in want.keys() - got.keys()]
        problems += [f"key only in regipy: {p!r}" for p in got.keys() - want.keys()]
        problems += [
            f"{p!r}: model {want[p]!r} != regipy {got[p]!r}"[:400]
            for p in sorted(want.keys() & got.keys())
            if want[p] != got[p]
        ]
        return problems[:limit]
    else:
        raise ValueError(f"unknown reader {reader!r}")
    return [str(d) for d in compare_hives(expected, reading, limit=limit, equivalence=equivalence)]


def reader_available(reader: str) -> str | None:
    """Why ``reader`` cannot run here (None when it can)."""
    if reader == "hivex" and not hivexml_available():
        return "hivexml (libhivex-bin) is not installed"
    if reader == "parse-win32registry" and not win32registry_available():
        return "Parse::Win32Registry (libparse-win32registry-perl) is not installed"
    if reader == "pyregf":
        try:
            import pyregf  # noqa: F401, PLC0415
        except ImportError:
            return "pyregf (libregf-python) is not installed"
    return None
