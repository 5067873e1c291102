"""Security descriptors: names, SDDL, malformed input named after its defect, a differential
check against regipy over every key of real hives, and truncations and byte flips of real
descriptors that may raise CorruptStructure and nothing else."""

from __future__ import annotations

import logging
import random
import struct
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hiveparse.decode.security as security
from hiveparse.decode.security import (
    WELL_KNOWN_SIDS,
    Ace,
    SecurityDescriptor,
    ace_flag_names,
    ace_type_name,
    control_flag_names,
    format_sid,
    mask_names,
    parse_security_descriptor,
    parse_sid,
    service_sid,
    service_sid_names,
    sid_name,
)
from hiveparse.errors import CorruptStructure
from hiveparse.model import walk
from hiveparse.report import records
from hiveparse.schemas import security as schema
from hiveparse.sources.regf import RegfKey, open_hive, writer
from tests.schemas.test_security_schemas import SPEC_EXAMPLE, object_ace, sid_bytes

# --- building blocks --------------------------------------------------------------------------


def ace(type_byte: int, flags: int, mask: int, sid: bytes, tail: bytes = b"") -> bytes:
    return struct.pack("<BBHI", type_byte, flags, 8 + len(sid) + len(tail), mask) + sid + tail


def acl(*aces: bytes, revision: int = 2, slack: int = 0) -> bytes:
    body = b"".join(aces)
    return (
        struct.pack("<BBHHH", revision, 0, 8 + len(body) + slack, len(aces), 0)
        + body
        + bytes(slack)
    )


def descriptor(
    control: int = 0x8004,
    owner: bytes | None = None,
    group: bytes | None = None,
    sacl: bytes | None = None,
    dacl: bytes | None = None,
) -> bytes:
    """A self-relative descriptor laid out as Windows does: SACL, DACL, owner, group."""
    body = b""
    offsets = {}
    for name, part in (("sacl", sacl), ("dacl", dacl), ("owner", owner), ("group", group)):
        offsets[name] = 0 if part is None else 20 + len(body)
        body += part or b""
    header = struct.pack(
        "<BBHIIII",
        1,
        0,
        control,
        offsets["owner"],
        offsets["group"],
        offsets["sacl"],
        offsets["dacl"],
    )
    return header + body


BA = sid_bytes(5, 32, 544)
SY = sid_bytes(5, 18)
BU = sid_bytes(5, 32, 545)
WD = sid_bytes(1, 0)


# --- SIDs and names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authority", "subs", "text"),
    [
        (5, (32, 544), "S-1-5-32-544"),
        (5, (18,), "S-1-5-18"),
        (1, (0,), "S-1-1-0"),
        (5, (), "S-1-5"),
        (15, (3, 1024, 1065365936), "S-1-15-3-1024-1065365936"),
        (0xFFFFFFFF, (1,), "S-1-4294967295-1"),
        # 2.4.2.1: an authority of 2**32 or more is written as 0x and 12 hex digits.
        (0x0000_1234_5678_9ABC, (7,), "S-1-0x123456789ABC-7"),
    ],
)
def test_format_sid(authority: int, subs: tuple[int, ...], text: str) -> None:
    assert format_sid(authority, subs) == text
    assert parse_sid(sid_bytes(authority, *subs)) == text


@pytest.mark.parametrize(
    ("sid", "name"),
    [
        ("S-1-5-32-544", "BUILTIN\\Administrators"),
        ("S-1-5-32-545", "BUILTIN\\Users"),
        ("S-1-5-18", "NT AUTHORITY\\SYSTEM"),
        (
            "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
            "NT SERVICE\\TrustedInstaller",
        ),
        ("S-1-3-0", "CREATOR OWNER"),
        ("S-1-5-20", r"NT AUTHORITY\NETWORK SERVICE"),
        ("S-1-5-19", r"NT AUTHORITY\LOCAL SERVICE"),
        ("S-1-1-0", "Everyone"),
        ("S-1-15-2-1", r"APPLICATION PACKAGE AUTHORITY\ALL APPLICATION PACKAGES"),
        ("S-1-16-12288", "Mandatory Label\\High Mandatory Level"),
        ("S-1-5-5-0-88912", "NT AUTHORITY\\LogonSessionId_0_88912"),  # yarp's TwoOwnersHive
        # The service SID of TermService, on Control\Terminal Server\RCM of Windows 7 and 10.
        (
            "S-1-5-80-446051430-1559341753-4161941529-1950928533-810483104",
            "NT SERVICE\\TermService",
        ),
    ],
)
def test_sid_names(sid: str, name: str) -> None:
    assert sid_name(sid) == name


