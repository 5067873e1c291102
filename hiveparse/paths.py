"""Registry paths as users type them, and which hive a path belongs to.

``HKLM\\SYSTEM\\CurrentControlSet\\Control`` splits into the root (HKEY_LOCAL_MACHINE), the
hive mount (``HKEY_LOCAL_MACHINE\\SYSTEM``, a SYSTEM hive) and the path inside the hive
(``CurrentControlSet\\Control``). Exports of hives loaded under another name
(``HKLM\\OFFLINE_SYSTEM``, ``HKLM\\CMI-CreateHive{...}``) are recognised too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hiveparse.errors import UsageError
from hiveparse.model import HiveType, split_path

HKLM = "HKEY_LOCAL_MACHINE"
HKU = "HKEY_USERS"
HKCU = "HKEY_CURRENT_USER"
HKCR = "HKEY_CLASSES_ROOT"
HKCC = "HKEY_CURRENT_CONFIG"

ROOT_ALIASES: dict[str, str] = {
    "HKEY_LOCAL_MACHINE": HKLM,
    "HKLM": HKLM,
    "HKEY_USERS": HKU,
    "HKU": HKU,
    "HKEY_CURRENT_USER": HKCU,
    "HKCU": HKCU,
    "HKEY_CLASSES_ROOT": HKCR,
    "HKCR": HKCR,
    "HKEY_CURRENT_CONFIG": HKCC,
    "HKCC": HKCC,
    "HKEY_PERFORMANCE_DATA": "HKEY_PERFORMANCE_DATA",
    "HKEY_DYN_DATA": "HKEY_DYN_DATA",
}

# Hives mounted directly below HKEY_LOCAL_MACHINE, by the name Windows gives the mount.
_HKLM_MOUNTS: dict[str, HiveType] = {
    "SYSTEM": HiveType.SYSTEM,
    "SOFTWARE": HiveType.SOFTWARE,
    "SECURITY": HiveType.SECURITY,
    "SAM": HiveType.SAM,
    "COMPONENTS": HiveType.COMPONENTS,
    "BCD00000000": HiveType.BCD,
    "DRIVERS": HiveType.DRIVERS,
    "ELAM": HiveType.ELAM,
}

# Root-key names Windows gives freshly created hives (``CMI-CreateHive{GUID}``); seen as
# the mount name when such a hive is loaded and exported under its own root name.
CMI_CREATE_HIVE: dict[str, HiveType] = {
    "2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5": HiveType.SYSTEM,
    "199DAFC2-6F16-4946-BF90-5A3FC3A60902": HiveType.SOFTWARE,
    "C4E7BA2B-68E8-499C-B1A1-371AC8D717C7": HiveType.SAM,
    "6A1C4018-979D-4291-A7DC-7AED1C75B67C": HiveType.DEFAULT,
    "D43B12B8-09B5-40DB-B4F6-F6DFEB78DAEC": HiveType.NTUSER,
}

_CMI_RE = re.compile(r"^CMI-CreateHive\{([0-9A-Fa-f-]{36})\}$")
_SID_RE = re.compile(r"^S-1-[0-9-]+$", re.IGNORECASE)
_MOUNT_WORD_RE = re.compile(
    r"(?<![A-Z])(SYSTEM|SOFTWARE|SECURITY|SAM|NTUSER|USRCLASS|DEFAULT|COMPONENTS)(?![A-Z])"
)


@dataclass(frozen=True, slots=True)
class RegistryPath:
    """A full registry path: a canonical root name and the key names below it."""

    root: str
    parts: tuple[str, ...]

    def __str__(self) -> str:
        return "\\".join((self.root, *self.parts))


@dataclass(frozen=True, slots=True)
class HiveLocation:
    """Where a full path lands: the hive mount, the hive's type and the path inside it."""

    mount: str  # e.g. "HKEY_LOCAL_MACHINE\\SYSTEM"; the root alone for HKCU
    hive_type: HiveType
    relative: str  # backslash path inside the hive, "" for the hive root
    mount_name_normalised: bool = False  # the mount was an offline name such as OFFLINE_SYSTEM


