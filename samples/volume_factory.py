"""Build the key material of a Windows volume, so a sample's grace-period timebomb decrypts.

Everything the offline chain reads (dpapi.md §1) is made here with the project's protect code
(:mod:`hiveparse.crypto.protect`) and written in the places Windows keeps it:

* the boot key, as the class names of ``ControlSetNNN\\Control\\Lsa\\{JD,Skew1,GBG,Data}``
  in SYSTEM;
* a Vista+ SECURITY hive: ``Policy\\PolRevision``, ``Policy\\PolEKList`` (one LSA key) and
  ``Policy\\Secrets\\DPAPI_SYSTEM`` with ``CurrVal``, ``OldVal`` (an older DPAPI_SYSTEM),
  ``CupdTime``, ``OupdTime`` and ``SecDesc``, each a ``(default)`` value laid out as on the
  modern SECURITY hives of the corpus (REG_NONE values; the secret key's own ``(default)`` an
  empty REG_DWORD);
* ``Windows/System32/Microsoft/Protect/S-1-5-18/<guid>``: the SYSTEM master key, protected by
  the DPAPI_SYSTEM machine key (AES-256/SHA-512, 8000 rounds), and ``Preferred``;
* the timebomb: a LocalMachine blob (flag 0x4, AES-256/SHA-512, no entropy, empty
  description) over the expiry's 8-byte FILETIME, under that master key. The caller puts it in
  ``RCM\\GracePeriod``.

Every key and salt comes from a SHA-256 stream over ``seed`` and a label per item
(:func:`~hiveparse.crypto.protect_random.seeded_random_bytes`), so one seed gives the same
bytes on every run. This module does not import ``make_samples`` (which will import it).

    material = build_key_material("rdsh-01", datetime(2026, 3, 20, 9, 30, tzinfo=UTC))
    write_volume(case_folder, system_hive, material)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

from hiveparse.crypto.dpapi_system import DpapiSystem
from hiveparse.crypto.lsa import POL_EK_LIST, POL_REVISION, SECRETS
from hiveparse.crypto.protect import (
    PREFERRED_LIFETIME,
    VISTA_PLUS_POL_REVISION,
    build_dpapi_system,
    build_pol_revision,
    build_preferred,
    class_names_from_boot_key,
    protect_blob,
    protect_master_key_file,
    protect_pol_ek_list,
    protect_secret_nt6,
    seeded_random_bytes,
)
from hiveparse.decode.security import Grant, build_security_descriptor
from hiveparse.filetime import datetime_to_filetime
from hiveparse.model import HiveType, ValueType
from hiveparse.sources.memory import MemoryHive, MemoryKey
from hiveparse.sources.regf.writer import write_hive

GRACE_PERIOD = timedelta(days=120)  # the timebomb is written at role install + 120 days
CONFIG_DIR = PurePosixPath("Windows/System32/config")
PROTECT_SYSTEM_DIR = PurePosixPath("Windows/System32/Microsoft/Protect/S-1-5-18")
LSA_KEY_PATH = r"Control\Lsa"
DPAPI_SYSTEM_PATH = rf"{SECRETS}\DPAPI_SYSTEM"
# The root name of every SECURITY hive Windows setup created in the corpus (Eric Zimmerman's,
# the Server 2016/2019 domain controller).
SECURITY_ROOT_NAME = "CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}"
# SecDesc of an LSA secret, the same 100 bytes on every modern SECURITY hive of the corpus:
# owner Administrators, group SYSTEM; Administrators 0x000F0003 (SECRET_ALL_ACCESS),
# Everyone 0x00020000 (READ_CONTROL), no inheritance flags.
_ADMINISTRATORS, _SYSTEM, _EVERYONE = "S-1-5-32-544", "S-1-5-18", "S-1-1-0"
SECRET_SECURITY_DESCRIPTOR = build_security_descriptor(
    _ADMINISTRATORS,
    _SYSTEM,
    (
        Grant(_ADMINISTRATORS, 0x000F0003, container_inherit=False),
        Grant(_EVERYONE, 0x00020000, container_inherit=False),
    ),
)
_CONTROL_SET = re.compile(r"ControlSet\d{3}", re.IGNORECASE)


@dataclass(frozen=True)
class KeyMaterial:
    """What a volume needs for its timebomb to decrypt; keys stay out of ``repr``."""

    class_names: dict[str, str]  # JD, Skew1, GBG, Data -> 8 hex digits
    security: MemoryHive
    master_key_guid: uuid.UUID
    master_key_file: bytes = field(repr=False)
    preferred: bytes = field(repr=False)
    timebomb: bytes = field(repr=False)
    timebomb_expiry: datetime
    installed: datetime  # DPAPI_SYSTEM written, master key created
    boot_key: bytes = field(repr=False)
    lsa_key_id: uuid.UUID
    lsa_key: bytes = field(repr=False)
    dpapi_system: DpapiSystem  # CurrVal
    old_dpapi_system: DpapiSystem  # OldVal
    master_key: bytes = field(repr=False)


def _none(key: MemoryKey, raw: bytes, last_written: int) -> None:
    """A ``(default)`` REG_NONE value, the way the SECURITY hive stores policy data."""
    key.set_value("", int(ValueType.REG_NONE), raw)
    key.last_written_raw = last_written


def _stamp_rest(root: MemoryKey, last_written: int) -> None:
    stack = [root]
    while stack:
        key = stack.pop()
        if key.last_written_raw is None:
            key.last_written_raw = last_written
        stack.extend(key.subkeys())


def _dpapi_system(keys: bytes) -> DpapiSystem:
    """Version 1, then the machine key and the user key (20 bytes each)."""
    return DpapiSystem(1, keys[:20], keys[20:])


def security_hive(
    boot_key: bytes,
    lsa_key_id: uuid.UUID,
    lsa_key: bytes,
    values: Mapping[str, DpapiSystem],
    seed: str,
    installed: datetime,
    pol_revision: tuple[int, int],
) -> MemoryHive:
    """A Vista+ SECURITY hive: the LSA key under the boot key (PolEKList), PolRevision, and
    DPAPI_SYSTEM's CurrVal and OldVal (``values``) under the LSA key, with update times."""
    hive = MemoryHive(HiveType.SECURITY, root_name=SECURITY_ROOT_NAME)
    root = hive.root()
    written = datetime_to_filetime(installed)
    # CupdTime follows OupdTime by about a second (BitCurator XP: 0.97 s).
    updated = datetime_to_filetime(installed + timedelta(seconds=1))
    policy_key_list = protect_pol_ek_list(
        {lsa_key_id: lsa_key}, lsa_key_id, boot_key, seeded_random_bytes(f"{seed}\0PolEKList")
    )
    _none(root.ensure(POL_REVISION), build_pol_revision(*pol_revision), written)
    _none(root.ensure(POL_EK_LIST), policy_key_list, written)
    _none(root.ensure(SECRETS), b"", written)
    secret = root.ensure(DPAPI_SYSTEM_PATH)
    secret.set_value("", int(ValueType.REG_DWORD), b"")  # an empty REG_DWORD on every hive
    for slot, time_slot, when in (
        ("CurrVal", "CupdTime", updated),
        ("OldVal", "OupdTime", written),
    ):
        payload = build_dpapi_system(values[slot].machine_key, values[slot].user_key)
        stream = seeded_random_bytes(f"{seed}\0DPAPI_SYSTEM\0{slot}")
        _none(
            secret.add_key(slot), protect_secret_nt6(payload, lsa_key, lsa_key_id, stream), updated
        )
        _none(secret.add_key(time_slot), when.to_bytes(8, "little"), when)
    _none(secret.add_key("SecDesc"), SECRET_SECURITY_DESCRIPTOR, written)
    _stamp_rest(root, written)
    return hive


