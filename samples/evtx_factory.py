"""Write Windows XML Event Log (EVTX) files the way the Windows Event Log service does.

No public event log carries the RD licensing events the project reports (the corpus's
evtx/MANIFEST.md says so), so tests and samples write their own. Every structure below is
laid out from libyal's "Windows XML Event Log (EVTX) format" notes ([LIBEVTX], libyal/libevtx
``documentation/Windows XML Event Log (EVTX).asciidoc``) and the BinXml grammar of
[MS-EVEN6] 2.2.12 (and its examples 4.7, 4.8), and where both are silent, from what Windows
writes in the corpus logs (read, never copied):

* file header: a 4096-byte block, ``ElfFile\\0``, first/last chunk number, next record
  identifier, header size 128, format 3.1 (3.2 from Windows 10 2004), block size 4096, the
  number of chunks, flags (0x1 dirty, 0x2 full) and the CRC32 of its first 120 bytes;
* 64 KiB chunks: ``ElfChnk\\0``, first/last record number and identifier, header size 128,
  the offsets of the last record and of the free space, the CRC32 of the records, flags
  (0x1 on every chunk of every corpus log) and the CRC32 of header bytes 0-120 and 128-512;
  the common-string table (64 buckets) and the template table (32 buckets) filled as
  Windows fills them (see :class:`_Chunk`);
* event records: 0x00002a2a, size, identifier, FILETIME written, BinXml, copy of size, the
  record padded with zeros to a multiple of 8 bytes (every corpus record is);
* BinXml: a fragment header and one TemplateInstance per record, the template written
  inline at its first use in a chunk and referenced by offset afterwards; the System element
  and its 18 (manifest) or 20 (classic) substitution values in the order and with the types
  Windows uses; the event's own data as a nested BinXml value (type 0x21) holding a second
  template instance: ``EventData`` with named ``Data`` items, ``UserData`` with one
  namespaced element (``EventXML xmlns="Event_NS"`` for the TerminalServices providers), or
  for a classic (ReportEvent) source unnamed ``Data`` items from one string-array value.

The writer is deterministic: the same events give the same bytes.

    from samples.evtx_factory import CATALOGUE, write_evtx
    entry = CATALOGUE[(RCM, 1149)]
    write_evtx(path, [entry.spec(time, {"Param1": "alice", "Param2": "CONTOSO",
                                        "Param3": "203.0.113.7"})], computer="RDSH-01")

The catalogue of the RDS licensing and session events (:data:`LICENSING_EVENTS`,
:data:`SESSION_EVENTS`) names for each event where its provider, channel, level, fields and
message were found, and says plainly where nothing public was found and a value is this
writer's own choice.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from hiveparse.filetime import datetime_to_filetime

FILE_SIGNATURE = b"ElfFile\x00"
CHUNK_SIGNATURE = b"ElfChnk\x00"
RECORD_SIGNATURE = 0x00002A2A
HEADER_BLOCK_SIZE = 4096
HEADER_SIZE = 128
CHUNK_SIZE = 0x10000
CHUNK_HEADER_SIZE = 512
FLAG_DIRTY = 0x1
FLAG_FULL = 0x2
CHUNK_FLAGS = 0x1  # [LIBEVTX] "Unknown (flags?)": 0x1 on every chunk of every corpus log
EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"
USER_DATA_NS = "Event_NS"  # EventXML's xmlns in every TerminalServices UserData record
KEYWORD_CLASSIC = 0x0080000000000000  # win:EventlogClassic, on every ReportEvent record

# [MS-EVEN6] 2.2.12 tokens.
_EOF = 0x00
_OPEN_START = 0x01
_CLOSE_START = 0x02
_CLOSE_EMPTY = 0x03
_END_ELEMENT = 0x04
_VALUE = 0x05
_ATTRIBUTE = 0x06
_TEMPLATE_INSTANCE = 0x0C
_NORMAL_SUBSTITUTION = 0x0D
_OPTIONAL_SUBSTITUTION = 0x0E
_FRAGMENT_HEADER = b"\x0f\x01\x01\x00"  # token, major 1, minor 1, flags 0
_MORE = 0x40  # "has more data": attributes follow / another attribute follows

ValueKind = Literal[
    "null",
    "string",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int32",
    "int64",
    "hexint32",
    "hexint64",
    "filetime",
    "guid",
    "sid",
    "binary",
    "string_array",
    "binxml",
]

# [MS-EVEN6] 2.2.12 / [LIBEVTX] "Value types".
VALUE_TYPES: dict[ValueKind, int] = {
    "null": 0x00,
    "string": 0x01,
    "uint8": 0x04,
    "uint16": 0x06,
    "int32": 0x07,
    "uint32": 0x08,
    "int64": 0x09,
    "uint64": 0x0A,
    "binary": 0x0E,
    "guid": 0x0F,
    "filetime": 0x11,
    "sid": 0x13,
    "hexint32": 0x14,
    "hexint64": 0x15,
    "binxml": 0x21,
    "string_array": 0x81,
}
_INTEGERS: dict[ValueKind, str] = {
    "uint8": "<B",
    "uint16": "<H",
    "uint32": "<I",
    "uint64": "<Q",
    "int32": "<i",
    "int64": "<q",
    "hexint32": "<I",
    "hexint64": "<Q",
}


@dataclass(frozen=True)
class Typed:
    """A data value with an explicit BinXml type: ``Typed("hexint64", 0x6A423)``,
    ``Typed("sid", "S-1-5-18")``, ``Typed("uint16", 3)``. Plain values take a default type:
    ``str`` a UTF-16 string, ``int`` a UInt32, ``datetime`` a FILETIME, ``UUID`` a GUID,
    ``bytes`` binary."""

    kind: ValueKind
    value: str | int | datetime | uuid.UUID | bytes


DataValue = str | int | datetime | uuid.UUID | bytes | Typed


@dataclass(frozen=True)
class EventSpec:
    """One event as the Event Log service records it.

    A manifest-based event carries its fields in ``data``: named ``<Data Name=...>`` items of
    ``EventData``, or, with ``user_data=(element, xmlns)``, the children of that one element
    under ``UserData``. A classic event (``event_source_name`` set, written through
    ReportEvent) carries unnamed insertion ``strings`` and optional ``binary`` data instead;
    its Provider attributes and Channel are literal text of its template, as Windows writes
    them.
    """

    provider: str
    provider_guid: str | None  # "{C76BAA63-AE81-421C-B425-340B4B24157F}"; None: no Guid attribute
    event_id: int  # the 16-bit code; Qualifiers go in ``qualifiers``
    time: datetime  # TimeCreated SystemTime (UTC, aware)
    channel: str
    data: Mapping[str, DataValue] = field(default_factory=dict)
    user_data: tuple[str, str] | None = None  # (element name, xmlns)
    qualifiers: int | None = None  # EventID's Qualifiers attribute (0xC000 for errors)
    level: int = 4
    task: int = 0
    opcode: int = 0
    keywords: int | None = None  # None: win:EventlogClassic for classic events, else 0
    version: int = 0
    event_source_name: str | None = None  # a classic source: EventSourceName attribute
    strings: Sequence[str] = ()  # classic insertion strings (%1, %2, ...)
    binary: bytes | None = None  # classic binary data (<Binary>)
    process_id: int = 0
    thread_id: int = 0
    user_sid: str | None = None  # Security UserID; None leaves <Security/> empty
    activity_id: uuid.UUID | None = None  # Correlation ActivityID
    # The TerminalServices and RDS providers pass their strings with the terminating NUL and
    # Windows keeps it in the value (every such corpus record does); Security-Auditing's do
    # not. Readers drop the NUL either way.
    nul_terminated: bool = True
    written: datetime | None = None  # the record header's FILETIME; None: ``time``

    @property
    def classic(self) -> bool:
        return self.event_source_name is not None


# -- catalogue ---------------------------------------------------------------------------------

RCM = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
RCM_GUID = "{C76BAA63-AE81-421C-B425-340B4B24157F}"
LSM = "Microsoft-Windows-TerminalServices-LocalSessionManager"
LSM_GUID = "{5D896912-022D-40AA-A3A8-4FA5515C76D7}"
RDPCORETS = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS"
RDPCORETS_GUID = "{1139C61B-B549-4251-8ED3-27250A1EDEC8}"
SECURITY_AUDITING = "Microsoft-Windows-Security-Auditing"
SECURITY_AUDITING_GUID = "{54849625-5478-4994-A5BA-3E3B0328C30D}"
LICENSING = "Microsoft-Windows-TerminalServices-Licensing"

# Where the catalogue's facts come from.
_REPNZ_17134 = "repnz/etw-providers-docs Manifests-Win10-17134/{}.xml (Windows 10 1803, 17134)"
_REPNZ_18990 = "repnz/etw-providers-docs Manifests-Win10-18990/{}.xml (Windows 10, 18990)"
_NASBENCH_RCM = (
    "nasbench/EVTX-ETW-Resources ETW Events List/CSV/W2019_1809_17763-2061/"
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager.csv (Server 2019, 17763)"
)
_NASBENCH_LSM = (
    "nasbench/EVTX-ETW-Resources ETW Events List/Markdown/W10_1507/"
    "Microsoft-Windows-TerminalServices-LocalSessionManager.md (Windows 10 1507, 10240)"
)
_NASBENCH_RDPCORETS = (
    "nasbench/EVTX-ETW-Resources ETW Events List/Markdown/W10_1507/"
    "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS.md (Windows 10 1507, 10240)"
)
_NASBENCH_SECURITY = (
    "nasbench/EVTX-ETW-Resources ETW Events List/CSV/W2022_21H2/"
    "Microsoft-Windows-Security-Auditing.csv (Server 2022, 20348)"
)
_WINEVT_KB_TERMSRV = (
    "libyal/winevt-kb docs/sources/message-files/MessageFile-termsrv.dll.md "
    "(termsrv.dll {}; commit 5e51c65)"
)
_TECHNET = "Microsoft TechNet 'Event ID {} - Remote Desktop ...' (Windows Server 2008 R2, 6.1)"


@dataclass(frozen=True)
class FieldDef:
    """One field of an event template: its name and BinXml value type (manifest inType)."""

    name: str
    kind: ValueKind = "string"


@dataclass(frozen=True)
class CatalogueEntry:
    """What Windows writes for one event, and where each fact was found.

    ``fields`` are the template's data names for a manifest event; a classic event has
    ``strings`` insertion strings (unnamed ``<Data>`` items) instead. ``sourced`` is False
    when no provider manifest or message table with the event was found: every such value
    is this writer's own choice and ``note`` says which.
    """

    provider: str
    provider_guid: str | None
    event_id: int
    channel: str
    level: int
    message: str
    source: str
    fields: tuple[FieldDef, ...] = ()
    user_data: tuple[str, str] | None = None
    qualifiers: int | None = None
    event_source_name: str | None = None
    strings: int = 0  # classic: the number of insertion strings the message uses
    task: int = 0
    opcode: int = 0
    keywords: int | None = None
    version: int = 0
    user_sid: str | None = None
    nul_terminated: bool = True
    sourced: bool = True
    note: str = ""

    @property
    def classic(self) -> bool:
        return self.event_source_name is not None

    def spec(
        self,
        time: datetime,
        values: Mapping[str, DataValue] | Sequence[str] = (),
        **overrides: object,
    ) -> EventSpec:
        """An :class:`EventSpec` of this event at ``time``: ``values`` are the named fields
        (typed as the template declares them) or, for a classic event, the insertion strings;
        ``overrides`` replace any other EventSpec field."""
        if self.classic:
            if isinstance(values, Mapping):
                raise TypeError(f"{self.event_id} is a classic event: give insertion strings")
            strings: tuple[str, ...] = tuple(values)
            if len(strings) != self.strings:  # the message's %1..%n
                raise ValueError(f"{self.event_id} takes {self.strings} insertion strings")
            data: dict[str, DataValue] = {}
        else:
            if not isinstance(values, Mapping):
                raise TypeError(f"{self.event_id} has named fields: give a mapping")
            names = [f.name for f in self.fields]
            if set(values) != set(names):  # Windows fills every field of the template
                raise KeyError(f"{self.event_id} has the fields {names}, not {sorted(values)}")
            data = {f.name: _typed(values[f.name], f.kind) for f in self.fields}
            strings = ()
        spec = EventSpec(
            provider=self.provider,
            provider_guid=self.provider_guid,
            event_id=self.event_id,
            time=time,
            channel=self.channel,
            data=data,
            user_data=self.user_data,
            qualifiers=self.qualifiers,
            level=self.level,
            task=self.task,
            opcode=self.opcode,
            keywords=self.keywords,
            version=self.version,
            event_source_name=self.event_source_name,
            strings=strings,
            user_sid=self.user_sid,
            nul_terminated=self.nul_terminated,
        )
        return replace(spec, **overrides)  # type: ignore[arg-type]


def _typed(value: DataValue, kind: ValueKind) -> DataValue:
    """``value`` as the template's ``kind`` (an integer field also takes "0x..." text)."""
    if isinstance(value, Typed):
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise TypeError(f"a string field, not {value!r}")
        return value
    if isinstance(value, str) and kind in _INTEGERS:
        return Typed(kind, int(value, 0))
    return Typed(kind, value)


