"""`hiveparse timebomb`'s flow: every grace-period timebomb the evidence holds (or one blob
given as hex or a file), its DPAPI header, and its exact end where the machine's keys are
among the inputs.

Vista and later keep the timebomb as the RCM\\GracePeriod value of each ControlSet; XP and
Server 2003 as the LSA secret L$RTMTIMEBOMB_... in SECURITY, opened with the SYSTEM hive's
boot key (rds-licensing.md §5). :func:`inspect_timebombs` reads what was given once and
returns records in the report model's shape (:class:`hiveparse.report.models.Timebomb`);
the command writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hiveparse.errors import Diagnostic, UsageError

if TYPE_CHECKING:
    from hiveparse.crypto.timebomb import LsaTimebomb, LsaTimebombSecrets, LsaTimebombSlot
    from hiveparse.evidence.open import Evidence
    from hiveparse.rds.facts import FactSet

MAX_BLOB_FILE = 1 << 20  # a timebomb blob is a few hundred bytes
_MISSING_SYSTEM_HIVE = (
    "the SYSTEM hive (Vista and later keep the timebomb in its RCM\\GracePeriod key; "
    "its boot key opens the XP / Server 2003 LSA secret)"
)
_MISSING_SECURITY_HIVE = (
    "the SECURITY hive (XP and Server 2003 keep the timebomb as its LSA secret "
    "L$RTMTIMEBOMB_1320153D-8DA3-4e8e-B27B-0D888223A588)"
)
_NEEDS_KEYS = (
    "the expiry is inside the encrypted data: it needs the machine's DPAPI keys "
    "(SYSTEM + SECURITY hives and the S-1-5-18 master keys)"
)


@dataclass
class TimebombInspection:
    """What ``timebomb`` found: the timebomb records, each ControlSet without one, what the
    evidence would need to hold one, the master key files that opened one (hashed), the
    evidence read and what could not be read (``problems``: one line each)."""

    timebombs: list[dict[str, Any]]
    without_timebomb: list[dict[str, Any]]
    missing: list[str]
    supporting_files: list[dict[str, Any]]
    evidence: list[Evidence]
    diagnostics: list[Diagnostic]
    problems: list[str]
    searched_nothing: bool = field(default=False)  # --from named no readable evidence

    def body(self) -> dict[str, Any]:
        """The command's own fields of its JSON document (:class:`~hiveparse.report.models.
        TimebombDocument`)."""
        return {
            "timebombs": self.timebombs,
            "without_timebomb": self.without_timebomb,
            "missing": self.missing,
            "supporting_files": self.supporting_files,
        }


def blob_file(blob: str | None) -> list[Path]:
    """The file a blob argument names, as evidence (nothing is written beside it)."""
    return [Path(blob)] if blob is not None and _is_file(blob) else []


def inspect_timebombs(
    blob: str | None, from_evidence: list[Path], keys_from: list[Path]
) -> TimebombInspection:
    """Decode ``blob`` (hex or a file) or every timebomb in ``from_evidence``; decrypt each
    with the keys found there and in ``keys_from``."""
    from hiveparse.decode.dpapi_blob import decode_blob_header  # noqa: PLC0415

    if (blob is None) == (not from_evidence):
        raise UsageError("give a blob (hex or file) or --from EVIDENCE, not both and not neither")
    for named in keys_from:
        if not named.exists():
            raise UsageError(f"{str(named)!r} does not exist")
    searched = _Opened(from_evidence)
    given = _Opened(keys_from)
    keys = _KeyMaterial(searched, given)
    found: list[tuple[dict[str, Any], bytes]] = []
    without: list[dict[str, Any]] = []
    if blob is not None:
        data = _blob_bytes(blob)
        found.append(({"argument": blob if len(blob) < 80 else blob[:77] + "..."}, data))
    else:
        found, without = _blob_values(searched.evidence)
    timebombs: list[dict[str, Any]] = []
    for where, raw in found:
        item: dict[str, Any] = {
            "kind": "dpapi_blob",
            "where": where,
            "header": decode_blob_header(raw).to_dict(),
        }
        item |= keys.decrypt(raw)
        timebombs.append(item)
    missing: list[str] = []
    if from_evidence:
        timebombs += keys.lsa_timebomb_records()
        if not timebombs and searched.evidence:
            missing = keys.missing_for_timebombs()
    opened = [*searched.evidence, *given.evidence]
    return TimebombInspection(
        timebombs=timebombs,
        without_timebomb=without,
        missing=missing,
        supporting_files=keys.supporting_files(timebombs),
        evidence=opened,
        diagnostics=[
            *searched.unreadable,
            *given.unreadable,
            *(d for item in opened for d in item.all_diagnostics),
        ],
        # Key material that could not be read (--keys) may be what the decryption needed.
        problems=[*searched.problems, *(f"--keys: {line}" for line in given.problems)],
        searched_nothing=bool(from_evidence) and not searched.evidence,
    )


class _Opened:
    """The registry evidence found in some paths (files or folders), opened once."""

    def __init__(self, paths: list[Path]) -> None:
        from hiveparse.errors import Diagnostic, HiveparseError, Severity  # noqa: PLC0415
        from hiveparse.evidence.discover import (  # noqa: PLC0415
            MAY_MISS_EVIDENCE,
            discover_evidence,
        )
        from hiveparse.evidence.open import open_evidence  # noqa: PLC0415

        self.paths = paths
        discovery = discover_evidence(paths)
        self.evidence = []
        self.problems = [str(error) for error in discovery.errors]
        # A skip that may have missed evidence (a link out, a folder too deep) is partial,
        # as in analyze: the timebomb may lie in what was skipped.
        self.problems += [str(d) for d in discovery.diagnostics if d.code in MAY_MISS_EVIDENCE]
        self.unreadable = [*discovery.diagnostics, *(e.to_diagnostic() for e in discovery.errors)]
        for found in discovery.files:
            # One file that cannot be read is its own problem (partial), not the others'.
            try:
                item = open_evidence(found.path)
            except HiveparseError as error:
                self.problems.append(str(error))
                self.unreadable.append(
                    Diagnostic("input.unreadable", error.message, error.location, Severity.ERROR)
                )
                continue
            self.evidence.append(item)
            damage = next((d for d in item.all_diagnostics if d.severity == "error"), None)
            if damage is not None:  # read in part: what it lacks may hold a timebomb
                self.problems.append(f"{damage} (read in part)")
        if paths and not discovery.files and not discovery.errors:
            self.problems.append("no registry evidence found in " + ", ".join(map(str, paths)))


class _KeyMaterial:
    """The SYSTEM / SECURITY hives and master key files among the evidence and --keys."""

    def __init__(self, searched: _Opened, given: _Opened) -> None:
        from hiveparse.evidence.masterkey_files import gather_master_keys  # noqa: PLC0415
        from hiveparse.evidence.open import regf_hives  # noqa: PLC0415
        from hiveparse.model import HiveType  # noqa: PLC0415

        paths = [*searched.paths, *given.paths]
        opened = [*searched.evidence, *given.evidence]
        self.wanted = bool(paths)
        self.evidence = {item.path: item for item in opened}
        self.systems = regf_hives(opened, HiveType.SYSTEM)
        self.securities = regf_hives(opened, HiveType.SECURITY)
        self.master_keys = gather_master_keys(volumes=paths, named=paths)

    def decrypt(self, blob: bytes) -> dict[str, Any]:
        from hiveparse.rds.grace_decrypt import decrypt_timebomb_blob  # noqa: PLC0415

        if not self.wanted:
            return {"expires": None, "expires_source": None, "expires_note": _NEEDS_KEYS}
        systems = [hive for _path, hive in self.systems]
        result = decrypt_timebomb_blob(blob, systems, self.securities, self.master_keys)
        note = result.error or ("; ".join(f"missing {m}" for m in result.missing) or None)
        return {
            "expires": result.to_dict()["expires"],
            "expires_source": "decrypted" if result.expires else None,
            "expires_note": note,
            "decryption": result.to_dict(),
        }

    def supporting_files(self, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The master key files that opened a timebomb, hashed: they changed the result
        without being registry evidence (analyze lists them the same way)."""
        import hashlib  # noqa: PLC0415

        used = {r["decryption"]["master_key_file"] for r in found if r.get("decryption")}
        return [
            {
                "path": ref.path,
                "sha256": hashlib.sha256(ref.data).hexdigest(),
                "size": len(ref.data),
                "role": "DPAPI master key that opened the grace-period timebomb",
            }
            for ref in self.master_keys.files.values()
            if ref.path in used
        ]

    def lsa_timebomb_records(self) -> list[dict[str, Any]]:
        """One record per slot of every XP / 2003 timebomb secret (L$RTMTIMEBOMB_...)."""
        from hiveparse.crypto.timebomb import open_lsa_timebombs  # noqa: PLC0415

        records: list[dict[str, Any]] = []
        for secrets in open_lsa_timebombs(self.securities, self.systems):
            readings = {(r.name, r.slot): r for r in secrets.timebombs}
            records.extend(
                _lsa_record(self.evidence, secrets, slot, readings.get((slot.name, slot.slot)))
                for slot in secrets.slots
            )
        return records

    def missing_for_timebombs(self) -> list[str]:
        """What the evidence would need to hold a timebomb hiveparse can read."""
        missing = []
        if not self.systems:
            missing.append(_MISSING_SYSTEM_HIVE)
        if not self.securities:
            missing.append(_MISSING_SECURITY_HIVE)
        return missing


def _lsa_record(
    evidence: dict[str, Any],
    secrets: LsaTimebombSecrets,
    stored: LsaTimebombSlot,
    reading: LsaTimebomb | None,
) -> dict[str, Any]:
    """An LSA timebomb slot: where it is, which hives opened it, its FILETIME (never the
    key or any other plaintext: a plaintext that is no FILETIME is described, not shown)."""
    from hiveparse.crypto.lsa import SECRETS  # noqa: PLC0415
    from hiveparse.crypto.timebomb import TimebombStatus  # noqa: PLC0415
    from hiveparse.filetime import filetime_iso  # noqa: PLC0415
    from hiveparse.rds.grace_decrypt import GraceDecryption  # noqa: PLC0415

    source = evidence.get(secrets.security)
    where = {
        "source": secrets.security,
        "sha256": None if source is None else source.sha256,
        "hive": "SECURITY",
        "key_path": f"HKEY_LOCAL_MACHINE\\SECURITY\\{SECRETS}\\{stored.name}\\{stored.slot}",
        "secret": stored.name,
        "slot": stored.slot,
        "slot_written": filetime_iso(stored.written_filetime),
        "slot_written_raw": stored.written_filetime,
    }
    steps: dict[str, str | None] = {}
    if secrets.system is not None:
        steps = {
            "boot_key_control_set": secrets.boot_key_control_set,
            "lsa_era": secrets.lsa_era,
            "secret": f"{stored.name} {stored.slot}",
        }
    if reading is None:
        result = GraceDecryption(
            "missing_keys" if secrets.missing else "failed",
            security_hive=secrets.security,
            missing=list(secrets.missing),
            error="; ".join(secrets.errors) or None,
        )
    elif reading.reading.status is TimebombStatus.FILETIME:
        result = GraceDecryption(
            "lsa_secret",
            expires=reading.reading.end,
            filetime=reading.reading.filetime,
            security_hive=secrets.security,
            steps=steps,
        )
    else:
        result = GraceDecryption(
            "failed",
            filetime=reading.reading.filetime,
            security_hive=secrets.security,
            steps=steps,
            error=f"decrypted, but {reading.reading.message}",
        )
    decryption = result.to_dict() | {"system_hive": secrets.system}
    note = result.error or ("; ".join(f"missing {m}" for m in result.missing) or None)
    return {
        "kind": "lsa_secret",
        "where": where,
        "header": None,
        "expires": decryption["expires"],
        "expires_source": "lsa_secret" if result.expires else None,
        "expires_note": note,
        "filetime": result.filetime,
        "decryption": decryption,
    }


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except OSError:  # a long hex string is no valid file name
        return False


def _blob_bytes(text: str) -> bytes:
    from hiveparse.errors import EvidenceError, UsageError  # noqa: PLC0415

    path = Path(text)
    if _is_file(text):
        try:
            if path.stat().st_size > MAX_BLOB_FILE:
                raise UsageError(
                    f"{text!r} is larger than {MAX_BLOB_FILE} bytes: not a timebomb blob"
                )
            return path.read_bytes()
        except OSError as error:
            raise EvidenceError(f"cannot read: {error.strerror or error}", source=text) from error
    cleaned = "".join(text.replace(",", " ").split())
    try:
        return bytes.fromhex(cleaned)
    except ValueError as error:
        raise UsageError(f"{text[:40]!r} is neither a file nor hex bytes") from error


def _blob_values(
    evidence: list[Evidence],
) -> tuple[list[tuple[dict[str, Any], bytes]], list[dict[str, Any]]]:
    """Every timebomb value (every ControlSet) in the evidence, with where it was; and each
    ControlSet of a SYSTEM input that holds none, with what the input shows there."""
    from hiveparse.rds.facts import collect_facts  # noqa: PLC0415

    facts = collect_facts(evidence)
    values = facts.all("grace.timebomb") + facts.all("grace.timebomb_beta")
    found = [(fact.evidence_record(), fact.value.raw) for fact in values if fact.value is not None]
    return found, _without_timebomb(evidence, facts)


def _without_timebomb(evidence: list[Evidence], facts: FactSet) -> list[dict[str, Any]]:
    """The ControlSets of each SYSTEM input with no timebomb value: the GracePeriod key
    without one, no GracePeriod key, or a part of the registry the input does not show (a
    .reg file that does not export GracePeriod says nothing of it)."""
    from hiveparse.evidence.coverage import CHANGE_SCRIPT, source_coverage  # noqa: PLC0415
    from hiveparse.model import HiveType  # noqa: PLC0415
    from hiveparse.rds.locations import BY_FACT, CCS  # noqa: PLC0415

    with_timebomb = {
        (fact.evidence.path, fact.mounted.mount, fact.control_set)
        for fact in facts.all("grace.timebomb") + facts.all("grace.timebomb_beta")
    }
    grace_keys = {
        (fact.evidence.path, fact.mounted.mount, fact.control_set)
        for fact in facts.all("grace.key")
    }
    pattern = BY_FACT["grace.key"].key
    records: list[dict[str, Any]] = []
    for item in evidence:
        for mounted in item.hives:
            listed = facts.control_sets.get(f"{item.path}|{mounted.mount}")
            if mounted.hive.hive_type != HiveType.SYSTEM or listed is None:
                continue
            for name in listed["available"]:
                place = (item.path, mounted.mount, name)
                if place in with_timebomb:
                    continue
                key_path = pattern.replace(CCS, name, 1)
                coverage = source_coverage(item, mounted, name)
                if coverage.kind == CHANGE_SCRIPT:
                    state = "not known: the input is a change script, which need not show it"
                elif not coverage.covers(key_path):
                    state = "not known: the input does not show GracePeriod"
                elif place in grace_keys:
                    state = "the GracePeriod key holds no timebomb value"
                else:
                    state = "there is no GracePeriod key"
                records.append(
                    {
                        "source": item.path,
                        "sha256": item.sha256,
                        "key_path": f"{mounted.mount}\\{key_path}",
                        "control_set": name,
                        "current_control_set": name == listed["current"],
                        "state": state,
                    }
                )
    return records
