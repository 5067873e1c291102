"""The snapshot view: one MemoryHive per hive mount, provenance lines, deletions,
duplicates, and the REGEDIT4 ANSI string conversion."""

from __future__ import annotations

import tracemalloc

import pytest

from hiveparse.model import EvidenceFormat, HiveType
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regtext import ansi_payload_to_utf16, loads, parse_reg_bytes, parse_reg_file

V5 = "Windows Registry Editor Version 5.00\r\n\r\n"


def test_one_hive_per_mount_with_types_and_relative_paths() -> None:
    regfile = loads(
        V5
        + "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\Terminal Server\\RCM]\r\n"
        + '"a"=dword:1\r\n'
        + "[HKLM\\SOFTWARE\\Microsoft\\MSLicensing\\HardwareID]\r\n"
        + "[HKEY_CURRENT_USER\\Software\\X]\r\n"
        + "[HKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\Y]\r\n"
        + "[HKEY_USERS\\.DEFAULT\\Control Panel]\r\n"
        + "[HKEY_USERS\\S-1-5-21-1-2-3-1001_Classes\\CLSID]\r\n"
        + "[HKEY_CLASSES_ROOT\\.txt]\r\n"
    )
    types = {mount: hive.hive_type for mount, hive in regfile.hives.items()}
    assert types == {
        "HKEY_LOCAL_MACHINE\\SYSTEM": HiveType.SYSTEM,
        "HKEY_LOCAL_MACHINE\\SOFTWARE": HiveType.SOFTWARE,
        "HKEY_CURRENT_USER": HiveType.NTUSER,
        "HKEY_USERS\\S-1-5-21-1-2-3-1001": HiveType.NTUSER,
        "HKEY_USERS\\.DEFAULT": HiveType.DEFAULT,
        "HKEY_USERS\\S-1-5-21-1-2-3-1001_Classes": HiveType.USRCLASS,
    }
    system = regfile.hives["HKEY_LOCAL_MACHINE\\SYSTEM"]
    assert isinstance(system, MemoryHive)
    assert (system.format, system.engine, system.source) == (
        EvidenceFormat.REG,
        "regtext",
        "<string>",
    )
    assert system.root().name == "SYSTEM"
    rcm = system.find("ControlSet001\\Control\\Terminal Server\\RCM")
    assert rcm is not None and rcm.path == "ControlSet001\\Control\\Terminal Server\\RCM"
    assert rcm.value("A") is not None  # names compare case-insensitively
    # HKCR's machine half is HKLM\SOFTWARE\Classes: that is where its keys land.
    software = regfile.hives["HKEY_LOCAL_MACHINE\\SOFTWARE"]
    assert regfile.find("HKCR\\.txt") is software.find("Classes\\.txt")


def test_every_key_and_value_carries_its_line() -> None:
    regfile = loads(
        V5 + '[HKEY_CURRENT_USER\\A\\B\\C]\r\n"v"="x"\r\n\r\n[HKEY_CURRENT_USER\\A]\r\n'
    )
    hive = regfile.hives["HKEY_CURRENT_USER"]
    lines = {key.path: key.provenance.line for key in (hive.root(), *_all(hive))}
    assert lines == {"": 3, "A": 3, "A\\B": 3, "A\\B\\C": 3}  # parents: the line that made them
    value = hive.find("A\\B\\C").value("v")  # type: ignore[union-attr]
    assert value is not None
    provenance = value.provenance
    assert (provenance.line, provenance.source, provenance.format, provenance.hive_type) == (
        4,
        "<string>",
        EvidenceFormat.REG,
        HiveType.NTUSER,
    )
    assert value.decoded == "x"


def _all(hive: MemoryHive) -> list:  # type: ignore[type-arg]
    out, stack = [], list(hive.root().subkeys())
    while stack:
        key = stack.pop()
        out.append(key)
        stack.extend(key.subkeys())
    return out


