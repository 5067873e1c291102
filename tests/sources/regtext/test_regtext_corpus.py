"""Real .reg files from the shared corpus (MANIFEST.md, "Exported .reg files").

Every file parses in lenient mode without an exception; the files the manifest describes
give the keys and values it lists. The corpus is read in place, never copied.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hiveparse.errors import Severity
from hiveparse.model import HiveType
from hiveparse.sources.regtext import (
    CreateKey,
    DeleteKey,
    DeleteValue,
    RegHeader,
    RegReader,
    SetValue,
    detect_reg,
    parse_reg_file,
)

pytestmark = pytest.mark.corpus

# Files with lines regedit would reject, and why (checked by hand).
KNOWN_ERRORS = {
    # "dword:0ffffffff" has nine digits; Windows rejects it (Wine test Wine33d)
    "debloat-win10/utils/lower-ram-usage@b1405d5.reg": ["9:32 reg.syntax"],
}


def _reg_files(corpus: Path) -> list[Path]:
    files = sorted(p for p in (corpus / "reg").rglob("*") if p.is_file())
    assert len(files) == 77  # MANIFEST.md: "reg: 77"
    return files


def test_every_corpus_reg_file_parses(corpus: Path) -> None:
    errors: dict[str, list[str]] = {}
    for path in _reg_files(corpus):
        assert detect_reg(path.read_bytes()[:4096]), path
        regfile = parse_reg_file(path)
        assert regfile.header in (RegHeader.VERSION_5, RegHeader.REGEDIT4, RegHeader.WIN31)
        found = [
            f"{d.location.line}:{d.location.column} {d.code}"
            for d in regfile.diagnostics
            if d.severity is Severity.ERROR
        ]
        if found:
            errors[path.relative_to(corpus / "reg").as_posix()] = found
        for hive in regfile.hives.values():
            assert hive.root().provenance.line is not None
    assert errors == KNOWN_ERRORS


def test_corpus_hives_are_not_reg_files(corpus: Path) -> None:
    hives = sorted(p for p in (corpus / "hives").rglob("*") if p.is_file())[:20]
    assert hives
    for path in hives:
        with path.open("rb") as handle:
            assert not detect_reg(handle.read(4096)), path


def test_reset120_deletes_the_timebomb_value(corpus: Path) -> None:
    path = corpus / "reg" / "aumnov-rdp" / "Reset120.reg"
    key = (
        "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\RCM\\GracePeriod"
    )
    with RegReader(path, strict=True) as reader:
        assert (reader.header, reader.encoding) == (RegHeader.VERSION_5, "cp1252")
        assert list(reader.operations()) == [
            CreateKey(key, 3),
            DeleteValue(key, "L$RTMTIMEBOMB_1320153D-8DA3-4e8e-B27B-0D888223A588", 4),
        ]
    regfile = parse_reg_file(path)
    hive = regfile.hives["HKEY_LOCAL_MACHINE\\SYSTEM"]
    assert hive.hive_type is HiveType.SYSTEM
    grace = hive.find("CurrentControlSet\\Control\\Terminal Server\\RCM\\GracePeriod")
    assert grace is not None and list(grace.values()) == []


def test_rdp_client_license_reset(corpus: Path) -> None:
    path = next((corpus / "reg" / "luvery93-blog").rglob("rdp-client-license-registry.reg"))
    data = path.read_bytes()
    assert data.startswith(b"\xff\xfe") and b"\r\x00\n\x00" in data
    licensing = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\MSLicensing"
    with RegReader(path, strict=True) as reader:
        assert (reader.header, reader.encoding, reader.bom) == (
            RegHeader.VERSION_5,
            "utf-16-le",
            b"\xff\xfe",
        )
        assert list(reader.operations()) == [
            CreateKey(f"{licensing}\\HardwareID", 3),
            DeleteValue(f"{licensing}\\HardwareID", "ClientHWID", 4),
            DeleteKey(f"{licensing}\\Store\\LICENSE000", 6),
        ]
        assert reader.diagnostics == []


def test_rdp_policy_values(corpus: Path) -> None:
    regfile = parse_reg_file(corpus / "reg" / "nathanyiel-rdp-fix" / "rdp.reg", strict=True)
    assert regfile.encoding == "utf-16-le"
    client = regfile.find(
        "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services\\Client"
    )
    assert client is not None
    value = client.value("fEnableUsbNoAckIsochWriteToDevice")
    assert value is not None and value.decoded == 0x50
    default = client.value("")
    assert default is not None and default.raw == b"\x00\x00"


def test_terminal_services_addin_regedit4(corpus: Path) -> None:
    folder = corpus / "reg" / "ms-classic-samples" / "Win7Samples" / "winbase" / "wtsapi"
    client = parse_reg_file(folder / "tssysinf" / "Client.Reg", strict=True)
    assert client.is_regedit4
    key = client.find(
        "HKCU\\Software\\Microsoft\\Terminal Server Client\\Default\\AddIns\\tssysinfo"
    )
    assert key is not None
    assert key.value("Name").decoded == "d:\\release\\nt\\dump\\sysinf_c.dll"  # type: ignore[union-attr]
    server = parse_reg_file(folder / "tssysinf" / "server" / "Server.Reg", strict=True)
    key = server.find(
        "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\AddIns\\tssysinfo"
    )
    assert key is not None
    assert key.value("Type").decoded == 3  # type: ignore[union-attr]


def test_win31_header_sample(corpus: Path) -> None:
    path = next((corpus / "reg" / "ms-classic-samples").rglob("sserver.reg"))
    with RegReader(path, strict=True) as reader:
        assert reader.header is RegHeader.WIN31
        operations = list(reader.operations())
    clsid = "HKEY_CLASSES_ROOT\\CLSID\\{5e9ddec7-5767-11cf-beab-00aa006c3606}"
    assert operations[:2] == [
        CreateKey(clsid, 2),
        SetValue(clsid, "", 1, "Simple Object Server \x00".encode("utf-16-le"), 2),
    ]
    assert [d.code for d in reader.diagnostics] == ["reg.header_trailing_blanks"]


def test_multi_line_hex_values(corpus: Path) -> None:
    regfile = parse_reg_file(corpus / "reg" / "gorstak-services" / "Services.reg", strict=True)
    service = regfile.find(
        "HKLM\\SYSTEM\\CurrentControlSet\\Services\\GoogleUpdaterInternalService141.0.7340.0"
    )
    assert service is not None
    assert service.value("DependOnService").decoded == ["RPCSS"]  # type: ignore[union-attr]
    path = service.value("ImagePath")
    assert path is not None and path.type_id == 2
    assert str(path.decoded).startswith('"C:\\Program Files (x86)\\Google\\GoogleUpdater\\')