_OPERATIONAL_KEYWORD = 0x1000000000000000  # RCM/LSM .../Operational records in the corpus
_ADMIN_KEYWORD = 0x4000000000000000  # RCM .../Admin and RdpCoreTS .../Operational records
_RCM_OPERATIONAL = f"{RCM}/Operational"
_RCM_ADMIN = f"{RCM}/Admin"
_PARAM1 = (FieldDef("Param1"),)  # RCM template ConnectionTimeStartArgs: Param1 win:UnicodeString
_NO_TEMPLATE = "the manifest declares no template: the event has no data"
_CLASSIC_RCM = (
    "a classic TermService event (message 0x{:08X} of termsrv.dll up to 10.0.16299; "
    "EventSourceName TermService as the RCM 1056 records of the corpus System.evtx carry). "
    "From 10.0.17134 termsrv.dll has no such message and the RCM manifest of Server 2019 "
    "declares event {} (0x{:04X}) in {} with this text instead; no log shows which id "
    "Windows 1803+ writes. Level from that manifest event"
)


def _rcm_manifest(
    event_id: int, level: int, channel: str, message: str, *, fields: tuple[FieldDef, ...] = ()
) -> CatalogueEntry:
    return CatalogueEntry(
        provider=RCM,
        provider_guid=RCM_GUID,
        event_id=event_id,
        channel=channel,
        level=level,
        message=message,
        source=(
            f"{_REPNZ_18990.format(RCM)}; channel, level and message: {_NASBENCH_RCM}; "
            "UserData EventXML as on the corpus's RCM 1149 and 1158 records (1158 shares "
            "1003's and 1011's template, ConnectionTimeStartArgs)"
        ),
        fields=fields,
        user_data=("EventXML", USER_DATA_NS) if fields else None,
        keywords=_OPERATIONAL_KEYWORD if channel == _RCM_OPERATIONAL else _ADMIN_KEYWORD,
        user_sid="S-1-5-20",  # NETWORK SERVICE, on the RCM records of the corpus
        note="" if fields else _NO_TEMPLATE,
    )


