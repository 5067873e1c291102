"""The events hiveparse reports: which provider and event id, what each means, and how sure
that meaning is.

Providers are named as the records name them (``Provider Name``); the classic event source
names Windows Server 2008 R2 and earlier also write (``EventSourceName``: ``TermService``
for the RemoteConnectionManager events, ``TermServLicensing`` for the license server's) are
taken as the same provider. Identifiers are ``EventID & 0xFFFF`` (see
:mod:`hiveparse.events.evtx_file`).

Meanings and their status follow docs/reference/rds-licensing.md §9.3: CONFIRMED where a
Microsoft event page states it, UNCERTAIN where only an event catalogue or the provider's
message text does (a finding resting on an UNCERTAIN event loses a level of confidence).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal
from urllib.parse import unquote

from .evtx_file import Event, Selection

Status = Literal["CONFIRMED", "UNCERTAIN"]  # as docs/reference marks a domain fact

RCM = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
LICENSING = "Microsoft-Windows-TerminalServices-Licensing"
LSM = "Microsoft-Windows-TerminalServices-LocalSessionManager"
SECURITY = "Microsoft-Windows-Security-Auditing"
RDPCORE = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS"

# Classic event source names (EventSourceName, or Name on older logs) of the same providers.
_ALIASES = {"termservice": RCM, "termservlicensing": LICENSING}
_PROVIDERS = {name.casefold(): name for name in (RCM, LICENSING, LSM, SECURITY, RDPCORE)}

RDP_LOGON_TYPE = "10"  # Security 4624 LogonType 10: RemoteInteractive (RDP); no other is


class EventKind(StrEnum):
    LICENSING = "licensing"  # RD licensing: the session host's or the license server's
    RDP_LOGON = "rdp_logon"  # a logon, reconnection or authentication over RDP
    RDP_END = "rdp_end"  # a session ended or disconnected
    RDP_CONNECTION = "rdp_connection"  # a connection reached the RDP listener


def with_twins(*ids: int) -> tuple[tuple[str, int], ...]:
    """Session-host events by their classic ids, with the ids of the same events in the
    manifest of Windows 10 1803 and later (:data:`MANIFEST_TWINS`)."""
    twins = {old: new for new, old in MANIFEST_TWINS.items()}
    return tuple((RCM, number) for old in ids for number in (old, twins.get(old)) if number)


def _reference(kind: EventKind, status: Status) -> str:
    if kind != EventKind.LICENSING:
        return "the provider's manifest (docs/reference/rds-licensing.md §9.3)"
    if status == _C:
        return "the provider's manifest or message table (docs/reference/rds-licensing.md §9.3)"
    return "an event catalogue or support page only (docs/reference/rds-licensing.md §9.3)"


@dataclass(frozen=True)
class EventOfInterest:
    provider: str
    event_id: int
    kind: EventKind
    meaning: str
    status: Status
    reference: str


_C: Status = "CONFIRMED"
_U: Status = "UNCERTAIN"
_LIC, _LOGON, _END, _CONN = (
    EventKind.LICENSING, EventKind.RDP_LOGON, EventKind.RDP_END, EventKind.RDP_CONNECTION
)  # fmt: skip

# (provider, event id, kind, status, meaning). CONFIRMED: the provider's own manifest or
# message table states it (docs/reference/rds-licensing.md §9.3 names each source);
# UNCERTAIN: only an event catalogue or a support page does, or nothing does.
_TABLE: tuple[tuple[str, int, EventKind, Status, str], ...] = (
    # The session host (RemoteConnectionManager; the classic TermService events in System).
    (RCM, 1003, _LIC, _C, "a client provided an invalid license"),
    (RCM, 1004, _LIC, _C, "the session host cannot issue a client license (a changed client "
     "license, insufficient memory or an internal error)"),
    (RCM, 1011, _LIC, _C, "a session was refused: the client's temporary license has expired"),
    (RCM, 1028, _LIC, _C, "a session was refused: the client's license could not be renewed"),
    (RCM, 1043, _LIC, _C, "the session host cannot communicate with the license server (its "
     "computer account is not in the server's RDS Endpoint Servers group)"),
    (RCM, 1068, _LIC, _C, "the RD licensing mode has not been configured"),
    (RCM, 1069, _LIC, _C, "the grace period has expired and the licensing mode is not "
     "configured"),
    (RCM, 1128, _LIC, _C, "the grace period has expired and the session host has not "
     "registered with a license server with installed licenses"),
    (RCM, 1129, _LIC, _C, "the grace period is about to expire and the session host has not "
     "registered with a license server with installed licenses"),
    (RCM, 1130, _LIC, _C, "the session host has no license server specified"),
    (RCM, 1131, _LIC, _C, "the session host could not contact its license server"),
    (RCM, 1132, _LIC, _C, "the license server does not support the session host's version "
     "of Windows"),
    (RCM, 1133, _LIC, _C, "the certificate the license server issued to the session host is "
     "not valid"),
    # The license server (TerminalServices-Licensing, TermServLicensing in System).
    (LICENSING, 17, _LIC, _U, "a license server certificate problem (no message found)"),
    (LICENSING, 18, _LIC, _U, "the license server has not been activated"),
    (LICENSING, 19, _LIC, _U, "a license server certificate problem (no message found)"),
    (LICENSING, 20, _LIC, _U, "the license server does not have enough licenses"),
    (LICENSING, 21, _LIC, _U, "the license server has no permanent licenses left"),
    (LICENSING, 88, _LIC, _U, "a CAL migration event (no message found)"),
    (LICENSING, 89, _LIC, _U, "CALs were removed from the source license server (migration)"),
    (LICENSING, 90, _LIC, _U, "a CAL migration event (no message found)"),
    (LICENSING, 91, _LIC, _U, "a CAL migration event (no message found)"),
    (LICENSING, 92, _LIC, _U, "CAL migration completed while the source license server was "
     "unreachable"),
    (LICENSING, 93, _LIC, _U, "CAL migration completed from a source license server declared "
     "no longer functioning"),
    (LICENSING, 4105, _LIC, _C, "the license server cannot update a user's license attributes "
     "in Active Directory"),
    (LICENSING, 4141, _LIC, _C, "a license was refused: the session host is not in the "
     "license server's Terminal Server Computers group"),
    # RDP sessions.
    (RCM, 1149, _LOGON, _C, "a user authenticated over RDP (network level)"),
    (LSM, 21, _LOGON, _C, "session logon succeeded"),
    (LSM, 22, _LOGON, _C, "shell start notification received"),
    (LSM, 25, _LOGON, _C, "session reconnection succeeded"),
    (LSM, 23, _END, _C, "session logoff succeeded"),
    (LSM, 24, _END, _C, "session has been disconnected"),
    (LSM, 39, _END, _C, "session disconnected by another session"),
    (LSM, 40, _END, _C, "session disconnected, with a reason code"),
    (SECURITY, 4624, _LOGON, _C, "an account logged on (LogonType 10: over RDP)"),
    (SECURITY, 4778, _LOGON, _C, "a session was reconnected to a window station"),
    (SECURITY, 4779, _END, _C, "a session was disconnected from a window station"),
    (RDPCORE, 131, _CONN, _C, "the server accepted a new connection from a client"),
    (RDPCORE, 98, _CONN, _C, "a TCP connection was established"),
)  # fmt: skip

# From Windows 10 1803 (termsrv.dll 10.0.17134) the classic TermService messages are gone
# and the RCM manifest declares the same texts as events 0xC000 + the old id (50180 for
# 1028, 50280 for 1128, ...), in its Admin and Operational channels; no log seen shows which
# a host writes, so both are read as the same event, the new ids UNCERTAIN.
MANIFEST_TWINS = {0xC000 + old: old for old in (1028, 1043, 1128, 1129, 1130, 1131, 1132, 1133)}

_ENTRIES = tuple(
    EventOfInterest(provider, number, kind, meaning, status, _reference(kind, status))
    for provider, number, kind, status, meaning in _TABLE
)
_SESSION_HOST = {item.event_id: item for item in _ENTRIES if item.provider == RCM}
CATALOGUE: tuple[EventOfInterest, ...] = _ENTRIES + tuple(
    EventOfInterest(
        RCM, new, _LIC, f"{_SESSION_HOST[old].meaning} (event {old}'s text, under the id "
        "Windows 10 1803 and later declare for it)", _U,
        "the session host's manifest from Windows 10 1803 declares it; no log seen shows it "
        "(docs/reference/rds-licensing.md §9.3)",
    )
    for new, old in MANIFEST_TWINS.items()
)  # fmt: skip

_BY_KEY = {(item.provider, item.event_id): item for item in CATALOGUE}


def provider_of(event: Event) -> str:
    """The provider's name as the catalogue has it (a classic source's name mapped)."""
    for name in (event.provider, event.source_name):
        if name:
            folded = name.casefold()
            if folded in _PROVIDERS:
                return _PROVIDERS[folded]
            if folded in _ALIASES:
                return _ALIASES[folded]
    return event.provider


def catalogued(provider: str, event_id: int) -> EventOfInterest | None:
    """The catalogue's entry for a provider (any of its names) and event id."""
    probe = Event(provider, event_id, None, None, None, None, None, {})
    return _BY_KEY.get((provider_of(probe), event_id))


