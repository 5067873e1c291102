"""`hiveparse convert`: a .reg file becomes hive files that every reader reads identically.

For each input (the corpus's regedit exports and REGEDIT4 files, and .reg text written here
for what the corpus lacks: every value type, unicode names, big data, 2000 subkeys,
deletions, every kind of mount), each written hive is read by our reader, python-registry,
libregf (pyregf), hivex (hivexml), regipy (its record parsers and its public API) and
Parse::Win32Registry (RegRipper's library), and every key path, value name, type, raw byte
and last-written time must be what the .reg snapshot holds (tests/peers/readers.py says how
each reader's known deviations are compared). The hive
must also equal an independent ``parse_reg_file`` snapshot of the input. The command line
is run as a subprocess for exit codes, one-line errors and the untouched input.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from peers.readers import READERS, reader_available, reader_disagreements

from hiveparse.engines.verify import compare_hives
from hiveparse.errors import NotRegf, RegSyntaxError, UsageError
from hiveparse.evidence.open import open_evidence
from hiveparse.export.convert import (
    ConvertedHive,
    PlannedOutput,
    RegConversion,
    convert_reg_file,
    convert_reg_to_hives,
    plan_outputs,
    select_hive,
    write_outputs,
)
from hiveparse.filetime import datetime_to_filetime
from hiveparse.model import HiveType, walk
from hiveparse.schemas import regf
from hiveparse.sources.regf import open_hive
from hiveparse.sources.regtext import parse_reg_file

REPO = Path(__file__).resolve().parents[2]
STAMP = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
STAMP_FT = datetime_to_filetime(STAMP)
V5 = "Windows Registry Editor Version 5.00"

# --- inputs -----------------------------------------------------------------------------------

CORPUS_INPUTS = {
    "rdp-utf16": "reg/nathanyiel-rdp-fix/rdp.reg",
    "license-utf16-deletions": "reg/luvery93-blog/download/"
    "2018-03-06-fix-rdp-client-license-error-with-registry/rdp-client-license-registry.reg",
    "cmd-here-utf16-hkcr": "reg/luvery93-blog/download/2018-10-22-windows10-open-a-command-"
    "prompt-in-any-folder-from-the-right-click-context-menu/add_open_cmd_here_for_windows10.reg",
    "regedit4-client": "reg/ms-classic-samples/Win7Samples/winbase/wtsapi/tssysinf/Client.Reg",
    "regedit4-perfgen": "reg/ms-classic-samples/Win7Samples/winbase/winnt/perftool/perfdlls/"
    "perfgen/Perfgen.Reg",
    "regedit4-two-mounts": "reg/ms-classic-samples/Win7Samples/winui/shell/appshellintegration/"
    "NonDefaultDropMenuVerb/NonDefaultDropMenuVerb.reg",
    "hkcr-hklm-hkcu": "reg/ms-classic-samples/Win7Samples/winui/pictures/acquisitionplugin/"
    "AcquireSamplePlugin.reg",
    "services-large": "reg/gorstak-services/Services.reg",
}
SINGLE_MOUNT_REG = CORPUS_INPUTS["rdp-utf16"]
MULTI_MOUNT_REG = CORPUS_INPUTS["hkcr-hklm-hkcu"]  # HKCR goes to the SOFTWARE hive
DELETIONS_ONLY_REG = (
    "reg/luvery93-blog/download/2018-10-22-windows10-open-a-command-prompt-in-any-folder-from-"
    "the-right-click-context-menu/restore_open_cmd_here_for_windows10.reg"
)


def _hex(data: bytes, per_line: int = 25) -> str:
    """Comma-separated hex bytes, wrapped with regedit's backslash continuations."""
    items = [f"{b:02x}" for b in data]
    rows = [",".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return ",\\\r\n  ".join(rows)


def _hexval(name: str, data: bytes, type_id: int | None = None) -> str:
    """A ``"name"=hex(N):..`` value line (``hex:`` for REG_BINARY, type_id None)."""
    kind = "hex" if type_id is None else f"hex({type_id:x})"
    return f'"{name}"={kind}:{_hex(data)}'


def _utf16z(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


def _write_v5(path: Path, lines: list[str]) -> Path:
    """As regedit writes it: UTF-16LE with a byte-order mark and CRLF line ends."""
    path.write_bytes(b"\xff\xfe" + ("\r\n".join([V5, "", *lines, "", ""])).encode("utf-16-le"))
    return path


def _types_reg(path: Path) -> Path:
    key = r"[HKEY_LOCAL_MACHINE\SOFTWARE\Vendor\Types]"
    lines = [
        key,
        '@="default text"',
        r'"sz"="hello, \"quoted\" \\ back"',
        '"empty_sz"=""',
        _hexval("expand", _utf16z("%SystemRoot%\\system32"), 2),
        _hexval("binary", bytes(range(40))),
        '"empty_binary"=hex:',
        '"dword"=dword:deadbeef',
        '"dword_zero"=dword:00000000',
        '"dword_be"=hex(5):01,02,03,04',
        _hexval("link", r"\Registry\Machine\Software\X".encode("utf-16-le"), 6),
        _hexval("multi", "one\0two\0\0".encode("utf-16-le"), 7),
        '"multi_empty"=hex(7):00,00',
        _hexval("res_list", bytes(range(24)), 8),
        _hexval("full_res", bytes(range(30)), 9),
        _hexval("res_req", bytes(range(36)), 10),
        _hexval("qword", struct.pack("<Q", 0x0102030405060708), 11),
        '"none"=hex(0):01,02',
        '"none_empty"=hex(0):',
        '"odd_sz"=hex(1):41,00,42',
        '"unknown_type"=hex(12345):62,6f,67,75,73',
        '"devprop_type"=hex(ffff0012):41,00,00,00',
        '"type_200000"=hex(200000):01,02,03,04,05',
        *(_hexval(f"inline{n}", bytes(range(1, n + 1))) for n in range(1, 6)),
    ]
    for name in ("Ünïcödé", "日本語", "Ελληνικά", "emoji😀", "ÿ-lower", "mixed Ä日"):
        lines += ["", rf"[HKEY_LOCAL_MACHINE\SOFTWARE\Vendor\Unicode\{name}]"]
        lines += [f'"{name}"="{name}"', f'"value {name}"=dword:00000001']
    lines += ["", r"[HKEY_LOCAL_MACHINE\SOFTWARE\Vendor\Empty Key]"]
    lines += ["", r"[HKEY_LOCAL_MACHINE\SOFTWARE\Vendor\Trailing blank ]", '"x"="y"']
    return _write_v5(path, lines)


def _big_reg(path: Path) -> Path:
    seg = regf.BIG_DATA_SEGMENT_SIZE
    lines = [
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Vendor\Big]",
        _hexval("edge", b"\xab" * seg),
        _hexval("edge_plus_one", b"\xcd" * (seg + 1)),
        _hexval("blob", bytes((i * 7) & 0xFF for i in range(100 * 1024))),
        '"big_sz"="' + "Lorem ipsum " * 1000 + '"',
        _hexval("big_multi", ("item" * 3000 + "\0x\0\0").encode("utf-16-le"), 7),
        _hexval("big_link", ("L" * 9000).encode("utf-16-le"), 6),
        _hexval("big_none", bytes(range(256)) * 80, 0),
    ]
    return _write_v5(path, lines)


def _wide_reg(path: Path) -> Path:
    lines = []
    for i in range(2000):
        name = f"k{(i * 7919) % 2000:04d}"
        lines += [rf"[HKEY_CURRENT_USER\Software\Many\{name}]"]
        if i % 7 == 0:
            lines += [f'"index"=dword:{i:08x}']
        lines += [""]
    return _write_v5(path, lines)


def _deletions_reg(path: Path) -> Path:
    lines = [
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Vendor\Keep]",
        '"a"="1"',
        '"b"="2"',
        "",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Vendor\Gone\Sub]",
        '"x"=dword:00000001',
        "",
        r"[-HKEY_LOCAL_MACHINE\SOFTWARE\Vendor\Gone]",  # line 10
        "",
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Vendor\Keep]",
        '"b"=-',
        "",
        r"[HKEY_LOCAL_MACHINE\SYSTEM\Other]",
        "",
        r"[-HKEY_LOCAL_MACHINE\SYSTEM]",
        "",
        r"[-HKEY_CURRENT_USER\Software\Nothing]",
    ]
    return _write_v5(path, lines)


