"""Findings about .reg change scripts: what a customer's "fix" file would delete.

A .reg file is a change script (reliability.md §3): ``[-key]`` and ``"value"=-`` remove what
a snapshot can no longer show. These rules read the deletions the facts matched to the
location table, so a support engineer sees what running the file would do before anyone
runs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from hiveparse.rds import remediation
from hiveparse.rds.facts import Deletion
from hiveparse.rds.findings import Basis, Finding, FindingSeverity, Indicator
from hiveparse.rds.locations import Status
from hiveparse.rds.state import LicensingState

GRACE_FACTS = frozenset({"grace.timebomb", "grace.timebomb_beta", "grace.key"})
MAX_LISTED = 12  # operations named in the finding's detail; the report's changes has all
CLIENT_FACTS = frozenset({"client.store", "client.store_wow64", "client.hwid", "client.hwid_wow64"})


def _indicator(deletion: Deletion, name: str, description: str, status: Status) -> Indicator:
    return Indicator(name, description, "§5.5, §7, §10", status, deletion.evidence_record())


def _where(deletion: Deletion) -> str:
    target = deletion.key_path
    if deletion.value_name is not None:
        target += f' value "{deletion.value_name}"'
    return f"{target} (line {deletion.line} of {Path(deletion.script).name})"


def rule_grace_reset_script(state: LicensingState) -> Iterator[Finding]:
    """§5.5, §10: a .reg that deletes the timebomb (or its key) resets the grace period."""
    hits = [d for d in state.facts.deletions if GRACE_FACTS & set(d.facts)]
    if not hits:
        return
    basis = Basis()
    for deletion in hits:
        basis.indicator(
            _indicator(
                deletion,
                "script_deletes_timebomb",
                f"deletes {_where(deletion)}",
                Status.CONFIRMED,
            )
        )
    listing = "; ".join(_where(d) for d in hits)
    yield Finding.build(
        "rds.grace.reset_script",
        FindingSeverity.HIGH,
        "This .reg file resets the RDS licensing grace period",
        f"Running this file deletes the grace-period timebomb: {listing}. After the next "
        "Remote Desktop Services restart Windows creates a fresh 120-day timebomb (§5.3, "
        "§5.5): users stop seeing licensing errors for a while, and the real problem (no "
        "licensing mode, license server or CALs) comes back when it runs out.",
        basis,
        remediation.GRACE_RESET_SCRIPT,
    )


def rule_client_store_reset(state: LicensingState) -> Iterator[Finding]:
    """§7: deleting MSLicensing (HWID, stored licenses) makes the client ask anew."""
    hits = [d for d in state.facts.deletions if CLIENT_FACTS & set(d.facts)]
    if not hits:
        return
    basis = Basis()
    for deletion in hits:
        basis.indicator(
            _indicator(
                deletion,
                "script_deletes_client_store",
                f"deletes {_where(deletion)}",
                Status.CONFIRMED,
            )
        )
    yield Finding.build(
        "rds.client.store_reset",
        FindingSeverity.INFO,
        "This .reg file resets the RDP client's license store",
        "Running this file deletes the client's cached license data: "
        + "; ".join(_where(d) for d in hits)
        + ". The client generates a new hardware id and requests a new license at its next "
        "connection (§7.1, §7.2). This is a common, legitimate fix for client licensing errors "
        "(0x104 HWID mismatch, 0x105 bad client license, 0x109 cannot upgrade).",
        basis,
        remediation.CLIENT_STORE_RESET,
    )


def rule_change_script(state: LicensingState) -> Iterator[Finding]:
    """§8.2: a .reg with deletions describes changes, not a machine's state."""
    total = state.facts.deletions_total
    if not total:
        return
    from hiveparse.rds.changes import script_changes  # noqa: PLC0415

    licensing = state.facts.deletions
    changes = script_changes(state.facts).changes
    shown = "; ".join(change.words for change in changes[:MAX_LISTED])
    extra = len(changes) - MAX_LISTED
    more = f"; and {extra} more (see changes)" if extra > 0 else ""
    doing = f" Imported, it does this at the licensing locations: {shown}{more}." if changes else ""
    yield Finding.build(
        "rds.reg.change_script",
        FindingSeverity.INFO,
        "The .reg input is a change script (it deletes keys or values)",
        f"The .reg input deletes {total} key(s) or value(s), {len(licensing)} of them at "
        f"licensing locations.{doing} The report describes what the file would write; checks "
        "that "
        "rest on something being absent (no license server, no timebomb, no certificate) "
        "are not judged from a change script, since the script need not list what the "
        "machine already holds (see not_judged).",
        Basis().indicator(
            Indicator(
                "change_script",
                f"{total} deletion(s)",
                "§8.2",
                Status.CONFIRMED,
                {"deletions": [d.evidence_record() for d in licensing]},
            )
        ),
        remediation.CHANGE_SCRIPT,
    )
