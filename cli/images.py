"""Disk images given to the commands that read files (info, query, secrets, timebomb): an
argument that is an image stands for its Windows volumes, ``IMAGE!/pN/path`` for one file
inside it. The files are copied into a private temporary folder (removed at the end) and
every path written or said is named as the image's inside again."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

if TYPE_CHECKING:
    from hiveparse.errors import Diagnostic
    from hiveparse.evidence.discover import HeadInfo
    from hiveparse.evidence.image.extract import ImageExtraction

SEPARATOR = "!/"  # IMAGE!/p1/Windows/System32/config/SYSTEM


def split_image_path(path: Path) -> tuple[Path, str] | None:
    """``(IMAGE, "p1/...")`` for an argument naming a file inside an image file; None
    for any other argument."""
    text = str(path)
    if text.endswith("!") and Path(text[:-1]).is_file():
        return Path(text[:-1]), ""  # IMAGE! is the image itself
    if SEPARATOR not in text:
        return None
    image, _, inner = text.partition(SEPARATOR)
    if not Path(image).is_file():
        return None
    member = inner.replace("\\", "/").strip("/")
    if any(part in ("..", ".") for part in member.split("/")):
        from hiveparse.errors import UsageError  # noqa: PLC0415

        raise UsageError(f"{path}: a path inside an image never names a '..' folder")
    return Path(image), member


class ImageArguments:
    """The arguments of one command with disk images resolved (see the module)."""

    def __init__(self, *, hash_image: bool = True) -> None:
        from hiveparse.rds.analyze import Collections  # noqa: PLC0415

        self.hash_image = hash_image
        self._workspace = Collections()
        self.extractions: list[ImageExtraction] = []

    def resolve(self, path: Path) -> list[Path]:
        """What ``path`` stands for here: itself, an image's folder of volumes, or the copy
        of the file it names inside an image. EvidenceError (UsageError for a file the
        image does not hold) as opening the image raises it."""
        from hiveparse.errors import UsageError  # noqa: PLC0415
        from hiveparse.evidence.discover import HeadKind, head_info  # noqa: PLC0415

        inside = split_image_path(path)
        if inside is None:
            info = head_info(path, follow=True) if path.is_file() else None
            if info is None or info.kind != HeadKind.IMAGE:
                return [path]
            return [self._extract(path, "", info).root]
        image, member = inside
        extraction = self._extract(image, member)
        if not member:
            return [extraction.root]
        copy = extraction.root.joinpath(*member.split("/"))
        # NTFS names compare without case, as Windows compares them.
        wanted = str(copy).casefold()
        copy = next((Path(name) for name in extraction.members if name.casefold() == wanted), copy)
        if not copy.is_file():
            held = sorted(extraction.show(name) for name in extraction.members)
            raise UsageError(
                f"{path}: the image holds no such file (names are pN/path in the volume; "
                f"found at the fixed paths: {', '.join(held[:6]) or 'none'})"
            )
        return [copy]

    def resolve_all(self, paths: Sequence[Path]) -> list[Path]:
        return [resolved for path in paths for resolved in self.resolve(path)]

    def _extract(self, image: Path, member: str, head: HeadInfo | None = None) -> ImageExtraction:
        from hiveparse.errors import EvidenceError  # noqa: PLC0415
        from hiveparse.evidence.discover import HeadKind, head_info  # noqa: PLC0415
        from hiveparse.evidence.image.codes import ImageOptions  # noqa: PLC0415
        from hiveparse.evidence.image.extract import extract_image  # noqa: PLC0415
        from hiveparse.evidence.image.formats import ImageFormat  # noqa: PLC0415

        head = head or head_info(image, follow=True)
        if head is None:
            raise EvidenceError("cannot read it as a disk image", source=str(image))
        if head.kind != HeadKind.IMAGE or head.image_format is None:
            raise EvidenceError(f"not a disk image: {head.note}", source=str(image))
        options = ImageOptions(hash_image=self.hash_image, members=(member,) if member else ())
        extraction = extract_image(
            image, ImageFormat(head.image_format), self._workspace.workspace(), options
        )
        self.extractions.append(extraction)
        return extraction

    def problems(self) -> list[Diagnostic]:
        """What the images say cannot be read (errors: damage, a limit; each encrypted
        volume), shown; they make a command's result partial."""
        from hiveparse.errors import Severity  # noqa: PLC0415

        problems = [d for d in self.shown([]) if d.severity == Severity.ERROR]
        for extraction in self.extractions:
            problems += extraction.encrypted_diagnostics()
        return problems

    @property
    def encrypted(self) -> bool:
        """An image holds a volume closed to reading (evidence is there: exit 3, not 4)."""
        return any(extraction.encrypted for extraction in self.extractions)

    def attach_containers(self, document: dict[str, Any]) -> None:
        """Each evidence and supporting-file record of ``document`` read from an image gets
        the image's provenance (``container``), as analyze gives it."""
        containers = dict(
            item for extraction in self.extractions for item in extraction.containers()
        )
        for record in [*document.get("evidence", []), *document.get("supporting_files", [])]:
            found = containers.get(record.get("path", ""))
            if found is not None:
                record["container"] = found

    def show(self, text: str) -> str:
        for extraction in self.extractions:
            text = extraction.show(text)
        return text

    def shown(self, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
        """``diagnostics`` with the copies named as the image's inside, and the image's own
        notes (damaged, encrypted volumes, shadow copies) first."""

        own = [note for extraction in self.extractions for note in extraction.diagnostics]
        return [note.shown(self.show) for note in [*own, *diagnostics]]

    @contextmanager
    def shown_sink(self, sink: TextIO) -> Iterator[TextIO]:
        """A sink that writes to ``sink`` line by line, the copies named as the image's
        inside (no path holds a line break); ``sink`` itself when no image was resolved
        (enter it after :meth:`resolve`), so that byte streams under it stay in use."""
        if not self.extractions:
            yield sink
            return
        writer = _ShowingWriter(sink, self.show)
        yield cast("TextIO", writer)
        writer.flush()

    def resolve_file(self, path: Path) -> Path:
        """The one file ``path`` stands for (info, query): a whole image is refused with the
        registry files it holds to choose from."""
        from hiveparse.errors import UsageError  # noqa: PLC0415

        [resolved] = self.resolve(path)
        if resolved.is_dir():
            extraction = self.extractions[-1]
            held = sorted(extraction.show(name) for name in extraction.members)
            hives = [name for name in held if "/config/" in name or name.endswith("NTUSER.DAT")]
            image = str(path).removesuffix("!")
            raise UsageError(
                f"{image} is a disk image: name a file inside it, "
                f"{image}!/pN/path (found: {', '.join(hives[:6]) or 'no registry file'})"
            )
        return resolved

    def evidence_files(self, paths: Sequence[Path]) -> list[Path]:
        """The files the evidence is, for the rule that no output goes inside evidence:
        the image in place of a file named inside it."""
        return [inside[0] if (inside := split_image_path(p)) else p for p in paths]

    @contextmanager
    def named_as_given(self) -> Iterator[None]:
        """An error raised inside names the copies as the image's inside."""
        from hiveparse.errors import HiveparseError, Location  # noqa: PLC0415

        try:
            yield
        except HiveparseError as error:
            error.message = self.show(error.message)
            error.args = (error.message,)
            where = error.location
            if where.source is not None:
                error.location = Location(
                    self.show(where.source), where.offset, where.line, where.column
                )
            raise

    def close(self) -> None:
        self._workspace.__exit__(None, None, None)

    def __enter__(self) -> ImageArguments:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _ShowingWriter:
    """Text written through it reaches ``sink`` a line at a time, shown. It has no byte
    stream under it (``buffer``): every byte goes through ``show``."""

    buffer = None

    def __init__(self, sink: TextIO, show: Any) -> None:
        self._sink = sink
        self._show = show
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        complete, newline, rest = self._pending.rpartition("\n")
        if newline:
            self._sink.write(self._show(complete + newline))
            self._pending = rest
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._sink.write(self._show(self._pending))
            self._pending = ""
        self._sink.flush()

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, ... of the sink
        return getattr(self._sink, name)
