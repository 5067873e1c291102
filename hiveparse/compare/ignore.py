"""What ``diff`` leaves out: ``--ignore`` patterns and the default list of volatile places.

A pattern is a shell-style glob (``*``, ``?``, ``[...]``; case-insensitive, ``*`` also
crosses ``\\``) matched against a whole path: a key's full path (``HKLM\\SYSTEM\\
CurrentControlSet\\Services\\bam``), which leaves out the key and everything below it, or a
value's full path, its key's path and ``\\`` and its name (``...\\Control\\Windows\\
ShutdownTime``). The root may be written short (HKLM, HKCU, HKU). A ``CurrentControlSet``
component matches every control set (``ControlSet001``, ... as ``--controlsets all`` shows
them) as well as itself, so a rule holds however the sets are compared.

The default list holds places Windows rewrites on its own, at every boot, logon or service
run, so that two copies of one machine taken a day apart differ there without any setting
having changed. ``--no-default-ignores`` shows them too.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass

from hiveparse.controlset import is_control_set_name
from hiveparse.paths import canonical_root


@dataclass(frozen=True)
class KnownPlace:
    pattern: str
    why: str


CCS = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet"
SOFTWARE = "HKEY_LOCAL_MACHINE\\SOFTWARE"

DEFAULT_IGNORES: tuple[KnownPlace, ...] = (
    KnownPlace(f"{CCS}\\Services\\bam\\State\\*", "the Background Activity Moderator's "
             "last-run times of programs, per user: rewritten as programs run"),
    KnownPlace(f"{CCS}\\Services\\dam\\State\\*", "the Desktop Activity Moderator's "
             "counterpart of bam: rewritten as programs run"),
    KnownPlace(f"{CCS}\\Control\\Windows\\ShutdownTime", "the time of the last shutdown"),
    KnownPlace(f"{CCS}\\Control\\Session Manager\\AppCompatCache\\AppCompatCache",
             "the application compatibility cache (ShimCache): rewritten at shutdown"),
    KnownPlace(f"{CCS}\\Services\\Tcpip\\Parameters\\Interfaces\\*\\Lease*",
             "DHCP lease times (LeaseObtainedTime, LeaseTerminatesTime, Lease)"),
    KnownPlace(f"{CCS}\\Services\\Tcpip\\Parameters\\Interfaces\\*\\T1",
             "DHCP renewal time"),
    KnownPlace(f"{CCS}\\Services\\Tcpip\\Parameters\\Interfaces\\*\\T2",
             "DHCP rebinding time"),
    KnownPlace(f"{CCS}\\Control\\Session Manager\\Memory Management\\PrefetchParameters"
             "\\BootId", "a counter of boots"),
    KnownPlace("HKEY_LOCAL_MACHINE\\SYSTEM\\RNG\\Seed",
             "the seed of the kernel's random number generator, rewritten at every boot"),
    KnownPlace(f"{SOFTWARE}\\Microsoft\\Cryptography\\RNG\\Seed",
             "the seed of the user-mode random number generator"),
    KnownPlace(f"{SOFTWARE}\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update"
             "\\Results\\*", "the times of the last update search, download and install"),
    KnownPlace(f"{SOFTWARE}\\Microsoft\\Windows\\CurrentVersion\\Diagnostics\\DiagTrack\\*",
             "telemetry counters and times"),
    KnownPlace(f"{SOFTWARE}\\Microsoft\\Windows NT\\CurrentVersion\\Prefetcher\\*",
             "the prefetcher's trace bookkeeping"),
    KnownPlace("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer"
             "\\SessionInfo\\*", "the Explorer state of past logon sessions"),
)  # fmt: skip


@dataclass(frozen=True)
class PathRule:
    pattern: str  # as given, or the default's
    why: str | None  # a default's reason; None for the user's own pattern
    regex: re.Pattern[str]
    prefix: str  # upper-cased text before the first wildcard: a cheap first test
    parts: tuple[str, ...]  # the pattern's path components, upper-cased (_ANY_SET: any set)
    subtree: bool  # it matches everything below what it names too

    def to_dict(self) -> dict[str, str | None]:
        return {"pattern": self.pattern, "why": self.why}

    def may_reach(self, components: list[str]) -> bool:
        """Whether the rule could match the key with these (upper-cased) path components, or
        a path below it: component by component as far as both go, until a ``*`` (which
        crosses backslashes) or the end of the pattern (then only a subtree rule reaches
        further down)."""
        for index, component in enumerate(components):
            if index >= len(self.parts):
                return self.subtree
            part = self.parts[index]
            if "*" in part:  # what follows the star may lie in any component below
                return fnmatch.fnmatchcase(component, part.split("*", 1)[0] + "*")
            if part == _ANY_SET:
                if not (component == "CURRENTCONTROLSET" or is_control_set_name(component)):
                    return False
            elif not fnmatch.fnmatchcase(component, part):
                return False
        return True


class PathRules:
    """Glob rules over full key and value paths (see the module docstring), and how often
    each matched."""

    def __init__(self, rules: list[PathRule]) -> None:
        self.rules = rules
        self.matches = [0] * len(rules)

    def match(self, full_path: str, among: Sequence[int] | None = None) -> PathRule | None:
        """The first rule ``full_path`` (a key's, or a value's: key path, ``\\``, name)
        matches, counted; None when none does. ``among``: the indexes of the rules to try
        (:meth:`narrow`), all by default."""
        folded = full_path.upper()
        for index in range(len(self.rules)) if among is None else among:
            rule = self.rules[index]
            if folded.startswith(rule.prefix) and rule.regex.fullmatch(full_path):
                self.matches[index] += 1
                return rule
        return None

    def narrow(self, key_path: str, among: Sequence[int] | None = None) -> tuple[int, ...]:
        """The indexes of the rules (of ``among``, all by default) that could match the key
        ``key_path`` or a path below it (:meth:`PathRule.may_reach`). A walk narrows once
        per key, from its parent's: below most keys no rule can match, and nothing is tried
        there."""
        components = key_path.upper().split("\\")
        return tuple(
            index
            for index in (range(len(self.rules)) if among is None else among)
            if self.rules[index].may_reach(components)
        )

    def to_list(self) -> list[dict[str, object]]:
        return [
            {**rule.to_dict(), "matched": count}
            for rule, count in zip(self.rules, self.matches, strict=True)
        ]


class IgnoreRules(PathRules):
    """The patterns in force: the user's (``--ignore``) and, unless turned off, the defaults."""

    def __init__(self, patterns: tuple[str, ...], *, defaults: bool) -> None:
        rules = [path_rule(pattern, None) for pattern in patterns]
        if defaults:
            rules += [path_rule(item.pattern, item.why) for item in DEFAULT_IGNORES]
        super().__init__(rules)

    def ignores(self, full_path: str, among: Sequence[int] | None = None) -> bool:
        return self.match(full_path, among) is not None


