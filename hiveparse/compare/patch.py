"""The .reg patch of a diff: imported on A's machine, it gives the keys and values B holds.

Regedit version 5 (UTF-16LE with a BOM, CRLF), as ``reg import`` and regedit take it. After
a comment header naming both sides and the hashes of their files, only the differences:

* a key only A has: ``[-key]`` (once, for the whole subtree);
* a key only B has: ``[key]`` and its values (each subkey a block of its own);
* a value added or changed in B: written as B holds it (type and stored bytes, as regedit
  exports them, :func:`hiveparse.export.regfile.iter_value_text`);
* a value only A has: ``"name"=-`` (``@=-`` for the default value).

SYSTEM paths are in their ``CurrentControlSet`` form (with the default control-set mode), so
the patch imports on a machine whatever set it booted from. Key times are not settings and
are never in a patch; places the diff did not compare (outside what either side covers, or
ignored) are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterator

from hiveparse.compare.diff import Change, DiffResult
from hiveparse.compare.sides import Side
from hiveparse.errors import printable
from hiveparse.export.regfile import CRLF, escape_string, iter_value_text
from hiveparse.model import fold_name

HEADER = "Windows Registry Editor Version 5.00"


def patch_lines(result: DiffResult) -> Iterator[str]:
    """The patch's lines, each with its CRLF."""
    yield HEADER + CRLF
    yield CRLF
    for line in _comment(result):
        # printable: a name or path from the evidence may hold a line break, which would end
        # the comment and make the rest a line of the patch
        yield f"; {printable(line)}{CRLF}" if line else f";{CRLF}"
    # The differences come depth first: what lies below a key deleted (or left out) follows
    # it at once, and nothing below it is written.
    skipped: str | None = None  # folded "path\" of that key
    block: str | None = None  # the key whose block is open
    for item in result.differences:
        folded = fold_name(item.path) + "\\"
        if skipped is not None and folded.startswith(skipped):
            continue
        skipped = None
        why = item.machine_specific
        if _breaks_line(item.path) or _breaks_line(item.name or ""):
            # A line break in a name cannot be written in a .reg file: it would end the
            # line, and what follows it would be read as a line of its own.
            if item.kind == "key":
                skipped = folded
            named = printable(item.path) + ("" if item.name is None else f" {item.name!r}")
            yield f"; not carried over (a line break in a name): {printable(named)}{CRLF}"
            continue
        if item.kind == "key":
            block = None
            if item.change == Change.CHANGED:
                continue  # a key whose time changed is no setting
            line = f"[-{item.path}]" if item.change == Change.REMOVED else f"[{item.path}]"
            if why is not None:
                skipped = folded
                yield f"{CRLF}; not carried over (machine-specific: {why}): {line}{CRLF}"
                continue
            if item.change == Change.REMOVED:
                skipped = folded
            else:
                block = item.path
            yield f"{CRLF}{line}{CRLF}"
            continue
        name = item.name or ""
        shown = "@" if name == "" else f'"{escape_string(name)}"'
        if why is not None:
            # Named only: a comment never holds a value's data (a hex line ends in "\\").
            what = "deletion of" if item.b is None else "value"
            yield f"; not carried over (machine-specific: {why}): {what} {shown} of "
            yield f"[{item.path}]{CRLF}"
            continue
        if block != item.path:
            block = item.path
            yield f"{CRLF}[{item.path}]{CRLF}"
        if item.b is None:
            yield f"{shown}=-{CRLF}"
        else:
            yield from iter_value_text(name, item.b.type_id or 0, item.b.raw or b"")
    yield CRLF


def _breaks_line(text: str) -> bool:
    return "\r" in text or "\n" in text


def patch_bytes(result: DiffResult) -> bytes:
    """The patch as the file holds it: UTF-16LE with a BOM (names keep unpaired surrogates
    as the code units Windows stores)."""
    text = "".join(patch_lines(result))
    return b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass")


def _comment(result: DiffResult) -> list[str]:
    options = result.options
    lines = []
    if result.partial:
        lines += [
            "PARTIAL: part of the evidence could not be read (see the diff's diagnostics): what",
            "this patch sets or deletes rests on what could be read, and may be incomplete.",
        ]
    lines += [
        "hiveparse diff --format reg: imported on A's machine, this gives the keys and values",
        "B holds where the two were compared (see the diff's not_compared). Key times, ignored",
        "places and machine-specific values (named in comments below) are not carried over.",
        *_side_lines("A", result.a),
        *_side_lines("B", result.b),
        f"key: {options.key or '(every hive both sides hold)'}",
        f"control sets: {options.control_sets}",
    ]
    lines += [f"ignored: {rule.pattern}" for rule in result.ignore.rules if rule.why is None]
    if options.default_ignores:
        lines.append("ignored: the places Windows rewrites on its own (hiveparse diff's defaults)")
    return lines


def _side_lines(label: str, side: Side) -> list[str]:
    compared = {mount.evidence.path for mount in side.mounts.values()}
    lines = [f"{label}: {side.host}"]
    lines += [
        f"  {item.path} sha256 {item.sha256}" + ("" if item.path in compared else " (set aside)")
        for item in side.evidence
    ]
    return lines
