"""`hiveparse diff` end to end: formats, exit codes, options, and the errors a user meets.

Expected differences come from the hand-made pair (tests/compare/pairs.py) and from the
samples' documented settings (samples/README.md: the Friday-afternoon session host is in Per
Device mode, 5, the farm host in Per User, 4, with two GPO license servers).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from hiveparse.report.schema import schema_for
from tests.cli.running import hiveparse
from tests.compare.pairs import CCS, EXPECTED, write_pair

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FRIDAY, FARM = SAMPLES / "friday-afternoon-rdsh", SAMPLES / "per-user-farm-gpo"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a, b = write_pair(tmp_path / "pair")
    return a.parent, b.parent


def test_json_holds_every_difference_and_validates(pair: tuple[Path, Path]):
    result = hiveparse("diff", *pair, "-f", "json")
    assert result.returncode == 1, result.stderr  # something differs
    document = json.loads(result.stdout)
    jsonschema.validate(document, schema_for("diff"))
    found = {(d["change"], d["kind"], d["path"], d["name"]) for d in document["differences"]}
    assert found == EXPECTED
    assert document["summary"] == {
        "differences": 14, "added_keys": 1, "added_values": 1, "removed_keys": 2,
        "removed_values": 3, "changed_keys": 0, "changed_values": 7,
    }  # fmt: skip
    assert [side["label"] for side in document["sides"]] == ["a", "b"]
    assert [item["side"] for item in document["evidence"]] == ["a", "b"]
    mode = next(d for d in document["differences"] if d["name"] == "LicensingMode")
    assert (mode["a"], mode["b"], mode["raw_a"], mode["raw_b"]) == (5, 4, "05000000", "04000000")
    assert mode["type_a"] == mode["type_b"] == "REG_DWORD"


def test_the_samples_hosts_differ_in_mode_and_servers():
    result = hiveparse("diff", FRIDAY, FARM, "-f", "json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, schema_for("diff"))
    by_place = {(d["path"], d["name"]): d for d in document["differences"]}
    mode = by_place[(f"{CCS}\\Control\\Terminal Server\\RCM\\Licensing Core", "LicensingMode")]
    assert (mode["change"], mode["a"], mode["b"]) == ("changed", 5, 4)
    policy = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services"
    assert by_place[(policy, "LicenseServers")]["b"] == "ls01.contoso.com,ls02.contoso.com"
    name = by_place[(f"{CCS}\\Control\\ComputerName\\ComputerName", "ComputerName")]
    assert name["machine_specific"] == "the computer's name"


def test_a_machine_against_itself_exits_0():
    result = hiveparse("diff", FRIDAY, FRIDAY, "-f", "table")
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith(
        "0 difference(s): values 0 added, 0 removed, 0 changed; keys 0 added, 0 removed"
    )


def test_jsonl_csv_and_table_carry_the_same_differences(pair: tuple[Path, Path]):
    lines = hiveparse("diff", *pair, "-f", "jsonl")
    assert lines.returncode == 1
    records = [json.loads(line) for line in lines.stdout.splitlines()]
    assert {(r["change"], r["kind"], r["path"], r["name"]) for r in records} == EXPECTED
    table = hiveparse("diff", *pair, "-f", "csv")
    assert table.returncode == 1
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert {(r["change"], r["kind"], r["path"], r["name"] or None) for r in rows} == EXPECTED
    listing = hiveparse("diff", *pair, "-f", "table")
    assert listing.returncode == 1
    assert "  ~ LicensingMode  REG_DWORD  5 -> 4" in listing.stdout
    assert f"- {CCS}\\Services\\OldAgent  (key)" in listing.stdout


def test_csv_cells_a_spreadsheet_would_evaluate_start_with_a_quote(pair: tuple[Path, Path]):
    b = pair[1] / "SYSTEM.reg"
    text = b.read_bytes()[2:].decode("utf-16-le")
    b.write_bytes(
        b"\xff\xfe"
        + text.replace('"TEMP"="D:\\\\Temp"', '"TEMP"="=HYPERLINK(\\"http://x\\")"').encode(
            "utf-16-le"
        )
    )
    result = hiveparse("diff", *pair, "-f", "csv")
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["TEMP"]["b"] == '\'=HYPERLINK("http://x")'
    assert rows["TEMP"]["a"] == "%SystemRoot%\\TEMP"  # nothing else is touched


def test_the_reg_patch_goes_to_a_new_file(pair: tuple[Path, Path], tmp_path: Path):
    out = tmp_path / "out" / "align.reg"
    out.parent.mkdir()
    result = hiveparse("diff", *pair, "-f", "reg", "-o", out)
    assert result.returncode == 1, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xff\xfeW\x00i\x00n\x00")  # UTF-16LE, BOM, the regedit 5 header
    assert '"LicensingMode"=dword:00000004' in data.decode("utf-16")
    inside = hiveparse("diff", *pair, "-f", "reg", "-o", pair[0] / "patch.reg")
    assert inside.returncode == 2 and "inside the evidence" in inside.stderr
    assert not (pair[0] / "patch.reg").exists()


def test_ignores_and_their_counts(pair: tuple[Path, Path]):
    pattern = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\*"
    result = hiveparse("diff", *pair, "-f", "json", "--ignore", pattern)
    document = json.loads(result.stdout)
    found = {(d["change"], d["kind"], d["path"], d["name"]) for d in document["differences"]}
    assert found == {item for item in EXPECTED if "Terminal Server" not in item[2]}
    (mine,) = [rule for rule in document["ignored"] if rule["why"] is None]
    # the keys RCM and WinStations, and the value fDenyTSConnections of Terminal Server
    assert (mine["pattern"], mine["matched"]) == (pattern, 3)
    bare = json.loads(hiveparse("diff", *pair, "-f", "json", "--no-default-ignores").stdout)
    assert all(rule["why"] is None for rule in bare["ignored"])


def test_controlsets_all_and_times_reach_the_document(pair: tuple[Path, Path]):
    result = hiveparse("diff", *pair, "-f", "json", "--controlsets", "all", "--times")
    document = json.loads(result.stdout)
    assert document["options"] == {
        "key": None, "control_sets": "all", "times": True, "default_ignores": True,
    }  # fmt: skip
    paths = {d["path"] for d in document["differences"]}
    assert "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002" in paths


def test_a_side_of_two_machines_is_a_usage_error(tmp_path: Path):
    both = tmp_path / "both"
    shutil.copytree(FRIDAY, both / "one")
    shutil.copytree(FARM, both / "two")
    result = hiveparse("diff", both, FRIDAY)
    assert result.returncode == 2
    assert result.stderr.startswith("hiveparse: error: A holds the evidence of 2 hosts")
    assert "Traceback" not in result.stderr


def test_a_side_without_evidence_exits_4(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = hiveparse("diff", FRIDAY, empty)
    assert result.returncode == 4
    assert "B: no readable registry evidence" in result.stderr
    missing = hiveparse("diff", tmp_path / "nothing", FRIDAY)
    assert missing.returncode == 4
    assert "Traceback" not in missing.stderr


def test_a_damaged_side_makes_the_diff_partial(tmp_path: Path):
    cut = tmp_path / "cut"
    cut.mkdir()
    data = (FRIDAY / "SYSTEM").read_bytes()
    (cut / "SYSTEM").write_bytes(data[: len(data) // 2])
    result = hiveparse("diff", FRIDAY / "SYSTEM", cut / "SYSTEM", "-f", "json")
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["partial"] is True
    assert document["sides"][1]["partial"] is True
