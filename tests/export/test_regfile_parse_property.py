"""Property: our exporter's .reg file, read back by our parser, is the tree that was exported.

Random key/value trees are built as a :class:`MemoryHive`, written by
:func:`hiveparse.export.regfile.export_reg_bytes` and read by :func:`parse_reg_bytes` with
``strict=True``; the snapshot must hold the same keys and values, in the same stored order,
with the same names, types and raw bytes.

Version 5 (UTF-16LE) carries everything except what no .reg file can carry (the exporter's
"known limits", shared with regedit), which the generators therefore leave out:

* CR, LF or NUL in a key or value name: names are written verbatim, and regedit's reader
  splits lines at CR/LF and stops a line at NUL;
* a backslash in a key name (it is the path separator); value names may hold one (escaped);
* two sibling names equal case-insensitively (one key or value in the registry);
* a low surrogate right after a high one in a name (that is a valid pair, i.e. another
  name); lone high and low surrogates are generated for version 5.

REGEDIT4 (cp1252) cannot carry, besides the above:

* a key path or value name cp1252 cannot encode: the exporter raises UsageError
  (test_regedit4_refuses_names_cp1252_cannot_encode), so names are drawn from the
  characters of Windows' code page 1252, whose five holes (U+0081, U+008D, U+008F, U+0090,
  U+009D) map to single bytes (test_regedit4_carries_the_cp1252_holes);
* string data, which regedit 4 reads as ANSI text: ``hex(1)``, ``hex(2)`` and ``hex(7)``
  payloads are converted on import (a NUL appended when missing, each byte read as cp1252,
  stored as UTF-16LE). REG_EXPAND_SZ/REG_MULTI_SZ data that is well-formed UTF-16 and
  cp1252-encodable is written as its ANSI bytes and so comes back as it was, plus a NUL
  when it had none; REG_SZ is written quoted when lossless and cp1252-encodable and so
  comes back exactly; any other string data is written as its stored UTF-16 bytes, which
  the import reads as ANSI text. :func:`regedit4_import` is what regedit would store for
  each of those, and the property asserts exactly that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hiveparse.errors import Severity, UsageError
from hiveparse.export.regfile import export_reg_bytes
from hiveparse.model import Key, fold_name
from hiveparse.sources.memory import MemoryHive, MemoryKey
from hiveparse.sources.regtext import RegHeader, parse_reg_bytes

MOUNTS = (
    "HKEY_LOCAL_MACHINE\\SOFTWARE",
    "HKEY_LOCAL_MACHINE\\SYSTEM",
    "HKEY_LOCAL_MACHINE\\EVIDENCE",
    "HKEY_CURRENT_USER",
    "HKEY_USERS\\S-1-5-21-1-2-3-1001",
)

REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ = 1, 2, 3, 4, 7
STRING_TYPES = (REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ)
# Every type regedit names, and ids it does not: 0x100, 0xffff0011, 0xffffffff, any 32-bit.
TYPE_IDS = st.one_of(
    st.sampled_from([*range(12), 0x100, 0x7FFF, 0xFFFF0011, 0xFFFFFFFF]),
    st.integers(0, 0xFFFFFFFF),
)

NEVER_IN_NAMES = "\r\n\x00"
# .reg syntax characters and characters other line splitters would break at.
AWKWARD = [" ", "[", "]", '"', "'", "=", ";", "#", "@", "-", ",", "\t", "\\", "\x1a"]
AWKWARD += ["é", "ß", "€", "ÿ", "中", "☃", "ǅ", "\u2028", "\u0085", "\ufeff", "🌎"]
LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
# Every character of Windows' code page 1252, its five holes (U+0081 ...) included.
CP1252_CHARS = sorted(
    set(bytes(range(256)).decode("cp1252", errors="ignore")) | set("\x81\x8d\x8f\x90\x9d")
)


def _chars(
    *, regedit4: bool, backslash: bool, controls: bool = False, nul: bool = True
) -> st.SearchStrategy[str]:
    """One character of a name (``controls``: of string data, where CR, LF, NUL may occur)."""
    banned = ("" if nul else "\x00") if controls else NEVER_IN_NAMES
    if not backslash:
        banned += "\\"
    if regedit4 and not controls:
        # Characters Windows' code page 1252 encodes.
        plain = st.sampled_from([c for c in CP1252_CHARS if c not in banned])
    else:
        plain = st.characters(exclude_categories=("Cs",), exclude_characters=banned)
    extra = [c for c in AWKWARD if not set(c) & set(banned)]
    if regedit4 and not controls:
        extra = [c for c in extra if _encodes(c)]
    elif not regedit4:
        extra += LONE_SURROGATES
    if controls:
        extra += ["\r", "\n", *(["\x00"] if nul else [])]
    return st.one_of(plain, st.sampled_from(extra))


_HOLES = {0x81, 0x8D, 0x8F, 0x90, 0x9D}  # Windows' cp1252 maps these to the same byte


def _ansi(text: str) -> bytes:
    """Text as Windows' code page 1252 encodes it (Python's codec lacks the five holes)."""
    return b"".join(bytes([ord(c)]) if ord(c) in _HOLES else c.encode("cp1252") for c in text)


def _encodes(text: str) -> bool:
    try:
        _ansi(text)
    except UnicodeEncodeError:
        return False
    return True


def _text(
    chars: st.SearchStrategy[str], min_size: int = 0, max_size: int = 12
) -> st.SearchStrategy[str]:
    """Text of ``chars``, never holding a surrogate pair made of two lone halves."""
    return st.text(chars, min_size=min_size, max_size=max_size).filter(
        lambda text: _PAIR.search(text) is None
    )


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


# Strategies are built once: building them inside @composite for every draw is slow.
DATA_TEXT = _text(_chars(regedit4=False, backslash=True, controls=True))  # any text at all
ITEM_TEXT = _text(_chars(regedit4=False, backslash=True, controls=True, nul=False))
STRINGS = st.tuples(
    st.sampled_from([REG_SZ, REG_EXPAND_SZ]),
    st.builds(
        lambda text, end: _utf16(text + end), DATA_TEXT, st.sampled_from(["\x00", "", "\x00\x00"])
    ),
)
MULTI_STRINGS = st.tuples(
    st.just(REG_MULTI_SZ),
    st.builds(
        lambda items, end: _utf16("".join(f"{item}\x00" for item in items) + end),
        st.lists(ITEM_TEXT, max_size=4),
        st.sampled_from(["\x00", ""]),
    ),
)
NUMBERS = st.tuples(
    st.sampled_from([REG_DWORD, 5, 11]),
    st.sampled_from([4, 4, 4, 0, 2, 8]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
)
# sampled_from, not one_of: one_of favours its first branches.
VALUE_DATA = st.sampled_from(
    [
        STRINGS,
        MULTI_STRINGS,
        NUMBERS,
        st.tuples(TYPE_IDS, st.binary(max_size=40)),
        st.tuples(TYPE_IDS, st.binary(min_size=60, max_size=300)),  # wraps over several lines
        st.tuples(TYPE_IDS, st.just(b"")),
        # string types holding bytes that are not UTF-16 text (odd length, lone halves)
        st.tuples(st.sampled_from(STRING_TYPES), st.binary(max_size=15)),
    ]
).flatmap(lambda strategy: strategy)


@dataclass(frozen=True)
class NameStrategies:
    key: st.SearchStrategy[str]
    value: st.SearchStrategy[str]


def _names(*, regedit4: bool) -> NameStrategies:
    value_chars = _chars(regedit4=regedit4, backslash=True)
    short = _text(value_chars, min_size=1)
    # Long enough for the hex prefix to pass column 77: a short name repeated.
    long = short.map(lambda text: (text * (80 // len(text) + 1))[:80]).filter(
        lambda text: _PAIR.search(text) is None
    )
    return NameStrategies(
        key=_text(_chars(regedit4=regedit4, backslash=False), min_size=1),
        value=st.sampled_from([short, short, short, st.just(""), long]).flatmap(lambda s: s),
    )


NAMES = {False: _names(regedit4=False), True: _names(regedit4=True)}


@dataclass
class Node:
    """A key to build: its name, its values in stored order, its subkeys in stored order."""

    name: str
    values: list[tuple[str, int, bytes]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for item in items:
        if fold_name(item) not in seen:
            seen.add(fold_name(item))
            kept.append(item)
    return kept


@st.composite
def nodes(draw: st.DrawFn, *, regedit4: bool, depth: int = 0, name: str = "") -> Node:
    names = NAMES[regedit4]
    node = Node(name)
    for value_name in _unique(draw(st.lists(names.value, max_size=5))):
        type_id, raw = draw(VALUE_DATA)
        node.values.append((value_name, type_id, raw))
    if depth < 3:
        for child in _unique(draw(st.lists(names.key, max_size=3 - depth))):
            node.children.append(draw(nodes(regedit4=regedit4, depth=depth + 1, name=child)))
    return node


def build(root: Node) -> MemoryHive:
    hive = MemoryHive()
    stack: list[tuple[MemoryKey, Node]] = [(hive.root(), root)]
    while stack:
        key, node = stack.pop()
        for name, type_id, raw in node.values:
            key.set_value(name, type_id, raw)
        stack.extend((key.add_key(child.name), child) for child in node.children)
    return hive


def listing(root: Key) -> Iterator[tuple[str, list[str], list[tuple[str, int, bytes]]]]:
    """(path, subkey names, values) for every key, in stored order: the whole tree exactly."""
    stack = [root]
    while stack:
        key = stack.pop()
        subkeys = list(key.subkeys())
        values = [(value.name, value.type_id, value.raw) for value in key.values()]
        yield key.path, [sub.name for sub in subkeys], values
        stack.extend(reversed(subkeys))


def round_trip(hive: MemoryHive, mount: str, *, regedit4: bool) -> Key:
    data = export_reg_bytes(hive.root(), mount, regedit4=regedit4)
    parsed = parse_reg_bytes(data, strict=True)
    assert parsed.header is (RegHeader.REGEDIT4 if regedit4 else RegHeader.VERSION_5)
    assert parsed.encoding == ("cp1252" if regedit4 else "utf-16-le")
    # Only the INFO note that REGEDIT4 string payloads were converted, as regedit does.
    assert [d for d in parsed.diagnostics if d.severity is not Severity.INFO] == []
    assert {d.code for d in parsed.diagnostics} <= {"reg.regedit4_ansi_string"}
    (snapshot,) = parsed.hives.values()
    return snapshot.root()


# -- what REGEDIT4 carries -----------------------------------------------------------------


def _cp1252_as_windows(data: bytes) -> str:
    """MultiByteToWideChar(1252): the five unassigned bytes map to U+0081 and so on."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


