"""Which hive a file is, from its content (root subkeys, then the embedded file name).

File names lie (``SYSTEM.bak``, ``hive1``, case-mangled copies), so the root key's children
decide; the name Windows embeds in the base block is only a tie-breaker.
"""

from __future__ import annotations

from hiveparse.model import HiveType, Key, fold_name

# Root subkeys that, together, identify a hive. Checked in order; all names must be present.
_ROOT_SIGNATURES: tuple[tuple[HiveType, tuple[str, ...]], ...] = (
    (HiveType.SYSTEM, ("SELECT",)),
    (HiveType.SAM, ("SAM",)),
    (HiveType.SECURITY, ("POLICY", "RXACT")),
    (HiveType.SECURITY, ("POLICY",)),
    (HiveType.COMPONENTS, ("CANONICALDATA",)),
    (HiveType.BCD, ("OBJECTS", "DESCRIPTION")),
    (HiveType.DRIVERS, ("DRIVERDATABASE",)),
    (HiveType.AMCACHE, ("ROOT",)),
)

_EMBEDDED_NAMES: tuple[tuple[str, HiveType], ...] = (
    ("USRCLASS.DAT", HiveType.USRCLASS),
    ("NTUSER.DAT", HiveType.NTUSER),
    ("AMCACHE.HVE", HiveType.AMCACHE),
    ("\\DEFAULT", HiveType.DEFAULT),
    ("SOFTWARE", HiveType.SOFTWARE),
    ("SECURITY", HiveType.SECURITY),
    ("SYSTEM", HiveType.SYSTEM),
    ("\\SAM", HiveType.SAM),
    ("BCD", HiveType.BCD),
)


def detect_hive_type(root: Key, embedded_name: str = "") -> HiveType:
    names = {fold_name(key.name) for key in root.subkeys()}
    for hive_type, required in _ROOT_SIGNATURES:
        if all(name in names for name in required):
            if hive_type == HiveType.SYSTEM and not any(n.startswith("CONTROLSET") for n in names):
                continue
            return hive_type
    if "MICROSOFT" in names and (
        "CLASSES" in names
        or ("POLICIES" in names and root.find("Microsoft\\Windows NT\\CurrentVersion"))
    ):
        return HiveType.SOFTWARE
    user_markers = {"CONTROL PANEL", "ENVIRONMENT", "SOFTWARE", "APPEVENTS", "KEYBOARD LAYOUT"}
    embedded = embedded_name.upper()
    if "SOFTWARE" in names and len(names & user_markers) >= 2:
        if embedded.endswith("\\DEFAULT") or embedded == "DEFAULT":
            return HiveType.DEFAULT
        return HiveType.NTUSER
    if "LOCAL SETTINGS" in names or "CLSID" in names or any(n.startswith(".") for n in names):
        return HiveType.USRCLASS
    for marker, hive_type in _EMBEDDED_NAMES:
        if embedded.endswith(marker):
            return hive_type
    return HiveType.UNKNOWN