def _regedit4_reg(path: Path) -> Path:
    text = "\r\n".join(
        [
            "REGEDIT4",
            "",
            r"[HKEY_CURRENT_USER\Software\Vendor\Café]",
            '"naïve"="crème brûlée €"',
            '"expand"=hex(2):25,54,45,4d,50,25,5c,e9,00',
            '"multi"=hex(7):61,00,e9,80,00,00',
            '"dword"=dword:00000010',
            '"price €"="5 €"',
            "",
            "",
        ]
    )
    path.write_bytes(text.encode("cp1252"))
    return path


MOUNT_KEYS = {
    r"HKEY_LOCAL_MACHINE\SYSTEM": [r"Select", r"ControlSet001\Control\Terminal Server"],
    r"HKEY_LOCAL_MACHINE\SOFTWARE": [r"Microsoft\Windows NT\CurrentVersion", r"Classes\.reg"],
    r"HKEY_LOCAL_MACHINE\SAM": [r"SAM\Domains\Account"],
    r"HKEY_LOCAL_MACHINE\SECURITY": [r"Policy\Secrets", "RXACT"],
    r"HKEY_CURRENT_USER": [r"Software\Vendor"],
    r"HKEY_USERS\S-1-5-21-1-2-3-1001": [r"Software\Vendor"],
    r"HKEY_USERS\S-1-5-21-1-2-3-1001_Classes": [r"CLSID\{00000000-0000-0000-0000-000000000001}"],
    r"HKEY_USERS\.DEFAULT": [r"Control Panel\Desktop"],
    r"HKEY_USERS\S-1-5-18": [r"Control Panel\Desktop"],  # LocalSystem: a DEFAULT hive too
    r"HKEY_CLASSES_ROOT": [r".txt"],  # lands in HKEY_LOCAL_MACHINE\SOFTWARE\Classes
    r"HKEY_CURRENT_CONFIG": [r"Software\Fonts"],  # lands in HKEY_LOCAL_MACHINE\SYSTEM
    r"HKEY_LOCAL_MACHINE\OFFLINE_SYSTEM": [r"Select", r"ControlSet001\Services"],
    r"HKEY_LOCAL_MACHINE\OFFLINE_FOO": [r"Bar"],
}