def _rcm_classic(
    event_id: int, level: int, message: str, twin: int, twin_channel: str
) -> CatalogueEntry:
    message_id = 0xC0000000 | event_id
    return CatalogueEntry(
        provider=RCM,
        provider_guid=RCM_GUID,
        event_id=event_id,
        channel="System",
        level=level,
        message=message,
        source=_WINEVT_KB_TERMSRV.format("6.1.7600-10.0.16299"),
        qualifiers=0xC000,  # the severity bits of message 0xC000xxxx
        event_source_name="TermService",
        strings=1 if "%1" in message else 0,
        note=_CLASSIC_RCM.format(message_id, twin, twin, twin_channel),
    )


LICENSING_EVENTS: tuple[CatalogueEntry, ...] = (
    # -- Remote Connection Manager on the RD Session Host --------------------------------------
    _rcm_manifest(
        1003,
        3,
        _RCM_OPERATIONAL,
        "The remote desktop client '%1' has provided an invalid license.",
        fields=_PARAM1,
    ),
    _rcm_manifest(
        1004,
        3,
        _RCM_OPERATIONAL,
        "The Remote Desktop Session Host server cannot issue a client license. It was unable "
        "to issue the license due to a changed (mismatched) client license, insufficient "
        "memory, or an internal error. Further details for this problem may have been "
        "reported at the client's computer. (termsrv.dll message 0xB00003EC)",
    ),
    _rcm_manifest(
        1011,
        3,
        _RCM_OPERATIONAL,
        "The remote session could not be established from remote desktop client %1 because "
        "its temporary license has expired.",
        fields=_PARAM1,
    ),
    _rcm_classic(
        1028,
        3,
        "The remote session could not be established from remote desktop client %1 because "
        "its license could not be renewed.",
        50180,
        _RCM_OPERATIONAL,
    ),
    _rcm_classic(
        1043,
        3,
        "The Remote Desktop Session Host server cannot communicate with the Remote Desktop "
        "license server %1. Ensure that the computer account for the Remote Desktop Session "
        "Host server is a member of the RDS Endpoint Servers group on the license server.",
        50195,
        _RCM_ADMIN,
    ),
    _rcm_manifest(
        1068,
        3,
        _RCM_ADMIN,
        "The RD Licensing mode has not been configured. (termsrv.dll message 0xB000042C)",
    ),
    _rcm_manifest(
        1069,
        2,
        _RCM_ADMIN,
        "The RD Licensing grace period has expired and Licensing mode for the Remote Desktop "
        "Session Host server has not been configured. Licensing mode must be configured for "
        "continuous operation. (termsrv.dll message 0xB000042D)",
    ),
    _rcm_classic(
        1128,
        2,
        "The RD Licensing grace period has expired and the service has not registered with a "
        "license server with installed licenses. A RD Licensing server is required for "
        "continuous operation. A Remote Desktop Session Host server can operate without a "
        "license server for 120 days after initial start up.",
        50280,
        _RCM_ADMIN,
    ),
    _rcm_classic(
        1129,
        3,
        "The RD Licensing grace period is about to expire on %1 and the service has not "
        "registered with a license server with installed licenses. A RD Licensing server is "
        "required for continuous operation. A Remote Desktop Session Host server can operate "
        "without a license server for 120 days after initial start up.",
        50281,
        _RCM_ADMIN,
    ),
    _rcm_classic(
        1130,
        3,
        "The Remote Desktop Session Host server does not have a Remote Desktop license "
        "server specified. To specify a license server for the Remote Desktop Session Host "
        "server, use the Remote Desktop Session Host Configuration tool.",
        50282,
        _RCM_ADMIN,
    ),
    _rcm_classic(
        1131,
        3,
        "The Remote Desktop Session Host server could not contact the Remote Desktop license "
        "server %1. Ensure that the Remote Desktop Licensing service is running on the "
        "license server, that the license server is accepting network requests, and that the "
        "license server is registered in WINS and DNS.",
        50283,
        _RCM_ADMIN,
    ),
    _rcm_classic(
        1132,
        3,
        "The Remote Desktop license server %1 does not support the version of the operating "
        "system running on the Remote Desktop Session Host server.",
        50284,
        _RCM_ADMIN,
    ),
    _rcm_classic(
        1133,
        3,
        "The certificate issued by the Remote Desktop license server to the Remote Desktop "
        "Session Host server is not valid. The license server will not issue Remote Desktop "
        "Services client access licenses to clients connecting to the Remote Desktop Session "
        "Host server. To resolve this issue, delete the certificate on the Remote Desktop "
        "Session Host server and then restart the Remote Desktop Services service.",
        50285,
        _RCM_ADMIN,
    ),
)


