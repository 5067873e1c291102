"""Findings from a host's event logs, and the events that bear on its registry findings.

The registry says what a host was configured to do; its logs say what happened. Here:

* a registry finding gains the events that **corroborate** it (``rds.mode.not_configured``
  and 1069 logged) or **contradict** it (``rds.grace.expiring`` while the host already
  logged that the grace period had expired), each with its count and first and last time,
  and one sentence of its detail says so;
* new findings where the events say more than the registry: ``rds.events.no_license_server``
  (1130), ``rds.events.grace_ending`` (1129), ``rds.events.licensing`` (every other licensing
  event no registry finding took), ``rds.events.registry_disagrees`` (the host logged that
  its licensing mode was not configured after the registry's mode was last written) and
  ``rdp.events.sessions`` (who connected over RDP, from where, and when);
* without any event log of the host, these are *not judged*, and the report names the logs
  that would settle them.

An event whose meaning is UNCERTAIN (docs/reference/rds-licensing.md §9.3) lowers the
confidence of a finding resting on it, as an UNCERTAIN registry location does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from hiveparse.events.catalogue import (
    LICENSING,
    RCM,
    EventKind,
    EventOfInterest,
    catalogued,
    with_twins,
)
from hiveparse.events.evtx_file import Tally, instant
from hiveparse.filetime import filetime_iso
from hiveparse.rds.findings import Basis, Finding, FindingSeverity
from hiveparse.rds.judge import NotJudged
from hiveparse.rds.state import Mode

if TYPE_CHECKING:
    from hiveparse.events.host_events import HostEvents
    from hiveparse.rds.rulebook import Judgement
    from hiveparse.rds.state import LicensingState

NO_LICENSE_SERVER = "rds.events.no_license_server"
GRACE_ENDING = "rds.events.grace_ending"
LICENSING_EVENTS = "rds.events.licensing"
REGISTRY_DISAGREES = "rds.events.registry_disagrees"
RDP_SESSIONS = "rdp.events.sessions"
EVENT_FINDING_IDS = (NO_LICENSE_SERVER, GRACE_ENDING, LICENSING_EVENTS, REGISTRY_DISAGREES,
                     RDP_SESSIONS)  # fmt: skip
# Findings about the host as an RD Session Host: never raised on a workstation's logs.
SESSION_HOST_IDS = (NO_LICENSE_SERVER, GRACE_ENDING, REGISTRY_DISAGREES)

_MODE_NOT_CONFIGURED = with_twins(1068, 1069)
_GRACE_EXPIRED = with_twins(1069, 1128)
_NO_SERVER = with_twins(1130, 1131)  # none specified; specified but not reached
_GRACE_WARNING = with_twins(1129)
_NEVER_REGISTERED = with_twins(1128)

# The events that bear on each registry finding: (events, relation).
RELATED: dict[str, tuple[tuple[tuple[tuple[str, int], ...], str], ...]] = {
    "rds.mode.not_configured": ((_MODE_NOT_CONFIGURED, "corroborates"),),
    "rds.servers.none": ((_NO_SERVER, "corroborates"),),
    "rds.grace.expired": ((_GRACE_EXPIRED, "corroborates"),),
    "rds.grace.expiring": ((_GRACE_WARNING, "corroborates"), (_GRACE_EXPIRED, "contradicts")),
    "rds.cert.never_licensed": ((_NEVER_REGISTERED, "corroborates"),),
    # The host said its grace period was ending or over, and the timebomb was written after
    # that: a fresh grace period where none is due (§10).
    "rds.grace.reset_suspected": (((*_GRACE_EXPIRED, *_GRACE_WARNING), "corroborates"),),
}
# Findings about the current timebomb: an event logged before its key was last written
# speaks of an earlier grace period ("predates"); for a reset, only such events count.
_CURRENT_TIMEBOMB = frozenset({"rds.grace.expired", "rds.grace.expiring"})
_EARLIER_TIMEBOMB = frozenset({"rds.grace.reset_suspected"})
# Events that say users are refused now.
_SEVERE = frozenset((*with_twins(1011, 1028, 1069, 1128, 1130, 1131), (LICENSING, 4141)))

SETTLE_WITH = (
    "the host's event logs (Windows\\System32\\winevt\\Logs): System.evtx for the session "
    "host's licensing events, Security.evtx and the Microsoft-Windows-TerminalServices-* and "
    "Microsoft-Windows-RemoteDesktopServices-* logs for RDP sessions (or exports of them: "
    "wevtutil qe LOG /f:xml, or Event Viewer's Save as XML)"
)

EventKey = tuple[str, int]

# What judge_events declares, as the rulebook's rules do (RuleSpec): the name it is not
# judged under, and the absence it then reports; and, for a host known from its logs alone,
# the registry's rules, not judged for want of its hives.
RULE_NAME = "events"
ABSENCES = ("event logs",)
REGISTRY_RULE = "registry"
REGISTRY_ABSENCES = ("licensing hives",)


def judge_events(judgement: Judgement, state: LicensingState, events: HostEvents | None) -> None:
    """Add to ``judgement`` what the host's events say (see the module)."""
    if events is None or not events.parts:
        judgement.not_judged.append(
            NotJudged(
                RULE_NAME,
                EVENT_FINDING_IDS,
                ABSENCES[0],
                "event_logs",
                "no event log of this host is among the evidence: what it logged (licensing "
                "errors, RDP sessions) is not judged, and no finding is checked against it",
                SETTLE_WITH,
            )
        )
        return
    if not state.facts.coverage.sources:
        _registry_not_judged(judgement)
    tallies = events.tallies()
    if state.role.session_host is False:
        from hiveparse.rds.rulebook import NotApplicable  # noqa: PLC0415

        # A workstation (or a server without the role): its logs' session-host licensing
        # events are listed in the report, never judged as a session host's.
        judgement.not_applicable.append(
            NotApplicable(
                RULE_NAME,
                SESSION_HOST_IDS,
                "session_host",
                f"not an RD Session Host: {state.role.reason}; the session-host licensing "
                "events of its logs are listed (events.licensing), not judged",
            )
        )
        tallies_judged = {key: tally for key, tally in tallies.items() if key[0] != RCM}
    else:
        tallies_judged = tallies
    grace_written = state.grace.key_last_write
    written = filetime_iso(grace_written) if grace_written else None
    used = _annotate(judgement.findings, tallies_judged, events, written)
    raised: list[Finding] = []
    raised += _on_events(NO_LICENSE_SERVER, _NO_SERVER, tallies_judged, used, events)
    raised += _on_events(GRACE_ENDING, _GRACE_WARNING, tallies_judged, used, events)
    raised += _disagreements(state, tallies_judged, events)
    used |= {key for finding in raised for key in _keys_of(finding)}
    raised += _other_licensing(tallies_judged, used, events)
    raised += _sessions(events)
    _coverage(judgement, events, {finding.id for finding in raised})
    judgement.findings.extend(raised)
    judgement.findings.sort(key=lambda finding: finding.sort_key)


