"""The owner and explicit FullControl ACEs of ``RCM\\GracePeriod`` (raw hives only).

Reset playbooks take ownership of the key for BUILTIN\\Administrators and add a FullControl
ACE before deleting the timebomb (reference §5.6, §10). This reads the key's security
descriptor, and its parent RCM's for comparison, into the shape the rules consume.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hiveparse.decode.security import Ace, SecurityDescriptor, parse_security_descriptor
from hiveparse.errors import CorruptStructure
from hiveparse.rds.facts import Fact

ACCESS_ALLOWED = 0x00
INHERITED_ACE = 0x10
KEY_ALL_ACCESS = 0x000F003F
GENERIC_ALL = 0x10000000


def _full_control(ace: Ace) -> bool:
    return ace.mask & KEY_ALL_ACCESS == KEY_ALL_ACCESS or bool(ace.mask & GENERIC_ALL)


def explicit_full_control_sids(descriptor: SecurityDescriptor) -> list[str]:
    """Trustees of allow-FullControl ACEs set on the key itself (not inherited)."""
    return [
        ace.sid
        for ace in descriptor.dacl or []
        if ace.type_id == ACCESS_ALLOWED
        and not ace.flags & INHERITED_ACE
        and _full_control(ace)
        and ace.sid is not None
    ]


@dataclass
class GraceKeySecurityInfo:
    owner_sid: str | None
    full_control_sids: list[str]
    record: dict[str, Any] = field(default_factory=dict)


def grace_key_security(fact: Fact | None) -> GraceKeySecurityInfo | None:
    """What the GracePeriod key's descriptor says (``fact``: the ``grace.key`` fact); None
    for .reg input or no key. Decoded once, while the state is built."""
    if fact is None:
        return None
    raw = fact.security_descriptor
    if raw is None:
        return None
    base = fact.evidence_record()
    record: dict[str, Any] = {
        "source": base["source"],
        "key_path": base["key_path"],
        "cell_offset": base["cell_offset"],
        "security_descriptor": raw.hex(),
    }
    try:
        descriptor = parse_security_descriptor(raw, source=fact.evidence.path)
    except CorruptStructure as error:
        record["problem"] = error.message
        return GraceKeySecurityInfo(None, [], record)
    record["sddl"] = descriptor.to_sddl()
    record["owner_name"] = descriptor.owner_name
    parent = fact.key.path.rsplit("\\", 1)[0]
    rcm = fact.mounted.hive.find(parent)
    rcm_raw = rcm.security_descriptor if rcm is not None else None
    if rcm_raw is not None:
        try:
            record["rcm_owner_sid"] = parse_security_descriptor(rcm_raw).owner
        except CorruptStructure:
            record["rcm_owner_sid"] = None
    return GraceKeySecurityInfo(descriptor.owner, explicit_full_control_sids(descriptor), record)
