"""``--resume FILE``: which cases an earlier JSON Lines output already holds.

A batch writes each case's documents with one write, in the order of the cases, so a run
that was stopped leaves whole cases behind it and, at most, one torn last line. A case is
done when a document of it is in the file; when the file ends in a torn line, the last case
seen is taken as unfinished (its write is what was cut), and the file is to be cut back to
where that case began before the run appends to it.

What the kept documents say counts for the resumed run as if it had written them: their
``as_of`` (the resumed run measures against the same moment), whether any is partial or
holds evidence, and their worst finding (the exit code is the whole batch's).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from hiveparse.errors import UsageError
from hiveparse.evidence.discover import normalized_path

from .cases import Case, inside_archive
from .outcome import Outcome


@dataclass
class ResumePoint:
    done: set[int] = field(default_factory=set)  # indexes of the cases already written
    keep_bytes: int = 0  # the file's length once a torn tail (and its case) is cut off
    torn: bool = False
    kept: dict[int, Outcome] = field(default_factory=dict)  # by case index

    def outcome(self) -> Outcome:
        """What the documents of the done cases say (a torn last case left out)."""
        merged = Outcome()
        for index in self.done:
            merged.merge(self.kept[index])
        return merged


def _key(argument: str | None) -> str | None:
    """An argument as the same folder is named from anywhere (relative to this folder)."""
    return None if argument is None else normalized_path(argument)


def _owners(cases: Sequence[Case]) -> dict[tuple[str | None, str | None], int]:
    owners: dict[tuple[str | None, str | None], int] = {}
    for index, case in enumerate(cases):
        if case.argument is None:
            for path in case.paths:
                owners.setdefault((_key(path), None), index)
        else:
            owners.setdefault((_key(case.argument), case.name), index)
    return owners


def _owner(owners: dict[tuple[str | None, str | None], int], host: dict[str, Any]) -> int | None:
    argument = _key(host.get("argument"))
    found = owners.get((argument, None))
    if found is not None:
        return found
    parts = PurePath(inside_archive(str(host.get("case") or ""))).parts
    for end in range(1, len(parts) + 1):
        found = owners.get((argument, str(PurePath(*parts[:end]))))
        if found is not None:
            return found
    return None


def read_resume_point(path: Path, cases: Sequence[Case]) -> ResumePoint:
    """What of ``cases`` the JSON Lines report ``path`` (``analyze -f jsonl``) holds.
    UsageError when it cannot be read, when a complete line of it is not an analyze report,
    or when none of its reports is of a case of this run (another batch's file, or the same
    batch named from elsewhere)."""
    owners = _owners(cases)
    point = ResumePoint()
    starts: dict[int, int] = {}  # case index -> offset of its first line
    last: int | None = None
    offset = 0
    lines = 0
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                if not line.endswith(b"\n"):
                    point.torn = True
                    break
                lines += 1
                said = Outcome()
                try:
                    document = json.loads(line)
                    host = document["host"]
                    said.add(document)
                except (ValueError, KeyError, TypeError, AttributeError) as error:
                    raise UsageError(
                        f"--resume {str(path)!r} line {number}: not a report of "
                        f"'hiveparse analyze -f jsonl' ({type(error).__name__})"
                    ) from error
                index = _owner(owners, host) if isinstance(host, dict) else None
                if index is not None:
                    point.done.add(index)
                    starts.setdefault(index, offset)
                    point.kept.setdefault(index, Outcome()).merge(said)
                    last = index
                offset += len(line)
    except OSError as error:
        raise UsageError(f"--resume {str(path)!r}: {error.strerror or error}") from error
    if lines and not point.done:
        raise UsageError(
            f"--resume {str(path)!r}: none of its {lines} report(s) is of a case of this run "
            "(give the same EVIDENCE arguments as the run that wrote it, from the same folder)"
        )
    point.keep_bytes = offset
    if point.torn and last is not None:
        point.done.discard(last)
        point.keep_bytes = starts[last]
    return point