def _mounts_reg(path: Path) -> Path:
    lines = []
    for mount, keys in MOUNT_KEYS.items():
        for key in keys:
            lines += [f"[{mount}\\{key}]", f'"mount"="{mount}"', ""]
    lines += [r"[HKEY_LOCAL_MACHINE\SYSTEM\Select]", '"Current"=dword:00000001']
    return _write_v5(path, lines)


SYNTHETIC_INPUTS: dict[str, Callable[[Path], Path]] = {
    "all-types-unicode": _types_reg,
    "big-data": _big_reg,
    "2000-subkeys": _wide_reg,
    "deletions": _deletions_reg,
    "regedit4-ansi": _regedit4_reg,
    "every-mount": _mounts_reg,
}
ALL_INPUTS = [*CORPUS_INPUTS, *SYNTHETIC_INPUTS]


# --- converting once per input -----------------------------------------------------------------


@dataclass
class Case:
    source: Path
    conversion: RegConversion
    files: list[tuple[ConvertedHive, Path]]


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    """Each input is converted once per module, on first use (with the fixed STAMP time)."""
    return {}


@pytest.fixture
def case(
    request: pytest.FixtureRequest, cases: dict[str, Case], tmp_path_factory: pytest.TempPathFactory
) -> Case:
    name: str = request.param
    if name not in cases:
        if name in CORPUS_INPUTS:
            corpus: Path = request.getfixturevalue("corpus")
            source = corpus / CORPUS_INPUTS[name]
        else:
            folder = tmp_path_factory.mktemp(f"in-{name}")
            source = SYNTHETIC_INPUTS[name](folder / f"{name}.reg")
        conversion = convert_reg_file(source, last_written=STAMP)
        out = tmp_path_factory.mktemp(f"out-{name}")
        files = []
        for hive in conversion.hives:
            target = out / hive.file_name
            target.write_bytes(hive.data)
            files.append((hive, target))
        cases[name] = Case(source, conversion, files)
    return cases[name]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- every reader reads the snapshot ------------------------------------------------------------


@pytest.mark.peers
@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("case", ALL_INPUTS, indirect=True)
def test_every_reader_reads_exactly_the_snapshot(case: Case, reader: str) -> None:
    reason = reader_available(reader)
    if reason:
        pytest.skip(reason)
    assert case.files, "the input converts to at least one hive"
    for hive, path in case.files:
        problems = reader_disagreements(reader, path, hive.snapshot, last_written=STAMP_FT)
        assert problems == [], f"{reader} on {hive.mount}: {problems}"


@pytest.mark.parametrize("case", ALL_INPUTS, indirect=True)
def test_hive_equals_an_independent_reg_snapshot(case: Case) -> None:
    parsed = parse_reg_file(case.source)
    assert [h.mount for h in case.conversion.hives] == list(parsed.hives)
    for hive, path in case.files:
        reading = open_hive(path, apply_logs=False)
        # The snapshot has no times nor class names; those are compared only where both
        # sides have them, so this compares every key path, value name, type and byte.
        differences = list(compare_hives(parsed.hives[hive.mount], reading))
        assert differences == [], differences
        # Nothing to say about the hive but where it came from (its origin marker).
        assert [d.code for d in reading.diagnostics] == ["regf.written_by_hiveparse"]
        keys = list(walk(reading.root()))
        assert (hive.keys, hive.values) == (len(keys), sum(len(list(k.values())) for k in keys))


@pytest.mark.parametrize("case", ALL_INPUTS, indirect=True)
def test_hive_is_clean_and_stamped_with_the_documented_time(case: Case) -> None:
    for hive, path in case.files:
        data = path.read_bytes()
        base = regf.base_block.parse(data[: regf.BASE_BLOCK_SIZE])
        checksum = 0
        for (word,) in struct.iter_unpack("<I", data[:508]):
            checksum ^= word
        assert base.checksum == checksum
        assert base.primary_sequence_number == base.secondary_sequence_number == 1
        assert (base.major_version, base.minor_version) == (1, 5)
        assert base.hive_bins_data_size == len(data) - regf.BASE_BLOCK_SIZE
        assert base.last_written_timestamp == STAMP_FT == hive.last_written
        embedded = base.file_name.decode("utf-16-le").rstrip("\0")
        assert embedded == hive.embedded_file_name[-31:]
        reading = open_hive(path, apply_logs=False)
        assert reading.root().name == hive.root_name
        assert {k.last_written for k in walk(reading.root())} == {STAMP_FT}
        codes = [d.code for d in hive.diagnostics]
        assert "convert.synthetic_last_written" in codes
        assert hive.sha256 == _sha256(path) and hive.size == len(data)


