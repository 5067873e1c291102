"""Round trips of every security-descriptor declaration ([MS-DTYP] 2.4): hand-made bytes, the
spec's own example descriptor (2.5.1.4), the writer's default descriptor, and every component
of the descriptors of real hives parse and rebuild byte for byte."""

from __future__ import annotations

import struct
import uuid
from pathlib import Path
from typing import Any

import construct
import pytest

from hiveparse.schemas import security
from hiveparse.sources.regf import open_hive, writer
from tests.schemas.roundtrip import all_flags, assert_roundtrip

S = security


def sid_bytes(authority: int, *subs: int) -> bytes:
    """A SID as [MS-DTYP] 2.4.2.2 lays it out, packed by hand."""
    return (
        struct.pack("<BB", 1, len(subs))
        + authority.to_bytes(6, "big")
        + struct.pack(f"<{len(subs)}I", *subs)
    )


def sid_obj(authority: int, *subs: int) -> dict[str, Any]:
    return {
        "revision": 1,
        "sub_authority_count": len(subs),
        "identifier_authority": authority,
        "sub_authority": list(subs),
    }


def header_obj(type_name: str, size: int, *flags: str) -> dict[str, Any]:
    return {"ace_type": type_name, "ace_flags": all_flags(S.ace_flags, *flags), "ace_size": size}


def no_object_flags() -> dict[str, bool]:
    return all_flags(S.object_ace_flags)


SYSTEM = (5, 18)
EVERYONE = (1, 0)
BUILTIN_USERS = (5, 32, 545)
HIGH_LABEL = (16, 12288)
GUID_A = uuid.UUID("bf967aba-0de6-11d0-a285-00aa003049e2")  # the AD "user" class
GUID_B = uuid.UUID("4828cc14-1437-45bc-9b07-ad6f015e5f28")  # the AD "inetOrgPerson" class


# --- SID --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parts",
    [
        (5, 18),  # S-1-5-18
        (5, 32, 544),  # S-1-5-32-544
        (1, 0),  # S-1-1-0
        (15, 2, 1),  # S-1-15-2-1
        (5,),  # S-1-5: no sub-authorities at all
        (5, *range(21, 36)),  # the maximum of 15 sub-authorities
        (0x0000_1234_5678_9ABC, 1),  # an authority >= 2**32 shows the big-endian order
    ],
)
def test_sid(parts: tuple[int, ...]) -> None:
    assert_roundtrip(S.sid, sid_bytes(*parts), sid_obj(*parts))


def test_sid_identifier_authority_is_big_endian() -> None:
    assert S.sid.build(sid_obj(5, 18))[2:8] == b"\0\0\0\0\0\x05"


def test_sid_revision_is_constant() -> None:
    with pytest.raises(construct.ConstError):
        S.sid.parse(b"\x02" + sid_bytes(5, 18)[1:])


# --- masks and flags --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (S.KEY_READ, ("READ_CONTROL", "KEY_QUERY_VALUE", "KEY_ENUMERATE_SUB_KEYS", "KEY_NOTIFY")),
        (S.KEY_WRITE, ("READ_CONTROL", "KEY_SET_VALUE", "KEY_CREATE_SUB_KEY")),
        (
            S.KEY_ALL_ACCESS,
            (
                "KEY_QUERY_VALUE",
                "KEY_SET_VALUE",
                "KEY_CREATE_SUB_KEY",
                "KEY_ENUMERATE_SUB_KEYS",
                "KEY_NOTIFY",
                "KEY_CREATE_LINK",
                "DELETE",
                "READ_CONTROL",
                "WRITE_DAC",
                "WRITE_OWNER",
            ),
        ),
        (0x10000000, ("GENERIC_ALL",)),
        (0xA0000000, ("GENERIC_READ", "GENERIC_EXECUTE")),
        (
            0x03100300,
            (
                "KEY_WOW64_64KEY",
                "KEY_WOW64_32KEY",
                "SYNCHRONIZE",
                "ACCESS_SYSTEM_SECURITY",
                "MAXIMUM_ALLOWED",
            ),
        ),
        (0, ()),
    ],
)
def test_key_access_mask(value: int, names: tuple[str, ...]) -> None:
    assert_roundtrip(
        S.key_access_mask, struct.pack("<I", value), all_flags(S.key_access_mask, *names)
    )


