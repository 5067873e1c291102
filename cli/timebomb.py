"""`hiveparse timebomb`: what a grace-period timebomb blob says without any key."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import EXIT_OK
from .options import Format, FormatOpt, chosen_format

_MAX_BLOB_FILE = 1 << 20  # a timebomb blob is a few hundred bytes
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
    keys_from: Annotated[
        list[Path] | None,
        typer.Option(
            "--keys",
            help="SYSTEM and SECURITY hives, master key files or a volume folder holding them: "
            "the blob is then decrypted to the exact end of the grace period.",
        ),
    ] = None,
    output_format: FormatOpt = None,
) -> None:
    """Decode a grace-period timebomb: DPAPI header, master key, algorithms, lengths; with
    the machine's keys (--keys, or a volume given to --from), the exact expiry."""
    from hiveparse.dpapi_blob import decode_blob_header  # noqa: PLC0415
    from hiveparse.errors import UsageError  # noqa: PLC0415
    from hiveparse.report.render import write_json, write_jsonl  # noqa: PLC0415

    if (blob is None) == (not from_evidence):
        raise UsageError("give a blob (hex or file) or --from EVIDENCE, not both and not neither")
    found: list[tuple[dict[str, Any], bytes]] = []
    if blob is not None:
        data = _blob_bytes(blob)
        found.append(({"argument": blob if len(blob) < 80 else blob[:77] + "..."}, data))
    else:
        found = _from_evidence(from_evidence or [])
    for named in keys_from or []:
        if not named.exists():
            raise UsageError(f"{str(named)!r} does not exist")
    keys = _KeyMaterial([*(from_evidence or []), *(keys_from or [])])
    found_records: list[dict[str, Any]] = []
    for where, raw in found:
        item: dict[str, Any] = {"where": where, "header": decode_blob_header(raw).to_dict()}
        item |= keys.decrypt(raw)
        found_records.append(item)
    fmt = chosen_format(output_format)
    if fmt == Format.JSONL:
        write_jsonl(found_records, sys.stdout)
    elif fmt == Format.JSON:
        write_json({"timebombs": found_records}, sys.stdout)
    else:
        _write_text(found_records)
    raise typer.Exit(EXIT_OK)


class _KeyMaterial:
    """The SYSTEM / SECURITY hives and master key files among some paths (files or folders)."""

    def __init__(self, paths: list[Path]) -> None:
        from hiveparse.discover import discover_evidence  # noqa: PLC0415
        from hiveparse.evidence import open_evidence, regf_hives  # noqa: PLC0415
        from hiveparse.masterkeys import gather_master_keys  # noqa: PLC0415
        from hiveparse.model import HiveType  # noqa: PLC0415

        self.wanted = bool(paths)
        opened = [open_evidence(found.path) for found in discover_evidence(paths).files]
        self.systems = [hive for _path, hive in regf_hives(opened, HiveType.SYSTEM)]
        self.securities = regf_hives(opened, HiveType.SECURITY)
        self.master_keys = gather_master_keys(volumes=paths, named=paths)

    def decrypt(self, blob: bytes) -> dict[str, Any]:
        from hiveparse.rds.grace_decrypt import decrypt_timebomb_blob  # noqa: PLC0415

        if not self.wanted:
            return {"expires": None, "expires_source": None, "expires_note": _NEEDS_KEYS}
        result = decrypt_timebomb_blob(blob, self.systems, self.securities, self.master_keys)
        note = result.error or ("; ".join(f"missing {m}" for m in result.missing) or None)
        return {
            "expires": result.to_dict()["expires"],
            "expires_source": "decrypted" if result.expires else None,
            "expires_note": note,
            "decryption": result.to_dict(),
        }


def _blob_bytes(text: str) -> bytes:
    from hiveparse.errors import EvidenceError, UsageError  # noqa: PLC0415

    path = Path(text)
    try:
        is_file = path.is_file()
    except OSError:  # a long hex string is no valid file name
        is_file = False
    if is_file:
        try:
            if path.stat().st_size > _MAX_BLOB_FILE:
                raise UsageError(
                    f"{text!r} is larger than {_MAX_BLOB_FILE} bytes: not a timebomb blob"
                )
            return path.read_bytes()
        except OSError as error:
            raise EvidenceError(f"cannot read: {error.strerror or error}", source=text) from error
    cleaned = "".join(text.replace(",", " ").split())
    try:
        return bytes.fromhex(cleaned)
    except ValueError as error:
        raise UsageError(f"{text[:40]!r} is neither a file nor hex bytes") from error


def _from_evidence(paths: list[Path]) -> list[tuple[dict[str, Any], bytes]]:
    """Every timebomb value (every ControlSet) in the evidence, with where it was."""
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
        if item["expires"]:
            out.write(f"  expires        {item['expires']} (decrypted)\n")
        else:
            out.write(f"  expires        unknown: {item['expires_note']}\n")