def test_output_is_deterministic_for_a_given_time(tmp_path: Path) -> None:
    source = _types_reg(tmp_path / "t.reg")
    first = [h.data for h in convert_reg_to_hives(source, last_written=STAMP)]
    second = [h.data for h in convert_reg_to_hives(source, last_written=STAMP)]
    assert first == second


# --- what the synthetic inputs are for ---------------------------------------------------------


def _value_cell(path: Path, key_path: str, name: str) -> tuple[bytes, int, int]:
    """(image, vk data size, vk data offset) of one value, from the cell our reader names."""
    image = path.read_bytes()
    key = open_hive(path, apply_logs=False).find(key_path)
    assert key is not None
    value = key.value(name)
    assert value is not None and value.provenance.offset is not None
    start = regf.BASE_BLOCK_SIZE + value.provenance.offset
    size = -struct.unpack_from("<i", image, start)[0]
    vk = regf.key_value.parse(image[start + 4 : start + size])
    return image, vk.data_size, vk.data_offset


@pytest.mark.parametrize("case", ["big-data"], indirect=True)
def test_big_values_are_stored_in_db_records(case: Case) -> None:
    ((hive, path),) = case.files
    key = hive.snapshot.find(r"Vendor\Big")
    assert key is not None
    for value in key.values():
        image, size, offset = _value_cell(path, r"Vendor\Big", value.name)
        assert size == len(value.raw)
        signature = image[regf.BASE_BLOCK_SIZE + offset + 4 : regf.BASE_BLOCK_SIZE + offset + 6]
        assert (signature == b"db") == (len(value.raw) > regf.BIG_DATA_SEGMENT_SIZE), value.name


@pytest.mark.parametrize("case", ["2000-subkeys"], indirect=True)
def test_2000_subkeys_are_indexed_through_an_ri_list(case: Case) -> None:
    ((_, path),) = case.files
    reading = open_hive(path, apply_logs=False)
    many = reading.find(r"Software\Many")
    assert many is not None and many.provenance.offset is not None
    names = [k.name for k in many.subkeys()]
    assert sorted(names) == [f"k{i:04d}" for i in range(2000)]
    image = path.read_bytes()
    start = regf.BASE_BLOCK_SIZE + many.provenance.offset
    size = -struct.unpack_from("<i", image, start)[0]
    nk = regf.key_node.parse(image[start + 4 : start + size])
    assert nk.number_of_subkeys == 2000
    lists = regf.BASE_BLOCK_SIZE + nk.subkeys_list_offset + 4
    assert image[lists : lists + 2] == b"ri"


@pytest.mark.parametrize("case", ["deletions"], indirect=True)
def test_deletions_are_applied_and_said_not_to_be_representable(case: Case) -> None:
    conversion = case.conversion
    ((hive, _),) = case.files
    assert hive.mount == r"HKEY_LOCAL_MACHINE\SOFTWARE"
    keep = hive.snapshot.find(r"Vendor\Keep")
    assert keep is not None and [v.name for v in keep.values()] == ["a"]
    assert hive.snapshot.find(r"Vendor\Gone") is None
    own = [d for d in hive.diagnostics if d.code == "convert.deletions_not_represented"]
    assert len(own) == 1 and own[0].location.line == 10
    assert "1 key deletion" in own[0].message and "1 value deletion" in own[0].message
    everywhere = [d for d in conversion.diagnostics if d.code == own[0].code]
    mounts = {r"HKEY_LOCAL_MACHINE\SYSTEM", "HKEY_CURRENT_USER"}
    assert {m for d in everywhere for m in mounts if f"under {m} " in d.message} == mounts
    assert (conversion.key_deletions, conversion.value_deletions) == (3, 1)


@pytest.mark.parametrize("case", ["regedit4-ansi"], indirect=True)
def test_regedit4_ansi_strings_become_utf16(case: Case) -> None:
    ((_, path),) = case.files
    key = open_hive(path, apply_logs=False).find(r"Software\Vendor\Café")
    assert key is not None
    values = {v.name: v.raw for v in key.values()}
    assert values["naïve"] == _utf16z("crème brûlée €")
    assert values["expand"] == _utf16z("%TEMP%\\é")
    assert values["multi"] == "a\0é€\0\0".encode("utf-16-le")
    assert values["price €"] == _utf16z("5 €")


