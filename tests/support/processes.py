"""The processes of a session, read from /proc: a run started with its own session must
leave none behind (its workers included)."""

from __future__ import annotations

from pathlib import Path


def in_session(session: int) -> list[int]:
    """The live (not zombie) processes whose session is ``session``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended while it was read
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(int(entry.name))
    return found
