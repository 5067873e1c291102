"""Every option run end to end through the command line, its outcome pinned against truth
from outside hiveparse: another parser, Windows' own recovered hive, bytes counted by hand,
or the sample's generating parameters."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path
from typing import Any

import pytest

from tests.cli.running import hiveparse

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
HOST = SAMPLES / "rds-session-host" / "SYSTEM"
TS = r"HKLM\SYSTEM\ControlSet001\Control\Terminal Server"
AS_OF = "2026-03-06T12:00:00Z"


def _json(*args: Any, codes: tuple[int, ...] = (0,)) -> Any:
    result = hiveparse(*args, "-f", "json")
    assert result.returncode in codes, result.stderr
    return json.loads(result.stdout)


def _values(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (value["name"], value["type"], value["raw"])
        for key in document["keys"]
        for value in key["values"]
    ]


@pytest.mark.parametrize("engine", ["regipy", "python-registry"])
def test_engine_reads_what_our_reader_reads(engine: str) -> None:
    ours = _json("query", HOST, TS, "-s")
    theirs = _json("query", HOST, TS, "-s", "--engine", engine)
    assert _values(theirs) == _values(ours) and len(_values(ours)) > 5
    assert [k["path"] for k in theirs["keys"]] == [k["path"] for k in ours["keys"]]
    assert {item["engine"] for item in theirs["evidence"]} == {engine}


def test_encoding_decodes_an_ansi_export_in_the_code_page_named(tmp_path: Path) -> None:
    name = "Привет"  # a REGEDIT4 file written on a Russian Windows: code page 1251
    text = f'REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Test]\r\n"{name}"="1"\r\n\r\n'
    path = tmp_path / "ru.reg"
    path.write_bytes(text.encode("cp1251"))
    as_1251 = _json("query", path, r"HKLM\SOFTWARE\Test", "--encoding", "cp1251")
    assert [v[0] for v in _values(as_1251)] == [name]
    default = _json("query", path, r"HKLM\SOFTWARE\Test")  # ANSI is taken as cp1252
    assert [v[0] for v in _values(default)] == [name.encode("cp1251").decode("cp1252")]


def _free_bytes(path: Path) -> int:
    """Free cell payload bytes, counted by walking the hive bins' cell headers by hand."""
    data = path.read_bytes()
    end = 4096 + struct.unpack_from("<I", data, 40)[0]
    free, position = 0, 4096
    while position < end:
        assert data[position : position + 4] == b"hbin"
        size = struct.unpack_from("<I", data, position + 8)[0]
        cell = position + 32
        while cell < position + size:
            cell_size = struct.unpack_from("<i", data, cell)[0]
            free += cell_size - 4 if cell_size > 0 else 0
            cell += abs(cell_size)
        position += size
    return free


def test_carve_off_near_and_all() -> None:
    case = SAMPLES / "grace-reset"
    scans = {
        carve: _json("analyze", case, "--as-of", AS_OF, "--carve", carve, codes=(0, 1))[
            "recovered"
        ]["scans"]
        for carve in ("off", "near", "all")
    }
    assert scans["off"] == []
    assert {s["scope"] for s in scans["near"]} == {"bins around the licensing keys"}
    assert {s["scope"] for s in scans["all"]} == {"whole hive"}
    for scan in scans["all"]:
        assert scan["scanned_bytes"]["free"] == _free_bytes(Path(scan["source"]))


def test_export_regedit4_is_ansi_with_the_stored_values(tmp_path: Path) -> None:
    from Registry import Registry  # noqa: PLC0415 - python-registry: the outside reader

    out = tmp_path / "select.reg"
    result = hiveparse("export", HOST, r"HKLM\SYSTEM\Select", "--regedit4", "-o", out)
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\r\n")
    lines = data.decode("cp1252").split("\r\n")
    stored = Registry.Registry(str(HOST)).open("Select").values()
    assert stored and all(value.value_type() == Registry.RegDWord for value in stored)
    for value in stored:
        assert f'"{value.name()}"=dword:{value.value():08x}' in lines


def test_verify_peer_compares_with_the_peer_named_only() -> None:
    document = _json("verify", HOST, "--peer", "regipy")
    assert [peer["engine"] for peer in document["peers"]] == ["regipy"]
    assert document["peers"][0]["disagreements"] == [] and document["peers"][0]["error"] is None


def test_timebomb_keys_decrypts_the_sample_to_its_generating_expiry() -> None:
    config = SAMPLES / "rdsh-image" / "Windows" / "System32" / "config"
    protect = SAMPLES / "rdsh-image" / "Windows" / "System32" / "Microsoft" / "Protect"
    without = _json("timebomb", "--from", config / "SYSTEM", codes=(0,))
    assert [t["expires"] for t in without["timebombs"]] == [None, None]  # two ControlSets
    document = _json(
        "timebomb", "--from", config / "SYSTEM", "--keys", config / "SECURITY", "--keys", protect
    )
    # samples/volume_factory.py encrypts this FILETIME (2026-09-30T03:12:44Z) under the
    # sample's master key; impacket decrypts the same blob in tests/crypto.
    assert [t["expires"] for t in document["timebombs"]] == ["2026-09-30T03:12:44Z"] * 2
    assert [t["expires_source"] for t in document["timebombs"]] == ["decrypted"] * 2
    # The master key file that opened it changed the result: listed with its own hash.
    (used,) = document["supporting_files"]
    key_file = Path(used["path"])
    assert key_file.parent == protect / "S-1-5-18" and key_file.name != "Preferred"
    assert used["sha256"] == hashlib.sha256(key_file.read_bytes()).hexdigest()


@pytest.mark.corpus
def test_no_logs_reads_the_primary_as_stored(corpus: Path) -> None:
    """yarp's NewDirtyHive with its logs replayed reads as Windows 10's own recovery of it
    (RecoveredHive_Windows10); with --no-logs it reads as the stale primary, which does not."""
    folder = corpus / "hives" / "yarp" / "NewDirtyHive1"
    if not (folder / "RecoveredHive_Windows10").is_file():
        pytest.skip("yarp's NewDirtyHive1 is not in this corpus")

    def listing(*args: Any) -> tuple[list[Any], dict[str, Any]]:
        document = _json("query", *args, "-s", codes=(0, 3))
        keys = [
            (k["path"].split("\\", 2)[-1], [(v["name"], v["type"], v["raw"]) for v in k["values"]])
            for k in document["keys"][1:]  # below the root, whose name differs
        ]
        return keys, document["evidence"][0]

    windows, _ = listing(folder / "RecoveredHive_Windows10")
    replayed, evidence = listing(folder / "NewDirtyHive")
    stale, stale_evidence = listing(folder / "NewDirtyHive", "--no-logs")
    assert replayed == windows
    assert len(evidence["logs_applied"]) >= 1
    assert stale != windows and stale_evidence["logs_applied"] == []