# Which logs hold which events (channels as the records name them).
_LICENSING_CHANNELS = {
    "System": "System.evtx (the session host's classic TermService events 1028, 1043, "
    "1128-1133, and the license server's)",
    f"{RCM}/Admin": f"{RCM}%4Admin.evtx (1068, 1069, and the ids Windows 10 1803 and later "
    "give 1128-1133)",
}
_SESSION_CHANNELS = (
    f"{RCM}/Operational",
    "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    "Security",
    "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
)


def _registry_not_judged(judgement: Judgement) -> None:
    """A host known from its logs alone: the registry's rules are not judged (the hives
    that would settle them were not given), not "not applicable"."""
    for item in list(judgement.not_applicable):
        if item.premise == "licensing_hives":
            judgement.not_applicable.remove(item)
            judgement.not_judged.append(
                NotJudged(
                    REGISTRY_RULE,
                    item.findings,
                    REGISTRY_ABSENCES[0],
                    "licensing_hives",
                    "this host is known from its event logs alone: no hive of it was given, so "
                    "its licensing configuration is not judged",
                    "the host's SYSTEM and SOFTWARE hives (Windows\\System32\\config), or "
                    "regedit exports of them",
                )
            )


def _coverage(judgement: Judgement, events: HostEvents, raised: set[str]) -> None:
    """What the logs given cannot settle: licensing events live in System and the RCM Admin
    log, RDP sessions in the session logs; a missing one is said, with what would settle it
    (the findings raised from the logs that were given are not listed)."""
    channels = {channel.casefold() for part in events.counted for channel in part.channels}
    missing = [what for channel, what in _LICENSING_CHANNELS.items()
               if channel.casefold() not in channels]  # fmt: skip
    licensing = tuple(
        finding
        for finding in (NO_LICENSE_SERVER, GRACE_ENDING, LICENSING_EVENTS, REGISTRY_DISAGREES)
        if finding not in raised
    )
    if missing and licensing:
        judgement.not_judged.append(
            NotJudged(
                f"{RULE_NAME}.licensing",
                licensing,
                ABSENCES[0],
                "event_logs",
                "licensing events are logged where no log of this host was given: an event "
                "absent from the logs read is not evidence that it was never logged",
                "; ".join(missing),
            )
        )
    if not any(channel.casefold() in channels for channel in _SESSION_CHANNELS):
        judgement.not_judged.append(
            NotJudged(
                f"{RULE_NAME}.sessions",
                (RDP_SESSIONS,),
                ABSENCES[0],
                "event_logs",
                "no log of RDP sessions of this host was given",
                "the host's " + ", ".join(f"{c} log" for c in _SESSION_CHANNELS),
            )
        )