@pytest.mark.parametrize(
    "sid",
    [
        # Capability SIDs stay numeric (their names live in the machine's capability list).
        "S-1-15-3-1024-1065365936-1281604716-3511738428-1654721687-432734479-3232135806-"
        "4053264122-3456934681",
        "S-1-15-3-1",
        "S-1-5-21-2036804247-3058324640-2116585241-1106",  # a domain account
        "S-1-5-5-0",  # not a logon-session SID: too short
    ],
)
def test_sids_without_a_name(sid: str) -> None:
    assert sid_name(sid) is None
    assert sid_name(None) is None


def test_service_sid_is_sha1_of_the_upper_cased_name() -> None:
    assert service_sid("TrustedInstaller") == service_sid("trustedinstaller")
    assert WELL_KNOWN_SIDS[service_sid("TrustedInstaller")] == "NT SERVICE\\TrustedInstaller"
    # EventLog's service SID, as found on ControlSet001\Services\EventLog\State in Windows 10.
    assert service_sid("EventLog") == (
        "S-1-5-80-880578595-1860270145-482643319-2788375705-1540778122"
    )


def test_caller_names_win() -> None:
    names = service_sid_names(["Dnscache"])
    (sid,) = names
    assert sid_name(sid) is None
    assert sid_name(sid, names) == "NT SERVICE\\Dnscache"
    assert sid_name("S-1-5-18", {"S-1-5-18": "LocalSystem"}) == "LocalSystem"


@pytest.mark.parametrize(
    ("mask", "names"),
    [
        (0x000F003F, ("KEY_ALL_ACCESS",)),
        (0x00020019, ("KEY_READ",)),
        (0x00020006, ("KEY_WRITE",)),
        (0x0002001F, ("KEY_READ", "KEY_WRITE")),
        (0x0003001F, ("KEY_READ", "KEY_WRITE", "DELETE")),
        (0x00000001, ("KEY_QUERY_VALUE",)),
        (0x00060000, ("READ_CONTROL", "WRITE_DAC")),
        (0x10000000, ("GENERIC_ALL",)),
        (0xA0000000, ("GENERIC_EXECUTE", "GENERIC_READ")),
        (0x000C0000, ("WRITE_DAC", "WRITE_OWNER")),
        # FILE_ALL_ACCESS on a key (Windows 10 SYSTEM hives have it): bits 6-7 have no name.
        (0x001F01FF, ("KEY_ALL_ACCESS", "KEY_WOW64_64KEY", "SYNCHRONIZE", "0x000000c0")),
        (0x00000000, ()),
    ],
)
def test_mask_names(mask: int, names: tuple[str, ...]) -> None:
    assert mask_names(mask) == names


def test_mandatory_label_mask_names() -> None:
    label = schema.SYSTEM_MANDATORY_LABEL_ACE_TYPE
    assert mask_names(1, label) == ("SYSTEM_MANDATORY_LABEL_NO_WRITE_UP",)
    assert mask_names(0x13, label) == (
        "SYSTEM_MANDATORY_LABEL_NO_WRITE_UP",
        "SYSTEM_MANDATORY_LABEL_NO_READ_UP",
        "0x00000010",
    )


def test_flag_and_type_names() -> None:
    assert ace_flag_names(0x1B) == (
        "OBJECT_INHERIT_ACE",
        "CONTAINER_INHERIT_ACE",
        "INHERIT_ONLY_ACE",
        "INHERITED_ACE",
    )
    assert control_flag_names(0x8C14) == (
        "SE_DACL_PRESENT",
        "SE_SACL_PRESENT",
        "SE_DACL_AUTO_INHERITED",
        "SE_SACL_AUTO_INHERITED",
        "SE_SELF_RELATIVE",
    )
    assert ace_type_name(0x11) == "SYSTEM_MANDATORY_LABEL_ACE_TYPE"
    assert ace_type_name(0x30) == "0x30"


