"""One registry over many evidence files: user paths resolved to the hive and key they name.

``HKLM\\SYSTEM\\CurrentControlSet\\Services`` finds the SYSTEM hive among the opened
evidence (whether it came from a hive file, a .reg export or an offline-mounted export such
as ``HKLM\\OFFLINE_SYSTEM``), rewrites CurrentControlSet through ``Select`` and walks there.
A path without a root is taken inside the only hive opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from hiveparse.controlset import resolve_current_control_set
from hiveparse.errors import KeyNotFound, UsageError, quoted
from hiveparse.evidence.open import Evidence, MountedHive
from hiveparse.model import HiveType, Key
from hiveparse.paths import full_key_path, is_full_path, locate, parse_registry_path


@dataclass(frozen=True)
class Located:
    """A key found for a user path, with how it was found."""

    evidence: Evidence
    mounted: MountedHive
    key: Key
    control_set: str | None  # the ControlSet00N that CurrentControlSet was resolved to

    @property
    def full_path(self) -> str:
        return full_key_path(self.mounted.mount, self.key.path)


class Registry:
    def __init__(self, evidence: list[Evidence]) -> None:
        self.evidence = evidence

    def mounted(self) -> list[tuple[Evidence, MountedHive]]:
        return [(item, mounted) for item in self.evidence for mounted in item.hives]

    def locate(self, user_path: str | None) -> list[Located]:
        """Every key the path names (one per evidence file that holds it).

        Without a path (the root of every hive) the list may be empty: evidence can be
        readable and hold no hive (a .reg file that only deletes, or whose key lines were all
        rejected), and then there is nothing to list rather than a missing key.
        """
        candidates = self._candidates(user_path)
        if not candidates and not user_path:
            return []
        found: list[Located] = []
        for evidence, mounted, relative in candidates:
            root = mounted.hive.root()
            target, control_set = relative, None
            if mounted.hive.hive_type == HiveType.SYSTEM:
                target, control_set = resolve_current_control_set(root, relative)
            key = root.find(target)
            if key is not None:
                found.append(Located(evidence, mounted, key, control_set))
        if not found:
            searched = {item.path for item, _m, _r in candidates} or {
                item.path for item in self.evidence
            }
            where = ", ".join(sorted(searched))
            raise KeyNotFound(f"key {quoted(user_path or '')} not found in {where}")
        return found

    def resolve(self, user_path: str | None) -> list[tuple[Evidence, MountedHive, str]]:
        """The hives a path can lie in, with the path inside each (CurrentControlSet
        rewritten), whether or not the key exists there (a deleted key does not)."""
        resolved = []
        for evidence, mounted, relative in self._candidates(user_path):
            inside = relative
            if mounted.hive.hive_type == HiveType.SYSTEM:
                inside = resolve_current_control_set(mounted.hive.root(), relative)[0]
            resolved.append((evidence, mounted, inside))
        return resolved

    def _candidates(self, user_path: str | None) -> list[tuple[Evidence, MountedHive, str]]:
        if not self.evidence:
            raise UsageError("no evidence was opened")
        pairs = self.mounted()
        if not pairs:
            return []  # readable evidence that holds no hive: no key lies anywhere
        if not user_path or not is_full_path(user_path):
            if len(pairs) > 1 and user_path:
                mounts = ", ".join(m.mount for _e, m in pairs)
                raise UsageError(
                    f"{quoted(user_path)} has no root key and the evidence holds several hives "
                    f"({mounts}); start the path with HKLM\\..., HKCU\\... or HKU\\..."
                )
            return [(evidence, mounted, user_path or "") for evidence, mounted in pairs]
        full = str(parse_registry_path(user_path)).upper()
        by_prefix = [
            (evidence, mounted, str(parse_registry_path(user_path))[len(mounted.mount) + 1 :])
            for evidence, mounted in pairs
            if full == mounted.mount.upper() or full.startswith(mounted.mount.upper() + "\\")
        ]
        if by_prefix:
            # The longest mount that holds the path (HKCU\Software\Classes before HKCU).
            longest = max(len(mounted.mount) for _e, mounted, _r in by_prefix)
            return [item for item in by_prefix if len(item[1].mount) == longest]
        location = locate(parse_registry_path(user_path))
        exact = [
            (evidence, mounted, location.relative)
            for evidence, mounted in pairs
            if mounted.mount.upper() == location.mount.upper()
        ]
        if exact:
            return exact
        if location.hive_type == HiveType.UNKNOWN:
            return []
        return [
            (evidence, mounted, location.relative)
            for evidence, mounted in pairs
            if mounted.hive.hive_type == location.hive_type
        ]
