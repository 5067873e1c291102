"""Security descriptors of registry keys: parsed, named and rendered as SDDL.

:func:`parse_security_descriptor` reads the self-relative descriptor an ``sk`` cell holds
([MS-DTYP] 2.4.6) into a :class:`SecurityDescriptor`: control flags, owner and group SIDs,
and the DACL and SACL as lists of :class:`Ace`. Every number is kept as stored next to its
names (``mask`` and ``mask_names``, ``flags`` and ``flag_names``); nothing is dropped or
guessed. The structures come from :mod:`hiveparse.schemas.security`.

Malformed input raises :class:`~hiveparse.errors.CorruptStructure` and nothing else: every
offset, size and count is checked against the buffer before it is followed.

Names:

* SIDs as strings, ``S-1-5-32-544`` (2.4.2.1), and the well-known ones named
  (2.4.2.4): ``BUILTIN\\Administrators``, ``NT AUTHORITY\\SYSTEM``, ``Everyone``..., plus
  logon-session SIDs and the service SIDs of the Remote Desktop services. Capability SIDs
  (``S-1-15-3-...``), domain accounts and other services stay numeric unless the caller
  passes ``names`` (for services, :func:`service_sid_names` of the hive's Services subkeys):
  those names live on the machine, not in the descriptor.
* Access masks with the registry key rights of winnt.h: ``KEY_ALL_ACCESS``, ``KEY_READ`` and
  ``KEY_WRITE`` when all their bits are set, then the single rights left, then any bits no
  right names, as one hexadecimal number.
* :meth:`SecurityDescriptor.to_sddl` gives a one-line rendering in the Security Descriptor
  Definition Language ([MS-DTYP] 2.5.1): ``O:BAG:SYD:(A;CI;KA;;;SY)``. Numbers stand where
  SDDL has no word (``0x100000`` for a mask with SYNCHRONIZE); application data of callback
  ACEs is shown as hex, not decoded as a conditional expression.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from construct import ConstructError

from hiveparse.errors import CorruptStructure
from hiveparse.schemas import security as schema

__all__ = [
    "WELL_KNOWN_SIDS",
    "Ace",
    "SecurityDescriptor",
    "ace_flag_names",
    "ace_type_name",
    "control_flag_names",
    "format_sid",
    "mask_names",
    "parse_security_descriptor",
    "parse_sid",
    "service_sid",
    "service_sid_names",
    "sid_name",
]

_HEADER_SIZE = schema.security_descriptor_relative.sizeof()  # 20
_ACL_HEADER_SIZE = schema.acl.sizeof()  # 8
_ACE_HEADER_SIZE = schema.ace_header.sizeof()  # 4
_ACE_MIN_SIZE = _ACE_HEADER_SIZE + 4  # every layout has a mask after the header
_SID_HEAD_SIZE = 8  # revision, count, identifier authority
_MIN_ACL_REVISION = 2  # RtlValidAcl: MIN_ACL_REVISION .. MAX_ACL_REVISION
_MAX_ACL_REVISION = 4

# --- SIDs ---------------------------------------------------------------------------------------

# [MS-DTYP] 2.4.2.4 well-known SID structures, named as Windows shows them.
WELL_KNOWN_SIDS: Mapping[str, str] = {
    "S-1-0-0": "NULL SID",
    "S-1-1-0": "Everyone",
    "S-1-2-0": "LOCAL",
    "S-1-2-1": "CONSOLE LOGON",
    "S-1-3-0": "CREATOR OWNER",
    "S-1-3-1": "CREATOR GROUP",
    "S-1-3-2": "CREATOR OWNER SERVER",
    "S-1-3-3": "CREATOR GROUP SERVER",
    "S-1-3-4": "OWNER RIGHTS",
    "S-1-5": "NT AUTHORITY",
    "S-1-5-1": "NT AUTHORITY\\DIALUP",
    "S-1-5-2": "NT AUTHORITY\\NETWORK",
    "S-1-5-3": "NT AUTHORITY\\BATCH",
    "S-1-5-4": "NT AUTHORITY\\INTERACTIVE",
    "S-1-5-6": "NT AUTHORITY\\SERVICE",
    "S-1-5-7": "NT AUTHORITY\\ANONYMOUS LOGON",
    "S-1-5-8": "NT AUTHORITY\\PROXY",
    "S-1-5-9": "NT AUTHORITY\\ENTERPRISE DOMAIN CONTROLLERS",
    "S-1-5-10": "NT AUTHORITY\\SELF",
    "S-1-5-11": "NT AUTHORITY\\Authenticated Users",
    "S-1-5-12": "NT AUTHORITY\\RESTRICTED",
    "S-1-5-13": "NT AUTHORITY\\TERMINAL SERVER USER",
    "S-1-5-14": "NT AUTHORITY\\REMOTE INTERACTIVE LOGON",
    "S-1-5-15": "NT AUTHORITY\\This Organization",
    "S-1-5-17": "NT AUTHORITY\\IUSR",
    "S-1-5-18": "NT AUTHORITY\\SYSTEM",
    "S-1-5-19": "NT AUTHORITY\\LOCAL SERVICE",
    "S-1-5-20": "NT AUTHORITY\\NETWORK SERVICE",
    "S-1-5-32": "BUILTIN",
    "S-1-5-32-544": "BUILTIN\\Administrators",
    "S-1-5-32-545": "BUILTIN\\Users",
    "S-1-5-32-546": "BUILTIN\\Guests",
    "S-1-5-32-547": "BUILTIN\\Power Users",
    "S-1-5-32-548": "BUILTIN\\Account Operators",
    "S-1-5-32-549": "BUILTIN\\Server Operators",
    "S-1-5-32-550": "BUILTIN\\Print Operators",
    "S-1-5-32-551": "BUILTIN\\Backup Operators",
    "S-1-5-32-552": "BUILTIN\\Replicator",
    "S-1-5-32-554": "BUILTIN\\Pre-Windows 2000 Compatible Access",
    "S-1-5-32-555": "BUILTIN\\Remote Desktop Users",
    "S-1-5-32-556": "BUILTIN\\Network Configuration Operators",
    "S-1-5-32-557": "BUILTIN\\Incoming Forest Trust Builders",
    "S-1-5-32-558": "BUILTIN\\Performance Monitor Users",
    "S-1-5-32-559": "BUILTIN\\Performance Log Users",
    "S-1-5-32-560": "BUILTIN\\Windows Authorization Access Group",
    "S-1-5-32-561": "BUILTIN\\Terminal Server License Servers",
    "S-1-5-32-562": "BUILTIN\\Distributed COM Users",
    "S-1-5-32-568": "BUILTIN\\IIS_IUSRS",
    "S-1-5-32-569": "BUILTIN\\Cryptographic Operators",
    "S-1-5-32-573": "BUILTIN\\Event Log Readers",
    "S-1-5-32-574": "BUILTIN\\Certificate Service DCOM Access",
    "S-1-5-32-575": "BUILTIN\\RDS Remote Access Servers",
    "S-1-5-32-576": "BUILTIN\\RDS Endpoint Servers",
    "S-1-5-32-577": "BUILTIN\\RDS Management Servers",
    "S-1-5-32-578": "BUILTIN\\Hyper-V Administrators",
    "S-1-5-32-579": "BUILTIN\\Access Control Assistance Operators",
    "S-1-5-32-580": "BUILTIN\\Remote Management Users",
    "S-1-5-33": "NT AUTHORITY\\WRITE RESTRICTED",
    "S-1-5-64-10": "NT AUTHORITY\\NTLM Authentication",
    "S-1-5-64-14": "NT AUTHORITY\\SChannel Authentication",
    "S-1-5-64-21": "NT AUTHORITY\\Digest Authentication",
    "S-1-5-80": "NT SERVICE",
    "S-1-5-80-0": "NT SERVICE\\ALL SERVICES",
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464": (
        "NT SERVICE\\TrustedInstaller"
    ),
    "S-1-5-113": "NT AUTHORITY\\Local account",
    "S-1-5-114": "NT AUTHORITY\\Local account and member of Administrators group",
    "S-1-5-1000": "NT AUTHORITY\\Other Organization",
    "S-1-15-2-1": "APPLICATION PACKAGE AUTHORITY\\ALL APPLICATION PACKAGES",
    "S-1-15-2-2": "APPLICATION PACKAGE AUTHORITY\\ALL RESTRICTED APPLICATION PACKAGES",
    "S-1-16-0": "Mandatory Label\\Untrusted Mandatory Level",
    "S-1-16-4096": "Mandatory Label\\Low Mandatory Level",
    "S-1-16-8192": "Mandatory Label\\Medium Mandatory Level",
    "S-1-16-8448": "Mandatory Label\\Medium Plus Mandatory Level",
    "S-1-16-12288": "Mandatory Label\\High Mandatory Level",
    "S-1-16-16384": "Mandatory Label\\System Mandatory Level",
    "S-1-16-20480": "Mandatory Label\\Protected Process Mandatory Level",
    "S-1-16-28672": "Mandatory Label\\Secure Process Mandatory Level",
    "S-1-18-1": "Authentication authority asserted identity",
    "S-1-18-2": "Service asserted identity",
}

# [MS-DTYP] 2.5.1.1 SDDL SID strings: the two-letter aliases of well-known SIDs.
_SDDL_SID_ALIASES: Mapping[str, str] = {
    "S-1-1-0": "WD",
    "S-1-3-0": "CO",
    "S-1-3-1": "CG",
    "S-1-3-4": "OW",
    "S-1-5-2": "NU",
    "S-1-5-4": "IU",
    "S-1-5-6": "SU",
    "S-1-5-7": "AN",
    "S-1-5-9": "ED",
    "S-1-5-10": "PS",
    "S-1-5-11": "AU",
    "S-1-5-12": "RC",
    "S-1-5-18": "SY",
    "S-1-5-19": "LS",
    "S-1-5-20": "NS",
    "S-1-5-32-544": "BA",
    "S-1-5-32-545": "BU",
    "S-1-5-32-546": "BG",
    "S-1-5-32-547": "PU",
    "S-1-5-32-548": "AO",
    "S-1-5-32-549": "SO",
    "S-1-5-32-550": "PO",
    "S-1-5-32-551": "BO",
    "S-1-5-32-552": "RE",
    "S-1-5-32-554": "RU",
    "S-1-5-32-555": "RD",
    "S-1-5-32-556": "NO",
    "S-1-5-32-558": "MU",
    "S-1-5-32-559": "LU",
    "S-1-5-32-568": "IS",
    "S-1-5-32-569": "CY",
    "S-1-5-32-573": "ER",
    "S-1-5-32-574": "CD",
    "S-1-5-32-575": "RA",
    "S-1-5-32-576": "ES",
    "S-1-5-32-577": "MS",
    "S-1-5-32-578": "HA",
    "S-1-5-32-579": "AA",
    "S-1-5-32-580": "RM",
    "S-1-5-33": "WR",
    "S-1-15-2-1": "AC",
    "S-1-16-4096": "LW",
    "S-1-16-8192": "ME",
    "S-1-16-8448": "MP",
    "S-1-16-12288": "HI",
    "S-1-16-16384": "SI",
}


def format_sid(identifier_authority: int, sub_authority: list[int] | tuple[int, ...]) -> str:
    """The string form of a SID ([MS-DTYP] 2.4.2.1): ``S-1-5-32-544``.

    An identifier authority of 2**32 or more is written in hexadecimal, ``0x`` and 12 digits.
    """
    if identifier_authority >= 1 << 32:
        authority = f"0x{identifier_authority:012X}"
    else:
        authority = str(identifier_authority)
    return "-".join(["S", str(schema.SID_REVISION), authority, *map(str, sub_authority)])


def service_sid(service_name: str) -> str:
    """The SID Windows derives for a service (``NT SERVICE\\<name>``): S-1-5-80 followed by the
    SHA-1 of the upper-cased UTF-16LE name as five little-endian 32-bit sub-authorities."""
    digest = hashlib.sha1(service_name.upper().encode("utf-16-le"), usedforsecurity=False)
    return format_sid(schema.SECURITY_NT_AUTHORITY, [80, *struct.unpack("<5I", digest.digest())])


def service_sid_names(service_names: Iterable[str]) -> dict[str, str]:
    """``{service SID: "NT SERVICE\\<name>"}`` for the given services, e.g. the subkey names of
    a SYSTEM hive's ``Services`` key; pass it to :func:`parse_security_descriptor`."""
    return {service_sid(name): f"NT SERVICE\\{name}" for name in service_names}