# --- whole descriptors ------------------------------------------------------------------------


def test_writer_default_descriptor() -> None:
    sd = parse_security_descriptor(writer.DEFAULT_SECURITY_DESCRIPTOR)
    assert (sd.owner, sd.owner_name) == ("S-1-5-32-544", "BUILTIN\\Administrators")
    assert (sd.group, sd.group_name) == ("S-1-5-18", "NT AUTHORITY\\SYSTEM")
    assert sd.control == 0x8004
    assert sd.control_flags == ("SE_DACL_PRESENT", "SE_SELF_RELATIVE")
    assert sd.sacl is None and not sd.sacl_present
    assert sd.dacl == [
        Ace(
            type_id=0,
            type_name="ACCESS_ALLOWED_ACE_TYPE",
            flags=2,
            flag_names=("CONTAINER_INHERIT_ACE",),
            mask=mask,
            mask_names=(names,),
            sid=sid,
            sid_name=sid_name(sid),
            raw=raw,
        )
        for (mask, names, sid), raw in zip(
            [
                (0xF003F, "KEY_ALL_ACCESS", "S-1-5-18"),
                (0xF003F, "KEY_ALL_ACCESS", "S-1-5-32-544"),
                (0x20019, "KEY_READ", "S-1-5-32-545"),
            ],
            [ace(0, 2, 0xF003F, SY), ace(0, 2, 0xF003F, BA), ace(0, 2, 0x20019, BU)],
            strict=True,
        )
    ]
    # The writer's own docstring says what it writes.
    assert sd.to_sddl() == "O:BAG:SYD:(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU)"


def test_spec_example() -> None:
    """[MS-DTYP] 2.5.1.4: the binary form of O:BAG:BAD:P(A;CIOI;GRGX;;;BU)(A;CIOI;GA;;;BA)
    (A;CIOI;GA;;;SY)(A;CIOI;GA;;;CO)S:P(AU;FA;GR;;;WD). Our rendering puts flags and rights in
    bit order, as ConvertSecurityDescriptorToStringSecurityDescriptor does."""
    sd = parse_security_descriptor(SPEC_EXAMPLE)
    assert sd.to_sddl() == (
        "O:BAG:BAD:P(A;OICI;GXGR;;;BU)(A;OICI;GA;;;BA)(A;OICI;GA;;;SY)(A;OICI;GA;;;CO)"
        "S:P(AU;FA;GR;;;WD)"
    )
    assert sd.control_flags == (
        "SE_DACL_PRESENT",
        "SE_SACL_PRESENT",
        "SE_DACL_PROTECTED",
        "SE_SACL_PROTECTED",
        "SE_SELF_RELATIVE",
    )
    assert sd.dacl is not None and sd.sacl is not None
    assert [(a.mask_names, a.sid_name) for a in sd.dacl] == [
        (("GENERIC_EXECUTE", "GENERIC_READ"), "BUILTIN\\Users"),
        (("GENERIC_ALL",), "BUILTIN\\Administrators"),
        (("GENERIC_ALL",), "NT AUTHORITY\\SYSTEM"),
        (("GENERIC_ALL",), "CREATOR OWNER"),
    ]
    (audit,) = sd.sacl
    assert (audit.type_name, audit.flag_names, audit.sid_name) == (
        "SYSTEM_AUDIT_ACE_TYPE",
        ("FAILED_ACCESS_ACE_FLAG",),
        "Everyone",
    )
    assert sd.raw == SPEC_EXAMPLE


def test_null_dacl_and_absent_dacl() -> None:
    null = parse_security_descriptor(descriptor(0x8004, owner=BA))  # present, offset 0
    assert null.dacl is None and null.dacl_present
    assert null.to_sddl() == "O:BAD:NO_ACCESS_CONTROL"
    absent = parse_security_descriptor(descriptor(0x8000, owner=BA, dacl=acl(ace(0, 0, 1, WD))))
    assert absent.dacl is None and not absent.dacl_present  # the offset is ignored, as Windows does
    assert absent.to_sddl() == "O:BA"
    empty = parse_security_descriptor(descriptor(0x9404, dacl=acl()))
    assert empty.dacl == [] and empty.owner is None and empty.group is None
    assert empty.to_sddl() == "D:PAI"


