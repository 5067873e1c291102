"""Export -> parse round trips: random key/value trees written as regedit writes them, in
UTF-16LE (version 5) and cp1252 (REGEDIT4), with long hex data wrapped over continuation
lines, must parse back to exactly the tree (operations and snapshot)."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from regtext_export import KeySpec, ValueSpec, export

from hiveparse.model import fold_name
from hiveparse.sources.regtext import (
    CreateKey,
    RegHeader,
    SetValue,
    parse_reg_bytes,
)
from hiveparse.sources.regtext.reader import RegReader

ROOTS = (
    "HKEY_LOCAL_MACHINE\\SOFTWARE",
    "HKEY_LOCAL_MACHINE\\SYSTEM",
    "HKEY_CURRENT_USER",
    "HKEY_USERS\\S-1-5-21-1-2-3-1001",
    "HKEY_CLASSES_ROOT",
)
ANSI_CHARS = "abcXYZ019 -_.{}[]()'\"!;#@=,é€üß\t"
WIDE_CHARS = ANSI_CHARS + "☃ждÅ中\u2028\u0085"


def _text(alphabet: str, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=min_size, max_size=12)


@st.composite
def values(draw: st.DrawFn, alphabet: str, regedit4: bool) -> ValueSpec:
    name = draw(st.one_of(st.just(""), _text(alphabet + "\\", 1)))
    form = draw(st.sampled_from(["sz", "dword", "binary", "hexn", "expand", "multi"]))
    if form == "sz":
        return ValueSpec(name, 1, text=draw(_text(alphabet + "\\")), form="sz")
    if form == "dword":
        return ValueSpec(name, 4, raw=draw(st.binary(min_size=4, max_size=4)), form="dword")
    if form == "binary":
        return ValueSpec(name, 3, raw=draw(st.binary(max_size=120)))
    if form == "hexn":
        types = [0, 4, 5, 8, 11, 0x100, 0x7FFF, 0xFFFFFFFF]
        if not regedit4:
            types += [1, 2, 7]  # REGEDIT4 would read these as ANSI text
        type_id = draw(st.sampled_from(types))
        return ValueSpec(name, type_id, raw=draw(st.binary(max_size=90)))
    text = draw(_text(alphabet.replace("\t", "")))
    if form == "multi":
        text = draw(st.sampled_from(["", "\x00", "\x00\x00"])) + text + "\x00\x00"
    elif draw(st.booleans()):
        text += "\x00"
    return ValueSpec(name, 7 if form == "multi" else 2, text=text)


@st.composite
def trees(draw: st.DrawFn, regedit4: bool) -> list[KeySpec]:
    alphabet = ANSI_CHARS if regedit4 else WIDE_CHARS
    keys: list[KeySpec] = []
    seen: set[str] = set()
    for _ in range(draw(st.integers(1, 4))):
        names = draw(st.lists(_text(alphabet.replace("\t", ""), 1), min_size=1, max_size=3))
        path = "\\".join((draw(st.sampled_from(ROOTS)), *names))
        if fold_name(path) in seen or any(not n.strip() for n in names):
            continue
        seen.add(fold_name(path))
        specs: dict[str, ValueSpec] = {}
        for value in draw(st.lists(values(alphabet, regedit4), max_size=5)):
            specs.setdefault(fold_name(value.name), value)
        keys.append(KeySpec(path, list(specs.values())))
    return keys


def _stored(value: ValueSpec, regedit4: bool) -> bytes:
    """What the registry holds after importing ``value``."""
    if value.form == "sz":
        assert value.text is not None
        return (value.text + "\x00").encode("utf-16-le")
    if value.text is None:
        return value.raw
    text = value.text
    if regedit4 and text and not text.endswith("\x00"):
        text += "\x00"  # regedit appends the NUL before converting (Wine tests Wine66, 68)
    return text.encode("utf-16-le")


def _check_round_trip(keys: list[KeySpec], regedit4: bool) -> None:
    data = export(keys, regedit4=regedit4)
    text_lines = data.decode("cp1252" if regedit4 else "utf-16").split("\r\n")
    reader = RegReader(io.BytesIO(data), strict=True)
    operations = list(reader.operations())
    assert reader.header is (RegHeader.REGEDIT4 if regedit4 else RegHeader.VERSION_5)
    assert reader.encoding == ("cp1252" if regedit4 else "utf-16-le")
    assert reader.diagnostics == []

    expected = []
    for key in keys:
        expected.append(("key", key.path, "", 0))
        expected.extend(("value", key.path, value.name, value.type_id) for value in key.values)
    got = []
    for op in operations:
        line = text_lines[op.line - 1]
        if isinstance(op, CreateKey):
            assert line == f"[{op.path}]"
            got.append(("key", op.path, "", 0))
        else:
            assert isinstance(op, SetValue)
            assert line.startswith("@=" if op.name == "" else '"')
            got.append(("value", op.key_path, op.name, op.type_id))
    assert got == expected

    regfile = parse_reg_bytes(data, strict=True)
    assert regfile.is_regedit4 is regedit4
    for key in keys:
        found = regfile.find(key.path)
        assert found is not None, key.path
        assert [v.name for v in found.values()] == [v.name for v in key.values]
        for spec in key.values:
            stored = found.value(spec.name)
            assert stored is not None
            assert stored.type_id == spec.type_id
            assert stored.raw == _stored(spec, regedit4), spec
            assert stored.provenance.line is not None
            assert text_lines[stored.provenance.line - 1].startswith(
                "@=" if spec.name == "" else '"'
            )
        assert found.provenance.line is not None


@settings(max_examples=150, deadline=None)
@given(trees(regedit4=False))
def test_round_trip_version5_utf16le(keys: list[KeySpec]) -> None:
    _check_round_trip(keys, regedit4=False)


@settings(max_examples=150, deadline=None)
@given(trees(regedit4=True))
def test_round_trip_regedit4_cp1252(keys: list[KeySpec]) -> None:
    _check_round_trip(keys, regedit4=True)