def test_key_composites_are_their_bits() -> None:
    def bits(*names: str) -> int:
        return sum(S.key_access_mask.flags[name] for name in names)

    read = bits("READ_CONTROL", "KEY_QUERY_VALUE", "KEY_ENUMERATE_SUB_KEYS", "KEY_NOTIFY")
    write = bits("READ_CONTROL", "KEY_SET_VALUE", "KEY_CREATE_SUB_KEY")
    standard_rights_required = bits("DELETE", "READ_CONTROL", "WRITE_DAC", "WRITE_OWNER")
    assert (read, write) == (S.KEY_READ, S.KEY_WRITE)
    assert standard_rights_required | 0x3F == S.KEY_ALL_ACCESS
    assert S.KEY_READ == S.KEY_EXECUTE


def test_mandatory_label_mask() -> None:
    assert_roundtrip(
        S.mandatory_label_mask,
        struct.pack("<I", 5),
        all_flags(
            S.mandatory_label_mask,
            "SYSTEM_MANDATORY_LABEL_NO_WRITE_UP",
            "SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP",
        ),
    )


@pytest.mark.parametrize(
    ("byte", "name"),
    [
        (0x00, "ACCESS_ALLOWED_ACE_TYPE"),
        (0x05, "ACCESS_ALLOWED_OBJECT_ACE_TYPE"),
        (0x09, "ACCESS_ALLOWED_CALLBACK_ACE_TYPE"),
        (0x11, "SYSTEM_MANDATORY_LABEL_ACE_TYPE"),
        (0x13, "SYSTEM_SCOPED_POLICY_ID_ACE_TYPE"),
        (0x14, "SYSTEM_PROCESS_TRUST_LABEL_ACE_TYPE"),
    ],
)
def test_ace_type(byte: int, name: str) -> None:
    assert_roundtrip(S.ace_type, bytes([byte]), name)
    assert getattr(S, name) == byte


def test_ace_type_unknown_stays_a_number() -> None:
    assert_roundtrip(S.ace_type, b"\x30", 0x30)


def test_ace_type_values_follow_the_spec_table() -> None:
    # 2.4.4.1 numbers the types 0x00-0x13 without a gap; winnt.h adds 0x14 and 0x15.
    assert sorted(S.ace_type.encmapping.values()) == list(range(0x16))
    assert set(S.ACE_LAYOUTS) == set(range(0x16)) - {S.ACCESS_ALLOWED_COMPOUND_ACE_TYPE}


@pytest.mark.parametrize(
    ("byte", "names"),
    [
        (0x13, ("OBJECT_INHERIT_ACE", "CONTAINER_INHERIT_ACE", "INHERITED_ACE")),
        (0x0C, ("NO_PROPAGATE_INHERIT_ACE", "INHERIT_ONLY_ACE")),
        (0xC0, ("SUCCESSFUL_ACCESS_ACE_FLAG", "FAILED_ACCESS_ACE_FLAG")),
        (0x20, ("CRITICAL_ACE_FLAG",)),
        (0x00, ()),
    ],
)
def test_ace_flags(byte: int, names: tuple[str, ...]) -> None:
    assert_roundtrip(S.ace_flags, bytes([byte]), all_flags(S.ace_flags, *names))


def test_ace_flags_name_every_bit() -> None:
    # Every bit has a name, so the FlagsEnum loses nothing on a rebuild.
    assert sorted(S.ace_flags.flags.values()) == [1 << bit for bit in range(8)]
    assert sorted(S.security_descriptor_control.flags.values()) == [1 << bit for bit in range(16)]