def test_null_sacl_as_windows_10_writes_it() -> None:
    sd = parse_security_descriptor(descriptor(0x8814, owner=SY, group=SY, dacl=acl()))
    assert sd.sacl is None and sd.sacl_present
    assert sd.to_sddl() == "O:SYG:SYD:S:AINO_ACCESS_CONTROL"


def test_acl_slack_is_allowed() -> None:
    sd = parse_security_descriptor(descriptor(dacl=acl(ace(0, 0, 0x20019, BU), slack=20)))
    assert sd.dacl is not None and len(sd.dacl) == 1


def test_mandatory_label_and_trust_label() -> None:
    sacl = acl(
        ace(0x11, 0x03, 1, sid_bytes(16, 4096)),
        ace(0x14, 0, 0x20019, sid_bytes(19, 512, 4096)),
    )
    sd = parse_security_descriptor(descriptor(0x8010, owner=SY, sacl=sacl))  # no DACL
    assert sd.sacl is not None
    label, trust = sd.sacl
    assert label.mask_names == ("SYSTEM_MANDATORY_LABEL_NO_WRITE_UP",)
    assert label.sid_name == "Mandatory Label\\Low Mandatory Level"
    assert trust.type_name == "SYSTEM_PROCESS_TRUST_LABEL_ACE_TYPE"
    assert trust.sid == "S-1-19-512-4096" and trust.sid_name is None
    assert sd.to_sddl() == "O:SYS:(ML;OICI;NW;;;LW)(TL;;KR;;;S-1-19-512-4096)"


def test_object_and_callback_aces() -> None:
    user_class = "bf967aba-0de6-11d0-a285-00aa003049e2"
    guid = uuid.UUID(user_class)
    callback = ace(0x09, 0, 0x20019, WD, b"artx" + bytes(4))
    dacl = acl(object_ace(0x05, guid, None), callback, revision=4)
    sd = parse_security_descriptor(descriptor(dacl=dacl))
    assert sd.dacl is not None
    obj, cond = sd.dacl
    assert (obj.object_type, obj.inherited_object_type) == (user_class, None)
    assert obj.sid_name == "BUILTIN\\Users"
    assert obj.flag_names == ("CONTAINER_INHERIT_ACE", "INHERITED_ACE")
    assert cond.application_data == b"artx" + bytes(4)
    assert sd.to_sddl() == (f"D:(OA;CIID;RPWPCR;{user_class};;BU)(XA;;KR;;;WD;0x6172747800000000)")


def test_unknown_ace_types_keep_their_bytes() -> None:
    compound = ace(0x04, 0, 0x20019, SY + WD)
    future = ace(0x30, 0x20, 0xF003F, b"\x01\x02\x03\x04")
    sd = parse_security_descriptor(descriptor(dacl=acl(compound, future)))
    assert sd.dacl is not None
    first, second = sd.dacl
    assert (first.type_name, first.sid, first.mask) == (
        "ACCESS_ALLOWED_COMPOUND_ACE_TYPE",
        None,
        0x20019,
    )
    assert first.application_data == SY + WD
    assert (second.type_name, second.flag_names) == ("0x30", ("CRITICAL_ACE_FLAG",))
    assert sd.to_sddl() == f"D:(0x04;;KR;;;;0x{(SY + WD).hex()})(0x30;0x20;KA;;;;0x01020304)"


# --- malformed input, one case per defect -----------------------------------------------------

_GOOD_DACL = acl(ace(0, 2, 0xF003F, SY))


def _with(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value) :]


_VALID = descriptor(owner=BA, group=SY, dacl=_GOOD_DACL)
_DACL_AT = 20
_ACE_AT = _DACL_AT + 8
_OWNER_AT = _DACL_AT + len(_GOOD_DACL)

