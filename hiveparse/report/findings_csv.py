"""``analyze -f csv``: the findings of every host as one spreadsheet.

One row per finding (a host without findings gets one row with the finding columns empty,
so every host and case is listed): case, host, the evidence files, the finding's id,
severity, confidence, title and detail, and the facts it rests on, one per line (key,
value, what it holds, and where: file with cell offset or line). UTF-8 with a byte order
mark (spreadsheets then read it as UTF-8), RFC 4180 quoting, CRLF; every cell safe for
spreadsheets (:mod:`~hiveparse.report.spreadsheet`): registry strings come from customers.
The rows are made here; :class:`~hiveparse.report.analyze_output.CsvWriter` writes them,
case by case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CSV_COLUMNS = (
    "case", "host", "evidence", "finding", "severity", "confidence", "title", "detail",
    "facts", "partial",
)  # fmt: skip
BYTE_ORDER_MARK = "\ufeff"


def _fact(record: Mapping[str, Any]) -> str:
    """One piece of evidence a finding rests on, in one line."""
    if "indicator" in record:
        return f"{record['indicator']}: {record.get('description', '')}"
    if "event_id" in record and "provider" in record:  # an event of the host's logs
        span = record.get("first") or "?"
        if record.get("last") and record.get("last") != span:
            span += f" to {record['last']}"
        logs = ", ".join(record.get("logs", []))
        return f"event {record['event']} x{record['count']} ({span}; {record['relation']}) ({logs})"
    name = record.get("value_name")
    place = record.get("key_path", "")
    if name is not None:
        place = f"{place}\\{name or '(Default)'}"
    held = record.get("decoded")
    where = record.get("source", "")
    if record.get("line") is not None:
        where += f":{record['line']}"
    elif record.get("cell_offset") is not None:
        where += f"@0x{record['cell_offset']:x}"
    holds = "" if name is None else f" = {held}"
    return f"{place}{holds} ({where})"


def finding_rows(documents: Iterable[Mapping[str, Any]]) -> Iterable[list[object]]:
    for document in documents:
        host = document.get("host", {})
        logs = (document.get("events") or {}).get("sources", [])
        evidence = "\n".join(item["path"] for item in [*document.get("evidence", []), *logs])
        head = [host.get("case", ""), host.get("label", ""), evidence]
        partial = "yes" if document.get("partial") else "no"
        findings = document.get("findings", [])
        if not findings:
            yield [*head, "", "", "", "", "", "", partial]
        for finding in findings:
            # The facts it rests on, then the events of the host's logs that bear on it.
            records = [*finding["evidence"], *finding.get("events", [])]
            facts = "\n".join(_fact(record) for record in records)
            yield [
                *head, finding["id"], finding["severity"], finding["confidence"],
                finding["title"], finding["detail"], facts, partial,
            ]  # fmt: skip