def test_ace_header() -> None:
    assert_roundtrip(
        S.ace_header,
        b"\x00\x02\x14\x00",
        header_obj("ACCESS_ALLOWED_ACE_TYPE", 0x14, "CONTAINER_INHERIT_ACE"),
    )


def test_object_ace_flags() -> None:
    assert_roundtrip(
        S.object_ace_flags,
        struct.pack("<I", 3),
        all_flags(
            S.object_ace_flags, "ACE_OBJECT_TYPE_PRESENT", "ACE_INHERITED_OBJECT_TYPE_PRESENT"
        ),
    )


def test_guid_is_stored_little_endian_first_fields() -> None:
    data = GUID_A.bytes_le
    assert data.hex() == "ba7a96bfe60dd011a28500aa003049e2"
    assert_roundtrip(S.guid, data, data)


# --- ACE layouts ------------------------------------------------------------------------------


def mask_sid_ace(type_byte: int, flags: int, mask: int, sid: bytes, tail: bytes = b"") -> bytes:
    return struct.pack("<BBHI", type_byte, flags, 8 + len(sid) + len(tail), mask) + sid + tail


def mask_sid_obj(
    type_name: str, size: int, flags: tuple[str, ...], mask: int, sid: dict[str, Any]
) -> dict[str, Any]:
    return {"header": header_obj(type_name, size, *flags), "mask": mask, "sid": sid}