def _licensing(
    event_id: int,
    message: str,
    *,
    symbol: str | None,
    strings: int,
    source: str | None = None,
) -> CatalogueEntry:
    """A license-server event. No manifest, message table or log of this provider was found:
    only TechNet's per-event pages (symbolic name, message) for some of them."""
    severity = None if symbol is None else symbol.split("_")[1]
    qualifiers = {"E": 0xC000, "W": 0x8000, "I": 0x4000}.get(severity or "")
    level = {"E": 2, "W": 3, "I": 4}.get(severity or "", 4)
    return CatalogueEntry(
        provider=LICENSING,
        provider_guid=None,
        event_id=event_id,
        channel="System",
        level=level,
        message=message,
        source=source or (_TECHNET.format(event_id) if symbol else "none found"),
        qualifiers=qualifiers,
        event_source_name="TermServLicensing",
        strings=strings,
        sourced=False,
        note=(
            "WRITER'S CHOICE: no manifest, message table or log of this provider was found. "
            "Classic layout (TechNet's symbolic names TLS_x_... are message-table symbols, "
            "and Microsoft's page on license-server event 44 shows System/Keywords Classic); "
            "EventSourceName TermServLicensing is the Windows 2003 source (libyal/winevt-kb "
            "Provider-TermServLicensing.md); the provider GUID was not found, so no Guid "
            "attribute; Qualifiers and Level inferred from the symbol's severity letter "
            + ("" if symbol else "(no symbol found: none and 4)")
            + "; insertion-string count from the message's %n."
        ),
    )


LICENSING_EVENTS += (
    # -- the RD license server (lserver) -------------------------------------------------------
    _licensing(
        4105,
        'The Remote Desktop license server cannot update the license attributes for user "%1" '
        'in the Active Directory Domain "%2". Ensure that the computer account for the license '
        "server is a member of Terminal Server License Servers group in Active Directory domain "
        '"%2".',
        symbol=None,
        strings=2,
        source="Microsoft TechNet ee891389 (Windows Server 2008 R2) event list",
    ),
    _licensing(
        4141,
        'A license could not be issued to "%1" because it is not a member of the Terminal '
        "Server Computers group.",
        symbol="TLS_E_LICENSE_ISSUANCE_ACCESS_DENIED",
        strings=1,
    ),
    _licensing(17, "(not found)", symbol=None, strings=0),
    _licensing(
        18,
        'The Remote Desktop license server "%1" has not been activated and therefore ... '
        "(truncated in the only source found)",
        symbol=None,
        strings=1,
        source="detection-wiki-staging.pages.dev/microsoft-windows-terminalservices-licensing",
    ),
    _licensing(19, "(not found)", symbol=None, strings=0),
    _licensing(
        20,
        'The Remote Desktop license server "%1" does not have a sufficient number of ... '
        "(truncated in the only source found)",
        symbol=None,
        strings=1,
        source="detection-wiki-staging.pages.dev/microsoft-windows-terminalservices-licensing",
    ),
    _licensing(
        21,
        'The Remote Desktop license server "%1" does not have any remaining permanent ... '
        "(truncated in the only source found)",
        symbol=None,
        strings=1,
        source="detection-wiki-staging.pages.dev/microsoft-windows-terminalservices-licensing",
    ),
    _licensing(88, "(not found)", symbol=None, strings=0),
    _licensing(
        89,
        "The Remote Desktop Services client access licenses (RDS CALs) have been successfully "
        "removed from the source Remote Desktop license server %1.",
        symbol="TLS_I_LKP_UNINSTALLED",
        strings=1,
    ),
    _licensing(90, "(not found)", symbol=None, strings=0),
    _licensing(91, "(not found)", symbol=None, strings=0),
    _licensing(
        92,
        "The migration of Remote Desktop Services client access licenses (RDS CALs) has "
        "completed. Because the source Remote Desktop license server %1 was not available on "
        "the network during the migration, ...",
        symbol="TLS_I_LKP_IMPORTED_NON_REACHABLE_SRC",
        strings=1,
    ),
    _licensing(
        93,
        "The migration of Remote Desktop Services client access licenses (RDS CALs) has "
        "completed. During the migration, the source Remote Desktop license server was "
        "specified as no longer functioning. Ensure that it is no longer used as a license "
        "server with the same RDS CALs that were migrated.",
        symbol="TLS_I_LKP_IMPORTED_NON_ALIVE_SRC",
        strings=0,
    ),
)

_LSM_OPERATIONAL = f"{LSM}/Operational"
_LSM_SOURCE = (
    f"{_REPNZ_18990.format(LSM)} and {_REPNZ_17134.format(LSM)} (template task_0NNArgs); "
    f"channel, level and message: {_NASBENCH_LSM}"
)
_USER_SESSION_ADDRESS = (FieldDef("User"), FieldDef("SessionID", "uint32"), FieldDef("Address"))


def _lsm(event_id: int, message: str, fields: tuple[FieldDef, ...]) -> CatalogueEntry:
    return CatalogueEntry(
        provider=LSM,
        provider_guid=LSM_GUID,
        event_id=event_id,
        channel=_LSM_OPERATIONAL,
        level=4,
        message=message,
        source=_LSM_SOURCE,
        fields=fields,
        user_data=("EventXML", USER_DATA_NS),
        keywords=_OPERATIONAL_KEYWORD,
        user_sid="S-1-5-18",  # SYSTEM, on the LSM records of the corpus
    )


_SECURITY_4624_V2 = (
    FieldDef("SubjectUserSid", "sid"),
    FieldDef("SubjectUserName"),
    FieldDef("SubjectDomainName"),
    FieldDef("SubjectLogonId", "hexint64"),
    FieldDef("TargetUserSid", "sid"),
    FieldDef("TargetUserName"),
    FieldDef("TargetDomainName"),
    FieldDef("TargetLogonId", "hexint64"),
    FieldDef("LogonType", "uint32"),
    FieldDef("LogonProcessName"),
    FieldDef("AuthenticationPackageName"),
    FieldDef("WorkstationName"),
    FieldDef("LogonGuid", "guid"),
    FieldDef("TransmittedServices"),
    FieldDef("LmPackageName"),
    FieldDef("KeyLength", "uint32"),
    FieldDef("ProcessId", "hexint64"),  # win:Pointer, 64-bit
    FieldDef("ProcessName"),
    FieldDef("IpAddress"),
    FieldDef("IpPort"),
    FieldDef("ImpersonationLevel"),
    FieldDef("RestrictedAdminMode"),
    FieldDef("TargetOutboundUserName"),
    FieldDef("TargetOutboundDomainName"),
    FieldDef("VirtualAccount"),
    FieldDef("TargetLinkedLogonId", "hexint64"),
    FieldDef("ElevatedToken"),
)
_SECURITY_SESSION = (
    FieldDef("AccountName"),
    FieldDef("AccountDomain"),
    FieldDef("LogonID", "hexint64"),
    FieldDef("SessionName"),
    FieldDef("ClientName"),
    FieldDef("ClientAddress"),
)


