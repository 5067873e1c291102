"""The tables of ``info``, ``secrets``, ``verify``, ``recover`` and ``compare`` for a person
(rich).

Each renderer reads the command's JSON document (the contract, ``report.models``) and
nothing else, so what a person sees is what a script gets. Every string that comes from
evidence (a key or value name, a path, an error that quotes one) is passed through
:func:`hiveparse.errors.printable` and rich's markup escaping: a name may hold ESC, a line
break or ``[bold]``. A long path or name folds inside its column instead of being cut. The
width is the terminal's, 80 columns in a pipe or a file (rich's default), or ``width``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal, TextIO

from hiveparse.errors import printable, quoted

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from hiveparse.report.models import (
        CompareDocument,
        DiagnosticRecord,
        DisagreementRecord,
        InfoDocument,
        RecoverDocument,
        RecoveredValue,
        SecretsDocument,
        SettingProvenance,
        VerifyDocument,
    )

MAX_ANOMALIES = 50  # info lists this many; the JSON document has them all
MAX_SHOWN = 96  # characters of a recovered value's data shown in a table
# disagreements listed per peer (rich takes about half a millisecond a row; a hostile hive
# can make tens of thousands): the rest is counted, and where a comparison stopped is
# always shown; the JSON document has them all
MAX_DISAGREEMENTS = 1000
_STOPS = ("read_budget_exceeded", "depth_exceeded")


_TRAILING = re.compile(r" +((?:\x1b\[[0-9;]*m)*)(?=\n)")


class _Trimmed:
    """The sink as rich sees it (a terminal or not, its encoding), without the spaces rich
    pads each table line with up to the table's width: a pipe or a file gets no trailing
    blanks."""

    def __init__(self, sink: TextIO) -> None:
        self._sink = sink
        self.encoding = getattr(sink, "encoding", None) or "utf-8"

    def write(self, text: str) -> int:
        return self._sink.write(_TRAILING.sub(r"\1", text))

    def flush(self) -> None:
        self._sink.flush()

    def isatty(self) -> bool:
        isatty = getattr(self._sink, "isatty", None)
        return bool(isatty and isatty())

    def fileno(self) -> int:
        return self._sink.fileno()


def _console(sink: TextIO, width: int | None) -> Console:
    from rich.console import Console  # noqa: PLC0415 - only tables need rich

    # emoji=False: a name such as ":fire:" is shown as it is written, never as a glyph.
    return Console(
        file=_Trimmed(sink),  # type: ignore[arg-type]  # what rich uses of a TextIO
        highlight=False,
        soft_wrap=False,
        emoji=False,
        width=width,
    )


def markup_escape(text: str) -> str:
    from rich.markup import escape as rich_escape  # noqa: PLC0415

    return rich_escape(text)


def escape(text: str) -> str:
    """``text`` from evidence as rich markup: control characters escaped, markup quoted."""
    return markup_escape(printable(text))


def _facts() -> Table:
    """A table of labelled facts: the label, then the fact (folded where it is long)."""
    from rich.table import Table  # noqa: PLC0415

    facts = Table(show_header=False, box=None, pad_edge=False)
    facts.add_column(no_wrap=True)
    facts.add_column(overflow="fold")
    return facts


def _listing(*columns: str, title: str | None = None) -> Table:
    """A table with a header line; columns named ``name:nowrap`` or ``name:right`` keep
    their width (short fixed values), the others fold."""
    from rich import box  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    # A rule under the header, two spaces between columns, none at the edges.
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),
        title=title,
        title_justify="left",
    )
    for column in columns:
        name, _, how = column.partition(":")
        if how == "nowrap":
            table.add_column(name, no_wrap=True)
        elif how == "right":
            table.add_column(name, no_wrap=True, justify="right")
        else:
            table.add_column(name, overflow="fold")
    return table


def _indented(renderable: Any, left: int = 2) -> Any:
    from rich.padding import Padding  # noqa: PLC0415

    return Padding(renderable, (0, 0, 0, left))


def _line(console: Console, text: str) -> None:
    """One line of text made of evidence: printed as it is (no markup), folded if long."""
    console.print(printable(text), markup=False, overflow="fold")


def _where(record: DiagnosticRecord) -> str:
    parts = []
    if record["offset"] is not None:
        parts.append(f"0x{record['offset']:x}")
    if record["line"] is not None:
        column = record["column"]
        parts.append(f"line {record['line']}" + (f":{column}" if column is not None else ""))
    return " ".join(parts) or "-"


def _anomalies(console: Console, diagnostics: list[DiagnosticRecord]) -> None:
    if not diagnostics:
        return
    table = _listing("severity:nowrap", "code", "at", "message")
    for item in diagnostics[:MAX_ANOMALIES]:
        table.add_row(item["severity"], escape(item["code"]), _where(item), escape(item["message"]))
    console.print(_indented(table))
    if len(diagnostics) > MAX_ANOMALIES:
        console.print(f"  ... {len(diagnostics) - MAX_ANOMALIES} more (use --format json)")


# -- info ----------------------------------------------------------------------------------


def write_info_table(document: InfoDocument, sink: TextIO, *, width: int | None = None) -> None:
    """What an input is and what is wrong with it: its facts, then its anomalies."""
    console = _console(sink, width)
    evidence = document["evidence"][0]
    _line(console, evidence["path"])
    facts = _facts()
    facts.add_row("format", escape(str(evidence["format"])))
    facts.add_row("size", f"{evidence['size']} bytes")
    facts.add_row("sha256", evidence["sha256"])
    for mount in document.get("hives", []):
        facts.add_row("hive", escape(f"{mount['hive']} mounted at {mount['mount']}"))
        if mount["keys"] is None:
            facts.add_row("", "keys and values not counted (--quick)")
        else:
            facts.add_row("", f"{mount['keys']} keys, {mount['values']} values")
    header = document.get("header")
    if header:
        facts.add_row("version", escape(header["version"]))
        match = "" if header["sequences_match"] else " (differ: the hive was not closed)"
        facts.add_row(
            "sequence", f"{header['primary_sequence']}/{header['secondary_sequence']}{match}"
        )
        facts.add_row(
            "checksum",
            "ok"
            if header["checksum_ok"]
            else f"BAD (stored {header['checksum_stored']}, "
            f"computed {header['checksum_computed']})",
        )
        facts.add_row("last written", escape(str(header["last_written"] or "unknown")))
        facts.add_row("embedded", escape(quoted(header["embedded_file_name"] or "")))
    origin = document.get("written_by")
    if origin:
        facts.add_row(
            "written by",
            escape(f"{origin['tool']} {origin['version']} from {quoted(origin['source_name'])}"),
        )
        facts.add_row(".reg sha256", escape(str(origin["source_sha256"])))
        facts.add_row("keys stamped", escape(f"{origin['last_written_time']} (every key)"))
    if "dirty" in document:
        dirty = {True: "yes", False: "no", None: "unknown"}[document.get("dirty")]
        facts.add_row("dirty", dirty)
        facts.add_row("logs found", escape(", ".join(document.get("logs_found", [])) or "-"))
        for refused in document.get("logs_refused", []):
            facts.add_row("not used", escape(f"{refused['path']}: {refused['reason']}"))
        facts.add_row("applied", escape(", ".join(document.get("logs_applied", [])) or "-"))
    found = str(len(document["diagnostics"]))
    if any(mount["keys"] is None for mount in document.get("hives", [])):
        # --quick reads the header and the bins, not the keys: an absence there says nothing
        found += " in the header and bins (--quick: the keys and values were not read)"
    facts.add_row("anomalies", found)
    console.print(_indented(facts))
    if document["diagnostics"]:
        console.print()
    _anomalies(console, document["diagnostics"])


# -- secrets -------------------------------------------------------------------------------


def write_secrets_table(
    document: SecretsDocument, sink: TextIO, *, width: int | None = None
) -> None:
    """Per host: the hives, the LSA key, then one row per secret and slot (its value only
    when the document reveals it)."""
    from rich.padding import Padding  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    console = _console(sink, width)
    for index, host in enumerate(document["hosts"]):
        if index:
            console.print()
        console.print(f"[bold]{escape(host['host'])}[/bold]")
        facts = _facts()
        facts.add_row("SYSTEM", escape(host["system"]))
        facts.add_row("SECURITY", escape(host["security"]))
        lsa = host["lsa"]
        if host["error"] or lsa is None:
            facts.add_row("LSA", escape(f"cannot be opened: {host['error'] or 'unknown error'}"))
            console.print(_indented(facts))
            continue
        facts.add_row("LSA key", escape(f"{lsa['era']} ({lsa['source']})"))
        facts.add_row("boot key from", escape(str(lsa["boot_key_control_set"])))
        console.print(_indented(facts))
        console.print()
        secrets = host["secrets"]
        revealed = any("value" in secret for secret in secrets)
        failed = any(secret["error"] for secret in secrets)
        # A revealed value goes on a row of its own under its secret, folded in the first
        # column: hex of hundreds of bytes beside the name would squeeze both.
        first = "secret / value (hex)" if revealed else "secret"
        columns = [first, "slot:nowrap", "bytes:right", "updated:nowrap"]
        columns += ["problem"] if failed else []
        table = _listing(*columns)
        for secret in secrets:
            row = [
                escape(secret["name"]),
                escape(secret["slot"]),
                "?" if secret["length"] is None else str(secret["length"]),
                secret["updated"] or "-",
            ]
            row += [escape(secret["error"] or "")] if failed else []
            table.add_row(*row)
            if secret.get("value"):
                value = Padding(Text(secret["value"], overflow="fold"), (0, 0, 0, 2))
                table.add_row(value, *[""] * (len(columns) - 1))
        if secrets:
            console.print(_indented(table))
        else:
            console.print("  no secrets")


# -- verify --------------------------------------------------------------------------------


def _value_name(name: str | None) -> str:
    """A value's name for a cell, printable (not yet markup-escaped)."""
    if name is None:
        return ""  # a difference of the key itself
    return printable(name) if name else "(Default)"


