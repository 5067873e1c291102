"""Windows security descriptors, as a registry ``sk`` cell stores them.

Declarations only, following [MS-DTYP] "Windows Data Types": 2.4.1 SID_IDENTIFIER_AUTHORITY,
2.4.2.2 SID (packet representation), 2.4.3 ACCESS_MASK, 2.4.4.1 ACE_HEADER and the ACE
layouts of 2.4.4.2-2.4.4.17, 2.4.5 ACL and 2.4.6 SECURITY_DESCRIPTOR in its self-relative
form (``SECURITY_DESCRIPTOR_RELATIVE`` in winnt.h). Registry key access rights come from the
Windows SDK's winnt.h (``KEY_*``); so do the ACE types [MS-DTYP] leaves out (0x14, 0x15) and
the layouts of the ACE types it marks "reserved" (the SYSTEM_ALARM family).

A self-relative descriptor is a fixed header whose four offsets (from the start of the
descriptor, 0 meaning "absent") locate the owner SID, the group SID, the SACL and the DACL,
in any order. An ACL is a header followed by ``ace_count`` ACEs; every ACE starts with an
ACE_HEADER whose ``ace_type`` selects the layout of the rest (:data:`ACE_LAYOUTS`) and
whose ``ace_size`` covers the whole ACE. Everything is little-endian except the SID's
identifier authority. Behaviour (walking the offsets, names, SDDL) lives in
:mod:`hiveparse.decode.security`.

ACE masks are declared ``Int32ul``: real registry ACEs carry bits no table names (object
specific bits 6-15, reserved bits), and a FlagsEnum would drop them on rebuild. The mask
names are the FlagsEnums :data:`key_access_mask` and :data:`mandatory_label_mask`.
"""

from __future__ import annotations

from construct import (
    Array,
    Bytes,
    BytesInteger,
    Const,
    Enum,
    FlagsEnum,
    GreedyBytes,
    If,
    Int8ul,
    Int16ul,
    Int32ul,
    Struct,
    this,
)

# --- 2.4.1 SID_IDENTIFIER_AUTHORITY and 2.4.2 SID ---------------------------------------------

SID_REVISION = 1
SID_MAX_SUB_AUTHORITIES = 15  # 2.4.2.2: SubAuthorityCount "MUST be less than or equal to 15"

NULL_SID_AUTHORITY = 0
WORLD_SID_AUTHORITY = 1
LOCAL_SID_AUTHORITY = 2
CREATOR_SID_AUTHORITY = 3
NON_UNIQUE_AUTHORITY = 4
SECURITY_NT_AUTHORITY = 5
SECURITY_APP_PACKAGE_AUTHORITY = 15
SECURITY_MANDATORY_LABEL_AUTHORITY = 16
SECURITY_SCOPED_POLICY_ID_AUTHORITY = 17
SECURITY_AUTHENTICATION_AUTHORITY = 18
SECURITY_PROCESS_TRUST_AUTHORITY = 19  # winnt.h: trust label SIDs S-1-19-<type>-<level>

sid = Struct(
    "revision" / Const(SID_REVISION, Int8ul),
    "sub_authority_count" / Int8ul * "at most 15",
    "identifier_authority" / BytesInteger(6) * "big-endian: the one field that is",
    "sub_authority" / Array(this.sub_authority_count, Int32ul),
)

# --- 2.4.3 ACCESS_MASK -------------------------------------------------------------------------

# Composite registry rights (winnt.h). KEY_EXECUTE is KEY_READ by definition.
KEY_READ = 0x00020019  # READ_CONTROL | KEY_QUERY_VALUE | KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY
KEY_WRITE = 0x00020006  # READ_CONTROL | KEY_SET_VALUE | KEY_CREATE_SUB_KEY
KEY_EXECUTE = KEY_READ
KEY_ALL_ACCESS = 0x000F003F  # STANDARD_RIGHTS_REQUIRED | the six key-specific rights

