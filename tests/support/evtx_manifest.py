"""The corpus event logs as evtx/MANIFEST.md describes them: path, size, sha256, records
pyevtx-rs parsed and could not, the header's dirty flag and chunk count, and the count of
each event of interest by (provider, EventID & 0xFFFF)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def corpus_logs(corpus: Path) -> list[dict[str, Any]]:
    text = (corpus / "evtx" / "MANIFEST.md").read_text(encoding="utf-8")
    entries = []
    for section in text.split("\n### ")[1:]:
        rows = dict(re.findall(r"^\| ([^|]+?) \| (.*) \|$", section, re.MULTILINE))
        path = rows["path"].strip("`").removeprefix("evtx/")
        size, sha256 = re.match(r"(\d+) bytes / `([0-9a-f]{64})`", rows["size / sha256"]).groups()
        parsed, errors = map(int, re.search(r"pyevtx-rs: (\d+) parsed, (\d+) errors",
                                            rows["records"]).groups())  # fmt: skip
        header = rows["file header"]
        events = {}
        for provider, event_id, count in re.findall(
            r"(Microsoft-Windows-[\w-]+)/(\d+) = (\d+)", rows["events of interest"]
        ):
            events[(provider, int(event_id))] = int(count)
        entries.append(
            {
                "path": path,
                "size": int(size),
                "sha256": sha256,
                "parsed": parsed,
                "errors": errors,
                "dirty": "(dirty)" in header,
                "chunks": int(re.search(r"header chunk count=(\d+)", header).group(1)),
                "events": events,
            }
        )
    return entries
