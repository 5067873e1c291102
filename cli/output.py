"""Where output may be written: never over, beside or inside the evidence (DESIGN: read-only
evidence). The one policy for every command: a report goes to stdout or, with ``-o``, through
:func:`open_output`; ``convert``'s hives go through :func:`check_output_folder` and
:func:`check_output`.

An output is refused when it is an evidence file itself, when it lies anywhere inside an
evidence tree (:func:`hiveparse.evidence.discover.evidence_tree`: a directory argument; the
volume or collection root of a file in a Windows layout; else the file's own folder), when
it exists, or when its folder does not. Each tree is taken both as the evidence was named and
with its links resolved, and the output with its links resolved.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, TextIO, overload

from hiveparse.errors import UsageError, write_failure


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _inside_by_identity(path: Path, folder: Path) -> bool:
    """Whether a folder on ``path``'s way up is ``folder`` itself (same device and inode):
    a bind mount or another alias of the evidence tree that path names cannot reveal."""
    try:
        wanted = folder.stat()
    except OSError:
        return False
    for parent in path.parents:
        try:
            here = parent.stat()
        except OSError:
            continue
        if (here.st_dev, here.st_ino) == (wanted.st_dev, wanted.st_ino):
            return True
    return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _trees(item: Path) -> list[Path]:
    """The evidence tree of ``item`` as named and as resolved, each resolved (once)."""
    from hiveparse.evidence.discover import evidence_tree  # noqa: PLC0415 - fast --help

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
            if _inside(target, tree) or _inside_by_identity(target, tree):
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
def open_output(
    output: Path | None,
    evidence: Sequence[Path],
    *,
    binary: Literal[False] = False,
    keep_on_interrupt: bool = False,
) -> AbstractContextManager[TextIO]: ...
@overload
def open_output(
    output: Path | None,
    evidence: Sequence[Path],
    *,
    binary: Literal[True],
    keep_on_interrupt: bool = False,
) -> AbstractContextManager[BinaryIO]: ...
def open_output(
    output: Path | None,
    evidence: Sequence[Path],
    *,
    binary: bool = False,
    keep_on_interrupt: bool = False,
) -> AbstractContextManager[IO[Any]]:
    """Where a command writes its report: stdout (text, or its bytes with ``binary``), or
    the new file ``output``. The file is checked on entry (UsageError: it is evidence, lies
    inside an evidence tree, exists, or has no folder), so a command enters this before it
    reads any evidence; it is published only when the block ends normally, and a block that
    raises (a typed error, an interrupt, a full disk) leaves nothing behind. Text is UTF-8
    with characters it cannot hold escaped, as stdout shows them.

    ``keep_on_interrupt``: a report written case by case (a batch's JSON Lines) is
    published as far as it got when the run is interrupted, for ``--resume``."""
    return _opened(output, evidence, binary, keep_on_interrupt)


@contextmanager
def _opened(
    output: Path | None, evidence: Sequence[Path], binary: bool, keep_on_interrupt: bool
) -> Iterator[IO[Any]]:
    if output is None:
        from .errors import ClosedPipe  # noqa: PLC0415

        stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
        try:
            yield stream
            stream.flush()  # a full disk shows here, as an output error
        except BrokenPipeError as error:
            raise ClosedPipe(str(error)) from None
        return
    with write_output(output, evidence, "xb" if binary else "x", keep_on_interrupt) as sink:
        yield sink


@contextmanager
def write_output(
    output: Path, evidence: Sequence[Path], mode: str, keep_on_interrupt: bool = False
) -> Iterator[IO[Any]]:
    """Write ``output`` whole or not at all: into a hidden temporary file beside it, which
    becomes ``output`` only once everything is written (a hard link, so an existing file is
    never replaced); a failure (a full disk) leaves nothing behind. OSError -> OutputError."""
    target = check_output(output, evidence)
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".partial", dir=target.parent
        )
    except OSError as error:
        raise write_failure(str(output), error) from error
    try:
        if hasattr(os, "fchmod"):  # as an ordinary new file (mkstemp makes it 0600)
            os.fchmod(fd, 0o666 & ~_umask())
        binary = mode == "xb"
        sink: IO[Any] = (
            os.fdopen(fd, "wb")
            if binary
            else os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace")
        )
        with sink:
            try:
                yield sink
            except KeyboardInterrupt:
                if keep_on_interrupt:
                    sink.flush()
                    _publish(temporary, target)
                raise
            sink.flush()
            os.fsync(sink.fileno())
        _publish(temporary, target)
    except OSError as error:
        raise write_failure(str(output), error) from error
    finally:
        with contextlib.suppress(FileNotFoundError):
            Path(temporary).unlink()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _publish(temporary: str, target: Path) -> None:
    """Give the finished file its name without replacing anything that appeared there."""
    try:
        os.link(temporary, target)
        return
    except FileExistsError:
        pass
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        if not target.exists():  # a file system without hard links (FAT, SMB)
            Path(temporary).rename(target)
            return
    raise UsageError(f"{str(target)!r} appeared while writing; it was left alone")


@contextmanager
def append_output(report: Path, evidence: Sequence[Path], *, keep_bytes: int) -> Iterator[TextIO]:
    """An earlier report to continue (``analyze --resume``): cut back to ``keep_bytes`` (a
    torn last case), then appended to. It must not be evidence or lie inside it."""
    target = report.expanduser().resolve()
    _refuse_inside(report, target, evidence)
    try:
        raw = report.open("r+b")
    except OSError as error:
        raise write_failure(str(report), error) from error
    try:
        raw.truncate(keep_bytes)
        raw.seek(keep_bytes)
        with io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        raise write_failure(str(report), error) from error
    finally:
        raw.close()