def regedit4_import(type_id: int, written: bytes) -> bytes:
    """What regedit stores for a REGEDIT4 ``hex(type_id):written`` line (Wine
    ``prepare_hex_string_data``: string types get a NUL when missing and are converted)."""
    if type_id not in STRING_TYPES or not written:
        return written
    if not written.endswith(b"\x00"):
        written += b"\x00"
    return _utf16(_cp1252_as_windows(written))


def _strict_text(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-16-le") if len(raw) % 2 == 0 else None
    except UnicodeDecodeError:
        return None


def regedit4_expected(type_id: int, raw: bytes) -> bytes:
    """The data a REGEDIT4 export of ``raw`` gives back after an import (module docstring)."""
    text = _strict_text(raw)
    if type_id == REG_SZ:
        quotable = (
            text is not None
            and text.endswith("\x00")
            and not set(text[:-1]) & set(NEVER_IN_NAMES)
            and _encodes(text)
        )
        return raw if quotable else regedit4_import(REG_SZ, raw)
    if type_id in (REG_EXPAND_SZ, REG_MULTI_SZ):
        if text is not None and _encodes(text):
            return regedit4_import(type_id, _ansi(text))
        return regedit4_import(type_id, raw)
    return raw


def _expected_listing(
    hive: MemoryHive, *, regedit4: bool
) -> list[tuple[str, list[str], list[tuple[str, int, bytes]]]]:
    rows = list(listing(hive.root()))
    if not regedit4:
        return rows
    return [
        (path, subkeys, [(n, t, regedit4_expected(t, raw)) for n, t, raw in values])
        for path, subkeys, values in rows
    ]


# -- the properties ------------------------------------------------------------------------

EDGE_CASES = Node(
    "",
    [
        ("", REG_SZ, _utf16("no terminating NUL")),
        ('a\\b"c', REG_SZ, _utf16('quoted \\ " text\x00')),
        ("empty sz", REG_SZ, b""),
        ("sz with NUL inside", REG_SZ, _utf16("a\x00b\x00")),
        ("odd", REG_SZ, b"\x41\x00\x42"),
        ("type 0x100", 0x100, b"\x01\x02"),
        ("type max", 0xFFFFFFFF, b""),
        ("multi", REG_MULTI_SZ, _utf16("one\x00\x00three\x00\x00")),
        ("multi no end", REG_MULTI_SZ, _utf16("one\x00two")),
        ("expand", REG_EXPAND_SZ, _utf16("%SystemRoot%\\x")),
        ("short dword", REG_DWORD, b"\x01\x02"),
        ("x" * 80, REG_BINARY, bytes(range(256))),
    ],
    [Node('[brackets] and "quotes" ', children=[Node(" lead;#@=,")])],
)


@settings(max_examples=100, deadline=None)
@given(root=nodes(regedit4=False), mount=st.sampled_from(MOUNTS))
@example(root=EDGE_CASES, mount=MOUNTS[0])
def test_version5_round_trip_is_exact(root: Node, mount: str) -> None:
    hive = build(root)
    parsed = round_trip(hive, mount, regedit4=False)
    assert list(listing(parsed)) == _expected_listing(hive, regedit4=False)


@settings(max_examples=100, deadline=None)
@given(root=nodes(regedit4=True), mount=st.sampled_from(MOUNTS))
@example(root=EDGE_CASES, mount=MOUNTS[0])
def test_regedit4_round_trip_is_what_regedit_imports(root: Node, mount: str) -> None:
    hive = build(root)
    parsed = round_trip(hive, mount, regedit4=True)
    assert list(listing(parsed)) == _expected_listing(hive, regedit4=True)


@pytest.mark.parametrize(
    ("key_name", "value_name"), [("中文", "v"), ("k", "☃"), ("k", "🌎"), ("k", "\ud800")]
)
def test_regedit4_refuses_names_cp1252_cannot_encode(key_name: str, value_name: str) -> None:
    hive = MemoryHive()
    hive.root().ensure(key_name).set_value(value_name, REG_SZ, _utf16("x\x00"))
    with pytest.raises(UsageError, match="REGEDIT4"):
        export_reg_bytes(hive.root(), MOUNTS[0], regedit4=True)
    parsed = round_trip(hive, MOUNTS[0], regedit4=False)  # version 5 carries them
    assert list(listing(parsed)) == list(listing(hive.root()))


# -- cp1252's five holes ---------------------------------------------------------------------
# Windows' code page 1252 maps U+0081, U+008D, U+008F, U+0090 and U+009D to and from the
# bytes 81, 8D, 8F, 90 and 9D (Python's codec refuses them): REGEDIT4 carries them.


@pytest.mark.parametrize(
    ("value_name", "type_id", "raw"),
    [
        pytest.param("v", REG_SZ, _utf16("\x81\x00"), id="reg_sz_data"),
        pytest.param("v", REG_EXPAND_SZ, _utf16("%x%\x8d\x00"), id="reg_expand_sz_data"),
        pytest.param("\x90", REG_DWORD, b"\x01\x00\x00\x00", id="value_name"),
    ],
)
def test_regedit4_carries_the_cp1252_holes(value_name: str, type_id: int, raw: bytes) -> None:
    hive = MemoryHive()
    hive.root().set_value(value_name, type_id, raw)
    parsed = round_trip(hive, MOUNTS[0], regedit4=True)
    assert list(listing(parsed)) == list(listing(hive.root()))
