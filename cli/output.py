"""Opening an output file without ever touching the evidence (DESIGN: read-only evidence)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Literal, TextIO, cast, overload

from hiveparse.errors import UsageError


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output(output: Path, evidence: Sequence[Path]) -> Path:
    """Refuse an output that exists, or that lies beside or inside the evidence."""
    target = output.expanduser().resolve()
    if output.exists() or output.is_symlink():
        raise UsageError(f"{str(output)!r} exists; choose another output file")
    for item in evidence:
        source = item.expanduser().resolve()
        folder = source if source.is_dir() else source.parent
        if _inside(target, folder):
            raise UsageError(
                f"refusing to write {str(output)!r} next to the evidence {str(item)!r}: "
                "write outside the evidence folder (a new file there could be taken for "
                "a transaction log or more evidence)"
            )
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {str(output)!r}: {str(output.parent)!r} is not a folder")
    return target


@overload
def open_output(output: Path, evidence: Sequence[Path], mode: Literal["xb"]) -> BinaryIO: ...
@overload
def open_output(output: Path, evidence: Sequence[Path], mode: Literal["x"]) -> TextIO: ...
def open_output(output: Path, evidence: Sequence[Path], mode: str) -> BinaryIO | TextIO:
    target = check_output(output, evidence)
    try:
        if mode == "xb":
            return cast(BinaryIO, target.open("xb"))
        return cast(TextIO, target.open("x", encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot write {str(output)!r}: {error.strerror or error}") from error


def printable(text: str) -> str:
    """``text`` for a terminal: control characters (ESC and the rest) shown escaped, so that
    names carved or read from hostile evidence cannot move the cursor or retitle the window."""
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )
