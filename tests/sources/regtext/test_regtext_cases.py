"""Data-driven .reg cases: each ``tests/data/regtext/{valid,invalid}/NAME.reg`` has its expected
result in ``NAME.json`` beside it (operations, diagnostics with line:column and exact
messages, the snapshot, or the exact error).

* valid: strict and lenient parsing both give ``expected``;
* invalid: strict parsing raises ``strict``; lenient parsing gives ``lenient`` (a result, or
  the same error where the whole file is refused).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from regtext_casefmt import DATA, run_case


def _cases(kind: str) -> list[Path]:
    return sorted((DATA / kind).glob("*.reg"))


def _expected(case: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(case.with_suffix(".json").read_text(encoding="utf-8"))
    return result


def test_every_case_has_its_expectation() -> None:
    regs = {p.with_suffix("") for p in DATA.rglob("*.reg")}
    jsons = {p.with_suffix("") for p in DATA.rglob("*.json")}
    assert regs == jsons
    assert len(_cases("valid")) >= 30
    assert len(_cases("invalid")) >= 30


@pytest.mark.parametrize("case", _cases("valid"), ids=lambda p: p.stem)
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_valid_case(case: Path, strict: bool) -> None:
    doc = _expected(case)
    assert run_case(case, strict=strict, options=doc.get("options", {})) == doc["expected"]


@pytest.mark.parametrize("case", _cases("invalid"), ids=lambda p: p.stem)
def test_invalid_case_strict(case: Path) -> None:
    doc = _expected(case)
    assert "error" in doc["strict"]
    assert run_case(case, strict=True, options=doc.get("options", {})) == doc["strict"]


@pytest.mark.parametrize("case", _cases("invalid"), ids=lambda p: p.stem)
def test_invalid_case_lenient(case: Path) -> None:
    doc = _expected(case)
    assert run_case(case, strict=False, options=doc.get("options", {})) == doc["lenient"]


@pytest.mark.parametrize("case", _cases("invalid"), ids=lambda p: p.stem)
def test_lenient_reports_the_strict_error_first(case: Path) -> None:
    """The first ERROR diagnostic of lenient mode is the error strict mode raises."""
    doc = _expected(case)
    error, lenient = doc["strict"], doc["lenient"]
    if "error" in lenient:
        assert lenient == error
        return
    if error["error"] == "RegEncodingError":
        where = f"@0x{error['offset']:x} warning reg.decode_error: "
        assert any(where + error["message"] in d for d in lenient["diagnostics"])
        return
    first = next(d for d in lenient["diagnostics"] if " error " in d)
    assert first.startswith(f"{error['line']}:{error['column']} error ")
    assert first.endswith(": " + error["message"])