def _times(tally: Tally) -> str:
    if tally.first is None:
        return f"{tally.count} time(s)"
    if tally.first == tally.last:
        return f"{tally.count} time(s), at {tally.first}"
    return f"{tally.count} time(s), from {tally.first} to {tally.last}"


def _event_record(
    key: EventKey, item: EventOfInterest, tally: Tally, events: HostEvents, relation: str
) -> dict[str, Any]:
    logs = sorted(
        {
            part.log.path
            for part in events.parts
            for (computer, provider, number), _ in part.log.tallies.items()
            if part.takes(computer) and catalogued(provider, number) is item
        }
    )
    return {
        "event": f"{item.provider}/{item.event_id}",
        "provider": item.provider,
        "event_id": item.event_id,
        "meaning": item.meaning,
        "status": str(item.status),
        "reference": item.reference,
        "relation": relation,
        "count": tally.count,
        "first": tally.first,
        "last": tally.last,
        "logs": logs,
    }


def _sentence(item: EventOfInterest, tally: Tally) -> str:
    return f"event {item.event_id} ({item.meaning}) logged {_times(tally)}"


def _earlier(one: str | None, other: str | None) -> bool:
    """Whether the ISO time ``one`` is before ``other`` (False when either is unknown)."""
    first, second = instant(one), instant(other)
    return first is not None and second is not None and first < second


_VERBS = {
    "corroborates": "Corroborated by the host's logs",
    "contradicts": "Contradicted by the host's logs",
    "predates": "Of an earlier grace period",
}


def _relation(finding_id: str, relation: str, tally: Tally, written: str | None) -> str | None:
    """How an event bears on a finding, given when the timebomb's key was last written
    (``written``, ISO): None when it does not."""
    before = _earlier(tally.last, written)
    if finding_id in _EARLIER_TIMEBOMB:
        return relation if _earlier(tally.first, written) else None
    if finding_id in _CURRENT_TIMEBOMB and before:
        return "predates"
    return relation


def _annotate(
    findings: list[Finding], tallies: dict[EventKey, Tally], events: HostEvents,
    written: str | None,
) -> set[EventKey]:  # fmt: skip
    """The events that corroborate or contradict each registry finding, added to it; the
    events so used are returned (not raised again on their own)."""
    used: set[EventKey] = set()
    for finding in findings:
        for keys, related in RELATED.get(finding.id, ()):
            for key in keys:
                tally, item = tallies.get(key), catalogued(*key)
                if tally is None or item is None:
                    continue
                relation = _relation(finding.id, related, tally, written)
                if relation is None:
                    continue
                finding.events.append(_event_record(key, item, tally, events, relation))
                sentence = _sentence(item, tally)
                if relation == "predates" or finding.id in _EARLIER_TIMEBOMB:
                    sentence += f", before the GracePeriod key was last written ({written})"
                finding.detail += f" {_VERBS[relation]}: {sentence}."
                used.add(key)
    return used