# Services whose keys matter to this project (Remote Desktop Services and its licensing), and
# a few that own many keys; other service SIDs are named through ``names``.
_KNOWN_SERVICE_SIDS = service_sid_names(
    (
        "TrustedInstaller",
        "TermService",
        "UmRdpService",
        "SessionEnv",
        "TermServLicensing",
        "TScPubRPC",
        "EventLog",
        "W32Time",
        "BFE",
        "MpsSvc",
        "Dhcp",
        "NlaSvc",
    )
)


def sid_name(sid: str | None, names: Mapping[str, str] | None = None) -> str | None:
    """The name of ``sid`` (``S-1-5-18`` -> ``NT AUTHORITY\\SYSTEM``), or None.

    ``names`` is looked up first (the caller's own knowledge: service SIDs from
    :func:`service_sid_names`, accounts from a SAM hive), then the well-known SIDs, the
    services this project cares about and logon-session SIDs (``S-1-5-5-X-Y``).
    """
    if sid is None:
        return None
    if names is not None and sid in names:
        return names[sid]
    known = WELL_KNOWN_SIDS.get(sid) or _KNOWN_SERVICE_SIDS.get(sid)
    if known is not None:
        return known
    parts = sid.split("-")
    if len(parts) == 6 and parts[:4] == ["S", "1", "5", "5"]:  # SECURITY_LOGON_IDS_RID
        return f"NT AUTHORITY\\LogonSessionId_{parts[4]}_{parts[5]}"
    return None