def _shares(natural: list[int], room: int) -> list[int]:
    """Column widths within ``room``: each column its natural width when all fit, else the
    room shared out, no column wider than it needs (what is left goes to the widest)."""
    if sum(natural) <= room:
        return natural
    widths = [0] * len(natural)
    left, open_columns = room, sorted(range(len(natural)), key=lambda i: natural[i])
    while open_columns:
        share = max(left // len(open_columns), 4)
        index = open_columns.pop(0)
        widths[index] = min(natural[index], share)
        left -= widths[index]
    return widths


def _fixed(headers: list[str], widths: list[int], *, header: bool) -> Table:
    from rich import box  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0), show_header=header)
    for name, width in zip(headers, widths, strict=True):
        table.add_column(name, width=width, overflow="fold")
    return table


def write_verify_table(document: VerifyDocument, sink: TextIO, *, width: int | None = None) -> None:
    """Per peer engine: how many disagreements (or why it could not read the hive), then the
    disagreements key by key: the key's path on a line of its own (a long path folds), and
    under it one row per disagreement: kind, value, what our reader and the peer read."""
    console = _console(sink, width)
    reference = document["reference_engine"]
    for index, peer in enumerate(document["peers"]):
        if index:
            console.print()
        found = peer["disagreements"]
        status = peer["error"] or f"{len(found)} disagreement(s) with {reference}"
        console.print(f"[bold]{escape(peer['engine'])}[/bold]: {escape(status)}")
        if not found:
            continue
        shown = found[:MAX_DISAGREEMENTS]
        stops = [item for item in found[MAX_DISAGREEMENTS:] if item["kind"] in _STOPS]
        headers = ["kind", "value", reference, peer["engine"]]
        rows = [
            (
                item["kind"],
                _value_name(item["value_name"]),
                printable("-" if item["a"] is None else item["a"]),
                printable("-" if item["b"] is None else item["b"]),
            )
            for item in [*shown, *stops]
        ]
        natural = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
        # the indent, two blanks between columns, the last column's own blank
        room = console.width - 4 - 2 * (len(headers) - 1) - 1
        kind = natural[0]  # the kinds are short words: never folded
        widths = [kind, *_shares(natural[1:], max(room - kind, 12))]
        console.print(_indented(_fixed(headers, widths, header=True), 4))
        _disagreements(console, shown, rows[: len(shown)], headers, widths)
        omitted = len(found) - len(shown) - len(stops)
        if omitted:
            console.print(
                f"    ... {omitted} more disagreement(s) not listed (the JSON output has them)"
            )
        _disagreements(console, stops, rows[len(shown) :], headers, widths)


