"""``--resume FILE``: which cases an earlier JSON Lines output already holds.

A batch writes each case's documents with one write, in the order of the cases, so a run
that was stopped leaves whole cases behind it and, at most, one torn last line. A case is
done when a document of it is in the file; when the file ends in a torn line, the last case
seen is taken as unfinished (its write is what was cut), and the file is to be cut back to
where that case began before the run appends to it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from hiveparse.errors import UsageError

from .cases import Case, inside_archive


@dataclass
class ResumePoint:
    done: set[int] = field(default_factory=set)  # indexes of the cases already written
    keep_bytes: int = 0  # the file's length once a torn tail (and its case) is cut off
    torn: bool = False


def _owners(cases: Sequence[Case]) -> dict[tuple[str | None, str | None], int]:
    owners: dict[tuple[str | None, str | None], int] = {}
    for index, case in enumerate(cases):
        if case.argument is None:
            for path in case.paths:
                owners.setdefault((path, None), index)
        else:
            owners.setdefault((case.argument, case.name), index)
    return owners


def _owner(owners: dict[tuple[str | None, str | None], int], host: dict[str, Any]) -> int | None:
    argument = host.get("argument")
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
    UsageError when it cannot be read or a complete line of it is not an analyze report."""
    owners = _owners(cases)
    point = ResumePoint()
    starts: dict[int, int] = {}  # case index -> offset of its first line
    last: int | None = None
    offset = 0
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                if not line.endswith(b"\n"):
                    point.torn = True
                    break
                try:
                    document = json.loads(line)
                    host = document["host"]
                except (ValueError, KeyError, TypeError) as error:
                    raise UsageError(
                        f"--resume {str(path)!r} line {number}: not a report of "
                        f"'hiveparse analyze -f jsonl' ({type(error).__name__})"
                    ) from error
                index = _owner(owners, host) if isinstance(host, dict) else None
                if index is not None:
                    point.done.add(index)
                    starts.setdefault(index, offset)
                    last = index
                offset += len(line)
    except OSError as error:
        raise UsageError(f"--resume {str(path)!r}: {error.strerror or error}") from error
    point.keep_bytes = offset
    if point.torn and last is not None:
        point.done.discard(last)
        point.keep_bytes = starts[last]
    return point