def interest(event: Event) -> EventOfInterest | None:
    """What ``event`` is to the report, or None when it is none of the catalogue's (a 4624
    of any logon type but 10 is not an RDP logon)."""
    item = _BY_KEY.get((provider_of(event), event.event_id))
    if item is None:
        return None
    if item.provider == SECURITY and item.event_id == 4624:
        return item if str(event.data.get("LogonType", "")).strip() == RDP_LOGON_TYPE else None
    return item


_CHANNEL_PREFIXES = (
    "microsoft-windows-terminalservices-",
    "microsoft-windows-remotedesktopservices-",
)


def reports_channel(channel: str) -> bool:
    """Whether a log of ``channel`` can hold events of the catalogue: System (the session
    host's licensing events), Security (logons), the Terminal Services and Remote Desktop
    Services logs (sessions, connections, the license server's own)."""
    folded = channel.casefold()
    # ForwardedEvents: a collector's log, whose records keep any channel.
    return folded in ("system", "security", "forwardedevents") or folded.startswith(
        _CHANNEL_PREFIXES
    )


def is_reported_log_name(name: str) -> bool:
    """Whether a file name is Windows' name (``winevt\\Logs``) for the log of a channel
    :func:`reports_channel` accepts: ``System.evtx``, ``Security.evtx``, ``Microsoft-
    Windows-TerminalServices-LocalSessionManager%4Operational.evtx``, ..."""
    folded = unquote(name).casefold()
    if not folded.endswith(".evtx"):
        return False
    return folded in ("system.evtx", "security.evtx", "forwardedevents.evtx") or folded.startswith(
        _CHANNEL_PREFIXES
    )


@functools.lru_cache(maxsize=4096)  # a log holds few distinct (provider, id) pairs
def _catalogued_names(provider: str, source: str | None, event_id: int) -> bool:
    probe = Event(provider, event_id, None, None, None, None, None, {}, source)
    return (provider_of(probe), event_id) in _BY_KEY


OF_INTEREST = Selection(_catalogued_names, lambda event: interest(event) is not None)
"""The readers' selection: the events the report uses are kept whole (a record of another
provider or id is counted without reading its fields)."""


def of_interest(event: Event) -> bool:
    """Whether the report uses ``event``."""
    return interest(event) is not None