def _keys_of(finding: Finding) -> Iterable[EventKey]:
    for record in finding.evidence:
        if "event_id" in record and "provider" in record:
            yield (record["provider"], record["event_id"])


def _basis(keys: Iterable[EventKey], tallies: dict[EventKey, Tally], events: HostEvents,
           relation: str = "raises") -> tuple[Basis, list[str]]:  # fmt: skip
    basis = Basis()
    sentences: list[str] = []
    for key in keys:
        tally, item = tallies.get(key), catalogued(*key)
        if tally is None or item is None:
            continue
        basis.records.append(_event_record(key, item, tally, events, relation))
        if item.status == "UNCERTAIN":
            basis.rule(f"the meaning of event {item.event_id} is UNCERTAIN ({item.reference})")
        sentences.append(_sentence(item, tally))
    return basis, sentences


def _on_events(
    finding_id: str,
    keys: tuple[EventKey, ...],
    tallies: dict[EventKey, Tally],
    used: set[EventKey],
    events: HostEvents,
) -> list[Finding]:
    wanted = [key for key in keys if key in tallies and key not in used]
    if not wanted:
        return []
    basis, sentences = _basis(wanted, tallies, events)
    said = "; ".join(sentences)
    if finding_id == NO_LICENSE_SERVER:
        return [
            Finding.build(
                finding_id,
                FindingSeverity.HIGH,
                "The session host logged that it has no license server it can use",
                f"The host's logs say so where the registry does not: {said}. Once the grace "
                'period is over, users are refused with "no Remote Desktop License Servers '
                'available to provide a license".',
                basis,
                'Specify the license servers (Group Policy "Use the specified Remote Desktop '
                'license servers", or Set-RDLicenseConfiguration for a broker-managed '
                "deployment), then confirm with RD Licensing Diagnoser.",
            )
        ]
    return [
        Finding.build(
            finding_id,
            FindingSeverity.MEDIUM,
            "The session host logged that its grace period is ending",
            f"{said[0].upper()}{said[1:]}.",
            basis,
            "Configure the licensing mode and a license server with installed CALs of that "
            "mode before the grace period ends; RD Licensing Diagnoser shows the days left.",
        )
    ]


def _key_time(state: LicensingState) -> tuple[str | None, str | None]:
    """When the key of the deciding licensing-mode value was last written, and its path."""
    policy = state.mode.layer is not None and str(state.mode.layer) == "policy"
    fact = state.mode.policy if policy else state.mode.local
    if fact is None or fact.key_time is None:
        return None, None
    return filetime_iso(fact.key_time), fact.full_key_path


def _disagreements(
    state: LicensingState, tallies: dict[EventKey, Tally], events: HostEvents
) -> list[Finding]:
    """The host logged 'licensing mode not configured' after its registry's mode value was
    last written, and the registry holds a configured mode."""
    if state.mode.effective in (Mode.NOT_CONFIGURED, Mode.ABSENT, Mode.UNKNOWN, Mode.INVALID):
        return []
    written, where = _key_time(state)
    if written is None or not any(key in tallies for key in _MODE_NOT_CONFIGURED):
        return []
    # Only the events logged after the registry's write contradict it: counted one by one.
    after: dict[EventKey, Tally] = {}
    for _part, event, item in events.events():
        key = (item.provider, item.event_id)
        if key in _MODE_NOT_CONFIGURED and _earlier(written, event.time):
            after.setdefault(key, Tally()).add(event.time)
    if not after:
        return []
    basis, sentences = _basis(sorted(after), after, events, "contradicts")
    basis.fact(state.mode.policy if state.mode.policy is not None else state.mode.local)
    return [
        Finding.build(
            REGISTRY_DISAGREES,
            FindingSeverity.MEDIUM,
            "The host's logs contradict its registry's licensing mode",
            f"The registry sets the licensing mode {state.mode.effective} ({where}, last "
            f"written {written}), but after that the host logged: {'; '.join(sentences)}. The "
            "registry may not be what the service ran with (a policy applied or removed "
            "since, a hive from another moment than the logs).",
            basis,
            "Check the mode the service uses with RD Licensing Diagnoser, and the policy "
            "applied to the host (gpresult /h).",
        )
    ]


