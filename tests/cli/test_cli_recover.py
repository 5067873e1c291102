"""`hiveparse recover` end to end, against yarp's and Registry Explorer's deleted-data hives
and the project's grace-reset sample."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tests.cli.running import hiveparse
from tests.cli.test_cli_commands import run

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_recover_lists_the_deleted_tree_of_yarp(corpus: Path) -> None:
    # yarp test_cases.py::test_deleted: keys 3, 4, 5 and "New Key #1" below the live 1\2.
    result = run("recover", corpus / "hives/yarp/DeletedTreeHive", "-f", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    paths = [key["path"].split("\\", 2)[2] for key in document["keys"]]
    assert paths == [r"1\2\3", r"1\2\3\4", r"1\2\3\4\5", r"1\2\3\4\New Key #1"]
    assert all(key["deleted"] and key["location"] == "free" for key in document["keys"])
    assert document["partial"] is False


def test_recover_key_filter_and_values(corpus: Path) -> None:
    # yarp test_deleted_value_assoc: deleted key 456 holds value v = "123456".
    hive = corpus / "hives/yarp/DeletedDataHive"
    document = json.loads(run("recover", hive, "456", "-f", "json").stdout)
    (key,) = document["keys"]
    (value,) = key["values"]
    assert (value["name"], value["type"], value["decoded"]) == ("v", "REG_SZ", "123456")
    assert value["data_state"] == "intact"
    assert document["values_without_key"] == []  # with KEY, unplaced values are only counted
    assert document["values_without_key_count"] == 0
    # yarp test_deleted_value_assoc: v2 = "456" is left in the value list of the live key 123.
    live = json.loads(run("recover", hive, "123", "-f", "json").stdout)
    assert live["keys"] == []
    (left,) = live["values_of_live_keys"]
    assert (left["name"], left["decoded"], left["link"]) == (
        "v2",
        "456",
        "live_key_value_list_slack",
    )
    assert left["key_path"].endswith("\\123")


def test_recover_finds_the_sample_timebomb_deletion() -> None:
    # A terminal wide enough for the name (at 80 columns it folds: tests/report/test_tables).
    wide = {**os.environ, "COLUMNS": "160"}
    result = hiveparse("recover", SAMPLES / "grace-reset" / "SYSTEM", "-f", "table", env=wide)
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"^ +L\$RTMTIMEBOMB_1320153D-8DA3-4e8e-B27B-0D888223A588 +REG_BINARY +230 +"
        r"free space, cell 0x[0-9a-f]+$",
        result.stdout,
        re.M,
    )


def test_recover_refuses_a_reg_file_in_one_line() -> None:
    result = run("recover", SAMPLES / "grace-reset" / "SYSTEM.reg")
    assert result.returncode == 4
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "keeps no deleted data" in result.stderr


def test_recover_key_outside_the_hive_is_a_usage_error(corpus: Path) -> None:
    result = run("recover", corpus / "hives/yarp/DeletedTreeHive", r"HKCU\Software")
    assert result.returncode == 2
    assert "cannot lie in" in result.stderr


def test_recover_table_escapes_control_characters(tmp_path: Path) -> None:
    # A deleted value whose name would retitle the terminal (OSC) if printed raw.
    from hiveparse.model import HiveType, ValueType  # noqa: PLC0415
    from hiveparse.sources.memory import MemoryHive  # noqa: PLC0415
    from hiveparse.sources.regf.edit import delete_value  # noqa: PLC0415
    from hiveparse.sources.regf.writer import write_hive_with_layout  # noqa: PLC0415

    hostile = "\x1b]0;owned\x07"
    hive = MemoryHive(HiveType.SOFTWARE)
    hive.root().ensure("Vendor").set_value(hostile, int(ValueType.REG_DWORD), b"\x01\x00\x00\x00")
    image, layout = write_hive_with_layout(hive)
    edited = bytearray(image)
    delete_value(edited, layout, "Vendor", hostile)
    path = tmp_path / "SOFTWARE"
    path.write_bytes(bytes(edited))
    result = run("recover", path, "-f", "table")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b]0;owned\\x07" in result.stdout