def canonical_root(name: str) -> str | None:
    return ROOT_ALIASES.get(name.upper())


def parse_registry_path(text: str) -> RegistryPath:
    """Parse ``HKLM\\Software\\X`` (any root alias, any case) into a :class:`RegistryPath`."""
    # Not stripped: a key name may end in a blank ("T1 " is a valid, distinct name).
    parts = split_path(text)
    if not parts:
        raise UsageError(f"empty registry path {text!r}")
    root = canonical_root(parts[0])
    if root is None:
        raise UsageError(
            f"registry path {text!r} does not start with a root key such as HKLM or HKEY_USERS"
        )
    return RegistryPath(root, tuple(parts[1:]))


def is_full_path(text: str) -> bool:
    parts = split_path(text)
    return bool(parts) and canonical_root(parts[0]) is not None


def mount_type(name: str) -> tuple[HiveType, bool]:
    """The hive type an HKLM mount name stands for, and whether it was an offline alias."""
    upper = name.upper()
    if upper in _HKLM_MOUNTS:
        return _HKLM_MOUNTS[upper], False
    cmi = _CMI_RE.match(name)
    if cmi:
        return CMI_CREATE_HIVE.get(cmi.group(1).upper(), HiveType.UNKNOWN), True
    word = _MOUNT_WORD_RE.search(upper)
    if word:
        return HiveType(word.group(1)), True
    return HiveType.UNKNOWN, True


def locate(path: RegistryPath) -> HiveLocation:
    """Which hive ``path`` belongs to, and the path inside that hive."""
    root, parts = path.root, path.parts
    if root == HKLM:
        if not parts:
            return HiveLocation(HKLM, HiveType.UNKNOWN, "")
        hive_type, normalised = mount_type(parts[0])
        return HiveLocation(f"{HKLM}\\{parts[0]}", hive_type, "\\".join(parts[1:]), normalised)
    if root == HKCU:
        return HiveLocation(HKCU, HiveType.NTUSER, "\\".join(parts))
    if root == HKU:
        if not parts:
            return HiveLocation(HKU, HiveType.UNKNOWN, "")
        first = parts[0]
        if first.upper().endswith("_CLASSES"):
            hive_type = HiveType.USRCLASS
        elif first.upper() in (".DEFAULT", "S-1-5-18"):
            hive_type = HiveType.DEFAULT  # LocalSystem's profile hive is the DEFAULT hive
        elif _SID_RE.match(first):
            hive_type = HiveType.NTUSER
        else:
            hive_type = mount_type(first)[0]
        return HiveLocation(f"{HKU}\\{first}", hive_type, "\\".join(parts[1:]))
    if root == HKCR:
        # HKCR is a merged view; its machine half is HKLM\SOFTWARE\Classes, where the data
        # lives (so an export writes the path a re-import puts back in the same place).
        return HiveLocation(f"{HKLM}\\SOFTWARE", HiveType.SOFTWARE, "\\".join(("Classes", *parts)))
    if root == HKCC:
        # HKCC is a link to the current hardware profile of the SYSTEM hive.
        return HiveLocation(
            f"{HKLM}\\SYSTEM",
            HiveType.SYSTEM,
            "\\".join(("CurrentControlSet", "Hardware Profiles", "Current", *parts)),
        )
    return HiveLocation(root, HiveType.UNKNOWN, "\\".join(parts))


def full_key_path(mount: str, path: str) -> str:
    """A key's full path: its hive's mount, then the path inside the hive ("" for the root)."""
    return f"{mount}\\{path}" if path else mount


def default_mount(hive_type: HiveType, fallback_name: str = "HIVE") -> str:
    """Where a hive file of ``hive_type`` is mounted when it is opened alone."""
    for name, mounted in _HKLM_MOUNTS.items():
        if mounted == hive_type:
            return f"{HKLM}\\{name}"
    if hive_type == HiveType.NTUSER:
        return HKCU
    if hive_type == HiveType.USRCLASS:
        return f"{HKCU}\\Software\\Classes"
    if hive_type == HiveType.DEFAULT:
        return f"{HKU}\\.DEFAULT"
    return f"{HKLM}\\{fallback_name}"