def _disagreements(
    console: Console,
    found: list[DisagreementRecord],
    rows: list[tuple[str, str, str, str]],
    headers: list[str],
    widths: list[int],
) -> None:
    """Rows under their key's path, a line of its own each time the key changes."""
    path: str | None = None
    group = _fixed(headers, widths, header=False)
    for item, row in zip(found, rows, strict=True):
        if item["path"] != path:
            if group.row_count:
                console.print(_indented(group, 4))
                group = _fixed(headers, widths, header=False)
            path = item["path"]
            _line(console, f"  {path or '(root)'}")
        group.add_row(*(markup_escape(cell) for cell in row))
    if group.row_count:
        console.print(_indented(group, 4))


# -- recover -------------------------------------------------------------------------------


def _found_in(location: str, cell_offset: int) -> str:
    return f"{location} space, cell 0x{cell_offset:x}"


def _shown(value: RecoveredValue) -> str:
    if value["raw"] is None:
        return f"<data {value['data_state']}>"
    decoded = value["decoded"]
    shown = "\\0".join(decoded) if isinstance(decoded, list) else str(decoded)
    return shown if len(shown) <= MAX_SHOWN else shown[: MAX_SHOWN - 3] + "..."


def _values(console: Console, values: list[RecoveredValue]) -> None:
    """A table of recovered values; each value's data on a row of its own under its name
    (a name of 50 characters and data beside it would squeeze both)."""
    from rich.padding import Padding  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    table = _listing("value / data", "type:nowrap", "bytes:right", "found in:nowrap")
    for value in values:
        table.add_row(
            escape(value["name"]) if value["name"] else "(Default)",
            escape(value["type"]),
            str(value["size"]),
            _found_in(value["location"], value["cell_offset"]),
        )
        data = Padding(Text(printable(_shown(value)), overflow="fold"), (0, 0, 0, 2))
        table.add_row(data, "", "", "")
    console.print(_indented(table, 4))