key_access_mask = FlagsEnum(
    Int32ul,
    # object-specific rights (bits 0-15) of a registry key, winnt.h
    KEY_QUERY_VALUE=0x00000001,
    KEY_SET_VALUE=0x00000002,
    KEY_CREATE_SUB_KEY=0x00000004,
    KEY_ENUMERATE_SUB_KEYS=0x00000008,
    KEY_NOTIFY=0x00000010,
    KEY_CREATE_LINK=0x00000020,
    KEY_WOW64_64KEY=0x00000100,
    KEY_WOW64_32KEY=0x00000200,
    # standard rights (2.4.3: DE, RC, WD, WO, SY)
    DELETE=0x00010000,
    READ_CONTROL=0x00020000,
    WRITE_DAC=0x00040000,
    WRITE_OWNER=0x00080000,
    SYNCHRONIZE=0x00100000,
    # 2.4.3: AS, MA, GA, GX, GW, GR
    ACCESS_SYSTEM_SECURITY=0x01000000,
    MAXIMUM_ALLOWED=0x02000000,
    GENERIC_ALL=0x10000000,
    GENERIC_EXECUTE=0x20000000,
    GENERIC_WRITE=0x40000000,
    GENERIC_READ=0x80000000,
)

# 2.4.4.13: the mask of a SYSTEM_MANDATORY_LABEL_ACE is a policy, not access rights.
mandatory_label_mask = FlagsEnum(
    Int32ul,
    SYSTEM_MANDATORY_LABEL_NO_WRITE_UP=0x00000001,
    SYSTEM_MANDATORY_LABEL_NO_READ_UP=0x00000002,
    SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP=0x00000004,
)

# --- 2.4.4.1 ACE_HEADER --------------------------------------------------------------------------

ACCESS_ALLOWED_ACE_TYPE = 0x00
ACCESS_DENIED_ACE_TYPE = 0x01
SYSTEM_AUDIT_ACE_TYPE = 0x02
SYSTEM_ALARM_ACE_TYPE = 0x03
ACCESS_ALLOWED_COMPOUND_ACE_TYPE = 0x04
ACCESS_ALLOWED_OBJECT_ACE_TYPE = 0x05
ACCESS_DENIED_OBJECT_ACE_TYPE = 0x06
SYSTEM_AUDIT_OBJECT_ACE_TYPE = 0x07
SYSTEM_ALARM_OBJECT_ACE_TYPE = 0x08
ACCESS_ALLOWED_CALLBACK_ACE_TYPE = 0x09
ACCESS_DENIED_CALLBACK_ACE_TYPE = 0x0A
ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE = 0x0B
ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE = 0x0C
SYSTEM_AUDIT_CALLBACK_ACE_TYPE = 0x0D
SYSTEM_ALARM_CALLBACK_ACE_TYPE = 0x0E
SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE = 0x0F
SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE = 0x10
SYSTEM_MANDATORY_LABEL_ACE_TYPE = 0x11
SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE = 0x12
SYSTEM_SCOPED_POLICY_ID_ACE_TYPE = 0x13
SYSTEM_PROCESS_TRUST_LABEL_ACE_TYPE = 0x14  # winnt.h; protected-process keys of Windows 10
SYSTEM_ACCESS_FILTER_ACE_TYPE = 0x15  # winnt.h

ace_type = Enum(
    Int8ul,
    ACCESS_ALLOWED_ACE_TYPE=ACCESS_ALLOWED_ACE_TYPE,
    ACCESS_DENIED_ACE_TYPE=ACCESS_DENIED_ACE_TYPE,
    SYSTEM_AUDIT_ACE_TYPE=SYSTEM_AUDIT_ACE_TYPE,
    SYSTEM_ALARM_ACE_TYPE=SYSTEM_ALARM_ACE_TYPE,
    ACCESS_ALLOWED_COMPOUND_ACE_TYPE=ACCESS_ALLOWED_COMPOUND_ACE_TYPE,
    ACCESS_ALLOWED_OBJECT_ACE_TYPE=ACCESS_ALLOWED_OBJECT_ACE_TYPE,
    ACCESS_DENIED_OBJECT_ACE_TYPE=ACCESS_DENIED_OBJECT_ACE_TYPE,
    SYSTEM_AUDIT_OBJECT_ACE_TYPE=SYSTEM_AUDIT_OBJECT_ACE_TYPE,
    SYSTEM_ALARM_OBJECT_ACE_TYPE=SYSTEM_ALARM_OBJECT_ACE_TYPE,
    ACCESS_ALLOWED_CALLBACK_ACE_TYPE=ACCESS_ALLOWED_CALLBACK_ACE_TYPE,
    ACCESS_DENIED_CALLBACK_ACE_TYPE=ACCESS_DENIED_CALLBACK_ACE_TYPE,
    ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE=ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE,
    ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE=ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE,
    SYSTEM_AUDIT_CALLBACK_ACE_TYPE=SYSTEM_AUDIT_CALLBACK_ACE_TYPE,
    SYSTEM_ALARM_CALLBACK_ACE_TYPE=SYSTEM_ALARM_CALLBACK_ACE_TYPE,
    SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE=SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE,
    SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE=SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE,
    SYSTEM_MANDATORY_LABEL_ACE_TYPE=SYSTEM_MANDATORY_LABEL_ACE_TYPE,
    SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE=SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE,
    SYSTEM_SCOPED_POLICY_ID_ACE_TYPE=SYSTEM_SCOPED_POLICY_ID_ACE_TYPE,
    SYSTEM_PROCESS_TRUST_LABEL_ACE_TYPE=SYSTEM_PROCESS_TRUST_LABEL_ACE_TYPE,
    SYSTEM_ACCESS_FILTER_ACE_TYPE=SYSTEM_ACCESS_FILTER_ACE_TYPE,
)

