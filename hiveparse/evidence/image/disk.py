"""A disk image opened for reading: the bytes of the virtual disk, whatever the container.

EWF through libewf (``pyewf``), VHD and VHDX through libvhdi (``pyvhdi``), VMDK through
libvmdk (``pyvmdk``) and raw images (in parts or not) directly. Every file of the image is
opened once, read-only, with its access time untouched (:func:`open_regular_file`), and the
libraries read through those handles: nothing is ever opened for writing. The libraries
come with ``hiveparse[images]`` and are imported only when an image is opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hiveparse.errors import EvidenceError, Unsupported
from hiveparse.safefiles import link_refusal, open_regular_file

from .formats import (
    VMDK_SPARSE,
    ImageFormat,
    first_raw_part,
    raw_parts,
    refine_format,
    vmdk_extents,
)

EXTRA = "hiveparse[images]"
CHUNK = 1 << 20
_VHD_DIFFERENCING = 4  # libvhdi LIBVHDI_DISK_TYPE_DIFFERENTIAL
_MAX_PARENTS = 64  # differencing disks followed to their base


class ImageReadError(EvidenceError):
    """A read of the virtual disk failed (a missing or damaged segment, a truncated file)."""


@dataclass(frozen=True)
class ImageFile:
    """One file of an image (a segment, an extent, a part, a parent disk)."""

    path: Path
    size: int
    sha256: str | None  # None with --no-image-hash


@dataclass
class Disk:
    """The virtual disk of an image. ``read`` never reads past ``size``."""

    path: Path  # as the evidence was named (the first segment, the descriptor)
    format: ImageFormat
    size: int
    files: list[ImageFile]
    reader: Callable[[int, int], bytes]
    stored_hashes: dict[str, str] = field(default_factory=dict)  # EWF: md5, sha1
    missing_segment: str | None = None  # EWF: a segment absent between two present ones
    handles: list[io.BufferedReader] = field(default_factory=list)
    library: Any = None
    sector_size: int = 512  # bytes per logical sector, as the container says (512 or 4096)
    parents: list[Any] = field(default_factory=list)  # a differencing VHD's parent disks
    short_reads: list[int] = field(default_factory=list)  # offsets past the data
    read_errors: list[ImageReadError] = field(default_factory=list)  # met by The Sleuth Kit

    def read(self, offset: int, size: int) -> bytes:
        """``size`` bytes at ``offset`` (fewer at the end of the disk). ImageReadError,
        at ``offset``, when the container cannot give them."""
        if size <= 0:
            return b""
        if offset >= self.size:
            self.short_reads.append(offset)
            return b""
        size = min(size, self.size - offset)
        try:
            data = self.reader(offset, size)
        except (OSError, RuntimeError, ValueError) as error:
            raise ImageReadError(
                f"the image cannot be read at offset {offset}: {library_message(error)}",
                source=str(self.path),
                offset=offset,
            ) from error
        if len(data) < size:
            self.short_reads.append(offset + len(data))
        return data

    def close(self) -> None:
        if self.library is not None:
            self.library.close()
            self.library = None
        for parent in self.parents:
            parent.close()
        self.parents.clear()
        for handle in self.handles:
            handle.close()
        self.handles.clear()

    def __enter__(self) -> Disk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _modules() -> Any:
    try:
        import pyewf  # noqa: PLC0415
        import pytsk3  # noqa: F401, PLC0415
        import pyvhdi  # noqa: PLC0415
        import pyvmdk  # noqa: PLC0415
    except ImportError as error:
        raise Unsupported(
            f"a disk image, which needs {EXTRA}: pip install '{EXTRA}' (missing: {error.name})"
        ) from error
    return pyewf, pyvhdi, pyvmdk


def require_images_extra() -> None:
    """Unsupported (naming the extra to install) unless the image libraries import."""
    _modules()


def _open(
    path: Path, opened: list[io.BufferedReader], image: Path | None = None
) -> io.BufferedReader:
    """``path`` opened read-only. ``image``: the image as named, when ``path`` is another
    file of it (a segment, an extent, a part, a parent), which is held to the rule for links
    inside evidence: a link that leads out of the image's folder is never opened."""
    if image is not None and path != image and path.is_symlink():
        refusal = link_refusal(path, os.path.realpath(image.parent))
        if refusal is not None:
            raise EvidenceError(f"{path.name}, a file of the image: {refusal}", source=str(path))
    try:
        handle = open_regular_file(path)
    except OSError as error:
        raise EvidenceError(
            f"cannot read {path.name}, a file of the image: {error.strerror or error}",
            source=str(path),
        ) from error
    opened.append(handle)
    return handle


def _hashed(path: Path, handle: io.BufferedReader, hash_files: bool) -> ImageFile:
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    digest = None
    if hash_files:
        try:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError as error:
            raise EvidenceError(
                f"cannot read {path.name} to hash it: {error.strerror or error}",
                source=str(path),
            ) from error
        handle.seek(0)
    return ImageFile(path, size, digest)