def parse_sid(raw: bytes | bytearray | memoryview) -> str:
    """A SID in its binary form ([MS-DTYP] 2.4.2.2) as a string; CorruptStructure if it is not
    one. Bytes after the SID are ignored."""
    data = bytes(raw)
    sid, _ = _sid_at(data, 0, "SID", _Where(None, 0, "SID"))
    return sid


# --- names of numbers -----------------------------------------------------------------------


def _in_bit_order(flags_enum: Any) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(flags_enum.flags.items(), key=lambda item: int(item[1])))


_KEY_RIGHTS = _in_bit_order(schema.key_access_mask)
_LABEL_POLICY = _in_bit_order(schema.mandatory_label_mask)
_ACE_FLAGS = _in_bit_order(schema.ace_flags)
_CONTROL_FLAGS = _in_bit_order(schema.security_descriptor_control)


def _bit_names(value: int, table: tuple[tuple[str, int], ...]) -> tuple[list[str], int]:
    """Names of the single-bit flags of ``table`` set in ``value`` (in bit order), and the
    bits no name covers."""
    names: list[str] = []
    rest = value
    for name, bit in table:
        if value & bit:
            names.append(name)
            rest &= ~bit
    return names, rest


_KEY_COMPOSITES = (
    ("KEY_READ", schema.KEY_READ),
    ("KEY_WRITE", schema.KEY_WRITE),
)


