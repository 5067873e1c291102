"""Finding registry evidence in directories, by content, within bounds, read-only.

The layouts are built in tmp_path from small hives written by our REGF writer; the builders
here are reused by tests/evidence/test_hosts.py.
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiveparse.errors import Severity, UsageError
from hiveparse.evidence.discover import (
    DUPLICATE,
    LIMIT_REACHED,
    LOG_ARGUMENT,
    NO_EVIDENCE,
    NOT_EVIDENCE,
    NOT_FOUND,
    ORPHAN_LOG,
    SYMLINK_FOLLOWED,
    SYMLINK_OUTSIDE,
    SYMLINK_SKIPPED,
    TOO_DEEP,
    UNKNOWN_FILE_TYPE,
    UNREADABLE,
    Discovery,
    HeadKind,
    classify_head,
    describe_location,
    discover_evidence,
    evidence_tree,
)
from hiveparse.evidence.open import open_evidence, sniff_format
from hiveparse.model import EvidenceFormat, HiveType
from hiveparse.schemas import regf
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf.writer import write_hive, xor32_checksum

T0 = 0x01D9_0000_0000_0000  # a fixed FILETIME so that every build is byte-identical

# --- hive builders (shared with test_hosts.py) -----------------------------------------------


def sz(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


def dword(number: int) -> bytes:
    return struct.pack("<I", number)


def system_hive(computer_name: str | None, *, current: int = 1, other: str = "OLD-NAME") -> bytes:
    """A SYSTEM hive whose Select\\Current ControlSet names ``computer_name``; the other
    ControlSet names ``other``, so a reader that ignores Select gets it wrong."""
    hive = MemoryHive(HiveType.SYSTEM)
    root = hive.root()
    select = root.ensure("Select")
    for name, number in (("Current", current), ("Default", current), ("LastKnownGood", 2)):
        select.set_value(name, 4, dword(number))
    for number in (1, 2):
        control = root.ensure(f"ControlSet{number:03d}\\Control")
        root.ensure(f"ControlSet{number:03d}\\Services")
        stated = computer_name if number == current else other
        if stated is not None:
            key = control.ensure("ComputerName\\ComputerName")
            key.set_value("ComputerName", 1, sz(stated))
    return write_hive(hive, hive_file_name="SYSTEM", last_written=T0)


def software_hive(
    product: str = "Windows Server 2019 Standard", install: int = 1_600_000_000
) -> bytes:
    hive = MemoryHive(HiveType.SOFTWARE)
    root = hive.root()
    root.ensure("Classes\\.txt")
    version = root.ensure("Microsoft\\Windows NT\\CurrentVersion")
    version.set_value("ProductName", 1, sz(product))
    version.set_value("CurrentBuildNumber", 1, sz("17763"))
    version.set_value("InstallDate", 4, dword(install))
    root.ensure("Policies\\Microsoft")
    return write_hive(
        hive, hive_file_name="\\SystemRoot\\System32\\Config\\SOFTWARE", last_written=T0
    )


def ntuser_hive(file_name: str = "\\??\\C:\\Users\\alice\\ntuser.dat") -> bytes:
    hive = MemoryHive(HiveType.NTUSER)
    root = hive.root()
    root.ensure("Software\\Microsoft\\Terminal Server Client")
    root.ensure("Control Panel\\Desktop").set_value("Wallpaper", 1, sz(""))
    root.ensure("Environment").set_value("TEMP", 2, sz("%USERPROFILE%\\AppData\\Local\\Temp"))
    return write_hive(hive, hive_file_name=file_name, last_written=T0)


def default_hive() -> bytes:
    return ntuser_hive("\\SystemRoot\\System32\\Config\\DEFAULT")


def usrclass_hive() -> bytes:
    hive = MemoryHive(HiveType.USRCLASS)
    hive.root().ensure("Local Settings\\Software")
    hive.root().ensure("CLSID")
    return write_hive(
        hive, hive_file_name="\\AppData\\Local\\Microsoft\\Windows\\UsrClass.dat", last_written=T0
    )


def security_hive() -> bytes:
    hive = MemoryHive(HiveType.SECURITY)
    hive.root().ensure("Policy\\Secrets")
    hive.root().ensure("RXACT")
    return write_hive(hive, hive_file_name="SECURITY", last_written=T0)


def sam_hive() -> bytes:
    hive = MemoryHive(HiveType.SAM)
    hive.root().ensure("SAM\\Domains\\Account\\Users")
    return write_hive(hive, hive_file_name="\\SystemRoot\\System32\\Config\\SAM", last_written=T0)


def with_file_type(image: bytes, file_type: int) -> bytes:
    """The hive's bytes with another base-block file type (a transaction log's, say)."""
    block = bytearray(image[: regf.BASE_BLOCK_SIZE])
    block[28:32] = struct.pack("<I", file_type)
    block[508:512] = struct.pack("<I", xor32_checksum(bytes(block[:508])))
    return bytes(block) + image[regf.BASE_BLOCK_SIZE :]


def log_file(file_type: int = regf.FILE_TYPE_LOG_NEW) -> bytes:
    """A transaction log's base block (discovery reads no further)."""
    return with_file_type(system_hive("RDSH-01"), file_type)[: regf.BASE_BLOCK_SIZE]