def open_disk(path: Path, image_format: ImageFormat, *, hash_files: bool = True) -> Disk:
    """Open the image ``path`` (its first segment, its descriptor). EvidenceError (or
    Unsupported, naming the extra to install) when it cannot be opened at all."""
    pyewf, pyvhdi, pyvmdk = _modules()  # pytsk3 reads every format's volumes: checked first
    size = path.stat().st_size
    image_format = refine_format(path, image_format, size)
    opened: list[io.BufferedReader] = []
    try:
        if image_format == ImageFormat.RAW:
            return _raw(path, opened, hash_files)
        if image_format == ImageFormat.EWF:
            return _ewf(pyewf, path, opened, hash_files)
        if image_format in (ImageFormat.VHD, ImageFormat.VHDX):
            return _vhdi(pyvhdi, path, image_format, opened, hash_files)
        return _vmdk(pyvmdk, path, opened, hash_files)
    except BaseException:
        for handle in opened:
            handle.close()
        raise


def library_message(error: Exception) -> str:
    """A libyal error on one line: its chain of ``function: message.`` parts cut to the
    first two messages (what failed, and why)."""
    messages: list[str] = []
    for part in " ".join(str(error).split()).split(". "):
        message = part.split(": ", 1)[-1].rstrip(".") if ": " in part else part.rstrip(".")
        if message and message not in messages:
            messages.append(message)
    return ": ".join(messages[:2]) or type(error).__name__


def _library_error(path: Path, what: str, error: Exception) -> EvidenceError:
    return EvidenceError(f"not a readable {what}: {library_message(error)}", source=str(path))


def _raw(path: Path, opened: list[io.BufferedReader], hash_files: bool) -> Disk:
    first = first_raw_part(path)
    if first is not None:
        raise EvidenceError(
            f"a later part of the split raw image {first.name} beside it: give {first.name}, "
            "which is read with its parts",
            source=str(path),
        )
    parts = raw_parts(path)
    files = [_hashed(part, _open(part, opened, path), hash_files) for part in parts]
    starts = []
    total = 0
    for item in files:
        starts.append(total)
        total += item.size

    def read(offset: int, size: int) -> bytes:
        chunks = []
        for start, item, handle in zip(starts, files, opened, strict=True):
            end = start + item.size
            if offset >= end or offset + size <= start:
                continue
            begin = max(offset, start)
            handle.seek(begin - start)
            chunks.append(handle.read(min(offset + size, end) - begin))
        return b"".join(chunks)

    return Disk(path, ImageFormat.RAW, total, files, read, handles=opened)


def _sector_size(library: Any) -> int:
    try:
        size = int(library.get_bytes_per_sector() or 512)
    except (OSError, RuntimeError, ValueError, AttributeError):
        return 512
    return size if size in (512, 1024, 2048, 4096) else 512


def _libyal_disk(
    path: Path,
    image_format: ImageFormat,
    library: Any,
    media_size: int,
    files: list[ImageFile],
    opened: list[io.BufferedReader],
) -> Disk:
    """A disk read through a libyal handle (pyewf, pyvhdi, pyvmdk share its read call)."""
    return Disk(
        path,
        image_format,
        media_size,
        files,
        lambda offset, size: library.read_buffer_at_offset(size, offset),
        handles=opened,
        library=library,
    )


def _ewf(pyewf: Any, path: Path, opened: list[io.BufferedReader], hash_files: bool) -> Disk:
    try:
        names = [Path(name) for name in pyewf.glob(str(path))]
    except (OSError, RuntimeError, ValueError):
        # libewf finds segments by their EnCase names (.E01, .E02, ...); a renamed image is
        # read as the one segment it was named by (a later one, if any, is then missing).
        names = [path]
    missing = _missing_segment(names[-1]) if names else None
    files = [_hashed(name, _open(name, opened, path), hash_files) for name in names]
    handle = pyewf.handle()
    try:
        handle.open_file_objects(opened, "r")
        media_size = handle.get_media_size()
        stored = {k.lower(): v for k, v in (handle.get_hash_values() or {}).items() if v}
    except (OSError, RuntimeError, ValueError) as error:
        _close_quietly(handle)
        raise _library_error(path, "EWF image", error) from error
    disk = _libyal_disk(path, ImageFormat.EWF, handle, media_size, files, opened)
    disk.stored_hashes = stored
    disk.sector_size = _sector_size(handle)
    disk.missing_segment = missing
    return disk


def _missing_segment(last: Path) -> str | None:
    """The segment that should follow ``last`` (the last one libewf found, numbered .E01
    to .E99 or .Ex01 to .Ex99) when it is absent but a later one is there: libewf stops at
    the gap and reads the media after it as missing."""
    stem, number = last.name[:-2], last.name[-2:]
    if not number.isdigit() or int(number) >= 99:
        return None
    following = [last.with_name(f"{stem}{n:02d}") for n in range(int(number) + 1, 100)]
    if following[0].exists() or not any(p.exists() for p in following[1:]):
        return None
    return following[0].name