def _security(
    event_id: int, message: str, fields: tuple[FieldDef, ...], *, task: int, version: int
) -> CatalogueEntry:
    return CatalogueEntry(
        provider=SECURITY_AUDITING,
        provider_guid=SECURITY_AUDITING_GUID,
        event_id=event_id,
        channel="Security",
        level=0,  # win:LogAlways: Level 0 on the corpus's 4778/4779
        message=message,
        source=(
            f"{_REPNZ_18990.format(SECURITY_AUDITING)} (template task_0{event_id}Args"
            f"{'_V2' if version == 2 else ''}); channel, level and message: {_NASBENCH_SECURITY}"
        ),
        fields=fields,
        task=task,
        keywords=0x8020000000000000,  # Audit Success | the Security channel bit, as in the corpus
        version=version,
        nul_terminated=False,  # no NUL in the corpus's Security-Auditing strings
        note=(
            "Task 12544 (Logon) is the writer's choice: no 4624 record in the corpus"
            if event_id == 4624
            else "Task 12551 (Other Logon/Logoff Events) as on the corpus's 4778/4779"
        ),
    )


SESSION_EVENTS: tuple[CatalogueEntry, ...] = (
    _rcm_manifest(
        1149,
        4,
        _RCM_OPERATIONAL,
        "Remote Desktop Services: User authentication succeeded: User: %1 Domain: %2 "
        "Source Network Address: %3",
        fields=(FieldDef("Param1"), FieldDef("Param2"), FieldDef("Param3")),
    ),
    _lsm(
        21,
        "Remote Desktop Services: Session logon succeeded: User: %1 Session ID: %2 "
        "Source Network Address: %3",
        _USER_SESSION_ADDRESS,
    ),
    _lsm(
        22,
        "Remote Desktop Services: Shell start notification received: User: %1 Session ID: %2 "
        "Source Network Address: %3",
        _USER_SESSION_ADDRESS,
    ),
    _lsm(
        23,
        "Remote Desktop Services: Session logoff succeeded: User: %1 Session ID: %2",
        (FieldDef("User"), FieldDef("SessionID", "uint32")),
    ),
    _lsm(
        24,
        "Remote Desktop Services: Session has been disconnected: User: %1 Session ID: %2 "
        "Source Network Address: %3",
        _USER_SESSION_ADDRESS,
    ),
    _lsm(
        25,
        "Remote Desktop Services: Session reconnection succeeded: User: %1 Session ID: %2 "
        "Source Network Address: %3",
        _USER_SESSION_ADDRESS,
    ),
    _lsm(
        39,
        "Session %1 has been disconnected by session %2",
        (FieldDef("TargetSession", "uint32"), FieldDef("Source", "uint32")),
    ),
    _lsm(
        40,
        "Session %1 has been disconnected, reason code %2",
        (FieldDef("Session", "uint32"), FieldDef("Reason", "uint32")),
    ),
    CatalogueEntry(
        provider=RDPCORETS,
        provider_guid=RDPCORETS_GUID,
        event_id=131,
        channel=f"{RDPCORETS}/Operational",
        level=4,
        message="The server accepted a new %1 connection from client %2.",
        source=(
            f"{_REPNZ_18990.format(RDPCORETS)} (template "
            f"RemoteFXmodule_4EstablishConnection131Args); channel, level and message: "
            f"{_NASBENCH_RDPCORETS}"
        ),
        fields=(FieldDef("ConnType"), FieldDef("ClientIP")),
        task=4,  # RemoteFX module
        opcode=15,  # EstablishConnection, as on the corpus's 131 records
        keywords=_ADMIN_KEYWORD,
        user_sid="S-1-5-20",
    ),
    CatalogueEntry(
        provider=RDPCORETS,
        provider_guid=RDPCORETS_GUID,
        event_id=98,
        channel=f"{RDPCORETS}/Operational",
        level=4,
        message="(no message in the manifest list)",
        source=f"{_REPNZ_18990.format(RDPCORETS)}; channel and level: {_NASBENCH_RDPCORETS}",
        task=4,
        opcode=15,
        keywords=_ADMIN_KEYWORD,
        user_sid="S-1-5-20",
        note=_NO_TEMPLATE,
    ),
    _security(
        4624,
        "An account was successfully logged on.",
        _SECURITY_4624_V2,
        task=12544,
        version=2,
    ),
    _security(
        4778,
        "A session was reconnected to a Window Station.",
        _SECURITY_SESSION,
        task=12551,
        version=0,
    ),
    _security(
        4779,
        "A session was disconnected from a Window Station.",
        _SECURITY_SESSION,
        task=12551,
        version=0,
    ),
)

CATALOGUE: dict[tuple[str, int], CatalogueEntry] = {
    (entry.provider, entry.event_id): entry for entry in LICENSING_EVENTS + SESSION_EVENTS
}


# -- BinXml templates --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Sub:
    index: int
    kind: ValueKind
    optional: bool = True


_Content = _Text | _Sub
_ValueSpec = tuple[ValueKind, bytes | Callable[[], None]]


@dataclass(frozen=True)
class _Element:
    name: str
    attributes: tuple[tuple[str, _Content], ...] = ()
    children: tuple[_Element | _Content, ...] = ()
    # Close an element without content as <a></a> (CloseStart, End) rather than <a/>: how
    # Windows writes the EventData of an event whose manifest declares no template.
    open_close: bool = False

    def dependency(self) -> int:
        """[MS-EVEN6] DependencyId: the optional substitution the element's content rests on
        (Windows omits the element when that value is NULL), else -1."""
        for child in self.children:
            if isinstance(child, _Sub) and child.optional:
                return child.index
        return -1


@dataclass(frozen=True)
class _Template:
    root: _Element

    @property
    def guid(self) -> bytes:
        """The template identifier. How Windows derives it is not documented: in the corpus
        logs one template keeps its GUID in every chunk (its bytes differ, its names being
        inline in one chunk and referenced in another) and it is not the MD5 of those bytes.
        Here: the MD5 of the template's canonical form, which is stable the same way."""
        return hashlib.md5(repr(self.root).encode("utf-8"), usedforsecurity=False).digest()