def test_delete_key_removes_the_subtree_and_later_lines_recreate() -> None:
    regfile = loads(
        V5
        + '[HKEY_CURRENT_USER\\A\\B\\C]\r\n"v"="x"\r\n'
        + "[-HKEY_CURRENT_USER\\A\\B]\r\n"
        + "[HKEY_CURRENT_USER\\A\\B]\r\n"
        + "[-HKEY_CURRENT_USER\\Not\\There]\r\n\r\n"
    )
    b = regfile.find("HKCU\\A\\B")
    assert b is not None and b.provenance.line == 6
    assert list(b.subkeys()) == [] and list(b.values()) == []
    assert regfile.diagnostics == []


def test_deleting_a_whole_hive_mount() -> None:
    regfile = loads(
        V5 + "[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n\r\n"
    )
    assert regfile.hives == {}
    assert [(d.code, d.location.line) for d in regfile.diagnostics] == [("reg.hive_deleted", 4)]


def test_value_deletion_and_duplicates() -> None:
    regfile = loads(
        V5 + '[HKEY_CURRENT_USER\\A]\r\n"a"="1"\r\n"b"="2"\r\n"A"=dword:3\r\n"b"=-\r\n'
        '"b"="again"\r\n\r\n'
    )
    key = regfile.find("HKCU\\A")
    assert key is not None
    assert [(v.name, v.type_id, v.provenance.line) for v in key.values()] == [
        ("A", 4, 6),
        ("b", 1, 8),
    ]
    assert [str(d) for d in regfile.diagnostics] == [
        "<string>: 6: value 'A' of [HKEY_CURRENT_USER\\A] is written again (before at line 4):"
        " the last write wins [reg.duplicate_value]"
    ]


def test_regedit4_flag_clean_and_set() -> None:
    """STYLE 7: the flag is tested both ways, the expected bytes computed by hand."""
    body = '[HKEY_CURRENT_USER\\A]\r\n"p"=hex(2):25,50,41,54,48,25,00\r\n'
    version5 = loads(V5 + body)
    assert version5.is_regedit4 is False
    value = version5.find("HKCU\\A").value("p")  # type: ignore[union-attr]
    assert value is not None and value.raw == b"%PATH%\x00"  # kept as given: UTF-16 expected
    regedit4 = loads("REGEDIT4\r\n" + body)
    assert regedit4.is_regedit4 is True
    value = regedit4.find("HKCU\\A").value("p")  # type: ignore[union-attr]
    assert value is not None
    assert value.raw == b"%\x00P\x00A\x00T\x00H\x00%\x00\x00\x00"
    assert value.decoded == "%PATH%"
    assert [d.code for d in regedit4.diagnostics] == ["reg.regedit4_ansi_string"]


def test_regedit4_quoted_strings_and_binary_are_not_converted() -> None:
    regfile = loads('REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n"s"="x"\r\n"b"=hex:41,42\r\n')
    key = regfile.find("HKCU\\A")
    assert key is not None
    assert key.value("s").raw == b"x\x00\x00\x00"  # type: ignore[union-attr]
    assert key.value("b").raw == b"AB"  # type: ignore[union-attr]
    assert regfile.diagnostics == []


@pytest.mark.parametrize(
    ("type_id", "raw", "codepage", "expected"),
    [
        (2, b"%PATH%\x00", "cp1252", "%PATH%\x00".encode("utf-16-le")),
        (2, b"%PATH%", "cp1252", "%PATH%\x00".encode("utf-16-le")),  # NUL appended
        (7, b"a\x00b\x00\x00", "cp1252", "a\x00b\x00\x00".encode("utf-16-le")),
        (1, b"caf\xe9 \x80", "cp1252", "caf\u00e9 \u20ac\x00".encode("utf-16-le")),
        (1, b"\x81", "cp1252", "\x81\x00".encode("utf-16-le")),  # cp1252 hole, as Windows
        (1, b"\xe6", "cp1251", "\u0436\x00".encode("utf-16-le")),
        (2, b"", "cp1252", b""),  # empty stays empty (Wine test Wine68)
        (3, b"AB", "cp1252", b"AB"),  # other types untouched
        (4, b"\x01\x00\x00\x00", "cp1252", b"\x01\x00\x00\x00"),
    ],
)
def test_ansi_payload_to_utf16(type_id: int, raw: bytes, codepage: str, expected: bytes) -> None:
    assert ansi_payload_to_utf16(type_id, raw, codepage) == expected