ace_flags = FlagsEnum(
    Int8ul,
    OBJECT_INHERIT_ACE=0x01,
    CONTAINER_INHERIT_ACE=0x02,
    NO_PROPAGATE_INHERIT_ACE=0x04,
    INHERIT_ONLY_ACE=0x08,
    INHERITED_ACE=0x10,
    CRITICAL_ACE_FLAG=0x20,
    SUCCESSFUL_ACCESS_ACE_FLAG=0x40,
    FAILED_ACCESS_ACE_FLAG=0x80,
)

ace_header = Struct(
    "ace_type" / ace_type,
    "ace_flags" / ace_flags,
    "ace_size" / Int16ul * "the whole ACE, header included; may exceed its fields",
)

# --- 2.4.4.2-2.4.4.17 ACE layouts ----------------------------------------------------------

access_allowed_ace = Struct(  # 2.4.4.2
    "header" / ace_header,
    "mask" / Int32ul * "ACCESS_MASK: names in key_access_mask",
    "sid" / sid,
)

access_denied_ace = Struct(  # 2.4.4.4
    "header" / ace_header,
    "mask" / Int32ul,
    "sid" / sid,
)

system_audit_ace = Struct(  # 2.4.4.10
    "header" / ace_header,
    "mask" / Int32ul * "the accesses that are audited",
    "sid" / sid,
)

system_alarm_ace = Struct(  # winnt.h; [MS-DTYP] 2.4.4.1 "reserved for future use"
    "header" / ace_header,
    "mask" / Int32ul,
    "sid" / sid,
)

object_ace_flags = FlagsEnum(
    Int32ul,
    ACE_OBJECT_TYPE_PRESENT=0x00000001,
    ACE_INHERITED_OBJECT_TYPE_PRESENT=0x00000002,
)

guid = Bytes(16)  # 2.3.4.2 GUID packet representation: Data1, Data2, Data3 little-endian

access_allowed_object_ace = Struct(  # 2.4.4.3
    "header" / ace_header,
    "mask" / Int32ul,
    "flags" / object_ace_flags,
    "object_type" / If(this.flags.ACE_OBJECT_TYPE_PRESENT, guid) * "absent unless flagged",
    "inherited_object_type" / If(this.flags.ACE_INHERITED_OBJECT_TYPE_PRESENT, guid),
    "sid" / sid * "right after the GUIDs that are present",
)

access_denied_object_ace = Struct(  # 2.4.4.5
    "header" / ace_header,
    "mask" / Int32ul,
    "flags" / object_ace_flags,
    "object_type" / If(this.flags.ACE_OBJECT_TYPE_PRESENT, guid),
    "inherited_object_type" / If(this.flags.ACE_INHERITED_OBJECT_TYPE_PRESENT, guid),
    "sid" / sid,
)

system_audit_object_ace = Struct(  # 2.4.4.11
    "header" / ace_header,
    "mask" / Int32ul,
    "flags" / object_ace_flags,
    "object_type" / If(this.flags.ACE_OBJECT_TYPE_PRESENT, guid),
    "inherited_object_type" / If(this.flags.ACE_INHERITED_OBJECT_TYPE_PRESENT, guid),
    "sid" / sid,
    "application_data" / GreedyBytes * "the rest of ace_size",
)