def _system(spec: EventSpec, computer: str) -> tuple[_Element, int]:
    """The System element of Windows' outer template and the index of its payload value:
    the layout of every corpus record (18 values; 20 for a classic source, whose Provider,
    Channel and Computer are literal text)."""

    def sub(index: int, kind: ValueKind) -> _Sub:
        return _Sub(index, kind)

    def leaf(name: str, index: int, kind: ValueKind) -> _Element:
        return _Element(name, children=(sub(index, kind),))

    if spec.classic:
        provider_attributes: list[tuple[str, _Content]] = [("Name", _Text(spec.provider))]
        if spec.provider_guid is not None:
            provider_attributes.append(("Guid", _Text(spec.provider_guid)))
        if spec.event_source_name is not None:
            provider_attributes.append(("EventSourceName", _Text(spec.event_source_name)))
        channel: _Element = _Element("Channel", children=(_Text(spec.channel),))
        related, payload = 18, 19
    else:
        provider_attributes = [("Name", sub(14, "string")), ("Guid", sub(15, "guid"))]
        channel = leaf("Channel", 16, "string")
        related, payload = 13, 17
    system = _Element(
        "System",
        children=(
            _Element("Provider", tuple(provider_attributes)),
            _Element("EventID", (("Qualifiers", sub(4, "uint16")),), (sub(3, "uint16"),)),
            leaf("Version", 11, "uint8"),
            leaf("Level", 0, "uint8"),
            leaf("Task", 2, "uint16"),
            leaf("Opcode", 1, "uint8"),
            leaf("Keywords", 5, "hexint64"),
            _Element("TimeCreated", (("SystemTime", sub(6, "filetime")),)),
            leaf("EventRecordID", 10, "uint64"),
            _Element(
                "Correlation",
                (("ActivityID", sub(7, "guid")), ("RelatedActivityID", sub(related, "guid"))),
            ),
            _Element(
                "Execution", (("ProcessID", sub(8, "uint32")), ("ThreadID", sub(9, "uint32")))
            ),
            channel,
            _Element("Computer", children=(_Text(computer),)),
            _Element("Security", (("UserID", sub(12, "sid")),)),
        ),
    )
    return system, payload


def _outer_template(spec: EventSpec, computer: str) -> _Template:
    system, payload = _system(spec, computer)
    body: _Element | _Sub = _Sub(payload, "binxml")
    if spec.user_data is not None:
        body = _Element("UserData", children=(body,))
    return _Template(
        _Element("Event", (("xmlns", _Text(EVENT_NS)),), (system, body)),
    )


def _value_kind(value: DataValue) -> ValueKind:
    if isinstance(value, Typed):
        return value.kind
    if isinstance(value, bool):
        raise TypeError("booleans are not supported; give Typed('uint32', ...)")
    if isinstance(value, str):
        return "string"
    if isinstance(value, int):
        return "uint32"
    if isinstance(value, datetime):
        return "filetime"
    if isinstance(value, uuid.UUID):
        return "guid"
    return "binary"


def _data_template(spec: EventSpec) -> _Template:
    """The event's own template: EventData with named Data items, or UserData's element."""
    if spec.user_data is not None:
        element, namespace = spec.user_data
        items = tuple(
            _Element(name, children=(_Sub(index, _value_kind(value), optional=False),))
            for index, (name, value) in enumerate(spec.data.items())
        )
        return _Template(_Element(element, (("xmlns", _Text(namespace)),), items))
    items = tuple(
        _Element(
            "Data",
            (("Name", _Text(name)),),
            (_Sub(index, _value_kind(value), optional=False),),
        )
        for index, (name, value) in enumerate(spec.data.items())
    )
    return _Template(_Element("EventData", children=items, open_close=not items))


def _classic_template() -> _Template:
    """ReportEvent's data as every classic record of the corpus System.evtx holds it: one
    Data element repeated for each string of a string-array value (0), the binary data's
    length (1) and Binary (2); an absent part is a NULL value, which drops its element."""
    return _Template(
        _Element(
            "EventData",
            children=(
                _Element("Data", children=(_Sub(0, "string_array"),)),
                _Element("Binary", children=(_Sub(2, "binary"),)),
            ),
        )
    )


# -- values ------------------------------------------------------------------------------------


def _guid_bytes(text: str | uuid.UUID) -> bytes:
    return (text if isinstance(text, uuid.UUID) else uuid.UUID(text)).bytes_le


def _sid_bytes(text: str) -> bytes:
    """[MS-DTYP] 2.4.2.2: revision, count, 48-bit big-endian authority, sub-authorities."""
    parts = text.split("-")
    if len(parts) < 3 or parts[0].upper() != "S":
        raise ValueError(f"not a SID: {text!r}")
    authority = int(parts[2], 0)
    subs = [int(part) for part in parts[3:]]
    return (
        struct.pack("<BB", int(parts[1]), len(subs))
        + authority.to_bytes(6, "big")
        + struct.pack(f"<{len(subs)}I", *subs)
    )


def _string(text: str, nul: bool) -> bytes:
    return (text + ("\x00" if nul else "")).encode("utf-16-le")


def _encode(value: DataValue, nul: bool) -> tuple[ValueKind, bytes]:
    """A value's BinXml type and bytes ([MS-EVEN6] 2.2.12 value specs)."""
    kind = _value_kind(value)
    raw = value.value if isinstance(value, Typed) else value
    if kind == "string":
        return kind, _string(str(raw), nul)
    if kind in _INTEGERS:
        if not isinstance(raw, int):
            raise TypeError(f"{kind} needs an int, not {raw!r}")
        return kind, struct.pack(_INTEGERS[kind], raw)
    if kind == "filetime":
        if not isinstance(raw, datetime):
            raise TypeError(f"filetime needs a datetime, not {raw!r}")
        return kind, struct.pack("<Q", datetime_to_filetime(raw))
    if kind == "guid":
        if not isinstance(raw, str | uuid.UUID):
            raise TypeError(f"guid needs a UUID, not {raw!r}")
        return kind, _guid_bytes(raw)
    if kind == "sid":
        return kind, _sid_bytes(str(raw))
    if kind == "binary":
        if not isinstance(raw, bytes):
            raise TypeError(f"binary needs bytes, not {raw!r}")
        return kind, raw
    raise TypeError(f"unsupported value kind {kind!r}")


# -- chunks ------------------------------------------------------------------------------------


def name_hash(name: str) -> int:
    """[MS-EVEN6] 2.2.12 NameHash: the low 16 bits of hash = hash * 65599 + code unit."""
    value = 0
    for unit in struct.unpack(f"<{len(name)}H", name.encode("utf-16-le")):
        value = (value * 65599 + unit) & 0xFFFFFFFF
    return value & 0xFFFF


def template_bucket(guid: bytes) -> int:
    """The template table slot of a template: the same 65599 hash over the GUID's eight
    little-endian 16-bit words, modulo 32. Not documented; it places all 917 templates of
    the corpus logs in the slot Windows chose."""
    value = 0
    for word in struct.unpack("<8H", guid):
        value = (value * 65599 + word) & 0xFFFFFFFF
    return value % 32