def build_key_material(
    seed: str,
    timebomb_expiry: datetime,
    *,
    installed: datetime | None = None,
    pol_revision: tuple[int, int] = VISTA_PLUS_POL_REVISION,
) -> KeyMaterial:
    """The boot key, SECURITY hive, SYSTEM master key, ``Preferred`` and timebomb of one machine.

    ``installed`` (default: 120 days before the expiry) is when DPAPI_SYSTEM and the master
    key were made: the secret's update times, the SECURITY key times, and ``Preferred``'s
    expiry (90 days later).
    """
    if installed is None:
        installed = timebomb_expiry - GRACE_PERIOD

    def draw(label: str, size: int) -> bytes:
        return seeded_random_bytes(f"{seed}\0{label}")(size)

    boot_key = draw("boot key", 16)
    lsa_key_id = uuid.UUID(bytes_le=draw("LSA key id", 16))
    lsa_key = draw("LSA key", 32)
    current = _dpapi_system(draw("DPAPI_SYSTEM CurrVal", 40))
    old = _dpapi_system(draw("DPAPI_SYSTEM OldVal", 40))
    guid = uuid.UUID(bytes=draw("master key guid", 16), version=4)
    master_key = draw("master key", 64)
    security = security_hive(
        boot_key,
        lsa_key_id,
        lsa_key,
        {"CurrVal": current, "OldVal": old},
        seed,
        installed,
        pol_revision,
    )
    master_key_file = protect_master_key_file(
        guid, master_key, current.machine_key, seeded_random_bytes(f"{seed}\0master key file")
    )
    expiry = datetime_to_filetime(timebomb_expiry).to_bytes(8, "little")
    timebomb = protect_blob(expiry, master_key, guid, seeded_random_bytes(f"{seed}\0timebomb"))
    return KeyMaterial(
        class_names=class_names_from_boot_key(boot_key),
        security=security,
        master_key_guid=guid,
        master_key_file=master_key_file,
        preferred=build_preferred(guid, installed + PREFERRED_LIFETIME),
        timebomb=timebomb,
        timebomb_expiry=timebomb_expiry,
        installed=installed,
        boot_key=boot_key,
        lsa_key_id=lsa_key_id,
        lsa_key=lsa_key,
        dpapi_system=current,
        old_dpapi_system=old,
        master_key=master_key,
    )