EXPECTED_MOUNTS = {
    # mount: (file name, hive type, root name, embedded file name)
    r"HKEY_LOCAL_MACHINE\SYSTEM": (
        "SYSTEM",
        HiveType.SYSTEM,
        "CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}",
        r"\SystemRoot\System32\Config\SYSTEM",
    ),
    r"HKEY_LOCAL_MACHINE\SOFTWARE": (
        "SOFTWARE",
        HiveType.SOFTWARE,
        "CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}",
        r"\SystemRoot\System32\Config\SOFTWARE",
    ),
    r"HKEY_LOCAL_MACHINE\SAM": (
        "SAM",
        HiveType.SAM,
        "CMI-CreateHive{C4E7BA2B-68E8-499C-B1A1-371AC8D717C7}",
        r"\SystemRoot\System32\Config\SAM",
    ),
    r"HKEY_LOCAL_MACHINE\SECURITY": (
        "SECURITY",
        HiveType.SECURITY,
        "ROOT",
        r"\SystemRoot\System32\Config\SECURITY",
    ),
    "HKEY_CURRENT_USER": (
        "NTUSER.DAT",
        HiveType.NTUSER,
        "CMI-CreateHive{D43B12B8-09B5-40DB-B4F6-F6DFEB78DAEC}",
        r"\??\C:\Users\user\ntuser.dat",
    ),
    r"HKEY_USERS\S-1-5-21-1-2-3-1001": (
        "NTUSER-S-1-5-21-1-2-3-1001.DAT",
        HiveType.NTUSER,
        "CMI-CreateHive{D43B12B8-09B5-40DB-B4F6-F6DFEB78DAEC}",
        r"\??\C:\Users\user\ntuser.dat",
    ),
    r"HKEY_USERS\S-1-5-21-1-2-3-1001_Classes": (
        "UsrClass.dat",
        HiveType.USRCLASS,
        "S-1-5-21-1-2-3-1001_Classes",
        r"\??\C:\Users\user\AppData\Local\Microsoft\Windows\UsrClass.dat",
    ),
    r"HKEY_USERS\.DEFAULT": (
        "DEFAULT",
        HiveType.DEFAULT,
        "CMI-CreateHive{6A1C4018-979D-4291-A7DC-7AED1C75B67C}",
        r"\SystemRoot\System32\Config\DEFAULT",
    ),
    r"HKEY_USERS\S-1-5-18": (
        "DEFAULT-S-1-5-18",
        HiveType.DEFAULT,
        "CMI-CreateHive{6A1C4018-979D-4291-A7DC-7AED1C75B67C}",
        r"\SystemRoot\System32\Config\DEFAULT",
    ),
    r"HKEY_LOCAL_MACHINE\OFFLINE_SYSTEM": (
        "SYSTEM-OFFLINE_SYSTEM",
        HiveType.SYSTEM,
        "CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}",
        r"\SystemRoot\System32\Config\SYSTEM",
    ),
    r"HKEY_LOCAL_MACHINE\OFFLINE_FOO": ("OFFLINE_FOO", HiveType.UNKNOWN, "ROOT", ""),
}


@pytest.mark.parametrize("case", ["every-mount"], indirect=True)
def test_each_mount_gets_its_file_name_root_name_and_embedded_name(case: Case) -> None:
    got = {
        hive.mount: (hive.file_name, hive.hive_type, hive.root_name, hive.embedded_file_name)
        for hive, _ in case.files
    }
    assert got == EXPECTED_MOUNTS
    for hive, path in case.files:
        # Tools (and our own reader) recognise the hive type from the written file.
        (mounted,) = open_evidence(path).hives
        assert mounted.hive.hive_type == hive.hive_type, hive.mount
    by_mount = {hive.mount: hive for hive, _ in case.files}
    # HKEY_CLASSES_ROOT and HKEY_CURRENT_CONFIG are links into SOFTWARE and SYSTEM.
    software = by_mount[r"HKEY_LOCAL_MACHINE\SOFTWARE"]
    assert software.snapshot.find(r"Classes\.txt") is not None
    system = by_mount[r"HKEY_LOCAL_MACHINE\SYSTEM"]
    assert system.snapshot.find(r"CurrentControlSet\Hardware Profiles\Current\Software\Fonts")
    codes = {name: {d.code for d in hive.diagnostics} for name, hive in by_mount.items()}
    assert "convert.classes_root_in_software" in codes[software.mount]
    assert {"convert.current_config_in_system", "convert.current_control_set_key"} <= codes[
        system.mount
    ]
    assert "convert.unknown_hive_type" in codes[r"HKEY_LOCAL_MACHINE\OFFLINE_FOO"]
    assert "convert.current_control_set_key" not in codes[r"HKEY_LOCAL_MACHINE\OFFLINE_SYSTEM"]


