"""ControlSets of a SYSTEM hive: which one is current, and resolving ``CurrentControlSet``.

Offline there is no ``CurrentControlSet`` link; ``Select\\Current`` names the set Windows
booted with (falling back to ``Select\\Default``). Older sets stay reachable, since they can
keep the state from before a change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hiveparse.model import Key, split_path

CURRENT_CONTROL_SET = "CURRENTCONTROLSET"
_SET_RE = re.compile(r"^ControlSet(\d{3})$", re.IGNORECASE)


@dataclass(frozen=True)
class ControlSets:
    """What ``Select`` says and which ControlSet00N keys exist."""

    current: int | None
    default: int | None
    last_known_good: int | None
    failed: int | None
    available: tuple[str, ...] = field(default_factory=tuple)

    @property
    def effective(self) -> str | None:
        """The ControlSet00N that CurrentControlSet stands for, or None: the one Select
        names, else the only one present."""
        selected = self.selected
        if selected is not None:
            return selected
        return self.available[0] if len(self.available) == 1 else None

    @property
    def selected(self) -> str | None:
        """The ControlSet00N Select names (Current, else Default) where it exists, or None:
        no guess from the sets present (an export of one numbered set need not be current)."""
        for number in (self.current, self.default):
            if number is not None:
                name = f"ControlSet{number:03d}"
                if name.upper() in (n.upper() for n in self.available):
                    return name
        return None

    @property
    def effective_source(self) -> str | None:
        name = self.effective
        if name is None:
            return None
        if self.current is not None and name.upper() == f"CONTROLSET{self.current:03d}":
            return "Select\\Current"
        if self.default is not None and name.upper() == f"CONTROLSET{self.default:03d}":
            return "Select\\Default"
        return "only ControlSet present"


def _dword(key: Key | None, name: str) -> int | None:
    if key is None:
        return None
    value = key.value(name)
    if value is None:
        return None
    decoded = value.decoded
    return decoded if isinstance(decoded, int) else None


def read_control_sets(root: Key) -> ControlSets:
    select = root.subkey("Select")
    available = tuple(key.name for key in root.subkeys() if _SET_RE.match(key.name))
    return ControlSets(
        current=_dword(select, "Current"),
        default=_dword(select, "Default"),
        last_known_good=_dword(select, "LastKnownGood"),
        failed=_dword(select, "Failed"),
        available=available,
    )


def is_control_set_name(name: str) -> bool:
    """``ControlSet001`` .. ``ControlSet999`` (any case)."""
    return bool(_SET_RE.match(name))


def effective_control_set(root: Key, *, guess: bool = True) -> str | None:
    """The key below a SYSTEM root that stands for CurrentControlSet: a literal
    ``CurrentControlSet`` key where the source has one (a .reg export of a live system
    names it; it is what Windows used), else the ControlSet00N ``Select`` names, else (with
    ``guess``) the only ControlSet00N present."""
    literal = root.subkey("CurrentControlSet")
    if literal is not None:
        return literal.name
    sets = read_control_sets(root)
    return sets.effective if guess else sets.selected


def resolve_current_control_set(root: Key, relative: str) -> tuple[str, str | None]:
    """Rewrite a leading ``CurrentControlSet`` to the ControlSet00N it stands for.

    Returns the path and the ControlSet used (None when nothing was rewritten). A literal
    ``CurrentControlSet`` key (as in a .reg export of a live system) is kept as it is.
    """
    parts = split_path(relative)
    if not parts or parts[0].upper() != CURRENT_CONTROL_SET:
        return relative, None
    if root.subkey(parts[0]) is not None:
        return relative, None
    effective = read_control_sets(root).effective
    if effective is None:
        return relative, None
    rest = parts[1:]
    if [p.upper() for p in rest[:2]] == ["HARDWARE PROFILES", "CURRENT"]:
        # Offline there is no "Current" link either: IDConfigDB\CurrentConfig names it.
        profile = _dword(root.find(f"{effective}\\Control\\IDConfigDB"), "CurrentConfig")
        if profile is not None:
            rest = [rest[0], f"{profile:04d}", *rest[2:]]
    return "\\".join([effective, *rest]), effective