def mask_names(mask: int, ace_type: int = schema.ACCESS_ALLOWED_ACE_TYPE) -> tuple[str, ...]:
    """Names of an access mask, registry key rights first composed (KEY_ALL_ACCESS, KEY_READ,
    KEY_WRITE), then single rights, then any unnamed bits as one ``0x%08x``. The mask of a
    mandatory label ACE is named with the SYSTEM_MANDATORY_LABEL_* policy bits instead."""
    if ace_type == schema.SYSTEM_MANDATORY_LABEL_ACE_TYPE:
        names, rest = _bit_names(mask, _LABEL_POLICY)
    else:
        names = []
        rest = mask
        if mask & schema.KEY_ALL_ACCESS == schema.KEY_ALL_ACCESS:
            names.append("KEY_ALL_ACCESS")
            rest &= ~schema.KEY_ALL_ACCESS
        else:
            for name, bits in _KEY_COMPOSITES:
                if mask & bits == bits:
                    names.append(name)
                    rest &= ~bits
        singles, rest = _bit_names(rest, _KEY_RIGHTS)
        names.extend(singles)
    if rest:
        names.append(f"0x{rest:08x}")
    return tuple(names)


def ace_flag_names(flags: int) -> tuple[str, ...]:
    """``OBJECT_INHERIT_ACE``, ``CONTAINER_INHERIT_ACE``, ... for the AceFlags byte."""
    names, _ = _bit_names(flags, _ACE_FLAGS)  # the declaration names all eight bits
    return tuple(names)


def control_flag_names(control: int) -> tuple[str, ...]:
    """``SE_DACL_PRESENT``, ``SE_SELF_RELATIVE``, ... for the descriptor's Control word."""
    names, _ = _bit_names(control, _CONTROL_FLAGS)  # all 16 bits named
    return tuple(names)


_ACE_TYPE_NAMES: Mapping[int, str] = {
    value: name for name, value in schema.ace_type.encmapping.items()
}


def ace_type_name(ace_type: int) -> str:
    """The [MS-DTYP] name of an AceType (``ACCESS_ALLOWED_ACE_TYPE``), or ``0x..`` if none."""
    return _ACE_TYPE_NAMES.get(ace_type, f"0x{ace_type:02x}")


# --- SDDL -------------------------------------------------------------------------------------