_ANY_SET = "\x00"  # stands for CurrentControlSet while a pattern is translated (no name has it)


def path_rule(pattern: str, why: str | None, *, subtree: bool = False) -> PathRule:
    """The rule of one pattern (see the module docstring). A ``CurrentControlSet`` in it
    matches every control set (ControlSet001, ... as ``--controlsets all`` shows them), so a
    rule holds whichever way the sets are compared. With ``subtree`` it matches what the
    pattern names and everything below it (a key, its values and subkeys)."""
    head, sep, rest = pattern.partition("\\")
    root = canonical_root(head)
    spelled = f"{root}{sep}{rest}" if root is not None else pattern
    parts = [
        _ANY_SET if part.upper() == "CURRENTCONTROLSET" else part for part in spelled.split("\\")
    ]
    spelled = "\\".join(parts)
    literal = re.split(r"[*?\[\x00]", spelled, maxsplit=1)[0]
    body = fnmatch.translate(spelled).removeprefix("(?s:").removesuffix(")\\Z")
    body = body.replace(_ANY_SET, r"(?:CurrentControlSet|ControlSet\d{3})")
    if subtree:
        body = f"(?:{body})(?:\\\\.*)?"
    regex = re.compile(f"(?s:{body})\\Z", re.IGNORECASE)
    return PathRule(
        pattern, why, regex, literal.upper(), tuple(spelled.upper().split("\\")), subtree
    )