@pytest.mark.parametrize("case", ["every-mount"], indirect=True)
def test_mount_selection(case: Case, tmp_path: Path) -> None:
    conversion = case.conversion
    for wanted, mount in [
        (r"HKLM\SOFTWARE", r"HKEY_LOCAL_MACHINE\SOFTWARE"),
        ("hklm\\software\\", r"HKEY_LOCAL_MACHINE\SOFTWARE"),
        ("HKCR", r"HKEY_LOCAL_MACHINE\SOFTWARE"),  # the hive HKCR keys are written to
        ("HKCC", r"HKEY_LOCAL_MACHINE\SYSTEM"),
        ("system", r"HKEY_LOCAL_MACHINE\SYSTEM"),  # a file name
        ("SYSTEM-OFFLINE_SYSTEM", r"HKEY_LOCAL_MACHINE\OFFLINE_SYSTEM"),
        (r"HKLM\Offline_System", r"HKEY_LOCAL_MACHINE\OFFLINE_SYSTEM"),
        ("DEFAULT", r"HKEY_USERS\.DEFAULT"),
        (r"HKU\S-1-5-18", r"HKEY_USERS\S-1-5-18"),
        ("ntuser.dat", "HKEY_CURRENT_USER"),
        ("UsrClass.dat", r"HKEY_USERS\S-1-5-21-1-2-3-1001_Classes"),
        ("USRCLASS", r"HKEY_USERS\S-1-5-21-1-2-3-1001_Classes"),  # the only hive of its type
        (r"HKU\S-1-5-21-1-2-3-1001", r"HKEY_USERS\S-1-5-21-1-2-3-1001"),
        ("SAM", r"HKEY_LOCAL_MACHINE\SAM"),
    ]:
        assert select_hive(conversion, wanted).mount == mount, wanted
    with pytest.raises(UsageError, match="names no hive mount"):
        select_hive(conversion, r"HKLM\HARDWARE")
    with pytest.raises(UsageError, match="11 hive mounts"):
        plan_outputs(conversion, tmp_path / "one-file")
    planned = plan_outputs(conversion, tmp_path)
    assert sorted(p.path.name for p in planned) == sorted(v[0] for v in EXPECTED_MOUNTS.values())
    (only,) = plan_outputs(conversion, tmp_path, mount=r"HKLM\OFFLINE_SYSTEM")
    assert only.path == tmp_path / "SYSTEM-OFFLINE_SYSTEM"


@pytest.mark.parametrize("case", ["services-large"], indirect=True)
def test_current_control_set_is_written_as_a_key_and_said_so(case: Case) -> None:
    ((hive, _),) = case.files
    assert hive.snapshot.find(r"CurrentControlSet\Services") is not None
    assert "convert.current_control_set_key" in {d.code for d in hive.diagnostics}
    assert hive.keys > 600


def test_default_time_is_the_reg_files_mtime(tmp_path: Path) -> None:
    source = _types_reg(tmp_path / "t.reg")
    moment = datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
    ns = int(moment.timestamp()) * 1_000_000_000 + 1234567
    os.utime(source, ns=(ns, ns))
    conversion = convert_reg_file(source)
    assert conversion.last_written == datetime_to_filetime(moment) + 12345
    assert conversion.last_written_origin == "file_mtime"
    note = next(d for d in conversion.diagnostics if d.code == "convert.synthetic_last_written")
    assert "modification time" in note.message and "2021-03-04T05:06:07" in note.message


def test_library_errors(tmp_path: Path, corpus: Path) -> None:
    with pytest.raises(NotRegf, match="registry hive already"):
        convert_reg_file(corpus / "hives/regipy/SAM")
    garbage = tmp_path / "garbage.reg"
    garbage.write_bytes(b"\x00\x01not a reg file")
    with pytest.raises(NotRegf, match=r"not a \.reg file"):
        convert_reg_file(garbage)
    with pytest.raises(UsageError, match="time zone"):
        convert_reg_file(corpus / SINGLE_MOUNT_REG, last_written=datetime(2024, 1, 1))
    bad = tmp_path / "bad.reg"
    _write_v5(bad, [r"[HKEY_CURRENT_USER\Software\X]", '"ok"="1"', "this is not a value", ""])
    with pytest.raises(RegSyntaxError):
        convert_reg_file(bad, strict=True)
    relaxed = convert_reg_file(bad)
    assert any(d.severity == "error" for d in relaxed.diagnostics)
    assert [h.keys for h in relaxed.hives] == [3]
    empty = convert_reg_file(corpus / DELETIONS_ONLY_REG)
    assert empty.hives == () and empty.key_deletions == 3
    with pytest.raises(UsageError, match="nothing to convert"):
        plan_outputs(empty, tmp_path / "x")


def test_a_failed_write_removes_what_was_written(tmp_path: Path) -> None:
    (hive,) = convert_reg_to_hives(_wide_reg(tmp_path / "w.reg"), last_written=STAMP)
    first = tmp_path / "first"
    planned = [PlannedOutput(hive, first), PlannedOutput(hive, tmp_path / "no" / "second")]
    with pytest.raises(UsageError, match="cannot write"):
        write_outputs(planned)
    assert not first.exists()
    (written,) = write_outputs([PlannedOutput(hive, first)])
    assert (written.size, written.sha256) == (first.stat().st_size, _sha256(first))
    with pytest.raises(UsageError, match="refusing to overwrite"):
        write_outputs([PlannedOutput(hive, first)])


