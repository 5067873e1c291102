"""Every citation of the domain reference in code and tests resolves inside the repository
(docs/reference/): ``dpapi.md §2.5`` names a section that docs/reference/dpapi.md has, and a
bare ``§N.M`` in the RDS code cites rds-licensing.md, in the crypto code dpapi.md.
Specification sections (``[MS-RDPELE] §2.2.2.9``, ``RFC 2104 §2``) are the specification's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "docs" / "reference"
DOCUMENTS = ("rds-licensing", "dpapi", "reliability")
NAMED = re.compile(r"\b(rds-licensing|dpapi|reliability)\.md\s*§\s*(\d+[A-Z]?(?:\.\d+)*)")
BARE = re.compile(r"(?<![\w.\-])§\s?(\d+[A-Z]?(?:\.\d+)*)")
SPEC_BEFORE = re.compile(r"(MS-[A-Z]+\]?|RFC\s*\d+|\.md)\s*$")
BARE_CITES = {
    "hiveparse/rds/": "rds-licensing",
    "tests/rds/": "rds-licensing",
    "samples/": "rds-licensing",
    "hiveparse/crypto/": "dpapi",
    "tests/crypto/": "dpapi",
}


def _sections(name: str) -> set[str]:
    heads = set()
    for line in (REFERENCE / f"{name}.md").read_text(encoding="utf-8").splitlines():
        found = re.match(r"#{2,4} (\d+[A-Z]?(?:\.\d+)*)\.?\s", line)
        if found:
            heads.add(found.group(1))
    return heads


def _sources() -> list[Path]:
    roots = ("hiveparse", "cli", "tests", "samples", "benchmarks", "fuzz")
    return sorted(p for root in roots for p in (REPO / root).rglob("*.py"))


def test_the_reference_documents_exist_with_their_sections() -> None:
    for name in DOCUMENTS:
        assert len(_sections(name)) >= 10, name


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_citation_resolves(path: Path) -> None:
    sections = {name: _sections(name) for name in DOCUMENTS}
    relative = path.relative_to(REPO).as_posix()
    text = path.read_text(encoding="utf-8")
    unresolved = [
        found.group(0)
        for found in NAMED.finditer(text)
        if found.group(2).rstrip(".") not in sections[found.group(1)]
    ]
    default = next((doc for prefix, doc in BARE_CITES.items() if relative.startswith(prefix)), None)
    if default is not None:
        for found in BARE.finditer(text):
            if SPEC_BEFORE.search(text[max(0, found.start() - 16) : found.start()]):
                continue  # a specification's section, or a named citation handled above
            if found.group(1) not in sections[default]:
                unresolved.append(f"{found.group(0)} ({default}.md)")
    assert not unresolved, f"{relative}: {unresolved}"
