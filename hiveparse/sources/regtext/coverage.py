"""What a .reg file covers: the subtrees in which it could have shown a key or a value.

An absence ("no GracePeriod key", "no license server") counts only where the input could
have shown the thing. A hive shows its whole tree; a .reg file shows what it declares.
regedit exports the key it was asked for and every descendant, each under its own
``[header]`` line, so a file covers a subtree only where it looks like such an export:

* per hive mount (as the snapshot assigns full paths to mounts: HKCR and HKCC land in
  SOFTWARE and SYSTEM), the *declared keys* are those with a key line of their own, as paths
  relative to the mount (the mount root itself is ``""``); keys created only as intermediates
  are not declared. Names compare case-insensitively (:func:`hiveparse.model.fold_name`);
* an *export root* is a declared key whose parent is not declared anywhere in the file;
* a root *covers* its subtree only when no other root lies strictly below it (every declared
  key below it has all the keys in between declared too) and it has a key line below it: a
  root named alone shows its values, but not whether it had subkeys (regedit would have
  written them, a hand-written snippet would not, and the two look alike), so it covers the
  key itself and nothing below;
* a *change script* (one that deletes any key or value) covers nothing: a script need not
  list what the machine already holds;
* a root does not cover when part of it could not be read: an ERROR diagnostic on a line
  spoils the root of the last key line at or before it (errors before the first key line
  change nothing), and a file that ends cut (``reg.truncated``) or maybe cut
  (``reg.truncated_suspected``) spoils the root of its last key line.

:class:`CoverageCollector` gathers what this needs while the operations stream past (the
snapshot builder owns one, so every reader of a whole file gets it); memory grows with the
number of declared keys, and the work is linear in the length of their paths, however deep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from hiveparse.errors import Severity
from hiveparse.model import fold_name
from hiveparse.paths import HiveLocation
from hiveparse.sources.regtext.operations import CreateKey, DeleteKey, DeleteValue, Operation
from hiveparse.sources.regtext.syntax import brief_path

_SEP = "\x00"  # sorts below every character a key name can hold (a .reg line stops at NUL)
_COVERS_HERE = ""  # a trie entry no key name can be: the path down to here is a covering root
_KEY_ONLY = "\x00"  # another: the path down to here is a root that covers only itself


@dataclass(frozen=True, slots=True)
class ExportRoot:
    """A declared key whose parent is not declared: the top of an exported subtree."""

    path: str  # relative to the mount, as first written ("" for the mount root)
    line: int  # its first key line
    covers: bool  # the file shows everything in it (its subtree, or the key alone)
    reason: str  # why it covers, or why not, naming lines
    subtree: bool = True  # False: it covers the key and its values, not what lies below

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RegCoverage:
    """The export roots of one .reg file, per hive mount, in file order."""

    mounts: Mapping[str, tuple[ExportRoot, ...]] = field(default_factory=dict)
    change_script: bool = False
    # folded mount -> trie of the covering roots' folded names (built on first use)
    _index: dict[str, dict[str, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def roots(self, mount: str) -> tuple[ExportRoot, ...]:
        """The roots under ``mount`` (any root spelling, any case), in file order."""
        from hiveparse.sources.regtext.snapshot import location_of  # noqa: PLC0415 - a cycle

        wanted = fold_name(location_of(mount).mount)
        for name, roots in self.mounts.items():
            if fold_name(name) == wanted:
                return roots
        return ()

    def covers(self, mount: str, relative: str) -> bool:
        """Is ``relative`` (a path inside ``mount``) at or below a covering root?

        ``mount`` is a full path such as ``HKEY_LOCAL_MACHINE\\SYSTEM`` (any root spelling:
        ``HKLM\\SYSTEM``, ``HKCR`` for SOFTWARE's Classes, ...), compared as the snapshot
        compares mounts; names compare case-insensitively. Raises
        :class:`~hiveparse.errors.UsageError` when ``mount`` does not start with a root key.
        """
        from hiveparse.sources.regtext.snapshot import location_of  # noqa: PLC0415 - a cycle

        location = location_of(f"{mount}\\{relative}" if relative else mount)
        node: dict[str, Any] | None = self._trie(fold_name(location.mount))
        if node is None:
            return False
        if _COVERS_HERE in node:
            return True
        for part in fold_name(location.relative).split("\\") if location.relative else ():
            node = node.get(part)
            if node is None:
                return False
            if _COVERS_HERE in node:
                return True
        return _KEY_ONLY in node  # the walk ended on a root that covers only itself

    def _trie(self, folded_mount: str) -> dict[str, Any] | None:
        if not self._index and self.mounts:
            for mount, roots in self.mounts.items():
                trie: dict[str, Any] = {}
                for root in roots:
                    if not root.covers:
                        continue
                    node = trie
                    for part in fold_name(root.path).split("\\") if root.path else ():
                        node = node.setdefault(part, {})
                    node[_COVERS_HERE if root.subtree else _KEY_ONLY] = {}
                self._index[fold_name(mount)] = trie
        return self._index.get(folded_mount)

    def root_records(self, mount: str) -> list[dict[str, Any]]:
        """The roots under ``mount`` as report records."""
        return [root.to_dict() for root in self.roots(mount)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "change_script": self.change_script,
            "mounts": [
                {"mount": mount, "roots": [root.to_dict() for root in roots]}
                for mount, roots in self.mounts.items()
            ],
        }


@dataclass
class _MountKeys:
    mount: str  # as the snapshot spells it (the first spelling seen)
    declared: dict[str, int] = field(default_factory=dict)  # folded relative path -> first line
    # The paths as written of the keys declared before their parent (the only ones that can
    # be roots: a key whose parent came first never is): a regedit export has one.
    written: dict[str, str] = field(default_factory=dict)


class CoverageCollector:
    """Collects declared keys, deletions and unreadable lines as a .reg file streams past.

    Feed it with :meth:`declare` (the snapshot builder, which has located the key already)
    or :meth:`apply` (any stream of operations), and :meth:`observe` for every diagnostic as
    it is raised, then call :meth:`finish`.
    """

    def __init__(self) -> None:
        self._mounts: dict[str, _MountKeys] = {}  # folded mount -> its keys
        self._last: tuple[_MountKeys, str, int] | None = None  # the last key line's key
        self._first_deletion: int | None = None
        self._spoiled: dict[tuple[str, str], str] = {}  # (folded mount, key) -> first reason

    # -- feeding --------------------------------------------------------------------------

    def declare(self, mount: str, relative: str, line: int) -> None:
        """A key line ``[mount\\relative]`` at ``line`` (``relative`` as :func:`location_of`
        gives it: names joined by single backslashes)."""
        folded_mount = fold_name(mount)
        keys = self._mounts.get(folded_mount)
        if keys is None:
            keys = self._mounts[folded_mount] = _MountKeys(mount)
        folded = fold_name(relative)
        declared = keys.declared
        if folded not in declared:
            declared[folded] = line
            if not folded or folded.rpartition("\\")[0] not in declared:
                keys.written[folded] = relative
        self._last = (keys, folded, line)

    def delete(self, line: int) -> None:
        """A ``[-key]`` or ``"value"=-`` line: the file is a change script."""
        if self._first_deletion is None:
            self._first_deletion = line

    def apply(self, op: Operation) -> None:
        """Take one operation of a stream (for readers that build no snapshot)."""
        from hiveparse.sources.regtext.snapshot import (  # noqa: PLC0415 - a cycle
            canonical_mount,
            location_of,
        )

        if isinstance(op, CreateKey):
            location: HiveLocation = location_of(op.path)
            known = self._mounts.get(fold_name(location.mount))
            mount = known.mount if known is not None else canonical_mount(location.mount)
            self.declare(mount, location.relative, op.line)
        elif isinstance(op, DeleteKey | DeleteValue):
            self.delete(op.line)

    def observe(self, code: str, severity: Severity, line: int | None) -> None:
        """A diagnostic, as it is raised (before any budget drops it from the list)."""
        if self._last is None or line is None:
            return  # nothing declared yet: the error cannot hide part of a root
        keys, folded, header_line = self._last
        if code == "reg.truncated_suspected":
            reason = (
                f"the file may have been cut after line {line}: it ends without the blank "
                "line regedit writes at the end of every export"
            )
        elif severity is not Severity.ERROR:
            return
        elif code == "reg.truncated":
            reason = f"the file was cut at line {line}: what followed is missing"
        else:
            reason = (
                f"line {line} could not be read ({code}), after the key line {header_line}: "
                "a key or value of this subtree may be missing"
            )
        self._spoiled.setdefault((fold_name(keys.mount), folded), reason)

    # -- the result -----------------------------------------------------------------------

    def finish(self) -> RegCoverage:
        mounts: dict[str, tuple[ExportRoot, ...]] = {}
        for folded_mount, keys in self._mounts.items():
            declared = keys.declared
            root_of = _roots_of(declared)
            roots = [folded for folded in keys.written if root_of[folded] == folded]
            below = _roots_below(roots)
            spoiled: dict[str, str] = {}
            for (mount, folded), reason in self._spoiled.items():
                if mount == folded_mount:
                    spoiled.setdefault(root_of[folded], reason)
            members: dict[str, tuple[int, int]] = {}  # root -> (keys, last line)
            for folded, line in declared.items():
                count, last = members.get(root_of[folded], (0, 0))
                members[root_of[folded]] = (count + 1, max(last, line))
            out: list[ExportRoot] = []
            for folded in roots:
                covers = False
                if self._first_deletion is not None:
                    reason = (
                        f"the file is a change script (it deletes at line "
                        f"{self._first_deletion}): it need not show what the machine holds"
                    )
                elif folded in spoiled:
                    reason = spoiled[folded]
                elif folded in below:
                    other = below[folded]
                    shown = brief_path(keys.written[other], 120)
                    reason = (
                        f"the root at line {declared[other]} ({shown!r}) lies below it without "
                        "the key lines in between: only part of this subtree was exported"
                    )
                else:
                    covers = True
                    count, last = members[folded]
                    reason = (
                        f"exported whole, as regedit exports a subtree: {count} key lines "
                        f"(from line {declared[folded]} to {last}), each with the key lines of "
                        "all its parents"
                    )
                subtree = members[folded][0] > 1
                if covers and not subtree:
                    reason = (
                        f"the key alone (line {declared[folded]}): its values are shown, but "
                        "no key line below it says whether it had subkeys (a regedit export "
                        "would list them, a hand-written file need not)"
                    )
                out.append(
                    ExportRoot(keys.written[folded], declared[folded], covers, reason, subtree)
                )
            out.sort(key=lambda root: root.line)
            mounts[keys.mount] = tuple(out)
        return RegCoverage(mounts, self._first_deletion is not None)


def _roots_of(declared: dict[str, int]) -> dict[str, str]:
    """Each declared key -> its root: the top of the chain of declared parents above it.

    Each key is walked once (what a walk finds is kept for every key on its way), so the
    work is linear in the length of the declared paths, however deep they are.
    """
    root_of: dict[str, str] = {}
    for folded in declared:
        chain = []
        key = folded
        while key not in root_of:
            chain.append(key)
            parent = key.rpartition("\\")[0]
            if not key or parent not in declared:
                root_of[key] = key
                break
            key = parent
        root = root_of[key]
        for item in chain:
            root_of[item] = root
    return root_of


def _roots_below(roots: list[str]) -> dict[str, str]:
    """Root -> one root strictly below it, for the roots that have one.

    In the order of the names joined by NUL, a key's subtree follows it contiguously, so one
    pass with a stack of open roots finds each root's nearest root above: marking it marks
    every root above too, since that one was marked when it was pushed onto the stack.
    """
    ordered = sorted(roots, key=lambda folded: _SEP + folded.replace("\\", _SEP) if folded else "")
    below: dict[str, str] = {}
    stack: list[tuple[str, str]] = []  # (sort key + separator, folded) of open roots
    for folded in ordered:
        sort_key = _SEP + folded.replace("\\", _SEP) if folded else ""
        while stack and not sort_key.startswith(stack[-1][0]):
            stack.pop()
        if stack:
            below.setdefault(stack[-1][1], folded)
        stack.append((sort_key + _SEP, folded))
    return below
