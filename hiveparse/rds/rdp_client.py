"""Outbound Remote Desktop from this machine's users (the reference's §8.4): what the
Remote Desktop client (mstsc) keeps in each user's NTUSER.DAT.

- ``Software\\Microsoft\\Terminal Server Client\\Default``: ``MRU0`` ... ``MRU9``, the most
  recently used servers, ``MRU0`` the latest;
- ``...\\Servers\\<server>``: one subkey per server connected to, with ``UsernameHint`` (the
  account typed) and ``CertHash`` (the server certificate the user accepted); the subkey's
  last-written time is when that was last saved, commonly read as the last connection.

Every entry names the user's hive it came from: a machine holds several users' hives, and
each user's history stays that user's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from hiveparse.evidence.hosts import profile_user
from hiveparse.filetime import filetime_iso
from hiveparse.model import ValueType
from hiveparse.rds.facts import Fact, FactSet
from hiveparse.values import decode_value

_MRU = re.compile(r"^MRU(\d+)$", re.IGNORECASE)


def _text(data: Any) -> str | None:
    return data.rstrip("\x00") if isinstance(data, str) else None


@dataclass(frozen=True)
class RecentServer:
    """One ``MRUn`` value."""

    index: int
    server: str | None
    fact: Fact

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "server": self.server, "evidence": self.fact.evidence_record()}


@dataclass(frozen=True)
class ServerVisited:
    """One ``Servers\\<server>`` subkey."""

    server: str
    username_hint: str | None
    cert_hash: str | None  # hex
    last_written: int | None  # the subkey's FILETIME (None where the input holds no times)
    fact: Fact  # pointed at the subkey

    def to_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "username_hint": self.username_hint,
            "cert_hash": self.cert_hash,
            "last_written": filetime_iso(self.last_written),
            "last_written_raw": self.last_written,
            "evidence": self.fact.evidence_record(),
        }


@dataclass(frozen=True)
class UserHistory:
    """One user's outbound RDP history, from one NTUSER hive."""

    source: str  # the hive (or export) it was read from
    mount: str
    user: str | None  # the profile folder it lies in (Users\\<user>\\NTUSER.DAT), if any
    recent: tuple[RecentServer, ...]
    servers: tuple[ServerVisited, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "mount": self.mount,
            "user": self.user,
            "recent": [entry.to_dict() for entry in self.recent],
            "servers": [entry.to_dict() for entry in self.servers],
        }


def _recent(fact: Fact) -> list[RecentServer]:
    entries = []
    for value in fact.key.values():
        match = _MRU.match(value.name)
        if match is None:
            continue
        data = decode_value(value.type_id, value.raw).value
        entries.append(RecentServer(int(match.group(1)), _text(data), replace(fact, value=value)))
    return sorted(entries, key=lambda entry: entry.index)


def _servers(fact: Fact) -> list[ServerVisited]:
    visited = []
    for key in fact.key.subkeys():
        hint = key.value("UsernameHint")
        cert = key.value("CertHash")
        hint_text = None if hint is None else _text(decode_value(hint.type_id, hint.raw).value)
        binary = cert is not None and cert.type_id == int(ValueType.REG_BINARY)
        cert_hex = cert.raw.hex() if cert is not None and binary else None
        times = None if fact.key_time is None else key.last_written
        visited.append(ServerVisited(key.name, hint_text, cert_hex, times, replace(fact, key=key)))
    return visited


def build_history(facts: FactSet) -> list[UserHistory]:
    """Each user hive's history (those holding any), in the order the hives were read."""
    by_hive: dict[tuple[str, str], tuple[list[RecentServer], list[ServerVisited]]] = {}
    for fact in facts.all("client.mru"):
        by_hive.setdefault((fact.evidence.path, fact.mounted.mount), ([], []))[0].extend(
            _recent(fact)
        )
    for fact in facts.all("client.servers"):
        by_hive.setdefault((fact.evidence.path, fact.mounted.mount), ([], []))[1].extend(
            _servers(fact)
        )
    return [
        UserHistory(source, mount, profile_user(source), tuple(recent), tuple(servers))
        for (source, mount), (recent, servers) in by_hive.items()
        if recent or servers
    ]
