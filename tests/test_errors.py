"""The catalogue of diagnostic codes (``hiveparse.errors.DIAGNOSTIC_CODES``) and the code base
agree: every code of a catalogued area the sources emit is in it, every entry of it is emitted
somewhere, and docs/reference/diagnostics.md lists exactly the catalogue.

A code is emitted as a string literal: the first argument of ``coded(...)``,
``Diagnostic(...)``, ``attempt(...)`` or ``attempt_quietly(...)``. The sources are read as
syntax trees, so a fact id such as ``"cert.x509"`` elsewhere is not taken for a code.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hiveparse.errors import CATALOGUED_AREAS, DIAGNOSTIC_CODES, Diagnostic, coded, within

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    path
    for folder in (ROOT / "hiveparse", ROOT / "cli")
    for path in folder.rglob("*.py")
    if "__pycache__" not in path.parts
)
EMITTERS = {"coded", "Diagnostic", "attempt", "attempt_quietly"}
CODE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def emitted_codes() -> dict[str, list[str]]:
    """Every literal code passed to an emitter, with where it is (file:line)."""
    found: dict[str, list[str]] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _called_name(node) not in EMITTERS:
                continue
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(first.value, []).append(where)
    return found


def _catalogued(code: str) -> bool:
    return code.split(".", 1)[0] in CATALOGUED_AREAS


def test_every_code_the_sources_emit_is_catalogued() -> None:
    emitted = {code: where for code, where in emitted_codes().items() if _catalogued(code)}
    assert emitted, "no catalogued code found: is the scan still looking in the right place?"
    missing = {code: where for code, where in emitted.items() if code not in DIAGNOSTIC_CODES}
    assert not missing, f"codes emitted but not in hiveparse.errors.DIAGNOSTIC_CODES: {missing}"


def test_every_catalogue_entry_is_emitted() -> None:
    unused = set(DIAGNOSTIC_CODES) - set(emitted_codes())
    assert not unused, f"catalogue entries no source emits: {sorted(unused)}"


def test_the_catalogue_is_well_formed() -> None:
    for code, meaning in DIAGNOSTIC_CODES.items():
        assert CODE.match(code), code
        assert _catalogued(code), f"{code}: not in one of {CATALOGUED_AREAS}"
        assert meaning and "\n" not in meaning and len(meaning) <= 100, code


def test_the_reference_lists_exactly_the_catalogue() -> None:
    text = (ROOT / "docs" / "reference" / "diagnostics.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z0-9_.]+)` \| (.+?) \|$", text, re.MULTILINE))
    assert rows == DIAGNOSTIC_CODES


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(KeyError, match=re.escape("cert.no_such_code")):
        coded("cert.no_such_code", "a typo in the code base")


def test_within_prefixes_the_message_and_keeps_the_rest() -> None:
    inner = coded("cert.rsa_key_magic", "public key magic is 00000000", offset=16)
    (outer,) = within("certificate 1", [inner])
    assert outer == Diagnostic(
        "cert.rsa_key_magic", "certificate 1: public key magic is 00000000", inner.location
    )
    assert outer.to_dict()["offset"] == 16
