"""The report model (hiveparse.report.models) and the schemas generated from it.

Every command's JSON on real evidence validates against its command's schema: dirty hives
replayed from their logs, hives whose deleted keys are recovered, a .reg export, damaged
hives, key security descriptors. The schemas are not vacuous: documents that break the
model are rejected.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hiveparse.report.models import DOCUMENTS
from hiveparse.report.schema import schema_for, schema_text
from tests.cli.running import hiveparse

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
HIVES = [
    "hives/regipy/SYSTEM_B",  # dirty: replayed from SYSTEM_B.LOG1/.LOG2
    "hives/regipy/NTUSER.DAT",  # deleted keys and values to recover
    "hives/regipy/SAM",
    "hives/yarp/BadLogHive1/BadLogHive",  # a log that cannot be applied
    "hives/yarp/BigDataHive",
]
BELOW = {"hives/regipy/SYSTEM_B": "ControlSet001\\Control\\Session Manager"}
RUNS: list[tuple[str, ...]] = [
    ("info",),
    ("query", "-s", "--security"),
    ("recover",),
    ("verify",),
    ("timebomb", "--from"),
]


def _document(*args: Any) -> dict[str, Any]:
    result = hiveparse(*args, "-f", "json", timeout=300)
    assert result.returncode in (0, 1, 3), result.stderr
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize("run", RUNS, ids=lambda run: run[0])
def test_every_command_validates_against_its_model_on_real_hives(
    corpus: Path, run: tuple[str, ...]
) -> None:
    schema = schema_for(run[0])
    for relative in HIVES:
        where = [corpus / relative]
        if run[0] == "query" and relative in BELOW:
            # The whole hive's document is ~100 MB, a minute of jsonschema: a subtree
            # still holds every kind of record (its replayed keys included).
            where.append(BELOW[relative])
        jsonschema.validate(_document(run[0], *run[1:], *where), schema)


def test_analyze_of_every_sample_validates_against_its_model() -> None:
    schema = schema_for("analyze")
    for sample in sorted(p for p in SAMPLES.iterdir() if p.is_dir() and p.name != "__pycache__"):
        result = hiveparse("analyze", sample, "-f", "json", timeout=300)
        assert result.returncode in (0, 1, 3), result.stderr
        documents = json.loads(result.stdout)
        for document in documents if isinstance(documents, list) else [documents]:
            jsonschema.validate(document, schema)


def test_a_reg_export_validates_as_the_hive_does(corpus: Path) -> None:
    exports = sorted((corpus / "reg").rglob("*.reg"))
    assert exports
    for path in exports[:5]:
        jsonschema.validate(_document("query", path, "-s"), schema_for("query"))


def _breaks(document: dict[str, Any], where: list[str | int], value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(document)
    target: Any = broken
    for step in where[:-1]:
        target = target[step]
    if value is _MISSING:
        del target[where[-1]]
    else:
        target[where[-1]] = value
    return broken


_MISSING = object()


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (["partial"], _MISSING),
        (["schema_version"], "2"),
        (["evidence", 0, "sha256"], "ABC"),
        (["keys", 0, "last_written"], "2020-01-01T00:00:00+01:00"),
        (["keys", 0, "values", 0, "provenance"], _MISSING),
        (["keys", 0, "subkeys"], "Select"),
        (["diagnostics"], [{"code": "NoDots", "severity": "error", "message": ""}]),
    ],
)
def test_the_schema_rejects_what_the_model_does_not_allow(
    where: list[str | int], value: Any
) -> None:
    document = _document("query", SAMPLES / "rds-session-host" / "SYSTEM", "Select")
    schema = schema_for("query")
    jsonschema.validate(document, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_breaks(document, where, value), schema)


@pytest.mark.parametrize("command", list(DOCUMENTS))
def test_hiveparse_schema_prints_the_generated_schema(command: str) -> None:
    result = hiveparse("schema", command)
    assert result.returncode == 0, result.stderr
    assert result.stdout == schema_text(command)
    jsonschema.Draft202012Validator.check_schema(json.loads(result.stdout))


def test_convert_of_one_mount_of_several_validates_with_what_was_not_written(
    tmp_path: Path,
) -> None:
    reg = tmp_path / "in" / "two.reg"
    reg.parent.mkdir()
    reg.write_text(
        "Windows Registry Editor Version 5.00\r\n\r\n"
        '[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\r\n"Current"=dword:00000001\r\n\r\n'
        '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor]\r\n"v"="x"\r\n',
        encoding="utf-16",
    )
    out = tmp_path / "out" / "SYSTEM"
    out.parent.mkdir()
    document = _document("convert", reg, "-o", out, "--mount", "SYSTEM")
    assert document["not_written"] == ["HKEY_LOCAL_MACHINE\\SOFTWARE"]
    jsonschema.validate(document, schema_for("convert"))