# [MS-DTYP] 2.5.1.1 ace-type, ace-flag-string and rights strings.
_SDDL_ACE_TYPES: Mapping[int, str] = {
    schema.ACCESS_ALLOWED_ACE_TYPE: "A",
    schema.ACCESS_DENIED_ACE_TYPE: "D",
    schema.SYSTEM_AUDIT_ACE_TYPE: "AU",
    schema.SYSTEM_ALARM_ACE_TYPE: "AL",
    schema.ACCESS_ALLOWED_OBJECT_ACE_TYPE: "OA",
    schema.ACCESS_DENIED_OBJECT_ACE_TYPE: "OD",
    schema.SYSTEM_AUDIT_OBJECT_ACE_TYPE: "OU",
    schema.SYSTEM_ALARM_OBJECT_ACE_TYPE: "OL",
    schema.ACCESS_ALLOWED_CALLBACK_ACE_TYPE: "XA",
    schema.ACCESS_DENIED_CALLBACK_ACE_TYPE: "XD",
    schema.ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE: "ZA",
    schema.SYSTEM_AUDIT_CALLBACK_ACE_TYPE: "XU",
    schema.SYSTEM_MANDATORY_LABEL_ACE_TYPE: "ML",
    schema.SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE: "RA",
    schema.SYSTEM_SCOPED_POLICY_ID_ACE_TYPE: "SP",
    schema.SYSTEM_PROCESS_TRUST_LABEL_ACE_TYPE: "TL",
    schema.SYSTEM_ACCESS_FILTER_ACE_TYPE: "FL",
}

_SDDL_ACE_FLAGS = (
    (0x01, "OI"),
    (0x02, "CI"),
    (0x04, "NP"),
    (0x08, "IO"),
    (0x10, "ID"),
    (0x40, "SA"),
    (0x80, "FA"),
)

# Whole-mask aliases first (file and key rights), as ConvertSecurityDescriptorToString... does.
_SDDL_RIGHTS_ALIASES: Mapping[int, str] = {
    0x001F01FF: "FA",
    0x00120089: "FR",
    0x00120116: "FW",
    0x001200A0: "FX",
    schema.KEY_ALL_ACCESS: "KA",
    schema.KEY_READ: "KR",  # also KEY_EXECUTE (KX): the same bits
    schema.KEY_WRITE: "KW",
}

_SDDL_RIGHTS_BITS = (
    (0x00000001, "CC"),
    (0x00000002, "DC"),
    (0x00000004, "LC"),
    (0x00000008, "SW"),
    (0x00000010, "RP"),
    (0x00000020, "WP"),
    (0x00000040, "DT"),
    (0x00000080, "LO"),
    (0x00000100, "CR"),
    (0x00010000, "SD"),
    (0x00020000, "RC"),
    (0x00040000, "WD"),
    (0x00080000, "WO"),
    (0x10000000, "GA"),
    (0x20000000, "GX"),
    (0x40000000, "GW"),
    (0x80000000, "GR"),
)

_SDDL_LABEL_BITS = ((0x1, "NW"), (0x2, "NR"), (0x4, "NX"))


_SE_DACL_PRESENT = schema.security_descriptor_control.flags["SE_DACL_PRESENT"]
_SE_SACL_PRESENT = schema.security_descriptor_control.flags["SE_SACL_PRESENT"]
_SE_SELF_RELATIVE = schema.security_descriptor_control.flags["SE_SELF_RELATIVE"]
_DACL_SDDL_FLAGS = ((0x1000, "P"), (0x0100, "AR"), (0x0400, "AI"))
_SACL_SDDL_FLAGS = ((0x2000, "P"), (0x0200, "AR"), (0x0800, "AI"))


def _sddl_bits(value: int, table: tuple[tuple[int, str], ...]) -> str | None:
    text = ""
    rest = value
    for bit, letters in table:
        if value & bit:
            text += letters
            rest &= ~bit
    return None if rest else text


def _sddl_rights(mask: int, ace_type: int) -> str:
    if ace_type == schema.SYSTEM_MANDATORY_LABEL_ACE_TYPE:
        text = _sddl_bits(mask, _SDDL_LABEL_BITS)
    else:
        text = _SDDL_RIGHTS_ALIASES.get(mask) or _sddl_bits(mask, _SDDL_RIGHTS_BITS)
    return f"0x{mask:x}" if text is None else text