def set_lsa_class_names(
    system: MemoryHive, class_names: Mapping[str, str], *, last_written: int | None = None
) -> list[str]:
    """Give ``Control\\Lsa\\{JD,Skew1,GBG,Data}`` of every ControlSetNNN these class names
    (creating missing keys, stamped ``last_written``); returns the ControlSets changed."""
    control_sets = [key for key in system.root().subkeys() if _CONTROL_SET.fullmatch(key.name)]
    if not control_sets:
        raise ValueError("the SYSTEM hive has no ControlSetNNN key")
    for control_set in control_sets:
        lsa = control_set.ensure(LSA_KEY_PATH)
        for name, class_name in class_names.items():
            key = lsa.add_key(name)
            key.class_name_text = class_name
            if key.last_written_raw is None:
                key.last_written_raw = last_written
    return [key.name for key in control_sets]


def write_volume(folder: Path, system: MemoryHive, key_material: KeyMaterial) -> list[Path]:
    """Write ``folder/Windows/System32/config/{SYSTEM,SECURITY}`` and the SYSTEM master key
    folder (``<guid>``, ``Preferred``); returns the files written.

    ``system`` gets the boot key's class names first (it is changed in place).
    """
    set_lsa_class_names(
        system,
        key_material.class_names,
        last_written=datetime_to_filetime(key_material.installed),
    )
    files: list[tuple[PurePosixPath, bytes]] = [
        (
            CONFIG_DIR / name,
            write_hive(hive, hive_file_name=f"\\SystemRoot\\System32\\Config\\{name}"),
        )
        for name, hive in (("SYSTEM", system), ("SECURITY", key_material.security))
    ]
    files += [
        (PROTECT_SYSTEM_DIR / str(key_material.master_key_guid), key_material.master_key_file),
        (PROTECT_SYSTEM_DIR / "Preferred", key_material.preferred),
    ]
    written: list[Path] = []
    for relative, data in files:
        path = folder.joinpath(*relative.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written