def _vhdi(
    pyvhdi: Any,
    path: Path,
    image_format: ImageFormat,
    opened: list[io.BufferedReader],
    hash_files: bool,
) -> Disk:
    files = [_hashed(path, _open(path, opened), hash_files)]
    what = f"{image_format.value.upper()} image"
    chain: list[Any] = []  # the disk, then each parent: closed together
    try:
        disk = _vhdi_file(pyvhdi, opened[0], chain)
        child, child_path = disk, path
        while child.get_disk_type() == _VHD_DIFFERENCING:
            if len(chain) > _MAX_PARENTS:
                raise EvidenceError(
                    f"a chain of more than {_MAX_PARENTS} differencing disks", source=str(path)
                )
            parent_name = child.get_parent_filename() or ""
            parent = child_path.parent / Path(parent_name.replace("\\", "/")).name
            if not parent.is_file():
                raise EvidenceError(
                    f"a differencing {what} whose parent {parent_name!r} is not beside it: "
                    "give the chain's files together in one folder",
                    source=str(path),
                )
            files.append(_hashed(parent, _open(parent, opened, path), hash_files))
            parent_disk = _vhdi_file(pyvhdi, opened[-1], chain)
            child.set_parent(parent_disk)
            child, child_path = parent_disk, parent
        media_size = disk.get_media_size()
    except BaseException as error:
        for library in reversed(chain):
            _close_quietly(library)
        if isinstance(error, (OSError, RuntimeError, ValueError)):
            raise _library_error(path, what, error) from error
        raise
    opened_disk = _libyal_disk(path, image_format, disk, media_size, files, opened)
    opened_disk.sector_size = _sector_size(disk)
    opened_disk.parents = chain[1:]
    return opened_disk


def _vhdi_file(pyvhdi: Any, handle: io.BufferedReader, chain: list[Any]) -> Any:
    opened = pyvhdi.file()
    chain.append(opened)
    opened.open_file_object(handle, "r")
    return opened


def _close_quietly(library: Any) -> None:
    """Close a libyal handle on the way out of a failure (it may not have opened)."""
    with contextlib.suppress(OSError, RuntimeError, ValueError):
        library.close()


def _vmdk(pyvmdk: Any, path: Path, opened: list[io.BufferedReader], hash_files: bool) -> Disk:
    files = [_hashed(path, _open(path, opened), hash_files)]
    disk = pyvmdk.handle()
    try:
        disk.open_file_object(opened[0], "r")
        if disk.get_parent_filename():
            raise EvidenceError(
                f"a VMDK snapshot (delta) whose parent is {disk.get_parent_filename()!r}: "
                "give the base disk",
                source=str(path),
            )
        names = [
            Path(disk.get_extent_descriptor(i).get_filename() or "")
            for i in range(disk.get_number_of_extents())
        ]
        opened[0].seek(0)  # libvmdk has read through the handle
        head = opened[0].read(64 << 10)
        if head.startswith(VMDK_SPARSE):
            # A sparse extent with its descriptor inside (monolithicSparse, streamOptimized)
            # is the whole disk, whatever it is called now: never a neighbour's file.
            extents = [path]
        else:
            extents = vmdk_extents(path, head.decode("utf-8", "replace"))
        if not extents:
            raise EvidenceError(
                f"a VMDK descriptor that names no extent ({len(names)} known to libvmdk)",
                source=str(path),
            )
        opened[0].seek(0)
        extent_handles = []
        for extent in extents:
            if extent == path:  # the descriptor is embedded in the sparse extent
                extent_handles.append(_open(path, opened))
                continue
            if not extent.is_file():
                raise EvidenceError(
                    f"the VMDK extent {extent.name!r} its descriptor names is not beside it",
                    source=str(path),
                )
            files.append(_hashed(extent, _open(extent, opened, path), hash_files))
            extent_handles.append(opened[-1])
        disk.open_extent_data_files_as_file_objects(extent_handles)
        media_size = disk.get_media_size()
    except BaseException as error:
        _close_quietly(disk)
        if isinstance(error, (OSError, RuntimeError, ValueError)):
            raise _library_error(path, "VMDK image", error) from error
        raise
    return _libyal_disk(path, ImageFormat.VMDK, disk, media_size, files, opened)


def verify_stored_hashes(disk: Disk) -> dict[str, bool]:
    """Each hash the image stores (EWF: md5, sha1) against the media read again in full:
    name -> whether it matches. ImageReadError when the media cannot be read."""
    digests = {name: hashlib.new(name) for name in disk.stored_hashes if name in ("md5", "sha1")}
    if not digests:
        return {}
    offset = 0
    while offset < disk.size:
        chunk = disk.read(offset, CHUNK)
        if not chunk:
            break
        for digest in digests.values():
            digest.update(chunk)
        offset += len(chunk)
    return {
        name: offset == disk.size and digest.hexdigest() == disk.stored_hashes[name].lower()
        for name, digest in digests.items()
    }