def _sddl_sid(sid: str | None) -> str:
    if sid is None:
        return ""
    return _SDDL_SID_ALIASES.get(sid, sid)


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ace:
    """One access control entry ([MS-DTYP] 2.4.4), numbers as stored and their names.

    ``sid`` is None only for ACE types without a known layout (then the bytes after the mask
    are in ``application_data``). ``object_type`` and ``inherited_object_type`` are GUID strings
    for object ACEs that carry them. ``raw`` is the whole ACE, ``ace_size`` bytes.
    """

    type_id: int
    type_name: str
    flags: int
    flag_names: tuple[str, ...]
    mask: int
    mask_names: tuple[str, ...]
    sid: str | None
    sid_name: str | None
    object_type: str | None = None
    inherited_object_type: str | None = None
    application_data: bytes = b""
    raw: bytes = b""

    def to_sddl(self) -> str:
        """``(A;CI;KA;;;SY)``: type; flags; rights; object GUID; inherited GUID; SID."""
        ace_type = _SDDL_ACE_TYPES.get(self.type_id, f"0x{self.type_id:02x}")
        flags = "".join(letters for bit, letters in _SDDL_ACE_FLAGS if self.flags & bit)
        unnamed = self.flags & ~sum(bit for bit, _ in _SDDL_ACE_FLAGS)
        if unnamed:
            flags += f"0x{unnamed:02x}"
        fields = [
            ace_type,
            flags,
            _sddl_rights(self.mask, self.type_id),
            self.object_type or "",
            self.inherited_object_type or "",
            _sddl_sid(self.sid),
        ]
        if self.application_data:
            fields.append(f"0x{self.application_data.hex()}")
        return "(" + ";".join(fields) + ")"


@dataclass(slots=True)
class SecurityDescriptor:
    """A self-relative security descriptor ([MS-DTYP] 2.4.6).

    ``dacl`` is None when the descriptor has no DACL: either SE_DACL_PRESENT is clear, or it is
    set with a zero offset (a NULL DACL, which grants everyone full access); ``dacl_present``
    tells the two apart. The same holds for the SACL. ``raw`` is the descriptor as given.
    """

    revision: int
    control: int
    control_flags: tuple[str, ...]
    owner: str | None
    owner_name: str | None
    group: str | None
    group_name: str | None
    dacl: list[Ace] | None
    sacl: list[Ace] | None
    sbz1: int = 0
    raw: bytes = b""

    @property
    def dacl_present(self) -> bool:
        return bool(self.control & _SE_DACL_PRESENT)

    @property
    def sacl_present(self) -> bool:
        return bool(self.control & _SE_SACL_PRESENT)

    def to_sddl(self) -> str:
        """The descriptor as one SDDL line: ``O:BAG:SYD:PAI(A;CI;KA;;;SY)...S:...``."""
        parts: list[str] = []
        if self.owner is not None:
            parts.append(f"O:{_sddl_sid(self.owner)}")
        if self.group is not None:
            parts.append(f"G:{_sddl_sid(self.group)}")
        if self.dacl_present:
            parts.append("D:" + self._acl_sddl(self.dacl, _DACL_SDDL_FLAGS))
        if self.sacl_present:
            parts.append("S:" + self._acl_sddl(self.sacl, _SACL_SDDL_FLAGS))
        return "".join(parts)

    def _acl_sddl(self, aces: list[Ace] | None, table: tuple[tuple[int, str], ...]) -> str:
        flags = "".join(letters for bit, letters in table if self.control & bit)
        if aces is None:
            return flags + "NO_ACCESS_CONTROL"
        return flags + "".join(ace.to_sddl() for ace in aces)


# --- parsing ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Where:
    """Where the descriptor came from (for error messages) and the caller's SID names."""

    source: str | None
    base_offset: int
    subject: str = "security descriptor"
    names: Mapping[str, str] | None = None

    def error(self, message: str, at: int) -> CorruptStructure:
        return CorruptStructure(
            f"{self.subject}: {message}",
            source=self.source,
            offset=self.base_offset + at,
        )


def _parse(declaration: Any, data: bytes, start: int, end: int, what: str, where: _Where) -> Any:
    """``declaration`` parsed from ``data[start:end]``; construct's errors become ours."""
    try:
        return declaration.parse(data[start:end])
    except ConstructError as error:
        reason = str(error).rsplit("\n", 1)[-1].strip() or type(error).__name__
        raise where.error(f"{what} at offset 0x{start:x} is malformed ({reason})", start) from error


def _flags_value(container: Mapping[str, Any], flags_enum: Any) -> int:
    """The integer a parsed FlagsEnum came from (lossless: every bit of these has a name)."""
    value = 0
    for name, bit in flags_enum.flags.items():
        if container.get(name):
            value |= bit
    return value


def _check_sid(parsed: Any, what: str, at: int, where: _Where) -> str:
    count = int(parsed.sub_authority_count)
    if count > schema.SID_MAX_SUB_AUTHORITIES:
        raise where.error(f"{what} at offset 0x{at:x} has {count} sub-authorities (at most 15)", at)
    return format_sid(int(parsed.identifier_authority), list(parsed.sub_authority))


