"""The allowlist of explained disagreements (allowlist.toml beside this file) and its matching."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from hiveparse.engines.verify import Disagreement, DisagreementKind
from hiveparse.model import fold_name

ALLOWLIST = Path(__file__).with_name("allowlist.toml")
_FIELDS = {"name", "engines", "peer", "kinds", "paths", "values", "why", "hives"}


@dataclass(frozen=True)
class Rule:
    name: str
    engines: tuple[str, ...]
    peer: str
    kinds: frozenset[DisagreementKind]
    paths: tuple[str, ...]
    values: tuple[str, ...] | None
    why: str
    hives: Mapping[str, int]

    def applies_to(self, engine: str, peer: str, hive: str) -> bool:
        return (
            ("*" in self.engines or engine in self.engines)
            and peer == self.peer
            and (hive in self.hives)
        )

    def matches(self, found: Disagreement) -> bool:
        if found.kind not in self.kinds:
            return False
        if not any(fnmatchcase(fold_name(found.path), fold_name(p)) for p in self.paths):
            return False
        if self.values is None:
            return True
        name = found.value_name or ""
        return any(fnmatchcase(fold_name(name), fold_name(p)) for p in self.values)


@dataclass
class Verdict:
    """Which rule explained what, and what nothing explains."""

    explained: dict[str, list[Disagreement]] = field(default_factory=dict)
    unexplained: list[Disagreement] = field(default_factory=list)
    count_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unexplained and not self.count_errors


def load_rules(path: Path = ALLOWLIST) -> list[Rule]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    rules: list[Rule] = []
    for entry in data.get("rule", []):
        unknown = set(entry) - _FIELDS
        if unknown:
            name = entry.get("name")
            raise ValueError(f"{path}: rule {name!r}: unknown fields {sorted(unknown)}")
        values = entry.get("values")
        rules.append(
            Rule(
                name=entry["name"],
                engines=tuple(entry["engines"]),
                peer=entry["peer"],
                kinds=frozenset(DisagreementKind(kind) for kind in entry["kinds"]),
                paths=tuple(entry["paths"]),
                values=None if values is None else tuple(values),
                why=entry["why"].strip(),
                hives=dict(entry["hives"]),
            )
        )
    names = [rule.name for rule in rules]
    if len(names) != len(set(names)):
        raise ValueError(f"{path}: duplicate rule names")
    return rules


def judge(
    rules: Iterable[Rule], engine: str, peer: str, hive: str, found: Iterable[Disagreement]
) -> Verdict:
    """Explain each disagreement by the first applicable rule that matches it."""
    applicable = [rule for rule in rules if rule.applies_to(engine, peer, hive)]
    verdict = Verdict({rule.name: [] for rule in applicable})
    for item in found:
        rule = next((rule for rule in applicable if rule.matches(item)), None)
        if rule is None:
            verdict.unexplained.append(item)
        else:
            verdict.explained[rule.name].append(item)
    for rule in applicable:
        expected, got = rule.hives[hive], len(verdict.explained[rule.name])
        if expected != got:
            verdict.count_errors.append(
                f"rule {rule.name!r} expects {expected} disagreement(s) on {hive}, matched {got}"
            )
    return verdict
