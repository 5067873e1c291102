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

import re
from dataclasses import dataclass, field, replace
from typing import Any

from hiveparse.model import Value, ValueType
from hiveparse.rds.facts import Fact, FactSet, dword_of, text_of

# What Windows writes in StartupPrograms (§8.4: RegRipper termserv's tip, the corpus hives).
DEFAULT_STARTUP_PROGRAMS = frozenset({"rdpclip"})
DEFAULT_APPSETUP = frozenset({"usrlogon.cmd"})
_LOOPBACK = ("127.", "::1", "localhost", "[::1]")
PORT_PROXY_KINDS = ("v4tov4", "v4tov6", "v6tov4", "v6tov6")
INSTALL_RUN_KEYS = ("install_run", "install_runonce", "install_runonceex")


def program_path(entry: str) -> str:
    """The program an entry starts, folded, without quotes or arguments: an unquoted entry
    with blanks runs up to the ``.exe`` a blank follows where it has one (``C:\\Program
    Files\\x.exe -q``), else to the first blank."""
    text = entry.strip()
    if text.startswith('"'):
        text = text[1:].split('"', 1)[0]
    elif " " in text:
        found = _EXE_THEN_BLANK.match(text)
        text = found.group(1) if found else text.split(" ", 1)[0]
    return text.replace("/", "\\").lower()


_EXE_THEN_BLANK = re.compile(r"^(.*?\.exe)(?= )", re.IGNORECASE)


# Where Windows' own programs live, as an entry may name the folder.
_SYSTEM_FOLDERS = re.compile(
    r"^(?:%systemroot%|%windir%|\\systemroot|[a-z]:\\windows)\\system32\\", re.IGNORECASE
)


def is_windows_default(entry: str, defaults: frozenset[str]) -> bool:
    """Whether an entry starts one of Windows' own programs ``defaults`` (``rdpclip``,
    ``usrlogon.cmd``): named bare (found in System32 first), with or without ``.exe``, or
    with the System32 folder. ``C:\\Users\\Public\\rdpclip.exe`` or ``rdpclip.exe.bat`` is not."""
    path = program_path(entry)
    folder = _SYSTEM_FOLDERS.match(path)
    name = path[folder.end() :] if folder else path
    if "\\" in name:
        return False
    return name in defaults or name.removesuffix(".exe") in defaults


def split_programs(text: str) -> list[str]:
    """StartupPrograms and AppSetup list programs separated by commas."""
    return [entry.strip() for entry in text.split(",") if entry.strip()]


def _programs(fact: Fact | None) -> tuple[str | None, list[str] | None]:
    """A program list as stored and as entries: a string of comma-separated entries (what
    Windows writes), or a multi-string (each string an entry, its commas too)."""
    if fact is None or fact.value is None:
        return None, None
    text = text_of(fact)
    if text is not None:
        return text, split_programs(text)
    decoded = fact.decoded
    if fact.value.type_id == int(ValueType.REG_MULTI_SZ) and isinstance(decoded, list):
        entries = [entry for item in decoded for entry in split_programs(str(item))]
        return ",".join(map(str, decoded)), entries
    return None, None


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

    @property
    def to_this_host(self) -> bool:
        """The relay leads back to this machine (a loopback address)."""
        address = (self.connect or "").rsplit("/", 1)[0].lower()
        return address.startswith(_LOOPBACK)

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
    initial_fact: Fact | None = None  # the one that applies: the policy's, else the listener's
    initial_program: str | None = None  # None: not set; "" is stored as not set too
    initial_by_policy: bool = False  # Group Policy 'Start a program on connection' sets it
    inherit_fact: Fact | None = None
    inherit_initial_program: int | None = None
    appsetup_fact: Fact | None = None
    appsetup: list[str] | None = None
    unexpected_appsetup: list[str] = field(default_factory=list)
    install_run: list[RunEntry] = field(default_factory=list)
    port_proxies: list[PortProxyRule] = field(default_factory=list)

    @property
    def initial_program_forced(self) -> bool | None:
        """Whether the program starts in every session: set by policy, or set on the
        listener, which does not take the client's (fInheritInitialProgram 0); None when
        unknown."""
        if not self.initial_program:
            return False
        if self.initial_by_policy:
            return True
        if self.inherit_initial_program is None:
            return None
        return self.inherit_initial_program == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "startup_programs": self.startup_programs,
            "unexpected_startup_programs": self.unexpected_startup,
            "initial_program": self.initial_program,
            "initial_program_by_policy": self.initial_by_policy,
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


def _run_entries(fact: Fact, *, nested: bool) -> list[RunEntry]:
    """The programs of a Run or RunOnce key: its named values, and its default value where it
    holds a command (an empty default, as Windows leaves it, starts nothing). RunOnceEx keeps
    them one level down, in numbered subkeys whose default value is a section title; its own
    values (Title, Flags) are settings, not programs."""
    keys = list(fact.key.subkeys()) if nested else [fact.key]
    entries = []
    for key in keys:
        at = replace(fact, key=key)
        for value_fact, value in _values_of(at):
            command = text_of(value_fact)
            if value.name == "" and (nested or not command):
                continue
            name = f"{key.name}\\{value.name}" if nested else value.name
            entries.append(RunEntry(fact.key.name, name, command, value_fact))
    return entries


def _values_of(fact: Fact) -> list[tuple[Fact, Value]]:
    """A fact for each value of a key-location fact's key (the key's own fact, pointed at
    the value): each rule or Run entry keeps its own provenance."""
    return [(replace(fact, value=value), value) for value in fact.key.values()]


def build_persistence(facts: FactSet) -> PersistenceState:
    state = PersistenceState()
    state.startup_fact = facts.get("persistence.startup_programs")
    state.startup_text, state.startup_programs = _programs(state.startup_fact)
    state.unexpected_startup = [
        entry
        for entry in state.startup_programs or []
        if not is_windows_default(entry, DEFAULT_STARTUP_PROGRAMS)
    ]
    policy = facts.get("persistence.initial_program.policy")
    if text_of(policy):
        state.initial_fact, state.initial_by_policy = policy, True
    else:
        state.initial_fact = facts.get("persistence.initial_program")
    state.initial_program = text_of(state.initial_fact) or None
    state.inherit_fact = facts.get("persistence.inherit_initial_program")
    state.inherit_initial_program = dword_of(state.inherit_fact)
    state.appsetup_fact = facts.get("persistence.appsetup")
    _stored, state.appsetup = _programs(state.appsetup_fact)
    state.unexpected_appsetup = [
        entry for entry in state.appsetup or [] if not is_windows_default(entry, DEFAULT_APPSETUP)
    ]
    for fact_id in INSTALL_RUN_KEYS:
        key_fact = facts.get(f"persistence.{fact_id}")
        if key_fact is not None:
            state.install_run += _run_entries(key_fact, nested=fact_id == "install_runonceex")
    for kind in PORT_PROXY_KINDS:
        key_fact = facts.get(f"persistence.portproxy_{kind}")
        if key_fact is None:
            continue
        state.port_proxies += [
            PortProxyRule(kind, value.name, text_of(value_fact), value_fact)
            for value_fact, value in _values_of(key_fact)
        ]
    return state