_MALFORMED = {
    "empty": (b"", "shorter than its 20-byte header"),
    "header_cut_short": (_VALID[:19], "shorter than its 20-byte header"),
    "revision_2": (_with(_VALID, 0, b"\x02"), "header at offset 0x0 is malformed"),
    "absolute_form": (_with(_VALID, 2, struct.pack("<H", 0x0004)), "SE_SELF_RELATIVE"),
    "owner_offset_past_end": (
        _with(_VALID, 4, struct.pack("<I", len(_VALID))),
        "owner offset",
    ),
    "owner_offset_inside_header": (_with(_VALID, 4, struct.pack("<I", 4)), "owner offset"),
    "owner_sid_cut_short": (_VALID[: _OWNER_AT + 10], "owner SID at offset"),
    "owner_sid_revision_3": (_with(_VALID, _OWNER_AT, b"\x03"), "owner SID at offset"),
    "owner_sid_16_sub_authorities": (
        descriptor(owner=b"\x01\x10" + bytes(6) + bytes(64)),
        "16 sub-authorities",
    ),
    "group_sid_runs_past_end": (_VALID[:-2], "group SID"),
    "dacl_header_cut_short": (descriptor(dacl=_GOOD_DACL[:6]), "DACL at offset 0x14 runs past"),
    "dacl_size_past_end": (_with(_VALID, _DACL_AT + 2, struct.pack("<H", 0x400)), "a size of"),
    "dacl_size_below_header": (_with(_VALID, _DACL_AT + 2, struct.pack("<H", 4)), "a size of"),
    "dacl_revision_9": (_with(_VALID, _DACL_AT, b"\x09"), "revision 9"),
    "ace_count_beyond_aces": (
        _with(_VALID, _DACL_AT + 4, struct.pack("<H", 2)),
        "ACE 1 of the DACL",
    ),
    "ace_size_zero": (_with(_VALID, _ACE_AT + 2, struct.pack("<H", 0)), "a size of 0 bytes"),
    "ace_size_header_only": (_with(_VALID, _ACE_AT + 2, struct.pack("<H", 4)), "a size of 4"),
    "ace_size_past_acl": (_with(_VALID, _ACE_AT + 2, struct.pack("<H", 0x40)), "runs past the end"),
    "ace_sid_past_ace_size": (_with(_VALID, _ACE_AT + 2, struct.pack("<H", 16)), "is malformed"),
    "sacl_offset_past_end": (
        _with(_with(_VALID, 2, struct.pack("<H", 0x8014)), 12, struct.pack("<I", 0x1000)),
        "SACL offset",
    ),
}


@pytest.mark.parametrize("case", sorted(_MALFORMED))
def test_malformed(case: str) -> None:
    data, message = _MALFORMED[case]
    with pytest.raises(CorruptStructure, match="security descriptor: ") as caught:
        parse_security_descriptor(data)
    assert message in str(caught.value)


def test_valid_base_of_the_malformed_cases() -> None:
    sd = parse_security_descriptor(_VALID)
    assert sd.to_sddl() == "O:BAG:SYD:(A;CI;KA;;;SY)"


def test_error_carries_source_and_file_offset() -> None:
    data = _with(_VALID, _ACE_AT + 2, struct.pack("<H", 0))
    with pytest.raises(CorruptStructure) as caught:
        parse_security_descriptor(data, source="SYSTEM", base_offset=0x2000)
    assert caught.value.location.source == "SYSTEM"
    assert caught.value.location.offset == 0x2000 + _ACE_AT


def test_parse_sid_rejects_a_short_sid() -> None:
    with pytest.raises(CorruptStructure, match="SID: "):
        parse_sid(SY[:-1])


# --- differential check against regipy --------------------------------------------------------

# Hives regipy reads whole (no logs are replayed on either side: regipy does not by default).
DIFFERENTIAL_HIVES = (
    "regipy/SYSTEM",
    "regipy/SYSTEM_WIN_10_1709",
    "dissect-regf/SYSTEM",
    "hackfortress-xp/software",
    "hackfortress-xp/system",
    "regipy/SAM",
    "hackfortress-xp/SAM",
    "regipy/NTUSER.DAT",
    "regipy/NTUSER-WSL.DAT",
    "plaso/NTUSER-WIN7.DAT",
    "hackfortress-xp/admin_NTUSER.DAT.copy0",
    "dfwinreg/UsrClass.dat",
    "dfwinreg/SECURITY",
    "bitcurator-dfa/SECURITY",
    "yarp/TwoOwnersHive",
    "yarp/OffHive",
)

_BASE_BLOCK = 4096
_NK_SIGNATURE = 2  # regipy's CM_KEY_NODE starts after the cell size and the "nk" signature


