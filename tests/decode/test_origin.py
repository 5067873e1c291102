"""Hives written by `hiveparse convert` say where they came from, and the reader says so too.

The expected marker contents are worked out by hand from the .reg files (their sha256 is
computed here from the bytes, their lines counted in the file), and the tampering tests
change one field of a converted hive and recompute the checksum the way the format says.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hiveparse.cli.main import app
from typer.testing import CliRunner

from hiveparse import __version__
from hiveparse.decode.origin import (
    HiveOrigin,
    OriginDeletion,
    OriginRoot,
    decode_origin,
    encode_origin,
)
from hiveparse.errors import CorruptStructure, Severity
from hiveparse.export.convert import CONVERTED_SECURITY, convert_reg_file
from hiveparse.filetime import datetime_to_filetime
from hiveparse.schemas import hiveparse_origin as schema
from hiveparse.schemas import regf
from hiveparse.sources.memory import MemoryHive
from hiveparse.sources.regf import open_hive
from hiveparse.sources.regf.writer import write_hive

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FIX = SAMPLES / "customer-fix-script" / "fix-rds-licensing.reg"
EXPORT = SAMPLES / "friday-afternoon-rdsh" / "SYSTEM.reg"
STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
STAMP_FT = datetime_to_filetime(STAMP)
SYSTEM = "HKEY_LOCAL_MACHINE\\SYSTEM"
RCM = "CurrentControlSet\\Control\\Terminal Server\\RCM"
MARKER = regf.RESERVED_AREA_OFFSET


def _converted(source: Path, tmp_path: Path) -> tuple[Path, bytes]:
    (hive,) = convert_reg_file(source, last_written=STAMP).hives
    path = tmp_path / hive.file_name
    path.write_bytes(hive.data)
    return path, hive.data


def _payload(data: bytes) -> dict:  # type: ignore[type-arg]
    head = schema.origin_marker.parse(data[MARKER : MARKER + schema.MARKER_AREA_SIZE])
    document: dict = json.loads(zlib.decompress(head.payload))  # type: ignore[type-arg]
    return document


def _with_checksum(image: bytearray) -> bytes:
    checksum = 0
    for (word,) in struct.iter_unpack("<I", bytes(image[:508])):
        checksum ^= word
    struct.pack_into("<I", image, 508, checksum)
    return bytes(image)


MSLICENSING = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\MSLicensing"


def test_a_converted_change_script_carries_its_deletions(tmp_path: Path) -> None:
    source = tmp_path / "fix-rds-licensing.reg"
    source.write_bytes(FIX.read_bytes())
    path, data = _converted(source, tmp_path)
    assert data[MARKER : MARKER + 16] == b"hiveparse-origin"
    hive = open_hive(path)
    origin = hive.origin
    assert origin is not None
    # Line 8 of the script deletes the timebomb value; lines 3 and 5 delete keys under
    # SOFTWARE, which gets no hive (nothing is left there): the one hive written carries
    # those too, so that the converted script still reports everything it deletes.
    assert origin == HiveOrigin(
        source_name="fix-rds-licensing.reg",
        source_sha256=hashlib.sha256(FIX.read_bytes()).hexdigest(),
        source_size=len(FIX.read_bytes()),
        mount=SYSTEM,
        last_written=STAMP_FT,
        coverage=(
            # Each is one key line with nothing below: it would cover the key alone.
            OriginRoot(RCM + "\\GracePeriod", 7, False, subtree=False),
            OriginRoot(RCM + "\\Licensing Core", 10, False, subtree=False),
        ),
        deletions=(
            OriginDeletion(
                SYSTEM + "\\" + RCM + "\\GracePeriod",
                "L$RTMTIMEBOMB_1320153D-8DA3-4e8e-B27B-0D888223A588",
                8,
            ),
            OriginDeletion(MSLICENSING + r"\Store\LICENSE000", None, 3),
            OriginDeletion(MSLICENSING + r"\HardwareID", None, 5),
        ),
        complete=True,
        tool="hiveparse convert",
        version=__version__,
    )
    assert not origin.covers(RCM + "\\GracePeriod")  # a change script covers nothing
    (note,) = hive.diagnostics
    assert (note.code, note.severity, note.location.offset) == (
        "regf.written_by_hiveparse",
        Severity.INFO,
        0x200,
    )
    assert "'fix-rds-licensing.reg'" in note.message and origin.source_sha256 in note.message
    # The file's own base name only: no directory of this machine is in the hive.
    payload = _payload(data)
    assert payload["source_name"] == "fix-rds-licensing.reg"
    assert str(tmp_path) not in json.dumps(payload) and str(tmp_path).encode() not in data


def test_a_converted_export_covers_its_hive(tmp_path: Path) -> None:
    path, data = _converted(EXPORT, tmp_path)
    origin = open_hive(path).origin
    assert origin is not None
    assert (origin.coverage, origin.deletions, origin.complete) == (
        (OriginRoot("", 3, True),),
        (),
        True,
    )
    assert origin.covers("ControlSet001\\Control\\Terminal Server\\RCM\\GracePeriod")
    assert origin.source_sha256 == hashlib.sha256(EXPORT.read_bytes()).hexdigest()
    assert _payload(data) == {
        "tool": "hiveparse convert",
        "version": __version__,
        "source_name": "SYSTEM.reg",
        "source_sha256": origin.source_sha256,
        "source_size": EXPORT.stat().st_size,
        "mount": SYSTEM,
        "last_written": STAMP_FT,
        "coverage": [{"path": "", "line": 3, "covers": True, "subtree": True}],
        "deletions": [],
        "complete": True,
    }


def test_the_marker_changes_nothing_else(tmp_path: Path) -> None:
    (hive,) = convert_reg_file(EXPORT, last_written=STAMP).hives
    plain = write_hive(
        hive.snapshot,
        root_name=hive.root_name,
        hive_file_name=hive.embedded_file_name,
        last_written=STAMP_FT,
        security=CONVERTED_SECURITY,
    )
    marker, _ = encode_origin(hive.origin)  # type: ignore[arg-type]
    assert len(plain) == len(hive.data)
    assert hive.data[:MARKER] == plain[:MARKER]
    assert hive.data[MARKER : MARKER + len(marker)] == marker
    assert hive.data[MARKER + len(marker) :] == plain[MARKER + len(marker) :]
    assert plain[MARKER : MARKER + regf.RESERVED_AREA_SIZE] == bytes(regf.RESERVED_AREA_SIZE)


@pytest.mark.corpus
def test_ordinary_hives_have_no_origin(corpus: Path) -> None:
    hive = open_hive(corpus / "hives" / "regipy" / "SYSTEM")
    assert hive.origin is None
    assert not [d for d in hive.diagnostics if "origin" in d.code or "hiveparse" in d.code]


def test_a_writer_hive_without_marker_has_no_origin() -> None:
    memory = MemoryHive()
    memory.root().ensure("A\\B").set_value("v", 4, b"\x01\x00\x00\x00")
    hive = open_hive("w", data=write_hive(memory, last_written=STAMP_FT))
    assert hive.origin is None
    assert hive.diagnostics == []


@pytest.mark.parametrize("strict", [False, True])
def test_a_corrupt_payload_is_a_warning_never_an_exception(strict: bool, tmp_path: Path) -> None:
    _, data = _converted(EXPORT, tmp_path)
    image = bytearray(data)
    image[MARKER + schema.MARKER_HEAD_SIZE + 3] ^= 0xFF  # inside the zlib stream
    hive = open_hive("t", data=bytes(image), strict=strict)  # no checksum covers the area
    assert hive.origin is None
    (warning,) = hive.diagnostics
    assert (warning.code, warning.severity) == ("regf.origin_marker_unreadable", Severity.WARNING)
    assert "origin marker unreadable" in warning.message
    assert list(hive.root().subkeys())  # the hive reads as any other


def test_other_bytes_in_the_area_mean_no_marker(tmp_path: Path) -> None:
    _, data = _converted(EXPORT, tmp_path)
    image = bytearray(data)
    image[MARKER] ^= 0x20  # 'hiveparse-origin' -> 'Hiveparse-origin'
    hive = open_hive("t", data=bytes(image))
    assert (hive.origin, hive.diagnostics) == (None, [])


def test_unknown_format_version_and_bad_lengths_are_warnings(tmp_path: Path) -> None:
    _, data = _converted(EXPORT, tmp_path)
    version = bytearray(data)
    struct.pack_into("<H", version, MARKER + 16, 2)
    hive = open_hive("t", data=bytes(version))
    (warning,) = hive.diagnostics
    assert warning.code == "regf.origin_marker_unreadable"
    assert "format version 2" in warning.message
    length = bytearray(data)
    struct.pack_into("<H", length, MARKER + 18, 4000)  # past the reserved area
    (warning,) = open_hive("t", data=bytes(length)).diagnostics
    assert "runs past the reserved area" in warning.message
    # A well-formed zlib stream of JSON that is no origin.
    other = zlib.compress(b'{"tool": "something else"}')
    head = b"hiveparse-origin" + struct.pack("<HH", 1, len(other)) + other
    area = head + bytes(regf.RESERVED_AREA_SIZE - len(head))
    with pytest.raises(CorruptStructure, match="lacks a field"):
        decode_origin(area)


def test_a_hive_changed_after_conversion_is_flagged(tmp_path: Path) -> None:
    _, data = _converted(EXPORT, tmp_path)
    # The base block's last-written time (offset 12), one second later, checksum redone.
    later = bytearray(data)
    struct.pack_into("<Q", later, 12, STAMP_FT + 10_000_000)
    hive = open_hive("t", data=_with_checksum(later))
    assert hive.origin is not None
    codes = [(d.code, d.severity) for d in hive.diagnostics]
    assert codes == [
        ("regf.written_by_hiveparse", Severity.INFO),
        ("regf.converted_then_modified", Severity.WARNING),
    ]
    assert "the base block's last-written time (2024-05-01T12:00:01Z)" in (
        hive.diagnostics[1].message
    )
    # The root key's last-written time (8 bytes after the cell size, 'nk' and the flags).
    root = struct.unpack_from("<I", data, 36)[0]
    touched = bytearray(data)
    struct.pack_into("<Q", touched, regf.BASE_BLOCK_SIZE + root + 4 + 4, STAMP_FT + 1)
    hive = open_hive("t", data=bytes(touched))
    (_, warning) = hive.diagnostics
    assert warning.code == "regf.converted_then_modified"
    assert "the root key's last-written time" in warning.message
    assert "base block" not in warning.message
    # Untouched: no warning.
    assert [d.code for d in open_hive("t", data=data).diagnostics] == ["regf.written_by_hiveparse"]


def _names(count: int, salt: str) -> list[str]:
    """Names that do not compress: hex digests."""
    return [hashlib.sha256(f"{salt}{i}".encode()).hexdigest() for i in range(count)]


def test_what_does_not_fit_is_dropped_deletions_first(tmp_path: Path) -> None:
    keys = "".join(f"[{SYSTEM}\\Roots\\{name}]\r\n\r\n" for name in _names(3, "k"))
    many_deletions = "".join(f'"{name}"=-\r\n' for name in _names(200, "v"))
    source = tmp_path / "big.reg"
    text = f"Windows Registry Editor Version 5.00\r\n\r\n{keys}{many_deletions}\r\n"
    source.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    conversion = convert_reg_file(source, last_written=STAMP)
    (hive,) = conversion.hives
    assert hive.origin is not None
    # 200 value deletions of 64 random hex digits do not fit 3508 bytes: they go, the
    # three roots stay, and the marker says it is incomplete.
    assert (len(hive.origin.coverage), hive.origin.deletions, hive.origin.complete) == (
        3,
        (),
        False,
    )
    assert open_hive("t", data=hive.data).origin == hive.origin
    (note,) = [d for d in hive.diagnostics if d.code == "convert.origin_incomplete"]
    assert "has no room for its deletions:" in note.message


def test_coverage_goes_too_when_it_does_not_fit(tmp_path: Path) -> None:
    keys = "".join(f"[{SYSTEM}\\{name}]\r\n\r\n" for name in _names(150, "r"))
    source = tmp_path / "roots.reg"
    text = f"Windows Registry Editor Version 5.00\r\n\r\n{keys}"
    source.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    (hive,) = convert_reg_file(source, last_written=STAMP).hives
    origin = open_hive("t", data=hive.data).origin
    assert origin is not None
    assert (origin.coverage, origin.deletions, origin.complete) == ((), (), False)
    assert not origin.covers(_names(1, "r")[0])  # without its roots, it covers nothing
    assert origin.source_name == "roots.reg" and origin.mount == SYSTEM
    (note,) = [d for d in hive.diagnostics if d.code == "convert.origin_incomplete"]
    assert "has no room for its export roots:" in note.message


def test_encode_decode_round_trip_and_covers() -> None:
    origin = HiveOrigin(
        source_name="x.reg",
        source_sha256="0" * 64,
        source_size=10,
        mount="HKEY_CURRENT_USER",
        last_written=1,
        coverage=(OriginRoot("Software\\A", 3, True), OriginRoot("Software", 2, False)),
        deletions=(OriginDeletion("HKEY_CURRENT_USER\\Software\\B", None, 9),),
    )
    marker, stored = encode_origin(origin)
    assert stored == origin and len(marker) <= schema.MARKER_AREA_SIZE
    assert decode_origin(marker + bytes(schema.MARKER_AREA_SIZE - len(marker))) == origin
    assert origin.covers("software\\a") and origin.covers("Software\\A\\Deeper")
    assert not origin.covers("Software") and not origin.covers("Software\\AB")


def test_info_shows_where_a_converted_hive_came_from(tmp_path: Path, corpus: Path) -> None:
    path, _ = _converted(EXPORT, tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["info", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    written_by = json.loads(result.stdout)["written_by"]
    assert written_by["source_name"] == "SYSTEM.reg"
    assert written_by["source_sha256"] == hashlib.sha256(EXPORT.read_bytes()).hexdigest()
    assert written_by["last_written"] == STAMP_FT
    assert written_by["last_written_time"] == "2024-05-01T12:00:00Z"
    assert written_by["coverage"] == [{"path": "", "line": 3, "covers": True, "subtree": True}]
    table = runner.invoke(app, ["info", str(path), "-f", "table"]).stdout
    rows = {
        label: line[len(label) :].strip()
        for line in table.splitlines()
        for label in ("  written by ", "  .reg sha256 ", "  keys stamped ")
        if line.startswith(label)
    }
    assert rows == {
        "  written by ": f'hiveparse convert {__version__} from "SYSTEM.reg"',
        "  .reg sha256 ": written_by["source_sha256"],
        "  keys stamped ": "2024-05-01T12:00:00Z (every key)",
    }
    ordinary = runner.invoke(app, ["info", str(corpus / "hives/regipy/SAM"), "-f", "json"])
    assert json.loads(ordinary.stdout)["written_by"] is None
    assert "written by" not in runner.invoke(app, ["info", str(corpus / "hives/regipy/SAM")]).stdout


@pytest.mark.parametrize(
    "text",
    [
        b"[" * 200_000,  # nested past Python's stack
        b"[]",
        b'{"tool": 1}',
        b'{"coverage": [1], "deletions": []}',
        b"\xff\xfe not utf-8",
        b"NaN",
    ],
    ids=["deep", "list", "wrong-type", "wrong-item", "not-utf8", "nan"],
)
def test_hostile_payloads_are_typed_errors(text: bytes) -> None:
    payload = zlib.compress(text, 9)
    assert len(payload) <= schema.MAX_PAYLOAD_SIZE
    head = b"hiveparse-origin" + struct.pack("<HH", 1, len(payload)) + payload
    with pytest.raises(CorruptStructure):
        decode_origin(head + bytes(regf.RESERVED_AREA_SIZE - len(head)))
    # A zlib bomb is cut off at 1 MiB of JSON.
    bomb = zlib.compress(b" " * (2 << 20), 9)
    assert len(bomb) <= schema.MAX_PAYLOAD_SIZE
    head = b"hiveparse-origin" + struct.pack("<HH", 1, len(bomb)) + bomb
    with pytest.raises(CorruptStructure, match="too large"):
        decode_origin(head + bytes(regf.RESERVED_AREA_SIZE - len(head)))