system_alarm_object_ace = Struct(  # winnt.h
    "header" / ace_header,
    "mask" / Int32ul,
    "flags" / object_ace_flags,
    "object_type" / If(this.flags.ACE_OBJECT_TYPE_PRESENT, guid),
    "inherited_object_type" / If(this.flags.ACE_INHERITED_OBJECT_TYPE_PRESENT, guid),
    "sid" / sid,
)

access_allowed_callback_ace = Struct(  # 2.4.4.6
    "header" / ace_header,
    "mask" / Int32ul,
    "sid" / sid,
    "application_data" / GreedyBytes * "the rest of ace_size: a conditional expression (2.4.4.17)",
)

access_denied_callback_ace = Struct(  # 2.4.4.7
    "header" / ace_header,
    "mask" / Int32ul,
    "sid" / sid,
    "application_data" / GreedyBytes,
)

access_allowed_callback_object_ace = Struct(  # 2.4.4.8
    "header" / ace_header,
    "mask" / Int32ul,
    "flags" / object_ace_flags,
    "object_type" / If(this.flags.ACE_OBJECT_TYPE_PRESENT, guid),
    "inherited_object_type" / If(this.flags.ACE_INHERITED_OBJECT_TYPE_PRESENT, guid),
    "sid" / sid,
    "application_data" / GreedyBytes,
)

access_denied_callback_object_ace = Struct(  # 2.4.4.9
    "header" / ace_header,
    "mask" / Int32ul,
    "flags" / object_ace_flags,
    "object_type" / If(this.flags.ACE_OBJECT_TYPE_PRESENT, guid),
    "inherited_object_type" / If(this.flags.ACE_INHERITED_OBJECT_TYPE_PRESENT, guid),
    "sid" / sid,
    "application_data" / GreedyBytes,
)

system_audit_callback_ace = Struct(  # 2.4.4.12
    "header" / ace_header,
    "mask" / Int32ul,
    "sid" / sid,
    "application_data" / GreedyBytes,
)

system_alarm_callback_ace = Struct(  # winnt.h
    "header" / ace_header,
    "mask" / Int32ul,
    "sid" / sid,
    "application_data" / GreedyBytes,
)

system_audit_callback_object_ace = Struct(  # 2.4.4.14
    "header" / ace_header,
    "mask" / Int32ul,
    "flags" / object_ace_flags,
    "object_type" / If(this.flags.ACE_OBJECT_TYPE_PRESENT, guid),
    "inherited_object_type" / If(this.flags.ACE_INHERITED_OBJECT_TYPE_PRESENT, guid),
    "sid" / sid,
    "application_data" / GreedyBytes,
)

system_alarm_callback_object_ace = Struct(  # winnt.h
    "header" / ace_header,
    "mask" / Int32ul,
    "flags" / object_ace_flags,
    "object_type" / If(this.flags.ACE_OBJECT_TYPE_PRESENT, guid),
    "inherited_object_type" / If(this.flags.ACE_INHERITED_OBJECT_TYPE_PRESENT, guid),
    "sid" / sid,
    "application_data" / GreedyBytes,
)

system_mandatory_label_ace = Struct(  # 2.4.4.13
    "header" / ace_header,
    "mask" / Int32ul * "names in mandatory_label_mask",
    "sid" / sid * "a mandatory integrity level, S-1-16-<level>",
)

system_resource_attribute_ace = Struct(  # 2.4.4.15
    "header" / ace_header,
    "mask" / Int32ul * "0",
    "sid" / sid * "Everyone (S-1-1-0)",
    "attribute_data" / GreedyBytes * "CLAIM_SECURITY_ATTRIBUTE_RELATIVE_V1 (2.4.10.1) and padding",
)

system_scoped_policy_id_ace = Struct(  # 2.4.4.16
    "header" / ace_header,
    "mask" / Int32ul * "0",
    "sid" / sid * "a central access policy, S-1-17-...",
)

system_process_trust_label_ace = Struct(  # winnt.h / ntifs.h
    "header" / ace_header,
    "mask" / Int32ul * "the rights left to processes below the label",
    "sid" / sid * "a trust label, S-1-19-<protection type>-<signer level>",
)

system_access_filter_ace = Struct(  # winnt.h
    "header" / ace_header,
    "mask" / Int32ul,
    "sid" / sid,
    "application_data" / GreedyBytes * "a conditional expression",
)

unknown_ace = Struct(
    "header" / ace_header,
    "mask" / Int32ul * "every ACE layout, even the compound ACE, has its mask here",
    "body" / GreedyBytes,
)