# --- the command line ---------------------------------------------------------------------------


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hiveparse", "convert", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_line_error(result: subprocess.CompletedProcess[str], code: int, needle: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stderr.startswith("hiveparse: error: ")
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_cli_writes_one_hive_and_reports_it(corpus: Path, tmp_path: Path) -> None:
    source = corpus / SINGLE_MOUNT_REG
    before = _sha256(source)
    listing = sorted(p.name for p in source.parent.iterdir())
    out = tmp_path / "SOFTWARE"
    result = run(source, "-o", out, "--timestamp", "2024-05-01T12:00:00.123456+00:00")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert document["schema_version"] == "1"
    assert document["evidence"][0]["sha256"] == before
    assert document["evidence"][0]["format"] == "reg"
    (written,) = document["outputs"]
    assert written["path"] == str(out)
    assert written["sha256"] == _sha256(out) and written["size"] == out.stat().st_size
    assert (written["mount"], written["hive"]) == (r"HKEY_LOCAL_MACHINE\SOFTWARE", "SOFTWARE")
    assert (written["keys"], written["values"]) == (8, 7)
    assert written["last_written_raw"] == STAMP_FT
    assert document["last_written"]["origin"] == "given"
    assert "convert.synthetic_last_written" in {d["code"] for d in written["diagnostics"]}
    assert document["partial"] is False
    assert _sha256(source) == before
    assert sorted(p.name for p in source.parent.iterdir()) == listing  # nothing written there
    assert open_evidence(out).hives[0].hive.hive_type == HiveType.SOFTWARE


def test_cli_table_is_one_line_per_file(corpus: Path, tmp_path: Path) -> None:
    result = run(corpus / MULTI_MOUNT_REG, "-o", tmp_path, "-f", "table")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    wrote = [line for line in lines if line.startswith("wrote ")]
    assert len(wrote) == 2
    assert all("not evidence" in line for line in wrote)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["NTUSER.DAT", "SOFTWARE"]
    # Every warning of the JSON document (the conversion's and each hive's, once each) is
    # one stderr line in table mode, and the count line says how many.
    again = run(corpus / MULTI_MOUNT_REG, "-o", f"{tmp_path / 'json'}/", "-f", "json")
    document = json.loads(again.stdout)
    records = document["diagnostics"] + [d for o in document["outputs"] for d in o["diagnostics"]]
    warnings = {(d["code"], d["message"], d["line"]) for d in records if d["severity"] != "info"}
    stderr = result.stderr.splitlines()
    assert len(stderr) == len(warnings) > 0
    assert all(line.startswith("hiveparse: warning: ") for line in stderr)
    count = f"{len(warnings)} warning(s) on stderr (--format json lists them)"
    assert lines[len(wrote) :] == [count]
    for output in document["outputs"]:  # the name the base block holds, as info shows it
        data = Path(output["path"]).read_bytes()
        stored = regf.base_block.parse(data[: regf.BASE_BLOCK_SIZE]).file_name
        assert output["embedded_file_name"] == stored.decode("utf-16-le").rstrip("\0")


def test_cli_refuses_to_overwrite(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "exists"
    out.write_bytes(b"keep me")
    _one_line_error(run(corpus / SINGLE_MOUNT_REG, "-o", out), 2, "refusing to overwrite")
    assert out.read_bytes() == b"keep me"
    # In directory mode too: nothing is written when any target exists.
    (tmp_path / "SOFTWARE").write_bytes(b"keep me too")
    _one_line_error(run(corpus / MULTI_MOUNT_REG, "-o", tmp_path), 2, "refusing to overwrite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SOFTWARE", "exists"]


def test_cli_refuses_to_write_over_the_input(tmp_path: Path) -> None:
    source = _types_reg(tmp_path / "input.reg")
    before = _sha256(source)
    _one_line_error(run(source, "-o", source), 2, "refusing to write over the input")
    link = tmp_path / "link"
    link.symlink_to(source)
    _one_line_error(run(source, "-o", link), 2, "refusing to write over the input")
    assert _sha256(source) == before


def test_cli_several_mounts_need_a_choice(corpus: Path, tmp_path: Path) -> None:
    source = corpus / MULTI_MOUNT_REG
    out = tmp_path / "hive"
    _one_line_error(run(source, "-o", out), 2, "--mount")
    assert not out.exists()
    result = run(source, "-o", out, "--mount", r"HKLM\SOFTWARE")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [o["mount"] for o in document["outputs"]] == [r"HKEY_LOCAL_MACHINE\SOFTWARE"]
    assert document["not_written"] == ["HKEY_CURRENT_USER"]
    _one_line_error(run(source, "-o", tmp_path / "h2", "--mount", "HKLM\\NOPE"), 2, "NOPE")


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda corpus, tmp: corpus / "hives/regipy/SAM", "registry hive already"),
        (lambda corpus, tmp: corpus / "hives/ericzimmerman-registry/NotAHive", "not a .reg"),
        (lambda corpus, tmp: tmp / "missing.reg", "cannot read"),
        (lambda corpus, tmp: tmp, "is a directory"),
    ],
)
def test_cli_non_reg_input_exits_4(
    corpus: Path, tmp_path: Path, make: Callable[[Path, Path], Path], needle: str
) -> None:
    source = make(corpus, tmp_path / "in")
    (tmp_path / "in").mkdir()
    out = tmp_path / "out"
    out.mkdir()
    _one_line_error(run(source, "-o", out / "hive"), 4, needle)
    assert list(out.iterdir()) == []