def reg_file(computer_name: str | None, *, literal_ccs: bool = True) -> bytes:
    """A regedit export (UTF-16LE, BOM, CRLF); with a ComputerName when one is given."""
    lines = ["Windows Registry Editor Version 5.00", ""]
    if computer_name is not None:
        control_set = "CurrentControlSet" if literal_ccs else "ControlSet001"
        lines += [
            f"[HKEY_LOCAL_MACHINE\\SYSTEM\\{control_set}\\Control\\ComputerName\\ComputerName]",
            f'"ComputerName"="{computer_name}"',
            "",
        ]
    lines += [
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services]",
        '"LicensingMode"=dword:00000004',
        "",
    ]
    return "\r\n".join(lines).encode("utf-16")


def put(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def build_windows_volume(volume: Path, computer_name: str = "RDSH-01") -> dict[str, Path]:
    """A Windows volume as an image mount or a KAPE target folder holds it."""
    config = volume / "Windows" / "System32" / "config"
    users = volume / "Users"
    return {
        "SYSTEM": put(config / "SYSTEM", system_hive(computer_name)),
        "SOFTWARE": put(config / "SOFTWARE", software_hive()),
        "SAM": put(config / "SAM", sam_hive()),
        "SECURITY": put(config / "SECURITY", security_hive()),
        "DEFAULT": put(config / "DEFAULT", default_hive()),
        "SYSTEM.LOG1": put(config / "SYSTEM.LOG1", log_file()),
        "SYSTEM.LOG2": put(config / "SYSTEM.LOG2", b""),  # Windows often leaves it empty
        "TxR": put(config / "TxR" / "{0f1a}.TxR.blf", b"\x00" * 512),
        "RegBack/SYSTEM": put(config / "RegBack" / "SYSTEM", system_hive(computer_name)),
        "RegBack/SOFTWARE": put(config / "RegBack" / "SOFTWARE", software_hive()),
        "RegBack/SAM": put(config / "RegBack" / "SAM", b""),  # Windows 10 1803+: empty
        "alice/NTUSER.DAT": put(users / "alice" / "NTUSER.DAT", ntuser_hive()),
        "alice/UsrClass.dat": put(
            users / "alice" / "AppData" / "Local" / "Microsoft" / "Windows" / "UsrClass.dat",
            usrclass_hive(),
        ),
        "notes": put(users / "alice" / "Documents" / "notes.txt", b"meeting at 10\n"),
        "notepad": put(volume / "Windows" / "System32" / "notepad.exe", b"MZ" + bytes(300)),
    }


def build_velociraptor(collection: Path, computer_name: str = "VELO-01") -> dict[str, Path]:
    """A Velociraptor collection: URL-encoded volume folders, two accessors."""
    auto = collection / "uploads" / "auto" / "C%3A" / "Windows" / "System32" / "config"
    ntfs = collection / "uploads" / "ntfs" / "%5C%5C.%5CC%3A" / "Users" / "bob"
    return {
        "SYSTEM": put(auto / "SYSTEM", system_hive(computer_name)),
        "SOFTWARE": put(auto / "SOFTWARE", software_hive("Windows 10 Pro")),
        "bob/NTUSER.DAT": put(ntfs / "NTUSER.DAT", ntuser_hive("\\??\\C:\\Users\\bob\\ntuser.dat")),
        "log": put(collection / "log.json", b'{"collection": "Windows.KapeFiles.Targets"}\n'),
    }


def tree_state(root: Path) -> dict[str, tuple[object, ...]]:
    """Names, types, sizes, mtimes and sha256 of everything below ``root`` (links unfollowed)."""
    state: dict[str, tuple[object, ...]] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                state[str(path)] = ("link", str(path.readlink()))
            elif stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                state[str(path)] = ("file", info.st_size, info.st_mtime_ns, digest)
            else:
                state[str(path)] = (stat.S_IFMT(info.st_mode), info.st_mtime_ns)
    return state


def codes(discovery: Discovery) -> dict[str, set[str]]:
    """path -> diagnostic codes (error items included)."""
    found: dict[str, set[str]] = {}
    for item in discovery.diagnostics:
        found.setdefault(item.location.source or "", set()).add(item.code)
    for error in discovery.errors:
        found.setdefault(error.path, set()).add(error.code)
    return found


# --- a Windows volume ------------------------------------------------------------------------


def test_windows_volume_hives_found_by_content_with_roles_and_logs(tmp_path: Path) -> None:
    files = build_windows_volume(tmp_path / "C")
    discovery = discover_evidence([tmp_path])

    expected = [
        "DEFAULT", "RegBack/SOFTWARE", "RegBack/SYSTEM", "SAM", "SECURITY", "SOFTWARE",
        "SYSTEM", "alice/NTUSER.DAT", "alice/UsrClass.dat",
    ]  # fmt: skip
    assert sorted(map(str, discovery.paths)) == sorted(str(files[name]) for name in expected)
    assert discovery.paths == sorted(discovery.paths, key=str)
    assert {f.format for f in discovery.files} == {EvidenceFormat.REGF}
    roles = {str(f.path): f.role for f in discovery.files}
    assert roles[str(files["SYSTEM"])] == "config"
    assert roles[str(files["RegBack/SYSTEM"])] == "RegBack copy"
    assert roles[str(files["alice/NTUSER.DAT"])] == "user profile alice"
    assert roles[str(files["alice/UsrClass.dat"])] == "user profile alice"
    system = next(f for f in discovery.files if f.path == files["SYSTEM"])
    assert system.embedded_name == "SYSTEM"
    assert system.argument == tmp_path

    # The logs are listed with the hive they belong to, never as evidence.
    assert system.logs == (files["SYSTEM.LOG1"], files["SYSTEM.LOG2"])
    logs = {log.path: log for log in discovery.logs}
    assert set(logs) == {files["SYSTEM.LOG1"], files["SYSTEM.LOG2"]}
    assert logs[files["SYSTEM.LOG1"]].hive == files["SYSTEM"]
    assert logs[files["SYSTEM.LOG1"]].file_type == regf.FILE_TYPE_LOG_NEW
    assert logs[files["SYSTEM.LOG2"]].file_type is None  # empty: a log by name only

    # Everything else was looked at and skipped, with a reason; no errors, nothing missing.
    skipped = codes(discovery)
    for name in ("notes", "notepad", "TxR", "RegBack/SAM"):
        assert skipped[str(files[name])] == {NOT_EVIDENCE}, name
    assert str(files["SYSTEM.LOG2"]) not in skipped
    assert "empty file" in next(
        d.message for d in discovery.diagnostics if d.location.source == str(files["RegBack/SAM"])
    )
    assert all(d.severity == Severity.INFO for d in discovery.diagnostics)
    assert discovery.errors == []
    assert discovery.complete
    assert discovery.exit_code == 0

    # The content decides the type: open what was found and ask the reader.
    types = {str(f.path): open_evidence(f.path).hives[0].hive.hive_type for f in discovery.files}
    assert types[str(files["SYSTEM"])] == HiveType.SYSTEM
    assert types[str(files["DEFAULT"])] == HiveType.DEFAULT
    assert types[str(files["alice/UsrClass.dat"])] == HiveType.USRCLASS


def test_velociraptor_url_encoded_layout(tmp_path: Path) -> None:
    files = build_velociraptor(tmp_path / "collection")
    discovery = discover_evidence([tmp_path / "collection"])
    assert discovery.paths == sorted(
        [files["SYSTEM"], files["SOFTWARE"], files["bob/NTUSER.DAT"]], key=str
    )
    roles = {f.path: f.role for f in discovery.files}
    assert roles[files["SYSTEM"]] == "config"
    assert roles[files["bob/NTUSER.DAT"]] == "user profile bob"
    # Both accessors' folders are the same volume C: of the same collection.
    config = describe_location(files["SYSTEM"])
    profile = describe_location(files["bob/NTUSER.DAT"])
    assert config.volume == profile.volume == (str(tmp_path / "collection" / "uploads"), "C")
    assert codes(discovery)[str(files["log"])] == {NOT_EVIDENCE}


CONFIG = "C/Windows/System32/config"
APPDATA = "AppData/Local/Microsoft/Windows"
XP_APPDATA = "Local Settings/Application Data/Microsoft/Windows"
RESTORE = "C/System Volume Information/_restore{1A2B}/RP12/snapshot"
VSS = "uploads/ntfs/%5C%5C%3F%5CGLOBALROOT%5CDevice%5CHarddiskVolumeShadowCopy3"
ROLES: list[tuple[str, str, str, str | None]] = [
    (f"{CONFIG}/SYSTEM", "config", "config", None),
    ("c/WINDOWS/system32/CONFIG/software", "config", "config", None),
    ("C/WINNT/system32/config/SAM", "config", "config", None),
    (f"{CONFIG}/RegBack/SOFTWARE", "RegBack copy", "regback", None),
    (f"{CONFIG}/systemprofile/NTUSER.DAT", "system profile", "profile", "systemprofile"),
    (
        "C/Windows/ServiceProfiles/NetworkService/NTUSER.DAT",
        "service profile NetworkService",
        "profile",
        "NetworkService",
    ),
    ("C/Windows/AppCompat/Programs/Amcache.hve", "AppCompat", "profile", None),
    ("C/WINDOWS/repair/system", "repair copy", "repair", None),
    ("C/Users/alice/NTUSER.DAT", "user profile alice", "profile", "alice"),
    (f"C/Users/Al Smith/{APPDATA}/UsrClass.dat", "user profile Al Smith", "profile", "Al Smith"),
    ("C/Documents and Settings/bob/NTUSER.DAT", "user profile bob", "profile", "bob"),
    (
        f"C/Documents and Settings/bob/{XP_APPDATA}/UsrClass.dat",
        "user profile bob",
        "profile",
        "bob",
    ),
    (f"{RESTORE}/_REGISTRY_MACHINE_SYSTEM", "restore point snapshot", "restore_point", None),
    ("uploads/auto/C%3A/Windows/System32/config/SYSTEM", "config", "config", None),
    ("uploads/ntfs/%5C%5C.%5CC%3A/Users/bob/NTUSER.DAT", "user profile bob", "profile", "bob"),
    (
        f"{VSS}/Windows/System32/config/SYSTEM",
        "config (shadow copy HarddiskVolumeShadowCopy3)",
        "config",
        None,
    ),
    # Not a Windows layout: an analyst's own folders are not user profiles.
    ("Users/analyst/cases/0042/evidence_001.bin", "loose file", "loose", None),
    ("evidence/SYSTEM", "loose file", "loose", None),
    (f"{CONFIG}/TxR/x.blf", "loose file", "loose", None),
]


@pytest.mark.parametrize(("relative", "role", "kind", "user"), ROLES)
def test_roles_from_location(
    tmp_path: Path, relative: str, role: str, kind: str, user: str | None
) -> None:
    placement = describe_location(tmp_path / relative)
    assert (placement.role, placement.kind, placement.user) == (role, kind, user)


def test_volume_keys_tie_collection_drive_folders(tmp_path: Path) -> None:
    kape = describe_location(tmp_path / "kape" / "C" / "Windows/System32/config/SYSTEM")
    kape_user = describe_location(tmp_path / "kape" / "C" / "Users/a/NTUSER.DAT")
    kape_d = describe_location(tmp_path / "kape" / "D" / "Users/a/NTUSER.DAT")
    mounted = describe_location(tmp_path / "mnt" / "Windows/System32/config/SYSTEM")
    old = describe_location(tmp_path / "mnt" / "Windows.old" / "Windows/System32/config/SYSTEM")
    assert kape.volume == kape_user.volume == (str(tmp_path / "kape"), "C")
    assert kape_d.volume == (str(tmp_path / "kape"), "D")
    assert mounted.volume == (str(tmp_path / "mnt"), "")
    assert old.volume == (str(tmp_path / "mnt" / "Windows.old"), "")  # a previous install


# --- loose files, .reg files, arguments ------------------------------------------------------


def test_loose_files_by_content_not_name(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    renamed = put(loose / "evidence_001.bin", system_hive("LOOSE-01"))
    export = put(loose / "customer export.txt", reg_file("RDSH-01"))
    fake_system = put(loose / "SYSTEM", b"this file is called SYSTEM but is not a hive\n")
    fake_reg = put(loose / "fix.reg", b"@echo off\r\nreg import fix.reg\r\n")
    regedit4 = put(loose / "old.dat", b"REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Software\\X]\r\n")
    archive = put(loose / "hives.zip", b"PK\x03\x04" + bytes(60))

    discovery = discover_evidence([loose])
    assert discovery.paths == [export, renamed, regedit4]
    formats = {f.path: f.format for f in discovery.files}
    assert formats == {
        renamed: EvidenceFormat.REGF,
        export: EvidenceFormat.REG,
        regedit4: EvidenceFormat.REG,
    }
    assert {f.role for f in discovery.files} == {"loose file"}
    skipped = codes(discovery)
    assert skipped[str(fake_system)] == skipped[str(fake_reg)] == {NOT_EVIDENCE}
    assert "ZIP archive" in next(
        d.message for d in discovery.diagnostics if d.location.source == str(archive)
    )
    assert open_evidence(renamed).hives[0].hive.hive_type == HiveType.SYSTEM


def test_file_arguments_mixed_with_directories(tmp_path: Path) -> None:
    files = build_windows_volume(tmp_path / "C")
    export = put(tmp_path / "export.reg", reg_file("RDSH-01"))
    discovery = discover_evidence([files["SYSTEM"], export, tmp_path / "C" / "Users"])
    assert discovery.paths == sorted(
        [files["SYSTEM"], export, files["alice/NTUSER.DAT"], files["alice/UsrClass.dat"]], key=str
    )
    by_path = {f.path: f for f in discovery.files}
    assert by_path[export].argument == export
    assert by_path[files["alice/NTUSER.DAT"]].argument == tmp_path / "C" / "Users"
    assert by_path[files["SYSTEM"]].logs == (files["SYSTEM.LOG1"], files["SYSTEM.LOG2"])


def test_a_bad_file_argument_is_an_error_item_not_an_exception(tmp_path: Path) -> None:
    junk = put(tmp_path / "SYSTEM", b"not a hive at all")
    empty = put(tmp_path / "empty.reg", b"")
    missing = tmp_path / "no-such-file"
    hive = put(tmp_path / "hive.bin", system_hive("X"))

    only_bad = discover_evidence([junk, empty, missing])
    assert only_bad.files == []
    assert [(e.path, e.code, e.kind) for e in only_bad.errors] == [
        (str(junk), NOT_EVIDENCE, "NotRegf"),
        (str(empty), NOT_EVIDENCE, "NotRegf"),
        (str(missing), NOT_FOUND, "EvidenceError"),
    ]
    assert only_bad.diagnostics == []  # the error items are not repeated as notes
    assert only_bad.exit_code == 4
    assert "empty file" in only_bad.errors[1].message

    mixed = discover_evidence([hive, junk])
    assert mixed.paths == [hive]
    assert [e.path for e in mixed.errors] == [str(junk)]
    assert mixed.exit_code == 3
    assert str(mixed.errors[0]).startswith(f"{junk}: not registry evidence")
    assert mixed.errors[0].to_diagnostic().severity == Severity.ERROR


def test_empty_directory(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    discovery = discover_evidence([empty])
    assert discovery.files == [] and discovery.logs == [] and discovery.errors == []
    [note] = discovery.diagnostics
    assert note.code == NO_EVIDENCE
    assert note.message == f"no registry evidence found under {empty}"
    assert note.location.source == str(empty)
    assert discovery.exit_code == 4


def test_directory_of_non_evidence_says_so(tmp_path: Path) -> None:
    put(tmp_path / "a.txt", b"text")
    put(tmp_path / "sub" / "b.bin", bytes(5000))
    discovery = discover_evidence([tmp_path])
    assert discovery.files == []
    assert discovery.with_code(NO_EVIDENCE)[0].message.endswith(str(tmp_path))
    assert len(discovery.with_code(NOT_EVIDENCE)) == 2
    assert discovery.examined == 2


def test_bad_bounds_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        discover_evidence([tmp_path], max_files=0)
    with pytest.raises(UsageError):
        discover_evidence([tmp_path], max_depth=-1)


# --- transaction logs ------------------------------------------------------------------------


def test_logs_attach_to_their_hive_or_are_reported(tmp_path: Path) -> None:
    hive = put(tmp_path / "ntuser.dat", ntuser_hive())
    log1 = put(tmp_path / "ntuser.dat.LOG1", log_file())
    old_log = put(tmp_path / "ntuser.dat.log", log_file(regf.FILE_TYPE_LOG_OLD))
    orphan = put(tmp_path / "other" / "SOFTWARE.LOG2", log_file())
    renamed = put(tmp_path / "other" / "blob.bin", log_file(regf.FILE_TYPE_LOG_OLD_ALT))

    discovery = discover_evidence([tmp_path])
    assert discovery.paths == [hive]
    assert discovery.files[0].logs == (old_log, log1)  # .LOG, .LOG1, .LOG2 order
    by_path = {log.path: log for log in discovery.logs}
    assert by_path[log1].hive == by_path[old_log].hive == hive
    assert by_path[old_log].file_type == regf.FILE_TYPE_LOG_OLD
    assert by_path[orphan].hive is None and by_path[renamed].hive is None
    assert codes(discovery)[str(orphan)] == {ORPHAN_LOG}
    assert codes(discovery)[str(renamed)] == {ORPHAN_LOG}
    assert discovery.errors == []


def test_log_given_as_an_argument(tmp_path: Path) -> None:
    hive = put(tmp_path / "SYSTEM", system_hive("RDSH-01"))
    log1 = put(tmp_path / "SYSTEM.LOG1", log_file())
    empty_log2 = put(tmp_path / "SYSTEM.LOG2", b"")

    # Alone, a log is not evidence: an error item that says what to give instead.
    alone = discover_evidence([log1])
    assert alone.files == []
    [error] = alone.errors
    assert (error.code, error.kind) == (LOG_ARGUMENT, "Unsupported")
    assert "give the hive it belongs to" in error.message

    # As a shell glob gives it (config/*): the logs go with their hive, no errors.
    globbed = discover_evidence([hive, log1, empty_log2])
    assert globbed.paths == [hive]
    assert globbed.errors == []
    assert {log.path for log in globbed.logs} == {log1, empty_log2}
    assert globbed.exit_code == 0


# --- bounds, links, odd files ----------------------------------------------------------------


def notes_at(discovery: Discovery, path: Path) -> dict[str, str]:
    """code -> message of the diagnostics about ``path``."""
    return {d.code: d.message for d in discovery.diagnostics if d.location.source == str(path)}


def test_links_inside_the_tree_are_followed_once_and_loops_do_not_hang(tmp_path: Path) -> None:
    root = tmp_path / "case"
    hive = put(root / "a" / "SYSTEM", system_hive("RDSH-01"))
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)
    (root / "a" / "self").symlink_to(".", target_is_directory=True)
    (root / "link.bin").symlink_to(hive)
    (root / "dangling").symlink_to(tmp_path / "nowhere")
    (root / "ring1").symlink_to(root / "ring2")
    (root / "ring2").symlink_to(root / "ring1")

    for follow in (False, True):
        discovery = discover_evidence([root], follow_symlinks=follow)
        assert discovery.paths == [hive]  # the link to the hive is the same file: listed once
        found = codes(discovery)
        assert found[str(root / "a" / "loop")] == {SYMLINK_SKIPPED}
        assert found[str(root / "a" / "self")] == {SYMLINK_SKIPPED}
        assert "loop" in notes_at(discovery, root / "a" / "loop")[SYMLINK_SKIPPED]
        assert found[str(root / "link.bin")] == {DUPLICATE}
        assert str(hive) in notes_at(discovery, root / "link.bin")[DUPLICATE]
        for name in ("dangling", "ring1", "ring2"):
            assert found[str(root / name)] == {SYMLINK_SKIPPED}, name
        assert "dangling" in notes_at(discovery, root / "dangling")[SYMLINK_SKIPPED]
        assert "loop of links" in notes_at(discovery, root / "ring1")[SYMLINK_SKIPPED]
        assert discovery.exit_code == 0


def test_a_link_inside_the_tree_to_what_the_walk_cannot_reach_is_followed(
    tmp_path: Path,
) -> None:
    root = tmp_path / "case"
    software = put(root / "a" / "b" / "c" / "SOFTWARE", software_hive())
    system = put(root / "x" / "y" / "z" / "SYSTEM", system_hive("RDSH-01"))
    (root / "shortcut").symlink_to(root / "a" / "b" / "c", target_is_directory=True)
    (root / "system.lnk").symlink_to(system)
    # max_depth 2: the walk stops above c/ and z/; the links reach them in one step.
    discovery = discover_evidence([root], max_depth=2)
    assert discovery.paths == [root / "shortcut" / "SOFTWARE", root / "system.lnk"]
    entered = notes_at(discovery, root / "shortcut")[SYMLINK_FOLLOWED]
    assert str(root / "a" / "b" / "c") in entered and "inside the evidence folder" in entered
    assert str(system) in notes_at(discovery, root / "system.lnk")[SYMLINK_FOLLOWED]
    assert {d.severity for d in discovery.with_code(SYMLINK_FOLLOWED)} == {"info"}
    opened = [open_evidence(path).hives[0].hive.hive_type for path in discovery.paths]
    assert opened == [HiveType.SOFTWARE, HiveType.SYSTEM]
    assert software.exists()


def test_links_out_of_the_tree_are_reported_and_never_opened(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    put(outside / "SOFTWARE", software_hive())
    root = tmp_path / "case"
    hive = put(root / "SYSTEM", system_hive("RDSH-01"))
    (root / "mounted").symlink_to(outside, target_is_directory=True)
    (root / "SOFTWARE").symlink_to(outside / "SOFTWARE")
    (root / "shadow").symlink_to("/etc/shadow")
    before = tree_state(outside)
    discovery = discover_evidence([root])
    assert discovery.paths == [hive]
    for name in ("mounted", "SOFTWARE", "shadow"):
        (message,) = notes_at(discovery, root / name).values()
        assert codes(discovery)[str(root / name)] == {SYMLINK_OUTSIDE}, name
        assert "leads out of" in message and "never opened" in message
    assert all(d.severity == "warning" for d in discovery.with_code(SYMLINK_OUTSIDE))
    # Not a failure, but what the links lead to was not examined: partial.
    assert discovery.exit_code == 3
    assert tree_state(outside) == before  # atime included: never opened
    # The library's opt-in follows them; an argument that is a link is followed as named.
    assert discover_evidence([root], follow_symlinks=True).paths == [
        root / "SOFTWARE",
        hive,
    ]
    assert discover_evidence([root / "mounted"]).paths == [root / "mounted" / "SOFTWARE"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_link_to_a_fifo_out_of_the_tree_is_not_opened(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "pipe")
    root = tmp_path / "case"
    hive = put(root / "SYSTEM", system_hive("RDSH-01"))
    (root / "evidence_002.bin").symlink_to(outside / "pipe")
    (root / "SYSTEM.LOG1").symlink_to(outside / "pipe")
    discovery = discover_evidence([root])  # would block for ever if it opened the FIFO
    assert discovery.paths == [hive]
    assert codes(discovery)[str(root / "evidence_002.bin")] == {SYMLINK_OUTSIDE}
    assert codes(discovery)[str(root / "SYSTEM.LOG1")] == {SYMLINK_OUTSIDE}
    assert discovery.files[0].logs == ()
    # Named directly, the hive's log links are held to the same rule.
    alone = discover_evidence([hive])
    assert alone.files[0].logs == () and alone.logs == []
    assert codes(alone)[str(root / "SYSTEM.LOG1")] == {SYMLINK_OUTSIDE}
    assert "transaction log" in notes_at(alone, root / "SYSTEM.LOG1")[SYMLINK_OUTSIDE]


def test_log_links_are_used_only_inside_the_hives_folder(tmp_path: Path) -> None:
    root = tmp_path / "case"
    hive = put(root / "SYSTEM", system_hive("RDSH-01"))
    real_log = put(root / "logs" / "system.log1.bak", log_file())
    (root / "SYSTEM.LOG1").symlink_to(real_log)  # inside the folder tree: used
    (root / "SYSTEM.LOG2").symlink_to(tmp_path / "gone")  # dangling: noted, not used
    (root / "SYSTEM.LOG").symlink_to("/etc/shadow")  # out of it: noted, never opened
    discovery = discover_evidence([hive])
    assert discovery.files[0].logs == (root / "SYSTEM.LOG1",)
    (attached,) = discovery.logs
    assert (attached.path, attached.hive, attached.file_type) == (
        root / "SYSTEM.LOG1",
        hive,
        regf.FILE_TYPE_LOG_NEW,
    )
    found = codes(discovery)
    assert found[str(root / "SYSTEM.LOG")] == {SYMLINK_OUTSIDE}
    assert found[str(root / "SYSTEM.LOG2")] == {SYMLINK_SKIPPED}


def test_max_depth(tmp_path: Path) -> None:
    deep = tmp_path.joinpath("a", "b", "c", "d")
    hive = put(deep / "SYSTEM", system_hive("DEEP"))
    shallow = put(tmp_path / "a" / "SOFTWARE", software_hive())

    limited = discover_evidence([tmp_path], max_depth=2)
    assert limited.paths == [shallow]
    [note] = limited.with_code(TOO_DEEP)
    assert note.location.source == str(tmp_path / "a" / "b" / "c")
    assert note.severity == Severity.WARNING
    assert limited.exit_code == 3

    assert discover_evidence([tmp_path], max_depth=4).paths == [shallow, hive]
    top_only = discover_evidence([tmp_path / "a"], max_depth=0)
    assert top_only.paths == [shallow]


def test_max_files(tmp_path: Path) -> None:
    for number in range(10):
        put(tmp_path / f"junk{number:02d}.txt", b"x")
    put(tmp_path / "zz" / "SYSTEM", system_hive("LATE"))
    other = tmp_path.parent / f"{tmp_path.name}-other"
    put(other / "SOFTWARE", software_hive())

    discovery = discover_evidence([tmp_path, other], max_files=3)
    assert not discovery.complete
    assert discovery.examined == 3
    assert discovery.files == []
    limits = discovery.with_code(LIMIT_REACHED)
    assert [d.location.source for d in limits] == [str(other), str(tmp_path / "junk03.txt")]
    assert all(d.severity == Severity.WARNING for d in limits)
    # Files named explicitly are always examined.
    assert discover_evidence([other / "SOFTWARE", tmp_path], max_files=1).paths == [
        other / "SOFTWARE"
    ]


def test_unknown_regf_file_type(tmp_path: Path) -> None:
    odd = put(tmp_path / "odd", with_file_type(system_hive("ODD"), 3))
    short = put(tmp_path / "short", b"regf\x01\x00")
    in_dir = discover_evidence([tmp_path])
    assert in_dir.files == []
    assert codes(in_dir)[str(odd)] == {UNKNOWN_FILE_TYPE}
    assert codes(in_dir)[str(short)] == {UNKNOWN_FILE_TYPE}
    # Named explicitly, the hive reader gets to say what is wrong with it.
    named = discover_evidence([odd])
    assert named.paths == [odd]
    assert named.with_code(UNKNOWN_FILE_TYPE)[0].severity == Severity.WARNING


def test_fifo_is_never_opened_for_reading(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    hive = put(tmp_path / "SAM", sam_hive())
    discovery = discover_evidence([tmp_path])  # would block for ever if it read the FIFO
    assert discovery.paths == [hive]
    assert codes(discovery)[str(fifo)] == {NOT_EVIDENCE}
    named = discover_evidence([fifo])
    assert [e.code for e in named.errors] == [NOT_EVIDENCE]
    assert "FIFO" in named.errors[0].message


def test_sparse_huge_file_costs_one_small_read(tmp_path: Path) -> None:
    sparse = tmp_path / "pagefile.sys"
    with sparse.open("wb") as handle:
        handle.truncate(64 << 30)  # 64 GiB of holes
    hive_like = tmp_path / "big-hive"
    with hive_like.open("wb") as handle:
        handle.write(system_hive("BIG")[:4096])
        handle.truncate(8 << 30)
    started = time.monotonic()
    discovery = discover_evidence([tmp_path])
    assert time.monotonic() - started < 60  # a hang guard: a read of the holes would take minutes
    assert discovery.paths == [hive_like]
    assert discovery.files[0].size == 8 << 30
    assert codes(discovery)[str(sparse)] == {NOT_EVIDENCE}


def test_unreadable_file_and_directory_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Permission denied, simulated so that the test also means something as root."""
    locked_file = put(tmp_path / "locked" / "SYSTEM", system_hive("LOCKED"))
    locked_dir = tmp_path / "private"
    put(locked_dir / "SOFTWARE", software_hive())
    visible = put(tmp_path / "SAM", sam_hive())
    real_open, real_scandir = os.open, os.scandir

    def fake_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path) == locked_file:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    def fake_scandir(path: Any = ".") -> Any:
        if Path(path) == locked_dir:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "scandir", fake_scandir)

    discovery = discover_evidence([tmp_path])
    assert discovery.paths == [visible]
    skipped = codes(discovery)
    assert skipped[str(locked_file)] == {UNREADABLE}
    assert skipped[str(locked_dir)] == {UNREADABLE}
    assert all(d.severity == Severity.WARNING for d in discovery.with_code(UNREADABLE))
    assert "Permission denied" in discovery.with_code(UNREADABLE)[0].message
    assert discovery.exit_code == 3

    named = discover_evidence([locked_file, locked_dir])
    assert sorted((e.path, e.code) for e in named.errors) == [
        (str(locked_file), UNREADABLE),
        (str(locked_dir), UNREADABLE),
    ]


@pytest.mark.skipif(
    os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads everything"
)
def test_unreadable_with_real_permissions(tmp_path: Path) -> None:
    locked = put(tmp_path / "SYSTEM", system_hive("LOCKED"))
    locked.chmod(0)
    try:
        discovery = discover_evidence([tmp_path])
    finally:
        locked.chmod(0o600)
    assert codes(discovery)[str(locked)] == {UNREADABLE}


def test_same_file_twice_is_listed_once(tmp_path: Path) -> None:
    hive = put(tmp_path / "SYSTEM", system_hive("RDSH-01"))
    os.link(hive, tmp_path / "SYSTEM-hardlink")
    discovery = discover_evidence([hive, tmp_path, tmp_path])
    assert discovery.paths == [hive]
    assert DUPLICATE in codes(discovery)[str(tmp_path / "SYSTEM-hardlink")]
    assert DUPLICATE in codes(discovery)[str(tmp_path)]


# --- read-only, deterministic ----------------------------------------------------------------


def test_discovery_and_opening_leave_the_evidence_untouched(tmp_path: Path) -> None:
    from hiveparse.evidence.hosts import group_hosts  # noqa: PLC0415

    case = tmp_path / "case"
    build_windows_volume(case / "C")
    build_velociraptor(case / "velo")
    put(case / "loose" / "evidence_001.bin", system_hive("LOOSE-01"))
    put(case / "loose" / "export.reg", reg_file("RDSH-01"))
    (case / "loose" / "loop").symlink_to(case, target_is_directory=True)
    before = tree_state(case)

    for follow in (False, True):
        discovery = discover_evidence([case], follow_symlinks=follow)
        group_hosts([open_evidence(path) for path in discovery.paths])
    assert tree_state(case) == before


def test_output_is_deterministic(tmp_path: Path) -> None:
    files = build_windows_volume(tmp_path / "C")
    first = discover_evidence([tmp_path / "C" / "Users", files["SYSTEM"], tmp_path / "C"])
    second = discover_evidence([tmp_path / "C" / "Users", files["SYSTEM"], tmp_path / "C"])
    assert first == second
    assert first.paths == sorted(first.paths, key=str)
    assert first.diagnostics == sorted(
        first.diagnostics, key=lambda d: (d.location.source or "", d.code, d.message)
    )


# --- content classification ------------------------------------------------------------------


@given(st.binary(max_size=600))
@settings(max_examples=300, deadline=None)
def test_classify_head_never_raises_and_agrees_with_sniffing(head: bytes) -> None:
    info = classify_head(head)
    if info.kind == HeadKind.REG:
        assert sniff_format(head) == EvidenceFormat.REG
    if info.kind in (HeadKind.HIVE, HeadKind.LOG, HeadKind.REGF_OTHER):
        assert sniff_format(head) == EvidenceFormat.REGF


@given(st.integers(min_value=0, max_value=0xFFFFFFFF))
def test_classify_head_by_file_type(file_type: int) -> None:
    head = b"regf" + bytes(24) + struct.pack("<I", file_type) + bytes(200)
    kind = classify_head(head).kind
    if file_type == 0:
        assert kind == HeadKind.HIVE
    elif file_type in (1, 2, 6):
        assert kind == HeadKind.LOG
    else:
        assert kind == HeadKind.REGF_OTHER


@given(
    st.lists(
        st.text(min_size=1, max_size=12).filter(lambda s: "/" not in s and "\0" not in s),
        max_size=8,
    )
)
def test_describe_location_never_raises(parts: list[str]) -> None:
    placement = describe_location(Path("/", *parts, "file"))
    assert placement.role


# --- the corpus ------------------------------------------------------------------------------


@pytest.mark.corpus
def test_corpus_hackfortress_xp_found_by_content(corpus: Path) -> None:
    folder = corpus / "hives" / "hackfortress-xp"
    discovery = discover_evidence([folder])
    assert [p.name for p in discovery.paths] == [
        "SAM", "SECURITY", "admin_NTUSER.DAT.copy0", "software", "system",
    ]  # fmt: skip
    assert discovery.errors == [] and discovery.diagnostics == []
    assert discovery.exit_code == 0
    types = {p.name: open_evidence(p).hives[0].hive.hive_type for p in discovery.paths}
    assert types == {
        "SAM": HiveType.SAM,
        "SECURITY": HiveType.SECURITY,
        "admin_NTUSER.DAT.copy0": HiveType.NTUSER,
        "software": HiveType.SOFTWARE,
        "system": HiveType.SYSTEM,
    }


@pytest.mark.corpus
def test_corpus_whole_tree_quickly_and_logs_attached(corpus: Path) -> None:
    started = time.monotonic()
    discovery = discover_evidence([corpus])
    assert time.monotonic() - started < 120  # a hang guard, not a speed test
    assert discovery.complete and discovery.errors == []
    by_path = {log.path.name: log for log in discovery.logs if log.hive is not None}
    assert by_path["SYSTEM_B.LOG1"].hive == corpus / "hives" / "regipy" / "SYSTEM_B"
    reg_files = [f for f in discovery.files if f.format == EvidenceFormat.REG]
    assert len(reg_files) >= 40  # the .reg part of the corpus, found by its header


def test_directory_whose_evidence_was_named_already_is_not_empty(tmp_path: Path) -> None:
    hive = put(tmp_path / "SYSTEM", system_hive("RDSH-01"))
    discovery = discover_evidence([hive, tmp_path])
    assert discovery.paths == [hive]
    assert discovery.with_code(NO_EVIDENCE) == []
    assert discovery.exit_code == 0


def test_config_glob_with_subfolders(tmp_path: Path) -> None:
    """`hiveparse analyze config/*`: logs, RegBack and TxR arrive as arguments."""
    files = build_windows_volume(tmp_path / "C")
    config = files["SYSTEM"].parent
    discovery = discover_evidence(sorted(config.iterdir()))
    assert discovery.errors == []
    assert {log.path for log in discovery.logs} == {files["SYSTEM.LOG1"], files["SYSTEM.LOG2"]}
    assert [d.location.source for d in discovery.with_code(NO_EVIDENCE)] == [str(config / "TxR")]
    assert discovery.exit_code == 0  # a folder without evidence is a note, nothing was missed


# --- the evidence tree (output policy) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "tree"),
    [
        ("mnt/win/Windows/System32/config/SYSTEM", "mnt/win"),
        ("mnt/win/WINNT/system32/config/RegBack/SAM", "mnt/win"),
        ("mnt/win/Windows/repair/SAM", "mnt/win"),
        ("mnt/win/Users/alice/NTUSER.DAT", "mnt/win"),
        ("mnt/win/Users/alice/AppData/Local/Microsoft/Windows/UsrClass.dat", "mnt/win"),
        ("mnt/win/Windows/System32/Microsoft/Protect/S-1-5-18/User/k", "mnt/win"),
        ("kape/C/Windows/System32/config/SOFTWARE", "kape"),
        ("velo/uploads/auto/C%3A/Windows/System32/config/SYSTEM", "velo"),
        ("velo/uploads/ntfs/%5C%5C.%5CC%3A/Users/bob/NTUSER.DAT", "velo"),
        ("loose/evidence_001.bin", "loose"),
        ("loose/Windows/SYSTEM", "loose/Windows"),
    ],
)
def test_evidence_tree_of_a_file(tmp_path: Path, relative: str, tree: str) -> None:
    assert evidence_tree(tmp_path / relative) == tmp_path / tree


def test_evidence_tree_of_a_directory_is_itself(tmp_path: Path) -> None:
    folder = tmp_path / "C" / "Windows" / "System32" / "config"
    folder.mkdir(parents=True)
    assert evidence_tree(folder) == folder
    assert evidence_tree(Path(os.path.relpath(folder))) == folder  # made absolute
