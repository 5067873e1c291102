"""The report of ``hiveparse secrets``: each host's LSA secrets, names only by default.

Decrypted bytes are put in a record only when the caller reveals them; otherwise a record
holds the secret's name, slot, sizes and update time, which are not secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from hiveparse.errors import Diagnostic, EvidenceError, HiveparseError, UsageError
from hiveparse.filetime import filetime_iso
from hiveparse.rds.lsa_secrets import LsaPair, lsa_pairs
from hiveparse.report import records

if TYPE_CHECKING:
    from hiveparse.report.models import SecretRecord, SecretsDocument, SecretsHost, Unreadable


def secrets_host_record(pair: LsaPair, *, reveal: bool) -> SecretsHost:
    """One host's record: its LSA key's provenance and its secrets (values with ``reveal``),
    or the error that kept the LSA closed."""
    from hiveparse.crypto.chain import list_lsa_secrets, open_lsa  # noqa: PLC0415

    host: SecretsHost = {
        "host": pair.host,
        "system": pair.system_path,
        "security": pair.security_path,
        "lsa": None,
        "secrets": [],
        "error": None,
    }
    try:
        lsa = open_lsa(pair.system, pair.security)
        entries = list_lsa_secrets(pair.system, pair.security, reveal=reveal)
    except HiveparseError as error:
        host["error"] = str(error)
        return host
    for entry in entries:
        record: SecretRecord = {
            "name": entry.name,
            "slot": entry.slot,
            "stored_length": entry.stored_length,
            "length": entry.length,
            "updated": filetime_iso(entry.updated_filetime),
            "updated_raw": entry.updated_filetime,
            "error": entry.error,
        }
        if reveal and entry.plaintext is not None:
            record["value"] = entry.plaintext.hex()
        host["secrets"].append(record)
    host["lsa"] = {
        "era": str(lsa.lsa_key.era),
        "source": lsa.lsa_key.source,
        "boot_key_control_set": lsa.boot_key.control_set,
        "pol_revision": None if lsa.pol_revision is None else list(lsa.pol_revision),
    }
    return host


def secrets_report(paths: list[Path], *, reveal: bool) -> tuple[SecretsDocument, list[Diagnostic]]:
    """The secrets document of the evidence, and the diagnostics of reading it.

    UsageError when no host has both a SYSTEM and a SECURITY hive; EvidenceError when that
    is because inputs could not be read. The document is partial when an input could not
    be read, a hive not whole, an LSA not opened or a secret not decrypted."""
    pairs, opened, unreadable = lsa_pairs(paths)
    if not pairs:
        problems = "; ".join(f"{item['path']}: {item['error']}" for item in unreadable[:3])
        message = "no host with both a SYSTEM and a SECURITY hive among the evidence"
        if problems:  # what was given could not be read: the evidence's problem
            raise EvidenceError(f"{message} ({problems})")
        raise UsageError(message)
    hosts = [secrets_host_record(pair, reveal=reveal) for pair in pairs]
    diagnostics = [d for item in opened for d in item.all_diagnostics]
    partial = (
        bool(unreadable)
        or records.is_partial(diagnostics)
        or any(host["error"] or any(s["error"] for s in host["secrets"]) for host in hosts)
    )
    body: dict[str, Any] = {
        "revealed": reveal,
        "hosts": hosts,
        "unreadable": cast("list[Unreadable]", unreadable),
    }
    document = records.envelope(opened, body, partial=partial, diagnostics=diagnostics)
    return cast("SecretsDocument", document), diagnostics