def _walk(root: RegfKey) -> Iterator[RegfKey]:
    stack = [root]
    while stack:
        key = stack.pop()
        yield key
        stack.extend(key.subkeys())


def _flags_as_regipy(value: int, regipy_flags: Any, table: dict[str, int]) -> dict[str, bool]:
    """Our number projected onto the names regipy's FlagsEnum knows (a name it has and we lack
    fails with a KeyError: the tables must agree on every name they share)."""
    return {name: value & table[name] == table[name] for name in _named(regipy_flags)}


def _named(flags: Any) -> dict[str, bool]:
    return {name: bool(value) for name, value in dict(flags).items() if not name.startswith("_")}


def _regipy_view(ours: list[Ace] | None) -> list[dict[str, object]] | None:
    """Our ACEs as regipy's ``get_acls`` would show them."""
    if ours is None:
        return None
    return [
        {
            # regipy names the types without the _ACE_TYPE suffix and shows unknown ones
            # (0x11 mandatory label, 0x14 trust label) as the number.
            "ace_type": a.type_name.removesuffix("_ACE_TYPE")
            if a.type_id in _REGIPY_ACE_TYPES
            else str(a.type_id),
            "sid": a.sid,
        }
        for a in ours
    ]


# regipy.structs.ACE names these types (it lacks 0x0D and everything from 0x11 on).
_REGIPY_ACE_TYPES = frozenset(range(0x11)) - {0x0D}


@cache
def _regipy() -> Any:
    from regipy import registry  # noqa: PLC0415 - imported only for this check

    logging.getLogger("regipy").setLevel(logging.CRITICAL)  # it logs from library code
    return registry


@pytest.mark.corpus
@pytest.mark.parametrize("hive_name", DIFFERENTIAL_HIVES)
def test_descriptors_agree_with_regipy(corpus: Path, hive_name: str) -> None:
    """For every key: the descriptor our reader returns, parsed here, has the owner, group and
    DACL/SACL ACEs (type, flags, mask, SID) that regipy's NKRecord.get_security_key_info()
    finds for the same key cell. regipy's FlagsEnums name only 4 ACE flag bits and 11 mask
    bits (no KEY_* right, no INHERITED_ACE): those are compared as regipy names them."""
    registry = _regipy()
    path = corpus / "hives" / hive_name
    ours = open_hive(path, apply_logs=False)
    theirs = registry.RegistryHive(str(path))
    seen: dict[int, SecurityDescriptor] = {}
    keys = aces = 0
    for key in _walk(ours.root()):
        keys += 1
        nk = registry.NKRecord(
            registry.Cell(
                offset=_BASE_BLOCK + key.offset + 4 + _NK_SIGNATURE, cell_type="nk", size=0
            ),
            theirs._stream,
        )
        # Both readers take the same sk cell for this key...
        sk = int(nk.header.security_key_offset)
        assert sk == key.node.security_offset, key.path
        if sk in seen:
            continue
        # ...and find the same descriptor in it.
        raw = key.security_descriptor
        assert raw is not None, key.path
        sd = seen[sk] = parse_security_descriptor(raw)
        info = nk.get_security_key_info()
        assert (sd.owner, sd.group) == (info["owner"], info["group"]), key.path
        for mine, their in ((sd.dacl, info["dacl"]), (sd.sacl, info["sacl"])):
            if mine is None:
                assert their is None, key.path
                continue
            assert [{"ace_type": t["ace_type"], "sid": t["sid"]} for t in their] == _regipy_view(
                mine
            ), key.path
            for a, t in zip(mine, their, strict=True):
                aces += 1
                assert _named(t["flags"]) == _flags_as_regipy(
                    a.flags, t["flags"], schema.ace_flags.flags
                ), (key.path, hex(a.flags))
                assert _named(t["access_mask"]) == _flags_as_regipy(
                    a.mask, t["access_mask"], schema.key_access_mask.flags
                ), (key.path, hex(a.mask))
    assert keys > 0 and seen and aces > 0


# --- robustness: truncations and byte flips of real descriptors -------------------------------


@cache
def _real_descriptors(corpus: Path) -> tuple[bytes, ...]:
    found: set[bytes] = set()
    for name in ("regipy/SYSTEM_WIN_10_1709", "hackfortress-xp/software", "regipy/NTUSER.DAT"):
        for key in _walk(open_hive(corpus / "hives" / name, apply_logs=False).root()):
            raw = key.security_descriptor
            if raw:
                found.add(bytes(raw))
    ordered = sorted(found)
    return tuple(random.Random(1).sample(ordered, min(60, len(ordered))))


