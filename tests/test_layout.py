"""The package layout is the flow (docs/design.md): each folder imports only the stages below
it. Checked on every `import` in the product, lazy ones included (imports under
``if TYPE_CHECKING:`` are annotations only and do not count)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hiveparse"
FOUNDATIONS = {"errors", "model", "values", "paths", "filetime", "controlset", "safefiles"}
BELOW: dict[str, set[str]] = {
    "foundations": set(),
    "schemas": set(),
    "decode": {"schemas"},
    "sources": {"schemas", "decode"},
    "crypto": {"schemas", "decode"},
    "engines": {"schemas", "decode", "sources"},
    # Event logs are read beside the hives, as another source of facts.
    "events": {"schemas", "decode"},
    "evidence": {"schemas", "decode", "sources", "engines", "crypto", "events"},
    "export": {"schemas", "decode", "sources", "engines", "evidence"},
    "rds": {"schemas", "decode", "sources", "engines", "crypto", "evidence", "events"},
    "compare": {"schemas", "decode", "sources", "engines", "crypto", "evidence", "export", "rds"},
    "report": {
        "schemas",
        "decode",
        "sources",
        "engines",
        "crypto",
        "events",
        "evidence",
        "export",
        "rds",
        "compare",
    },
    # A batch runs analyze (rds) case by case and hands back its report documents.
    "batch": {
        "schemas",
        "decode",
        "sources",
        "engines",
        "crypto",
        "events",
        "evidence",
        "rds",
        "report",
    },
}
# analyze orchestrates the whole flow and builds the report envelope.
EXCEPTIONS = {("rds/analyze.py", "report"), ("__main__.py", "cli")}


def _stage(dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] != "hiveparse":
        return None
    if len(parts) == 1 or parts[1] in FOUNDATIONS or parts[1] == "cli":
        return "foundations" if len(parts) == 1 or parts[1] != "cli" else "cli"
    return parts[1]


def _imports(tree: ast.AST) -> list[str]:
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for orelse in child.orelse:
                    visit(orelse)
                continue
            if isinstance(child, ast.Import):
                found.extend(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append(child.module)
            visit(child)

    visit(tree)
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_stage_imports_only_the_stages_below_it(path: Path) -> None:
    relative = path.relative_to(PACKAGE)
    own = "foundations" if len(relative.parts) == 1 else relative.parts[0]
    allowed = BELOW[own] | {own, "foundations"}
    wrong = []
    for dotted in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        stage = _stage(dotted)
        if stage is None or stage in allowed or (str(relative), stage) in EXCEPTIONS:
            continue
        wrong.append(f"{dotted} ({stage})")
    assert not wrong, f"{relative} ({own}) imports {wrong}"


def test_only_the_foundations_stay_at_the_top() -> None:
    top = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert top == FOUNDATIONS
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(BELOW) - {"foundations"}
    for folder in folders:
        docstring = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text()))
        assert docstring, f"hiveparse/{folder}/__init__.py says nothing of what lives there"
        assert "import" in docstring.lower(), f"hiveparse/{folder}: what may it import?"
