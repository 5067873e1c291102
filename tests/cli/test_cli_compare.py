"""`hiveparse compare` end to end: formats, exit codes, the table's order, spreadsheet-safe
CSV, and the samples' hosts as the README's migration planner's tour shows them.

Expected rows come from the hand-made pair (tests/compare/settings_pair.py) and the samples'
documented settings (samples/README.md: the Friday-afternoon host's local LicensingMode is 5,
the farm host's is Per User by policy, with two GPO license servers).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

from hiveparse.report.schema import schema_for
from tests.cli.running import hiveparse
from tests.compare import settings_pair

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FRIDAY, FARM = SAMPLES / "friday-afternoon-rdsh", SAMPLES / "per-user-farm-gpo"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return settings_pair.write_pair(tmp_path_factory.mktemp("pair"))


def test_json_holds_every_row_and_validates(pair: tuple[Path, Path]) -> None:
    result = hiveparse("compare", *pair, "-f", "json")
    assert result.returncode == 1, result.stderr  # something differs
    document = json.loads(result.stdout)
    jsonschema.validate(document, schema_for("compare"))
    statuses = {row["id"]: row["status"] for row in document["rows"]}
    assert {i: s for i, s in statuses.items() if s != "same"} == {
        i: s for i, s in settings_pair.EXPECTED.items() if s != "same"
    }
    assert [side["host"] for side in document["sides"]] == ["RDSH-OLD", "RDSH-NEW"]


def test_the_samples_hosts_differ_in_mode_and_servers() -> None:
    result = hiveparse("compare", FRIDAY, FARM, "-f", "json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, schema_for("compare"))
    rows = {row["id"]: row for row in document["rows"]}
    mode = rows["licensing.mode"]
    assert (mode["status"], mode["raw_a"], mode["raw_b"]) == ("differs", 5, 4)
    assert mode["b_provenance"]["layer"] == "policy"
    servers = rows["licensing.servers"]
    assert servers["status"] == "only_b"
    assert servers["b"] == ["ls01.contoso.com", "ls02.contoso.com"]
    assert rows["host.computer_name"]["status"] == "expected_to_differ"
    # What the README's tour says of them.
    assert document["summary"] == {
        "rows": 43, "same": 38, "differs": 1, "only_a": 0, "only_b": 1,
        "expected_to_differ": 3, "unknown": 0,
    }  # fmt: skip
    # Each sample is a hive and its own export: they agree, so no disagreement is noted.
    assert not any(row["a_provenance"]["conflicts"] for row in document["rows"])


def test_a_machine_against_itself_exits_0() -> None:
    result = hiveparse("compare", FRIDAY, FRIDAY, "-f", "table")
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("43 settings: 43 same (--all lists every setting)")


def test_the_table_shows_what_differs_first_and_the_rest_with_all(pair: tuple[Path, Path]):
    table = hiveparse("compare", *pair, "-f", "table").stdout
    lines = table.splitlines()
    assert re.search(r"^listener port +differs +3389 +3390$", table, re.MULTILINE)
    assert "RDS roles" not in table  # the same on both: only with --all
    header = next(i for i, line in enumerate(lines) if line.startswith("setting"))
    end = next(i for i, line in enumerate(lines) if i > header and line.startswith(("[", "4")))
    column = lines[header].index("status")
    body = lines[header + 2 : end]
    shown = [line[column:].split(" ")[0] for line in body if line[column : column + 1].isalpha()]
    order = ["differs", "only_a", "only_b", "unknown", "expected_to_differ", "same"]
    assert shown == sorted(shown, key=order.index)
    assert {"differs", "only_a", "only_b"} <= set(shown)
    # A row the same on both sides is listed only where a policy hides another local value
    # (both hosts' security layer is 2 by policy over a local 1).
    assert re.search(r"^security layer +same (\[\d+\])+ +tls \(policy\)", table, re.MULTILINE)
    assert "policy overrides the local value negotiate" in table
    full = hiveparse("compare", *pair, "-f", "table", "--all").stdout
    assert "RDS roles" in full and "expected_to_differ" in full


def test_jsonl_and_csv_hold_one_line_per_setting(pair: tuple[Path, Path]) -> None:
    lines = hiveparse("compare", *pair, "-f", "jsonl")
    assert lines.returncode == 1
    records = [json.loads(line) for line in lines.stdout.splitlines()]
    rows = list(csv.DictReader(io.StringIO(hiveparse("compare", *pair, "-f", "csv").stdout)))
    assert [r["id"] for r in records] == [r["id"] for r in rows]
    assert len(rows) == 43
    port = next(r for r in rows if r["id"] == "rdp.port")
    assert (port["a"], port["b"], port["layer_b"], port["status"]) == (
        "3389",
        "3390",
        "local",
        "differs",
    )


def test_csv_cells_a_spreadsheet_would_evaluate_start_with_a_quote(tmp_path: Path) -> None:
    a, b = settings_pair.write_pair(tmp_path)
    text = (b / "SYSTEM.reg").read_bytes()[2:].decode("utf-16-le")
    text = text.replace('"broker.contoso.com"', '"=HYPERLINK(\\"http://x\\")"')
    (b / "SYSTEM.reg").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    rows = {
        r["id"]: r
        for r in csv.DictReader(io.StringIO(hiveparse("compare", a, b, "-f", "csv").stdout))
    }
    assert rows["broker.server"]["b"] == '\'=HYPERLINK("http://x")'


def test_a_side_that_is_partly_unreadable_exits_3(pair: tuple[Path, Path], tmp_path: Path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "SYSTEM.reg").write_bytes(settings_pair.B_SYSTEM)
    (broken / "SOFTWARE").write_bytes(b"regf" + b"\0" * 100)  # a hive cut short
    result = hiveparse("compare", pair[0], broken, "-f", "json")
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["partial"] is True and document["sides"][1]["partial"] is True


def test_a_change_script_is_refused_with_one_line(tmp_path: Path) -> None:
    script = tmp_path / "fix.reg"
    script.write_text(
        "Windows Registry Editor Version 5.00\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n",
        encoding="utf-16",
    )
    result = hiveparse("compare", script, SAMPLES / "friday-afternoon-rdsh")
    assert result.returncode == 2
    assert "change script" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
