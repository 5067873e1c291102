"""Files found inside evidence, opened safely: the symbolic-link rule and reads that never block.

Evidence discovery, transaction logs found beside a hive and master key files found in a
volume share one rule for what was found rather than named by the user: a symbolic link is
followed only when its resolved target lies inside the evidence's own folder tree; a link
that leads out of it (``SYSTEM.LOG1 -> /proc/kmsg``, ``SYSTEM.LOG -> /etc/shadow``), dangles
or loops is reported and never opened. What is opened is opened without blocking (a FIFO
or a device put in a file's place is refused, not waited on), must be a regular file, and
is read within a size bound.
"""

from __future__ import annotations

import errno
import io
import mmap
import os
import stat
from pathlib import Path

# Read-only, never blocking (a FIFO in a file's place), never a controlling terminal.
OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


_O_NOATIME = getattr(os, "O_NOATIME", 0)


def special_kind(mode: int) -> str:
    """What a file that is not a regular file is, for a message."""
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def open_fd(path: str | os.PathLike[str], extra_flags: int = 0) -> int:
    """A read-only descriptor of ``path`` opened without blocking (a FIFO in a file's place
    is not waited on) and, where the system allows it (the file's owner, or root), without
    updating its access time (``O_NOATIME``): evidence metadata stays as it was found."""
    flags = OPEN_FLAGS | extra_flags
    if _O_NOATIME:
        try:
            return os.open(path, flags | _O_NOATIME)
        except PermissionError:
            pass  # O_NOATIME needs ownership; fall back without it
    return os.open(path, flags)


def open_regular_file(path: str | os.PathLike[str]) -> io.BufferedReader:
    """An evidence file opened for reading by :func:`open_fd`; OSError (EINVAL, naming what
    it is) for anything but a regular file, before a byte is read."""
    fd = open_fd(path)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"{special_kind(mode)}, not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def data_extents(fd: int, size: int) -> list[tuple[int, int]]:
    """The ``[start, end)`` runs of a file's first ``size`` bytes that hold stored data, the
    holes of a sparse file left out, where the system can tell (SEEK_DATA / SEEK_HOLE);
    otherwise the whole range. The file offset is left at 0."""
    seek_data, seek_hole = getattr(os, "SEEK_DATA", None), getattr(os, "SEEK_HOLE", None)
    if seek_data is None or seek_hole is None:
        return [(0, size)] if size else []
    runs: list[tuple[int, int]] = []
    position = 0
    try:
        while position < size:
            try:
                start = os.lseek(fd, position, seek_data)
            except OSError as error:
                if error.errno == errno.ENXIO:  # only a hole from here to the end
                    break
                raise
            if start >= size:
                break
            end = min(size, os.lseek(fd, start, seek_hole))
            runs.append((start, end))
            position = end
    except OSError:
        runs = [(0, size)]  # the file system cannot tell: take the whole range
    finally:
        os.lseek(fd, 0, os.SEEK_SET)
    return runs


def read_snapshot(
    fd: int, length: int, extents: list[tuple[int, int]] | None = None
) -> mmap.mmap | bytes:
    """The file's first ``length`` bytes copied into private memory: a snapshot that a file
    changed or cut short later cannot alter (a shared mapping of a file that shrinks kills
    the process with SIGBUS at the next touch of a lost page). Only the data extents are
    read; a hole stays an untouched zero page, so a sparse file costs what it stores.

    OSError ENOMEM when the memory cannot be had within the process's limit, EIO when the
    file ends before ``length`` (it shrank after its size was taken)."""
    if length == 0:
        return b""
    image = mmap.mmap(-1, length, flags=mmap.MAP_PRIVATE)  # anonymous: zero until written
    view = memoryview(image)
    try:
        for start, end in data_extents(fd, length) if extents is None else extents:
            position = start
            while position < end:
                got = os.preadv(fd, [view[position:end]], position)
                if got == 0:
                    break  # the file ends early: told below
                position += got
        now = os.fstat(fd).st_size
        if now < length:  # else a hole at the end could hide the loss as zeros
            raise OSError(
                errno.EIO, f"the file shrank from {length} to {now} bytes while being read"
            )
    except BaseException:
        view.release()
        image.close()
        raise
    view.release()
    return image


def inside(target: str, folder: str) -> bool:
    """Whether the resolved path ``target`` lies in the resolved folder ``folder``'s tree."""
    try:
        return os.path.commonpath([target, folder]) == folder
    except ValueError:  # different drives (Windows)
        return False


def link_refusal(path: Path, tree: str) -> str | None:
    """For a symbolic link ``path``: None when it resolves inside ``tree`` (a resolved
    folder), else a sentence saying why it is not followed. Nothing is opened."""
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as error:
        what = "a loop of links" if error.errno == errno.ELOOP else "a dangling link"
        return f"symbolic link to {_readlink(path)} is {what}: not followed"
    if inside(target, tree):
        return None
    return (
        f"symbolic link to {_readlink(path)} leads out of {tree} (to {target}): "
        "not followed, never opened"
    )


def refused_as_outside(reason: str) -> bool:
    """Whether a :func:`link_refusal` sentence is about a link out of the tree (rather than
    a dangling link or a loop)."""
    return "leads out of" in reason


def _readlink(path: Path) -> str:
    try:
        return str(path.readlink())
    except OSError:
        return "?"


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, opened as
    :func:`open_regular_file` opens it; OSError for anything else (a FIFO, a device, a
    larger file). A /proc file says 0 bytes and is read as empty, never waited on."""
    with open_regular_file(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise OSError(0, f"{size} bytes, larger than {limit}")
        return handle.read(size)