def test_cli_usage_errors(corpus: Path, tmp_path: Path) -> None:
    source = corpus / SINGLE_MOUNT_REG
    _one_line_error(run(source, "-o", tmp_path / "a", "--timestamp", "yesterday"), 2, "ISO 8601")
    _one_line_error(run(source), 2, "--output")
    _one_line_error(run(source, "-o", tmp_path / "no" / "dir" / "hive"), 2, "not a directory")
    _one_line_error(run(corpus / DELETIONS_ONLY_REG, "-o", tmp_path / "b"), 2, "only deletes")
    assert list(tmp_path.iterdir()) == []


def test_cli_partial_input_exits_3(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    source = _write_v5(
        tmp_path / "in" / "bad.reg",
        [r"[HKEY_CURRENT_USER\Software\X]", '"ok"="1"', "not a value"],
    )
    result = run(source, "-o", tmp_path / "NTUSER.DAT", "-f", "json")
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["partial"] is True
    assert any(d["severity"] == "error" for d in document["diagnostics"])
    assert (tmp_path / "NTUSER.DAT").is_file()
    _one_line_error(run(source, "-o", tmp_path / "strict", "--strict"), 4, "bad.reg")


# --- security descriptors -----------------------------------------------------------------------


def test_converted_keys_carry_one_neutral_descriptor(tmp_path: Path) -> None:
    """A .reg file has no descriptors, so the converter writes one that cannot pass for the
    marks of a grace-period reset: SYSTEM owns every key, and below the root every ACE is
    inherited (no explicit Administrators ACE, no Administrators owner). The SDDL is written
    by hand from MS-DTYP 2.5.1 (A = allowed, CI = container inherit, ID = inherited,
    KA/KR = key all access / key read, SY/BA/BU = SYSTEM, Administrators, Users)."""
    from hiveparse.decode.security import parse_security_descriptor  # noqa: PLC0415

    source = tmp_path / "SYSTEM.reg"
    source.write_bytes((REPO / "samples" / "grace-reset" / "SYSTEM.reg").read_bytes())
    (planned,) = plan_outputs(convert_reg_file(source), tmp_path / "out")
    write_outputs([planned])
    hive = open_hive(planned.path)
    key = hive.root()
    for name in (
        "ControlSet001", "Control", "Terminal Server", "RCM", "GracePeriod",
    ):  # fmt: skip
        found = key.subkey(name)
        assert found is not None, name
        key = found

    def sddl(raw: bytes | None) -> str:
        assert raw is not None
        return parse_security_descriptor(raw).to_sddl()

    grants = "(A;CI{};KA;;;SY)(A;CI{};KA;;;BA)(A;CI{};KR;;;BU)"
    assert sddl(hive.root().security_descriptor) == "O:SYG:SYD:" + grants.format("", "", "")
    assert sddl(key.security_descriptor) == "O:SYG:SYD:" + grants.format("ID", "ID", "ID")


def _many_values_reg(path: Path, count: int) -> Path:
    lines = ["REGEDIT4", "", "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Many]"]
    lines += [f'"v{index}"=dword:{index:08x}' for index in range(count)]
    path.write_text("\r\n".join([*lines, ""]), encoding="ascii")
    return path


def _convert_heap_peak(path: Path) -> int:
    """The Python heap's peak (tracemalloc: the same on every machine for one build) while
    converting ``path`` with the read-back check."""
    import tracemalloc  # noqa: PLC0415

    # The collector's counters start from zero, whatever earlier tests left: when it runs
    # (and so what garbage the peak holds) depends on this run alone.
    gc.collect()
    tracemalloc.start()
    try:
        conversion = convert_reg_file(path, last_written=datetime(2024, 1, 1, tzinfo=UTC))
        assert conversion.hives[0].values == int(path.stem)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_convert_memory_is_linear_and_small_per_value(tmp_path: Path) -> None:
    """Issue 10: a 1,000,000-value .reg took 1.8 GB. Planning keeps no closure or layout
    record per value and the read-back pairs values by position: doubling the values at
    most doubles the heap, and each value costs under 1 KB at the peak (the .reg snapshot,
    the planned cells and the read-back records together)."""
    small = _convert_heap_peak(_many_values_reg(tmp_path / "20000", 20_000))
    large = _convert_heap_peak(_many_values_reg(tmp_path / "40000", 40_000))
    assert large <= 2.1 * small, (small, large)
    assert (large - small) / 20_000 < 1000, (small, large)  # 667 B measured; 1,550 before
