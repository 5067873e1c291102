"""Where a program can be made to run with Remote Desktop, and where RDP can be tunnelled
(the reference's §8.4): what RegRipper's termserv, appsetup and RECmd's ASEP batch read,
decoded once for the rules and the report.

- ``Wds\\rdpwd`` ``StartupPrograms``: started in every RDP session; Windows writes
  ``rdpclip`` (the clipboard). Anything else runs in each session of each user.
- RDP-Tcp ``InitialProgram``: started instead of the desktop; with
  ``fInheritInitialProgram`` 0 the listener's program is forced on every session.
- Winlogon ``AppSetup``: the terminal server's logon script (``UsrLogon.cmd``).
- The terminal server's install-mode ``Run``, ``RunOnce``, ``RunOnceEx`` keys.
- ``netsh interface portproxy`` rules under ``Services\\PortProxy``: a listening address and
  port relayed to another, the usual way to reach RDP through a port a firewall allows.

Each entry keeps its fact: the value read, its key, its file and its place in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from hiveparse.model import Value, ValueType
from hiveparse.rds.facts import Fact, FactSet
from hiveparse.values import decode_value

# What Windows writes in StartupPrograms (§8.4: RegRipper termserv's tip, the corpus hives).
DEFAULT_STARTUP_PROGRAMS = frozenset({"rdpclip"})
DEFAULT_APPSETUP = frozenset({"usrlogon.cmd"})
PORT_PROXY_KINDS = ("v4tov4", "v4tov6", "v6tov4", "v6tov6")
INSTALL_RUN_KEYS = ("install_run", "install_runonce", "install_runonceex")
_TEXT = (int(ValueType.REG_SZ), int(ValueType.REG_EXPAND_SZ))


def _text(fact: Fact | None) -> str | None:
    if fact is None or fact.value is None or fact.value.type_id not in _TEXT:
        return None
    decoded = decode_value(fact.value.type_id, fact.value.raw).value
    return decoded.rstrip("\x00") if isinstance(decoded, str) else None


def _dword(fact: Fact | None) -> int | None:
    if fact is None or not fact.type_ok:
        return None
    decoded = fact.decoded
    return decoded if isinstance(decoded, int) else None


def program_name(entry: str) -> str:
    """``"C:\\Windows\\System32\\rdpclip.exe" /x`` -> ``rdpclip``: the file's name, folded,
    without quotes, arguments or ``.exe`` (an unquoted path runs up to ``.exe`` where it has
    one, else to the first blank)."""
    text = entry.strip()
    if text.startswith('"'):
        text = text[1:].split('"', 1)[0]
    elif ".exe" in text.lower():
        text = text[: text.lower().index(".exe") + 4]
    else:
        text = text.split(" ", 1)[0]
    name = text.replace("/", "\\").rsplit("\\", 1)[-1].lower()
    return name.removesuffix(".exe")


def split_programs(text: str) -> list[str]:
    """StartupPrograms and AppSetup list programs separated by commas."""
    return [entry.strip() for entry in text.split(",") if entry.strip()]


@dataclass(frozen=True)
class PortProxyRule:
    kind: str  # v4tov4, v4tov6, v6tov4, v6tov6
    listen: str  # the value's name: listen address/port
    connect: str | None  # its data: connect address/port (None: not a string)
    fact: Fact  # the rule's value, with its key

    @property
    def connect_port(self) -> int | None:
        if self.connect is None:
            return None
        port = self.connect.rsplit("/", 1)[-1]
        return int(port) if port.isdigit() else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "listen": self.listen,
            "connect": self.connect,
            "evidence": self.fact.evidence_record(),
        }


@dataclass(frozen=True)
class RunEntry:
    """A value of the terminal server's install-mode Run keys."""

    key: str  # Run, RunOnce, RunOnceEx
    name: str
    command: str | None
    fact: Fact


@dataclass
class PersistenceState:
    startup_fact: Fact | None = None
    startup_text: str | None = None  # as stored
    startup_programs: list[str] | None = None
    unexpected_startup: list[str] = field(default_factory=list)
    initial_fact: Fact | None = None
    initial_program: str | None = None  # None: not set; "" is stored as not set too
    inherit_fact: Fact | None = None
    inherit_initial_program: int | None = None
    appsetup_fact: Fact | None = None
    appsetup: list[str] | None = None
    unexpected_appsetup: list[str] = field(default_factory=list)
    install_run: list[RunEntry] = field(default_factory=list)
    port_proxies: list[PortProxyRule] = field(default_factory=list)

    @property
    def initial_program_forced(self) -> bool | None:
        """Whether the listener's program starts in every session: it is set and the
        listener does not take the client's (fInheritInitialProgram 0); None when unknown."""
        if not self.initial_program:
            return False
        if self.inherit_initial_program is None:
            return None
        return self.inherit_initial_program == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "startup_programs": self.startup_programs,
            "unexpected_startup_programs": self.unexpected_startup,
            "initial_program": self.initial_program,
            "inherit_initial_program": self.inherit_initial_program,
            "initial_program_forced": self.initial_program_forced,
            "appsetup": self.appsetup,
            "unexpected_appsetup": self.unexpected_appsetup,
            "install_run": [
                {
                    "key": entry.key,
                    "name": entry.name,
                    "command": entry.command,
                    "evidence": entry.fact.evidence_record(),
                }
                for entry in self.install_run
            ],
            "port_proxies": [rule.to_dict() for rule in self.port_proxies],
            "evidence": [
                fact.evidence_record()
                for fact in (
                    self.startup_fact,
                    self.initial_fact,
                    self.inherit_fact,
                    self.appsetup_fact,
                )
                if fact is not None
            ],
        }


def _values_of(fact: Fact) -> list[tuple[Fact, Value]]:
    """A fact for each value of a key-location fact's key (the key's own fact, pointed at
    the value): each rule or Run entry keeps its own provenance."""
    return [(replace(fact, value=value), value) for value in fact.key.values()]


def build_persistence(facts: FactSet) -> PersistenceState:
    state = PersistenceState()
    state.startup_fact = facts.get("persistence.startup_programs")
    startup = state.startup_text = _text(state.startup_fact)
    if startup is not None:
        state.startup_programs = split_programs(startup)
        state.unexpected_startup = [
            entry
            for entry in state.startup_programs
            if program_name(entry) not in DEFAULT_STARTUP_PROGRAMS
        ]
    state.initial_fact = facts.get("persistence.initial_program")
    state.initial_program = _text(state.initial_fact) or None
    state.inherit_fact = facts.get("persistence.inherit_initial_program")
    state.inherit_initial_program = _dword(state.inherit_fact)
    state.appsetup_fact = facts.get("persistence.appsetup")
    appsetup = _text(state.appsetup_fact)
    if appsetup is not None:
        state.appsetup = split_programs(appsetup)
        state.unexpected_appsetup = [
            entry for entry in state.appsetup if program_name(entry) not in DEFAULT_APPSETUP
        ]
    for fact_id in INSTALL_RUN_KEYS:
        key_fact = facts.get(f"persistence.{fact_id}")
        if key_fact is None:
            continue
        state.install_run += [
            RunEntry(key_fact.key.name, value.name, _text(value_fact), value_fact)
            for value_fact, value in _values_of(key_fact)
        ]
    for kind in PORT_PROXY_KINDS:
        key_fact = facts.get(f"persistence.portproxy_{kind}")
        if key_fact is None:
            continue
        state.port_proxies += [
            PortProxyRule(kind, value.name, _text(value_fact), value_fact)
            for value_fact, value in _values_of(key_fact)
        ]
    return state
