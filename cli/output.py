"""Where output may be written: never over, beside or inside the evidence (DESIGN: read-only
evidence). The one policy for every command with an output path (analyze, export, convert).

An output is refused when it is an evidence file itself, when it lies anywhere inside an
evidence tree (:func:`hiveparse.discover.evidence_tree`: a directory argument; the volume or
collection root of a file in a Windows layout; else the file's own folder), when it exists,
or when its folder does not. Each tree is taken both as the evidence was named and with its
links resolved, and the output with its links resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Literal, TextIO, cast, overload

from hiveparse.errors import UsageError


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _trees(item: Path) -> list[Path]:
    """The evidence tree of ``item`` as named and as resolved, each resolved (once)."""
    from hiveparse.discover import evidence_tree  # noqa: PLC0415 - fast --help

    named = item.expanduser()
    trees = [evidence_tree(named).resolve(), evidence_tree(named.resolve()).resolve()]
    return list(dict.fromkeys(trees))


def _refuse_inside(output: Path, target: Path, evidence: Sequence[Path]) -> None:
    for item in evidence:
        if _same_file(target, item):
            raise UsageError(
                f"refusing to write over the input file {str(output)!r}: it is evidence"
            )
    for item in evidence:
        for tree in _trees(item):
            if _inside(target, tree):
                raise UsageError(
                    f"refusing to write {str(output)!r} inside the evidence {str(item)!r} "
                    f"(its tree is {str(tree)!r}): write outside it, since a new file there "
                    "could be taken for a transaction log or for more evidence"
                )


def check_output(output: Path, evidence: Sequence[Path]) -> Path:
    """The resolved path to create for ``output``; UsageError when it is evidence, lies inside
    an evidence tree, exists, or has no folder to be created in."""
    target = output.expanduser().resolve()
    _refuse_inside(output, target, evidence)
    if output.exists() or output.is_symlink():
        raise UsageError(
            f"{str(output)!r} exists; refusing to overwrite it: choose another output path"
        )
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {str(output)!r}: {str(output.parent)!r} is not a directory")
    return target


def check_output_folder(folder: Path, evidence: Sequence[Path]) -> tuple[Path, bool]:
    """A folder to write several outputs into: (resolved folder, whether it must be created).
    An existing directory or a new one whose parent exists, never inside an evidence tree."""
    target = folder.expanduser().resolve()
    _refuse_inside(folder, target, evidence)
    if folder.is_dir():
        return target, False
    if folder.exists() or folder.is_symlink():
        raise UsageError(f"{str(folder)!r} exists and is not a directory")
    if not target.parent.is_dir():
        raise UsageError(
            f"cannot create the directory {str(folder)!r}: {str(folder.parent)!r} is not a "
            "directory"
        )
    return target, True


def create_output_folder(folder: Path) -> None:
    """Create a folder :func:`check_output_folder` said must be created (not its parents)."""
    try:
        folder.mkdir()
    except OSError as error:
        raise UsageError(
            f"cannot create the directory {str(folder)!r}: {error.strerror or error}"
        ) from error


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