def _sid_at(data: bytes, offset: int, what: str, where: _Where) -> tuple[str, int]:
    """The SID at ``offset`` and its size; it must fit ``data``."""
    if offset + _SID_HEAD_SIZE > len(data):
        raise where.error(f"{what} at offset 0x{offset:x} runs past the end", offset)
    count = data[offset + 1]
    size = _SID_HEAD_SIZE + 4 * count
    parsed = _parse(schema.sid, data, offset, offset + size, what, where)
    return _check_sid(parsed, what, offset, where), size


def _guid(value: bytes | None) -> str | None:
    return None if value is None else str(uuid.UUID(bytes_le=bytes(value)))


def _ace_at(data: bytes, offset: int, end: int, what: str, where: _Where) -> tuple[Ace, int]:
    if offset + _ACE_MIN_SIZE > end:
        raise where.error(f"{what} at offset 0x{offset:x} runs past the end of its ACL", offset)
    type_id = data[offset]
    size = int.from_bytes(data[offset + 2 : offset + 4], "little")
    if size < _ACE_MIN_SIZE:
        raise where.error(f"{what} at offset 0x{offset:x} has a size of {size} bytes", offset)
    if offset + size > end:
        raise where.error(
            f"{what} at offset 0x{offset:x} ({size} bytes) runs past the end of its ACL", offset
        )
    layout = schema.ACE_LAYOUTS.get(type_id, schema.unknown_ace)
    parsed = _parse(layout, data, offset, offset + size, what, where)
    flags = _flags_value(parsed.header.ace_flags, schema.ace_flags)
    mask = int(parsed.mask)
    sid: str | None = None
    if "sid" in parsed:
        sid = _check_sid(parsed.sid, f"SID of {what}", offset, where)
    extra = parsed.get("application_data", parsed.get("attribute_data", parsed.get("body")))
    ace = Ace(
        type_id=type_id,
        type_name=ace_type_name(type_id),
        flags=flags,
        flag_names=ace_flag_names(flags),
        mask=mask,
        mask_names=mask_names(mask, type_id),
        sid=sid,
        sid_name=sid_name(sid, where.names),
        object_type=_guid(parsed.get("object_type")),
        inherited_object_type=_guid(parsed.get("inherited_object_type")),
        application_data=bytes(extra or b""),
        raw=data[offset : offset + size],
    )
    return ace, size


def _acl_at(data: bytes, offset: int, what: str, where: _Where) -> list[Ace]:
    if offset + _ACL_HEADER_SIZE > len(data):
        raise where.error(f"{what} at offset 0x{offset:x} runs past the end", offset)
    header = _parse(schema.acl, data, offset, offset + _ACL_HEADER_SIZE, what, where)
    if not _MIN_ACL_REVISION <= header.acl_revision <= _MAX_ACL_REVISION:
        raise where.error(
            f"{what} at offset 0x{offset:x} has revision {header.acl_revision}", offset
        )
    end = offset + header.acl_size
    if header.acl_size < _ACL_HEADER_SIZE or end > len(data):
        raise where.error(
            f"{what} at offset 0x{offset:x} has a size of {header.acl_size} bytes, "
            f"{len(data) - offset} are left",
            offset,
        )
    aces: list[Ace] = []
    position = offset + _ACL_HEADER_SIZE
    for index in range(header.ace_count):
        ace, size = _ace_at(data, position, end, f"ACE {index} of the {what}", where)
        aces.append(ace)
        position += size
    return aces


def _component_offset(offset: int, size: int, what: str, where: _Where) -> None:
    if offset < _HEADER_SIZE or offset >= size:
        raise where.error(
            f"{what} offset 0x{offset:x} lies outside the descriptor's {size} bytes", 0
        )