def write_recover_table(
    document: RecoverDocument, sink: TextIO, *, width: int | None = None
) -> None:
    """What carving found: the counts, then each deleted key with its values, the deleted
    values left in live keys' lists, and (without KEY) the values whose key is unknown."""
    console = _console(sink, width)
    keys, loose = document["keys"], document["values_without_key"]
    scanned = document["scanned_bytes"]
    summary = _facts()
    summary.add_row("deleted keys", str(len(keys)))
    summary.add_row("deleted values of live keys", str(len(document["values_of_live_keys"])))
    unknown = str(document["values_without_key_count"])
    if document["values_without_key_count"] and document["key"]:
        unknown += " (listed without KEY)"
    summary.add_row("values whose key is unknown", unknown)
    summary.add_row(
        "bytes searched",
        f"{scanned['free']} free, {scanned['slack']} slack, {scanned['remnant']} remnant",
    )
    console.print(summary)
    for key in keys:
        console.print()
        _line(console, key["path"])
        facts = _facts()
        if not key["path_complete"]:
            facts.add_row("path", "incomplete (a parent was not found: '?')")
        if key["live_twin"]:
            facts.add_row("live twin", "a live key of this name exists: this is an older copy")
        facts.add_row("last written", escape(str(key["last_written"] or "unknown")))
        facts.add_row("found in", _found_in(key["location"], key["cell_offset"]))
        console.print(_indented(facts, 4))
        if key["values"]:
            _values(console, key["values"])
    by_key: dict[str, list[RecoveredValue]] = {}
    for value in document["values_of_live_keys"]:
        by_key.setdefault(value["key_path"] or "?", []).append(value)
    for path, values in by_key.items():
        console.print()
        _line(console, path)
        console.print("    a live key: deleted values left in its value list")
        _values(console, values)
    if loose:
        console.print()
        console.print("values whose key is unknown:")
        _values(console, loose)


