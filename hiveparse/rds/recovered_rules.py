"""Findings about deleted licensing settings carved from the hives' unallocated space.

A licensing mode, license server list or policy value that was deleted leaves its record in a
free cell until the space is reused (hiveparse.sources.regf.carve). What it held tells a
responder what the host was configured with before, and that someone removed it. The grace
timebomb is left to rds.grace.reset_suspected, which weighs it with the other indicators;
context facts (computer name, RDP port, product) are not licensing settings and are left out.
"""

from __future__ import annotations

from collections.abc import Iterator

from hiveparse.rds import remediation
from hiveparse.rds.facts import Fact
from hiveparse.rds.findings import Basis, Finding, FindingSeverity, Indicator
from hiveparse.rds.locations import Status
from hiveparse.rds.state import LicensingState
from hiveparse.sources.regf.recovered import DeletedKey, DeletedValue, InferredKey
from hiveparse.values import decode_value, show_value

# Facts whose removal changes how the host licenses: a deleted one is worth a medium finding.
CONFIGURATION_FACTS = frozenset(
    {"mode.policy", "mode.local", "servers.policy", "servers.local", "servers.legacy_key"}
)


def _text(type_id: int, raw: bytes) -> str:
    return show_value(decode_value(type_id, raw).value, limit=60)


def _shown(value: DeletedValue) -> str:
    if not value.data_available:
        return f"(data {value.data_state})"
    return _text(value.type_id, value.raw)


def _live(state: LicensingState, fact: Fact) -> Fact | None:
    """The live fact at the same location (same ControlSet where the deleted one has one)."""
    for live in state.facts.all(fact.location.fact):
        if fact.control_set is None or live.control_set == fact.control_set:
            return live
    return None


def _stale_copy(fact: Fact, live: Fact | None) -> bool:
    """An older copy of what is still there (a moved key, a rewritten value), not a deletion."""
    if isinstance(fact.key, DeletedKey) and fact.key.record.live_twin:
        return True
    value, live_value = fact.value, None if live is None else live.value
    return isinstance(value, DeletedValue) and value.adds_nothing_to(live_value)


def rule_recovered_settings(state: LicensingState) -> Iterator[Finding]:
    """Deleted licensing settings recovered from free cells (DESIGN: deleted flag)."""
    found: list[tuple[Fact, Fact | None]] = []
    for fact in state.facts.recovered:
        licensing = fact.location.fact.startswith(("mode.", "servers.", "cert.", "policy."))
        if not licensing or not isinstance(fact.value, DeletedValue):
            continue
        live = _live(state, fact)
        if not _stale_copy(fact, live):
            found.append((fact, live))
    if not found:
        return
    basis = Basis()
    lines = []
    for fact, live in found:
        value = fact.value
        assert isinstance(value, DeletedValue)
        now = "now absent" if live is None else f"now {_shown_live(live)}"
        inferred = isinstance(fact.key, InferredKey)
        where = f"{fact.full_key_path}{' (key inferred from the value name)' if inferred else ''}"
        line = (
            f"{value.name} = {_shown(value)} at {where}, a deleted record at cell offset "
            f"0x{value.record.offset:x} ({value.record.location} space); {now}"
        )
        lines.append(line)
        basis.context(fact).context(live)
        basis.indicator(
            Indicator(
                "deleted_setting_recovered",
                line,
                fact.location.reference,
                Status.UNCERTAIN if inferred else fact.location.status,
                {
                    "fact": fact.location.fact,
                    "cell_offset": value.record.offset,
                    "data_state": value.data_state,
                    "key_path_inferred": inferred,
                    "live_present": live is not None,
                },
            )
        )
    changed = any(fact.location.fact in CONFIGURATION_FACTS for fact, _live_fact in found)
    detail = (
        "The hive's unallocated space still holds licensing settings that were deleted: "
        + "; ".join(lines)
        + ". They show how the host was configured before and that the setting was removed "
        "(by a person, a script or a policy change); when is not recorded, but the key's "
        "last-written time bounds it."
    )
    yield Finding.build(
        "rds.recovered.deleted_settings",
        FindingSeverity.MEDIUM if changed else FindingSeverity.LOW,
        "Deleted RDS licensing settings recovered from the hive",
        detail,
        basis,
        remediation.RECOVERED_SETTINGS,
    )


def _shown_live(fact: Fact) -> str:
    value = fact.value
    return "the key only" if value is None else _text(value.type_id, value.raw)
