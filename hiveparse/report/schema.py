"""The published JSON Schemas (schema_version "1"), generated from the report model.

:mod:`hiveparse.report.models` declares every document once, as types; the schema of each
command's document is made from those types here (by msgspec's JSON Schema generator), so
the schema cannot drift from what the code builds. `hiveparse schema [COMMAND]` prints one;
the tests validate every command's output against its schema.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from hiveparse.report.models import DOCUMENTS

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_TITLES = {
    "analyze": "hiveparse analyze report (one host)",
    "envelope": "the fields every hiveparse JSON document shares",
}


def schema_of(model: type) -> dict[str, Any]:
    """The JSON Schema of one record type of :mod:`hiveparse.report.models` (a part of a
    document: the client store, the host's role, ...)."""
    generated: dict[str, Any] = msgspec.json.schema(model)
    return {"$schema": _DRAFT, **generated}


def schema_for(command: str) -> dict[str, Any]:
    """The JSON Schema of ``command``'s document (``envelope``: the fields all share)."""
    generated: dict[str, Any] = msgspec.json.schema(DOCUMENTS[command])
    return {
        "$schema": _DRAFT,
        "$id": f"https://hiveparse.invalid/schema/{command}-1.json",
        "title": _TITLES.get(command, f"hiveparse {command} document"),
        **generated,
    }


def schema_text(command: str = "analyze") -> str:
    return json.dumps(schema_for(command), indent=2) + "\n"


SCHEMA = schema_for("analyze")
ENVELOPE_SCHEMA = schema_for("envelope")