def parse_security_descriptor(
    raw: bytes | bytearray | memoryview,
    *,
    source: str | None = None,
    base_offset: int = 0,
    names: Mapping[str, str] | None = None,
) -> SecurityDescriptor:
    """Parse a self-relative security descriptor ([MS-DTYP] 2.4.6).

    Raises :class:`~hiveparse.errors.CorruptStructure`, and nothing else, when the bytes are not
    one: too short, a revision other than 1, not self-relative, an offset outside the buffer,
    a SID with more than 15 sub-authorities, an ACL or ACE that overruns its container. The
    error's offset is ``base_offset`` plus the offset within the descriptor (pass the file
    offset of the descriptor to get file offsets), and ``source`` names the evidence.
    ``names`` maps SID strings to names that win over the built-in ones (see :func:`sid_name`).
    """
    data = bytes(raw)
    where = _Where(source, base_offset, names=names)
    if len(data) < _HEADER_SIZE:
        raise where.error(f"{len(data)} bytes, shorter than its {_HEADER_SIZE}-byte header", 0)
    header = _parse(schema.security_descriptor_relative, data, 0, _HEADER_SIZE, "header", where)
    control = _flags_value(header.control, schema.security_descriptor_control)
    if not control & _SE_SELF_RELATIVE:
        # The absolute form holds pointers, which mean nothing on disk (2.4.6).
        raise where.error("SE_SELF_RELATIVE is not set: not a self-relative descriptor", 2)

    owner = group = None
    if header.offset_owner:
        _component_offset(header.offset_owner, len(data), "owner", where)
        owner, _ = _sid_at(data, header.offset_owner, "owner SID", where)
    if header.offset_group:
        _component_offset(header.offset_group, len(data), "group", where)
        group, _ = _sid_at(data, header.offset_group, "group SID", where)
    # An ACL is there only if its *_PRESENT flag says so; Windows ignores the offset otherwise.
    sacl = dacl = None
    if control & _SE_SACL_PRESENT and header.offset_sacl:
        _component_offset(header.offset_sacl, len(data), "SACL", where)
        sacl = _acl_at(data, header.offset_sacl, "SACL", where)
    if control & _SE_DACL_PRESENT and header.offset_dacl:
        _component_offset(header.offset_dacl, len(data), "DACL", where)
        dacl = _acl_at(data, header.offset_dacl, "DACL", where)
    return SecurityDescriptor(
        revision=header.revision,
        control=control,
        control_flags=control_flag_names(control),
        owner=owner,
        owner_name=sid_name(owner, names),
        group=group,
        group_name=sid_name(group, names),
        dacl=dacl,
        sacl=sacl,
        sbz1=header.sbz1,
        raw=data,
    )


# --- building descriptors (for the REGF writer and generated evidence) ----------------------


@dataclass(frozen=True)
class Grant:
    """One access-allowed ACE to build: trustee, access mask, inheritance by subkeys."""

    sid: str
    mask: int
    container_inherit: bool = True
    inherited: bool = False  # INHERITED_ACE: the ACE came down from the parent key


def sid_bytes(text: str) -> bytes:
    """The binary form ([MS-DTYP] 2.4.2.2) of a SID given as ``S-1-5-32-544``."""
    _s, _revision, authority, *subs = text.split("-")
    sub_authority = [int(part) for part in subs]
    return bytes(
        schema.sid.build(
            {
                "sub_authority_count": len(sub_authority),
                "identifier_authority": int(authority, 0),
                "sub_authority": sub_authority,
            }
        )
    )


def _allowed_ace(grant: Grant) -> bytes:
    sid = sid_bytes(grant.sid)
    size = schema.ace_header.sizeof() + schema.key_access_mask.sizeof() + len(sid)
    header = schema.ace_header.build(
        {
            "ace_type": "ACCESS_ALLOWED_ACE_TYPE",
            "ace_flags": {
                "CONTAINER_INHERIT_ACE": grant.container_inherit,
                "INHERITED_ACE": grant.inherited,
            },
            "ace_size": size,
        }
    )
    return bytes(header) + struct.pack("<I", grant.mask) + sid


def build_security_descriptor(
    owner: str, group: str, grants: Iterable[Grant], *, protected: bool = False
) -> bytes:
    """A self-relative descriptor laid out as Windows lays it: header, DACL, owner, group.

    ``protected`` sets SE_DACL_PROTECTED (the DACL does not inherit from the parent key).
    """
    aces = [_allowed_ace(grant) for grant in grants]
    body = b"".join(aces)
    dacl = (
        bytes(
            schema.acl.build(
                {
                    "acl_revision": schema.ACL_REVISION,
                    "sbz1": 0,
                    "acl_size": _ACL_HEADER_SIZE + len(body),
                    "ace_count": len(aces),
                    "sbz2": 0,
                }
            )
        )
        + body
    )
    owner_raw, group_raw = sid_bytes(owner), sid_bytes(group)
    control = {"SE_SELF_RELATIVE": True, "SE_DACL_PRESENT": True}
    if protected:
        control["SE_DACL_PROTECTED"] = True
    header = schema.security_descriptor_relative.build(
        {
            "sbz1": 0,
            "control": control,
            "offset_owner": _HEADER_SIZE + len(dacl),
            "offset_group": _HEADER_SIZE + len(dacl) + len(owner_raw),
            "offset_sacl": 0,
            "offset_dacl": _HEADER_SIZE,
        }
    )
    return bytes(header) + dacl + owner_raw + group_raw