# -- compare ---------------------------------------------------------------------------------

_COMPARE_ORDER = ("differs", "only_a", "only_b", "unknown", "expected_to_differ", "same")
_HIDDEN = ("same", "expected_to_differ")  # listed with --all
_PROVENANCES: tuple[Literal["a_provenance", "b_provenance"], ...] = ("a_provenance", "b_provenance")


def _setting_value(value: Any, provenance: SettingProvenance) -> str:
    """One side's value for a person: the value (with its layer when a policy set it), 'not
    set', or 'not in the evidence'."""
    if value is None:
        return "unknown" if provenance["not_covered"] else "not set"
    if value == "":
        return '"" (empty)'
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return f"{text} (policy)" if provenance["layer"] == "policy" else text


def write_compare_table(
    document: CompareDocument, sink: TextIO, *, show_all: bool = False, width: int | None = None
) -> None:
    """The settings that need a look first (differs, on one side only, not comparable, or
    where a side's own inputs disagree), then with ``show_all`` those expected to differ and
    those that are the same; each row's note below the table, by number (a note several rows
    share, once)."""
    console = _console(sink, width)
    for side in document["sides"]:
        where = ", ".join(side["arguments"])
        named = side["host"] if where in side["host"] else f"{side['host']} ({where})"
        console.print(f"{side['label'].upper()}: {escape(named)}")
    rows = sorted(document["rows"], key=lambda row: _COMPARE_ORDER.index(row["status"]))
    # A row needs a look whatever its status where a side's own inputs disagree, or where a
    # policy hides another local value (it returns when the GPO does not apply).
    shown = [
        row
        for row in rows
        if show_all
        or row["status"] not in _HIDDEN
        or any(row[side]["conflicts"] or row[side]["overridden"] for side in _PROVENANCES)
    ]
    notes: dict[str, int] = {}  # a note shared by several rows is numbered once
    if shown:
        table = _listing("setting", "status:nowrap", "A", "B")
        for row in shown:
            status: str = row["status"]
            numbers = [notes.setdefault(note, len(notes) + 1) for note in row["notes"]]
            if numbers:
                status += " " + "".join(f"[{number}]" for number in numbers)
            table.add_row(
                escape(row["setting"]),
                markup_escape(status),
                escape(_setting_value(row["a"], row["a_provenance"])),
                escape(_setting_value(row["b"], row["b_provenance"])),
            )
        console.print()
        console.print(table)
    for note, number in notes.items():
        _line(console, f"[{number}] {note}")
    summary = document["summary"]
    counts = ", ".join(
        f"{summary[status]} {status.replace('_', ' ')}"  # type: ignore[literal-required]
        for status in _COMPARE_ORDER
        if summary[status]  # type: ignore[literal-required]
    )
    console.print()
    hidden = sum(summary[s] for s in _HIDDEN)  # type: ignore[literal-required]
    more = "" if show_all or not hidden else " (--all lists every setting)"
    console.print(f"{summary['rows']} settings: {counts}{more}")