def _extent(data: bytes) -> int:
    """Where the last component of a valid descriptor ends: every shorter cut loses a part."""
    _, _, control, *offsets = struct.unpack_from("<BBHIIII", data)
    owner, group, sacl, dacl = offsets
    ends = [20]
    ends.extend(sid_at + 8 + 4 * data[sid_at + 1] for sid_at in (owner, group) if sid_at)
    for acl_at, present in ((sacl, control & 0x10), (dacl, control & 0x4)):
        if acl_at and present:
            ends.append(acl_at + struct.unpack_from("<H", data, acl_at + 2)[0])
    return max(ends)


def _parse_or_corrupt(data: bytes) -> SecurityDescriptor | None:
    try:
        return parse_security_descriptor(data)
    except CorruptStructure:
        return None


@pytest.mark.corpus
def test_truncations_raise_corrupt_structure(corpus: Path) -> None:
    descriptors = _real_descriptors(corpus)
    assert len(descriptors) == 60
    for data in descriptors:
        assert parse_security_descriptor(data).raw == data
        extent = _extent(data)
        for length in range(len(data)):
            if length < extent:
                with pytest.raises(CorruptStructure):
                    parse_security_descriptor(data[:length])
            else:  # only slack after the last part is cut: the same descriptor
                assert parse_security_descriptor(data[:length]).to_sddl() == (
                    parse_security_descriptor(data).to_sddl()
                )


@pytest.mark.corpus
def test_byte_flips_raise_only_corrupt_structure(corpus: Path) -> None:
    rng = random.Random(20240611)
    outcomes = {"parsed": 0, "corrupt": 0}
    for data in _real_descriptors(corpus):
        for _ in range(60):
            mutated = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            sd = _parse_or_corrupt(bytes(mutated))
            outcomes["parsed" if sd else "corrupt"] += 1
            if sd is not None:
                sd.to_sddl()  # rendering what parsed never fails either
    assert outcomes["parsed"] > 0 and outcomes["corrupt"] > 0, outcomes


@settings(max_examples=300, deadline=None)
@given(
    control=st.integers(0, 0xFFFF),
    offsets=st.lists(st.integers(0, 80), min_size=4, max_size=4),
    body=st.binary(max_size=96),
)
def test_arbitrary_bodies_raise_only_corrupt_structure(
    control: int, offsets: list[int], body: bytes
) -> None:
    data = struct.pack("<BBH4I", 1, 0, control | 0x8000, *offsets) + body
    sd = _parse_or_corrupt(data)
    if sd is not None:
        sd.to_sddl()


@given(st.binary(max_size=64))
def test_arbitrary_bytes_raise_only_corrupt_structure(data: bytes) -> None:
    _parse_or_corrupt(data)


def test_each_descriptor_is_decoded_once_however_many_keys_share_it(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`query -s --security` decodes a descriptor once per distinct sk record, not per key
    (a 15 MB SYSTEM hive has ~44,000 keys and a few hundred descriptors)."""
    real = security.parse_security_descriptor
    calls: list[bytes] = []

    def counted(raw: bytes, **kwargs: Any) -> SecurityDescriptor:
        calls.append(bytes(raw))
        return real(raw, **kwargs)

    monkeypatch.setattr(security, "parse_security_descriptor", counted)
    records._descriptor_record.cache_clear()
    hive = open_hive(corpus / "hives" / "dissect-regf" / "SYSTEM", apply_logs=False)
    keys = list(walk(hive.root()))
    distinct = {key.security_descriptor for key in keys} - {None}
    shown = [
        records.key_record(key, key.path, with_values=False, with_security=True)["security"]
        for key in keys
    ]
    assert len(calls) == len(set(calls)) == len(distinct)
    assert len(distinct) * 10 < len(keys)
    # Shared, yet each record is its own: what one key's record holds is that key's.
    assert all(record["raw"] == key.security_descriptor.hex() for record, key in zip(
        shown, keys, strict=True) if key.security_descriptor is not None)  # fmt: skip