def test_snapshot_conversion_uses_the_callers_code_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ru.reg"
    path.write_bytes(b'REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n"p"=hex(1):e6,00\r\n')
    key = parse_reg_file(path, encoding="cp1251").find("HKCU\\A")
    assert key is not None and key.value("p").decoded == "\u0436"  # type: ignore[union-attr]
    utf16 = parse_reg_bytes(
        b"\xff\xfe"
        + 'REGEDIT4\r\n[HKEY_CURRENT_USER\\A]\r\n"p"=hex(1):e6,00\r\n'.encode("utf-16-le"),
        encoding="cp1251",
    )
    key = utf16.find("HKCU\\A")
    assert key is not None and key.value("p").decoded == "\u0436"  # type: ignore[union-attr]


def test_mounts_compare_case_insensitively() -> None:
    regfile = loads(
        "REGEDIT4\n[HKEY_LOCAL_MACHINE\\System\\A]\n[HKLM\\SYSTEM\\B]\n"
        "[HKU\\S-1-5-21-9\\x]\n[hkey_users\\s-1-5-21-9\\y]\n"
    )
    assert list(regfile.hives) == ["HKEY_LOCAL_MACHINE\\SYSTEM", "HKEY_USERS\\S-1-5-21-9"]
    system = regfile.hives["HKEY_LOCAL_MACHINE\\SYSTEM"]
    assert [key.name for key in system.root().subkeys()] == ["A", "B"]
    assert regfile.find("hklm\\system\\a") is system.find("A")


def _path(levels: int, name: str = "k") -> str:
    return "HKEY_CURRENT_USER\\" + "\\".join([name] * levels)


def test_a_key_deeper_than_windows_allows_is_refused_at_its_line() -> None:
    """Windows keeps at most 512 levels below a hive's root (Microsoft, "Registry element
    size limits"): a deeper key line cannot come from a registry and is not read; the key
    at the limit is."""
    text = V5 + f"[{_path(512)}]\r\n" + f"[{_path(513)}]\r\n" + '"v"=dword:00000001\r\n'
    regfile = loads(text)
    (refused,) = [d for d in regfile.diagnostics if d.code == "reg.key_too_deep"]
    assert (refused.location.line, refused.severity) == (4, "error")
    assert "513 levels" in refused.message
    hive = regfile.hives["HKEY_CURRENT_USER"]
    deepest = hive.find("\\".join(["k"] * 512))
    assert deepest is not None and deepest.path == "\\".join(["k"] * 512)
    assert deepest.subkey("k") is None  # the refused line made nothing
    assert deepest.value("v") is None


def test_a_snapshot_holds_each_name_once_however_deep() -> None:
    """A key line creates every missing level; each key keeps its own name and its parent,
    not its full path, so memory follows the names' total length (here 512 levels of
    255-character names: a 130,000-character line; full paths would hold 17 million)."""
    name = "n" * 255
    text = V5 + f"[{_path(512, name)}]\r\n" + '"v"=dword:00000001\r\n'
    tracemalloc.start()
    regfile = loads(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    hive = regfile.hives["HKEY_CURRENT_USER"]
    deepest = hive.find("\\".join([name] * 512))
    assert deepest is not None and deepest.value("v") is not None
    assert len(deepest.path) == 512 * 256 - 1
    assert peak < 40 * len(text)  # full paths alone would be 17e6 characters