_SIMPLE = [
    # (declaration, type, flags byte, flag names, mask, SID parts): header, mask and SID only
    (S.access_allowed_ace, "ACCESS_ALLOWED_ACE_TYPE", 0x02, ("CONTAINER_INHERIT_ACE",),
     S.KEY_ALL_ACCESS, SYSTEM),  # (A;CI;KA;;;SY)
    (S.access_denied_ace, "ACCESS_DENIED_ACE_TYPE", 0x03,
     ("OBJECT_INHERIT_ACE", "CONTAINER_INHERIT_ACE"), S.KEY_WRITE, EVERYONE),  # (D;OICI;KW;;;WD)
    (S.system_audit_ace, "SYSTEM_AUDIT_ACE_TYPE", 0xC0,
     ("SUCCESSFUL_ACCESS_ACE_FLAG", "FAILED_ACCESS_ACE_FLAG"), 0x00010006, EVERYONE),
    (S.system_alarm_ace, "SYSTEM_ALARM_ACE_TYPE", 0x80, ("FAILED_ACCESS_ACE_FLAG",),
     S.KEY_ALL_ACCESS, EVERYONE),
    (S.system_mandatory_label_ace, "SYSTEM_MANDATORY_LABEL_ACE_TYPE", 0x00, (), 0x1,
     HIGH_LABEL),  # (ML;;NW;;;HI)
    (S.system_scoped_policy_id_ace, "SYSTEM_SCOPED_POLICY_ID_ACE_TYPE", 0x00, (), 0,
     (17, 1)),
    # As Windows 10 writes it on protected keys (regipy's SYSTEM_WIN_10_1709): KEY_READ for
    # processes below PsProtectedSignerWindows-Light, S-1-19-512-4096.
    (S.system_process_trust_label_ace, "SYSTEM_PROCESS_TRUST_LABEL_ACE_TYPE", 0x00, (),
     S.KEY_READ, (19, 512, 4096)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("declaration", "type_name", "flags", "flag_names", "mask", "parts"),
    _SIMPLE,
    ids=[row[1] for row in _SIMPLE],
)
def test_mask_and_sid_aces(
    declaration: Any,
    type_name: str,
    flags: int,
    flag_names: tuple[str, ...],
    mask: int,
    parts: tuple[int, ...],
) -> None:
    data = mask_sid_ace(getattr(S, type_name), flags, mask, sid_bytes(*parts))
    obj = mask_sid_obj(type_name, len(data), flag_names, mask, sid_obj(*parts))
    assert_roundtrip(declaration, data, obj)
    assert S.ACE_LAYOUTS[getattr(S, type_name)] is declaration


def test_real_trust_label_ace_bytes() -> None:
    # The ACE as stored in the SACL of regipy's SYSTEM_WIN_10_1709 (and dissect.regf's SYSTEM).
    raw = bytes.fromhex("1400180019000200" + "01020000000000130002000000100000")
    assert raw == mask_sid_ace(0x14, 0, S.KEY_READ, sid_bytes(19, 512, 4096))


# 2.4.4.17: the application data of a callback ACE is a conditional expression, "artx" first.
_CONDITION = b"artx" + bytes(4)


_CALLBACKS = [
    (S.access_allowed_callback_ace, "ACCESS_ALLOWED_CALLBACK_ACE_TYPE", "application_data"),
    (S.access_denied_callback_ace, "ACCESS_DENIED_CALLBACK_ACE_TYPE", "application_data"),
    (S.system_audit_callback_ace, "SYSTEM_AUDIT_CALLBACK_ACE_TYPE", "application_data"),
    (S.system_alarm_callback_ace, "SYSTEM_ALARM_CALLBACK_ACE_TYPE", "application_data"),
    (S.system_access_filter_ace, "SYSTEM_ACCESS_FILTER_ACE_TYPE", "application_data"),
    (S.system_resource_attribute_ace, "SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE", "attribute_data"),
]


@pytest.mark.parametrize(
    ("declaration", "type_name", "tail_name"), _CALLBACKS, ids=[row[1] for row in _CALLBACKS]
)
def test_aces_with_trailing_data(declaration: Any, type_name: str, tail_name: str) -> None:
    data = mask_sid_ace(getattr(S, type_name), 0, S.KEY_READ, sid_bytes(*EVERYONE), _CONDITION)
    obj = mask_sid_obj(type_name, len(data), (), S.KEY_READ, sid_obj(*EVERYONE))
    obj[tail_name] = _CONDITION
    assert_roundtrip(declaration, data, obj)
    assert S.ACE_LAYOUTS[getattr(S, type_name)] is declaration


def object_ace(
    type_byte: int,
    object_type: uuid.UUID | None,
    inherited: uuid.UUID | None,
    tail: bytes = b"",
) -> bytes:
    flags = (1 if object_type else 0) | (2 if inherited else 0)
    body = struct.pack("<II", 0x00000130, flags)  # RP | WP | CR: read and write property, ...
    body += object_type.bytes_le if object_type else b""
    body += inherited.bytes_le if inherited else b""
    body += sid_bytes(*BUILTIN_USERS) + tail
    return struct.pack("<BBH", type_byte, 0x12, 4 + len(body)) + body


_OBJECT_ACES = [
    (S.access_allowed_object_ace, "ACCESS_ALLOWED_OBJECT_ACE_TYPE", False),
    (S.access_denied_object_ace, "ACCESS_DENIED_OBJECT_ACE_TYPE", False),
    (S.system_audit_object_ace, "SYSTEM_AUDIT_OBJECT_ACE_TYPE", True),
    (S.system_alarm_object_ace, "SYSTEM_ALARM_OBJECT_ACE_TYPE", False),
    (S.access_allowed_callback_object_ace, "ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE", True),
    (S.access_denied_callback_object_ace, "ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE", True),
    (S.system_audit_callback_object_ace, "SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE", True),
    (S.system_alarm_callback_object_ace, "SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE", True),
]


@pytest.mark.parametrize(
    ("declaration", "type_name", "has_tail"), _OBJECT_ACES, ids=[row[1] for row in _OBJECT_ACES]
)
@pytest.mark.parametrize(
    ("object_type", "inherited"),
    [(GUID_A, GUID_B), (GUID_A, None), (None, GUID_B), (None, None)],
    ids=["both GUIDs", "object type", "inherited type", "no GUID"],
)
def test_object_aces(
    declaration: Any,
    type_name: str,
    has_tail: bool,
    object_type: uuid.UUID | None,
    inherited: uuid.UUID | None,
) -> None:
    tail = _CONDITION if has_tail else b""
    data = object_ace(getattr(S, type_name), object_type, inherited, tail)
    present = (["ACE_OBJECT_TYPE_PRESENT"] if object_type else []) + (
        ["ACE_INHERITED_OBJECT_TYPE_PRESENT"] if inherited else []
    )
    obj: dict[str, Any] = {
        "header": header_obj(type_name, len(data), "CONTAINER_INHERIT_ACE", "INHERITED_ACE"),
        "mask": 0x130,
        "flags": all_flags(S.object_ace_flags, *present),
        "object_type": object_type.bytes_le if object_type else None,
        "inherited_object_type": inherited.bytes_le if inherited else None,
        "sid": sid_obj(*BUILTIN_USERS),
    }
    if has_tail:
        obj["application_data"] = tail
    assert_roundtrip(declaration, data, obj)
    assert S.ACE_LAYOUTS[getattr(S, type_name)] is declaration


def test_unknown_ace() -> None:
    # ACCESS_ALLOWED_COMPOUND_ACE_TYPE is reserved: its bytes after the mask stay as they are.
    body = struct.pack("<HH", 1, 0) + sid_bytes(*SYSTEM) + sid_bytes(*EVERYONE)
    data = struct.pack("<BBHI", 0x04, 0, 8 + len(body), S.KEY_READ) + body
    obj = {
        "header": header_obj("ACCESS_ALLOWED_COMPOUND_ACE_TYPE", len(data)),
        "mask": S.KEY_READ,
        "body": body,
    }
    assert_roundtrip(S.unknown_ace, data, obj)


# --- ACL and security descriptor --------------------------------------------------------------


def test_acl() -> None:
    data = struct.pack("<BBHHH", 2, 0, 0x60, 4, 0)
    obj = {"acl_revision": S.ACL_REVISION, "sbz1": 0, "acl_size": 0x60, "ace_count": 4, "sbz2": 0}
    assert_roundtrip(S.acl, data, obj)


def test_security_descriptor_control() -> None:
    assert_roundtrip(
        S.security_descriptor_control,
        struct.pack("<H", 0x8C14),
        all_flags(
            S.security_descriptor_control,
            "SE_SELF_RELATIVE",
            "SE_SACL_AUTO_INHERITED",
            "SE_DACL_AUTO_INHERITED",
            "SE_SACL_PRESENT",
            "SE_DACL_PRESENT",
        ),
    )


# [MS-DTYP] 2.5.1.4, "SDDL String to Binary Security Descriptor Examples": the binary form of
# O:BAG:BAD:P(A;CIOI;GRGX;;;BU)(A;CIOI;GA;;;BA)(A;CIOI;GA;;;SY)(A;CIOI;GA;;;CO)S:P(AU;FA;GR;;;WD)
SPEC_EXAMPLE = bytes.fromhex(
    "01 00 14 b0 90 00 00 00 a0 00 00 00 14 00 00 00"
    "30 00 00 00 02 00 1c 00 01 00 00 00 02 80 14 00"
    "00 00 00 80 01 01 00 00 00 00 00 01 00 00 00 00"
    "02 00 60 00 04 00 00 00 00 03 18 00 00 00 00 a0"
    "01 02 00 00 00 00 00 05 20 00 00 00 21 02 00 00"
    "00 03 18 00 00 00 00 10 01 02 00 00 00 00 00 05"
    "20 00 00 00 20 02 00 00 00 03 14 00 00 00 00 10"
    "01 01 00 00 00 00 00 05 12 00 00 00 00 03 14 00"
    "00 00 00 10 01 01 00 00 00 00 00 03 00 00 00 00"
    "01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00"
    "01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00"
)


def test_spec_example_header() -> None:
    assert_roundtrip(
        S.security_descriptor_relative,
        SPEC_EXAMPLE[:20],
        {
            "revision": 1,
            "sbz1": 0,
            "control": all_flags(
                S.security_descriptor_control,
                "SE_SELF_RELATIVE",
                "SE_SACL_PROTECTED",
                "SE_DACL_PROTECTED",
                "SE_SACL_PRESENT",
                "SE_DACL_PRESENT",
            ),
            "offset_owner": 0x90,
            "offset_group": 0xA0,
            "offset_sacl": 0x14,
            "offset_dacl": 0x30,
        },
    )


def test_spec_example_rebuilds_from_its_parts() -> None:
    """Every component of the 2.5.1.4 example, parsed at its offset and built again, gives
    the example back byte for byte."""
    data = SPEC_EXAMPLE
    sacl = {"acl_revision": 2, "sbz1": 0, "acl_size": 0x1C, "ace_count": 1, "sbz2": 0}
    assert_roundtrip(S.acl, data[0x14:0x1C], sacl)
    audit = mask_sid_obj(
        "SYSTEM_AUDIT_ACE_TYPE", 0x14, ("FAILED_ACCESS_ACE_FLAG",), 0x80000000, sid_obj(*EVERYONE)
    )
    assert_roundtrip(S.system_audit_ace, data[0x1C:0x30], audit)
    dacl = {"acl_revision": 2, "sbz1": 0, "acl_size": 0x60, "ace_count": 4, "sbz2": 0}
    assert_roundtrip(S.acl, data[0x30:0x38], dacl)
    inherit = ("OBJECT_INHERIT_ACE", "CONTAINER_INHERIT_ACE")
    grants = [
        (0x38, 0x18, 0xA0000000, (5, 32, 545)),  # GR|GX for BU
        (0x50, 0x18, 0x10000000, (5, 32, 544)),  # GA for BA
        (0x68, 0x14, 0x10000000, SYSTEM),  # GA for SY
        (0x7C, 0x14, 0x10000000, (3, 0)),  # GA for CREATOR OWNER
    ]
    for offset, size, mask, parts in grants:
        obj = mask_sid_obj("ACCESS_ALLOWED_ACE_TYPE", size, inherit, mask, sid_obj(*parts))
        assert_roundtrip(S.access_allowed_ace, data[offset : offset + size], obj)
    assert_roundtrip(S.sid, data[0x90:0xA0], sid_obj(5, 32, 544))
    assert_roundtrip(S.sid, data[0xA0:0xB0], sid_obj(5, 32, 544))
    rebuilt = (
        S.security_descriptor_relative.build(S.security_descriptor_relative.parse(data))
        + S.acl.build(sacl)
        + S.system_audit_ace.build(audit)
        + S.acl.build(dacl)
        + b"".join(
            S.access_allowed_ace.build(
                mask_sid_obj("ACCESS_ALLOWED_ACE_TYPE", size, inherit, mask, sid_obj(*parts))
            )
            for _, size, mask, parts in grants
        )
        + S.sid.build(sid_obj(5, 32, 544)) * 2
    )
    assert rebuilt == data


def test_default_security_descriptor_by_hand() -> None:
    """The writer's O:BAG:SYD:(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU), packed by hand and
    laid out as Windows lays it, and its parts through the declarations."""
    aces = [
        mask_sid_ace(0, 2, S.KEY_ALL_ACCESS, sid_bytes(*SYSTEM)),
        mask_sid_ace(0, 2, S.KEY_ALL_ACCESS, sid_bytes(5, 32, 544)),
        mask_sid_ace(0, 2, S.KEY_READ, sid_bytes(*BUILTIN_USERS)),
    ]
    dacl = struct.pack("<BBHHH", 2, 0, 8 + sum(map(len, aces)), 3, 0) + b"".join(aces)
    owner, group = sid_bytes(5, 32, 544), sid_bytes(*SYSTEM)
    header = struct.pack(
        "<BBHIIII", 1, 0, 0x8004, 20 + len(dacl), 20 + len(dacl) + len(owner), 0, 20
    )
    assert header + dacl + owner + group == writer.DEFAULT_SECURITY_DESCRIPTOR
    assert_roundtrip(
        S.security_descriptor_relative,
        header,
        {
            "revision": 1,
            "sbz1": 0,
            "control": all_flags(
                S.security_descriptor_control, "SE_SELF_RELATIVE", "SE_DACL_PRESENT"
            ),
            "offset_owner": 20 + len(dacl),
            "offset_group": 20 + len(dacl) + len(owner),
            "offset_sacl": 0,
            "offset_dacl": 20,
        },
    )
    assert_roundtrip(
        S.acl,
        dacl[:8],
        {"acl_revision": 2, "sbz1": 0, "acl_size": len(dacl), "ace_count": 3, "sbz2": 0},
    )
    assert_roundtrip(
        S.access_allowed_ace,
        aces[2],
        mask_sid_obj(
            "ACCESS_ALLOWED_ACE_TYPE",
            24,
            ("CONTAINER_INHERIT_ACE",),
            S.KEY_READ,
            sid_obj(*BUILTIN_USERS),
        ),
    )


# --- every declaration is tested --------------------------------------------------------------

_TESTED = {
    "sid", "key_access_mask", "mandatory_label_mask", "ace_type", "ace_flags", "ace_header",
    "object_ace_flags", "guid", "acl", "security_descriptor_control",
    "security_descriptor_relative", "unknown_ace",
}  # fmt: skip


def test_every_declaration_has_a_round_trip() -> None:
    declared = {
        name
        for name, value in vars(S).items()
        if isinstance(value, construct.Construct) and not hasattr(construct, name)
    }
    layouts = {name for name in declared if getattr(S, name) in S.ACE_LAYOUTS.values()}
    tested_layouts = {
        name
        for name in layouts
        if any(getattr(S, name) is row[0] for row in [*_SIMPLE, *_CALLBACKS, *_OBJECT_ACES])
    }
    assert tested_layouts == layouts
    assert declared - layouts == _TESTED


# --- every component of real descriptors ------------------------------------------------------

_CORPUS_HIVES = ("regipy/SYSTEM_WIN_10_1709", "hackfortress-xp/software", "dfwinreg/UsrClass.dat")


def _descriptors(corpus: Path) -> set[bytes]:
    found: set[bytes] = set()
    for name in _CORPUS_HIVES:
        hive = open_hive(corpus / "hives" / name, apply_logs=False)
        stack = [hive.root()]
        while stack:
            key = stack.pop()
            stack.extend(key.subkeys())
            descriptor = key.security_descriptor
            if descriptor:
                found.add(descriptor)
    return found


def _rebuilds(declaration: Any, data: bytes) -> int:
    """Parse ``data`` and build it again; the build must be a prefix of ``data``."""
    built = declaration.build(declaration.parse(data))
    assert data.startswith(built), f"{data.hex()} rebuilt as {built.hex()}"
    return len(built)


@pytest.mark.corpus
def test_corpus_descriptors_rebuild_byte_identical(corpus: Path) -> None:
    counts = {"descriptors": 0, "sids": 0, "acls": 0, "aces": 0}
    for data in _descriptors(corpus):
        counts["descriptors"] += 1
        header = S.security_descriptor_relative.parse(data)
        assert _rebuilds(S.security_descriptor_relative, data) == 20
        for offset in (header.offset_owner, header.offset_group):
            if offset:
                assert _rebuilds(S.sid, data[offset:]) == 8 + 4 * data[offset + 1]
                counts["sids"] += 1
        for offset in (header.offset_sacl, header.offset_dacl):
            if not offset:
                continue
            acl = S.acl.parse(data[offset:])
            _rebuilds(S.acl, data[offset:])
            counts["acls"] += 1
            position = offset + 8
            for _ in range(acl.ace_count):
                ace_header = S.ace_header.parse(data[position:])
                raw = data[position : position + ace_header.ace_size]
                layout = S.ACE_LAYOUTS.get(int(ace_header.ace_type), S.unknown_ace)
                # No ACE in these hives has slack after its fields: the whole ACE rebuilds.
                assert _rebuilds(layout, raw) == len(raw)
                counts["aces"] += 1
                position += ace_header.ace_size
    assert counts["descriptors"] > 500 and counts["aces"] > 3000, counts