# 2.4.4.1: the structure each AceType uses (ACCESS_ALLOWED_COMPOUND_ACE_TYPE is reserved and
# has no layout; it and types not listed parse as unknown_ace).
ACE_LAYOUTS: dict[int, Struct] = {
    ACCESS_ALLOWED_ACE_TYPE: access_allowed_ace,
    ACCESS_DENIED_ACE_TYPE: access_denied_ace,
    SYSTEM_AUDIT_ACE_TYPE: system_audit_ace,
    SYSTEM_ALARM_ACE_TYPE: system_alarm_ace,
    ACCESS_ALLOWED_OBJECT_ACE_TYPE: access_allowed_object_ace,
    ACCESS_DENIED_OBJECT_ACE_TYPE: access_denied_object_ace,
    SYSTEM_AUDIT_OBJECT_ACE_TYPE: system_audit_object_ace,
    SYSTEM_ALARM_OBJECT_ACE_TYPE: system_alarm_object_ace,
    ACCESS_ALLOWED_CALLBACK_ACE_TYPE: access_allowed_callback_ace,
    ACCESS_DENIED_CALLBACK_ACE_TYPE: access_denied_callback_ace,
    ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE: access_allowed_callback_object_ace,
    ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE: access_denied_callback_object_ace,
    SYSTEM_AUDIT_CALLBACK_ACE_TYPE: system_audit_callback_ace,
    SYSTEM_ALARM_CALLBACK_ACE_TYPE: system_alarm_callback_ace,
    SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE: system_audit_callback_object_ace,
    SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE: system_alarm_callback_object_ace,
    SYSTEM_MANDATORY_LABEL_ACE_TYPE: system_mandatory_label_ace,
    SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE: system_resource_attribute_ace,
    SYSTEM_SCOPED_POLICY_ID_ACE_TYPE: system_scoped_policy_id_ace,
    SYSTEM_PROCESS_TRUST_LABEL_ACE_TYPE: system_process_trust_label_ace,
    SYSTEM_ACCESS_FILTER_ACE_TYPE: system_access_filter_ace,
}

# --- 2.4.5 ACL -------------------------------------------------------------------------------

ACL_REVISION = 0x02
ACL_REVISION_DS = 0x04  # required when the ACL holds object ACEs

acl = Struct(
    "acl_revision" / Int8ul * "2, or 4 (ACL_REVISION_DS) with object ACEs",
    "sbz1" / Int8ul,
    "acl_size" / Int16ul * "header, ACEs and any unused space after them",
    "ace_count" / Int16ul,
    "sbz2" / Int16ul,
)

# --- 2.4.6 SECURITY_DESCRIPTOR ---------------------------------------------------------------

SECURITY_DESCRIPTOR_REVISION = 1

security_descriptor_control = FlagsEnum(
    Int16ul,
    SE_OWNER_DEFAULTED=0x0001,
    SE_GROUP_DEFAULTED=0x0002,
    SE_DACL_PRESENT=0x0004,
    SE_DACL_DEFAULTED=0x0008,
    SE_SACL_PRESENT=0x0010,
    SE_SACL_DEFAULTED=0x0020,
    SE_DACL_UNTRUSTED=0x0040,
    SE_SERVER_SECURITY=0x0080,
    SE_DACL_AUTO_INHERIT_REQ=0x0100,
    SE_SACL_AUTO_INHERIT_REQ=0x0200,
    SE_DACL_AUTO_INHERITED=0x0400,
    SE_SACL_AUTO_INHERITED=0x0800,
    SE_DACL_PROTECTED=0x1000,
    SE_SACL_PROTECTED=0x2000,
    SE_RM_CONTROL_VALID=0x4000,
    SE_SELF_RELATIVE=0x8000,
)

security_descriptor_relative = Struct(
    "revision" / Const(SECURITY_DESCRIPTOR_REVISION, Int8ul),
    "sbz1" / Int8ul * "resource manager control bits if SE_RM_CONTROL_VALID, else 0",
    "control" / security_descriptor_control,
    "offset_owner" / Int32ul * "from the start of the descriptor; 0: no owner",
    "offset_group" / Int32ul * "0: no group",
    "offset_sacl" / Int32ul * "0: no SACL (or a NULL SACL if SE_SACL_PRESENT)",
    "offset_dacl" / Int32ul * "0: no DACL (a NULL DACL, full access, if SE_DACL_PRESENT)",
)
