"""`analyze -f csv`: one row per finding (a host without findings still listed), UTF-8 with a
byte order mark, RFC 4180, read back with the standard library's CSV reader and held to the
JSON document of the same run; no cell a spreadsheet would evaluate."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hiveparse.report.findings_csv import CSV_COLUMNS
from hiveparse.report.spreadsheet import FORMULA_STARTS
from tests.cli.running import hiveparse

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
AS_OF = "2026-03-06T12:00:00Z"


def _rows(*args: str | Path) -> tuple[str, list[dict[str, str]]]:
    result = hiveparse("analyze", *args, "--as-of", AS_OF, "-f", "csv")
    assert result.returncode in (0, 1, 3), result.stderr
    text = result.stdout
    return text, list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_every_finding_of_every_host_is_a_row_as_the_json_says(tmp_path: Path) -> None:
    _text, rows = _rows(SAMPLES)
    out = tmp_path / "findings.csv"
    hiveparse("analyze", SAMPLES, "--as-of", AS_OF, "-f", "csv", "-o", out)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + ",".join(CSV_COLUMNS).encode() + b"\r\n")
    assert data.count(b"\r\n") >= len(rows)
    documents = json.loads(hiveparse("analyze", SAMPLES, "--as-of", AS_OF, "-f", "jsonl")
                           .stdout.replace("\n", ",").rstrip(",").join("[]"))  # fmt: skip
    expected = [
        (d["host"]["case"], d["host"]["label"], f["id"], f["severity"], f["confidence"])
        for d in documents
        for f in d["findings"] or [{"id": "", "severity": "", "confidence": ""}]
    ]
    found = [(r["case"], r["host"], r["finding"], r["severity"], r["confidence"]) for r in rows]
    assert found == expected
    reset = next(r for r in rows if r["finding"] == "rds.grace.reset_script")
    assert "fix-rds-licensing.reg" in reset["facts"] and reset["partial"] == "no"


def test_no_cell_is_a_formula(tmp_path: Path) -> None:
    ticket = tmp_path / "=cmd|'calc'!A0"  # a customer's folder name
    ticket.mkdir()
    name = "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\ComputerName\\ComputerName"
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\r\n"
        '"Current"=dword:00000001\r\n\r\n'
        f'[{name}]\r\n"ComputerName"="=HYPERLINK(\\"http://x\\")"\r\n\r\n'
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\Terminal Server]\r\n"
        '"fDenyTSConnections"=dword:00000000\r\n\r\n'
    )
    (ticket / "SYSTEM.reg").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    _text, rows = _rows(tmp_path)
    assert rows
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_STARTS), cell
    assert rows[0]["host"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["case"].startswith("'=cmd")
