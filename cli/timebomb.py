"""`hiveparse timebomb`: what a grace-period timebomb blob says without any key."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import EXIT_OK
from .options import Format, FormatOpt, chosen_format

_NEEDS_KEYS = (
    "the expiry is inside the encrypted data: it needs the machine's DPAPI keys "
    "(SYSTEM + SECURITY hives and the S-1-5-18 master keys)"
)


def timebomb(
    blob: Annotated[
        str | None,
        typer.Argument(help="The blob as hex, or a file holding it (raw bytes)."),
    ] = None,
    from_evidence: Annotated[
        list[Path] | None,
        typer.Option(
            "--from", help="Read every timebomb value (every ControlSet) from hives or .reg files."
        ),
    ] = None,
    output_format: FormatOpt = None,
) -> None:
    """Decode a grace-period timebomb: DPAPI header, master key, algorithms, lengths."""
    from hiveparse.dpapi_blob import decode_blob_header  # noqa: PLC0415
    from hiveparse.errors import UsageError  # noqa: PLC0415
    from hiveparse.report.render import write_json, write_jsonl  # noqa: PLC0415

    if (blob is None) == (not from_evidence):
        raise UsageError("give a blob (hex or file) or --from EVIDENCE, not both and not neither")
    found: list[dict[str, Any]] = []
    if blob is not None:
        data = _blob_bytes(blob)
        found.append({"where": {"argument": blob if len(blob) < 80 else blob[:77] + "..."}})
        found[0]["header"] = decode_blob_header(data).to_dict()
    else:
        for where, raw in _from_evidence(from_evidence or []):
            found.append({"where": where, "header": decode_blob_header(raw).to_dict()})
    for item in found:
        item["expires"] = None
        item["expires_note"] = _NEEDS_KEYS
    fmt = chosen_format(output_format)
    if fmt == Format.JSONL:
        write_jsonl(found, sys.stdout)
    elif fmt == Format.JSON:
        write_json({"timebombs": found}, sys.stdout)
    else:
        _write_text(found)
    raise typer.Exit(EXIT_OK)


def _blob_bytes(text: str) -> bytes:
    from hiveparse.errors import EvidenceError, UsageError  # noqa: PLC0415

    path = Path(text)
    try:
        is_file = path.is_file()
    except OSError:  # a long hex string is no valid file name
        is_file = False
    if is_file:
        try:
            return path.read_bytes()
        except OSError as error:
            raise EvidenceError(f"cannot read: {error.strerror or error}", source=text) from error
    cleaned = "".join(text.replace(",", " ").split())
    try:
        return bytes.fromhex(cleaned)
    except ValueError as error:
        raise UsageError(f"{text[:40]!r} is neither a file nor hex bytes") from error


def _from_evidence(paths: list[Path]) -> list[tuple[dict[str, Any], bytes]]:
    from hiveparse.discover import discover_evidence  # noqa: PLC0415
    from hiveparse.evidence import open_evidence  # noqa: PLC0415
    from hiveparse.rds.facts import collect_facts  # noqa: PLC0415

    discovery = discover_evidence(paths)
    evidence = [open_evidence(found.path) for found in discovery.files]
    facts = collect_facts(evidence)
    values = facts.all("grace.timebomb") + facts.all("grace.timebomb_beta")
    return [(fact.evidence_record(), fact.value.raw) for fact in values if fact.value is not None]


def _write_text(found: list[dict[str, Any]]) -> None:
    out = sys.stdout
    if not found:
        out.write("no timebomb value found\n")
    for item in found:
        where = item["where"]
        label = where.get("key_path", where.get("argument", "?"))
        if where.get("control_set"):
            current = ", current" if where.get("current_control_set") else ""
            label += f" ({where['control_set']}{current})"
        header = item["header"]
        out.write(f"{label}\n")
        out.write(f"  DPAPI-shaped   {header['dpapi_shaped']}   ({header['length']} bytes)\n")
        if header["master_key_guid"]:
            out.write(f"  master key     {header['master_key_guid']}\n")
            out.write(f"  flags          {header['flags']} {' '.join(header['flag_names'])}\n")
            out.write(
                f"  algorithms     {header['crypt_algorithm']} ({header['crypt_key_bits']} bits), "
                f"{header['hash_algorithm']} ({header['hash_bits']} bits)\n"
            )
            out.write(f"  ciphertext     {header['data_length']} bytes\n")
        for problem in header["problems"]:
            out.write(f"  problem        {problem}\n")
        out.write(f"  expires        unknown: {item['expires_note']}\n")
