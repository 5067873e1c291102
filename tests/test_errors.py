"""The catalogue of diagnostic codes (``hiveparse.errors.DIAGNOSTIC_CODES``) and the code base
agree: every code the sources emit is in it, every entry of it is emitted somewhere, and
docs/reference/diagnostics.md lists exactly the catalogue, in its order.

The sources are read as syntax trees. A code is found two ways:

* in the areas whose dotted names mean nothing else (``regf.*``, ``reg.*``, ``discover.*``,
  ...), every string literal of the area is a code, wherever it is: the first argument of a
  sink (``self.anomaly(...)``, ``report(...)``, ``sink.add(...)``), a module constant
  (``discover.NOT_EVIDENCE``), a ``(code, message)`` pair a helper returns (``regf.log.*``),
  a problem a decoder returns (``value.*``) or a table's entry (``convert.*``, ``input.*``);
* in the areas whose names are shared (``cert.x509`` is also a fact, ``rds.grace.expired`` a
  finding), only the first argument of ``coded(...)``, ``Diagnostic(...)``, ``attempt(...)``
  or ``attempt_quietly(...)`` is a code; any literal code given to one of them is checked,
  whatever its area.

A code built at run time (``f"regf.{what}_name_too_long"``) could not be found: the sources
must spell every code whole, and a test refuses f-strings that start like a code.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hiveparse import errors
from hiveparse.errors import (
    CATALOGUED_AREAS,
    DIAGNOSTIC_CODES,
    Diagnostic,
    HiveparseError,
    coded,
    within,
)
from hiveparse.rds.analyze import INPUT_CODES, Unreadable, unreadable_diagnostic

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    path
    for folder in (ROOT / "hiveparse", ROOT / "cli")
    for path in folder.rglob("*.py")
    # errors.py holds the catalogue itself, not uses of it.
    if "__pycache__" not in path.parts and path != ROOT / "hiveparse" / "errors.py"
)
EMITTERS = {"coded", "Diagnostic", "attempt", "attempt_quietly"}
# Areas whose dotted names are also fact ids (cert.x509) or finding ids (rds.grace.expired).
SHARED_AREAS = frozenset({"cert", "rds"})
PLAIN_AREAS = frozenset(CATALOGUED_AREAS) - SHARED_AREAS
CODE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _area(code: str) -> str:
    return code.split(".", 1)[0]


def _trees() -> list[tuple[str, ast.AST]]:
    return [
        (str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8")))
        for path in SOURCES
    ]


TREES = _trees()


def emitted_codes() -> dict[str, list[str]]:
    """Every code the sources spell, with where it is (file:line)."""
    found: dict[str, list[str]] = {}
    for name, tree in TREES:
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if literal and CODE.match(node.value) and _area(node.value) in PLAIN_AREAS:
                found.setdefault(node.value, []).append(f"{name}:{node.lineno}")
            if not isinstance(node, ast.Call) or _called_name(node) not in EMITTERS:
                continue
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, []).append(f"{name}:{node.lineno}")
    return found


def test_every_code_the_sources_emit_is_catalogued() -> None:
    emitted = emitted_codes()
    assert set(map(_area, emitted)) >= set(CATALOGUED_AREAS), "is the scan still working?"
    missing = {code: where for code, where in emitted.items() if code not in DIAGNOSTIC_CODES}
    assert not missing, f"codes emitted but not in hiveparse.errors.DIAGNOSTIC_CODES: {missing}"


def test_every_catalogue_entry_is_emitted() -> None:
    unused = set(DIAGNOSTIC_CODES) - set(emitted_codes())
    assert not unused, f"catalogue entries no source emits: {sorted(unused)}"


def test_no_code_is_built_at_run_time() -> None:
    """An f-string that starts like a code (``f"regf.{what}_too_long"``) would hide codes
    from the catalogue's checks: spell each code whole."""
    built = []
    for name, tree in TREES:
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr) or not node.values:
                continue
            head = node.values[0]
            if isinstance(head, ast.Constant) and isinstance(head.value, str):
                area, dot, _ = head.value.partition(".")
                if dot and area in CATALOGUED_AREAS:
                    built.append(f"{name}:{node.lineno}")
    assert not built, f"codes built from f-strings: {built}"


def test_the_catalogue_is_well_formed() -> None:
    for code, meaning in DIAGNOSTIC_CODES.items():
        assert CODE.match(code), code
        assert _area(code) in CATALOGUED_AREAS, f"{code}: not in one of {CATALOGUED_AREAS}"
        assert meaning and "\n" not in meaning and len(meaning) <= 100, code
    # Grouped by area: an area's codes are together (the reference prints them so).
    areas = [_area(code) for code in DIAGNOSTIC_CODES]
    runs = [area for i, area in enumerate(areas) if i == 0 or areas[i - 1] != area]
    assert sorted(runs) == sorted(set(runs)), f"an area's codes are split: {runs}"


def test_the_reference_lists_exactly_the_catalogue() -> None:
    text = (ROOT / "docs" / "reference" / "diagnostics.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9_.]+)` \| (.+?) \|$", text, re.MULTILINE)
    assert rows == list(DIAGNOSTIC_CODES.items())
    # One section per area, named by its codes' prefix.
    for area in CATALOGUED_AREAS:
        assert re.search(rf"^## .*`{area}\.\*`", text, re.MULTILINE), area


def _error_classes() -> list[type[HiveparseError]]:
    return [
        item
        for item in vars(errors).values()
        if isinstance(item, type) and issubclass(item, HiveparseError)
    ]


def test_an_unreadable_input_has_a_code_for_its_error() -> None:
    """The kind of an input that could not be read is the name of the error class opening
    it raised: each has its code (the class name in snake case); OutputError never comes
    from reading an input, and KeyNotFound only from asking for a key."""
    kinds = {cls.__name__ for cls in _error_classes()} - {
        "HiveparseError",
        "OutputError",
        "KeyNotFound",
    }
    assert set(INPUT_CODES) == kinds
    for kind, code in INPUT_CODES.items():
        assert code == "input." + re.sub(r"(?<=[a-z])(?=[A-Z])", "_", kind).lower()
        diagnostic = unreadable_diagnostic(
            Unreadable("/evidence/x", "what went wrong", kind, offset=3)
        )
        assert (diagnostic.code, diagnostic.message, diagnostic.severity) == (
            code,
            "what went wrong",
            "error",
        )
        assert (diagnostic.location.source, diagnostic.location.offset) == ("/evidence/x", 3)


def test_an_unknown_kind_of_unreadable_input_is_an_evidence_error() -> None:
    diagnostic = unreadable_diagnostic(Unreadable("/evidence/x", "cannot read", "WrongKey"))
    assert diagnostic.code == "input.evidence_error"


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
