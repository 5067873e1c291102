"""What a .reg file does to the licensing locations, in plain words, line by line.

A .reg file is a change script: imported, it sets values and (with ``[-key]`` / ``"v"=-``)
deletes keys and values. For every .reg input of a host this lists the operations at the
locations of the table (hiveparse.rds.locations) with their line and what they mean: "sets
LicensingMode = 4: Per User", "deletes the grace-period timebomb", "deletes the client license
store". Everything else the file holds is counted, not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hiveparse.model import EvidenceFormat
from hiveparse.rds.facts import Deletion, Fact, FactSet, dword_of, script_name
from hiveparse.rds.judge import describe_place
from hiveparse.rds.locations import BY_FACT
from hiveparse.values import show_value

MODE_WORDS = {
    0: "Personal RD Session Host",
    1: "Remote Desktop for Administration",
    2: "Per Device",
    4: "Per User",
    5: "not configured",
    6: "AAD Per User",
}
SECURITY_LAYER_WORDS = {0: "RDP security (no TLS)", 1: "negotiate", 2: "TLS"}
ENCRYPTION_WORDS = {1: "low", 2: "client compatible", 3: "high", 4: "FIPS compliant"}

# What deleting the place of a fact means, where the table's own words say less.
DELETION_WORDS = {
    "grace.timebomb": "deletes the grace-period timebomb (a grace-period reset, §5.5)",
    "grace.timebomb_beta": "deletes the grace-period timebomb (beta name; a reset, §5.5)",
    "grace.key": "deletes the GracePeriod key and the timebomb in it (a reset, §5.5)",
    "client.store": "deletes the client license store (the CALs this client holds, §7.2)",
    "client.store_wow64": "deletes the client license store (32-bit view, §7.2)",
    "client.hwid": "deletes the client hardware id (a new one is made, §7.1)",
    "client.hwid_wow64": "deletes the client hardware id (32-bit view, §7.1)",
    "mode.local": "deletes the local licensing mode",
    "mode.policy": "deletes the Group Policy licensing mode",
    "servers.local": "deletes the local license server list",
    "servers.policy": "deletes the Group Policy license server list",
    "cert.x509": "deletes the host's license-server certificate (X509 Certificate, §6A)",
}


def setting_meaning(fact: Fact) -> str:
    """What the value at a location means, for a person."""
    fact_id = fact.location.fact
    number = dword_of(fact)
    if fact_id.startswith("mode.") and number is not None:
        return f"licensing mode {number}: {MODE_WORDS.get(number, 'not a documented mode')}"
    if fact_id.startswith("rdp.deny.") and number is not None:
        return "remote connections allowed" if number == 0 else "remote connections denied"
    if fact_id.startswith("rdp.nla") and number is not None:
        return (
            "Network Level Authentication required"
            if number == 1
            else "Network Level Authentication not required"
        )
    if fact_id.startswith("rdp.security_layer") and number is not None:
        return f"security layer {SECURITY_LAYER_WORDS.get(number, 'undefined')}"
    if fact_id.startswith("rdp.min_encryption") and number is not None:
        return f"minimum encryption level {ENCRYPTION_WORDS.get(number, 'undefined')}"
    if fact_id == "rdp.port" and number is not None:
        return f"RDP listens on port {number}"
    if fact_id.startswith("servers.") and fact.decoded:
        names = fact.decoded if isinstance(fact.decoded, list) else [fact.decoded]
        return f"license servers {', '.join(str(name) for name in names)}"
    if fact_id == "policy.hide_tooltip" and number is not None:
        return "licensing notifications hidden" if number == 1 else "licensing notifications shown"
    return fact.location.meaning


@dataclass(frozen=True)
class Change:
    source: str
    line: int | None  # a line of ``script``
    script: str  # the .reg file the operation is in: the input itself, or the .reg file a
    # converted hive was written from (its base name, as the hive's origin marker keeps it)
    action: str  # "set" | "delete_key" | "delete_value"
    key_path: str
    value_name: str | None
    data: str | None
    meaning: str
    facts: tuple[str, ...]
    control_set: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "script": self.script,
            "line": self.line,
            "action": self.action,
            "key_path": self.key_path,
            "value_name": self.value_name,
            "data": self.data,
            "control_set": self.control_set,
            "meaning": self.meaning,
            "facts": list(self.facts),
        }

    @property
    def words(self) -> str:
        """One line: ``line 12: sets LicensingMode = 4: licensing mode 4: Per User``."""
        where = f"line {self.line}: " if self.line is not None else ""
        if self.action == "set":
            return f"{where}sets {self.value_name} = {self.data} ({self.meaning})"
        return f"{where}{self.meaning}"


def _from_script(fact: Fact) -> bool:
    """A value a .reg file sets: read from the file, or from a hive converted from one
    (where no line is known: the hive keeps the values, not their lines)."""
    if fact.value is None:
        return False
    return fact.evidence.format == EvidenceFormat.REG or fact.mounted.hive.written_by_converter


def _set(fact: Fact) -> Change:
    value = fact.value
    assert value is not None
    return Change(
        fact.evidence.path,
        value.provenance.line,
        script_name(fact.evidence),
        "set",
        fact.full_key_path,
        value.name or "(default)",
        show_value(fact.decoded, limit=60),
        setting_meaning(fact),
        (fact.location.fact,),
        fact.control_set,
    )


def _deleted(deletion: Deletion) -> Change:
    words = [DELETION_WORDS[f] for f in deletion.facts if f in DELETION_WORDS]
    if not words:
        first = BY_FACT[deletion.facts[0]]
        words = [f"deletes the {describe_place(first)} ({first.meaning})"]
    return Change(
        deletion.evidence.path,
        deletion.line,
        deletion.script,
        "delete_value" if deletion.value_name is not None else "delete_key",
        deletion.key_path,
        deletion.value_name,
        None,
        "; ".join(dict.fromkeys(words)),
        deletion.facts,
    )


@dataclass
class ScriptChanges:
    """The licensing operations of the host's .reg inputs, in file and line order."""

    changes: list[Change] = field(default_factory=list)

    def to_list(self) -> list[dict[str, Any]]:
        return [change.to_dict() for change in self.changes]


def script_changes(facts: FactSet) -> ScriptChanges:
    changes = [_set(fact) for fact in facts.facts if _from_script(fact)]
    changes += [_deleted(deletion) for deletion in facts.deletions]
    changes.sort(key=lambda change: (change.source, change.line or 0))
    return ScriptChanges(changes)