def _other_licensing(
    tallies: dict[EventKey, Tally], used: set[EventKey], events: HostEvents
) -> list[Finding]:
    keys = [
        key
        for key in sorted(tallies)
        if key not in used
        and (item := catalogued(*key)) is not None
        and item.kind == EventKind.LICENSING
    ]
    if not keys:
        return []
    basis, sentences = _basis(keys, tallies, events)
    severe = any(key in _SEVERE for key in keys)
    return [
        Finding.build(
            LICENSING_EVENTS,
            FindingSeverity.HIGH if severe else FindingSeverity.MEDIUM,
            "The host logged RD licensing events",
            f"Logged by the host: {'; '.join(sentences)}. No registry finding accounts for "
            "them; each event's fields are in the report's events.licensing list.",
            basis,
            "RD Licensing Diagnoser on the session host and RD Licensing Manager on the "
            "license server show the state Windows reports now; the event's own message "
            "(Event Viewer) names what to fix.",
        )
    ]


def _top(counter: Counter[str], limit: int = 5) -> str:
    shown = [f"{name} ({count})" for name, count in counter.most_common(limit)]
    more = len(counter) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _address(source: str) -> str:
    """A client address without its port (RdpCoreTS 131 gives ``203.0.113.7:51234``)."""
    host, colon, port = source.rpartition(":")
    if colon and port.isdigit() and (host.count(".") == 3 or host.startswith("[")):
        return host.strip("[]")
    return source


def _sessions(events: HostEvents) -> list[Finding]:
    """Who connected over RDP, from where, and when: a summary for responders, of the events
    that say the session was remote (an address, an RDP-only event); a session manager event
    whose address is LOCAL (the console) or not given is left out, and counted."""
    starts = [row for row in events.session_rows() if row["kind"] != str(EventKind.RDP_END)]
    rows = [row for row in starts if row["remote"] is True]
    console = sum(row["remote"] is False for row in starts)
    unsaid = sum(row["remote"] is None for row in starts)
    if not rows:
        return []
    tallies = events.tallies()
    keys = [
        key
        for key in sorted(tallies)
        if (item := catalogued(*key)) is not None and item.kind != EventKind.LICENSING
    ]
    basis, sentences = _basis(keys, tallies, events, "summarised")
    users = Counter(row["user"] for row in rows if row["user"])
    sources = Counter(_address(row["source"]) for row in rows if row["source"])
    times = sorted(row["time"] for row in rows if row["time"])
    span = f" from {times[0]} to {times[-1]}" if times else ""
    parts = [
        f"{len(rows)} event(s) of remote logons, reconnections, authentications or "
        f"connections{span} (each logon is said by several events: 1149, then 21 and 22)"
    ]
    if console or unsaid:
        parts.append(
            f"left out: {console} of console sessions (address LOCAL) and {unsaid} that name "
            "no address"
        )
    parts.append(f"users: {_top(users)}" if users else "no user named")
    parts.append(f"source addresses: {_top(sources)}" if sources else "no source address named")
    if events.not_listed:
        parts.append(
            f"users, sources and times are of the events listed: {events.not_listed} more are "
            "counted below but not listed"
        )
    return [
        Finding.build(
            RDP_SESSIONS,
            FindingSeverity.INFO,
            "RDP sessions in the host's logs",
            f"{'; '.join(parts)}. By event: {'; '.join(sentences)}. Every session event is "
            "listed in the report's events.rdp_logons.",
            basis,
            "Review the users and source addresses against those expected to connect; an "
            "unknown source or an account outside the administrators' is where to look first.",
        )
    ]
