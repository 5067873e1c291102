"""Every command's JSON document shares one envelope (report.records.envelope): the same
schema_version, tool, evidence[] (path, SHA-256, size, format), partial and diagnostics[],
validated against report.schema.ENVELOPE_SCHEMA and against the command's own schema
(generated from report.models); the evidence hashes are the files' own."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from hiveparse.report.schema import ENVELOPE_SCHEMA, SCHEMA, schema_for
from tests.cli.running import hiveparse

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
IMAGE = SAMPLES / "rdsh-image" / "Windows" / "System32" / "config"
HOST = SAMPLES / "rds-session-host"

COMMANDS: dict[str, tuple[list[str | Path], list[Path]]] = {
    "info": (["info", HOST / "SYSTEM"], [HOST / "SYSTEM"]),
    "query": (["query", HOST / "SYSTEM", "Select"], [HOST / "SYSTEM"]),
    "query of a .reg": (["query", HOST / "SYSTEM.reg", "-s"], [HOST / "SYSTEM.reg"]),
    "recover": (["recover", HOST / "SYSTEM"], [HOST / "SYSTEM"]),
    "verify": (["verify", HOST / "SYSTEM"], [HOST / "SYSTEM"]),
    "secrets": (
        ["secrets", IMAGE / "SYSTEM", IMAGE / "SECURITY"],
        [IMAGE / "SECURITY", IMAGE / "SYSTEM"],
    ),
    "timebomb": (["timebomb", "--from", HOST / "SYSTEM"], [HOST / "SYSTEM"]),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_writes_the_same_envelope(name: str) -> None:
    args, files = COMMANDS[name]
    result = hiveparse(*args, "-f", "json")
    assert result.returncode in (0, 1), result.stderr  # every sample here reads whole
    document = json.loads(result.stdout)
    jsonschema.validate(document, ENVELOPE_SCHEMA)
    jsonschema.validate(document, schema_for(str(args[0])))  # the command's own model
    assert document["partial"] is False
    listed = sorted(document["evidence"], key=lambda item: item["path"])
    assert [Path(item["path"]).resolve() for item in listed] == [f.resolve() for f in files]
    assert [item["sha256"] for item in listed] == [_sha256(f) for f in files]
    assert [item["size"] for item in listed] == [f.stat().st_size for f in files]
    assert list(document)[:3] == ["schema_version", "tool", "evidence"]
    assert list(document)[-2:] == ["partial", "diagnostics"]


def test_convert_and_analyze_share_it(tmp_path: Path) -> None:
    converted = hiveparse("convert", HOST / "SYSTEM.reg", "-o", tmp_path / "SYSTEM", "-f", "json")
    assert converted.returncode == 0, converted.stderr
    jsonschema.validate(json.loads(converted.stdout), ENVELOPE_SCHEMA)
    jsonschema.validate(json.loads(converted.stdout), schema_for("convert"))
    analyzed = hiveparse("analyze", HOST, "-f", "json")
    assert analyzed.returncode == 0, analyzed.stderr
    documents = json.loads(analyzed.stdout)
    for document in documents if isinstance(documents, list) else [documents]:
        jsonschema.validate(document, ENVELOPE_SCHEMA)
        jsonschema.validate(document, SCHEMA)


def test_verify_refuses_a_reg_file_as_unreadable_evidence() -> None:
    result = hiveparse("verify", HOST / "SYSTEM.reg", "-f", "json")
    assert result.returncode == 4
    assert result.stderr.startswith("hiveparse: error: ") and ".reg file" in result.stderr
