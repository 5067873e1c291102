"""The LSA secrets of each host in the evidence, for `hiveparse secrets`.

Decrypted bytes are put in a record only when the caller reveals them; otherwise a record
holds the secret's name, slot, sizes and update time, which are not secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hiveparse.errors import HiveparseError
from hiveparse.evidence.open import Evidence, open_evidence, regf_hives
from hiveparse.filetime import filetime_iso
from hiveparse.model import Hive, HiveType


def _secrets_record(system: Hive, security: Hive, *, reveal: bool) -> dict[str, Any]:
    from hiveparse.crypto.chain import list_lsa_secrets, open_lsa  # noqa: PLC0415

    try:
        lsa = open_lsa(system, security)
        entries = list_lsa_secrets(system, security, reveal=reveal)
    except HiveparseError as error:
        return {"lsa": None, "secrets": [], "error": str(error)}
    secrets = []
    for entry in entries:
        record: dict[str, Any] = {
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
        secrets.append(record)
    return {
        "lsa": {
            "era": str(lsa.lsa_key.era),
            "source": lsa.lsa_key.source,
            "boot_key_control_set": lsa.boot_key.control_set,
            "pol_revision": None if lsa.pol_revision is None else list(lsa.pol_revision),
        },
        "secrets": secrets,
        "error": None,
    }


def host_secrets(
    paths: list[Path], *, reveal: bool
) -> tuple[list[dict[str, Any]], list[Evidence], list[dict[str, str]]]:
    """One record per host that has both a SYSTEM and a SECURITY hive, the evidence opened,
    and the inputs that could not be read (path, error)."""
    from hiveparse.evidence.discover import discover_evidence  # noqa: PLC0415
    from hiveparse.evidence.hosts import group_hosts  # noqa: PLC0415

    discovery = discover_evidence(paths)
    unreadable = [{"path": item.path, "error": item.message} for item in discovery.errors]
    opened = []
    for found in discovery.files:
        try:
            opened.append(open_evidence(found.path))
        except HiveparseError as error:
            unreadable.append({"path": str(found.path), "error": str(error)})
    hosts: list[dict[str, Any]] = []
    for group in group_hosts(opened):
        systems = regf_hives(group.evidence, HiveType.SYSTEM)
        securities = regf_hives(group.evidence, HiveType.SECURITY)
        if not (systems and securities):
            continue
        system, security = systems[0], securities[0]
        hosts.append(
            {
                "host": group.label,
                "system": system[0],
                "security": security[0],
                **_secrets_record(system[1], security[1], reveal=reveal),
            }
        )
    return hosts, opened, unreadable