class _Chunk:
    """One chunk being filled: its bytes after the 512-byte header, and the two lookup tables
    of its header. Windows writes each name once per chunk, where it is first used, and
    points at it from then on; the common-string table holds, for each NameHash % 64, the
    newest name, whose first four bytes link to the previous one of that bucket (the chains
    of every corpus chunk run from newest to oldest). The template table does the same for
    template definitions, by :func:`template_bucket`."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.names: dict[str, int] = {}
        self.strings = [0] * 64
        self.templates: dict[bytes, int] = {}
        self.template_table = [0] * 32
        self.records: list[tuple[int, int]] = []  # (identifier, offset)

    def copy(self) -> _Chunk:
        other = _Chunk()
        other.data = bytearray(self.data)
        other.names = dict(self.names)
        other.strings = list(self.strings)
        other.templates = dict(self.templates)
        other.template_table = list(self.template_table)
        other.records = list(self.records)
        return other

    @property
    def free_offset(self) -> int:
        return CHUNK_HEADER_SIZE + len(self.data)

    def header(self) -> bytes:
        """The 512-byte chunk header with both CRCs ([LIBEVTX] "Chunk header")."""
        first_id, last_id = self.records[0][0], self.records[-1][0]
        records_crc = zlib.crc32(self.data)
        head = bytearray(CHUNK_HEADER_SIZE)
        struct.pack_into(
            "<8sQQQQIIII",
            head,
            0,
            CHUNK_SIGNATURE,
            first_id,  # record numbers equal the identifiers in a log written in order
            last_id,
            first_id,
            last_id,
            HEADER_SIZE,
            self.records[-1][1],
            self.free_offset,
            records_crc,
        )
        struct.pack_into("<I", head, 120, CHUNK_FLAGS)
        struct.pack_into("<64I", head, 128, *self.strings)
        struct.pack_into("<32I", head, 384, *self.template_table)
        struct.pack_into("<I", head, 124, zlib.crc32(bytes(head[:120]) + bytes(head[128:])))
        return bytes(head)

    def image(self) -> bytes:
        body = self.header() + bytes(self.data)
        return body + bytes(CHUNK_SIZE - len(body))


class _Writer:
    """BinXml written at a known chunk offset, so names and templates go inline the first
    time and by reference afterwards."""

    def __init__(self, chunk: _Chunk, base: int) -> None:
        self.chunk = chunk
        self.base = base  # chunk offset of out[0]
        self.out = bytearray()

    @property
    def position(self) -> int:
        return self.base + len(self.out)

    def name(self, name: str) -> None:
        """A name offset, and the name itself when this chunk has not seen it yet
        ([LIBEVTX] "Name": next-in-bucket offset, hash, length, UTF-16, NUL)."""
        known = self.chunk.names.get(name)
        if known is not None:
            self.out += struct.pack("<I", known)
            return
        offset = self.position + 4
        self.out += struct.pack("<I", offset)
        hashed = name_hash(name)
        bucket = hashed % 64
        self.out += struct.pack("<IHH", self.chunk.strings[bucket], hashed, len(name))
        self.out += _string(name, nul=True)
        self.chunk.names[name] = offset
        self.chunk.strings[bucket] = offset

    def content(self, item: _Content) -> None:
        if isinstance(item, _Text):
            encoded = item.text.encode("utf-16-le")
            self.out += struct.pack("<BBH", _VALUE, VALUE_TYPES["string"], len(encoded) // 2)
            self.out += encoded
        else:
            token = _OPTIONAL_SUBSTITUTION if item.optional else _NORMAL_SUBSTITUTION
            self.out += struct.pack("<BHB", token, item.index, VALUE_TYPES[item.kind])

    def element(self, element: _Element) -> None:
        """[MS-EVEN6] OpenStartElement, attributes, content, end: the data size counts every
        byte after its own field ([LIBEVTX] "Element start")."""
        start = len(self.out)
        token = _OPEN_START | (_MORE if element.attributes else 0)
        self.out += struct.pack("<BhI", token, element.dependency(), 0)
        self.name(element.name)
        if element.attributes:
            list_start = len(self.out)
            self.out += b"\x00\x00\x00\x00"
            for number, (name, value) in enumerate(element.attributes):
                more = _MORE if number + 1 < len(element.attributes) else 0
                self.out.append(_ATTRIBUTE | more)
                self.name(name)
                self.content(value)
            struct.pack_into("<I", self.out, list_start, len(self.out) - list_start - 4)
        if element.children or element.open_close:
            self.out.append(_CLOSE_START)
            for child in element.children:
                if isinstance(child, _Element):
                    self.element(child)
                else:
                    self.content(child)
            self.out.append(_END_ELEMENT)
        else:
            self.out.append(_CLOSE_EMPTY)
        struct.pack_into("<I", self.out, start + 3, len(self.out) - start - 7)

    def instance(self, template: _Template, values: Sequence[_ValueSpec]) -> None:
        """A TemplateInstance ([LIBEVTX] "Template instance"): token, 1, the template's id (the
        GUID's first four bytes), its definition's offset, the definition itself when new to
        the chunk (next in bucket, GUID, size, fragment, element, EOF), then the value count,
        the (size, type) descriptors and the values. A nested BinXml value is given as a
        function that writes it in place (its names and templates depend on where it lands)."""
        guid = template.guid
        self.out += struct.pack("<BB4s", _TEMPLATE_INSTANCE, 1, guid[:4])
        known = self.chunk.templates.get(guid)
        if known is not None:
            self.out += struct.pack("<I", known)
        else:
            offset = self.position + 4
            self.out += struct.pack("<I", offset)
            bucket = template_bucket(guid)
            self.out += struct.pack("<I16sI", self.chunk.template_table[bucket], guid, 0)
            body_start = len(self.out)
            self.out += _FRAGMENT_HEADER
            self.element(template.root)
            self.out.append(_EOF)
            struct.pack_into("<I", self.out, body_start - 4, len(self.out) - body_start)
            self.chunk.templates[guid] = offset
            self.chunk.template_table[bucket] = offset
        self.out += struct.pack("<I", len(values))
        descriptors = len(self.out)
        self.out += bytes(4 * len(values))
        for number, (kind, raw) in enumerate(values):
            start = len(self.out)
            if isinstance(raw, bytes):
                self.out += raw
            else:
                raw()
            size = len(self.out) - start
            struct.pack_into("<HBB", self.out, descriptors + 4 * number, size, VALUE_TYPES[kind], 0)


_NULL: _ValueSpec = ("null", b"")


def _u(fmt: str, kind: ValueKind, value: int) -> _ValueSpec:
    return kind, struct.pack(fmt, value)


def _system_values(spec: EventSpec, identifier: int) -> list[_ValueSpec]:
    """Substitution values 0-13 of the outer template, as every corpus record orders them."""
    keywords = spec.keywords
    if keywords is None:
        keywords = KEYWORD_CLASSIC if spec.classic else 0
    return [
        _u("<B", "uint8", spec.level),
        _u("<B", "uint8", spec.opcode),
        _u("<H", "uint16", spec.task),
        _u("<H", "uint16", spec.event_id),
        # Absent Qualifiers: NullType. (Windows' TerminalServices records give that NULL
        # two bytes, 01 00; Security-Auditing's none, as here. Readers skip both.)
        _NULL if spec.qualifiers is None else _u("<H", "uint16", spec.qualifiers),
        _u("<Q", "hexint64", keywords),
        _u("<Q", "filetime", datetime_to_filetime(spec.time)),
        _NULL if spec.activity_id is None else ("guid", spec.activity_id.bytes_le),
        _u("<I", "uint32", spec.process_id),
        _u("<I", "uint32", spec.thread_id),
        _u("<Q", "uint64", identifier),
        _u("<B", "uint8", spec.version),
        _NULL if spec.user_sid is None else ("sid", _sid_bytes(spec.user_sid)),
        _NULL,  # RelatedActivityID of a manifest event
    ]


def _record(chunk: _Chunk, spec: EventSpec, identifier: int, computer: str) -> bytes:
    """One event record at the chunk's free offset ([LIBEVTX] "Event record"): header,
    fragment, the outer template instance whose last value is the event's data as nested
    BinXml, EOF, zero padding to a multiple of 8, copy of the size."""
    writer = _Writer(chunk, chunk.free_offset + 24)
    writer.out += _FRAGMENT_HEADER

    def payload() -> None:
        if spec.classic:
            # ReportEvent data opens with its own fragment header (corpus System.evtx).
            writer.out += _FRAGMENT_HEADER
            strings = b"".join(_string(text, nul=True) for text in spec.strings)
            binary = spec.binary
            writer.instance(
                _classic_template(),
                [
                    ("string_array", strings) if strings else _NULL,
                    _u("<I", "uint32", 0 if binary is None else len(binary)),
                    _NULL if binary is None else ("binary", binary),
                ],
            )
        else:  # a manifest event's data is a bare template instance (every corpus record)
            writer.instance(
                _data_template(spec),
                [_encode(value, spec.nul_terminated) for value in spec.data.values()],
            )

    values = _system_values(spec, identifier)
    if spec.classic:
        values += [_NULL] * 5 + [("binxml", payload)]  # 14-18 unused, 19 the data
    else:
        values += [
            ("string", _string(spec.provider, nul=False)),
            _NULL if spec.provider_guid is None else ("guid", _guid_bytes(spec.provider_guid)),
            ("string", _string(spec.channel, nul=False)),
            ("binxml", payload),
        ]
    writer.instance(_outer_template(spec, computer), values)
    writer.out.append(_EOF)
    size = 24 + len(writer.out) + 4
    size += -size % 8  # every corpus record is padded to 8 bytes
    written = datetime_to_filetime(spec.written or spec.time)
    return (
        struct.pack("<IIQQ", RECORD_SIGNATURE, size, identifier, written)
        + bytes(writer.out)
        + bytes(size - 28 - len(writer.out))
        + struct.pack("<I", size)
    )


def _file_header(
    chunks: Sequence[_Chunk], *, dirty: bool, stale_chunk_count: bool, minor_version: int
) -> bytes:
    """The 4096-byte file header ([LIBEVTX] "File header"). A stale one describes the log as
    its last flush left it: one chunk and that chunk's next record (the corpus's 2012 R2 logs
    say 1 chunk while 2 and 16 follow)."""
    counted = chunks[:1] if stale_chunk_count else chunks
    head = bytearray(HEADER_BLOCK_SIZE)
    struct.pack_into(
        "<8sQQQIHHHH",
        head,
        0,
        FILE_SIGNATURE,
        0,
        len(counted) - 1,
        counted[-1].records[-1][0] + 1,
        HEADER_SIZE,
        minor_version,
        3,
        HEADER_BLOCK_SIZE,
        len(counted),
    )
    struct.pack_into("<I", head, 120, FLAG_DIRTY if dirty else 0)
    struct.pack_into("<I", head, 124, zlib.crc32(bytes(head[:120])))
    return bytes(head)


def build_evtx(
    events: Sequence[EventSpec],
    *,
    computer: str,
    dirty: bool = False,
    stale_chunk_count: bool = False,
    first_record: int = 1,
    minor_version: int = 1,
    allocated_chunks: int | None = None,
) -> bytes:
    """The bytes of an EVTX file holding ``events`` in order, record identifiers from
    ``first_record``; a record that does not fit its chunk starts the next one.
    ``allocated_chunks`` pads the file with zeroed chunk slots, as Windows preallocates a
    log (the corpus's 1 MiB logs hold 16 slots)."""
    if not events:
        raise ValueError("an EVTX file needs at least one record")
    chunks = [_Chunk()]
    for number, spec in enumerate(events):
        _check(spec)
        identifier = first_record + number
        trial = chunks[-1].copy()
        record = _record(trial, spec, identifier, computer)
        if trial.free_offset + len(record) > CHUNK_SIZE:
            if not chunks[-1].records:
                raise ValueError(f"record {identifier} does not fit in a chunk")
            chunks.append(_Chunk())
            trial = _Chunk()
            record = _record(trial, spec, identifier, computer)
            if trial.free_offset + len(record) > CHUNK_SIZE:
                raise ValueError(f"record {identifier} does not fit in a chunk")
        trial.records.append((identifier, trial.free_offset))
        trial.data += record
        chunks[-1] = trial
    header = _file_header(
        chunks, dirty=dirty, stale_chunk_count=stale_chunk_count, minor_version=minor_version
    )
    body = b"".join(chunk.image() for chunk in chunks)
    slots = max(allocated_chunks or 0, len(chunks))
    return header + body + bytes(CHUNK_SIZE * (slots - len(chunks)))


def write_evtx(
    path: Path,
    events: Sequence[EventSpec],
    *,
    computer: str,
    dirty: bool = False,
    stale_chunk_count: bool = False,
    first_record: int = 1,
    minor_version: int = 1,
    allocated_chunks: int | None = None,
) -> None:
    """Write :func:`build_evtx` of ``events`` to ``path``."""
    path.write_bytes(
        build_evtx(
            events,
            computer=computer,
            dirty=dirty,
            stale_chunk_count=stale_chunk_count,
            first_record=first_record,
            minor_version=minor_version,
            allocated_chunks=allocated_chunks,
        )
    )


def _check(spec: EventSpec) -> None:
    if spec.classic and spec.data:
        raise ValueError("a classic event carries insertion strings, not named data")
    if not spec.classic and (spec.strings or spec.binary is not None):
        raise ValueError("strings and binary belong to classic events (event_source_name)")
    if not 0 <= spec.event_id <= 0xFFFF:
        raise ValueError("event_id is the 16-bit code; put the high word in qualifiers")
